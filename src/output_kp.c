/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kube-proxy's health (its /metrics, conn_reuse_mode) and a new connection's cost, written. */
#include "config.h"

#include <math.h>
#include <stdio.h>

#include "kp_health.h"
#include "kube_side.h"
#include "nls.h"
#include "output_kp.h"

static void number_or_null(struct jw *w, const char *key, bool have, double v)
{
	if (have && isfinite(v))
		jw_double(w, key, v);
	else
		jw_null(w, key);
}

static void write_conn_reuse(struct jw *w, const struct kube_state *k, const struct snapshot *s)
{
	struct kp_conn_reuse cr;
	char ver[24];
	kp_conn_reuse_of(s, k, &cr);
	jw_open(w, "conn_reuse_mode", '{');
	if (cr.value >= 0)
		jw_i64(w, "value", cr.value);
	else
		jw_null(w, "value");
	snprintf(ver, sizeof(ver), "%d.%d", cr.major, cr.minor);
	jw_string(w, "kernel", cr.kernel_known ? ver : NULL);
	if (cr.known && cr.kube_proxy_sets >= 0)
		jw_i64(w, "kube_proxy_sets", cr.kube_proxy_sets);
	else
		jw_null(w, "kube_proxy_sets");
	jw_bool(w, "ipvs_mode", kp_local_ipvs_mode(k));
	jw_bool(w, "mismatch", cr.mismatch);
	jw_string(w, "why", cr.why);
	jw_close(w, '}');
}

static void write_health(struct jw *w, const struct kp_health *h)
{
	number_or_null(w, "last_sync_age", h->have_last_sync, h->last_sync_age);
	number_or_null(w, "sync_seconds_mean", h->have_duration, h->sync_mean);
	number_or_null(w, "syncs", h->have_duration, h->sync_count);
	jw_bool(w, "hung", h->hung);
	jw_double(w, "hung_for", h->hung_for);
	jw_double(w, "hung_threshold", h->hung_threshold);
	number_or_null(w, "endpoint_changes_pending", h->have_pending, h->endpoint_changes_pending);
	number_or_null(w, "service_changes_pending", h->have_pending, h->service_changes_pending);
	if (h->have_failures) {
		jw_open(w, "failures", '{');
		jw_double(w, "total", h->failures);
		jw_double(w, "iptables_restore", h->restore_failures);
		jw_double(w, "iptables_partial_restore", h->partial_restore_failures);
		jw_double(w, "nftables_sync", h->nft_sync_failures);
		jw_close(w, '}');
	} else {
		jw_null(w, "failures");
	}
	number_or_null(w, "iptables_rules", h->iptables_rules >= 0, h->iptables_rules);
	number_or_null(w, "iptables_nat_rules", h->iptables_nat_rules >= 0, h->iptables_nat_rules);
}

void output_kp_health_json(struct jw *w, const struct kube_state *k, const struct snapshot *s)
{
	struct kp_health h;
	bool have = kp_health_of(k, s->time, &h);
	jw_open(w, "kube_proxy", '{');
	jw_bool(w, "metrics_asked", k->kp.asked);
	jw_bool(w, "metrics_read", have);
	jw_string(w, "error", k->kp.error ? k->kp.why : NULL);
	number_or_null(w, "read_age", have, s->time > k->kp.time ? s->time - k->kp.time : 0);
	write_health(w, &h);
	char line[1024];
	bool warn;
	struct kp_conn_reuse cr;
	kp_conn_reuse_of(s, k, &cr);
	kp_health_text(k, s->time, &cr, line, sizeof(line), &warn);
	jw_bool(w, "warn", warn);
	write_conn_reuse(w, k, s);
	jw_close(w, '}');
}

void output_cost_json(struct jw *w, const struct snapshot *s, const struct kube_view *kv)
{
	struct dp_cost c;
	dp_cost_of(s, kv ? kv->k : NULL, &c);
	jw_open(w, "new_connection_cost", '[');
	for (size_t i = 0; i < c.n; i++) {
		const struct dp_cost_line *l = &c.line[i];
		jw_open(w, NULL, '{');
		jw_string(w, "plane", dp_plane_name(l->plane));
		jw_string(w, "lookup", dp_cost_how_name(l->how));
		jw_u64(w, "size", l->size);
		jw_bool(w, "kube_proxy_runs", l->kube_proxy_runs);
		number_or_null(w, "sync_seconds_mean", l->have_sync, l->sync_mean);
		number_or_null(w, "syncs", l->have_sync, l->sync_count);
		jw_close(w, '}');
	}
	jw_close(w, ']');
}

void output_cost_text(FILE *f, const struct snapshot *s, const struct kube_view *kv)
{
	struct dp_cost c;
	char buf[512];
	dp_cost_of(s, kv ? kv->k : NULL, &c);
	if (!c.n)
		return;
	fputs(_("What a new connection costs on this node (its first packet; the rest follow "
		"conntrack):\n"),
	      f);
	for (size_t i = 0; i < c.n; i++)
		fprintf(f, "  %-16s %s\n", dp_plane_name(c.line[i].plane),
			dp_cost_text(&c.line[i], buf, sizeof(buf)));
	fputc('\n', f);
}
