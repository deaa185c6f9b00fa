/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libcurl multi transport for the Kubernetes API: TLS as the kubeconfig says, streams, 401 retry. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "array.h"
#include "kube_config.h"
#include "curl_dl.h"
#include "kube_http.h"
#include "mem.h"
#include "nls.h"

struct kube_req {
	struct kube_req *next, *prev;
	struct kube_http *h;
	CURL *easy;
	struct curl_slist *headers;
	struct kube_request_opts o;
	char *method, *path, *content_type, *body; /* owned copies */
	char *buf;
	size_t len, cap;
	bool too_big, cancelled, stopped, retried_auth, got_header;
	unsigned token_generation; /* of the credential it was sent with */
	char abort_msg[96]; /* why on_progress gave up (curl's own text says only "aborted") */
	char errbuf[CURL_ERROR_SIZE];
};

struct kube_http {
	CURLM *multi;
	struct kube_credentials *cred;
	struct kube_req *reqs;
	char *base;                  /* scheme://host:port as requests are addressed */
	struct curl_slist *connect_to; /* tls-server-name: address one name, connect to another */
};

/* Splits "https://host:port/prefix" into scheme, host and port (default 443). */
static int split_server(const char *server, char *scheme, size_t sl, char *host, size_t hl,
			long *port, const char **rest)
{
	const char *p = strstr(server, "://");
	if (!p || (size_t)(p - server) >= sl)
		return -EINVAL;
	memcpy(scheme, server, (size_t)(p - server));
	scheme[p - server] = '\0';
	p += 3;
	const char *end;
	if (*p == '[') {
		end = strchr(p, ']');
		if (!end)
			return -EINVAL;
		end++;
	} else {
		end = p + strcspn(p, ":/");
	}
	if ((size_t)(end - p) >= hl || end == p)
		return -EINVAL;
	memcpy(host, p, (size_t)(end - p));
	host[end - p] = '\0';
	*port = strcmp(scheme, "http") == 0 ? 80 : 443;
	if (*end == ':') {
		char *e;
		*port = strtol(end + 1, &e, 10);
		end = e;
	}
	*rest = end;
	return 0;
}

struct kube_http *kube_http_new(struct kube_credentials *cred, char *err, size_t errlen)
{
	if (curl_dl_load(err, errlen) != 0)
		return NULL;
	struct kube_http *h = calloc(1, sizeof(*h));
	if (!h) {
		snprintf(err, errlen, "%s", strerror(ENOMEM));
		return NULL;
	}
	h->cred = cred;
	h->multi = curl_multi_init();
	if (!h->multi)
		goto nomem;
	curl_multi_setopt(h->multi, CURLMOPT_PIPELINING, CURLPIPE_MULTIPLEX);

	char scheme[16], host[256], buf[600];
	long port;
	const char *rest;
	if (!cred->server || split_server(cred->server, scheme, sizeof(scheme), host,
					  sizeof(host), &port, &rest) != 0) {
		snprintf(err, errlen, "the server address '%s' is not a URL",
			 cred->server ? cred->server : "");
		kube_http_free(h);
		return NULL;
	}
	/* Drop a trailing slash so paths can be appended as they are. */
	size_t rl = strlen(rest);
	while (rl > 0 && rest[rl - 1] == '/')
		rl--;
	if (cred->tls_server_name && cred->tls_server_name[0]) {
		/* Verify (and send SNI for) tls-server-name while connecting to the real host. */
		snprintf(buf, sizeof(buf), "%s:%ld:%s:%ld", cred->tls_server_name, port, host, port);
		h->connect_to = curl_slist_append(NULL, buf);
		snprintf(buf, sizeof(buf), "%s://%s:%ld%.*s", scheme, cred->tls_server_name, port,
			 (int)rl, rest);
	} else {
		snprintf(buf, sizeof(buf), "%s://%s:%ld%.*s", scheme, host, port, (int)rl, rest);
	}
	h->base = strdup(buf);
	if (!h->base)
		goto nomem;
	return h;
nomem:
	snprintf(err, errlen, "%s", strerror(ENOMEM));
	kube_http_free(h);
	return NULL;
}

