/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of history.c: ramps read back through the tiers, gaps, markers, the budget. */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <malloc.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "history.h"
#include "sample.h"
#include "snapshot.h"

/* One service 10.96.0.1:80 at time t with cps v; real servers .1 .. .n_dests, weights w. */
static void table(struct snapshot *s, double t, uint64_t v, size_t n_dests, const int *w,
		  const char *sched)
{
	memset(s, 0, sizeof(*s));
	s->time = t;
	s->ipvs_available = true;
	struct ipvs_service *svc = sample_add_v4(s, "10.96.0.1", 80, IPPROTO_TCP);
	snprintf(svc->sched, sizeof(svc->sched), "%s", sched);
	svc->stats.cps = v;
	svc->stats.inbps = v * 1000;
	for (size_t j = 0; j < n_dests; j++) {
		char a[32];
		snprintf(a, sizeof(a), "10.244.0.%zu", j + 1);
		struct ipvs_dest *d = sample_add_dest_v4(svc, a, 8080);
		d->weight = w ? w[j] : 1;
		d->stats.cps = v / 2;
		d->active_conns = (uint32_t)v;
	}
}

static void push(struct history *h, struct snapshot *s)
{
	ck_assert_int_eq(history_push(h, s, 0), 0);
	snapshot_free(s);
}

static uint64_t svc_key(void)
{
	struct snapshot s;
	table(&s, 0, 0, 0, NULL, "rr");
	uint64_t k = history_key_service(snapshot_service(&s, 0));
	snapshot_free(&s);
	return k;
}

static uint64_t dest_key(size_t j)
{
	struct snapshot s;
	table(&s, 0, 0, j + 1, NULL, "rr");
	uint64_t k = history_key_dest(snapshot_service(&s, 0), &snapshot_service(&s, 0)->dests[j]);
	snapshot_free(&s);
	return k;
}

/* A ramp of 20 samples two seconds apart reads back exactly, one bucket a sample. */
START_TEST(test_ramp)
{
	struct history *h = history_new(HISTORY_BUDGET);
	ck_assert_ptr_nonnull(h);
	for (int k = 0; k < 20; k++) {
		struct snapshot s;
		table(&s, 1000 + 2 * k, 2 * (uint64_t)k, 1, NULL, "rr");
		push(h, &s);
	}
	double v[20];
	ck_assert_uint_eq(history_series(h, svc_key(), HS_CPS, 998, 1038, v, 20), 20);
	for (int b = 0; b < 20; b++)
		ck_assert_double_eq_tol(v[b], 2.0 * b, 1e-9);
	ck_assert_uint_eq(history_series(h, svc_key(), HS_INBPS, 998, 1038, v, 20), 20);
	ck_assert_double_eq_tol(v[19], 38000, 38000 / 254.0);
	/* The real server's own series, and its active connections. */
	ck_assert_uint_eq(history_series(h, dest_key(0), HS_ACTIVE, 998, 1038, v, 20), 20);
	ck_assert_double_eq_tol(v[7], 14, 1e-9);
	ck_assert_double_eq_tol(history_newest(h), 1038, 1e-9);
	/* The first sample stands for the two seconds before it. */
	ck_assert_double_eq_tol(history_oldest(h), 998, 1e-9);
	/* Buckets finer than the samples: each takes the sample that covers it. */
	double f[40];
	ck_assert_uint_eq(history_series(h, svc_key(), HS_CPS, 998, 1038, f, 40), 40);
	ck_assert_double_eq_tol(f[0], 0, 1e-9);
	ck_assert_double_eq_tol(f[1], 0, 1e-9);
	ck_assert_double_eq_tol(f[2], 2, 1e-9);
	/* Before the first sample: nothing known. */
	ck_assert_uint_eq(history_series(h, svc_key(), HS_CPS, 900, 990, v, 10), 0);
	ck_assert(isnan(v[3]));
	ck_assert(!history_has(h, 12345));
	history_free(h);
}
END_TEST

/*
 * Rows arriving a few at a time under a small budget: every new batch changes the layout
 * (more rows, fewer points), in place. What is kept reads back as it was pushed.
 */
