/* SPDX-License-Identifier: GPL-2.0-or-later */
/* iptables-nft's nat table (nf_tables "ip nat" / "ip6 nat") read through libnftnl into rules. */
#include "config.h"

/* Before the kernel headers, which would otherwise define struct in_addr first. */
#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "dp_ipt.h"
#include "dp_xt.h"
#include "nls.h"

/*
 * What register 1 holds while a rule's expressions are walked: iptables-nft loads a field
 * (payload, meta), maybe masks it (bitwise, for a prefix not on a byte), then compares.
 */
enum reg_load {
	LOAD_NONE,
	LOAD_L4PROTO,
	LOAD_SADDR,
	LOAD_DADDR,
	LOAD_DPORT,
	LOAD_IFACE,
	LOAD_MARK,
	LOAD_OTHER
};

struct expr_ctx {
	struct dp_ipt_rule *r;
	enum reg_load load;
	unsigned load_len; /* bytes loaded */
	int mask_len;	   /* prefix length of a bitwise mask, -1 when none */
	int err;
};

static int mask_prefix(const uint8_t *m, uint32_t n)
{
	int len = 0;
	for (uint32_t i = 0; i < n; i++)
		len += __builtin_popcount(m[i]);
	return len;
}

static void on_payload(struct expr_ctx *x, const struct nftnl_expr *e)
{
	uint32_t base = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_BASE);
	uint32_t off = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET);
	uint32_t len = nftnl_expr_get_u32(e, NFTNL_EXPR_PAYLOAD_LEN);
	bool v6 = x->r->af == AF_INET6;
	/* A shorter load than the address is a prefix on a byte boundary (-s 10.0.0.0/8). */
	x->load = LOAD_OTHER;
	x->load_len = len;
	x->mask_len = -1;
	if (base == NFT_PAYLOAD_NETWORK_HEADER && off == (v6 ? 8u : 12u) && len <= (v6 ? 16u : 4u))
		x->load = LOAD_SADDR;
	else if (base == NFT_PAYLOAD_NETWORK_HEADER && off == (v6 ? 24u : 16u) &&
		 len <= (v6 ? 16u : 4u))
		x->load = LOAD_DADDR;
	else if (base == NFT_PAYLOAD_TRANSPORT_HEADER && off == 2 && len == 2)
		x->load = LOAD_DPORT;
}

static void on_meta(struct expr_ctx *x, const struct nftnl_expr *e)
{
	uint32_t key = nftnl_expr_get_u32(e, NFTNL_EXPR_META_KEY);
	x->mask_len = -1;
	x->load = key == NFT_META_L4PROTO			       ? LOAD_L4PROTO
		  : key == NFT_META_IIFNAME || key == NFT_META_OIFNAME ? LOAD_IFACE
		  : key == NFT_META_MARK			       ? LOAD_MARK
								       : LOAD_OTHER;
}

static int on_cmp(struct expr_ctx *x, const struct nftnl_expr *e)
{
	struct dp_ipt_rule *r = x->r;
	uint32_t n = 0;
	const uint8_t *d = nftnl_expr_get_data(e, NFTNL_EXPR_CMP_DATA, &n);
	uint32_t op = nftnl_expr_get_u32(e, NFTNL_EXPR_CMP_OP);
	bool inv = op == NFT_CMP_NEQ;
	if (!d || (op != NFT_CMP_EQ && op != NFT_CMP_NEQ))
		return dp_ipt_rule_note(r, "comparison not understood");
	switch (x->load) {
	case LOAD_L4PROTO:
		r->proto = n >= 1 ? d[0] : 0;
		r->proto_inv = inv;
		return 0;
	case LOAD_SADDR:
	case LOAD_DADDR: {
		bool dst = x->load == LOAD_DADDR;
		struct ipvs_addr *a = dst ? &r->dst : &r->src;
		memset(a, 0, sizeof(*a));
		memcpy(a->bytes, d, n < 16 ? n : 16);
		*(dst ? &r->dst_len : &r->src_len) = x->mask_len >= 0 ? x->mask_len : (int)n * 8;
		*(dst ? &r->dst_inv : &r->src_inv) = inv;
		return 0;
	}
	case LOAD_DPORT:
		if (n != 2)
			break;
		r->has_dport = true;
		r->dport_lo = r->dport_hi = (uint16_t)(d[0] << 8 | d[1]);
		r->dport_inv = inv;
		return 0;
	case LOAD_IFACE: /* -i / -o: a condition kube-proxy's special cases use */
	case LOAD_MARK:	 /* -m mark, as iptables-nft writes it: KUBE-POSTROUTING's */
		return 0;
	default:
		break;
	}
	return dp_ipt_rule_note(r, "comparison not understood");
}

