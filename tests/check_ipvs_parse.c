/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of ipvs_parse on IPVS genetlink messages built in memory, and of the request builders. */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <netlink/attr.h>
#include <netlink/genl/genl.h>
#include <netlink/msg.h>
#include <linux/ip_vs.h>

#include "check_main.h"
#include "ipvs_nl.h"
#include "ipvs_parse.h"
#include "snapshot.h"

#ifndef IPPROTO_SCTP
#define IPPROTO_SCTP 132
#endif

/* Any id a real family could have: >= NLMSG_MIN_TYPE. */
#define TEST_FAMILY 0x1c

/* ---- building messages as the kernel does ---- */

static struct nl_msg *msg_new(uint8_t cmd)
{
	struct nl_msg *m = nlmsg_alloc();
	ck_assert_ptr_nonnull(m);
	ck_assert_ptr_nonnull(genlmsg_put(m, 0, 1, TEST_FAMILY, 0, NLM_F_MULTI, cmd, 1));
	return m;
}

static const struct nlmsghdr *hdr(struct nl_msg *m)
{
	return nlmsg_hdr(m);
}

/* Counters above 2^32 where STATS64 can carry them. */
static const struct ipvs_stats big_stats = {
	.conns = 5000000001ULL,
	.inpkts = 6000000002ULL,
	.outpkts = 7000000003ULL,
	.inbytes = 800000000004ULL,
	.outbytes = 900000000005ULL,
	.cps = 11,
	.inpps = 12,
	.outpps = 13,
	.inbps = 14,
	.outbps = 15,
};

#define STATS32 1
#define STATS64 2

/* What IPVS_*_ATTR_STATS carries of big_stats: all but the bytes cut to 32 bits. */
static struct ipvs_stats stats_cut(const struct ipvs_stats *v)
{
	struct ipvs_stats c = *v;
	c.conns = (uint32_t)v->conns;
	c.inpkts = (uint32_t)v->inpkts;
	c.outpkts = (uint32_t)v->outpkts;
	c.cps = (uint32_t)v->cps;
	c.inpps = (uint32_t)v->inpps;
	c.outpps = (uint32_t)v->outpps;
	c.inbps = (uint32_t)v->inbps;
	c.outbps = (uint32_t)v->outbps;
	return c;
}

/*
 * The counters of IPVS_*_ATTR_STATS(64) in the kernel's order: u32 in STATS, u64 in STATS64,
 * the bytes u64 in both. Before the bytes, an empty PAD attribute: the kernel pads u64s so on
 * strict-alignment machines (STATS_PAD below).
 */
#define STATS_PAD ((size_t)-1)
#define STATS_FIELD(f) offsetof(struct ipvs_stats, f), sizeof(((struct ipvs_stats *)0)->f)
static const struct {
	int attr;
	size_t off;  /* in struct ipvs_stats, or STATS_PAD */
	size_t size; /* of the field there */
	bool u64;    /* in STATS too */
} stats_attrs[] = {
    {IPVS_STATS_ATTR_CONNS, STATS_FIELD(conns), false},
    {IPVS_STATS_ATTR_INPKTS, STATS_FIELD(inpkts), false},
    {IPVS_STATS_ATTR_OUTPKTS, STATS_FIELD(outpkts), false},
    {IPVS_STATS_ATTR_PAD, STATS_PAD, 0, false},
    {IPVS_STATS_ATTR_INBYTES, STATS_FIELD(inbytes), true},
    {IPVS_STATS_ATTR_OUTBYTES, STATS_FIELD(outbytes), true},
    {IPVS_STATS_ATTR_CPS, STATS_FIELD(cps), false},
    {IPVS_STATS_ATTR_INPPS, STATS_FIELD(inpps), false},
    {IPVS_STATS_ATTR_OUTPPS, STATS_FIELD(outpps), false},
    {IPVS_STATS_ATTR_INBPS, STATS_FIELD(inbps), false},
    {IPVS_STATS_ATTR_OUTBPS, STATS_FIELD(outbps), false},
};

/* Non-zero: the CPS that STATS64 carries instead of v's (a kernel's value past 32 bits). */
static uint64_t cps64_sent;

static void put_stats(struct nl_msg *m, int type, bool is64, const struct ipvs_stats *v)
{
	struct nlattr *n = nla_nest_start(m, type);
	ck_assert_ptr_nonnull(n);
	for (size_t i = 0; i < sizeof(stats_attrs) / sizeof(stats_attrs[0]); i++) {
		int attr = stats_attrs[i].attr, rc;
		uint64_t x;
		if (stats_attrs[i].off == STATS_PAD) {
			rc = nla_put(m, attr, 0, NULL);
		} else {
			const char *at = (const char *)v + stats_attrs[i].off;
			uint32_t x32;
			if (stats_attrs[i].size == sizeof(x32)) {
				memcpy(&x32, at, sizeof(x32));
				x = x32;
			} else {
				memcpy(&x, at, sizeof(x));
			}
			if (is64 && attr == IPVS_STATS_ATTR_CPS && cps64_sent)
				x = cps64_sent;
			rc = is64 || stats_attrs[i].u64 ? nla_put_u64(m, attr, x)
							 : nla_put_u32(m, attr, (uint32_t)x);
		}
		ck_assert_msg(rc == 0, "stats attribute %d: %d", attr, rc);
	}
	nla_nest_end(m, n);
}

/* Fills the kernel's 16-byte union nf_inet_addr from text. */
static void addr16(int af, const char *text, unsigned char out[16])
{
	memset(out, 0, 16);
	ck_assert_int_eq(inet_pton(af, text, out), 1);
}

struct svc_spec {
	int af;
	uint16_t proto;
	const char *addr;
	bool addr4; /* send 4 address bytes instead of the kernel's 16 */
	uint16_t port;
	uint32_t fwmark;
	const char *sched;
	const char *pe;
	uint32_t flags, timeout, netmask;
	int stats; /* STATS32 | STATS64 */
	bool no_af, no_sched, no_port;
};

static struct nl_msg *service_msg(const struct svc_spec *sp)
{
	struct nl_msg *m = msg_new(IPVS_CMD_NEW_SERVICE);
	struct nlattr *n = nla_nest_start(m, IPVS_CMD_ATTR_SERVICE);
	ck_assert_ptr_nonnull(n);
	if (!sp->no_af)
		ck_assert_int_eq(nla_put_u16(m, IPVS_SVC_ATTR_AF, (uint16_t)sp->af), 0);
	if (sp->fwmark) {
		ck_assert_int_eq(nla_put_u32(m, IPVS_SVC_ATTR_FWMARK, sp->fwmark), 0);
	} else {
		unsigned char a[16];
		addr16(sp->af, sp->addr, a);
		ck_assert_int_eq(nla_put_u16(m, IPVS_SVC_ATTR_PROTOCOL, sp->proto), 0);
		ck_assert_int_eq(nla_put(m, IPVS_SVC_ATTR_ADDR, sp->addr4 ? 4 : 16, a), 0);
		if (!sp->no_port)
			ck_assert_int_eq(nla_put_u16(m, IPVS_SVC_ATTR_PORT, htons(sp->port)), 0);
	}
	if (!sp->no_sched)
		ck_assert_int_eq(nla_put_string(m, IPVS_SVC_ATTR_SCHED_NAME, sp->sched), 0);
	if (sp->pe)
		ck_assert_int_eq(nla_put_string(m, IPVS_SVC_ATTR_PE_NAME, sp->pe), 0);
	struct ip_vs_flags f = {.flags = sp->flags, .mask = ~0U};
	ck_assert_int_eq(nla_put(m, IPVS_SVC_ATTR_FLAGS, sizeof(f), &f), 0);
	ck_assert_int_eq(nla_put_u32(m, IPVS_SVC_ATTR_TIMEOUT, sp->timeout), 0);
	ck_assert_int_eq(nla_put_u32(m, IPVS_SVC_ATTR_NETMASK, sp->netmask), 0);
	if (sp->stats & STATS32) {
		struct ipvs_stats cut = stats_cut(&big_stats);
		/* Different from STATS64 where they overlap, to see which one is read. */
		cut.cps = 1;
		put_stats(m, IPVS_SVC_ATTR_STATS, false, &cut);
	}
	if (sp->stats & STATS64)
		put_stats(m, IPVS_SVC_ATTR_STATS64, true, &big_stats);
	nla_nest_end(m, n);
	return m;
}

static const struct svc_spec tcp4 = {
	.af = AF_INET,
	.proto = IPPROTO_TCP,
	.addr = "10.0.0.1",
	.port = 80,
	.sched = "wlc",
	.flags = IP_VS_SVC_F_HASHED,
	.netmask = 0xffffffffU,
	.stats = STATS32 | STATS64,
};