static void req_unlink(struct kube_http *h, struct kube_req *r)
{
	if (r->prev)
		r->prev->next = r->next;
	else
		h->reqs = r->next;
	if (r->next)
		r->next->prev = r->prev;
}

static void req_free(struct kube_req *r)
{
	if (r->easy)
		curl_easy_cleanup(r->easy);
	curl_slist_free_all(r->headers);
	/* A body may carry a secret (the agent's TokenReview): wiped before it is freed. */
	if (r->body)
		explicit_bzero(r->body, strlen(r->body));
	mem_free_all(r->method, r->path, r->content_type, r->body, r->buf, r);
}

void kube_http_free(struct kube_http *h)
{
	if (!h)
		return;
	while (h->reqs) {
		struct kube_req *r = h->reqs;
		req_unlink(h, r);
		curl_multi_remove_handle(h->multi, r->easy);
		if (r->o.on_drop)
			r->o.on_drop(r->o.arg);
		req_free(r);
	}
	if (h->multi)
		curl_multi_cleanup(h->multi);
	curl_slist_free_all(h->connect_to);
	free(h->base);
	free(h);
}

/* The largest body this request keeps. */
static size_t max_body(const struct kube_req *r)
{
	return r->o.max_body ? r->o.max_body : KUBE_HTTP_MAX_BODY;
}

static bool append(struct kube_req *r, const char *data, size_t n)
{
	return array_append_text(&r->buf, &r->len, &r->cap, data, n, 16384) == 0;
}

static size_t on_write(char *data, size_t size, size_t nmemb, void *arg)
{
	struct kube_req *r = arg;
	size_t n = size * nmemb;
	if (r->cancelled || r->stopped)
		return 0;
	if (!r->o.on_line) {
		if (r->len + n > max_body(r)) {
			r->too_big = true;
			return 0;
		}
		return append(r, data, n) ? n : 0;
	}
	/* Streams: hand over complete lines, keep the unfinished tail. */
	long status = 0;
	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
	if (!append(r, data, n))
		return 0;
	if (status != 200)
		return r->len > 1u << 20 ? 0 : n; /* an error body: kept for on_done */
	size_t start = 0;
	for (size_t i = 0; i < r->len; i++) {
		if (r->buf[i] != '\n')
			continue;
		if (i > start && !r->o.on_line(r->buf + start, i - start, r->o.arg)) {
			r->stopped = true;
			return 0;
		}
		start = i + 1;
	}
	memmove(r->buf, r->buf + start, r->len - start);
	r->len -= start;
	r->buf[r->len] = '\0';
	/* One watch event is one line; a line this long is not an event we can use. */
	if (r->len > KUBE_HTTP_MAX_BODY) {
		r->too_big = true;
		return 0;
	}
	return n;
}

/*
 * A server that accepts a request and never answers: idle timeouts are long for watches
 * (bookmarks come about once a minute), but a real API server sends the headers at once.
 */
static int on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
		       curl_off_t ulnow)
{
	struct kube_req *r = arg;
	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	if (r->got_header)
		return 0;
	curl_off_t elapsed = 0;
	curl_easy_getinfo(r->easy, CURLINFO_TOTAL_TIME_T, &elapsed);
	long limit = r->o.header_ms > 0 ? r->o.header_ms : 15000;
	if (elapsed / 1000 > limit) {
		snprintf(r->abort_msg, sizeof(r->abort_msg),
			 "no response from the API server in %ld s", limit / 1000);
		return 1;
	}
	return 0;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *arg)
{
	struct kube_req *r = arg;
	size_t n = size * nmemb;
	r->got_header = true;
	return n;
}