static int on_verdict(struct expr_ctx *x, const struct nftnl_expr *e)
{
	struct dp_ipt_rule *r = x->r;
	if (nftnl_expr_get_u32(e, NFTNL_EXPR_IMM_DREG) != NFT_REG_VERDICT)
		return dp_ipt_rule_note(r, "immediate not understood");
	int32_t v = (int32_t)nftnl_expr_get_u32(e, NFTNL_EXPR_IMM_VERDICT);
	switch (v) {
	case NF_ACCEPT:
		r->target = DP_IPT_T_ACCEPT;
		return 0;
	case NF_DROP:
		r->target = DP_IPT_T_DROP;
		return 0;
	case NFT_RETURN:
		r->target = DP_IPT_T_RETURN;
		return 0;
	case NFT_JUMP:
	case NFT_GOTO: {
		const char *c = nftnl_expr_get_str(e, NFTNL_EXPR_IMM_CHAIN);
		r->target = v == NFT_JUMP ? DP_IPT_T_JUMP : DP_IPT_T_GOTO;
		free(r->target_name);
		r->target_name = strdup(c ? c : "");
		return r->target_name ? 0 : -ENOMEM;
	}
	default:
		return dp_ipt_rule_note(r, "verdict not understood");
	}
}

static int on_expr(struct nftnl_expr *e, void *data)
{
	struct expr_ctx *x = data;
	const char *name = nftnl_expr_get_str(e, NFTNL_EXPR_NAME);
	uint32_t len = 0;
	int err = 0;
	if (!name)
		name = "?";
	if (!strcmp(name, "payload")) {
		on_payload(x, e);
	} else if (!strcmp(name, "meta")) {
		on_meta(x, e);
	} else if (!strcmp(name, "bitwise")) {
		const uint8_t *m = nftnl_expr_get_data(e, NFTNL_EXPR_BITWISE_MASK, &len);
		x->mask_len = m ? mask_prefix(m, len) : -1;
	} else if (!strcmp(name, "cmp")) {
		err = on_cmp(x, e);
	} else if (!strcmp(name, "immediate")) {
		err = on_verdict(x, e);
	} else if (!strcmp(name, "match")) {
		const void *info = nftnl_expr_get_data(e, NFTNL_EXPR_MT_INFO, &len);
		const char *mt = nftnl_expr_get_str(e, NFTNL_EXPR_MT_NAME);
		err = dp_xt_match(x->r, mt ? mt : "?", nftnl_expr_get_u32(e, NFTNL_EXPR_MT_REV),
				  info, info ? len : 0);
	} else if (!strcmp(name, "target")) {
		const void *info = nftnl_expr_get_data(e, NFTNL_EXPR_TG_INFO, &len);
		const char *tg = nftnl_expr_get_str(e, NFTNL_EXPR_TG_NAME);
		err = dp_xt_target(x->r, tg ? tg : "?", nftnl_expr_get_u32(e, NFTNL_EXPR_TG_REV),
				   info, info ? len : 0);
	} else if (strcmp(name, "counter")) {
		char buf[64];
		snprintf(buf, sizeof(buf), "expression %.32s", name);
		err = dp_ipt_rule_note(x->r, buf);
	}
	if (err) {
		x->err = err;
		return -1;
	}
	return 0;
}

/* iptables-nft >= 1.8.10 may keep -m comment in the rule's user data (type 0, a string). */
static int udata_comment(struct dp_ipt_rule *r, const struct nftnl_rule *nr)
{
	uint32_t n = 0;
	const uint8_t *u = nftnl_rule_get_data(nr, NFTNL_RULE_USERDATA, &n);
	for (uint32_t off = 0; u && !r->comment && off + 2 <= n; off += 2u + u[off + 1]) {
		uint8_t type = u[off], len = u[off + 1];
		if (off + 2u + len > n)
			break;
		if (type == 0 && len > 0) {
			r->comment = strndup((const char *)u + off + 2, len);
			if (!r->comment)
				return -ENOMEM;
		}
	}
	return 0;
}

struct dump {
	int af;
	const char *table;
	const char *chain; /* of a GETRULE dump */
	uint32_t seq;
	struct dp_ipt_table *t;
	int err;
};

