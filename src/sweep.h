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

struct sweep {
	double period;      /* SWEEP_PERIOD_S; tests may set less */
	double pass_start;  /* CLOCK_MONOTONIC seconds of the last service dump; < 0: none */
	size_t cursor;      /* the next service (index in dump order) of this pass */
	size_t whole_max;   /* SWEEP_WHOLE_MAX */
};

void sweep_init(struct sweep *w, double period);
/*
 * True when a new pass is due at now for a table of n services: the service dump is to
 * be read first. Always true for a table read whole.
 */
bool sweep_pass_due(const struct sweep *w, size_t n, double now);
/* A pass started at now (the service dump was just read). */
void sweep_pass_started(struct sweep *w, double now);
/*
 * How many of n services' real servers to read at the refresh at now, refreshes being
 * interval seconds apart, for the pass to end in time (at least 1 while any are left).
 */
size_t sweep_quota(const struct sweep *w, size_t n, double now, double interval);
/* Service index i was removed from the table: the cursor moves with the services after it. */
void sweep_removed(struct sweep *w, size_t i);

#endif
