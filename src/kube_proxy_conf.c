/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kube-proxy's config.conf (KubeProxyConfiguration YAML): read fields, set one, diff texts. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "array.h"
#include "kube_proxy_conf.h"

/* ---- the text as libyaml reads it ---- */

/* The first YAML document of a text; every node keeps its place in the text (marks). */
struct ydoc {
	const char *text; /* what libyaml parsed: orig, or clean */
	const char *orig;
	char *clean; /* owned: orig with the bytes libyaml refuses as 'x'; NULL if none */
	yaml_document_t doc;
	bool loaded;
	bool more;		 /* something follows the first document ("..." or "---") */
	const yaml_node_t *root; /* NULL when the document is empty */
};

/*
 * The length of the UTF-8 character at p that libyaml reads: printable, or a tab or line
 * break it knows. 0 for anything else: a control character, a byte that is not UTF-8, and
 * NEL, LS and PS, which YAML 1.1 reads as line breaks and a line reader does not.
 */
static int yreadable(const unsigned char *p)
{
	uint32_t c = *p;
	int n = c < 0x80		? 0
		: c >= 0xc2 && c < 0xe0 ? 1
		: c >= 0xe0 && c < 0xf0 ? 2
		: c >= 0xf0 && c < 0xf5 ? 3
					: -1;
	if (n < 0)
		return 0;
	if (n)
		c &= 0x3fu >> n;
	for (int i = 1; i <= n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3fu);
	}
	if ((n == 2 && c < 0x800) || (n == 3 && (c < 0x10000 || c > 0x10ffff)))
		return 0; /* overlong, or beyond Unicode */
	if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7f ||
	    (c >= 0x80 && c < 0xa0) || (c >= 0xd800 && c < 0xe000) || c == 0x2028 || c == 0x2029 ||
	    c == 0xfffe || c == 0xffff)
		return 0;
	return n + 1;
}

/*
 * libyaml refuses a whole text for one control character or byte that is not UTF-8; the line
 * reader this module had read such texts, and a hostile ConfigMap does hold them (an escape
 * sequence in a scheduler). libyaml parses a copy where each such byte is an 'x', which is no
 * indicator and no line break: the structure and every offset stay, and yvalue takes a value
 * holding one from the original bytes. *clean is NULL when the text has none.
 */
static int yclean(const char *text, char **clean)
{
	const unsigned char *p = (const unsigned char *)text;
	*clean = NULL;
	for (size_t i = 0; p[i];) {
		int n = yreadable(p + i);
		if (n) {
			i += (size_t)n;
			continue;
		}
		if (!*clean && !(*clean = strdup(text)))
			return -ENOMEM;
		(*clean)[i++] = 'x';
	}
	return 0;
}

/* Loads text's first document. Returns 0, -EINVAL when it is not YAML, or -ENOMEM. */
static int ydoc_load(struct ydoc *d, const char *text)
{
	yaml_parser_t p;
	yaml_document_t next;
	int r = 0;

	memset(d, 0, sizeof(*d));
	d->orig = d->text = text;
	if ((r = yclean(text, &d->clean)) < 0)
		return r;
	if (d->clean)
		d->text = d->clean;
	if (!yaml_parser_initialize(&p))
		return -ENOMEM;
	yaml_parser_set_input_string(&p, (const unsigned char *)d->text, strlen(d->text));
	if (!yaml_parser_load(&p, &d->doc)) {
		r = p.error == YAML_MEMORY_ERROR ? -ENOMEM : -EINVAL;
		goto out;
	}
	d->loaded = true;
	d->root = yaml_document_get_root_node(&d->doc);
	d->more = !d->doc.end_implicit;
	if (!yaml_parser_load(&p, &next)) {
		if (p.error == YAML_MEMORY_ERROR)
			r = -ENOMEM;
		d->more = true;
	} else {
		d->more = d->more || yaml_document_get_root_node(&next) != NULL;
		yaml_document_delete(&next);
	}
out:
	yaml_parser_delete(&p);
	return r;
}

static void ydoc_free(struct ydoc *d)
{
	if (d->loaded)
		yaml_document_delete(&d->doc);
	d->loaded = false;
	free(d->clean);
	d->clean = NULL;
}

