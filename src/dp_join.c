/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The node's data planes x the cluster: kube_join run on each plane's frontends. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "array.h"
#include "dp_join.h"
#include "mem.h"

/*
 * kube-proxy's nftables and iptables proxiers choose endpoints as its ipvs proxier does
 * (pkg/proxy/topology.go CategorizeEndpoints: the ready ones, else the serving terminating
 * ones; Local policies take this node's), and key Services by the same (address, protocol,
 * port). So each plane's frontends are handed to kube_join as virtual services whose real
 * servers are the endpoints at weight 1, and its answers are read back per frontend. What
 * differs is only what a leftover means: there is no weight 0 in rules, a removed endpoint
 * is gone, so a terminating endpoint still there is drift of its own.
 */

static bool streq(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

static const char *mode_of(const struct kube_state *k)
{
	return k->local_mode[0] ? k->local_mode : kube_configured_mode(k);
}

enum dp_plane_kind dp_join_running_plane(const struct dataplane *dp, const struct kube_state *k)
{
	const char *m = mode_of(k);
	if (strcmp(m, "ipvs") == 0)
		return DP_IPVS;
	if (strcmp(m, "nftables") == 0)
		return DP_NFTABLES;
	if (strcmp(m, "iptables") != 0)
		return DP_N_PLANES;
	const struct dp_plane *n = &dp->planes[DP_IPTABLES_NFT];
	const struct dp_plane *l = &dp->planes[DP_IPTABLES_LEGACY];
	/* iptables-nft is what current distributions and kube-proxy's image default to. */
	if (l->present && (!n->present || l->n_frontends > n->n_frontends))
		return DP_IPTABLES_LEGACY;
	return DP_IPTABLES_NFT;
}

/*
 * A ClusterIP (0), a NodePort (1), or an address from outside (2: external or load-balancer
 * IP); -1 for a kind not known. The tables follow the enums' orders.
 */
static int kind_class_dp(enum dp_frontend_kind k)
{
	static const int class[] = {[DPF_CLUSTER_IP] = 0,
				    [DPF_NODE_PORT] = 1,
				    [DPF_EXTERNAL_IP] = 2,
				    [DPF_LOAD_BALANCER] = 2,
				    [DPF_UNKNOWN] = -1};
	return (unsigned)k < sizeof(class) / sizeof(class[0]) ? class[k] : -1;
}

static int kind_class_kube(enum kube_owner_kind k)
{
	static const int class[] = {[KUBE_OWNER_CLUSTER_IP] = 0,
				    [KUBE_OWNER_EXTERNAL_IP] = 2,
				    [KUBE_OWNER_LOAD_BALANCER] = 2,
				    [KUBE_OWNER_NODE_PORT] = 1};
	return (unsigned)k < sizeof(class) / sizeof(class[0]) ? class[k] : -1;
}

/* Compares the owner found by address with what the rules say of f. */
static void judge_owner(const struct kube_state *k, const struct dp_frontend *f,
			struct dp_fe_owner *o)
{
	const struct kube_service *svc = &k->services[o->o.service];
	const struct kube_service_port *sp = &svc->ports[o->o.port];
	if (f->svc_name && f->svc_name[0])
		o->name_mismatch = !streq(f->svc_namespace, svc->ns) ||
				   !streq(f->svc_name, svc->name) || !streq(f->svc_port, sp->name);
	int c = kind_class_dp(f->kind);
	o->kind_mismatch = c >= 0 && c != kind_class_kube(o->o.kind);
	o->o.affinity_mismatch = f->affinity != svc->affinity_client_ip;
}

/* One plane's frontends as a table of virtual services, and back. */
struct plane_table {
	struct snapshot s;
	uint32_t *fe; /* fe[i]: the dataplane.fe index of virtual service i */
};

static void plane_table_free(struct plane_table *t)
{
	snapshot_free(&t->s);
	free(t->fe);
}

static int plane_table(const struct dataplane *dp, enum dp_plane_kind p, struct plane_table *t)
{
	size_t n = 0;
	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < dp->n_fe; i++)
		n += dp->fe[i].plane == p && dp->fe[i].kind != DPF_UNKNOWN;
	t->fe = malloc((n ? n : 1) * sizeof(*t->fe));
	if (!t->fe)
		return -ENOMEM;
	t->s.ipvs_available = true;
	for (size_t i = 0; i < dp->n_fe; i++) {
		const struct dp_frontend *f = &dp->fe[i];
		if (f->plane != p || f->kind == DPF_UNKNOWN)
			continue;
		struct ipvs_service *v = snapshot_add_service(&t->s);
		struct ipvs_dest *dests = f->n_eps ? ipvs_dests_alloc(f->n_eps) : NULL;
		if (!v || (f->n_eps && !dests)) {
			ipvs_dests_unref(dests);
			return -ENOMEM;
		}
		t->fe[t->s.n_services - 1] = (uint32_t)i;
		v->af = f->af;
		v->protocol = f->protocol;
		v->addr = f->addr;
		v->port = f->port;
		v->dests_known = true;
		service_set_dests(v, dests, f->n_eps);
		for (size_t d = 0; d < f->n_eps; d++) {
			memset(&dests[d], 0, sizeof(dests[d]));
			dests[d].af = f->eps[d].af;
			dests[d].addr = f->eps[d].addr;
			dests[d].port = f->eps[d].port;
			dests[d].weight = 1;
		}
	}
	return 0;
}

