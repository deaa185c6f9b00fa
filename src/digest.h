/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A node's digest: what the cluster view needs of one node, small enough to poll from
 * hundreds of agents (GET /snapshot?summary=1, doc/agent.md). The agent fills it from its
 * newest snapshot and join; the cluster view parses it back. One struct, one JSON writer,
 * one parser: what the agent says is what the view reads.
 */
#ifndef IPVSTOP_DIGEST_H
#define IPVSTOP_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "snapshot.h"

struct kube_view; /* kube_side.h */

#define DIGEST_KIND "ipvstop-digest"
#define DIGEST_SCHEMA 1
/* The most a digest document may be; a longer answer is refused by the parser. */
#define DIGEST_MAX_BYTES (64 * 1024)
#define DIGEST_MAX_ERRORS 4

/* One Service data plane on the node: ipvs, nftables, iptables-nft, iptables-legacy. */
struct digest_plane {
	char name[16];
	bool present;  /* kube-proxy's table, chains or virtual services exist */
	bool running;  /* the plane of the mode kube-proxy runs on this node */
	uint32_t frontends; /* virtual services for ipvs */
	uint32_t endpoints; /* real servers for ipvs */
	uint32_t drift;     /* missing + stale (unexplained) endpoints + unowned frontends */
};

struct digest {
	char node[256];    /* the node's name in the cluster (--node, else the host name) */
	char host[256];    /* the host name */
	char version[32];  /* ipvstop's version */
	double time;       /* Unix time of the read the digest is of */
	double age;        /* seconds between that read and the digest's writing */

	/* IPVS */
	bool ipvs_available;
	char source[8];    /* "netlink", "proc", "" */
	uint64_t services, real_servers;
	uint64_t active_conns, inactive_conns;
	/* Sums over the virtual services: the kernel's counters and rate estimates. */
	uint64_t conns, inpkts, outpkts, inbytes, outbytes;
	double cps, inpps, outpps, inbps, outbps;

	/* kube-proxy on this node */
	char configured_mode[16]; /* the cluster's (DaemonSet flag, else ConfigMap); "" unknown */
	char running_mode[16];    /* its /proxyMode on this node, else its log; "" unknown */
	bool kp_metrics_read;     /* its /metrics answered */
	bool kp_hung;             /* a queued sync waits past kube-proxy's own threshold */
	double kp_last_sync_age;  /* seconds; NAN unknown */
	uint64_t kp_failures;     /* sync failures since it started */
	bool kp_warn;             /* kube.proxy.this_node.kube_proxy.warn */

	/* The Kubernetes side as the agent sees it */
	bool kube_enabled, kube_synced;

	/* Drift, IPVS against the cluster (kube.drift): counts */
	uint32_t drift_missing, drift_unexplained, drift_draining, drift_unowned;
	uint32_t drift_without_vs, drift_scheduler;

	/* The data planes, ipvs first; n_planes <= 4 */
	struct digest_plane planes[4];
	size_t n_planes;
	uint32_t leftovers;        /* leftover entries (dataplane.leftovers with leftover true) */
	uint32_t ipsets_full;      /* KUBE-* sets at maxelem */
	uint32_t kube_ipvs0_missing;

	/* Reader errors: IPVS, data planes, API server, kube-proxy's port (no secret ever) */
	char errors[DIGEST_MAX_ERRORS][256];
	size_t n_errors;
};

/*
 * Fills d from the newest snapshot s (prev: the one before, or NULL), its join kv (NULL:
 * no cluster) and the node's name; now is the Unix time the digest is for.
 */
void digest_fill(struct digest *d, const struct snapshot *s, const struct kube_view *kv,
		 const char *node, double now);

/* Writes d as one JSON document (no newline). Returns 0 or -errno. */
int digest_write(FILE *f, const struct digest *d);

/*
 * Parses a digest document of len bytes. Returns 0, or -EINVAL (err says what is wrong:
 * not JSON, another kind, a newer schema, a member of the wrong type), -E2BIG (longer than
 * DIGEST_MAX_BYTES) or -ENOMEM. Unknown members are ignored (a newer agent).
 */
int digest_parse(const char *buf, size_t len, struct digest *d, char *err, size_t errlen);

/*
 * How bad the node looks, for the cluster view's order (problems first): 0 fine, higher
 * worse; why gets the worst problem in a few words (translated), "" when fine.
 */
int digest_problems(const struct digest *d, char *why, size_t len);

#endif
