/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kube-proxy's health from its metrics, and conn_reuse_mode against the kernel: no I/O. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "cells.h"
#include "kp_health.h"
#include "kube_model.h"
#include "kube_proxy_conf.h"
#include "snapshot.h"
#include "nls.h"

/* The newest successful sync of any IP family (Unix seconds); false when none is known. */
static bool newest_sync(const struct kp_metrics *m, double *t)
{
	bool any = false;
	for (size_t i = 0; i < m->n_fam; i++) {
		const struct kp_value *v = &m->fam[i].last_sync;
		/* 0 is the gauge before the first sync: no sync, not one in 1970. */
		if (!v->present || !(v->value > 0))
			continue;
		if (!any || v->value > *t)
			*t = v->value;
		any = true;
	}
	return any;
}

static void derive_failures(const struct kp_metrics *m, struct kp_health *h)
{
	h->restore_failures = m->iptables_restore_failures.value;
	h->partial_restore_failures = m->iptables_partial_restore_failures.value;
	h->nft_sync_failures = m->nftables_sync_failures.value;
	h->have_failures = m->iptables_restore_failures.present ||
			   m->iptables_partial_restore_failures.present ||
			   m->nftables_sync_failures.present;
	h->failures = h->restore_failures + h->partial_restore_failures + h->nft_sync_failures;
}

static void derive_rules(const struct kp_metrics *m, struct kp_health *h)
{
	h->iptables_rules = h->iptables_nat_rules = -1;
	for (size_t i = 0; i < m->n_iptables_rules; i++) {
		const struct kp_labeled *l = &m->iptables_rules[i];
		h->iptables_rules = (h->iptables_rules < 0 ? 0 : h->iptables_rules) + l->value;
		if (strcmp(l->label, "nat") == 0)
			h->iptables_nat_rules =
			    (h->iptables_nat_rules < 0 ? 0 : h->iptables_nat_rules) + l->value;
	}
}

void kp_health_derive(const struct kp_metrics *m, double now_wall, double sync_period,
		      struct kp_health *h)
{
	memset(h, 0, sizeof(*h));
	if (!(sync_period > 0))
		sync_period = KP_HEALTH_SYNC_PERIOD;
	h->hung_threshold =
	    2 * sync_period > KP_HEALTH_HUNG_MIN ? 2 * sync_period : KP_HEALTH_HUNG_MIN;
	double last = 0;
	if (newest_sync(m, &last)) {
		h->have_last_sync = true;
		/* A clock a little behind kube-proxy's is not a sync in the future. */
		h->last_sync_age = now_wall > last ? now_wall - last : 0;
	}
	double mean = kp_histogram_mean(&m->sync);
	if (!isnan(mean)) {
		h->have_duration = true;
		h->sync_mean = mean;
		h->sync_count = m->sync.count;
	}
	h->hung = kp_metrics_sync_hung(m, now_wall, h->hung_threshold, &h->hung_for);
	h->have_pending = m->endpoint_changes_pending.present || m->service_changes_pending.present;
	h->endpoint_changes_pending = m->endpoint_changes_pending.value;
	h->service_changes_pending = m->service_changes_pending.value;
	derive_failures(m, h);
	derive_rules(m, h);
	h->warn = h->hung || h->failures > 0;
}

/* Seconds in words that stay short: "3 s", "95 s", "12 min", "5 h". */
static const char *age_text(double s, char *buf, size_t len)
{
	if (s < 120)
		snprintf(buf, len, _("%.0f s"), s);
	else if (s < 7200)
		snprintf(buf, len, _("%.0f min"), s / 60);
	else
		snprintf(buf, len, _("%.0f h"), s / 3600);
	return buf;
}

const char *kp_health_line(const struct kp_health *h, char *buf, size_t len)
{
	char a[32];
	size_t n = 0;
	buf[0] = '\0';
	if (h->hung)
		n = cells_catf(
		    buf, n, len,
		    _("! kube-proxy sync hung for %s (queued, not done; %.0f s allowed)"),
		    age_text(h->hung_for, a, sizeof(a)), h->hung_threshold);
	else if (h->have_last_sync)
		n = cells_catf(buf, n, len, _("kube-proxy here: synced %s ago"),
			       age_text(h->last_sync_age, a, sizeof(a)));
	else
		n = cells_catf(buf, n, len, "%s", _("kube-proxy here: no sync yet"));
	if (h->have_duration)
		n = cells_catf(buf, n, len, _(", %.2f s a sync (mean of %.0f)"), h->sync_mean,
			       h->sync_count);
	if (h->failures > 0)
		n = cells_catf(buf, n, len, _("; ! %.0f sync failures"), h->failures);
	double pending = h->endpoint_changes_pending + h->service_changes_pending;
	if (h->have_pending && pending > 0)
		n = cells_catf(buf, n, len, _("; %.0f endpoint and %.0f service changes pending"),
			       h->endpoint_changes_pending, h->service_changes_pending);
	if (h->iptables_rules >= 0)
		cells_catf(buf, n, len, _("; %.0f iptables rules"), h->iptables_rules);
	return buf;
}

