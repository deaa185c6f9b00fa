/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kube-proxy's config.conf (KubeProxyConfiguration YAML): read fields, set one, diff texts. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kube_proxy_conf.h"

/* ---- KubeProxyConfiguration YAML: a line reader for the block style kubeadm writes ---- */

struct yline {
	const char *start; /* the line */
	size_t len;	   /* without the line end */
	size_t eol;	   /* bytes of the line end: 0 (last line), 1 "\n", 2 "\r\n" */
	int indent;	   /* leading spaces; -1 for a blank or comment-only line */
	bool item;	   /* a sequence item "- ..." */
	const char *key;   /* NULL when not a "key:" line */
	size_t klen;
	size_t colon;	   /* offset of the ':' after the key */
	size_t voff, vlen; /* the value as written (quotes included), before any comment */
	char quote;	   /* '"', '\'' or 0 for a bare value */
};

static void yline_parse(struct yline *l)
{
	const char *s = l->start, *e = s + l->len;
	const char *p = s;
	l->key = NULL;
	l->item = false;
	l->quote = 0;
	l->voff = l->vlen = 0;
	while (p < e && *p == ' ')
		p++;
	if (p == e || *p == '#' ||
	    (e - p >= 3 && (!memcmp(p, "---", 3) || !memcmp(p, "...", 3)) &&
	     (e - p == 3 || p[3] == ' '))) {
		l->indent = -1;
		return;
	}
	l->indent = (int)(p - s);
	if (*p == '-' && (p + 1 == e || p[1] == ' ')) {
		l->item = true;
		return;
	}
	const char *k = p, *ke;
	if (*p == '"' || *p == '\'') {
		char q = *p++;
		k = p;
		while (p < e && *p != q)
			p++;
		if (p == e)
			return;
		ke = p++;
		if (p == e || *p != ':')
			return;
	} else {
		while (p < e && !(*p == ':' && (p + 1 == e || p[1] == ' ' || p[1] == '\t'))) {
			if (*p == '#' && p > k && (p[-1] == ' ' || p[-1] == '\t'))
				return;
			p++;
		}
		if (p == e)
			return;
		ke = p;
		while (ke > k && (ke[-1] == ' ' || ke[-1] == '\t'))
			ke--;
	}
	if (ke == k)
		return;
	l->key = k;
	l->klen = (size_t)(ke - k);
	l->colon = (size_t)(p - s);
	p++; /* ':' */
	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	l->voff = (size_t)(p - s);
	if (p == e || *p == '#')
		return;
	if (*p == '"' || *p == '\'') {
		char q = *p;
		const char *v = p++;
		while (p < e) {
			if (q == '"' && *p == '\\' && p + 1 < e) {
				p += 2;
				continue;
			}
			if (*p == q) {
				if (q == '\'' && p + 1 < e && p[1] == '\'') {
					p += 2;
					continue;
				}
				break;
			}
			p++;
		}
		if (p < e) {
			l->quote = q;
			l->vlen = (size_t)(p + 1 - v);
			return;
		}
		p = v; /* unterminated: read it as a bare value */
	}
	const char *v = p;
	while (p < e && !(*p == '#' && (p[-1] == ' ' || p[-1] == '\t')))
		p++;
	while (p > v && (p[-1] == ' ' || p[-1] == '\t'))
		p--;
	l->vlen = (size_t)(p - v);
}

