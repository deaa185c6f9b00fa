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
	ck_assert_uint_eq(s.services[999].n_dests, 999 % 20);
	ck_assert_uint_eq(s.services[999].dests[18].port, 1018);
	snapshot_free(&s);
	ck_assert_uint_eq(s.n_services, 0);
	ck_assert_ptr_null(s.services);
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
	ck_assert_ptr_eq(snapshot_find_service(&s, &probe), &s.services[1]);
	probe.port = 81;
	ck_assert_ptr_null(snapshot_find_service(&s, &probe));
	memset(&probe, 0, sizeof(probe));
	probe.af = AF_INET;
	probe.fwmark = 7;
	ck_assert_ptr_eq(snapshot_find_service(&s, &probe), &s.services[2]);
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

START_TEST(test_copy_table)
{
	struct snapshot s, c;
	sample_fill(&s);
	ck_assert_int_eq(snapshot_copy_table(&c, &s), 0);
	ck_assert_uint_eq(c.n_services, 2);
	ck_assert_ptr_ne(c.services, s.services);
	/* Destination arrays are shared, not copied. */
	ck_assert_ptr_eq(c.services[0].dests, s.services[0].dests);
	ck_assert_uint_eq(c.services[0].dests[0].stats.inpkts, 1000);
	ck_assert_uint_eq(c.n_modules, 0);
	/* The copy grows on its own (copy on write), like any snapshot; the source is intact. */
	struct ipvs_dest *d = service_add_dest(&c.services[0]);
	ck_assert_ptr_nonnull(d);
	d->port = 4242;
	ck_assert_ptr_ne(c.services[0].dests, s.services[0].dests);
	ck_assert_uint_eq(c.services[0].n_dests, 2);
	ck_assert_uint_eq(s.services[0].n_dests, 1);
	ck_assert_uint_eq(c.services[0].dests[0].stats.inpkts, 1000);
	/* Either can go first: the array lives as long as one of them holds it. */
	snapshot_free(&s);
	struct snapshot c2;
	ck_assert_int_eq(snapshot_copy_table(&c2, &c), 0);
	snapshot_free(&c);
	ck_assert_uint_eq(c2.services[0].dests[1].port, 4242); /* valgrind: not freed */
	ck_assert_uint_eq(c2.services[0].dests[0].stats.inpkts, 1000);
	snapshot_free(&c2);
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
	   {"names", 0, {test_names, test_hostport_v4}}, {"copies", 0, {test_copy_table}})
