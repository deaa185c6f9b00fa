/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Keeps a kube_state current in its own thread: list pages, watches with bookmarks, polls. */
#include "config.h"

#include <errno.h>
#include <net/if.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "array.h"
#include "clock.h"
#include "curl_dl.h"
#include "hash.h"
#include "kube_http.h"
#include "kube_parse.h"
#include "mailbox.h"
#include "kube_sync.h"
#include "kp_local.h"
#include "nls.h"
#include "worker.h"

/* ---- a small string -> index map: a hash_index whose record owns its key ---- */

struct smap_rec {
	char *key; /* owned */
	size_t idx;
};

struct smap {
	struct hash_index ix;
};

#define SMAP_EMPTY ((struct smap){HASH_INDEX_EMPTY(sizeof(struct smap_rec))})

static uint64_t str_hash(const char *s)
{
	return hash_fnv1a_str(HASH_FNV1A_INIT, s);
}

static uint64_t smap_rec_hash(const void *rec)
{
	return str_hash(((const struct smap_rec *)rec)->key);
}

static bool smap_rec_eq(const void *key, const void *rec, size_t rec_size)
{
	(void)rec_size;
	return strcmp(((const struct smap_rec *)rec)->key, key) == 0;
}

static void smap_clear(struct smap *m)
{
	for (size_t i = 0; i < m->ix.cap; i++)
		if (hash_index_live(&m->ix, i))
			free(((struct smap_rec *)hash_index_rec(&m->ix, i))->key);
	hash_index_free(&m->ix);
}

static struct smap_rec *smap_find(const struct smap *m, const char *key)
{
	size_t slot;
	if (!hash_index_find(&m->ix, str_hash(key), smap_rec_eq, key, &slot))
		return NULL;
	return hash_index_rec(&m->ix, slot);
}

static int smap_put(struct smap *m, const char *key, size_t idx)
{
	struct smap_rec *e = smap_find(m, key);
	if (e) {
		e->idx = idx;
		return 0;
	}
	if (hash_index_reserve(&m->ix, 1, smap_rec_hash) != 0)
		return -ENOMEM;
	struct smap_rec r = {strdup(key), idx};
	if (!r.key)
		return -ENOMEM;
	hash_index_add(&m->ix, str_hash(key), 0, &r);
	return 0;
}

static void smap_del(struct smap *m, const char *key)
{
	size_t slot;
	if (hash_index_find(&m->ix, str_hash(key), smap_rec_eq, key, &slot)) {
		free(((struct smap_rec *)hash_index_rec(&m->ix, slot))->key);
		hash_index_remove(&m->ix, slot);
	}
}

/* ---- the thread ---- */

enum kind { K_SERVICES = 0, K_SLICES, K_COUNT };

struct informer {
	struct kube_sync *k;
	enum kind kind;
	const char *path;
	enum { INF_IDLE, INF_LISTING, INF_WATCHING } phase;
	struct kube_req *req;
	char rv[64];
	char cont[4096];
	double retry_at;
	unsigned failures; /* lists that failed in a row: a list that works resets it */
	/*
	 * Watches that failed in a row. A list that works does not reset it (it says nothing of
	 * the watch after it): only a watch that worked does, one that delivered an event or ran
	 * its course. Else a watch that always fails would be retried about once a second.
	 */
	unsigned watch_failures;
	bool relist; /* the watch said 410: list again */
	bool failed_once; /* the first list failed: the first picture is what we have */
	bool watch_failed; /* the last watch broke: its error stays until a watch works again */
	double watch_started;      /* when the current watch was asked for */
	unsigned watch_events;     /* events it delivered */
	unsigned watch_bad;        /* lines it sent that are not events */
	bool watch_error;          /* it ended on an ERROR event (other than 410) */
	/* The list being read, page by page; it replaces the state's array when complete. */
	struct kube_items tmp;
};

enum poll_id { P_VERSION = 0, P_CONFIGMAP, P_DAEMONSET, P_PODS, P_NODES, P_COUNT };

struct poller {
	struct kube_sync *k;
	enum poll_id id;
	const char *path;
	struct kube_req *req;
	double next_at;
	unsigned failures;
	bool answered; /* a first reply (or failure) came */
	/* The last reply taken in: the same body again changes nothing (body_digest). */
	bool have_body;
	uint64_t body;
};

struct log_req {
	struct kube_sync *k;
	char *pod;
	bool tail;
};

struct kube_sync {
	struct kube_sync_opts opts;
	char node_name[256];
	pthread_t thread;
	bool thread_started;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct mailbox box;	  /* the latest published copy, for the UI */
	struct kube_state latest; /* box's slot */

	/* Under lock. */
	bool stop, first_done;
	/*
	 * A caller's kube_sync_wait ran out after wait_expired seconds (0: not): the thread says
	 * so in the errors of the requests still unanswered, publishes, and sets wait_said.
	 */
	double wait_expired;
	bool wait_said;
	/* kube-proxy's /metrics here, apart from st: see kube_state.kp. */
	struct kp_local local_kp;

