/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Turns IPVS generic netlink replies into snapshot structs, checking every length first. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/genetlink.h>
#include <linux/ip_vs.h>

#include "ipvs_parse.h"

/*
 * The walker below reads only what lies inside the length it was given: the message's
 * nlmsg_len at the top, an attribute's nla_len below it. Values are copied out with memcpy:
 * the kernel aligns attributes to 4 bytes only, and on architectures with cheap unaligned
 * loads it puts u64 counters without the IPVS_STATS_ATTR_PAD attribute that would align them.
 */

/* What an attribute type must look like. Types without a rule are ignored. */
enum attr_kind {
	ATTR_ANY = 0,
	ATTR_U8,
	ATTR_U16,
	ATTR_U32,
	ATTR_U64,
	ATTR_FLAGS,  /* struct ip_vs_flags */
	ATTR_INADDR, /* 4 or 16 bytes: the kernel sends a whole union nf_inet_addr */
	ATTR_IN4,    /* exactly 4 bytes */
	ATTR_IN6,    /* exactly 16 bytes */
	ATTR_STRING, /* shorter than .max once cut at the first NUL */
	ATTR_NESTED, /* checked when it is walked */
};
/* Or'ed into a kind: the attribute must be there (-ENOMSG when it is not). */
#define NEEDED 0x80

/* How attrs_copy() puts an attribute into the output struct. */
enum attr_copy {
	COPY_NONE = 0, /* read by hand, or not at all */
	COPY_UINT,     /* the number, widened to the field's size */
	COPY_BE16,     /* a port: network order to host order */
	COPY_STRING,   /* NUL-terminated into the char array */
};

struct attr_rule {
	unsigned char kind;
	unsigned char copy;  /* enum attr_copy */
	unsigned char size;  /* the output field's size; ATTR_STRING: room including the NUL */
	unsigned short off;  /* the output field's offset */
};

/* The rule of an attribute that attrs_copy() puts into field of struct type T. */
#define TO(T, kind, copy, field) {kind, copy, sizeof(((T *)0)->field), offsetof(T, field)}

/* One attribute's payload as found by attrs_walk; data is NULL when absent. */
struct attr {
	const unsigned char *data;
	size_t len;
};

static int attrs_walk(const unsigned char *p, size_t len, struct attr *tb, int maxtype)
{
	memset(tb, 0, sizeof(*tb) * (size_t)(maxtype + 1));
	while (len >= NLA_HDRLEN) {
		struct nlattr nla;
		memcpy(&nla, p, sizeof(nla));
		if (nla.nla_len < NLA_HDRLEN || nla.nla_len > len)
			return -EINVAL;
		/*
		 * The kernel nests IPVS attributes without NLA_F_NESTED (nla_nest_start_noflag),
		 * so that flag cannot tell a nest from a blob; mask it off as nla_type() does.
		 */
		int type = nla.nla_type & NLA_TYPE_MASK;
		if (type <= maxtype) {
			/* A later duplicate wins, as in the kernel's nla_parse(). */
			tb[type].data = p + NLA_HDRLEN;
			tb[type].len = (size_t)nla.nla_len - NLA_HDRLEN;
		}
		size_t step = NLA_ALIGN((size_t)nla.nla_len);
		if (step >= len)
			return 0; /* the last attribute's padding may be left out */
		p += step;
		len -= step;
	}
	/* Bytes left over that cannot hold an attribute header: not an attribute stream. */
	return len == 0 ? 0 : -EINVAL;
}

static bool rule_ok(const struct attr_rule *r, const struct attr *a)
{
	switch (r->kind & ~NEEDED) {
	case ATTR_U8:
		return a->len == 1;
	case ATTR_U16:
		return a->len == 2;
	case ATTR_U32:
		return a->len == 4;
	case ATTR_U64:
		return a->len == 8;
	case ATTR_FLAGS:
		return a->len == sizeof(struct ip_vs_flags);
	case ATTR_INADDR:
		return a->len == 4 || a->len == 16;
	case ATTR_IN4:
		return a->len == 4;
	case ATTR_IN6:
		return a->len == 16;
	case ATTR_STRING:
		return strnlen((const char *)a->data, a->len) < r->size;
	default:
		return true;
	}
}

