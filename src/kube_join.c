/* SPDX-License-Identifier: GPL-2.0-or-later */
/* IPVS snapshot x Kubernetes state: owners, endpoints and drift, in hash tables. */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "array.h"
#include "hash.h"
#include "kube_join.h"
#include "mem.h"

/*
 * What kube-proxy's ipvs proxier does (kubernetes/kubernetes pkg/proxy/ipvs/proxier.go,
 * syncProxyRules and syncEndpoint; pkg/proxy/topology.go CategorizeEndpoints):
 * - Services that are headless, have no ClusterIP, or are ExternalName are skipped.
 * - Each proxier is per IP family: a Service gets virtual services in a family only when it
 *   has a ClusterIP of that family; its externalIPs and LB IPs are filtered to the family.
 * - Per Service port: ClusterIP:port, each externalIP:port, each LB ingress IP:port, and
 *   each node IP:nodePort (all local addresses, or nodePortAddresses), scheduler
 *   ipvs.scheduler, persistent with timeout = timeoutSeconds when sessionAffinity ClientIP.
 * - Real servers are weight 1: the ready endpoints, or if none is ready the serving and
 *   terminating ones. With a Local policy (internal for the ClusterIP, external for the
 *   others) only this node's endpoints (same fallback), and when there is none of those the
 *   cluster-wide set, provided the Service uses cluster endpoints at all.
 * - A removed real server is not deleted but set to weight 0 until its connections end.
 */

/* ---- the tables: fixed-size byte keys -> uint32_t, duplicates allowed (hash.h) ---- */

/*
 * hash_index keeps each value beside 32 bits of its key's hash, so a probe reads one small
 * array and looks at a key only when the hash bits agree: at 100,000 endpoints the tables
 * outgrow the caches and every avoided key read is a miss saved. The key is the record.
 */
static int ht_init(struct hash_index *t, size_t ksize, size_t n)
{
	return hash_index_init(t, ksize, n);
}

static uint64_t ht_hash(const struct hash_index *t, const void *key)
{
	/* Four bytes at a time (every key here is a multiple of 4), then a 64-bit finaliser. */
	const uint8_t *p = key;
	uint64_t h = HASH_FNV1A_INIT;
	size_t i = 0;
	for (; i + 4 <= t->rec_size; i += 4) {
		uint32_t w;
		memcpy(&w, p + i, 4);
		h = hash_mix(h, w);
	}
	h = hash_fnv1a(h, p + i, t->rec_size - i);
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	return h;
}

/* Adds (duplicates allowed). The table was sized for every entry at ht_init. */
static void ht_add(struct hash_index *t, const void *key, uint32_t val)
{
	hash_index_add(t, ht_hash(t, key), val, key);
}

static struct hash_probe ht_start(const struct hash_index *t, const void *key)
{
	return hash_index_probe(t, ht_hash(t, key));
}

/* The next entry of key along it, its value into *val. */
static bool ht_next(const struct hash_index *t, const void *key, struct hash_probe *it,
		    uint32_t *val)
{
	size_t slot;
	if (!hash_index_next(t, it, hash_eq_bytes, key, &slot))
		return false;
	*val = hash_index_val(t, slot);
	return true;
}

static bool ht_find(const struct hash_index *t, const void *key, uint32_t *val)
{
	struct hash_probe it = ht_start(t, key);
	return ht_next(t, key, &it, val);
}

/* ---- keys (zeroed first: padding takes part in the comparison) ---- */

struct np_key {
	uint16_t proto, port;
};

/*
 * (scope, family, address, port), one shape for every address key:
 *  - a virtual service: scope is its protocol;
 *  - a node address: scope and port are 0;
 *  - an endpoint of one Service port (scope: the service port id) or a real server of one
 *    virtual service (scope: its index).
 */
struct addr_key {
	uint32_t scope;
	uint16_t port;
	uint8_t af, pad;
	uint8_t addr[16];
};

struct name_key {
	uint64_t h;
};

static void fill_addr(uint8_t dst[16], int af, const struct ipvs_addr *a)
{
	memset(dst, 0, 16);
	memcpy(dst, a->bytes, af == AF_INET ? 4 : 16);
}

static struct addr_key addr_key(uint32_t scope, int af, const struct ipvs_addr *a, uint16_t port)
{
	struct addr_key k;
	memset(&k, 0, sizeof(k));
	k.scope = scope;
	k.port = port;
	k.af = (uint8_t)af;
	fill_addr(k.addr, af, a);
	return k;
}

static struct name_key name_key(const char *ns, const char *name)
{
	static const uint8_t sep = 0xff; /* a separator no name contains */
	struct name_key k;
	k.h = hash_fnv1a_str(HASH_FNV1A_INIT, ns ? ns : "");
	k.h = hash_fnv1a(k.h, &sep, 1);
	k.h = hash_fnv1a_str(k.h, name ? name : "");
	return k;
}

static bool streq(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "") == 0;
}

/* ---- the drain tracker ---- */

struct drain_key { /* virtual service + real server identity; 44 bytes, no padding */
	uint32_t fwmark;
	uint16_t proto, port, dport;
	uint8_t af, daf;
	uint8_t addr[16], daddr[16];
};

