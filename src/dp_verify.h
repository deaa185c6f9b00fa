/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * After a switch of kube-proxy's mode: does this node's new data plane carry the cluster's
 * Services? The log line "Using nftables Proxier" says what kube-proxy started as; this says
 * what it programmed.
 */
#ifndef IPVSTOP_DP_VERIFY_H
#define IPVSTOP_DP_VERIFY_H

#include <stdbool.h>
#include <stddef.h>

#include "dataplane.h"
#include "kube_model.h"

#define DP_VERIFY_MAX_MISSING 5

struct dp_verify {
	bool readable;    /* at least one plane of the mode was read without error */
	char why[160];    /* when not readable: the reader's error in words */
	bool present;     /* kube-proxy's tables or chains exist in a plane of the mode */
	const char *plane; /* the plane's name ("nftables", "iptables-nft", ...) */
	size_t n_services; /* Services kube-proxy should program (cluster IPs of the families read) */
	size_t n_found;    /* of those, with a frontend for every cluster IP and port */
	/* The first Services without one, "namespace/name" (the rest only counted). */
	char missing[DP_VERIFY_MAX_MISSING][128];
	size_t n_missing;
};

/* Whether a mode's data plane is checked here: "nftables" and "iptables". */
bool dp_verify_checks(const char *mode);

/*
 * Compares the frontends of mode's planes in dp with the cluster IPs and ports of the n
 * Services in svc (headless and ExternalName ones are skipped: kube-proxy programs nothing
 * for them). A family counts only when the plane has a frontend of it (a node without IPv6
 * has no ip6 rules), or for IPv4 when it has none at all. Returns 0, or -EINVAL for a mode
 * not checked here.
 */
int dp_verify_services(const struct dataplane *dp, const char *mode,
		       const struct kube_service *svc, size_t n, struct dp_verify *out);

/* Whether the check passed: readable, present and every Service found. */
bool dp_verify_ok(const struct dp_verify *v);

#endif
