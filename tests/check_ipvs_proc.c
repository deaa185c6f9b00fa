/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of ipvs_proc: the /proc/net/ip_vs* readers against kernel-format fixtures. */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cancel.h"
#include "check_main.h"
#include "fixture.h"
#include "ipvs_proc.h"
#include "snapshot.h"

static const char *fixture(const char *name)
{
	return fixture_in("proc", name);
}

static const char *addr_str(int af, const struct ipvs_addr *a)
{
	static char buf[4][64];
	static int i;
	i = (i + 1) % 4;
	return ipvs_addr_str(af, a, buf[i], sizeof(buf[i]));
}

/* A temporary directory for generated files, removed with its files by tmp_cleanup(). */
static char tmpdir[256];

static void tmp_setup(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "%s/ipvstop-proc-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void tmp_cleanup(const char *name)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	unlink(path);
	rmdir(tmpdir);
}

static char *tmp_path(const char *name)
{
	static char path[512];
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	return path;
}

/* ------------------------------------------------------------------ services */

static void check_dest(const struct ipvs_dest *d, int af, const char *addr, unsigned port,
		       uint32_t fwd, int weight, unsigned active, unsigned inactive)
{
	ck_assert_int_eq(d->af, af);
	ck_assert_str_eq(addr_str(d->af, &d->addr), addr);
	ck_assert_uint_eq(d->port, port);
	ck_assert_uint_eq(d->fwd, fwd);
	ck_assert_int_eq(d->weight, weight);
	ck_assert_uint_eq(d->active_conns, active);
	ck_assert_uint_eq(d->inactive_conns, inactive);
	ck_assert_uint_eq(d->persist_conns, 0);
}