struct dest_spec {
	int af;      /* family of the address */
	bool af_attr; /* send IPVS_DEST_ATTR_ADDR_FAMILY */
	const char *addr;
	uint16_t port;
	uint32_t fwd; /* sent as is: may carry bits beyond the forwarding mask */
	uint32_t weight, u_thresh, l_thresh, active, inact, persist;
	bool tun;
	uint8_t tun_type;
	uint16_t tun_port, tun_flags;
	int stats;
	bool no_addr, no_port;
};

static struct nl_msg *dest_msg(const struct dest_spec *d)
{
	struct nl_msg *m = msg_new(IPVS_CMD_NEW_DEST);
	struct nlattr *n = nla_nest_start(m, IPVS_CMD_ATTR_DEST);
	unsigned char a[16];
	ck_assert_ptr_nonnull(n);
	addr16(d->af, d->addr, a);
	if (!d->no_addr)
		ck_assert_int_eq(nla_put(m, IPVS_DEST_ATTR_ADDR, 16, a), 0);
	if (!d->no_port)
		ck_assert_int_eq(nla_put_u16(m, IPVS_DEST_ATTR_PORT, htons(d->port)), 0);
	ck_assert_int_eq(nla_put_u32(m, IPVS_DEST_ATTR_FWD_METHOD, d->fwd), 0);
	ck_assert_int_eq(nla_put_u32(m, IPVS_DEST_ATTR_WEIGHT, d->weight), 0);
	if (d->tun) {
		ck_assert_int_eq(nla_put_u8(m, IPVS_DEST_ATTR_TUN_TYPE, d->tun_type), 0);
		ck_assert_int_eq(nla_put_u16(m, IPVS_DEST_ATTR_TUN_PORT, htons(d->tun_port)), 0);
		ck_assert_int_eq(nla_put_u16(m, IPVS_DEST_ATTR_TUN_FLAGS, d->tun_flags), 0);
	}
	ck_assert_int_eq(nla_put_u32(m, IPVS_DEST_ATTR_U_THRESH, d->u_thresh), 0);
	ck_assert_int_eq(nla_put_u32(m, IPVS_DEST_ATTR_L_THRESH, d->l_thresh), 0);
	ck_assert_int_eq(nla_put_u32(m, IPVS_DEST_ATTR_ACTIVE_CONNS, d->active), 0);
	ck_assert_int_eq(nla_put_u32(m, IPVS_DEST_ATTR_INACT_CONNS, d->inact), 0);
	ck_assert_int_eq(nla_put_u32(m, IPVS_DEST_ATTR_PERSIST_CONNS, d->persist), 0);
	if (d->af_attr)
		ck_assert_int_eq(nla_put_u16(m, IPVS_DEST_ATTR_ADDR_FAMILY, (uint16_t)d->af), 0);
	if (d->stats & STATS32)
		put_stats(m, IPVS_DEST_ATTR_STATS, false, &big_stats);
	if (d->stats & STATS64)
		put_stats(m, IPVS_DEST_ATTR_STATS64, true, &big_stats);
	nla_nest_end(m, n);
	return m;
}

static const struct dest_spec dest4 = {
	.af = AF_INET,
	.af_attr = true,
	.addr = "192.168.1.10",
	.port = 8080,
	.fwd = IP_VS_CONN_F_MASQ,
	.weight = 100,
	.u_thresh = 1000,
	.l_thresh = 10,
	.active = 7,
	.inact = 8,
	.persist = 9,
	.stats = STATS32 | STATS64,
};

struct daemon_spec {
	uint32_t state;
	const char *ifn;
	uint32_t syncid;
	uint16_t maxlen;
	int group_af;
	const char *group;
	uint16_t port;
	uint8_t ttl;
	bool no_state;
};

static struct nl_msg *daemon_msg(const struct daemon_spec *d)
{
	struct nl_msg *m = msg_new(IPVS_CMD_NEW_DAEMON);
	struct nlattr *n = nla_nest_start(m, IPVS_CMD_ATTR_DAEMON);
	ck_assert_ptr_nonnull(n);
	if (!d->no_state)
		ck_assert_int_eq(nla_put_u32(m, IPVS_DAEMON_ATTR_STATE, d->state), 0);
	ck_assert_int_eq(nla_put_string(m, IPVS_DAEMON_ATTR_MCAST_IFN, d->ifn), 0);
	ck_assert_int_eq(nla_put_u32(m, IPVS_DAEMON_ATTR_SYNC_ID, d->syncid), 0);
	ck_assert_int_eq(nla_put_u16(m, IPVS_DAEMON_ATTR_SYNC_MAXLEN, d->maxlen), 0);
	ck_assert_int_eq(nla_put_u16(m, IPVS_DAEMON_ATTR_MCAST_PORT, d->port), 0);
	ck_assert_int_eq(nla_put_u8(m, IPVS_DAEMON_ATTR_MCAST_TTL, d->ttl), 0);
	if (d->group_af) {
		unsigned char a[16];
		addr16(d->group_af, d->group, a);
		if (d->group_af == AF_INET6)
			ck_assert_int_eq(nla_put(m, IPVS_DAEMON_ATTR_MCAST_GROUP6, 16, a), 0);
		else
			ck_assert_int_eq(nla_put(m, IPVS_DAEMON_ATTR_MCAST_GROUP, 4, a), 0);
	}
	nla_nest_end(m, n);
	return m;
}

static struct nl_msg *info_msg(bool with_size)
{
	struct nl_msg *m = msg_new(IPVS_CMD_SET_INFO);
	ck_assert_int_eq(nla_put_u32(m, IPVS_INFO_ATTR_VERSION, 0x010201), 0);
	if (with_size)
		ck_assert_int_eq(nla_put_u32(m, IPVS_INFO_ATTR_CONN_TAB_SIZE, 4096), 0);
	return m;
}

static struct nl_msg *config_msg(bool with_udp)
{
	struct nl_msg *m = msg_new(IPVS_CMD_SET_CONFIG);
	ck_assert_int_eq(nla_put_u32(m, IPVS_CMD_ATTR_TIMEOUT_TCP, 900), 0);
	ck_assert_int_eq(nla_put_u32(m, IPVS_CMD_ATTR_TIMEOUT_TCP_FIN, 120), 0);
	if (with_udp)
		ck_assert_int_eq(nla_put_u32(m, IPVS_CMD_ATTR_TIMEOUT_UDP, 300), 0);
	return m;
}

static void assert_stats_eq(const struct ipvs_stats *got, const struct ipvs_stats *want)
{
	ck_assert_uint_eq(got->conns, want->conns);
	ck_assert_uint_eq(got->inpkts, want->inpkts);
	ck_assert_uint_eq(got->outpkts, want->outpkts);
	ck_assert_uint_eq(got->inbytes, want->inbytes);
	ck_assert_uint_eq(got->outbytes, want->outbytes);
	ck_assert_uint_eq(got->cps, want->cps);
	ck_assert_uint_eq(got->inpps, want->inpps);
	ck_assert_uint_eq(got->outpps, want->outpps);
	ck_assert_uint_eq(got->inbps, want->inbps);
	ck_assert_uint_eq(got->outbps, want->outbps);
}

static void assert_addr(int af, const struct ipvs_addr *a, const char *text)
{
	struct ipvs_addr want;
	memset(&want, 0, sizeof(want));
	ck_assert_int_eq(inet_pton(af, text, want.bytes), 1);
	/* All 16 bytes: what the family does not use must be zero. */
	ck_assert_mem_eq(a->bytes, want.bytes, sizeof(want.bytes));
}

static int parse_svc(struct nl_msg *m, struct ipvs_service *out)
{
	int err = ipvs_parse_service(hdr(m), out);
	nlmsg_free(m);
	return err;
}

/* ---- services ---- */

START_TEST(test_service_tcp4_stats64)
{
	struct ipvs_service s;
	ck_assert_int_eq(parse_svc(service_msg(&tcp4), &s), 0);
	ck_assert_int_eq(s.af, AF_INET);
	ck_assert_uint_eq(s.protocol, IPPROTO_TCP);
	assert_addr(AF_INET, &s.addr, "10.0.0.1");
	ck_assert_uint_eq(s.port, 80);
	ck_assert_uint_eq(s.fwmark, 0);
	ck_assert_str_eq(s.sched, "wlc");
	ck_assert_str_eq(s.pe, "");
	ck_assert_uint_eq(s.flags, IPVS_SVC_HASHED);
	ck_assert_uint_eq(s.timeout, 0);
	ck_assert_uint_eq(s.netmask, 0xffffffffU);
	/* STATS64 wins over STATS, whole 64-bit counters. */
	assert_stats_eq(&s.stats, &big_stats);
	ck_assert_ptr_null(s.dests);
	ck_assert_uint_eq(s.n_dests, 0);
	ck_assert(!s.dests_known);
}
END_TEST

