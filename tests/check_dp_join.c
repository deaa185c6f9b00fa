/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of dp_join on recorded input (tests/fixtures/dp-join, made by
 * tests/dataplane/dp-join-test.sh with DP_JOIN_SAVE): kubectl's Services, EndpointSlices and
 * Nodes from the API test server, and nft's listing of the kube-proxy tables the node's
 * drifted view generated: one endpoint missing, one stale, one terminating still programmed,
 * a Service without a frontend, a Service renamed in the rules.
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "check_main.h"
#include "dataplane.h"
#include "dp_join.h"
#include "dp_nft.h"
#include "fixture.h"
#include "kube_model.h"
#include "kube_parse.h"

static void load_list(const char *name, int (*add)(const cJSON *, void *), struct kube_state *k)
{
	size_t len;
	char *t = fixture_read(name, &len);
	ck_assert_int_ge(kube_parse_list(t, len, add, k, NULL, 0, NULL, 0), 1);
	free(t);
}

/* The cluster as the API test server serves it; kube-proxy on worker-1 answers mode. */
static void load_cluster(struct kube_state *k, const char *mode)
{
	memset(k, 0, sizeof(*k));
	k->enabled = k->synced = true;
	snprintf(k->local_mode, sizeof(k->local_mode), "%s", mode);
	snprintf(k->local_node, sizeof(k->local_node), "worker-1");
	load_list("tests/fixtures/dp-join/svcs.json", fixture_add_service, k);
	load_list("tests/fixtures/dp-join/slices.json", fixture_add_slice, k);
	load_list("tests/fixtures/dp-join/nodes.json", fixture_add_node, k);
}

/* The node's nftables tables, as the nftables reader reads them. */
static struct dataplane *load_nft(void)
{
	struct dataplane *dp = dataplane_new();
	ck_assert_ptr_nonnull(dp);
	for (int i = 0; i < 2; i++) {
		size_t len;
		char *t = fixture_read(i ? "tests/fixtures/dp-join/nft-ip6.json"
					 : "tests/fixtures/dp-join/nft-ip.json",
				       &len);
		ck_assert_int_eq(dp_nft_parse(t, len, dp), 0);
		free(t);
	}
	dp->planes[DP_NFTABLES].read = true;
	ck_assert(dp->planes[DP_NFTABLES].present);
	return dp;
}

/* One test's recording: the cluster, the node's data plane, their join. */
struct rec {
	struct kube_state k;
	struct dataplane *dp;
	struct dp_join j;
};

/* The recording with kube-proxy's mode; the join is made by the test (rec_join). */
static struct rec *rec_open(const char *mode)
{
	struct rec *r = calloc(1, sizeof(*r));
	ck_assert_ptr_nonnull(r);
	load_cluster(&r->k, mode);
	r->dp = load_nft();
	return r;
}

/* dp_join again (the last one freed first). */
static struct dp_join *rec_join(struct rec *r)
{
	dp_join_free(&r->j);
	ck_assert_int_eq(dp_join(r->dp, &r->k, &r->j), 0);
	return &r->j;
}

static void rec_close(struct rec *r)
{
	dp_join_free(&r->j);
	dataplane_unref(r->dp);
	kube_state_free(&r->k);
	free(r);
}

static struct ipvs_addr a4(const char *s)
{
	struct ipvs_addr a;
	memset(&a, 0, sizeof(a));
	ck_assert_int_eq(inet_pton(AF_INET, s, a.bytes), 1);
	return a;
}

/* The frontend of plane p at (protocol, address or NULL for a NodePort, port), or -1. */
static int find_fe(const struct dataplane *dp, enum dp_plane_kind p, uint16_t proto,
		   const char *addr, uint16_t port)
{
	struct ipvs_addr a = addr ? a4(addr) : (struct ipvs_addr){{0}};
	for (size_t i = 0; i < dp->n_fe; i++) {
		const struct dp_frontend *f = &dp->fe[i];
		if (f->plane == p && f->protocol == proto && f->port == port && f->af == AF_INET &&
		    (addr ? f->kind != DPF_NODE_PORT && !memcmp(f->addr.bytes, a.bytes, 4)
			  : f->kind == DPF_NODE_PORT))
			return (int)i;
	}
	return -1;
}

