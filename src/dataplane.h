/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The node's Service data plane in every proxy mode: frontends -> endpoints, one model. */
#ifndef IPVSTOP_DATAPLANE_H
#define IPVSTOP_DATAPLANE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dp_ipset.h"
#include "dp_kube_ipvs0.h"
#include "snapshot.h" /* struct ipvs_addr */

/*
 * Where a frontend was found. IPVS frontends are the snapshot's virtual services (the IPVS
 * reader fills those); the others are read from kube-proxy's rules by the readers below.
 */
enum dp_plane_kind {
	DP_IPVS = 0,
	DP_NFTABLES,        /* tables "ip kube-proxy" and "ip6 kube-proxy" */
	DP_IPTABLES_NFT,    /* iptables' nat table in nf_tables (iptables-nft) */
	DP_IPTABLES_LEGACY, /* iptables' nat table in x_tables (iptables-legacy) */
	DP_N_PLANES
};

/* The JSON and batch name of a plane: "ipvs", "nftables", "iptables-nft", "iptables-legacy". */
const char *dp_plane_name(enum dp_plane_kind k);

/* What kind of Service address a frontend is. */
enum dp_frontend_kind {
	DPF_CLUSTER_IP = 0,
	DPF_NODE_PORT,
	DPF_EXTERNAL_IP,
	DPF_LOAD_BALANCER,
	DPF_UNKNOWN,
};

/* "cluster-ip", "node-port", "external-ip", "load-balancer", "unknown" (JSON). */
const char *dp_frontend_kind_name(enum dp_frontend_kind k);

/* One endpoint a frontend's traffic is DNATed to. */
struct dp_endpoint {
	int af; /* AF_INET / AF_INET6 */
	struct ipvs_addr addr;
	uint16_t port; /* host byte order */
	/*
	 * The share of new connections it gets, 0..1, as the rules say (iptables' statistic
	 * probabilities chained, nftables' numgen slots); 0 when unknown.
	 */
	double share;
};

/* One frontend: an address, protocol and port that kube-proxy's rules send somewhere. */
struct dp_frontend {
	enum dp_plane_kind plane;
	enum dp_frontend_kind kind;
	int af;            /* AF_INET / AF_INET6; for a NodePort, the family of its table */
	uint16_t protocol; /* IPPROTO_TCP / UDP / SCTP */
	struct ipvs_addr addr; /* zero for a NodePort (every local address) */
	uint16_t port;         /* host byte order */
	/*
	 * The owning Service as kube-proxy names it in its rules ("ns/name:portname" in a
	 * comment or chain name), split; each owned, "" when the rules do not say.
	 */
	char *svc_namespace, *svc_name, *svc_port;
	char *chain; /* owned: the rules' chain or verdict-map target for it ("" if none) */
	struct dp_endpoint *eps; /* owned, n_eps of them */
	size_t n_eps;
	bool no_endpoints; /* the rules reject or drop it: the Service has no ready endpoint */
	bool affinity;     /* session affinity (a "recent" match or an affinity set) */
	/*
	 * A rule shape this reader does not know (a newer kube-proxy): shown as such, never
	 * dropped. note (owned, may be NULL) says what was not understood.
	 */
	bool unrecognised;
	char *note;
};

/* What one plane's reader found on this node. */
struct dp_plane {
	bool read;      /* the reader ran */
	int error;      /* 0, or -errno of the read (-EPERM: no CAP_NET_ADMIN; -ENOENT: absent) */
	char why[160];  /* the error in words, "" when none */
	bool present;   /* kube-proxy's tables or chains exist in this plane */
	size_t n_rules; /* rules in kube-proxy's table (nftables) or in the nat table (iptables) */
	size_t n_services_rules; /* rules in KUBE-SERVICES (iptables): walked per new connection */
	size_t n_frontends;      /* frontends of this plane in the dataplane's array */
	size_t n_unrecognised;   /* rules or elements the reader did not understand */
};

/* Everything read of the node's data planes. The arrays are owned (dataplane_free). */
struct dataplane {
	struct dp_plane planes[DP_N_PLANES];
	struct dp_frontend *fe;
	size_t n_fe, cap_fe;

	/* What ipvs mode needs besides the IPVS table: kube-proxy's ipsets and kube-ipvs0. */
	bool ipsets_read;
	int ipsets_error; /* 0, or -errno (-ENOENT: no ip_set in this kernel) */
	char ipsets_why[160];
	struct dp_ipset *ipsets; /* owned, the KUBE-* sets */
	size_t n_ipsets;
	bool kube_ipvs0_read;
	int kube_ipvs0_error;
	char kube_ipvs0_why[160];
	struct dp_addrs kube_ipvs0; /* owned */

	double read_seconds; /* how long the read took (wall clock), for the header and JSON */
	double read_mono;    /* when it ended (CLOCK_MONOTONIC seconds) */
	unsigned refs;       /* dataplane_new / _ref / _unref */
};

/*
 * What to read (each plane's reader is read-only). A reader without the capability it
 * needs records its error in its plane and the others go on.
 */
struct dataplane_opts {
	bool nftables, iptables, ipsets, kube_ipvs0;
};

/* A new, empty dataplane with one reference (NULL on ENOMEM). */
struct dataplane *dataplane_new(void);
/* Adds a reference and returns dp (NULL stays NULL). */
struct dataplane *dataplane_ref(struct dataplane *dp);
/* Drops a reference; the last one frees dp. Thread-safe counts; accepts NULL. */
void dataplane_unref(struct dataplane *dp);

/*
 * Reads this node's data planes into a new dataplane (*out, one reference). Returns 0, or
 * -ENOMEM (nothing stored). Each plane's failure is recorded in it, never returned.
 */
int dataplane_read(const struct dataplane_opts *o, struct dataplane **out);

/*
 * How many seconds a read (last, NULL before the first) is reused for: period, and at least
 * 20 times what last took, so that reading the data planes takes at most 5% of the time
 * (kube-proxy's rules at 10,000 Services take seconds to list: doc/performance.md).
 */
double dataplane_reuse_seconds(const struct dataplane *last, double period);

/*
 * Appends a frontend to dp, taking ownership of every pointer in *f (f is zeroed). The
 * plane's n_frontends is counted. Returns 0, or -ENOMEM (f's memory is then freed).
 */
int dataplane_add(struct dataplane *dp, struct dp_frontend *f);

/*
 * Appends an endpoint to f. Returns 0 or -ENOMEM (f unchanged).
 */
int dp_frontend_add_endpoint(struct dp_frontend *f, const struct dp_endpoint *ep);

/* Frees what a frontend owns and zeroes it. */
void dp_frontend_free(struct dp_frontend *f);

/* Frees everything dp owns and zeroes it. */
void dataplane_free(struct dataplane *dp);

/*
 * Sets plane k's error (and why, a translated message or "") after a failed read. The
 * frontends already added for k stay.
 */
void dataplane_set_error(struct dataplane *dp, enum dp_plane_kind k, int err, const char *why);

#endif
