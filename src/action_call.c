/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One Kubernetes request in the action's thread, waited for. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "action_call.h"
#include "digest.h"
#include "kube_parse.h"
#include "nls.h"

static void call_done(const struct kube_reply *r, void *arg)
{
	struct call *c = arg;
	c->done = true;
	c->status = r->status;
	c->body = malloc(r->len + 1);
	if (c->body) {
		memcpy(c->body, r->body, r->len);
		c->body[r->len] = '\0';
		c->len = r->len;
	}
	snprintf(c->err, sizeof(c->err), "%s", r->error ? r->error : "");
}

/* Starts the request o and waits for its end: the result in *c. */
static int wait_call(struct kube_http *h, struct kube_request_opts *o, struct call *c)
{
	memset(c, 0, sizeof(*c));
	o->on_done = call_done;
	o->arg = c;
	if (!kube_http_start(h, o))
		return -ENOMEM;
	while (!c->done)
		kube_http_run(h, 200);
	return 0;
}

int call(struct kube_http *h, const char *method, const char *path, const char *ctype,
	 const char *body, struct call *c)
{
	struct kube_request_opts o = {
		.method = method,
		.path = path,
		.content_type = ctype,
		.body = body,
		.timeout_ms = 20000,
	};
	return wait_call(h, &o, c);
}

int call_agent(struct kube_http *h, const char *url, const char *path, const struct kube_tls *tls,
	       struct call *c)
{
	struct kube_request_opts o = {
		.url = url,
		.path = path ? path : "/",
		.tls = tls,
		.token_header = url ? NULL : "X-Ipvstop-Authorization",
		.timeout_ms = 5000,
		.connect_ms = 1000,
		.max_body = DIGEST_MAX_BYTES,
	};
	return wait_call(h, &o, c);
}

void call_free(struct call *c)
{
	free(c->body);
	c->body = NULL;
}

void call_error(const struct call *c, char *buf, size_t len)
{
	struct kube_status st;
	if (c->status == 0)
		snprintf(buf, len, _("no answer: %s"), c->err);
	else if (c->body && kube_parse_status(c->body, c->len, &st) == 0)
		snprintf(buf, len, "HTTP %ld %s: %s", c->status, st.reason, st.message);
	else
		snprintf(buf, len, "HTTP %ld", c->status);
}
