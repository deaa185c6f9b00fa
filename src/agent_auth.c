/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The agent's RBAC check: TokenReview, then SubjectAccessReview, cached (agent_auth.h). */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "agent_auth.h"
#include "agent_dl.h"
#include "agent_tls.h"
#include "kube_http.h"
#include "nls.h"

struct auth_entry {
	unsigned char key[32]; /* SHA-256 of the token */
	int64_t expires_ms;    /* 0: a free slot */
	int status;
	char user[128];
	char why[192];
};

struct agent_auth {
	pthread_mutex_t cache_lock; /* the cache */
	pthread_mutex_t call_lock;  /* the client: one review at a time */
	struct kube_credentials cred;
	struct kube_http *h;
	char node[256];
	/*
	 * The TokenReview's spec.audiences as JSON ("[\"ipvstop\",\"https://kubernetes...\"]"):
	 * the agent's own and the API server's, read from the agent's own token; NULL: none
	 * asked (the API server's default, its own audience).
	 */
	char *audiences;
	char *audience; /* --token-audience, or NULL */
	bool aud_asked; /* the API server's audiences were asked for (once) */
	struct auth_entry cache[AGENT_AUTH_CACHE];
	size_t next; /* the slot replaced next when none is free */
};

struct agent_auth *agent_auth_new(const struct kube_config_opts *o, const char *node,
				  const char *audience, char *err, size_t errlen)
{
	if (agent_dl_load(err, errlen) != 0)
		return NULL;
	struct agent_auth *a = calloc(1, sizeof(*a));
	if (!a) {
		snprintf(err, errlen, "%s", strerror(ENOMEM));
		return NULL;
	}
	if (kube_config_load(o, &a->cred, err, errlen) != 0) {
		free(a);
		return NULL;
	}
	a->h = kube_http_new(&a->cred, err, errlen);
	if (!a->h) {
		kube_credentials_free(&a->cred);
		free(a);
		return NULL;
	}
	snprintf(a->node, sizeof(a->node), "%s", node);
	if (audience && audience[0])
		a->audience = strdup(audience);
	pthread_mutex_init(&a->cache_lock, NULL);
	pthread_mutex_init(&a->call_lock, NULL);
	return a;
}

void agent_auth_free(struct agent_auth *a)
{
	if (!a)
		return;
	kube_http_free(a->h);
	kube_credentials_free(&a->cred);
	cJSON_free(a->audiences);
	free(a->audience);
	pthread_mutex_destroy(&a->cache_lock);
	pthread_mutex_destroy(&a->call_lock);
	free(a);
}

/* ---- one request, waited for ---- */

struct review_call {
	bool done;
	long status;
	char *body;
	char error[160];
};

static void on_done(const struct kube_reply *r, void *arg)
{
	struct review_call *c = arg;
	c->done = true;
	c->status = r->status;
	if (r->body && r->len)
		c->body = strndup(r->body, r->len);
	if (r->error)
		snprintf(c->error, sizeof(c->error), "%s", r->error);
}

/* POSTs body to path and waits for the answer. The body is wiped by the caller. */
static void post(struct agent_auth *a, const char *path, const char *body, struct review_call *c)
{
	struct kube_request_opts o = {
		.method = "POST",
		.path = path,
		.content_type = "application/json",
		.body = body,
		.timeout_ms = AGENT_AUTH_TIMEOUT_MS,
		.header_ms = AGENT_AUTH_TIMEOUT_MS,
		.idle_ms = AGENT_AUTH_TIMEOUT_MS,
		.on_done = on_done,
		.arg = c,
	};
	memset(c, 0, sizeof(*c));
	struct kube_req *r = kube_http_start(a->h, &o);
	if (!r) {
		snprintf(c->error, sizeof(c->error), "%s", strerror(ENOMEM));
		return;
	}
	int64_t deadline = now_ms() + AGENT_AUTH_TIMEOUT_MS + 1000;
	while (!c->done && now_ms() < deadline)
		kube_http_run(a->h, 100);
	if (c->done)
		return;
	/* c is the caller's stack: the request must end (cancelled) before it goes out of scope. */
	kube_http_cancel(a->h, r);
	while (!c->done)
		kube_http_run(a->h, 10);
	free(c->body);
	memset(c, 0, sizeof(*c));
	snprintf(c->error, sizeof(c->error), "%s", _("no answer in time"));
}

