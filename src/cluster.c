/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The cluster poller: every node's agent digest over HTTPS (libcurl multi), one row per node. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cells.h"
#include "clock.h"
#include "hash.h"
#include "cluster.h"
#include "kube_parse.h"
#include "mailbox.h"
#include "nls.h"
#include "worker.h"

/* A node as the thread keeps it: its row and where its poll stands. */
struct cnode {
	struct cluster *c;
	struct cluster_row row;
	struct kube_req *req;
	enum cluster_path trying; /* of the request in flight */
	bool failing;             /* the request in flight counts as a failing node's */
	double started, next_at;  /* CLOCK_MONOTONIC */
	unsigned fails;           /* transport failures in a row */
	char last_error[256];     /* of the last transport failure */
	bool polled;              /* has a result (or needs none: no agent) */
	bool gone;                /* left the cluster while its request ran: freed when done */
	bool use_proxy;           /* auto: direct failed to connect, the proxy is used for now */
	bool kept;                /* take_pending: in the new list */
	double direct_again_at;   /* auto: when direct is tried again */
};

/* A node as cluster_set_nodes hands it over. */
struct pending_node {
	char name[256];
	char addr[64];
	struct cluster_kube_proxy kp;
};

struct agent_pod {
	char node[256];
	char pod[128];
};

struct cluster {
	struct cluster_opts o;
	struct kube_credentials cred;
	bool have_cred;
	struct kube_http *http;
	struct kube_tls tls;
	char note[256];

	pthread_t thread;
	bool thread_started;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool stop;                 /* under lock */
	bool complete_sent;        /* under lock: a complete view was published */
	struct pending_node *pending; /* under lock: the newest node list not taken yet */
	size_t n_pending, n_pending_left_out;
	bool have_pending;
	char pending_mode[16], pending_note[256];
	uint64_t pending_hash;     /* under lock: of the last list handed over */

	/* The thread's own */
	struct cnode **nodes;
	size_t n_nodes, n_left_out;
	bool have_nodes;
	char configured_mode[16], kube_note[256];
	struct agent_pod *pods;
	size_t n_pods;
	bool pods_known, pods_answered;
	char pods_error[256];
	struct kube_req *pods_req;
	double pods_next_at;
	int inflight, inflight_failing;
	double proxy_next;         /* the earliest start of the next pods/proxy request */
	bool dirty;
	double last_publish;

	struct mailbox box;
	struct cluster_view latest;
};

/* Seconds between two polls of a node: -d, longer on a cluster too big for it. */
static double interval_of(const struct cluster *c)
{
	double i = c->o.interval > 0 ? c->o.interval : 2.0;
	double least = (double)c->n_nodes / CLUSTER_AGENT_PER_SECOND;
	return i > least ? i : least;
}

static bool stopping(struct cluster *c)
{
	pthread_mutex_lock(&c->lock);
	bool s = c->stop;
	pthread_mutex_unlock(&c->lock);
	return s;
}

/* ---- the node list ---- */

static void pending_from(struct pending_node *p, const struct kube_node *n,
			 const struct kube_state *k)
{
	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", n->name ? n->name : "");
	/* kube_parse keeps InternalIP and ExternalIP in the Node's order: InternalIP first. */
	for (size_t i = 0; i < n->n_addrs && !p->addr[0]; i++)
		if (!inet_ntop(n->addrs[i].af, n->addrs[i].addr.bytes, p->addr, sizeof(p->addr)))
			p->addr[0] = '\0';
	for (size_t i = 0; i < k->n_proxies; i++) {
		const struct kube_proxy_pod *kp = &k->proxies[i];
		if (!kp->node || !kp->name || strcmp(kp->node, p->name) != 0)
			continue;
		p->kp.known = true;
		snprintf(p->kp.pod, sizeof(p->kp.pod), "%s", kp->name);
		p->kp.ready = kp->ready;
		p->kp.restarts = kp->restarts;
		snprintf(p->kp.waiting, sizeof(p->kp.waiting), "%s", kp->waiting_reason);
		snprintf(p->kp.phase, sizeof(p->kp.phase), "%s", kp->phase);
		snprintf(p->kp.log_mode, sizeof(p->kp.log_mode), "%s",
			 strcmp(kp->log_mode, "?") == 0 ? "" : kp->log_mode);
	}
}

