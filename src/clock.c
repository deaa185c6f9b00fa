/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The one place clocks are read and wall-clock times are written out (see clock.h). */
#include "config.h"

#include <stdio.h>

#include "clock.h"

double clock_seconds(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double clock_mono(void)
{
	return clock_seconds(CLOCK_MONOTONIC);
}

void clock_deadline(clockid_t id, double seconds, struct timespec *ts)
{
	double t = clock_seconds(id) + seconds;
	ts->tv_sec = (time_t)t;
	ts->tv_nsec = (long)((t - (double)ts->tv_sec) * 1e9);
}

bool clock_passed(const struct timespec *ts)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > ts->tv_sec || (now.tv_sec == ts->tv_sec && now.tv_nsec >= ts->tv_nsec);
}

bool clock_text(double t, char *buf, size_t len)
{
	/* time_t holds any of these; localtime_r can still fail (no such year in struct tm). */
	struct tm tm;
	time_t tt;
	if (!(t >= 0 && t <= CLOCK_TEXT_MAX) || (tt = (time_t)t, !localtime_r(&tt, &tm)) ||
	    strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm) == 0) {
		snprintf(buf, len, "?");
		return false;
	}
	return true;
}