/* Walks one level, checks the size of each attribute that has a rule and that the NEEDED
 * ones are there. */
static int attrs_parse(const unsigned char *p, size_t len, struct attr *tb, int maxtype,
		       const struct attr_rule *rules)
{
	int err = attrs_walk(p, len, tb, maxtype);
	if (err)
		return err;
	for (int t = 0; t <= maxtype; t++)
		if (tb[t].data && !rule_ok(&rules[t], &tb[t]))
			return -EINVAL;
	for (int t = 0; t <= maxtype; t++)
		if ((rules[t].kind & NEEDED) && !tb[t].data)
			return -ENOMSG;
	return 0;
}

static int attrs_parse_nested(const struct attr *outer, struct attr *tb, int maxtype,
			      const struct attr_rule *rules)
{
	return attrs_parse(outer->data, outer->len, tb, maxtype, rules);
}

/* The top level, after the netlink and genetlink headers (IPVS has no family header). */
static int msg_parse(const struct nlmsghdr *nlh, struct attr *tb, int maxtype,
		     const struct attr_rule *rules)
{
	if (!nlh)
		return -EINVAL;
	const unsigned char *base = (const unsigned char *)nlh;
	uint32_t len;
	uint16_t type;
	memcpy(&len, base + offsetof(struct nlmsghdr, nlmsg_len), sizeof(len));
	if (len < NLMSG_HDRLEN + GENL_HDRLEN)
		return -EINVAL;
	memcpy(&type, base + offsetof(struct nlmsghdr, nlmsg_type), sizeof(type));
	/* NLMSG_ERROR, NLMSG_DONE and the like are not replies of the family. */
	if (type < NLMSG_MIN_TYPE)
		return -EINVAL;
	size_t off = NLMSG_HDRLEN + GENL_HDRLEN;
	return attrs_parse(base + off, len - off, tb, maxtype, rules);
}

static uint16_t get_u16(const struct attr *a)
{
	uint16_t v;
	memcpy(&v, a->data, sizeof(v));
	return v;
}

static uint32_t get_u32(const struct attr *a)
{
	uint32_t v;
	memcpy(&v, a->data, sizeof(v));
	return v;
}

/* A number attribute of 1, 2, 4 or 8 bytes (its rule checked which). */
static uint64_t get_uint(const struct attr *a)
{
	uint8_t v8;
	uint64_t v64;
	switch (a->len) {
	case 1:
		memcpy(&v8, a->data, 1);
		return v8;
	case 2:
		return get_u16(a);
	case 4:
		return get_u32(a);
	default:
		memcpy(&v64, a->data, sizeof(v64));
		return v64;
	}
}

/* Stores v into the field of size bytes at p. */
static void put_uint(unsigned char *p, size_t size, uint64_t v)
{
	/* Clamped, not cut: a STATS64 rate past 2^32 stays the highest (struct ipvs_stats). */
	uint8_t v8 = v > UINT8_MAX ? UINT8_MAX : (uint8_t)v;
	uint16_t v16 = v > UINT16_MAX ? UINT16_MAX : (uint16_t)v;
	uint32_t v32 = v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
	memcpy(p, size == 1 ? (const void *)&v8 : size == 2 ? (const void *)&v16
					      : size == 4 ? (const void *)&v32 : (const void *)&v,
	       size);
}

/* Copies a string attribute (checked by ATTR_STRING to fit) and terminates it. */
static void get_string(const struct attr *a, char *buf, size_t size)
{
	size_t n = strnlen((const char *)a->data, a->len);
	if (n >= size)
		n = size - 1;
	memcpy(buf, a->data, n);
	buf[n] = '\0';
}

/* Every attribute present whose rule says where it goes, into the struct at out. */
static void attrs_copy(const struct attr *tb, int maxtype, const struct attr_rule *rules,
		       void *out)
{
	for (int t = 0; t <= maxtype; t++) {
		const struct attr_rule *r = &rules[t];
		unsigned char *field = (unsigned char *)out + r->off;
		if (!tb[t].data || r->copy == COPY_NONE)
			continue;
		if (r->copy == COPY_STRING)
			get_string(&tb[t], (char *)field, r->size);
		else if (r->copy == COPY_BE16)
			put_uint(field, r->size, ntohs(get_u16(&tb[t])));
		else
			put_uint(field, r->size, get_uint(&tb[t]));
	}
}

