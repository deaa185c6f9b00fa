/* SPDX-License-Identifier: GPL-2.0-or-later */
/* x_tables match and target blobs decoded into a dp_ipt_rule, for both iptables backends. */
#include "config.h"

/* Before the kernel headers, which would otherwise define struct in_addr first. */
#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_nat.h>
#include <linux/netfilter/xt_addrtype.h>
#include <linux/netfilter/xt_comment.h>
#include <linux/netfilter/xt_recent.h>
#include <linux/netfilter/xt_sctp.h>
#include <linux/netfilter/xt_statistic.h>
#include <linux/netfilter/xt_tcpudp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dp_xt.h"

double dp_xt_probability(uint32_t fraction)
{
	/* libxt_statistic stores lround(p * 2^31); the kernel compares with a 31-bit random. */
	return (double)fraction / 2147483648.0;
}

static int note_short(struct dp_ipt_rule *r, const char *kind, const char *name, unsigned rev)
{
	char buf[80];
	snprintf(buf, sizeof(buf), "%s %s rev %u not understood", kind, name, rev);
	return dp_ipt_rule_note(r, buf);
}

static int match_comment(struct dp_ipt_rule *r, const void *data, size_t len)
{
	/* The kernel keeps 256 bytes, NUL-terminated by iptables; never trust that here. */
	size_t n = len < XT_MAX_COMMENT_LEN ? len : XT_MAX_COMMENT_LEN;
	const char *s = data;
	size_t l = strnlen(s, n);
	char *c = malloc(l + 1);
	if (!c)
		return -ENOMEM;
	memcpy(c, s, l);
	c[l] = '\0';
	free(r->comment);
	r->comment = c;
	return 0;
}

static int match_statistic(struct dp_ipt_rule *r, unsigned rev, const void *data, size_t len)
{
	struct xt_statistic_info si;
	if (len < offsetof(struct xt_statistic_info, master))
		return note_short(r, "match", "statistic", rev);
	memcpy(&si, data, offsetof(struct xt_statistic_info, master));
	if (si.mode != XT_STATISTIC_MODE_RANDOM || (si.flags & XT_STATISTIC_INVERT))
		return dp_ipt_rule_note(r, "statistic other than --mode random");
	r->has_probability = true;
	r->probability = dp_xt_probability(si.u.random.probability);
	return 0;
}

static void set_dports(struct dp_ipt_rule *r, uint16_t lo, uint16_t hi, bool inv)
{
	/* 0:65535 is what iptables stores when the rule gives no --dport. */
	if (lo == 0 && hi == 0xffff && !inv)
		return;
	r->has_dport = true;
	r->dport_lo = lo;
	r->dport_hi = hi;
	r->dport_inv = inv;
}

static int match_ports(struct dp_ipt_rule *r, const char *name, unsigned rev, const void *data,
		       size_t len)
{
	if (!strcmp(name, "tcp")) {
		struct xt_tcp t;
		if (len < sizeof(t))
			return note_short(r, "match", name, rev);
		memcpy(&t, data, sizeof(t));
		set_dports(r, t.dpts[0], t.dpts[1], t.invflags & XT_TCP_INV_DSTPT);
		if (t.spts[0] != 0 || t.spts[1] != 0xffff || t.flg_mask || t.option)
			return dp_ipt_rule_note(r, "tcp match on more than --dport");
	} else if (!strcmp(name, "udp")) {
		struct xt_udp u;
		if (len < sizeof(u))
			return note_short(r, "match", name, rev);
		memcpy(&u, data, sizeof(u));
		set_dports(r, u.dpts[0], u.dpts[1], u.invflags & XT_UDP_INV_DSTPT);
		if (u.spts[0] != 0 || u.spts[1] != 0xffff)
			return dp_ipt_rule_note(r, "udp match on more than --dport");
	} else {
		struct xt_sctp_info s;
		if (len < sizeof(s))
			return note_short(r, "match", name, rev);
		memcpy(&s, data, sizeof(s));
		if (s.flags & XT_SCTP_DEST_PORTS)
			set_dports(r, s.dpts[0], s.dpts[1], s.invflags & XT_SCTP_DEST_PORTS);
		if (s.flags & ~XT_SCTP_DEST_PORTS)
			return dp_ipt_rule_note(r, "sctp match on more than --dport");
	}
	return 0;
}

static int match_addrtype(struct dp_ipt_rule *r, unsigned rev, const void *data, size_t len)
{
	uint16_t src, dst;
	bool inv_src, inv_dst;
	if (rev == 1 && len >= sizeof(struct xt_addrtype_info_v1)) {
		struct xt_addrtype_info_v1 a;
		memcpy(&a, data, sizeof(a));
		src = a.source;
		dst = a.dest;
		inv_src = a.flags & XT_ADDRTYPE_INVERT_SOURCE;
		inv_dst = a.flags & XT_ADDRTYPE_INVERT_DEST;
	} else if (rev == 0 && len >= sizeof(struct xt_addrtype_info)) {
		struct xt_addrtype_info a;
		memcpy(&a, data, sizeof(a));
		src = a.source;
		dst = a.dest;
		inv_src = a.invert_source;
		inv_dst = a.invert_dest;
	} else {
		return note_short(r, "match", "addrtype", rev);
	}
	if ((src && src != XT_ADDRTYPE_LOCAL) || (dst && dst != XT_ADDRTYPE_LOCAL) ||
	    (src && inv_src) || (dst && inv_dst))
		return dp_ipt_rule_note(r, "addrtype other than LOCAL");
	r->src_local = src == XT_ADDRTYPE_LOCAL;
	r->dst_local = dst == XT_ADDRTYPE_LOCAL;
	return 0;
}

