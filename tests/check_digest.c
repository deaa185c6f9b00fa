/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the node digest (digest.h): filled from the recorded drift scenario of
 * check_dp_join (tests/fixtures/dp-join: the cluster, worker-1's nftables tables) with an
 * IPVS table, kube-proxy's ipsets (tests/fixtures/ipset, one set full), kube-ipvs0 and
 * kube-proxy's metrics and pod, and checked against what `ipvstop -j` writes for the same
 * input; written and parsed back; parsed from hostile documents; problems ranked.
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "check_main.h"
#include "dataplane.h"
#include "digest.h"
#include "dp_ipset.h"
#include "dp_join.h"
#include "dp_nft.h"
#include "fixture.h"
#include "kp_metrics.h"
#include "kube_join.h"
#include "kube_model.h"
#include "kube_parse.h"
#include "kube_side.h"
#include "output_json.h"
#include "sample.h"
#include "snapshot.h"

#define NOW 1700000100.0

/* One node's reading: the table, the cluster, the data planes and their joins. */
struct scene {
	struct snapshot s;
	struct kube_state k;
	struct dataplane *dp;
	struct kube_join kj;
	struct dp_join dpj;
	struct kube_view kv;
};

static void load_list(const char *name, int (*add)(const cJSON *, void *), struct kube_state *k)
{
	size_t len;
	char *t = fixture_read(name, &len);
	ck_assert_int_ge(kube_parse_list(t, len, add, k, NULL, 0, NULL, 0), 1);
	free(t);
}

/* worker-1's kube-proxy pod: crash-looping, its log said mode. */
static void add_pod(struct kube_state *k, const char *mode)
{
	k->proxies = calloc(2, sizeof(*k->proxies));
	ck_assert_ptr_nonnull(k->proxies);
	k->n_proxies = 2;
	k->proxies[0].name = strdup("kube-proxy-cp");
	k->proxies[0].node = strdup("cp-1");
	k->proxies[1].name = strdup("kube-proxy-w1");
	k->proxies[1].node = strdup("worker-1");
	ck_assert(k->proxies[0].name && k->proxies[0].node && k->proxies[1].name &&
		  k->proxies[1].node);
	k->proxies[1].restarts = 7;
	snprintf(k->proxies[1].waiting_reason, sizeof(k->proxies[1].waiting_reason),
		 "CrashLoopBackOff");
	snprintf(k->proxies[1].log_mode, sizeof(k->proxies[1].log_mode), "%s", mode);
}

/* kube-proxy's /metrics: synced 40 s before the snapshot, 2 failed restores, nothing hung. */
static void add_metrics(struct kube_state *k)
{
	static const char text[] =
	    "kubeproxy_sync_proxy_rules_last_timestamp_seconds 1700000060\n"
	    "kubeproxy_sync_proxy_rules_last_queued_timestamp_seconds 1700000050\n"
	    "kubeproxy_sync_proxy_rules_iptables_restore_failures_total 2\n"
	    "kubeproxy_sync_proxy_rules_duration_seconds_sum 3\n"
	    "kubeproxy_sync_proxy_rules_duration_seconds_count 30\n";
	k->kp.asked = k->kp.read = true;
	k->kp.time = NOW - 1;
	ck_assert_int_eq(kp_metrics_parse(text, strlen(text), &k->kp.m), 0);
}

/* The IPVS table of check_dp_join's test_ipvs_drift, with counters. */
static void add_table(struct snapshot *s)
{
	s->time = NOW;
	s->mono = 1000;
	snprintf(s->host, sizeof(s->host), "worker-1.example");
	s->ipvs_available = true;
	s->source = IPVS_SOURCE_NETLINK;
	struct ipvs_service *v = sample_add_v4(s, "10.96.120.15", 80, IPPROTO_TCP);
	sample_add_dest_v4(v, "10.244.1.10", 8080)->active_conns = 3;
	sample_add_dest_v4(v, "10.244.2.12", 8080)->inactive_conns = 4;
	v->stats = (struct ipvs_stats){.conns = 100,
				       .inpkts = 1000,
				       .outpkts = 900,
				       .inbytes = 64000,
				       .outbytes = 128000,
				       .cps = 5,
				       .inpps = 50,
				       .outpps = 45,
				       .inbps = 4000,
				       .outbps = 8000};
	v = sample_add_v4(s, "10.96.33.7", 8080, IPPROTO_TCP);
	sample_add_dest_v4(v, "10.244.1.20", 8080)->active_conns = 1;
	sample_add_dest_v4(v, "10.244.2.22", 8080);
	v->stats = (struct ipvs_stats){.conns = 7, .cps = 1, .inbytes = 10};
	v = sample_add_v4(s, "10.0.0.1", 80, IPPROTO_TCP);
	sample_add_dest_v4(v, "192.0.2.1", 80);
}

/* worker-1's nftables tables, kube-proxy's ipsets (KUBE-CLUSTER-IP full), kube-ipvs0. */
static struct dataplane *load_dp(void)
{
	struct dataplane *dp = dataplane_new();
	size_t len;
	ck_assert_ptr_nonnull(dp);
	for (int i = 0; i < 2; i++) {
		char *t = fixture_read(i ? "tests/fixtures/dp-join/nft-ip6.json"
					 : "tests/fixtures/dp-join/nft-ip.json",
				       &len);
		ck_assert_int_eq(dp_nft_parse(t, len, dp), 0);
		free(t);
	}
	dp->planes[DP_NFTABLES].read = true;
	char *t = fixture_read("tests/fixtures/ipset/list-headers.txt", &len);
	ck_assert_int_eq(dp_ipset_parse_list(t, len, &dp->ipsets, &dp->n_ipsets), 0);
	free(t);
	dp->ipsets_read = true;
	dp->kube_ipvs0_read = dp->kube_ipvs0.present = true;
	dp->kube_ipvs0.a = calloc(1, sizeof(*dp->kube_ipvs0.a));
	ck_assert_ptr_nonnull(dp->kube_ipvs0.a);
	dp->kube_ipvs0.n = 1;
	dp->kube_ipvs0.a[0].af = AF_INET;
	ck_assert_int_eq(inet_pton(AF_INET, "10.96.120.15", dp->kube_ipvs0.a[0].addr.bytes), 1);
	return dp;
}

/* The scene with kube-proxy's /proxyMode answering mode ("" : not answered). */
static struct scene *scene_open(const char *mode, const char *log_mode)
{
	struct scene *c = calloc(1, sizeof(*c));
	ck_assert_ptr_nonnull(c);
	c->k.enabled = c->k.synced = true;
	snprintf(c->k.local_mode, sizeof(c->k.local_mode), "%s", mode);
	snprintf(c->k.local_node, sizeof(c->k.local_node), "worker-1");
	load_list("tests/fixtures/dp-join/svcs.json", fixture_add_service, &c->k);
	load_list("tests/fixtures/dp-join/slices.json", fixture_add_slice, &c->k);
	load_list("tests/fixtures/dp-join/nodes.json", fixture_add_node, &c->k);
	add_pod(&c->k, log_mode);
	add_metrics(&c->k);
	add_table(&c->s);
	c->dp = load_dp();
	c->s.dp = dataplane_ref(c->dp);
	ck_assert_int_eq(kube_join(&c->s, &c->k, NULL, 0, &c->kj), 0);
	ck_assert_int_eq(dp_join(c->dp, &c->k, &c->dpj), 0);
	c->kv =
	    (struct kube_view){.k = &c->k, .j = &c->kj, .node_name = "worker-1", .dpj = &c->dpj};
	return c;
}

static void scene_close(struct scene *c)
{
	dp_join_free(&c->dpj);
	kube_join_free(&c->kj);
	snapshot_free(&c->s);
	dataplane_unref(c->dp);
	kube_state_free(&c->k);
	free(c);
}

/* output_json of the scene, parsed. */
static cJSON *json_of(const struct scene *c)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(output_json(f, &c->s, NULL, &c->kv), 0);
	ck_assert_int_eq(fclose(f), 0);
	cJSON *doc = cJSON_Parse(text);
	ck_assert_ptr_nonnull(doc);
	free(text);
	return doc;
}