/* Owners and endpoints of the plane's frontends, from kube_join's answers. */
static void read_owners(const struct dataplane *dp, const struct kube_state *k,
			const struct plane_table *t, const struct kube_join *kj,
			struct dp_join *out, struct dp_plane_drift *pd)
{
	for (size_t i = 0; i < t->s.n_services; i++) {
		uint32_t fe = t->fe[i];
		struct dp_fe_owner *o = &out->owners[fe];
		o->o = kj->owners[i];
		o->o.affinity_mismatch = false; /* judged on the rules by judge_owner */
		o->o.sched_mismatch = false;
		if (o->o.service >= 0) {
			judge_owner(k, &dp->fe[fe], o);
			pd->n_mismatch +=
			    o->name_mismatch || o->kind_mismatch || o->o.affinity_mismatch;
		}
		for (size_t d = 0; d < dp->fe[fe].n_eps; d++) {
			const struct kube_rs_ref *r = kube_join_rs(kj, i, d);
			if (r)
				out->eps[out->ep_base[fe] + d] = *r;
		}
	}
}

/*
 * Under a Local policy kube_join expects the cluster's endpoints when this node has none of
 * its own. CategorizeEndpoints never sends Local traffic elsewhere: kube-proxy's nftables
 * and iptables rules then hold no endpoint at all (external traffic is dropped), so a
 * remote endpoint is never missing there.
 */
static bool remote_under_local(const struct kube_state *k, const struct kube_vs_owner *o,
			       const struct kube_endpoint *e)
{
	const struct kube_service *svc = &k->services[o->service];
	bool local = o->kind == KUBE_OWNER_CLUSTER_IP ? svc->internal_local : svc->local_traffic;
	return local && k->local_node[0] && !(e->node && strcmp(e->node, k->local_node) == 0);
}

/* Where kube_join's indexes point: a table of virtual services, and (fe) their frontends. */
struct drift_src {
	const struct snapshot *s;
	const uint32_t *fe; /* fe[i]: the dataplane.fe index of virtual service i; NULL: i */
	bool rules;	    /* kube-proxy's nftables or iptables rules, not the IPVS table */
};

static uint32_t src_fe(const struct drift_src *src, uint32_t vs)
{
	return src->fe ? src->fe[vs] : vs;
}