struct drain_entry {
	struct drain_key key;
	double first;
};

/* The drain tracker during one join: the last join's entries by key, this one's so far. */
struct drains {
	struct kube_drain_tracker *tracker; /* NULL: no tracking */
	struct hash_index old;		    /* tracker->table by key */
	struct drain_entry *next;	    /* room for every weight-0 real server */
	size_t n_next;
	double now;
};

static struct drain_key drain_key(const struct ipvs_service *svc, const struct ipvs_dest *d)
{
	struct drain_key k;
	memset(&k, 0, sizeof(k));
	k.fwmark = svc->fwmark;
	k.proto = svc->protocol;
	k.port = svc->port;
	k.af = (uint8_t)svc->af;
	fill_addr(k.addr, svc->af, &svc->addr);
	k.dport = d->port;
	k.daf = (uint8_t)(d->af ? d->af : svc->af);
	fill_addr(k.daddr, k.daf, &d->addr);
	return k;
}

void kube_drain_tracker_free(struct kube_drain_tracker *t)
{
	free(t->table);
	memset(t, 0, sizeof(*t));
}

/* ---- the join ---- */

bool kube_join_proxied(const struct kube_service *svc)
{
	return !svc->headless && svc->type != KUBE_SVC_EXTERNAL_NAME && svc->n_cluster_ips > 0;
}

bool kube_join_has_family(const struct kube_service *svc, int af)
{
	for (size_t i = 0; i < svc->n_cluster_ips; i++)
		if (svc->cluster_ips[i].af == af)
			return true;
	return false;
}

/* Traffic from outside reaches it (ExternallyAccessible): it then needs cluster endpoints. */
static bool external(const struct kube_service *svc)
{
	if (svc->n_external_ips || svc->n_lb_ips)
		return true;
	for (size_t i = 0; i < svc->n_ports; i++)
		if (svc->ports[i].node_port)
			return true;
	return false;
}

struct vip {
	uint32_t service, port;
	enum kube_owner_kind kind;
};

/* An endpoint of a Service port, deduplicated by (address, port) across slices. */
struct epref {
	uint32_t sp, slice, endpoint;
	uint16_t port;
};

/* What kube-proxy would program for one virtual service: a scope and a condition. */
enum ep_cond { COND_READY, COND_SERVING_TERMINATING, COND_NONE };

struct expect {
	bool checkable; /* false: a Local policy and this node's name unknown */
	bool local;	/* only this node's endpoints */
	enum ep_cond cond;
};

struct ctx {
	const struct snapshot *s;
	const struct kube_state *k;
	struct kube_join *j;
	size_t *sp_base; /* service port ids: sp_base[svc] + port */
	size_t n_sp;
	struct vip *vips;
	size_t n_vips;
	struct hash_index vip_t, node_t, np_t, name_t, ep_t, dest_t, vs_t;
	struct epref *eps;
	size_t n_eps;
	size_t *csr_base; /* eps of service port id p: eps[csr_base[p] .. csr_base[p + 1]) */
	size_t cap_missing, cap_extra, cap_drain, cap_unserved, cap_unowned, cap_sched,
	    cap_affinity;
};

static const struct kube_endpoint *ep_of(const struct ctx *c, const struct epref *e)
{
	return &c->k->slices[e->slice].endpoints[e->endpoint];
}

/* Room for one more element of size at base (n used, *cap allocated): the base, or NULL. */
static void *grow(void *base, size_t n, size_t *cap, size_t size)
{
	return array_reserve(&base, n, cap, size, 16) ? NULL : base;
}

/* Appends a zeroed element to array arr of n elements; its address, or NULL on ENOMEM. */
#define APPEND(arr, n, cap)                                                                        \
	__extension__({                                                                            \
		__typeof__(arr) p_ = grow((arr), (n), &(cap), sizeof(*(arr)));                     \
		p_ ? ((arr) = p_, memset(&p_[(n)++], 0, sizeof(*p_))) : NULL;                      \
	})

/*
 * Appends to j->drain or j->extra (arr) an entry for real server d of virtual service vs,
 * which is still endpoint (slice, endpoint) or -1; the entry, or NULL when out of memory.
 */
#define APPEND_DEST(arr, n, cap, vs_, d_, slice_, endpoint_)                                       \
	__extension__({                                                                            \
		__typeof__(arr) e_ = APPEND(arr, n, cap);                                          \
		if (e_) {                                                                          \
			e_->vs = (uint32_t)(vs_);                                                  \
			e_->dest = (uint32_t)(d_);                                                 \
			e_->slice = (slice_);                                                      \
			e_->endpoint = (endpoint_);                                                \
		}                                                                                  \
		e_;                                                                                \
	})

