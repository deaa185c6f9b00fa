/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Parses one kubeconfig file (libyaml) into plain structs, checking each field's type. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "base64.h"
#include "kc_file.h"
#include "kube_io.h"
#include "mem.h"
#include "nls.h"

#define MERGE_DEPTH_MAX 8 /* nested YAML merge keys (<<) followed */

void kc_file_free(struct kc_file *f)
{
	for (size_t i = 0; i < f->n_clusters; i++) {
		struct kc_cluster *c = &f->clusters[i];
		mem_free_all(c->name, c->server, c->ca, c->tls_server_name, c->proxy_url,
			     c->ca_data);
	}
	for (size_t i = 0; i < f->n_users; i++) {
		struct kc_user *u = &f->users[i];
		mem_free_all(u->name, u->cert, u->key, u->token_file, u->username, u->cert_data,
			     u->auth_provider, u->exec.command, u->exec.api_version,
			     u->exec.interactive_mode);
		/* SECRET fields: wiped before they are freed. */
		kube_io_wipe_free_str(u->token);
		kube_io_wipe_free_str(u->password);
		kube_io_wipe_free(u->key_data, u->key_len);
		kube_io_wipe_free_str(u->oidc_id_token);
		kube_io_free_strv(u->exec.args, u->exec.n_args, true);
		kube_io_free_strv(u->exec.env, u->exec.n_env, true);
	}
	for (size_t i = 0; i < f->n_contexts; i++) {
		struct kc_context *c = &f->contexts[i];
		mem_free_all(c->name, c->cluster, c->user, c->namespace_);
	}
	mem_free_all(f->clusters, f->users, f->contexts, f->current_context, f->path, f->dir);
	memset(f, 0, sizeof(*f));
}

/* Parsing state: the document, and where we are for error messages. */
struct pctx {
	yaml_document_t *doc;
	char where[768]; /* "~/.kube/config: user 'admin'" */
	char *err;
	size_t errlen;
};

static yaml_node_t *ynode(struct pctx *pc, int id)
{
	return yaml_document_get_node(pc->doc, id);
}

static bool scalar_is(const yaml_node_t *n, const char *s)
{
	size_t l = strlen(s);
	return n->type == YAML_SCALAR_NODE && n->data.scalar.length == l &&
	       memcmp(n->data.scalar.value, s, l) == 0;
}

/* YAML 1.1 nulls as go-yaml resolves them: an empty plain scalar, ~, null. */
static bool y_null(const yaml_node_t *n)
{
	if (!n)
		return true;
	if (n->type != YAML_SCALAR_NODE)
		return false;
	if (n->tag && strcmp((const char *)n->tag, YAML_NULL_TAG) == 0)
		return true;
	if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	return n->data.scalar.length == 0 || scalar_is(n, "~") || scalar_is(n, "null") ||
	       scalar_is(n, "Null") || scalar_is(n, "NULL");
}

static const char *y_kind(const yaml_node_t *n)
{
	static const char *const kinds[] = {[YAML_SEQUENCE_NODE] = N_("a list"),
					    [YAML_MAPPING_NODE] = N_("a mapping")};
	unsigned t = (unsigned)n->type;
	return _(t < sizeof(kinds) / sizeof(kinds[0]) && kinds[t] ? kinds[t] : N_("a scalar"));
}

/*
 * The value of key in a mapping, following merge keys (<<: *anchor, or a list of them) as
 * go-yaml does: keys written in the mapping win over merged ones.
 */
static yaml_node_t *y_get_depth(struct pctx *pc, yaml_node_t *map, const char *key, int depth)
{
	if (!map || map->type != YAML_MAPPING_NODE || depth > MERGE_DEPTH_MAX)
		return NULL;
	yaml_node_t *merge = NULL;
	for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
	     p++) {
		yaml_node_t *k = ynode(pc, p->key);
		if (!k || k->type != YAML_SCALAR_NODE)
			continue;
		if (scalar_is(k, key))
			return ynode(pc, p->value);
		if (!merge && k->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && scalar_is(k, "<<"))
			merge = ynode(pc, p->value);
	}
	if (!merge)
		return NULL;
	if (merge->type == YAML_MAPPING_NODE)
		return y_get_depth(pc, merge, key, depth + 1);
	if (merge->type == YAML_SEQUENCE_NODE) {
		for (yaml_node_item_t *it = merge->data.sequence.items.start;
		     it < merge->data.sequence.items.top; it++) {
			yaml_node_t *r = y_get_depth(pc, ynode(pc, *it), key, depth + 1);
			if (r)
				return r;
		}
	}
	return NULL;
}