void cluster_set_nodes(struct cluster *c, const struct kube_state *k)
{
	size_t n = k->n_nodes < CLUSTER_MAX_NODES ? k->n_nodes : CLUSTER_MAX_NODES;
	struct pending_node *p = n ? calloc(n, sizeof(*p)) : NULL;
	if (n && !p)
		return; /* the last list stays */
	/* pending_from zeroes each entry first: the bytes hash the same for the same list. */
	uint64_t h = hash_fnv1a(HASH_FNV1A_INIT, &n, sizeof(n));
	for (size_t i = 0; i < n; i++) {
		pending_from(&p[i], &k->nodes[i], k);
		h = hash_fnv1a(h, &p[i], sizeof(p[i]));
	}
	char note[256] = "";
	if (!k->enabled || (k->error && !k->n_nodes))
		cells_safe(k->why, note, sizeof(note));
	const char *mode = kube_configured_mode(k);
	h = hash_fnv1a_str(hash_fnv1a_str(h, mode), note);
	pthread_mutex_lock(&c->lock);
	/*
	 * The dashboard hands over every state the Kubernetes thread publishes (a Service
	 * changed...): the same nodes again are not merged again.
	 */
	if (h == c->pending_hash) {
		pthread_mutex_unlock(&c->lock);
		free(p);
		return;
	}
	c->pending_hash = h;
	free(c->pending);
	c->pending = p;
	c->n_pending = n;
	c->n_pending_left_out = k->n_nodes - n;
	c->have_pending = true;
	snprintf(c->pending_mode, sizeof(c->pending_mode), "%s", mode);
	memcpy(c->pending_note, note, sizeof(c->pending_note));
	pthread_mutex_unlock(&c->lock);
	if (c->http)
		kube_http_wakeup(c->http);
}

static void node_free(struct cnode *n)
{
	if (!n)
		return;
	if (n->req) {
		/* Its on_done (cancelled) frees it. */
		n->gone = true;
		kube_http_cancel(n->c->http, n->req);
		return;
	}
	free(n);
}

static int node_cmp(const void *a, const void *b)
{
	const struct cnode *const *x = a, *const *y = b;
	return strcmp((*x)->row.node, (*y)->row.node);
}

static int node_key_cmp(const void *key, const void *elem)
{
	const struct cnode *const *n = elem;
	return strcmp(key, (*n)->row.node);
}

/* The node of that name in c->nodes (sorted by name) not taken yet, or NULL. */
static struct cnode *find_node(struct cluster *c, const char *name)
{
	if (!c->n_nodes)
		return NULL; /* bsearch wants an array, even of none */
	struct cnode **hit = bsearch(name, c->nodes, c->n_nodes, sizeof(*c->nodes), node_key_cmp);
	return hit && !(*hit)->kept ? *hit : NULL;
}

static struct cnode *new_node(struct cluster *c, const struct pending_node *p)
{
	struct cnode *n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->c = c;
	snprintf(n->row.node, sizeof(n->row.node), "%s", p->name);
	n->row.state = CLUSTER_WAITING;
	n->row.latency = NAN;
	return n;
}

/* The newest node list: nodes that stay keep their state, new ones wait for a poll. */
static void take_pending(struct cluster *c)
{
	pthread_mutex_lock(&c->lock);
	if (!c->have_pending) {
		pthread_mutex_unlock(&c->lock);
		return;
	}
	struct pending_node *p = c->pending;
	size_t np = c->n_pending;
	c->pending = NULL;
	c->have_pending = false;
	c->n_left_out = c->n_pending_left_out;
	memcpy(c->configured_mode, c->pending_mode, sizeof(c->configured_mode));
	memcpy(c->kube_note, c->pending_note, sizeof(c->kube_note));
	pthread_mutex_unlock(&c->lock);

	struct cnode **nodes = np ? calloc(np, sizeof(*nodes)) : NULL;
	if (np && !nodes) {
		free(p);
		return;
	}
	/* Sorted by name, looked up by halves: thousands of nodes are no square. */
	if (c->n_nodes > 1)
		qsort(c->nodes, c->n_nodes, sizeof(*c->nodes), node_cmp);
	for (size_t j = 0; j < c->n_nodes; j++)
		c->nodes[j]->kept = false;
	for (size_t i = 0; i < np; i++) {
		struct cnode *n = find_node(c, p[i].name);
		if (n)
			n->kept = true;
		else if (!(n = new_node(c, &p[i])))
			continue;
		memcpy(n->row.addr, p[i].addr, sizeof(n->row.addr));
		n->row.kp = p[i].kp;
		nodes[i] = n;
	}
	for (size_t j = 0; j < c->n_nodes; j++)
		if (!c->nodes[j]->kept)
			node_free(c->nodes[j]);
	free(c->nodes);
	free(p);
	/* Nodes that could not be allocated leave holes: closed up. */
	size_t k = 0;
	for (size_t i = 0; i < np; i++)
		if (nodes[i])
			nodes[k++] = nodes[i];
	c->nodes = nodes;
	c->n_nodes = k;
	c->have_nodes = true;
	c->dirty = true;
}

