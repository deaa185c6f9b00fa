/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of dp_kube_ipvs0: the comparison on tables, the reader on a real interface. */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "check_main.h"
#include "dp_kube_ipvs0.h"
#include "netns.h"

static struct dp_addr A(const char *text) {
	struct dp_addr a;
	memset(&a, 0, sizeof(a));
	a.af = strchr(text, ':') ? AF_INET6 : AF_INET;
	ck_assert_int_eq(inet_pton(a.af, text, a.addr.bytes), 1);
	return a;
}

static const char *
S(const struct dp_addr *a)
{
	static char buf[4][INET6_ADDRSTRLEN];
	static int i;
	i = (i + 1) % 4;
	return inet_ntop(a->af, a->addr.bytes, buf[i], sizeof(buf[i]));
}

/* ------------------------------------------------------------------ compare */

/* have: what kube-ipvs0 holds; svc: the Service IPs; the expected results, sorted. */
struct compare_case {
	bool present;
	const char *have[6], *svc[8], *missing[6], *extra[6];
};

static const struct compare_case compare_cases[] = {
    /* In step: nothing to say, whatever the order and the repeats (one per port). */
    {true, {"10.96.0.1", "10.96.0.10"}, {"10.96.0.10", "10.96.0.1", "10.96.0.10"}, {NULL}, {NULL}},
    /* A Service IP not bound: unreachable. An address of no Service: stale. */
    {true,
     {"10.96.0.1", "10.96.0.77"},
     {"10.96.0.1", "10.96.0.10", "10.96.0.10"},
     {"10.96.0.10"},
     {"10.96.0.77"}},
    /* Families are told apart; an IPv4 address sorts before any IPv6 one. */
    {true,
     {"fd00:10:96::1", "10.96.0.1"},
     {"fd00:10:96::a", "10.96.0.1", "10.96.0.2"},
     {"10.96.0.2", "fd00:10:96::a"},
     {"fd00:10:96::1"}},
    /* No Services: everything on it is stale. */
    {true, {"10.96.0.1", "10.96.0.2"}, {NULL}, {NULL}, {"10.96.0.1", "10.96.0.2"}},
    /* No interface (kube-proxy not in ipvs mode, or gone): every Service IP is missing. */
    {false, {NULL}, {"10.96.0.2", "10.96.0.1", "10.96.0.2"}, {"10.96.0.1", "10.96.0.2"}, {NULL}},
    /* Nothing at all. */
    {true, {NULL}, {NULL}, {NULL}, {NULL}},
};

static size_t fill(struct dp_addr *out, const char *const *text, size_t max)
{
	size_t n = 0;
	while (n < max && text[n]) {
		out[n] = A(text[n]);
		n++;
	}
	return n;
}

static void assert_list(const char *what, size_t ci, const struct dp_addr *got, size_t n,
			const char *const *want)
{
	size_t nw = 0;
	while (nw < 6 && want[nw])
		nw++;
	ck_assert_msg(n == nw, "case %zu: %zu %s, expected %zu", ci, n, what, nw);
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(strcmp(S(&got[i]), want[i]) == 0, "case %zu: %s[%zu] %s, expected %s",
			      ci, what, i, S(&got[i]), want[i]);
}

START_TEST(test_compare)
{
	for (size_t ci = 0; ci < sizeof(compare_cases) / sizeof(compare_cases[0]); ci++) {
		const struct compare_case *c = &compare_cases[ci];
		struct dp_addr have_a[6], svc[8];
		struct dp_addrs have = {.present = c->present, .a = have_a};
		have.n = fill(have_a, c->have, 6);
		size_t ns = fill(svc, c->svc, 8);
		struct dp_addr_diff d;
		ck_assert_int_eq(dp_kube_ipvs0_compare(&have, svc, ns, &d), 0);
		assert_list("missing", ci, d.missing, d.n_missing, c->missing);
		assert_list("extra", ci, d.extra, d.n_extra, c->extra);
		dp_addr_diff_free(&d);
		ck_assert_ptr_null(d.missing);
	}
}
END_TEST

/* ------------------------------------------------------------------ the real kernel */

/*
 * kube-ipvs0 as kube-proxy makes it: a dummy link, left down. A kernel without the dummy
 * driver gets an ifb link instead (another link with no carrier that takes addresses): the
 * reader goes by name and never looks at the kind.
 */
static void make_kube_ipvs0(void)
{
	netns_run(
	    "ip link add kube-ipvs0 type dummy 2>/dev/null || ip link add kube-ipvs0 type ifb");
}

