/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Text measured and padded in terminal display cells, so translated (CJK) text lines up. */
#ifndef IPVSTOP_CELLS_H
#define IPVSTOP_CELLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

/*
 * Display width of a UTF-8 (locale multibyte) string; a control character or an invalid
 * byte counts as one cell, the '?' that cells_pad and cells_safe put in its place.
 */
int cells_width(const char *s);
/*
 * Copies s into buf (len bytes) cut or padded with spaces to exactly width cells,
 * left-aligned (right=0) or right-aligned. Control characters and invalid bytes become '?',
 * so text from the kernel or a cluster is never sent raw to the terminal. Returns buf.
 */
char *cells_pad(const char *s, int width, int right, char *buf, size_t len);
/*
 * Copies s into buf (len bytes, cut on a character boundary) with control characters and
 * invalid bytes made '?', as cells_pad does, without padding. Returns buf.
 */
char *cells_safe(const char *s, char *buf, size_t len);
/* Writes s to f made safe as cells_safe does, whatever its length. EOF on a write error. */
int cells_fputs(const char *s, FILE *f);

/*
 * Appends printf output at buf + n (buf holds len bytes in all), cut to fit and always
 * terminated. Returns n plus what was written (at least len once it was cut: later appends
 * then do nothing), so a line is built by chaining n = cells_catf(buf, n, len, ...).
 */
__attribute__((format(printf, 4, 5))) size_t cells_catf(char *buf, size_t n, size_t len,
							const char *fmt, ...);

/* Human-readable count: 999, 1.2K, 35M, 4.0G (powers of 1000). buf needs 16 bytes. */
char *cells_human(double v, char *buf, size_t len);

#endif
