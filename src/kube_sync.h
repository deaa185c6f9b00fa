/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The Kubernetes reading thread: paged lists, then watches; the kube-proxy objects polled. */
#ifndef IPVSTOP_KUBE_SYNC_H
#define IPVSTOP_KUBE_SYNC_H

#include <stdbool.h>
#include "kube_config.h"
#include "kube_model.h"

struct kube_sync_opts {
	struct kube_config_opts config;
	const char *node_name;       /* this node, for "this node" checks (NULL: hostname) */
	const char *local_proxy_url; /* kube-proxy's own /proxyMode; NULL: not asked */
	const char *local_metrics_url; /* its /metrics (read with /proxyMode); NULL: not asked */
	double poll_interval;        /* seconds between reads of the kube-proxy objects */
	long request_timeout_ms;     /* one non-watch request; 0: 15 s */
};

struct kube_sync;

/*
 * Loads the credentials and starts the thread. Never NULL but on ENOMEM: with no
 * credentials the thread publishes a state that says why (enabled false).
 */
struct kube_sync *kube_sync_start(const struct kube_sync_opts *o);
void kube_sync_stop(struct kube_sync *k);

/* Readable when a newer state is waiting. */
int kube_sync_fd(const struct kube_sync *k);
/* The newest state, a copy the caller frees with kube_state_free; false if none is new. */
bool kube_sync_take(struct kube_sync *k, struct kube_state *out);
/*
 * kube-proxy's /metrics on this node as last read (a copy into *out). Kept apart from the
 * published state: they change at every read, and a publish costs a deep copy and a join.
 */
void kube_sync_local_metrics(struct kube_sync *k, struct kp_local *out);
/*
 * Waits until the first full list arrived, an error was met or credentials are missing,
 * at most timeout seconds (for -j and -b, which print complete documents). True if synced.
 */
bool kube_sync_wait(struct kube_sync *k, double timeout);

#endif
