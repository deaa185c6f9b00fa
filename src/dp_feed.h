/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The dashboard's data-plane thread: reads the node's data planes at their own slow cadence. */
#ifndef IPVSTOP_DP_FEED_H
#define IPVSTOP_DP_FEED_H

#include "dataplane.h"

/*
 * kube-proxy's rules at 10,000 Services take tens of seconds to list (doc/performance.md),
 * so the dashboard's feed does not read them in its own thread: this one reads them with
 * dataplane_read, keeps the newest read for the feed to attach to its snapshots, and waits
 * dataplane_reuse_seconds(newest, period) between reads (at most 5% of the time).
 */
struct dp_feed;

/*
 * Starts the thread; its first read begins at once. After each read, wake(arg) is called in
 * the thread (wake may be NULL); it is never called once dp_feed_stop has returned. Returns
 * NULL and sets errno on failure.
 */
struct dp_feed *dp_feed_start(const struct dataplane_opts *o, double period,
			      void (*wake)(void *arg), void *arg);

/* The newest read, with a reference of the caller's (dataplane_unref), or NULL before one. */
struct dataplane *dp_feed_latest(struct dp_feed *df);

/* The shortest time between reads, from now on (the dashboard's refresh interval). */
void dp_feed_set_period(struct dp_feed *df, double period);

/*
 * Stops the thread. A read in progress is not waited for (it can take tens of seconds): the
 * thread then ends by itself when it returns, and frees what it holds. Accepts NULL.
 */
void dp_feed_stop(struct dp_feed *df);

#endif