/* Splits text into lines; *out is owned by the caller. */
static int ylines(const char *text, struct yline **out, size_t *n)
{
	size_t cap = 1;
	for (const char *p = text; *p; p++)
		cap += *p == '\n';
	*out = calloc(cap, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	*n = 0;
	const char *p = text;
	while (*p) {
		struct yline *l = &(*out)[(*n)++];
		const char *nl = strchr(p, '\n');
		l->start = p;
		if (nl) {
			l->len = (size_t)(nl - p);
			l->eol = 1;
			if (l->len && nl[-1] == '\r') {
				l->len--;
				l->eol = 2;
			}
			p = nl + 1;
		} else {
			l->len = strlen(p);
			l->eol = 0;
			p += l->len;
		}
		yline_parse(l);
	}
	return 0;
}

static bool key_is(const struct yline *l, const char *k)
{
	return l->key && l->klen == strlen(k) && memcmp(l->key, k, l->klen) == 0;
}

/* The value of a line, unquoted, into buf; null and ~ read as "". -E2BIG if it does not fit. */
static int yvalue(const struct yline *l, char *buf, size_t len)
{
	const char *v = l->start + l->voff;
	size_t n = l->vlen, o = 0;
	if (!l->quote) {
		if ((n == 4 &&
		     (!memcmp(v, "null", 4) || !memcmp(v, "Null", 4) || !memcmp(v, "NULL", 4))) ||
		    (n == 1 && *v == '~'))
			n = 0;
		if (n >= len)
			return -E2BIG;
		memcpy(buf, v, n);
		buf[n] = '\0';
		return 0;
	}
	for (size_t i = 1; i + 1 < n; i++) {
		char c = v[i];
		if (l->quote == '"' && c == '\\' && i + 2 < n) {
			c = v[++i];
			c = c == 'n' ? '\n' : c == 't' ? '\t' : c;
		} else if (l->quote == '\'' && c == '\'') {
			i++;
		}
		if (o + 1 >= len)
			return -E2BIG;
		buf[o++] = c;
	}
	buf[o] = '\0';
	return 0;
}

/* YAML 1.1 booleans, as sigs.k8s.io/yaml (go-yaml v2) resolves them. */
static bool ytrue(const char *v)
{
	static const char *const t[] = {"true", "True", "TRUE", "yes", "Yes", "YES",
					"on",	"On",	"ON",	"y",   "Y"};
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (strcmp(v, t[i]) == 0)
			return true;
	return false;
}

int kube_proxy_conf_parse(const char *text, struct kube_proxy_config *out)
{
	struct yline *ls;
	size_t n;
	char rv[sizeof(out->resource_version)];
	int r;

	memcpy(rv, out->resource_version, sizeof(rv));
	memset(out, 0, sizeof(*out));
	memcpy(out->resource_version, rv, sizeof(rv));
	if (!text)
		return -EINVAL;
	if ((r = ylines(text, &ls, &n)) < 0)
		return r;
	bool kind = false, in_ipvs = false;
	int child = -1;
	char v[64];
	const char *field = NULL; /* the key being read, for a value that does not fit */
	r = 0;
	for (size_t i = 0; i < n && r == 0; i++) {
		const struct yline *l = &ls[i];
		if (l->indent < 0)
			continue;
		if (l->indent == 0) {
			in_ipvs = false;
			if (!l->key)
				continue;
			if (key_is(l, "kind")) {
				/* Longer than v: not KubeProxyConfiguration. */
				kind = yvalue(l, v, sizeof(v)) == 0 &&
				       strcmp(v, "KubeProxyConfiguration") == 0;
			} else if (key_is(l, "mode")) {
				field = "mode";
				r = yvalue(l, out->mode, sizeof(out->mode));
			} else if (key_is(l, "ipvs")) {
				in_ipvs = l->vlen == 0;
				child = -1;
			}
			continue;
		}
		if (!in_ipvs || !l->key)
			continue;
		if (child < 0)
			child = l->indent;
		if (l->indent != child)
			continue;
		if (key_is(l, "scheduler")) {
			field = "ipvs.scheduler";
			r = yvalue(l, out->scheduler, sizeof(out->scheduler));
		} else if (key_is(l, "strictARP")) {
			field = "ipvs.strictARP";
			r = yvalue(l, v, sizeof(v));
			out->strict_arp = r == 0 && ytrue(v);
		} else if (key_is(l, "tcpTimeout")) {
			field = "ipvs.tcpTimeout";
			r = yvalue(l, out->tcp_timeout, sizeof(out->tcp_timeout));
		} else if (key_is(l, "tcpFinTimeout")) {
			field = "ipvs.tcpFinTimeout";
			r = yvalue(l, out->tcp_fin_timeout, sizeof(out->tcp_fin_timeout));
		} else if (key_is(l, "udpTimeout")) {
			field = "ipvs.udpTimeout";
			r = yvalue(l, out->udp_timeout, sizeof(out->udp_timeout));
		}
	}
	free(ls);
	if (r == 0 && !kind)
		r = -EINVAL;
	if (r < 0) {
		memset(out, 0, sizeof(*out));
		memcpy(out->resource_version, rv, sizeof(rv));
		if (r == -E2BIG)
			out->too_long = field;
		return r;
	}
	out->known = true;
	return 0;
}

/* ---- editing config.conf ---- */

struct sbuf {
	char *p;
	size_t len, cap;
	bool nomem;
};

static void sb_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->nomem)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p) {
			b->nomem = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void sb_str(struct sbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

static int sb_done(struct sbuf *b, char **out)
{
	if (!b->nomem && !b->p)
		sb_add(b, "", 0);
	if (b->nomem) {
		free(b->p);
		*out = NULL;
		return -ENOMEM;
	}
	*out = b->p;
	return 0;
}

/* Whether a value can be written bare and read back as the same string. */
static bool bare_ok(const char *v)
{
	static const char *const kw[] = {"null",  "Null",  "NULL", "true", "True", "TRUE", "false",
					 "False", "FALSE", "yes",  "Yes",  "YES",  "no",   "No",
					 "NO",	  "on",	   "On",   "ON",   "off",  "Off",  "OFF",
					 "y",	  "Y",	   "n",	   "N"};
	if (!isalpha((unsigned char)v[0]))
		return false;
	for (const char *p = v; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("_-./", *p))
			return false;
	for (size_t i = 0; i < sizeof(kw) / sizeof(kw[0]); i++)
		if (strcmp(v, kw[i]) == 0)
			return false;
	return true;
}

static bool ybool(const char *v)
{
	static const char *const f[] = {"false", "False", "FALSE", "no", "No", "NO",
					"off",	 "Off",	  "OFF",   "n",	 "N"};
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		if (strcmp(v, f[i]) == 0)
			return true;
	return ytrue(v);
}

static bool yint(const char *v)
{
	const char *p = v + (*v == '-');
	if (!*p)
		return false;
	for (; *p; p++)
		if (!isdigit((unsigned char)*p))
			return false;
	return true;
}

/*
 * A bare value may stay bare when the new one reads as the same YAML type: a boolean for a
 * boolean (strictARP: true), an integer for an integer. Quoting those would make a string
 * that kube-proxy's strict decoding refuses.
 */
static bool bare_same_type(const char *old, const char *v)
{
	return (ybool(old) && ybool(v)) || (yint(old) && yint(v));
}

static void sb_value(struct sbuf *b, const char *v, char quote)
{
	if (!quote && bare_ok(v)) {
		sb_str(b, v);
		return;
	}
	if (quote == '\'') {
		sb_add(b, "'", 1);
		for (const char *p = v; *p; p++) {
			sb_add(b, p, 1);
			if (*p == '\'')
				sb_add(b, p, 1); /* '' inside single quotes */
		}
		sb_add(b, "'", 1);
		return;
	}
	sb_add(b, "\"", 1);
	for (const char *p = v; *p; p++) {
		if (*p == '"' || *p == '\\')
			sb_add(b, "\\", 1);
		sb_add(b, p, 1);
	}
	sb_add(b, "\"", 1);
}

/* Copies line l with its value replaced. */
static void sb_set_line(struct sbuf *b, const struct yline *l, const char *v)
{
	const char *s = l->start;
	if (l->vlen) {
		char old[64];
		sb_add(b, s, l->voff);
		if (!l->quote && yvalue(l, old, sizeof(old)) == 0 && bare_same_type(old, v))
			sb_str(b, v);
		else
			sb_value(b, v, l->quote);
		sb_add(b, s + l->voff + l->vlen, l->len - l->voff - l->vlen + l->eol);
		return;
	}
	/* "key:" or "key: # comment" */
	sb_add(b, s, l->colon + 1);
	sb_add(b, " ", 1);
	sb_value(b, v, 0);
	if (l->voff < l->len) {
		sb_add(b, " ", 1);
		sb_add(b, s + l->voff, l->len - l->voff);
	}
	sb_add(b, s + l->len, l->eol);
}

static void sb_new_line(struct sbuf *b, int indent, const char *key, const char *v, const char *nl)
{
	for (int i = 0; i < indent; i++)
		sb_add(b, " ", 1);
	sb_str(b, key);
	sb_str(b, ": ");
	sb_value(b, v, '"');
	sb_str(b, nl);
}

static bool key_ok(const char *k, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)k[i]) && k[i] != '_' && k[i] != '-')
			return false;
	return true;
}

