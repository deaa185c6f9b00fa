/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Reads a schema 1 JSON document (a recording's line) back into a snapshot, for --replay. */
#ifndef IPVSTOP_JSON_READ_H
#define IPVSTOP_JSON_READ_H

#include <stdbool.h>
#include <stdio.h>

#include "snapshot.h"

/*
 * Parses one JSON Lines record written by output_json into s (zeroed first; the caller
 * frees it with snapshot_free, also on error). Fields it does not know are ignored; the
 * sysctls are not read back. Returns 0, -EINVAL for text that is not a schema 1 document
 * (or whose time is not a second of 1970..9999), or -ENOMEM.
 */
int json_read_snapshot(const char *text, struct snapshot *s);

/*
 * Reads the next good line of a recording into s, skipping lines that are not schema 1
 * documents. Returns 0 with *end set when the recording has no more, or -ENOMEM.
 */
int json_read_next(FILE *f, struct snapshot *s, bool *end);

#endif
