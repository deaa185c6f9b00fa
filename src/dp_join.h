/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The node's data planes x the cluster: each frontend's Service, each endpoint's pod and
 * conditions, drift per plane, and what ipvs mode needs besides the IPVS table. */
#ifndef IPVSTOP_DP_JOIN_H
#define IPVSTOP_DP_JOIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dataplane.h"
#include "dp_kube_ipvs0.h"
#include "kube_join.h"
#include "kube_model.h"

/* The Service that owns one frontend, found by its address, protocol, port and kind. */
struct dp_fe_owner {
	/*
	 * As kube_join finds it for a virtual service (o.service -1: no Service explains it);
	 * o.affinity_mismatch: sessionAffinity ClientIP without an affinity rule, or the reverse.
	 * o.node_addr and o.sched_mismatch mean nothing here.
	 */
	struct kube_vs_owner o;
	/* The rules name another Service or port than the one the address belongs to. */
	bool name_mismatch;
	/*
	 * The rules' kind differs from the cluster's: a ClusterIP, a NodePort and an external
	 * or load-balancer address are told apart (nftables cannot tell an external IP from a
	 * load-balancer IP without source ranges, so those two count as one).
	 */
	bool kind_mismatch;
};

/*
 * One entry of a drift list: a frontend (and one of its endpoints), an endpoint. For the
 * IPVS table (dp_join_ipvs_drift) the frontend is a virtual service and its endpoints are
 * its real servers.
 */
struct dp_drift_ep {
	uint32_t fe;		 /* index into dataplane.fe (IPVS: snapshot services) */
	int32_t ep;		 /* index into that frontend's eps (dests); -1 in "missing" */
	int32_t slice, endpoint; /* kube_state.slices[slice].endpoints[endpoint], or -1 */
	uint16_t port;		 /* the endpoint's port */
	/* missing only: expected as the serving+terminating fallback (no endpoint ready). */
	bool fallback;
};

/* Where one plane and the cluster disagree. Arrays owned by the dp_join. */
struct dp_plane_drift {
	bool joined;  /* the plane was present and joined with the cluster */
	bool running; /* the plane of the mode kube-proxy runs on this node */
	/* Endpoints the cluster has (ready, or the fallback) that the node's rules lack. */
	struct dp_drift_ep *missing;
	size_t n_missing;
	/* Endpoints the rules send to that no ready endpoint explains (terminating ones apart). */
	struct dp_drift_ep *stale;
	size_t n_stale;
	/* Terminating endpoints still programmed while the Service has ready ones. */
	struct dp_drift_ep *terminating;
	size_t n_terminating;
	/*
	 * Service ClusterIP:ports without a frontend in this plane; looked for only in the
	 * running plane, or in every present plane when the mode is not known (unserved_checked).
	 */
	bool unserved_checked;
	struct kube_drift_unserved *unserved;
	size_t n_unserved;
	uint32_t *unowned; /* frontends (indexes as fe above) no Service explains */
	size_t n_unowned;
	size_t n_mismatch;  /* frontends with a name, kind or affinity mismatch */
	size_t n_unchecked; /* frontends under a Local policy while this node's name is unknown */
};

/* How full one of kube-proxy's ipsets is. */
enum dp_ipset_fill {
	DP_IPSET_OK = 0,
	DP_IPSET_NEARLY_FULL, /* at DP_IPSET_NEARLY_PERCENT of maxelem or more */
	DP_IPSET_FULL, /* entries >= maxelem: new Services get no rules (kubernetes#129389) */
};
#define DP_IPSET_NEARLY_PERCENT 90

struct dp_join {
	const struct dataplane *dp; /* borrowed: what was joined */
	struct dp_fe_owner *owners; /* owned; owners[i] belongs to dataplane.fe[i] */
	size_t n_fe;
	/* owned; eps[ep_base[i] + j] is fe[i].eps[j] (use dp_join_ep) */
	struct kube_rs_ref *eps;
	size_t *ep_base;
	/* Per plane; DP_IPVS stays unjoined here: dp_join_ipvs_drift makes it from kube_join. */
	struct dp_plane_drift planes[DP_N_PLANES];
	/* The plane kube-proxy runs on this node; DP_N_PLANES when the mode is not known. */
	enum dp_plane_kind running;