static int key_cmp(const struct yline *l, const char *k)
{
	size_t n = strlen(k), m = l->klen < n ? l->klen : n;
	int c = memcmp(l->key, k, m);
	return c ? c : (l->klen > n) - (l->klen < n);
}

/* The next line at or after i that is not blank; n when none. */
static size_t next_content(const struct yline *ls, size_t n, size_t i)
{
	while (i < n && ls[i].indent < 0)
		i++;
	return i;
}

/* Whether l's value is nothing or null: a block may follow. */
static bool value_empty(const struct yline *l)
{
	char v[8];
	return l->vlen == 0 || (!l->quote && yvalue(l, v, sizeof(v)) == 0 && !v[0]);
}

/* Splits "block.child" or "child" (block "" then). -EINVAL unless each part is a plain key. */
static int split_key(const char *key, char block[64], char child[64])
{
	const char *dot = strchr(key, '.');
	block[0] = '\0';
	if (dot) {
		if ((size_t)(dot - key) >= 64 || strlen(dot + 1) >= 64 ||
		    !key_ok(key, (size_t)(dot - key)) || !key_ok(dot + 1, strlen(dot + 1)))
			return -EINVAL;
		memcpy(block, key, (size_t)(dot - key));
		block[dot - key] = '\0';
		strcpy(child, dot + 1);
	} else {
		if (strlen(key) >= 64 || !key_ok(key, strlen(key)))
			return -EINVAL;
		strcpy(child, key);
	}
	return 0;
}

