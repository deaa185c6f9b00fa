/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The Prometheus text format, kube-proxy's sync metrics kept: a bounded parser, no I/O. */
#include "config.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "kp_metrics.h"

#define KP_METRICS_TEXT_MAX ((size_t)64 << 20)

/* ------------------------------------------------------------------ tokens */

/* A cursor over one line: [p, end), never past it. */
struct cur {
	const char *p, *end;
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

static void skip_blanks(struct cur *c)
{
	while (c->p < c->end && is_blank(*c->p))
		c->p++;
}

static bool name_char(char c, bool first, bool colon)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_')
		return true;
	if (c == ':')
		return colon;
	return !first && c >= '0' && c <= '9';
}

/* A metric name ([a-zA-Z_:][a-zA-Z0-9_:]*) or label name (no colon); false if none. */
static bool take_name(struct cur *c, bool colon, const char **name, size_t *len)
{
	const char *s = c->p;
	while (c->p < c->end && name_char(*c->p, c->p == s, colon))
		c->p++;
	*name = s;
	*len = (size_t)(c->p - s);
	return *len > 0;
}

/* A word up to the next blank or the end. */
static void take_word(struct cur *c, const char **w, size_t *len)
{
	const char *s = c->p;
	while (c->p < c->end && !is_blank(*c->p))
		c->p++;
	*w = s;
	*len = (size_t)(c->p - s);
}

static bool word_eq(const char *w, size_t len, const char *lit)
{
	return len == strlen(lit) && memcmp(w, lit, len) == 0;
}

static locale_t c_locale;
static pthread_once_t c_locale_once = PTHREAD_ONCE_INIT;

static void make_c_locale(void)
{
	c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
}

/*
 * A float as Go's strconv.ParseFloat writes and reads it: exponents, NaN, +Inf, -Inf.
 * strtod follows LC_NUMERIC ("1,5" in a German locale). main() keeps it "C", but this
 * parser does not depend on that: the C locale's strtod_l reads kube-proxy's "1.5" in any
 * program that links it.
 */
static bool parse_float(const char *w, size_t len, double *v)
{
	char buf[128];
	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, w, len);
	buf[len] = '\0';
	pthread_once(&c_locale_once, make_c_locale);
	if (c_locale == (locale_t)0)
		return false;
	char *e;
	double x = strtod_l(buf, &e, c_locale);
	/* ERANGE: a subnormal or an overflow to +-Inf; both are values. */
	if (e != buf + len)
		return false;
	*v = x;
	return true;
}

/* An optional timestamp: an integer (milliseconds), maybe negative. */
static bool valid_timestamp(const char *w, size_t len)
{
	size_t i = len && w[0] == '-' ? 1 : 0;
	if (i == len || len > 20)
		return false;
	for (; i < len; i++)
		if (w[i] < '0' || w[i] > '9')
			return false;
	return true;
}

/* ------------------------------------------------------------------ one sample */

/* The labels kube-proxy's metrics are told apart by; the others are checked and dropped. */
struct labels {
	char le[64], family[8], table[32], policy[32];
	bool has_le, le_cut; /* a longer bound is cut: read, it would be another number */
};

/*
 * Reads a quoted label value with its escapes into dst (cut to size; *cut says so; dst may
 * be NULL); false if malformed.
 */
static bool take_label_value(struct cur *c, char *dst, size_t size, bool *cut)
{
	size_t n = 0;
	if (c->p >= c->end || *c->p != '"')
		return false;
	c->p++;
	while (c->p < c->end && *c->p != '"') {
		char ch = *c->p++;
		if (ch == '\\') {
			if (c->p >= c->end)
				return false;
			ch = *c->p++;
			if (ch == 'n')
				ch = '\n';
			else if (ch != '\\' && ch != '"')
				return false; /* the format has only these three */
		}
		if (dst && n + 1 < size)
			dst[n++] = ch;
		else if (dst)
			*cut = true;
	}
	if (c->p >= c->end)
		return false; /* no closing quote */
	c->p++;
	if (dst && size)
		dst[n] = '\0';
	return true;
}

