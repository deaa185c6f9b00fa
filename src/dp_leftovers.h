/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What other proxy modes left after a switch, what cleans it, and what else that removes. */
#ifndef IPVSTOP_DP_LEFTOVERS_H
#define IPVSTOP_DP_LEFTOVERS_H

#include <stdbool.h>
#include <stddef.h>

#include "dataplane.h"
#include "kube_side.h"
#include "snapshot.h"

/* kube-proxy's proxy modes on Linux. */
enum dp_mode {
	DP_MODE_UNKNOWN = 0,
	DP_MODE_IPVS,
	DP_MODE_IPTABLES,
	DP_MODE_NFTABLES,
};

/* "ipvs", "iptables", "nftables" as kube-proxy says them; anything else (NULL too) unknown. */
enum dp_mode dp_mode_parse(const char *s);
/* The name of a mode, NULL for DP_MODE_UNKNOWN. */
const char *dp_mode_name(enum dp_mode m);

/*
 * kube-proxy's running mode on this node as ipvstop knows it: its own answer on
 * 127.0.0.1:10249/proxyMode, else the "Using X Proxier" line of this node's kube-proxy pod
 * log. The configured mode (ConfigMap, DaemonSet flag) is not used: during a switch it is
 * what kube-proxy will run, not what it runs. *from is "proxyMode", "log" or NULL (unknown).
 * kv may be NULL.
 */
enum dp_mode dp_leftovers_mode(const struct kube_view *kv, const char **from);

/* What a mode leaves on the node, one entry each (in this order, the JSON "what"). */
enum dp_leftover_what {
	DPL_IPVS_SERVICES = 0, /* "ipvs-services": virtual services of kube-proxy's shape */
	DPL_KUBE_IPVS0,	       /* "kube-ipvs0": the dummy interface holding Service IPs */
	DPL_IPSETS,	       /* "ipsets": KUBE-* sets with IPv4 names */
	DPL_IPSETS_V6,	       /* "ipsets-v6": KUBE-6-* sets (IPv6) */
	DPL_IPTABLES_NFT,      /* "iptables-nft": KUBE-* chains in iptables-nft's nat table */
	DPL_IPTABLES_LEGACY,   /* "iptables-legacy": the same in x_tables */
	DPL_NFTABLES,	       /* "nftables": the tables ip/ip6 kube-proxy */
	DPL_N
};

/* The JSON name of an entry ("ipvs-services", ...). */
const char *dp_leftover_name(enum dp_leftover_what w);

/* How kube-proxy's cleanup deals with an entry (pkg/proxy/{ipvs,iptables,nftables}). */
enum dp_cleanup {
	/* `kube-proxy --cleanup` removes it (it runs the cleanup of every mode). */
	DPC_KUBE_PROXY = 0,
	/*
	 * Nothing of kube-proxy's removes it: the IPVS cleanup destroys only the IPv4 names of
	 * its sets, so KUBE-6-* sets stay until `ipset destroy` or a reboot.
	 */
	DPC_BY_HAND,
};

/* One thing present on the node that belongs to a proxy mode. */
struct dp_leftover {
	enum dp_leftover_what what;
	enum dp_mode mode; /* the mode it belongs to */
	bool present;	   /* entries with present false are not listed */
	/*
	 * It belongs to a mode kube-proxy does not run (only when the running mode is known).
	 * iptables chains in ipvs mode count only with frontends: ipvs mode keeps KUBE-SERVICES
	 * and friends of its own, but never a KUBE-SVC-/KUBE-SEP- chain.
	 */
	bool leftover;
	/*
	 * ipvs-services: kube-proxy's virtual services; kube-ipvs0: addresses; ipsets: sets;
	 * iptables: rules in nat; nftables: rules in kube-proxy's tables.
	 */
	size_t count;
	size_t frontends; /* iptables, nftables: frontends read from those rules */
	size_t full;	  /* ipsets: sets at maxelem */
	/*
	 * ipvs-services: virtual services no Service explains (made by hand, or by another
	 * tool) that the IPVS cleanup flushes too: it empties the whole table. not_known true
	 * when this cannot be told (no Services from the cluster: every one counted in count).
	 */
	size_t not_kube_proxy;
	bool not_known;
	enum dp_cleanup cleanup;
	/*
	 * kube-proxy in the running mode runs this cleanup itself when it starts (nftables mode
	 * cleans the iptables and ipvs modes' state; the iptables and ipvs modes clean
	 * nftables'): a leftover still here means that cleanup failed or could not see it
	 * (iptables: it cleans only the backend its own iptables binary uses).
	 */
	bool cleaned_at_start;
};

struct dp_leftovers {
	enum dp_mode mode;	     /* the running mode the entries are judged against */
	const char *mode_from;	     /* "proxyMode", "log" or NULL */
	struct dp_leftover e[DPL_N]; /* indexed by what */
	size_t n_present, n_leftover;
};

/*
 * Fills *out from what dp read (may be NULL: then only the IPVS table of s counts), the
 * IPVS table of s, and the running mode. j (may be NULL) is the join of s with the cluster:
 * a virtual service is kube-proxy's when a Service explains it (owners[i].service >= 0);
 * without j every virtual service counts as kube-proxy's and not_known is set. Pure: no
 * I/O, no allocation; s, dp and j are only read.
 */
void dp_leftovers_find(const struct dataplane *dp, const struct snapshot *s,
		       const struct kube_join *j, enum dp_mode mode, struct dp_leftovers *out);

/*
 * dp_leftovers_find with the mode and join from kv (may be NULL: mode unknown, no join;
 * a join of a cluster not yet listed is not used).
 */
void dp_leftovers_of(const struct snapshot *s, const struct kube_view *kv,
		     struct dp_leftovers *out);

#endif
