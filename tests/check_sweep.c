/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the sweep's schedule (sweep.c): what a refresh reads of a big table, when. */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "check_main.h"
#include "sweep.h"

START_TEST(test_quota_covers_pass)
{
	/* 20,000 services, a refresh a second, a 10 s pass; then late refreshes (1.7 s). */
	static unsigned reads[20000];
	const double spacing[] = {1.0, 1.7, 0.4};
	for (size_t k = 0; k < sizeof(spacing) / sizeof(spacing[0]); k++) {
		struct sweep w;
		sweep_init(&w, 10.0, 10.0);
		size_t n = 20000, passes = 0, most = 0;
		double t = 100.0;
		memset(reads, 0, sizeof(reads));
		for (int tick = 0; tick < 60; tick++, t += spacing[k]) {
			if (sweep_pass_due(&w, n, t)) {
				if (passes) {
					/* The pass before covered everything, once (one
					 * assertion: Check writes each to its log). */
					size_t wrong = 0;
					for (size_t i = 0; i < n; i++)
						wrong += reads[i] != passes;
					ck_assert_uint_eq(wrong, 0);
					ck_assert(t - w.pass_start < 10.0 + spacing[k] + 1e-9);
				}
				sweep_pass_started(&w, t);
				passes++;
			}
			size_t q = sweep_quota(&w, n, t, 1.0);
			if (q > most)
				most = q;
			for (size_t j = 0; j < q; j++)
				reads[w.cursor++]++;
		}
		ck_assert_uint_ge(passes, 3);
		if (spacing[k] == 1.0)
			ck_assert_uint_eq(most, 2000); /* evenly: a tenth per refresh */
	}
}
END_TEST

START_TEST(test_small_table_whole)
{
	struct sweep w;
	sweep_init(&w, 10.0, 10.0);
	sweep_pass_started(&w, 5.0);
	ck_assert(sweep_pass_due(&w, SWEEP_WHOLE_MAX, 5.5));
	ck_assert_uint_eq(sweep_quota(&w, SWEEP_WHOLE_MAX, 5.5, 1.0), SWEEP_WHOLE_MAX);
	ck_assert(!sweep_pass_due(&w, SWEEP_WHOLE_MAX + 1, 5.5));
	ck_assert(sweep_pass_due(&w, SWEEP_WHOLE_MAX + 1, 15.0));
	ck_assert_uint_eq(sweep_quota(&w, 1000, 5.0, 1.0), 100);
	/* Nothing left: nothing to read; a pass overdue: all that is left at once. */
	w.cursor = 1000;
	ck_assert_uint_eq(sweep_quota(&w, 1000, 6.0, 1.0), 0);
	w.cursor = 400;
	ck_assert_uint_eq(sweep_quota(&w, 1000, 30.0, 1.0), 600);
}
END_TEST

START_TEST(test_removed_moves_cursor)
{
	struct sweep w;
	sweep_init(&w, 10.0, 10.0);
	sweep_pass_started(&w, 0);
	w.cursor = 10;
	sweep_removed(&w, 3);
	ck_assert_uint_eq(w.cursor, 9);
	sweep_removed(&w, 9);
	ck_assert_uint_eq(w.cursor, 9);
	sweep_removed(&w, 20);
	ck_assert_uint_eq(w.cursor, 9);
}
END_TEST

/* A pass that cost cost seconds of CPU, then the next one started at t: the period it gets. */
static double period_after(struct sweep *w, double cost, double t)
{
	sweep_add_cost(w, cost);
	sweep_pass_started(w, t);
	return w->period;
}

START_TEST(test_budget_stretches_pass)
{
	struct sweep w;
	sweep_init(&w, 10.0, 60.0);
	sweep_pass_started(&w, 0);
	ck_assert(w.period == 10.0);
	/* Cheap passes keep the base period. */
	ck_assert(period_after(&w, 0.1, 10.0) == 10.0);
	ck_assert(w.last_cost == 0.1);
	/* Half a second a pass: 25 s, so that passes cost 2% of a core. */
	sweep_add_cost(&w, 0.3);
	sweep_add_cost(&w, 0.2);
	sweep_add_cost(&w, -1.0); /* a clock that went back counts nothing */
	sweep_pass_started(&w, 20.0);
	ck_assert(fabs(w.period - 25.0) < 1e-9);
	ck_assert(!sweep_pass_due(&w, 20000, 44.9));
	ck_assert(sweep_pass_due(&w, 20000, 45.0));
	/* The quota spreads the pass over the longer period: a 25th a refresh. */
	ck_assert_uint_eq(sweep_quota(&w, 20000, 20.0, 1.0), 800);
	/* Never longer than the maximum; back to the base when cheap again. */
	ck_assert(period_after(&w, 5.0, 45.0) == 60.0);
	sweep_pass_started(&w, 105.0);
	ck_assert(w.period == 10.0);
	/* A fixed period (max = base) is never stretched; new limits: the base at once. */
	sweep_init(&w, 1.0, 0.5);
	ck_assert(w.max == 1.0);
	sweep_pass_started(&w, 0);
	ck_assert(period_after(&w, 5.0, 1.0) == 1.0);
	sweep_set_limits(&w, 10.0, 60.0);
	ck_assert(w.period == 10.0);
	ck_assert(period_after(&w, 5.0, 11.0) == 60.0);
	sweep_set_limits(&w, 10.0, 20.0);
	ck_assert(w.period == 10.0);
}
END_TEST

CHECK_MAIN("sweep",
	   {"schedule",
	    0,
	    {test_quota_covers_pass, test_small_table_whole, test_removed_moves_cursor}},
	   {"budget", 0, {test_budget_stretches_pass}})