/* '{' name="value" (, name="value")* [,] '}', blanks anywhere between tokens. */
static bool take_labels(struct cur *c, struct labels *l)
{
	c->p++; /* '{' */
	for (;;) {
		skip_blanks(c);
		if (c->p < c->end && *c->p == '}') {
			c->p++;
			return true;
		}
		const char *name;
		size_t nlen;
		if (!take_name(c, false, &name, &nlen))
			return false;
		skip_blanks(c);
		if (c->p >= c->end || *c->p != '=')
			return false;
		c->p++;
		skip_blanks(c);
		char *dst = NULL;
		size_t size = 0;
		if (word_eq(name, nlen, "le")) {
			dst = l->le, size = sizeof(l->le);
			l->has_le = true;
		} else if (word_eq(name, nlen, "ip_family")) {
			dst = l->family, size = sizeof(l->family);
		} else if (word_eq(name, nlen, "table")) {
			dst = l->table, size = sizeof(l->table);
		} else if (word_eq(name, nlen, "traffic_policy")) {
			dst = l->policy, size = sizeof(l->policy);
		}
		bool cut = false;
		if (!take_label_value(c, dst, size, &cut))
			return false;
		if (dst == l->le)
			l->le_cut = cut;
		skip_blanks(c);
		if (c->p < c->end && *c->p == ',')
			c->p++;
		else if (c->p >= c->end || *c->p != '}')
			return false;
	}
}

/* One sample line, split: its name, labels and value. */
struct sample {
	const char *name;
	size_t nlen;
	struct labels l;
	double v;
};

static bool parse_sample(struct cur *c, struct sample *s)
{
	memset(s, 0, sizeof(*s));
	if (!take_name(c, true, &s->name, &s->nlen))
		return false;
	skip_blanks(c);
	if (c->p < c->end && *c->p == '{' && !take_labels(c, &s->l))
		return false;
	skip_blanks(c);
	const char *w;
	size_t wlen;
	take_word(c, &w, &wlen);
	if (!parse_float(w, wlen, &s->v))
		return false;
	skip_blanks(c);
	if (c->p < c->end) {
		take_word(c, &w, &wlen);
		if (!valid_timestamp(w, wlen))
			return false;
		skip_blanks(c);
	}
	return c->p == c->end;
}

/* "# HELP name text", "# TYPE name type", or any other comment. */
static bool parse_comment(struct cur *c)
{
	c->p++; /* '#' */
	skip_blanks(c);
	const char *w, *name;
	size_t wlen, nlen;
	take_word(c, &w, &wlen);
	bool help = word_eq(w, wlen, "HELP"), type = word_eq(w, wlen, "TYPE");
	if (!help && !type)
		return true;
	skip_blanks(c);
	if (!take_name(c, true, &name, &nlen))
		return false;
	if (c->p < c->end && !is_blank(*c->p))
		return false;
	if (help)
		return true; /* the docstring is free text (escapes \\ and \n) */
	skip_blanks(c);
	take_word(c, &w, &wlen);
	skip_blanks(c);
	static const char *const types[] = {"counter", "gauge", "histogram", "summary", "untyped"};
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (word_eq(w, wlen, types[i]))
			return c->p == c->end;
	return false;
}

/* ------------------------------------------------------------------ keeping */

static void value_add(struct kp_value *v, double x)
{
	v->present = true;
	v->value += x;
}

static struct kp_family_sync *family(struct kp_metrics *m, const char *name)
{
	for (size_t i = 0; i < m->n_fam; i++)
		if (strcmp(m->fam[i].family, name) == 0)
			return &m->fam[i];
	if (m->n_fam == KP_METRICS_MAX_FAMILIES)
		return NULL;
	struct kp_family_sync *f = &m->fam[m->n_fam++];
	strcpy(f->family, name); /* both char[8] */
	return f;
}