START_TEST(test_relayout_keeps_points)
{
	struct history *h = history_new(48 * 1024);
	ck_assert_ptr_nonnull(h);
	size_t last_L = 0, changes = 0;
	for (int k = 0; k < 40; k++) {
		struct snapshot s;
		table(&s, 1000 + 2 * k, 2 * (uint64_t)k, 1 + 4 * (size_t)k, NULL, "rr");
		push(h, &s);
		if (history_points(h) != last_L)
			changes++;
		last_L = history_points(h);
	}
	size_t L = history_points(h);
	ck_assert_uint_ge(changes, 3);
	ck_assert_uint_ge(L, 2);
	ck_assert_uint_lt(L, 40);
	/* Tier 0: the last L samples, one bucket each (2 s). */
	double v[64];
	double t1 = 1000 + 2 * 39 + 1, t0 = t1 - 2 * (double)L;
	ck_assert_uint_eq(history_series(h, svc_key(), HS_CPS, t0, t1, v, L), L);
	for (size_t b = 0; b < L; b++)
		ck_assert_double_eq_tol(v[b], 2.0 * (double)(40 - L + b), 78 / 254.0);
	/* The first real server, there from the start, and one that came late. */
	ck_assert_uint_eq(history_series(h, dest_key(0), HS_ACTIVE, t0, t1, v, L), L);
	for (size_t b = 0; b < L; b++)
		ck_assert_double_eq_tol(v[b], 2.0 * (double)(40 - L + b), 78 / 254.0);
	ck_assert(history_has(h, dest_key(150)));
	history_free(h);
}
END_TEST

/*
 * 600 samples: the older 300 only in tier 1, as means of 6. A point is within a step and a
 * half of its value (a step: the power of two above 1/254 of the largest value; halving a
 * series as it grows rounds once more).
 */
START_TEST(test_tiers)
{
	struct history *h = history_new(HISTORY_BUDGET);
	for (int k = 0; k < 600; k++) {
		struct snapshot s;
		table(&s, 2 * k, (uint64_t)k, 0, NULL, "rr");
		push(h, &s);
	}
	ck_assert_uint_eq(history_points(h), HISTORY_POINTS_MAX);
	/* Tier 1's point j is the mean of samples 6j .. 6j+5, at the time of 6j+5. */
	double v[20], step = pow(2, ceil(log2(599 / 254.0)));
	ck_assert_uint_eq(history_series(h, svc_key(), HS_CPS, 118, 118 + 12 * 20, v, 20), 20);
	for (int b = 0; b < 20; b++)
		ck_assert_double_eq_tol(v[b], 6 * (10 + b) + 2.5, 1.5 * step);
	/* The newest 300 are whole: sample 550 in its own bucket. */
	ck_assert_uint_eq(history_series(h, svc_key(), HS_CPS, 1098, 1100, v, 1), 1);
	ck_assert_double_eq_tol(v[0], 550, step);
	/* Tier 2 (36 samples a point) reaches back to the start. */
	ck_assert_double_le(history_oldest(h), 10);
	ck_assert_double_eq_tol(history_newest(h), 1198, 1e-9);
	history_free(h);
}
END_TEST

/* A real server that goes has gaps; one that comes has none before it. */
START_TEST(test_gaps)
{
	struct history *h = history_new(HISTORY_BUDGET);
	for (int k = 0; k < 10; k++) {
		struct snapshot s;
		table(&s, 2 * k, 10, k < 5 ? 2 : 1, NULL, "rr");
		push(h, &s);
	}
	double v[10];
	ck_assert_uint_eq(history_series(h, dest_key(1), HS_CPS, -2, 18, v, 10), 5);
	ck_assert_double_eq_tol(v[4], 5, 1e-9);
	ck_assert(isnan(v[5]));
	ck_assert_uint_eq(history_series(h, dest_key(0), HS_CPS, -2, 18, v, 10), 10);
	/* A second push at the same time (or within min_step) is no sample. */
	struct snapshot s;
	table(&s, 18, 99, 1, NULL, "rr");
	ck_assert_int_eq(history_push(h, &s, 0), 0);
	ck_assert_int_eq(history_push(h, &s, 0), 0);
	snapshot_free(&s);
	table(&s, 19, 99, 1, NULL, "rr");
	ck_assert_int_eq(history_push(h, &s, 5), 0);
	snapshot_free(&s);
	ck_assert_double_eq_tol(history_newest(h), 18, 1e-9);
	history_free(h);
}
END_TEST

