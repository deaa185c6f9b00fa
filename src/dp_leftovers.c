/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What other proxy modes left after a switch, what cleans it, and what else that removes. */
#include "config.h"

#include <string.h>

#include "dp_leftovers.h"

enum dp_mode dp_mode_parse(const char *s)
{
	if (!s)
		return DP_MODE_UNKNOWN;
	if (strcmp(s, "ipvs") == 0)
		return DP_MODE_IPVS;
	if (strcmp(s, "iptables") == 0)
		return DP_MODE_IPTABLES;
	if (strcmp(s, "nftables") == 0)
		return DP_MODE_NFTABLES;
	return DP_MODE_UNKNOWN;
}

const char *dp_mode_name(enum dp_mode m)
{
	/* In enum order; DP_MODE_UNKNOWN has no name. */
	static const char *const names[] = {NULL, "ipvs", "iptables", "nftables"};
	return (unsigned)m < sizeof(names) / sizeof(names[0]) ? names[m] : NULL;
}

const char *dp_leftover_name(enum dp_leftover_what w)
{
	static const char *const names[DPL_N] = {
	    [DPL_IPVS_SERVICES] = "ipvs-services",
	    [DPL_KUBE_IPVS0] = "kube-ipvs0",
	    [DPL_IPSETS] = "ipsets",
	    [DPL_IPSETS_V6] = "ipsets-v6",
	    [DPL_IPTABLES_NFT] = "iptables-nft",
	    [DPL_IPTABLES_LEGACY] = "iptables-legacy",
	    [DPL_NFTABLES] = "nftables",
	};
	return (unsigned)w < DPL_N ? names[w] : "?";
}

enum dp_mode dp_leftovers_mode(const struct kube_view *kv, const char **from)
{
	*from = NULL;
	if (!kv || !kv->k)
		return DP_MODE_UNKNOWN;
	const struct kube_state *k = kv->k;
	enum dp_mode m = dp_mode_parse(k->local_mode);
	if (m != DP_MODE_UNKNOWN) {
		*from = "proxyMode";
		return m;
	}
	/* This node's kube-proxy pod, by the node name the cluster side uses. */
	const char *node = k->local_node[0] ? k->local_node : kv->node_name;
	for (size_t i = 0; node && node[0] && i < k->n_proxies; i++) {
		const struct kube_proxy_pod *p = &k->proxies[i];
		if (!p->node || strcmp(p->node, node) != 0)
			continue;
		m = dp_mode_parse(p->log_mode);
		if (m != DP_MODE_UNKNOWN) {
			*from = "log";
			return m;
		}
	}
	return DP_MODE_UNKNOWN;
}

/* The virtual services of s: kube-proxy's (a Service explains them) and the others. */
static void ipvs_services(const struct snapshot *s, const struct kube_join *j,
			  struct dp_leftover *e)
{
	size_t n = s ? s->n_services : 0;
	e->present = n > 0;
	if (j && j->n_owners == n) {
		for (size_t i = 0; i < n; i++)
			if (j->owners[i].service >= 0)
				e->count++;
		e->not_kube_proxy = n - e->count;
	} else {
		e->count = n;
		e->not_known = n > 0;
	}
}

static void ipsets(const struct dataplane *dp, struct dp_leftover *v4, struct dp_leftover *v6)
{
	for (size_t i = 0; dp && i < dp->n_ipsets; i++) {
		const struct dp_ipset *set = &dp->ipsets[i];
		struct dp_leftover *e = strncmp(set->name, "KUBE-6-", 7) == 0 ? v6 : v4;
		e->present = true;
		e->count++;
		if (set->full)
			e->full++;
	}
}

static void plane(const struct dataplane *dp, enum dp_plane_kind k, struct dp_leftover *e)
{
	if (!dp)
		return;
	const struct dp_plane *p = &dp->planes[k];
	e->present = p->read && p->present;
	e->count = p->n_rules;
	e->frontends = p->n_frontends;
}

