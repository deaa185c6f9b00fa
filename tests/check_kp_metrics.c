/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of kp_metrics: recorded kube-proxy /metrics, the text format's corners, hostility. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "fixture.h"
#include "kp_metrics.h"

static void parse_file(const char *name, struct kp_metrics *m)
{
	char rel[128];
	snprintf(rel, sizeof(rel), "tests/fixtures/kube-proxy/%s", name);
	size_t len;
	char *text = fixture_read(rel, &len);
	ck_assert_int_eq(kp_metrics_parse(text, len, m), 0);
	free(text);
}

#define KP_Q "kubeproxy_sync_proxy_rules_last_queued_timestamp_seconds"
#define KP_L "kubeproxy_sync_proxy_rules_last_timestamp_seconds"

static int parse_str(const char *text, struct kp_metrics *m)
{
	return kp_metrics_parse(text, strlen(text), m);
}

static const struct kp_labeled *labeled(const struct kp_labeled *a, size_t n, const char *label,
					const char *fam)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(a[i].label, label) == 0 && strcmp(a[i].family, fam) == 0)
			return &a[i];
	return NULL;
}

/*
 * metrics.txt: kube-proxy 1.33 in iptables mode on a dual-stack node (every sync metric has
 * an ip_family label), with the Go runtime's and other components' metrics around them.
 */
START_TEST(test_recorded_dual_stack)
{
	struct kp_metrics m;
	parse_file("metrics.txt", &m);
	ck_assert_uint_eq(m.n_malformed, 0);
	ck_assert_uint_eq(m.first_malformed, 0);
	ck_assert_uint_eq(m.n_dropped, 0);
	ck_assert_uint_gt(m.n_samples, m.n_kube_proxy);

	/* The two families' series added: 261 syncs each. */
	ck_assert(m.sync.present);
	ck_assert_double_eq(m.sync.count, 522);
	ck_assert_double_eq_tol(m.sync.sum, 11.809149214 + 9.1139297, 1e-9);
	ck_assert_double_eq_tol(kp_histogram_mean(&m.sync), 20.923078914 / 522, 1e-12);
	ck_assert_uint_eq(m.sync.n_buckets, 16);
	ck_assert_double_eq(m.sync.buckets[0].le, 0.001);
	ck_assert_double_eq(m.sync.buckets[2].le, 0.004);
	ck_assert_double_eq(m.sync.buckets[2].count, 3 + 5);
	ck_assert(isinf(m.sync.buckets[15].le) && m.sync.buckets[15].le > 0);
	ck_assert_double_eq(m.sync.buckets[15].count, m.sync.count);
	for (size_t i = 1; i < m.sync.n_buckets; i++)
		ck_assert(m.sync.buckets[i - 1].le < m.sync.buckets[i].le);
	ck_assert_double_eq(m.sync_full.count, 52);
	ck_assert_double_eq(m.sync_partial.count, 470);
	ck_assert_double_eq_tol(m.sync_full.sum, 4.327915812 + 3.0117206, 1e-9);

	ck_assert_uint_eq(m.n_fam, 2);
	ck_assert_str_eq(m.fam[0].family, "IPv4");
	ck_assert_str_eq(m.fam[1].family, "IPv6");
	ck_assert(m.fam[0].last_sync.present && m.fam[0].last_queued.present);
	ck_assert_double_eq_tol(m.fam[0].last_sync.value, 1751234567.3014486, 1e-6);
	ck_assert_double_eq_tol(m.fam[1].last_queued.value, 1751234567.2514143, 1e-6);

	ck_assert(m.endpoint_changes_pending.present);
	ck_assert_double_eq(m.endpoint_changes_pending.value, 0);
	ck_assert_double_eq(m.service_changes_pending.value, 0);
	ck_assert_double_eq(m.endpoint_changes_total.value, 1893);
	ck_assert_double_eq(m.service_changes_total.value, 212);
	ck_assert_double_eq(m.iptables_restore_failures.value, 2);
	ck_assert_double_eq(m.iptables_partial_restore_failures.value, 1);

	/* iptables_last (rules written in the last sync) is not iptables_total. */
	ck_assert_uint_eq(m.n_iptables_rules, 4);
	ck_assert_double_eq(labeled(m.iptables_rules, 4, "nat", "IPv4")->value, 1187);
	ck_assert_double_eq(labeled(m.iptables_rules, 4, "filter", "IPv6")->value, 7);
	ck_assert_uint_eq(m.n_no_local_endpoints, 4);
	ck_assert_double_eq(labeled(m.no_local_endpoints, 4, "external", "IPv4")->value, 1);

	/* Synced after it was queued: never hung, however late it is now. */
	double wait = -1;
	ck_assert(!kp_metrics_sync_hung(&m, 1751234567.0 + 86400, 60, &wait));
	ck_assert_double_eq(wait, 0);
}
END_TEST

