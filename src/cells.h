/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Text measured and padded in terminal display cells, so translated (CJK) text lines up. */
#ifndef IPVSTOP_CELLS_H
#define IPVSTOP_CELLS_H

#include <stddef.h>
#include <stdint.h>

/* Display width of a UTF-8 (locale multibyte) string; invalid bytes count as one cell. */
int cells_width(const char *s);
/*
 * Copies s into buf (len bytes) cut or padded with spaces to exactly width cells,
 * left-aligned (right=0) or right-aligned. Control characters and invalid bytes become '?',
 * so text from the kernel or a cluster is never sent raw to the terminal. Returns buf.
 */
char *cells_pad(const char *s, int width, int right, char *buf, size_t len);
/* Human-readable count: 999, 1.2K, 35M, 4.0G (powers of 1000). buf needs 16 bytes. */
char *cells_human(double v, char *buf, size_t len);

#endif