	/*
	 * ipvs mode: kube-ipvs0's addresses against the Service IPs it must hold (checked when
	 * the interface was read and exists, or kube-proxy runs ipvs).
	 */
	bool kube_ipvs0_checked;
	struct dp_addr_diff kube_ipvs0;
	/* owned; one per dataplane.ipsets (NULL when there is none) */
	enum dp_ipset_fill *ipset_fill;
	size_t n_ipsets, n_ipsets_full, n_ipsets_nearly_full;
};

/*
 * The plane kube-proxy's mode means on this node: its own answer (local_mode), else the
 * configured mode; "iptables" is whichever iptables backend holds its rules (the one with
 * more frontends). DP_N_PLANES when neither is known or the plane is not there.
 */
enum dp_plane_kind dp_join_running_plane(const struct dataplane *dp, const struct kube_state *k);

/*
 * Joins dp's frontends with k into *out (zeroed first; free with dp_join_free, also on
 * error). Each plane goes through kube_join (the rules of its frontends as virtual services
 * of weight 1), so every mode is judged as the IPVS table is. Results refer to dp and k by
 * index: both must stay unchanged while *out is used. No I/O. Returns 0 or -ENOMEM.
 */
int dp_join(const struct dataplane *dp, const struct kube_state *k, struct dp_join *out);
void dp_join_free(struct dp_join *j);

/*
 * The IPVS table's drift in the planes' terms, from kube_join's answers (kj joined s with
 * k): missing (kj->missing, at weight 0 included), stale and terminating (kj->extra by the
 * endpoint's condition), Services without a virtual service (when running is DP_IPVS, or
 * not known and the table has services), virtual services of no Service, affinity
 * mismatches. Its entries' fe and ep are snapshot service and destination indexes. Fills
 * *out (zeroed first; free with dp_plane_drift_free, also on error). 0 or -ENOMEM.
 */
int dp_join_ipvs_drift(const struct snapshot *s, const struct kube_state *k,
		       const struct kube_join *kj, enum dp_plane_kind running,
		       struct dp_plane_drift *out);
void dp_plane_drift_free(struct dp_plane_drift *pd);

/*
 * One plane's drift counts by kind, named as in -j's dataplane.drift counts and /metrics
 * (as kube_join_counts for the IPVS table). The last, unchecked_frontends, is not a
 * disagreement but what could not be judged: /metrics leaves it out.
 */
#define DP_DRIFT_KINDS 7
void dp_plane_drift_counts(const struct dp_plane_drift *pd,
			   struct kube_drift_count out[DP_DRIFT_KINDS]);

/* The EndpointSlice endpoint of dataplane.fe[fe].eps[ep], or NULL. */
const struct kube_rs_ref *dp_join_ep(const struct dp_join *j, size_t fe, size_t ep);

/* How full set s is (needs no cluster). */
enum dp_ipset_fill dp_ipset_fill_of(const struct dp_ipset *s);

/*
 * The join the views draw from, kept across refreshes: made again only when the cluster
 * state is new or the data planes were read again (it holds a reference on the dataplane
 * it joined, so a new read never has its address). Zero-initialised is valid.
 */
struct dp_join_cache {
	struct dp_join j;
	bool have;
	struct dataplane *dp; /* reference held while have */
};

/*
 * The join of dp (may be NULL) with k (NULL: no cluster state), made again when new_state or
 * dp is not the one joined last; NULL when there is nothing to join or memory ran out.
 */
const struct dp_join *dp_join_cache_update(struct dp_join_cache *c, const struct dataplane *dp,
					   const struct kube_state *k, bool new_state);
void dp_join_cache_free(struct dp_join_cache *c);

/* "ok", "nearly-full", "full" (JSON). */
const char *dp_ipset_fill_name(enum dp_ipset_fill f);

#endif
