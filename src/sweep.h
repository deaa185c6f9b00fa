/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The schedule of a live feed on a big table: what to re-read at each refresh. */
#ifndef IPVSTOP_SWEEP_H
#define IPVSTOP_SWEEP_H

#include <stdbool.h>
#include <stddef.h>

/*
 * A refresh re-reads the services the dashboard shows (its focus: stats and real servers)
 * and a share of the rest, so that the whole table is covered once per SWEEP_PERIOD_S
 * seconds: a pass starts with the service dump (every service's stats, new and removed
 * services), then reads the real servers of the services in dump order, spread evenly
 * over the refreshes left in the period. The dump order of an unchanged table does not
 * change, so every service is re-read about every SWEEP_PERIOD_S seconds, and nothing is
 * older than SWEEP_PERIOD_S plus one refresh interval. Services new to the table are found
 * by the next pass's dump and their real servers read at once (feed.c), so a change
 * anywhere shows within SWEEP_PERIOD_S plus a refresh. At 20,000 services this costs a
 * tenth of a full read per second instead of a full read per second.
 */
#define SWEEP_PERIOD_S 10.0

/*
 * A table of at most this many services is read whole at every refresh (the service dump
 * and every service's real servers): that costs less than a hundredth of a second even
 * under emulation, and everything on the screen is as fresh as the refresh.
 */
#define SWEEP_WHOLE_MAX 256

/*
 * The CPU budget of the passes: on a big table a pass costs the reading thread CPU time,
 * most of it the kernel's (a GET_DEST per service, the dump walking the table again for
 * every datagram). A pass that cost more than SWEEP_CPU_BUDGET of its period stretches the
 * next one to cost / SWEEP_CPU_BUDGET, at most SWEEP_PERIOD_MAX_S: the rows off the screen
 * get older, while the focus and the header's totals stay as fresh as the refresh. At
 * 20,000 services / 100,000 real servers a pass costs an estimated 0.3 to 0.7 s of a core
 * natively (doc/performance.md): swept in 16 to 36 s instead of 10 s.
 */
#define SWEEP_CPU_BUDGET 0.02
#define SWEEP_PERIOD_MAX_S 60.0

struct sweep {
	double period;      /* of this pass: base, or stretched by the budget (<= max) */
	double base, max;   /* SWEEP_PERIOD_S, SWEEP_PERIOD_MAX_S; max == base: fixed */
	double cost;        /* CPU seconds spent on this pass so far (sweep_add_cost) */
	double last_cost;   /* what the last whole pass cost */
	double pass_start;  /* CLOCK_MONOTONIC seconds of the last service dump; < 0: none */
	size_t cursor;      /* the next service (index in dump order) of this pass */
	size_t whole_max;   /* SWEEP_WHOLE_MAX */
};

void sweep_init(struct sweep *w, double base, double max);
/* New limits (max < base: max = base); the pass in progress gets the base period. */
void sweep_set_limits(struct sweep *w, double base, double max);
/* CPU time spent on the pass in progress (the dump, the real servers of the sweep's share). */
void sweep_add_cost(struct sweep *w, double cpu_seconds);
/*
 * True when a new pass is due at now for a table of n services: the service dump is to
 * be read first. Always true for a table read whole.
 */
bool sweep_pass_due(const struct sweep *w, size_t n, double now);
/* A pass started at now (the service dump was just read); the last one's cost sets its period. */
void sweep_pass_started(struct sweep *w, double now);
/*
 * How many of n services' real servers to read at the refresh at now, refreshes being
 * interval seconds apart, for the pass to end in time (at least 1 while any are left).
 */
size_t sweep_quota(const struct sweep *w, size_t n, double now, double interval);
/* Service index i was removed from the table: the cursor moves with the services after it. */
void sweep_removed(struct sweep *w, size_t i);

#endif
