/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Display-cell measurement and padding for translated column headers and values. */
#include "config.h"

#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "cells.h"

/* Control characters (C0, DEL, C1) are never sent to the terminal: they become '?'. */
static size_t control_len(const char *s, size_t n)
{
	unsigned char c = (unsigned char)s[0];
	if (c < 0x20 || c == 0x7f)
		return 1;
	/* C1 controls in UTF-8: U+0080..U+009F. */
	if (n >= 2 && c == 0xc2 && (unsigned char)s[1] >= 0x80 && (unsigned char)s[1] <= 0x9f)
		return 2;
	return 0;
}

/*
 * The next character at s (n > 0 bytes left): *used gets the bytes it spans, *cw its cells.
 * Returns the bytes to copy, or 0 when a '?' stands in (a control, an invalid or cut
 * sequence, an unprintable character).
 */
static size_t next_safe(const char *s, size_t n, size_t *used, int *cw)
{
	*cw = 1;
	/*
	 * Printable ASCII is one byte and one cell in every locale ipvstop runs in: no
	 * mbrtowc()/wcwidth() for it (they were the batch frame's largest cost, bench/).
	 */
	if ((unsigned char)s[0] >= 0x20 && (unsigned char)s[0] < 0x7f) {
		*used = 1;
		return 1;
	}
	*used = control_len(s, n);
	if (*used)
		return 0;
	mbstate_t st;
	wchar_t wc;
	memset(&st, 0, sizeof(st));
	size_t r = mbrtowc(&wc, s, n, &st);
	if (r == (size_t)-1 || r == (size_t)-2 || r == 0) {
		*used = 1;
		return 0;
	}
	*used = r;
	int w = wcwidth(wc);
	if (w < 0)
		return 0;
	*cw = w;
	return r;
}

int cells_width(const char *s)
{
	int w = 0, cw;
	size_t n = strlen(s), used;
	while (n > 0) {
		next_safe(s, n, &used, &cw);
		w += cw;
		s += used;
		n -= used;
	}
	return w;
}

/*
 * Copies what of s fits in width cells and len - 1 bytes into buf, each character that
 * cannot be shown as one '?'. Returns the bytes written (no NUL); *cells the cells taken.
 */
static size_t copy_safe(const char *s, int width, char *buf, size_t len, int *cells)
{
	size_t n = strlen(s), out = 0;
	int w = 0;
	while (n > 0) {
		size_t used;
		int cw;
		size_t take = next_safe(s, n, &used, &cw);
		size_t bytes = take ? take : 1;
		if (cw > width - w || out + bytes + 1 > len)
			break;
		if (take)
			memcpy(buf + out, s, take);
		else
			buf[out] = '?';
		out += bytes;
		w += cw;
		s += used;
		n -= used;
	}
	*cells = w;
	return out;
}

char *cells_pad(const char *s, int width, int right, char *buf, size_t len)
{
	int w;
	size_t out = copy_safe(s, width, buf, len, &w);
	size_t pad = width > w ? (size_t)(width - w) : 0;
	if (out + pad + 1 > len)
		pad = len - out - 1;
	if (right) {
		memmove(buf + pad, buf, out);
		memset(buf, ' ', pad);
	} else {
		memset(buf + out, ' ', pad);
	}
	buf[out + pad] = '\0';
	return buf;
}

char *cells_safe(const char *s, char *buf, size_t len)
{
	int w;
	buf[copy_safe(s, INT_MAX, buf, len, &w)] = '\0';
	return buf;
}

int cells_fputs(const char *s, FILE *f)
{
	size_t n = strlen(s);
	while (n > 0) {
		size_t used;
		int cw;
		size_t take = next_safe(s, n, &used, &cw);
		if (take ? fwrite(s, 1, take, f) != take : putc('?', f) == EOF)
			return EOF;
		s += used;
		n -= used;
	}
	return 0;
}

char *cells_u64(uint64_t v, char *buf, size_t len)
{
	char tmp[24], *p = tmp + sizeof(tmp);
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	size_t n = (size_t)(tmp + sizeof(tmp) - p);
	if (len == 0)
		return buf;
	if (n >= len)
		n = len - 1;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return buf;
}

char *cells_human(double v, char *buf, size_t len)
{
	static const char units[] = {'K', 'M', 'G', 'T', 'P', 'E'};
	if (isnan(v)) {
		/* Unknown (a rate an agent wrote as null): no unit to index. */
		snprintf(buf, len, "?");
		return buf;
	}
	if (v < 1000) {
		/*
		 * Whole numbers without a point. The cast only where it is exact: a hostile
		 * agent's -2e31 is beyond long long (undefined behaviour), and no whole number.
		 */
		bool whole = v > -1e15 && v == (double)(long long)v;
		if (whole && v >= 0)
			cells_u64((uint64_t)v, buf, len);
		else if (whole)
			snprintf(buf, len, "%lld", (long long)v);
		else
			snprintf(buf, len, "%.1f", v);
		return buf;
	}
	int u = -1;
	while (v >= 1000 && u < 5) {
		v /= 1000;
		u++;
	}
	snprintf(buf, len, v < 10 ? "%.1f%c" : "%.0f%c", v, units[u]);
	return buf;
}

size_t cells_catf(char *buf, size_t n, size_t len, const char *fmt, ...)
{
	if (n >= len)
		return n;
	va_list ap;
	va_start(ap, fmt);
	int w = vsnprintf(buf + n, len - n, fmt, ap);
	va_end(ap);
	return w < 0 ? n : n + (size_t)w;
}
