/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A node's digest as JSON: written by the agent, parsed back by the cluster view, both from
 * one table of members so that the two cannot name a member differently. The document is
 * machine output, never translated; the parser's messages, which the view shows, are.
 */
#include "config.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "digest.h"
#include "json_writer.h"
#include "nls.h"

enum member_type { M_STR, M_BOOL, M_U64, M_U32, M_DBL };

/* One scalar member: its JSON name is the struct's. */
struct member {
	const char *key;
	enum member_type type;
	size_t off, size;
};

#define STR(s, m)                                                                                  \
	{                                                                                          \
#m, M_STR, offsetof(struct s, m), sizeof(((struct s *)0)->m)                       \
	}
#define BOOL(s, m)                                                                                 \
	{                                                                                          \
#m, M_BOOL, offsetof(struct s, m), sizeof(bool)                                    \
	}
#define U64(s, m)                                                                                  \
	{                                                                                          \
#m, M_U64, offsetof(struct s, m), sizeof(uint64_t)                                 \
	}
#define U32(s, m)                                                                                  \
	{                                                                                          \
#m, M_U32, offsetof(struct s, m), sizeof(uint32_t)                                 \
	}
#define DBL(s, m)                                                                                  \
	{                                                                                          \
#m, M_DBL, offsetof(struct s, m), sizeof(double)                                   \
	}

static const struct member digest_members[] = {
    STR(digest, node),
    STR(digest, host),
    STR(digest, version),
    DBL(digest, time),
    DBL(digest, age),
    BOOL(digest, ipvs_available),
    STR(digest, source),
    U64(digest, services),
    U64(digest, real_servers),
    U64(digest, active_conns),
    U64(digest, inactive_conns),
    U64(digest, conns),
    U64(digest, inpkts),
    U64(digest, outpkts),
    U64(digest, inbytes),
    U64(digest, outbytes),
    DBL(digest, cps),
    DBL(digest, inpps),
    DBL(digest, outpps),
    DBL(digest, inbps),
    DBL(digest, outbps),
    STR(digest, configured_mode),
    STR(digest, running_mode),
    BOOL(digest, kp_metrics_read),
    BOOL(digest, kp_hung),
    DBL(digest, kp_last_sync_age),
    U64(digest, kp_failures),
    BOOL(digest, kp_warn),
    STR(digest, kp_waiting),
    U32(digest, kp_restarts),
    BOOL(digest, kube_enabled),
    BOOL(digest, kube_synced),
    U32(digest, drift_missing),
    U32(digest, drift_unexplained),
    U32(digest, drift_draining),
    U32(digest, drift_unowned),
    U32(digest, drift_without_vs),
    U32(digest, drift_scheduler),
    U32(digest, leftovers),
    U32(digest, ipsets_full),
    U32(digest, kube_ipvs0_missing),
};

static const struct member plane_members[] = {
    STR(digest_plane, name),	  BOOL(digest_plane, present),	BOOL(digest_plane, running),
    U32(digest_plane, frontends), U32(digest_plane, endpoints), U32(digest_plane, drift),
};

/* 1e15 with three decimals is 19 characters. */
#define DIGEST_DOUBLE_MAX 1e15

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

/*
 * NAN as null; and a number that "%.3f" would write in more digits than cJSON reads back
 * (it parses at most 63 characters of a number) is no time, age or rate either: null too.
 */
static void write_double(struct jw *w, const char *key, double v)
{
	if (isfinite(v) && fabs(v) < DIGEST_DOUBLE_MAX)
		jw_double(w, key, v);
	else
		jw_null(w, key);
}

static void write_members(struct jw *w, const void *base, const struct member *m, size_t n)
{
	const char *b = base;
	for (size_t i = 0; i < n; i++) {
		const void *p = b + m[i].off;
		switch (m[i].type) {
		case M_STR:
			jw_string(w, m[i].key, p);
			break;
		case M_BOOL:
			jw_bool(w, m[i].key, *(const bool *)p);
			break;
		case M_U64:
			jw_u64(w, m[i].key, *(const uint64_t *)p);
			break;
		case M_U32:
			jw_u64(w, m[i].key, *(const uint32_t *)p);
			break;
		case M_DBL:
			write_double(w, m[i].key, *(const double *)p);
			break;
		}
	}
}