static int build_service_tables(struct ctx *c)
{
	const struct kube_state *k = c->k;
	size_t n_vip = 0, n_np = 0, n_node = 0;

	c->sp_base = malloc((k->n_services + 1) * sizeof(*c->sp_base));
	if (!c->sp_base)
		return -ENOMEM;
	for (size_t i = 0; i < k->n_services; i++) {
		const struct kube_service *svc = &k->services[i];
		c->sp_base[i] = c->n_sp;
		c->n_sp += svc->n_ports;
		if (!kube_join_proxied(svc))
			continue;
		n_vip += (svc->n_cluster_ips + svc->n_external_ips + svc->n_lb_ips) * svc->n_ports;
		n_np += svc->n_ports;
	}
	c->sp_base[k->n_services] = c->n_sp;
	for (size_t i = 0; i < k->n_nodes; i++)
		n_node += k->nodes[i].n_addrs;

	c->vips = malloc((n_vip + n_np + 1) * sizeof(*c->vips));
	if (!c->vips || ht_init(&c->vip_t, sizeof(struct addr_key), n_vip) < 0 ||
	    ht_init(&c->np_t, sizeof(struct np_key), n_np) < 0 ||
	    ht_init(&c->node_t, sizeof(struct addr_key), n_node) < 0 ||
	    ht_init(&c->name_t, sizeof(struct name_key), k->n_services) < 0)
		return -ENOMEM;

	for (size_t i = 0; i < k->n_services; i++) {
		const struct kube_service *svc = &k->services[i];
		struct name_key nk = name_key(svc->ns, svc->name);
		ht_add(&c->name_t, &nk, (uint32_t)i);
		if (!kube_join_proxied(svc))
			continue;
		static const enum kube_owner_kind kinds[] = {
		    KUBE_OWNER_CLUSTER_IP, KUBE_OWNER_EXTERNAL_IP, KUBE_OWNER_LOAD_BALANCER};
		const struct kube_ip *lists[] = {svc->cluster_ips, svc->external_ips, svc->lb_ips};
		const size_t counts[] = {svc->n_cluster_ips, svc->n_external_ips, svc->n_lb_ips};
		for (size_t p = 0; p < svc->n_ports; p++) {
			const struct kube_service_port *sp = &svc->ports[p];
			for (size_t l = 0; l < 3; l++)
				for (size_t a = 0; a < counts[l]; a++) {
					const struct kube_ip *ip = &lists[l][a];
					if (!ip->af || !kube_join_has_family(svc, ip->af))
						continue;
					struct addr_key key =
					    addr_key(sp->protocol, ip->af, &ip->addr, sp->port);
					c->vips[c->n_vips] =
					    (struct vip){(uint32_t)i, (uint32_t)p, kinds[l]};
					ht_add(&c->vip_t, &key, (uint32_t)c->n_vips++);
				}
			if (sp->node_port) {
				struct np_key key = {sp->protocol, sp->node_port};
				c->vips[c->n_vips] =
				    (struct vip){(uint32_t)i, (uint32_t)p, KUBE_OWNER_NODE_PORT};
				ht_add(&c->np_t, &key, (uint32_t)c->n_vips++);
			}
		}
	}
	for (size_t i = 0; i < k->n_nodes; i++)
		for (size_t a = 0; a < k->nodes[i].n_addrs; a++) {
			struct addr_key key =
			    addr_key(0, k->nodes[i].addrs[a].af, &k->nodes[i].addrs[a].addr, 0);
			ht_add(&c->node_t, &key, (uint32_t)i);
		}
	return 0;
}

/* The Service of (namespace, name), or -1. */
static int32_t find_service(const struct ctx *c, const char *ns, const char *name)
{
	struct name_key nk = name_key(ns, name);
	struct hash_probe it = ht_start(&c->name_t, &nk);
	uint32_t v;
	while (ht_next(&c->name_t, &nk, &it, &v)) {
		const struct kube_service *svc = &c->k->services[v];
		if (streq(svc->ns, ns) && streq(svc->name, name))
			return (int32_t)v;
	}
	return -1;
}

static bool same_addr(int af, const struct ipvs_addr *a, const struct ipvs_addr *b)
{
	return memcmp(a->bytes, b->bytes, af == AF_INET ? 4 : 16) == 0;
}

/* Which of two entries for the same address and port kube-proxy would rather use. */
static int ep_rank(const struct kube_endpoint *e)
{
	return e->ready ? 2 : (e->serving && e->terminating) ? 1 : 0;
}

/*
 * Up to this many, a Service port's endpoints (or a virtual service's real servers) are
 * searched by scanning the short list, which stays in cache; past it through a hash table.
 * The common Service, a handful of endpoints, never touches the big tables, and no search
 * costs more than this many comparisons.
 */
#define GROUP_SCAN 32

/*
 * The Service port id of each slice port (sport, by first[slice] + port; SIZE_MAX when it
 * maps to none), and how many endpoints each Service port gets, counted into
 * csr_base[sp + 2]. Returns the total.
 */