/* ---- the agents' pods ---- */

static const char *agent_pod_of(const struct cluster *c, const char *node)
{
	for (size_t i = 0; i < c->n_pods; i++)
		if (strcmp(c->pods[i].node, node) == 0)
			return c->pods[i].pod;
	return NULL;
}

static void pods_done(const struct kube_reply *r, void *arg)
{
	struct cluster *c = arg;
	struct kube_items items = {.kind = KUBE_ITEM_POD};
	char msg[256];
	c->pods_req = NULL;
	c->pods_answered = true;
	c->pods_next_at = clock_mono() + 30;
	c->dirty = true;
	if (r->status == 200 && !r->error &&
	    kube_parse_list(r->body, r->len, kube_items_add, &items, NULL, 0, NULL, 0) >= 0) {
		const struct kube_proxy_pod *pp = items.v;
		struct agent_pod *pods = items.n ? calloc(items.n, sizeof(*pods)) : NULL;
		if (!items.n || pods) {
			size_t k = 0;
			for (size_t i = 0; i < items.n; i++) {
				if (!cluster_pod_name_ok(pp[i].name) || !pp[i].node ||
				    strlen(pp[i].name) >= sizeof(pods[k].pod))
					continue;
				snprintf(pods[k].node, sizeof(pods[k].node), "%s", pp[i].node);
				snprintf(pods[k].pod, sizeof(pods[k].pod), "%s", pp[i].name);
				k++;
			}
			free(c->pods);
			c->pods = pods;
			c->n_pods = k;
			c->pods_known = true;
			c->pods_error[0] = '\0';
		}
		kube_items_free(&items);
		return;
	}
	kube_items_free(&items);
	struct cluster_answer a = {.status = r->status, .body = r->body, .len = r->len,
				   .error = r->error, .too_big = r->too_big};
	struct digest unused;
	if (r->status == 200 && !r->error)
		snprintf(msg, sizeof(msg), "%s", _("the reply could not be read"));
	else
		cluster_classify(&a, false, &unused, msg, sizeof(msg));
	/* Without the list every node is polled directly; pods/proxy needs a pod's name. */
	snprintf(c->pods_error, sizeof(c->pods_error), _("agent pods: %s"), msg);
	c->pods_known = false;
	c->pods_next_at = clock_mono() + 10;
}

static void start_pods(struct cluster *c)
{
	struct kube_request_opts o = {
		.path = "/api/v1/namespaces/" CLUSTER_AGENT_NAMESPACE
			"/pods?labelSelector=app.kubernetes.io%2Fname%3Dipvstop-agent",
		.timeout_ms = 5000,
		.on_done = pods_done,
		.arg = c,
	};
	c->pods_next_at = clock_mono() + 3600; /* until it answers */
	c->pods_req = kube_http_start(c->http, &o);
	if (!c->pods_req)
		c->pods_next_at = clock_mono() + 1;
}

/* ---- polls ---- */

static void poll_done(const struct kube_reply *r, void *arg);

static void poll_drop(void *arg)
{
	free(arg);
}