/* One edit: the text split in lines, what to set, and the new text being written. */
struct edit {
	const char *text;
	struct yline *ls;
	size_t n;
	const char *nl; /* the line end of the first line, used for new lines */
	const char *block, *child, *value;
	struct sbuf b;
};

/* Where the key is looked for: lines [from, to) at indentation indent. */
struct scope {
	size_t from, to;
	int indent;
};

/* No such block: adds "block:\n  child: v" among the top-level keys, in sorted place. */
static void add_block(struct edit *e)
{
	const struct yline *ls = e->ls;
	size_t n = e->n, at = n;
	for (size_t i = 0; i < n && at == n; i++)
		if (ls[i].indent == 0 && ls[i].key && key_cmp(&ls[i], e->block) > 0)
			at = i;
	sb_add(&e->b, e->text, at < n ? (size_t)(ls[at].start - e->text) : strlen(e->text));
	if (e->b.len && e->b.p[e->b.len - 1] != '\n')
		sb_str(&e->b, e->nl);
	sb_str(&e->b, e->block);
	sb_str(&e->b, ":");
	sb_str(&e->b, e->nl);
	sb_new_line(&e->b, 2, e->child, e->value, e->nl);
	if (at < n)
		sb_str(&e->b, ls[at].start);
}

/*
 * "ipvs: {}" or "ipvs: null" (line L, followed by lines [from, to) up to the next top-level
 * key): the block becomes "ipvs:" and gets its child. Lines indented under it are not YAML (a
 * scalar has no children); turning the line into a block would adopt them, and a scheduler
 * among them would then be read instead of the one set.
 */
static int fill_empty_block(struct edit *e, const struct yline *L, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		if (e->ls[i].indent > 0)
			return -EINVAL;
	sb_add(&e->b, e->text, (size_t)(L->start - e->text));
	sb_add(&e->b, L->start, L->colon + 1);
	size_t rest = L->voff + L->vlen;
	while (rest < L->len && L->start[rest] == ' ')
		rest++;
	if (rest < L->len) {
		sb_add(&e->b, " ", 1);
		sb_add(&e->b, L->start + rest, L->len - rest);
	}
	sb_str(&e->b, e->nl);
	sb_new_line(&e->b, 2, e->child, e->value, e->nl);
	sb_str(&e->b, L->start + L->len + L->eol);
	return 0;
}

/*
 * The scope of a child of e->block: the lines after the block's key up to the next top-level
 * key, at the indentation of its first key (2 when it has none). Returns 0 with *sc set, 1
 * when the edit is already written (the block was absent or empty), or -EINVAL/-ENOTSUP.
 */
