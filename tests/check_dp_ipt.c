/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of dp_ipt and dp_xt: xt blobs, the interpreter on rules in memory, both backends. */
#include "config.h"

/* Before the kernel headers, which would otherwise define struct in_addr first. */
#include <arpa/inet.h>
#include <netinet/in.h>

#include <check.h>
#include <errno.h>
#include <linux/capability.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/xt_addrtype.h>
#include <linux/netfilter/xt_comment.h>
#include <linux/netfilter/xt_recent.h>
#include <linux/netfilter/xt_statistic.h>
#include <linux/netfilter/xt_tcpudp.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "check_main.h"
#include "dataplane.h"
#include "dp_ipt.h"
#include "dp_xt.h"
#include "fixture.h"

static struct dp_ipt_rule v4_rule(void)
{
	return (struct dp_ipt_rule){.af = AF_INET, .dst_len = -1, .src_len = -1};
}

/* --- dp_xt: the blobs both backends hand over --- */

START_TEST(test_xt_comment_and_statistic)
{
	struct dp_ipt_rule r = v4_rule();
	struct xt_comment_info c = {0};
	snprintf(c.comment, sizeof(c.comment), "default/web:http cluster IP");
	ck_assert_int_eq(dp_xt_match(&r, "comment", 0, &c, sizeof(c)), 0);
	ck_assert_str_eq(r.comment, "default/web:http cluster IP");

	/* Not NUL-terminated within the blob: cut at its end, never read past it. */
	char raw[4] = {'a', 'b', 'c', 'd'};
	ck_assert_int_eq(dp_xt_match(&r, "comment", 0, raw, sizeof(raw)), 0);
	ck_assert_str_eq(r.comment, "abcd");

	/* iptables --probability 0.33333333349 is stored as lround(p * 2^31) = 715827883. */
	struct xt_statistic_info s = {.mode = XT_STATISTIC_MODE_RANDOM};
	s.u.random.probability = 715827883;
	ck_assert_int_eq(dp_xt_match(&r, "statistic", 0, &s, sizeof(s)), 0);
	ck_assert(r.has_probability);
	ck_assert_double_eq_tol(r.probability, 0.33333333349, 1e-9);
	ck_assert_ptr_null(r.note);

	s.mode = XT_STATISTIC_MODE_NTH;
	ck_assert_int_eq(dp_xt_match(&r, "statistic", 0, &s, sizeof(s)), 0);
	ck_assert_ptr_nonnull(r.note);
	dp_ipt_rule_free(&r);
}
END_TEST

START_TEST(test_xt_ports)
{
	struct dp_ipt_rule r = v4_rule();
	struct xt_tcp t = {.spts = {0, 0xffff}, .dpts = {80, 80}};
	ck_assert_int_eq(dp_xt_match(&r, "tcp", 0, &t, sizeof(t)), 0);
	ck_assert(r.has_dport);
	ck_assert_uint_eq(r.dport_lo, 80);
	ck_assert_uint_eq(r.dport_hi, 80);

	/* -m tcp without --dport (KUBE-SEP-'s DNAT rule): no port at all. */
	struct dp_ipt_rule n = v4_rule();
	struct xt_tcp any = {.spts = {0, 0xffff}, .dpts = {0, 0xffff}};
	ck_assert_int_eq(dp_xt_match(&n, "tcp", 0, &any, sizeof(any)), 0);
	ck_assert(!n.has_dport);
	ck_assert_ptr_null(n.note);

	struct xt_udp u = {
	    .spts = {0, 0xffff}, .dpts = {30514, 30514}, .invflags = XT_UDP_INV_DSTPT};
	ck_assert_int_eq(dp_xt_match(&n, "udp", 0, &u, sizeof(u)), 0);
	ck_assert(n.has_dport && n.dport_inv);
	ck_assert_uint_eq(n.dport_lo, 30514);

	/* A blob shorter than its structure is noted, not read. */
	struct dp_ipt_rule s = v4_rule();
	ck_assert_int_eq(dp_xt_match(&s, "tcp", 0, &t, 4), 0);
	ck_assert(!s.has_dport);
	ck_assert_ptr_nonnull(s.note);
	ck_assert_int_eq(dp_xt_match(&s, "owner", 0, &t, sizeof(t)), 0);
	ck_assert_ptr_nonnull(strstr(s.note, "match owner"));
	dp_ipt_rule_free(&r);
	dp_ipt_rule_free(&n);
	dp_ipt_rule_free(&s);
}
END_TEST