/* A client certificate or key: PEM from memory when there is some, else the file, else none. */
static void set_pem(CURL *e, unsigned char *data, size_t len, const char *file,
		    CURLoption blob_opt, CURLoption type_opt, CURLoption file_opt)
{
	if (data && len) {
		struct curl_blob b = {.data = data, .len = len, .flags = CURL_BLOB_COPY};
		curl_easy_setopt(e, blob_opt, &b);
		curl_easy_setopt(e, type_opt, "PEM");
	} else if (file) {
		curl_easy_setopt(e, file_opt, file);
	}
}

/* The API server: its address (tls-server-name), proxy and certificate as the kubeconfig says. */
static void setup_server_tls(struct kube_http *h, CURL *e)
{
	const struct kube_credentials *c = h->cred;
	if (h->connect_to)
		curl_easy_setopt(e, CURLOPT_CONNECT_TO, h->connect_to);
	/* Without proxy-url, curl follows https_proxy / no_proxy, as client-go does. */
	if (c->proxy_url && c->proxy_url[0])
		curl_easy_setopt(e, CURLOPT_PROXY, c->proxy_url);
	if (c->insecure) {
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
	} else if (c->ca_data && c->ca_len) {
		struct curl_blob b = {.data = c->ca_data, .len = c->ca_len, .flags = CURL_BLOB_COPY};
		curl_easy_setopt(e, CURLOPT_CAINFO_BLOB, &b);
	} else if (c->ca_file) {
		curl_easy_setopt(e, CURLOPT_CAINFO, c->ca_file);
	}
}

/* "Authorization: Bearer ..." and, when asked, the same token in o.token_header. */
static int add_token_headers(struct kube_req *r, const char *token)
{
	const char *names[2] = {"Authorization", r->o.token_header};
	for (int i = 0; i < 2 && names[i]; i++) {
		/* Built in place and handed to curl; never logged or kept elsewhere. */
		size_t tl = strlen(token) + strlen(names[i]) + 16;
		char *auth = malloc(tl);
		if (!auth)
			return -ENOMEM;
		snprintf(auth, tl, "%s: Bearer %s", names[i], token);
		r->headers = curl_slist_append(r->headers, auth);
		explicit_bzero(auth, tl);
		free(auth);
	}
	return 0;
}

static int setup_easy(struct kube_http *h, struct kube_req *r, bool force_token, char *err,
		      size_t errlen)
{
	struct kube_credentials *c = h->cred;
	char url[4096], hdr[256];
	const char *token = NULL;

	if (kube_credentials_token(c, force_token, &token, err, errlen) != 0)
		return -EACCES;
	r->token_generation = c->token_generation;
	r->easy = curl_easy_init();
	if (!r->easy)
		return -ENOMEM;
	CURL *e = r->easy;
	/* An agent's absolute URL (o.url, kept in path), else the API server's. */
	snprintf(url, sizeof(url), "%s%s", r->o.url ? "" : h->base, r->path);
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, r);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "ipvstop/" PACKAGE_VERSION);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, r->o.connect_ms > 0 ? r->o.connect_ms : 5000L);
	long idle = r->o.idle_ms > 0 ? r->o.idle_ms : 30000;
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, (idle + 999) / 1000);
	if (r->o.timeout_ms > 0)
		curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, r->o.timeout_ms);
	/* A Content-Length over the bound is refused before a byte of the body is read. */
	if (!r->o.on_line)
		curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)max_body(r));

	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_write);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
	r->got_header = false;
	curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(e, CURLOPT_XFERINFODATA, r);
	curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "https,http");
	if (r->o.url) {
		/* An agent on a node: reached directly, verified as o.tls says. */
		curl_easy_setopt(e, CURLOPT_NOPROXY, "*");
		if (r->o.tls && r->o.tls->ca_file) {
			curl_easy_setopt(e, CURLOPT_CAINFO, r->o.tls->ca_file);
		} else {
			curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
			curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
		}
	} else {
		setup_server_tls(h, e);
	}
	set_pem(e, c->cert_data, c->cert_len, c->cert_file, CURLOPT_SSLCERT_BLOB,
		CURLOPT_SSLCERTTYPE, CURLOPT_SSLCERT);
	set_pem(e, c->key_data, c->key_len, c->key_file, CURLOPT_SSLKEY_BLOB, CURLOPT_SSLKEYTYPE,
		CURLOPT_SSLKEY);

	r->headers = curl_slist_append(NULL, "Accept: application/json");
	if (token && token[0]) {
		if (add_token_headers(r, token) != 0)
			return -ENOMEM;
	} else if (c->username && c->password) {
		curl_easy_setopt(e, CURLOPT_USERNAME, c->username);
		curl_easy_setopt(e, CURLOPT_PASSWORD, c->password);
	}
	if (r->method && strcmp(r->method, "GET") != 0)
		curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r->method);
	if (r->body) {
		snprintf(hdr, sizeof(hdr), "Content-Type: %s",
			 r->content_type ? r->content_type : "application/json");
		r->headers = curl_slist_append(r->headers, hdr);
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->body);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)strlen(r->body));
	}
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->headers);
	return 0;
}