static yaml_node_t *y_get(struct pctx *pc, yaml_node_t *map, const char *key)
{
	return y_get_depth(pc, map, key, 0);
}

/* What y_want() wants a value to be. */
enum y_want { Y_LIST, Y_MAPPING, Y_STRING, Y_BASE64 };

/*
 * n as *out when it is what want says (Y_STRING, Y_BASE64: a scalar); NULL when it is absent
 * or null. Anything else: a message naming where and key, and -EINVAL.
 */
static int y_want(struct pctx *pc, const char *where, const char *key, yaml_node_t *n,
		  enum y_want want, yaml_node_t **out)
{
	static const yaml_node_type_t type[] = {[Y_LIST] = YAML_SEQUENCE_NODE,
						[Y_MAPPING] = YAML_MAPPING_NODE,
						[Y_STRING] = YAML_SCALAR_NODE,
						[Y_BASE64] = YAML_SCALAR_NODE};
	*out = y_null(n) ? NULL : n;
	if (!*out || n->type == type[want])
		return 0;
	*out = NULL;
	return kube_io_fail(pc->err, pc->errlen, -EINVAL,
			    want == Y_LIST	? _("%s: %s: expected a list, not %s")
			    : want == Y_MAPPING ? _("%s: %s: expected a mapping, not %s")
			    : want == Y_STRING	? _("%s: %s: expected a string, not %s")
						: _("%s: %s: expected base64 text, not %s"),
			    where, key, y_kind(n));
}

static int y_scalar_dup(struct pctx *pc, yaml_node_t *n, const char *key, char **out)
{
	*out = NULL;
	int rc = y_want(pc, pc->where, key, n, Y_STRING, &n);
	if (rc < 0 || !n)
		return rc;
	if (memchr(n->data.scalar.value, '\0', n->data.scalar.length))
		return kube_io_fail(pc->err, pc->errlen, -EINVAL,
				    _("%s: %s: contains a NUL character"), pc->where, key);
	if (n->data.scalar.length == 0)
		return 0; /* client-go treats "" as unset everywhere */
	*out = strndup((const char *)n->data.scalar.value, n->data.scalar.length);
	return *out ? 0 : kube_io_oom(pc->err, pc->errlen);
}

static int y_str(struct pctx *pc, yaml_node_t *map, const char *key, char **out)
{
	return y_scalar_dup(pc, y_get(pc, map, key), key, out);
}

/* Booleans as YAML 1.1 (go-yaml v2, which sigs.k8s.io/yaml uses) reads them. */
static int y_bool(struct pctx *pc, yaml_node_t *map, const char *key, bool *out)
{
	static const char *const yes[] = {"true", "True", "TRUE", "yes", "Yes",
					  "YES",  "on",	  "On",	  "ON"};
	static const char *const no[] = {"false", "False", "FALSE", "no", "No",
					 "NO",	  "off",   "Off",   "OFF"};
	yaml_node_t *n = y_get(pc, map, key);
	*out = false;
	if (y_null(n))
		return 0;
	if (n->type == YAML_SCALAR_NODE && n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
		for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
			if (scalar_is(n, yes[i])) {
				*out = true;
				return 0;
			}
			if (scalar_is(n, no[i]))
				return 0;
		}
	}
	return kube_io_fail(pc->err, pc->errlen, -EINVAL, _("%s: %s: expected true or false"),
			    pc->where, key);
}

/* A -data field: base64 text decoded; the text itself is never quoted in errors. */
static int y_data(struct pctx *pc, yaml_node_t *map, const char *key, unsigned char **out,
		  size_t *outlen)
{
	yaml_node_t *n;
	*out = NULL;
	*outlen = 0;
	int rc = y_want(pc, pc->where, key, y_get(pc, map, key), Y_BASE64, &n);
	if (rc < 0 || !n || n->data.scalar.length == 0)
		return rc;
	size_t bad;
	rc = base64_decode((const char *)n->data.scalar.value, n->data.scalar.length, out,
			       outlen, &bad);
	if (rc == -ENOMEM)
		return kube_io_oom(pc->err, pc->errlen);
	if (rc < 0)
		return kube_io_fail(pc->err, pc->errlen, -EINVAL,
				    _("%s: %s is not valid base64 (at byte %zu)"), pc->where, key,
				    bad);
	if (*outlen == 0) {
		free(*out);
		*out = NULL;
	}
	return 0;
}

