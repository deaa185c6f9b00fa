/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Parses one kubeconfig file (libyaml) into plain structs, checking each field's type. */
#ifndef IPVSTOP_KC_FILE_H
#define IPVSTOP_KC_FILE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * One file's clusters, users and contexts as written, before merging: every pointer is owned
 * by the struct and released by kc_file_free(); paths are not resolved yet; *_data members
 * are decoded from base64. Members that may hold secrets are wiped when freed.
 */
struct kc_cluster {
	char *name;
	char *server, *ca, *tls_server_name, *proxy_url;
	unsigned char *ca_data;
	size_t ca_len;
	bool insecure, disable_compression;
};

struct kc_exec {
	bool present;
	char *command, *api_version, *interactive_mode;
	char **args;
	size_t n_args;
	char **env; /* "NAME=value": may be secret */
	size_t n_env;
	bool provide_cluster_info;
};

struct kc_user {
	char *name;
	char *cert, *key, *token, *token_file, *username, *password;
	unsigned char *cert_data, *key_data;
	size_t cert_len, key_len;
	char *auth_provider, *oidc_id_token;
	struct kc_exec exec;
};

struct kc_context {
	char *name;
	char *cluster, *user, *namespace_;
};

struct kc_file {
	char *path; /* as given */
	char *dir;  /* absolute directory, base of relative paths */
	char *current_context;
	struct kc_cluster *clusters;
	size_t n_clusters;
	struct kc_user *users;
	size_t n_users;
	struct kc_context *contexts;
	size_t n_contexts;
};

/*
 * Reads and parses the kubeconfig at path into *f (zeroed first; left empty on error); home
 * only shortens the path in messages. Returns 0, -ENOENT (silently: the caller decides whether
 * a missing file matters), or another negative errno with a message in err naming the file and
 * field, never a secret: -EINVAL (malformed YAML, wrong types, bad base64), -EFBIG, -ENOMEM.
 */
int kc_file_load(const char *path, const char *home, struct kc_file *f, char *err, size_t errlen);

/* Frees (wiping secrets) everything f holds; f is left zeroed. */
void kc_file_free(struct kc_file *f);

#endif
