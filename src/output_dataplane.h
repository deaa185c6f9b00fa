/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The JSON document's "dataplane" section (doc/json-schema.md). */
#ifndef IPVSTOP_OUTPUT_DATAPLANE_H
#define IPVSTOP_OUTPUT_DATAPLANE_H

#include <stdio.h>

#include "dataplane.h"
#include "json_writer.h"
#include "kube_side.h"

/*
 * Writes "dataplane": {planes, frontends, ipsets, kube_ipvs0, leftovers} of s->dp (not NULL)
 * as a member of the object open in w; the data planes' age is said against s->mono, the
 * leftovers judged against kube-proxy's mode in kv (may be NULL).
 */
void output_dataplane_section(struct jw *w, const struct snapshot *s, const struct kube_view *kv);

/*
 * The batch text's part (translated): a line per plane, ipsets, kube-ipvs0, the frontends,
 * the leftovers of other modes.
 */
void output_dataplane_text(FILE *f, const struct snapshot *s, const struct kube_view *kv);

#endif
