/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Non-blocking Kubernetes API requests over libcurl's multi interface, watch streams included. */
#ifndef IPVSTOP_KUBE_HTTP_H
#define IPVSTOP_KUBE_HTTP_H

#include <stdbool.h>
#include <stddef.h>

struct kube_credentials;
struct kube_http;
struct kube_req;

/* What a finished request left: HTTP status (0: no answer), body, a transport error. */
struct kube_reply {
	long status;        /* 200, 404, 410, ...; 0 when the request never got an answer */
	const char *body;   /* NUL-terminated; for a stream, what came after the last line */
	size_t len;
	const char *error;  /* transport error text ("Connection refused", "timed out"), or NULL */
	double retry_after; /* seconds from Retry-After (at most KUBE_HTTP_MAX_RETRY_AFTER), 0 if none */
	bool too_big;       /* the body passed max_body: cut off, not handed on (body is "") */
	bool connected;     /* a connection (TCP and TLS) was made: the failure came after it */
};

/* How a server other than the API server (an ipvstop agent) is verified. */
struct kube_tls {
	const char *ca_file; /* its certificate must chain to this CA; NULL: not verified */
};

/* A complete line of a streamed (watch) body. Return false to cancel the request. */
typedef bool (*kube_line_fn)(const char *line, size_t len, void *arg);
/* The request ended (success, HTTP error, cancel or transport failure). */
typedef void (*kube_done_fn)(const struct kube_reply *r, void *arg);

struct kube_request_opts {
	const char *method;       /* "GET" (NULL), "PUT", "PATCH", "POST" */
	const char *path;         /* "/api/v1/services?limit=500" */
	const char *content_type; /* for bodies */
	const char *body;
	long timeout_ms;          /* whole request; 0: none (watches) */
	long idle_ms;             /* abort when nothing arrives for this long; 0: 30 s */
	long header_ms;           /* abort when no response header came this long; 0: 15 s */
	kube_line_fn on_line;     /* non-NULL: stream, line by line, the body is not kept */
	kube_done_fn on_done;
	/*
	 * Called with arg, instead of on_done, when the client is freed while the request still
	 * runs: where arg was allocated for the request, this is where it is freed.
	 */
	void (*on_drop)(void *arg);
	void *arg;
	/*
	 * Another server than the API server (cluster.c's agents), with the kubeconfig's
	 * credentials: url is absolute (path is then ignored); tls (borrowed, must outlive the
	 * request) says how it is verified; no proxy is used (the nodes are reached directly).
	 */
	const char *url;
	const struct kube_tls *tls;
	/* Also send the bearer token in this header (pods/proxy strips Authorization). */
	const char *token_header;
	size_t max_body;  /* largest body kept; 0: KUBE_HTTP_MAX_BODY */
	long connect_ms;  /* connection with TLS; 0: 5 s */
};

/*
 * A client for one API server. cred is borrowed and must outlive the client; its token is
 * fetched (kube_credentials_token) per request, re-read once after a 401.
 * Returns NULL with a message in err (never containing a secret).
 */
struct kube_http *kube_http_new(struct kube_credentials *cred, char *err, size_t errlen);
void kube_http_free(struct kube_http *h);

/* Starts a request; on_done is always called once, from kube_http_run. NULL on ENOMEM. */
struct kube_req *kube_http_start(struct kube_http *h, const struct kube_request_opts *o);
/* Cancels a running request: on_done is called with status 0 and error "cancelled". */
void kube_http_cancel(struct kube_http *h, struct kube_req *r);

/*
 * Waits at most timeout_ms for network activity (or kube_http_wakeup), moves every
 * transfer on and calls the callbacks. Returns the number of running requests.
 */
int kube_http_run(struct kube_http *h, int timeout_ms);
/* Makes a kube_http_run in another thread return at once. */
void kube_http_wakeup(struct kube_http *h);

/* Largest body kept for a non-streamed request; larger replies fail with an error. */
#define KUBE_HTTP_MAX_BODY (64u << 20)
/* Retry-After is honoured up to this many seconds. */
#define KUBE_HTTP_MAX_RETRY_AFTER 60.0

#endif
