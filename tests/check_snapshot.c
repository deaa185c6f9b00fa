/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the snapshot model (snapshot.c): services, identity, names, shared copies. */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "check_main.h"
#include "sample.h"
#include "snapshot.h"

START_TEST(test_add_and_grow)
{
	struct snapshot s;
	memset(&s, 0, sizeof(s));
	for (int i = 0; i < 1000; i++) {
		char a[32];
		snprintf(a, sizeof(a), "10.0.%d.%d", i / 256, i % 256);
		struct ipvs_service *svc = sample_add_v4(&s, a, 80, IPPROTO_TCP);
		for (int j = 0; j < i % 20; j++)
			sample_add_dest_v4(svc, "192.168.0.1", (uint16_t)(1000 + j));
	}
	ck_assert_uint_eq(s.n_services, 1000);
	ck_assert_uint_eq(snapshot_service(&s, 999)->n_dests, 999 % 20);
	ck_assert_uint_eq(snapshot_service(&s, 999)->dests[18].port, 1018);
	snapshot_free(&s);
	ck_assert_uint_eq(s.n_services, 0);
	ck_assert_ptr_null(s.svc_chunks);
}
END_TEST

START_TEST(test_identity)
{
	struct snapshot s;
	memset(&s, 0, sizeof(s));
	sample_add_v4(&s, "10.0.0.1", 80, IPPROTO_TCP);
	sample_add_v4(&s, "10.0.0.1", 80, IPPROTO_UDP);
	struct ipvs_service *fw = snapshot_add_service(&s);
	fw->af = AF_INET;
	fw->fwmark = 7;

	struct ipvs_service probe;
	memset(&probe, 0, sizeof(probe));
	probe.af = AF_INET;
	probe.protocol = IPPROTO_UDP;
	inet_pton(AF_INET, "10.0.0.1", probe.addr.bytes);
	probe.port = 80;
	ck_assert_ptr_eq(snapshot_find_service(&s, &probe), snapshot_service(&s, 1));
	probe.port = 81;
	ck_assert_ptr_null(snapshot_find_service(&s, &probe));
	memset(&probe, 0, sizeof(probe));
	probe.af = AF_INET;
	probe.fwmark = 7;
	ck_assert_ptr_eq(snapshot_find_service(&s, &probe), snapshot_service(&s, 2));
	probe.af = AF_INET6;
	ck_assert_ptr_null(snapshot_find_service(&s, &probe));
	snapshot_free(&s);
}
END_TEST

START_TEST(test_netmask_prefix)
{
	struct ipvs_service svc;
	memset(&svc, 0, sizeof(svc));
	svc.af = AF_INET;
	svc.netmask = htonl(0xffffff00);
	ck_assert_int_eq(service_netmask_prefix(&svc), 24);
	svc.netmask = htonl(0xffffffff);
	ck_assert_int_eq(service_netmask_prefix(&svc), 32);
	svc.netmask = 0;
	ck_assert_int_eq(service_netmask_prefix(&svc), 0);
	svc.af = AF_INET6;
	svc.netmask = 64;
	ck_assert_int_eq(service_netmask_prefix(&svc), 64);
}
END_TEST

START_TEST(test_names)
{
	ck_assert_str_eq(ipvs_proto_name(IPPROTO_SCTP), "sctp");
	ck_assert_ptr_null(ipvs_proto_name(0));
	ck_assert_str_eq(ipvs_fwd_name(IPVS_FWD_ROUTE), "route");
	ck_assert_str_eq(ipvs_fwd_name(99), "unknown");
	ck_assert_str_eq(module_state_name(MODULE_BUILTIN), "builtin");
	char buf[64];
	struct ipvs_addr a;
	memset(&a, 0, sizeof(a));
	inet_pton(AF_INET6, "2001:db8::1", a.bytes);
	ck_assert_str_eq(ipvs_addr_str(AF_INET6, &a, buf, sizeof(buf)), "2001:db8::1");
}
END_TEST

