/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of dp_verify: a mode switch's new plane against the cluster's Services. */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "check_main.h"
#include "dp_verify.h"

static struct kube_ip ip4(const char *s)
{
	struct kube_ip ip = {.af = AF_INET};
	ck_assert_int_eq(inet_pton(AF_INET, s, ip.addr.bytes), 1);
	return ip;
}

static struct kube_ip ip6(const char *s)
{
	struct kube_ip ip = {.af = AF_INET6};
	ck_assert_int_eq(inet_pton(AF_INET6, s, ip.addr.bytes), 1);
	return ip;
}

/* A frontend of plane k for ip, protocol and port (with one endpoint: it does not matter). */
static void add_fe(struct dataplane *dp, enum dp_plane_kind k, enum dp_frontend_kind kind,
		   struct kube_ip ip, uint16_t proto, uint16_t port)
{
	struct dp_frontend f = {.plane = k, .kind = kind, .af = ip.af, .protocol = proto,
				.addr = ip.addr, .port = port};
	ck_assert_int_eq(dataplane_add(dp, &f), 0);
	dp->planes[k].read = true;
	dp->planes[k].present = true;
}

/* Services in a fixed array: web (two ports), dns (UDP), a headless one and an ExternalName. */
static char http[] = "http", https[] = "https", dnsname[] = "dns", dflt[] = "default",
	    ks[] = "kube-system", web[] = "web", dns[] = "dns", hl[] = "headless", ext[] = "ext",
	    nsname[] = "ns";
static struct kube_service_port web_ports[] = {{http, IPPROTO_TCP, 80, 0},
					       {https, IPPROTO_TCP, 443, 0}};
static struct kube_service_port dns_ports[] = {{dnsname, IPPROTO_UDP, 53, 0}};
static struct kube_ip web_ip[1], dns_ip[2];
static struct kube_service svcs[4];

static void setup(void)
{
	web_ip[0] = ip4("10.96.0.10");
	dns_ip[0] = ip4("10.96.0.53");
	dns_ip[1] = ip6("fd00::53");
	memset(svcs, 0, sizeof(svcs));
	svcs[0] = (struct kube_service){.ns = dflt, .name = web, .cluster_ips = web_ip,
					.n_cluster_ips = 1, .ports = web_ports, .n_ports = 2};
	svcs[1] = (struct kube_service){.ns = ks, .name = dns, .cluster_ips = dns_ip,
					.n_cluster_ips = 2, .ports = dns_ports, .n_ports = 1};
	svcs[2] = (struct kube_service){.ns = dflt, .name = hl, .headless = true,
					.ports = web_ports, .n_ports = 1};
	svcs[3] = (struct kube_service){.ns = dflt, .name = ext,
					.type = KUBE_SVC_EXTERNAL_NAME, .ports = web_ports, .n_ports = 1};
}

START_TEST(test_all_found)
{
	setup();
	struct dataplane *dp = dataplane_new();
	add_fe(dp, DP_NFTABLES, DPF_CLUSTER_IP, web_ip[0], IPPROTO_TCP, 80);
	add_fe(dp, DP_NFTABLES, DPF_CLUSTER_IP, web_ip[0], IPPROTO_TCP, 443);
	add_fe(dp, DP_NFTABLES, DPF_CLUSTER_IP, dns_ip[0], IPPROTO_UDP, 53);
	struct dp_verify v;
	ck_assert_int_eq(dp_verify_services(dp, "nftables", svcs, 4, &v), 0);
	/* No IPv6 frontend at all: the node has no ip6 rules, dns' IPv6 address is not asked for. */
	ck_assert(v.readable && v.present);
	ck_assert_uint_eq(v.n_services, 2);
	ck_assert_uint_eq(v.n_found, 2);
	ck_assert(dp_verify_ok(&v));
	ck_assert_str_eq(v.plane, "nftables");
	dataplane_unref(dp);
}
END_TEST

