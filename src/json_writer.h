/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A streaming JSON writer: members and elements written as they come, no tree in memory. */
#ifndef IPVSTOP_JSON_WRITER_H
#define IPVSTOP_JSON_WRITER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct jw {
	FILE *f;
	bool need_comma;
	/* Read from /proc: counters, rates, thresholds, tunnels and PE are not there. */
	bool partial;
};

/* key NULL: an array element. Strings are escaped; NULL strings are written as null. */
void jw_key(struct jw *w, const char *key);
void jw_open(struct jw *w, const char *key, char c);
void jw_close(struct jw *w, char c);
void jw_string(struct jw *w, const char *key, const char *val);
void jw_u64(struct jw *w, const char *key, uint64_t v);
void jw_i64(struct jw *w, const char *key, int64_t v);
void jw_double(struct jw *w, const char *key, double v);
void jw_bool(struct jw *w, const char *key, bool v);
void jw_null(struct jw *w, const char *key);

#endif