static size_t map_slice_ports(struct ctx *c, const size_t *first, size_t *sport)
{
	const struct kube_state *k = c->k;
	size_t total = 0;
	for (size_t i = 0; i < k->n_slices; i++) {
		const struct kube_slice *sl = &k->slices[i];
		int32_t si = -1;
		if (sl->service && sl->af)
			si = find_service(c, sl->ns, sl->service);
		if (si >= 0 && !kube_join_proxied(&k->services[si]))
			si = -1;
		for (size_t p = 0; p < sl->n_ports; p++) {
			const struct kube_slice_port *port = &sl->ports[p];
			size_t sp = SIZE_MAX;
			/*
			 * kube-proxy keys endpoints by (Service, port name, protocol) and ignores
			 * a port without a number.
			 */
			for (size_t q = 0;
			     si >= 0 && port->port && q < k->services[si].n_ports && sp == SIZE_MAX;
			     q++)
				if (streq(k->services[si].ports[q].name, port->name) &&
				    k->services[si].ports[q].protocol == port->protocol)
					sp = c->sp_base[si] + q;
			sport[first[i] + p] = sp;
			if (sp == SIZE_MAX)
				continue;
			for (size_t e = 0; e < sl->n_endpoints; e++)
				if (sl->endpoints[e].ip.af == sl->af) {
					c->csr_base[sp + 2]++;
					total++;
				}
		}
	}
	return total;
}

/* Fills eps grouped by Service port: group sp is then [csr_base[sp], csr_base[sp + 1]). */
static void group_endpoints(struct ctx *c, const size_t *first, const size_t *sport)
{
	const struct kube_state *k = c->k;
	/* csr_base[sp + 1] is where group sp is filled from. */
	for (size_t p = 0; p < c->n_sp; p++)
		c->csr_base[p + 2] += c->csr_base[p + 1];
	for (size_t i = 0; i < k->n_slices; i++) {
		const struct kube_slice *sl = &k->slices[i];
		for (size_t p = 0; p < sl->n_ports; p++) {
			size_t sp = sport[first[i] + p];
			if (sp == SIZE_MAX)
				continue;
			for (size_t e = 0; e < sl->n_endpoints; e++)
				if (sl->endpoints[e].ip.af == sl->af)
					c->eps[c->csr_base[sp + 1]++] =
					    (struct epref){(uint32_t)sp, (uint32_t)i, (uint32_t)e,
							   sl->ports[p].port};
		}
	}
}

/*
 * The same endpoint can be in two slices of a Service (while one replaces the other):
 * keep one, the one kube-proxy would rather use. Compacts the groups in place; big groups
 * get their entries in ep_t.
 */
static int dedupe_endpoints(struct ctx *c)
{
	size_t big = 0, w = 0;
	for (size_t p = 0; p < c->n_sp; p++)
		if (c->csr_base[p + 1] - c->csr_base[p] > GROUP_SCAN)
			big += c->csr_base[p + 1] - c->csr_base[p];
	if (ht_init(&c->ep_t, sizeof(struct addr_key), big) < 0)
		return -ENOMEM;
	for (size_t p = 0; p < c->n_sp; p++) {
		size_t from = c->csr_base[p], to = c->csr_base[p + 1], start = w;
		bool table = to - from > GROUP_SCAN;
		c->csr_base[p] = start;
		for (size_t i = from; i < to; i++) {
			struct epref ref = c->eps[i];
			const struct kube_endpoint *ep = ep_of(c, &ref);
			uint32_t old;
			bool dup = false;
			if (table) {
				struct addr_key key =
				    addr_key((uint32_t)p, ep->ip.af, &ep->ip.addr, ref.port);
				dup = ht_find(&c->ep_t, &key, &old);
				if (!dup)
					ht_add(&c->ep_t, &key, (uint32_t)w);
			} else {
				for (size_t q = start; q < w && !dup; q++) {
					const struct kube_endpoint *o = ep_of(c, &c->eps[q]);
					if (c->eps[q].port == ref.port && o->ip.af == ep->ip.af &&
					    same_addr(ep->ip.af, &o->ip.addr, &ep->ip.addr)) {
						dup = true;
						old = (uint32_t)q;
					}
				}
			}
			if (!dup)
				c->eps[w++] = ref;
			else if (ep_rank(ep) > ep_rank(ep_of(c, &c->eps[old])))
				c->eps[old] = ref;
		}
	}
	c->csr_base[c->n_sp] = w;
	c->n_eps = w;
	return 0;
}

static int build_endpoint_tables(struct ctx *c)
{
	const struct kube_state *k = c->k;
	size_t n_sport = 0, total;
	int r = -ENOMEM;

	size_t *first = malloc((k->n_slices + 1) * sizeof(*first));
	for (size_t i = 0; first && i < k->n_slices; i++) {
		first[i] = n_sport;
		n_sport += k->slices[i].n_ports;
	}
	size_t *sport = malloc((n_sport ? n_sport : 1) * sizeof(*sport));
	c->csr_base = calloc(c->n_sp + 2, sizeof(*c->csr_base));
	if (!first || !sport || !c->csr_base)
		goto out;
	total = map_slice_ports(c, first, sport);
	c->eps = malloc((total ? total : 1) * sizeof(*c->eps));
	if (!c->eps)
		goto out;
	group_endpoints(c, first, sport);
	r = dedupe_endpoints(c);
out:
	free(first);
	free(sport);
	return r;
}

static bool is_local(const struct ctx *c, const struct kube_endpoint *e)
{
	return e->node && strcmp(e->node, c->k->local_node) == 0;
}