/*
 * metrics-hung.txt: kube-proxy 1.29 in ipvs mode, single stack (no ip_family labels), a sync
 * queued 600 s after the last one that finished, changes piling up.
 */
START_TEST(test_recorded_hung)
{
	struct kp_metrics m;
	parse_file("metrics-hung.txt", &m);
	ck_assert_uint_eq(m.n_malformed, 0);
	ck_assert_uint_eq(m.n_fam, 1);
	ck_assert_str_eq(m.fam[0].family, "");
	ck_assert_double_eq(m.fam[0].last_sync.value, 1715499400);
	ck_assert_double_eq(m.fam[0].last_queued.value, 1715500000);
	ck_assert_double_eq(m.endpoint_changes_pending.value, 37);
	ck_assert_double_eq(m.service_changes_pending.value, 4);
	ck_assert_double_eq_tol(kp_histogram_mean(&m.sync), 9.2248 / 12, 1e-12);
	ck_assert(m.sync_partial.present);
	ck_assert(isnan(kp_histogram_mean(&m.sync_partial))); /* no partial sync yet */
	ck_assert_uint_eq(m.n_iptables_rules, 0);
	ck_assert_double_eq(labeled(m.no_local_endpoints, 2, "internal", "")->value, 2);

	double wait;
	ck_assert(kp_metrics_sync_hung(&m, 1715500300, 120, &wait));
	ck_assert_double_eq(wait, 300);
	/* Queued a minute ago: still within the threshold. */
	ck_assert(!kp_metrics_sync_hung(&m, 1715500060, 120, &wait));
	ck_assert_double_eq(wait, 0);
}
END_TEST

/* Queued, never synced (the first sync hangs); one family hung of two; nothing known. */
START_TEST(test_hung_cases)
{
	struct kp_metrics m;
	double wait;
	ck_assert_int_eq(parse_str(KP_Q "{ip_family=\"IPv4\"} 1000\n", &m), 0);
	ck_assert(kp_metrics_sync_hung(&m, 1200, 100, &wait));
	ck_assert_double_eq(wait, 200);

	ck_assert_int_eq(
	    parse_str(KP_Q "{ip_family=\"IPv4\"} 1000\n" KP_L "{ip_family=\"IPv4\"} 1001\n" KP_Q
			   "{ip_family=\"IPv6\"} 1000\n" KP_L "{ip_family=\"IPv6\"} 900\n",
		      &m),
	    0);
	ck_assert(kp_metrics_sync_hung(&m, 1500, 100, &wait));
	ck_assert_double_eq(wait, 500);

	/* Queued and synced in the same instant (the timestamps are equal): done. */
	ck_assert_int_eq(parse_str(KP_Q " 1000\n" KP_L " 1000\n", &m), 0);
	ck_assert(!kp_metrics_sync_hung(&m, 5000, 100, NULL));

	ck_assert_int_eq(parse_str("", &m), 0);
	ck_assert(!kp_metrics_sync_hung(&m, 1e12, 0, NULL));
}
END_TEST

