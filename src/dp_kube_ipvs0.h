/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kube-ipvs0, ipvs mode's dummy interface: its addresses and how they match the Services. */
#ifndef IPVSTOP_DP_KUBE_IPVS0_H
#define IPVSTOP_DP_KUBE_IPVS0_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snapshot.h" /* struct ipvs_addr */

/* The interface kube-proxy's ipvs mode binds every Service IP to, so that they are local. */
#define DP_KUBE_IPVS0 "kube-ipvs0"

/* One address. */
struct dp_addr {
	int af;		       /* AF_INET / AF_INET6 */
	struct ipvs_addr addr; /* 4 or 16 bytes, the rest zero */
	uint8_t prefixlen;     /* 0 in a Service IP (not compared) */
};

/* The addresses of kube-ipvs0. a is owned (dp_addrs_free). */
struct dp_addrs {
	bool present; /* the interface exists */
	int ifindex;
	struct dp_addr *a; /* sorted by family, then address */
	size_t n;
};

/*
 * Reads kube-ipvs0's addresses in this network namespace into *out (zeroed first) through
 * libnl-route; needs no privilege. An absent interface is not an error: 0 with
 * present false. Returns 0 or -errno (why, which may be NULL, then holds a translated
 * sentence; *out holds nothing).
 */
int dp_kube_ipvs0_read(struct dp_addrs *out, char *why, size_t len);

/* Frees what a owns and zeroes it. */
void dp_addrs_free(struct dp_addrs *a);

/* What kube-ipvs0 lacks and what it has too many of. Both arrays owned (dp_addr_diff_free). */
struct dp_addr_diff {
	/* Service IPs not on kube-ipvs0: nothing local answers them, so they are unreachable. */
	struct dp_addr *missing;
	size_t n_missing;
	/* Addresses on kube-ipvs0 of no Service: stale, left by a Service already deleted. */
	struct dp_addr *extra;
	size_t n_extra;
};

/*
 * Compares have (from dp_kube_ipvs0_read) with the n_svc addresses kube-proxy binds there
 * (ClusterIPs, externalIPs, LoadBalancer ingress IPs; repeats allowed: one per port is
 * fine). Family and address are compared, never the prefix. An absent interface lacks
 * every Service IP. Each result is listed once, sorted. No I/O. Returns 0 or -ENOMEM
 * (*out then empty).
 */
int dp_kube_ipvs0_compare(const struct dp_addrs *have, const struct dp_addr *svc, size_t n_svc,
			  struct dp_addr_diff *out);

/* Frees what d owns and zeroes it. */
void dp_addr_diff_free(struct dp_addr_diff *d);

#endif