/* Weight 0, a real server added and one removed, a scheduler switch, a failed refresh. */
START_TEST(test_markers)
{
	struct history *h = history_new(HISTORY_BUDGET);
	struct snapshot s;
	table(&s, 100, 1, 2, NULL, "rr");
	push(h, &s);
	/* .1 to weight 0, .2 gone, .3 new (the table's third address), rr -> wlc. */
	table(&s, 102, 1, 3, (const int[]){0, 1, 1}, "wlc");
	struct ipvs_service *svc = snapshot_service_mut(&s, 0);
	svc->dests[1] = svc->dests[2];
	svc->n_dests = 2;
	push(h, &s);
	/* Failed reads: one marker for the run of them, not one a refresh. */
	for (int k = 0; k < 3; k++) {
		memset(&s, 0, sizeof(s));
		s.time = 104 + k;
		snprintf(s.ipvs_error, sizeof(s.ipvs_error), "Operation not permitted");
		push(h, &s);
	}
	/* A degraded read (the /proc fallback says what it lacks) is a sample, not a failure. */
	table(&s, 110, 1, 2, NULL, "wlc");
	snprintf(s.ipvs_error, sizeof(s.ipvs_error), "no rates: /proc fallback");
	push(h, &s);
	ck_assert_double_eq(history_newest(h), 110);

	struct history_marker m[8];
	size_t n = history_markers(h, svc_key(), 0, 103, m, 8);
	ck_assert_uint_eq(n, 4);
	int seen[HM_COUNT] = {0};
	for (size_t i = 0; i < n; i++) {
		ck_assert_double_eq(m[i].time, 102);
		seen[m[i].kind]++;
	}
	ck_assert(seen[HM_WEIGHT0] && seen[HM_RS_ADDED] && seen[HM_RS_REMOVED] && seen[HM_SCHED]);
	ck_assert_uint_eq(history_markers(h, dest_key(0), 0, 103, m, 8), 1);
	ck_assert_int_eq(m[0].kind, HM_WEIGHT0);
	ck_assert_uint_eq(history_markers(h, dest_key(2), 0, 103, m, 8), 1);
	ck_assert_int_eq(m[0].kind, HM_RS_ADDED);
	/* The whole table's markers (a failed read) are every row's too. */
	ck_assert_uint_eq(history_markers(h, dest_key(2), 0, 105, m, 8), 2);
	ck_assert_int_eq(m[1].kind, HM_REFRESH_FAILED);
	/* The totals see every marker, the failed refresh too. */
	ck_assert_uint_eq(history_markers(h, HISTORY_KEY_TOTAL, 0, 105, m, 8), 5);
	ck_assert_int_eq(m[4].kind, HM_REFRESH_FAILED);
	ck_assert_double_eq(m[4].time, 104);
	double at;
	ck_assert(history_marker_near(h, 103, -1, &at));
	ck_assert_double_eq(at, 102);
	ck_assert(history_marker_near(h, 102, 1, &at));
	ck_assert_double_eq(at, 104);
	/* After 104: the degraded read's changes against 102 (.2 back, .3 gone), at 110. */
	ck_assert(history_marker_near(h, 104, 1, &at));
	ck_assert_double_eq(at, 110);
	ck_assert(!history_marker_near(h, 110, 1, &at));
	/* A kube-proxy restart, said by the view: a marker of the whole table. */
	history_mark_global(h, 111, HM_KUBE_PROXY);
	ck_assert_uint_eq(history_markers(h, dest_key(0), 111, 111, m, 8), 1);
	ck_assert_int_eq(m[0].kind, HM_KUBE_PROXY);
	ck_assert_int_eq(history_mark_tag(HM_KUBE_PROXY), 'k');
	ck_assert_str_eq(history_mark_name(HM_SCHED), "scheduler switched");
	ck_assert_str_eq(history_series_name(HS_INBPS), "bytes/s in");
	ck_assert_str_eq(history_series_unit(HS_INACTIVE), "conns");
	/* Scales end on 1, 2 or 5 times a power of ten. */
	ck_assert_double_eq(history_scale_top(38), 50);
	ck_assert_double_eq(history_scale_top(100), 100);
	ck_assert_double_eq(history_scale_top(101), 200);
	ck_assert_double_eq(history_scale_top(0.3), 0.5);
	ck_assert_double_eq(history_scale_top(0), 1);
	ck_assert_int_eq(history_mark_tag(HM_WEIGHT0), '0');
	history_free(h);
}
END_TEST