START_TEST(test_services)
{
	struct snapshot s;
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(ipvs_proc_read_services(fixture("ip_vs"), &s), 0);
	ck_assert_uint_eq(s.version, (1u << 16) | (2u << 8) | 1u);
	ck_assert_uint_eq(s.conn_tab_size, 4096);
	ck_assert_uint_eq(s.n_services, 10);
	for (size_t i = 0; i < s.n_services; i++)
		ck_assert(snapshot_service(&s, i)->dests_known);

	const struct ipvs_service *v = snapshot_service(&s, 0);
	ck_assert_int_eq(v->af, AF_INET);
	ck_assert_uint_eq(v->protocol, IPPROTO_TCP);
	ck_assert_str_eq(addr_str(v->af, &v->addr), "10.0.0.1");
	ck_assert_uint_eq(v->port, 80);
	ck_assert_uint_eq(v->fwmark, 0);
	ck_assert_str_eq(v->sched, "rr");
	ck_assert_uint_eq(v->flags, IPVS_SVC_HASHED);
	ck_assert_uint_eq(v->timeout, 0);
	ck_assert_int_eq(service_netmask_prefix(v), 32);
	ck_assert_uint_eq(v->n_dests, 2);
	check_dest(&v->dests[0], AF_INET, "10.0.1.1", 80, IPVS_FWD_MASQ, 1, 3, 5);
	check_dest(&v->dests[1], AF_INET, "10.0.1.2", 8080, IPVS_FWD_MASQ, 0, 0, 2);

	v = snapshot_service(&s, 1);
	ck_assert_uint_eq(v->protocol, IPPROTO_UDP);
	ck_assert_str_eq(addr_str(v->af, &v->addr), "10.0.0.2");
	ck_assert_uint_eq(v->port, 53);
	ck_assert_str_eq(v->sched, "wlc");
	ck_assert_uint_eq(v->flags, IPVS_SVC_HASHED | IPVS_SVC_ONEPACKET);
	ck_assert_uint_eq(v->n_dests, 1);
	check_dest(&v->dests[0], AF_INET, "10.0.1.3", 53, IPVS_FWD_ROUTE, 2, 0, 10);

	v = snapshot_service(&s, 2);
	ck_assert_uint_eq(v->protocol, IPPROTO_TCP);
	ck_assert_uint_eq(v->port, 443);
	ck_assert_str_eq(v->sched, "sh");
	ck_assert_uint_eq(v->flags, IPVS_SVC_HASHED | IPVS_SVC_PERSISTENT);
	ck_assert_uint_eq(v->timeout, 300);
	ck_assert_uint_eq(v->netmask, htonl(0xffffff00u)); /* network order, as netlink sends */
	ck_assert_int_eq(service_netmask_prefix(v), 24);
	ck_assert_uint_eq(v->n_dests, 2);
	check_dest(&v->dests[0], AF_INET, "10.0.1.4", 443, IPVS_FWD_TUNNEL, 5, 1, 0);
	check_dest(&v->dests[1], AF_INET, "10.0.1.5", 443, IPVS_FWD_LOCAL, 1, 0, 0);

	v = snapshot_service(&s, 3);
	ck_assert_uint_eq(v->protocol, IPPROTO_SCTP);
	ck_assert_str_eq(addr_str(v->af, &v->addr), "10.0.0.4");
	ck_assert_uint_eq(v->port, 3868);
	ck_assert_str_eq(v->sched, "lc");
	ck_assert_uint_eq(v->flags, IPVS_SVC_HASHED | IPVS_SVC_ONEPACKET | IPVS_SVC_PERSISTENT);
	ck_assert_uint_eq(v->timeout, 60);
	ck_assert_int_eq(service_netmask_prefix(v), 32);
	check_dest(&v->dests[0], AF_INET, "10.0.1.6", 3868, IPVS_FWD_MASQ, 65535, 123456, 7);

	/* IPv6: the kernel prints no "ops" on this branch, so the flag cannot be seen. */
	v = snapshot_service(&s, 4);
	ck_assert_int_eq(v->af, AF_INET6);
	ck_assert_uint_eq(v->protocol, IPPROTO_TCP);
	ck_assert_str_eq(addr_str(v->af, &v->addr), "2001:db8::1");
	ck_assert_uint_eq(v->port, 80);
	ck_assert_str_eq(v->sched, "wrr");
	ck_assert_uint_eq(v->flags, IPVS_SVC_HASHED);
	ck_assert_int_eq(service_netmask_prefix(v), 128);
	ck_assert_uint_eq(v->n_dests, 2);
	check_dest(&v->dests[0], AF_INET6, "2001:db8::10", 80, IPVS_FWD_MASQ, 3, 7, 1);
	check_dest(&v->dests[1], AF_INET, "10.0.1.7", 80, IPVS_FWD_TUNNEL, 1, 0, 0);

	v = snapshot_service(&s, 5);
	ck_assert_int_eq(v->af, AF_INET6);
	ck_assert_uint_eq(v->protocol, IPPROTO_UDP);
	ck_assert_str_eq(addr_str(v->af, &v->addr), "2001:db8::2");
	ck_assert_uint_eq(v->flags, IPVS_SVC_HASHED | IPVS_SVC_PERSISTENT);
	ck_assert_uint_eq(v->timeout, 600);
	ck_assert_uint_eq(v->netmask, 64); /* printed as 40000000 on little-endian */
	ck_assert_int_eq(service_netmask_prefix(v), 64);
	check_dest(&v->dests[0], AF_INET6, "2001:db8::20", 53, IPVS_FWD_ROUTE, 1, 0, 0);

	v = snapshot_service(&s, 6);
	ck_assert_str_eq(addr_str(v->af, &v->addr), "10.0.0.5");
	ck_assert_uint_eq(v->port, 25);
	ck_assert_str_eq(v->sched, "none");
	ck_assert_uint_eq(v->n_dests, 0);

	v = snapshot_service(&s, 7);
	ck_assert_int_eq(v->af, AF_INET);
	ck_assert_uint_eq(v->fwmark, 1);
	ck_assert_uint_eq(v->protocol, 0);
	ck_assert_uint_eq(v->port, 0);
	ck_assert_str_eq(v->sched, "rr");
	ck_assert_uint_eq(v->flags, IPVS_SVC_HASHED);
	check_dest(&v->dests[0], AF_INET, "10.0.1.8", 0, IPVS_FWD_ROUTE, 1, 2, 3);

	v = snapshot_service(&s, 8);
	ck_assert_uint_eq(v->fwmark, 2);
	ck_assert_str_eq(v->sched, "mh");
	ck_assert_uint_eq(v->flags, IPVS_SVC_HASHED | IPVS_SVC_ONEPACKET | IPVS_SVC_PERSISTENT);
	ck_assert_uint_eq(v->timeout, 3600);
	ck_assert_int_eq(service_netmask_prefix(v), 16);

	/* A fwmark line has no family: the first non-tunnel destination gives it. */
	v = snapshot_service(&s, 9);
	ck_assert_uint_eq(v->fwmark, 10);
	ck_assert_int_eq(v->af, AF_INET6);
	ck_assert_int_eq(service_netmask_prefix(v), 128);
	ck_assert_str_eq(v->sched, "sed");
	ck_assert_uint_eq(v->n_dests, 2);
	check_dest(&v->dests[0], AF_INET, "10.0.1.10", 0, IPVS_FWD_TUNNEL, 1, 0, 0);
	check_dest(&v->dests[1], AF_INET6, "2001:db8::30", 0, IPVS_FWD_ROUTE, 4, 0, 0);

	snapshot_free(&s);
}
END_TEST

START_TEST(test_services_empty)
{
	struct snapshot s;
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(ipvs_proc_read_services(fixture("ip_vs.empty"), &s), 0);
	ck_assert_uint_eq(s.version, 0x010201);
	ck_assert_uint_eq(s.n_services, 0);
	snapshot_free(&s);
}
END_TEST

START_TEST(test_services_missing)
{
	struct snapshot s;
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(ipvs_proc_read_services(fixture("no-such-file"), &s), -ENOENT);
	ck_assert_uint_eq(s.n_services, 0);
	snapshot_free(&s);
}
END_TEST

static const char *const bad_services[] = {
	"ip_vs.bad-header",  "ip_vs.dest-first",  "ip_vs.bad-hex",
	"ip_vs.bad-fwd",     "ip_vs.bad-proto",   "ip_vs.short-service",
	"ip_vs.bad-persistent", "ip_vs.short-dest", "ip_vs_stats", "ip_vs_conn",
};

START_TEST(test_services_malformed)
{
	struct snapshot s;
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(ipvs_proc_read_services(fixture(bad_services[_i]), &s), -EINVAL);
	snapshot_free(&s);
}
END_TEST

START_TEST(test_services_partial)
{
	/* What was parsed before the bad line stays (the caller decides to drop it). */
	struct snapshot s;
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(ipvs_proc_read_services(fixture("ip_vs.bad-fwd"), &s), -EINVAL);
	ck_assert_uint_eq(s.n_services, 3);
	ck_assert_uint_eq(snapshot_service(&s, 2)->n_dests, 0);
	snapshot_free(&s);
}
END_TEST

