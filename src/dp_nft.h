/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kube-proxy's nftables mode (tables "ip kube-proxy", "ip6 kube-proxy") -> dataplane frontends. */
#ifndef IPVSTOP_DP_NFT_H
#define IPVSTOP_DP_NFT_H

#include <stddef.h>

#include "dataplane.h"

/*
 * Parses libnftables' JSON output of `list table ip kube-proxy` (or ip6): json, len bytes,
 * need not be NUL-terminated. No I/O. Appends to dp one frontend (plane DP_NFTABLES) per
 * element of the verdict maps service-ips (ClusterIP, external IP, load-balancer IP),
 * service-nodeports (NodePort) and, for Services without endpoints, no-endpoint-services and
 * no-endpoint-nodeports (no_endpoints set). Endpoints are found by following the element's
 * chain (external- -> service-/local- -> numgen vmap -> endpoint- chain's dnat), each with
 * the share of the numgen slots that point to it.
 *
 * The rules do not tell an external IP from a load-balancer IP: both go to the external-
 * chain. A frontend is DPF_LOAD_BALANCER only when firewall-ips lists its address (the
 * Service has loadBalancerSourceRanges), else DPF_EXTERNAL_IP.
 *
 * A rule, element or map this reader does not know (a newer kube-proxy) is counted in the
 * plane's n_unrecognised; a frontend whose chains hold one is marked unrecognised with a
 * note saying what. Adds the table's rules to n_rules and sets present; several calls (ip
 * then ip6) add up. Returns 0; -EINVAL when json is not a libnftables listing (not JSON,
 * or an object of the wrong type where the schema has one), -ENOMEM. On error dp is as it
 * was before the call (no frontend added, counters unchanged).
 */
int dp_nft_parse(const char *json, size_t len, struct dataplane *dp);

/*
 * Reads tables "ip kube-proxy" and "ip6 kube-proxy" through libnftables (read only: only
 * `list table` is ever run) and parses them with dp_nft_parse. A table that does not exist
 * is not an error (present stays false for both absent). Marks the plane read; on error
 * sets its error and why (dataplane_set_error) and returns -EPERM (no CAP_NET_ADMIN),
 * -ENOMEM, -EINVAL (output not understood) or -EIO (nft failed otherwise); the frontends
 * of a table already read stay.
 */
int dp_nft_read(struct dataplane *dp);

#endif
