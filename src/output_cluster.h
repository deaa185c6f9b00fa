/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The cluster view for scripts and people: one JSON document, or a text table, per refresh. */
#ifndef IPVSTOP_OUTPUT_CLUSTER_H
#define IPVSTOP_OUTPUT_CLUSTER_H

#include <stdbool.h>
#include <stdio.h>

#include "cluster.h"

/*
 * One line: {"schema":1,"kind":"ipvstop-cluster",...} (doc/json-schema.md), rows in the
 * view's order. Returns 0, or -errno when the stream failed (-EPIPE: the reader left).
 */
int output_cluster_json(FILE *f, const struct cluster_view *v);

/* A frame for people: a summary line, then one row per node. Returns 0 or -errno. */
int output_cluster_text(FILE *f, const struct cluster_view *v);

#endif
