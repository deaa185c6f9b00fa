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

char *cells_pad(const char *s, int width, int right, char *buf, size_t len)
{
	size_t n = strlen(s), used, out = 0;
	int w = 0;
	/* Take whole characters while they fit in width cells and in buf. */
	const char *p = s;
	while (n > 0) {
		int cw = next_cell(p, n, &used);
		if (w + cw > width || out + used + 1 > len)
			break;
		p += used;
		n -= used;
		out += used;
		w += cw;
	}
	size_t pad = (size_t)(width - w);
	if (out + pad + 1 > len)
		pad = len - out - 1;
	if (right) {
		memset(buf, ' ', pad);
		memcpy(buf + pad, s, out);
	} else {
		memcpy(buf, s, out);
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
