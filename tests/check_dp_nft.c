/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of dp_nft: kube-proxy's nftables tables (recorded by the real nft) -> frontends. */
#include "config.h"

#define _GNU_SOURCE 1
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cjson/cJSON.h>

#include "check_main.h"
#include "dataplane.h"
#include "dp_nft.h"
#include "fixture.h"
#include "snapshot.h"

static const char *addr_str(int af, const struct ipvs_addr *a)
{
	static char buf[4][64];
	static int i;
	i = (i + 1) % 4;
	return ipvs_addr_str(af, a, buf[i], sizeof(buf[i]));
}

/* Parses tests/fixtures/nft/NAME into dp; returns dp_nft_parse's value. */
static int parse_fixture(const char *name, struct dataplane *dp)
{
	char rel[128];
	size_t len;
	snprintf(rel, sizeof(rel), "tests/fixtures/nft/%s", name);
	char *buf = fixture_read(rel, &len);
	int err = dp_nft_parse(buf, len, dp);
	free(buf);
	return err;
}

/* ------------------------------------------------------------ the scenario */

/*
 * What kube-proxy programs on worker-1 (192.168.122.11) for tests/kube/scenarios/basic.json:
 * ready endpoints only (api's terminating-serving one is not used: a ready one exists);
 * frontend's externalTrafficPolicy Local keeps worker-1's endpoint for NodePorts and the
 * load-balancer IP. The rules send external and load-balancer IPs to the same external-
 * chain: without loadBalancerSourceRanges (firewall-ips) the LB IP reads as external-ip.
 * The headless db and the ExternalName external-db have no rules.
 */
struct want_ep {
	const char *addr;
	unsigned port;
	double share;
};
struct want_fe {
	enum dp_frontend_kind kind;
	int af;
	uint16_t proto;
	const char *addr; /* "" for a NodePort */
	unsigned port;
	const char *ns, *name, *port_name;
	bool no_endpoints, affinity;
	struct want_ep eps[3];
};

#define TCP IPPROTO_TCP
#define UDP IPPROTO_UDP
/* One frontend a row. */
/* clang-format off */
static const struct want_fe basic_want[] = {
	{DPF_CLUSTER_IP, AF_INET, TCP, "10.96.120.15", 80, "default", "web", "http",
	 false, false, {{"10.244.1.10", 8080, 0.5}, {"10.244.2.11", 8080, 0.5}}},
	{DPF_CLUSTER_IP, AF_INET, TCP, "10.96.33.7", 8080, "default", "api", "http",
	 false, false, {{"10.244.1.20", 8080, 1}}},
	{DPF_NODE_PORT, AF_INET, TCP, "", 30080, "default", "api", "http",
	 false, false, {{"10.244.1.20", 8080, 1}}},
	{DPF_CLUSTER_IP, AF_INET, TCP, "10.96.200.4", 80, "default", "frontend", "http",
	 false, false, {{"10.244.1.30", 8080, 0.5}, {"10.244.2.31", 8080, 0.5}}},
	{DPF_CLUSTER_IP, AF_INET, TCP, "10.96.200.4", 443, "default", "frontend", "https",
	 false, false, {{"10.244.1.30", 8443, 0.5}, {"10.244.2.31", 8443, 0.5}}},
	{DPF_EXTERNAL_IP, AF_INET, TCP, "192.168.122.240", 80, "default", "frontend", "http",
	 false, false, {{"10.244.1.30", 8080, 1}}},
	{DPF_EXTERNAL_IP, AF_INET, TCP, "192.168.122.240", 443, "default", "frontend", "https",
	 false, false, {{"10.244.1.30", 8443, 1}}},
	{DPF_NODE_PORT, AF_INET, TCP, "", 31080, "default", "frontend", "http",
	 false, false, {{"10.244.1.30", 8080, 1}}},
	{DPF_NODE_PORT, AF_INET, TCP, "", 31443, "default", "frontend", "https",
	 false, false, {{"10.244.1.30", 8443, 1}}},
	{DPF_CLUSTER_IP, AF_INET, TCP, "10.96.77.77", 9000, "default", "sticky", "tcp",
	 false, true, {{"10.244.1.50", 9000, 0.5}, {"10.244.2.51", 9000, 0.5}}},
	{DPF_EXTERNAL_IP, AF_INET, TCP, "192.168.122.250", 9000, "default", "sticky", "tcp",
	 false, true, {{"10.244.1.50", 9000, 0.5}, {"10.244.2.51", 9000, 0.5}}},
	{DPF_CLUSTER_IP, AF_INET, TCP, "10.96.40.40", 80, "default", "dual", "http",
	 false, false, {{"10.244.1.60", 8080, 1}}},
	{DPF_CLUSTER_IP, AF_INET6, TCP, "fd00:10:96::4040", 80, "default", "dual", "http",
	 false, false, {{"fd00:10:244:1::60", 8080, 1}}},
	{DPF_CLUSTER_IP, AF_INET, UDP, "10.96.90.14", 514, "monitoring", "syslog", "syslog",
	 true, false, {{0}}},
	{DPF_NODE_PORT, AF_INET, UDP, "", 30514, "monitoring", "syslog", "syslog",
	 true, false, {{0}}},
};
/* clang-format on */
#define N_BASIC (sizeof(basic_want) / sizeof(basic_want[0]))