/* The member at a path of object names ("a", "b", NULL), asserted to exist. */
static const cJSON *at(const cJSON *o, ...)
{
	va_list ap;
	va_start(ap, o);
	for (const char *k; (k = va_arg(ap, const char *));) {
		o = cJSON_GetObjectItemCaseSensitive(o, k);
		ck_assert_msg(o != NULL, "no member %s", k);
	}
	va_end(ap);
	return o;
}

static double num(const cJSON *o)
{
	ck_assert(cJSON_IsNumber(o));
	return o->valuedouble;
}

/* The IPVS section's totals, summed from -j's services as the digest sums them. */
static void check_ipvs_against(const struct digest *d, const cJSON *doc)
{
	const cJSON *svc, *dest;
	uint64_t n = 0, rs = 0, act = 0, inact = 0, conns = 0, inbytes = 0;
	double cps = 0;
	cJSON_ArrayForEach(svc, at(doc, "ipvs", "services", NULL))
	{
		n++;
		conns += (uint64_t)num(at(svc, "stats", "conns", NULL));
		inbytes += (uint64_t)num(at(svc, "stats", "inbytes", NULL));
		cps += num(at(svc, "rates", "cps", NULL));
		cJSON_ArrayForEach(dest, at(svc, "destinations", NULL))
		{
			rs++;
			act += (uint64_t)num(at(dest, "active_conns", NULL));
			inact += (uint64_t)num(at(dest, "inactive_conns", NULL));
		}
	}
	ck_assert(n > 0 && rs > 0 && act > 0 && conns > 0);
	ck_assert_uint_eq(d->services, n);
	ck_assert_uint_eq(d->real_servers, rs);
	ck_assert_uint_eq(d->active_conns, act);
	ck_assert_uint_eq(d->inactive_conns, inact);
	ck_assert_uint_eq(d->conns, conns);
	ck_assert_uint_eq(d->inbytes, inbytes);
	ck_assert_double_eq(d->cps, cps);
	ck_assert(cJSON_IsTrue(at(doc, "ipvs", "available", NULL)) == d->ipvs_available);
	ck_assert_str_eq(d->source, at(doc, "ipvs", "source", NULL)->valuestring);
}

/* kube.proxy and kube.drift of -j. */
static void check_kube_against(const struct digest *d, const cJSON *doc)
{
	const cJSON *kp = at(doc, "kube", "proxy", "this_node", "kube_proxy", NULL);
	const cJSON *cm = at(doc, "kube", "proxy", "configured_mode", NULL);
	ck_assert_str_eq(d->configured_mode, cJSON_IsString(cm) ? cm->valuestring : "");
	ck_assert(d->kp_metrics_read == cJSON_IsTrue(at(kp, "metrics_read", NULL)));
	ck_assert(d->kp_hung == cJSON_IsTrue(at(kp, "hung", NULL)));
	ck_assert(d->kp_warn == cJSON_IsTrue(at(kp, "warn", NULL)));
	ck_assert_double_eq_tol(d->kp_last_sync_age, num(at(kp, "last_sync_age", NULL)), 0.001);
	ck_assert_uint_eq(d->kp_failures, (uint64_t)num(at(kp, "failures", "total", NULL)));
	const cJSON *pod;
	cJSON_ArrayForEach(pod, at(doc, "kube", "proxy", "nodes", NULL))
	{
		if (!cJSON_IsTrue(at(pod, "this_node", NULL)))
			continue;
		ck_assert_str_eq(d->kp_waiting, at(pod, "waiting", NULL)->valuestring);
		ck_assert_uint_eq(d->kp_restarts, (uint64_t)num(at(pod, "restarts", NULL)));
	}
	const cJSON *dc = at(doc, "kube", "drift", "counts", NULL);
	ck_assert_uint_eq(d->drift_missing, num(at(dc, "missing_endpoints", NULL)));
	ck_assert_uint_eq(d->drift_unexplained, num(at(dc, "unexplained_real_servers", NULL)));
	ck_assert_uint_eq(d->drift_draining, num(at(dc, "draining", NULL)));
	ck_assert_uint_eq(d->drift_unowned, num(at(dc, "unowned_virtual_services", NULL)));
	ck_assert_uint_eq(d->drift_without_vs,
			  num(at(dc, "services_without_virtual_service", NULL)));
	ck_assert_uint_eq(d->drift_scheduler, num(at(dc, "scheduler_mismatch", NULL)));
	ck_assert(cJSON_IsTrue(at(doc, "kube", "synced", NULL)) == d->kube_synced);
}

