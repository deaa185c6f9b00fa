/* SPDX-License-Identifier: GPL-2.0-or-later */
/* iptables-legacy's nat table (x_tables) read through libiptc into dp_ipt rules. */
#include "config.h"

/* Before the kernel headers, which would otherwise define struct in_addr first. */
#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <libiptc/libip6tc.h>
#include <libiptc/libiptc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dp_ipt.h"
#include "dp_xt.h"
#include "nls.h"

static int prefix_len(const uint8_t *mask, size_t n)
{
	int len = 0;
	for (size_t i = 0; i < n; i++)
		len += __builtin_popcount(mask[i]);
	return len;
}

/* The matches between the entry's header and its target, each decoded by dp_xt. */
static int decode_matches(struct dp_ipt_rule *r, const unsigned char *elems, size_t n)
{
	size_t off = 0;
	while (off + sizeof(struct xt_entry_match) <= n) {
		const struct xt_entry_match *m = (const void *)(elems + off);
		size_t size = m->u.match_size;
		if (size < sizeof(*m) || off + size > n)
			return dp_ipt_rule_note(r, "malformed match");
		char name[XT_EXTENSION_MAXNAMELEN + 1];
		snprintf(name, sizeof(name), "%.*s", XT_EXTENSION_MAXNAMELEN, m->u.user.name);
		int err = dp_xt_match(r, name, m->u.user.revision, m->data, size - sizeof(*m));
		if (err)
			return err;
		off += size;
	}
	return 0;
}

/*
 * The target: libiptc names a standard target's verdict or chain ("ACCEPT", "KUBE-SVC-X",
 * "" for none); an extension's name is in the target itself, with its data.
 */
static int decode_target(struct dp_ipt_rule *r, const struct xt_entry_target *t, const char *label,
			 bool is_goto)
{
	if (t->u.user.name[0]) {
		char name[XT_EXTENSION_MAXNAMELEN + 1];
		snprintf(name, sizeof(name), "%.*s", XT_EXTENSION_MAXNAMELEN, t->u.user.name);
		return dp_xt_target(r, name, t->u.user.revision, t->data,
				    t->u.target_size - sizeof(*t));
	}
	static const struct {
		const char *name;
		enum dp_ipt_target target;
	} verdicts[] = {{"", DP_IPT_T_NONE},
			{"ACCEPT", DP_IPT_T_ACCEPT},
			{"DROP", DP_IPT_T_DROP},
			{"RETURN", DP_IPT_T_RETURN}};
	r->target = is_goto ? DP_IPT_T_GOTO : DP_IPT_T_JUMP;
	for (size_t i = 0; i < sizeof(verdicts) / sizeof(verdicts[0]); i++)
		if (!strcmp(label, verdicts[i].name))
			r->target = verdicts[i].target;
	r->target_name = strdup(label);
	return r->target_name ? 0 : -ENOMEM;
}

/* A mask of n bytes as a prefix length; -1 for an all-zero one (no address to match). */
static int mask_len(const void *mask, size_t n)
{
	static const uint8_t zero[16];
	return memcmp(mask, zero, n) ? prefix_len(mask, n) : -1;
}

/*
 * What struct ipt_entry and struct ip6t_entry both hold (their IPT_INV_* and IP6T_INV_* bits
 * are the same), found in either by ENTRY_VIEW.
 */
struct entry_view {
	int af;
	size_t alen;
	const void *dst, *dmsk, *src, *smsk;
	uint8_t invflags;
	uint16_t proto;
	bool is_goto;
	const unsigned char *elems;
	size_t elems_len;
	const struct xt_entry_target *target;
};

/* The view of entry e, whose address part is e->ip (ip) or e->ipv6 (ipv6). */
#define ENTRY_VIEW(e, ipf, af_, goto_flag, proto_)                                               \
	((struct entry_view){.af = (af_),                                                        \
			     .alen = sizeof((e)->ipf.dst),                                       \
			     .dst = &(e)->ipf.dst,                                               \
			     .dmsk = &(e)->ipf.dmsk,                                             \
			     .src = &(e)->ipf.src,                                               \
			     .smsk = &(e)->ipf.smsk,                                             \
			     .invflags = (e)->ipf.invflags,                                      \
			     .proto = (uint16_t)(proto_),                                        \
			     .is_goto = ((e)->ipf.flags & (goto_flag)) != 0,                     \
			     .elems = (e)->elems,                                                \
			     .elems_len = (e)->target_offset - sizeof(*(e)),                     \
			     .target = (const void *)((const char *)(e) + (e)->target_offset)})

