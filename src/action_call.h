/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One Kubernetes request, waited for: the action thread's steps are sequential, each waits
 * for the last (see actions.c), so it drives its own kube_http client one request at a time.
 */
#ifndef IPVSTOP_ACTION_CALL_H
#define IPVSTOP_ACTION_CALL_H

#include <stdbool.h>
#include <stddef.h>

#include "kube_http.h"

struct call {
	bool done;
	long status; /* 0: no answer (err says why) */
	char *body;  /* owned, NUL-terminated */
	size_t len;
	char err[256];
};

/* Sends one request and waits for its end (20 s at most). Returns 0 or -ENOMEM. */
int call(struct kube_http *h, const char *method, const char *path, const char *ctype,
	 const char *body, struct call *c);
void call_free(struct call *c);
/*
 * GET of an agent (ipvstop --serve): the absolute url, verified with tls, or an API server
 * path (pods/proxy, the token also sent where the API server keeps it). 1 s to connect, 5 s
 * in all, at most a digest's size. Returns 0 or -ENOMEM.
 */
int call_agent(struct kube_http *h, const char *url, const char *path, const struct kube_tls *tls,
	       struct call *c);
/* "HTTP 409 Conflict: <message>" or "no answer: ..." from a failed call (translated). */
void call_error(const struct call *c, char *buf, size_t len);

#endif
