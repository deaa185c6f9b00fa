/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The JSON document's "dataplane" section (doc/json-schema.md). */
#ifndef IPVSTOP_OUTPUT_DATAPLANE_H
#define IPVSTOP_OUTPUT_DATAPLANE_H

#include <stdio.h>

#include "dataplane.h"
#include "json_writer.h"
#include "kube_side.h"

/*
 * Writes "dataplane": {planes, frontends, ipsets, kube_ipvs0, drift, leftovers} of s->dp (not
 * NULL) as a member of the object open in w; the data planes' age is said against s->mono.
 * kv (may be NULL) joins it with the cluster when its dpj is s->dp's (its IPVS join gives the
 * drift of s's IPVS table), and the leftovers are judged against kube-proxy's mode in kv.
 */
void output_dataplane_section(struct jw *w, const struct snapshot *s, const struct kube_view *kv);

/*
 * The batch text's part (translated) of s->dp (not NULL): a line per plane, ipsets,
 * kube-ipvs0, the frontends (with their Services and pods when kv joins them), the drift,
 * the leftovers of other modes.
 */
void output_dataplane_text(FILE *f, const struct snapshot *s, const struct kube_view *kv);

#endif