static const struct kube_service *owner_svc(const struct kube_state *k, const struct dp_join *j,
					    int fe)
{
	ck_assert_int_ge(fe, 0);
	ck_assert_int_ge(j->owners[fe].o.service, 0);
	return &k->services[j->owners[fe].o.service];
}

static const struct kube_endpoint *ep_of(const struct kube_state *k, const struct dp_drift_ep *x)
{
	ck_assert_int_ge(x->slice, 0);
	return &k->slices[x->slice].endpoints[x->endpoint];
}

static bool ep_is(const struct kube_state *k, const struct dp_drift_ep *x, const char *ip)
{
	struct ipvs_addr a = a4(ip);
	return !memcmp(ep_of(k, x)->ip.addr.bytes, a.bytes, 4);
}

START_TEST(test_nft_drift)
{
	struct rec *r = rec_open("nftables");
	struct kube_state *k = &r->k;
	struct dataplane *dp = r->dp;
	const struct dp_join *j = &r->j;
	rec_join(r);
	const struct dp_plane_drift *pd = &j->planes[DP_NFTABLES];
	ck_assert_int_eq(j->running, DP_NFTABLES);
	ck_assert(pd->joined && pd->running && pd->unserved_checked);
	ck_assert(!j->planes[DP_IPTABLES_NFT].joined && !j->planes[DP_IPTABLES_LEGACY].joined);

	/* web's ready 10.244.2.11 is not programmed: missing, on its only frontend */
	ck_assert_uint_eq(pd->n_missing, 1);
	int web = find_fe(dp, DP_NFTABLES, IPPROTO_TCP, "10.96.120.15", 80);
	ck_assert_uint_eq(pd->missing[0].fe, (uint32_t)web);
	ck_assert_int_eq(pd->missing[0].ep, -1);
	ck_assert(ep_is(k, &pd->missing[0], "10.244.2.11") && ep_of(k, &pd->missing[0])->ready);
	ck_assert_uint_eq(pd->missing[0].port, 8080);
	ck_assert(!pd->missing[0].fallback);
	/* sticky's 10.244.2.99 is no endpoint at all: stale on its ClusterIP and external IP */
	ck_assert_uint_eq(pd->n_stale, 2);
	for (size_t i = 0; i < 2; i++) {
		ck_assert_int_eq(pd->stale[i].slice, -1);
		ck_assert_str_eq(owner_svc(k, j, (int)pd->stale[i].fe)->name, "sticky");
		const struct dp_frontend *f = &dp->fe[pd->stale[i].fe];
		struct ipvs_addr a = a4("10.244.2.99");
		ck_assert(!memcmp(f->eps[pd->stale[i].ep].addr.bytes, a.bytes, 4));
	}
	/* api's 10.244.2.22 is terminating (not serving) and still there: ClusterIP, NodePort */
	ck_assert_uint_eq(pd->n_terminating, 2);
	for (size_t i = 0; i < 2; i++) {
		ck_assert(ep_is(k, &pd->terminating[i], "10.244.2.22"));
		ck_assert(ep_of(k, &pd->terminating[i])->terminating);
		ck_assert_str_eq(owner_svc(k, j, (int)pd->terminating[i].fe)->name, "api");
	}
	/* orders has no frontend */
	ck_assert_uint_eq(pd->n_unserved, 1);
	ck_assert_str_eq(k->services[pd->unserved[0].service].name, "orders");
	/* syslog's rules say syslog-old: both its frontends disagree on the name, nothing else */
	ck_assert_uint_eq(pd->n_unowned, 0);
	ck_assert_uint_eq(pd->n_mismatch, 2);
	int sys_cip = find_fe(dp, DP_NFTABLES, IPPROTO_UDP, "10.96.90.14", 514);
	int sys_np = find_fe(dp, DP_NFTABLES, IPPROTO_UDP, NULL, 30514);
	ck_assert(j->owners[sys_cip].name_mismatch && !j->owners[sys_cip].kind_mismatch);
	ck_assert(j->owners[sys_np].name_mismatch &&
		  j->owners[sys_np].o.kind == KUBE_OWNER_NODE_PORT);
	ck_assert(!j->owners[web].name_mismatch && !j->owners[web].o.affinity_mismatch);
	ck_assert_int_eq(pd->n_unchecked, 0);

	rec_close(r);
}
END_TEST

