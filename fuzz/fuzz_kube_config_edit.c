/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: kube-proxy's config.conf (from the ConfigMap: any cluster admin, or
 * anyone who can edit that ConfigMap, writes it) through the editor that the dashboard
 * uses to switch the proxy mode and the IPVS scheduler, and the diff it shows before saving.
 *
 * Input: TEXT, optionally followed by a NUL and the VALUE to set (default "ipvs"), and by
 * another NUL and a KEY tried besides "mode" and "ipvs.scheduler".
 * Checks what the header promises: after a successful edit of mode or ipvs.scheduler to a
 * value that fits, kube_proxy_conf_parse reads that value back from the new text; the
 * diff of a text with itself is empty.
 */
#include "config.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "kube_model.h"
#include "kube_proxy_conf.h"

/* What kube_proxy_conf_parse should read back after value was set (null and ~ written bare
 * read as "", quoted as themselves). */
static bool reads_back(const char *key, const char *value, const struct kube_proxy_config *c)
{
	const char *got = strcmp(key, "mode") == 0 ? c->mode : c->scheduler;
	if (!strcmp(value, "null") || !strcmp(value, "Null") || !strcmp(value, "NULL") ||
	    !strcmp(value, "~"))
		return got[0] == '\0' || strcmp(got, value) == 0;
	return strcmp(got, value) == 0;
}

static void edit(const char *text, const char *key, const char *value)
{
	char *out = NULL, *diff = NULL;
	if (kube_proxy_conf_set(text, key, value, &out) != 0) {
		if (out) {
			fprintf(stderr, "fuzz_kube_config_edit: output left on error\n");
			abort();
		}
		return;
	}
	/*
	 * The fields ipvstop itself sets and reads back: when the old text was readable and the
	 * value fits the field, the new text reads as that value.
	 */
	struct kube_proxy_config before, after;
	bool checked = !strcmp(key, "mode") || !strcmp(key, "ipvs.scheduler");
	if (checked && strlen(value) < sizeof(after.mode) &&
	    kube_proxy_conf_parse(text, &before) == 0) {
		if (kube_proxy_conf_parse(out, &after) != 0) {
			fprintf(stderr, "fuzz_kube_config_edit: setting %s to '%s' made the text "
					"unreadable\n",
				key, value);
			abort();
		}
		if (!reads_back(key, value, &after)) {
			fprintf(stderr, "fuzz_kube_config_edit: set %s to '%s', read back '%s'\n",
				key, value, strcmp(key, "mode") ? after.scheduler : after.mode);
			abort();
		}
	}
	if (kube_proxy_conf_diff(text, out, &diff) == 0)
		free(diff);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf = fuzz_strndup(data, size);
	const char *text = buf, *value = "ipvs", *key = NULL;
	size_t tl = strlen(buf);
	if (tl < size) {
		value = buf + tl + 1;
		size_t vl = strlen(value);
		if (tl + 1 + vl < size)
			key = value + vl + 1;
	}

	edit(text, "mode", value);
	edit(text, "ipvs.scheduler", value);
	if (key)
		edit(text, key, value);

	/* The sync period of what reads (a Go duration of a hostile text): 0 to Go's limit. */
	struct kube_proxy_config c;
	if (kube_proxy_conf_parse(text, &c) == 0) {
		double p = kube_proxy_conf_sync_period(&c);
		if (!(p >= 0 && p <= 9223372036.0)) {
			fprintf(stderr, "fuzz_kube_config_edit: sync period %g\n", p);
			abort();
		}
	}
	long d = kube_duration_seconds(value);
	if (d < -1 || d > 9223372036L) {
		fprintf(stderr, "fuzz_kube_config_edit: '%s' is %ld s\n", value, d);
		abort();
	}

	char *diff = NULL;
	if (kube_proxy_conf_diff(text, text, &diff) == 0) {
		if (diff[0]) {
			fprintf(stderr, "fuzz_kube_config_edit: a text differs from itself\n");
			abort();
		}
		free(diff);
	}
	/* Two unrelated texts: the value as the new text. */
	if (kube_proxy_conf_diff(text, value, &diff) == 0)
		free(diff);

	free(buf);
	return 0;
}