/* kube_join's missing and extra entries, as missing, stale and terminating ones. */
static int read_endpoints(const struct kube_state *k, const struct drift_src *src,
			  const struct kube_join *kj, struct dp_plane_drift *pd)
{
	size_t n_ex = kj->n_extra ? kj->n_extra : 1;
	pd->missing = malloc((kj->n_missing ? kj->n_missing : 1) * sizeof(*pd->missing));
	pd->stale = malloc(n_ex * sizeof(*pd->stale));
	pd->terminating = malloc(n_ex * sizeof(*pd->terminating));
	if (!pd->missing || !pd->stale || !pd->terminating)
		return -ENOMEM;
	for (size_t i = 0; i < kj->n_missing; i++) {
		const struct kube_drift_missing *m = &kj->missing[i];
		if (src->rules && remote_under_local(k, &kj->owners[m->vs],
						     &k->slices[m->slice].endpoints[m->endpoint]))
			continue;
		pd->missing[pd->n_missing++] = (struct dp_drift_ep){
		    .fe = src_fe(src, m->vs),
		    .ep = -1,
		    .slice = (int32_t)m->slice,
		    .endpoint = (int32_t)m->endpoint,
		    .port = m->port,
		    .fallback = m->terminating,
		};
	}
	for (size_t i = 0; i < kj->n_extra; i++) {
		const struct kube_drift_extra *e = &kj->extra[i];
		const struct ipvs_dest *d = &snapshot_service(src->s, e->vs)->dests[e->dest];
		bool term = e->slice >= 0 && k->slices[e->slice].endpoints[e->endpoint].terminating;
		struct dp_drift_ep *x =
		    term ? &pd->terminating[pd->n_terminating++] : &pd->stale[pd->n_stale++];
		*x = (struct dp_drift_ep){
		    .fe = src_fe(src, e->vs),
		    .ep = (int32_t)e->dest,
		    .slice = e->slice,
		    .endpoint = e->endpoint,
		    .port = d->port,
		};
	}
	return 0;
}

/* kube_join's drift, as a plane's: missing, stale, terminating, unowned, unserved. */
static int read_drift(const struct kube_state *k, const struct drift_src *src,
		      const struct kube_join *kj, struct dp_plane_drift *pd)
{
	int r = read_endpoints(k, src, kj, pd);
	if (r < 0)
		return r;
	if (kj->n_unowned) {
		pd->unowned = malloc(kj->n_unowned * sizeof(*pd->unowned));
		if (!pd->unowned)
			return -ENOMEM;
		for (size_t i = 0; i < kj->n_unowned; i++)
			pd->unowned[i] = src_fe(src, kj->unowned[i]);
		pd->n_unowned = kj->n_unowned;
	}
	if (pd->unserved_checked && kj->n_unserved) {
		pd->unserved = malloc(kj->n_unserved * sizeof(*pd->unserved));
		if (!pd->unserved)
			return -ENOMEM;
		memcpy(pd->unserved, kj->unserved, kj->n_unserved * sizeof(*pd->unserved));
		pd->n_unserved = kj->n_unserved;
	}
	pd->n_unchecked = kj->n_unchecked;
	return 0;
}

static int join_plane(const struct dataplane *dp, const struct kube_state *k, enum dp_plane_kind p,
		      struct dp_join *out)
{
	struct dp_plane_drift *pd = &out->planes[p];
	struct plane_table t;
	struct kube_join kj;
	int r = plane_table(dp, p, &t);
	memset(&kj, 0, sizeof(kj));
	if (r == 0)
		r = kube_join(&t.s, k, NULL, 0, &kj);
	if (r == 0) {
		pd->joined = true;
		struct drift_src src = {.s = &t.s, .fe = t.fe, .rules = true};
		read_owners(dp, k, &t, &kj, out, pd);
		r = read_drift(k, &src, &kj, pd);
	}
	kube_join_free(&kj);
	plane_table_free(&t);
	return r;
}

/*
 * The addresses kube-proxy's ipvs proxier binds to kube-ipvs0: every ClusterIP, externalIP
 * and load-balancer ingress IP of a proxied Service in a family it has a ClusterIP of.
 */