/* A rate estimate past 32 bits (struct ipvs_stats keeps 32) is clamped, not cut. */
START_TEST(test_service_rate_clamped)
{
	struct ipvs_service s;
	cps64_sent = 0x100000005ULL; /* cut to 32 bits: 5 */
	int rc = parse_svc(service_msg(&tcp4), &s);
	cps64_sent = 0;
	ck_assert_int_eq(rc, 0);
	ck_assert_uint_eq(s.stats.cps, UINT32_MAX);
	ck_assert_uint_eq(s.stats.conns, big_stats.conns); /* the counters stay whole */
}
END_TEST

START_TEST(test_service_udp6)
{
	struct svc_spec sp = {
		.af = AF_INET6,
		.proto = IPPROTO_UDP,
		.addr = "2001:db8::53",
		.port = 53,
		.sched = "rr",
		.netmask = 128,
		.stats = STATS64,
	};
	struct ipvs_service s;
	ck_assert_int_eq(parse_svc(service_msg(&sp), &s), 0);
	ck_assert_int_eq(s.af, AF_INET6);
	ck_assert_uint_eq(s.protocol, IPPROTO_UDP);
	assert_addr(AF_INET6, &s.addr, "2001:db8::53");
	ck_assert_uint_eq(s.port, 53);
	ck_assert_str_eq(s.sched, "rr");
	ck_assert_uint_eq(s.netmask, 128);
	ck_assert_int_eq(service_netmask_prefix(&s), 128);
	assert_stats_eq(&s.stats, &big_stats);
}
END_TEST

START_TEST(test_service_sctp)
{
	struct svc_spec sp = tcp4;
	sp.proto = IPPROTO_SCTP;
	sp.addr = "10.1.2.3";
	sp.port = 3868;
	sp.sched = "mh";
	struct ipvs_service s;
	ck_assert_int_eq(parse_svc(service_msg(&sp), &s), 0);
	ck_assert_uint_eq(s.protocol, IPPROTO_SCTP);
	ck_assert_str_eq(ipvs_proto_name(s.protocol), "sctp");
	assert_addr(AF_INET, &s.addr, "10.1.2.3");
	ck_assert_uint_eq(s.port, 3868);
	ck_assert_str_eq(s.sched, "mh");
}
END_TEST

START_TEST(test_service_fwmark)
{
	struct svc_spec sp = tcp4;
	sp.fwmark = 4242;
	struct ipvs_service s;
	ck_assert_int_eq(parse_svc(service_msg(&sp), &s), 0);
	ck_assert_int_eq(s.af, AF_INET);
	ck_assert_uint_eq(s.fwmark, 4242);
	/* The kernel sends neither protocol, address nor port for a fwmark service. */
	ck_assert_uint_eq(s.protocol, 0);
	ck_assert_uint_eq(s.port, 0);
	assert_addr(AF_INET, &s.addr, "0.0.0.0");

	/* Same for IPv6. */
	sp.af = AF_INET6;
	sp.fwmark = 1;
	sp.netmask = 64;
	ck_assert_int_eq(parse_svc(service_msg(&sp), &s), 0);
	ck_assert_int_eq(s.af, AF_INET6);
	ck_assert_uint_eq(s.fwmark, 1);
	ck_assert_int_eq(service_netmask_prefix(&s), 64);
}
END_TEST

START_TEST(test_service_persistent_netmask)
{
	struct svc_spec sp = tcp4;
	sp.flags = IP_VS_SVC_F_PERSISTENT | IP_VS_SVC_F_HASHED;
	sp.timeout = 300;
	/* What the kernel sends for ipvsadm -p 300 -M 255.255.255.0: the mask in network order. */
	sp.netmask = htonl(0xffffff00U);
	struct ipvs_service s;
	ck_assert_int_eq(parse_svc(service_msg(&sp), &s), 0);
	ck_assert_uint_eq(s.flags, IPVS_SVC_PERSISTENT | IPVS_SVC_HASHED);
	ck_assert_uint_eq(s.timeout, 300);
	ck_assert_uint_eq(s.netmask, htonl(0xffffff00U));
	ck_assert_int_eq(service_netmask_prefix(&s), 24);
}
END_TEST

START_TEST(test_service_sh_flags)
{
	struct svc_spec sp = tcp4;
	sp.sched = "sh";
	sp.flags = IP_VS_SVC_F_HASHED | IP_VS_SVC_F_SCHED_SH_FALLBACK | IP_VS_SVC_F_SCHED_SH_PORT |
		   IP_VS_SVC_F_ONEPACKET;
	struct ipvs_service s;
	ck_assert_int_eq(parse_svc(service_msg(&sp), &s), 0);
	ck_assert_str_eq(s.sched, "sh");
	ck_assert_uint_eq(s.flags,
			  IPVS_SVC_HASHED | IPVS_SVC_SCHED1 | IPVS_SVC_SCHED2 | IPVS_SVC_ONEPACKET);
}
END_TEST

START_TEST(test_service_pe_name)
{
	struct svc_spec sp = tcp4;
	sp.proto = IPPROTO_UDP;
	sp.port = 5060;
	sp.pe = "sip";
	sp.flags = IP_VS_SVC_F_PERSISTENT | IP_VS_SVC_F_HASHED;
	sp.timeout = 60;
	struct ipvs_service s;
	ck_assert_int_eq(parse_svc(service_msg(&sp), &s), 0);
	ck_assert_str_eq(s.pe, "sip");
	ck_assert_str_eq(s.sched, "wlc");

	/* Longest names that fit. */
	sp.sched = "abcdefghijklmno";
	sp.pe = "0123456789abcdef";
	ck_assert_int_eq(parse_svc(service_msg(&sp), &s), 0);
	ck_assert_str_eq(s.sched, "abcdefghijklmno");
	ck_assert_str_eq(s.pe, "0123456789abcdef");
}
END_TEST

START_TEST(test_service_stats_only)
{
	/* Kernels before 4.1 send STATS only: 32-bit counters, 64-bit bytes. */
	struct svc_spec sp = tcp4;
	sp.stats = STATS32;
	struct ipvs_service s;
	ck_assert_int_eq(parse_svc(service_msg(&sp), &s), 0);
	struct ipvs_stats want = stats_cut(&big_stats);
	want.cps = 1;
	assert_stats_eq(&s.stats, &want);
	ck_assert_uint_eq(s.stats.conns, 705032705U); /* 5000000001 mod 2^32 */
	ck_assert_uint_eq(s.stats.inbytes, 800000000004ULL);

	/* No counters at all: zeros, not an error. */
	sp.stats = 0;
	ck_assert_int_eq(parse_svc(service_msg(&sp), &s), 0);
	struct ipvs_stats zero;
	memset(&zero, 0, sizeof(zero));
	assert_stats_eq(&s.stats, &zero);
}
END_TEST

START_TEST(test_service_addr_4_bytes)
{
	/* A 4-byte IPv4 address is accepted too (older senders, our own tests). */
	struct svc_spec sp = tcp4;
	sp.addr4 = true;
	struct ipvs_service s;
	ck_assert_int_eq(parse_svc(service_msg(&sp), &s), 0);
	assert_addr(AF_INET, &s.addr, "10.0.0.1");

	/* Garbage after the IPv4 address in the kernel's 16 bytes is not kept. */
	struct nl_msg *m = msg_new(IPVS_CMD_NEW_SERVICE);
	struct nlattr *n = nla_nest_start(m, IPVS_CMD_ATTR_SERVICE);
	unsigned char a[16];
	memset(a, 0xee, sizeof(a));
	a[0] = 10, a[1] = 9, a[2] = 8, a[3] = 7;
	nla_put_u16(m, IPVS_SVC_ATTR_AF, AF_INET);
	nla_put_u16(m, IPVS_SVC_ATTR_PROTOCOL, IPPROTO_TCP);
	nla_put(m, IPVS_SVC_ATTR_ADDR, 16, a);
	nla_put_u16(m, IPVS_SVC_ATTR_PORT, htons(443));
	nla_put_string(m, IPVS_SVC_ATTR_SCHED_NAME, "rr");
	nla_nest_end(m, n);
	ck_assert_int_eq(parse_svc(m, &s), 0);
	assert_addr(AF_INET, &s.addr, "10.9.8.7");
	ck_assert_uint_eq(s.port, 443);
	/* Optional attributes left out read as zero. */
	ck_assert_uint_eq(s.flags, 0);
	ck_assert_uint_eq(s.timeout, 0);
	ck_assert_uint_eq(s.netmask, 0);
}
END_TEST