/*
 * Whether e is a leftover in the running mode, and whether kube-proxy cleaned it when it
 * started in that mode (cmd/kube-proxy/app/server_linux.go, platformCleanup: a mode other
 * than iptables and ipvs runs the iptables and ipvs cleanups; iptables and ipvs run the
 * nftables one).
 */
static void judge(struct dp_leftover *e, enum dp_mode running)
{
	if (!e->present || running == DP_MODE_UNKNOWN)
		return;
	bool iptables_based = running == DP_MODE_IPTABLES || running == DP_MODE_IPVS;
	e->cleaned_at_start = e->cleanup == DPC_KUBE_PROXY &&
			      (e->mode == DP_MODE_NFTABLES ? iptables_based : !iptables_based);
	if (e->mode == running)
		return;
	switch (e->what) {
	case DPL_IPVS_SERVICES:
		e->leftover = e->count > 0; /* hand-made services alone are nobody's leftover */
		break;
	case DPL_IPTABLES_NFT:
	case DPL_IPTABLES_LEGACY:
		/* ipvs mode has KUBE-SERVICES of its own, never a chain that reaches an endpoint */
		e->leftover = running != DP_MODE_IPVS || e->frontends > 0;
		break;
	default:
		e->leftover = true;
	}
}

void dp_leftovers_find(const struct dataplane *dp, const struct snapshot *s,
		       const struct kube_join *j, enum dp_mode mode, struct dp_leftovers *out)
{
	memset(out, 0, sizeof(*out));
	out->mode = mode;
	static const enum dp_mode owner[DPL_N] = {
	    [DPL_IPVS_SERVICES] = DP_MODE_IPVS,	   [DPL_KUBE_IPVS0] = DP_MODE_IPVS,
	    [DPL_IPSETS] = DP_MODE_IPVS,	   [DPL_IPSETS_V6] = DP_MODE_IPVS,
	    [DPL_IPTABLES_NFT] = DP_MODE_IPTABLES, [DPL_IPTABLES_LEGACY] = DP_MODE_IPTABLES,
	    [DPL_NFTABLES] = DP_MODE_NFTABLES,
	};
	for (int w = 0; w < DPL_N; w++) {
		out->e[w].what = (enum dp_leftover_what)w;
		out->e[w].mode = owner[w];
		out->e[w].cleanup = w == DPL_IPSETS_V6 ? DPC_BY_HAND : DPC_KUBE_PROXY;
	}
	ipvs_services(s, j, &out->e[DPL_IPVS_SERVICES]);
	if (dp && dp->kube_ipvs0_read && !dp->kube_ipvs0_error && dp->kube_ipvs0.present) {
		out->e[DPL_KUBE_IPVS0].present = true;
		out->e[DPL_KUBE_IPVS0].count = dp->kube_ipvs0.n;
	}
	ipsets(dp, &out->e[DPL_IPSETS], &out->e[DPL_IPSETS_V6]);
	plane(dp, DP_IPTABLES_NFT, &out->e[DPL_IPTABLES_NFT]);
	plane(dp, DP_IPTABLES_LEGACY, &out->e[DPL_IPTABLES_LEGACY]);
	plane(dp, DP_NFTABLES, &out->e[DPL_NFTABLES]);
	for (int w = 0; w < DPL_N; w++) {
		judge(&out->e[w], mode);
		out->n_present += out->e[w].present;
		out->n_leftover += out->e[w].leftover;
	}
}

void dp_leftovers_of(const struct snapshot *s, const struct kube_view *kv, struct dp_leftovers *out)
{
	const char *from;
	enum dp_mode m = dp_leftovers_mode(kv, &from);
	const struct kube_join *j = kv && kv->k && kv->k->synced ? kv->j : NULL;
	dp_leftovers_find(s ? s->dp : NULL, s, j, m, out);
	out->mode_from = from;
}
