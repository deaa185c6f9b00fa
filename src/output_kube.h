/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The Kubernetes parts of the JSON output, written by output_json.c through these. */
#ifndef IPVSTOP_OUTPUT_KUBE_H
#define IPVSTOP_OUTPUT_KUBE_H

#include <stddef.h>

#include "json_writer.h"
#include "snapshot.h"

struct kube_view;     /* kube_side.h */
struct kube_state;    /* kube_model.h */
struct kube_vs_owner; /* kube_join.h */
struct kube_drift_count; /* kube_join.h */

/* The top-level "kube" member. */
void output_kube_section(struct jw *w, const struct kube_view *kv, const struct snapshot *s);
/*
 * "counts": {kind: n, ...} of a drift, in its order (kube_join_counts, dp_plane_drift_counts;
 * at most 15 kinds).
 */
void output_kube_drift_counts(struct jw *w, const struct kube_drift_count *c, size_t n);
/* A service's "kube" member: its owning Service, or null. */
void output_kube_service_label(struct jw *w, const struct kube_view *kv, size_t i);
/* A real server's "kube" member: its endpoint (pod, node, conditions), or null. */
void output_kube_dest_label(struct jw *w, const struct kube_view *kv, size_t i, size_t j);
/*
 * An owner's members: service ("ns/name:port"), namespace, name, port_name, kind,
 * affinity_mismatch, of o (o->service >= 0) in k.
 */
void output_kube_owner_fields(struct jw *w, const struct kube_state *k,
			      const struct kube_vs_owner *o);
/*
 * An endpoint's members: pod, node (null both when slice < 0), slice, ready, serving,
 * terminating, of k->slices[slice].endpoints[ep].
 */
void output_kube_endpoint_fields(struct jw *w, const struct kube_state *k, int32_t slice,
				 int32_t ep);

#endif