/* Why a review got no usable answer: "POST ...: HTTP 403" or the transport's error. */
static int review_failed(const struct review_call *c, const char *what, char *why, size_t len)
{
	if (c->status == 0)
		snprintf(why, len, _("the API server did not answer the %s: %s"), what,
			 c->error[0] ? c->error : _("no answer"));
	else
		snprintf(why, len, _("the API server refused the %s: HTTP %ld"), what, c->status);
	return 503;
}

/* ---- TokenReview and SubjectAccessReview ---- */

struct who {
	char user[128];
	char uid[128];
	cJSON *groups; /* owned: an array of strings, or NULL */
};

static void ask_audiences(struct agent_auth *a);

static int token_review(struct agent_auth *a, const char *token, struct who *w, char *why,
			size_t len)
{
	ask_audiences(a);
	/*
	 * Written by hand, not through cJSON, so that no copy of the token is left in freed
	 * memory: the token is a b64token (token_ok), nothing in it needs escaping.
	 */
	static const char fmt[] = "{\"apiVersion\":\"authentication.k8s.io/v1\","
				  "\"kind\":\"TokenReview\",\"spec\":{\"token\":\"%s\"%s%s}}";
	const char *aud = a->audiences ? a->audiences : "";
	size_t n = sizeof(fmt) + strlen(token) + strlen(aud) + 16;
	char *body = malloc(n);
	if (!body)
		return -ENOMEM;
	snprintf(body, n, fmt, token, aud[0] ? ",\"audiences\":" : "", aud);
	struct review_call c;
	post(a, "/apis/authentication.k8s.io/v1/tokenreviews", body, &c);
	explicit_bzero(body, n);
	free(body);
	if (c.status != 201 && c.status != 200) {
		int rc = review_failed(&c, "TokenReview", why, len);
		if (c.body)
			explicit_bzero(c.body, strlen(c.body));
		free(c.body);
		return rc;
	}
	cJSON *root = cJSON_Parse(c.body ? c.body : "");
	/* An answer may echo spec.token back: wiped, in the text and in the tree. */
	if (c.body) {
		explicit_bzero(c.body, strlen(c.body));
		free(c.body);
	}
	cJSON *echo = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetObjectItemCaseSensitive(root, "spec"), "token");
	if (cJSON_IsString(echo))
		explicit_bzero(echo->valuestring, strlen(echo->valuestring));
	cJSON *status = cJSON_GetObjectItemCaseSensitive(root, "status");
	cJSON *user = cJSON_GetObjectItemCaseSensitive(status, "user");
	cJSON *name = cJSON_GetObjectItemCaseSensitive(user, "username");
	int rc = 401;
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(status, "authenticated")) ||
	    !cJSON_IsString(name)) {
		cJSON *e = cJSON_GetObjectItemCaseSensitive(status, "error");
		snprintf(why, len, _("the token is not valid%s%s"), cJSON_IsString(e) ? ": " : "",
			 cJSON_IsString(e) ? e->valuestring : "");
	} else {
		rc = 200;
		snprintf(w->user, sizeof(w->user), "%s", name->valuestring);
		cJSON *uid = cJSON_GetObjectItemCaseSensitive(user, "uid");
		if (cJSON_IsString(uid))
			snprintf(w->uid, sizeof(w->uid), "%s", uid->valuestring);
		cJSON *groups = cJSON_GetObjectItemCaseSensitive(user, "groups");
		if (cJSON_IsArray(groups))
			w->groups = cJSON_DetachItemViaPointer(user, groups);
	}
	cJSON_Delete(root);
	return rc;
}

static int access_review(struct agent_auth *a, struct who *w, char *why, size_t len)
{
	cJSON *req = cJSON_CreateObject(), *spec = cJSON_CreateObject();
	cJSON *attrs = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "apiVersion", "authorization.k8s.io/v1");
	cJSON_AddStringToObject(req, "kind", "SubjectAccessReview");
	cJSON_AddItemToObject(req, "spec", spec);
	cJSON_AddStringToObject(spec, "user", w->user);
	if (w->uid[0])
		cJSON_AddStringToObject(spec, "uid", w->uid);
	if (w->groups) {
		cJSON_AddItemToObject(spec, "groups", w->groups);
		w->groups = NULL;
	}
	cJSON_AddItemToObject(spec, "resourceAttributes", attrs);
	cJSON_AddStringToObject(attrs, "verb", "get");
	cJSON_AddStringToObject(attrs, "group", "");
	cJSON_AddStringToObject(attrs, "resource", "nodes");
	cJSON_AddStringToObject(attrs, "subresource", "ipvstop");
	cJSON_AddStringToObject(attrs, "name", a->node);
	char *body = cJSON_PrintUnformatted(req);
	cJSON_Delete(req);
	if (!body)
		return -ENOMEM;
	struct review_call c;
	post(a, "/apis/authorization.k8s.io/v1/subjectaccessreviews", body, &c);
	cJSON_free(body);
	if (c.status != 201 && c.status != 200) {
		int rc = review_failed(&c, "SubjectAccessReview", why, len);
		free(c.body);
		return rc;
	}
	cJSON *root = cJSON_Parse(c.body ? c.body : "");
	free(c.body);
	cJSON *status = cJSON_GetObjectItemCaseSensitive(root, "status");
	int rc = 200;
	if (!cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(status, "allowed"))) {
		cJSON *reason = cJSON_GetObjectItemCaseSensitive(status, "reason");
		rc = 403;
		snprintf(why, len, _("%s may not get nodes/ipvstop of node %s%s%s"), w->user,
			 a->node, cJSON_IsString(reason) && reason->valuestring[0] ? ": " : "",
			 cJSON_IsString(reason) ? reason->valuestring : "");
	}
	cJSON_Delete(root);
	return rc;
}