/* 20,000 services with 5 real servers each. */
static void big_table(struct snapshot *s, double t)
{
	memset(s, 0, sizeof(*s));
	s->time = t;
	s->ipvs_available = true;
	for (int i = 0; i < 20000; i++) {
		char a[32];
		snprintf(a, sizeof(a), "10.%d.%d.1", 96 + i / 250, i % 250);
		struct ipvs_service *svc = sample_add_v4(s, a, 80, IPPROTO_TCP);
		svc->stats.cps = (uint64_t)i + (uint64_t)t;
		for (int j = 0; j < 5; j++) {
			snprintf(a, sizeof(a), "10.%d.%d.%d", 128 + i / 250, i % 250, j + 1);
			struct ipvs_dest *d = sample_add_dest_v4(svc, a, 8080);
			d->stats.cps = (uint64_t)j + (uint64_t)t;
		}
	}
}

/* The budget at the large size, counted by history_bytes and by malloc's own accounting. */
START_TEST(test_budget)
{
	struct snapshot s[3];
	struct mallinfo2 before = mallinfo2();
	for (int k = 0; k < 3; k++)
		big_table(&s[k], 10 * (k + 1));
	struct history *h = history_new(HISTORY_BUDGET);
	for (int k = 0; k < 3; k++)
		ck_assert_int_eq(history_push(h, &s[k], 0), 0);
	/* Still right: the last service's last real server, three samples. */
	struct ipvs_service *svc = snapshot_service_mut(&s[2], 19999);
	uint64_t key = history_key_dest(svc, &svc->dests[4]);
	for (int k = 0; k < 3; k++)
		snapshot_free(&s[k]);
	/*
	 * With the tables freed, what is left is the history alone: it holds no table of its
	 * own (big blocks are mmap()ed: hblkhd counts them).
	 */
	struct mallinfo2 after = mallinfo2();
	size_t used = after.uordblks + after.hblkhd - before.uordblks - before.hblkhd;
	printf("history at 20,000 services / 100,000 real servers: %zu rows, %zu points a tier, "
	       "%zu bytes counted, %zu bytes allocated\n",
	       history_rows(h), history_points(h), history_bytes(h), used);
	ck_assert_uint_eq(history_rows(h), 120001);
	/*
	 * The budget covers the series; the last sample's shape for the markers (5 bytes a row,
	 * for the rows and their room to grow) comes on top of it.
	 */
	size_t shape = 5 * (120001 + 120001 / 32 + 16);
	ck_assert_uint_le(history_bytes(h), HISTORY_BUDGET + shape);
	ck_assert_uint_le(used, history_bytes(h) + 16384);
	ck_assert_uint_ge(history_points(h), 3);
	double v[3];
	ck_assert_uint_eq(history_series(h, key, HS_CPS, 0, 30, v, 3), 3);
	ck_assert_double_eq_tol(v[0], 14, 1e-9);
	ck_assert_double_eq_tol(v[2], 34, 34 / 254.0);
	history_free(h);
}
END_TEST

CHECK_MAIN("history", {"ramp", 0, {test_ramp, test_relayout_keeps_points}},
	   {"tiers", 0, {test_tiers}}, {"gaps", 0, {test_gaps}}, {"markers", 0, {test_markers}},
	   {"budget", 60, {test_budget}})