static int y_strv(struct pctx *pc, yaml_node_t *map, const char *key, char ***out, size_t *n)
{
	yaml_node_t *seq;
	*out = NULL;
	*n = 0;
	int err = y_want(pc, pc->where, key, y_get(pc, map, key), Y_LIST, &seq);
	if (err < 0 || !seq)
		return err;
	size_t cnt = (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start);
	char **v = calloc(cnt + 1, sizeof(*v));
	if (!v)
		return kube_io_oom(pc->err, pc->errlen);
	for (size_t i = 0; i < cnt; i++) {
		yaml_node_t *it = ynode(pc, seq->data.sequence.items.start[i]);
		int rc = y_scalar_dup(pc, it, key, &v[i]);
		if (rc == 0 && !v[i] && !(v[i] = strdup("")))
			rc = kube_io_oom(pc->err, pc->errlen);
		if (rc < 0) {
			kube_io_free_strv(v, i + 1, true);
			return rc;
		}
	}
	*out = v;
	*n = cnt;
	return 0;
}

/* How y_fields() reads one field of an entry struct. */
enum y_type {
	Y_STR,
	Y_BOOL,
	Y_STRV, /* a list of strings and its length */
	Y_TWIN, /* a path field and its "-data" twin (base64), as kubeconfig pairs them */
};

struct y_field {
	const char *key;
	unsigned char type;
	size_t off;	 /* the field in the entry struct */
	size_t data_off; /* Y_TWIN: the decoded -data field */
	size_t len_off;	 /* Y_STRV, Y_TWIN: the length */
};
#define Y_FIELD(T, key, type, f) {key, type, offsetof(T, f), 0, 0}
#define Y_STRV_FIELD(T, key, f, len) {key, Y_STRV, offsetof(T, f), 0, offsetof(T, len)}
#define Y_TWIN_FIELD(T, key, f, data, len)                                                   \
	{key, Y_TWIN, offsetof(T, f), offsetof(T, data), offsetof(T, len)}
#define Y_FIELDS(table) table, sizeof(table) / sizeof(table[0])

/* The n fields of the table from map into entry, in order. */
static int y_fields(struct pctx *pc, yaml_node_t *map, const struct y_field *f, size_t n,
		    void *entry)
{
	char *base = entry;
	int rc = 0;
	for (const struct y_field *end = f + n; rc == 0 && f < end; f++) {
		void *p = base + f->off;
		size_t *len = (size_t *)(void *)(base + f->len_off);
		char data_key[64];
		if (f->type == Y_STR) {
			rc = y_str(pc, map, f->key, p);
		} else if (f->type == Y_BOOL) {
			rc = y_bool(pc, map, f->key, p);
		} else if (f->type == Y_STRV) {
			rc = y_strv(pc, map, f->key, p, len);
		} else {
			snprintf(data_key, sizeof(data_key), "%s-data", f->key);
			if ((rc = y_str(pc, map, f->key, p)) == 0)
				rc = y_data(pc, map, data_key, (void *)(base + f->data_off), len);
		}
	}
	return rc;
}

static const struct y_field exec_fields[] = {
    Y_FIELD(struct kc_exec, "command", Y_STR, command),
    Y_FIELD(struct kc_exec, "apiVersion", Y_STR, api_version),
    Y_FIELD(struct kc_exec, "interactiveMode", Y_STR, interactive_mode),
    Y_FIELD(struct kc_exec, "provideClusterInfo", Y_BOOL, provide_cluster_info),
    Y_STRV_FIELD(struct kc_exec, "args", args, n_args),
};