START_TEST(test_services_hz)
{
	/* The timeout is printed in jiffies: another HZ, another value in seconds. */
	struct snapshot s;
	memset(&s, 0, sizeof(s));
	ipvs_proc_set_hz(1000);
	ck_assert_int_eq(ipvs_proc_read_services(fixture("ip_vs"), &s), 0);
	ipvs_proc_set_hz(250);
	ck_assert_uint_eq(snapshot_service(&s, 2)->timeout, 75);
	ck_assert_uint_eq(snapshot_service(&s, 8)->timeout, 900);
	snapshot_free(&s);
}
END_TEST

static const char *hz_fixture(const char *name)
{
	return fixture_in("hz", name);
}

START_TEST(test_detect_hz)
{
	ck_assert_uint_eq(ipvs_proc_detect_hz(hz_fixture("config-1000"), hz_fixture("none"),
					      hz_fixture("none")),
			  1000);
	/* No CONFIG_HZ: jiffies against uptime, after and before the 2^32 crossing at 300 s. */
	ck_assert_uint_eq(ipvs_proc_detect_hz(hz_fixture("config-nohz"),
					      hz_fixture("schedstat-250"),
					      hz_fixture("uptime-1000")),
			  250);
	ck_assert_uint_eq(ipvs_proc_detect_hz(hz_fixture("none"), hz_fixture("schedstat-1000"),
					      hz_fixture("uptime-30")),
			  1000);
	ck_assert_uint_eq(ipvs_proc_detect_hz(hz_fixture("none"), hz_fixture("schedstat-300"),
					      hz_fixture("uptime-5000")),
			  300);
	/* A 32-bit jiffies that wrapped: HZ=100, 10300 s up. */
	ck_assert_uint_eq(ipvs_proc_detect_hz(hz_fixture("none"), hz_fixture("schedstat-wrapped"),
					      hz_fixture("uptime-10300")),
			  100);
	/* Too near the crossing, or nothing to read: unknown. */
	ck_assert_uint_eq(ipvs_proc_detect_hz(hz_fixture("none"), hz_fixture("schedstat-250"),
					      hz_fixture("uptime-300")),
			  0);
	ck_assert_uint_eq(ipvs_proc_detect_hz(hz_fixture("none"), hz_fixture("none"),
					      hz_fixture("uptime-30")),
			  0);
	ck_assert_uint_eq(ipvs_proc_detect_hz(hz_fixture("none"), hz_fixture("uptime-30"),
					      hz_fixture("uptime-30")),
			  0);
	/* This machine: whatever it says is 0 or a sane HZ. */
	unsigned hz = ipvs_proc_detect_hz(NULL, NULL, NULL);
	ck_assert(hz == 0 || (hz >= 10 && hz <= 10000));
}
END_TEST

/* ------------------------------------------------------------------ stats */

START_TEST(test_stats)
{
	struct ipvs_stats st;
	memset(&st, 0xff, sizeof(st));
	ck_assert_int_eq(ipvs_proc_read_stats(fixture("ip_vs_stats"), &st), 0);
	ck_assert_uint_eq(st.conns, 0x1F4);
	ck_assert_uint_eq(st.inpkts, 0x2710);
	ck_assert_uint_eq(st.outpkts, 0x1D4C0);
	ck_assert_uint_eq(st.inbytes, 0xF4240);
	ck_assert_uint_eq(st.outbytes, 0x123456789ABull);
	ck_assert_uint_eq(st.cps, 5);
	ck_assert_uint_eq(st.inpps, 0x64);
	ck_assert_uint_eq(st.outpps, 0);
	ck_assert_uint_eq(st.inbps, 0x3E80);
	ck_assert_uint_eq(st.outbps, 0x1000000);
}
END_TEST

START_TEST(test_stats_errors)
{
	struct ipvs_stats st;
	ck_assert_int_eq(ipvs_proc_read_stats(fixture("no-such-file"), &st), -ENOENT);
	ck_assert_int_eq(ipvs_proc_read_stats(fixture("ip_vs_stats.bad"), &st), -EINVAL);
	ck_assert_int_eq(ipvs_proc_read_stats(fixture("ip_vs.empty"), &st), -EINVAL);
}
END_TEST

/* ------------------------------------------------------------------ connections */

static uint64_t count_of(const struct ipvs_conn_count *c, size_t n, const char *key)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(c[i].key, key) == 0)
			return c[i].count;
	return 0;
}

static void check_sorted(const struct ipvs_conn_count *c, size_t n, uint64_t total)
{
	uint64_t sum = 0;
	for (size_t i = 0; i < n; i++) {
		sum += c[i].count;
		if (i > 0) {
			ck_assert_uint_ge(c[i - 1].count, c[i].count);
			if (c[i - 1].count == c[i].count)
				ck_assert_int_lt(strcmp(c[i - 1].key, c[i].key), 0);
		}
	}
	ck_assert_uint_eq(sum, total);
}