static int block_scope(struct edit *e, struct scope *sc)
{
	const struct yline *ls = e->ls;
	size_t n = e->n, bl = n;
	for (size_t i = 0; i < n; i++)
		if (ls[i].indent == 0 && key_is(&ls[i], e->block))
			bl = i;
	if (bl == n) {
		add_block(e);
		return 1;
	}
	const struct yline *L = &ls[bl];
	if (L->vlen && !L->quote && L->start[L->voff] == '{') {
		if (!(L->vlen == 2 && L->start[L->voff + 1] == '}'))
			return -ENOTSUP;
	} else if (!value_empty(L)) {
		return -EINVAL; /* ipvs: 3 */
	}
	sc->from = bl + 1;
	sc->to = sc->from;
	sc->indent = -1;
	while (sc->to < n && (ls[sc->to].indent != 0)) {
		if (ls[sc->to].indent > 0 && sc->indent < 0 && ls[sc->to].key)
			sc->indent = ls[sc->to].indent;
		sc->to++;
	}
	if (!value_empty(L) || L->vlen) {
		int r = fill_empty_block(e, L, sc->from, sc->to);
		return r < 0 ? r : 1;
	}
	if (sc->indent < 0)
		sc->indent = 2;
	return 0;
}

/* Rewrites line at, the key's; -ENOTSUP when its value is not a scalar. */
static int set_line(struct edit *e, size_t at, int indent)
{
	const struct yline *l = &e->ls[at];
	size_t nx = next_content(e->ls, e->n, at + 1);
	if (l->quote == 0 && l->vlen &&
	    (l->start[l->voff] == '{' || l->start[l->voff] == '[' || l->start[l->voff] == '|' ||
	     l->start[l->voff] == '>'))
		return -ENOTSUP;
	if (value_empty(l) && nx < e->n && e->ls[nx].indent > indent)
		return -ENOTSUP; /* a map or a list, not a scalar */
	sb_add(&e->b, e->text, (size_t)(l->start - e->text));
	sb_set_line(&e->b, l, e->value);
	sb_str(&e->b, l->start + l->len + l->eol);
	return 0;
}

/* Absent: adds the key before the first key of the scope that sorts after it, else after the
 * scope's last line. */
static void insert_line(struct edit *e, const struct scope *sc)
{
	const struct yline *ls = e->ls;
	size_t n = e->n, ins = n;
	for (size_t i = sc->from; i < sc->to && ins == n; i++)
		if (ls[i].indent == sc->indent && ls[i].key && key_cmp(&ls[i], e->child) > 0)
			ins = i;
	if (ins == n && e->block[0]) {
		ins = sc->from;
		for (size_t i = sc->from; i < sc->to; i++)
			if (ls[i].indent > 0)
				ins = i + 1;
	}
	if (ins < n) {
		sb_add(&e->b, e->text, (size_t)(ls[ins].start - e->text));
		if (e->b.len && e->b.p[e->b.len - 1] != '\n')
			sb_str(&e->b, e->nl);
		sb_new_line(&e->b, sc->indent, e->child, e->value, e->nl);
		sb_str(&e->b, ls[ins].start);
	} else {
		sb_str(&e->b, e->text);
		if (e->b.len && e->b.p[e->b.len - 1] != '\n')
			sb_str(&e->b, e->nl);
		sb_new_line(&e->b, sc->indent, e->child, e->value, e->nl);
	}
}

/* Writes the edit into e->b: the key's line rewritten, or a new line. */
static int set_in_lines(struct edit *e)
{
	struct scope sc = {0, e->n, 0};
	int r;
	if (e->block[0] && (r = block_scope(e, &sc)) != 0)
		return r < 0 ? r : 0;
	/*
	 * The key's line in scope, at the scope's indentation: the last one, which is the one
	 * read when a key is repeated (lenient decoding, and kube_proxy_conf_parse).
	 */
	size_t at = e->n;
	for (size_t i = sc.from; i < sc.to; i++)
		if (e->ls[i].indent == sc.indent && key_is(&e->ls[i], e->child))
			at = i;
	if (at < e->n)
		return set_line(e, at, sc.indent);
	insert_line(e, &sc);
	return 0;
}