/* The text format's corners, each on one kept metric. */
static const struct {
	const char *text;
	double want;
} format_cases[] = {
    {"kubeproxy_sync_proxy_rules_service_changes_pending 3\n", 3},
    {"kubeproxy_sync_proxy_rules_service_changes_pending 3", 3}, /* no final newline */
    {"kubeproxy_sync_proxy_rules_service_changes_pending 3\r\n", 3},
    {"  kubeproxy_sync_proxy_rules_service_changes_pending\t \t1.5e1  \n", 15},
    {"kubeproxy_sync_proxy_rules_service_changes_pending 2.5E-1 1712345678000\n", 0.25},
    {"kubeproxy_sync_proxy_rules_service_changes_pending -7 -1\n", -7},
    {"kubeproxy_sync_proxy_rules_service_changes_pending{} 4\n", 4},
    {"kubeproxy_sync_proxy_rules_service_changes_pending{a=\"x\\\"}y\",b=\"\\\\\\n\",} 5\n", 5},
    {"kubeproxy_sync_proxy_rules_service_changes_pending { a = \"1\" , b=\"{}\" } 6\n", 6},
    {"kubeproxy_sync_proxy_rules_service_changes_pending 1e999\n", INFINITY},
    {"kubeproxy_sync_proxy_rules_service_changes_pending +Inf\n", INFINITY},
    {"kubeproxy_sync_proxy_rules_service_changes_pending -Inf\n", -INFINITY},
    {"# HELP kubeproxy_sync_proxy_rules_service_changes_pending Pending \\\\ changes\\n\n"
     "# TYPE kubeproxy_sync_proxy_rules_service_changes_pending gauge\n"
     "# any comment at all {\n"
     "#\n"
     "\n"
     "kubeproxy_sync_proxy_rules_service_changes_pending 8\n",
     8},
    /* Series added: a gauge split by a label kube-proxy may add one day. */
    {"kubeproxy_sync_proxy_rules_service_changes_pending{x=\"a\"} 1\n"
     "kubeproxy_sync_proxy_rules_service_changes_pending{x=\"b\"} 2\n",
     3},
};

START_TEST(test_format)
{
	for (size_t i = 0; i < sizeof(format_cases) / sizeof(format_cases[0]); i++) {
		struct kp_metrics m;
		ck_assert_int_eq(parse_str(format_cases[i].text, &m), 0);
		ck_assert_msg(m.n_malformed == 0, "case %zu: line %zu malformed", i,
			      m.first_malformed);
		ck_assert_msg(m.service_changes_pending.present, "case %zu: not kept", i);
		ck_assert_msg(m.service_changes_pending.value == format_cases[i].want,
			      "case %zu: %g, expected %g", i, m.service_changes_pending.value,
			      format_cases[i].want);
	}

	struct kp_metrics m;
	ck_assert_int_eq(parse_str("kubeproxy_sync_proxy_rules_service_changes_pending NaN\n", &m),
			 0);
	ck_assert(isnan(m.service_changes_pending.value));

	/* A label value longer than its field is cut, not overrun. */
	char text[600];
	snprintf(text, sizeof(text),
		 "kubeproxy_sync_proxy_rules_iptables_total{table=\"%0400d\"} 1\n", 7);
	ck_assert_int_eq(parse_str(text, &m), 0);
	ck_assert_uint_eq(m.n_iptables_rules, 1);
	ck_assert_uint_eq(strlen(m.iptables_rules[0].label), sizeof(m.iptables_rules[0].label) - 1);
}
END_TEST

/* Each is one malformed line: skipped, counted, the line after it still read. */
#define LINE(s)                                                                                    \
	{                                                                                          \
		s, sizeof(s) - 1                                                                   \
	}