static const struct dp_frontend *find_fe(const struct dataplane *dp, const struct want_fe *w)
{
	for (size_t i = 0; i < dp->n_fe; i++) {
		const struct dp_frontend *f = &dp->fe[i];
		const char *a = w->kind == DPF_NODE_PORT ? "" : addr_str(f->af, &f->addr);
		if (f->kind == w->kind && f->af == w->af && f->protocol == w->proto &&
		    f->port == w->port && strcmp(a, w->addr) == 0)
			return f;
	}
	return NULL;
}

static void check_fe(const struct dp_frontend *f, const struct want_fe *w)
{
	size_t n = 0;
	ck_assert_int_eq(f->plane, DP_NFTABLES);
	ck_assert_str_eq(f->svc_namespace, w->ns);
	ck_assert_str_eq(f->svc_name, w->name);
	ck_assert_str_eq(f->svc_port, w->port_name);
	ck_assert_msg(f->no_endpoints == w->no_endpoints, "%s/%s %u: no_endpoints %d", w->ns,
		      w->name, w->port, f->no_endpoints);
	ck_assert_msg(f->affinity == w->affinity, "%s/%s %u: affinity %d", w->ns, w->name, w->port,
		      f->affinity);
	ck_assert_msg(!f->unrecognised, "%s/%s %u: unrecognised: %s", w->ns, w->name, w->port,
		      f->note ? f->note : "");
	while (n < 3 && w->eps[n].addr)
		n++;
	ck_assert_msg(f->n_eps == n, "%s/%s %u: %zu endpoints, want %zu", w->ns, w->name, w->port,
		      f->n_eps, n);
	for (size_t i = 0; i < n; i++) {
		const struct dp_endpoint *e = &f->eps[i];
		ck_assert_int_eq(e->af, w->af);
		ck_assert_str_eq(addr_str(e->af, &e->addr), w->eps[i].addr);
		ck_assert_uint_eq(e->port, w->eps[i].port);
		ck_assert_double_eq_tol(e->share, w->eps[i].share, 1e-9);
	}
}

static void check_basic(const struct dataplane *dp)
{
	for (size_t i = 0; i < N_BASIC; i++) {
		const struct dp_frontend *f = find_fe(dp, &basic_want[i]);
		ck_assert_msg(f, "no frontend %s %s:%u", dp_frontend_kind_name(basic_want[i].kind),
			      basic_want[i].addr, basic_want[i].port);
		check_fe(f, &basic_want[i]);
	}
	ck_assert_uint_eq(dp->n_fe, N_BASIC);
	ck_assert_uint_eq(dp->planes[DP_NFTABLES].n_frontends, N_BASIC);
}

START_TEST(test_basic)
{
	struct dataplane dp = {0};
	ck_assert_int_eq(parse_fixture("basic-ip.json", &dp), 0);
	ck_assert_int_eq(parse_fixture("basic-ip6.json", &dp), 0);
	check_basic(&dp);
	const struct dp_plane *p = &dp.planes[DP_NFTABLES];
	ck_assert(p->present);
	ck_assert_uint_eq(p->n_rules, 100); /* 73 in ip, 27 in ip6 (nft -a list counts them) */
	ck_assert_uint_eq(p->n_unrecognised, 0);
	ck_assert(!p->read); /* the parser is not the reader */
	dataplane_free(&dp);
}
END_TEST

