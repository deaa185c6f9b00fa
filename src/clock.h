/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Clocks read as seconds in a double, deadlines for timed waits, and the time shown. */
#ifndef IPVSTOP_CLOCK_H
#define IPVSTOP_CLOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* Clock id (CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_THREAD_CPUTIME_ID...) in seconds. */
double clock_seconds(clockid_t id);
/* CLOCK_MONOTONIC in seconds: what every interval, backoff and rate here is measured on. */
double clock_mono(void);
/*
 * Fills *ts with clock id's time seconds from now, for pthread_cond_timedwait on a
 * condition variable of that clock.
 */
void clock_deadline(clockid_t id, double seconds, struct timespec *ts);
/* Whether CLOCK_MONOTONIC has reached *ts (a clock_deadline of CLOCK_MONOTONIC). */
bool clock_passed(const struct timespec *ts);

/* 9999-12-31T23:59:59Z: the last second clock_text shows. */
#define CLOCK_TEXT_MAX 253402300799.0
/*
 * Unix time t as local "YYYY-MM-DD HH:MM:SS" in buf; "?" and false when t is not a time a
 * clock shows (NaN, before 1970, after 9999) or the calendar conversion fails.
 */
bool clock_text(double t, char *buf, size_t len);

#endif