static int parse_exec(struct pctx *pc, yaml_node_t *n, struct kc_exec *e)
{
	yaml_node_t *env;
	int rc = y_want(pc, pc->where, "exec", n, Y_MAPPING, &n);
	if (rc < 0 || !n)
		return rc;
	e->present = true;
	if ((rc = y_fields(pc, n, Y_FIELDS(exec_fields), e)) < 0 ||
	    (rc = y_want(pc, pc->where, "exec env", y_get(pc, n, "env"), Y_LIST,
			 &env)) < 0 ||
	    !env)
		return rc;
	size_t cnt = (size_t)(env->data.sequence.items.top - env->data.sequence.items.start);
	e->env = calloc(cnt + 1, sizeof(*e->env));
	if (!e->env)
		return kube_io_oom(pc->err, pc->errlen);
	for (size_t i = 0; i < cnt; i++) {
		yaml_node_t *it = ynode(pc, env->data.sequence.items.start[i]);
		char *name = NULL, *value = NULL;
		if (!it || it->type != YAML_MAPPING_NODE)
			return kube_io_fail(
			    pc->err, pc->errlen, -EINVAL,
			    _("%s: exec env: each entry must be a mapping with name and value"),
			    pc->where);
		if ((rc = y_str(pc, it, "name", &name)) < 0)
			return rc;
		if ((rc = y_str(pc, it, "value", &value)) < 0) {
			free(name);
			return rc;
		}
		if (!name || strchr(name, '=')) {
			free(name);
			kube_io_wipe_free_str(value);
			return kube_io_fail(pc->err, pc->errlen, -EINVAL,
					    _("%s: exec env: entry %zu needs a name without '='"),
					    pc->where, i + 1);
		}
		e->env[i] = kube_io_str_concat(name, "=", value ? value : "");
		free(name);
		kube_io_wipe_free_str(value);
		if (!e->env[i])
			return kube_io_oom(pc->err, pc->errlen);
		e->n_env = i + 1;
	}
	return 0;
}

static const struct y_field user_fields[] = {
    Y_TWIN_FIELD(struct kc_user, "client-certificate", cert, cert_data, cert_len),
    Y_TWIN_FIELD(struct kc_user, "client-key", key, key_data, key_len),
    Y_FIELD(struct kc_user, "token", Y_STR, token),
    Y_FIELD(struct kc_user, "tokenFile", Y_STR, token_file),
    Y_FIELD(struct kc_user, "username", Y_STR, username),
    Y_FIELD(struct kc_user, "password", Y_STR, password),
};

/* What a user has besides its plain fields: exec and an auth-provider. */
static int parse_user_rest(struct pctx *pc, yaml_node_t *n, void *entry)
{
	struct kc_user *u = entry;
	yaml_node_t *ap;
	int rc;
	if ((rc = parse_exec(pc, y_get(pc, n, "exec"), &u->exec)) < 0 ||
	    (rc = y_want(pc, pc->where, "auth-provider", y_get(pc, n, "auth-provider"),
			 Y_MAPPING, &ap)) < 0 ||
	    !ap)
		return rc;
	if ((rc = y_str(pc, ap, "name", &u->auth_provider)) < 0)
		return rc;
	if (!u->auth_provider && !(u->auth_provider = strdup("")))
		return kube_io_oom(pc->err, pc->errlen);
	yaml_node_t *cfg = y_get(pc, ap, "config");
	if (!y_null(cfg) && cfg->type == YAML_MAPPING_NODE &&
	    (rc = y_str(pc, cfg, "id-token", &u->oidc_id_token)) < 0)
		return rc;
	return 0;
}

static const struct y_field cluster_fields[] = {
    Y_FIELD(struct kc_cluster, "server", Y_STR, server),
    Y_TWIN_FIELD(struct kc_cluster, "certificate-authority", ca, ca_data, ca_len),
    Y_FIELD(struct kc_cluster, "insecure-skip-tls-verify", Y_BOOL, insecure),
    Y_FIELD(struct kc_cluster, "tls-server-name", Y_STR, tls_server_name),
    Y_FIELD(struct kc_cluster, "proxy-url", Y_STR, proxy_url),
    Y_FIELD(struct kc_cluster, "disable-compression", Y_BOOL, disable_compression),
};

static const struct y_field context_fields[] = {
    Y_FIELD(struct kc_context, "cluster", Y_STR, cluster),
    Y_FIELD(struct kc_context, "user", Y_STR, user),
    Y_FIELD(struct kc_context, "namespace", Y_STR, namespace_),
};

