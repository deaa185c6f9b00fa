/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Display-cell measurement and padding for translated column headers and values. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "cells.h"

/* Width of the next character at s (n bytes left); *used gets its length in bytes. */
static int next_cell(const char *s, size_t n, size_t *used)
{
	mbstate_t st;
	wchar_t wc;
	memset(&st, 0, sizeof(st));
	size_t r = mbrtowc(&wc, s, n, &st);
	if (r == (size_t)-1 || r == (size_t)-2 || r == 0) {
		*used = 1;
		return 1;
	}
	*used = r;
	int w = wcwidth(wc);
	return w < 0 ? 1 : w;
}

int cells_width(const char *s)
{
	int w = 0;
	size_t n = strlen(s), used;
	while (n > 0) {
		w += next_cell(s, n, &used);
		s += used;
		n -= used;
	}
	return w;
}

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

char *cells_pad(const char *s, int width, int right, char *buf, size_t len)
{
	size_t n = strlen(s), out = 0;
	int w = 0;
	while (n > 0) {
		size_t used = control_len(s, n), take;
		int cw;
		if (used) {
			cw = 1;
			take = 0; /* a '?' stands in */
		} else {
			mbstate_t st;
			wchar_t wc;
			memset(&st, 0, sizeof(st));
			size_t r = mbrtowc(&wc, s, n, &st);
			if (r == (size_t)-1 || r == (size_t)-2 || r == 0) {
				used = 1;
				cw = 1;
				take = 0;
			} else {
				used = r;
				cw = wcwidth(wc);
				take = r;
				if (cw < 0) {
					cw = 1;
					take = 0;
				}
			}
		}
		size_t bytes = take ? take : 1;
		if (w + cw > width || out + bytes + 1 > len)
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

char *cells_human(double v, char *buf, size_t len)
{
	static const char units[] = {'K', 'M', 'G', 'T', 'P', 'E'};
	if (v < 1000) {
		if (v == (double)(long long)v)
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
