/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Batch text output: one plain frame per snapshot, like top -b. */
#ifndef IPVSTOP_OUTPUT_TEXT_H
#define IPVSTOP_OUTPUT_TEXT_H

#include <stdbool.h>
#include <stdio.h>
#include "snapshot.h"

struct kube_view; /* kube_side.h */

/*
 * Writes one frame; exact=true prints full numbers instead of K/M/G; kv (may be NULL) adds
 * the Kubernetes summary and each virtual service's owner. Returns 0 or -errno.
 */
int output_text(FILE *f, const struct snapshot *s, bool exact, const struct kube_view *kv);

#endif