/* The three named lists of a kubeconfig, and how their entries are read. */
static const struct kc_list {
	const char *list, *item; /* "clusters", each entry's "cluster" */
	size_t esize;
	size_t arr, n; /* where the array and its length are in struct kc_file */
	const struct y_field *fields;
	size_t n_fields;
	int (*rest)(struct pctx *pc, yaml_node_t *n, void *entry); /* or NULL */
} kc_lists[] = {
    {"clusters", "cluster", sizeof(struct kc_cluster), offsetof(struct kc_file, clusters),
     offsetof(struct kc_file, n_clusters), Y_FIELDS(cluster_fields), NULL},
    {"users", "user", sizeof(struct kc_user), offsetof(struct kc_file, users),
     offsetof(struct kc_file, n_users), Y_FIELDS(user_fields), parse_user_rest},
    {"contexts", "context", sizeof(struct kc_context), offsetof(struct kc_file, contexts),
     offsetof(struct kc_file, n_contexts), Y_FIELDS(context_fields), NULL},
};

/*
 * One of the named lists: clusters: [{name: x, cluster: {...}}]. Names must be unique within
 * a file (client-go refuses a duplicate name when it converts the list to a map).
 */
static int parse_list(struct pctx *pc, const char *fdisp, yaml_node_t *root,
		      const struct kc_list *l, struct kc_file *f)
{
	const char *list = l->list, *kind = l->item;
	size_t esize = l->esize;
	void **arr = (void **)(void *)((char *)f + l->arr);
	size_t *n = (size_t *)(void *)((char *)f + l->n);
	yaml_node_t *seq;
	int err = y_want(pc, fdisp, list, y_get(pc, root, list), Y_LIST, &seq);
	if (err < 0 || !seq)
		return err;
	size_t cnt = (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start);
	char *a = calloc(cnt ? cnt : 1, esize);
	if (!a)
		return kube_io_oom(pc->err, pc->errlen);
	*arr = a;
	for (size_t i = 0; i < cnt; i++) {
		yaml_node_t *it = ynode(pc, seq->data.sequence.items.start[i]);
		void *e = a + i * esize;
		char **name = e; /* every entry struct starts with its name */
		int rc;
		if (!it || it->type != YAML_MAPPING_NODE)
			return kube_io_fail(pc->err, pc->errlen, -EINVAL,
					    _("%s: %s entry %zu: expected a mapping"), fdisp, list,
					    i + 1);
		snprintf(pc->where, sizeof(pc->where), "%s: %s entry %zu", fdisp, list, i + 1);
		if ((rc = y_str(pc, it, "name", name)) < 0)
			return rc;
		if (!*name && !(*name = strdup("")))
			return kube_io_oom(pc->err, pc->errlen);
		*n = i + 1;
		for (size_t j = 0; j < i; j++) {
			if (strcmp(*(char **)(void *)(a + j * esize), *name) == 0)
				return kube_io_fail(pc->err, pc->errlen, -EINVAL,
						    _("%s: %s '%s' is defined twice"), fdisp, kind,
						    *name);
		}
		snprintf(pc->where, sizeof(pc->where), "%s: %s '%s'", fdisp, kind, *name);
		yaml_node_t *body;
		if ((rc = y_want(pc, pc->where, l->item, y_get(pc, it, l->item), Y_MAPPING,
				 &body)) < 0)
			return rc;
		if (!body)
			continue;
		if ((rc = y_fields(pc, body, l->fields, l->n_fields, e)) < 0 ||
		    (l->rest && (rc = l->rest(pc, body, e)) < 0))
			return rc;
	}
	return 0;
}

/* Scalars may hold tokens and keys: clear them before libyaml frees them. */
static void wipe_document(yaml_document_t *d)
{
	for (yaml_node_t *n = d->nodes.start; n < d->nodes.top; n++) {
		if (n->type == YAML_SCALAR_NODE && n->data.scalar.value)
			explicit_bzero(n->data.scalar.value, n->data.scalar.length);
	}
}

static void wipe_parser(yaml_parser_t *p)
{
	if (p->raw_buffer.start && p->raw_buffer.end > p->raw_buffer.start)
		explicit_bzero(p->raw_buffer.start,
			       (size_t)(p->raw_buffer.end - p->raw_buffer.start));
	if (p->buffer.start && p->buffer.end > p->buffer.start)
		explicit_bzero(p->buffer.start, (size_t)(p->buffer.end - p->buffer.start));
}