/* The aggregates of the fixture, over all of its 12 entries whatever the limit. */
static void check_fixture_aggregates(const struct ipvs_conn_table *t)
{
	ck_assert_uint_eq(t->total, 12);
	ck_assert_uint_eq(t->n_by_service, 7);
	ck_assert_str_eq(t->by_service[0].key, "tcp 10.0.0.1:80");
	ck_assert_uint_eq(t->by_service[0].count, 3);
	ck_assert_str_eq(t->by_service[1].key, "tcp [2001:db8::1]:80");
	ck_assert_uint_eq(t->by_service[1].count, 3);
	ck_assert_str_eq(t->by_service[2].key, "sctp 10.0.0.4:3868");
	ck_assert_uint_eq(t->by_service[2].count, 2);
	ck_assert_uint_eq(count_of(t->by_service, t->n_by_service, "udp 10.0.0.2:53"), 1);
	ck_assert_uint_eq(count_of(t->by_service, t->n_by_service, "udp 10.0.0.2:5060"), 1);
	ck_assert_uint_eq(count_of(t->by_service, t->n_by_service, "tcp 10.0.0.3:443"), 1);
	ck_assert_uint_eq(count_of(t->by_service, t->n_by_service, "ip 0.0.0.1:0"), 1);
	check_sorted(t->by_service, t->n_by_service, 12);

	ck_assert_uint_eq(t->n_by_dest, 9);
	ck_assert_uint_eq(count_of(t->by_dest, t->n_by_dest, "10.0.1.1:80"), 2);
	ck_assert_uint_eq(count_of(t->by_dest, t->n_by_dest, "10.0.1.2:8080"), 1);
	ck_assert_uint_eq(count_of(t->by_dest, t->n_by_dest, "10.0.1.3:53"), 1);
	ck_assert_uint_eq(count_of(t->by_dest, t->n_by_dest, "10.0.1.3:5060"), 1);
	ck_assert_uint_eq(count_of(t->by_dest, t->n_by_dest, "10.0.1.6:3868"), 2);
	ck_assert_uint_eq(count_of(t->by_dest, t->n_by_dest, "[2001:db8::10]:80"), 2);
	ck_assert_uint_eq(count_of(t->by_dest, t->n_by_dest, "10.0.1.7:80"), 1);
	ck_assert_uint_eq(count_of(t->by_dest, t->n_by_dest, "10.0.1.4:443"), 1);
	ck_assert_uint_eq(count_of(t->by_dest, t->n_by_dest, "10.0.1.8:0"), 1);
	check_sorted(t->by_dest, t->n_by_dest, 12);

	ck_assert_uint_eq(t->n_by_state, 9);
	ck_assert_str_eq(t->by_state[0].key, "ESTABLISHED");
	ck_assert_uint_eq(t->by_state[0].count, 3);
	ck_assert_str_eq(t->by_state[1].key, "NONE");
	ck_assert_uint_eq(t->by_state[1].count, 2);
	const char *ones[] = {"ASSURED",   "CLOSE_WAIT", "FIN_WAIT", "S-ACK-SENT",
			      "SYN_RECV", "TIME_WAIT",  "UDP"};
	for (size_t i = 0; i < sizeof(ones) / sizeof(ones[0]); i++) {
		ck_assert_str_eq(t->by_state[2 + i].key, ones[i]);
		ck_assert_uint_eq(t->by_state[2 + i].count, 1);
	}
	check_sorted(t->by_state, t->n_by_state, 12);
}

static void check_conn(const struct ipvs_conn *c, const char *proto, int af, const char *client,
		       unsigned cport, const char *virt, unsigned vport, int dest_af,
		       const char *dest, unsigned dport, const char *state, unsigned expires)
{
	ck_assert_str_eq(c->protocol, proto);
	ck_assert_int_eq(c->af, af);
	ck_assert_str_eq(addr_str(c->af, &c->client), client);
	ck_assert_uint_eq(c->client_port, cport);
	ck_assert_str_eq(addr_str(c->af, &c->virt), virt);
	ck_assert_uint_eq(c->virt_port, vport);
	ck_assert_int_eq(c->dest_af, dest_af);
	ck_assert_str_eq(addr_str(c->dest_af, &c->dest), dest);
	ck_assert_uint_eq(c->dest_port, dport);
	ck_assert_str_eq(c->state, state);
	ck_assert_uint_eq(c->expires, expires);
}

START_TEST(test_conns)
{
	struct ipvs_conn_table t;
	ck_assert_int_eq(ipvs_proc_read_conns(fixture("ip_vs_conn"), 100, &t, NULL), 0);
	ck_assert_uint_eq(t.n_conns, 12);
	ck_assert(!t.truncated);
	check_conn(&t.conns[0], "tcp", AF_INET, "192.168.1.100", 50000, "10.0.0.1", 80, AF_INET,
		   "10.0.1.1", 80, "ESTABLISHED", 899);
	check_conn(&t.conns[1], "tcp", AF_INET, "192.168.1.101", 50001, "10.0.0.1", 80, AF_INET,
		   "10.0.1.2", 8080, "TIME_WAIT", 119);
	check_conn(&t.conns[3], "udp", AF_INET, "192.168.1.100", 40000, "10.0.0.2", 53, AF_INET,
		   "10.0.1.3", 53, "UDP", 299);
	check_conn(&t.conns[4], "sctp", AF_INET, "192.168.1.103", 3868, "10.0.0.4", 3868, AF_INET,
		   "10.0.1.6", 3868, "ESTABLISHED", 900);
	check_conn(&t.conns[5], "sctp", AF_INET, "192.168.1.104", 3869, "10.0.0.4", 3868, AF_INET,
		   "10.0.1.6", 3868, "S-ACK-SENT", 3);
	check_conn(&t.conns[6], "tcp", AF_INET6, "2001:db8:1::100", 50010, "2001:db8::1", 80,
		   AF_INET6, "2001:db8::10", 80, "ESTABLISHED", 800);
	check_conn(&t.conns[8], "tcp", AF_INET6, "2001:db8:1::102", 50012, "2001:db8::1", 80,
		   AF_INET, "10.0.1.7", 80, "FIN_WAIT", 100);
	check_conn(&t.conns[9], "tcp", AF_INET, "192.168.1.100", 0, "10.0.0.3", 443, AF_INET,
		   "10.0.1.4", 443, "NONE", 300);
	check_conn(&t.conns[10], "ip", AF_INET, "192.168.1.100", 0, "0.0.0.1", 0, AF_INET,
		   "10.0.1.8", 0, "ASSURED", 280);
	check_conn(&t.conns[11], "udp", AF_INET, "192.168.1.105", 5060, "10.0.0.2", 5060, AF_INET,
		   "10.0.1.3", 5060, "NONE", 120);
	check_fixture_aggregates(&t);
	ipvs_conn_table_free(&t);
}
END_TEST