START_TEST(test_share_table)
{
	struct snapshot s, c;
	sample_fill(&s);
	ck_assert_int_eq(snapshot_share_table(&c, &s), 0);
	ck_assert_uint_eq(c.n_services, 2);
	ck_assert_ptr_ne(c.svc_chunks, s.svc_chunks); /* the array of chunks is each one's own */
	ck_assert_ptr_eq(snapshot_service(&c, 0), snapshot_service(&s, 0)); /* the chunk is not */
	ck_assert_uint_eq(c.n_modules, 0);
	/* A change copies the chunk, which shares the destination arrays; the source is intact. */
	struct ipvs_service *m = snapshot_service_mut(&c, 0);
	ck_assert_ptr_nonnull(m);
	ck_assert_ptr_ne(m, snapshot_service(&s, 0));
	ck_assert_ptr_eq(m->dests, snapshot_service(&s, 0)->dests);
	ck_assert_ptr_eq(snapshot_service_mut(&c, 1), m + 1); /* copied once: now c's own */
	struct ipvs_dest *d = service_add_dest(m);
	ck_assert_ptr_nonnull(d);
	d->port = 4242;
	ck_assert_ptr_ne(snapshot_service(&c, 0)->dests, snapshot_service(&s, 0)->dests);
	ck_assert_uint_eq(snapshot_service(&c, 0)->n_dests, 2);
	ck_assert_uint_eq(snapshot_service(&s, 0)->n_dests, 1);
	ck_assert_uint_eq(snapshot_service(&c, 0)->dests[0].stats.inpkts, 1000);
	/* Either can go first: a chunk lives as long as one of them holds it. */
	snapshot_free(&s);
	struct snapshot c2;
	ck_assert_int_eq(snapshot_share_table(&c2, &c), 0);
	snapshot_free(&c);
	ck_assert_uint_eq(snapshot_service(&c2, 0)->dests[1].port, 4242); /* valgrind: not freed */
	ck_assert_uint_eq(snapshot_service(&c2, 0)->dests[0].stats.inpkts, 1000);
	snapshot_free(&c2);
}
END_TEST

/* n services 10.1.x.y:i with i real servers each (at most 3), for the tests of chunks. */
static void many(struct snapshot *s, int n)
{
	memset(s, 0, sizeof(*s));
	for (int i = 0; i < n; i++) {
		char a[32];
		snprintf(a, sizeof(a), "10.1.%d.%d", i / 256, i % 256);
		struct ipvs_service *svc = sample_add_v4(s, a, (uint16_t)i, IPPROTO_TCP);
		for (int j = 0; j < i % 4; j++)
			sample_add_dest_v4(svc, "192.168.0.1", (uint16_t)(1000 + i));
	}
}

/* A change copies the chunk it falls in, not the table: a refresh costs what it re-read. */
START_TEST(test_chunks_copied_apart)
{
	struct snapshot s, c;
	many(&s, 100); /* chunks of 32: 0-31, 32-63, 64-95, 96-99 */
	ck_assert_int_eq(snapshot_share_table(&c, &s), 0);
	struct ipvs_service *m = snapshot_service_mut(&c, 40);
	ck_assert_ptr_nonnull(m);
	m->stats.conns = 777;
	for (size_t i = 0; i < 100; i++) {
		bool copied = i / SNAPSHOT_CHUNK == 40 / SNAPSHOT_CHUNK;
		ck_assert_msg((snapshot_service(&c, i) == snapshot_service(&s, i)) == !copied,
			      "service %zu", i);
		ck_assert_uint_eq(snapshot_service(&c, i)->port, i);
		ck_assert_ptr_eq(snapshot_service(&c, i)->dests, snapshot_service(&s, i)->dests);
	}
	ck_assert_uint_eq(snapshot_service(&c, 40)->stats.conns, 777);
	ck_assert_uint_eq(snapshot_service(&s, 40)->stats.conns, 0);
	/* Appending to a shared last chunk copies it: the other snapshot does not see it. */
	struct ipvs_service *n = snapshot_add_service(&c);
	ck_assert_ptr_nonnull(n);
	n->port = 4000;
	ck_assert_uint_eq(c.n_services, 101);
	ck_assert_uint_eq(s.n_services, 100);
	ck_assert_ptr_ne(snapshot_service(&c, 99), snapshot_service(&s, 99));
	ck_assert_uint_eq(snapshot_service(&c, 100)->port, 4000);
	snapshot_free(&s);
	ck_assert_uint_eq(snapshot_service(&c, 99)->n_dests, 3); /* valgrind: not freed */
	snapshot_free(&c);
}
END_TEST

