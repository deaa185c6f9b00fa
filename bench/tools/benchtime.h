/* SPDX-License-Identifier: GPL-2.0-or-later */
/* benchtime.h: the clocks of the bench tools (bench/tools), in seconds as doubles. */
#ifndef IPVSTOP_BENCH_BENCHTIME_H
#define IPVSTOP_BENCH_BENCHTIME_H

#include <sys/time.h>
#include <time.h>

/* CLOCK_MONOTONIC now. */
static inline double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A struct timeval (getrusage's times). */
static inline double tv(const struct timeval *t)
{
	return (double)t->tv_sec + (double)t->tv_usec / 1e6;
}

#endif
