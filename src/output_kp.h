/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kube-proxy's health on this node and a new connection's cost, in JSON and batch text. */
#ifndef IPVSTOP_OUTPUT_KP_H
#define IPVSTOP_OUTPUT_KP_H

#include <stdio.h>

#include "dp_cost.h"
#include "json_writer.h"
#include "kube_model.h"
#include "snapshot.h"

struct kube_view; /* kube_side.h */

/*
 * The "kube_proxy" member of kube.proxy.this_node (doc/json-schema.md): k's metrics' health
 * at s's time, and conn_reuse_mode against the kernel.
 */
void output_kp_health_json(struct jw *w, const struct kube_state *k, const struct snapshot *s);

/* The top-level "new_connection_cost" member: one object per plane present. */
void output_cost_json(struct jw *w, const struct snapshot *s, const struct kube_view *kv);

/* The batch text's "What a new connection costs on this node:" and a line per plane. */
void output_cost_text(FILE *f, const struct snapshot *s, const struct kube_view *kv);

#endif
