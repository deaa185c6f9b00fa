/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The cost of a new connection per data plane, from what the readers found: no I/O. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "dp_cost.h"
#include "kp_health.h"
#include "kube_model.h"
#include "nls.h"

const char *dp_cost_how_name(enum dp_cost_how h)
{
	static const char *const names[] = {"linear", "hash", "verdict-map"}; /* enum order */
	return (unsigned)h < sizeof(names) / sizeof(names[0]) ? names[h] : "unknown";
}

/* Whether kube-proxy's /proxyMode names plane k ("iptables" covers both backends). */
static bool runs(const char *mode, enum dp_plane_kind k)
{
	if (!mode || !mode[0])
		return false;
	switch (k) {
	case DP_IPVS:
		return strcmp(mode, "ipvs") == 0;
	case DP_NFTABLES:
		return strcmp(mode, "nftables") == 0;
	case DP_IPTABLES_NFT:
	case DP_IPTABLES_LEGACY:
		return strcmp(mode, "iptables") == 0;
	case DP_N_PLANES:
		break;
	}
	return false;
}

static bool present(const struct snapshot *s, enum dp_plane_kind k, size_t *size,
		    enum dp_cost_how *how)
{
	if (k == DP_IPVS) {
		*how = DPC_HASH;
		*size = s->n_services;
		return s->ipvs_available && s->n_services > 0;
	}
	if (!s->dp || !s->dp->planes[k].read || s->dp->planes[k].error || !s->dp->planes[k].present)
		return false;
	const struct dp_plane *p = &s->dp->planes[k];
	*how = k == DP_NFTABLES ? DPC_VMAP : DPC_LINEAR;
	*size = k == DP_NFTABLES ? p->n_frontends : p->n_services_rules;
	return true;
}

void dp_cost_derive(const struct snapshot *s, const char *local_mode, bool have_sync,
		    double sync_mean, double sync_count, struct dp_cost *out)
{
	memset(out, 0, sizeof(*out));
	for (int k = 0; s && k < DP_N_PLANES; k++) {
		struct dp_cost_line l = {.plane = (enum dp_plane_kind)k};
		if (!present(s, l.plane, &l.size, &l.how))
			continue;
		l.kube_proxy_runs = runs(local_mode, l.plane);
		if (l.kube_proxy_runs && have_sync) {
			l.have_sync = true;
			l.sync_mean = sync_mean;
			l.sync_count = sync_count;
		}
		out->line[out->n++] = l;
	}
}

void dp_cost_of(const struct snapshot *s, const struct kube_state *k, struct dp_cost *out)
{
	struct kp_health h;
	bool have = kp_health_of(k, s->time, &h) && h.have_duration;
	dp_cost_derive(s, k ? k->local_mode : NULL, have, h.sync_mean, h.sync_count, out);
}

const char *dp_cost_text(const struct dp_cost_line *l, char *buf, size_t len)
{
	int n = 0;
	switch (l->how) {
	case DPC_LINEAR:
		n = snprintf(buf, len,
			     _("a new connection walks up to %zu rules (KUBE-SERVICES has %zu)"),
			     l->size, l->size);
		break;
	case DPC_HASH:
		n = snprintf(buf, len, _("one hash lookup among %zu virtual services"), l->size);
		break;
	case DPC_VMAP:
		n = snprintf(buf, len, _("one verdict-map lookup (%zu frontends in the maps)"),
			     l->size);
		break;
	}
	if (n < 0 || (size_t)n >= len)
		return buf;
	if (l->have_sync)
		snprintf(
		    buf + n, len - (size_t)n,
		    _("; kube-proxy runs it here and rewrites it in %.3f s a sync (mean of %.0f)"),
		    l->sync_mean, l->sync_count);
	else if (l->kube_proxy_runs)
		snprintf(buf + n, len - (size_t)n, "%s", _("; kube-proxy runs it here"));
	return buf;
}
