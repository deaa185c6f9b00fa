/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The streaming JSON writer behind -j: escapes strings, tracks commas. */
#include "config.h"

#include <inttypes.h>

#include "json_writer.h"

static void jw_sep(struct jw *w)
{
	if (w->need_comma)
		fputc(',', w->f);
	w->need_comma = false;
}

static void jw_str_raw(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}

/* Starts a member ("key":) or an array element. */
void jw_key(struct jw *w, const char *key)
{
	jw_sep(w);
	if (key) {
		jw_str_raw(w->f, key);
		fputc(':', w->f);
	}
}

void jw_open(struct jw *w, const char *key, char c)
{
	jw_key(w, key);
	fputc(c, w->f);
	w->need_comma = false;
}

void jw_close(struct jw *w, char c)
{
	fputc(c, w->f);
	w->need_comma = true;
}

void jw_string(struct jw *w, const char *key, const char *val)
{
	jw_key(w, key);
	if (val)
		jw_str_raw(w->f, val);
	else
		fputs("null", w->f);
	w->need_comma = true;
}

void jw_u64(struct jw *w, const char *key, uint64_t v)
{
	jw_key(w, key);
	fprintf(w->f, "%" PRIu64, v);
	w->need_comma = true;
}

void jw_i64(struct jw *w, const char *key, int64_t v)
{
	jw_key(w, key);
	fprintf(w->f, "%" PRId64, v);
	w->need_comma = true;
}

void jw_double(struct jw *w, const char *key, double v)
{
	jw_key(w, key);
	fprintf(w->f, "%.3f", v);
	w->need_comma = true;
}

void jw_bool(struct jw *w, const char *key, bool v)
{
	jw_key(w, key);
	fputs(v ? "true" : "false", w->f);
	w->need_comma = true;
}

void jw_null(struct jw *w, const char *key)
{
	jw_key(w, key);
	fputs("null", w->f);
	w->need_comma = true;
}

