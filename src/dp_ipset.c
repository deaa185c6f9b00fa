/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kube-proxy's ipsets: libipset's header-only list, captured as text and parsed. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <libipset/ipset.h>
#include <libipset/session.h>
#include <libipset/types.h>

#include "dp_ipset.h"
#include "nls.h"

/* More than any real list of headers (65535 sets of ~250 bytes) and less than memory. */
#define DP_IPSET_TEXT_MAX (16u << 20)

/* ------------------------------------------------------------------ parsing */

/* A line or word of the input: not NUL-terminated. */
struct span {
	const char *p;
	size_t len;
};

static bool span_starts(struct span *s, const char *prefix)
{
	size_t pl = strlen(prefix);
	if (s->len < pl || memcmp(s->p, prefix, pl) != 0)
		return false;
	s->p += pl;
	s->len -= pl;
	return true;
}

static void span_trim(struct span *s)
{
	while (s->len && (s->p[0] == ' ' || s->p[0] == '\t'))
		s->p++, s->len--;
	while (s->len &&
	       (s->p[s->len - 1] == ' ' || s->p[s->len - 1] == '\t' || s->p[s->len - 1] == '\r'))
		s->len--;
}

/* The next space-separated word of *s (empty at the end). */
static struct span span_word(struct span *s)
{
	span_trim(s);
	struct span w = {s->p, 0};
	while (w.len < s->len && s->p[w.len] != ' ' && s->p[w.len] != '\t')
		w.len++;
	s->p += w.len;
	s->len -= w.len;
	return w;
}

static bool span_eq(struct span s, const char *word)
{
	return s.len == strlen(word) && memcmp(s.p, word, s.len) == 0;
}

/* A decimal number that is all of s; false (v unchanged) otherwise or on overflow. */
static bool span_u64(struct span s, uint64_t *v)
{
	uint64_t x = 0;
	if (s.len == 0)
		return false;
	for (size_t i = 0; i < s.len; i++) {
		if (s.p[i] < '0' || s.p[i] > '9')
			return false;
		unsigned d = (unsigned)(s.p[i] - '0');
		if (x > (UINT64_MAX - d) / 10)
			return false;
		x = x * 10 + d;
	}
	*v = x;
	return true;
}

/* Copies s into a fixed field, cut to fit (ipset names and types are shorter). */
static void span_copy(char *dst, size_t size, struct span s)
{
	size_t n = s.len < size - 1 ? s.len : size - 1;
	memcpy(dst, s.p, n);
	dst[n] = '\0';
}

/* "family inet hashsize 1024 maxelem 65536 ..." (hash) or "size 8" (list:set). */
static void parse_header(struct dp_ipset *set, struct span h)
{
	for (;;) {
		struct span key = span_word(&h);
		if (key.len == 0)
			break;
		if (span_eq(key, "family")) {
			span_copy(set->family, sizeof(set->family), span_word(&h));
		} else if (span_eq(key, "maxelem") || span_eq(key, "size")) {
			struct span v = span_word(&h);
			(void)span_u64(v, &set->maxelem);
		}
	}
}

static void set_finish(struct dp_ipset *set)
{
	set->full = set->maxelem > 0 && set->entries >= set->maxelem;
}

int dp_ipset_parse_list(const char *text, size_t len, struct dp_ipset **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	if (len > DP_IPSET_TEXT_MAX)
		return -E2BIG;

	struct dp_ipset *sets = NULL;
	size_t count = 0, cap = 0;
	struct dp_ipset *cur = NULL;
	size_t pos = 0;
	while (pos < len) {
		struct span line = {text + pos, 0};
		while (pos + line.len < len && text[pos + line.len] != '\n')
			line.len++;
		pos += line.len + 1;
		span_trim(&line);

		if (span_starts(&line, "Name:")) {
			if (cur)
				set_finish(cur); /* before the array moves */
			if (count == cap) {
				size_t ncap = cap ? cap * 2 : 16;
				struct dp_ipset *p = realloc(sets, ncap * sizeof(*p));
				if (!p) {
					free(sets);
					return -ENOMEM;
				}
				sets = p;
				cap = ncap;
			}
			cur = &sets[count++];
			memset(cur, 0, sizeof(*cur));
			span_trim(&line);
			span_copy(cur->name, sizeof(cur->name), line);
		} else if (!cur) {
			continue; /* nothing before the first set's name means anything */
		} else if (span_starts(&line, "Type:")) {
			span_trim(&line);
			span_copy(cur->type, sizeof(cur->type), line);
		} else if (span_starts(&line, "Header:")) {
			parse_header(cur, line);
		} else if (span_starts(&line, "Number of entries:")) {
			span_trim(&line);
			(void)span_u64(line, &cur->entries);
		}
	}
	if (cur)
		set_finish(cur);
	*out = sets;
	*n = count;
	return 0;
}

