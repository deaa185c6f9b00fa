/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The reading thread: collects (or replays) snapshots and wakes the UI through a pipe. */
#include "config.h"

#include <errno.h>
#ifdef HAVE_MALLOC_TRIM
#include <malloc.h>
#endif
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "array.h"
#include "cancel.h"
#include "clock.h"
#include "dp_feed.h"
#include "feed.h"
#include "json_read.h"
#include "mailbox.h"
#include "rates.h"
#include "sweep.h"
#include "trace.h"
#include "worker.h"

struct feed {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct mailbox box;	/* the latest snapshot, for the UI */
	struct snapshot latest; /* box's slot */

	struct collector *collector;
	struct dp_feed *dpf; /* the data planes, read in a thread of their own; NULL: not read */
	FILE *replay;
	struct feed_recorder record; /* write NULL: none */
	int record_err;               /* under lock: the first failed write, or 0 */

	/* Under lock. */
	double interval;
	bool paused, step, stop, connections, replay_ended;
	bool dp_arrived; /* the data-plane thread has a new read (dataplane_arrived) */
	bool dp_shown;	 /* a snapshot with a data-plane read was published */
	struct snapshot last_recorded; /* for computed rates in the recording */
	struct snapshot rec_prev;      /* what last_recorded's rates were computed against */
	double rec_dp_mono;            /* read_mono of the last data-plane read recorded */
	bool have_rec_prev;
	struct ipvs_svc_key focus[FEED_FOCUS_MAX];
	size_t n_focus;
	bool focus_changed; /* read the new focus at once */
	double sweep_base, sweep_max; /* feed_set_sweep_period */

	/*
	 * The reading thread's own, live over netlink: the table as last read, each row as
	 * fresh as the sweep made it (see sweep.h); published as copies that share its
	 * destination arrays.
	 */
	bool have_model;
	bool trim_due; /* a refresh of a big table was read: give back what it left (heap_trim) */
	struct snapshot model;
	struct rates_index *ix; /* model's services by identity */
	struct sweep sweep;
	struct ipvs_svc_key work_focus[FEED_FOCUS_MAX];
	size_t *removed; /* indices of services found gone in this refresh */
	size_t n_removed, cap_removed;
};

static void latest_drop(void *s)
{
	snapshot_free(s);
}

/* Hands s to the UI (s is taken over and left empty). */
static void publish(struct feed *f, struct snapshot *s)
{
	mailbox_put(&f->box, s);
}

/* Reads the next recording line into s; false at the end. Bad lines are skipped. */
static bool replay_next(struct feed *f, struct snapshot *s)
{
	bool end = true;
	return json_read_next(f->replay, s, &end) == 0 && !end;
}

/* CPU time of this thread, the kernel's work in its netlink dumps included. */
static double thread_cpu(void)
{
	return clock_seconds(CLOCK_THREAD_CPUTIME_ID);
}

int feed_record_error(struct feed *f)
{
	pthread_mutex_lock(&f->lock);
	int err = f->record_err;
	pthread_mutex_unlock(&f->lock);
	return err;
}

/* Writes s to the recording, if any, and hands it to the UI (s is taken over). */
static void record_and_publish(struct feed *f, struct snapshot *s)
{
	/* The newest read of the data planes, however old: they change slowly. */
	if (f->dpf && !s->dp)
		s->dp = dp_feed_latest(f->dpf);
	if (s->dp)
		f->dp_shown = true;
	if (f->record.write) {
		/*
		 * Each read of the data planes is recorded once, with the first snapshot that
		 * carries it: at 10,000 Services it is megabytes of JSON, too much for every line.
		 */
		struct dataplane *dp = s->dp;
		if (dp && dp->read_mono == f->rec_dp_mono)
			s->dp = NULL;
		else if (dp)
			f->rec_dp_mono = dp->read_mono;
		/* Rows are of different ages: each is compared with its own previous reading. */
		struct snapshot prev;
		bool have_prev = f->last_recorded.mono > 0 &&
				 rates_prev_next(&prev, f->have_rec_prev ? &f->rec_prev : NULL,
						 &f->last_recorded, s) == 0;
		int err = f->record.write(f->record.arg, s, have_prev ? &prev : NULL);
		s->dp = dp;
		if (err) {
			/* Said by the dashboard; nothing more is written to a broken recording. */
			pthread_mutex_lock(&f->lock);
			f->record_err = err;
			pthread_mutex_unlock(&f->lock);
			f->record.write = NULL;
		}
		if (f->have_rec_prev)
			snapshot_free(&f->rec_prev);
		f->rec_prev = prev;
		f->have_rec_prev = have_prev;
		snapshot_free(&f->last_recorded);
		/* Rates need only counters: keep a copy of the table, not of the conns. */
		snapshot_share_table(&f->last_recorded, s);
	}
	publish(f, s);
}