/* A chain name is "PREFIX-HASH-ns/name/proto/port": the frontend keeps what the map says. */
START_TEST(test_chain_names)
{
	struct dataplane dp = {0};
	ck_assert_int_eq(parse_fixture("basic-ip.json", &dp), 0);
	const struct dp_frontend *f = find_fe(&dp, &basic_want[0]);
	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(f->chain, "service-SUSTUHLJ-default/web/tcp/http");
	f = find_fe(&dp, &basic_want[2]);
	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(f->chain, "external-FKIP43JP-default/api/tcp/http");
	dataplane_free(&dp);
}
END_TEST

/*
 * On cp-1 no endpoint of frontend (externalTrafficPolicy Local) runs: its external- chains
 * have no final goto and no-endpoint-services drops its load-balancer IP. The frontend keeps
 * what the rules give traffic from outside: no endpoint. Its ClusterIP is unchanged.
 */
START_TEST(test_policy_local_elsewhere)
{
	static const struct want_fe want[] = {
	    {DPF_EXTERNAL_IP,
	     AF_INET,
	     TCP,
	     "192.168.122.240",
	     80,
	     "default",
	     "frontend",
	     "http",
	     true,
	     false,
	     {{0}}},
	    {DPF_EXTERNAL_IP,
	     AF_INET,
	     TCP,
	     "192.168.122.240",
	     443,
	     "default",
	     "frontend",
	     "https",
	     true,
	     false,
	     {{0}}},
	    {DPF_NODE_PORT,
	     AF_INET,
	     TCP,
	     "",
	     31080,
	     "default",
	     "frontend",
	     "http",
	     true,
	     false,
	     {{0}}},
	    {DPF_NODE_PORT,
	     AF_INET,
	     TCP,
	     "",
	     31443,
	     "default",
	     "frontend",
	     "https",
	     true,
	     false,
	     {{0}}},
	};
	struct dataplane dp = {0};
	ck_assert_int_eq(parse_fixture("cp-1-ip.json", &dp), 0);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const struct dp_frontend *f = find_fe(&dp, &want[i]);
		ck_assert_msg(f, "no frontend %s:%u", want[i].addr, want[i].port);
		check_fe(f, &want[i]);
	}
	check_fe(find_fe(&dp, &basic_want[3]), &basic_want[3]);
	ck_assert_uint_eq(dp.n_fe, N_BASIC - 1);
	ck_assert_uint_eq(dp.planes[DP_NFTABLES].n_unrecognised, 0);
	dataplane_free(&dp);
}
END_TEST

/* ----------------------------------------------------- shapes not known */

START_TEST(test_unknown_shapes)
{
	struct dataplane dp = {0};
	ck_assert_int_eq(parse_fixture("unknown-ip.json", &dp), 0);
	const struct dp_plane *p = &dp.planes[DP_NFTABLES];
	/* web's symhash vmap and the map service-ips-v2 */
	ck_assert_uint_eq(p->n_unrecognised, 2);
	const struct dp_frontend *web = find_fe(&dp, &basic_want[0]);
	ck_assert_ptr_nonnull(web);
	ck_assert(web->unrecognised);
	ck_assert_ptr_nonnull(web->note);
	ck_assert_msg(strstr(web->note, "vmap") && strstr(web->note, "default/web/tcp/http"),
		      "note: %s", web->note);
	ck_assert_uint_eq(web->n_eps, 0);
	/* the rest read as before */
	for (size_t i = 1; i < N_BASIC; i++) {
		if (basic_want[i].af != AF_INET)
			continue;
		const struct dp_frontend *f = find_fe(&dp, &basic_want[i]);
		ck_assert_ptr_nonnull(f);
		check_fe(f, &basic_want[i]);
	}
	dataplane_free(&dp);
}
END_TEST