/* Starts n's poll on path p. False when it cannot start (ENOMEM). */
static bool start_poll(struct cluster *c, struct cnode *n, enum cluster_path p, const char *pod)
{
	char url[512];
	struct kube_request_opts o = {
		.timeout_ms = c->o.timeout_ms > 0 ? c->o.timeout_ms : CLUSTER_TIMEOUT_MS,
		.connect_ms = c->o.connect_ms > 0 ? c->o.connect_ms : CLUSTER_CONNECT_MS,
		.max_body = DIGEST_MAX_BYTES,
		.on_done = poll_done,
		.on_drop = poll_drop,
		.arg = n,
	};
	int port = c->o.port > 0 ? c->o.port : CLUSTER_AGENT_PORT;
	if (p == CLUSTER_PATH_DIRECT) {
		bool v6 = strchr(n->row.addr, ':') != NULL;
		snprintf(url, sizeof(url), "https://%s%s%s:%d/snapshot?summary=1", v6 ? "[" : "",
			 n->row.addr, v6 ? "]" : "", port);
		o.url = url;
		o.tls = &c->tls;
	} else {
		snprintf(url, sizeof(url),
			 "/api/v1/namespaces/" CLUSTER_AGENT_NAMESPACE
			 "/pods/https:%s:%d/proxy/snapshot?summary=1",
			 pod, port);
		o.path = url;
		/* The API server drops Authorization once it has authenticated the caller. */
		o.token_header = "X-Ipvstop-Authorization";
		c->proxy_next = clock_mono() + 1.0 / CLUSTER_PROXY_PER_SECOND;
	}
	n->trying = p;
	n->started = clock_mono();
	n->req = kube_http_start(c->http, &o);
	if (!n->req)
		return false;
	n->failing = n->fails > 0 || n->row.state == CLUSTER_UNREACHABLE;
	c->inflight++;
	c->inflight_failing += n->failing;
	return true;
}

/* A result that needs no request: no agent, no address, nothing to reach it through. */
static void settle(struct cluster *c, struct cnode *n, enum cluster_state s, const char *err)
{
	n->row.state = s;
	snprintf(n->row.error, sizeof(n->row.error), "%s", err);
	n->polled = true;
	n->next_at = clock_mono() + interval_of(c);
	cluster_row_rank(&n->row);
	c->dirty = true;
}

/* Which way n is polled now: CLUSTER_PATH_DIRECT or _PROXY, or -1 when neither can be. */
static int choose_path(struct cluster *c, struct cnode *n, const char *pod, double now)
{
	bool direct = n->row.addr[0] != '\0';
	switch (c->o.path) {
	case CLUSTER_PATH_DIRECT:
		return direct ? CLUSTER_PATH_DIRECT : -1;
	case CLUSTER_PATH_PROXY:
		return pod ? CLUSTER_PATH_PROXY : -1;
	case CLUSTER_PATH_AUTO:
		break;
	}
	if (pod && (!direct || (n->use_proxy && now < n->direct_again_at)))
		return CLUSTER_PATH_PROXY;
	return direct ? CLUSTER_PATH_DIRECT : -1;
}

/*
 * Starts the polls that are due, within the bounds on requests in flight. Returns the
 * seconds until the next poll is due (at most 0.25; 0.05 when some wait for a slot).
 */
static double schedule(struct cluster *c, double now)
{
	double wait = 0.25;
	for (size_t i = 0; i < c->n_nodes; i++) {
		struct cnode *n = c->nodes[i];
		if (n->req)
			continue;
		if (now < n->next_at) {
			if (n->next_at - now < wait)
				wait = n->next_at - now;
			continue;
		}
		if (c->inflight >= CLUSTER_MAX_INFLIGHT) {
			wait = 0.05;
			break;
		}
		const char *pod = c->pods_known ? agent_pod_of(c, n->row.node) : NULL;
		if (c->pods_known && !pod) {
			snprintf(n->row.agent_pod, sizeof(n->row.agent_pod), "%s", "");
			settle(c, n, CLUSTER_NO_AGENT, "");
			continue;
		}
		snprintf(n->row.agent_pod, sizeof(n->row.agent_pod), "%s", pod ? pod : "");
		int p = choose_path(c, n, pod, now);
		if (p < 0) {
			settle(c, n, CLUSTER_UNREACHABLE,
			       n->row.addr[0] ? _("no agent pod known for pods/proxy")
					      : _("the node has no address to reach it at"));
			continue;
		}
		bool failing = n->fails > 0 || n->row.state == CLUSTER_UNREACHABLE;
		if ((failing && c->inflight_failing >= CLUSTER_MAX_INFLIGHT_FAILING) ||
		    (p == CLUSTER_PATH_PROXY && now < c->proxy_next)) {
			wait = 0.05;
			continue;
		}
		if (!start_poll(c, n, (enum cluster_path)p, pod))
			n->next_at = now + 1;
	}
	return wait;
}

