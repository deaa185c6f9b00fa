/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The data planes' join with the cluster in the JSON document and the batch text. */
#ifndef IPVSTOP_OUTPUT_DP_JOIN_H
#define IPVSTOP_OUTPUT_DP_JOIN_H

#include <stddef.h>
#include <stdio.h>

#include "dataplane.h"
#include "dp_join.h"
#include "json_writer.h"

struct kube_view; /* kube_side.h */

/* kv's data-plane join when it is the join of dp, else NULL. */
const struct dp_join *output_dp_join_of(const struct kube_view *kv, const struct dataplane *dp);

/* ---- JSON (members of the object open in w; j may be NULL: nothing joined) ---- */

/* A frontend's "kube": its owning Service by address and how the rules agree, or null. */
void output_dp_join_frontend(struct jw *w, const struct kube_view *kv, const struct dp_join *j,
			     size_t fe);
/* An endpoint's "kube": its pod, node, slice and conditions, or null. */
void output_dp_join_endpoint(struct jw *w, const struct kube_view *kv, const struct dp_join *j,
			     size_t fe, size_t ep);
/*
 * "joined", "running_plane" and "drift" of the section: one object per joined plane, and
 * "ipvs" for s's IPVS table when kv joined it (kube_join, in the same terms).
 */
void output_dp_join_drift(struct jw *w, const struct kube_view *kv, const struct dp_join *j,
			  const struct snapshot *s);
/* A set's "fill": "ok", "nearly-full" or "full". */
void output_dp_join_ipset(struct jw *w, const struct dp_ipset *s);
/* kube_ipvs0's "checked", "missing" and "extra" (null when not checked). */
void output_dp_join_kube_ipvs0(struct jw *w, const struct dp_join *j);

/* ---- batch text (translated) ---- */

/* " = ns/name:port (kind) [...]" after a frontend's line; nothing without a join. */
void output_dp_join_frontend_text(FILE *f, const struct kube_view *kv, const struct dp_join *j,
				  size_t fe);
/* " pod ns/name [not ready] [terminating]" after an endpoint's line. */
void output_dp_join_endpoint_text(FILE *f, const struct kube_view *kv, const struct dp_join *j,
				  size_t fe, size_t ep);
/*
 * The drift of each joined plane (s's IPVS table's too when kv joined it), kube-ipvs0's
 * differences and ipsets near maxelem.
 */
void output_dp_join_text(FILE *f, const struct kube_view *kv, const struct dp_join *j,
			 const struct snapshot *s);

#endif
