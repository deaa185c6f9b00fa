/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What the table did before now: a bounded history of each row's rates, and its markers. */
#ifndef IPVSTOP_HISTORY_H
#define IPVSTOP_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>

#include "snapshot.h"

/* The series kept for every row (the virtual services, their real servers, the totals). */
enum history_series {
	HS_CPS = 0,
	HS_INPPS,
	HS_OUTPPS,
	HS_INBPS,
	HS_OUTBPS,
	HS_ACTIVE,
	HS_INACTIVE,
	HS_COUNT,
};

/*
 * Tiers: tier 0 holds one point per sample, each later tier's points average
 * HISTORY_FACTOR points of the tier before (fewer when the budget leaves fewer points).
 */
#define HISTORY_TIERS 3
#define HISTORY_FACTOR 6
#define HISTORY_POINTS_MAX 300 /* per tier: 10 minutes of 2-second samples in tier 0 */
/* The memory budget the dashboard gives it: 10 MB at 20,000 services + 100,000 real servers. */
#define HISTORY_BUDGET (10u * 1024 * 1024)
#define HISTORY_MARKERS 1024 /* the newest markers; older ones are forgotten */

enum history_mark {
	HM_WEIGHT0 = 0,	    /* a real server's weight went from non-zero to 0 */
	HM_RS_ADDED,	    /* a real server appeared */
	HM_RS_REMOVED,	    /* a real server went */
	HM_SCHED,	    /* a virtual service's scheduler changed */
	HM_REFRESH_FAILED,  /* reads of the table started failing (the snapshot says why) */
	HM_KUBE_PROXY,	    /* kube-proxy restarted (a new pod, or its container again) */
	HM_COUNT,
};

struct history_marker {
	double time; /* the sample's time (snapshot time, Unix seconds) */
	enum history_mark kind;
	uint64_t svc, dest; /* row keys (history_key_*); dest 0 for a service's own marker */
};

/* Row keys: a virtual service as rates.c matches it (ipvs_svc_key), a real server within it. */
#define HISTORY_KEY_TOTAL 1u /* the whole table (the header's totals) */
uint64_t history_key_service(const struct ipvs_service *svc);
uint64_t history_key_dest(const struct ipvs_service *svc, const struct ipvs_dest *d);

struct history;

/*
 * A history that never holds more than budget bytes (history_bytes): the more rows, the
 * fewer points per tier (at least 2; rows past what 2 points allow get none). Returns NULL
 * on ENOMEM. Owns everything it holds, nothing of the snapshots it is given.
 */
struct history *history_new(size_t budget);
void history_free(struct history *h);

/*
 * Adds one sample of every row of s (its time: s->time): the rates the snapshot carries
 * (stats.cps...), active and inactive connections; rows missing from s get a gap. A failed
 * read (!ipvs_available) adds only a marker, the first of a run of them. Markers come from comparing s with the last
 * sample's snapshot, whose table h shares (snapshot_share_table) until the next push. A
 * snapshot less than min_step seconds after the last sample is not sampled (a big table's
 * rows change once a sweep; sampling faster would only shorten the reach).
 * Returns 0, or -ENOMEM (that sample is then lost, the history unchanged).
 */
int history_push(struct history *h, const struct snapshot *s, double min_step);

/*
 * The series of row key between t0 and t1 resampled into n buckets (oldest first) of
 * out: the mean of the finest points in each bucket, a point just after an empty bucket's
 * start standing in (samples slower than buckets), NAN where nothing is known. Returns how
 * many buckets have a value.
 */
size_t history_series(const struct history *h, uint64_t key, enum history_series s, double t0,
		      double t1, double *out, size_t n);

/* Whether row key has a history at all. */
bool history_has(const struct history *h, uint64_t key);

/* A marker of the whole table at time t (every row's markers include it). */
void history_mark_global(struct history *h, double t, enum history_mark kind);

/*
 * The markers of row key (a service's include its real servers', every row's the whole
 * table's; the totals' all) with
 * t0 <= time <= t1, oldest first, at most max into out. Returns how many.
 */
size_t history_markers(const struct history *h, uint64_t key, double t0, double t1,
		       struct history_marker *out, size_t max);
/* The first marker of any row strictly before (dir < 0) or after (dir > 0) t; false: none. */
bool history_marker_near(const struct history *h, double t, int dir, double *at);

/* Time of the newest and the oldest sample (0 when none): how far back the history reaches. */
double history_newest(const struct history *h);
double history_oldest(const struct history *h);
/* Bytes held, everything counted (the budget's measure). */
size_t history_bytes(const struct history *h);
/* Points per tier now, and rows tracked (diagnostics, tests). */
size_t history_points(const struct history *h);
size_t history_rows(const struct history *h);

/*
 * Pushes every record of a JSON Lines recording (output_json's, as --replay reads it) from f,
 * in order; lines that are not records are skipped. *records: how many were read. Returns 0,
 * -ENOMEM, -EIO (a read error) or -ECANCELED (*stop set: stop may be NULL). history_replay.c.
 */
int history_read_recording(struct history *h, FILE *f, size_t *records,
			   const volatile sig_atomic_t *stop);

/* A series' name ("connections/s") and unit ("conn/s"), N_() marked: translate when drawn. */
const char *history_series_name(enum history_series s);
const char *history_series_unit(enum history_series s);
/* The top of a scale for values up to m: 1, 2 or 5 times a power of ten (1 when m <= 0). */
double history_scale_top(double m);

/* A marker kind's short name for the views ("weight 0", N_() marked: translate when drawn). */
const char *history_mark_name(enum history_mark kind);
/* A one-letter tag for a marker on a graph ('0', '+', '-', 's', '!', 'k'). */
char history_mark_tag(enum history_mark kind);

#endif