START_TEST(test_conns_limit)
{
	struct ipvs_conn_table t;
	ck_assert_int_eq(ipvs_proc_read_conns(fixture("ip_vs_conn"), 5, &t, NULL), 0);
	ck_assert_uint_eq(t.n_conns, 5);
	ck_assert(t.truncated);
	check_conn(&t.conns[4], "sctp", AF_INET, "192.168.1.103", 3868, "10.0.0.4", 3868, AF_INET,
		   "10.0.1.6", 3868, "ESTABLISHED", 900);
	check_fixture_aggregates(&t);
	ipvs_conn_table_free(&t);

	/* Exactly the table's size is not truncated. */
	ck_assert_int_eq(ipvs_proc_read_conns(fixture("ip_vs_conn"), 12, &t, NULL), 0);
	ck_assert_uint_eq(t.n_conns, 12);
	ck_assert(!t.truncated);
	ipvs_conn_table_free(&t);
}
END_TEST

START_TEST(test_conns_limit_zero)
{
	struct ipvs_conn_table t;
	ck_assert_int_eq(ipvs_proc_read_conns(fixture("ip_vs_conn"), 0, &t, NULL), 0);
	ck_assert_uint_eq(t.n_conns, 0);
	ck_assert_ptr_null(t.conns);
	ck_assert(t.truncated);
	check_fixture_aggregates(&t);
	ipvs_conn_table_free(&t);
}
END_TEST

START_TEST(test_conns_empty)
{
	struct ipvs_conn_table t;
	ck_assert_int_eq(ipvs_proc_read_conns(fixture("ip_vs_conn.empty"), 10, &t, NULL), 0);
	ck_assert_uint_eq(t.total, 0);
	ck_assert_uint_eq(t.n_conns, 0);
	ck_assert(!t.truncated);
	ck_assert_uint_eq(t.n_by_service, 0);
	ck_assert_uint_eq(t.n_by_dest, 0);
	ck_assert_uint_eq(t.n_by_state, 0);
	ipvs_conn_table_free(&t);
}
END_TEST

static const char *const bad_conns[] = {
	"ip_vs_conn.bad-header", "ip_vs_conn.missing-field", "ip_vs_conn.bad-port",
	"ip_vs_conn.bad-addr",	 "ip_vs",
};

START_TEST(test_conns_malformed)
{
	struct ipvs_conn_table t;
	ck_assert_int_eq(ipvs_proc_read_conns(fixture(bad_conns[_i]), 10, &t, NULL), -EINVAL);
	/* Nothing half-kept. */
	ck_assert_ptr_null(t.conns);
	ck_assert_ptr_null(t.by_service);
	ck_assert_uint_eq(t.total, 0);
	ipvs_conn_table_free(&t);
}
END_TEST

START_TEST(test_conns_missing)
{
	struct ipvs_conn_table t;
	ck_assert_int_eq(ipvs_proc_read_conns(fixture("no-such-file"), 10, &t, NULL), -ENOENT);
	ck_assert_ptr_null(t.conns);
}
END_TEST

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	ck_assert_int_eq(fclose(f), 0);
}

static const char conn_header[] =
	"Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData\n";