START_TEST(test_xt_addrtype_recent)
{
	struct dp_ipt_rule r = v4_rule();
	struct xt_addrtype_info_v1 a = {.dest = XT_ADDRTYPE_LOCAL};
	ck_assert_int_eq(dp_xt_match(&r, "addrtype", 1, &a, sizeof(a)), 0);
	ck_assert(r.dst_local && !r.src_local);
	struct xt_addrtype_info a0 = {.source = XT_ADDRTYPE_LOCAL};
	ck_assert_int_eq(dp_xt_match(&r, "addrtype", 0, &a0, sizeof(a0)), 0);
	ck_assert(r.src_local);
	ck_assert_ptr_null(r.note);

	struct xt_recent_mtinfo_v1 m = {.check_set = XT_RECENT_CHECK | XT_RECENT_REAP,
					.seconds = 10800};
	snprintf(m.name, sizeof(m.name), "KUBE-SEP-X");
	ck_assert_int_eq(dp_xt_match(&r, "recent", 1, &m, sizeof(m)), 0);
	ck_assert(r.recent_check && !r.recent_set);
	m.check_set = XT_RECENT_SET;
	ck_assert_int_eq(dp_xt_match(&r, "recent", 1, &m, sizeof(m)), 0);
	ck_assert(r.recent_set);
	ck_assert_ptr_null(r.note);

	a.dest = XT_ADDRTYPE_UNICAST;
	ck_assert_int_eq(dp_xt_match(&r, "addrtype", 1, &a, sizeof(a)), 0);
	ck_assert_ptr_nonnull(r.note);
	dp_ipt_rule_free(&r);
}
END_TEST

START_TEST(test_xt_dnat)
{
	struct dp_ipt_rule r = v4_rule();
	struct nf_nat_ipv4_multi_range_compat mr = {.rangesize = 1};
	mr.range[0].flags = NF_NAT_RANGE_MAP_IPS | NF_NAT_RANGE_PROTO_SPECIFIED;
	inet_pton(AF_INET, "10.244.1.10", &mr.range[0].min_ip);
	mr.range[0].max_ip = mr.range[0].min_ip;
	mr.range[0].min.all = mr.range[0].max.all = htons(8080);
	ck_assert_int_eq(dp_xt_target(&r, "DNAT", 0, &mr, sizeof(mr)), 0);
	ck_assert_int_eq(r.target, DP_IPT_T_DNAT);
	ck_assert_uint_eq(r.dnat_port, 8080);
	char a[64];
	ck_assert_str_eq(inet_ntop(AF_INET, r.dnat_addr.bytes, a, sizeof(a)), "10.244.1.10");

	/* Revision 2 (iptables-nft's and newer legacy's), IPv6. */
	struct dp_ipt_rule r6 = {.af = AF_INET6, .dst_len = -1, .src_len = -1};
	struct nf_nat_range2 nr = {.flags = NF_NAT_RANGE_MAP_IPS | NF_NAT_RANGE_PROTO_SPECIFIED};
	inet_pton(AF_INET6, "fd00:10:244:1::60", &nr.min_addr);
	nr.max_addr = nr.min_addr;
	nr.min_proto.all = nr.max_proto.all = htons(443);
	ck_assert_int_eq(dp_xt_target(&r6, "DNAT", 2, &nr, sizeof(nr)), 0);
	ck_assert_int_eq(r6.target, DP_IPT_T_DNAT);
	ck_assert_int_eq(r6.dnat_af, AF_INET6);
	ck_assert_uint_eq(r6.dnat_port, 443);
	ck_assert_str_eq(inet_ntop(AF_INET6, r6.dnat_addr.bytes, a, sizeof(a)),
			 "fd00:10:244:1::60");

	/* A range of addresses is not an endpoint: noted. A short blob: noted. */
	struct dp_ipt_rule bad = v4_rule();
	inet_pton(AF_INET6, "fd00:10:244:1::61", &nr.max_addr);
	bad.af = AF_INET6;
	ck_assert_int_eq(dp_xt_target(&bad, "DNAT", 2, &nr, sizeof(nr)), 0);
	ck_assert_ptr_nonnull(bad.note);
	ck_assert_int_ne(bad.target, DP_IPT_T_DNAT);
	struct dp_ipt_rule shrt = v4_rule();
	ck_assert_int_eq(dp_xt_target(&shrt, "DNAT", 1, &nr, 8), 0);
	ck_assert_ptr_nonnull(shrt.note);

	struct dp_ipt_rule m = v4_rule();
	ck_assert_int_eq(dp_xt_target(&m, "MARK", 2, NULL, 0), 0);
	ck_assert_int_eq(m.target, DP_IPT_T_OTHER);
	ck_assert_str_eq(m.target_name, "MARK");
	ck_assert_int_eq(dp_xt_target(&m, "REJECT", 0, NULL, 0), 0);
	ck_assert_int_eq(m.target, DP_IPT_T_REJECT);
	dp_ipt_rule_free(&r);
	dp_ipt_rule_free(&r6);
	dp_ipt_rule_free(&bad);
	dp_ipt_rule_free(&shrt);
	dp_ipt_rule_free(&m);
}
END_TEST