	/* The thread's own. */
	struct kube_credentials cred;
	bool have_cred;
	struct kube_http *http;
	struct kube_state st;
	size_t cap[K_COUNT];
	struct smap map[K_COUNT];
	struct informer inf[K_COUNT];
	struct poller poll[P_COUNT];
	unsigned logs_running;
	bool first_sent; /* maybe_first_result went through */
	bool dirty;
	double last_publish;
	char errors[K_COUNT + P_COUNT][256];
};

/* Exponential backoff with jitter, at least what Retry-After asked. */
static double backoff(unsigned failures, double retry_after)
{
	double base = failures >= 6 ? 60 : (double)(1u << failures);
	double jitter = 0.5 + (double)rand() / RAND_MAX;
	double d = base * jitter;
	return d < retry_after ? retry_after : d;
}

/*
 * The error of one request slot: the state shows the first that is set. The same message
 * again (mostly: none, after every poll that worked) changes nothing to publish.
 */
static void set_error(struct kube_sync *k, int slot, const char *msg)
{
	if (strncmp(k->errors[slot], msg ? msg : "", sizeof(k->errors[slot]) - 1) == 0)
		return;
	snprintf(k->errors[slot], sizeof(k->errors[slot]), "%s", msg ? msg : "");
	k->st.error = false;
	k->st.why[0] = '\0';
	for (size_t i = 0; i < K_COUNT + P_COUNT; i++)
		if (k->errors[i][0]) {
			snprintf(k->st.why, sizeof(k->st.why), "%s", k->errors[i]);
			k->st.error = true;
			break;
		}
	k->dirty = true;
}

/* Words an HTTP failure: "GET /api/v1/services: 403 Forbidden: <Status message>". */
static void describe(const struct kube_reply *r, const char *what, char *buf, size_t len)
{
	struct kube_status st;
	if (r->status == 0) {
		snprintf(buf, len, _("%s: no answer from the API server: %s"), what,
			 r->error ? r->error : "?");
	} else if (r->len && kube_parse_status(r->body, r->len, &st) == 0 && st.message[0]) {
		snprintf(buf, len, _("%s: HTTP %ld %s: %s"), what, r->status, st.reason,
			 st.message);
	} else {
		snprintf(buf, len, _("%s: HTTP %ld%s%s"), what, r->status, r->error ? ": " : "",
			 r->error ? r->error : "");
	}
}

/*
 * The first complete picture: both lists read (or failed) and every polled object answered
 * once, so -j's first document is not half empty.
 */
static void maybe_first_result(struct kube_sync *k);

static void first_result(struct kube_sync *k)
{
	pthread_mutex_lock(&k->lock);
	k->first_done = true;
	pthread_cond_broadcast(&k->cond);
	pthread_mutex_unlock(&k->lock);
}

static void latest_drop(void *st)
{
	kube_state_free(st);
}

static void publish(struct kube_sync *k, bool force)
{
	double t = clock_mono();
	if (!k->dirty || (!force && t - k->last_publish < 0.5))
		return;
	struct kube_state copy;
	if (kube_state_copy(&copy, &k->st) != 0)
		return;
	mailbox_put(&k->box, &copy);
	k->dirty = false;
	k->last_publish = t;
}

static void maybe_first_result(struct kube_sync *k)
{
	if (k->first_sent || k->logs_running)
		return;
	for (int i = 0; i < K_COUNT; i++)
		if (k->inf[i].phase != INF_WATCHING && !k->inf[i].failed_once)
			return;
	for (int i = 0; i < P_COUNT; i++)
		if (!k->poll[i].answered)
			return;
	k->first_sent = true;
	k->dirty = true;
	publish(k, true);
	first_result(k);
}

/* ---- lists and watches of Services and EndpointSlices ---- */

static enum kube_item_kind item_kind(enum kind kind)
{
	return kind == K_SERVICES ? KUBE_ITEM_SERVICE : KUBE_ITEM_SLICE;
}

static size_t item_size(enum kind kind)
{
	return kube_item_size(item_kind(kind));
}

static void item_free(enum kind kind, void *p)
{
	kube_item_free(item_kind(kind), p);
}

static int item_parse(enum kind kind, const cJSON *obj, void *out)
{
	return kube_item_parse(item_kind(kind), obj, out);
}

static void item_key(enum kind kind, const void *p, char *buf, size_t len)
{
	if (kind == K_SERVICES) {
		const struct kube_service *s = p;
		snprintf(buf, len, "%s/%s", s->ns, s->name);
	} else {
		const struct kube_slice *s = p;
		snprintf(buf, len, "%s/%s", s->ns, s->name);
	}
}

static void **state_array(struct kube_sync *k, enum kind kind, size_t **n)
{
	if (kind == K_SERVICES) {
		*n = &k->st.n_services;
		return (void **)&k->st.services;
	}
	*n = &k->st.n_slices;
	return (void **)&k->st.slices;
}

