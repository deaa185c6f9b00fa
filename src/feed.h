/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A background thread that reads snapshots (live, or from a recording) so keys never wait. */
#ifndef IPVSTOP_FEED_H
#define IPVSTOP_FEED_H

#include <stdbool.h>
#include <stdio.h>
#include "collect.h"
#include "snapshot.h"

struct feed;

/*
 * Where a live feed's snapshots are recorded: write is called in the feed's thread with
 * each snapshot and, when there is one, what its computed rates compare against (prev may
 * be NULL). It returns 0 or -errno; after a failure the feed records nothing more and
 * feed_record_error says why. The feed does not know the format (output_json.c does).
 */
struct feed_recorder {
	int (*write)(void *arg, const struct snapshot *s, const struct snapshot *prev);
	void *arg;
};

/*
 * Starts a live feed reading with opts every interval seconds, or, when replay is not
 * NULL, a feed playing that JSON Lines recording (one record per interval). record, when
 * not NULL, is handed every live snapshot (copied: the caller's struct may go). The feed
 * does not own the replay FILE. Returns NULL and sets errno on failure.
 */
struct feed *feed_start(const struct collect_opts *opts, double interval, FILE *replay,
			const struct feed_recorder *record);
/* 0, or the -errno of the recording's first failed write (nothing was recorded since). */
int feed_record_error(struct feed *f);
void feed_stop(struct feed *f);

/* A file descriptor that becomes readable when a new snapshot is waiting. */
int feed_fd(const struct feed *f);

/*
 * Takes the newest snapshot into *out (which the caller frees with snapshot_free) and
 * returns true, or returns false when none is waiting. Older unread ones are dropped.
 */
bool feed_take(struct feed *f, struct snapshot *out);

/* Changes the refresh interval; the next read is scheduled from the last one. */
void feed_set_interval(struct feed *f, double interval);
/* Paused: no reads (a replay stops advancing) until resumed. */
void feed_set_paused(struct feed *f, bool paused);
/* Reads (or, in a replay, advances) once now, also while paused. */
void feed_step(struct feed *f);
/* Adds the connection list to the following reads (on demand: it can be slow). */
void feed_set_connections(struct feed *f, bool on);
/*
 * The services the dashboard shows now, the selected one first (at most FEED_FOCUS_MAX are
 * kept; keys are copied). A live feed reads these every tick and the rest of the table
 * over a few ticks, so that a big table costs little to watch. at_once: a changed focus is
 * read now (what it has not read lately), not at the next tick: for a move of the
 * operator's, or the first rows on the screen. A focus that changed only
 * because a refresh re-ordered the rows waits for the tick: read at once, it would
 * re-order them again, and on a busy table sorted by a number that moves, the dashboard
 * would refresh as fast as it can draw.
 */
#define FEED_FOCUS_MAX 256
void feed_set_focus(struct feed *f, const struct ipvs_svc_key *keys, size_t n, bool at_once);
/*
 * The sweep's period (sweep.h): base seconds, stretched by the CPU budget up to max
 * (SWEEP_PERIOD_S and SWEEP_PERIOD_MAX_S unless set; max <= base: fixed). For tests.
 */
void feed_set_sweep_period(struct feed *f, double base, double max);
/* True for a replay that reached the end of its recording. */
bool feed_replay_ended(struct feed *f);

#endif
