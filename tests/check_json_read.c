/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of json_read.c: a recorded document read back for --replay. */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "check_main.h"
#include "json_read.h"
#include "sample.h"
#include "snapshot.h"

START_TEST(test_json_round_trip)
{
	/* A recording read back (for --replay) writes out the same document. */
	struct snapshot s, back;
	sample_fill(&s);
	s.n_modules = 2;
	s.modules = calloc(2, sizeof(*s.modules));
	snprintf(s.modules[0].name, sizeof(s.modules[0].name), "ip_vs");
	s.modules[0].state = MODULE_LOADED;
	snprintf(s.modules[1].name, sizeof(s.modules[1].name), "ip_vs_mh");
	s.modules[1].state = MODULE_AVAILABLE;
	struct ipvs_service *v6 = snapshot_add_service(&s);
	v6->af = AF_INET6;
	v6->protocol = IPPROTO_SCTP;
	inet_pton(AF_INET6, "2001:db8::5", v6->addr.bytes);
	v6->port = 9;
	v6->netmask = 64;
	snprintf(v6->sched, sizeof(v6->sched), "mh");
	struct ipvs_dest *d = service_add_dest(v6);
	d->af = AF_INET;
	inet_pton(AF_INET, "192.0.2.1", d->addr.bytes);
	d->fwd = IPVS_FWD_ROUTE;
	d->u_thresh = 100;
	d->l_thresh = 10;
	d->persist_conns = 4;
	d->stats.outbytes = 123456789012ull;
	/* Replay reads numbers through cJSON's doubles: exact up to 2^53. */
	snapshot_service_mut(&s, 0)->stats.conns = (1ull << 53) - 1;

	char *a = sample_json(&s, NULL);
	ck_assert_int_eq(json_read_snapshot(a, &back), 0);
	char *b = sample_json(&back, NULL);
	if (strcmp(a, b) != 0)
		fprintf(stderr, "written:\n%s\nread back and written:\n%s\n", a, b);
	ck_assert_msg(strcmp(a, b) == 0, "round trip differs (both printed above)");
	free(a);
	free(b);
	snapshot_free(&back);
	/* Beyond 2^53 a counter comes back clamped, never wrapped to a small number. */
	snapshot_service_mut(&s, 0)->stats.conns = UINT64_MAX;
	a = sample_json(&s, NULL);
	ck_assert_int_eq(json_read_snapshot(a, &back), 0);
	ck_assert_uint_eq(snapshot_service(&back, 0)->stats.conns, UINT64_MAX);
	free(a);
	snapshot_free(&back);
	snapshot_free(&s);

	ck_assert_int_eq(json_read_snapshot("{\"schema\":2,\"ipvs\":{}}", &back), -EINVAL);
	snapshot_free(&back);
	ck_assert_int_eq(json_read_snapshot("{\"schema\":1,\"ipvs\":{\"serv", &back), -EINVAL);
	snapshot_free(&back);
	ck_assert_int_eq(json_read_snapshot("", &back), -EINVAL);
	snapshot_free(&back);
}
END_TEST

/*
 * Found by fuzz/fuzz_json_read: numbers beyond the range of the field they are read into
 * (a weight of 4.3e10, a negative or huge connection count) were converted from double with
 * a plain cast, which is undefined behaviour; they are clamped.
 */
START_TEST(test_json_read_out_of_range_numbers)
{
	struct snapshot back;
	const char *line =
	    "{\"schema\":1,\"ipvs\":{\"services\":[{\"af\":\"inet\",\"destinations\":["
	    "{\"weight\":42949672960},{\"weight\":-1e300},{\"weight\":-3.9},{\"weight\":1e-300}]}]},"
	    "\"connections\":{\"total\":-5,\"by_service\":{\"tcp 10.0.0.1:80\":-1},"
	    "\"by_destination\":{\"10.0.1.1:80\":1e300},\"by_state\":{\"UDP\":7.9}}}";
	ck_assert_int_eq(json_read_snapshot(line, &back), 0);
	ck_assert_uint_eq(back.n_services, 1);
	ck_assert_uint_eq(snapshot_service(&back, 0)->n_dests, 4);
	ck_assert_int_eq(snapshot_service(&back, 0)->dests[0].weight, INT32_MAX);
	ck_assert_int_eq(snapshot_service(&back, 0)->dests[1].weight, INT32_MIN);
	ck_assert_int_eq(snapshot_service(&back, 0)->dests[2].weight, -3);
	ck_assert_int_eq(snapshot_service(&back, 0)->dests[3].weight, 0);
	ck_assert_uint_eq(back.conns.total, 0);
	ck_assert_uint_eq(back.conns.n_by_service, 1);
	ck_assert_uint_eq(back.conns.by_service[0].count, 0);
	ck_assert_uint_eq(back.conns.by_dest[0].count, UINT64_MAX);
	ck_assert_uint_eq(back.conns.by_state[0].count, 7);
	snapshot_free(&back);
}
END_TEST

/*
 * Found by fuzz/fuzz_json_read: a record with "time":1.795e19 was read as is, and the text
 * view's (time_t)s->time then overflowed (undefined behaviour, then localtime_r failing).
 * A time outside 1970..9999 makes the line invalid, as replay skips bad lines.
 */
START_TEST(test_json_read_time_range)
{
	struct snapshot back;
	static const char *const bad[] = {"1.795e19", "-1", "1e300", "253402300800"};
	char line[128];
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(line, sizeof(line), "{\"schema\":1,\"time\":%s,\"ipvs\":{}}", bad[i]);
		ck_assert_int_eq(json_read_snapshot(line, &back), -EINVAL);
		snapshot_free(&back);
	}
	ck_assert_int_eq(json_read_snapshot("{\"schema\":1,\"time\":253402300799,\"ipvs\":{}}",
					    &back),
			 0);
	ck_assert(back.time == 253402300799.0 && back.mono == back.time);
	snapshot_free(&back);
	/* no time at all: 0, as before */
	ck_assert_int_eq(json_read_snapshot("{\"schema\":1,\"ipvs\":{}}", &back), 0);
	ck_assert(back.time == 0);
	snapshot_free(&back);
}
END_TEST

CHECK_MAIN("json_read", {"round_trip", 0, {test_json_round_trip}},
	   {"ranges", 0, {test_json_read_out_of_range_numbers, test_json_read_time_range}})