static bool stopping(struct feed *f)
{
	pthread_mutex_lock(&f->lock);
	bool stop = f->stop;
	pthread_mutex_unlock(&f->lock);
	return stop;
}

static void model_drop(struct feed *f)
{
	rates_index_free(f->ix);
	f->ix = NULL;
	if (f->have_model)
		snapshot_free(&f->model);
	f->have_model = false;
}

static int model_reindex(struct feed *f)
{
	rates_index_free(f->ix);
	f->ix = rates_index_new(&f->model);
	return f->ix ? 0 : -ENOMEM;
}

/* The model's index of the service with probe's identity, or SIZE_MAX. */
static size_t model_find(struct feed *f, const struct ipvs_service *probe)
{
	return rates_index_find_at(f->ix, probe);
}

static size_t model_find_key(struct feed *f, const struct ipvs_svc_key *k)
{
	struct ipvs_service probe;
	memset(&probe, 0, sizeof(probe));
	probe.af = k->af;
	probe.protocol = k->protocol;
	probe.port = k->port;
	probe.fwmark = k->fwmark;
	probe.addr = k->addr;
	return model_find(f, &probe);
}

static int note_removed(struct feed *f, size_t i)
{
	if (array_reserve(&f->removed, f->n_removed, &f->cap_removed, sizeof(*f->removed), 16))
		return -ENOMEM;
	f->removed[f->n_removed++] = i;
	return 0;
}

static int cmp_size(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;
	return x < y ? -1 : x > y;
}

/* Takes the services found gone out of the model (the sweep's cursor moves with them). */
static int model_compact(struct feed *f)
{
	if (!f->n_removed)
		return 0;
	qsort(f->removed, f->n_removed, sizeof(*f->removed), cmp_size);
	if (snapshot_remove_services(&f->model, f->removed, f->n_removed) != 0)
		return -ENOMEM;
	/* From the last index down, so that each one is counted against the original order. */
	for (size_t k = f->n_removed; k-- > 0;)
		if (k == 0 || f->removed[k] != f->removed[k - 1])
			sweep_removed(&f->sweep, f->removed[k]);
	f->n_removed = 0;
	return model_reindex(f);
}

/*
 * Re-reads service i of the model (its chunk copied first while the dashboard holds the
 * one published); a service found gone is noted for model_compact().
 */
static int reread(struct feed *f, size_t i, bool stats)
{
	struct ipvs_service *svc = snapshot_service_mut(&f->model, i);
	int err = svc ? collector_read_service(f->collector, svc, stats) : -ENOMEM;
	if (err == -ESRCH)
		return note_removed(f, i);
	return err;
}

/* A pass's service dump, merged into the model as it comes (dump_one). */
struct dump_merge {
	struct feed *f;
	bool *seen;		    /* per service of the model: listed by the dump */
	struct ipvs_service *added; /* services new to the table, in dump order */
	size_t n_added, cap_added;
};

/*
 * One service of the dump: a service of the model takes its stats and settings (its
 * chunk copied only when they changed: the snapshot's services_mono says they were read),
 * a new one is kept to be added after the dump.
 */
static int dump_one(void *arg, const struct ipvs_service *svc)
{
	struct dump_merge *d = arg;
	struct snapshot *m = &d->f->model;
	size_t at = model_find(d->f, svc);
	if (at == SIZE_MAX) {
		if (array_reserve(&d->added, d->n_added, &d->cap_added, sizeof(*d->added), 64))
			return -ENOMEM;
		d->added[d->n_added++] = *svc;
		return 0;
	}
	d->seen[at] = true;
	const struct ipvs_service *o = snapshot_service(m, at);
	/* svc as it would be in the model: the destinations are the model's own. */
	struct ipvs_service n = *svc;
	service_keep_dests(&n, o);
	n.stats_mono = o->stats_mono;
	if (memcmp(&n, o, sizeof(n)) == 0)
		return 0;
	struct ipvs_service *w = snapshot_service_mut(m, at);
	if (!w)
		return -ENOMEM;
	*w = n;
	return 0;
}

