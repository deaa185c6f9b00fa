/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The streaming JSON writer behind -j and recordings: escapes strings, tracks commas.
 *
 * A document is tens of megabytes on a big table (100,000 real servers: about 60 MB), and
 * a per-character fputc(), a printf() per integer and stdio's locking per call cost
 * seconds of CPU there. So the writer gathers the document in a buffer of its own and hands
 * it to stdio a few kilobytes at a time; strings are copied in runs of plain bytes between
 * the few that need escaping; integers and most doubles are formatted here. The bytes are
 * those the previous writer (fputc/fprintf) wrote for the same values, except where those
 * were not valid JSON: bytes that are not UTF-8 and non-finite doubles.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "json_writer.h"

void jw_init(struct jw *w, FILE *f)
{
	w->f = f;
	w->need_comma = false;
	w->partial = false;
	w->n = 0;
}

static void flush(struct jw *w)
{
	if (w->n)
		fwrite(w->buf, 1, w->n, w->f);
	w->n = 0;
}

int jw_finish(struct jw *w)
{
	flush(w);
	return ferror(w->f) ? -(errno ? errno : EIO) : 0;
}

static void put(struct jw *w, const void *p, size_t n)
{
	if (n > JW_BUF - w->n) {
		flush(w);
		if (n > JW_BUF) {
			fwrite(p, 1, n, w->f);
			return;
		}
	}
	memcpy(w->buf + w->n, p, n);
	w->n += n;
}

void jw_raw(struct jw *w, const void *p, size_t n)
{
	put(w, p, n);
}

static void put_c(struct jw *w, char c)
{
	if (w->n == JW_BUF)
		flush(w);
	w->buf[w->n++] = c;
}

/*
 * Unicode's "maximal subpart" of an ill-formed start becomes one U+FFFD. p is
 * NUL-terminated: a continuation byte is never NUL, so reading stops at the terminator at
 * the latest.
 */
size_t jw_utf8_len(const unsigned char *p, size_t *bad)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xbf;
	size_t need;
	if (c >= 0xc2 && c <= 0xdf) {
		need = 1;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 2;
		if (c == 0xe0)
			lo = 0xa0; /* overlong */
		else if (c == 0xed)
			hi = 0x9f; /* UTF-16 surrogates */
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 3;
		if (c == 0xf0)
			lo = 0x90; /* overlong */
		else if (c == 0xf4)
			hi = 0x8f; /* above U+10FFFF */
	} else {
		*bad = 1; /* a continuation byte alone, C0, C1, F5..FF */
		return 0;
	}
	for (size_t i = 1; i <= need; i++) {
		if (p[i] < lo || p[i] > hi) {
			*bad = i;
			return 0;
		}
		lo = 0x80;
		hi = 0xbf;
	}
	return need + 1;
}

/* Printable ASCII but " and \\: copied as they are. */
static bool plain(unsigned char c)
{
	return c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
}

