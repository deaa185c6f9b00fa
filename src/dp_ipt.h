/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kube-proxy's iptables mode read into the data-plane model: nat rules, then frontends. */
#ifndef IPVSTOP_DP_IPT_H
#define IPVSTOP_DP_IPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataplane.h"

/*
 * Reads iptables' nat table (IPv4 and IPv6) of one backend, which is DP_IPTABLES_NFT
 * (nf_tables' tables "ip nat" / "ip6 nat", through libnftnl) or DP_IPTABLES_LEGACY
 * (x_tables, through libiptc), and adds a frontend to dp for each address kube-proxy's
 * KUBE-SERVICES and KUBE-NODEPORTS chains send to a Service, with the endpoints its
 * KUBE-SVC-/KUBE-SVL- and KUBE-SEP- chains DNAT to. Never writes a rule.
 *
 * Sets dp->planes[which]: read, present (a KUBE-SERVICES chain exists), n_rules,
 * n_services_rules, n_unrecognised. A missing nat table or chain is "not present", not an
 * error. Returns 0, or -errno (also recorded with dataplane_set_error): -EPERM without
 * CAP_NET_ADMIN, -ENOMEM, -EINVAL for another plane. Frontends added before an error stay.
 */
int dp_ipt_read(struct dataplane *dp, enum dp_plane_kind which);

/* What a rule does when it matches. */
enum dp_ipt_target {
	DP_IPT_T_NONE = 0, /* no target: the rule only counts */
	DP_IPT_T_JUMP,	   /* to a user chain (name in target) */
	DP_IPT_T_GOTO,
	DP_IPT_T_RETURN,
	DP_IPT_T_ACCEPT,
	DP_IPT_T_DROP,
	DP_IPT_T_REJECT,
	DP_IPT_T_DNAT,	/* to dnat_af / dnat_addr / dnat_port */
	DP_IPT_T_OTHER, /* another target extension (name in target): MARK, MASQUERADE, ... */
};

/* One rule as both backends decode it; what kube-proxy's rules use, nothing more. */
struct dp_ipt_rule {
	uint32_t chain; /* index in the table's chains */
	int af;		/* AF_INET / AF_INET6: the table's family */
	/* -d / -s: prefix length -1 when the rule has none */
	struct ipvs_addr dst, src;
	int dst_len, src_len;
	bool dst_inv, src_inv;
	uint16_t proto; /* IPPROTO_*, 0 for any */
	bool proto_inv;
	bool has_dport; /* --dport lo[:hi] of a tcp / udp / sctp match */
	bool dport_inv;
	uint16_t dport_lo, dport_hi;
	char *comment;	      /* owned, NULL when none */
	bool has_probability; /* -m statistic --mode random */
	double probability;
	bool dst_local, src_local; /* -m addrtype --dst-type / --src-type LOCAL */
	bool recent_check;	   /* -m recent --rcheck (session affinity) */
	bool recent_set;	   /* -m recent --set */
	enum dp_ipt_target target;
	char *target_name; /* owned: the chain jumped to, or the extension's name; may be NULL */
	int dnat_af;
	struct ipvs_addr dnat_addr;
	uint16_t dnat_port; /* host byte order, 0 when the DNAT keeps the port */
	/* owned, NULL when the whole rule was understood: what was not ("match owner", ...) */
	char *note;
};

/* A nat table: its chains (names owned, unique) and rules (chain by chain, in order). */
struct dp_ipt_table {
	char **chains;
	size_t n_chains, cap_chains;
	struct dp_ipt_rule *rules;
	size_t n_rules, cap_rules;
	uint32_t *index; /* open-addressing hash of chains by name, cap_index slots */
	size_t cap_index;
};

/*
 * The index of chain name in t, added when absent. Returns the index (>= 0) or -ENOMEM.
 */
int dp_ipt_table_chain(struct dp_ipt_table *t, const char *name);

/* The index of chain name, or -1 when t has no such chain. */
int dp_ipt_table_find(const struct dp_ipt_table *t, const char *name);

/*
 * Appends *r to t, taking ownership of its pointers (r is zeroed). Returns 0 or -ENOMEM
 * (r's memory then freed).
 */
int dp_ipt_table_add_rule(struct dp_ipt_table *t, struct dp_ipt_rule *r);

/* Frees what a rule owns and zeroes it. */
void dp_ipt_rule_free(struct dp_ipt_rule *r);

/* Appends to the rule's note (owned) "; "-separated. Returns 0 or -ENOMEM. */
int dp_ipt_rule_note(struct dp_ipt_rule *r, const char *what);

/* Frees everything t owns and zeroes it. */
void dp_ipt_table_free(struct dp_ipt_table *t);

/*
 * Turns t (read from plane which) into frontends of dp, and sets the plane's present,
 * n_rules, n_services_rules and n_unrecognised (added to what is there, so the IPv4 and
 * IPv6 tables of a plane add up). t is only read. Returns 0 or -ENOMEM.
 */
int dp_ipt_interpret(const struct dp_ipt_table *t, struct dataplane *dp, enum dp_plane_kind which);

/*
 * Adds a frontend marked no_endpoints for each REJECT or DROP of the filter table's
 * KUBE-SERVICES (cluster IPs) and KUBE-EXTERNAL-SERVICES (NodePorts, external and load
 * balancer IPs: the rule does not say which, they are external-ip), where kube-proxy
 * rejects Services without endpoints. A frontend the nat table already gave is marked
 * instead of added twice. Returns 0 or -ENOMEM.
 */
int dp_ipt_interpret_filter(const struct dp_ipt_table *t, struct dataplane *dp,
			    enum dp_plane_kind which);

/*
 * The transports: read table (iptables' "nat" or "filter") of family af (AF_INET /
 * AF_INET6) into t. Both return 0 (t filled; a table that does not exist leaves t empty
 * and sets *absent), or -errno with why (size bytes) saying what failed.
 */
int dp_ipt_nft_read_table(int af, const char *table, struct dp_ipt_table *t, bool *absent,
			  char *why, size_t size);
int dp_ipt_legacy_read_table(int af, const char *table, struct dp_ipt_table *t, bool *absent,
			     char *why, size_t size);

#endif
