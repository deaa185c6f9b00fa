/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ipvstop --cluster -b / -j: the cluster view's refresh loop without a terminal. */
#ifndef IPVSTOP_CLUSTER_BATCH_H
#define IPVSTOP_CLUSTER_BATCH_H

#include <signal.h>
#include <stdbool.h>

#include "cluster.h"
#include "kube_side.h"

struct cluster_batch_opts {
	struct kube_side_opts kube; /* the kubeconfig and context (enabled must be true) */
	struct cluster_opts cluster; /* port, CA, path; config and interval are filled here */
	bool json;                  /* -j: JSON Lines; else text frames */
	long count;                 /* -n: frames, 0 forever */
	double interval;            /* -d: seconds between frames, and between polls of a node */
	double kube_wait;           /* --kube-wait: for the node list, before the first polls */
};

/*
 * Reads the nodes from the API server, polls their agents and prints a frame per interval,
 * the first once every node was polled (or the waits ran out). Stops when *stop is set.
 * Returns the exit status: 0, or 1 (no memory, output failed).
 */
int cluster_batch_run(const struct cluster_batch_opts *o, volatile sig_atomic_t *stop);

#endif