/*
 * A new service dump into the model: every service's stats (the time: services_mono),
 * services gone noted for model_compact(), new ones added with their real servers pending.
 * On an idle table nothing is copied; each changed service copies its chunk.
 */
static int model_dump(struct feed *f)
{
	struct snapshot *m = &f->model;
	struct dump_merge d = {f, calloc(m->n_services ? m->n_services : 1, sizeof(bool)), NULL, 0,
			       0};
	int err = d.seen ? collector_dump_services(f->collector, dump_one, &d) : -ENOMEM;
	double now = clock_mono();
	for (size_t i = 0; i < m->n_services && !err; i++)
		if (!d.seen[i])
			err = note_removed(f, i);
	for (size_t i = 0; i < d.n_added && !err; i++) {
		struct ipvs_service *p = snapshot_add_service(m);
		if (!p) {
			err = -ENOMEM;
			break;
		}
		*p = d.added[i];
		p->dests_pending = true;
		p->stats_mono = now;
	}
	if (!err)
		m->services_mono = now;
	if (!err && d.n_added)
		err = model_reindex(f);
	free(d.seen);
	free(d.added);
	return err;
}

/*
 * The model for the UI: the same chunks of services (the next refresh copies those it
 * changes, see reread), so that a big table is held about once between refreshes.
 */
static int publish_model(struct feed *f)
{
	struct snapshot s;
	if (snapshot_share_table(&s, &f->model) != 0 || snapshot_copy_extras(&s, &f->model) != 0) {
		snapshot_free(&s);
		return -ENOMEM;
	}
	s.sweep_period = f->model.n_services > f->sweep.whole_max ? f->sweep.period : 0;
	record_and_publish(f, &s);
	trace_mark("feed: model published");
	return 0;
}

/*
 * The first read of a live feed: the table, published as soon as it is in. *done when the
 * refresh ends here (a whole snapshot without netlink was published, or the feed stops);
 * otherwise the model is made. 0, or an error to start over with.
 */
static int live_first(struct feed *f, double now, bool *done)
{
	struct snapshot s;
	*done = true;
	if (collector_read_start(f->collector, &s) != 0 || stopping(f)) {
		/* Stopping: a read cut short is no snapshot, not even in the recording. */
		snapshot_free(&s);
		return 0;
	}
	if (s.source != IPVS_SOURCE_NETLINK) {
		record_and_publish(f, &s);
		return 0;
	}
	trace_mark("feed: first read, %zu services", s.n_services);
	*done = false;
	f->model = s;
	f->have_model = true;
	sweep_pass_started(&f->sweep, now);
	/*
	 * The first frame: the model and the dashboard share the table. Published before the
	 * model's index is built (20,000 services: 15 ms under emulation), which only the
	 * reads after it use.
	 */
	if (publish_model(f) != 0 || model_reindex(f) != 0)
		return -ENOMEM;
	return 0;
}

/*
 * Services new to the table: their real servers now rather than when the pass gets to
 * them, so that a new service is whole within a pass of appearing (as many as a refresh's
 * share of the sweep, at least 64).
 */
static int read_new_services(struct feed *f, double now, double interval)
{
	int err = 0;
	size_t q = sweep_quota(&f->sweep, f->model.n_services, now, interval);
	if (q < 64)
		q = 64;
	for (size_t i = 0; i < f->model.n_services && q && !err; i++) {
		if (snapshot_service(&f->model, i)->dests_pending) {
			err = reread(f, i, false);
			q--;
		}
	}
	return err;
}

/*
 * At each refresh of a big table, for what the one before left: the dashboard has let go
 * of the chunks it replaced by then. Gives the heap's free pages back to the kernel. glibc
 * gives back only the top of the heap by itself, so on a busy table, where a pass's dump
 * changes most services and the focus changes chunks many times a second, the replaced
 * chunks would stay resident as holes.
 */
static void heap_trim(struct feed *f)
{
	if (!f->trim_due)
		return;
	f->trim_due = false;
#ifdef HAVE_MALLOC_TRIM
	double t0 = clock_mono();
	malloc_trim(0);
	trace_mark("feed: heap trimmed in %.2f ms", (clock_mono() - t0) * 1e3);
#endif
}