static void tmp_free(struct informer *inf)
{
	kube_items_free(&inf->tmp);
}

static int rebuild_map(struct kube_sync *k, enum kind kind)
{
	size_t *n;
	void **arr = state_array(k, kind, &n);
	char key[600];
	smap_clear(&k->map[kind]);
	for (size_t i = 0; i < *n; i++) {
		item_key(kind, (char *)*arr + i * item_size(kind), key, sizeof(key));
		if (smap_put(&k->map[kind], key, i) != 0)
			return -ENOMEM;
	}
	return 0;
}

static void start_list(struct informer *inf);
static void start_watch(struct informer *inf);

static void list_done(const struct kube_reply *r, void *arg)
{
	struct informer *inf = arg;
	struct kube_sync *k = inf->k;
	char msg[256];
	inf->req = NULL;
	if (r->status == 200 && !r->error) {
		/* A malformed object is skipped; a lack of memory fails the page (and the list). */
		int n = kube_parse_list(r->body, r->len, kube_items_add, &inf->tmp, inf->cont,
					sizeof(inf->cont), inf->rv, sizeof(inf->rv));
		if (n >= 0) {
			if (inf->cont[0]) {
				start_list(inf);
				return;
			}
			/* Complete: the new list replaces the old one. */
			size_t *cnt;
			void **arr = state_array(k, inf->kind, &cnt);
			size_t sz = item_size(inf->kind);
			for (size_t i = 0; i < *cnt; i++)
				item_free(inf->kind, (char *)*arr + i * sz);
			free(*arr);
			*arr = inf->tmp.v;
			*cnt = inf->tmp.n;
			k->cap[inf->kind] = inf->tmp.cap;
			inf->tmp.v = NULL;
			inf->tmp.n = inf->tmp.cap = 0;
			k->dirty = true;
			if (rebuild_map(k, inf->kind) != 0) {
				/* The list is right, but its watch events could not be applied. */
				snprintf(msg, sizeof(msg), _("GET %s: %s"), inf->path,
					 strerror(ENOMEM));
				set_error(k, (int)inf->kind, msg);
				inf->phase = INF_IDLE;
				inf->retry_at = clock_mono() + backoff(inf->failures++, 0);
				return;
			}
			inf->failures = 0;
			/* A list that works says nothing about a watch that hangs. */
			if (!inf->watch_failed)
				set_error(k, (int)inf->kind, NULL);
			inf->phase = INF_WATCHING;
			if (k->inf[K_SERVICES].phase == INF_WATCHING &&
			    k->inf[K_SLICES].phase == INF_WATCHING && !k->st.synced) {
				k->st.synced = true;
				k->dirty = true;
				maybe_first_result(k);
			}
			k->dirty = true;
			start_watch(inf);
			return;
		}
		if (n == -ENOMEM)
			snprintf(msg, sizeof(msg), _("GET %s: %s"), inf->path, strerror(ENOMEM));
		else
			snprintf(msg, sizeof(msg), _("GET %s: the list could not be read"),
				 inf->path);
	} else {
		describe(r, inf->path, msg, sizeof(msg));
	}
	tmp_free(inf);
	inf->cont[0] = '\0';
	inf->phase = INF_IDLE;
	inf->retry_at = clock_mono() + backoff(inf->failures++, r->retry_after);
	set_error(k, (int)inf->kind, msg);
	/*
	 * A refusal (401, 403, 404...) will not change by waiting: the first picture is this
	 * error. Throttling, server errors and silence may pass: -j waits for a retry.
	 */
	if (r->status >= 400 && r->status < 500 && r->status != 408 && r->status != 429) {
		inf->failed_once = true;
		maybe_first_result(k);
	}
}

static void start_list(struct informer *inf)
{
	struct kube_sync *k = inf->k;
	char path[4608];
	char *cont = NULL;
	if (inf->cont[0]) {
		cont = curl_easy_escape(NULL, inf->cont, 0);
		snprintf(path, sizeof(path), "%s?limit=500&continue=%s", inf->path, cont ? cont : "");
		curl_free(cont);
	} else {
		tmp_free(inf);
		snprintf(path, sizeof(path), "%s?limit=500", inf->path);
	}
	struct kube_request_opts o = {
		.path = path,
		.timeout_ms = k->opts.request_timeout_ms > 0 ? k->opts.request_timeout_ms : 15000,
		.on_done = list_done,
		.arg = inf,
	};
	inf->phase = INF_LISTING;
	inf->req = kube_http_start(k->http, &o);
}