bool dp_ipset_is_kube(const char *name)
{
	return strncmp(name, "KUBE-", 5) == 0;
}

/* ------------------------------------------------------------------ transport */

/* What libipset prints, gathered (its print callback gets the session's output buffer). */
struct outbuf {
	char *p;
	size_t len, cap;
	int err;
};

static int outbuf_print(struct ipset_session *session, void *arg, const char *fmt, ...)
{
	struct outbuf *b = arg;
	(void)session;
	if (b->err)
		return -1;
	va_list ap;
	va_start(ap, fmt);
	int w = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (w < 0 || b->len + (size_t)w + 1 > DP_IPSET_TEXT_MAX) {
		b->err = w < 0 ? -EINVAL : -E2BIG;
		return -1;
	}
	if (b->len + (size_t)w + 1 > b->cap) {
		size_t ncap = b->cap ? b->cap : 4096;
		while (ncap < b->len + (size_t)w + 1)
			ncap *= 2;
		char *np = realloc(b->p, ncap);
		if (!np) {
			b->err = -ENOMEM;
			return -1;
		}
		b->p = np;
		b->cap = ncap;
	}
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	b->len += (size_t)w;
	return w;
}

/*
 * libipset reports a kernel error as text only ("Kernel error received: %s" with
 * strerror()), never as a number: the errno is found by its strerror() text, which is in
 * the same locale for both of us.
 */
static int report_errno(const char *msg)
{
	static const int known[] = {EPERM, EACCES, ENOENT, EPROTONOSUPPORT, ENOMEM, EAGAIN};
	if (!msg)
		return -EIO;
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strstr(msg, strerror(known[i])))
			return -known[i];
	return -EIO;
}

static pthread_once_t types_once = PTHREAD_ONCE_INIT;

/* libipset's type list is global and filled once: a list needs it to print the headers. */
static void load_types(void)
{
	ipset_load_types();
}

/* Puts "ipsets: " and msg (translated) in why; returns err. */
static int say(char *why, size_t len, int err, const char *msg)
{
	if (why && len)
		snprintf(why, len, _("ipsets: %s"), msg);
	return err;
}

/* The LIST command, headers only, every set: its printed text in *b. */
static int list_headers(struct outbuf *b, char *why, size_t len)
{
	struct ipset_session *session = ipset_session_init(outbuf_print, b);
	if (!session)
		return say(why, len, -ENOMEM, strerror(ENOMEM));
	ipset_envopt_set(session, IPSET_ENV_LIST_HEADER);
	int rc = ipset_session_output(session, IPSET_LIST_PLAIN);
	if (rc == 0)
		rc = ipset_cmd(session, IPSET_CMD_LIST, 0);
	if (rc < 0 && !b->err) {
		const char *msg = ipset_session_report_msg(session);
		rc = report_errno(msg);
		if (rc == -EPERM || rc == -EACCES)
			say(why, len, rc,
			    _("listing them needs CAP_NET_ADMIN in this network namespace (run "
			      "as root)"));
		else
			say(why, len, rc, msg && *msg ? msg : strerror(-rc));
	}
	/* The output is flushed at the end of the command; fini frees what is left. */
	ipset_session_fini(session);
	if (b->err)
		return say(why, len, b->err, strerror(-b->err));
	return rc < 0 ? rc : 0;
}

int dp_ipset_read_at(const char *module_dir, struct dp_ipset **out, size_t *n, char *why,
		     size_t len)
{
	*out = NULL;
	*n = 0;
	if (why && len)
		why[0] = '\0';
	struct stat st;
	/* Asked with no module, the kernel would modprobe ip_set (nfnl-subsys-ipset). */
	if (stat(module_dir, &st) != 0)
		return say(why, len, -ENOENT, _("not present (no ip_set in the kernel)"));

	pthread_once(&types_once, load_types);
	struct outbuf b = {0};
	int rc = list_headers(&b, why, len);
	if (rc == 0) {
		struct dp_ipset *all;
		size_t n_all;
		rc = dp_ipset_parse_list(b.p ? b.p : "", b.len, &all, &n_all);
		if (rc == 0) {
			size_t k = 0;
			for (size_t i = 0; i < n_all; i++)
				if (dp_ipset_is_kube(all[i].name))
					all[k++] = all[i];
			if (k == 0) {
				free(all);
				all = NULL;
			}
			*out = all;
			*n = k;
		} else {
			say(why, len, rc, strerror(-rc));
		}
	}
	free(b.p);
	return rc;
}

int dp_ipset_read(struct dp_ipset **out, size_t *n, char *why, size_t len)
{
	return dp_ipset_read_at("/sys/module/ip_set", out, n, why, len);
}