static bool ep_in(const struct ctx *c, const struct expect *x, const struct kube_endpoint *e)
{
	if (x->local && !is_local(c, e))
		return false;
	switch (x->cond) {
	case COND_READY:
		return e->ready;
	case COND_SERVING_TERMINATING:
		return e->serving && e->terminating;
	case COND_NONE:
		break;
	}
	return false;
}

/* CategorizeEndpoints for one virtual service of Service port sp. */
static struct expect expected(const struct ctx *c, size_t vs, const struct kube_vs_owner *o,
			      size_t sp)
{
	const struct kube_service *svc = &c->k->services[o->service];
	int af = snapshot_service(c->s, vs)->af;
	bool only_local =
	    o->kind == KUBE_OWNER_CLUSTER_IP ? svc->internal_local : svc->local_traffic;
	bool uses_cluster = !svc->internal_local || external(svc);
	size_t ready = 0, st = 0, lready = 0, lst = 0;
	struct expect x = {true, false, COND_NONE};

	if (only_local && !c->k->local_node[0]) {
		x.checkable = false;
		return x;
	}
	for (size_t i = c->csr_base[sp]; i < c->csr_base[sp + 1]; i++) {
		const struct kube_endpoint *e = ep_of(c, &c->eps[i]);
		if (e->ip.af != af)
			continue;
		bool local = only_local && is_local(c, e);
		ready += e->ready;
		st += e->serving && e->terminating;
		lready += local && e->ready;
		lst += local && e->serving && e->terminating;
	}
	if (only_local && (lready || lst)) {
		x.local = true;
		x.cond = lready ? COND_READY : COND_SERVING_TERMINATING;
	} else if (!only_local || uses_cluster) {
		x.cond = ready ? COND_READY : st ? COND_SERVING_TERMINATING : COND_NONE;
	}
	return x;
}

/* The endpoint (index into eps) of Service port sp at (af, addr, port). */
static bool find_ep(const struct ctx *c, size_t sp, int af, const struct ipvs_addr *addr,
		    uint16_t port, uint32_t *e)
{
	if (c->csr_base[sp + 1] - c->csr_base[sp] > GROUP_SCAN) {
		struct addr_key key = addr_key((uint32_t)sp, af, addr, port);
		return ht_find(&c->ep_t, &key, e);
	}
	for (size_t i = c->csr_base[sp]; i < c->csr_base[sp + 1]; i++) {
		const struct epref *r = &c->eps[i];
		const struct kube_endpoint *ep = ep_of(c, r);
		if (r->port == port && ep->ip.af == af && same_addr(af, &ep->ip.addr, addr)) {
			*e = (uint32_t)i;
			return true;
		}
	}
	return false;
}

/* The real server (index into dests) of virtual service vs at (af, addr, port). */
static bool find_dest(const struct ctx *c, size_t vs, int af, const struct ipvs_addr *addr,
		      uint16_t port, uint32_t *d)
{
	const struct ipvs_service *v = snapshot_service(c->s, vs);
	if (v->n_dests > GROUP_SCAN) {
		struct addr_key key = addr_key((uint32_t)vs, af, addr, port);
		return ht_find(&c->dest_t, &key, d);
	}
	for (size_t i = 0; i < v->n_dests; i++) {
		const struct ipvs_dest *dst = &v->dests[i];
		if (dst->port == port && (dst->af ? dst->af : v->af) == af &&
		    same_addr(af, &dst->addr, addr)) {
			*d = (uint32_t)i;
			return true;
		}
	}
	return false;
}

/* How long real server dst of v (its drift entry dr) has been at weight 0, when tracking. */
static void track_drain(struct drains *dn, const struct ipvs_service *v,
			const struct ipvs_dest *dst, struct kube_drift_drain *dr)
{
	if (!dn->tracker)
		return;
	struct drain_entry *ne = &dn->next[dn->n_next++];
	uint32_t old;
	ne->key = drain_key(v, dst);
	ne->first = dn->now;
	if (dn->old.cap && ht_find(&dn->old, &ne->key, &old))
		ne->first = ((struct drain_entry *)dn->tracker->table)[old].first;
	dr->seconds = dn->now - ne->first;
}

