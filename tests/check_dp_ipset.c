/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of dp_ipset: the header-list parser on recorded text, the reader on real sets. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_main.h"
#include "dp_ipset.h"
#include "fixture.h"
#include "netns.h"

/* ------------------------------------------------------------------ parser */

static const struct dp_ipset *find(const struct dp_ipset *s, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(s[i].name, name) == 0)
			return &s[i];
	return NULL;
}

/* The set name is in s, with that type, family, number of entries, maxelem and fullness. */
static void check_set(const struct dp_ipset *s, size_t n, const char *name, const char *type,
		      const char *family, uint64_t entries, uint64_t maxelem, bool full)
{
	const struct dp_ipset *c = find(s, n, name);
	ck_assert_msg(c != NULL, "no set %s", name);
	ck_assert_str_eq(c->type, type);
	ck_assert_str_eq(c->family, family);
	ck_assert_uint_eq(c->entries, entries);
	ck_assert_uint_eq(c->maxelem, maxelem);
	ck_assert(c->full == full);
}

/*
 * tests/fixtures/ipset/list-headers.txt is `ipset list -t` (ipset 7.17, Linux 6.x) of kube-
 * proxy's sets made in a private network namespace, KUBE-CLUSTER-IP with maxelem 3 and 3
 * entries, plus a set of another program (f2b-sshd).
 */
START_TEST(test_parse_recorded)
{
	size_t len;
	char *text = fixture_read("tests/fixtures/ipset/list-headers.txt", &len);
	struct dp_ipset *s;
	size_t n;
	ck_assert_int_eq(dp_ipset_parse_list(text, len, &s, &n), 0);
	ck_assert_uint_eq(n, 10);

	check_set(s, n, "KUBE-CLUSTER-IP", "hash:ip,port", "inet", 3, 3, true);
	check_set(s, n, "KUBE-LOOP-BACK", "hash:ip,port,ip", "inet", 1, 65536, false);
	/* A bitmap has a range, no maxelem: never full. */
	check_set(s, n, "KUBE-NODE-PORT-TCP", "bitmap:port", "", 1, 0, false);
	check_set(s, n, "KUBE-6-CLUSTER-IP", "hash:ip,port", "inet6", 1, 65536, false);

	ck_assert(find(s, n, "KUBE-NODE-PORT-SCTP-HASH"));
	ck_assert(find(s, n, "KUBE-HEALTH-CHECK-NODE-PORT"));
	ck_assert(find(s, n, "f2b-sshd"));
	ck_assert(dp_ipset_is_kube("KUBE-6-CLUSTER-IP"));
	ck_assert(!dp_ipset_is_kube("f2b-sshd"));
	ck_assert(!dp_ipset_is_kube("KUBE"));
	free(s);
	free(text);
}
END_TEST