/* A transport failure: a node that answered a moment ago keeps its row for a while. */
static void transport_failed(struct cluster *c, struct cnode *n, const char *err, double wall)
{
	(void)c;
	n->fails++;
	snprintf(n->last_error, sizeof(n->last_error), "%s", err);
	if (n->row.state == CLUSTER_OK && n->fails < 2 && wall - n->row.last_ok < CLUSTER_STALE_AFTER)
		return;
	n->row.state = CLUSTER_UNREACHABLE;
	snprintf(n->row.error, sizeof(n->row.error), "%s", err);
}

/* Nodes kept as ok after a failure, whose last answer is now too old. */
static void expire_stale(struct cluster *c, double wall)
{
	for (size_t i = 0; i < c->n_nodes; i++) {
		struct cnode *n = c->nodes[i];
		if (n->row.state != CLUSTER_OK || !n->fails ||
		    wall - n->row.last_ok < CLUSTER_STALE_AFTER)
			continue;
		n->row.state = CLUSTER_UNREACHABLE;
		snprintf(n->row.error, sizeof(n->row.error), "%s", n->last_error);
		cluster_row_rank(&n->row);
		c->dirty = true;
	}
}

static void poll_done(const struct kube_reply *r, void *arg)
{
	struct cnode *n = arg;
	struct cluster *c = n->c;
	n->req = NULL;
	c->inflight--;
	c->inflight_failing -= n->failing;
	if (n->gone) {
		free(n);
		return;
	}
	double now = clock_mono(), wall = clock_seconds(CLOCK_REALTIME);
	struct cluster_answer a = {.status = r->status, .body = r->body, .len = r->len,
				   .error = r->error, .too_big = r->too_big,
				   .connected = r->connected};
	struct digest d;
	char err[256];
	bool via_proxy = n->trying == CLUSTER_PATH_PROXY;
	enum cluster_state s = cluster_classify(&a, via_proxy, &d, err, sizeof(err));
	if (c->o.path == CLUSTER_PATH_AUTO && !via_proxy && s == CLUSTER_UNREACHABLE &&
	    !r->connected && n->row.agent_pod[0]) {
		/* Not reachable from here: through the API server at once, and for a while. */
		n->use_proxy = true;
		n->direct_again_at = now + 60;
		n->next_at = 0;
		return;
	}
	n->row.path = n->trying;
	if (s == CLUSTER_OK) {
		n->row.d = d;
		n->row.have_digest = true;
		n->row.last_ok = wall;
		n->row.latency = now - n->started;
		n->row.state = CLUSTER_OK;
		n->row.error[0] = '\0';
		n->fails = 0;
		if (!via_proxy)
			n->use_proxy = false;
	} else if (s == CLUSTER_UNREACHABLE) {
		transport_failed(c, n, err, wall);
	} else {
		n->fails = 0;
		n->row.state = s;
		n->row.latency = now - n->started;
		snprintf(n->row.error, sizeof(n->row.error), "%s", err);
	}
	n->polled = true;
	n->next_at = n->started + interval_of(c);
	cluster_row_rank(&n->row);
	c->dirty = true;
}

/* ---- publishing ---- */

static void view_drop(void *v)
{
	cluster_view_free(v);
}

static bool all_polled(const struct cluster *c)
{
	if (!c->have_nodes || (c->http && !c->pods_answered))
		return false;
	for (size_t i = 0; i < c->n_nodes; i++)
		if (!c->nodes[i]->polled)
			return false;
	return true;
}

static void publish(struct cluster *c, bool force)
{
	double t = clock_mono();
	bool complete = all_polled(c);
	pthread_mutex_lock(&c->lock);
	bool first_complete = complete && !c->complete_sent;
	pthread_mutex_unlock(&c->lock);
	if (!c->dirty || (!force && !first_complete && t - c->last_publish < 0.5))
		return;
	struct cluster_view v = {
		.time = clock_seconds(CLOCK_REALTIME),
		.complete = complete,
		.n_left_out = c->n_left_out,
		.path = c->o.path,
		.verified = c->o.agent_ca != NULL,
	};
	v.rows = c->n_nodes ? malloc(c->n_nodes * sizeof(*v.rows)) : NULL;
	if (c->n_nodes && !v.rows)
		return;
	for (size_t i = 0; i < c->n_nodes; i++) {
		v.rows[i] = c->nodes[i]->row;
		v.counts[v.rows[i].state]++;
	}
	v.n_rows = c->n_nodes;
	cluster_rows_sort(v.rows, v.n_rows);
	memcpy(v.configured_mode, c->configured_mode, sizeof(v.configured_mode));
	snprintf(v.note, sizeof(v.note), "%s", c->note[0] ? c->note : c->kube_note);
	snprintf(v.pods_error, sizeof(v.pods_error), "%s", c->pods_error);
	mailbox_put(&c->box, &v);
	c->dirty = false;
	c->last_publish = t;
	if (first_complete) {
		pthread_mutex_lock(&c->lock);
		c->complete_sent = true;
		pthread_cond_broadcast(&c->cond);
		pthread_mutex_unlock(&c->lock);
	}
}

