/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The Kubernetes side as the views use it: newest state, its join with the IPVS snapshot. */
#ifndef IPVSTOP_KUBE_SIDE_H
#define IPVSTOP_KUBE_SIDE_H

#include <stdbool.h>

#include "dp_join.h"
#include "kube_join.h"
#include "kube_sync.h"

/*
 * The Kubernetes side as the views draw it: the state, its join with this snapshot, this
 * node's name. Everything is borrowed from the kube_side that made it, valid until its next
 * kube_side_update.
 */
struct kube_view {
	const struct kube_state *k;
	const struct kube_join *j; /* may be NULL (no drift section) */
	const char *node_name;
	const unsigned char *vs_drift; /* per snapshot service: 1 when it has drift; may be NULL */
	const struct dp_join *dpj; /* the snapshot's data planes joined (dpj->dp); may be NULL */
};

struct kube_side_opts {
	bool enabled;           /* false: --no-kube */
	const char *kubeconfig; /* --kubeconfig */
	const char *context;    /* --context */
	const char *node_name;  /* --node, NULL: the host name */
};

struct kube_side {
	struct kube_sync *sync; /* NULL when off */
	struct kube_state state;
	bool have_state;
	struct kube_join join;
	bool have_join;
	struct kube_drain_tracker tracker;
	struct kube_view view;
	unsigned char *vs_drift; /* per virtual service of the last join */
	struct dp_join_cache dpj; /* the data planes' join (dp_join.h) */
	/*
	 * What the last join was made from: a digest of the table's fields it reads, and when.
	 * A snapshot with the same digest and no new cluster state keeps that join.
	 */
	uint64_t join_digest;
	double join_now;
	char node[256];
	char off_note[128];
	/* kube_side_as_node: the node whose table is joined, when not this one ("" this one). */
	char as_node[256];
};

/* The credential search as kubectl does it, from o and the environment. */
void kube_side_config_opts(const struct kube_side_opts *o, struct kube_config_opts *out);

/* Starts reading the cluster (unless disabled). Returns 0 or -ENOMEM. */
int kube_side_start(struct kube_side *ks, const struct kube_side_opts *o);
void kube_side_stop(struct kube_side *ks);
/* A descriptor readable when a newer state waits, or -1 when off. */
int kube_side_fd(const struct kube_side *ks);
/* Waits for the first complete read, at most timeout seconds. */
void kube_side_wait(struct kube_side *ks, double timeout);
/*
 * Joins the next tables as those of node (another node's, from its agent: its Local
 * endpoints are the ones kept); NULL or "": this node's again. The next update re-joins.
 */
void kube_side_as_node(struct kube_side *ks, const char *node);

/*
 * Takes a newer state if one waits and joins it with s (always re-joined: s changes every
 * refresh). Returns the view to draw, or NULL when the side is off with nothing to say.
 */
const struct kube_view *kube_side_update(struct kube_side *ks, const struct snapshot *s,
					 double now);

#endif
