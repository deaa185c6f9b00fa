/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Who may read the agent: a bearer token checked with the API server, as the kubelet and
 * kube-rbac-proxy do. A TokenReview says who the token is; a SubjectAccessReview says whether
 * that user may "get" the subresource nodes/ipvstop of this node. Answers are cached
 * briefly, keyed by the token's SHA-256 (the token itself is never kept).
 */
#ifndef IPVSTOP_AGENT_AUTH_H
#define IPVSTOP_AGENT_AUTH_H

#include <stddef.h>

#include "kube_config.h"

struct agent_auth;

/* The answers cached: an allowed user this long, a refusal this long (seconds). */
#define AGENT_AUTH_ALLOW_TTL 60
#define AGENT_AUTH_DENY_TTL 10
#define AGENT_AUTH_CACHE 1024
/* One review may take this long before the request is answered 503. */
#define AGENT_AUTH_TIMEOUT_MS 5000

/*
 * Starts with the credentials of o (in a pod: its service account). audience: tokens made
 * for it are taken too (besides the API server's own, read from the agent's own token);
 * NULL: the API server's only. NULL: err says why.
 */
struct agent_auth *agent_auth_new(const struct kube_config_opts *o, const char *node,
				  const char *audience, char *err, size_t errlen);
void agent_auth_free(struct agent_auth *a);

/*
 * Decides for one request's token (NULL or "": none). Returns the HTTP status to answer
 * with: 200 allowed, 401 no or a bad token, 403 not allowed by RBAC, 503 the API server did
 * not answer. why gets the reason for anything but 200 (never the token); user gets the
 * user's name when known. Safe to call from many threads.
 */
int agent_auth_check(struct agent_auth *a, const char *token, char *why, size_t whylen,
		     char *user, size_t userlen);

/* A client certificate the agent's TLS verified against the cluster's CA (agent.c). */
#define AGENT_CERT_GROUPS 8
struct agent_cert_id {
	char user[128];			     /* its CN, as the API server reads it */
	char groups[AGENT_CERT_GROUPS][128]; /* its O values */
	size_t n_groups;
	unsigned char key[32]; /* SHA-256 over "x509:" and its DER */
};

/* As agent_auth_check, for a verified client certificate: SubjectAccessReview only. */
int agent_auth_check_cert(struct agent_auth *a, const struct agent_cert_id *id, char *why,
			  size_t whylen, char *user, size_t userlen);

/*
 * The PEM of the certificate authority of the agent's own credentials (in a pod: the
 * service account's ca.crt, the cluster's CA), to verify readers' client certificates as
 * the kubelet does with --client-ca-file. NULL with err when there is none. Caller frees.
 */
char *agent_auth_ca(const struct agent_auth *a, char *err, size_t errlen);

#endif