/* Returns 0, or -ENOMEM when the event could not be applied (the state needs a new list). */
static int apply_event(struct informer *inf, const struct kube_watch_event *ev)
{
	struct kube_sync *k = inf->k;
	size_t sz = item_size(inf->kind);
	union {
		struct kube_service svc;
		struct kube_slice slice;
	} item;
	char key[600];
	int rc = item_parse(inf->kind, ev->object, &item);
	if (rc != 0)
		return rc == -ENOMEM ? rc : 0; /* a malformed object is skipped */
	item_key(inf->kind, &item, key, sizeof(key));
	size_t *n;
	void **arr = state_array(k, inf->kind, &n);
	struct smap_rec *e = smap_find(&k->map[inf->kind], key);
	if (ev->type == KUBE_WATCH_DELETED) {
		item_free(inf->kind, &item);
		if (!e)
			return 0;
		size_t idx = e->idx;
		smap_del(&k->map[inf->kind], key);
		item_free(inf->kind, (char *)*arr + idx * sz);
		if (idx + 1 < *n) {
			/* The last element fills the hole; its map entry follows it. */
			memcpy((char *)*arr + idx * sz, (char *)*arr + (*n - 1) * sz, sz);
			item_key(inf->kind, (char *)*arr + idx * sz, key, sizeof(key));
			smap_put(&k->map[inf->kind], key, idx);
		}
		(*n)--;
	} else if (e) {
		item_free(inf->kind, (char *)*arr + e->idx * sz);
		memcpy((char *)*arr + e->idx * sz, &item, sz);
	} else {
		if (array_reserve(arr, *n, &k->cap[inf->kind], sz, 64)) {
			item_free(inf->kind, &item);
			return -ENOMEM;
		}
		memcpy((char *)*arr + *n * sz, &item, sz);
		(*n)++;
		rc = smap_put(&k->map[inf->kind], key, *n - 1);
	}
	k->dirty = true;
	return rc;
}

static bool watch_line(const char *line, size_t len, void *arg)
{
	struct informer *inf = arg;
	struct kube_watch_event ev;
	if (kube_parse_watch_event(line, len, &ev) != 0) {
		/* Skipped; counted, for watch_done to tell a stream of garbage. */
		inf->watch_bad++;
		return true;
	}
	bool go_on = true;
	if (kube_watch_needs_relist(&ev)) {
		inf->relist = true;
		go_on = false;
	} else if (ev.type == KUBE_WATCH_ERROR) {
		/* Not an event that worked: watch_done backs off before the next watch. */
		char msg[256];
		snprintf(msg, sizeof(msg), _("watch %s: %s"), inf->path, ev.status.message);
		set_error(inf->k, (int)inf->kind, msg);
		inf->watch_error = true;
		go_on = false;
	} else {
		inf->watch_events++;
		inf->watch_failures = 0;
		if (inf->watch_failed) {
			/* The watch works again. */
			inf->watch_failed = false;
			set_error(inf->k, (int)inf->kind, NULL);
		}
		if (ev.type != KUBE_WATCH_BOOKMARK && apply_event(inf, &ev) != 0) {
			/* Out of memory: the state misses this event; list again after a while. */
			char msg[256];
			snprintf(msg, sizeof(msg), _("watch %s: %s"), inf->path, strerror(ENOMEM));
			set_error(inf->k, (int)inf->kind, msg);
			inf->watch_error = true;
			go_on = false;
		} else if (ev.resource_version[0]) {
			snprintf(inf->rv, sizeof(inf->rv), "%s", ev.resource_version);
		}
	}
	kube_watch_event_free(&ev);
	return go_on;
}

static void watch_done(const struct kube_reply *r, void *arg)
{
	struct informer *inf = arg;
	struct kube_sync *k = inf->k;
	inf->req = NULL;
	if (inf->relist || r->status == 410) {
		/*
		 * The resourceVersion is gone: list again at once (a 410 is not a failure). But a
		 * watch that meets nothing but 410, even from the version a list just gave, would
		 * make a loop of lists: the second 410 in a row without an event backs off.
		 */
		inf->relist = false;
		inf->phase = INF_IDLE;
		inf->retry_at = clock_mono();
		if (inf->watch_events == 0 && inf->watch_failures++ > 0)
			inf->retry_at += backoff(inf->watch_failures - 1, r->retry_after);
		return;
	}
	if (inf->watch_error) {
		/* An ERROR event (said by watch_line): list again, after the watch's backoff. */
		inf->watch_failed = true;
		inf->phase = INF_IDLE;
		inf->retry_at = clock_mono() + backoff(inf->watch_failures++, r->retry_after);
		return;
	}
	if (r->status == 200 && !r->error && inf->watch_events == 0 &&
	    (inf->watch_bad > 0 || clock_mono() - inf->watch_started < 1.0)) {
		/*
		 * Nothing but garbage, or over at once (as client-go's "very short watch"): not a
		 * watch that worked. Watching again at once would hammer the server in a loop:
		 * list again after the backoff.
		 */
		char msg[256];
		if (inf->watch_bad)
			snprintf(msg, sizeof(msg),
				 _("watch %s: the server sent %u lines that are not watch events"),
				 inf->path, inf->watch_bad);
		else
			snprintf(msg, sizeof(msg), _("watch %s: ended at once without an event"),
				 inf->path);
		set_error(k, (int)inf->kind, msg);
		inf->watch_failed = true;
		inf->phase = INF_IDLE;
		inf->retry_at = clock_mono() + backoff(inf->watch_failures++, r->retry_after);
		return;
	}
	if (r->status == 200 && !r->error) {
		/* The server ended the watch (timeoutSeconds): go on from the last version. */
		inf->watch_failures = 0;
		if (inf->watch_failed) {
			inf->watch_failed = false;
			set_error(k, (int)inf->kind, NULL);
		}
		start_watch(inf);
		return;
	}
	char msg[256];
	describe(r, inf->path, msg, sizeof(msg));
	set_error(k, (int)inf->kind, msg);
	inf->watch_failed = true;
	inf->phase = INF_IDLE;
	inf->retry_at = clock_mono() + backoff(inf->watch_failures++, r->retry_after);
}