/* One plane against dataplane.planes, .frontends and .drift of -j. */
static void check_plane_against(const struct digest_plane *p, const cJSON *dps)
{
	const cJSON *fe, *dr = at(dps, "drift", p->name, NULL);
	const cJSON *dc = at(dr, "counts", NULL);
	uint32_t eps = 0;
	ck_assert(p->running == cJSON_IsTrue(at(dr, "running", NULL)));
	ck_assert_uint_eq(p->drift, num(at(dc, "missing_endpoints", NULL)) +
					num(at(dc, "stale_endpoints", NULL)) +
					num(at(dc, "unowned_frontends", NULL)));
	if (strcmp(p->name, "ipvs") == 0)
		return; /* frontends and endpoints: the IPVS section's, checked there */
	ck_assert(p->present == cJSON_IsTrue(at(dps, "planes", p->name, "present", NULL)));
	ck_assert_uint_eq(p->frontends, num(at(dps, "planes", p->name, "frontends", NULL)));
	cJSON_ArrayForEach(fe, at(dps, "frontends", NULL))
	{
		if (strcmp(at(fe, "plane", NULL)->valuestring, p->name) == 0)
			eps += (uint32_t)cJSON_GetArraySize(at(fe, "endpoints", NULL));
	}
	ck_assert_uint_eq(p->endpoints, eps);
}

static void check_dataplane_against(const struct digest *d, const cJSON *doc)
{
	const cJSON *dps = at(doc, "dataplane", NULL), *x;
	uint32_t lo = 0, full = 0;
	ck_assert_uint_eq(d->n_planes, 2); /* ipvs, nftables: the planes read */
	ck_assert_str_eq(d->planes[0].name, "ipvs");
	ck_assert_uint_eq(d->planes[0].frontends, d->services);
	for (size_t i = 0; i < d->n_planes; i++)
		check_plane_against(&d->planes[i], dps);
	cJSON_ArrayForEach(x, at(dps, "leftovers", NULL)) lo +=
	    cJSON_IsTrue(at(x, "leftover", NULL));
	cJSON_ArrayForEach(x, at(dps, "ipsets", "sets", NULL)) full +=
	    strcmp(at(x, "fill", NULL)->valuestring, "full") == 0;
	ck_assert_uint_eq(d->leftovers, lo);
	ck_assert_uint_eq(d->ipsets_full, full);
	ck_assert_uint_eq(d->kube_ipvs0_missing,
			  cJSON_GetArraySize(at(dps, "kube_ipvs0", "missing", NULL)));
	const cJSON *rm = at(dps, "leftovers_mode", NULL);
	ck_assert_str_eq(d->running_mode, cJSON_IsString(rm) ? rm->valuestring : "");
}

/* The digest says what -j says of the same reading (computed both ways, nothing typed in). */
START_TEST(test_fill_agrees_with_json)
{
	static const char *const modes[][2] = {
	    {"ipvs", "ipvs"}, {"nftables", "ipvs"}, {"", "ipvs"}};
	for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
		struct scene *c = scene_open(modes[m][0], modes[m][1]);
		struct digest d;
		digest_fill(&d, &c->s, &c->kv, "worker-1", NOW + 2.5);
		cJSON *doc = json_of(c);
		ck_assert_str_eq(d.node, "worker-1");
		ck_assert_str_eq(d.host, "worker-1.example");
		ck_assert_str_eq(d.version, PACKAGE_VERSION);
		ck_assert_double_eq(d.time, NOW);
		ck_assert_double_eq(d.age, 2.5);
		check_ipvs_against(&d, doc);
		check_kube_against(&d, doc);
		check_dataplane_against(&d, doc);
		ck_assert_uint_eq(d.n_errors, 0);
		cJSON_Delete(doc);
		scene_close(c);
	}
}
END_TEST

/* The scene has something of everything: the counts that -j agrees with are not all 0. */
START_TEST(test_fill_counts)
{
	struct scene *c = scene_open("ipvs", "ipvs");
	struct digest d;
	digest_fill(&d, &c->s, &c->kv, NULL, NOW);
	ck_assert_str_eq(d.node, "worker-1.example"); /* no --node: the host name */
	ck_assert_str_eq(d.running_mode, "ipvs");
	ck_assert(d.planes[0].running && d.planes[0].present);
	ck_assert_uint_eq(d.planes[0].drift, 3);     /* 1 missing, 1 stale, 1 unowned */
	ck_assert_uint_gt(d.planes[1].frontends, 0); /* nftables: left by another mode */
	ck_assert(!d.planes[1].running);
	ck_assert_uint_ge(d.leftovers, 1);
	ck_assert_uint_eq(d.ipsets_full, 1); /* KUBE-CLUSTER-IP */
	ck_assert_uint_gt(d.kube_ipvs0_missing, 0);
	ck_assert_str_eq(d.kp_waiting, "CrashLoopBackOff");
	ck_assert_uint_eq(d.kp_restarts, 7);
	ck_assert_uint_eq(d.kp_failures, 2);
	ck_assert(d.kp_metrics_read && d.kp_warn && !d.kp_hung);
	ck_assert_double_eq_tol(d.kp_last_sync_age, 40, 0.001);
	ck_assert_uint_eq(d.drift_missing, 1);
	/* /proxyMode unknown: the pod's log says the mode */
	scene_close(c);
	c = scene_open("", "nftables");
	digest_fill(&d, &c->s, &c->kv, NULL, NOW);
	ck_assert_str_eq(d.running_mode, "nftables");
	/* dp_join's running plane is /proxyMode's or the configured mode's, never the log's: -j
	 * says no plane runs, and so does the digest */
	ck_assert(!d.planes[0].running && !d.planes[1].running);
	scene_close(c);
}
END_TEST

