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

CHECK_MAIN("snapshot", {"services", 0, {test_add_and_grow, test_identity, test_netmask_prefix}},
	   {"names", 0, {test_names}}, {"copies", 0, {test_copy_table}})