static int decode_entry(const struct entry_view *v, const char *label, struct dp_ipt_rule *r)
{
	r->af = v->af;
	r->dst_len = mask_len(v->dmsk, v->alen);
	r->src_len = mask_len(v->smsk, v->alen);
	memcpy(r->dst.bytes, v->dst, v->alen);
	memcpy(r->src.bytes, v->src, v->alen);
	r->dst_inv = v->invflags & IPT_INV_DSTIP;
	r->src_inv = v->invflags & IPT_INV_SRCIP;
	r->proto = v->proto;
	r->proto_inv = v->invflags & XT_INV_PROTO;
	int err = decode_matches(r, v->elems, v->elems_len);
	if (!err)
		err = decode_target(r, v->target, label, v->is_goto);
	return err;
}

_Static_assert(IPT_INV_DSTIP == IP6T_INV_DSTIP && IPT_INV_SRCIP == IP6T_INV_SRCIP,
	       "ip_tables and ip6_tables invert flags differ");

/*
 * Whether /proc/net/ip{,6}_tables_names lists table in this network namespace. Asking
 * libiptc for a table the namespace does not have would make the kernel load its module
 * (iptable_nat): a reader must not change the node.
 */
static int has_table(int af, const char *table, bool *yes)
{
	const char *path =
	    af == AF_INET6 ? "/proc/net/ip6_tables_names" : "/proc/net/ip_tables_names";
	*yes = false;
	FILE *f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : -errno; /* ENOENT: x_tables not loaded at all */
	char line[64];
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!strcmp(line, table))
			*yes = true;
	}
	fclose(f);
	return 0;
}

static int fail(int err, char *why, size_t size, const char *what, const char *detail)
{
	snprintf(why, size, "%s: %s", what, detail);
	return err;
}

/* One family's walk; v6 picks libip6tc's functions, which mirror libiptc's. */
static int read_rules(int af, struct xtc_handle *h, struct dp_ipt_table *t)
{
	bool v6 = af == AF_INET6;
	for (const char *c = v6 ? ip6tc_first_chain(h) : iptc_first_chain(h); c;
	     c = v6 ? ip6tc_next_chain(h) : iptc_next_chain(h)) {
		int ci = dp_ipt_table_chain(t, c);
		if (ci < 0)
			return ci;
		const void *e =
		    v6 ? (const void *)ip6tc_first_rule(c, h) : (const void *)iptc_first_rule(c, h);
		for (; e; e = v6 ? (const void *)ip6tc_next_rule(e, h)
				 : (const void *)iptc_next_rule(e, h)) {
			struct dp_ipt_rule r = {.chain = (uint32_t)ci};
			const char *label = v6 ? ip6tc_get_target(e, h) : iptc_get_target(e, h);
			const struct ipt_entry *e4 = e;
			const struct ip6t_entry *e6 = e;
			struct entry_view v =
			    v6 ? ENTRY_VIEW(e6, ipv6, AF_INET6, IP6T_F_GOTO,
					    (e6->ipv6.flags & IP6T_F_PROTO) ? e6->ipv6.proto : 0)
			       : ENTRY_VIEW(e4, ip, AF_INET, IPT_F_GOTO, e4->ip.proto);
			int err = decode_entry(&v, label ? label : "", &r);
			if (!err)
				err = dp_ipt_table_add_rule(t, &r);
			dp_ipt_rule_free(&r);
			if (err)
				return err;
		}
	}
	return 0;
}

int dp_ipt_legacy_read_table(int af, const char *table, struct dp_ipt_table *t, bool *absent,
			     char *why, size_t size)
{
	bool yes;
	int err = has_table(af, table, &yes);
	*absent = !yes;
	if (err == -EACCES || err == -EPERM) /* the names file is root's, mode 0440 */
		return fail(-EPERM, why, size, _("iptables-legacy"),
			    _("reading iptables needs CAP_NET_ADMIN (run as root)"));
	if (err)
		return fail(err, why, size, "ip_tables_names", strerror(-err));
	if (!yes)
		return 0;
	struct xtc_handle *h = af == AF_INET6 ? ip6tc_init(table) : iptc_init(table);
	if (!h) {
		err = errno ? -errno : -EIO;
		if (err == -ENOENT) { /* gone since the names were read */
			*absent = true;
			return 0;
		}
		if (err == -EPERM || err == -EACCES)
			return fail(-EPERM, why, size, _("iptables-legacy"),
				    _("reading iptables needs CAP_NET_ADMIN (run as root)"));
		return fail(err, why, size, _("iptables-legacy"),
			    af == AF_INET6 ? ip6tc_strerror(errno) : iptc_strerror(errno));
	}
	err = read_rules(af, h, t);
	if (af == AF_INET6)
		ip6tc_free(h);
	else
		iptc_free(h);
	return err ? fail(err, why, size, _("iptables-legacy"), strerror(-err)) : 0;
}