static void put_str(struct jw *w, const char *str)
{
	static const char hex[] = "0123456789abcdef";
	static const char short_plain[] = "\"\\\n\t", short_escaped[] = "\"\\nt";
	const unsigned char *p = (const unsigned char *)str, *run = p;
	while (plain(*p))
		p++;
	/* Nearly every key and value is plain ASCII: quoted into the buffer in one copy. */
	size_t n = (size_t)(p - run);
	if (!*p && n + 2 <= JW_BUF - w->n) {
		char *b = w->buf + w->n;
		b[0] = '"';
		memcpy(b + 1, str, n);
		b[n + 1] = '"';
		w->n += n + 2;
		return;
	}
	put_c(w, '"');
	while (*p) {
		unsigned char c = *p;
		if (plain(c)) {
			p++;
			continue;
		}
		size_t bad = 0;
		if (c >= 0x80) {
			size_t len = jw_utf8_len(p, &bad);
			if (len) {
				p += len;
				continue;
			}
		}
		put(w, run, (size_t)(p - run));
		if (bad) {
			put(w, "\xef\xbf\xbd", 3); /* U+FFFD */
			p += bad;
			run = p;
			continue;
		}
		/* ", \, newline and tab have a short escape (c is never NUL here). */
		const char *q = strchr(short_plain, c);
		if (q) {
			char e[2] = {'\\', short_escaped[q - short_plain]};
			put(w, e, sizeof(e));
		} else {
			/* The other control characters and DEL, as \u00XX (lower-case hex). */
			char e[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
			put(w, e, sizeof(e));
		}
		p++;
		run = p;
	}
	put(w, run, (size_t)(p - run));
	put_c(w, '"');
}

/* The decimal digits of v, written backwards ending at end; returns the first. */
static char *digits(char *end, uint64_t v)
{
	char *p = end;
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return p;
}

/*
 * "%.3f", without printf when the answer is certain: v * 1000 rounded to an integer, when
 * the product is small enough to be exact within 1/4096 and not within 1/1000 of a
 * rounding tie (where printf's rounding of the exact binary value decides). Rates and
 * intervals are nearly always that; the rest goes to snprintf().
 */
static void put_double(struct jw *w, double v)
{
	if (!isfinite(v)) {
		put(w, "null", 4);
		return;
	}
	double t = fabs(v) * 1000.0;
	if (t < 1099511627776.0 /* 2^40 */) {
		double r = floor(t + 0.5);
		if (fabs(t - r) < 0.499) {
			uint64_t m = (uint64_t)r;
			char b[32];
			char *end = b + sizeof(b), *p = end;
			uint64_t frac = m % 1000;
			*--p = (char)('0' + frac % 10);
			*--p = (char)('0' + frac / 10 % 10);
			*--p = (char)('0' + frac / 100);
			*--p = '.';
			p = digits(p, m / 1000);
			if (signbit(v))
				*--p = '-';
			put(w, p, (size_t)(end - p));
			return;
		}
	}
	char num[352]; /* DBL_MAX has 309 digits */
	int n = snprintf(num, sizeof(num), "%.3f", v);
	if (n > 0)
		put(w, num, (size_t)n < sizeof(num) ? (size_t)n : sizeof(num) - 1);
}

/* Starts a member ("key":) or an array element. */
void jw_key(struct jw *w, const char *key)
{
	if (w->need_comma)
		put_c(w, ',');
	w->need_comma = false;
	if (key) {
		put_str(w, key);
		put_c(w, ':');
	}
}

void jw_open(struct jw *w, const char *key, char c)
{
	jw_key(w, key);
	put_c(w, c);
	w->need_comma = false;
}

void jw_close(struct jw *w, char c)
{
	put_c(w, c);
	w->need_comma = true;
}

void jw_string(struct jw *w, const char *key, const char *val)
{
	jw_key(w, key);
	if (val)
		put_str(w, val);
	else
		put(w, "null", 4);
	w->need_comma = true;
}

/* A member whose value is the n bytes of JSON text at text. */
static void member(struct jw *w, const char *key, const char *text, size_t n)
{
	jw_key(w, key);
	put(w, text, n);
	w->need_comma = true;
}

void jw_raw_u64(struct jw *w, uint64_t v)
{
	char b[24];
	char *p = digits(b + sizeof(b), v);
	put(w, p, (size_t)(b + sizeof(b) - p));
}

void jw_u64(struct jw *w, const char *key, uint64_t v)
{
	char b[24];
	char *p = digits(b + sizeof(b), v);
	member(w, key, p, (size_t)(b + sizeof(b) - p));
}

void jw_i64(struct jw *w, const char *key, int64_t v)
{
	char b[24];
	char *p = digits(b + sizeof(b), v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v);
	if (v < 0)
		*--p = '-';
	member(w, key, p, (size_t)(b + sizeof(b) - p));
}

void jw_double(struct jw *w, const char *key, double v)
{
	jw_key(w, key);
	put_double(w, v);
	w->need_comma = true;
}

void jw_bool(struct jw *w, const char *key, bool v)
{
	member(w, key, v ? "true" : "false", v ? 4 : 5);
}

void jw_null(struct jw *w, const char *key)
{
	member(w, key, "null", 4);
}

void jw_u64_object(struct jw *w, const char *key, const struct jw_u64_member *m)
{
	jw_open(w, key, '{');
	for (; m->key; m++)
		jw_u64(w, m->key, m->v);
	jw_close(w, '}');
}

void jw_objects(struct jw *w, const char *key, const void *arr, size_t n, size_t size,
		void (*members)(struct jw *w, const void *elem, const void *arg), const void *arg)
{
	jw_open(w, key, '[');
	for (size_t i = 0; i < n; i++) {
		jw_open(w, NULL, '{');
		members(w, (const char *)arr + i * size, arg);
		jw_close(w, '}');
	}
	jw_close(w, ']');
}