static const yaml_node_t *ynode(const struct ydoc *d, int id)
{
	return yaml_document_get_node((yaml_document_t *)&d->doc, id);
}

/*
 * The byte offset of a mark: libyaml counts characters (a UTF-8 sequence is one, the byte
 * order mark none, "\r\n" two), and it has checked that the text is UTF-8.
 */
static size_t ybyte(const struct ydoc *d, const yaml_mark_t *m)
{
	const unsigned char *s = (const unsigned char *)d->text, *p = s;
	if (p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
		p += 3;
	for (size_t i = 0; i < m->index && *p; i++)
		p += *p < 0x80 ? 1 : *p < 0xe0 ? 2 : *p < 0xf0 ? 3 : 4;
	return (size_t)(p - s);
}

static bool yscalar_is(const yaml_node_t *n, const char *s)
{
	return n && n->type == YAML_SCALAR_NODE && n->data.scalar.length == strlen(s) &&
	       memcmp(n->data.scalar.value, s, n->data.scalar.length) == 0;
}

/* YAML 1.1's null words, as go-yaml resolves them (a plain scalar; or an empty one). */
static const char *const yaml_null[] = {"~", "null", "Null", "NULL"};
#define N_YAML_NULLS (sizeof(yaml_null) / sizeof(yaml_null[0]))

/* A YAML null: an empty plain scalar or a null word. */
static bool ynull(const yaml_node_t *n)
{
	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	if (n->data.scalar.length == 0)
		return true;
	for (size_t i = 0; i < N_YAML_NULLS; i++)
		if (yscalar_is(n, yaml_null[i]))
			return true;
	return false;
}

/*
 * A scalar whose bytes libyaml read with an 'x' for a byte it refuses, from the original
 * bytes: a bare or quoted value on one line (in "double quotes", the escapes \" \\ and \/
 * only: those kube_proxy_conf_set writes). Returns 0, -E2BIG, or -EINVAL for another one.
 */
static int yoriginal(const struct ydoc *d, const yaml_node_t *n, char *buf, size_t len)
{
	size_t s = ybyte(d, &n->start_mark), t = ybyte(d, &n->end_mark), o = 0;
	yaml_scalar_style_t st = n->data.scalar.style;
	if (memchr(d->orig + s, '\n', t - s) || (st != YAML_PLAIN_SCALAR_STYLE && t - s < 2) ||
	    st == YAML_LITERAL_SCALAR_STYLE || st == YAML_FOLDED_SCALAR_STYLE)
		return -EINVAL;
	if (st != YAML_PLAIN_SCALAR_STYLE)
		s++, t--;
	for (size_t i = s; i < t; i++) {
		char c = d->orig[i];
		if (st == YAML_SINGLE_QUOTED_SCALAR_STYLE && c == '\'')
			i++; /* '' */
		if (st == YAML_DOUBLE_QUOTED_SCALAR_STYLE && c == '\\') {
			c = d->orig[++i];
			if (c != '"' && c != '\\' && c != '/')
				return -EINVAL;
		}
		if (o + 1 >= len)
			return -E2BIG;
		buf[o++] = c;
	}
	buf[o] = '\0';
	return 0;
}

/*
 * A scalar's value into buf; null, a map and a list read as "". -E2BIG if it does not fit,
 * -EINVAL for a value with a byte libyaml refuses that yoriginal cannot read.
 */
static int yvalue(const struct ydoc *d, const yaml_node_t *n, char *buf, size_t len)
{
	buf[0] = '\0';
	if (n->type != YAML_SCALAR_NODE || ynull(n))
		return 0;
	if (d->clean) {
		size_t s = ybyte(d, &n->start_mark), t = ybyte(d, &n->end_mark);
		if (memcmp(d->orig + s, d->clean + s, t - s) != 0) {
			return yoriginal(d, n, buf, len);
		}
	}
	if (n->data.scalar.length >= len)
		return -E2BIG;
	memcpy(buf, n->data.scalar.value, n->data.scalar.length);
	buf[n->data.scalar.length] = '\0';
	return 0;
}

/* YAML 1.1 booleans, as sigs.k8s.io/yaml (go-yaml v2) resolves them. */
static const char *const yaml_true[] = {"true", "True", "TRUE", "yes", "Yes", "YES",
					"on",	"On",	"ON",	"y",   "Y"};
static const char *const yaml_false[] = {"false", "False", "FALSE", "no", "No", "NO",
					 "off",	  "Off",   "OFF",   "n",  "N"};
#define N_YAML_BOOLS (sizeof(yaml_true) / sizeof(yaml_true[0]))

static bool one_of(const char *v, const char *const *set, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v, set[i]) == 0)
			return true;
	return false;
}