START_TEST(test_owners_and_pods)
{
	struct rec *r = rec_open("nftables");
	struct kube_state *k = &r->k;
	struct dataplane *dp = r->dp;
	const struct dp_join *j = &r->j;
	rec_join(r);
	ck_assert_ptr_eq(j->dp, dp);
	ck_assert_uint_eq(j->n_fe, dp->n_fe);
	/* every frontend has its Service; the kinds agree */
	for (size_t i = 0; i < dp->n_fe; i++) {
		ck_assert_msg(j->owners[i].o.service >= 0, "frontend %zu", i);
		ck_assert(!j->owners[i].kind_mismatch && !j->owners[i].o.affinity_mismatch);
	}
	int lb = find_fe(dp, DP_NFTABLES, IPPROTO_TCP, "192.168.122.240", 443);
	ck_assert_str_eq(owner_svc(k, j, lb)->name, "frontend");
	ck_assert_int_eq(j->owners[lb].o.kind, KUBE_OWNER_LOAD_BALANCER);
	ck_assert_str_eq(k->services[j->owners[lb].o.service].ports[j->owners[lb].o.port].name,
			 "https");
	int ext = find_fe(dp, DP_NFTABLES, IPPROTO_TCP, "192.168.122.250", 9000);
	ck_assert_int_eq(j->owners[ext].o.kind, KUBE_OWNER_EXTERNAL_IP);
	/* the LoadBalancer's endpoints under Local: this node's pod only, ready, named */
	ck_assert_uint_eq(dp->fe[lb].n_eps, 1);
	const struct kube_rs_ref *ref = dp_join_ep(j, (size_t)lb, 0);
	ck_assert_ptr_nonnull(ref);
	const struct kube_endpoint *e = &k->slices[ref->slice].endpoints[ref->endpoint];
	ck_assert(e->ready && !e->terminating);
	ck_assert_str_eq(e->node, "worker-1");
	ck_assert_ptr_nonnull(e->pod);
	ck_assert(!strncmp(e->pod, "default/frontend", 16));
	/* the stale endpoint is none of the cluster's */
	int sticky = find_fe(dp, DP_NFTABLES, IPPROTO_TCP, "10.96.77.77", 9000);
	size_t with = 0;
	for (size_t i = 0; i < dp->fe[sticky].n_eps; i++)
		with += dp_join_ep(j, (size_t)sticky, i) != NULL;
	ck_assert_uint_eq(dp->fe[sticky].n_eps, 3);
	ck_assert_uint_eq(with, 2);
	ck_assert_ptr_null(dp_join_ep(j, dp->n_fe, 0));
	ck_assert_ptr_null(dp_join_ep(j, (size_t)sticky, 3));
	rec_close(r);
}
END_TEST

/* The rules' kind and affinity against the Service's, changed by hand on the recording. */
START_TEST(test_kind_and_affinity_mismatch)
{
	struct rec *r = rec_open("nftables");
	struct dataplane *dp = r->dp;
	const struct dp_join *j = &r->j;
	int web = find_fe(dp, DP_NFTABLES, IPPROTO_TCP, "10.96.120.15", 80);
	int ext = find_fe(dp, DP_NFTABLES, IPPROTO_TCP, "192.168.122.250", 9000);
	dp->fe[web].kind = DPF_EXTERNAL_IP;
	dp->fe[web].affinity = true;
	dp->fe[ext].kind = DPF_LOAD_BALANCER; /* nftables cannot tell these apart: no mismatch */
	rec_join(r);
	ck_assert(j->owners[web].kind_mismatch && j->owners[web].o.affinity_mismatch);
	ck_assert(!j->owners[web].name_mismatch);
	ck_assert(!j->owners[ext].kind_mismatch);
	ck_assert_uint_eq(j->planes[DP_NFTABLES].n_mismatch, 3);
	rec_close(r);
}
END_TEST