/* The witness: the addresses `ip -j addr show kube-ipvs0` lists, as "addr/prefix" strings. */
static size_t witness(char out[][64], size_t max)
{
	FILE *f = popen("ip -j addr show kube-ipvs0", "r");
	ck_assert_ptr_nonnull(f);
	static char json[65536];
	size_t len = fread(json, 1, sizeof(json) - 1, f);
	json[len] = '\0';
	ck_assert_int_eq(pclose(f), 0);
	cJSON *root = cJSON_Parse(json);
	ck_assert_ptr_nonnull(root);
	cJSON *info = cJSON_GetObjectItem(cJSON_GetArrayItem(root, 0), "addr_info");
	ck_assert_ptr_nonnull(info);
	size_t n = 0;
	const cJSON *a;
	cJSON_ArrayForEach(a, info)
	{
		ck_assert_uint_lt(n, max);
		snprintf(out[n++], 64, "%s/%d", cJSON_GetObjectItem(a, "local")->valuestring,
			 cJSON_GetObjectItem(a, "prefixlen")->valueint);
	}
	cJSON_Delete(root);
	return n;
}

START_TEST(test_read_real)
{
	netns_private();
	make_kube_ipvs0();
	netns_run(
	    "ip addr add 10.96.0.1/32 dev kube-ipvs0 && ip addr add 10.96.0.10/32 dev kube-ipvs0 "
	    "&& "
	    "ip addr add 192.168.49.200/32 dev kube-ipvs0 && "
	    "ip addr add fd00:10:96::1/128 dev kube-ipvs0");
	/* Another interface's addresses are not kube-ipvs0's. */
	netns_run("ip link add other type ifb && ip addr add 10.96.0.99/32 dev other");

	struct dp_addrs have;
	char why[160] = "unset";
	ck_assert_int_eq(dp_kube_ipvs0_read(&have, why, sizeof(why)), 0);
	ck_assert_str_eq(why, "");
	ck_assert(have.present);
	ck_assert_int_gt(have.ifindex, 0);

	char w[16][64];
	size_t nw = witness(w, 16);
	ck_assert_uint_eq(nw, 4);
	ck_assert_uint_eq(have.n, nw);
	for (size_t i = 0; i < nw; i++) {
		bool found = false;
		for (size_t j = 0; j < have.n && !found; j++) {
			char got[64];
			snprintf(got, sizeof(got), "%s/%u", S(&have.a[j]), have.a[j].prefixlen);
			found = strcmp(got, w[i]) == 0;
		}
		ck_assert_msg(found, "%s: listed by ip, not read", w[i]);
	}

	/* Two Services in step, one missing, 192.168.49.200 stale. */
	struct dp_addr svc[] = {A("10.96.0.1"), A("10.96.0.10"), A("10.96.0.20"),
				A("fd00:10:96::1")};
	struct dp_addr_diff d;
	ck_assert_int_eq(dp_kube_ipvs0_compare(&have, svc, 4, &d), 0);
	ck_assert_uint_eq(d.n_missing, 1);
	ck_assert_str_eq(S(&d.missing[0]), "10.96.0.20");
	ck_assert_uint_eq(d.n_extra, 1);
	ck_assert_str_eq(S(&d.extra[0]), "192.168.49.200");
	ck_assert_uint_eq(d.extra[0].prefixlen, 32);
	dp_addr_diff_free(&d);
	dp_addrs_free(&have);
	ck_assert_ptr_null(have.a);
}
END_TEST

/* No kube-ipvs0 (iptables or nftables mode): not an error. Then one with no address. */
START_TEST(test_read_absent_and_empty)
{
	netns_private();
	struct dp_addrs have;
	char why[160] = "unset";
	ck_assert_int_eq(dp_kube_ipvs0_read(&have, why, sizeof(why)), 0);
	ck_assert(!have.present);
	ck_assert_uint_eq(have.n, 0);
	ck_assert_str_eq(why, "");

	make_kube_ipvs0();
	ck_assert_int_eq(dp_kube_ipvs0_read(&have, why, sizeof(why)), 0);
	ck_assert(have.present);
	ck_assert_uint_eq(have.n, 0);
	dp_addrs_free(&have);
}
END_TEST

CHECK_MAIN("dp_kube_ipvs0", {"compare", 0, {test_compare}},
	   {"read", 0, {test_read_real, test_read_absent_and_empty}})
