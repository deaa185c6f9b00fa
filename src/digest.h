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
	/* This node's kube-proxy pod (kube.proxy.nodes[]): "CrashLoopBackOff", ... or "" */
	char kp_waiting[64];
	uint32_t kp_restarts;     /* its containers' restarts */

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
 * Absent members read as 0, "", false, NAN for the doubles; strings are cut to the struct's
 * sizes (digest_strcpy); planes and errors past the arrays' sizes are skipped. err (may be
 * NULL) never quotes the document, only the member's name. On error *d is zeroed. cJSON
 * cannot tell a failed allocation from bad JSON: both give -EINVAL.
 */
int digest_parse(const char *buf, size_t len, struct digest *d, char *err, size_t errlen);

/*
 * Copies src into dst (size bytes with the NUL), cut before a UTF-8 sequence that would not
 * fit whole, each ill-formed sequence made U+FFFD as the JSON writer does: what the parser
 * does with every string member, so that a digest parsed and written again is the same.
 */
void digest_strcpy(char *dst, size_t size, const char *src);

/* digest_problems' levels, worst last; the cluster view may rank its own above them. */
enum digest_problem {
	DIGEST_FINE = 0,
	DIGEST_LEFTOVERS,  /* another mode's rules, sets or virtual services left behind */
	DIGEST_CAPACITY,   /* a full ipset, Service IPs missing on kube-ipvs0, kube-proxy warns */
	DIGEST_DRIFT,      /* the running plane lacks endpoints or sends to stale ones */
	DIGEST_MIGRATION,  /* kube-proxy runs another mode than the configured one */
	DIGEST_KUBE_PROXY, /* kube-proxy's sync hung, or its pod is waiting (crash-looping) */
	DIGEST_ERROR,      /* IPVS unreadable where kube-proxy runs ipvs, or a reader failed */
};

/*
 * How bad the node looks, for the cluster view's order (problems first): 0 fine, higher
 * worse (enum digest_problem); why gets the worst problem in a few words (translated), ""
 * when fine. why may be NULL (len 0).
 */
int digest_problems(const struct digest *d, char *why, size_t len);

#endif