static void start_watch(struct informer *inf)
{
	struct kube_sync *k = inf->k;
	char path[512];
	snprintf(path, sizeof(path),
		 "%s?watch=1&allowWatchBookmarks=true&timeoutSeconds=300&resourceVersion=%s",
		 inf->path, inf->rv);
	struct kube_request_opts o = {
		.path = path,
		/* Bookmarks come about every minute; silence much longer means a dead link. */
		.idle_ms = 150000,
		.on_line = watch_line,
		.on_done = watch_done,
		.arg = inf,
	};
	inf->phase = INF_WATCHING;
	inf->watch_started = clock_mono();
	inf->watch_events = inf->watch_bad = 0;
	inf->watch_error = false;
	inf->req = kube_http_start(k->http, &o);
}

/* ---- polled objects ---- */

static void start_log(struct kube_sync *k, const struct kube_proxy_pod *p, bool tail);

static void take_pods(struct kube_sync *k, struct kube_state *tmp)
{
	/* What the logs said carries over while the pod and its restart count stay. */
	for (size_t i = 0; i < tmp->n_proxies; i++) {
		struct kube_proxy_pod *p = &tmp->proxies[i];
		for (size_t j = 0; j < k->st.n_proxies; j++) {
			struct kube_proxy_pod *o = &k->st.proxies[j];
			if (strcmp(o->name, p->name) != 0 || o->restarts != p->restarts)
				continue;
			memcpy(p->log_mode, o->log_mode, sizeof(p->log_mode));
			p->log_tail = o->log_tail;
			o->log_tail = NULL;
		}
	}
	for (size_t j = 0; j < k->st.n_proxies; j++)
		kube_proxy_pod_free(&k->st.proxies[j]);
	free(k->st.proxies);
	k->st.proxies = tmp->proxies;
	k->st.n_proxies = tmp->n_proxies;
	tmp->proxies = NULL;
	tmp->n_proxies = 0;
	for (size_t i = 0; i < k->st.n_proxies && k->logs_running < 8; i++) {
		struct kube_proxy_pod *p = &k->st.proxies[i];
		if (!p->log_mode[0])
			start_log(k, p, false);
		if (p->waiting_reason[0] && !p->log_tail)
			start_log(k, p, true);
	}
}

static void poll_done_inner(const struct kube_reply *r, struct poller *p);

static void poll_done(const struct kube_reply *r, void *arg)
{
	struct poller *p = arg;
	poll_done_inner(r, p);
	if (!p->answered) {
		p->answered = true;
		maybe_first_result(p->k);
	}
}

/* FNV-1a over a reply body: polls answer the same thing most of the time. */
static uint64_t body_digest(const char *b, size_t n)
{
	return hash_fnv1a(HASH_FNV1A_INIT, b, n) ^ n;
}