/* Which plane is kube-proxy's decides where Services without a frontend are looked for. */
START_TEST(test_running_plane)
{
	struct rec *r = rec_open("");
	struct kube_state *k = &r->k;
	struct dataplane *dp = r->dp;
	const struct dp_join *j = &r->j;
	/* not known: every present plane is searched */
	rec_join(r);
	ck_assert_int_eq(j->running, DP_N_PLANES);
	ck_assert(j->planes[DP_NFTABLES].unserved_checked && !j->planes[DP_NFTABLES].running);
	ck_assert_uint_eq(j->planes[DP_NFTABLES].n_unserved, 1);
	/* iptables: the nftables tables are a leftover, still joined, not searched */
	snprintf(k->local_mode, sizeof(k->local_mode), "iptables");
	dp->planes[DP_IPTABLES_NFT].read = true;
	rec_join(r);
	ck_assert_int_eq(j->running, DP_IPTABLES_NFT);
	ck_assert(j->planes[DP_NFTABLES].joined && !j->planes[DP_NFTABLES].unserved_checked);
	ck_assert_uint_eq(j->planes[DP_NFTABLES].n_unserved, 0);
	ck_assert_uint_eq(j->planes[DP_NFTABLES].n_missing, 1);
	/* the running plane, read and empty: every Service lacks its frontend there */
	ck_assert(j->planes[DP_IPTABLES_NFT].joined && j->planes[DP_IPTABLES_NFT].running);
	ck_assert_uint_ge(j->planes[DP_IPTABLES_NFT].n_unserved, 8);
	/* iptables-legacy holds more of kube-proxy's rules: that one runs */
	dp->planes[DP_IPTABLES_LEGACY].present = true;
	dp->planes[DP_IPTABLES_LEGACY].n_frontends = 3;
	ck_assert_int_eq(dp_join_running_plane(dp, k), DP_IPTABLES_LEGACY);
	dp->planes[DP_IPTABLES_NFT].present = true;
	dp->planes[DP_IPTABLES_NFT].n_frontends = 3;
	ck_assert_int_eq(dp_join_running_plane(dp, k), DP_IPTABLES_NFT);
	/* the ConfigMap when kube-proxy does not answer */
	k->local_mode[0] = '\0';
	k->config.known = true;
	snprintf(k->config.mode, sizeof(k->config.mode), "ipvs");
	ck_assert_int_eq(dp_join_running_plane(dp, k), DP_IPVS);
	/* a plane with an error is not joined */
	dp->planes[DP_NFTABLES].error = -EPERM;
	rec_join(r);
	ck_assert(!j->planes[DP_NFTABLES].joined);
	ck_assert(j->planes[DP_IPVS].running);
	rec_close(r);
}
END_TEST

static void ipvs0_add(struct dataplane *dp, const char *addr)
{
	struct dp_addrs *a = &dp->kube_ipvs0;
	a->a = realloc(a->a, (a->n + 1) * sizeof(*a->a));
	ck_assert_ptr_nonnull(a->a);
	a->a[a->n++] = (struct dp_addr){AF_INET, a4(addr), 32};
}