int digest_write(FILE *f, const struct digest *d)
{
	struct jw w;
	jw_init(&w, f);
	jw_open(&w, NULL, '{');
	jw_string(&w, "kind", DIGEST_KIND);
	jw_u64(&w, "schema", DIGEST_SCHEMA);
	write_members(&w, d, digest_members, N_OF(digest_members));
	jw_open(&w, "planes", '[');
	for (size_t i = 0; i < d->n_planes && i < N_OF(d->planes); i++) {
		jw_open(&w, NULL, '{');
		write_members(&w, &d->planes[i], plane_members, N_OF(plane_members));
		jw_close(&w, '}');
	}
	jw_close(&w, ']');
	jw_open(&w, "errors", '[');
	for (size_t i = 0; i < d->n_errors && i < DIGEST_MAX_ERRORS; i++)
		jw_string(&w, NULL, d->errors[i]);
	jw_close(&w, ']');
	jw_close(&w, '}');
	int err = jw_finish(&w);
	if (err)
		return err;
	if (fflush(f) != 0 || ferror(f))
		return -(errno ? errno : EIO);
	return 0;
}

/* ---- parsing ---- */

/* Where a parse failed, said without the document's bytes (a hostile agent writes them). */
static int fail(char *err, size_t errlen, int code, const char *msg)
{
	if (err && errlen)
		snprintf(err, errlen, "%s", _(msg));
	return code;
}

/* A member of the wrong type: -EINVAL, err naming it (the table's name, not the input's). */
static int bad(char *err, size_t errlen, const char *key, const char *what)
{
	if (err && errlen)
		snprintf(err, errlen, _("member \"%s\": %s"), key, _(what));
	return -EINVAL;
}

void digest_strcpy(char *dst, size_t size, const char *src)
{
	size_t n = 0;
	if (!size)
		return;
	while (*src) {
		size_t len = 1, bad = 0;
		const char *piece = src;
		if ((unsigned char)*src >= 0x80 && !(len = jw_utf8_len((const unsigned char *)src, &bad))) {
			piece =
			    "\xef\xbf\xbd"; /* U+FFFD for an ill-formed sequence, as jw writes */
			len = 3;
		}
		if (n + len >= size)
			break; /* never half a character */
		memcpy(dst + n, piece, len);
		n += len;
		src += bad ? bad : len;
	}
	dst[n] = '\0';
}

/* A JSON number that is a whole number from 0 to max (doubles: exact up to 2^53). */
static bool whole(const cJSON *x, double max, double *v)
{
	if (!cJSON_IsNumber(x))
		return false;
	*v = x->valuedouble;
	return *v >= 0 && *v <= max && floor(*v) == *v;
}

static int read_member(const cJSON *x, const struct member *m, char *b, char *err, size_t errlen)
{
	void *p = b + m->off;
	double v;
	switch (m->type) {
	case M_STR:
		if (cJSON_IsNull(x))
			*(char *)p = '\0';
		else if (cJSON_IsString(x) && x->valuestring)
			digest_strcpy(p, m->size, x->valuestring);
		else
			return bad(err, errlen, m->key, N_("not a string"));
		return 0;
	case M_BOOL:
		if (!cJSON_IsBool(x))
			return bad(err, errlen, m->key, N_("not true or false"));
		*(bool *)p = cJSON_IsTrue(x);
		return 0;
	case M_U64:
		if (!whole(x, 18446744073709549568.0, &v))
			return bad(err, errlen, m->key, N_("not a count"));
		*(uint64_t *)p = (uint64_t)v;
		return 0;
	case M_U32:
		if (!whole(x, 4294967295.0, &v))
			return bad(err, errlen, m->key, N_("not a 32-bit count"));
		*(uint32_t *)p = (uint32_t)v;
		return 0;
	case M_DBL:
		if (cJSON_IsNull(x))
			*(double *)p = NAN;
		else if (cJSON_IsNumber(x))
			*(double *)p = x->valuedouble;
		else
			return bad(err, errlen, m->key, N_("not a number or null"));
		return 0;
	}
	return -EINVAL;
}

/* The members of table m found in o (absent ones keep what base holds). */
static int read_members(const cJSON *o, void *base, const struct member *m, size_t n, char *err,
			size_t errlen)
{
	for (size_t i = 0; i < n; i++) {
		const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, m[i].key);
		int r = x ? read_member(x, &m[i], base, err, errlen) : 0;
		if (r)
			return r;
	}
	return 0;
}