static void poll_done_inner(const struct kube_reply *r, struct poller *p)
{
	struct kube_sync *k = p->k;
	char msg[256];
	struct kube_state tmp;
	struct kube_items items = {.kind = KUBE_ITEM_POD};
	int rc = -EINVAL;
	p->req = NULL;
	memset(&tmp, 0, sizeof(tmp));
	uint64_t digest = r->status == 200 && !r->error ? body_digest(r->body, r->len) : 0;
	if (r->status == 200 && !r->error && p->have_body && digest == p->body) {
		/*
		 * What the last poll said, to the byte: nothing to parse, nothing to publish (on
		 * a big cluster a publish is a deep copy of the state and a join in the UI).
		 */
		p->failures = 0;
		p->next_at = clock_mono() + (p->id == P_VERSION ? 600 : k->opts.poll_interval);
		set_error(k, K_COUNT + (int)p->id, NULL);
		return;
	}
	if (r->status == 200 && !r->error) {
		cJSON *doc = NULL;
		switch (p->id) {
		case P_VERSION:
			rc = kube_parse_version(r->body, r->len, k->st.version, sizeof(k->st.version),
						&k->st.minor);
			break;
		case P_CONFIGMAP:
		case P_DAEMONSET:
			doc = cJSON_ParseWithLength(r->body, r->len);
			if (doc && p->id == P_CONFIGMAP)
				rc = kube_parse_configmap(doc, &k->st.config, NULL);
			else if (doc)
				rc = kube_parse_daemonset(doc, &k->st.ds);
			cJSON_Delete(doc);
			break;
		case P_PODS:
		case P_NODES:
			/*
			 * A malformed object is skipped; a lack of memory fails the poll (the last
			 * list is kept) rather than publish a list without the item.
			 */
			items.kind = p->id == P_PODS ? KUBE_ITEM_POD : KUBE_ITEM_NODE;
			rc = kube_parse_list(r->body, r->len, kube_items_add, &items, NULL, 0, NULL,
					     0);
			if (rc >= 0 && p->id == P_PODS) {
				tmp.proxies = items.v;
				tmp.n_proxies = items.n;
				items.v = NULL;
				items.n = items.cap = 0;
				take_pods(k, &tmp);
			} else if (rc >= 0) {
				for (size_t i = 0; i < k->st.n_nodes; i++)
					kube_node_free(&k->st.nodes[i]);
				free(k->st.nodes);
				k->st.nodes = items.v;
				k->st.n_nodes = items.n;
				items.v = NULL;
				items.n = items.cap = 0;
			}
			kube_items_free(&items);
			break;
		case P_COUNT:
			break;
		}
		kube_state_free(&tmp);
		if (rc >= 0) {
			p->failures = 0;
			p->next_at =
			    clock_mono() + (p->id == P_VERSION ? 600 : k->opts.poll_interval);
			p->have_body = true;
			p->body = digest;
			k->dirty = true;
			set_error(k, K_COUNT + (int)p->id, NULL);
			return;
		}
		if (rc == -ENOMEM)
			snprintf(msg, sizeof(msg), _("GET %s: %s"), p->path, strerror(ENOMEM));
		else if (rc == -E2BIG && p->id == P_CONFIGMAP && k->st.config.too_long)
			snprintf(msg, sizeof(msg), _("kube-proxy ConfigMap: %s is too long"),
				 k->st.config.too_long);
		else
			snprintf(msg, sizeof(msg), _("GET %s: the reply could not be read"),
				 p->path);
	} else if (r->status == 404 && (p->id == P_CONFIGMAP || p->id == P_DAEMONSET)) {
		/* Not a kubeadm cluster, or kube-proxy is not deployed that way: not an error. */
		bool *known = p->id == P_CONFIGMAP ? &k->st.config.known : &k->st.ds.known;
		if (*known || p->have_body)
			k->dirty = true;
		*known = false;
		p->have_body = false;
		p->next_at = clock_mono() + k->opts.poll_interval;
		set_error(k, K_COUNT + (int)p->id, NULL);
		return;
	} else {
		describe(r, p->path, msg, sizeof(msg));
	}
	p->next_at = clock_mono() + backoff(p->failures++, r->retry_after);
	set_error(k, K_COUNT + (int)p->id, msg);
}

/* Frees a log request: when it is done, or still running when ipvstop stops. */
static void log_drop(void *arg)
{
	struct log_req *lr = arg;
	free(lr->pod);
	free(lr);
}

static void log_done(const struct kube_reply *r, void *arg)
{
	struct log_req *lr = arg;
	struct kube_sync *k = lr->k;
	k->logs_running--;
	for (size_t i = 0; r->status == 200 && !r->error && i < k->st.n_proxies; i++) {
		struct kube_proxy_pod *p = &k->st.proxies[i];
		if (strcmp(p->name, lr->pod) != 0)
			continue;
		if (lr->tail) {
			free(p->log_tail);
			p->log_tail = strndup(r->body, r->len);
		} else if (kube_parse_proxier_log(r->body, r->len, p->log_mode) != 0) {
			/* Logged nothing we know (yet): "?" stops asking until it restarts. */
			snprintf(p->log_mode, sizeof(p->log_mode), "?");
		}
		k->dirty = true;
	}
	log_drop(lr);
	maybe_first_result(k);
}

static void start_log(struct kube_sync *k, const struct kube_proxy_pod *p, bool tail)
{
	struct log_req *lr = calloc(1, sizeof(*lr));
	char path[512];
	if (!lr || !(lr->pod = strdup(p->name))) {
		free(lr);
		return;
	}
	lr->k = k;
	lr->tail = tail;
	/*
	 * The proxier line is written at start-up: the head of the log has it, however long
	 * the pod has run. A crash-looping pod's last words are in its previous container.
	 */
	if (tail)
		snprintf(path, sizeof(path),
			 "/api/v1/namespaces/kube-system/pods/%s/log?tailLines=15%s", p->name,
			 p->restarts ? "&previous=true" : "");
	else
		snprintf(path, sizeof(path),
			 "/api/v1/namespaces/kube-system/pods/%s/log?limitBytes=262144", p->name);
	struct kube_request_opts o = {
		.path = path,
		.timeout_ms = 15000,
		.on_done = log_done,
		.on_drop = log_drop,
		.arg = lr,
	};
	if (kube_http_start(k->http, &o))
		k->logs_running++;
	else
		log_drop(lr);
}