/* Copies an address of family af; what the family does not use stays zero. */
static int get_addr(const struct attr *a, int af, struct ipvs_addr *out)
{
	size_t need = af == AF_INET6 ? 16 : 4;
	memset(out, 0, sizeof(*out));
	if (a->len < need)
		return -EINVAL;
	memcpy(out->bytes, a->data, need);
	return 0;
}

static bool af_known(int af)
{
	return af == AF_INET || af == AF_INET6;
}

/* ---- counters ---- */

/* IPVS_*_ATTR_STATS: the kernel truncates everything but the byte counters to u32. */
#define STATS(kind, field) TO(struct ipvs_stats, kind, COPY_UINT, field)
static const struct attr_rule stats_rules[IPVS_STATS_ATTR_MAX + 1] = {
	[IPVS_STATS_ATTR_CONNS] = STATS(ATTR_U32, conns),
	[IPVS_STATS_ATTR_INPKTS] = STATS(ATTR_U32, inpkts),
	[IPVS_STATS_ATTR_OUTPKTS] = STATS(ATTR_U32, outpkts),
	[IPVS_STATS_ATTR_INBYTES] = STATS(ATTR_U64, inbytes),
	[IPVS_STATS_ATTR_OUTBYTES] = STATS(ATTR_U64, outbytes),
	[IPVS_STATS_ATTR_CPS] = STATS(ATTR_U32, cps),
	[IPVS_STATS_ATTR_INPPS] = STATS(ATTR_U32, inpps),
	[IPVS_STATS_ATTR_OUTPPS] = STATS(ATTR_U32, outpps),
	[IPVS_STATS_ATTR_INBPS] = STATS(ATTR_U32, inbps),
	[IPVS_STATS_ATTR_OUTBPS] = STATS(ATTR_U32, outbps),
};

/* Reads STATS64 when the kernel sent it, else the older 32-bit STATS. */
static int parse_stats(const struct attr *stats, const struct attr *stats64,
		       struct ipvs_stats *out)
{
	struct attr a[IPVS_STATS_ATTR_MAX + 1];
	struct attr_rule rules64[IPVS_STATS_ATTR_MAX + 1];
	int err;

	memset(out, 0, sizeof(*out));
	/* IPVS_*_ATTR_STATS64 (Linux 4.1+): the same counters, every one whole. */
	memcpy(rules64, stats_rules, sizeof(rules64));
	for (int t = 0; t <= IPVS_STATS_ATTR_MAX; t++)
		if (rules64[t].kind)
			rules64[t].kind = ATTR_U64;
	if (stats64->data)
		err = attrs_parse_nested(stats64, a, IPVS_STATS_ATTR_MAX, rules64);
	else if (stats->data)
		err = attrs_parse_nested(stats, a, IPVS_STATS_ATTR_MAX, stats_rules);
	else
		return 0;
	if (err)
		return err;
	attrs_copy(a, IPVS_STATS_ATTR_MAX, stats_rules, out);
	return 0;
}

/* ---- commands ---- */

/* The rule of an attribute that is only checked here, and read by hand or not at all. */
#define CHECK(k) {.kind = (k)}

static const struct attr_rule cmd_rules[IPVS_CMD_ATTR_MAX + 1] = {
	[IPVS_CMD_ATTR_SERVICE] = CHECK(ATTR_NESTED),
	[IPVS_CMD_ATTR_DEST] = CHECK(ATTR_NESTED),
	[IPVS_CMD_ATTR_DAEMON] = CHECK(ATTR_NESTED),
	[IPVS_CMD_ATTR_TIMEOUT_TCP] = CHECK(ATTR_U32),
	[IPVS_CMD_ATTR_TIMEOUT_TCP_FIN] = CHECK(ATTR_U32),
	[IPVS_CMD_ATTR_TIMEOUT_UDP] = CHECK(ATTR_U32),
};