static int on_chain(const struct nlmsghdr *nlh, void *data)
{
	struct dump *d = data;
	struct nftnl_chain *c = nftnl_chain_alloc();
	if (!c || nftnl_chain_nlmsg_parse(nlh, c) < 0) {
		nftnl_chain_free(c);
		d->err = c ? -EINVAL : -ENOMEM;
		return MNL_CB_ERROR;
	}
	const char *table = nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE);
	const char *name = nftnl_chain_get_str(c, NFTNL_CHAIN_NAME);
	int ci = 0;
	if (table && name && !strcmp(table, d->table))
		ci = dp_ipt_table_chain(d->t, name);
	nftnl_chain_free(c);
	if (ci < 0) {
		d->err = ci;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

static int on_rule(const struct nlmsghdr *nlh, void *data)
{
	struct dump *d = data;
	struct nftnl_rule *nr = nftnl_rule_alloc();
	if (!nr || nftnl_rule_nlmsg_parse(nlh, nr) < 0) {
		nftnl_rule_free(nr);
		d->err = nr ? -EINVAL : -ENOMEM;
		return MNL_CB_ERROR;
	}
	const char *table = nftnl_rule_get_str(nr, NFTNL_RULE_TABLE);
	const char *chain = nftnl_rule_get_str(nr, NFTNL_RULE_CHAIN);
	int err = 0;
	if (table && chain && !strcmp(table, d->table)) {
		int ci = dp_ipt_table_chain(d->t, chain);
		struct dp_ipt_rule r = {
		    .chain = (uint32_t)ci, .af = d->af, .dst_len = -1, .src_len = -1};
		struct expr_ctx x = {.r = &r, .mask_len = -1};
		err = ci < 0 ? ci : 0;
		if (!err && nftnl_expr_foreach(nr, on_expr, &x) < 0)
			err = x.err ? x.err : -EINVAL;
		if (!err)
			err = udata_comment(&r, nr);
		if (!err)
			err = dp_ipt_table_add_rule(d->t, &r);
		dp_ipt_rule_free(&r);
	}
	nftnl_rule_free(nr);
	if (err) {
		d->err = err;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

/* One dump request of type (GETCHAIN / GETRULE) for family, each message to cb. */
static int dump(struct mnl_socket *nl, uint16_t type, uint16_t family, mnl_cb_t cb, struct dump *d,
		char *buf, size_t size)
{
	uint32_t seq = ++d->seq;
	struct nlmsghdr *nlh = nftnl_nlmsg_build_hdr(buf, type, family, NLM_F_DUMP, seq);
	if (type == NFT_MSG_GETRULE) { /* only the chain's rules */
		struct nftnl_rule *r = nftnl_rule_alloc();
		if (!r)
			return -ENOMEM;
		nftnl_rule_set_str(r, NFTNL_RULE_TABLE, d->table);
		nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, d->chain);
		nftnl_rule_nlmsg_build_payload(nlh, r);
		nftnl_rule_free(r);
	}
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	uint32_t portid = mnl_socket_get_portid(nl);
	for (;;) {
		ssize_t n = mnl_socket_recvfrom(nl, buf, size);
		if (n < 0)
			return -errno;
		int ret = mnl_cb_run(buf, (size_t)n, seq, portid, cb, d);
		if (ret == MNL_CB_STOP)
			return 0;
		if (ret < 0)
			return d->err ? d->err : -errno;
	}
}

int dp_ipt_nft_read_table(int af, const char *table, struct dp_ipt_table *t, bool *absent,
			  char *why, size_t size)
{
	uint16_t family = af == AF_INET6 ? NFPROTO_IPV6 : NFPROTO_IPV4;
	struct dump d = {.af = af, .table = table, .t = t, .seq = (uint32_t)time(NULL)};
	*absent = false;
	/* Large enough for the kernel to fill with many rules per read (it sends <= 32 KiB). */
	size_t bufsize = 64 * 1024;
	char *buf = malloc(bufsize);
	if (!buf)
		return -ENOMEM;
	struct mnl_socket *nl = mnl_socket_open(NETLINK_NETFILTER);
	if (!nl || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int err = -errno;
		if (nl)
			mnl_socket_close(nl);
		free(buf);
		snprintf(why, size, "%s: %s", _("iptables-nft"), strerror(-err));
		return err;
	}
	int err = dump(nl, NFT_MSG_GETCHAIN, family, on_chain, &d, buf, bufsize);
	if (!err && t->n_chains == 0)
		*absent = true; /* no such table in this family (or nf_tables not loaded) */
	/*
	 * One dump per chain: the kernel resumes a table-wide rule dump by walking every rule
	 * already sent, which made 330,000 rules take two minutes; a chain's dump starts at
	 * its chain (found by hash).
	 */
	for (size_t c = 0, n = t->n_chains; !err && !*absent && c < n; c++) {
		d.chain = t->chains[c];
		err = dump(nl, NFT_MSG_GETRULE, family, on_rule, &d, buf, bufsize);
		if (err == -ENOENT) /* deleted since the chains were read */
			err = 0;
	}
	mnl_socket_close(nl);
	free(buf);
	if (err == -ENOENT) {
		*absent = true;
		err = 0;
	}
	if (err == -EPERM || err == -EACCES) {
		snprintf(why, size, "%s: %s", _("iptables-nft"),
			 _("reading iptables needs CAP_NET_ADMIN (run as root)"));
		return -EPERM;
	}
	if (err)
		snprintf(why, size, "%s: %s", _("iptables-nft"), strerror(-err));
	return err;
}