static int match_recent(struct dp_ipt_rule *r, unsigned rev, const void *data, size_t len)
{
	/* Revision 1 only adds a mask after revision 0's fields: the flags are where they were. */
	struct xt_recent_mtinfo m;
	if (rev > 1 || len < sizeof(m))
		return note_short(r, "match", "recent", rev);
	memcpy(&m, data, sizeof(m));
	if (m.check_set & XT_RECENT_CHECK)
		r->recent_check = true;
	if (m.check_set & XT_RECENT_SET)
		r->recent_set = true;
	if (!r->recent_check && !r->recent_set)
		return dp_ipt_rule_note(r, "recent other than --rcheck / --set");
	return 0;
}

int dp_xt_match(struct dp_ipt_rule *r, const char *name, unsigned rev, const void *data, size_t len)
{
	if (!strcmp(name, "comment"))
		return match_comment(r, data, len);
	if (!strcmp(name, "statistic"))
		return match_statistic(r, rev, data, len);
	if (!strcmp(name, "tcp") || !strcmp(name, "udp") || !strcmp(name, "sctp"))
		return match_ports(r, name, rev, data, len);
	if (!strcmp(name, "addrtype"))
		return match_addrtype(r, rev, data, len);
	if (!strcmp(name, "recent"))
		return match_recent(r, rev, data, len);
	/* kube-proxy's KUBE-POSTROUTING and its localhost NodePort counters: no routing. */
	if (!strcmp(name, "mark") || !strcmp(name, "nfacct"))
		return 0;
	char buf[64];
	snprintf(buf, sizeof(buf), "match %.32s", name);
	return dp_ipt_rule_note(r, buf);
}

static int dnat_v4(struct dp_ipt_rule *r, const void *data, size_t len)
{
	struct nf_nat_ipv4_multi_range_compat mr;
	if (len < sizeof(mr))
		return note_short(r, "target", "DNAT", 0);
	memcpy(&mr, data, sizeof(mr));
	if (mr.rangesize != 1 || !(mr.range[0].flags & NF_NAT_RANGE_MAP_IPS) ||
	    mr.range[0].min_ip != mr.range[0].max_ip)
		return dp_ipt_rule_note(r, "DNAT to a range");
	r->dnat_af = AF_INET;
	memset(&r->dnat_addr, 0, sizeof(r->dnat_addr));
	memcpy(r->dnat_addr.bytes, &mr.range[0].min_ip, 4);
	if (mr.range[0].flags & NF_NAT_RANGE_PROTO_SPECIFIED)
		r->dnat_port = ntohs(mr.range[0].min.all);
	r->target = DP_IPT_T_DNAT;
	return 0;
}

static int dnat_range(struct dp_ipt_rule *r, unsigned rev, const void *data, size_t len)
{
	/* nf_nat_range2 only appends base_proto to nf_nat_range. */
	struct nf_nat_range nr;
	if (len < sizeof(nr))
		return note_short(r, "target", "DNAT", rev);
	memcpy(&nr, data, sizeof(nr));
	size_t alen = r->af == AF_INET6 ? 16 : 4;
	if (!(nr.flags & NF_NAT_RANGE_MAP_IPS) || memcmp(&nr.min_addr, &nr.max_addr, alen))
		return dp_ipt_rule_note(r, "DNAT to a range");
	r->dnat_af = r->af;
	memset(&r->dnat_addr, 0, sizeof(r->dnat_addr));
	memcpy(r->dnat_addr.bytes, &nr.min_addr, alen);
	if (nr.flags & NF_NAT_RANGE_PROTO_SPECIFIED)
		r->dnat_port = ntohs(nr.min_proto.all);
	r->target = DP_IPT_T_DNAT;
	return 0;
}

int dp_xt_target(struct dp_ipt_rule *r, const char *name, unsigned rev, const void *data,
		 size_t len)
{
	char *n = strdup(name);
	if (!n)
		return -ENOMEM;
	free(r->target_name);
	r->target_name = n;
	r->target = DP_IPT_T_OTHER;
	if (!strcmp(name, "REJECT")) {
		r->target = DP_IPT_T_REJECT;
		return 0;
	}
	if (strcmp(name, "DNAT"))
		return 0;
	/* Revision 0 is IPv4 only; 1 and 2 are per family, IPv6's only form. */
	if (rev == 0 && r->af == AF_INET)
		return dnat_v4(r, data, len);
	if (rev == 1 || rev == 2)
		return dnat_range(r, rev, data, len);
	return note_short(r, "target", "DNAT", rev);
}