/* Whatever the bytes, the parser stays inside them and says what it could. */
START_TEST(test_parse_hostile)
{
	struct dp_ipset *s;
	size_t n;

	ck_assert_int_eq(dp_ipset_parse_list("", 0, &s, &n), 0);
	ck_assert_ptr_null(s);
	ck_assert_uint_eq(n, 0);

	/* Lines before the first name, unknown lines, CRLF, no final newline. */
	static const char odd[] = "Type: hash:ip\nNumber of entries: 9\n\n"
				  "Name: A\r\nMembers:\r\nHeader: maxelem\r\n"
				  "Number of entries: 18446744073709551616\r\n"
				  "Name:   B  \nHeader: maxelem 2 size x family\n"
				  "Number of entries: 2";
	ck_assert_int_eq(dp_ipset_parse_list(odd, sizeof(odd) - 1, &s, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(s[0].name, "A");
	ck_assert_str_eq(s[0].type, "");
	ck_assert_uint_eq(s[0].entries, 0); /* overflow: not a number */
	ck_assert_uint_eq(s[0].maxelem, 0);
	ck_assert(!s[0].full);
	ck_assert_str_eq(s[1].name, "B");
	ck_assert_uint_eq(s[1].maxelem, 2);
	ck_assert_uint_eq(s[1].entries, 2);
	ck_assert(s[1].full);
	free(s);

	/* The length is the end, not a NUL: "Name: AB" cut after "A". */
	ck_assert_int_eq(dp_ipset_parse_list("Name: AB", 7, &s, &n), 0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(s[0].name, "A");
	free(s);

	/* A name longer than a field is cut, with its NUL. */
	char longname[200];
	memset(longname, 'K', sizeof(longname));
	memcpy(longname, "Name: ", 6);
	ck_assert_int_eq(dp_ipset_parse_list(longname, sizeof(longname), &s, &n), 0);
	ck_assert_uint_eq(strlen(s[0].name), sizeof(s[0].name) - 1);
	free(s);

	/* Many sets: the array grows. */
	size_t big = 5000, blen = 0;
	char *t = malloc(big * 16);
	ck_assert_ptr_nonnull(t);
	for (size_t i = 0; i < big; i++)
		blen += (size_t)sprintf(t + blen, "Name: S%zu\n", i);
	ck_assert_int_eq(dp_ipset_parse_list(t, blen, &s, &n), 0);
	ck_assert_uint_eq(n, big);
	ck_assert_str_eq(s[big - 1].name, "S4999");
	free(s);
	free(t);

	ck_assert_int_eq(dp_ipset_parse_list("x", (size_t)64 << 20, &s, &n), -E2BIG);
	ck_assert_ptr_null(s);
}
END_TEST

/* ------------------------------------------------------------------ the real kernel */

/*
 * The witness: `ipset list -t` parsed here, line by line with sscanf, not with the parser
 * under test. Fills at most max sets; returns how many.
 */
static size_t witness(struct dp_ipset *w, size_t max)
{
	FILE *f = popen("ipset list -t", "r");
	ck_assert_ptr_nonnull(f);
	char line[512];
	size_t n = 0;
	while (fgets(line, sizeof(line), f)) {
		char word[64];
		unsigned long long v;
		if (sscanf(line, "Name: %31s", word) == 1) {
			ck_assert_uint_lt(n, max);
			memset(&w[n], 0, sizeof(w[n]));
			strcpy(w[n++].name, word);
		} else if (n && sscanf(line, "Type: %31s", word) == 1) {
			strcpy(w[n - 1].type, word);
		} else if (n && sscanf(line, "Number of entries: %llu", &v) == 1) {
			w[n - 1].entries = v;
		} else if (n && strncmp(line, "Header:", 7) == 0) {
			const char *m = strstr(line, " maxelem ");
			if (m && sscanf(m, " maxelem %llu", &v) == 1)
				w[n - 1].maxelem = v;
		}
	}
	ck_assert_int_eq(pclose(f), 0);
	return n;
}

START_TEST(test_read_real)
{
	netns_private();
	netns_run("ipset create KUBE-CLUSTER-IP hash:ip,port maxelem 4");
	netns_run("ipset add KUBE-CLUSTER-IP 10.96.0.1,tcp:443 && "
		  "ipset add KUBE-CLUSTER-IP 10.96.0.10,udp:53 && "
		  "ipset add KUBE-CLUSTER-IP 10.96.0.10,tcp:53 && "
		  "ipset add KUBE-CLUSTER-IP 10.96.0.10,tcp:9153");
	netns_run("ipset create KUBE-LOOP-BACK hash:ip,port,ip maxelem 8");
	netns_run("ipset add KUBE-LOOP-BACK 10.244.0.5,tcp:53,10.244.0.5 && "
		  "ipset add KUBE-LOOP-BACK 10.244.0.6,udp:53,10.244.0.6");
	netns_run("ipset create KUBE-NODE-PORT-TCP bitmap:port range 0-65535 && "
		  "ipset add KUBE-NODE-PORT-TCP 30080");
	netns_run("ipset create not-kube hash:ip maxelem 1 && ipset add not-kube 192.0.2.1");

	struct dp_ipset *s;
	size_t n;
	char why[160] = "unset";
	ck_assert_int_eq(dp_ipset_read(&s, &n, why, sizeof(why)), 0);
	ck_assert_str_eq(why, "");
	ck_assert_uint_eq(n, 3); /* not-kube is not kube-proxy's */
	ck_assert_ptr_null(find(s, n, "not-kube"));

	struct dp_ipset w[16];
	size_t nw = witness(w, 16);
	ck_assert_uint_eq(nw, 4);
	for (size_t i = 0; i < nw; i++) {
		if (!dp_ipset_is_kube(w[i].name))
			continue;
		const struct dp_ipset *g = find(s, n, w[i].name);
		ck_assert_msg(g != NULL, "%s: listed by ipset, not read", w[i].name);
		ck_assert_str_eq(g->type, w[i].type);
		ck_assert_uint_eq(g->entries, w[i].entries);
		ck_assert_uint_eq(g->maxelem, w[i].maxelem);
	}

	const struct dp_ipset *c = find(s, n, "KUBE-CLUSTER-IP");
	ck_assert_uint_eq(c->entries, 4);
	ck_assert_uint_eq(c->maxelem, 4);
	ck_assert(c->full);
	c = find(s, n, "KUBE-LOOP-BACK");
	ck_assert_uint_eq(c->entries, 2);
	ck_assert_uint_eq(c->maxelem, 8);
	ck_assert(!c->full);
	free(s);

	/* Full means the kernel says so too: a fifth Service's element is refused. */
	ck_assert_int_ne(system("ipset -q add KUBE-CLUSTER-IP 10.96.0.20,tcp:80"), 0);
}
END_TEST

/*
 * Many sets: libipset prints into an 8 KiB buffer and hands it over each time it fills, so
 * the list arrives in pieces that must be joined (a set may be cut between two).
 */
START_TEST(test_read_many)
{
	netns_private();
	netns_run("i=0; while [ $i -lt 300 ]; do echo \"create KUBE-TEST-$i hash:ip maxelem $((i + "
		  "1))\"; "
		  "i=$((i + 1)); done | ipset restore");
	netns_run("ipset add KUBE-TEST-0 192.0.2.1 && ipset add KUBE-TEST-299 192.0.2.1");
	struct dp_ipset *s;
	size_t n;
	char why[160];
	ck_assert_int_eq(dp_ipset_read(&s, &n, why, sizeof(why)), 0);
	ck_assert_uint_eq(n, 300);
	for (size_t i = 0; i < n; i++) {
		char name[32];
		snprintf(name, sizeof(name), "KUBE-TEST-%zu", i);
		const struct dp_ipset *c = find(s, n, name);
		ck_assert_msg(c != NULL, "%s not read", name);
		ck_assert_str_eq(c->type, "hash:ip");
		ck_assert_uint_eq(c->maxelem, i + 1);
		ck_assert_uint_eq(c->entries, i == 0 || i == 299 ? 1 : 0);
		ck_assert(c->full == (i == 0));
	}
	free(s);
}
END_TEST

START_TEST(test_read_none)
{
	netns_private();
	struct dp_ipset *s = (struct dp_ipset *)1;
	size_t n = 7;
	char why[160];
	ck_assert_int_eq(dp_ipset_read(&s, &n, why, sizeof(why)), 0);
	ck_assert_ptr_null(s);
	ck_assert_uint_eq(n, 0);
}
END_TEST

/* Without CAP_NET_ADMIN the kernel refuses the list: -EPERM, and why says what is needed. */
START_TEST(test_read_eperm)
{
	netns_private();
	netns_run("ipset create KUBE-CLUSTER-IP hash:ip,port");
	ck_assert_int_eq(setgroups(0, NULL), 0);
	ck_assert_int_eq(setgid(65534), 0);
	ck_assert_int_eq(setuid(65534), 0); /* from root: every capability goes */
	struct dp_ipset *s;
	size_t n;
	char why[160] = "";
	ck_assert_int_eq(dp_ipset_read(&s, &n, why, sizeof(why)), -EPERM);
	ck_assert_ptr_null(s);
	ck_assert_msg(strstr(why, "CAP_NET_ADMIN") != NULL, "why: %s", why);
}
END_TEST

/* No ip_set in the kernel: "not present", and nothing asked of the kernel. */
START_TEST(test_read_absent)
{
	struct dp_ipset *s;
	size_t n;
	char why[160] = "";
	ck_assert_int_eq(dp_ipset_read_at("/nonexistent/ip_set", &s, &n, why, sizeof(why)),
			 -ENOENT);
	ck_assert_ptr_null(s);
	ck_assert_uint_eq(n, 0);
	ck_assert_msg(strstr(why, "not present") != NULL, "why: %s", why);
}
END_TEST

CHECK_MAIN("dp_ipset", {"parse", 0, {test_parse_recorded, test_parse_hostile}},
	   {"read",
	    0,
	    {test_read_real, test_read_many, test_read_none, test_read_eperm, test_read_absent}})