START_TEST(test_kube_ipvs0)
{
	char buf[64];
	struct rec *r = rec_open("nftables");
	struct kube_state *k = &r->k;
	struct dataplane *dp = r->dp;
	const struct dp_join *j = &r->j;
	/* not read: not checked */
	rec_join(r);
	ck_assert(!j->kube_ipvs0_checked);
	/* read, absent, kube-proxy not in ipvs mode: nothing to say */
	dp->kube_ipvs0_read = true;
	rec_join(r);
	ck_assert(!j->kube_ipvs0_checked);
	/* absent in ipvs mode: every Service IP unreachable (12 of them, IPv6 too) */
	snprintf(k->local_mode, sizeof(k->local_mode), "ipvs");
	rec_join(r);
	ck_assert(j->kube_ipvs0_checked);
	ck_assert_uint_eq(j->kube_ipvs0.n_missing, 12);
	ck_assert_uint_eq(j->kube_ipvs0.n_extra, 0);
	/* present (a leftover under nftables): one lacking, one of no Service */
	snprintf(k->local_mode, sizeof(k->local_mode), "nftables");
	dp->kube_ipvs0.present = true;
	const char *have[] = {"10.96.0.1",   "10.96.0.10",	"10.96.120.15", "10.96.33.7",
			      "10.96.200.4", "192.168.122.240", "10.96.77.77",	"192.168.122.250",
			      "10.96.40.40", "10.96.90.14",	"10.96.99.99"};
	for (size_t i = 0; i < sizeof(have) / sizeof(have[0]); i++)
		ipvs0_add(dp, have[i]);
	rec_join(r);
	ck_assert(j->kube_ipvs0_checked);
	ck_assert_uint_eq(j->kube_ipvs0.n_missing, 2); /* orders', and dual's IPv6 one */
	ck_assert_str_eq(ipvs_addr_str(AF_INET, &j->kube_ipvs0.missing[0].addr, buf, sizeof(buf)),
			 "10.96.50.50");
	ck_assert_int_eq(j->kube_ipvs0.missing[1].af, AF_INET6);
	ck_assert_uint_eq(j->kube_ipvs0.n_extra, 1);
	ck_assert_str_eq(ipvs_addr_str(AF_INET, &j->kube_ipvs0.extra[0].addr, buf, sizeof(buf)),
			 "10.96.99.99");
	/* an error reading it: not checked */
	dp->kube_ipvs0_error = -EIO;
	rec_join(r);
	ck_assert(!j->kube_ipvs0_checked);
	rec_close(r);
}
END_TEST

START_TEST(test_ipset_fill)
{
	struct dp_ipset s = {.name = "KUBE-CLUSTER-IP", .maxelem = 65536};
	ck_assert_int_eq(dp_ipset_fill_of(&s), DP_IPSET_OK);
	s.entries = 58982; /* just under 90% */
	ck_assert_int_eq(dp_ipset_fill_of(&s), DP_IPSET_OK);
	s.entries = 58983;
	ck_assert_int_eq(dp_ipset_fill_of(&s), DP_IPSET_NEARLY_FULL);
	s.entries = 65536;
	ck_assert_int_eq(dp_ipset_fill_of(&s), DP_IPSET_FULL);
	s.entries = 10;
	s.full = true; /* the reader's word */
	ck_assert_int_eq(dp_ipset_fill_of(&s), DP_IPSET_FULL);
	struct dp_ipset bitmap = {.name = "KUBE-NODE-PORT-TCP", .entries = 40000};
	ck_assert_int_eq(dp_ipset_fill_of(&bitmap), DP_IPSET_OK);
	struct dp_ipset huge = {.entries = UINT64_MAX, .maxelem = UINT64_MAX};
	ck_assert_int_eq(dp_ipset_fill_of(&huge), DP_IPSET_FULL);
	huge.entries = UINT64_MAX / 2;
	ck_assert_int_eq(dp_ipset_fill_of(&huge), DP_IPSET_OK);
	ck_assert_str_eq(dp_ipset_fill_name(DP_IPSET_NEARLY_FULL), "nearly-full");

	/* in the join: counted */
	struct rec *r = rec_open("ipvs");
	struct dataplane *dp = r->dp;
	const struct dp_join *j = &r->j;
	struct dp_ipset sets[3] = {{.name = "KUBE-CLUSTER-IP", .entries = 4, .maxelem = 4},
				   {.name = "KUBE-LOOP-BACK", .entries = 9, .maxelem = 10},
				   {.name = "KUBE-NODE-PORT-TCP", .entries = 1}};
	dp->ipsets = malloc(sizeof(sets));
	ck_assert_ptr_nonnull(dp->ipsets);
	memcpy(dp->ipsets, sets, sizeof(sets));
	dp->n_ipsets = 3;
	rec_join(r);
	ck_assert_uint_eq(j->n_ipsets, 3);
	ck_assert_int_eq(j->ipset_fill[0], DP_IPSET_FULL);
	ck_assert_int_eq(j->ipset_fill[1], DP_IPSET_NEARLY_FULL);
	ck_assert_int_eq(j->ipset_fill[2], DP_IPSET_OK);
	ck_assert_uint_eq(j->n_ipsets_full, 1);
	ck_assert_uint_eq(j->n_ipsets_nearly_full, 1);
	rec_close(r);
}
END_TEST