START_TEST(test_service_unknown_attrs_ignored)
{
	/* Attributes of a newer kernel and NLA_F_NESTED on nests must not disturb the parse. */
	struct nl_msg *m = msg_new(IPVS_CMD_NEW_SERVICE);
	ck_assert_int_eq(nla_put_u32(m, 60, 1), 0);
	struct nlattr *n = nla_nest_start(m, IPVS_CMD_ATTR_SERVICE | NLA_F_NESTED);
	unsigned char a[16];
	addr16(AF_INET, "1.2.3.4", a);
	nla_put_u16(m, IPVS_SVC_ATTR_AF, AF_INET);
	nla_put_u64(m, 200, 7);
	nla_put_u16(m, IPVS_SVC_ATTR_PROTOCOL, IPPROTO_TCP);
	nla_put(m, IPVS_SVC_ATTR_ADDR, 16, a);
	nla_put_u16(m, IPVS_SVC_ATTR_PORT, htons(25));
	nla_put(m, 0, 0, NULL);
	nla_put_string(m, IPVS_SVC_ATTR_SCHED_NAME, "lc");
	nla_put_string(m, 100, "from the future");
	nla_nest_end(m, n);
	struct ipvs_service s;
	ck_assert_int_eq(parse_svc(m, &s), 0);
	assert_addr(AF_INET, &s.addr, "1.2.3.4");
	ck_assert_uint_eq(s.port, 25);
	ck_assert_str_eq(s.sched, "lc");
}
END_TEST

/* ---- destinations ---- */

static int parse_dest(struct nl_msg *m, int svc_af, struct ipvs_dest *out)
{
	int err = ipvs_parse_dest(hdr(m), svc_af, out);
	nlmsg_free(m);
	return err;
}

START_TEST(test_dest_values)
{
	struct ipvs_dest d;
	ck_assert_int_eq(parse_dest(dest_msg(&dest4), AF_INET, &d), 0);
	ck_assert_int_eq(d.af, AF_INET);
	assert_addr(AF_INET, &d.addr, "192.168.1.10");
	ck_assert_uint_eq(d.port, 8080);
	ck_assert_uint_eq(d.fwd, IPVS_FWD_MASQ);
	ck_assert_int_eq(d.weight, 100);
	ck_assert_uint_eq(d.u_thresh, 1000);
	ck_assert_uint_eq(d.l_thresh, 10);
	ck_assert_uint_eq(d.active_conns, 7);
	ck_assert_uint_eq(d.inactive_conns, 8);
	ck_assert_uint_eq(d.persist_conns, 9);
	ck_assert_uint_eq(d.tun_type, 0);
	ck_assert_uint_eq(d.tun_port, 0);
	ck_assert_uint_eq(d.tun_flags, 0);
	assert_stats_eq(&d.stats, &big_stats);

	/* Weight 0 (quiescent) and STATS only. */
	struct dest_spec ds = dest4;
	ds.weight = 0;
	ds.stats = STATS32;
	ck_assert_int_eq(parse_dest(dest_msg(&ds), AF_INET, &d), 0);
	ck_assert_int_eq(d.weight, 0);
	struct ipvs_stats want = stats_cut(&big_stats);
	assert_stats_eq(&d.stats, &want);
}
END_TEST

START_TEST(test_dest_every_fwd_method)
{
	static const struct {
		uint32_t sent;
		uint32_t want;
		const char *name;
	} cases[] = {
		{IP_VS_CONN_F_MASQ, IPVS_FWD_MASQ, "masq"},
		{IP_VS_CONN_F_LOCALNODE, IPVS_FWD_LOCAL, "local"},
		{IP_VS_CONN_F_TUNNEL, IPVS_FWD_TUNNEL, "tunnel"},
		{IP_VS_CONN_F_DROUTE, IPVS_FWD_ROUTE, "route"},
		{IP_VS_CONN_F_BYPASS, IPVS_FWD_BYPASS, "bypass"},
		/* Bits outside IP_VS_CONN_F_FWD_MASK are dropped. */
		{IP_VS_CONN_F_DROUTE | IP_VS_CONN_F_INACTIVE | IP_VS_CONN_F_NFCT, IPVS_FWD_ROUTE,
		 "route"},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct dest_spec ds = dest4;
		ds.fwd = cases[i].sent;
		struct ipvs_dest d;
		ck_assert_int_eq(parse_dest(dest_msg(&ds), AF_INET, &d), 0);
		ck_assert_uint_eq(d.fwd, cases[i].want);
		ck_assert_str_eq(ipvs_fwd_name(d.fwd), cases[i].name);
	}
}
END_TEST

START_TEST(test_dest_mixed_family)
{
	/* An IPv6 real server behind an IPv4 service (tunnel only, Linux 4.3+). */
	struct dest_spec ds = dest4;
	ds.af = AF_INET6;
	ds.addr = "2001:db8::10";
	ds.fwd = IP_VS_CONN_F_TUNNEL;
	struct ipvs_dest d;
	ck_assert_int_eq(parse_dest(dest_msg(&ds), AF_INET, &d), 0);
	ck_assert_int_eq(d.af, AF_INET6);
	assert_addr(AF_INET6, &d.addr, "2001:db8::10");
	ck_assert_uint_eq(d.fwd, IPVS_FWD_TUNNEL);

	/* And the other way round. */
	ds.af = AF_INET;
	ds.addr = "172.16.0.1";
	ck_assert_int_eq(parse_dest(dest_msg(&ds), AF_INET6, &d), 0);
	ck_assert_int_eq(d.af, AF_INET);
	assert_addr(AF_INET, &d.addr, "172.16.0.1");
}
END_TEST

START_TEST(test_dest_no_family_attr)
{
	/* Old kernels send no ADDR_FAMILY: the service's family applies. */
	struct dest_spec ds = dest4;
	ds.af_attr = false;
	struct ipvs_dest d;
	ck_assert_int_eq(parse_dest(dest_msg(&ds), AF_INET, &d), 0);
	ck_assert_int_eq(d.af, AF_INET);
	assert_addr(AF_INET, &d.addr, "192.168.1.10");

	ds.af = AF_INET6;
	ds.addr = "fd00::2";
	ck_assert_int_eq(parse_dest(dest_msg(&ds), AF_INET6, &d), 0);
	ck_assert_int_eq(d.af, AF_INET6);
	assert_addr(AF_INET6, &d.addr, "fd00::2");

	/* No family from anywhere usable. */
	ck_assert_int_eq(parse_dest(dest_msg(&ds), 0, &d), -EINVAL);
}
END_TEST

START_TEST(test_dest_tunnel)
{
	struct dest_spec ds = dest4;
	ds.fwd = IP_VS_CONN_F_TUNNEL;
	ds.tun = true;
	ds.tun_type = IP_VS_CONN_F_TUNNEL_TYPE_GUE;
	ds.tun_port = 6080;
	ds.tun_flags = IP_VS_TUNNEL_ENCAP_FLAG_CSUM | IP_VS_TUNNEL_ENCAP_FLAG_REMCSUM;
	struct ipvs_dest d;
	ck_assert_int_eq(parse_dest(dest_msg(&ds), AF_INET, &d), 0);
	ck_assert_uint_eq(d.fwd, IPVS_FWD_TUNNEL);
	ck_assert_uint_eq(d.tun_type, IP_VS_CONN_F_TUNNEL_TYPE_GUE);
	ck_assert_uint_eq(d.tun_port, 6080);
	ck_assert_uint_eq(d.tun_flags,
			  IP_VS_TUNNEL_ENCAP_FLAG_CSUM | IP_VS_TUNNEL_ENCAP_FLAG_REMCSUM);

	ds.tun_type = IP_VS_CONN_F_TUNNEL_TYPE_GRE;
	ds.tun_port = 0;
	ds.tun_flags = 0;
	ck_assert_int_eq(parse_dest(dest_msg(&ds), AF_INET, &d), 0);
	ck_assert_uint_eq(d.tun_type, IP_VS_CONN_F_TUNNEL_TYPE_GRE);
	ck_assert_uint_eq(d.tun_port, 0);
}
END_TEST

/* ---- info, config, daemons ---- */