/* Well-formed JSON of odd shapes: read, counted, marked; never an error or a crash. */
static const char *const odd_docs[] = {
    /* a service-ips element whose key is not ADDR . PROTO . PORT */
    "{\"nftables\":[{\"table\":{\"family\":\"ip\",\"name\":\"kube-proxy\"}},"
    "{\"map\":{\"family\":\"ip\",\"table\":\"kube-proxy\",\"name\":\"service-ips\","
    "\"elem\":[[{\"concat\":[\"10.0.0.1\",\"tcp\",99999]},{\"goto\":{\"target\":\"x\"}}]]}}]}",
    /* a goto to a chain that is not listed */
    "{\"nftables\":[{\"table\":{\"family\":\"ip\",\"name\":\"kube-proxy\"}},"
    "{\"map\":{\"family\":\"ip\",\"table\":\"kube-proxy\",\"name\":\"service-ips\","
    "\"elem\":[[{\"concat\":[\"10.0.0.1\",\"tcp\",80]},{\"goto\":{\"target\":"
    "\"service-AAAAAAAA-a/b/tcp/p\"}}]]}}]}",
    /* numgen mod 0, and a huge mod */
    "{\"nftables\":[{\"table\":{\"family\":\"ip\",\"name\":\"kube-proxy\"}},"
    "{\"chain\":{\"family\":\"ip\",\"table\":\"kube-proxy\",\"name\":\"service-A-a/b/tcp/p\"}},"
    "{\"rule\":{\"family\":\"ip\",\"table\":\"kube-proxy\",\"chain\":\"service-A-a/b/tcp/p\","
    "\"expr\":[{\"vmap\":{\"key\":{\"numgen\":{\"mode\":\"random\",\"mod\":0}},"
    "\"data\":{\"set\":[]}}}]}},"
    "{\"rule\":{\"family\":\"ip\",\"table\":\"kube-proxy\",\"chain\":\"service-A-a/b/tcp/p\","
    "\"expr\":[{\"vmap\":{\"key\":{\"numgen\":{\"mode\":\"random\",\"mod\":1e308}},"
    "\"data\":{\"set\":[]}}}]}},"
    "{\"map\":{\"family\":\"ip\",\"table\":\"kube-proxy\",\"name\":\"service-ips\","
    "\"elem\":[[{\"concat\":[\"10.0.0.1\",\"tcp\",80]},{\"goto\":{\"target\":"
    "\"service-A-a/b/tcp/p\"}}]]}}]}",
    /* a chain that loops to itself */
    "{\"nftables\":[{\"table\":{\"family\":\"ip\",\"name\":\"kube-proxy\"}},"
    "{\"chain\":{\"family\":\"ip\",\"table\":\"kube-proxy\",\"name\":\"external-A-a/b/tcp/p\"}},"
    "{\"rule\":{\"family\":\"ip\",\"table\":\"kube-proxy\",\"chain\":\"external-A-a/b/tcp/p\","
    "\"expr\":[{\"goto\":{\"target\":\"external-A-a/b/tcp/p\"}}]}},"
    "{\"map\":{\"family\":\"ip\",\"table\":\"kube-proxy\",\"name\":\"service-nodeports\","
    "\"elem\":[[{\"concat\":[\"tcp\",80]},{\"goto\":{\"target\":\"external-A-a/b/tcp/p\"}}]]}}]}",
};

START_TEST(test_odd_shapes)
{
	for (size_t i = 0; i < sizeof(odd_docs) / sizeof(odd_docs[0]); i++) {
		struct dataplane dp = {0};
		const char *doc = odd_docs[i];
		ck_assert_msg(dp_nft_parse(doc, strlen(doc), &dp) == 0, "odd doc %zu", i);
		ck_assert_msg(dp.n_fe == 1, "odd doc %zu: %zu frontends", i, dp.n_fe);
		ck_assert_msg(dp.fe[0].unrecognised && dp.fe[0].note, "odd doc %zu recognised", i);
		dataplane_free(&dp);
	}
}
END_TEST

/* -------------------------------------------------------------- hostile */

static const char *const bad_docs[] = {
    "",
    "nftables",
    "[]",
    "{\"nftables\":1}",
    "{\"nftables\":[1]}",
    "{\"nftables\":[{\"rule\":5}]}",
    "{\"nftables\":[{\"table\":{\"family\":\"ip\",\"name\":\"kube-proxy\"}},"
    "{\"rule\":{\"family\":\"ip\",\"table\":\"kube-proxy\",\"chain\":1,\"expr\":[]}}]}",
    "{\"nftables\":[{\"table\":{\"family\":\"ip\",\"name\":\"kube-proxy\"}},"
    "{\"rule\":{\"family\":\"ip\",\"table\":\"kube-proxy\",\"chain\":\"c\",\"expr\":{}}}]}",
    "{\"nftables\":[{\"table\":{\"family\":\"ip\",\"name\":\"kube-proxy\"}},"
    "{\"map\":{\"family\":\"ip\",\"table\":\"kube-proxy\",\"name\":\"service-ips\",\"elem\":5}}]}",
    "{\"nftables\":[{\"table\":{\"family\":\"ip\",\"name\":\"kube-proxy\"}},"
    "{\"map\":{\"family\":\"ip\",\"table\":\"kube-proxy\",\"name\":\"service-ips\","
    "\"elem\":[\"10.0.0.1\"]}}]}",
    "{\"nftables\":[{\"table\":{\"family\":\"ip\",\"name\":\"kube-proxy\"}},"
    "{\"chain\":{\"family\":\"ip\",\"table\":\"kube-proxy\",\"name\":[]}}]}",
};