/* --- the interpreter on rules built in memory --- */

/* Appends to t, in chain, rule r jumping to target (a chain, created) or doing r.target. */
static void add_rule(struct dp_ipt_table *t, const char *chain, struct dp_ipt_rule r,
		     const char *target, const char *comment)
{
	int c = dp_ipt_table_chain(t, chain);
	ck_assert_int_ge(c, 0);
	r.chain = (uint32_t)c;
	if (!r.af)
		r.af = AF_INET;
	if (target && r.target == DP_IPT_T_NONE) {
		r.target = DP_IPT_T_JUMP;
		ck_assert_int_ge(dp_ipt_table_chain(t, target), 0);
	}
	r.target_name = target ? strdup(target) : NULL;
	r.comment = comment ? strdup(comment) : NULL;
	ck_assert_int_eq(dp_ipt_table_add_rule(t, &r), 0);
}

static struct ipvs_addr v4(const char *s)
{
	struct ipvs_addr a = {0};
	ck_assert_int_eq(inet_pton(AF_INET, s, a.bytes), 1);
	return a;
}

static void add_sep(struct dp_ipt_table *t, const char *sep, const char *ip, uint16_t port)
{
	add_rule(t, sep, (struct dp_ipt_rule){.src = v4(ip), .src_len = 32}, "KUBE-MARK-MASQ",
		 "ns/s:p");
	add_rule(t, sep,
		 (struct dp_ipt_rule){.proto = IPPROTO_TCP,
				      .target = DP_IPT_T_DNAT,
				      .dnat_af = AF_INET,
				      .dnat_addr = v4(ip),
				      .dnat_port = port},
		 "DNAT", "ns/s:p");
}