/* The header and totals, and the service dump when a sweep pass is due. 0 or an error. */
static int live_table(struct feed *f, double now, double interval)
{
	/*
	 * The model shares its chunks of services with the snapshot the dashboard holds: the
	 * dump and the re-reads copy the chunks of the services they change.
	 */
	heap_trim(f);
	f->trim_due = f->model.n_services > f->sweep.whole_max;
	int err = collector_read_header(f->collector, &f->model);
	bool dump = !err && sweep_pass_due(&f->sweep, f->model.n_services, now);
	if (dump) {
		double cpu0 = thread_cpu();
		err = model_dump(f);
		trace_mark("feed: pass's service dump, %zu services", f->model.n_services);
		if (!err)
			sweep_pass_started(&f->sweep, now);
		if (!err)
			err = read_new_services(f, now, interval);
		/* Counted to the pass just started: the last one's set its period. */
		sweep_add_cost(&f->sweep, thread_cpu() - cpu0);
	}
	return err;
}

/* The focus services' stats and real servers (focus_only: those not read lately). */
static int read_focus(struct feed *f, bool focus_only, double now, double interval)
{
	int err = 0;
	pthread_mutex_lock(&f->lock);
	size_t n_focus = f->n_focus;
	memcpy(f->work_focus, f->focus, n_focus * sizeof(*f->focus));
	f->focus_changed = false;
	pthread_mutex_unlock(&f->lock);

	for (size_t i = 0; i < n_focus && !err; i++) {
		size_t at = model_find_key(f, &f->work_focus[i]);
		if (at == SIZE_MAX)
			continue;
		const struct ipvs_service *svc = snapshot_service(&f->model, at);
		if (focus_only && svc->dests_mono > now - interval / 2)
			continue;
		/* Stats read since this refresh began came with its service dump. */
		err = reread(f, at, !(snapshot_stats_mono(&f->model, svc) >= now));
	}
	return err;
}

/* This refresh's share of the sweep: real servers of the services after the cursor. */
static int read_sweep_share(struct feed *f, double now, double interval)
{
	int err = 0;
	double cpu0 = thread_cpu();
	size_t q = sweep_quota(&f->sweep, f->model.n_services, now, interval);
	while (q-- > 0 && f->sweep.cursor < f->model.n_services && !err) {
		size_t at = f->sweep.cursor++;
		if (snapshot_service(&f->model, at)->dests_mono >= now)
			continue; /* just read for the focus */
		err = reread(f, at, false);
	}
	sweep_add_cost(&f->sweep, thread_cpu() - cpu0);
	return err;
}

/*
 * One refresh of a live feed. Over netlink: the header and totals; the service dump when
 * a sweep pass is due; the focus (stats and real servers); the sweep's share of the rest.
 * focus_only: only the focus services not read in the last half interval (the focus just
 * changed). The first refresh publishes as soon as the service dump is in, before any
 * real server is read. Without netlink (the /proc fallback, or IPVS unavailable) every
 * refresh is a whole read, as collector_read().
 */
static void live_tick(struct feed *f, bool conns, bool focus_only, double interval)
{
	double now = clock_mono();
	int err = 0;

	collector_set_connections(f->collector, conns);
	if (!f->have_model) {
		bool done;
		if (focus_only)
			return;
		err = live_first(f, now, &done);
		/*
		 * A big table's first refresh ends with its service dump on screen: the real
		 * servers the dashboard shows come next (the focus it sends on that frame), then
		 * the sweep's share at the next refresh, whose quota makes up for this one.
		 */
		if (done || (!err && f->model.n_services > f->sweep.whole_max))
			return;
	} else if (!focus_only) {
		err = live_table(f, now, interval);
	}
	if (!err)
		err = read_focus(f, focus_only, now, interval);
	trace_mark(err ? "feed: focus read failed" : "feed: focus read");
	if (!focus_only && !err)
		err = read_sweep_share(f, now, interval);
	if (!err)
		err = model_compact(f);
	if (!err)
		err = publish_model(f);
	if (!err)
		return;
	/* A read failed (rmmod ip_vs, a lost socket): start over, which words the error. */
	f->n_removed = 0;
	model_drop(f);
	if (stopping(f))
		return; /* cancelled by feed_stop */
	if (!focus_only)
		live_tick(f, conns, false, interval);
}

