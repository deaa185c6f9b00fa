/* SPDX-License-Identifier: GPL-2.0-or-later */
/* IPVS snapshot x Kubernetes state: which Service owns each virtual service, which endpoint
 * each real server is, and where the two disagree. */
#ifndef IPVSTOP_KUBE_JOIN_H
#define IPVSTOP_KUBE_JOIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kube_model.h"
#include "snapshot.h"

/* How a Service reaches a virtual service (kube-proxy's ipvs proxier, syncProxyRules). */
enum kube_owner_kind {
	KUBE_OWNER_CLUSTER_IP = 0, /* a spec.clusterIPs entry : port */
	KUBE_OWNER_EXTERNAL_IP,	   /* a spec.externalIPs entry : port */
	KUBE_OWNER_LOAD_BALANCER,  /* a status.loadBalancer.ingress IP : port */
	KUBE_OWNER_NODE_PORT,	   /* a node address : nodePort */
};

/* The owner of one virtual service; owners[i] belongs to snapshot services[i]. */
struct kube_vs_owner {
	int32_t service; /* index into kube_state.services; -1: no Service explains it */
	uint32_t port;	 /* index into that Service's ports */
	enum kube_owner_kind kind;
	/*
	 * node-port only: the address is a Node's InternalIP/ExternalIP. kube-proxy puts
	 * NodePorts on every local address (or on nodePortAddresses), so a match by protocol
	 * and nodePort alone (docker0, a CNI bridge) still counts, with this false.
	 */
	bool node_addr;
	/* sessionAffinity ClientIP <-> persistent flag with timeout = timeoutSeconds. */
	bool affinity_mismatch;
	/* The kernel's scheduler differs from the configured ipvs.scheduler ("" = rr). */
	bool sched_mismatch;
};

/* The endpoint behind one real server: k->slices[slice].endpoints[endpoint], or -1. */
struct kube_rs_ref {
	int32_t slice, endpoint;
};

/* (a) An endpoint kube-proxy would program that the kernel lacks as a real server of vs. */
struct kube_drift_missing {
	uint32_t vs;		  /* snapshot service index */
	uint32_t slice, endpoint; /* the endpoint */
	uint16_t port;		  /* the real server port it would have (the slice's port) */
	bool terminating; /* expected only as a serving+terminating fallback (no endpoint ready) */
	bool weight0;	  /* it is there, but at weight 0 (being drained) */
};

/*
 * (b) A real server at weight > 0 that kube-proxy would not program: slice/endpoint say
 * which endpoint it is (not ready, not local...), or -1 when none is.
 */
struct kube_drift_extra {
	uint32_t vs, dest;
	int32_t slice, endpoint;
};

/* (c) A real server at weight 0 (graceful termination), and for how long. */
struct kube_drift_drain {
	uint32_t vs, dest;
	int32_t slice, endpoint; /* the endpoint it still is, or -1 */
	double seconds;		 /* at weight 0 for this long (0 without a tracker) */
};

/* (e) A ClusterIP:port with no virtual service. */
struct kube_drift_unserved {
	uint32_t service, port; /* indexes into kube_state.services and its ports */
	uint32_t ip;		/* index into that Service's cluster_ips */
};

struct kube_join {
	struct kube_vs_owner *owners; /* owned; one per snapshot service */
	size_t n_owners;
	size_t n_owned;
	/* owned; rs[rs_base[i] + j] is snapshot services[i].dests[j] (use kube_join_rs) */
	struct kube_rs_ref *rs;
	size_t *rs_base;

	struct kube_drift_missing *missing; /* (a), owned */
	size_t n_missing, n_missing_ready, n_missing_terminating;
	struct kube_drift_extra *extra; /* (b) */
	size_t n_extra;
	struct kube_drift_drain *drain; /* (c) */
	size_t n_drain;
	uint32_t *unowned; /* (d) snapshot service indexes no Service explains */
	size_t n_unowned;
	/*
	 * (e) Services with a ClusterIP and ports (not headless, not ExternalName) whose
	 * ClusterIP:port is no virtual service. Only meaningful when this node runs kube-proxy
	 * in ipvs mode: the caller decides whether to show it.
	 */
	struct kube_drift_unserved *unserved;
	size_t n_unserved;
	uint32_t *sched; /* (f) owned virtual services whose scheduler is not the configured one */
	size_t n_sched;
	uint32_t *affinity; /* owned virtual services with affinity_mismatch */
	size_t n_affinity;