int kube_proxy_conf_set(const char *text, const char *key, const char *value, char **out)
{
	char block[64], child[64];
	int r;

	*out = NULL;
	if (!text || !key || !value)
		return -EINVAL;
	for (const char *p = value; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return -EINVAL;
	if (split_key(key, block, child) < 0)
		return -EINVAL;
	struct kube_proxy_config check;
	memset(&check, 0, sizeof(check));
	if (kube_proxy_conf_parse(text, &check) < 0)
		return -EINVAL;

	struct edit e = {.text = text, .block = block, .child = child, .value = value};
	if ((r = ylines(text, &e.ls, &e.n)) < 0)
		return r;
	e.nl = e.n && e.ls[0].eol == 2 ? "\r\n" : "\n";
	r = set_in_lines(&e);
	free(e.ls);
	if (r < 0) {
		free(e.b.p);
		return r;
	}
	return sb_done(&e.b, out);
}

/* ---- a line diff ---- */

struct dline {
	const char *s;
	size_t len;
};

static size_t dlines(const char *t, struct dline **out)
{
	size_t n = 0, cap = 1;
	for (const char *p = t; *p; p++)
		cap += *p == '\n';
	*out = calloc(cap, sizeof(**out));
	if (!*out)
		return SIZE_MAX;
	for (const char *p = t; *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		(*out)[n].s = p;
		(*out)[n].len = len && p[len - 1] == '\r' ? len - 1 : len;
		n++;
		p += len + (nl != NULL);
	}
	return n;
}

static bool dl_eq(const struct dline *a, const struct dline *b)
{
	return a->len == b->len && memcmp(a->s, b->s, a->len) == 0;
}

static void emit(struct sbuf *b, char sign, const struct dline *l)
{
	sb_add(b, &sign, 1);
	sb_add(b, l->s, l->len);
	sb_add(b, "\n", 1);
}

int kube_proxy_conf_diff(const char *old_text, const char *new_text, char **out)
{
	struct dline *a = NULL, *c = NULL;
	struct sbuf b = {0};
	uint32_t *lcs = NULL;
	*out = NULL;
	size_t na = dlines(old_text ? old_text : "", &a);
	size_t nc = dlines(new_text ? new_text : "", &c);
	if (na == SIZE_MAX || nc == SIZE_MAX)
		goto nomem;

	size_t pre = 0, suf = 0;
	while (pre < na && pre < nc && dl_eq(&a[pre], &c[pre]))
		pre++;
	while (suf < na - pre && suf < nc - pre && dl_eq(&a[na - 1 - suf], &c[nc - 1 - suf]))
		suf++;
	size_t ma = na - pre - suf, mc = nc - pre - suf;
	const struct dline *A = a + pre, *C = c + pre;

	/* The changed middle: a longest common subsequence when small (config.conf is). */
	if (ma && mc && ma <= 2000 && mc <= 2000) {
		lcs = calloc((ma + 1) * (mc + 1), sizeof(*lcs));
		if (!lcs)
			goto nomem;
#define L(i, j) lcs[(size_t)(i) * (mc + 1) + (j)]
		for (size_t i = ma; i-- > 0;)
			for (size_t j = mc; j-- > 0;)
				L(i, j) = dl_eq(&A[i], &C[j])	      ? L(i + 1, j + 1) + 1
					  : L(i + 1, j) > L(i, j + 1) ? L(i + 1, j)
								      : L(i, j + 1);
		size_t i = 0, j = 0;
		while (i < ma || j < mc) {
			size_t i0 = i, j0 = j;
			while ((i < ma || j < mc) && !(i < ma && j < mc && dl_eq(&A[i], &C[j]))) {
				if (j >= mc || (i < ma && L(i + 1, j) >= L(i, j + 1)))
					i++;
				else
					j++;
			}
			for (size_t k = i0; k < i; k++)
				emit(&b, '-', &A[k]);
			for (size_t k = j0; k < j; k++)
				emit(&b, '+', &C[k]);
			if (i < ma && j < mc) {
				i++;
				j++;
			}
		}
#undef L
	} else {
		for (size_t k = 0; k < ma; k++)
			emit(&b, '-', &A[k]);
		for (size_t k = 0; k < mc; k++)
			emit(&b, '+', &C[k]);
	}
	free(a);
	free(c);
	free(lcs);
	return sb_done(&b, out);
nomem:
	free(a);
	free(c);
	free(lcs);
	free(b.p);
	return -ENOMEM;
}