/* Without a cluster, data planes or a readable IPVS: what is known, errors said. */
START_TEST(test_fill_alone)
{
	struct snapshot s;
	struct digest d;
	memset(&s, 0, sizeof(s));
	s.time = NOW;
	snprintf(s.ipvs_error, sizeof(s.ipvs_error),
		 "reading IPVS over netlink needs CAP_NET_ADMIN");
	digest_fill(&d, &s, NULL, "n1", NOW - 5);
	ck_assert_double_eq(d.age, 0);
	ck_assert(!d.ipvs_available && !d.kube_enabled);
	ck_assert_str_eq(d.source, "");
	ck_assert_str_eq(d.running_mode, "");
	ck_assert(isnan(d.kp_last_sync_age));
	ck_assert_uint_eq(d.n_planes, 1);
	ck_assert(!d.planes[0].present);
	ck_assert_uint_eq(d.n_errors, 1);
	ck_assert_str_eq(d.errors[0], "ipvs: reading IPVS over netlink needs CAP_NET_ADMIN");

	/* the /proc fallback has no per-service counters: the kernel's totals, rates unknown */
	s.ipvs_available = true;
	s.source = IPVS_SOURCE_PROC;
	struct ipvs_service *v = sample_add_v4(&s, "10.0.0.1", 80, IPPROTO_TCP);
	v->stats.conns = 99;
	digest_fill(&d, &s, NULL, "n1", NOW);
	ck_assert_uint_eq(d.conns, 0);
	ck_assert(isnan(d.cps));
	s.totals_known = true;
	s.totals.conns = 12;
	s.totals.cps = 3;
	digest_fill(&d, &s, NULL, "n1", NOW);
	ck_assert_uint_eq(d.conns, 12);
	ck_assert_double_eq(d.cps, 3);
	snapshot_free(&s);
}
END_TEST

/* The JSON string at a path, NULL for null. */
static const char *str_at(const cJSON *o, const char *a, const char *b, const char *c)
{
	const cJSON *x = c ? at(o, a, b, c, NULL) : at(o, a, b, NULL);
	return cJSON_IsString(x) ? x->valuestring : NULL;
}

/* The readers' errors: those -j writes, named by reader; the ones that are no error left out. */
START_TEST(test_fill_errors)
{
	struct scene *c = scene_open("ipvs", "ipvs");
	struct digest d;
	char want[4][300];
	snprintf(c->k.why, sizeof(c->k.why), "GET /api/v1/services: 403 Forbidden");
	c->k.error = true;
	c->k.kp.error = -ETIMEDOUT;
	snprintf(c->k.kp.why, sizeof(c->k.kp.why), "GET http://127.0.0.1:10249/metrics: no answer");
	dataplane_set_error(c->dp, DP_NFTABLES, -EPERM, "reading nftables needs CAP_NET_ADMIN");
	c->dp->ipsets_error = -ENOENT; /* no ip_set in the kernel: no error */
	snprintf(c->s.ipvs_error, sizeof(c->s.ipvs_error), "no CAP_NET_ADMIN: read-only view");
	digest_fill(&d, &c->s, &c->kv, "worker-1", NOW);
	cJSON *doc = json_of(c);
	snprintf(want[0], sizeof(want[0]), "ipvs: %s", str_at(doc, "ipvs", "error", NULL));
	snprintf(want[1], sizeof(want[1]), "kube: %s", str_at(doc, "kube", "error", NULL));
	snprintf(want[2], sizeof(want[2]), "kube-proxy: %s",
		 str_at(at(doc, "kube", "proxy", "this_node", NULL), "kube_proxy", "error", NULL));
	snprintf(want[3], sizeof(want[3]), "nftables: %s",
		 at(doc, "dataplane", "planes", "nftables", "error", NULL)->valuestring);
	ck_assert_ptr_null(str_at(doc, "dataplane", "ipsets", "error"));
	ck_assert_uint_eq(d.n_errors, 4);
	for (int i = 0; i < 4; i++)
		ck_assert_str_eq(d.errors[i], want[i]);
	cJSON_Delete(doc);
	/* more than four: the first four, in the readers' order */
	c->dp->kube_ipvs0_error = -EIO;
	digest_fill(&d, &c->s, &c->kv, "worker-1", NOW);
	ck_assert_uint_eq(d.n_errors, DIGEST_MAX_ERRORS);
	ck_assert_str_eq(d.errors[3], want[3]);
	/* nothing listening on kube-proxy's port is a node without kube-proxy, not an error */
	c->k.kp.error = -ECONNREFUSED;
	c->k.error = false;
	c->dp->kube_ipvs0_error = 0;
	digest_fill(&d, &c->s, &c->kv, "worker-1", NOW);
	ck_assert_uint_eq(d.n_errors, 2);
	ck_assert_str_eq(d.errors[1], want[3]);
	scene_close(c);

	/* IPVS missing where kube-proxy runs nftables: no error, and no problem */
	c = scene_open("nftables", "nftables");
	c->s.ipvs_available = false;
	snapshot_clear_services(&c->s);
	kube_join_free(&c->kj); /* the join is of the table: made again */
	ck_assert_int_eq(kube_join(&c->s, &c->k, NULL, 0, &c->kj), 0);
	snprintf(c->s.ipvs_error, sizeof(c->s.ipvs_error), "IPVS is not available");
	digest_fill(&d, &c->s, &c->kv, "worker-1", NOW);
	ck_assert_uint_eq(d.n_errors, 0);
	ck_assert_int_lt(digest_problems(&d, NULL, 0), DIGEST_ERROR);
	/* the same where it runs ipvs: both */
	snprintf(c->k.local_mode, sizeof(c->k.local_mode), "ipvs");
	digest_fill(&d, &c->s, &c->kv, "worker-1", NOW);
	ck_assert_uint_eq(d.n_errors, 1);
	ck_assert_str_eq(d.errors[0], "ipvs: IPVS is not available");
	ck_assert_int_eq(digest_problems(&d, NULL, 0), DIGEST_ERROR);
	scene_close(c);
}
END_TEST