/*
 * The kernel copies svc->netmask out raw (nla_put_be32): an IPv4 mask is already in network
 * order, an IPv6 prefix length is a plain number. Either way it is kept as sent so that
 * ipvs_nl_set_service() can hand it back unchanged.
 */
#define SVC(kind, copy, field) TO(struct ipvs_service, kind, copy, field)
static const struct attr_rule svc_rules[IPVS_SVC_ATTR_MAX + 1] = {
	[IPVS_SVC_ATTR_AF] = SVC(ATTR_U16 | NEEDED, COPY_UINT, af),
	[IPVS_SVC_ATTR_PROTOCOL] = SVC(ATTR_U16, COPY_UINT, protocol),
	[IPVS_SVC_ATTR_ADDR] = CHECK(ATTR_INADDR),
	[IPVS_SVC_ATTR_PORT] = SVC(ATTR_U16, COPY_BE16, port),
	[IPVS_SVC_ATTR_FWMARK] = SVC(ATTR_U32, COPY_UINT, fwmark),
	[IPVS_SVC_ATTR_SCHED_NAME] = SVC(ATTR_STRING | NEEDED, COPY_STRING, sched),
	[IPVS_SVC_ATTR_FLAGS] = CHECK(ATTR_FLAGS),
	[IPVS_SVC_ATTR_TIMEOUT] = SVC(ATTR_U32, COPY_UINT, timeout),
	[IPVS_SVC_ATTR_NETMASK] = SVC(ATTR_U32, COPY_UINT, netmask),
	[IPVS_SVC_ATTR_STATS] = CHECK(ATTR_NESTED),
	[IPVS_SVC_ATTR_PE_NAME] = SVC(ATTR_STRING, COPY_STRING, pe),
	[IPVS_SVC_ATTR_STATS64] = CHECK(ATTR_NESTED),
};

/* Kernels before 4.3 (no mixed-family services) send no ADDR_FAMILY; tunnel attributes came
 * with Linux 5.2 (type, port) and 5.3 (flags). */
#define DEST(kind, copy, field) TO(struct ipvs_dest, kind, copy, field)
static const struct attr_rule dest_rules[IPVS_DEST_ATTR_MAX + 1] = {
	[IPVS_DEST_ATTR_ADDR] = CHECK(ATTR_INADDR | NEEDED),
	[IPVS_DEST_ATTR_PORT] = DEST(ATTR_U16 | NEEDED, COPY_BE16, port),
	[IPVS_DEST_ATTR_FWD_METHOD] = CHECK(ATTR_U32),
	[IPVS_DEST_ATTR_WEIGHT] = DEST(ATTR_U32, COPY_UINT, weight),
	[IPVS_DEST_ATTR_U_THRESH] = DEST(ATTR_U32, COPY_UINT, u_thresh),
	[IPVS_DEST_ATTR_L_THRESH] = DEST(ATTR_U32, COPY_UINT, l_thresh),
	[IPVS_DEST_ATTR_ACTIVE_CONNS] = DEST(ATTR_U32, COPY_UINT, active_conns),
	[IPVS_DEST_ATTR_INACT_CONNS] = DEST(ATTR_U32, COPY_UINT, inactive_conns),
	[IPVS_DEST_ATTR_PERSIST_CONNS] = DEST(ATTR_U32, COPY_UINT, persist_conns),
	[IPVS_DEST_ATTR_STATS] = CHECK(ATTR_NESTED),
	[IPVS_DEST_ATTR_ADDR_FAMILY] = DEST(ATTR_U16, COPY_UINT, af),
	[IPVS_DEST_ATTR_STATS64] = CHECK(ATTR_NESTED),
	[IPVS_DEST_ATTR_TUN_TYPE] = DEST(ATTR_U8, COPY_UINT, tun_type),
	[IPVS_DEST_ATTR_TUN_PORT] = DEST(ATTR_U16, COPY_BE16, tun_port),
	[IPVS_DEST_ATTR_TUN_FLAGS] = DEST(ATTR_U16, COPY_UINT, tun_flags),
};