START_TEST(test_conns_hostile)
{
	struct ipvs_conn_table t;
	size_t big = 3u * 1024 * 1024;
	char *buf = malloc(big + 200);
	ck_assert_ptr_nonnull(buf);
	tmp_setup();

	/* One line longer than the reader's buffer, without a newline. */
	size_t n = (size_t)snprintf(buf, 200, "%s", conn_header);
	memset(buf + n, 'A', big);
	write_file(tmp_path("c"), buf, n + big);
	ck_assert_int_eq(ipvs_proc_read_conns(tmp_path("c"), 10, &t, NULL), -EINVAL);
	ipvs_conn_table_free(&t);

	/* A long line of many tokens, and overlong fields. */
	for (size_t i = n; i + 2 < n + 100000; i += 2)
		memcpy(buf + i, "0 ", 2);
	buf[n + 100000] = '\n';
	write_file(tmp_path("c"), buf, n + 100001);
	ck_assert_int_eq(ipvs_proc_read_conns(tmp_path("c"), 10, &t, NULL), -EINVAL);
	static const char *const lines[] = {
		"TCPTCPTCP C0A80164 C350 0A000001 0050 0A000101 0050 ESTABLISHED 1\n",
		"TCP C0A80164 C350 0A000001 0050 0A000101 0050 ESTABLISHEDESTABLISHED 1\n",
		"TCP C0A80164 C350 0A000001 0050 0A000101 00500 ESTABLISHED 1\n",
		"TCP C0A80164 C350 0A000001 0050 0A000101 0050 ESTABLISHED -1\n",
		"TCP C0A80164 C350 0A000001 0050 0A000101 0050 ESTABLISHED 99999999999999999999\n",
		"TCP C0A80164 C350 2001:0db8:0000:0000:0000:0000:0000:0001 0050 "
		"0A000101 0050 NONE 1\n",
		"TCP 2001:db8::zz C350 2001:db8::1 0050 0A000101 0050 NONE 1\n",
		"TCP [2001:db8::1] C350 2001:db8::1 0050 0A000101 0050 NONE 1\n",
		"TCP C0A80164 C350 0A000001 0050 0A000101\n",
		"TCP C0A8016 C350 0A000001 0050 0A000101 0050 NONE 1\n",
		"TCP C0A80164 350 0A000001 0050 0A000101 0050 NONE 1\n",
		"0 0 0 0 0 0 0 0 0\n",
		"TCP C0A80164 C350 0A000001 0050 0A000101 0050 NONE 1\0 more\n",
	};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		size_t len = strlen(lines[i]);
		if (i == sizeof(lines) / sizeof(lines[0]) - 1)
			len += 6; /* the embedded NUL and what follows it */
		memcpy(buf + n, lines[i], len);
		write_file(tmp_path("c"), buf, n + len);
		ck_assert_msg(ipvs_proc_read_conns(tmp_path("c"), 10, &t, NULL) == -EINVAL, "line %zu",
			      i);
		ipvs_conn_table_free(&t);
	}
	/* A huge expiry is clamped, a line without a final newline still counts. */
	n += (size_t)snprintf(buf + n, 200, "%s",
			      "TCP C0A80164 C350 0A000001 0050 0A000101 0050 NONE 99999999999");
	write_file(tmp_path("c"), buf, n);
	ck_assert_int_eq(ipvs_proc_read_conns(tmp_path("c"), 10, &t, NULL), 0);
	ck_assert_uint_eq(t.total, 1);
	ck_assert_uint_eq(t.conns[0].expires, UINT32_MAX);
	ipvs_conn_table_free(&t);

	free(buf);
	tmp_cleanup("c");
}
END_TEST

START_TEST(test_services_hostile)
{
	struct snapshot s;
	static const char header[] =
		"IP Virtual Server version 1.2.1 (size=4096)\n"
		"Prot LocalAddress:Port Scheduler Flags\n"
		"  -> RemoteAddress:Port Forward Weight ActiveConn InActConn\n";
	static const char *const bodies[] = {
		"TCP  0A000001:0050 aschedulernamethatistoolong  \n",
		"TCP  0A000001:00500 rr  \n",
		"TCP  [2001:db8::1:0050 rr \n",
		"TCP  [2001:db8::1]0050 rr \n",
		"TCP  [zzzz::1]:0050 rr \n",
		"TCP  0A000001:0050 rr ops ops \n",
		"TCP  0A000001:0050 rr  persistent 99999999999 FFFFFFFF\n",
		"TCP  0A000001:0050 rr  persistent 300 FFFFFFFF extra\n",
		"FWM  00000000 rr \n",
		"FWM  1 rr \n",
		"TCP  A000001:0050 rr  \n",
		"TCP  0A000001:50 rr  \n",
		"TCP  0A000001:0050 rr  persistent 300 FFFFFF\n",
		"FWM  1000000000 rr \n",
		"TCP  0A000001:0050 rr  \n  -> 0A000101:0050      Masq    99999999999 0 0\n",
		"TCP  0A000001:0050 rr  \n  => 0A000101:0050      Masq    1 0 0\n",
	};
	char buf[512];
	tmp_setup();
	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		int n = snprintf(buf, sizeof(buf), "%s%s", header, bodies[i]);
		write_file(tmp_path("s"), buf, (size_t)n);
		memset(&s, 0, sizeof(s));
		ck_assert_msg(ipvs_proc_read_services(tmp_path("s"), &s) == -EINVAL, "body %zu", i);
		snapshot_free(&s);
	}
	/* Only part of the header. */
	write_file(tmp_path("s"), header, 44);
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(ipvs_proc_read_services(tmp_path("s"), &s), -EINVAL);
	snapshot_free(&s);
	/* Negative numbers are what %d prints for those ints: accept them as netlink would. */
	int n = snprintf(buf, sizeof(buf), "%s%s", header,
			 "TCP  0A000001:0050 rr  persistent -2 FFFFFFFF\n"
			 "  -> 0A000101:0050      Masq    -1     -1         0\n");
	write_file(tmp_path("s"), buf, (size_t)n);
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(ipvs_proc_read_services(tmp_path("s"), &s), 0);
	ck_assert_uint_eq(snapshot_service(&s, 0)->timeout, 0xfffffffeu / 250);
	ck_assert_int_eq(snapshot_service(&s, 0)->dests[0].weight, -1);
	ck_assert_uint_eq(snapshot_service(&s, 0)->dests[0].active_conns, UINT32_MAX);
	snapshot_free(&s);
	tmp_cleanup("s");
}
END_TEST

/* ------------------------------------------------------------------ a big generated table */

#define BIG_N 200000
#define BIG_SERVICES 37
#define BIG_DESTS 101