/* Without credentials nothing can be asked: every node says why. */
static void no_client(struct cluster *c)
{
	c->pods_answered = true;
	for (size_t i = 0; i < c->n_nodes; i++)
		if (!c->nodes[i]->polled)
			settle(c, c->nodes[i], CLUSTER_UNREACHABLE, c->note);
}

static void *run(void *arg)
{
	struct cluster *c = arg;
	while (!stopping(c)) {
		take_pending(c);
		double now = clock_mono();
		if (!c->http) {
			no_client(c);
			publish(c, false);
			struct timespec ts;
			clock_deadline(CLOCK_REALTIME, 0.25, &ts);
			pthread_mutex_lock(&c->lock);
			if (!c->stop && !c->have_pending)
				pthread_cond_timedwait(&c->cond, &c->lock, &ts);
			pthread_mutex_unlock(&c->lock);
			continue;
		}
		if (c->have_nodes && !c->pods_req && now >= c->pods_next_at)
			start_pods(c);
		double wait = c->pods_answered ? schedule(c, now) : 0.25;
		/* Woken at once by an answer, a new node list (kube_http_wakeup) or a stop. */
		kube_http_run(c->http, (int)(wait * 1000) + 1);
		expire_stale(c, clock_seconds(CLOCK_REALTIME));
		publish(c, false);
	}
	return NULL;
}

/* ---- the public side ---- */

struct cluster *cluster_start(const struct cluster_opts *o)
{
	struct cluster *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->o = *o;
	c->tls.ca_file = o->agent_ca;
	if (mailbox_init(&c->box, &c->latest, sizeof(c->latest), view_drop) != 0) {
		free(c);
		return NULL;
	}
	worker_lock_init(&c->lock, &c->cond, CLOCK_REALTIME);
	char err[512];
	if (kube_config_load(&o->config, &c->cred, err, sizeof(err)) != 0) {
		cells_safe(err, c->note, sizeof(c->note));
	} else {
		c->have_cred = true;
		c->http = kube_http_new(&c->cred, err, sizeof(err));
		if (!c->http)
			cells_safe(err, c->note, sizeof(c->note));
	}
	if (pthread_create(&c->thread, NULL, run, c) == 0)
		c->thread_started = true;
	else
		snprintf(c->note, sizeof(c->note), "%s", strerror(EAGAIN));
	return c;
}

void cluster_stop(struct cluster *c)
{
	if (!c)
		return;
	worker_set(&c->lock, &c->cond, &c->stop, true);
	if (c->thread_started) {
		if (c->http)
			kube_http_wakeup(c->http);
		pthread_join(c->thread, NULL);
	}
	/* Requests still running free their nodes through on_drop. */
	for (size_t i = 0; i < c->n_nodes; i++)
		if (!c->nodes[i]->req)
			free(c->nodes[i]);
	kube_http_free(c->http);
	free(c->nodes);
	free(c->pods);
	free(c->pending);
	if (c->have_cred)
		kube_credentials_free(&c->cred);
	mailbox_destroy(&c->box);
	worker_lock_destroy(&c->lock, &c->cond);
	free(c);
}

int cluster_fd(const struct cluster *c)
{
	return mailbox_fd(&c->box);
}

bool cluster_take(struct cluster *c, struct cluster_view *out)
{
	return mailbox_take(&c->box, out);
}

bool cluster_wait(struct cluster *c, double timeout)
{
	struct timespec ts;
	clock_deadline(CLOCK_REALTIME, timeout, &ts);
	pthread_mutex_lock(&c->lock);
	while (!c->complete_sent && c->thread_started)
		if (pthread_cond_timedwait(&c->cond, &c->lock, &ts) == ETIMEDOUT)
			break;
	bool done = c->complete_sent;
	pthread_mutex_unlock(&c->lock);
	return done;
}
