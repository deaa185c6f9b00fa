/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The reading thread: collects (or replays) snapshots and wakes the UI through a pipe. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "feed.h"
#include "json_read.h"
#include "output_json.h"

struct feed {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	int pipe[2];

	struct collector *collector;
	FILE *replay, *record;

	/* Under lock. */
	double interval;
	bool paused, step, stop, connections, replay_ended;
	bool have_latest;
	struct snapshot latest;
	struct snapshot last_recorded; /* for computed rates in the recording */
	struct ipvs_svc_key focus[FEED_FOCUS_MAX];
	size_t n_focus;
};

static void wake_ui(struct feed *f)
{
	char c = 1;
	/* A full pipe already means "something is waiting". */
	if (write(f->pipe[1], &c, 1) < 0 && errno != EAGAIN)
		return;
}

static void publish(struct feed *f, struct snapshot *s)
{
	pthread_mutex_lock(&f->lock);
	if (f->have_latest)
		snapshot_free(&f->latest);
	f->latest = *s;
	f->have_latest = true;
	pthread_mutex_unlock(&f->lock);
	memset(s, 0, sizeof(*s));
	wake_ui(f);
}

/* Reads the next recording line into s; false at the end. Bad lines are skipped. */
static bool replay_next(struct feed *f, struct snapshot *s)
{
	char *line = NULL;
	size_t cap = 0;
	bool ok = false;
	while (getline(&line, &cap, f->replay) > 0) {
		if (json_read_snapshot(line, s) == 0) {
			ok = true;
			break;
		}
		snapshot_free(s);
	}
	free(line);
	return ok;
}

static void read_once(struct feed *f, bool connections)
{
	struct snapshot s;
	memset(&s, 0, sizeof(s));
	if (f->replay) {
		if (!replay_next(f, &s)) {
			pthread_mutex_lock(&f->lock);
			f->replay_ended = true;
			pthread_mutex_unlock(&f->lock);
			wake_ui(f);
			return;
		}
	} else {
		collector_set_connections(f->collector, connections);
		if (collector_read(f->collector, &s) != 0) {
			snapshot_free(&s);
			return;
		}
		if (f->record) {
			output_json(f->record, &s,
				    f->last_recorded.mono > 0 ? &f->last_recorded : NULL, NULL);
			snapshot_free(&f->last_recorded);
			/* Rates need only counters: keep a copy of the table, not of the conns. */
			snapshot_copy_table(&f->last_recorded, &s);
		}
	}
	publish(f, &s);
}

static void deadline_after(struct timespec *ts, double seconds)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	double t = (double)ts->tv_sec + (double)ts->tv_nsec / 1e9 + seconds;
	ts->tv_sec = (time_t)t;
	ts->tv_nsec = (long)((t - (double)ts->tv_sec) * 1e9);
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
			while (!f->stop && !f->step) {
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
		first = false;
		f->step = false;
		bool conns = f->connections;
		double interval = f->interval;
		pthread_mutex_unlock(&f->lock);
		deadline_after(&next, interval);
		read_once(f, conns);
		pthread_mutex_lock(&f->lock);
	}
	pthread_mutex_unlock(&f->lock);
	return NULL;
}

struct feed *feed_start(const struct collect_opts *opts, double interval, FILE *replay,
			FILE *record)
{
	struct feed *f = calloc(1, sizeof(*f));
	if (!f)
		return NULL;
	f->interval = interval;
	f->replay = replay;
	f->record = record;
	if (pipe2(f->pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
		free(f);
		return NULL;
	}
	if (!replay) {
		f->collector = collector_new(opts);
		if (!f->collector)
			goto fail;
	}
	pthread_condattr_t ca;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&f->cond, &ca);
	pthread_condattr_destroy(&ca);
	pthread_mutex_init(&f->lock, NULL);
	int err = pthread_create(&f->thread, NULL, run, f);
	if (err) {
		pthread_cond_destroy(&f->cond);
		pthread_mutex_destroy(&f->lock);
		errno = err;
		goto fail;
	}
	return f;
fail:
	collector_free(f->collector);
	close(f->pipe[0]);
	close(f->pipe[1]);
	free(f);
	return NULL;
}

void feed_stop(struct feed *f)
{
	if (!f)
		return;
	pthread_mutex_lock(&f->lock);
	f->stop = true;
	pthread_cond_signal(&f->cond);
	pthread_mutex_unlock(&f->lock);
	pthread_join(f->thread, NULL);
	pthread_cond_destroy(&f->cond);
	pthread_mutex_destroy(&f->lock);
	if (f->have_latest)
		snapshot_free(&f->latest);
	snapshot_free(&f->last_recorded);
	collector_free(f->collector);
	close(f->pipe[0]);
	close(f->pipe[1]);
	free(f);
}

int feed_fd(const struct feed *f)
{
	return f->pipe[0];
}

bool feed_take(struct feed *f, struct snapshot *out)
{
	char buf[64];
	while (read(f->pipe[0], buf, sizeof(buf)) > 0)
		;
	pthread_mutex_lock(&f->lock);
	bool have = f->have_latest;
	if (have) {
		*out = f->latest;
		memset(&f->latest, 0, sizeof(f->latest));
		f->have_latest = false;
	}
	pthread_mutex_unlock(&f->lock);
	return have;
}

static void set_and_signal(struct feed *f, bool *field, bool value)
{
	pthread_mutex_lock(&f->lock);
	*field = value;
	pthread_cond_signal(&f->cond);
	pthread_mutex_unlock(&f->lock);
}

void feed_set_interval(struct feed *f, double interval)
{
	pthread_mutex_lock(&f->lock);
	f->interval = interval;
	pthread_mutex_unlock(&f->lock);
}

void feed_set_paused(struct feed *f, bool paused)
{
	set_and_signal(f, &f->paused, paused);
}

void feed_step(struct feed *f)
{
	set_and_signal(f, &f->step, true);
}

void feed_set_connections(struct feed *f, bool on)
{
	/* Turning it on reads at once, so the pane fills without waiting a whole interval. */
	pthread_mutex_lock(&f->lock);
	f->connections = on;
	if (on)
		f->step = true;
	pthread_cond_signal(&f->cond);
	pthread_mutex_unlock(&f->lock);
}

void feed_set_focus(struct feed *f, const struct ipvs_svc_key *keys, size_t n)
{
	if (n > FEED_FOCUS_MAX)
		n = FEED_FOCUS_MAX;
	pthread_mutex_lock(&f->lock);
	if (n)
		memcpy(f->focus, keys, n * sizeof(*keys));
	f->n_focus = n;
	pthread_mutex_unlock(&f->lock);
}

bool feed_replay_ended(struct feed *f)
{
	pthread_mutex_lock(&f->lock);
	bool ended = f->replay_ended;
	pthread_mutex_unlock(&f->lock);
	return ended;
}
