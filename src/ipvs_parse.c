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

struct attr_rule {
	unsigned char kind;
	unsigned char max; /* ATTR_STRING: room including the NUL */
};

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
	switch (r->kind) {
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
		return strnlen((const char *)a->data, a->len) < r->max;
	default:
		return true;
	}
}

/* Walks one level and checks the size of each attribute that has a rule. */
static int attrs_parse(const unsigned char *p, size_t len, struct attr *tb, int maxtype,
		       const struct attr_rule *rules)
{
	int err = attrs_walk(p, len, tb, maxtype);
	if (err)
		return err;
	for (int t = 0; t <= maxtype; t++)
		if (tb[t].data && !rule_ok(&rules[t], &tb[t]))
			return -EINVAL;
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

static uint8_t get_u8(const struct attr *a)
{
	return a->data[0];
}

static uint16_t get_u16(const struct attr *a)
{
	uint16_t v;
	memcpy(&v, a->data, sizeof(v));
	return v;
}

/* Ports: the kernel puts them with nla_put_be16. */
static uint16_t get_be16(const struct attr *a)
{
	return ntohs(get_u16(a));
}

static uint32_t get_u32(const struct attr *a)
{
	uint32_t v;
	memcpy(&v, a->data, sizeof(v));
	return v;
}

static uint64_t get_u64(const struct attr *a)
{
	uint64_t v;
	memcpy(&v, a->data, sizeof(v));
	return v;
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
static const struct attr_rule stats32_rules[IPVS_STATS_ATTR_MAX + 1] = {
	[IPVS_STATS_ATTR_CONNS] = {ATTR_U32, 0},    [IPVS_STATS_ATTR_INPKTS] = {ATTR_U32, 0},
	[IPVS_STATS_ATTR_OUTPKTS] = {ATTR_U32, 0},  [IPVS_STATS_ATTR_INBYTES] = {ATTR_U64, 0},
	[IPVS_STATS_ATTR_OUTBYTES] = {ATTR_U64, 0}, [IPVS_STATS_ATTR_CPS] = {ATTR_U32, 0},
	[IPVS_STATS_ATTR_INPPS] = {ATTR_U32, 0},    [IPVS_STATS_ATTR_OUTPPS] = {ATTR_U32, 0},
	[IPVS_STATS_ATTR_INBPS] = {ATTR_U32, 0},    [IPVS_STATS_ATTR_OUTBPS] = {ATTR_U32, 0},
};

/* IPVS_*_ATTR_STATS64 (Linux 4.1+): every counter whole. */
static const struct attr_rule stats64_rules[IPVS_STATS_ATTR_MAX + 1] = {
	[IPVS_STATS_ATTR_CONNS] = {ATTR_U64, 0},    [IPVS_STATS_ATTR_INPKTS] = {ATTR_U64, 0},
	[IPVS_STATS_ATTR_OUTPKTS] = {ATTR_U64, 0},  [IPVS_STATS_ATTR_INBYTES] = {ATTR_U64, 0},
	[IPVS_STATS_ATTR_OUTBYTES] = {ATTR_U64, 0}, [IPVS_STATS_ATTR_CPS] = {ATTR_U64, 0},
	[IPVS_STATS_ATTR_INPPS] = {ATTR_U64, 0},    [IPVS_STATS_ATTR_OUTPPS] = {ATTR_U64, 0},
	[IPVS_STATS_ATTR_INBPS] = {ATTR_U64, 0},    [IPVS_STATS_ATTR_OUTBPS] = {ATTR_U64, 0},
};

static uint64_t get_counter(const struct attr *a)
{
	if (!a->data)
		return 0;
	return a->len == 8 ? get_u64(a) : get_u32(a);
}

/* Reads STATS64 when the kernel sent it, else the older 32-bit STATS. */
static int parse_stats(const struct attr *stats, const struct attr *stats64,
		       struct ipvs_stats *out)
{
	struct attr a[IPVS_STATS_ATTR_MAX + 1];
	int err;

	memset(out, 0, sizeof(*out));
	if (stats64->data)
		err = attrs_parse_nested(stats64, a, IPVS_STATS_ATTR_MAX, stats64_rules);
	else if (stats->data)
		err = attrs_parse_nested(stats, a, IPVS_STATS_ATTR_MAX, stats32_rules);
	else
		return 0;
	if (err)
		return err;
	out->conns = get_counter(&a[IPVS_STATS_ATTR_CONNS]);
	out->inpkts = get_counter(&a[IPVS_STATS_ATTR_INPKTS]);
	out->outpkts = get_counter(&a[IPVS_STATS_ATTR_OUTPKTS]);
	out->inbytes = get_counter(&a[IPVS_STATS_ATTR_INBYTES]);
	out->outbytes = get_counter(&a[IPVS_STATS_ATTR_OUTBYTES]);
	out->cps = get_counter(&a[IPVS_STATS_ATTR_CPS]);
	out->inpps = get_counter(&a[IPVS_STATS_ATTR_INPPS]);
	out->outpps = get_counter(&a[IPVS_STATS_ATTR_OUTPPS]);
	out->inbps = get_counter(&a[IPVS_STATS_ATTR_INBPS]);
	out->outbps = get_counter(&a[IPVS_STATS_ATTR_OUTBPS]);
	return 0;
}

/* ---- commands ---- */

static const struct attr_rule cmd_rules[IPVS_CMD_ATTR_MAX + 1] = {
	[IPVS_CMD_ATTR_SERVICE] = {ATTR_NESTED, 0},
	[IPVS_CMD_ATTR_DEST] = {ATTR_NESTED, 0},
	[IPVS_CMD_ATTR_DAEMON] = {ATTR_NESTED, 0},
	[IPVS_CMD_ATTR_TIMEOUT_TCP] = {ATTR_U32, 0},
	[IPVS_CMD_ATTR_TIMEOUT_TCP_FIN] = {ATTR_U32, 0},
	[IPVS_CMD_ATTR_TIMEOUT_UDP] = {ATTR_U32, 0},
};

static const struct attr_rule svc_rules[IPVS_SVC_ATTR_MAX + 1] = {
	[IPVS_SVC_ATTR_AF] = {ATTR_U16, 0},
	[IPVS_SVC_ATTR_PROTOCOL] = {ATTR_U16, 0},
	[IPVS_SVC_ATTR_ADDR] = {ATTR_INADDR, 0},
	[IPVS_SVC_ATTR_PORT] = {ATTR_U16, 0},
	[IPVS_SVC_ATTR_FWMARK] = {ATTR_U32, 0},
	[IPVS_SVC_ATTR_SCHED_NAME] = {ATTR_STRING, IPVS_SCHED_NAME_LEN},
	[IPVS_SVC_ATTR_FLAGS] = {ATTR_FLAGS, 0},
	[IPVS_SVC_ATTR_TIMEOUT] = {ATTR_U32, 0},
	[IPVS_SVC_ATTR_NETMASK] = {ATTR_U32, 0},
	[IPVS_SVC_ATTR_STATS] = {ATTR_NESTED, 0},
	[IPVS_SVC_ATTR_PE_NAME] = {ATTR_STRING, IPVS_PE_NAME_LEN},
	[IPVS_SVC_ATTR_STATS64] = {ATTR_NESTED, 0},
};

static const struct attr_rule dest_rules[IPVS_DEST_ATTR_MAX + 1] = {
	[IPVS_DEST_ATTR_ADDR] = {ATTR_INADDR, 0},
	[IPVS_DEST_ATTR_PORT] = {ATTR_U16, 0},
	[IPVS_DEST_ATTR_FWD_METHOD] = {ATTR_U32, 0},
	[IPVS_DEST_ATTR_WEIGHT] = {ATTR_U32, 0},
	[IPVS_DEST_ATTR_U_THRESH] = {ATTR_U32, 0},
	[IPVS_DEST_ATTR_L_THRESH] = {ATTR_U32, 0},
	[IPVS_DEST_ATTR_ACTIVE_CONNS] = {ATTR_U32, 0},
	[IPVS_DEST_ATTR_INACT_CONNS] = {ATTR_U32, 0},
	[IPVS_DEST_ATTR_PERSIST_CONNS] = {ATTR_U32, 0},
	[IPVS_DEST_ATTR_STATS] = {ATTR_NESTED, 0},
	[IPVS_DEST_ATTR_ADDR_FAMILY] = {ATTR_U16, 0},
	[IPVS_DEST_ATTR_STATS64] = {ATTR_NESTED, 0},
	[IPVS_DEST_ATTR_TUN_TYPE] = {ATTR_U8, 0},
	[IPVS_DEST_ATTR_TUN_PORT] = {ATTR_U16, 0},
	[IPVS_DEST_ATTR_TUN_FLAGS] = {ATTR_U16, 0},
};

static const struct attr_rule daemon_rules[IPVS_DAEMON_ATTR_MAX + 1] = {
	[IPVS_DAEMON_ATTR_STATE] = {ATTR_U32, 0},
	[IPVS_DAEMON_ATTR_MCAST_IFN] = {ATTR_STRING, sizeof(((struct ipvs_daemon *)0)->mcast_ifn)},
	[IPVS_DAEMON_ATTR_SYNC_ID] = {ATTR_U32, 0},
	[IPVS_DAEMON_ATTR_SYNC_MAXLEN] = {ATTR_U16, 0},
	[IPVS_DAEMON_ATTR_MCAST_GROUP] = {ATTR_IN4, 0},
	[IPVS_DAEMON_ATTR_MCAST_GROUP6] = {ATTR_IN6, 0},
	[IPVS_DAEMON_ATTR_MCAST_PORT] = {ATTR_U16, 0},
	[IPVS_DAEMON_ATTR_MCAST_TTL] = {ATTR_U8, 0},
};

static const struct attr_rule info_rules[IPVS_INFO_ATTR_MAX + 1] = {
	[IPVS_INFO_ATTR_VERSION] = {ATTR_U32, 0},
	[IPVS_INFO_ATTR_CONN_TAB_SIZE] = {ATTR_U32, 0},
};

/* Finds the one nested attribute of type cmd_attr and walks it with rules. */
static int msg_parse_nest(const struct nlmsghdr *nlh, int cmd_attr, struct attr *tb,
			  int maxtype, const struct attr_rule *rules)
{
	struct attr top[IPVS_CMD_ATTR_MAX + 1];
	int err = msg_parse(nlh, top, IPVS_CMD_ATTR_MAX, cmd_rules);
	if (err)
		return err;
	if (!top[cmd_attr].data)
		return -ENOMSG;
	return attrs_parse_nested(&top[cmd_attr], tb, maxtype, rules);
}

int ipvs_parse_service(const struct nlmsghdr *nlh, struct ipvs_service *out)
{
	struct attr a[IPVS_SVC_ATTR_MAX + 1];

	memset(out, 0, sizeof(*out));
	int err = msg_parse_nest(nlh, IPVS_CMD_ATTR_SERVICE, a, IPVS_SVC_ATTR_MAX, svc_rules);
	if (err)
		return err;

	if (!a[IPVS_SVC_ATTR_AF].data || !a[IPVS_SVC_ATTR_SCHED_NAME].data)
		return -ENOMSG;
	out->af = get_u16(&a[IPVS_SVC_ATTR_AF]);
	if (!af_known(out->af))
		return -EINVAL;

	/* A fwmark service comes with neither protocol, address nor port. */
	if (a[IPVS_SVC_ATTR_FWMARK].data)
		out->fwmark = get_u32(&a[IPVS_SVC_ATTR_FWMARK]);
	if (!out->fwmark && !(a[IPVS_SVC_ATTR_PROTOCOL].data && a[IPVS_SVC_ATTR_ADDR].data &&
			      a[IPVS_SVC_ATTR_PORT].data))
		return -ENOMSG;
	if (a[IPVS_SVC_ATTR_PROTOCOL].data)
		out->protocol = get_u16(&a[IPVS_SVC_ATTR_PROTOCOL]);
	if (a[IPVS_SVC_ATTR_ADDR].data && get_addr(&a[IPVS_SVC_ATTR_ADDR], out->af, &out->addr))
		return -EINVAL;
	if (a[IPVS_SVC_ATTR_PORT].data)
		out->port = get_be16(&a[IPVS_SVC_ATTR_PORT]);

	get_string(&a[IPVS_SVC_ATTR_SCHED_NAME], out->sched, sizeof(out->sched));
	if (a[IPVS_SVC_ATTR_PE_NAME].data)
		get_string(&a[IPVS_SVC_ATTR_PE_NAME], out->pe, sizeof(out->pe));
	if (a[IPVS_SVC_ATTR_FLAGS].data) {
		struct ip_vs_flags f;
		memcpy(&f, a[IPVS_SVC_ATTR_FLAGS].data, sizeof(f));
		out->flags = f.flags; /* the kernel sends mask ~0 */
	}
	if (a[IPVS_SVC_ATTR_TIMEOUT].data)
		out->timeout = get_u32(&a[IPVS_SVC_ATTR_TIMEOUT]);
	/*
	 * The kernel copies svc->netmask out raw (nla_put_be32): an IPv4 mask is already in
	 * network order, an IPv6 prefix length is a plain number. Either way it is kept as sent
	 * so that ipvs_nl_set_service() can hand it back unchanged.
	 */
	if (a[IPVS_SVC_ATTR_NETMASK].data)
		out->netmask = get_u32(&a[IPVS_SVC_ATTR_NETMASK]);

	return parse_stats(&a[IPVS_SVC_ATTR_STATS], &a[IPVS_SVC_ATTR_STATS64], &out->stats);
}

int ipvs_parse_dest(const struct nlmsghdr *nlh, int svc_af, struct ipvs_dest *out)
{
	struct attr a[IPVS_DEST_ATTR_MAX + 1];

	memset(out, 0, sizeof(*out));
	int err = msg_parse_nest(nlh, IPVS_CMD_ATTR_DEST, a, IPVS_DEST_ATTR_MAX, dest_rules);
	if (err)
		return err;

	if (!a[IPVS_DEST_ATTR_ADDR].data || !a[IPVS_DEST_ATTR_PORT].data)
		return -ENOMSG;
	/* Kernels before 4.3 (no mixed-family services) send no ADDR_FAMILY. */
	out->af = a[IPVS_DEST_ATTR_ADDR_FAMILY].data ? get_u16(&a[IPVS_DEST_ATTR_ADDR_FAMILY])
						      : svc_af;
	if (!af_known(out->af))
		return -EINVAL;
	if (get_addr(&a[IPVS_DEST_ATTR_ADDR], out->af, &out->addr))
		return -EINVAL;
	out->port = get_be16(&a[IPVS_DEST_ATTR_PORT]);

	if (a[IPVS_DEST_ATTR_FWD_METHOD].data)
		out->fwd = get_u32(&a[IPVS_DEST_ATTR_FWD_METHOD]) & IP_VS_CONN_F_FWD_MASK;
	if (a[IPVS_DEST_ATTR_WEIGHT].data)
		out->weight = (int32_t)get_u32(&a[IPVS_DEST_ATTR_WEIGHT]);
	if (a[IPVS_DEST_ATTR_U_THRESH].data)
		out->u_thresh = get_u32(&a[IPVS_DEST_ATTR_U_THRESH]);
	if (a[IPVS_DEST_ATTR_L_THRESH].data)
		out->l_thresh = get_u32(&a[IPVS_DEST_ATTR_L_THRESH]);
	if (a[IPVS_DEST_ATTR_ACTIVE_CONNS].data)
		out->active_conns = get_u32(&a[IPVS_DEST_ATTR_ACTIVE_CONNS]);
	if (a[IPVS_DEST_ATTR_INACT_CONNS].data)
		out->inactive_conns = get_u32(&a[IPVS_DEST_ATTR_INACT_CONNS]);
	if (a[IPVS_DEST_ATTR_PERSIST_CONNS].data)
		out->persist_conns = get_u32(&a[IPVS_DEST_ATTR_PERSIST_CONNS]);
	/* Tunnel attributes: Linux 5.2+ (type, port), 5.3+ (flags). */
	if (a[IPVS_DEST_ATTR_TUN_TYPE].data)
		out->tun_type = get_u8(&a[IPVS_DEST_ATTR_TUN_TYPE]);
	if (a[IPVS_DEST_ATTR_TUN_PORT].data)
		out->tun_port = get_be16(&a[IPVS_DEST_ATTR_TUN_PORT]);
	if (a[IPVS_DEST_ATTR_TUN_FLAGS].data)
		out->tun_flags = get_u16(&a[IPVS_DEST_ATTR_TUN_FLAGS]);

	return parse_stats(&a[IPVS_DEST_ATTR_STATS], &a[IPVS_DEST_ATTR_STATS64], &out->stats);
}

int ipvs_parse_info(const struct nlmsghdr *nlh, uint32_t *version, uint32_t *conn_tab_size)
{
	struct attr a[IPVS_INFO_ATTR_MAX + 1];

	*version = *conn_tab_size = 0;
	int err = msg_parse(nlh, a, IPVS_INFO_ATTR_MAX, info_rules);
	if (err)
		return err;
	if (!a[IPVS_INFO_ATTR_VERSION].data || !a[IPVS_INFO_ATTR_CONN_TAB_SIZE].data)
		return -ENOMSG;
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

	memset(out, 0, sizeof(*out));
	int err = msg_parse_nest(nlh, IPVS_CMD_ATTR_DAEMON, a, IPVS_DAEMON_ATTR_MAX,
				 daemon_rules);
	if (err)
		return err;
	if (!a[IPVS_DAEMON_ATTR_STATE].data || !a[IPVS_DAEMON_ATTR_MCAST_IFN].data ||
	    !a[IPVS_DAEMON_ATTR_SYNC_ID].data)
		return -ENOMSG;

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
	get_string(&a[IPVS_DAEMON_ATTR_MCAST_IFN], out->mcast_ifn, sizeof(out->mcast_ifn));
	out->syncid = get_u32(&a[IPVS_DAEMON_ATTR_SYNC_ID]);

	/* The rest arrived with Linux 4.3; the kernel fills in its defaults before sending. */
	if (a[IPVS_DAEMON_ATTR_SYNC_MAXLEN].data)
		out->sync_maxlen = get_u16(&a[IPVS_DAEMON_ATTR_SYNC_MAXLEN]);
	if (a[IPVS_DAEMON_ATTR_MCAST_GROUP6].data) {
		out->mcast_af = AF_INET6;
		memcpy(out->mcast_group.bytes, a[IPVS_DAEMON_ATTR_MCAST_GROUP6].data, 16);
	} else if (a[IPVS_DAEMON_ATTR_MCAST_GROUP].data) {
		out->mcast_af = AF_INET;
		memcpy(out->mcast_group.bytes, a[IPVS_DAEMON_ATTR_MCAST_GROUP].data, 4);
	}
	/* Unlike service and destination ports, the sync port is a host-order u16. */
	if (a[IPVS_DAEMON_ATTR_MCAST_PORT].data)
		out->mcast_port = get_u16(&a[IPVS_DAEMON_ATTR_MCAST_PORT]);
	if (a[IPVS_DAEMON_ATTR_MCAST_TTL].data)
		out->mcast_ttl = get_u8(&a[IPVS_DAEMON_ATTR_MCAST_TTL]);
	return 0;
}
