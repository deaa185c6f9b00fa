/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Finds and loads Kubernetes API credentials the way kubectl (client-go's clientcmd) does. */
#ifndef IPVSTOP_KUBE_CONFIG_H
#define IPVSTOP_KUBE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kube_exec.h" /* kube_credentials_token() */

/*
 * Where to look. Every member may be NULL. The environment is passed in rather than read
 * here so that tests (and --kubeconfig/--context) are plain parameters.
 */
struct kube_config_opts {
	/* --kubeconfig: used alone; a missing file is an error */
	const char *kubeconfig;
	/* --context, or NULL for the merged current-context */
	const char *context;
	/* $KUBECONFIG: colon-separated files, merged; missing ones skipped */
	const char *env_kubeconfig;
	/* $HOME: ~/.kube/config is read when $KUBECONFIG is unset or empty */
	const char *home;
	/* "/etc/kubernetes/admin.conf": read when no kubeconfig file exists */
	const char *admin_conf;
	/* "/var/run/secrets/kubernetes.io/serviceaccount" */
	const char *sa_dir;
	/* $KUBERNETES_SERVICE_HOST and $KUBERNETES_SERVICE_PORT */
	const char *service_host, *service_port;
	/* $POD_NAMESPACE: the in-cluster namespace, before sa_dir/namespace */
	const char *pod_namespace;
	/* time limit of an exec credential plugin; <= 0 means 10 s */
	int exec_timeout_ms;
};

struct kube_token_cache; /* private to kube_exec.c */

/*
 * The credentials for one cluster. Every pointer is owned by the struct (NULL when unset) and
 * released by kube_credentials_free(). Paths are absolute when they came from a kubeconfig
 * (relative ones are resolved against the directory of the file that defined them).
 * Members marked SECRET must never be shown or logged.
 */
struct kube_credentials {
	/* human text: "/root/.kube/config", "KUBECONFIG: /a, /b", "in-cluster service account" */
	char *source;
	/* names for the header; NULL in-cluster */
	char *context, *cluster, *user;
	/* the context's namespace, or the in-cluster one, else "default" */
	char *namespace_;
	/* "https://10.0.0.1:6443"; a server without a scheme is plain http://, as in client-go */
	char *server;
	bool in_cluster;

	/* certificate-authority (or the service account's ca.crt) */
	char *ca_file;
	/* certificate-authority-data, decoded from base64: PEM */
	unsigned char *ca_data;
	size_t ca_len;
	/* insecure-skip-tls-verify */
	bool insecure;
	/* tls-server-name: SNI, and the name the server certificate must carry */
	char *tls_server_name;
	/* proxy-url: http://, https:// or socks5:// */
	char *proxy_url;
	/* disable-compression */
	bool disable_compression;

	/* client-certificate */
	char *cert_file;
	/* client-certificate-data (decoded), or from an exec plugin: PEM */
	unsigned char *cert_data;
	size_t cert_len;
	/* client-key */
	char *key_file;
	/* SECRET: client-key-data (decoded), or from an exec plugin: PEM */
	unsigned char *key_data;
	size_t key_len;
	/* bumped when an exec plugin replaces cert_data/key_data: reconnect with the new pair */
	unsigned cert_generation;
	/*
	 * bumped each time kube_credentials_token takes a new credential in (token file read,
	 * exec plugin run): a request rejected with 401 that was sent with an older generation
	 * retries with the current credential instead of forcing yet another refresh
	 */
	unsigned token_generation;

	/* SECRET: token, or an auth-provider oidc id-token (never refreshed) */
	char *token;
	/* tokenFile, or the service account token */
	char *token_file;
	/* basic auth (old configs); the password is SECRET */
	char *username, *password;

	/* exec credential plugin (client.authentication.k8s.io/v1 or v1beta1): */
	/* absolute when it contained a slash, else looked up in $PATH */
	char *exec_command;
	char **exec_args;
	size_t n_exec_args;
	/* "NAME=value", added to ipvstop's environment (may be SECRET) */
	char **exec_env;
	size_t n_exec_env;
	char *exec_api_version;
	/* "Never" or "IfAvailable"; "Always" is refused at load: the terminal is ipvstop's */
	char *exec_interactive_mode;
	bool exec_provide_cluster_info;
	int exec_timeout_ms;

	/* private: current token, token file identity, plugin expiry */
	struct kube_token_cache *cache_;
};

/*
 * Finds the credentials as kubectl does: opts->kubeconfig alone; else the files in
 * opts->env_kubeconfig merged (for each context, cluster and user name the first file that
 * defines it wins, whole; current-context comes from the first file that sets it); else
 * ~/.kube/config. When none of those files exists: opts->admin_conf if readable (a kubeadm
 * control-plane node), else the in-cluster service account when KUBERNETES_SERVICE_HOST/PORT
 * are set and sa_dir/token exists. The in-cluster account is also used, as client-go does, when
 * the kubeconfig files exist but select no context.
 *
 * Checks what the chosen context uses as kubectl does (referenced files readable, base64 valid,
 * no conflicting fields) and reads a tokenFile once. Fills *out (zeroed first; on error it is
 * left empty) and returns 0, or a negative errno with a one-line message in err naming the file
 * and field, never a secret: -ENOENT (no configuration, missing --kubeconfig file, context or
 * referenced file), -EINVAL (malformed YAML, invalid values, conflicting fields), -ENOMEM, or
 * the errno of a failed read. Never prints, never exits.
 */
int kube_config_load(const struct kube_config_opts *o, struct kube_credentials *out, char *err,
		     size_t errlen);

/* Wipes the secrets (explicit_bzero) and frees everything; c is left zeroed. NULL is fine. */
void kube_credentials_free(struct kube_credentials *c);

/*
 * CLOCK_MONOTONIC in milliseconds. kube_exec.c times its plugin with it; it stays here until
 * the clocks are unified.
 */
int64_t now_ms(void);

#endif