START_TEST(test_info)
{
	uint32_t v = 1, size = 1;
	struct nl_msg *m = info_msg(true);
	ck_assert_int_eq(ipvs_parse_info(hdr(m), &v, &size), 0);
	nlmsg_free(m);
	ck_assert_uint_eq(v, 0x010201);
	ck_assert_uint_eq(size, 4096);

	m = info_msg(false);
	ck_assert_int_eq(ipvs_parse_info(hdr(m), &v, &size), -ENOMSG);
	nlmsg_free(m);
}
END_TEST

START_TEST(test_config)
{
	uint32_t tcp = 1, fin = 1, udp = 1;
	struct nl_msg *m = config_msg(true);
	ck_assert_int_eq(ipvs_parse_config(hdr(m), &tcp, &fin, &udp), 0);
	nlmsg_free(m);
	ck_assert_uint_eq(tcp, 900);
	ck_assert_uint_eq(fin, 120);
	ck_assert_uint_eq(udp, 300);

	/* A kernel built without UDP support sends no UDP timeout. */
	m = config_msg(false);
	ck_assert_int_eq(ipvs_parse_config(hdr(m), &tcp, &fin, &udp), 0);
	nlmsg_free(m);
	ck_assert_uint_eq(tcp, 900);
	ck_assert_uint_eq(udp, 0);
}
END_TEST

START_TEST(test_daemon_master_backup)
{
	struct daemon_spec master = {
		.state = IP_VS_STATE_MASTER,
		.ifn = "eth0",
		.syncid = 7,
		.maxlen = 1472,
		.group_af = AF_INET,
		.group = "224.0.0.81",
		.port = 8848,
		.ttl = 1,
	};
	struct daemon_spec backup = {
		.state = IP_VS_STATE_BACKUP,
		.ifn = "ens3.100",
		.syncid = 255,
		.maxlen = 8952,
		.group_af = AF_INET6,
		.group = "ff02::1:81",
		.port = 9000,
		.ttl = 5,
	};
	struct ipvs_daemon d;
	struct nl_msg *m = daemon_msg(&master);
	ck_assert_int_eq(ipvs_parse_daemon(hdr(m), &d), 0);
	nlmsg_free(m);
	ck_assert_str_eq(d.state, "master");
	ck_assert_str_eq(d.mcast_ifn, "eth0");
	ck_assert_uint_eq(d.syncid, 7);
	ck_assert_uint_eq(d.sync_maxlen, 1472);
	ck_assert_int_eq(d.mcast_af, AF_INET);
	assert_addr(AF_INET, &d.mcast_group, "224.0.0.81");
	ck_assert_uint_eq(d.mcast_port, 8848);
	ck_assert_uint_eq(d.mcast_ttl, 1);

	m = daemon_msg(&backup);
	ck_assert_int_eq(ipvs_parse_daemon(hdr(m), &d), 0);
	nlmsg_free(m);
	ck_assert_str_eq(d.state, "backup");
	ck_assert_str_eq(d.mcast_ifn, "ens3.100");
	ck_assert_uint_eq(d.syncid, 255);
	ck_assert_uint_eq(d.sync_maxlen, 8952);
	ck_assert_int_eq(d.mcast_af, AF_INET6);
	assert_addr(AF_INET6, &d.mcast_group, "ff02::1:81");
	ck_assert_uint_eq(d.mcast_port, 9000);
	ck_assert_uint_eq(d.mcast_ttl, 5);

	/* A kernel before 4.3: no group, port, ttl or maxlen. */
	m = msg_new(IPVS_CMD_NEW_DAEMON);
	struct nlattr *n = nla_nest_start(m, IPVS_CMD_ATTR_DAEMON);
	nla_put_u32(m, IPVS_DAEMON_ATTR_STATE, IP_VS_STATE_BACKUP);
	nla_put_string(m, IPVS_DAEMON_ATTR_MCAST_IFN, "eth1");
	nla_put_u32(m, IPVS_DAEMON_ATTR_SYNC_ID, 3);
	nla_nest_end(m, n);
	ck_assert_int_eq(ipvs_parse_daemon(hdr(m), &d), 0);
	nlmsg_free(m);
	ck_assert_str_eq(d.state, "backup");
	ck_assert_int_eq(d.mcast_af, 0);
	ck_assert_uint_eq(d.mcast_port, 0);
	ck_assert_uint_eq(d.sync_maxlen, 0);

	/* A state that is neither. */
	master.state = IP_VS_STATE_MASTER | IP_VS_STATE_BACKUP;
	m = daemon_msg(&master);
	ck_assert_int_eq(ipvs_parse_daemon(hdr(m), &d), -EINVAL);
	nlmsg_free(m);
	master.state = IP_VS_STATE_MASTER;
	master.no_state = true;
	m = daemon_msg(&master);
	ck_assert_int_eq(ipvs_parse_daemon(hdr(m), &d), -ENOMSG);
	nlmsg_free(m);
}
END_TEST

/* ---- malformed messages ---- */

/* An exact-size heap copy of m's first len bytes (at least the length field), so that
 * valgrind or ASan see any read past the end; nlmsg_len is set to len. */
static struct nlmsghdr *copy_cut(struct nl_msg *m, size_t len)
{
	size_t alloc = len < sizeof(uint32_t) ? sizeof(uint32_t) : len;
	unsigned char *p = malloc(alloc);
	ck_assert_ptr_nonnull(p);
	memset(p, 0, alloc);
	memcpy(p, nlmsg_hdr(m), len);
	uint32_t l = (uint32_t)len;
	memcpy(p, &l, sizeof(l));
	return (struct nlmsghdr *)(void *)p;
}

typedef int (*parse_fn)(const struct nlmsghdr *nlh);

static int parse_service_any(const struct nlmsghdr *nlh)
{
	struct ipvs_service s;
	return ipvs_parse_service(nlh, &s);
}

static int parse_dest_any(const struct nlmsghdr *nlh)
{
	struct ipvs_dest d;
	return ipvs_parse_dest(nlh, AF_INET, &d);
}

static int parse_daemon_any(const struct nlmsghdr *nlh)
{
	struct ipvs_daemon d;
	return ipvs_parse_daemon(nlh, &d);
}

static int parse_info_any(const struct nlmsghdr *nlh)
{
	uint32_t a, b;
	return ipvs_parse_info(nlh, &a, &b);
}

static int parse_config_any(const struct nlmsghdr *nlh)
{
	uint32_t a, b, c;
	return ipvs_parse_config(nlh, &a, &b, &c);
}

static void assert_outcome(int err, size_t len)
{
	ck_assert_msg(err == 0 || err == -EINVAL || err == -ENOMSG,
		      "length %zu: unexpected result %d", len, err);
}

/*
 * Every cut of a valid message: first by nlmsg_len alone (the outer nest then overruns),
 * then keeping the top-level nest consistent with the cut so that the damage is inside it.
 * Returns how many cuts were still accepted.
 */
static size_t truncations(struct nl_msg *m, parse_fn parse)
{
	size_t full = nlmsg_hdr(m)->nlmsg_len, accepted = 0;
	ck_assert_int_eq(parse(nlmsg_hdr(m)), 0);
	for (size_t len = 0; len < full; len++) {
		struct nlmsghdr *h = copy_cut(m, len);
		int err = parse(h);
		assert_outcome(err, len);
		accepted += err == 0;
		free(h);
	}
	/* The nest is the last top-level attribute: shrink it along with the message. */
	size_t nest_off = NLMSG_HDRLEN + GENL_HDRLEN;
	struct nlattr nest;
	memcpy(&nest, (unsigned char *)nlmsg_hdr(m) + nest_off, sizeof(nest));
	if (nest_off + NLA_ALIGN(nest.nla_len) == full) {
		for (size_t cut = 1; cut <= (size_t)nest.nla_len - NLA_HDRLEN; cut++) {
			struct nlmsghdr *h = copy_cut(m, full - cut);
			uint16_t nl = (uint16_t)(nest.nla_len - cut);
			memcpy((unsigned char *)h + nest_off, &nl, sizeof(nl));
			int err = parse(h);
			assert_outcome(err, full - cut);
			accepted += err == 0;
			free(h);
		}
	}
	return accepted;
}