START_TEST(test_remove_services)
{
	struct snapshot s, c;
	many(&s, 100);
	ck_assert_int_eq(snapshot_share_table(&c, &s), 0);
	/* Ascending, a duplicate among them (a service found gone twice in one refresh). */
	const size_t gone[] = {70, 70, 71, 99};
	ck_assert_int_eq(snapshot_remove_services(&c, gone, 4), 0);
	ck_assert_uint_eq(c.n_services, 97);
	ck_assert_uint_eq(s.n_services, 100);
	/* Chunks before the first removed service stay shared. */
	ck_assert_ptr_eq(snapshot_service(&c, 63), snapshot_service(&s, 63));
	ck_assert_ptr_ne(snapshot_service(&c, 64), snapshot_service(&s, 64));
	for (size_t i = 0, k = 0; i < 100; i++) {
		if (i == 70 || i == 71 || i == 99)
			continue;
		ck_assert_uint_eq(snapshot_service(&c, k)->port, i);
		ck_assert_uint_eq(snapshot_service(&c, k)->n_dests, i % 4);
		k++;
	}
	ck_assert_uint_eq(snapshot_service(&s, 70)->port, 70);
	/* From the first service on: every chunk anew, the rest still whole. */
	const size_t first[] = {0};
	ck_assert_int_eq(snapshot_remove_services(&s, first, 1), 0);
	ck_assert_uint_eq(s.n_services, 99);
	ck_assert_uint_eq(snapshot_service(&s, 0)->port, 1);
	ck_assert_uint_eq(snapshot_service(&s, 98)->port, 99);
	snapshot_free(&s);
	ck_assert_uint_eq(snapshot_service(&c, 96)->port, 98); /* valgrind: not freed */
	/* Everything: an empty table. */
	size_t all[97];
	for (size_t i = 0; i < 97; i++)
		all[i] = i;
	ck_assert_int_eq(snapshot_remove_services(&c, all, 97), 0);
	ck_assert_uint_eq(c.n_services, 0);
	snapshot_free(&c);
}
END_TEST

/* The hand-made IPv4 text is inet_ntop()'s and "%s:%u"'s, byte for byte, edges included. */
START_TEST(test_hostport_v4)
{
	static const uint8_t edge[] = {0, 1, 9, 10, 11, 99, 100, 101, 199, 200, 249, 250, 255};
	static const uint16_t ports[] = {0, 1, 9, 10, 80, 99, 100, 999, 1000, 8080, 9999,
					 10000, 65535};
	unsigned seed = 16;
	for (int i = 0; i < 20000; i++) {
		struct ipvs_addr a;
		memset(&a, 0, sizeof(a));
		for (int b = 0; b < 4; b++)
			a.bytes[b] = i < 13 * 13 ? edge[(b & 1 ? i / 13 : i % 13)]
						 : (uint8_t)(rand_r(&seed) & 0xff);
		uint16_t port = i < 13 ? ports[i] : (uint16_t)rand_r(&seed);
		char want[64], ntop[INET_ADDRSTRLEN], got[64];
		ck_assert_ptr_nonnull(inet_ntop(AF_INET, a.bytes, ntop, sizeof(ntop)));
		snprintf(want, sizeof(want), "%s:%u", ntop, port);
		ck_assert_str_eq(ipvs_hostport_str(AF_INET, &a, port, got, sizeof(got)), want);
		ck_assert_str_eq(ipvs_addr_str(AF_INET, &a, got, sizeof(got)), ntop);
	}
	/* A buffer too small for the longest IPv4 text still gets a cut, terminated string. */
	struct ipvs_addr a = {.bytes = {192, 168, 100, 200}};
	char small[8];
	ck_assert_str_eq(ipvs_hostport_str(AF_INET, &a, 65535, small, sizeof(small)), "192.168");
}
END_TEST

CHECK_MAIN("snapshot", {"services", 0, {test_add_and_grow, test_identity, test_netmask_prefix}},
	   {"names", 0, {test_names, test_hostport_v4}},
	   {"copies", 0, {test_share_table, test_chunks_copied_apart, test_remove_services}})
