/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A streaming JSON writer: members and elements written as they come, no tree in memory. */
#ifndef IPVSTOP_JSON_WRITER_H
#define IPVSTOP_JSON_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * What the writer gathers before handing it to stdio in one fwrite(). Larger than stdio's
 * own buffer (a page, on a pipe or /dev/null) so that each chunk goes out in one write(2)
 * instead of being copied into that page and written a page at a time (bench/: 10,000
 * write(2)s and as many copies for the 42 MB document of 100,000 real servers).
 */
#define JW_BUF (64 * 1024)

struct jw {
	FILE *f;
	bool need_comma;
	/* Read from /proc: counters, rates, thresholds, tunnels and PE are not there. */
	bool partial;
	size_t n;
	char buf[JW_BUF];
};

/* Starts a document on f (jw_finish() hands what is buffered to f). */
void jw_init(struct jw *w, FILE *f);
/* Writes out what is buffered; 0, or -errno when the stream failed. */
int jw_finish(struct jw *w);

/*
 * key NULL: an array element. Keys and strings are escaped the same way: ", \, control
 * characters and DEL as JSON escapes, bytes that are not UTF-8 (a truncated or overlong
 * sequence, a surrogate, above U+10FFFF) as U+FFFD, so that whatever the kernel or the
 * cluster hands over, the document stays valid JSON. NULL strings are written as null.
 */
void jw_key(struct jw *w, const char *key);
void jw_open(struct jw *w, const char *key, char c);
void jw_close(struct jw *w, char c);
void jw_string(struct jw *w, const char *key, const char *val);
void jw_u64(struct jw *w, const char *key, uint64_t v);
void jw_i64(struct jw *w, const char *key, int64_t v);
/* Three decimals ("%.3f"); NaN and infinities, which JSON has no number for, as null. */
void jw_double(struct jw *w, const char *key, double v);
void jw_bool(struct jw *w, const char *key, bool v);
void jw_null(struct jw *w, const char *key);

/*
 * For another text format sharing the buffer (output_prom.c): n bytes as they are, and v's
 * decimal digits; neither touches the JSON state (commas).
 */
void jw_raw(struct jw *w, const void *p, size_t n);
void jw_raw_u64(struct jw *w, uint64_t v);
/*
 * The length of the well-formed UTF-8 sequence that starts at p (p[0] >= 0x80, p
 * NUL-terminated), or 0 and in *bad the length of its ill-formed start (to be one U+FFFD).
 */
size_t jw_utf8_len(const unsigned char *p, size_t *bad);

/* One member of an object of counters; a NULL key ends the list. */
struct jw_u64_member {
	const char *key;
	uint64_t v;
};
/* "key":{"m[0].key":m[0].v,...}: an object of unsigned members, in the order given. */
void jw_u64_object(struct jw *w, const char *key, const struct jw_u64_member *m);

/*
 * "key":[{...},...]: an object for each of the n elements of arr (size bytes each), its
 * members written by members(w, element, arg) between the braces.
 */
void jw_objects(struct jw *w, const char *key, const void *arr, size_t n, size_t size,
		void (*members)(struct jw *w, const void *elem, const void *arg), const void *arg);

#endif