START_TEST(test_truncated_every_length)
{
	struct nl_msg *m = service_msg(&tcp4);
	/* Cutting never leaves a valid service: SCHED_NAME and the rest come late. */
	truncations(m, parse_service_any);
	nlmsg_free(m);

	struct svc_spec fw = tcp4;
	fw.fwmark = 9;
	fw.pe = "sip";
	m = service_msg(&fw);
	truncations(m, parse_service_any);
	nlmsg_free(m);

	struct dest_spec ds = dest4;
	ds.tun = true;
	m = dest_msg(&ds);
	truncations(m, parse_dest_any);
	nlmsg_free(m);

	struct daemon_spec dm = {IP_VS_STATE_BACKUP, "eth0", 1, 1500, AF_INET6, "ff02::5", 8848,
				 1, false};
	m = daemon_msg(&dm);
	truncations(m, parse_daemon_any);
	nlmsg_free(m);

	m = info_msg(true);
	truncations(m, parse_info_any);
	nlmsg_free(m);

	m = config_msg(true);
	/* Cuts between attributes leave valid configs with fewer timeouts. */
	ck_assert_uint_gt(truncations(m, parse_config_any), 0);
	nlmsg_free(m);
}
END_TEST

START_TEST(test_byte_flips)
{
	/* Each byte set to values that make lengths and types lie: no crash, no overread. */
	static const unsigned char values[] = {0x00, 0x01, 0x03, 0x04, 0x05, 0x08, 0x7f, 0xff};
	struct nl_msg *msgs[3] = {service_msg(&tcp4), dest_msg(&dest4), NULL};
	struct daemon_spec dm = {IP_VS_STATE_MASTER, "eth0", 1, 1500, AF_INET, "224.0.0.81", 8848,
				 1, false};
	msgs[2] = daemon_msg(&dm);
	parse_fn fns[3] = {parse_service_any, parse_dest_any, parse_daemon_any};
	for (int k = 0; k < 3; k++) {
		size_t full = nlmsg_hdr(msgs[k])->nlmsg_len;
		/* From byte 4: the length field itself is what the caller vouches for. */
		for (size_t i = 4; i < full; i++) {
			for (size_t v = 0; v < sizeof(values); v++) {
				struct nlmsghdr *h = copy_cut(msgs[k], full);
				((unsigned char *)h)[i] = values[v];
				int err = fns[k](h);
				ck_assert_msg(err == 0 || err == -EINVAL || err == -ENOMSG,
					      "byte %zu = %u: result %d", i, values[v], err);
				free(h);
			}
		}
		nlmsg_free(msgs[k]);
	}
}
END_TEST

/* Offset of the first attribute of type `type` inside the service nest of m. */
static size_t inner_offset(struct nl_msg *m, int type)
{
	struct nlattr *nest = nlmsg_find_attr(nlmsg_hdr(m), GENL_HDRLEN, IPVS_CMD_ATTR_SERVICE);
	ck_assert_ptr_nonnull(nest);
	struct nlattr *a = nla_find(nla_data(nest), nla_len(nest), type);
	ck_assert_ptr_nonnull(a);
	return (size_t)((unsigned char *)a - (unsigned char *)nlmsg_hdr(m));
}

START_TEST(test_attr_len_past_end)
{
	struct nl_msg *m = service_msg(&tcp4);
	size_t full = nlmsg_hdr(m)->nlmsg_len;
	size_t nest_off = NLMSG_HDRLEN + GENL_HDRLEN;
	struct ipvs_service s;

	/* The nest claims more than the message holds. */
	struct nlmsghdr *h = copy_cut(m, full);
	uint16_t big = (uint16_t)(full - nest_off + 4);
	memcpy((unsigned char *)h + nest_off, &big, sizeof(big));
	ck_assert_int_eq(ipvs_parse_service(h, &s), -EINVAL);
	free(h);

	/* An attribute inside the nest claims more than the nest holds. */
	h = copy_cut(m, full);
	size_t off = inner_offset(m, IPVS_SVC_ATTR_SCHED_NAME);
	big = 0xfff0;
	memcpy((unsigned char *)h + off, &big, sizeof(big));
	ck_assert_int_eq(ipvs_parse_service(h, &s), -EINVAL);
	free(h);

	/* An attribute length below its own header. */
	h = copy_cut(m, full);
	uint16_t tiny = 2;
	memcpy((unsigned char *)h + off, &tiny, sizeof(tiny));
	ck_assert_int_eq(ipvs_parse_service(h, &s), -EINVAL);
	free(h);

	/* Headers that do not fit, or a message that is no IPVS reply. */
	h = copy_cut(m, NLMSG_HDRLEN + GENL_HDRLEN - 1);
	ck_assert_int_eq(ipvs_parse_service(h, &s), -EINVAL);
	free(h);
	h = copy_cut(m, NLMSG_HDRLEN + GENL_HDRLEN);
	ck_assert_int_eq(ipvs_parse_service(h, &s), -ENOMSG);
	free(h);
	h = copy_cut(m, full);
	h->nlmsg_type = NLMSG_ERROR;
	ck_assert_int_eq(ipvs_parse_service(h, &s), -EINVAL);
	free(h);
	ck_assert_int_eq(ipvs_parse_service(NULL, &s), -EINVAL);
	nlmsg_free(m);
}
END_TEST

START_TEST(test_nest_not_nested)
{
	struct ipvs_service s;
	struct ipvs_dest d;

	/* The service "nest" is a string: its bytes read as a header that overruns. */
	struct nl_msg *m = msg_new(IPVS_CMD_NEW_SERVICE);
	nla_put_string(m, IPVS_CMD_ATTR_SERVICE, "rr rr rr");
	ck_assert_int_eq(parse_svc(m, &s), -EINVAL);

	/* Too short to hold even one attribute header. */
	m = msg_new(IPVS_CMD_NEW_SERVICE);
	nla_put_u16(m, IPVS_CMD_ATTR_SERVICE, 0x0808);
	ck_assert_int_eq(parse_svc(m, &s), -EINVAL);

	/* A u32 that happens to read as an empty attribute: parses, lacks everything. */
	m = msg_new(IPVS_CMD_NEW_SERVICE);
	nla_put_u32(m, IPVS_CMD_ATTR_SERVICE, 4);
	ck_assert_int_eq(parse_svc(m, &s), -ENOMSG);

	/* STATS64 is a u64, not a nest. */
	m = msg_new(IPVS_CMD_NEW_SERVICE);
	struct nlattr *n = nla_nest_start(m, IPVS_CMD_ATTR_SERVICE);
	unsigned char a[16];
	addr16(AF_INET, "10.0.0.1", a);
	nla_put_u16(m, IPVS_SVC_ATTR_AF, AF_INET);
	nla_put_u16(m, IPVS_SVC_ATTR_PROTOCOL, IPPROTO_TCP);
	nla_put(m, IPVS_SVC_ATTR_ADDR, 16, a);
	nla_put_u16(m, IPVS_SVC_ATTR_PORT, htons(80));
	nla_put_string(m, IPVS_SVC_ATTR_SCHED_NAME, "rr");
	nla_put_u64(m, IPVS_SVC_ATTR_STATS64, 0xffffffffffffffffULL);
	nla_nest_end(m, n);
	ck_assert_int_eq(parse_svc(m, &s), -EINVAL);

	/* The destination nest is 3 bytes. */
	m = msg_new(IPVS_CMD_NEW_DEST);
	nla_put(m, IPVS_CMD_ATTR_DEST, 3, "abc");
	ck_assert_int_eq(parse_dest(m, AF_INET, &d), -EINVAL);
}
END_TEST

/* A service message with one attribute replaced by a payload of the wrong size. */
static struct nl_msg *service_with(int type, const void *data, int len)
{
	struct nl_msg *m = msg_new(IPVS_CMD_NEW_SERVICE);
	struct nlattr *n = nla_nest_start(m, IPVS_CMD_ATTR_SERVICE);
	unsigned char a[16];
	addr16(AF_INET, "10.0.0.1", a);
	uint16_t af = AF_INET, proto = IPPROTO_TCP, port = htons(80);
	uint32_t zero = 0;
	struct ip_vs_flags f = {0, ~0U};
	struct {
		int type;
		const void *data;
		int len;
	} attrs[] = {
		{IPVS_SVC_ATTR_AF, &af, 2},
		{IPVS_SVC_ATTR_PROTOCOL, &proto, 2},
		{IPVS_SVC_ATTR_ADDR, a, 16},
		{IPVS_SVC_ATTR_PORT, &port, 2},
		{IPVS_SVC_ATTR_SCHED_NAME, "rr", 3},
		{IPVS_SVC_ATTR_FLAGS, &f, 8},
		{IPVS_SVC_ATTR_TIMEOUT, &zero, 4},
		{IPVS_SVC_ATTR_NETMASK, &zero, 4},
	};
	bool placed = type < 0;
	for (size_t i = 0; i < sizeof(attrs) / sizeof(attrs[0]); i++) {
		if (attrs[i].type == type) {
			ck_assert_int_eq(nla_put(m, type, len, data), 0);
			placed = true;
		} else {
			ck_assert_int_eq(nla_put(m, attrs[i].type, attrs[i].len, attrs[i].data), 0);
		}
	}
	if (!placed)
		ck_assert_int_eq(nla_put(m, type, len, data), 0);
	nla_nest_end(m, n);
	return m;
}