static const struct {
	const char *text;
	size_t len; /* one holds a NUL byte */
} malformed_lines[] = {
    LINE("kubeproxy_sync_proxy_rules_service_changes_pending\n"),
    LINE("kubeproxy_sync_proxy_rules_service_changes_pending 1.2.3\n"),
    LINE("kubeproxy_sync_proxy_rules_service_changes_pending 12abc\n"),
    LINE("kubeproxy_sync_proxy_rules_service_changes_pending 1 2 3\n"),
    LINE("kubeproxy_sync_proxy_rules_service_changes_pending 1 1.5\n"),
    LINE("kubeproxy_sync_proxy_rules_service_changes_pending{a=\"\\t\"} 1\n"),
    LINE("kubeproxy_sync_proxy_rules_service_changes_pending{a=\"open} 1\n"),
    LINE("kubeproxy_sync_proxy_rules_service_changes_pending{a} 1\n"),
    LINE("kubeproxy_sync_proxy_rules_service_changes_pending{a=1} 1\n"),
    LINE("kubeproxy_sync_proxy_rules_service_changes_pending{a=\"1\" b=\"2\"} 1\n"),
    LINE("kubeproxy_sync_proxy_rules_service_changes_pending{a=\"1\"\n"),
    LINE("kubeproxy_sync_proxy_rules_service_changes_pending{1a=\"1\"} 1\n"),
    LINE("9kubeproxy 1\n"),
    LINE("{a=\"1\"} 1\n"),
    LINE("kube-proxy 1\n"),
    LINE("# TYPE kubeproxy_x gauges\n"),
    LINE("# TYPE kubeproxy_x\n"),
    LINE("# TYPE 9x gauge\n"),
    LINE("# HELP\n"),
    LINE("kubeproxy_sync_proxy_rules_duration_seconds_bucket{le=\"fast\"} 1\n"),
    LINE("kubeproxy_sync_proxy_rules_service_changes_pending \x00 1\n"),
};

START_TEST(test_malformed_lines)
{
	static const char next[] = "kubeproxy_sync_proxy_rules_endpoint_changes_pending 9\n";
	for (size_t i = 0; i < sizeof(malformed_lines) / sizeof(malformed_lines[0]); i++) {
		char text[512];
		size_t l = malformed_lines[i].len;
		memcpy(text, malformed_lines[i].text, l);
		memcpy(text + l, next, sizeof(next) - 1);
		struct kp_metrics m;
		ck_assert_int_eq(kp_metrics_parse(text, l + sizeof(next) - 1, &m), 0);
		if (strstr(malformed_lines[i].text, "fast")) {
			/* well-formed, but a bucket with no bound: not kept */
			ck_assert_uint_eq(m.n_dropped, 1);
		} else {
			ck_assert_msg(m.n_malformed == 1, "case %zu: %zu malformed", i,
				      m.n_malformed);
			ck_assert_uint_eq(m.first_malformed, 1);
			ck_assert(!m.service_changes_pending.present);
		}
		ck_assert_msg(m.endpoint_changes_pending.value == 9, "case %zu: next line lost", i);
	}
}
END_TEST