bool kp_kernel_version(const char *release, int *major, int *minor)
{
	if (!release)
		return false;
	char *end;
	long ma = strtol(release, &end, 10);
	if (end == release || *end != '.' || ma < 0 || ma > 1000)
		return false;
	const char *p = end + 1;
	long mi = strtol(p, &end, 10);
	if (end == p || mi < 0 || mi > 1000)
		return false;
	*major = (int)ma;
	*minor = (int)mi;
	return true;
}

static bool version_lt(int ma, int mi, int ref_ma, int ref_mi)
{
	return ma < ref_ma || (ma == ref_ma && mi < ref_mi);
}

void kp_conn_reuse_check(long value, const char *release, bool ipvs_mode, struct kp_conn_reuse *out)
{
	memset(out, 0, sizeof(*out));
	out->value = value;
	out->kube_proxy_sets = -1;
	out->kernel_known = kp_kernel_version(release, &out->major, &out->minor);
	if (value < 0 || !out->kernel_known)
		return;
	out->known = true;
	/* pkg/proxy/ipvs: connReuseMinSupportedKernelVersion 4.1, connReuseFixedKernelVersion 5.9.
	 */
	bool sets =
	    !version_lt(out->major, out->minor, 4, 1) && version_lt(out->major, out->minor, 5, 9);
	out->kube_proxy_sets = sets ? 0 : -1;
	if (!ipvs_mode)
		return;
	if (sets && value != 0) {
		out->mismatch = true;
		out->why = N_("kube-proxy sets conn_reuse_mode=0 on kernels before 5.9 and it is "
			      "not 0: a new connection that reuses a port waits 1 s (its first SYN "
			      "is dropped)");
	} else if (!version_lt(out->major, out->minor, 5, 9) && value == 0) {
		out->mismatch = true;
		out->why =
		    N_("conn_reuse_mode=0 on a kernel since 5.9, where kube-proxy leaves it "
		       "alone: connections that reuse a port stay with their old real server, "
		       "even one at weight 0");
	}
}

bool kp_health_of(const struct kube_state *k, double now_wall, struct kp_health *h)
{
	static const struct kp_metrics none;
	bool read = k && k->kp.read;
	/*
	 * Nothing read: every field says unknown (have_* false, rule counts -1). The period is
	 * config.conf's, as kube-proxy's own /healthz takes it (2 x syncPeriod).
	 */
	kp_health_derive(read ? &k->kp.m : &none, now_wall,
			 k ? kube_proxy_conf_sync_period(&k->config) : 0, h);
	return read;
}

bool kp_health_text(const struct kube_state *k, double now_wall, const struct kp_conn_reuse *cr,
		    char *buf, size_t len, bool *warn)
{
	struct kp_health h;
	buf[0] = '\0';
	*warn = false;
	if (!k || !k->kp.asked)
		return false;
	size_t n = 0;
	if (kp_health_of(k, now_wall, &h)) {
		kp_health_line(&h, buf, len);
		n = strlen(buf);
		*warn = h.warn;
		if (k->kp.error) {
			n = cells_catf(buf, n, len, _("; ! metrics not read again: %s"), k->kp.why);
			*warn = true;
		}
	} else {
		n = cells_catf(buf, n, len, _("kube-proxy here: no metrics (%s)"), k->kp.why);
		/* Nothing listening is a node without kube-proxy; a port that hangs is not. */
		*warn = k->kp.error != -ECONNREFUSED;
	}
	if (cr && cr->mismatch) {
		cells_catf(buf, n, len,
			   _("; ! net.ipv4.vs.conn_reuse_mode=%ld on kernel %d.%d: %s"), cr->value,
			   cr->major, cr->minor, _(cr->why));
		*warn = true;
	}
	return true;
}

bool kp_local_ipvs_mode(const struct kube_state *k)
{
	if (!k)
		return false;
	if (k->local_mode[0])
		return strcmp(k->local_mode, "ipvs") == 0;
	return k->kube_ipvs0;
}

void kp_conn_reuse_of(const struct snapshot *s, const struct kube_state *k,
		      struct kp_conn_reuse *out)
{
	long value = -1;
	for (size_t i = 0; s && i < s->n_sysctls; i++)
		if (strcmp(s->sysctls[i].name, "net.ipv4.vs.conn_reuse_mode") == 0 &&
		    s->sysctls[i].present)
			value = s->sysctls[i].value;
	struct utsname u;
	const char *release = uname(&u) == 0 ? u.release : NULL;
	kp_conn_reuse_check(value, release, kp_local_ipvs_mode(k), out);
}