/* ns/s:p at 10.96.0.10:80 -> three endpoints at 1/3 each; NodePort 30080 via KUBE-EXT-. */
static void three_endpoints(struct dp_ipt_table *t)
{
	add_rule(t, "KUBE-SERVICES",
		 (struct dp_ipt_rule){.dst = v4("10.96.0.10"),
				      .dst_len = 32,
				      .proto = IPPROTO_TCP,
				      .has_dport = true,
				      .dport_lo = 80,
				      .dport_hi = 80},
		 "KUBE-SVC-A", "ns/s:p cluster IP");
	add_rule(t, "KUBE-SVC-A",
		 (struct dp_ipt_rule){.has_probability = true, .probability = 0.33333333349},
		 "KUBE-SEP-1", "ns/s:p -> 10.0.0.1:8080");
	add_rule(t, "KUBE-SVC-A", (struct dp_ipt_rule){.has_probability = true, .probability = 0.5},
		 "KUBE-SEP-2", "ns/s:p -> 10.0.0.2:8080");
	add_rule(t, "KUBE-SVC-A", (struct dp_ipt_rule){0}, "KUBE-SEP-3", "ns/s:p -> 10.0.0.3:8080");
	add_sep(t, "KUBE-SEP-1", "10.0.0.1", 8080);
	add_sep(t, "KUBE-SEP-2", "10.0.0.2", 8080);
	add_sep(t, "KUBE-SEP-3", "10.0.0.3", 8080);
	add_rule(t, "KUBE-NODEPORTS",
		 (struct dp_ipt_rule){
		     .proto = IPPROTO_TCP, .has_dport = true, .dport_lo = 30080, .dport_hi = 30080},
		 "KUBE-EXT-A", "ns/s:p");
	add_rule(t, "KUBE-EXT-A", (struct dp_ipt_rule){0}, "KUBE-MARK-MASQ", "masquerade traffic");
	add_rule(t, "KUBE-EXT-A", (struct dp_ipt_rule){0}, "KUBE-SVC-A", NULL);
	add_rule(t, "KUBE-SERVICES", (struct dp_ipt_rule){.dst_local = true}, "KUBE-NODEPORTS",
		 "kubernetes service nodeports");
}

START_TEST(test_interpret_shares)
{
	struct dp_ipt_table t = {0};
	struct dataplane dp = {0};
	three_endpoints(&t);
	ck_assert_int_eq(dp_ipt_interpret(&t, &dp, DP_IPTABLES_NFT), 0);
	const struct dp_plane *pl = &dp.planes[DP_IPTABLES_NFT];
	ck_assert(pl->present);
	ck_assert_uint_eq(pl->n_rules, t.n_rules);
	ck_assert_uint_eq(pl->n_services_rules, 2);
	ck_assert_uint_eq(pl->n_unrecognised, 0);
	ck_assert_uint_eq(dp.n_fe, 2);
	const struct dp_frontend *f = &dp.fe[0];
	ck_assert_int_eq(f->kind, DPF_CLUSTER_IP);
	ck_assert_str_eq(f->svc_namespace, "ns");
	ck_assert_str_eq(f->svc_name, "s");
	ck_assert_str_eq(f->svc_port, "p");
	ck_assert_str_eq(f->chain, "KUBE-SVC-A");
	ck_assert_uint_eq(f->port, 80);
	ck_assert_uint_eq(f->n_eps, 3);
	for (size_t i = 0; i < 3; i++) {
		ck_assert_double_eq_tol(f->eps[i].share, 1.0 / 3, 1e-6);
		ck_assert_uint_eq(f->eps[i].port, 8080);
		ck_assert_uint_eq(f->eps[i].addr.bytes[3], i + 1);
	}
	ck_assert(!f->unrecognised && !f->affinity && !f->no_endpoints);
	const struct dp_frontend *np = &dp.fe[1];
	ck_assert_int_eq(np->kind, DPF_NODE_PORT);
	ck_assert_uint_eq(np->port, 30080);
	ck_assert_str_eq(np->chain, "KUBE-EXT-A");
	ck_assert_uint_eq(np->n_eps, 3);
	dataplane_free(&dp);
	dp_ipt_table_free(&t);
}
END_TEST