/* dp holds basic-ip.json's frontends; a failed parse must leave exactly that. */
static void check_unchanged(const struct dataplane *dp)
{
	const struct dp_plane *p = &dp->planes[DP_NFTABLES];
	ck_assert_uint_eq(p->n_rules, 73);
	ck_assert_uint_eq(p->n_unrecognised, 0);
	ck_assert_uint_eq(dp->n_fe, N_BASIC - 1); /* all but dual's IPv6 ClusterIP */
	ck_assert_uint_eq(p->n_frontends, N_BASIC - 1);
}

START_TEST(test_bad_docs)
{
	struct dataplane dp = {0};
	ck_assert_int_eq(parse_fixture("basic-ip.json", &dp), 0);
	for (size_t i = 0; i < sizeof(bad_docs) / sizeof(bad_docs[0]); i++) {
		const char *doc = bad_docs[i];
		ck_assert_msg(dp_nft_parse(doc, strlen(doc), &dp) == -EINVAL, "bad doc %zu", i);
		check_unchanged(&dp);
	}
	dataplane_free(&dp);
}
END_TEST

/* Every prefix of a real listing (in steps): an error, and dp as it was. */
START_TEST(test_truncated)
{
	struct dataplane dp = {0};
	size_t len;
	char *buf = fixture_read("tests/fixtures/nft/basic-ip.json", &len);
	ck_assert_int_eq(dp_nft_parse(buf, len, &dp), 0);
	for (size_t cut = 0; cut + 1 < len; cut += 61) {
		ck_assert_msg(dp_nft_parse(buf, cut, &dp) == -EINVAL, "prefix of %zu bytes", cut);
		check_unchanged(&dp);
	}
	free(buf);
	dataplane_free(&dp);
}
END_TEST

/* Nesting deeper than cJSON's limit, a long string, a length over the bound. */
START_TEST(test_huge)
{
	struct dataplane dp = {0};
	size_t n = 200000;
	char *deep = malloc(2 * n + 32);
	ck_assert_ptr_nonnull(deep);
	strcpy(deep, "{\"nftables\":");
	size_t o = strlen(deep);
	memset(deep + o, '[', n);
	memset(deep + o + n, ']', n);
	strcpy(deep + o + 2 * n, "}");
	ck_assert_int_eq(dp_nft_parse(deep, strlen(deep), &dp), -EINVAL);

	/* a chain name of 1 MB in a well-formed listing: read, no frontend */
	size_t big = 1 << 20;
	char *doc = malloc(big + 256);
	ck_assert_ptr_nonnull(doc);
	int k = snprintf(doc, 256,
			 "{\"nftables\":[{\"table\":{\"family\":\"ip\",\"name\":\"kube-proxy\"}},"
			 "{\"chain\":{\"family\":\"ip\",\"table\":\"kube-proxy\",\"name\":\"");
	memset(doc + k, 'a', big);
	strcpy(doc + k + big, "\"}}]}");
	ck_assert_int_eq(dp_nft_parse(doc, strlen(doc), &dp), 0);
	ck_assert_uint_eq(dp.n_fe, 0);

	/* the length is checked before a byte is read */
	ck_assert_int_eq(dp_nft_parse(doc, (size_t)1 << 31, &dp), -EINVAL);
	free(doc);
	free(deep);
	dataplane_free(&dp);
}
END_TEST

/* ------------------------------------------------ the real nft, in a netns */

/* The output of a shell command (Check assertion when it fails). */
static char *run_capture(const char *cmd)
{
	FILE *p = popen(cmd, "r");
	size_t len = 0, cap = 1 << 16, n;
	char *buf = malloc(cap);
	ck_assert_msg(p && buf, "popen %s", cmd);
	while ((n = fread(buf + len, 1, cap - len - 1, p)) > 0) {
		len += n;
		if (cap - len < 2) {
			cap *= 2;
			buf = realloc(buf, cap);
			ck_assert_ptr_nonnull(buf);
		}
	}
	buf[len] = '\0';
	ck_assert_msg(pclose(p) == 0, "%s failed", cmd);
	return buf;
}