static const char *const big_states[] = {"ESTABLISHED", "TIME_WAIT", "SYN_RECV", "FIN_WAIT",
					 "CLOSE",       "NONE",      "CLOSE_WAIT"};
#define BIG_NSTATES (sizeof(big_states) / sizeof(big_states[0]))
static const char *const big_protos[] = {"TCP", "UDP", "SCTP"};

/* Entry i: every 10th one is IPv6; the service, destination and state cycle with i. */
static void big_entry(unsigned i, FILE *f, char *svc_key, char *dest_key, size_t keylen)
{
	unsigned sv = i % BIG_SERVICES, d = i % BIG_DESTS;
	const char *proto = big_protos[sv % 3];
	const char *lower = sv % 3 == 0 ? "tcp" : sv % 3 == 1 ? "udp" : "sctp";
	unsigned vport = 80 + sv;
	bool v6 = i % 10 == 0;

	if (f) {
		char dbuf[64];
		snprintf(dbuf, sizeof(dbuf), "%08X", 0x0A020000u + d);
		if (v6)
			fprintf(f,
				"%-3s 2001:0db8:0001:0000:0000:0000:%04x:%04x %04X "
				"2001:0db8:0000:0000:0000:0000:0000:%04x %04X "
				"%s %04X %-11s %7u%s\n",
				proto, (i >> 16) & 0xffff, i & 0xffff, 1024 + i % 60000, sv + 1,
				vport, dbuf, 8080, big_states[i % BIG_NSTATES], i % 900, "");
		else
			fprintf(f, "%-3s %08X %04X %08X %04X %s %04X %-11s %7u%s\n", proto,
				0xC0A80000u + i, 1024 + i % 60000, 0x0A000000u + sv + 1, vport,
				dbuf, 8080, big_states[i % BIG_NSTATES], i % 900, "");
	}
	if (svc_key) {
		if (v6)
			snprintf(svc_key, keylen, "%s [2001:db8::%x]:%u", lower, sv + 1, vport);
		else
			snprintf(svc_key, keylen, "%s 10.0.0.%u:%u", lower, sv + 1, vport);
		snprintf(dest_key, keylen, "10.2.%u.%u:8080", d / 256, d % 256);
	}
}

struct expect {
	char key[96];
	uint64_t count;
};

static void expect_add(struct expect *e, size_t *n, const char *key)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp(e[i].key, key) == 0) {
			e[i].count++;
			return;
		}
	snprintf(e[*n].key, sizeof(e[*n].key), "%s", key);
	e[(*n)++].count = 1;
}

START_TEST(test_conns_big)
{
	static struct expect svc[2 * BIG_SERVICES], dst[BIG_DESTS];
	size_t n_svc = 0, n_dst = 0;
	char k1[96], k2[96];
	struct ipvs_conn_table t;

	tmp_setup();
	FILE *f = fopen(tmp_path("big"), "w");
	ck_assert_ptr_nonnull(f);
	fputs(conn_header, f);
	for (unsigned i = 0; i < BIG_N; i++) {
		big_entry(i, f, k1, k2, sizeof(k1));
		expect_add(svc, &n_svc, k1);
		expect_add(dst, &n_dst, k2);
	}
	ck_assert_int_eq(fclose(f), 0);

	ck_assert_int_eq(ipvs_proc_read_conns(tmp_path("big"), 1000, &t, NULL), 0);
	ck_assert_uint_eq(t.total, BIG_N);
	ck_assert_uint_eq(t.n_conns, 1000);
	ck_assert(t.truncated);
	/* The kept entries are the first ones, in file order. */
	check_conn(&t.conns[0], "tcp", AF_INET6, "2001:db8:1::", 1024, "2001:db8::1", 80, AF_INET,
		   "10.2.0.0", 8080, "ESTABLISHED", 0);
	check_conn(&t.conns[999], "tcp", AF_INET, "192.168.3.231", 2023, "10.0.0.1", 80, AF_INET,
		   "10.2.0.90", 8080, "NONE", 99);

	ck_assert_uint_eq(t.n_by_service, n_svc);
	for (size_t i = 0; i < n_svc; i++)
		ck_assert_msg(count_of(t.by_service, t.n_by_service, svc[i].key) == svc[i].count,
			      "service %s", svc[i].key);
	check_sorted(t.by_service, t.n_by_service, BIG_N);
	ck_assert_uint_eq(t.n_by_dest, n_dst);
	ck_assert_uint_eq(n_dst, BIG_DESTS);
	for (size_t i = 0; i < n_dst; i++)
		ck_assert_msg(count_of(t.by_dest, t.n_by_dest, dst[i].key) == dst[i].count,
			      "dest %s", dst[i].key);
	check_sorted(t.by_dest, t.n_by_dest, BIG_N);
	ck_assert_uint_eq(t.n_by_state, BIG_NSTATES);
	for (size_t s = 0; s < BIG_NSTATES; s++) {
		uint64_t want = BIG_N / BIG_NSTATES + (s < BIG_N % BIG_NSTATES);
		ck_assert_uint_eq(count_of(t.by_state, t.n_by_state, big_states[s]), want);
	}
	check_sorted(t.by_state, t.n_by_state, BIG_N);
	ipvs_conn_table_free(&t);

	/* No limit to speak of: every entry kept. */
	ck_assert_int_eq(ipvs_proc_read_conns(tmp_path("big"), SIZE_MAX, &t, NULL), 0);
	ck_assert_uint_eq(t.n_conns, BIG_N);
	ck_assert(!t.truncated);
	check_conn(&t.conns[BIG_N - 1], "sctp", AF_INET, "192.171.13.63", 21023, "10.0.0.15", 94,
		   AF_INET, "10.2.0.19", 8080, "SYN_RECV", 199);
	ipvs_conn_table_free(&t);
	tmp_cleanup("big");
}
END_TEST