static void start_poll(struct poller *p)
{
	struct kube_sync *k = p->k;
	struct kube_request_opts o = {
		.path = p->path,
		.timeout_ms = k->opts.request_timeout_ms > 0 ? k->opts.request_timeout_ms : 15000,
		.on_done = poll_done,
		.arg = p,
	};
	p->next_at = clock_mono() + 3600; /* until it answers */
	p->req = kube_http_start(k->http, &o);
}

/* kube-proxy on this node answers on its metrics port; a second at most for each. */
static void poll_local(struct kube_sync *k)
{
	char buf[16] = "";
	int err = 0;
	if (k->opts.local_proxy_url) {
		char *body;
		size_t len;
		err = kp_local_get(k->opts.local_proxy_url, KP_LOCAL_TIMEOUT_MS, 64, &body, &len,
				   NULL, 0);
		if (err == 0) {
			snprintf(buf, sizeof(buf), "%s", body);
			free(body);
		}
	}
	for (char *p = buf; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == ' ')
			*p = '\0';
	bool ipvs0 = if_nametoindex("kube-ipvs0") != 0;
	if (strcmp(buf, k->st.local_mode) != 0 || ipvs0 != k->st.kube_ipvs0) {
		snprintf(k->st.local_mode, sizeof(k->st.local_mode), "%s", buf);
		k->st.kube_ipvs0 = ipvs0;
		k->dirty = true;
	}
	if (k->opts.local_metrics_url) {
		/* Read outside the lock (up to a second); only the copy is made under it. */
		pthread_mutex_lock(&k->lock);
		struct kp_local kp = k->local_kp;
		pthread_mutex_unlock(&k->lock);
		kp_local_poll_metrics(&kp, k->opts.local_metrics_url,
				      err == -ETIMEDOUT ? k->opts.local_proxy_url : NULL);
		pthread_mutex_lock(&k->lock);
		k->local_kp = kp;
		pthread_mutex_unlock(&k->lock);
	}
}

static bool stopping(struct kube_sync *k)
{
	pthread_mutex_lock(&k->lock);
	bool s = k->stop;
	pthread_mutex_unlock(&k->lock);
	return s;
}

/*
 * The first picture is late (kube_sync_wait gave up after `after` seconds): each list or
 * poll with no answer yet says so in its error slot, so that -j's document says what went
 * wrong ("GET /api/v1/services: no answer in 5 s"), not only that it is not synced. An
 * answer that comes later replaces it.
 */
static void say_unanswered(struct kube_sync *k, double after)
{
	char msg[256];
	for (int i = 0; i < K_COUNT; i++) {
		const struct informer *inf = &k->inf[i];
		if (inf->phase == INF_LISTING && !inf->failed_once && !k->errors[i][0]) {
			snprintf(msg, sizeof(msg), _("GET %s: no answer in %g s"), inf->path, after);
			set_error(k, i, msg);
		}
	}
	for (int i = 0; i < P_COUNT; i++) {
		const struct poller *p = &k->poll[i];
		if (!p->answered && p->req && !k->errors[K_COUNT + i][0]) {
			snprintf(msg, sizeof(msg), _("GET %s: no answer in %g s"), p->path, after);
			set_error(k, K_COUNT + i, msg);
		}
	}
	publish(k, true);
}

/* Answers a kube_sync_wait that ran out, once. */
static void answer_late_wait(struct kube_sync *k)
{
	pthread_mutex_lock(&k->lock);
	double after = k->wait_said ? 0 : k->wait_expired;
	pthread_mutex_unlock(&k->lock);
	if (after <= 0)
		return;
	say_unanswered(k, after);
	pthread_mutex_lock(&k->lock);
	k->wait_said = true;
	pthread_cond_broadcast(&k->cond);
	pthread_mutex_unlock(&k->lock);
}

static void *run(void *arg)
{
	struct kube_sync *k = arg;
	static const char *const poll_paths[P_COUNT] = {
		"/version",
		"/api/v1/namespaces/kube-system/configmaps/kube-proxy",
		"/apis/apps/v1/namespaces/kube-system/daemonsets/kube-proxy",
		"/api/v1/namespaces/kube-system/pods?labelSelector=k8s-app%3Dkube-proxy",
		"/api/v1/nodes",
	};
	static const char *const inf_paths[K_COUNT] = {
		"/api/v1/services",
		"/apis/discovery.k8s.io/v1/endpointslices",
	};
	for (int i = 0; i < K_COUNT; i++)
		k->inf[i] = (struct informer){.k = k,
					      .kind = (enum kind)i,
					      .path = inf_paths[i],
					      .tmp = {.kind = item_kind((enum kind)i)}};
	for (int i = 0; i < P_COUNT; i++)
		k->poll[i] = (struct poller){.k = k, .id = (enum poll_id)i, .path = poll_paths[i]};

	double next_local = 0;
	while (!stopping(k)) {
		double t = clock_mono();
		for (int i = 0; i < K_COUNT; i++)
			if (k->inf[i].phase == INF_IDLE && !k->inf[i].req && t >= k->inf[i].retry_at)
				start_list(&k->inf[i]);
		for (int i = 0; i < P_COUNT; i++)
			if (!k->poll[i].req && t >= k->poll[i].next_at)
				start_poll(&k->poll[i]);
		if (t >= next_local) {
			poll_local(k);
			next_local = t + k->opts.poll_interval;
		}
		kube_http_run(k->http, 250);
		answer_late_wait(k);
		publish(k, false);
	}
	return NULL;
}