/*
 * Readers' tokens may be made for the agents (kubectl create token --audience ipvstop), which
 * the API server refuses for anything else: the TokenReview then asks for that audience and
 * the API server's own. Its own are what a review of the agent's own token answers when it
 * asks for none (status.audiences). Asked once, at the first review; a credential without
 * a token (a client certificate) leaves the API server's default, and the log says so.
 */
static void ask_audiences(struct agent_auth *a)
{
	if (a->aud_asked || !a->audience)
		return;
	a->aud_asked = true;
	const char *own = NULL;
	char err[256];
	cJSON *got = NULL;
	if (kube_credentials_token(&a->cred, false, &own, err, sizeof(err)) == 0 && own && own[0]) {
		cJSON *req = cJSON_CreateObject(), *spec = cJSON_CreateObject();
		cJSON_AddStringToObject(req, "apiVersion", "authentication.k8s.io/v1");
		cJSON_AddStringToObject(req, "kind", "TokenReview");
		cJSON_AddItemToObject(req, "spec", spec);
		cJSON_AddStringToObject(spec, "token", own);
		char *body = cJSON_PrintUnformatted(req);
		cJSON *t = cJSON_GetObjectItemCaseSensitive(spec, "token");
		explicit_bzero(t->valuestring, strlen(t->valuestring));
		cJSON_Delete(req);
		struct review_call c;
		if (body) {
			post(a, "/apis/authentication.k8s.io/v1/tokenreviews", body, &c);
			explicit_bzero(body, strlen(body));
			cJSON_free(body);
			got = cJSON_Parse(c.body && c.status == 201 ? c.body : "");
			if (c.body)
				explicit_bzero(c.body, strlen(c.body));
			free(c.body);
		}
	}
	cJSON *auds = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(got, "status"), "audiences");
	cJSON *arr = cJSON_CreateArray(), *e;
	cJSON *list = cJSON_IsArray(auds) ? auds : NULL;
	cJSON_AddItemToArray(arr, cJSON_CreateString(a->audience));
	cJSON_ArrayForEach(e, list)
	{
		if (cJSON_IsString(e) && cJSON_GetArraySize(arr) < 8)
			cJSON_AddItemToArray(arr, cJSON_CreateString(e->valuestring));
	}
	if (cJSON_GetArraySize(arr) > 1)
		a->audiences = cJSON_PrintUnformatted(arr);
	else
		fprintf(
		    stderr,
		    _("%s: tokens for the audience %s are not taken: the agent's own credentials "
		      "hold no token whose review names the API server's audience\n"),
		    PACKAGE, a->audience);
	cJSON_Delete(arr);
	cJSON_Delete(got);
}