/*
 * Cancelling: a flag set before the read ends it at once; set while the file is being
 * read, the read ends within 1,024 entries of it. A FIFO makes "while" exact: the writer
 * sets the flag after 3,000 entries and before the next, so the reader's look at entry
 * 3,072 must see it.
 */
struct fifo_writer {
	const char *path;
	unsigned *flag;
	unsigned what;
};

static void *fifo_write(void *arg)
{
	const struct fifo_writer *w = arg;
	char k1[96], k2[96];
	FILE *f = fopen(w->path, "w"); /* until the reader opens it */
	if (!f)
		return NULL;
	fputs(conn_header, f);
	for (unsigned i = 0; i < 6000; i++) {
		if (i == 3000) {
			fflush(f);
			cancel_set(w->flag, w->what);
		}
		big_entry(i, f, k1, k2, sizeof(k1));
	}
	fclose(f); /* EPIPE after the reader left: ignored (SIGPIPE is) */
	return NULL;
}

START_TEST(test_conns_cancel)
{
	static const unsigned what[] = {CANCEL_CONNS, CANCEL_ALL};
	struct ipvs_conn_table t;
	unsigned flag = 0;
	char k1[96], k2[96];

	tmp_setup();
	signal(SIGPIPE, SIG_IGN);
	FILE *f = fopen(tmp_path("c"), "w");
	ck_assert_ptr_nonnull(f);
	fputs(conn_header, f);
	for (unsigned i = 0; i < 5000; i++)
		big_entry(i, f, k1, k2, sizeof(k1));
	ck_assert_int_eq(fclose(f), 0);
	/* A flag that is not set changes nothing. */
	ck_assert_int_eq(ipvs_proc_read_conns(tmp_path("c"), 100, &t, &flag), 0);
	ck_assert_uint_eq(t.total, 5000);
	ipvs_conn_table_free(&t);
	for (size_t i = 0; i < 2; i++) {
		flag = what[i];
		ck_assert_int_eq(ipvs_proc_read_conns(tmp_path("c"), 100, &t, &flag), -ECANCELED);
		ck_assert_uint_eq(t.total, 0);
		ck_assert_ptr_null(t.conns);
		ck_assert_ptr_null(t.by_service);
	}
	/* A bit the reader does not know of is not a cancel. */
	flag = 4;
	ck_assert_int_eq(ipvs_proc_read_conns(tmp_path("c"), 100, &t, &flag), 0);
	ipvs_conn_table_free(&t);
	unlink(tmp_path("c"));

	for (size_t i = 0; i < 2; i++) {
		char fifo[512];
		snprintf(fifo, sizeof(fifo), "%s", tmp_path("fifo"));
		flag = 0;
		ck_assert_int_eq(mkfifo(fifo, 0600), 0);
		struct fifo_writer w = {.path = fifo, .flag = &flag, .what = what[i]};
		pthread_t th;
		ck_assert_int_eq(pthread_create(&th, NULL, fifo_write, &w), 0);
		int rc = ipvs_proc_read_conns(fifo, 100, &t, &flag);
		pthread_join(th, NULL);
		ck_assert_int_eq(rc, -ECANCELED);
		ck_assert_uint_eq(t.total, 0);
		ck_assert_ptr_null(t.conns);
		unlink(fifo);
	}
	tmp_cleanup("c");
}
END_TEST

int main(void)
{
	/* The fixtures print timeouts as a HZ=250 kernel does. */
	ipvs_proc_set_hz(250);
	Suite *s = suite_create("ipvs_proc");
	TCase *tc = tcase_create("services");
	tcase_add_test(tc, test_services);
	tcase_add_test(tc, test_services_empty);
	tcase_add_test(tc, test_services_missing);
	tcase_add_loop_test(tc, test_services_malformed, 0,
			    (int)(sizeof(bad_services) / sizeof(bad_services[0])));
	tcase_add_test(tc, test_services_partial);
	tcase_add_test(tc, test_services_hostile);
	tcase_add_test(tc, test_services_hz);
	tcase_add_test(tc, test_detect_hz);
	suite_add_tcase(s, tc);

	tc = tcase_create("stats");
	tcase_add_test(tc, test_stats);
	tcase_add_test(tc, test_stats_errors);
	suite_add_tcase(s, tc);

	tc = tcase_create("conns");
	tcase_add_test(tc, test_conns);
	tcase_add_test(tc, test_conns_limit);
	tcase_add_test(tc, test_conns_limit_zero);
	tcase_add_test(tc, test_conns_empty);
	tcase_add_loop_test(tc, test_conns_malformed, 0,
			    (int)(sizeof(bad_conns) / sizeof(bad_conns[0])));
	tcase_add_test(tc, test_conns_missing);
	tcase_add_test(tc, test_conns_hostile);
	tcase_add_test(tc, test_conns_cancel);
	suite_add_tcase(s, tc);

	tc = tcase_create("big");
	tcase_set_timeout(tc, 300); /* generous for valgrind */
	tcase_add_test(tc, test_conns_big);
	suite_add_tcase(s, tc);

	return check_main(s);
}