struct kube_sync *kube_sync_start(const struct kube_sync_opts *o)
{
	struct kube_sync *k = calloc(1, sizeof(*k));
	if (!k)
		return NULL;
	k->opts = *o;
	for (int i = 0; i < K_COUNT; i++)
		k->map[i] = SMAP_EMPTY;
	if (k->opts.poll_interval <= 0)
		k->opts.poll_interval = 10;
	if (mailbox_init(&k->box, &k->latest, sizeof(k->latest), latest_drop) != 0) {
		free(k);
		return NULL;
	}
	worker_lock_init(&k->lock, &k->cond, CLOCK_REALTIME);
	if (o->node_name)
		snprintf(k->node_name, sizeof(k->node_name), "%s", o->node_name);
	else if (gethostname(k->node_name, sizeof(k->node_name) - 1) != 0)
		k->node_name[0] = '\0';
	/* The join needs it for Services with a Local traffic policy. */
	snprintf(k->st.local_node, sizeof(k->st.local_node), "%s", k->node_name);

	char err[512];
	if (kube_config_load(&o->config, &k->cred, err, sizeof(err)) != 0) {
		snprintf(k->st.why, sizeof(k->st.why), "%.255s", err);
	} else {
		k->have_cred = true;
		snprintf(k->st.context, sizeof(k->st.context), "%s",
			 k->cred.context ? k->cred.context : "");
		snprintf(k->st.user, sizeof(k->st.user), "%s", k->cred.user ? k->cred.user : "");
		snprintf(k->st.server, sizeof(k->st.server), "%s",
			 k->cred.server ? k->cred.server : "");
		k->st.insecure = k->cred.insecure;
		k->http = kube_http_new(&k->cred, err, sizeof(err));
		if (!k->http)
			snprintf(k->st.why, sizeof(k->st.why), "%.255s", err);
	}
	k->st.enabled = k->http != NULL;
	k->st.error = k->have_cred && !k->http;
	k->dirty = true;
	publish(k, true);
	if (!k->http) {
		first_result(k);
		return k;
	}
	if (pthread_create(&k->thread, NULL, run, k) == 0)
		k->thread_started = true;
	else {
		snprintf(k->st.why, sizeof(k->st.why), "%s", strerror(EAGAIN));
		first_result(k);
	}
	return k;
}

void kube_sync_stop(struct kube_sync *k)
{
	if (!k)
		return;
	worker_set(&k->lock, &k->cond, &k->stop, true);
	if (k->thread_started) {
		kube_http_wakeup(k->http);
		pthread_join(k->thread, NULL);
	}
	for (int i = 0; i < K_COUNT; i++) {
		tmp_free(&k->inf[i]);
		smap_clear(&k->map[i]);
	}
	kube_http_free(k->http);
	if (k->have_cred)
		kube_credentials_free(&k->cred);
	kube_state_free(&k->st);
	mailbox_destroy(&k->box);
	worker_lock_destroy(&k->lock, &k->cond);
	free(k);
}

int kube_sync_fd(const struct kube_sync *k)
{
	return mailbox_fd(&k->box);
}

bool kube_sync_take(struct kube_sync *k, struct kube_state *out)
{
	return mailbox_take(&k->box, out);
}

void kube_sync_local_metrics(struct kube_sync *k, struct kp_local *out)
{
	pthread_mutex_lock(&k->lock);
	*out = k->local_kp;
	pthread_mutex_unlock(&k->lock);
}

bool kube_sync_wait(struct kube_sync *k, double timeout)
{
	struct timespec ts;
	clock_deadline(CLOCK_REALTIME, timeout, &ts);
	pthread_mutex_lock(&k->lock);
	while (!k->first_done)
		if (pthread_cond_timedwait(&k->cond, &k->lock, &ts) == ETIMEDOUT)
			break;
	bool done = k->first_done;
	if (!done && k->thread_started && !k->stop) {
		/* Ask the thread to say what is unanswered, and wait (briefly) until it has. */
		k->wait_expired = timeout;
		clock_deadline(CLOCK_REALTIME, 2, &ts);
		while (!k->wait_said && !k->first_done)
			if (pthread_cond_timedwait(&k->cond, &k->lock, &ts) == ETIMEDOUT)
				break;
	}
	pthread_mutex_unlock(&k->lock);
	return done;
}