/* The sync daemon: the fields after SYNC_ID arrived with Linux 4.3 (the kernel fills in its
 * defaults before sending); unlike service and destination ports, its port is host order. */
#define DAEMON(kind, copy, field) TO(struct ipvs_daemon, kind, copy, field)
static const struct attr_rule daemon_rules[IPVS_DAEMON_ATTR_MAX + 1] = {
	[IPVS_DAEMON_ATTR_STATE] = CHECK(ATTR_U32 | NEEDED),
	[IPVS_DAEMON_ATTR_MCAST_IFN] = DAEMON(ATTR_STRING | NEEDED, COPY_STRING, mcast_ifn),
	[IPVS_DAEMON_ATTR_SYNC_ID] = DAEMON(ATTR_U32 | NEEDED, COPY_UINT, syncid),
	[IPVS_DAEMON_ATTR_SYNC_MAXLEN] = DAEMON(ATTR_U16, COPY_UINT, sync_maxlen),
	[IPVS_DAEMON_ATTR_MCAST_GROUP] = CHECK(ATTR_IN4),
	[IPVS_DAEMON_ATTR_MCAST_GROUP6] = CHECK(ATTR_IN6),
	[IPVS_DAEMON_ATTR_MCAST_PORT] = DAEMON(ATTR_U16, COPY_UINT, mcast_port),
	[IPVS_DAEMON_ATTR_MCAST_TTL] = DAEMON(ATTR_U8, COPY_UINT, mcast_ttl),
};

static const struct attr_rule info_rules[IPVS_INFO_ATTR_MAX + 1] = {
	[IPVS_INFO_ATTR_VERSION] = CHECK(ATTR_U32 | NEEDED),
	[IPVS_INFO_ATTR_CONN_TAB_SIZE] = CHECK(ATTR_U32 | NEEDED),
};

/*
 * Zeroes *out (size bytes), finds the one nested attribute of type cmd_attr, walks it with
 * rules into tb and copies every attribute that has a field into *out.
 */
static int msg_read_nest(const struct nlmsghdr *nlh, int cmd_attr, struct attr *tb,
			 int maxtype, const struct attr_rule *rules, void *out, size_t size)
{
	struct attr top[IPVS_CMD_ATTR_MAX + 1];
	memset(out, 0, size);
	int err = msg_parse(nlh, top, IPVS_CMD_ATTR_MAX, cmd_rules);
	if (err)
		return err;
	if (!top[cmd_attr].data)
		return -ENOMSG;
	err = attrs_parse_nested(&top[cmd_attr], tb, maxtype, rules);
	if (err)
		return err;
	attrs_copy(tb, maxtype, rules, out);
	return 0;
}

int ipvs_parse_service(const struct nlmsghdr *nlh, struct ipvs_service *out)
{
	struct attr a[IPVS_SVC_ATTR_MAX + 1];

	int err = msg_read_nest(nlh, IPVS_CMD_ATTR_SERVICE, a, IPVS_SVC_ATTR_MAX, svc_rules, out,
				sizeof(*out));
	if (err)
		return err;
	if (!af_known(out->af))
		return -EINVAL;
	/* A fwmark service comes with neither protocol, address nor port. */
	if (!out->fwmark && !(a[IPVS_SVC_ATTR_PROTOCOL].data && a[IPVS_SVC_ATTR_ADDR].data &&
			      a[IPVS_SVC_ATTR_PORT].data))
		return -ENOMSG;
	if (a[IPVS_SVC_ATTR_ADDR].data && get_addr(&a[IPVS_SVC_ATTR_ADDR], out->af, &out->addr))
		return -EINVAL;
	if (a[IPVS_SVC_ATTR_FLAGS].data) {
		struct ip_vs_flags f;
		memcpy(&f, a[IPVS_SVC_ATTR_FLAGS].data, sizeof(f));
		out->flags = f.flags; /* the kernel sends mask ~0 */
	}
	return parse_stats(&a[IPVS_SVC_ATTR_STATS], &a[IPVS_SVC_ATTR_STATS64], &out->stats);
}