static int check_real_servers(struct ctx *c, size_t vs, struct drains *dn)
{
	const struct ipvs_service *v = snapshot_service(c->s, vs);
	struct kube_join *j = c->j;
	const struct kube_vs_owner *o = &j->owners[vs];
	size_t sp = c->sp_base[o->service] + o->port;
	struct expect x = expected(c, vs, o, sp);

	if (!x.checkable)
		j->n_unchecked++;
	for (size_t d = 0; d < v->n_dests; d++) {
		const struct ipvs_dest *dst = &v->dests[d];
		int daf = dst->af ? dst->af : v->af;
		uint32_t e;
		struct kube_rs_ref *ref = &j->rs[j->rs_base[vs] + d];
		const struct kube_endpoint *ep = NULL;
		if (find_ep(c, sp, daf, &dst->addr, dst->port, &e)) {
			ref->slice = (int32_t)c->eps[e].slice;
			ref->endpoint = (int32_t)c->eps[e].endpoint;
			ep = ep_of(c, &c->eps[e]);
		}
		if (dst->weight == 0) {
			struct kube_drift_drain *dr = APPEND_DEST(
			    j->drain, j->n_drain, c->cap_drain, vs, d, ref->slice, ref->endpoint);
			if (!dr)
				return -ENOMEM;
			track_drain(dn, v, dst, dr);
			continue;
		}
		if (ep && (!x.checkable || ep_in(c, &x, ep)))
			continue;
		if (!APPEND_DEST(j->extra, j->n_extra, c->cap_extra, vs, d, ref->slice,
				 ref->endpoint))
			return -ENOMEM;
	}
	if (!x.checkable || x.cond == COND_NONE)
		return 0;
	for (size_t i = c->csr_base[sp]; i < c->csr_base[sp + 1]; i++) {
		const struct epref *r = &c->eps[i];
		const struct kube_endpoint *e = ep_of(c, r);
		if (e->ip.af != v->af || !ep_in(c, &x, e))
			continue;
		uint32_t d;
		bool there = find_dest(c, vs, e->ip.af, &e->ip.addr, r->port, &d);
		if (there && v->dests[d].weight != 0)
			continue;
		struct kube_drift_missing *m = APPEND(j->missing, j->n_missing, c->cap_missing);
		if (!m)
			return -ENOMEM;
		m->vs = (uint32_t)vs;
		m->slice = r->slice;
		m->endpoint = r->endpoint;
		m->port = r->port;
		m->terminating = x.cond == COND_SERVING_TERMINATING;
		m->weight0 = there;
		if (m->terminating)
			j->n_missing_terminating++;
		else
			j->n_missing_ready++;
	}
	return 0;
}

static void find_owner(struct ctx *c, size_t vs)
{
	const struct ipvs_service *v = snapshot_service(c->s, vs);
	const struct kube_state *k = c->k;
	struct kube_vs_owner *o = &c->j->owners[vs];
	uint32_t val;

	o->service = -1;
	if (v->fwmark || !v->protocol)
		return;
	struct addr_key key = addr_key(v->protocol, v->af, &v->addr, v->port);
	if (ht_find(&c->vip_t, &key, &val)) {
		o->service = (int32_t)c->vips[val].service;
		o->port = c->vips[val].port;
		o->kind = c->vips[val].kind;
	} else {
		struct np_key nk = {v->protocol, v->port};
		struct hash_probe it = ht_start(&c->np_t, &nk);
		while (ht_next(&c->np_t, &nk, &it, &val)) {
			const struct vip *np = &c->vips[val];
			/* The proxier of this family only serves Services with a ClusterIP in it.
			 */
			if (!kube_join_has_family(&k->services[np->service], v->af))
				continue;
			struct addr_key ak = addr_key(0, v->af, &v->addr, 0);
			uint32_t node;
			o->service = (int32_t)np->service;
			o->port = np->port;
			o->kind = KUBE_OWNER_NODE_PORT;
			o->node_addr = ht_find(&c->node_t, &ak, &node);
			break;
		}
	}
	if (o->service < 0)
		return;
	const struct kube_service *svc = &k->services[o->service];
	bool persistent = v->flags & IPVS_SVC_PERSISTENT;
	o->affinity_mismatch = svc->affinity_client_ip != persistent ||
			       (persistent && v->timeout != svc->affinity_timeout);
	o->sched_mismatch = c->j->sched_expected[0] && strcmp(v->sched, c->j->sched_expected) != 0;
}

static int find_unserved(struct ctx *c)
{
	const struct snapshot *s = c->s;
	const struct kube_state *k = c->k;
	struct kube_join *j = c->j;
	if (ht_init(&c->vs_t, sizeof(struct addr_key), s->n_services) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < s->n_services; i++) {
		const struct ipvs_service *v = snapshot_service(s, i);
		if (v->fwmark)
			continue;
		struct addr_key key = addr_key(v->protocol, v->af, &v->addr, v->port);
		ht_add(&c->vs_t, &key, (uint32_t)i);
	}
	for (size_t i = 0; i < k->n_services; i++) {
		const struct kube_service *svc = &k->services[i];
		if (!kube_join_proxied(svc))
			continue;
		for (size_t p = 0; p < svc->n_ports; p++)
			for (size_t a = 0; a < svc->n_cluster_ips; a++) {
				const struct kube_ip *ip = &svc->cluster_ips[a];
				struct addr_key key = addr_key(svc->ports[p].protocol, ip->af,
							       &ip->addr, svc->ports[p].port);
				uint32_t v;
				if (ht_find(&c->vs_t, &key, &v))
					continue;
				struct kube_drift_unserved *u =
				    APPEND(j->unserved, j->n_unserved, c->cap_unserved);
				if (!u)
					return -ENOMEM;
				u->service = (uint32_t)i;
				u->port = (uint32_t)p;
				u->ip = (uint32_t)a;
			}
	}
	return 0;
}

static void ctx_free(struct ctx *c)
{
	free(c->sp_base);
	free(c->vips);
	free(c->eps);
	free(c->csr_base);
	hash_index_free(&c->vip_t);
	hash_index_free(&c->node_t);
	hash_index_free(&c->np_t);
	hash_index_free(&c->name_t);
	hash_index_free(&c->ep_t);
	hash_index_free(&c->dest_t);
	hash_index_free(&c->vs_t);
}

