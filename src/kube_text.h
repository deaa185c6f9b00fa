/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The Kubernetes summary in words, shared by the dashboard's header and the batch frames. */
#ifndef IPVSTOP_KUBE_TEXT_H
#define IPVSTOP_KUBE_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "snapshot.h"

struct kube_state;
struct kube_view; /* kube_side.h */
struct kube_rs_ref; /* kube_join.h */

#define KUBE_TEXT_LINES 6
#define KUBE_TEXT_LEN 512

struct kube_text {
	char line[KUBE_TEXT_LINES][KUBE_TEXT_LEN];
	bool warn[KUBE_TEXT_LINES]; /* draw in the warning colour */
	size_t n;
	size_t drift; /* total drift count, 0 when none or unknown */
};

/* Fills t from kv (translated text), with s for the kernel's side of comparisons (may be NULL). */
void kube_text_summary(const struct kube_view *kv, const struct snapshot *s, struct kube_text *t);

/* kube-proxy's ipvs timeouts (tcp, tcp_fin, udp) beside the kernel's. */
struct kube_timeout_cmp {
	const char *name;  /* "tcp", "tcp_fin", "udp" */
	long configured;   /* seconds; 0: kube-proxy leaves the kernel's value alone; -1 unreadable */
	long kernel;       /* seconds; -1 unknown */
	bool mismatch;
};
/* Fills cmp[3]; false when there is no ConfigMap to compare with. */
bool kube_compare_timeouts(const struct kube_state *k, const struct snapshot *s,
			   struct kube_timeout_cmp cmp[3]);
/*
 * strictARP makes kube-proxy set arp_ignore=1 and arp_announce=2 (MetalLB's L2 mode needs it).
 * True when strictARP is on and the kernel's net.ipv4.conf.all values are not those.
 */
bool kube_strict_arp_mismatch(const struct kube_state *k, const struct snapshot *s, long *ignore,
			      long *announce);

/* The owner of virtual service i ("ns/name:port"), or "" when none. */
const char *kube_text_owner(const struct kube_view *kv, size_t i, char *buf, size_t len);
/* The pod of real server j of virtual service i ("ns/pod on node"), or "". */
const char *kube_text_pod(const struct kube_view *kv, size_t i, size_t j, char *buf, size_t len);
/* The same of the EndpointSlice endpoint r of k (a data-plane endpoint's); "" when NULL. */
const char *kube_text_endpoint(const struct kube_state *k, const struct kube_rs_ref *r,
			       char *buf, size_t len);
/* True when virtual service i or one of its real servers has a drift entry. */
bool kube_text_service_drift(const struct kube_view *kv, size_t i);

#endif
