/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of rates.c: per-second rates from two snapshots, and the index that pairs them. */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
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
	struct ipvs_service *ps = &prev.services[0];
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

int main(void)
{
	Suite *s = suite_create("rates");
	TCase *tc;

	tc = tcase_create("rates");
	tcase_add_test(tc, test_rates);
	suite_add_tcase(s, tc);

	tc = tcase_create("index");
	tcase_add_test(tc, test_rates_index);
	suite_add_tcase(s, tc);
	return check_main(s);
}