START_TEST(test_wrong_sizes)
{
	struct ipvs_service s;
	const uint32_t u32 = AF_INET;
	const uint64_t u64 = 80;
	const uint8_t u8 = 80;
	const uint16_t u16 = 80;

	/* The well-formed base parses. */
	ck_assert_int_eq(parse_svc(service_with(-1, NULL, 0), &s), 0);

	ck_assert_int_eq(parse_svc(service_with(IPVS_SVC_ATTR_AF, &u32, 4), &s), -EINVAL);
	ck_assert_int_eq(parse_svc(service_with(IPVS_SVC_ATTR_AF, &u8, 1), &s), -EINVAL);
	ck_assert_int_eq(parse_svc(service_with(IPVS_SVC_ATTR_PORT, &u32, 4), &s), -EINVAL);
	ck_assert_int_eq(parse_svc(service_with(IPVS_SVC_ATTR_PROTOCOL, &u64, 8), &s), -EINVAL);
	ck_assert_int_eq(parse_svc(service_with(IPVS_SVC_ATTR_TIMEOUT, &u16, 2), &s), -EINVAL);
	ck_assert_int_eq(parse_svc(service_with(IPVS_SVC_ATTR_NETMASK, &u64, 8), &s), -EINVAL);
	ck_assert_int_eq(parse_svc(service_with(IPVS_SVC_ATTR_FLAGS, &u32, 4), &s), -EINVAL);
	ck_assert_int_eq(parse_svc(service_with(IPVS_SVC_ATTR_ADDR, &u64, 8), &s), -EINVAL);
	ck_assert_int_eq(parse_svc(service_with(IPVS_SVC_ATTR_FWMARK, &u8, 1), &s), -EINVAL);
	/* A scheduler name that fills its 16 bytes without a NUL does not fit. */
	ck_assert_int_eq(parse_svc(service_with(IPVS_SVC_ATTR_SCHED_NAME, "0123456789abcdef", 16),
				   &s),
			 -EINVAL);
	/* Without the NUL but shorter: fine. */
	ck_assert_int_eq(parse_svc(service_with(IPVS_SVC_ATTR_SCHED_NAME, "dh", 2), &s), 0);
	ck_assert_str_eq(s.sched, "dh");

	/* An IPv6 service with an IPv4-sized address. */
	struct svc_spec sp = tcp4;
	sp.af = AF_INET6;
	sp.addr = "::1";
	sp.addr4 = true;
	ck_assert_int_eq(parse_svc(service_msg(&sp), &s), -EINVAL);

	/* Counters of the wrong width inside STATS64 and STATS. */
	for (int k = 0; k < 2; k++) {
		struct nl_msg *m = msg_new(IPVS_CMD_NEW_DEST);
		struct nlattr *n = nla_nest_start(m, IPVS_CMD_ATTR_DEST);
		unsigned char a[16];
		addr16(AF_INET, "10.0.0.2", a);
		nla_put(m, IPVS_DEST_ATTR_ADDR, 16, a);
		nla_put_u16(m, IPVS_DEST_ATTR_PORT, htons(80));
		struct nlattr *st = nla_nest_start(m, k ? IPVS_DEST_ATTR_STATS64 : IPVS_DEST_ATTR_STATS);
		if (k)
			nla_put_u32(m, IPVS_STATS_ATTR_CONNS, 1);
		else
			nla_put_u32(m, IPVS_STATS_ATTR_INBYTES, 1);
		nla_nest_end(m, st);
		nla_nest_end(m, n);
		struct ipvs_dest d;
		ck_assert_int_eq(parse_dest(m, AF_INET, &d), -EINVAL);
	}

	/* Daemon and info fields. */
	struct nl_msg *m = msg_new(IPVS_CMD_NEW_DAEMON);
	struct nlattr *n = nla_nest_start(m, IPVS_CMD_ATTR_DAEMON);
	nla_put_u16(m, IPVS_DAEMON_ATTR_STATE, IP_VS_STATE_MASTER);
	nla_put_string(m, IPVS_DAEMON_ATTR_MCAST_IFN, "eth0");
	nla_put_u32(m, IPVS_DAEMON_ATTR_SYNC_ID, 1);
	nla_nest_end(m, n);
	ck_assert_int_eq(parse_daemon_any(hdr(m)), -EINVAL);
	nlmsg_free(m);

	m = msg_new(IPVS_CMD_NEW_DAEMON);
	n = nla_nest_start(m, IPVS_CMD_ATTR_DAEMON);
	nla_put_u32(m, IPVS_DAEMON_ATTR_STATE, IP_VS_STATE_MASTER);
	nla_put_string(m, IPVS_DAEMON_ATTR_MCAST_IFN, "eth0");
	nla_put_u32(m, IPVS_DAEMON_ATTR_SYNC_ID, 1);
	nla_put(m, IPVS_DAEMON_ATTR_MCAST_GROUP6, 4, "\xff\x02\0\0");
	nla_nest_end(m, n);
	ck_assert_int_eq(parse_daemon_any(hdr(m)), -EINVAL);
	nlmsg_free(m);

	m = msg_new(IPVS_CMD_SET_INFO);
	nla_put_u16(m, IPVS_INFO_ATTR_VERSION, 1);
	nla_put_u32(m, IPVS_INFO_ATTR_CONN_TAB_SIZE, 4096);
	ck_assert_int_eq(parse_info_any(hdr(m)), -EINVAL);
	nlmsg_free(m);

	m = msg_new(IPVS_CMD_SET_CONFIG);
	nla_put_u64(m, IPVS_CMD_ATTR_TIMEOUT_TCP, 900);
	ck_assert_int_eq(parse_config_any(hdr(m)), -EINVAL);
	nlmsg_free(m);
}
END_TEST

START_TEST(test_missing_required)
{
	struct ipvs_service s;
	struct svc_spec sp = tcp4;
	sp.no_af = true;
	ck_assert_int_eq(parse_svc(service_msg(&sp), &s), -ENOMSG);
	sp = tcp4;
	sp.no_sched = true;
	ck_assert_int_eq(parse_svc(service_msg(&sp), &s), -ENOMSG);
	sp = tcp4;
	sp.no_port = true;
	ck_assert_int_eq(parse_svc(service_msg(&sp), &s), -ENOMSG);
	/* An af the kernel does not have. */
	sp = tcp4;
	struct nl_msg *m = service_msg(&sp);
	size_t off = inner_offset(m, IPVS_SVC_ATTR_AF);
	uint16_t bad = 99;
	memcpy((unsigned char *)nlmsg_hdr(m) + off + NLA_HDRLEN, &bad, sizeof(bad));
	ck_assert_int_eq(parse_svc(m, &s), -EINVAL);

	/* No service nest at all. */
	m = msg_new(IPVS_CMD_NEW_SERVICE);
	ck_assert_int_eq(parse_svc(m, &s), -ENOMSG);

	struct ipvs_dest d;
	struct dest_spec ds = dest4;
	ds.no_addr = true;
	ck_assert_int_eq(parse_dest(dest_msg(&ds), AF_INET, &d), -ENOMSG);
	ds = dest4;
	ds.no_port = true;
	ck_assert_int_eq(parse_dest(dest_msg(&ds), AF_INET, &d), -ENOMSG);
	/* A service message is not a destination. */
	ck_assert_int_eq(parse_dest(service_msg(&tcp4), AF_INET, &d), -ENOMSG);
}
END_TEST

/* ---- request builders ---- */

/* Builds a SET_SERVICE-like message from svc with the builder under test. */
static struct nl_msg *built(const struct ipvs_service *svc, bool full)
{
	struct nl_msg *m = msg_new(IPVS_CMD_SET_SERVICE);
	int err = full ? ipvs_nl_build_service_attrs(m, svc) : ipvs_nl_build_service_id(m, svc);
	ck_assert_int_eq(err, 0);
	return m;
}

static struct nlattr *svc_attr(struct nl_msg *m, int type)
{
	struct nlattr *nest = nlmsg_find_attr(nlmsg_hdr(m), GENL_HDRLEN, IPVS_CMD_ATTR_SERVICE);
	ck_assert_ptr_nonnull(nest);
	return nla_find(nla_data(nest), nla_len(nest), type);
}