/* kube_rs_alloc's count: the real servers of service i of snapshot s. */
static size_t dests_of(const void *s, size_t i)
{
	return snapshot_service(s, i)->n_dests;
}

/* The result arrays every virtual service has a place in: owners and real server refs. */
static int alloc_results(struct ctx *c, size_t *n_zero)
{
	const struct snapshot *s = c->s;
	const struct kube_state *k = c->k;
	struct kube_join *j = c->j;

	if (k->config.known)
		snprintf(j->sched_expected, sizeof(j->sched_expected), "%s",
			 k->config.scheduler[0] ? k->config.scheduler : "rr");
	j->n_owners = s->n_services;
	j->owners = calloc(s->n_services ? s->n_services : 1, sizeof(*j->owners));
	if (!j->owners)
		return -ENOMEM;
	for (size_t i = 0; i < s->n_services; i++)
		for (size_t d = 0; d < snapshot_service(s, i)->n_dests; d++)
			*n_zero += snapshot_service(s, i)->dests[d].weight == 0;
	return kube_rs_alloc(&j->rs, &j->rs_base, s->n_services, dests_of, s);
}

/* Appends index i to the list arr (n entries, cap allocated). 0 or -ENOMEM. */
#define APPEND_INDEX(arr, n, cap, i)                                                               \
	__extension__({                                                                            \
		uint32_t *u_ = APPEND(arr, n, cap);                                                \
		u_ ? (*u_ = (uint32_t)(i), 0) : -ENOMEM;                                           \
	})

/*
 * Each virtual service's owner, and the lists that follow from it alone (unowned, wrong
 * scheduler, wrong affinity); the real servers of big owned ones go into dest_t.
 */
static int find_owners(struct ctx *c)
{
	const struct snapshot *s = c->s;
	struct kube_join *j = c->j;
	size_t n_big = 0;

	for (size_t i = 0; i < s->n_services; i++)
		if (snapshot_service(s, i)->n_dests > GROUP_SCAN)
			n_big += snapshot_service(s, i)->n_dests;
	if (ht_init(&c->dest_t, sizeof(struct addr_key), n_big) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < s->n_services; i++) {
		find_owner(c, i);
		const struct ipvs_service *v = snapshot_service(s, i);
		if (j->owners[i].service < 0) {
			if (APPEND_INDEX(j->unowned, j->n_unowned, c->cap_unowned, i) < 0)
				return -ENOMEM;
			continue;
		}
		j->n_owned++;
		for (size_t d = 0; v->n_dests > GROUP_SCAN && d < v->n_dests; d++) {
			const struct ipvs_dest *dst = &v->dests[d];
			struct addr_key key =
			    addr_key((uint32_t)i, dst->af ? dst->af : v->af, &dst->addr, dst->port);
			ht_add(&c->dest_t, &key, (uint32_t)d);
		}
		if (j->owners[i].sched_mismatch &&
		    APPEND_INDEX(j->sched, j->n_sched, c->cap_sched, i) < 0)
			return -ENOMEM;
		if (j->owners[i].affinity_mismatch &&
		    APPEND_INDEX(j->affinity, j->n_affinity, c->cap_affinity, i) < 0)
			return -ENOMEM;
	}
	return 0;
}

/* Indexes the tracker's entries by key and makes room for n_zero new ones. */
static int drains_begin(struct drains *dn, struct kube_drain_tracker *tracker, size_t n_zero,
			double now)
{
	memset(dn, 0, sizeof(*dn));
	dn->tracker = tracker;
	dn->now = now;
	if (!tracker)
		return 0;
	struct drain_entry *old = tracker->table;
	if (tracker->n && ht_init(&dn->old, sizeof(struct drain_key), tracker->n) < 0)
		return -ENOMEM;
	for (size_t i = 0; i < tracker->n; i++)
		ht_add(&dn->old, &old[i].key, (uint32_t)i);
	dn->next = malloc((n_zero ? n_zero : 1) * sizeof(*dn->next));
	return dn->next ? 0 : -ENOMEM;
}

/* The tracker keeps this join's entries. */
static void drains_commit(struct drains *dn)
{
	if (!dn->tracker)
		return;
	free(dn->tracker->table);
	dn->tracker->table = dn->next;
	dn->tracker->n = dn->tracker->cap = dn->n_next;
	dn->next = NULL;
}

static void drains_free(struct drains *dn)
{
	hash_index_free(&dn->old);
	free(dn->next);
}

/* Weight-0 real servers of virtual services no Service owns are drained all the same. */
static int drain_unowned(struct ctx *c, struct drains *dn)
{
	const struct snapshot *s = c->s;
	struct kube_join *j = c->j;
	for (size_t i = 0; i < s->n_services; i++) {
		const struct ipvs_service *v = snapshot_service(s, i);
		if (j->owners[i].service >= 0 || !v->dests_known)
			continue;
		for (size_t d = 0; d < v->n_dests; d++) {
			if (v->dests[d].weight != 0)
				continue;
			struct kube_drift_drain *dr =
			    APPEND_DEST(j->drain, j->n_drain, c->cap_drain, i, d, -1, -1);
			if (!dr)
				return -ENOMEM;
			track_drain(dn, v, &v->dests[d], dr);
		}
	}
	return 0;
}

