/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The leftovers of other proxy modes as the JSON document and the batch text say them. */
#ifndef IPVSTOP_OUTPUT_DP_LEFTOVERS_H
#define IPVSTOP_OUTPUT_DP_LEFTOVERS_H

#include <stdio.h>

#include "dp_leftovers.h"
#include "json_writer.h"

/*
 * Writes "leftovers_mode", "leftovers_mode_from" and "leftovers" (an array of the entries
 * present) as members of the object open in w (the "dataplane" section).
 */
void output_dp_leftovers_json(struct jw *w, const struct dp_leftovers *lo);

/* The batch text's part (translated): a line per entry present; nothing when none is. */
void output_dp_leftovers_text(FILE *f, const struct dp_leftovers *lo);

#endif