/* Not the format at all, too big, full tables: bounded answers, nothing overrun. */
START_TEST(test_hostile)
{
	struct kp_metrics m;
	ck_assert_int_eq(parse_str("<html><body>404 page not found</body></html>\n", &m), -EBADMSG);
	ck_assert_uint_eq(m.n_malformed, 1);
	ck_assert_int_eq(kp_metrics_parse("x", (size_t)1 << 40, &m), -E2BIG);
	ck_assert_int_eq(kp_metrics_parse(NULL, 0, &m), 0);
	ck_assert_int_eq(kp_metrics_parse(NULL, 5, &m), -EINVAL);
	/* The length ends the text: "...pending 12" cut to "...pending 1". */
	static const char cut[] = "kubeproxy_sync_proxy_rules_service_changes_pending 12";
	ck_assert_int_eq(kp_metrics_parse(cut, sizeof(cut) - 2, &m), 0);
	ck_assert_double_eq(m.service_changes_pending.value, 1);

	/* More buckets, families and tables than there is room for: the rest dropped, counted. */
	size_t cap = 1 << 16, len = 0;
	char *t = malloc(cap);
	ck_assert_ptr_nonnull(t);
	for (int i = 0; i < 40; i++)
		len += (size_t)snprintf(
		    t + len, cap - len,
		    "kubeproxy_sync_proxy_rules_duration_seconds_bucket{le=\"%d\"} %d\n", 40 - i,
		    i);
	for (int i = 0; i < 6; i++)
		len += (size_t)snprintf(
		    t + len, cap - len,
		    "kubeproxy_sync_proxy_rules_last_timestamp_seconds{ip_family=\"F%d\"} 1\n", i);
	for (int i = 0; i < 20; i++)
		len += (size_t)snprintf(
		    t + len, cap - len,
		    "kubeproxy_sync_proxy_rules_iptables_total{table=\"t%d\"} 1\n", i);
	ck_assert_int_eq(kp_metrics_parse(t, len, &m), 0);
	ck_assert_uint_eq(m.sync.n_buckets, KP_METRICS_MAX_BUCKETS);
	for (size_t i = 1; i < m.sync.n_buckets; i++)
		ck_assert(m.sync.buckets[i - 1].le < m.sync.buckets[i].le);
	ck_assert_uint_eq(m.n_fam, KP_METRICS_MAX_FAMILIES);
	ck_assert_uint_eq(m.n_iptables_rules, KP_METRICS_MAX_LABELED);
	ck_assert_uint_eq(m.n_dropped, (40 - KP_METRICS_MAX_BUCKETS) +
					   (6 - KP_METRICS_MAX_FAMILIES) +
					   (20 - KP_METRICS_MAX_LABELED));

	/* A bound too long for its field is not read as a shorter, other number. */
	len = (size_t)snprintf(
	    t, cap, "kubeproxy_sync_proxy_rules_duration_seconds_bucket{le=\"0.%0100d\"} 1\n", 1);
	ck_assert_int_eq(kp_metrics_parse(t, len, &m), 0);
	ck_assert_uint_eq(m.sync.n_buckets, 0);
	ck_assert_uint_eq(m.n_dropped, 1);

	/* A megabyte of one line, and of newlines. */
	memset(t, 'k', cap);
	ck_assert_int_eq(kp_metrics_parse(t, cap, &m), -EBADMSG);
	memset(t, '\n', cap);
	ck_assert_int_eq(kp_metrics_parse(t, cap, &m), 0);
	ck_assert_uint_eq(m.n_samples, 0);
	free(t);
}
END_TEST

/* nftables mode's failure counters, one series per IP family, added up. */
START_TEST(test_nftables_failures)
{
	struct kp_metrics m;
	ck_assert_int_eq(parse_str("kubeproxy_sync_proxy_rules_nftables_sync_failures_total"
				   "{ip_family=\"IPv4\"} 2\n"
				   "kubeproxy_sync_proxy_rules_nftables_sync_failures_total"
				   "{ip_family=\"IPv6\"} 1\n"
				   "kubeproxy_sync_proxy_rules_nftables_cleanup_failures_total 4\n",
				   &m),
			 0);
	ck_assert(m.nftables_sync_failures.present);
	ck_assert_double_eq(m.nftables_sync_failures.value, 3);
	ck_assert(m.nftables_cleanup_failures.present);
	ck_assert_double_eq(m.nftables_cleanup_failures.value, 4);
	ck_assert(!m.iptables_restore_failures.present);
	ck_assert_uint_eq(m.n_kube_proxy, 3);
}
END_TEST

CHECK_MAIN("kp_metrics",
	   {"recorded", 0, {test_recorded_dual_stack, test_recorded_hung, test_hung_cases}},
	   {"format", 0, {test_format, test_malformed_lines, test_hostile, test_nftables_failures}})