static char *written(const struct digest *d, size_t *len)
{
	char *text = NULL;
	FILE *f = open_memstream(&text, len);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(digest_write(f, d), 0);
	ck_assert_int_eq(fclose(f), 0);
	return text;
}

static void assert_same(const struct digest *a, const struct digest *b)
{
	ck_assert_str_eq(a->node, b->node);
	ck_assert_str_eq(a->host, b->host);
	ck_assert_str_eq(a->version, b->version);
	ck_assert_str_eq(a->source, b->source);
	ck_assert_str_eq(a->configured_mode, b->configured_mode);
	ck_assert_str_eq(a->running_mode, b->running_mode);
	ck_assert_str_eq(a->kp_waiting, b->kp_waiting);
	/* doubles are written with 3 decimals */
	ck_assert_double_eq_tol(a->time, b->time, 0.0005);
	ck_assert_double_eq_tol(a->age, b->age, 0.0005);
	ck_assert_double_eq_tol(a->cps, b->cps, 0.0005);
	ck_assert_double_eq_tol(a->outbps, b->outbps, 0.0005);
	ck_assert(isnan(a->kp_last_sync_age) == isnan(b->kp_last_sync_age));
	if (!isnan(a->kp_last_sync_age))
		ck_assert_double_eq_tol(a->kp_last_sync_age, b->kp_last_sync_age, 0.0005);
	/* every count, flag and the planes: the same bytes once the doubles are aligned */
	struct digest x = *a, y = *b;
	x.time = y.time = x.age = y.age = x.kp_last_sync_age = y.kp_last_sync_age = 0;
	x.cps = y.cps = x.inpps = y.inpps = x.outpps = y.outpps = 0;
	x.inbps = y.inbps = x.outbps = y.outbps = 0;
	ck_assert_uint_eq(x.n_planes, y.n_planes);
	ck_assert_uint_eq(x.n_errors, y.n_errors);
	for (size_t i = 0; i < x.n_errors; i++)
		ck_assert_str_eq(x.errors[i], y.errors[i]);
	ck_assert(x.services == y.services && x.real_servers == y.real_servers &&
		  x.active_conns == y.active_conns && x.inactive_conns == y.inactive_conns &&
		  x.conns == y.conns && x.inpkts == y.inpkts && x.outpkts == y.outpkts &&
		  x.inbytes == y.inbytes && x.outbytes == y.outbytes);
	ck_assert(x.ipvs_available == y.ipvs_available && x.kp_metrics_read == y.kp_metrics_read &&
		  x.kp_hung == y.kp_hung && x.kp_failures == y.kp_failures &&
		  x.kp_warn == y.kp_warn && x.kp_restarts == y.kp_restarts &&
		  x.kube_enabled == y.kube_enabled && x.kube_synced == y.kube_synced);
	ck_assert(x.drift_missing == y.drift_missing &&
		  x.drift_unexplained == y.drift_unexplained &&
		  x.drift_draining == y.drift_draining && x.drift_unowned == y.drift_unowned &&
		  x.drift_without_vs == y.drift_without_vs &&
		  x.drift_scheduler == y.drift_scheduler && x.leftovers == y.leftovers &&
		  x.ipsets_full == y.ipsets_full && x.kube_ipvs0_missing == y.kube_ipvs0_missing);
	for (size_t i = 0; i < x.n_planes; i++) {
		ck_assert_str_eq(x.planes[i].name, y.planes[i].name);
		ck_assert(x.planes[i].present == y.planes[i].present &&
			  x.planes[i].running == y.planes[i].running &&
			  x.planes[i].frontends == y.planes[i].frontends &&
			  x.planes[i].endpoints == y.planes[i].endpoints &&
			  x.planes[i].drift == y.planes[i].drift);
	}
}