/* Whether the request got past connecting (TCP, and TLS for https). */
static bool connected(struct kube_req *r)
{
	curl_off_t tcp = 0, tls = 0;
	const char *scheme = NULL;
	if (!r->easy)
		return false;
	curl_easy_getinfo(r->easy, CURLINFO_CONNECT_TIME_T, &tcp);
	curl_easy_getinfo(r->easy, CURLINFO_APPCONNECT_TIME_T, &tls);
	curl_easy_getinfo(r->easy, CURLINFO_SCHEME, &scheme);
	if (scheme && strcasecmp(scheme, "http") == 0)
		return tcp > 0;
	return tls > 0;
}

static void finish(struct kube_http *h, struct kube_req *r, long status, const char *error)
{
	/*
	 * Retry-After as curl read it: seconds or an HTTP date, from now; 0 when absent, garbled,
	 * negative or past (the caller's own backoff applies). Bounded: a server asking for an
	 * hour does not get it.
	 */
	curl_off_t ra = 0;
	if (!r->easy || curl_easy_getinfo(r->easy, CURLINFO_RETRY_AFTER, &ra) != CURLE_OK || ra < 0)
		ra = 0;
	struct kube_reply rep = {
		.status = status,
		.body = r->buf ? r->buf : "",
		.len = r->len,
		.error = error,
		.retry_after = (double)ra < KUBE_HTTP_MAX_RETRY_AFTER ? (double)ra
								 : KUBE_HTTP_MAX_RETRY_AFTER,
	};
	rep.too_big = r->too_big;
	rep.connected = connected(r);
	req_unlink(h, r);
	if (r->easy)
		curl_multi_remove_handle(h->multi, r->easy);
	if (r->o.on_done)
		r->o.on_done(&rep, r->o.arg);
	req_free(r);
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

struct kube_req *kube_http_start(struct kube_http *h, const struct kube_request_opts *o)
{
	struct kube_req *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->h = h;
	r->o = *o;
	r->method = dup_or_null(o->method ? o->method : "GET");
	r->path = dup_or_null(o->url ? o->url : o->path);
	r->content_type = dup_or_null(o->content_type);
	r->body = dup_or_null(o->body);
	if (!r->method || !r->path || (o->content_type && !r->content_type) ||
	    (o->body && !r->body)) {
		req_free(r);
		return NULL;
	}
	r->next = h->reqs;
	if (h->reqs)
		h->reqs->prev = r;
	h->reqs = r;

	char err[256];
	int rc = setup_easy(h, r, false, err, sizeof(err));
	if (rc == 0 && curl_multi_add_handle(h->multi, r->easy) == CURLM_OK)
		return r;
	/* Report through on_done, like every other failure, on the next run. */
	snprintf(r->errbuf, sizeof(r->errbuf), "%s", rc == -EACCES ? err : strerror(ENOMEM));
	if (r->easy) {
		curl_easy_cleanup(r->easy);
		r->easy = NULL;
	}
	r->stopped = true;
	return r;
}

void kube_http_cancel(struct kube_http *h, struct kube_req *r)
{
	for (struct kube_req *p = h->reqs; p; p = p->next)
		if (p == r) {
			r->cancelled = true;
			return;
		}
}

void kube_http_wakeup(struct kube_http *h)
{
	curl_multi_wakeup(h->multi);
}

static void handle_done(struct kube_http *h, struct kube_req *r, CURLcode res)
{
	long status = 0;
	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
	if (r->cancelled) {
		finish(h, r, 0, "cancelled");
		return;
	}
	/* An agent's 401 is its answer (cluster.c): no refresh of the credential for it. */
	if (status == 401 && !r->retried_auth && !r->o.url) {
		/*
		 * A rotated token or an expired exec credential: fetch anew, try once more. Only
		 * the first 401 for a credential refreshes it (runs the exec plugin again):
		 * requests that were in flight with it take the one it got.
		 */
		char err[256];
		bool force = r->token_generation == h->cred->token_generation;
		r->retried_auth = true;
		curl_multi_remove_handle(h->multi, r->easy);
		curl_easy_cleanup(r->easy);
		curl_slist_free_all(r->headers);
		r->easy = NULL;
		r->headers = NULL;
		r->len = 0;
		if (setup_easy(h, r, force, err, sizeof(err)) == 0 &&
		    curl_multi_add_handle(h->multi, r->easy) == CURLM_OK)
			return;
		finish(h, r, 401, err);
		return;
	}
	if (r->too_big || res == CURLE_FILESIZE_EXCEEDED) {
		char msg[96];
		if (max_body(r) >= 1u << 20)
			snprintf(msg, sizeof(msg), _("the reply is larger than %zu MiB: not read"),
				 max_body(r) >> 20);
		else
			snprintf(msg, sizeof(msg), _("the reply is larger than %zu KiB: not read"),
				 max_body(r) >> 10);
		r->too_big = true;
		/* What came of it is not parsed: given back now, not handed on. */
		free(r->buf);
		r->buf = NULL;
		r->len = r->cap = 0;
		finish(h, r, status, msg);
		return;
	}
	if (res == CURLE_ABORTED_BY_CALLBACK && r->abort_msg[0]) {
		finish(h, r, 0, r->abort_msg);
		return;
	}
	if (res != CURLE_OK && !(r->stopped && res == CURLE_WRITE_ERROR)) {
		finish(h, r, res == CURLE_WRITE_ERROR ? status : 0,
		       r->errbuf[0] ? r->errbuf : curl_easy_strerror(res));
		return;
	}
	finish(h, r, status, NULL);
}

int kube_http_run(struct kube_http *h, int timeout_ms)
{
	int running = 0;
	/* Requests that failed before they started, and cancels, end here. */
	for (struct kube_req *r = h->reqs, *next; r; r = next) {
		next = r->next;
		if (!r->easy) {
			finish(h, r, 0, r->errbuf);
		} else if (r->cancelled) {
			finish(h, r, 0, "cancelled");
		}
	}
	curl_multi_poll(h->multi, NULL, 0, timeout_ms, NULL);
	curl_multi_perform(h->multi, &running);
	CURLMsg *m;
	int left;
	while ((m = curl_multi_info_read(h->multi, &left))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		struct kube_req *r = NULL;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&r);
		if (r)
			handle_done(h, r, m->data.result);
	}
	int n = 0;
	for (struct kube_req *r = h->reqs; r; r = r->next)
		n++;
	return n;
}