	char sched_expected[IPVS_SCHED_NAME_LEN]; /* "rr" for ""; "" when no ConfigMap is known */
	/*
	 * Owned virtual services under a Local traffic policy (internal for a ClusterIP,
	 * external for the others) while k->local_node is "": which endpoints kube-proxy
	 * would use is unknown, so they are left out of (a), and (b) holds for them only
	 * real servers that no endpoint at all explains.
	 */
	size_t n_unchecked;
};

/*
 * Remembers since when each real server has been at weight 0, across snapshots. The caller
 * keeps one, passes it to every kube_join, and frees it with kube_drain_tracker_free.
 * Zero-initialised is valid (empty).
 */
struct kube_drain_tracker {
	void *table; /* private */
	size_t n, cap;
};
void kube_drain_tracker_free(struct kube_drain_tracker *t);

/*
 * Joins s with k into *out (zeroed first; free with kube_join_free, also on error).
 * Near-linear: hash tables keyed by (protocol, family, address, port), and short lists
 * (up to 32 endpoints of a Service port, 32 real servers of a virtual service) scanned.
 * Results refer to s and k by index: both must stay unchanged while *out is used.
 * tracker (may be NULL) is updated: weight-0 real servers seen now keep their first-seen
 * time, new ones start at now (seconds on any clock, the same on every call), those not at
 * weight 0 in s any more are forgotten.
 * Virtual services whose destinations were not read (dests_known false) get an owner but no
 * real-server checks. Topology hints (trafficDistribution, hints.forZones) are not
 * modelled: with them kube-proxy may program fewer endpoints than (a) expects.
 * Returns 0 or -ENOMEM (the tracker then unchanged).
 */
int kube_join(const struct snapshot *s, const struct kube_state *k,
	      struct kube_drain_tracker *tracker, double now, struct kube_join *out);
void kube_join_free(struct kube_join *j);

/* The endpoint of snapshot services[vs].dests[dest], or NULL when the join has none. */
const struct kube_rs_ref *kube_join_rs(const struct kube_join *j, size_t vs, size_t dest);
/*
 * refs[base[i] + j] for element j of group i of n groups (base has n + 1 entries), when that
 * element is joined to an endpoint; else NULL. The lookup kube_join_rs and dp_join_ep share.
 */
const struct kube_rs_ref *kube_rs_at(const struct kube_rs_ref *refs, const size_t *base,
				     size_t n, size_t i, size_t j);
/*
 * The layout kube_rs_at reads, for n groups of count(groups, i) elements each: *base (n + 1
 * offsets) and *refs (all the elements, each joined to nothing; room for one when there are
 * none), both owned. 0 or -ENOMEM.
 */
int kube_rs_alloc(struct kube_rs_ref **refs, size_t **base, size_t n,
		  size_t (*count)(const void *groups, size_t i), const void *groups);

/* "namespace/name:portname", or "namespace/name:port" for an unnamed port; buf returned. */
const char *kube_join_owner_label(const struct kube_state *k, const struct kube_vs_owner *o,
				  char *buf, size_t len);
/* kube-proxy skips these Services altogether (ShouldSkipService): false for a headless or
 * ExternalName Service, or one without a ClusterIP. */
bool kube_join_proxied(const struct kube_service *svc);
/* The Service has a ClusterIP of family af: each proxier (one per family) serves it then. */
bool kube_join_has_family(const struct kube_service *svc, int af);

/* "cluster-ip", "external-ip", "load-balancer", "node-port". */
const char *kube_owner_kind_name(enum kube_owner_kind kind);

/* The join's drift by kind, named once for -j (kube.drift.counts) and /metrics. */
#define KUBE_DRIFT_KINDS 7
struct kube_drift_count {
	const char *kind; /* "missing_endpoints", ... */
	size_t n;
};
void kube_join_counts(const struct kube_join *j, struct kube_drift_count out[KUBE_DRIFT_KINDS]);

#endif