/* The message for a document libyaml could not load: where, and what it expected. */
static int yaml_load_error(const yaml_parser_t *parser, const char *fdisp, char *err, size_t errlen)
{
	int rc;
	if (parser->error == YAML_MEMORY_ERROR)
		rc = kube_io_oom(err, errlen);
	else if (parser->context)
		rc = kube_io_fail(err, errlen, -EINVAL,
				  _("%s: invalid YAML at line %zu, column %zu: %s %s (line %zu)"),
				  fdisp, parser->problem_mark.line + 1,
				  parser->problem_mark.column + 1,
				  parser->problem ? parser->problem : "?", parser->context,
				  parser->context_mark.line + 1);
	else
		rc = kube_io_fail(err, errlen, -EINVAL,
				  _("%s: invalid YAML at line %zu, column %zu: %s"), fdisp,
				  parser->problem_mark.line + 1, parser->problem_mark.column + 1,
				  parser->problem ? parser->problem : "?");
	return rc;
}

/* The top level of a loaded kubeconfig: kind, current-context and the three lists. */
static int parse_root(struct pctx *pc, yaml_node_t *root, const char *fdisp, struct kc_file *f)
{
	char *err = pc->err;
	size_t errlen = pc->errlen;
	int rc = 0;
	if (y_null(root)) {
		/* an empty file is an empty config, as client-go reads it */
	} else if (root->type != YAML_MAPPING_NODE) {
		rc = kube_io_fail(err, errlen, -EINVAL,
				  _("%s: not a kubeconfig (the top level is %s)"), fdisp,
				  y_kind(root));
	} else {
		char *kind = NULL;
		rc = y_str(pc, root, "kind", &kind);
		if (rc == 0 && kind && strcmp(kind, "Config") != 0)
			rc = kube_io_fail(err, errlen, -EINVAL,
					  _("%s: not a kubeconfig (kind is not Config)"), fdisp);
		free(kind);
		if (rc == 0)
			rc = y_str(pc, root, "current-context", &f->current_context);
		for (size_t i = 0; rc == 0 && i < sizeof(kc_lists) / sizeof(kc_lists[0]); i++)
			rc = parse_list(pc, fdisp, root, &kc_lists[i], f);
	}
	return rc;
}

/*
 * Parses one kubeconfig. Returns 0, -ENOENT (silently: the caller decides whether a missing
 * file matters), or another negative errno with a message.
 */
int kc_file_load(const char *path, const char *home, struct kc_file *f, char *err, size_t errlen)
{
	char dbuf[PATH_MAX + 2];
	const char *fdisp = kube_io_disp(home, path, dbuf, sizeof(dbuf));
	char *buf;
	size_t len;
	memset(f, 0, sizeof(*f));
	int rc = KUBE_IO_READ_FILE(path, KUBECONFIG_MAX, &buf, &len, false, err, errlen, fdisp,
				   _("%s: larger than %u MiB, not a kubeconfig"),
				   KUBECONFIG_MAX >> 20, _("%s: cannot be read: %s"));
	if (rc < 0)
		return rc;
	errno = ENOMEM;
	if (!(f->path = strdup(path)) || !(f->dir = kube_io_abs_dir_of(path))) {
		/* getcwd() fails when the current directory was removed */
		rc = errno == ENOMEM ? kube_io_oom(err, errlen)
				     : kube_io_fail(err, errlen, -errno,
						    _("%s: its directory cannot be found: %s"),
						    fdisp, strerror(errno));
		kube_io_wipe_free(buf, len + 1);
		kc_file_free(f);
		return rc;
	}

	yaml_parser_t parser;
	yaml_document_t doc;
	struct pctx pc = {.doc = &doc, .err = err, .errlen = errlen};
	if (!yaml_parser_initialize(&parser)) {
		kube_io_wipe_free(buf, len + 1);
		kc_file_free(f);
		return kube_io_oom(err, errlen);
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)buf, len);
	if (!yaml_parser_load(&parser, &doc)) {
		rc = yaml_load_error(&parser, fdisp, err, errlen);
		wipe_parser(&parser);
		yaml_parser_delete(&parser);
		kube_io_wipe_free(buf, len + 1);
		kc_file_free(f);
		return rc;
	}

	yaml_node_t *root = yaml_document_get_root_node(&doc);
	snprintf(pc.where, sizeof(pc.where), "%s", fdisp);
	rc = parse_root(&pc, root, fdisp, f);
	wipe_document(&doc);
	yaml_document_delete(&doc);
	wipe_parser(&parser);
	yaml_parser_delete(&parser);
	kube_io_wipe_free(buf, len + 1);
	if (rc < 0)
		kc_file_free(f);
	return rc;
}