/* What the agent writes is what the view reads. */
START_TEST(test_round_trip)
{
	struct scene *c = scene_open("ipvs", "ipvs");
	struct digest d, back;
	char err[128];
	size_t len;
	digest_fill(&d, &c->s, &c->kv, "worker-1", NOW + 0.25);
	snprintf(d.errors[d.n_errors++], sizeof(d.errors[0]), "nftables: \"quoted\"\n\x01 ünï");
	char *text = written(&d, &len);
	ck_assert_uint_eq(strlen(text), len);
	ck_assert_ptr_null(strchr(text, '\n')); /* one line */
	ck_assert_int_eq(digest_parse(text, len, &back, err, sizeof(err)), 0);
	ck_assert_str_eq(err, "");
	assert_same(&d, &back);
	/* written again: the same bytes */
	size_t len2;
	char *again = written(&back, &len2);
	ck_assert_uint_eq(len2, len);
	ck_assert_mem_eq(again, text, len);
	free(again);
	cJSON *doc = cJSON_Parse(text);
	ck_assert_str_eq(at(doc, "kind", NULL)->valuestring, DIGEST_KIND);
	ck_assert_int_eq((int)num(at(doc, "schema", NULL)), DIGEST_SCHEMA);
	ck_assert(cJSON_IsNumber(at(doc, "kp_last_sync_age", NULL)));
	cJSON_Delete(doc);
	free(text);
	/* NAN as null, and back */
	d.kp_last_sync_age = NAN;
	d.cps = NAN;
	text = written(&d, &len);
	ck_assert_ptr_nonnull(strstr(text, "\"kp_last_sync_age\":null"));
	ck_assert_int_eq(digest_parse(text, len, &back, err, sizeof(err)), 0);
	ck_assert(isnan(back.kp_last_sync_age) && isnan(back.cps));
	free(text);
	/* a number "%.3f" writes in more digits than the reader takes: null, not a refusal */
	d.age = 1e300;
	d.inbps = -1e16;
	d.outbps = 999999999999999.0;
	text = written(&d, &len);
	ck_assert_int_eq(digest_parse(text, len, &back, err, sizeof(err)), 0);
	ck_assert(isnan(back.age) && isnan(back.inbps));
	ck_assert_double_eq(back.outbps, 999999999999999.0);
	free(text);
	scene_close(c);
}
END_TEST

/* A newer agent's members are skipped; absent ones read as unknown. */
START_TEST(test_parse_tolerant)
{
	static const char doc[] =
	    "{\"kind\":\"ipvstop-digest\",\"schema\":1,\"node\":\"n1\",\"future\":{\"a\":[1,2]},"
	    "\"services\":4,\"planes\":[{\"name\":\"ipvs\",\"frontends\":4,\"color\":\"red\"},"
	    "{\"name\":\"a\"},{\"name\":\"b\"},{\"name\":\"c\"},{\"name\":\"e\"}],"
	    "\"errors\":[\"1\",\"2\",\"3\",\"4\",\"5\"]}  \n";
	struct digest d;
	char err[128];
	ck_assert_int_eq(digest_parse(doc, strlen(doc), &d, err, sizeof(err)), 0);
	ck_assert_str_eq(d.node, "n1");
	ck_assert_uint_eq(d.services, 4);
	ck_assert_uint_eq(d.n_planes, 4);
	ck_assert_uint_eq(d.planes[0].frontends, 4);
	ck_assert_str_eq(d.planes[3].name, "c");
	ck_assert_uint_eq(d.n_errors, DIGEST_MAX_ERRORS);
	ck_assert_str_eq(d.errors[3], "4");
	ck_assert(isnan(d.time) && isnan(d.kp_last_sync_age) && isnan(d.cps));
}
END_TEST

#define DOC_HEAD "{\"kind\":\"ipvstop-digest\",\"schema\":1,"

/* Ill-formed UTF-8 is held as the writer would write it: parsed and written again, the same. */
START_TEST(test_parse_utf8)
{
	static const char doc[] = DOC_HEAD "\"node\":\"a\xcfs\xff\xed\xa0\x80z\","
					   "\"errors\":[\"\xe2\x82\"]}";
	struct digest d, again;
	char err[128];
	size_t len;
	ck_assert_int_eq(digest_parse(doc, strlen(doc), &d, err, sizeof(err)), 0);
	/* 0xcf 's': one; 0xff: one; a surrogate's 0xed 0xa0 0x80: one per byte, as jw counts */
	ck_assert_str_eq(d.node, "a\xef\xbf\xbds\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdz");
	ck_assert_str_eq(d.errors[0], "\xef\xbf\xbd");
	char *text = written(&d, &len);
	ck_assert_int_eq(digest_parse(text, len, &again, err, sizeof(err)), 0);
	ck_assert_str_eq(again.node, d.node);
	ck_assert_str_eq(again.errors[0], d.errors[0]);
	free(text);
	/* a 3-byte character that does not fit whole is left out */
	char small[4];
	digest_strcpy(small, sizeof(small), "ab\xe2\x82\xac");
	ck_assert_str_eq(small, "ab");
	digest_strcpy(small, sizeof(small), "\xe2\x82\xac!");
	ck_assert_str_eq(small, "\xe2\x82\xac");
}
END_TEST

/* parse of a NUL-terminated text: its return, err checked to hold want (NULL: anything). */
static int parse_err(const char *doc, const char *want, char *err, size_t errlen)
{
	struct digest d;
	int r = digest_parse(doc, strlen(doc), &d, err, errlen);
	if (want)
		ck_assert_msg(strstr(err, want) != NULL, "err \"%s\" lacks \"%s\"", err, want);
	ck_assert(r != 0 || err[0] == '\0');
	return r;
}

