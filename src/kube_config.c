/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Finds and loads Kubernetes API credentials the way kubectl (client-go's clientcmd) does. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "kc_file.h"
#include "kube_config.h"
#include "kube_exec.h"
#include "kube_io.h"
#include "mem.h"
#include "nls.h"

#define NAMESPACE_FILE_MAX 4096

#define EXEC_V1 "client.authentication.k8s.io/v1"
#define EXEC_V1BETA1 "client.authentication.k8s.io/v1beta1"

/* ---- small helpers ---- */

/* Replaces *dst with a copy of src (NULL stays NULL); returns false when out of memory. */
static bool set_str(char **dst, const char *src)
{
	char *n = NULL;
	if (src && !(n = strdup(src)))
		return false;
	free(*dst);
	*dst = n;
	return true;
}

/* ---- merging and choosing ---- */

struct kc_set {
	struct kc_file *files;
	size_t n;
};

static void kc_set_free(struct kc_set *s)
{
	for (size_t i = 0; i < s->n; i++)
		kc_file_free(&s->files[i]);
	free(s->files);
	s->files = NULL;
	s->n = 0;
}

/*
 * client-go merges the files' maps so that the first file defining a name wins, with the
 * entry as a whole: later files add no fields to it.
 */
#define DEFINE_FIND(fn, type, arr, cnt)                                                            \
	static const type *fn(const struct kc_set *s, const char *name,                            \
			      const struct kc_file **from)                                         \
	{                                                                                          \
		for (size_t i = 0; i < s->n; i++) {                                                \
			for (size_t j = 0; j < s->files[i].cnt; j++) {                             \
				if (!strcmp(s->files[i].arr[j].name, name)) {                      \
					*from = &s->files[i];                                      \
					return &s->files[i].arr[j];                                \
				}                                                                  \
			}                                                                          \
		}                                                                                  \
		return NULL;                                                                       \
	}
DEFINE_FIND(find_context, struct kc_context, contexts, n_contexts)
DEFINE_FIND(find_cluster, struct kc_cluster, clusters, n_clusters)
DEFINE_FIND(find_user, struct kc_user, users, n_users)

static int kc_set_add(struct kc_set *s, const char *path, const char *home, bool *missing,
		      char *err, size_t errlen)
{
	struct kc_file f;
	*missing = false;
	int rc = kc_file_load(path, home, &f, err, errlen);
	if (rc == -ENOENT) {
		*missing = true;
		return 0;
	}
	if (rc < 0)
		return rc;
	struct kc_file *nf = realloc(s->files, (s->n + 1) * sizeof(*nf));
	if (!nf) {
		kc_file_free(&f);
		return kube_io_oom(err, errlen);
	}
	s->files = nf;
	s->files[s->n++] = f;
	return 0;
}

static bool has_scheme(const char *url, const char *const *schemes)
{
	for (; *schemes; schemes++) {
		size_t l = strlen(*schemes);
		if (strncasecmp(url, *schemes, l) == 0 && url[l])
			return true;
	}
	return false;
}

/* What the chosen context refers to, each with the file that defined it. */
struct kc_choice {
	const struct kc_context *ctx;
	const struct kc_cluster *cl;
	const struct kc_user *u; /* NULL when the context names no user */
	const struct kc_file *cl_file, *u_file;
};

/* Finds the context (--context or the first current-context), its cluster and its user. */
static int choose_context(const struct kube_config_opts *o, struct kc_set *set, const char *source,
			  struct kc_choice *ch, char *err, size_t errlen)
{
	const char *home = o->home;
	char d1[PATH_MAX + 2];
	const char *ctx_name = o->context && *o->context ? o->context : NULL;
	const struct kc_file *ctx_file = NULL, *cl_file = NULL, *u_file = NULL;

	if (!ctx_name) {
		for (size_t i = 0; i < set->n && !ctx_name; i++) {
			if (set->files[i].current_context) {
				ctx_name = set->files[i].current_context;
				ctx_file = &set->files[i];
			}
		}
	}
	if (!ctx_name)
		return kube_io_fail(err, errlen, -ENOENT,
				    _("%s: no current-context is set; choose one with --context"),
				    source);
	const struct kc_context *ctx = find_context(set, ctx_name, &ctx_file);
	if (!ctx) {
		if (o->context && *o->context)
			return kube_io_fail(err, errlen, -ENOENT,
					    _("context '%s' does not exist in %s"), ctx_name,
					    source);
		return kube_io_fail(err, errlen, -ENOENT,
				    _("%s: current-context '%s' does not exist"),
				    kube_io_disp(home, ctx_file->path, d1, sizeof(d1)), ctx_name);
	}
	const char *cdisp = kube_io_disp(home, ctx_file->path, d1, sizeof(d1));
	if (!ctx->cluster)
		return kube_io_fail(err, errlen, -EINVAL, _("%s: context '%s' names no cluster"),
				    cdisp, ctx->name);
	const struct kc_cluster *cl = find_cluster(set, ctx->cluster, &cl_file);
	if (!cl)
		return kube_io_fail(err, errlen, -ENOENT,
				    _("%s: context '%s': cluster '%s' does not exist"), cdisp,
				    ctx->name, ctx->cluster);
	/*
	 * client-go quietly goes anonymous when the user named by a context is missing; a typo
	 * there would only show up as 401s, so say it here.
	 */
	const struct kc_user *u = NULL;
	if (ctx->user) {
		u = find_user(set, ctx->user, &u_file);
		if (!u)
			return kube_io_fail(err, errlen, -ENOENT,
					    _("%s: context '%s': user '%s' does not exist"), cdisp,
					    ctx->name, ctx->user);
	}

	*ch =
	    (struct kc_choice){.ctx = ctx, .cl = cl, .u = u, .cl_file = cl_file, .u_file = u_file};
	return 0;
}

/*
 * A path field (made absolute against dir, then checked to be readable) or its -data twin
 * (copied) into *out_file or *out_data and *out_len; neither set is fine. 0, -ENOMEM, or the
 * -errno of a file that cannot be read (*out_file then names it).
 */
static int take_file_or_data(const char *dir, const char *file, const unsigned char *data,
			     size_t len, char **out_file, unsigned char **out_data, size_t *out_len)
{
	if (file) {
		if (!(*out_file = kube_io_resolve_path(dir, file)))
			return -ENOMEM;
		return kube_io_check_readable(*out_file);
	}
	if (data) {
		if (!(*out_data = malloc(len)))
			return -ENOMEM;
		memcpy(*out_data, data, len);
		*out_len = len;
	}
	return 0;
}

/* The cluster's part of *out: server, proxy, certificate authority, TLS options. */
static int fill_cluster(const char *home, const struct kc_cluster *cl,
			const struct kc_file *cl_file, struct kube_credentials *out, char *err,
			size_t errlen)
{
	char d2[PATH_MAX + 2];
	const char *ldisp = kube_io_disp(home, cl_file->path, d2, sizeof(d2));
	if (!cl->server)
		return kube_io_fail(err, errlen, -EINVAL, _("%s: cluster '%s' has no server"),
				    ldisp, cl->name);
	if (strstr(cl->server, "://")) {
		if (!set_str(&out->server, cl->server))
			return kube_io_oom(err, errlen);
	} else {
		/* client-go decides TLS before it looks at the CA, so a bare host is plain http */
		if (!(out->server = kube_io_str_concat("http://", cl->server, "")))
			return kube_io_oom(err, errlen);
	}
	if (cl->proxy_url) {
		static const char *const ok[] = {"http://", "https://", "socks5://", NULL};
		if (!has_scheme(cl->proxy_url, ok))
			return kube_io_fail(
			    err, errlen, -EINVAL,
			    _("%s: cluster '%s': proxy-url must be http://, https:// or "
			      "socks5://"),
			    ldisp, cl->name);
	}
	if (cl->ca && cl->ca_data)
		return kube_io_fail(
		    err, errlen, -EINVAL,
		    _("%s: cluster '%s': certificate-authority and certificate-authority-data "
		      "are both set"),
		    ldisp, cl->name);
	if (cl->insecure && (cl->ca || cl->ca_data))
		return kube_io_fail(
		    err, errlen, -EINVAL,
		    _("%s: cluster '%s': insecure-skip-tls-verify cannot be combined with a "
		      "certificate authority"),
		    ldisp, cl->name);
	int rc = take_file_or_data(cl_file->dir, cl->ca, cl->ca_data, cl->ca_len, &out->ca_file,
				   &out->ca_data, &out->ca_len);
	if (rc == -ENOMEM)
		return kube_io_oom(err, errlen);
	if (rc < 0)
		return kube_io_fail(
		    err, errlen, rc,
		    _("%s: cluster '%s': certificate-authority '%s' cannot be read: %s"), ldisp,
		    cl->name, out->ca_file, strerror(-rc));
	out->insecure = cl->insecure;
	out->disable_compression = cl->disable_compression;
	if (!set_str(&out->tls_server_name, cl->tls_server_name) ||
	    !set_str(&out->proxy_url, cl->proxy_url))
		return kube_io_oom(err, errlen);

	return 0;
}

/* client-go's checks of a user's fields that exclude each other. */
static int check_user(const struct kc_user *u, const char *udisp, char *err, size_t errlen)
{
	const char *un = u->name;
	if (u->exec.present && u->auth_provider)
		return kube_io_fail(err, errlen, -EINVAL,
				    _("%s: user '%s': auth-provider and exec cannot both be set"),
				    udisp, un);
	if (u->cert && u->cert_data)
		return kube_io_fail(
		    err, errlen, -EINVAL,
		    _("%s: user '%s': client-certificate and client-certificate-data are "
		      "both set"),
		    udisp, un);
	if (u->key && u->key_data)
		return kube_io_fail(err, errlen, -EINVAL,
				    _("%s: user '%s': client-key and client-key-data are both set"),
				    udisp, un);
	bool has_cert = u->cert || u->cert_data;
	if (has_cert && !u->key && !u->key_data)
		return kube_io_fail(err, errlen, -EINVAL,
				    _("%s: user '%s': a client certificate needs client-key or "
				      "client-key-data"),
				    udisp, un);
	if (u->token && (u->username || u->password))
		return kube_io_fail(
		    err, errlen, -EINVAL,
		    _("%s: user '%s': token and username/password are both set; only one "
		      "authentication method is allowed"),
		    udisp, un);
	return 0;
}

/* client-certificate(-data) and client-key(-data) into *out. */
static int fill_client_cert(const struct kc_user *u, const struct kc_file *u_file,
			    const char *udisp, struct kube_credentials *out, char *err,
			    size_t errlen)
{
	const char *un = u->name;
	/* client-go ignores a key without a certificate; check_user saw that both are set */
	int rc = take_file_or_data(u_file->dir, u->cert, u->cert_data, u->cert_len, &out->cert_file,
				   &out->cert_data, &out->cert_len);
	if (rc < 0 && rc != -ENOMEM)
		return kube_io_fail(err, errlen, rc,
				    _("%s: user '%s': client-certificate '%s' cannot be read: "
				      "%s"),
				    udisp, un, out->cert_file, strerror(-rc));
	if (rc == 0)
		rc = take_file_or_data(u_file->dir, u->key, u->key_data, u->key_len, &out->key_file,
				       &out->key_data, &out->key_len);
	if (rc < 0 && rc != -ENOMEM)
		return kube_io_fail(err, errlen, rc,
				    _("%s: user '%s': client-key '%s' cannot be read: %s"), udisp, un,
				    out->key_file, strerror(-rc));
	return rc == -ENOMEM ? kube_io_oom(err, errlen) : 0;
}

/* token, basic auth, an oidc auth-provider's id-token and tokenFile into *out. */
static int fill_user_auth(const struct kc_user *u, const struct kc_file *u_file, const char *udisp,
			  struct kube_credentials *out, char *err, size_t errlen)
{
	const char *un = u->name;
	if (!set_str(&out->token, u->token) || !set_str(&out->username, u->username) ||
	    !set_str(&out->password, u->password))
		return kube_io_oom(err, errlen);
	if (u->auth_provider) {
		/*
		 * kubectl dropped the gcp and azure providers (1.26); oidc remains there. We send
		 * its current id-token but cannot refresh it.
		 */
		if (strcmp(u->auth_provider, "oidc") != 0)
			return kube_io_fail(
			    err, errlen, -EINVAL,
			    _("%s: user '%s': auth-provider '%s' is not supported; use an exec "
			      "credential plugin"),
			    udisp, un, u->auth_provider);
		if (!out->token && !set_str(&out->token, u->oidc_id_token))
			return kube_io_oom(err, errlen);
	}
	if (u->token_file && !(out->token_file = kube_io_resolve_path(u_file->dir, u->token_file)))
		return kube_io_oom(err, errlen);
	return 0;
}

/* The exec stanza, checked as client-go does, into *out; the plugin is not run here. */
static int fill_exec(const struct kc_user *u, const struct kc_file *u_file, const char *udisp,
		     struct kube_credentials *out, char *err, size_t errlen)
{
	const char *un = u->name;
	const struct kc_exec *e = &u->exec;
	if (!e->command)
		return kube_io_fail(err, errlen, -EINVAL, _("%s: user '%s': exec needs a command"),
				    udisp, un);
	if (!e->api_version)
		return kube_io_fail(err, errlen, -EINVAL,
				    _("%s: user '%s': exec needs an apiVersion"), udisp, un);
	if (strcmp(e->api_version, EXEC_V1) && strcmp(e->api_version, EXEC_V1BETA1))
		return kube_io_fail(
		    err, errlen, -EINVAL,
		    _("%s: user '%s': exec apiVersion '%s' is not supported (use %s "
		      "or %s)"),
		    udisp, un, e->api_version, EXEC_V1, EXEC_V1BETA1);
	const char *mode = e->interactive_mode;
	if (!mode) {
		/* client-go defaults v1beta1 to IfAvailable; v1 must say */
		if (!strcmp(e->api_version, EXEC_V1))
			return kube_io_fail(
			    err, errlen, -EINVAL,
			    _("%s: user '%s': exec interactiveMode must be set for %s"), udisp, un,
			    EXEC_V1);
		mode = "IfAvailable";
	}
	if (!strcmp(mode, "Always"))
		return kube_io_fail(
		    err, errlen, -EINVAL,
		    _("%s: user '%s': exec interactiveMode Always needs a terminal, "
		      "which ipvstop keeps for itself"),
		    udisp, un);
	if (strcmp(mode, "Never") && strcmp(mode, "IfAvailable"))
		return kube_io_fail(err, errlen, -EINVAL,
				    _("%s: user '%s': exec interactiveMode '%s' is not Never, "
				      "IfAvailable or Always"),
				    udisp, un, mode);
	if (!set_str(&out->exec_interactive_mode, mode) ||
	    !set_str(&out->exec_api_version, e->api_version))
		return kube_io_oom(err, errlen);
	/* only commands with a slash are paths; others are looked up in $PATH */
	out->exec_command = strchr(e->command, '/') ? kube_io_resolve_path(u_file->dir, e->command)
						    : strdup(e->command);
	if (!out->exec_command)
		return kube_io_oom(err, errlen);
	out->exec_args = calloc(e->n_args + 1, sizeof(char *));
	out->exec_env = calloc(e->n_env + 1, sizeof(char *));
	if (!out->exec_args || !out->exec_env)
		return kube_io_oom(err, errlen);
	for (size_t i = 0; i < e->n_args; i++) {
		if (!(out->exec_args[i] = strdup(e->args[i])))
			return kube_io_oom(err, errlen);
		out->n_exec_args = i + 1;
	}
	for (size_t i = 0; i < e->n_env; i++) {
		if (!(out->exec_env[i] = strdup(e->env[i])))
			return kube_io_oom(err, errlen);
		out->n_exec_env = i + 1;
	}
	out->exec_provide_cluster_info = e->provide_cluster_info;
	return 0;
}

/* Builds *out from the chosen context; client-go's DirectClientConfig.ClientConfig checks. */
static int fill_from_kubeconfig(const struct kube_config_opts *o, struct kc_set *set,
				const char *source, struct kube_credentials *out, char *err,
				size_t errlen)
{
	const char *home = o->home;
	char d2[PATH_MAX + 2];
	struct kc_choice ch = {0};
	int rc = choose_context(o, set, source, &ch, err, errlen);
	if (rc < 0)
		return rc;
	const struct kc_user *u = ch.u;
	if (!set_str(&out->source, source) || !set_str(&out->context, ch.ctx->name) ||
	    !set_str(&out->cluster, ch.cl->name) || !set_str(&out->user, ch.ctx->user) ||
	    !set_str(&out->namespace_, ch.ctx->namespace_ ? ch.ctx->namespace_ : "default"))
		return kube_io_oom(err, errlen);
	rc = fill_cluster(home, ch.cl, ch.cl_file, out, err, errlen);
	if (rc < 0)
		return rc;

	struct kube_token_cache *tc = kube_exec_cache(out);
	if (!tc)
		return kube_io_oom(err, errlen);

	/* client-go sends no credentials at all unless the server is https */
	if (!u || strncasecmp(out->server, "https://", 8) != 0)
		return 0;

	const char *udisp = kube_io_disp(home, ch.u_file->path, d2, sizeof(d2));
	const char *un = u->name;
	rc = check_user(u, udisp, err, errlen);
	if (rc == 0 && (u->cert || u->cert_data)) {
		rc = fill_client_cert(u, ch.u_file, udisp, out, err, errlen);
		if (rc == 0)
			kube_exec_cache_static_cert(tc);
	}
	if (rc == 0)
		rc = fill_user_auth(u, ch.u_file, udisp, out, err, errlen);
	if (rc == 0 && u->exec.present)
		rc = fill_exec(u, ch.u_file, udisp, out, err, errlen);
	if (rc < 0)
		return rc;

	/* client-go reads a tokenFile when it builds the client: an unreadable one fails now */
	if (out->token_file && !out->token) {
		char e2[512];
		rc = kube_exec_token_file_refresh(out, true, home, e2, sizeof(e2));
		if (rc < 0)
			return kube_io_fail(err, errlen, rc, _("%s: user '%s': %s"), udisp, un, e2);
	}
	return 0;
}

/* client-go's inClusterClientConfig.Possible(). */
static bool in_cluster_possible(const struct kube_config_opts *o)
{
	struct stat st;
	if (!o->service_host || !*o->service_host || !o->service_port || !*o->service_port ||
	    !o->sa_dir)
		return false;
	char *tok = kube_io_str_concat(o->sa_dir, "/", "token");
	if (!tok)
		return false;
	bool ok = stat(tok, &st) == 0 && !S_ISDIR(st.st_mode);
	free(tok);
	return ok;
}

/* rest.InClusterConfig(): https://host:port, the token file, ca.crt when it can be read. */
static int fill_in_cluster(const struct kube_config_opts *o, struct kube_credentials *out,
			   char *err, size_t errlen)
{
	const char *h = o->service_host;
	bool v6 = strchr(h, ':') && h[0] != '[';
	char *ca = NULL, *nsf = NULL;
	size_t sl = strlen("https://[]:") + strlen(h) + strlen(o->service_port) + 1;
	out->in_cluster = true;
	if (!(out->server = malloc(sl)) ||
	    !set_str(&out->source, _("in-cluster service account")) ||
	    !(out->token_file = kube_io_str_concat(o->sa_dir, "/", "token")) ||
	    !(ca = kube_io_str_concat(o->sa_dir, "/", "ca.crt")) ||
	    !(nsf = kube_io_str_concat(o->sa_dir, "/", "namespace")) || !kube_exec_cache(out)) {
		free(ca);
		free(nsf);
		return kube_io_oom(err, errlen);
	}
	snprintf(out->server, sl, v6 ? "https://[%s]:%s" : "https://%s:%s", h, o->service_port);
	/* client-go logs an unreadable ca.crt and goes on with the system roots */
	if (kube_io_check_readable(ca) == 0) {
		out->ca_file = ca;
		ca = NULL;
	}
	free(ca);

	const char *ns = o->pod_namespace && *o->pod_namespace ? o->pod_namespace : NULL;
	char *buf = NULL;
	size_t len = 0;
	if (!ns && kube_io_read_file(nsf, NAMESPACE_FILE_MAX, &buf, &len) == 0) {
		kube_io_trim(buf, &len);
		if (len)
			ns = buf;
	}
	free(nsf);
	bool ok = set_str(&out->namespace_, ns ? ns : "default");
	free(buf);
	if (!ok)
		return kube_io_oom(err, errlen);
	return kube_exec_token_file_refresh(out, true, o->home, err, errlen);
}

/* $KUBECONFIG: colon-separated; empty entries and repeats ignored, missing files skipped. */
static int add_env_files(const struct kube_config_opts *o, struct kc_set *set, char **source,
			 char *tried, size_t tried_len, char *err, size_t errlen)
{
	char dbuf[PATH_MAX + 2];
	bool missing;
	int rc = 0;
	char *list = strdup(o->env_kubeconfig), *save = NULL;
	size_t srclen = 0, n_seen = 0;
	char **seen = list ? calloc(strlen(list) / 2 + 2, sizeof(char *)) : NULL;
	FILE *src = seen ? open_memstream(source, &srclen) : NULL;
	if (!src)
		rc = kube_io_oom(err, errlen);
	for (char *p = src ? strtok_r(list, ":", &save) : NULL; p && rc == 0;
	     p = strtok_r(NULL, ":", &save)) {
		bool dup = false;
		for (size_t i = 0; i < n_seen && !dup; i++)
			dup = strcmp(seen[i], p) == 0;
		if (dup)
			continue;
		seen[n_seen++] = p;
		rc = kc_set_add(set, p, o->home, &missing, err, errlen);
		if (rc == 0 && !missing)
			fprintf(src, "%s%s", set->n > 1 ? ", " : "", p);
		if (rc == 0 && missing)
			snprintf(tried + strlen(tried), tried_len - strlen(tried), "%s%s",
				 tried[0] ? ", " : "",
				 kube_io_disp(o->home, p, dbuf, sizeof(dbuf)));
	}
	if (src) {
		/* a write that could not grow the buffer leaves only the error flag */
		bool bad = ferror(src) != 0;
		if ((fclose(src) != 0 || bad || !*source) && rc == 0)
			rc = kube_io_oom(err, errlen);
	}
	if (rc == 0 && set->n > 1) {
		char *s = kube_io_str_concat("KUBECONFIG: ", *source, "");
		free(*source);
		*source = s;
		if (!*source)
			rc = kube_io_oom(err, errlen);
	}
	free(seen);
	free(list);
	return rc;
}

/*
 * The kubeconfig files kubectl reads: --kubeconfig alone, else $KUBECONFIG, else
 * ~/.kube/config. Fills *set, *source (the names for messages, or NULL) and, with the files
 * that do not exist, tried.
 */
static int add_kubeconfig_files(const struct kube_config_opts *o, struct kc_set *set, char **source,
				char *tried, size_t tried_len, char *err, size_t errlen)
{
	char dbuf[PATH_MAX + 2];
	bool missing;
	int rc = 0;
	if (o->kubeconfig && *o->kubeconfig) {
		rc = kc_set_add(set, o->kubeconfig, o->home, &missing, err, errlen);
		if (rc == 0 && missing)
			rc = kube_io_fail(err, errlen, -ENOENT, _("--kubeconfig %s: %s"),
					  kube_io_disp(o->home, o->kubeconfig, dbuf, sizeof(dbuf)),
					  strerror(ENOENT));
		if (rc == 0 && !(*source = strdup(o->kubeconfig)))
			rc = kube_io_oom(err, errlen);
	} else if (o->env_kubeconfig && *o->env_kubeconfig) {
		rc = add_env_files(o, set, source, tried, tried_len, err, errlen);
	} else if (o->home && *o->home) {
		char *p = kube_io_str_concat(o->home, "/", ".kube/config");
		if (!p)
			rc = kube_io_oom(err, errlen);
		else
			rc = kc_set_add(set, p, o->home, &missing, err, errlen);
		if (rc == 0 && missing)
			snprintf(tried, tried_len, "%s",
				 kube_io_disp(o->home, p, dbuf, sizeof(dbuf)));
		*source = p;
	}
	return rc;
}

/*
 * Not kubectl: on a kubeadm control-plane node root has admin.conf and no ~/.kube. Adds it to
 * the empty *set when readable (*source set), else says in tried why not.
 */
static int add_admin_conf(const struct kube_config_opts *o, struct kc_set *set, char **source,
			  char *tried, size_t tried_len, char *err, size_t errlen)
{
	bool missing;
	if (!o->admin_conf || !*o->admin_conf)
		return 0;
	int r = kube_io_check_readable(o->admin_conf);
	if (r == 0) {
		int rc = kc_set_add(set, o->admin_conf, o->home, &missing, err, errlen);
		if (rc < 0)
			return rc;
		if (!(*source = strdup(o->admin_conf)))
			return kube_io_oom(err, errlen);
	} else {
		size_t tl = strlen(tried);
		if (r == -ENOENT)
			snprintf(tried + tl, tried_len - tl, "%s%s", tl ? ", " : "", o->admin_conf);
		else
			snprintf(tried + tl, tried_len - tl, "%s%s (%s)", tl ? ", " : "",
				 o->admin_conf, strerror(-r));
	}
	return 0;
}

int kube_config_load(const struct kube_config_opts *o, struct kube_credentials *out, char *err,
		     size_t errlen)
{
	struct kc_set set = {0};
	char tried[1024] = "";
	char dbuf[PATH_MAX + 2];
	char *source = NULL;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	if (err && errlen)
		err[0] = '\0';
	out->exec_timeout_ms =
	    o->exec_timeout_ms > 0 ? o->exec_timeout_ms : KUBE_EXEC_TIMEOUT_MS_DEFAULT;

	rc = add_kubeconfig_files(o, &set, &source, tried, sizeof(tried), err, errlen);
	if (rc < 0)
		goto out;
	if (set.n == 0) {
		free(source);
		source = NULL;
		rc = add_admin_conf(o, &set, &source, tried, sizeof(tried), err, errlen);
		if (rc < 0)
			goto out;
	}
	if (set.n == 0) {
		if (in_cluster_possible(o))
			rc = fill_in_cluster(o, out, err, errlen);
		else
			rc = kube_io_fail(
			    err, errlen, -ENOENT,
			    _("no Kubernetes configuration: no kubeconfig (tried %s) and not in "
			      "a pod (KUBERNETES_SERVICE_HOST or the service account token is "
			      "missing)"),
			    tried[0] ? tried : _("nothing"));
		goto out;
	}

	/* client-go: files that select no context count as no configuration at all */
	bool any_ctx = o->context && *o->context;
	for (size_t i = 0; i < set.n && !any_ctx; i++)
		any_ctx = set.files[i].current_context != NULL;
	if (!any_ctx && in_cluster_possible(o)) {
		rc = fill_in_cluster(o, out, err, errlen);
		goto out;
	}
	const char *sdisp = source;
	if (set.n == 1)
		sdisp = kube_io_disp(o->home, source, dbuf, sizeof(dbuf));
	rc = fill_from_kubeconfig(o, &set, sdisp, out, err, errlen);
	if (rc == 0 && !set_str(&out->source, source))
		rc = kube_io_oom(err, errlen);
out:
	free(source);
	kc_set_free(&set);
	if (rc < 0)
		kube_credentials_free(out);
	return rc;
}

void kube_credentials_free(struct kube_credentials *c)
{
	if (!c)
		return;
	mem_free_all(c->source, c->context, c->cluster, c->user, c->namespace_, c->server,
		     c->ca_file, c->ca_data, c->tls_server_name, c->proxy_url, c->cert_file,
		     c->cert_data, c->key_file, c->token_file, c->username, c->exec_command,
		     c->exec_api_version, c->exec_interactive_mode);
	/* SECRET fields: wiped before they are freed. */
	kube_io_wipe_free(c->key_data, c->key_len);
	kube_io_wipe_free_str(c->token);
	kube_io_wipe_free_str(c->password);
	kube_io_free_strv(c->exec_args, c->n_exec_args, true);
	kube_io_free_strv(c->exec_env, c->n_exec_env, true);
	kube_exec_cache_free(c->cache_);
	memset(c, 0, sizeof(*c));
}

int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