/* RFC 6750's b64token, and no longer than any token Kubernetes hands out (16 KiB). */
static bool token_ok(const char *t)
{
	size_t n = strspn(t, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/");
	n += strspn(t + n, "=");
	return n > 0 && t[n] == '\0' && n <= 16384;
}

/* ---- the cache ---- */

static struct auth_entry *cache_find(struct agent_auth *a, const unsigned char *key, int64_t now)
{
	for (size_t i = 0; i < AGENT_AUTH_CACHE; i++)
		if (a->cache[i].expires_ms > now && memcmp(a->cache[i].key, key, 32) == 0)
			return &a->cache[i];
	return NULL;
}

static void cache_put(struct agent_auth *a, const unsigned char *key, int status,
		      const char *user, const char *why, int64_t now)
{
	struct auth_entry *slot = NULL;
	for (size_t i = 0; i < AGENT_AUTH_CACHE && !slot; i++)
		if (a->cache[i].expires_ms <= now)
			slot = &a->cache[i];
	if (!slot) {
		slot = &a->cache[a->next];
		a->next = (a->next + 1) % AGENT_AUTH_CACHE;
	}
	memcpy(slot->key, key, 32);
	slot->status = status;
	slot->expires_ms = now + 1000 * (status == 200 ? AGENT_AUTH_ALLOW_TTL : AGENT_AUTH_DENY_TTL);
	snprintf(slot->user, sizeof(slot->user), "%s", user);
	snprintf(slot->why, sizeof(slot->why), "%s", why);
}

static bool cached(struct agent_auth *a, const unsigned char *key, char *why, size_t whylen,
		   char *user, size_t userlen, int *status)
{
	pthread_mutex_lock(&a->cache_lock);
	struct auth_entry *e = cache_find(a, key, now_ms());
	if (e) {
		*status = e->status;
		snprintf(why, whylen, "%s", e->why);
		snprintf(user, userlen, "%s", e->user);
	}
	pthread_mutex_unlock(&a->cache_lock);
	return e != NULL;
}

/*
 * Who the request is (a token's TokenReview, or a verified client certificate's names),
 * then whether that user may read (SubjectAccessReview), cached under key.
 */
static int decide(struct agent_auth *a, const unsigned char *key, const char *token,
		  const struct agent_cert_id *cert, char *why, size_t whylen, char *user,
		  size_t userlen)
{
	int status;
	if (cached(a, key, why, whylen, user, userlen, &status))
		return status;
	pthread_mutex_lock(&a->call_lock);
	/* Another request with the same credential may have asked while this one waited. */
	if (cached(a, key, why, whylen, user, userlen, &status)) {
		pthread_mutex_unlock(&a->call_lock);
		return status;
	}
	struct who w;
	memset(&w, 0, sizeof(w));
	if (token) {
		status = token_review(a, token, &w, why, whylen);
	} else {
		status = 200;
		snprintf(w.user, sizeof(w.user), "%s", cert->user);
		w.groups = cJSON_CreateArray();
		for (size_t i = 0; w.groups && i < cert->n_groups; i++)
			cJSON_AddItemToArray(w.groups, cJSON_CreateString(cert->groups[i]));
	}
	if (status == 200)
		status = access_review(a, &w, why, whylen);
	cJSON_Delete(w.groups);
	pthread_mutex_unlock(&a->call_lock);
	if (status < 0) {
		snprintf(why, whylen, "%s", strerror(-status));
		return 503;
	}
	snprintf(user, userlen, "%s", w.user);
	/* What the API server said is cached; that it did not answer is not. */
	if (status != 503) {
		pthread_mutex_lock(&a->cache_lock);
		cache_put(a, key, status, w.user, why, now_ms());
		pthread_mutex_unlock(&a->cache_lock);
	}
	return status;
}

int agent_auth_check(struct agent_auth *a, const char *token, char *why, size_t whylen, char *user,
		     size_t userlen)
{
	why[0] = user[0] = '\0';
	if (!token || !token[0]) {
		snprintf(why, whylen, "%s",
			 _("no bearer token and no client certificate of the cluster's CA"));
		return 401;
	}
	if (!token_ok(token)) {
		snprintf(why, whylen, "%s", _("the bearer token is malformed"));
		return 401;
	}
	unsigned char key[32];
	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, token, strlen(token), key) != 0) {
		snprintf(why, whylen, "%s", strerror(ENOMEM));
		return 503;
	}
	return decide(a, key, token, NULL, why, whylen, user, userlen);
}

int agent_auth_check_cert(struct agent_auth *a, const struct agent_cert_id *id, char *why,
			  size_t whylen, char *user, size_t userlen)
{
	why[0] = user[0] = '\0';
	if (!id->user[0]) {
		snprintf(why, whylen, "%s", _("the client certificate names no user (CN)"));
		return 401;
	}
	return decide(a, id->key, NULL, id, why, whylen, user, userlen);
}

char *agent_auth_ca(const struct agent_auth *a, char *err, size_t errlen)
{
	if (a->cred.ca_data && a->cred.ca_len)
		return strndup((const char *)a->cred.ca_data, a->cred.ca_len);
	if (!a->cred.ca_file) {
		snprintf(err, errlen, "%s", _("the credentials name no certificate authority"));
		return NULL;
	}
	char *pem;
	size_t len;
	return agent_tls_read_pem(a->cred.ca_file, &pem, &len, err, errlen) == 0 ? pem : NULL;
}