START_TEST(test_parse_types)
{
	char err[128];
	ck_assert_int_eq(
	    parse_err(DOC_HEAD "\"services\":\"4\"}", "\"services\"", err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(parse_err(DOC_HEAD "\"services\":-1}", "\"services\"", err, sizeof(err)),
			 -EINVAL);
	ck_assert_int_eq(parse_err(DOC_HEAD "\"services\":1.5}", "\"services\"", err, sizeof(err)),
			 -EINVAL);
	ck_assert_int_eq(
	    parse_err(DOC_HEAD "\"leftovers\":4294967296}", "\"leftovers\"", err, sizeof(err)),
	    -EINVAL);
	ck_assert_int_eq(parse_err(DOC_HEAD "\"conns\":1e30}", "\"conns\"", err, sizeof(err)),
			 -EINVAL);
	ck_assert_int_eq(parse_err(DOC_HEAD "\"node\":5}", "\"node\"", err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(parse_err(DOC_HEAD "\"kp_hung\":1}", "\"kp_hung\"", err, sizeof(err)),
			 -EINVAL);
	ck_assert_int_eq(parse_err(DOC_HEAD "\"cps\":\"fast\"}", "\"cps\"", err, sizeof(err)),
			 -EINVAL);
	ck_assert_int_eq(parse_err(DOC_HEAD "\"planes\":{}}", "\"planes\"", err, sizeof(err)),
			 -EINVAL);
	ck_assert_int_eq(parse_err(DOC_HEAD "\"planes\":[1]}", "\"planes\"", err, sizeof(err)),
			 -EINVAL);
	ck_assert_int_eq(
	    parse_err(DOC_HEAD "\"planes\":[{\"drift\":true}]}", "\"drift\"", err, sizeof(err)),
	    -EINVAL);
	ck_assert_int_eq(parse_err(DOC_HEAD "\"errors\":[null]}", "\"errors\"", err, sizeof(err)),
			 -EINVAL);
	ck_assert_int_eq(parse_err(DOC_HEAD "\"errors\":\"x\"}", "\"errors\"", err, sizeof(err)),
			 -EINVAL);
	/* null is an unknown number or an empty string */
	ck_assert_int_eq(parse_err(DOC_HEAD "\"node\":null,\"cps\":null}", NULL, err, sizeof(err)),
			 0);
}
END_TEST

START_TEST(test_parse_refuses)
{
	char err[128];
	ck_assert_int_eq(
	    parse_err("{\"kind\":\"ipvstop-digest\",\"schema\":2}", "schema 2", err, sizeof(err)),
	    -EINVAL);
	ck_assert_int_eq(
	    parse_err("{\"kind\":\"ipvstop-digest\",\"schema\":0}", "\"schema\"", err, sizeof(err)),
	    -EINVAL);
	ck_assert_int_eq(parse_err("{\"kind\":\"ipvstop-digest\"}", "\"schema\"", err, sizeof(err)),
			 -EINVAL);
	ck_assert_int_eq(parse_err("{\"schema\":1,\"time\":1}", "kind", err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(parse_err("{\"kind\":\"ipvstop\",\"schema\":1}", "kind", err, sizeof(err)),
			 -EINVAL);
	ck_assert_int_eq(parse_err("[1,2]", "not a JSON object", err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(parse_err("\"ipvstop-digest\"", "not a JSON object", err, sizeof(err)),
			 -EINVAL);
	ck_assert_int_eq(parse_err(DOC_HEAD "\"node\":\"n", "not JSON", err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(parse_err(DOC_HEAD "\"node\":\"n\"}{}", "after", err, sizeof(err)),
			 -EINVAL);
	ck_assert_int_eq(parse_err("", "empty", err, sizeof(err)), -EINVAL);
	ck_assert_int_eq(parse_err("<html>secret-token-here</html>", "not JSON", err, sizeof(err)),
			 -EINVAL);
	ck_assert_ptr_null(strstr(err, "secret"));
	/* err too small: cut, never overrun */
	char tiny[6];
	ck_assert_int_eq(parse_err("[]", NULL, tiny, sizeof(tiny)), -EINVAL);
	ck_assert_uint_eq(strlen(tiny), sizeof(tiny) - 1);
	struct digest d;
	ck_assert_int_eq(digest_parse("[]", 2, &d, NULL, 0), -EINVAL);
}
END_TEST

/* Long strings cut to the struct's sizes on a character boundary; huge and deep documents. */
START_TEST(test_parse_hostile_sizes)
{
	char err[128];
	struct digest d;
	size_t n = DIGEST_MAX_BYTES - 100;
	char *doc = malloc(DIGEST_MAX_BYTES + 2);
	ck_assert_ptr_nonnull(doc);
	/* a node name of ~64 KiB of "é": cut to 255 bytes at most, whole characters */
	size_t o = (size_t)snprintf(doc, n, DOC_HEAD "\"node\":\"");
	while (o + 2 < n - 3)
		o += (size_t)snprintf(doc + o, n - o, "\xc3\xa9");
	o += (size_t)snprintf(doc + o, n - o, "\"}");
	ck_assert_int_eq(digest_parse(doc, o, &d, err, sizeof(err)), 0);
	ck_assert_uint_eq(strlen(d.node), 254);
	ck_assert_int_eq((unsigned char)d.node[253], 0xa9);
	/* more than DIGEST_MAX_BYTES: refused before parsing */
	memset(doc, ' ', DIGEST_MAX_BYTES + 1);
	memcpy(doc, "{}", 2);
	ck_assert_int_eq(digest_parse(doc, DIGEST_MAX_BYTES + 1, &d, err, sizeof(err)), -E2BIG);
	ck_assert(strlen(err) > 0);
	/* nesting as deep as the size allows */
	o = (size_t)snprintf(doc, DIGEST_MAX_BYTES, DOC_HEAD "\"x\":");
	while (o < DIGEST_MAX_BYTES / 2)
		doc[o++] = '[';
	ck_assert_int_eq(digest_parse(doc, o, &d, err, sizeof(err)), -EINVAL);
	ck_assert_uint_le(strlen(err), 100);
	/* every prefix of a real digest: refused cleanly, never read past its length */
	struct scene *c = scene_open("ipvs", "ipvs");
	struct digest full;
	size_t len;
	digest_fill(&full, &c->s, &c->kv, "worker-1", NOW);
	char *text = written(&full, &len);
	for (size_t i = 0; i < len; i++) {
		char *cut = malloc(i ? i : 1);
		ck_assert_ptr_nonnull(cut);
		memcpy(cut, text, i);
		ck_assert_int_eq(digest_parse(cut, i, &d, err, sizeof(err)), -EINVAL);
		free(cut);
	}
	free(text);
	scene_close(c);
	free(doc);
}
END_TEST

/* A fine node, then one more problem at a time: each ranks above the one before. */
START_TEST(test_problems_order)
{
	struct digest d;
	char why[128];
	memset(&d, 0, sizeof(d));
	d.ipvs_available = true;
	snprintf(d.running_mode, sizeof(d.running_mode), "ipvs");
	snprintf(d.configured_mode, sizeof(d.configured_mode), "ipvs");
	d.n_planes = 1;
	snprintf(d.planes[0].name, sizeof(d.planes[0].name), "ipvs");
	d.planes[0].running = true;
	ck_assert_int_eq(digest_problems(&d, why, sizeof(why)), DIGEST_FINE);
	ck_assert_str_eq(why, "");
	d.leftovers = 2;
	ck_assert_int_eq(digest_problems(&d, why, sizeof(why)), DIGEST_LEFTOVERS);
	ck_assert_ptr_nonnull(strstr(why, "2"));
	d.ipsets_full = 1;
	ck_assert_int_eq(digest_problems(&d, why, sizeof(why)), DIGEST_CAPACITY);
	ck_assert_ptr_nonnull(strstr(why, "ipset"));
	d.planes[0].drift = 3;
	ck_assert_int_eq(digest_problems(&d, why, sizeof(why)), DIGEST_DRIFT);
	ck_assert_ptr_nonnull(strstr(why, "3"));
	snprintf(d.running_mode, sizeof(d.running_mode), "nftables");
	ck_assert_int_eq(digest_problems(&d, why, sizeof(why)), DIGEST_MIGRATION);
	ck_assert_ptr_nonnull(strstr(why, "nftables"));
	d.kp_hung = true;
	ck_assert_int_eq(digest_problems(&d, why, sizeof(why)), DIGEST_KUBE_PROXY);
	snprintf(d.kp_waiting, sizeof(d.kp_waiting), "CrashLoopBackOff");
	ck_assert_int_eq(digest_problems(&d, why, sizeof(why)), DIGEST_KUBE_PROXY);
	ck_assert_ptr_nonnull(strstr(why, "CrashLoopBackOff"));
	snprintf(d.errors[d.n_errors++], sizeof(d.errors[0]), "kube: 403 Forbidden");
	ck_assert_int_eq(digest_problems(&d, why, sizeof(why)), DIGEST_ERROR);
	ck_assert_str_eq(why, "kube: 403 Forbidden");
	/* iptables: the backend with more frontends */
	memset(&d, 0, sizeof(d));
	d.ipvs_available = true;
	snprintf(d.running_mode, sizeof(d.running_mode), "iptables");
	d.n_planes = 3;
	snprintf(d.planes[0].name, sizeof(d.planes[0].name), "ipvs");
	d.planes[0].drift = 9;
	snprintf(d.planes[1].name, sizeof(d.planes[1].name), "iptables-nft");
	d.planes[1].frontends = 3;
	snprintf(d.planes[2].name, sizeof(d.planes[2].name), "iptables-legacy");
	d.planes[2].frontends = 30;
	d.planes[2].drift = 2;
	ck_assert_int_eq(digest_problems(&d, why, sizeof(why)), DIGEST_DRIFT);
	ck_assert_ptr_nonnull(strstr(why, "iptables-legacy"));
	d.planes[2].drift = 0;
	ck_assert_int_eq(digest_problems(&d, why, sizeof(why)), DIGEST_FINE);
	/* IPVS not readable matters only where kube-proxy runs ipvs */
	memset(&d, 0, sizeof(d));
	snprintf(d.running_mode, sizeof(d.running_mode), "nftables");
	ck_assert_int_eq(digest_problems(&d, why, sizeof(why)), DIGEST_FINE);
	snprintf(d.running_mode, sizeof(d.running_mode), "ipvs");
	ck_assert_int_eq(digest_problems(&d, why, sizeof(why)), DIGEST_ERROR);
	ck_assert_int_eq(digest_problems(&d, NULL, 0), DIGEST_ERROR);
	/* a small buffer is cut, not overrun */
	char tiny[4];
	ck_assert_int_eq(digest_problems(&d, tiny, sizeof(tiny)), DIGEST_ERROR);
	ck_assert_uint_eq(strlen(tiny), 3);
}
END_TEST

/* The scene's own digest ranks its worst problem: the crash-looping kube-proxy. */
START_TEST(test_problems_of_scene)
{
	struct scene *c = scene_open("ipvs", "ipvs");
	struct digest d;
	char why[128];
	digest_fill(&d, &c->s, &c->kv, "worker-1", NOW);
	ck_assert_int_eq(digest_problems(&d, why, sizeof(why)), DIGEST_KUBE_PROXY);
	d.kp_waiting[0] = '\0';
	ck_assert_int_eq(digest_problems(&d, why, sizeof(why)), DIGEST_DRIFT);
	ck_assert_ptr_nonnull(strstr(why, "ipvs"));
	scene_close(c);
	/* the mode from the pod's log only: no plane is marked running, the mode's plane counts */
	c = scene_open("", "nftables");
	digest_fill(&d, &c->s, &c->kv, "worker-1", NOW);
	d.kp_waiting[0] = '\0';
	ck_assert(!d.planes[0].running && !d.planes[1].running);
	ck_assert_uint_gt(d.planes[1].drift, 0);
	ck_assert_int_eq(digest_problems(&d, why, sizeof(why)), DIGEST_DRIFT);
	ck_assert_ptr_nonnull(strstr(why, "nftables"));
	scene_close(c);
}
END_TEST

CHECK_MAIN("digest",
	   {"fill",
	    0,
	    {test_fill_agrees_with_json, test_fill_counts, test_fill_alone, test_fill_errors}},
	   {"json", 0, {test_round_trip, test_parse_tolerant, test_parse_types, test_parse_utf8}},
	   {"hostile", 30, {test_parse_refuses, test_parse_hostile_sizes}},
	   {"problems", 0, {test_problems_order, test_problems_of_scene}})
