/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of rates.c: per-second rates from two snapshots, and the index that pairs them. */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <math.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "check_main.h"
#include "rates.h"
#include "sample.h"
#include "snapshot.h"

START_TEST(test_rates)
{
	struct ipvs_stats a = {
	    .conns = 100, .inpkts = 1000, .outpkts = 500, .inbytes = 10000, .outbytes = 4000};
	struct ipvs_stats b = a;
	struct ipvs_rates r;
	b.conns += 20;
	b.inpkts += 200;
	b.outbytes += 1000;
	ck_assert(rates_compute(&a, &b, 2.0, &r));
	ck_assert_double_eq_tol(r.cps, 10.0, 1e-9);
	ck_assert_double_eq_tol(r.inpps, 100.0, 1e-9);
	ck_assert_double_eq_tol(r.outpps, 0.0, 1e-9);
	ck_assert_double_eq_tol(r.outbps, 500.0, 1e-9);

	/* Zeroed in between (ipvsadm -Z): the rate counts from zero, never negative. */
	struct ipvs_stats z = {.conns = 6};
	ck_assert(rates_compute(&a, &z, 2.0, &r));
	ck_assert_double_eq_tol(r.cps, 3.0, 1e-9);
	ck_assert_double_eq_tol(r.inbps, 0.0, 1e-9);

	ck_assert(!rates_compute(&a, &b, 0.0, &r));
	ck_assert_double_eq(r.cps, 0.0);
}
END_TEST

START_TEST(test_rates_index)
{
	struct snapshot prev, cur;
	memset(&prev, 0, sizeof(prev));
	memset(&cur, 0, sizeof(cur));
	for (int i = 0; i < 5000; i++) {
		char a[32];
		snprintf(a, sizeof(a), "10.1.%d.%d", i / 256, i % 256);
		sample_add_v4(&prev, a, (uint16_t)(i % 3 + 80), IPPROTO_TCP)->stats.conns =
		    (uint64_t)i;
	}
	struct rates_index *ix = rates_index_new(&prev);
	ck_assert_ptr_nonnull(ix);
	for (int i = 0; i < 5000; i += 7) {
		char a[32];
		snprintf(a, sizeof(a), "10.1.%d.%d", i / 256, i % 256);
		struct ipvs_service *svc =
		    sample_add_v4(&cur, a, (uint16_t)(i % 3 + 80), IPPROTO_TCP);
		const struct ipvs_service *p = rates_index_find(ix, svc);
		ck_assert_ptr_nonnull(p);
		ck_assert_uint_eq(p->stats.conns, (uint64_t)i);
	}
	/* A service that came after the previous snapshot has no match. */
	struct ipvs_service *n = sample_add_v4(&cur, "10.9.9.9", 80, IPPROTO_TCP);
	ck_assert_ptr_null(rates_index_find(ix, n));
	rates_index_free(ix);

	/* Destinations: found by identity even when the order changed. */
	struct ipvs_service *ps = snapshot_service_mut(&prev, 0);
	sample_add_dest_v4(ps, "192.168.1.1", 80);
	sample_add_dest_v4(ps, "192.168.1.2", 80);
	struct ipvs_dest d;
	memset(&d, 0, sizeof(d));
	d.af = AF_INET;
	inet_pton(AF_INET, "192.168.1.2", d.addr.bytes);
	d.port = 80;
	ck_assert_ptr_eq(rates_find_dest(ps, &d, 0), &ps->dests[1]);
	ck_assert_ptr_eq(rates_find_dest(ps, &d, 1), &ps->dests[1]);
	d.port = 81;
	ck_assert_ptr_null(rates_find_dest(ps, &d, 1));
	snapshot_free(&prev);
	snapshot_free(&cur);
}
END_TEST

static struct ipvs_service *row(struct snapshot *s, uint32_t mark, uint64_t conns, double mono)
{
	struct ipvs_service *v = snapshot_add_service(s);
	ck_assert_ptr_nonnull(v);
	v->af = AF_INET;
	v->fwmark = mark;
	v->stats.conns = conns;
	v->stats_mono = mono;
	v->dests_mono = mono;
	struct ipvs_dest *d = service_add_dest(v);
	ck_assert_ptr_nonnull(d);
	d->af = AF_INET;
	d->port = 1;
	d->stats.conns = conns;
	return v;
}

static double cps_of(const struct ipvs_service *c, const struct ipvs_service *p)
{
	struct ipvs_rates r;
	ck_assert(rates_compute(&p->stats, &c->stats, rates_row_dt(c->stats_mono, p->stats_mono, 99),
				&r));
	return r.cps;
}

START_TEST(test_row_rates)
{
	ck_assert(fabs(rates_row_dt(12.5, 10.0, 1.0) - 2.5) < 1e-9);
	ck_assert(fabs(rates_row_dt(0, 10.0, 1.0) - 1.0) < 1e-9);
	ck_assert(fabs(rates_row_dt(12.5, 0, 1.0) - 1.0) < 1e-9);

	/* Three refreshes: A re-read each time, B read at 4, at 5, then not. */
	struct snapshot s0, s1, s2, p1, p2;
	memset(&s0, 0, sizeof(s0));
	memset(&s1, 0, sizeof(s1));
	memset(&s2, 0, sizeof(s2));
	s0.mono = 4;
	row(&s0, 1, 90, 4);
	row(&s0, 2, 40, 4);
	s1.mono = 5;
	row(&s1, 1, 100, 5);
	row(&s1, 2, 50, 5);
	ck_assert_int_eq(rates_prev_next(&p1, NULL, &s0, &s1), 0);
	ck_assert(fabs(cps_of(snapshot_service(&s1, 1), snapshot_service(&p1, 1)) - 10) < 1e-9);

	s2.mono = 6;
	row(&s2, 1, 130, 6);
	/* B not re-read: the same row, shared, as a feed publishes it */
	struct ipvs_service *b = snapshot_add_service(&s2);
	*b = (*snapshot_service(&s1, 1));
	b->dests = ipvs_dests_ref(snapshot_service(&s1, 1)->dests);
	ck_assert_int_eq(rates_prev_next(&p2, &p1, &s1, &s2), 0);
	ck_assert_uint_eq(p2.n_services, 2);
	ck_assert(fabs(cps_of(snapshot_service(&s2, 0), snapshot_service(&p2, 0)) - 30) < 1e-9);
	/* B keeps its rate (10/s over its own 4..5), rather than 0 over 5..6 */
	ck_assert(fabs(cps_of(snapshot_service(&s2, 1), snapshot_service(&p2, 1)) - 10) < 1e-9);
	ck_assert_ptr_eq(snapshot_service(&p2, 1)->dests, snapshot_service(&s0, 1)->dests);
	/* A new service has nothing to compare with. */
	row(&s2, 3, 5, 6);
	struct snapshot p3;
	ck_assert_int_eq(rates_prev_next(&p3, &p1, &s1, &s2), 0);
	ck_assert_uint_eq(p3.n_services, 2);
	snapshot_free(&p3);
	/* Whoever is freed first, the shared arrays stay right (valgrind). */
	snapshot_free(&s0);
	snapshot_free(&p1);
	ck_assert_uint_eq(snapshot_service(&p2, 1)->dests[0].stats.conns, 40);
	snapshot_free(&s1);
	snapshot_free(&p2);
	snapshot_free(&s2);
}
END_TEST

CHECK_MAIN("rates", {"rates", 0, {test_rates}}, {"index", 0, {test_rates_index}},
	   {"rows", 0, {test_row_rates}})