static const char *json_str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/*
 * Checks dp against nft's own listing of one family, read here with cJSON alone: every
 * element of service-ips and service-nodeports is a frontend going to that chain, and every
 * endpoint of dp is some endpoint- chain's dnat. Returns the rules of the listing.
 */
static size_t check_against_nft(const struct dataplane *dp, const char *family, int af)
{
	char cmd[128];
	size_t rules = 0, elems = 0;
	snprintf(cmd, sizeof(cmd), "nft -j list table %s kube-proxy", family);
	char *out = run_capture(cmd);
	cJSON *root = cJSON_Parse(out);
	ck_assert_ptr_nonnull(root);
	const cJSON *it;
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(root, "nftables"))
	{
		const cJSON *rule = cJSON_GetObjectItem(it, "rule");
		const cJSON *map = cJSON_GetObjectItem(it, "map");
		if (rule)
			rules++;
		if (!map)
			continue;
		const char *name = json_str(map, "name");
		bool np = strcmp(name, "service-nodeports") == 0;
		if (!np && strcmp(name, "service-ips") != 0)
			continue;
		const cJSON *el;
		cJSON_ArrayForEach(el, cJSON_GetObjectItem(map, "elem"))
		{
			const cJSON *key = cJSON_GetObjectItem(cJSON_GetArrayItem(el, 0), "concat");
			const char *target = json_str(
			    cJSON_GetObjectItem(cJSON_GetArrayItem(el, 1), "goto"), "target");
			const char *addr = np ? "" : cJSON_GetArrayItem(key, 0)->valuestring;
			int port = cJSON_GetArrayItem(key, np ? 1 : 2)->valueint;
			bool found = false;
			for (size_t i = 0; i < dp->n_fe && !found; i++) {
				const struct dp_frontend *f = &dp->fe[i];
				const char *a = np ? "" : addr_str(f->af, &f->addr);
				found = f->af == af && (f->kind == DPF_NODE_PORT) == np &&
					f->port == port && strcmp(a, addr) == 0 &&
					strcmp(f->chain, target) == 0 && f->n_eps > 0;
			}
			ck_assert_msg(found, "%s: no frontend for %s %d -> %s", family, addr, port,
				      target);
			elems++;
		}
	}
	ck_assert_uint_gt(elems, 0);
	for (size_t i = 0; i < dp->n_fe; i++)
		for (size_t j = 0; j < dp->fe[i].n_eps; j++) {
			const struct dp_endpoint *e = &dp->fe[i].eps[j];
			if (e->af != af)
				continue;
			char want[128];
			snprintf(want, sizeof(want), "{\"addr\": \"%s\", \"port\": %u}",
				 addr_str(e->af, &e->addr), e->port);
			ck_assert_msg(strstr(out, want), "%s: no dnat %s", family, want);
		}
	cJSON_Delete(root);
	free(out);
	return rules;
}

START_TEST(test_live_netns)
{
	/* root in a private network namespace: the host's nftables are never touched */
	ck_assert_msg(unshare(CLONE_NEWNET) == 0, "unshare(CLONE_NEWNET): %s (run as root)",
		      strerror(errno));
	struct dataplane dp = {0};
	ck_assert_int_eq(dp_nft_read(&dp), 0);
	ck_assert(dp.planes[DP_NFTABLES].read);
	ck_assert(!dp.planes[DP_NFTABLES].present); /* a new namespace has no tables */
	dataplane_free(&dp);

	char cmd[512];
	snprintf(cmd, sizeof(cmd), "nft -f '%s' 2>&1",
		 fixture_path("tests/fixtures/nft/basic.nft"));
	free(run_capture(cmd)); /* fails loudly when nft is missing or refuses */

	ck_assert_int_eq(dp_nft_read(&dp), 0);
	ck_assert(dp.planes[DP_NFTABLES].present);
	ck_assert_int_eq(dp.planes[DP_NFTABLES].error, 0);
	check_basic(&dp);
	size_t rules = check_against_nft(&dp, "ip", AF_INET);
	rules += check_against_nft(&dp, "ip6", AF_INET6);
	ck_assert_uint_eq(dp.planes[DP_NFTABLES].n_rules, rules);
	dataplane_free(&dp);
}
END_TEST

CHECK_MAIN("dp_nft", {"scenario", 60, {test_basic, test_chain_names, test_policy_local_elsewhere}},
	   {"unknown", 60, {test_unknown_shapes, test_odd_shapes}},
	   {"hostile", 120, {test_bad_docs, test_truncated, test_huge}},
	   {"live", 60, {test_live_netns}})
