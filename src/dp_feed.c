/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The dashboard's data-plane thread: dataplane_read at its own cadence, the newest kept. */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "clock.h"
#include "dp_feed.h"
#include "trace.h"
#include "worker.h"

struct dp_feed {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct dataplane_opts opts;
	void (*wake)(void *arg);
	void *arg;

	/* Under lock. */
	double period;
	struct dataplane *latest; /* a reference, NULL before the first read */
	bool stop, reading;
	unsigned refs; /* the thread's and the owner's: the last to let go frees it */
};

/* Drops one of the two holders' hold; the last one frees everything. */
static void release(struct dp_feed *df)
{
	pthread_mutex_lock(&df->lock);
	unsigned left = --df->refs;
	pthread_mutex_unlock(&df->lock);
	if (left)
		return;
	dataplane_unref(df->latest);
	worker_lock_destroy(&df->lock, &df->cond);
	free(df);
}

/* Under lock: until stopped or wait seconds have passed (woken early by a shorter period). */
static void wait_next(struct dp_feed *df, double since)
{
	while (!df->stop) {
		double wait = dataplane_reuse_seconds(df->latest, df->period);
		double left = since + wait - clock_mono();
		if (left <= 0)
			return;
		struct timespec ts;
		clock_deadline(CLOCK_MONOTONIC, left, &ts);
		pthread_cond_timedwait(&df->cond, &df->lock, &ts);
	}
}

static void *run(void *arg)
{
	struct dp_feed *df = arg;
	pthread_mutex_lock(&df->lock);
	while (!df->stop) {
		df->reading = true;
		pthread_mutex_unlock(&df->lock);
		double t0 = clock_mono();
		struct dataplane *dp = NULL, *old = NULL;
		trace_mark("dp: read starts");
		/* Out of memory: the last read stays, and the next is tried a period later. */
		(void)dataplane_read(&df->opts, &dp);
		trace_mark("dp: read done");
		pthread_mutex_lock(&df->lock);
		df->reading = false;
		if (dp) {
			old = df->latest;
			df->latest = dp;
		}
		/* Under the lock: dp_feed_stop, once it has the lock, is sure of no more calls. */
		if (dp && !df->stop && df->wake)
			df->wake(df->arg);
		if (old) {
			/* A big read is freed without holding up dp_feed_latest. */
			pthread_mutex_unlock(&df->lock);
			dataplane_unref(old);
			pthread_mutex_lock(&df->lock);
		}
		wait_next(df, t0);
	}
	pthread_mutex_unlock(&df->lock);
	release(df);
	return NULL;
}

struct dp_feed *dp_feed_start(const struct dataplane_opts *o, double period,
			      void (*wake)(void *arg), void *arg)
{
	struct dp_feed *df = calloc(1, sizeof(*df));
	if (!df)
		return NULL;
	df->opts = *o;
	df->period = period;
	df->wake = wake;
	df->arg = arg;
	df->refs = 2;
	worker_lock_init(&df->lock, &df->cond, CLOCK_MONOTONIC);
	int err = pthread_create(&df->thread, NULL, run, df);
	if (err) {
		worker_lock_destroy(&df->lock, &df->cond);
		free(df);
		errno = err;
		return NULL;
	}
	return df;
}

struct dataplane *dp_feed_latest(struct dp_feed *df)
{
	pthread_mutex_lock(&df->lock);
	struct dataplane *dp = dataplane_ref(df->latest);
	pthread_mutex_unlock(&df->lock);
	return dp;
}

void dp_feed_set_period(struct dp_feed *df, double period)
{
	pthread_mutex_lock(&df->lock);
	df->period = period;
	pthread_cond_broadcast(&df->cond);
	pthread_mutex_unlock(&df->lock);
}

void dp_feed_stop(struct dp_feed *df)
{
	if (!df)
		return;
	pthread_mutex_lock(&df->lock);
	df->stop = true;
	bool busy = df->reading;
	pthread_cond_broadcast(&df->cond);
	pthread_mutex_unlock(&df->lock);
	/* A read under way ends by itself; the process may end before it does. */
	if (busy)
		pthread_detach(df->thread);
	else
		pthread_join(df->thread, NULL);
	release(df);
}