/* Without this node's name, Local policies cannot be judged: those frontends are left out. */
START_TEST(test_local_policy_unknown_node)
{
	struct rec *r = rec_open("nftables");
	struct kube_state *k = &r->k;
	const struct dp_join *j = &r->j;
	k->local_node[0] = '\0';
	rec_join(r);
	const struct dp_plane_drift *pd = &j->planes[DP_NFTABLES];
	/* frontend (externalTrafficPolicy Local): its LB IP and NodePort, for http and https */
	ck_assert_uint_eq(pd->n_unchecked, 4);
	ck_assert_uint_eq(pd->n_missing, 1);
	ck_assert_uint_eq(pd->n_stale, 2);
	rec_close(r);
}
END_TEST

/* The views' join is made again only for a new state or a new read of the data planes. */
START_TEST(test_cache)
{
	struct kube_state k;
	struct dp_join_cache c;
	memset(&c, 0, sizeof(c));
	load_cluster(&k, "nftables");
	struct dataplane *dp = load_nft(), *dp2 = load_nft();
	ck_assert_ptr_null(dp_join_cache_update(&c, dp, NULL, false));
	ck_assert_ptr_null(dp_join_cache_update(&c, NULL, &k, true));
	const struct dp_join *j = dp_join_cache_update(&c, dp, &k, true);
	ck_assert_ptr_nonnull(j);
	ck_assert_ptr_eq(j->dp, dp);
	ck_assert_uint_eq(dp->refs, 2); /* the cache holds one */
	/* kept: a marker set in the join stays */
	c.j.planes[DP_NFTABLES].n_unchecked = 77;
	j = dp_join_cache_update(&c, dp, &k, false);
	ck_assert_uint_eq(j->planes[DP_NFTABLES].n_unchecked, 77);
	/* a new state: made again */
	j = dp_join_cache_update(&c, dp, &k, true);
	ck_assert_uint_eq(j->planes[DP_NFTABLES].n_unchecked, 0);
	/* a new read: made again, the old one let go */
	j = dp_join_cache_update(&c, dp2, &k, false);
	ck_assert_ptr_eq(j->dp, dp2);
	ck_assert_uint_eq(dp->refs, 1);
	ck_assert_uint_eq(dp2->refs, 2);
	/* no state any more: nothing */
	ck_assert_ptr_null(dp_join_cache_update(&c, dp2, NULL, false));
	ck_assert_uint_eq(dp2->refs, 1);
	dp_join_cache_free(&c);
	dataplane_unref(dp);
	dataplane_unref(dp2);
	kube_state_free(&k);
}
END_TEST

CHECK_MAIN("dp_join",
	   {"recorded",
	    0,
	    {test_nft_drift, test_owners_and_pods, test_kind_and_affinity_mismatch,
	     test_local_policy_unknown_node}},
	   {"mode", 0, {test_running_plane}}, {"ipvs-needs", 0, {test_kube_ipvs0, test_ipset_fill}},
	   {"cache", 0, {test_cache}})