int ipvs_parse_dest(const struct nlmsghdr *nlh, int svc_af, struct ipvs_dest *out)
{
	struct attr a[IPVS_DEST_ATTR_MAX + 1];

	int err = msg_read_nest(nlh, IPVS_CMD_ATTR_DEST, a, IPVS_DEST_ATTR_MAX, dest_rules, out,
				sizeof(*out));
	if (err)
		return err;
	if (!a[IPVS_DEST_ATTR_ADDR_FAMILY].data)
		out->af = svc_af;
	if (!af_known(out->af))
		return -EINVAL;
	if (get_addr(&a[IPVS_DEST_ATTR_ADDR], out->af, &out->addr))
		return -EINVAL;
	if (a[IPVS_DEST_ATTR_FWD_METHOD].data)
		out->fwd = get_u32(&a[IPVS_DEST_ATTR_FWD_METHOD]) & IP_VS_CONN_F_FWD_MASK;
	return parse_stats(&a[IPVS_DEST_ATTR_STATS], &a[IPVS_DEST_ATTR_STATS64], &out->stats);
}

int ipvs_parse_info(const struct nlmsghdr *nlh, uint32_t *version, uint32_t *conn_tab_size)
{
	struct attr a[IPVS_INFO_ATTR_MAX + 1];

	*version = *conn_tab_size = 0;
	int err = msg_parse(nlh, a, IPVS_INFO_ATTR_MAX, info_rules);
	if (err)
		return err;
	*version = get_u32(&a[IPVS_INFO_ATTR_VERSION]);
	*conn_tab_size = get_u32(&a[IPVS_INFO_ATTR_CONN_TAB_SIZE]);
	return 0;
}

int ipvs_parse_config(const struct nlmsghdr *nlh, uint32_t *tcp, uint32_t *tcp_fin,
		      uint32_t *udp)
{
	struct attr a[IPVS_CMD_ATTR_MAX + 1];

	*tcp = *tcp_fin = *udp = 0;
	int err = msg_parse(nlh, a, IPVS_CMD_ATTR_MAX, cmd_rules);
	if (err)
		return err;
	/*
	 * Each timeout is sent only when the kernel was built with that protocol
	 * (CONFIG_IP_VS_PROTO_TCP / _UDP); a missing one reads as 0, as ipvsadm shows it.
	 */
	if (a[IPVS_CMD_ATTR_TIMEOUT_TCP].data)
		*tcp = get_u32(&a[IPVS_CMD_ATTR_TIMEOUT_TCP]);
	if (a[IPVS_CMD_ATTR_TIMEOUT_TCP_FIN].data)
		*tcp_fin = get_u32(&a[IPVS_CMD_ATTR_TIMEOUT_TCP_FIN]);
	if (a[IPVS_CMD_ATTR_TIMEOUT_UDP].data)
		*udp = get_u32(&a[IPVS_CMD_ATTR_TIMEOUT_UDP]);
	return 0;
}

int ipvs_parse_daemon(const struct nlmsghdr *nlh, struct ipvs_daemon *out)
{
	struct attr a[IPVS_DAEMON_ATTR_MAX + 1];

	int err = msg_read_nest(nlh, IPVS_CMD_ATTR_DAEMON, a, IPVS_DAEMON_ATTR_MAX, daemon_rules,
				out, sizeof(*out));
	if (err)
		return err;

	/* One message per running daemon, so the state is one bit, never both. */
	switch (get_u32(&a[IPVS_DAEMON_ATTR_STATE])) {
	case IP_VS_STATE_MASTER:
		strcpy(out->state, "master");
		break;
	case IP_VS_STATE_BACKUP:
		strcpy(out->state, "backup");
		break;
	default:
		return -EINVAL;
	}
	if (a[IPVS_DAEMON_ATTR_MCAST_GROUP6].data) {
		out->mcast_af = AF_INET6;
		memcpy(out->mcast_group.bytes, a[IPVS_DAEMON_ATTR_MCAST_GROUP6].data, 16);
	} else if (a[IPVS_DAEMON_ATTR_MCAST_GROUP].data) {
		out->mcast_af = AF_INET;
		memcpy(out->mcast_group.bytes, a[IPVS_DAEMON_ATTR_MCAST_GROUP].data, 4);
	}
	return 0;
}