static int join(struct ctx *c, struct kube_drain_tracker *tracker, double now)
{
	const struct snapshot *s = c->s;
	struct drains dn;
	size_t n_zero = 0;
	int r;

	if ((r = alloc_results(c, &n_zero)) < 0 || (r = build_service_tables(c)) < 0 ||
	    (r = build_endpoint_tables(c)) < 0 || (r = find_owners(c)) < 0)
		return r;
	if ((r = drains_begin(&dn, tracker, n_zero, now)) < 0)
		goto out;
	for (size_t i = 0; i < s->n_services; i++) {
		if (c->j->owners[i].service < 0 || !snapshot_service(s, i)->dests_known)
			continue;
		if ((r = check_real_servers(c, i, &dn)) < 0)
			goto out;
	}
	if ((r = drain_unowned(c, &dn)) < 0 || (r = find_unserved(c)) < 0)
		goto out;
	drains_commit(&dn);
	r = 0;
out:
	drains_free(&dn);
	return r;
}

int kube_join(const struct snapshot *s, const struct kube_state *k,
	      struct kube_drain_tracker *tracker, double now, struct kube_join *out)
{
	struct ctx c;
	memset(out, 0, sizeof(*out));
	memset(&c, 0, sizeof(c));
	c.s = s;
	c.k = k;
	c.j = out;
	int r = join(&c, tracker, now);
	ctx_free(&c);
	return r;
}

void kube_join_free(struct kube_join *j)
{
	mem_free_all(j->owners, j->rs, j->rs_base, j->missing, j->extra, j->drain, j->unowned,
		     j->unserved, j->sched, j->affinity);
	memset(j, 0, sizeof(*j));
}

const struct kube_rs_ref *kube_rs_at(const struct kube_rs_ref *refs, const size_t *base, size_t n,
				     size_t i, size_t j)
{
	if (!refs || i >= n || base[i] + j >= base[i + 1])
		return NULL;
	const struct kube_rs_ref *r = &refs[base[i] + j];
	return r->slice >= 0 ? r : NULL;
}

int kube_rs_alloc(struct kube_rs_ref **refs, size_t **base, size_t n,
		  size_t (*count)(const void *groups, size_t i), const void *groups)
{
	size_t total = 0;
	if (!(*base = calloc(n + 1, sizeof(**base))))
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		(*base)[i] = total;
		total += count(groups, i);
	}
	(*base)[n] = total;
	if (!(*refs = malloc((total ? total : 1) * sizeof(**refs))))
		return -ENOMEM;
	for (size_t i = 0; i < total; i++)
		(*refs)[i] = (struct kube_rs_ref){-1, -1};
	return 0;
}

const struct kube_rs_ref *kube_join_rs(const struct kube_join *j, size_t vs, size_t dest)
{
	return kube_rs_at(j->rs, j->rs_base, j->n_owners, vs, dest);
}

const char *kube_join_owner_label(const struct kube_state *k, const struct kube_vs_owner *o,
				  char *buf, size_t len)
{
	if (!len)
		return buf;
	buf[0] = '\0';
	if (o->service < 0 || (size_t)o->service >= k->n_services)
		return buf;
	const struct kube_service *svc = &k->services[o->service];
	if (o->port >= svc->n_ports)
		return buf;
	const struct kube_service_port *p = &svc->ports[o->port];
	if (p->name && p->name[0])
		snprintf(buf, len, "%s/%s:%s", svc->ns, svc->name, p->name);
	else
		snprintf(buf, len, "%s/%s:%u", svc->ns, svc->name, (unsigned)p->port);
	return buf;
}

const char *kube_owner_kind_name(enum kube_owner_kind kind)
{
	/* In the order of enum kube_owner_kind. */
	static const char *const names[] = {"cluster-ip", "external-ip", "load-balancer",
					    "node-port"};
	return (unsigned)kind < sizeof(names) / sizeof(names[0]) ? names[kind] : "unknown";
}

/* Keys are compared and hashed as bytes: no padding may hide in them. */
_Static_assert(sizeof(struct addr_key) == 24, "addr_key padding");
_Static_assert(sizeof(struct np_key) == 4, "np_key padding");
_Static_assert(sizeof(struct drain_key) == 44, "drain_key padding");

void kube_join_counts(const struct kube_join *j, struct kube_drift_count out[KUBE_DRIFT_KINDS])
{
	const struct kube_drift_count c[KUBE_DRIFT_KINDS] = {
		{"missing_endpoints", j->n_missing},
		{"unexplained_real_servers", j->n_extra},
		{"draining", j->n_drain},
		{"unowned_virtual_services", j->n_unowned},
		{"services_without_virtual_service", j->n_unserved},
		{"scheduler_mismatch", j->n_sched},
		{"affinity_mismatch", j->n_affinity},
	};
	memcpy(out, c, sizeof(c));
}
