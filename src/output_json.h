/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The JSON Lines output (schema 1, doc/json-schema.md): one document per snapshot. */
#ifndef IPVSTOP_OUTPUT_JSON_H
#define IPVSTOP_OUTPUT_JSON_H

#include <stdio.h>
#include "snapshot.h"

#define IPVSTOP_JSON_SCHEMA 1

struct kube_state;
struct kube_join;

/* The Kubernetes side to add: the state, its join with this snapshot, this node's name. */
struct kube_view {
	const struct kube_state *k;
	const struct kube_join *j; /* may be NULL (no drift section) */
	const char *node_name;
	const unsigned char *vs_drift; /* per snapshot service: 1 when it has drift; may be NULL */
};

/*
 * Writes s as one line of JSON to f, streamed (no tree is built, so memory stays flat
 * at any table size). prev, when not NULL, is the previous snapshot: computed rates are
 * then added beside the kernel's estimates. kv, when not NULL, adds the "kube" section and
 * a "kube" member to every service and real server (the join must be of s).
 * Returns 0, or -errno when writing failed.
 */
int output_json(FILE *f, const struct snapshot *s, const struct snapshot *prev,
		const struct kube_view *kv);

#endif