static void read_once(struct feed *f, bool connections, bool focus_only, double interval)
{
	struct snapshot s;
	if (!f->replay) {
		live_tick(f, connections, focus_only, interval);
		return;
	}
	if (focus_only)
		return;
	memset(&s, 0, sizeof(s));
	if (!replay_next(f, &s)) {
		pthread_mutex_lock(&f->lock);
		f->replay_ended = true;
		pthread_mutex_unlock(&f->lock);
		mailbox_wake(&f->box);
		return;
	}
	publish(f, &s);
}

static void *run(void *arg)
{
	struct feed *f = arg;
	struct timespec next;
	bool first = true;

	pthread_mutex_lock(&f->lock);
	while (!f->stop) {
		if (!first) {
			/* Until stopped, stepped, or the next read is due (never while paused). */
			while (!f->stop && !f->step && !(f->focus_changed && !f->paused) &&
			       !(f->dp_arrived && !f->paused)) {
				if (f->paused || f->replay_ended) {
					pthread_cond_wait(&f->cond, &f->lock);
					continue;
				}
				if (pthread_cond_timedwait(&f->cond, &f->lock, &next) == ETIMEDOUT)
					break;
			}
			if (f->stop)
				break;
		}
		/* A focus change alone reads the new focus and keeps the schedule. */
		bool due = first || f->step || clock_passed(&next);
		bool focus_only = !due && f->focus_changed;
		/*
		 * A new data-plane read alone: the first one goes out at once with the model as
		 * last read (nothing read from the kernel); later ones with the next refresh.
		 */
		bool dp_new = !due && !f->focus_changed && f->dp_arrived;
		bool dp_only = dp_new && f->have_model && !f->dp_shown;
		f->dp_arrived = false;
		if (dp_new && !dp_only)
			continue;
		first = false;
		f->step = false;
		bool conns = f->connections;
		/* Only feed_set_connections(false) cancels the list, under the same lock. */
		if (conns && f->collector)
			collector_uncancel(f->collector, CANCEL_CONNS);
		double interval = f->interval;
		if (f->sweep.base != f->sweep_base || f->sweep.max != f->sweep_max)
			sweep_set_limits(&f->sweep, f->sweep_base, f->sweep_max);
		pthread_mutex_unlock(&f->lock);
		if (!focus_only && !dp_only)
			clock_deadline(CLOCK_MONOTONIC, interval, &next);
		if (!dp_only)
			read_once(f, conns, focus_only, interval);
		else if (publish_model(f) != 0)
			model_drop(f); /* out of memory: the next refresh starts over */
		pthread_mutex_lock(&f->lock);
	}
	pthread_mutex_unlock(&f->lock);
	return NULL;
}

/*
 * The data-plane thread has a new read. The first one is shown at once, with the table as
 * last read, unless a snapshot already carried it; later ones ride on the next refresh (they
 * come at most once a refresh interval: dp_feed.h). A refresh here, as before, put the next
 * one off, read a share of a big table's sweep before the focus of the first frame, and at
 * every read made a second snapshot a second for the UI to sort and join.
 */
static void dataplane_arrived(void *arg)
{
	struct feed *f = arg;
	pthread_mutex_lock(&f->lock);
	if (!f->paused) {
		f->dp_arrived = true;
		pthread_cond_signal(&f->cond);
	}
	pthread_mutex_unlock(&f->lock);
}

/*
 * A live feed's collector reads the IPVS table; the data planes, when opts asks for them,
 * are read by a thread of their own (dp_feed.h), so that a slow listing never holds up a
 * refresh. 0 or -errno.
 */
static int start_live(struct feed *f, const struct collect_opts *opts, double interval)
{
	struct collect_opts co = *opts;
	const struct dataplane_opts *d = &opts->dataplane;
	memset(&co.dataplane, 0, sizeof(co.dataplane));
	f->collector = collector_new(&co);
	if (!f->collector)
		return -ENOMEM;
	if (!d->nftables && !d->iptables && !d->ipsets && !d->kube_ipvs0)
		return 0;
	double period = opts->dataplane_period > interval ? opts->dataplane_period : interval;
	f->dpf = dp_feed_start(d, period, dataplane_arrived, f);
	return f->dpf ? 0 : -errno;
}