/* What kube-proxy may write that this reader does not know: shown, noted, never dropped. */
START_TEST(test_interpret_unrecognised)
{
	struct dp_ipt_table t = {0};
	struct dataplane dp = {0};
	three_endpoints(&t);
	/* A KUBE-SERVICES rule with a target of a newer kube-proxy. */
	add_rule(&t, "KUBE-SERVICES",
		 (struct dp_ipt_rule){.dst = v4("10.96.0.11"),
				      .dst_len = 32,
				      .proto = IPPROTO_UDP,
				      .has_dport = true,
				      .dport_lo = 53,
				      .dport_hi = 53},
		 "KUBE-NEW-X", "ns/new:dns cluster IP");
	/* A SEP without DNAT, and a match the backend could not decode. */
	add_rule(&t, "KUBE-SERVICES",
		 (struct dp_ipt_rule){.dst = v4("10.96.0.12"),
				      .dst_len = 32,
				      .proto = IPPROTO_TCP,
				      .has_dport = true,
				      .dport_lo = 80,
				      .dport_hi = 80},
		 "KUBE-SVC-B", "ns/b cluster IP");
	add_rule(&t, "KUBE-SVC-B", (struct dp_ipt_rule){0}, "KUBE-SEP-B", NULL);
	struct dp_ipt_rule odd = {0};
	ck_assert_int_eq(dp_ipt_rule_note(&odd, "match owner"), 0);
	add_rule(&t, "KUBE-SEP-B", odd, "KUBE-MARK-MASQ", NULL);
	ck_assert_int_eq(dp_ipt_interpret(&t, &dp, DP_IPTABLES_LEGACY), 0);
	const struct dp_plane *pl = &dp.planes[DP_IPTABLES_LEGACY];
	ck_assert_uint_eq(dp.n_fe, 4);
	ck_assert_uint_eq(pl->n_services_rules, 4);
	ck_assert_uint_eq(pl->n_unrecognised, 3); /* two frontends, one rule */
	const struct dp_frontend *x = NULL, *b = NULL;
	for (size_t i = 0; i < dp.n_fe; i++) {
		if (!strcmp(dp.fe[i].svc_name, "new"))
			x = &dp.fe[i];
		if (!strcmp(dp.fe[i].svc_name, "b"))
			b = &dp.fe[i];
	}
	ck_assert_ptr_nonnull(x);
	ck_assert(x->unrecognised);
	ck_assert_int_eq(x->kind, DPF_UNKNOWN);
	ck_assert_uint_eq(x->port, 53);
	ck_assert_ptr_nonnull(strstr(x->note, "KUBE-NEW-X"));
	ck_assert_ptr_nonnull(b);
	ck_assert(b->unrecognised);
	ck_assert_str_eq(b->svc_port, "");
	ck_assert_ptr_nonnull(strstr(b->note, "match owner"));
	ck_assert_ptr_nonnull(strstr(b->note, "no DNAT"));
	ck_assert_uint_eq(b->n_eps, 0);
	dataplane_free(&dp);
	dp_ipt_table_free(&t);
}
END_TEST

START_TEST(test_interpret_affinity_local_absent)
{
	struct dp_ipt_table t = {0};
	struct dataplane dp = {0};
	/* No KUBE-SERVICES: another program's nat table, not kube-proxy's. */
	add_rule(&t, "DOCKER", (struct dp_ipt_rule){.target = DP_IPT_T_RETURN}, NULL, NULL);
	ck_assert_int_eq(dp_ipt_interpret(&t, &dp, DP_IPTABLES_NFT), 0);
	ck_assert(!dp.planes[DP_IPTABLES_NFT].present);
	ck_assert_uint_eq(dp.planes[DP_IPTABLES_NFT].n_rules, 1);
	ck_assert_uint_eq(dp.n_fe, 0);
	dp_ipt_table_free(&t);

	/* An LB IP whose KUBE-EXT- goes to an empty KUBE-SVL- (no local endpoint). */
	add_rule(&t, "KUBE-SERVICES",
		 (struct dp_ipt_rule){.dst = v4("192.168.1.240"),
				      .dst_len = 32,
				      .proto = IPPROTO_TCP,
				      .has_dport = true,
				      .dport_lo = 443,
				      .dport_hi = 443},
		 "KUBE-EXT-L", "ns/lb:https loadbalancer IP");
	add_rule(&t, "KUBE-EXT-L", (struct dp_ipt_rule){.src_len = 16}, "KUBE-SVC-L", NULL);
	add_rule(&t, "KUBE-EXT-L", (struct dp_ipt_rule){.src_local = true}, "KUBE-SVC-L", NULL);
	add_rule(&t, "KUBE-EXT-L", (struct dp_ipt_rule){0}, "KUBE-SVL-L", NULL);
	add_rule(&t, "KUBE-SVL-L", (struct dp_ipt_rule){0}, "KUBE-MARK-DROP",
		 "ns/lb:https has no local endpoints");
	add_rule(&t, "KUBE-SVC-L", (struct dp_ipt_rule){.recent_check = true}, "KUBE-SEP-L", NULL);
	add_rule(&t, "KUBE-SVC-L", (struct dp_ipt_rule){0}, "KUBE-SEP-L", NULL);
	add_sep(&t, "KUBE-SEP-L", "10.0.0.9", 8443);
	ck_assert_int_eq(dp_ipt_interpret(&t, &dp, DP_IPTABLES_NFT), 0);
	ck_assert_uint_eq(dp.n_fe, 1);
	ck_assert_int_eq(dp.fe[0].kind, DPF_LOAD_BALANCER);
	ck_assert(dp.fe[0].no_endpoints);
	ck_assert_uint_eq(dp.fe[0].n_eps, 0);
	ck_assert(!dp.fe[0].unrecognised);
	dataplane_free(&dp);
	dp_ipt_table_free(&t);
}
END_TEST