static int service_addrs(const struct kube_state *k, struct dp_addr **out, size_t *n)
{
	size_t cap = 0;
	*out = NULL;
	*n = 0;
	for (size_t i = 0; i < k->n_services; i++) {
		const struct kube_service *svc = &k->services[i];
		if (!kube_join_proxied(svc) || !svc->n_ports)
			continue;
		const struct kube_ip *lists[] = {svc->cluster_ips, svc->external_ips, svc->lb_ips};
		const size_t counts[] = {svc->n_cluster_ips, svc->n_external_ips, svc->n_lb_ips};
		for (size_t l = 0; l < 3; l++)
			for (size_t a = 0; a < counts[l]; a++) {
				const struct kube_ip *ip = &lists[l][a];
				if (!ip->af || !kube_join_has_family(svc, ip->af))
					continue;
				if (array_reserve((void **)out, *n, &cap, sizeof(**out), 64) < 0)
					return -ENOMEM;
				(*out)[(*n)++] = (struct dp_addr){ip->af, ip->addr, 0};
			}
	}
	return 0;
}

/* What ipvs mode needs besides the IPVS table: kube-ipvs0's addresses, ipset capacity. */
static int ipvs_needs(const struct dataplane *dp, const struct kube_state *k, struct dp_join *out)
{
	if (dp->n_ipsets) {
		out->ipset_fill = calloc(dp->n_ipsets, sizeof(*out->ipset_fill));
		if (!out->ipset_fill)
			return -ENOMEM;
		out->n_ipsets = dp->n_ipsets;
	}
	for (size_t i = 0; i < dp->n_ipsets; i++) {
		out->ipset_fill[i] = dp_ipset_fill_of(&dp->ipsets[i]);
		out->n_ipsets_full += out->ipset_fill[i] == DP_IPSET_FULL;
		out->n_ipsets_nearly_full += out->ipset_fill[i] == DP_IPSET_NEARLY_FULL;
	}
	if (!dp->kube_ipvs0_read || dp->kube_ipvs0_error ||
	    (!dp->kube_ipvs0.present && out->running != DP_IPVS))
		return 0;
	struct dp_addr *svc;
	size_t n;
	int r = service_addrs(k, &svc, &n);
	if (r == 0)
		r = dp_kube_ipvs0_compare(&dp->kube_ipvs0, svc, n, &out->kube_ipvs0);
	free(svc);
	out->kube_ipvs0_checked = r == 0;
	return r;
}

/* kube_rs_alloc's count: the endpoints of frontend i of dataplane dp. */
static size_t eps_of(const void *dp, size_t i)
{
	return ((const struct dataplane *)dp)->fe[i].n_eps;
}

static int alloc_owners(const struct dataplane *dp, struct dp_join *out)
{
	out->n_fe = dp->n_fe;
	out->owners = calloc(dp->n_fe ? dp->n_fe : 1, sizeof(*out->owners));
	if (!out->owners)
		return -ENOMEM;
	for (size_t i = 0; i < dp->n_fe; i++)
		out->owners[i].o.service = -1;
	return kube_rs_alloc(&out->eps, &out->ep_base, dp->n_fe, eps_of, dp);
}

int dp_join(const struct dataplane *dp, const struct kube_state *k, struct dp_join *out)
{
	int r;
	memset(out, 0, sizeof(*out));
	out->dp = dp;
	out->running = dp_join_running_plane(dp, k);
	if ((r = alloc_owners(dp, out)) < 0)
		return r;
	for (int p = DP_NFTABLES; p < DP_N_PLANES; p++) {
		const struct dp_plane *pl = &dp->planes[p];
		bool running = out->running == (enum dp_plane_kind)p;
		out->planes[p].running = running;
		if (!pl->read || pl->error || (!pl->present && !pl->n_frontends && !running))
			continue;
		out->planes[p].unserved_checked =
		    running || (out->running == DP_N_PLANES && pl->present);
		if ((r = join_plane(dp, k, (enum dp_plane_kind)p, out)) < 0)
			return r;
	}
	out->planes[DP_IPVS].running = out->running == DP_IPVS;
	return ipvs_needs(dp, k, out);
}

