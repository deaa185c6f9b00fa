/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A node's tables from its agent (remote.h). */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "json_read.h"
#include "kube_http.h"
#include "mailbox.h"
#include "nls.h"
#include "remote.h"

#define STOPPING(rm) __atomic_load_n(&(rm)->stop, __ATOMIC_ACQUIRE)

/* What one fetch left, for the mailbox. */
struct remote_msg {
	bool ok;
	struct snapshot s;
	char err[256];
};

struct remote {
	char *url, *proxy_path, *agent_ca;
	struct kube_config_opts config;
	double interval;
	pthread_t thread;
	bool stop; /* set once by remote_stop, read by the thread (atomically) */
	struct mailbox box;
	struct remote_msg slot;
};

static void drop_msg(void *value)
{
	struct remote_msg *m = value;
	if (m->ok)
		snapshot_free(&m->s);
}

struct fetch {
	bool done;
	struct remote_msg msg;
};

static void on_done(const struct kube_reply *r, void *arg)
{
	struct fetch *f = arg;
	f->done = true;
	if (r->status == 200 && r->body) {
		int rc = json_read_snapshot(r->body, &f->msg.s);
		f->msg.ok = rc == 0;
		if (rc != 0) {
			snapshot_free(&f->msg.s);
			snprintf(f->msg.err, sizeof(f->msg.err), "%s",
				 _("its agent's answer is not a schema 1 document"));
		}
	} else if (r->too_big) {
		snprintf(f->msg.err, sizeof(f->msg.err), _("its agent's answer is over %u MB"),
			 REMOTE_MAX_BODY >> 20);
	} else if (r->status) {
		snprintf(f->msg.err, sizeof(f->msg.err), _("its agent answered HTTP %ld"),
			 r->status);
	} else {
		snprintf(f->msg.err, sizeof(f->msg.err), _("its agent did not answer: %s"),
			 r->error ? r->error : _("no answer"));
	}
}

static void fetch_once(struct remote *rm, struct kube_http *h, const struct kube_tls *tls)
{
	struct fetch f = {.done = false};
	struct kube_request_opts o = {
	    .timeout_ms = REMOTE_TIMEOUT_MS,
	    .connect_ms = REMOTE_CONNECT_MS,
	    .max_body = REMOTE_MAX_BODY,
	    .on_done = on_done,
	    .arg = &f,
	};
	if (rm->url) {
		o.url = rm->url;
		o.tls = tls;
	} else {
		o.path = rm->proxy_path;
		/* The API server drops Authorization once it has authenticated the caller. */
		o.token_header = "X-Ipvstop-Authorization";
	}
	struct kube_req *req = kube_http_start(h, &o);
	while (req && !f.done && !STOPPING(rm))
		kube_http_run(h, 100);
	if (!f.done) {
		if (req)
			kube_http_cancel(h, req);
		while (req && !f.done)
			kube_http_run(h, 10);
		if (!req)
			snprintf(f.msg.err, sizeof(f.msg.err), "%s", strerror(ENOMEM));
	}
	if (STOPPING(rm)) {
		drop_msg(&f.msg);
		return;
	}
	mailbox_put(&rm->box, &f.msg);
}

static void *remote_main(void *arg)
{
	struct remote *rm = arg;
	struct kube_credentials cred;
	char err[256];
	struct kube_http *h = NULL;
	if (kube_config_load(&rm->config, &cred, err, sizeof(err)) == 0) {
		h = kube_http_new(&cred, err, sizeof(err));
		if (!h)
			kube_credentials_free(&cred);
	}
	if (!h) {
		struct remote_msg m = {.ok = false};
		snprintf(m.err, sizeof(m.err), "%s", err);
		mailbox_put(&rm->box, &m);
		return NULL;
	}
	struct kube_tls tls = {.ca_file = rm->agent_ca};
	while (!STOPPING(rm)) {
		double next = clock_mono() + rm->interval;
		fetch_once(rm, h, &tls);
		while (!STOPPING(rm) && clock_mono() < next) {
			struct timespec ts = {0, 50 * 1000 * 1000};
			nanosleep(&ts, NULL);
		}
	}
	kube_http_free(h);
	kube_credentials_free(&cred);
	return NULL;
}

static void remote_free(struct remote *rm)
{
	free(rm->url);
	free(rm->proxy_path);
	free(rm->agent_ca);
	free(rm);
}

struct remote *remote_start(const struct remote_opts *o)
{
	struct remote *rm = calloc(1, sizeof(*rm));
	if (!rm)
		return NULL;
	rm->config = o->config;
	rm->interval = o->interval > 0.5 ? o->interval : 0.5;
	rm->url = o->url ? strdup(o->url) : NULL;
	rm->proxy_path = o->proxy_path ? strdup(o->proxy_path) : NULL;
	rm->agent_ca = o->agent_ca ? strdup(o->agent_ca) : NULL;
	if ((o->url && !rm->url) || (o->proxy_path && !rm->proxy_path) ||
	    (o->agent_ca && !rm->agent_ca) || (!o->url && !o->proxy_path) ||
	    mailbox_init(&rm->box, &rm->slot, sizeof(rm->slot), drop_msg) != 0) {
		remote_free(rm);
		return NULL;
	}
	if (pthread_create(&rm->thread, NULL, remote_main, rm) != 0) {
		mailbox_destroy(&rm->box);
		remote_free(rm);
		return NULL;
	}
	return rm;
}

void remote_stop(struct remote *rm)
{
	if (!rm)
		return;
	__atomic_store_n(&rm->stop, true, __ATOMIC_RELEASE);
	pthread_join(rm->thread, NULL);
	mailbox_destroy(&rm->box);
	remote_free(rm);
}

int remote_fd(const struct remote *rm)
{
	return rm ? mailbox_fd(&rm->box) : -1;
}

int remote_take(struct remote *rm, struct snapshot *s, char *err, size_t errlen)
{
	struct remote_msg m;
	if (!mailbox_take(&rm->box, &m))
		return 0;
	if (!m.ok) {
		snprintf(err, errlen, "%s", m.err);
		return -1;
	}
	*s = m.s;
	return 1;
}