struct feed *feed_start(const struct collect_opts *opts, double interval, FILE *replay,
			const struct feed_recorder *record)
{
	struct feed *f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->interval = interval;
	sweep_init(&f->sweep, SWEEP_PERIOD_S, SWEEP_PERIOD_MAX_S);
	f->sweep_base = SWEEP_PERIOD_S;
	f->sweep_max = SWEEP_PERIOD_MAX_S;
	f->replay = replay;
	if (record)
		f->record = *record;
	if (mailbox_init(&f->box, &f->latest, sizeof(f->latest), latest_drop) != 0) {
		free(f);
		return NULL;
	}
	/* Before the data-plane thread, which may wake the feed at once. */
	worker_lock_init(&f->lock, &f->cond, CLOCK_MONOTONIC);
	int err = replay ? 0 : start_live(f, opts, interval);
	if (!err)
		err = -pthread_create(&f->thread, NULL, run, f);
	if (!err)
		return f;
	dp_feed_stop(f->dpf);
	worker_lock_destroy(&f->lock, &f->cond);
	collector_free(f->collector);
	mailbox_destroy(&f->box);
	free(f);
	errno = -err;
	return NULL;
}

void feed_stop(struct feed *f)
{
	if (!f)
		return;
	/* No wake from the data-plane thread after this, which does not wait for its read. */
	dp_feed_stop(f->dpf);
	worker_set(&f->lock, &f->cond, &f->stop, true);
	/* A read in progress ends at its next datagram or 1,024 connection entries. */
	if (f->collector)
		collector_cancel(f->collector, CANCEL_ALL);
	pthread_join(f->thread, NULL);
	worker_lock_destroy(&f->lock, &f->cond);
	snapshot_free(&f->last_recorded);
	if (f->have_rec_prev)
		snapshot_free(&f->rec_prev);
	model_drop(f);
	free(f->removed);
	collector_free(f->collector);
	mailbox_destroy(&f->box);
	free(f);
}

int feed_fd(const struct feed *f)
{
	return mailbox_fd(&f->box);
}

bool feed_take(struct feed *f, struct snapshot *out)
{
	return mailbox_take(&f->box, out);
}

void feed_set_interval(struct feed *f, double interval)
{
	pthread_mutex_lock(&f->lock);
	f->interval = interval;
	pthread_mutex_unlock(&f->lock);
	/* Reading the data planes more often than the screen changes would be wasted. */
	if (f->dpf)
		dp_feed_set_period(f->dpf, interval);
}

void feed_set_paused(struct feed *f, bool paused)
{
	worker_set(&f->lock, &f->cond, &f->paused, paused);
}

void feed_step(struct feed *f)
{
	worker_set(&f->lock, &f->cond, &f->step, true);
}

void feed_set_connections(struct feed *f, bool on)
{
	/* Turning it on reads at once, so the pane fills without waiting a whole interval. */
	pthread_mutex_lock(&f->lock);
	f->connections = on;
	if (on)
		f->step = true;
	else if (f->collector)
		collector_cancel(f->collector, CANCEL_CONNS); /* a list being read is not wanted */
	pthread_cond_signal(&f->cond);
	pthread_mutex_unlock(&f->lock);
}

void feed_set_focus(struct feed *f, const struct ipvs_svc_key *keys, size_t n, bool at_once)
{
	if (n > FEED_FOCUS_MAX)
		n = FEED_FOCUS_MAX;
	pthread_mutex_lock(&f->lock);
	bool same = n == f->n_focus && (!n || memcmp(f->focus, keys, n * sizeof(*keys)) == 0);
	if (!same) {
		if (n)
			memcpy(f->focus, keys, n * sizeof(*keys));
		f->n_focus = n;
		/*
		 * Wakes the reading thread, which reads what it has not read lately at once.
		 * Otherwise the next tick reads it (read_focus takes the focus as it is then).
		 */
		if (at_once) {
			f->focus_changed = true;
			pthread_cond_signal(&f->cond);
		}
	}
	pthread_mutex_unlock(&f->lock);
}

void feed_set_sweep_period(struct feed *f, double base, double max)
{
	pthread_mutex_lock(&f->lock);
	if (base > 0) {
		f->sweep_base = base;
		f->sweep_max = max > base ? max : base;
	}
	pthread_mutex_unlock(&f->lock);
}

bool feed_replay_ended(struct feed *f)
{
	pthread_mutex_lock(&f->lock);
	bool ended = f->replay_ended;
	pthread_mutex_unlock(&f->lock);
	return ended;
}