START_TEST(test_missing_port_family_and_plane)
{
	setup();
	struct dataplane *dp = dataplane_new();
	/* web's 443 lacks; an IPv6 rule exists, so dns' IPv6 address must be there and is not. */
	add_fe(dp, DP_NFTABLES, DPF_CLUSTER_IP, web_ip[0], IPPROTO_TCP, 80);
	add_fe(dp, DP_NFTABLES, DPF_CLUSTER_IP, dns_ip[0], IPPROTO_UDP, 53);
	add_fe(dp, DP_NFTABLES, DPF_CLUSTER_IP, ip6("fd00::99"), IPPROTO_TCP, 80);
	/* The iptables plane has web's 443: it does not count for nftables. */
	add_fe(dp, DP_IPTABLES_NFT, DPF_CLUSTER_IP, web_ip[0], IPPROTO_TCP, 443);
	/* A NodePort frontend is not a cluster IP's. */
	add_fe(dp, DP_NFTABLES, DPF_NODE_PORT, web_ip[0], IPPROTO_TCP, 443);
	struct dp_verify v;
	ck_assert_int_eq(dp_verify_services(dp, "nftables", svcs, 4, &v), 0);
	ck_assert_uint_eq(v.n_services, 2);
	ck_assert_uint_eq(v.n_found, 0);
	ck_assert_uint_eq(v.n_missing, 2);
	ck_assert_str_eq(v.missing[0], "default/web");
	ck_assert_str_eq(v.missing[1], "kube-system/dns");
	ck_assert(!dp_verify_ok(&v));
	/* The same rules for iptables: only web's 443 is there (its family IPv4 only). */
	ck_assert_int_eq(dp_verify_services(dp, "iptables", svcs, 4, &v), 0);
	ck_assert_uint_eq(v.n_services, 2);
	ck_assert_uint_eq(v.n_found, 0);
	dataplane_unref(dp);
}
END_TEST

START_TEST(test_absent_unreadable_and_modes)
{
	setup();
	struct dataplane *dp = dataplane_new();
	struct dp_verify v;
	/* Read, nothing of kube-proxy there. */
	dp->planes[DP_NFTABLES].read = true;
	ck_assert_int_eq(dp_verify_services(dp, "nftables", svcs, 4, &v), 0);
	ck_assert(v.readable && !v.present && !dp_verify_ok(&v));
	/* nf_tables not loaded: not read, said; nothing of it can be there. */
	memset(&dp->planes[DP_NFTABLES], 0, sizeof(dp->planes[0]));
	strcpy(dp->planes[DP_NFTABLES].why, "nf_tables is not loaded");
	ck_assert_int_eq(dp_verify_services(dp, "nftables", svcs, 4, &v), 0);
	ck_assert(v.readable && !v.present);
	/* No capability in either iptables backend: not readable, the reason kept. */
	for (int k = DP_IPTABLES_NFT; k <= DP_IPTABLES_LEGACY; k++) {
		dp->planes[k].read = true;
		dp->planes[k].error = -EPERM;
		strcpy(dp->planes[k].why, "Operation not permitted");
	}
	ck_assert_int_eq(dp_verify_services(dp, "iptables", svcs, 4, &v), 0);
	ck_assert(!v.readable);
	ck_assert_str_eq(v.why, "iptables-nft: Operation not permitted");
	/* ipvs and nonsense are not checked here. */
	ck_assert(!dp_verify_checks("ipvs") && !dp_verify_checks(NULL));
	ck_assert(dp_verify_checks("iptables") && dp_verify_checks("nftables"));
	ck_assert_int_eq(dp_verify_services(dp, "ipvs", svcs, 4, &v), -EINVAL);
	/* No Services: nothing to lack, but the plane must still be there. */
	ck_assert_int_eq(dp_verify_services(dp, "nftables", svcs, 0, &v), 0);
	ck_assert_uint_eq(v.n_services, 0);
	dataplane_unref(dp);
}
END_TEST

START_TEST(test_many_missing_counted)
{
	static struct kube_service many[12];
	static struct kube_ip ips[12];
	static char names[12][16];
	for (int i = 0; i < 12; i++) {
		char a[32];
		snprintf(a, sizeof(a), "10.96.1.%d", i + 1);
		snprintf(names[i], sizeof(names[i]), "s%02d", i);
		ips[i] = ip4(a);
		many[i] = (struct kube_service){.ns = nsname, .name = names[i], .cluster_ips = &ips[i],
						.n_cluster_ips = 1, .ports = web_ports, .n_ports = 1};
	}
	struct dataplane *dp = dataplane_new();
	add_fe(dp, DP_IPTABLES_LEGACY, DPF_CLUSTER_IP, ips[3], IPPROTO_TCP, 80);
	struct dp_verify v;
	ck_assert_int_eq(dp_verify_services(dp, "iptables", many, 12, &v), 0);
	ck_assert_uint_eq(v.n_services, 12);
	ck_assert_uint_eq(v.n_found, 1);
	ck_assert_uint_eq(v.n_missing, DP_VERIFY_MAX_MISSING);
	ck_assert_str_eq(v.missing[0], "ns/s00");
	ck_assert_str_eq(v.missing[3], "ns/s04");
	ck_assert_str_eq(v.plane, "iptables-legacy");
	dataplane_unref(dp);
}
END_TEST

CHECK_MAIN("dp_verify", {"services", 0, {test_all_found, test_missing_port_family_and_plane,
					  test_many_missing_counted}},
	   {"planes", 0, {test_absent_unreadable_and_modes}})