static bool ytrue(const char *v)
{
	return one_of(v, yaml_true, N_YAML_BOOLS);
}

/*
 * A field of a block (ipvs, iptables, nftables): where it goes in struct kube_proxy_config.
 * size 0: strictARP, a boolean. optional: a value too long for its field is left "" (a
 * syncPeriod only tunes a threshold; it does not make the whole text unreadable).
 */
struct block_field {
	const char *key, *name;
	size_t off, size;
	bool optional;
};

#define FIELD(b, k, m, opt)                                                                        \
	{                                                                                          \
		k, b "." k, offsetof(struct kube_proxy_config, m),                                 \
		    sizeof(((struct kube_proxy_config *)0)->m), opt                                \
	}
static const struct block_field ipvs_fields[] = {
    FIELD("ipvs", "scheduler", scheduler, false),
    {"strictARP", "ipvs.strictARP", 0, 0, false},
    FIELD("ipvs", "tcpTimeout", tcp_timeout, false),
    FIELD("ipvs", "tcpFinTimeout", tcp_fin_timeout, false),
    FIELD("ipvs", "udpTimeout", udp_timeout, false),
    FIELD("ipvs", "syncPeriod", ipvs_sync_period, true),
};
static const struct block_field iptables_fields[] = {
    FIELD("iptables", "syncPeriod", iptables_sync_period, true),
};
static const struct block_field nftables_fields[] = {
    FIELD("nftables", "syncPeriod", nftables_sync_period, true),
};
#undef FIELD

static const struct block {
	const char *key;
	const struct block_field *fields;
	size_t n;
} blocks[] = {
    {"ipvs", ipvs_fields, sizeof(ipvs_fields) / sizeof(ipvs_fields[0])},
    {"iptables", iptables_fields, sizeof(iptables_fields) / sizeof(iptables_fields[0])},
    {"nftables", nftables_fields, sizeof(nftables_fields) / sizeof(nftables_fields[0])},
};

/*
 * A block's fields, in the order written (a repeated key: the last one wins). A flow map
 * (ipvs: {scheduler: rr}) is left alone, as kube_proxy_conf_set leaves it.
 */
static int read_block(const struct ydoc *d, const yaml_node_t *map, const struct block *b,
		      struct kube_proxy_config *out, const char **field)
{
	if (map->type != YAML_MAPPING_NODE || map->data.mapping.style != YAML_BLOCK_MAPPING_STYLE)
		return 0;
	for (const yaml_node_pair_t *p = map->data.mapping.pairs.start;
	     p < map->data.mapping.pairs.top; p++) {
		const yaml_node_t *k = ynode(d, p->key), *v = ynode(d, p->value);
		for (size_t i = 0; i < b->n; i++) {
			const struct block_field *f = &b->fields[i];
			if (!yscalar_is(k, f->key))
				continue;
			*field = f->name;
			char buf[64];
			char *to = f->size ? (char *)out + f->off : buf;
			int r = yvalue(d, v, to, f->size ? f->size : sizeof(buf));
			if (r == -E2BIG && f->optional) {
				to[0] = '\0';
				r = 0;
			}
			if (r < 0)
				return r;
			if (!f->size)
				out->strict_arp = ytrue(buf);
		}
	}
	return 0;
}