/* "planes": an array of objects; a newer agent's planes past the fourth are not kept. */
static int read_planes(const cJSON *a, struct digest *d, char *err, size_t errlen)
{
	const cJSON *x;
	if (!a)
		return 0;
	if (!cJSON_IsArray(a))
		return bad(err, errlen, "planes", N_("not an array"));
	cJSON_ArrayForEach(x, a)
	{
		if (!cJSON_IsObject(x))
			return bad(err, errlen, "planes", N_("an element not an object"));
		if (d->n_planes >= N_OF(d->planes))
			continue;
		struct digest_plane *p = &d->planes[d->n_planes];
		int r = read_members(x, p, plane_members, N_OF(plane_members), err, errlen);
		if (r)
			return r;
		d->n_planes++;
	}
	return 0;
}

static int read_errors(const cJSON *a, struct digest *d, char *err, size_t errlen)
{
	const cJSON *x;
	if (!a)
		return 0;
	if (!cJSON_IsArray(a))
		return bad(err, errlen, "errors", N_("not an array"));
	cJSON_ArrayForEach(x, a)
	{
		if (!cJSON_IsString(x) || !x->valuestring)
			return bad(err, errlen, "errors", N_("an element not a string"));
		if (d->n_errors < DIGEST_MAX_ERRORS)
			digest_strcpy(d->errors[d->n_errors++], sizeof(d->errors[0]),
				      x->valuestring);
	}
	return 0;
}

/* kind and schema: a digest this reader knows. */
static int check_kind(const cJSON *doc, char *err, size_t errlen)
{
	const cJSON *kind = cJSON_GetObjectItemCaseSensitive(doc, "kind");
	const cJSON *schema = cJSON_GetObjectItemCaseSensitive(doc, "schema");
	double v;
	if (!cJSON_IsString(kind) || !kind->valuestring || strcmp(kind->valuestring, DIGEST_KIND))
		return fail(err, errlen, -EINVAL,
			    "not an " DIGEST_KIND " document (its \"kind\" differs)");
	if (!whole(schema, 4294967295.0, &v) || v < 1)
		return bad(err, errlen, "schema", N_("not a schema number"));
	if (v > DIGEST_SCHEMA) {
		if (err && errlen)
			snprintf(err, errlen, _("schema %.0f is newer than this ipvstop's (%d)"), v,
				 DIGEST_SCHEMA);
		return -EINVAL;
	}
	return 0;
}

static int read_doc(const cJSON *doc, struct digest *d, char *err, size_t errlen)
{
	int r;
	if (!cJSON_IsObject(doc))
		return fail(err, errlen, -EINVAL, N_("not a JSON object"));
	if ((r = check_kind(doc, err, errlen)) < 0 ||
	    (r = read_members(doc, d, digest_members, N_OF(digest_members), err, errlen)) < 0 ||
	    (r = read_planes(cJSON_GetObjectItemCaseSensitive(doc, "planes"), d, err, errlen)) < 0)
		return r;
	return read_errors(cJSON_GetObjectItemCaseSensitive(doc, "errors"), d, err, errlen);
}

int digest_parse(const char *buf, size_t len, struct digest *d, char *err, size_t errlen)
{
	const char *end = NULL;
	memset(d, 0, sizeof(*d));
	d->time = d->age = d->kp_last_sync_age = NAN;
	d->cps = d->inpps = d->outpps = d->inbps = d->outbps = NAN;
	if (err && errlen)
		err[0] = '\0';
	if (len > DIGEST_MAX_BYTES)
		return fail(err, errlen, -E2BIG, N_("longer than a digest may be (64 KiB)"));
	if (!buf || !len)
		return fail(err, errlen, -EINVAL, N_("empty"));
	cJSON *doc = cJSON_ParseWithLengthOpts(buf, len, &end, false);
	if (!doc) {
		/* cJSON says where, not why; a failed allocation looks the same to it */
		if (err && errlen)
			snprintf(err, errlen, _("not JSON (at byte %td)"),
				 end ? end - buf : (ptrdiff_t)0);
		return -EINVAL;
	}
	while (end && end < buf + len && strchr(" \t\r\n", *end) && *end)
		end++;
	int r = end && end < buf + len
		    ? fail(err, errlen, -EINVAL, N_("bytes after the JSON document"))
		    : read_doc(doc, d, err, errlen);
	cJSON_Delete(doc);
	if (r)
		memset(d, 0, sizeof(*d));
	return r;
}