START_TEST(test_build_round_trip)
{
	struct ipvs_service in;
	memset(&in, 0, sizeof(in));
	in.af = AF_INET;
	in.protocol = IPPROTO_UDP;
	ck_assert_int_eq(inet_pton(AF_INET, "10.96.0.10", in.addr.bytes), 1);
	in.port = 53;
	snprintf(in.sched, sizeof(in.sched), "sh");
	in.flags = IPVS_SVC_PERSISTENT | IPVS_SVC_HASHED | IPVS_SVC_SCHED1;
	in.timeout = 10800;
	in.netmask = htonl(0xffff0000U);
	snprintf(in.pe, sizeof(in.pe), "sip");

	struct nl_msg *m = built(&in, true);
	/* What the kernel insists on: the 16-byte address, flags with the full mask. */
	struct nlattr *a = svc_attr(m, IPVS_SVC_ATTR_ADDR);
	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(nla_len(a), 16);
	struct ip_vs_flags f;
	a = svc_attr(m, IPVS_SVC_ATTR_FLAGS);
	ck_assert_ptr_nonnull(a);
	ck_assert_int_eq(nla_len(a), (int)sizeof(f));
	memcpy(&f, nla_data(a), sizeof(f));
	ck_assert_uint_eq(f.flags, in.flags);
	ck_assert_uint_eq(f.mask, 0xffffffffU);
	a = svc_attr(m, IPVS_SVC_ATTR_PORT);
	ck_assert_uint_eq(nla_get_u16(a), htons(53));
	a = svc_attr(m, IPVS_SVC_ATTR_SCHED_NAME);
	ck_assert_int_eq(nla_len(a), 3); /* "sh" and its NUL */

	struct ipvs_service out;
	ck_assert_int_eq(parse_svc(m, &out), 0);
	ck_assert_int_eq(out.af, AF_INET);
	ck_assert_uint_eq(out.protocol, IPPROTO_UDP);
	assert_addr(AF_INET, &out.addr, "10.96.0.10");
	ck_assert_uint_eq(out.port, 53);
	ck_assert_uint_eq(out.fwmark, 0);
	ck_assert_str_eq(out.sched, "sh");
	ck_assert_str_eq(out.pe, "sip");
	ck_assert_uint_eq(out.flags, in.flags);
	ck_assert_uint_eq(out.timeout, 10800);
	ck_assert_uint_eq(out.netmask, htonl(0xffff0000U));
	ck_assert(service_same(&in, &out));

	/* IPv6 fwmark service without a PE: no PE attribute (that would keep an old one). */
	memset(&in, 0, sizeof(in));
	in.af = AF_INET6;
	in.fwmark = 77;
	snprintf(in.sched, sizeof(in.sched), "wrr");
	in.netmask = 128;
	m = built(&in, true);
	ck_assert_ptr_null(svc_attr(m, IPVS_SVC_ATTR_PE_NAME));
	ck_assert_ptr_null(svc_attr(m, IPVS_SVC_ATTR_ADDR));
	ck_assert_ptr_null(svc_attr(m, IPVS_SVC_ATTR_PORT));
	ck_assert_int_eq(parse_svc(m, &out), 0);
	ck_assert_int_eq(out.af, AF_INET6);
	ck_assert_uint_eq(out.fwmark, 77);
	ck_assert_str_eq(out.sched, "wrr");
	ck_assert_str_eq(out.pe, "");
	ck_assert_uint_eq(out.netmask, 128);

	/* A parsed kernel message goes back out unchanged. */
	struct ipvs_service k;
	struct svc_spec sp = tcp4;
	sp.af = AF_INET6;
	sp.addr = "fd00::1";
	sp.flags = IP_VS_SVC_F_PERSISTENT | IP_VS_SVC_F_HASHED;
	sp.timeout = 600;
	sp.netmask = 64;
	ck_assert_int_eq(parse_svc(service_msg(&sp), &k), 0);
	ck_assert_int_eq(parse_svc(built(&k, true), &out), 0);
	ck_assert(service_same(&k, &out));
	ck_assert_str_eq(out.sched, k.sched);
	ck_assert_uint_eq(out.flags, k.flags);
	ck_assert_uint_eq(out.timeout, k.timeout);
	ck_assert_uint_eq(out.netmask, k.netmask);
}
END_TEST

START_TEST(test_build_identity_only)
{
	struct ipvs_service in;
	memset(&in, 0, sizeof(in));
	in.af = AF_INET;
	in.protocol = IPPROTO_TCP;
	ck_assert_int_eq(inet_pton(AF_INET, "10.0.0.1", in.addr.bytes), 1);
	memset(in.addr.bytes + 4, 0xaa, 12); /* must not leak into the request */
	in.port = 443;
	snprintf(in.sched, sizeof(in.sched), "rr");
	struct nl_msg *m = built(&in, false);
	ck_assert_ptr_null(svc_attr(m, IPVS_SVC_ATTR_SCHED_NAME));
	ck_assert_ptr_null(svc_attr(m, IPVS_SVC_ATTR_FLAGS));
	ck_assert_ptr_null(svc_attr(m, IPVS_SVC_ATTR_NETMASK));
	ck_assert_ptr_nonnull(svc_attr(m, IPVS_SVC_ATTR_AF));
	ck_assert_ptr_nonnull(svc_attr(m, IPVS_SVC_ATTR_PROTOCOL));
	struct nlattr *a = svc_attr(m, IPVS_SVC_ATTR_ADDR);
	static const unsigned char want[16] = {10, 0, 0, 1};
	ck_assert_mem_eq(nla_data(a), want, 16);
	ck_assert_uint_eq(nla_get_u16(svc_attr(m, IPVS_SVC_ATTR_PORT)), htons(443));
	struct ipvs_service out;
	/* No scheduler: not a service reply. */
	ck_assert_int_eq(parse_svc(m, &out), -ENOMSG);
}
END_TEST

START_TEST(test_build_rejects)
{
	struct ipvs_service in;
	memset(&in, 0, sizeof(in));
	in.af = AF_UNSPEC;
	snprintf(in.sched, sizeof(in.sched), "rr");
	struct nl_msg *m = msg_new(IPVS_CMD_SET_SERVICE);
	ck_assert_int_eq(ipvs_nl_build_service_attrs(m, &in), -EINVAL);
	in.af = AF_INET;
	memset(in.sched, 'x', sizeof(in.sched)); /* not terminated */
	ck_assert_int_eq(ipvs_nl_build_service_attrs(m, &in), -EINVAL);
	/* Nothing half-written was left behind. */
	ck_assert_uint_eq(nlmsg_hdr(m)->nlmsg_len, NLMSG_HDRLEN + GENL_HDRLEN);
	nlmsg_free(m);

	/* A message too small for the nest. */
	m = nlmsg_alloc_size(NLMSG_HDRLEN + GENL_HDRLEN + 24);
	ck_assert_ptr_nonnull(m);
	ck_assert_ptr_nonnull(genlmsg_put(m, 0, 1, TEST_FAMILY, 0, 0, IPVS_CMD_SET_SERVICE, 1));
	snprintf(in.sched, sizeof(in.sched), "rr");
	ck_assert_int_eq(ipvs_nl_build_service_attrs(m, &in), -EMSGSIZE);
	nlmsg_free(m);
}
END_TEST

START_TEST(test_nl_no_socket_calls)
{
	/* The transport refuses a missing socket instead of crashing. */
	struct snapshot s;
	memset(&s, 0, sizeof(s));
	ck_assert_int_eq(ipvs_nl_read(NULL, &s), -EINVAL);
	ck_assert_int_eq(ipvs_nl_set_service(NULL, NULL), -EINVAL);
	ipvs_nl_close(NULL);
}
END_TEST

CHECK_MAIN("ipvs_parse",
	   {"services",
	    0,
	    {test_service_tcp4_stats64, test_service_rate_clamped, test_service_udp6,
	     test_service_sctp, test_service_fwmark, test_service_persistent_netmask,
	     test_service_sh_flags, test_service_pe_name, test_service_stats_only,
	     test_service_addr_4_bytes, test_service_unknown_attrs_ignored}},
	   {"destinations",
	    0,
	    {test_dest_values, test_dest_every_fwd_method, test_dest_mixed_family,
	     test_dest_no_family_attr, test_dest_tunnel}},
	   {"info", 0, {test_info, test_config, test_daemon_master_backup}},
	   /* Valgrind runs these a hundred times slower. */
	   {"malformed",
	    120,
	    {test_truncated_every_length, test_byte_flips, test_attr_len_past_end,
	     test_nest_not_nested, test_wrong_sizes, test_missing_required}},
	   {"builders",
	    0,
	    {test_build_round_trip, test_build_identity_only, test_build_rejects,
	     test_nl_no_socket_calls}})