/* The top-level keys: kind, mode and the blocks. Sets *kind when kind is ours. */
static int read_root(const struct ydoc *d, struct kube_proxy_config *out, bool *kind,
		     const char **field)
{
	const yaml_node_t *root = d->root;
	char v[64];
	int r = 0;
	if (!root || root->type != YAML_MAPPING_NODE)
		return 0;
	for (const yaml_node_pair_t *p = root->data.mapping.pairs.start;
	     p < root->data.mapping.pairs.top && r == 0; p++) {
		const yaml_node_t *k = ynode(d, p->key), *val = ynode(d, p->value);
		if (yscalar_is(k, "kind")) {
			/* Longer than v: not KubeProxyConfiguration. */
			*kind = yvalue(d, val, v, sizeof(v)) == 0 &&
				strcmp(v, "KubeProxyConfiguration") == 0;
		} else if (yscalar_is(k, "mode")) {
			*field = "mode";
			r = yvalue(d, val, out->mode, sizeof(out->mode));
		} else {
			for (size_t i = 0; i < sizeof(blocks) / sizeof(blocks[0]); i++)
				if (yscalar_is(k, blocks[i].key))
					r = read_block(d, val, &blocks[i], out, field);
		}
	}
	return r;
}

int kube_proxy_conf_parse(const char *text, struct kube_proxy_config *out)
{
	char rv[sizeof(out->resource_version)];
	const char *field = NULL; /* the key being read, for a value that does not fit */
	bool kind = false;
	struct ydoc d;
	int r;

	memcpy(rv, out->resource_version, sizeof(rv));
	memset(out, 0, sizeof(*out));
	memcpy(out->resource_version, rv, sizeof(rv));
	if (!text)
		return -EINVAL;
	if ((r = ydoc_load(&d, text)) == 0)
		r = read_root(&d, out, &kind, &field);
	ydoc_free(&d);
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

/* ---- writing values ---- */

struct sbuf {
	char *p;
	size_t len, cap;
	bool nomem;
};

static void sb_add(struct sbuf *b, const char *s, size_t n)
{
	if (!b->nomem && array_append_text(&b->p, &b->len, &b->cap, s, n, 256) < 0)
		b->nomem = true;
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
	return one_of(v, yaml_false, N_YAML_BOOLS) || ytrue(v);
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

/* ---- editing: the bytes of one value replaced, or one line added ---- */

/* One edit: the text as libyaml read it, what to set, and the new text being written. */
struct edit {
	struct ydoc d;
	const char *text;
	const char *nl; /* the line end of the first line, used for new lines */
	const char *block, *child, *value;
	struct sbuf b;
};

/* Compares a scalar key with k as strcmp does (a key that is not a scalar sorts first). */
static int ykey_cmp(const yaml_node_t *n, const char *k)
{
	if (n->type != YAML_SCALAR_NODE)
		return -1;
	size_t len = n->data.scalar.length, kl = strlen(k), m = len < kl ? len : kl;
	int c = memcmp(n->data.scalar.value, k, m);
	return c ? c : (len > kl) - (len < kl);
}

/* The value of map's key (the last one: a repeated key reads as its last); NULL if absent. */
static const yaml_node_t *yget(const struct ydoc *d, const yaml_node_t *map, const char *key)
{
	const yaml_node_t *v = NULL;
	for (const yaml_node_pair_t *p = map->data.mapping.pairs.start;
	     p < map->data.mapping.pairs.top; p++)
		if (yscalar_is(ynode(d, p->key), key))
			v = ynode(d, p->value);
	return v;
}

/* Whether node n is reached from more than one place (an alias shares it with its anchor). */
static bool yshared(const struct ydoc *d, const yaml_node_t *n)
{
	int id = (int)(n - d->doc.nodes.start) + 1, refs = 0;
	for (const yaml_node_t *x = d->doc.nodes.start; x < d->doc.nodes.top; x++) {
		if (x->type == YAML_MAPPING_NODE) {
			for (const yaml_node_pair_t *p = x->data.mapping.pairs.start;
			     p < x->data.mapping.pairs.top; p++)
				refs += (p->key == id) + (p->value == id);
		} else if (x->type == YAML_SEQUENCE_NODE) {
			for (const yaml_node_item_t *i = x->data.sequence.items.start;
			     i < x->data.sequence.items.top; i++)
				refs += *i == id;
		}
	}
	return refs > 1;
}

/* Where n ends in the text: its last scalar's end for a block collection. */
static size_t yend(const struct ydoc *d, const yaml_node_t *n)
{
	if (n->type == YAML_MAPPING_NODE && n->data.mapping.style == YAML_BLOCK_MAPPING_STYLE &&
	    n->data.mapping.pairs.top > n->data.mapping.pairs.start)
		return yend(d, ynode(d, n->data.mapping.pairs.top[-1].value));
	if (n->type == YAML_SEQUENCE_NODE && n->data.sequence.style == YAML_BLOCK_SEQUENCE_STYLE &&
	    n->data.sequence.items.top > n->data.sequence.items.start)
		return yend(d, ynode(d, n->data.sequence.items.top[-1]));
	return ybyte(d, &n->end_mark);
}

/* The start of the line holding byte at. */
static size_t line_start(const char *text, size_t at)
{
	while (at > 0 && text[at - 1] != '\n')
		at--;
	return at;
}

/* The end of the line holding byte at, before "\r\n" or "\n". */
static size_t line_end(const char *text, size_t at)
{
	at += strcspn(text + at, "\n");
	return at > 0 && text[at] == '\n' && text[at - 1] == '\r' ? at - 1 : at;
}

/* After the line end of the line holding byte at (the text's end on the last line). */
static size_t next_line(const char *text, size_t at)
{
	at += strcspn(text + at, "\n");
	return text[at] ? at + 1 : at;
}

/*
 * Copies text up to at, then the line "indent child: value" (after "block:" when with_block:
 * the block is new), then the rest of the text.
 */
static void insert_at(struct edit *e, size_t at, size_t indent, bool with_block)
{
	sb_add(&e->b, e->text, at);
	if (e->b.len && e->b.p[e->b.len - 1] != '\n')
		sb_str(&e->b, e->nl);
	if (with_block) {
		sb_str(&e->b, e->block);
		sb_str(&e->b, ":");
		sb_str(&e->b, e->nl);
		indent = 2;
	}
	sb_new_line(&e->b, (int)indent, e->child, e->value, e->nl);
	sb_str(&e->b, e->text + at);
}

/* The start of key k's line, the key being the first thing on it; -1 when it is not. */
static long key_line(const struct edit *e, const yaml_node_t *k, size_t *indent)
{
	size_t at = ybyte(&e->d, &k->start_mark), ls = line_start(e->text, at);
	for (size_t i = ls; i < at; i++)
		if (e->text[i] != ' ')
			return -1;
	*indent = at - ls;
	return (long)ls;
}

/*
 * Adds key: "value" to map (or "block:" and its child when with_block), before the first key
 * that sorts after it (kubeadm writes keys sorted), else after the map's last line (the
 * text's end for the top level).
 */
static int insert_in(struct edit *e, const yaml_node_t *map, const char *key, bool with_block)
{
	const yaml_node_pair_t *first = map->data.mapping.pairs.start;
	size_t indent = 0, end;
	for (const yaml_node_pair_t *p = first; p < map->data.mapping.pairs.top; p++)
		if (ynode(&e->d, p->key)->type != YAML_SCALAR_NODE)
			return -ENOTSUP; /* "? a: b" keys: where a new key's line goes is unclear */
	for (const yaml_node_pair_t *p = first; p < map->data.mapping.pairs.top; p++) {
		const yaml_node_t *k = ynode(&e->d, p->key);
		if (ykey_cmp(k, key) <= 0)
			continue;
		long at = key_line(e, k, &indent);
		if (at < 0)
			return -ENOTSUP;
		insert_at(e, (size_t)at, indent, with_block);
		return 0;
	}
	if (map == e->d.root) {
		insert_at(e, strlen(e->text), 0, with_block);
		return 0;
	}
	if (key_line(e, ynode(&e->d, first->key), &indent) < 0)
		return -ENOTSUP;
	/* After the line of its last value (a block scalar ends at the next line's start). */
	end = yend(&e->d, map);
	if (end == 0 || e->text[end - 1] != '\n')
		end = next_line(e->text, end);
	insert_at(e, end, indent, false);
	return 0;
}

/*
 * Replaces the bytes of scalar n with the value: in the old value's quoting style ("x", 'x',
 * or bare when the new value can be: a plain word, or a boolean or integer replacing one).
 * "key:" with no value gets " value" after the colon, before any comment.
 */
static int replace_scalar(struct edit *e, const yaml_node_t *n)
{
	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style == YAML_LITERAL_SCALAR_STYLE ||
	    n->data.scalar.style == YAML_FOLDED_SCALAR_STYLE || yshared(&e->d, n))
		return -ENOTSUP; /* a map, a list, a block scalar, an alias's target */
	size_t s = ybyte(&e->d, &n->start_mark), t = ybyte(&e->d, &n->end_mark);
	if (e->text[s] == '&' || e->text[s] == '!')
		return -ENOTSUP; /* an anchor or a tag would go with the old value */
	sb_add(&e->b, e->text, s);
	if (s == t) {
		size_t p = s + strspn(e->text + s, " \t");
		sb_add(&e->b, " ", 1);
		sb_value(&e->b, e->value, 0);
		if (p < line_end(e->text, p))
			sb_add(&e->b, " ", 1); /* a comment follows */
		sb_str(&e->b, e->text + p);
		return 0;
	}
	char quote = n->data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE   ? '\''
		     : n->data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE ? '"'
									       : 0;
	char old[64];
	if (!quote && yvalue(&e->d, n, old, sizeof(old)) == 0 && bare_same_type(old, e->value))
		sb_str(&e->b, e->value);
	else
		sb_value(&e->b, e->value, quote);
	sb_str(&e->b, e->text + t);
	return 0;
}

/*
 * "ipvs: {}" or "ipvs: null" (n, the value of the block's key): the line becomes "ipvs:"
 * (keeping a comment) and the child is added under it.
 */
static int fill_empty_block(struct edit *e, const yaml_node_t *n)
{
	size_t s = ybyte(&e->d, &n->start_mark), t = ybyte(&e->d, &n->end_mark), colon = s;
	if (e->text[s] == '&' || e->text[s] == '!')
		return -ENOTSUP;
	while (colon > 0 && (e->text[colon - 1] == ' ' || e->text[colon - 1] == '\t'))
		colon--;
	if (colon == 0 || e->text[colon - 1] != ':')
		return -ENOTSUP; /* the value is not on the key's line */
	size_t rest = t + strspn(e->text + t, " "), end = line_end(e->text, t);
	sb_add(&e->b, e->text, colon);
	if (rest < end) {
		sb_add(&e->b, " ", 1);
		sb_add(&e->b, e->text + rest, end - rest);
	}
	sb_str(&e->b, e->nl);
	sb_new_line(&e->b, 2, e->child, e->value, e->nl);
	sb_str(&e->b, e->text + next_line(e->text, t));
	return 0;
}

/* Sets e->child in block e->block, whose value is n. */
static int set_in_block(struct edit *e, const yaml_node_t *n)
{
	if (n->type == YAML_SCALAR_NODE) {
		if (!ynull(n))
			return -EINVAL; /* ipvs: 3 */
		if (n->start_mark.index == n->end_mark.index) {
			/* "ipvs:" with nothing under it */
			size_t s = ybyte(&e->d, &n->start_mark);
			insert_at(e, next_line(e->text, s), 2, false);
			return 0;
		}
		return fill_empty_block(e, n);
	}
	if (n->type != YAML_MAPPING_NODE || yshared(&e->d, n))
		return -ENOTSUP;
	if (n->data.mapping.style != YAML_BLOCK_MAPPING_STYLE)
		return n->data.mapping.pairs.top == n->data.mapping.pairs.start
			   ? fill_empty_block(e, n)
			   : -ENOTSUP; /* ipvs: {scheduler: rr} */
	const yaml_node_t *v = yget(&e->d, n, e->child);
	return v ? replace_scalar(e, v) : insert_in(e, n, e->child, false);
}

/*
 * Writes the edit into e->b. Only a block-style top level is edited, in a text of one
 * document, with line ends libyaml and a reader of lines agree on.
 */
static int set_in_doc(struct edit *e)
{
	const yaml_node_t *root = e->d.root;
	if (e->d.more || !root || root->type != YAML_MAPPING_NODE ||
	    root->data.mapping.style != YAML_BLOCK_MAPPING_STYLE ||
	    root->data.mapping.pairs.top == root->data.mapping.pairs.start ||
	    ynode(&e->d, root->data.mapping.pairs.start->key)->start_mark.column != 0)
		return -ENOTSUP;
	for (const char *p = e->text; (p = strchr(p, '\r')); p++)
		if (p[1] != '\n')
			return -ENOTSUP;
	if (!e->block[0]) {
		const yaml_node_t *v = yget(&e->d, root, e->child);
		return v ? replace_scalar(e, v) : insert_in(e, root, e->child, false);
	}
	const yaml_node_t *bl = yget(&e->d, root, e->block);
	return bl ? set_in_block(e, bl) : insert_in(e, root, e->block, true);
}

/*
 * Whether out, an edit setting key to value, reads back as that value where ipvstop reads
 * the key (mode, ipvs.scheduler): a text shaped so that the edit lands where the reader
 * does not look (a fuzzed complex key in the ipvs map) is refused rather than written. A
 * YAML null word reads back as unset. Other keys, and values too long to read, pass.
 */
static bool reads_back(const char *out, const char *key, const char *value)
{
	struct kube_proxy_config c;
	bool mode = !strcmp(key, "mode");
	if ((!mode && strcmp(key, "ipvs.scheduler")) || strlen(value) >= sizeof(c.mode))
		return true;
	memset(&c, 0, sizeof(c));
	if (kube_proxy_conf_parse(out, &c) != 0)
		return false;
	const char *got = mode ? c.mode : c.scheduler;
	return !strcmp(got, value) || (one_of(value, yaml_null, N_YAML_NULLS) && !got[0]);
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
	const char *nl = strchr(text, '\n');
	e.nl = nl && nl > text && nl[-1] == '\r' ? "\r\n" : "\n";
	if ((r = ydoc_load(&e.d, text)) == 0)
		r = set_in_doc(&e);
	ydoc_free(&e.d);
	if (r < 0) {
		free(e.b.p);
		return r;
	}
	if ((r = sb_done(&e.b, out)) < 0)
		return r;
	/* A last guard: what is written is still YAML. */
	r = ydoc_load(&e.d, *out);
	ydoc_free(&e.d);
	if (r == 0 && !reads_back(*out, key, value))
		r = -ENOTSUP;
	if (r < 0) {
		free(*out);
		*out = NULL;
		return r == -ENOMEM ? r : -ENOTSUP;
	}
	return 0;
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

/* Seconds in one of a Go duration's units, the unit's length in *len; 0 when none. */
static double duration_unit(const char *p, size_t *len)
{
	static const struct {
		const char *name;
		double seconds;
	} units[] = {
	    /* Two letters before one: "ms" is not "m". */
	    {"ms", 1e-3}, {"us", 1e-6}, {"\xc2\xb5s", 1e-6}, {"ns", 1e-9}, {"h", 3600},
	    {"m", 60},	  {"s", 1},
	};
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		*len = strlen(units[i].name);
		if (strncmp(p, units[i].name, *len) == 0)
			return units[i].seconds;
	}
	return 0;
}

long kube_duration_seconds(const char *text)
{
	double total = 0;
	const char *p = text;
	if (!p || !*p)
		return 0;
	while (*p) {
		/* Digits, maybe a fraction: not strtod's signs, spaces, hex, inf or exponents. */
		double v = 0, scale = 1;
		bool digits = false, point = false;
		for (; isdigit((unsigned char)*p) || (*p == '.' && !point); p++) {
			if (*p == '.') {
				point = true;
				continue;
			}
			digits = true;
			if (point)
				v += (*p - '0') * (scale /= 10);
			else
				v = v * 10 + (*p - '0');
		}
		size_t len;
		double unit = digits ? duration_unit(p, &len) : 0;
		if (unit == 0)
			return -1;
		p += len;
		total += v * unit;
		/* time.Duration is int64 nanoseconds: 2^63 ns, about 292 years. */
		if (!(total <= 9223372036.0))
			return -1;
	}
	return (long)total;
}

double kube_proxy_conf_sync_period(const struct kube_proxy_config *c)
{
	if (!c || !c->known)
		return 0;
	const char *text = strcmp(c->mode, "ipvs") == 0	      ? c->ipvs_sync_period
			   : strcmp(c->mode, "nftables") == 0 ? c->nftables_sync_period
							      : c->iptables_sync_period;
	long s = kube_duration_seconds(text);
	return s > 0 ? (double)s : 0;
}
