/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The JSON Lines output (schema 1, doc/json-schema.md): one document per snapshot. */
#ifndef IPVSTOP_OUTPUT_JSON_H
#define IPVSTOP_OUTPUT_JSON_H

#include <stdio.h>
#include "snapshot.h"

#define IPVSTOP_JSON_SCHEMA 1

struct kube_view; /* kube_side.h */


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