/* --- both backends, for real, in a network namespace of the test's own --- */

static void run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void run(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	int st = system(cmd);
	ck_assert_msg(st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0, "failed (%d): %s", st,
		      cmd);
}

static void private_netns(void)
{
	ck_assert_msg(unshare(CLONE_NEWNET) == 0,
		      "unshare(CLONE_NEWNET): %s: the backend tests need root", strerror(errno));
}

static const char *proto_name(uint16_t p)
{
	return p == IPPROTO_TCP	   ? "tcp"
	       : p == IPPROTO_UDP  ? "udp"
	       : p == IPPROTO_SCTP ? "sctp"
				   : "?";
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void ep_text(const struct dp_endpoint *e, char *buf, size_t size)
{
	char a[INET6_ADDRSTRLEN];
	inet_ntop(e->af, e->addr.bytes, a, sizeof(a));
	snprintf(buf, size, e->af == AF_INET6 ? "[%s]:%u" : "%s:%u", a, e->port);
}

/* A frontend as gen-kube-iptables.py writes the truth (its eps sorted). */
static char *frontend_line(const struct dp_frontend *f)
{
	char *eps[64], a[INET6_ADDRSTRLEN], line[4096];
	ck_assert_uint_le(f->n_eps, 64);
	for (size_t i = 0; i < f->n_eps; i++) {
		char e[80];
		ep_text(&f->eps[i], e, sizeof(e));
		ck_assert_int_ge(asprintf(&eps[i], "%s@%.6f", e, f->eps[i].share), 0);
	}
	qsort(eps, f->n_eps, sizeof(eps[0]), cmp_str);
	if (f->kind == DPF_NODE_PORT)
		snprintf(a, sizeof(a), "*");
	else
		inet_ntop(f->af, f->addr.bytes, a, sizeof(a));
	int n =
	    snprintf(line, sizeof(line),
		     "%s %s %s %u %s/%s%s%s aff=%d noep=%d eps=", dp_frontend_kind_name(f->kind),
		     proto_name(f->protocol), a, f->port, f->svc_namespace, f->svc_name,
		     *f->svc_port ? ":" : "", f->svc_port, f->affinity, f->no_endpoints);
	for (size_t i = 0; i < f->n_eps; i++) {
		n += snprintf(line + n, sizeof(line) - (size_t)n, "%s%s", i ? "," : "", eps[i]);
		free(eps[i]);
	}
	ck_assert_msg(!f->unrecognised, "%s: unrecognised: %s", line, f->note ? f->note : "");
	return strdup(line);
}

/* The lines of files a and b, sorted, into *out (owned). */
static size_t truth_lines(const char *a, const char *b, char ***out)
{
	size_t n = 0, cap = 256;
	char **v = malloc(cap * sizeof(*v));
	const char *paths[] = {a, b};
	for (size_t p = 0; p < 2; p++) {
		FILE *f = fopen(paths[p], "r");
		ck_assert_msg(f != NULL, "%s: %s", paths[p], strerror(errno));
		char line[4096];
		while (fgets(line, sizeof(line), f)) {
			line[strcspn(line, "\n")] = '\0';
			ck_assert_uint_lt(n, cap);
			v[n++] = strdup(line);
		}
		fclose(f);
	}
	qsort(v, n, sizeof(*v), cmp_str);
	*out = v;
	return n;
}

/*
 * What iptables-*-save prints, parsed here on its own: rules in nat, rules in
 * KUBE-SERVICES, and the distinct DNAT destinations.
 */
struct save_counts {
	size_t rules, services_rules, n_dnat;
	char *dnat[128];
};

static void save_parse(const char *cmd, struct save_counts *c)
{
	FILE *p = popen(cmd, "r");
	ck_assert_msg(p != NULL, "%s", cmd);
	char line[4096];
	while (fgets(line, sizeof(line), p)) {
		if (strncmp(line, "-A ", 3))
			continue;
		c->rules++;
		if (!strncmp(line, "-A KUBE-SERVICES ", 17))
			c->services_rules++;
		const char *d = strstr(line, "--to-destination ");
		if (!d)
			continue;
		char dst[80];
		ck_assert_int_eq(sscanf(d + 17, "%79s", dst), 1);
		bool seen = false;
		for (size_t i = 0; i < c->n_dnat; i++)
			seen |= !strcmp(c->dnat[i], dst);
		if (!seen) {
			ck_assert_uint_lt(c->n_dnat, 128);
			c->dnat[c->n_dnat++] = strdup(dst);
		}
	}
	ck_assert_msg(pclose(p) == 0, "%s failed", cmd);
}

/* A read by a thread that dropped every capability (capset acts on the calling thread). */
struct nocap_read {
	enum dp_plane_kind which;
	int step; /* 0, or the first check that failed: 1 capset, 2 -EPERM, 3 error, 4 why */
};

static void *read_without_caps(void *arg)
{
	struct nocap_read *r = arg;
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct caps[2] = {{0}};
	struct dataplane no = {0};
	r->step = syscall(SYS_capset, &h, caps) != 0			 ? 1
		  : dp_ipt_read(&no, r->which) != -EPERM		 ? 2
		  : no.planes[r->which].error != -EPERM		 ? 3
		  : !strstr(no.planes[r->which].why, "CAP_NET_ADMIN") ? 4
								 : 0;
	dataplane_free(&no);
	return NULL;
}

static void backend(enum dp_plane_kind which, const char *tool)
{
	private_netns();
	char dir[] = "/tmp/check_dp_ipt.XXXXXX";
	ck_assert_ptr_nonnull(mkdtemp(dir));
	const char *gen = fixture_path("tests/dataplane/gen-kube-iptables.py");
	const char *scenario = fixture_path("tests/kube/scenarios/basic.json");
	for (int fam = 4; fam <= 6; fam += 2) {
		run("python3 %s --scenario %s --family %d --out %s/rules%d --truth %s/truth%d", gen,
		    scenario, fam, dir, fam, dir, fam);
		run("%s-%s-restore %s/rules%d", fam == 4 ? "iptables" : "ip6tables", tool, dir,
		    fam);
	}

	struct dataplane dp = {0};
	ck_assert_int_eq(dp_ipt_read(&dp, which), 0);
	const struct dp_plane *pl = &dp.planes[which];
	ck_assert(pl->read && pl->present);
	ck_assert_int_eq(pl->error, 0);

	/* Against the truth the generator wrote. */
	char **want, *got[256], t4[64], t6[64];
	snprintf(t4, sizeof(t4), "%s/truth4", dir);
	snprintf(t6, sizeof(t6), "%s/truth6", dir);
	size_t n_want = truth_lines(t4, t6, &want);
	ck_assert_uint_le(dp.n_fe, 256);
	for (size_t i = 0; i < dp.n_fe; i++)
		got[i] = frontend_line(&dp.fe[i]);
	qsort(got, dp.n_fe, sizeof(got[0]), cmp_str);
	for (size_t i = 0; i < n_want || i < dp.n_fe; i++)
		ck_assert_msg(i < n_want && i < dp.n_fe && !strcmp(want[i], got[i]),
			      "frontend %zu:\n  want %s\n  got  %s", i, i < n_want ? want[i] : "-",
			      i < dp.n_fe ? got[i] : "-");

	/* Against what the backend's own save tool prints of the nat tables. */
	struct save_counts s = {0};
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "iptables-%s-save -t nat 2>/dev/null", tool);
	save_parse(cmd, &s);
	snprintf(cmd, sizeof(cmd), "ip6tables-%s-save -t nat 2>/dev/null", tool);
	save_parse(cmd, &s);
	ck_assert_uint_eq(pl->n_rules, s.rules);
	ck_assert_uint_eq(pl->n_services_rules, s.services_rules);
	ck_assert_uint_eq(pl->n_unrecognised, 0);
	for (size_t i = 0; i < s.n_dnat; i++) {
		bool found = false;
		for (size_t f = 0; f < dp.n_fe && !found; f++)
			for (size_t e = 0; e < dp.fe[f].n_eps && !found; e++) {
				char ep[80];
				ep_text(&dp.fe[f].eps[e], ep, sizeof(ep));
				found = !strcmp(ep, s.dnat[i]);
			}
		ck_assert_msg(found, "%s-save DNATs to %s, the reader has no such endpoint", tool,
			      s.dnat[i]);
	}

	/* The other backend holds nothing of it. */
	enum dp_plane_kind other = which == DP_IPTABLES_NFT ? DP_IPTABLES_LEGACY : DP_IPTABLES_NFT;
	ck_assert_int_eq(dp_ipt_read(&dp, other), 0);
	ck_assert(!dp.planes[other].present);
	ck_assert_uint_eq(dp.planes[other].n_frontends, 0);

	/*
	 * Without CAP_NET_ADMIN / CAP_NET_RAW: -EPERM, said in words. In a thread of its own:
	 * capabilities are per thread, so the test's stay also where Check does not fork
	 * (CK_FORK=no, as under valgrind), and no child exits with the parent's heap.
	 */
	struct nocap_read nr = {.which = which};
	pthread_t th;
	ck_assert_int_eq(pthread_create(&th, NULL, read_without_caps, &nr), 0);
	ck_assert_int_eq(pthread_join(th, NULL), 0);
	ck_assert_msg(nr.step == 0, "without capabilities: check %d of (capset, -EPERM, error, why) failed",
		      nr.step);

	for (size_t i = 0; i < dp.n_fe; i++)
		free(got[i]);
	for (size_t i = 0; i < n_want; i++)
		free(want[i]);
	free(want);
	for (size_t i = 0; i < s.n_dnat; i++)
		free(s.dnat[i]);
	dataplane_free(&dp);
	/* The rules and truths written above: each run left a directory in /tmp. */
	run("rm -rf %s", dir);
}

