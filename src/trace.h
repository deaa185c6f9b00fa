/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * IPVSTOP_TRACE=FILE: time stamps of the steps to the first frames, for the bench (where
 * does a big table's first frame go?). Off unless the variable is set; then every mark is
 * one line appended to FILE:
 *
 *   <seconds since the process started> <pid> <thread id> <resident KiB> <what>
 *
 * The first line is written by trace_init at the top of main: what came before it is the
 * dynamic loader's start-up. Marks never carry table contents, names or secrets.
 */
#ifndef IPVSTOP_TRACE_H
#define IPVSTOP_TRACE_H

#include <stdbool.h>

/* Opens the trace when IPVSTOP_TRACE names a file (silently off when it cannot). */
void trace_init(void);
/* Whether marks are written (to skip work done only for a mark). */
bool trace_on(void);
/* One line, printf-formatted; nothing when the trace is off. */
void trace_mark(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
