/* SPDX-License-Identifier: GPL-2.0-or-later */
/* --plot: a recording's history (history.h) as an SVG image for an incident report. */
#ifndef IPVSTOP_PLOT_SVG_H
#define IPVSTOP_PLOT_SVG_H

#include <stdint.h>
#include <stdio.h>

#include "history.h"
#include "snapshot.h"

/*
 * Writes row key's whole history in h to f as SVG: one panel per series (the graph pane's),
 * the markers, a time axis; label names the row. Elements carry data- attributes (the
 * window, each panel's top and place) so that a test can read the values back. Returns 0,
 * -ENODATA when h holds less than two samples' span, or -EIO.
 */
int plot_svg_write(FILE *f, const struct history *h, uint64_t key, const char *label);

/*
 * ipvstop --replay REPLAY --plot OUT [--select VS]: reads the recording, plots the virtual
 * service sel (NULL: the whole table) into the file out. Says what went wrong on stderr.
 * Returns the process exit status.
 */
int plot_svg_run(const char *replay, const char *out, const struct ipvs_service *sel);

#endif