START_TEST(test_backend_nft)
{
	backend(DP_IPTABLES_NFT, "nft");
}
END_TEST

START_TEST(test_backend_legacy)
{
	backend(DP_IPTABLES_LEGACY, "legacy");
}
END_TEST

START_TEST(test_backend_absent)
{
	private_netns();
	for (int k = DP_IPTABLES_NFT; k <= DP_IPTABLES_LEGACY; k++) {
		struct dataplane dp = {0};
		ck_assert_int_eq(dp_ipt_read(&dp, (enum dp_plane_kind)k), 0);
		ck_assert(dp.planes[k].read);
		ck_assert(!dp.planes[k].present);
		ck_assert_int_eq(dp.planes[k].error, 0);
		ck_assert_uint_eq(dp.n_fe, 0);
		dataplane_free(&dp);
	}
	struct dataplane dp = {0};
	ck_assert_int_eq(dp_ipt_read(&dp, DP_IPVS), -EINVAL);
}
END_TEST

int main(void)
{
	const struct check_case cases[] = {
	    {"xt",
	     0,
	     {test_xt_comment_and_statistic, test_xt_ports, test_xt_addrtype_recent, test_xt_dnat}},
	    {"interpret",
	     0,
	     {test_interpret_shares, test_interpret_unrecognised,
	      test_interpret_affinity_local_absent}},
	    {"backends", 60, {test_backend_nft, test_backend_legacy, test_backend_absent}},
	};
	return check_main_cases("dp_ipt", cases, sizeof(cases) / sizeof(cases[0]));
}
