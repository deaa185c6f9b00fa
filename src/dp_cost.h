/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What a new connection costs in this node's own tables, per data plane: pure derivation. */
#ifndef IPVSTOP_DP_COST_H
#define IPVSTOP_DP_COST_H

#include <stdbool.h>
#include <stddef.h>

#include "dataplane.h"
#include "snapshot.h"

/* How the first packet of a new connection finds its Service in a plane. */
enum dp_cost_how {
	DPC_LINEAR = 0, /* iptables: KUBE-SERVICES walked rule by rule until one matches */
	DPC_HASH,	/* ipvs: one lookup in the kernel's hash table of virtual services */
	DPC_VMAP,	/* nftables: one lookup in the service-ips verdict map */
};

/* "linear", "hash", "verdict-map" (JSON). */
const char *dp_cost_how_name(enum dp_cost_how h);

struct dp_cost_line {
	enum dp_plane_kind plane;
	enum dp_cost_how how;
	/*
	 * What the lookup is among: iptables, the rules in KUBE-SERVICES (the most a new
	 * connection walks); ipvs, the virtual services; nftables, the frontends in its maps.
	 */
	size_t size;
	bool kube_proxy_runs; /* kube-proxy on this node says it runs this mode (/proxyMode) */
	bool have_sync;	      /* its measured sync time applies (kube_proxy_runs and metrics) */
	double sync_mean;     /* seconds a sync of its rules takes, mean */
	double sync_count;
};

struct dp_cost {
	struct dp_cost_line line[DP_N_PLANES];
	size_t n; /* the planes present, in enum order */
};

/*
 * One line per plane present on this node: IPVS when s has virtual services, the others
 * when s->dp (may be NULL) found kube-proxy's rules there. local_mode: kube-proxy's
 * /proxyMode ("" or NULL unknown); have_sync/sync_mean/sync_count: its measured sync
 * (kp_health), given to the plane it runs.
 */
void dp_cost_derive(const struct snapshot *s, const char *local_mode, bool have_sync,
		    double sync_mean, double sync_count, struct dp_cost *out);

struct kube_state; /* kube_model.h */

/*
 * dp_cost_derive of s with k's mode and measured sync (kp_health_of at s's time); k may be
 * NULL (no kube-proxy known).
 */
void dp_cost_of(const struct snapshot *s, const struct kube_state *k, struct dp_cost *out);

/* One line in words (translated): "a new connection walks up to 10012 rules ...". */
const char *dp_cost_text(const struct dp_cost_line *l, char *buf, size_t len);

#endif