static bool labeled_add(struct kp_labeled *a, size_t *n, const char *label, const char *fam,
			double x)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp(a[i].label, label) == 0 && strcmp(a[i].family, fam) == 0) {
			a[i].value += x;
			return true;
		}
	if (*n == KP_METRICS_MAX_LABELED)
		return false;
	strcpy(a[*n].label, label); /* both char[32] */
	strcpy(a[*n].family, fam);  /* both char[8] */
	a[*n].value = x;
	(*n)++;
	return true;
}

/* A _bucket sample: its count goes to the bucket of the same bound (series added up). */
static bool bucket_add(struct kp_histogram *h, const struct labels *l, double x)
{
	double le;
	if (!l->has_le || l->le_cut || !parse_float(l->le, strlen(l->le), &le) || isnan(le))
		return false;
	for (size_t i = 0; i < h->n_buckets; i++)
		if (h->buckets[i].le == le) {
			h->buckets[i].count += x;
			return true;
		}
	if (h->n_buckets == KP_METRICS_MAX_BUCKETS)
		return false;
	size_t i = h->n_buckets++;
	/* Insertion keeps them sorted: they come sorted, so this is a plain append. */
	while (i > 0 && h->buckets[i - 1].le > le) {
		h->buckets[i] = h->buckets[i - 1];
		i--;
	}
	h->buckets[i].le = le;
	h->buckets[i].count = x;
	return true;
}

/* If name is base + suffix, returns true. */
static bool is_series(const struct sample *s, const char *base, const char *suffix)
{
	size_t bl = strlen(base), sl = strlen(suffix);
	return s->nlen == bl + sl && memcmp(s->name, base, bl) == 0 &&
	       memcmp(s->name + bl, suffix, sl) == 0;
}

/* A histogram's sample: 1 kept, 0 not this histogram, -1 no room or no bound. */
static int keep_histogram(struct kp_histogram *h, const char *base, const struct sample *s)
{
	if (is_series(s, base, "_count")) {
		h->count += s->v;
	} else if (is_series(s, base, "_sum")) {
		h->sum += s->v;
	} else if (is_series(s, base, "_bucket")) {
		if (!bucket_add(h, &s->l, s->v))
			return -1;
	} else {
		return 0;
	}
	h->present = true;
	return 1;
}

#define KP "kubeproxy_sync_proxy_rules_"

