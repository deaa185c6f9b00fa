/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: a kube-proxy /metrics reply (Prometheus text format) into
 * kp_metrics_parse, then the derived answers (mean, hung) on whatever it kept.
 *
 * The input is passed as is, not NUL-terminated: the parser must stop at its length. Its
 * invariants are checked: counts within the arrays, buckets sorted, a cut label field
 * still terminated.
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "kp_metrics.h"

static void check_histogram(const struct kp_histogram *h)
{
	if (h->n_buckets > KP_METRICS_MAX_BUCKETS)
		abort();
	for (size_t i = 1; i < h->n_buckets; i++)
		if (!(h->buckets[i - 1].le < h->buckets[i].le))
			abort();
	(void)kp_histogram_mean(h);
}

static void check_labeled(const struct kp_labeled *a, size_t n)
{
	if (n > KP_METRICS_MAX_LABELED)
		abort();
	for (size_t i = 0; i < n; i++)
		if (!memchr(a[i].label, '\0', sizeof(a[i].label)) ||
		    !memchr(a[i].family, '\0', sizeof(a[i].family)))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_memdup(data, size);
	struct kp_metrics m;
	(void)kp_metrics_parse(text, size, &m);
	free(text);

	check_histogram(&m.sync);
	check_histogram(&m.sync_full);
	check_histogram(&m.sync_partial);
	check_labeled(m.iptables_rules, m.n_iptables_rules);
	check_labeled(m.no_local_endpoints, m.n_no_local_endpoints);
	if (m.n_fam > KP_METRICS_MAX_FAMILIES || m.n_kube_proxy > m.n_samples)
		abort();
	double wait;
	(void)kp_metrics_sync_hung(&m, 1.7e9, 60, &wait);
	return 0;
}