void dp_join_free(struct dp_join *j)
{
	free(j->owners);
	free(j->eps);
	free(j->ep_base);
	for (int p = 0; p < DP_N_PLANES; p++)
		dp_plane_drift_free(&j->planes[p]);
	dp_addr_diff_free(&j->kube_ipvs0);
	free(j->ipset_fill);
	memset(j, 0, sizeof(*j));
}

int dp_join_ipvs_drift(const struct snapshot *s, const struct kube_state *k,
		       const struct kube_join *kj, enum dp_plane_kind running,
		       struct dp_plane_drift *out)
{
	struct drift_src src = {.s = s};
	memset(out, 0, sizeof(*out));
	out->joined = true;
	out->running = running == DP_IPVS;
	out->unserved_checked = out->running || (running == DP_N_PLANES && s->n_services > 0);
	for (size_t i = 0; i < kj->n_owners; i++)
		out->n_mismatch += kj->owners[i].service >= 0 && kj->owners[i].affinity_mismatch;
	return read_drift(k, &src, kj, out);
}

void dp_plane_drift_free(struct dp_plane_drift *pd)
{
	mem_free_all(pd->missing, pd->stale, pd->terminating, pd->unserved, pd->unowned);
	memset(pd, 0, sizeof(*pd));
}

const struct kube_rs_ref *dp_join_ep(const struct dp_join *j, size_t fe, size_t ep)
{
	return kube_rs_at(j->eps, j->ep_base, j->n_fe, fe, ep);
}

enum dp_ipset_fill dp_ipset_fill_of(const struct dp_ipset *s)
{
	if (!s->maxelem)
		return DP_IPSET_OK;
	if (s->full || s->entries >= s->maxelem)
		return DP_IPSET_FULL;
	/* in doubles: the header is read as text, its numbers may be any size */
	if ((double)s->entries * 100 >= (double)s->maxelem * DP_IPSET_NEARLY_PERCENT)
		return DP_IPSET_NEARLY_FULL;
	return DP_IPSET_OK;
}

const struct dp_join *dp_join_cache_update(struct dp_join_cache *c, const struct dataplane *dp,
					   const struct kube_state *k, bool new_state)
{
	if (c->have && !new_state && c->dp == dp && dp && k)
		return &c->j;
	dp_join_cache_free(c);
	if (!dp || !k)
		return NULL;
	if (dp_join(dp, k, &c->j) != 0) {
		dp_join_free(&c->j);
		return NULL;
	}
	c->have = true;
	/* the reference keeps dp alive, so no later read can be given its address */
	c->dp = dataplane_ref((struct dataplane *)dp);
	return &c->j;
}

void dp_join_cache_free(struct dp_join_cache *c)
{
	if (c->have)
		dp_join_free(&c->j);
	dataplane_unref(c->dp);
	memset(c, 0, sizeof(*c));
}

const char *dp_ipset_fill_name(enum dp_ipset_fill f)
{
	static const char *const names[] = {"ok", "nearly-full", "full"}; /* enum order */
	return (unsigned)f < sizeof(names) / sizeof(names[0]) ? names[f] : "ok";
}

void dp_plane_drift_counts(const struct dp_plane_drift *pd,
			   struct kube_drift_count out[DP_DRIFT_KINDS])
{
	const struct kube_drift_count c[DP_DRIFT_KINDS] = {
	    {"missing_endpoints", pd->n_missing},
	    {"stale_endpoints", pd->n_stale},
	    {"terminating_endpoints", pd->n_terminating},
	    {"services_without_frontend", pd->n_unserved},
	    {"unowned_frontends", pd->n_unowned},
	    {"owner_mismatch", pd->n_mismatch},
	    {"unchecked_frontends", pd->n_unchecked},
	};
	memcpy(out, c, sizeof(c));
}