/* Keeps s if it is one of kube-proxy's: 1 kept, 0 not one of them, -1 no room for it. */
static int keep(struct kp_metrics *m, const struct sample *s)
{
	static const struct {
		const char *name;
		size_t off;
	} values[] = {
	    {KP "endpoint_changes_pending", offsetof(struct kp_metrics, endpoint_changes_pending)},
	    {KP "service_changes_pending", offsetof(struct kp_metrics, service_changes_pending)},
	    {KP "endpoint_changes_total", offsetof(struct kp_metrics, endpoint_changes_total)},
	    {KP "service_changes_total", offsetof(struct kp_metrics, service_changes_total)},
	    {KP "iptables_restore_failures_total",
	     offsetof(struct kp_metrics, iptables_restore_failures)},
	    {KP "iptables_partial_restore_failures_total",
	     offsetof(struct kp_metrics, iptables_partial_restore_failures)},
	    /* nftables mode (1.29+), one series per ip_family: added up. */
	    {KP "nftables_sync_failures_total", offsetof(struct kp_metrics, nftables_sync_failures)},
	    {KP "nftables_cleanup_failures_total",
	     offsetof(struct kp_metrics, nftables_cleanup_failures)},
	};
	static const struct {
		const char *base;
		size_t off;
	} histograms[] = {
	    {KP "duration_seconds", offsetof(struct kp_metrics, sync)},
	    {"kubeproxy_sync_full_proxy_rules_duration_seconds",
	     offsetof(struct kp_metrics, sync_full)},
	    {"kubeproxy_sync_partial_proxy_rules_duration_seconds",
	     offsetof(struct kp_metrics, sync_partial)},
	};

	if (s->nlen < 10 || memcmp(s->name, "kubeproxy_", 10) != 0)
		return 0;
	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++)
		if (is_series(s, values[i].name, "")) {
			value_add((struct kp_value *)((char *)m + values[i].off), s->v);
			return 1;
		}
	for (size_t i = 0; i < sizeof(histograms) / sizeof(histograms[0]); i++) {
		int r = keep_histogram((struct kp_histogram *)((char *)m + histograms[i].off),
				       histograms[i].base, s);
		if (r)
			return r;
	}
	bool last = is_series(s, KP "last_timestamp_seconds", "");
	if (last || is_series(s, KP "last_queued_timestamp_seconds", "")) {
		struct kp_family_sync *f = family(m, s->l.family);
		if (!f)
			return -1;
		value_add(last ? &f->last_sync : &f->last_queued, s->v);
		return 1;
	}
	if (is_series(s, KP "iptables_total", ""))
		return labeled_add(m->iptables_rules, &m->n_iptables_rules, s->l.table, s->l.family,
				   s->v)
			   ? 1
			   : -1;
	if (is_series(s, KP "no_local_endpoints_total", ""))
		return labeled_add(m->no_local_endpoints, &m->n_no_local_endpoints, s->l.policy,
				   s->l.family, s->v)
			   ? 1
			   : -1;
	return 0;
}

/* ------------------------------------------------------------------ the text */

static void malformed(struct kp_metrics *m, size_t lineno)
{
	if (m->n_malformed++ == 0)
		m->first_malformed = lineno;
}

int kp_metrics_parse(const char *text, size_t len, struct kp_metrics *out)
{
	memset(out, 0, sizeof(*out));
	if (len > KP_METRICS_TEXT_MAX)
		return -E2BIG;
	if (len && !text)
		return -EINVAL;
	size_t pos = 0, lineno = 0;
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		struct cur c = {text + pos, nl ? nl : text + len};
		pos = (size_t)(c.end - text) + 1;
		lineno++;
		if (c.end > c.p && c.end[-1] == '\r')
			c.end--; /* the format says \n; a proxy in between may not */
		skip_blanks(&c);
		if (c.p == c.end)
			continue;
		if (*c.p == '#') {
			if (!parse_comment(&c))
				malformed(out, lineno);
			continue;
		}
		struct sample s;
		if (!parse_sample(&c, &s)) {
			malformed(out, lineno);
			continue;
		}
		out->n_samples++;
		int r = keep(out, &s);
		if (r > 0)
			out->n_kube_proxy++;
		else if (r < 0)
			out->n_dropped++;
	}
	if (out->n_samples == 0 && out->n_malformed > 0)
		return -EBADMSG;
	return 0;
}

double kp_histogram_mean(const struct kp_histogram *h)
{
	return h->count > 0 ? h->sum / h->count : (double)NAN;
}

bool kp_metrics_sync_hung(const struct kp_metrics *m, double now_wall, double threshold,
			  double *wait)
{
	double longest = 0;
	bool hung = false;
	for (size_t i = 0; i < m->n_fam; i++) {
		const struct kp_family_sync *f = &m->fam[i];
		if (!f->last_queued.present)
			continue;
		/* Done after it was queued (or at the same second): nothing waits. */
		if (f->last_sync.present && !(f->last_queued.value > f->last_sync.value))
			continue;
		double w = now_wall - f->last_queued.value;
		if (w > threshold) {
			hung = true;
			if (w > longest)
				longest = w;
		}
	}
	if (wait)
		*wait = longest;
	return hung;
}
