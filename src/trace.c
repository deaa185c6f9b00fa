/* SPDX-License-Identifier: GPL-2.0-or-later */
/* IPVSTOP_TRACE: time stamps since the process started, one line per mark (trace.h). */
#include "config.h"

#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "trace.h"

static int trace_fd = -1;
static int statm_fd = -1; /* /proc/self/statm, for the resident size at each mark */
static pthread_mutex_t trace_lock = PTHREAD_MUTEX_INITIALIZER;
static double trace_t0; /* CLOCK_BOOTTIME at the process's start */

static double boottime(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/*
 * When the process started, on CLOCK_BOOTTIME: field 22 of /proc/self/stat, in clock ticks
 * since boot (a tick's resolution, 10 ms). Now when it cannot be read.
 */
static double process_start(void)
{
	char buf[1024];
	double now = boottime();
	FILE *f = fopen("/proc/self/stat", "re");
	if (!f)
		return now;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* The command name may hold blanks and parentheses: fields are counted after its end. */
	char *p = strrchr(buf, ')');
	unsigned long long ticks = 0;
	if (!p || sscanf(p + 1,
			 " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d "
			 "%*d %*d %*d %*d %llu",
			 &ticks) != 1)
		return now;
	long hz = sysconf(_SC_CLK_TCK);
	double start = hz > 0 ? (double)ticks / (double)hz : now;
	return start <= now ? start : now;
}

void trace_init(void)
{
	const char *path = getenv("IPVSTOP_TRACE");
	if (!path || !path[0] || trace_fd >= 0)
		return;
	trace_t0 = process_start();
	trace_fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (trace_fd >= 0)
		statm_fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
	trace_mark("main");
}

/* Resident set size in KiB (statm's second field), -1 when unknown. */
static long resident_kib(void)
{
	char buf[128];
	ssize_t n = statm_fd >= 0 ? pread(statm_fd, buf, sizeof(buf) - 1, 0) : -1;
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	unsigned long size, resident;
	if (sscanf(buf, "%lu %lu", &size, &resident) != 2)
		return -1;
	return (long)(resident * (unsigned long)sysconf(_SC_PAGESIZE) / 1024);
}

bool trace_on(void)
{
	return trace_fd >= 0;
}

void trace_mark(const char *fmt, ...)
{
	if (trace_fd < 0)
		return;
	char what[200];
	va_list ap;
	va_start(ap, fmt);
	int m = vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (m < 0)
		return;
	/* Time and line under one lock: the file's lines are in the order of their times. */
	pthread_mutex_lock(&trace_lock);
	char line[256];
	int n = snprintf(line, sizeof(line), "%.6f %ld %ld %ld %s\n", boottime() - trace_t0,
			 (long)getpid(), (long)syscall(SYS_gettid), resident_kib(), what);
	if (n > 0) {
		size_t len = (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1;
		line[len - 1] = '\n';
		ssize_t w = write(trace_fd, line, len);
		(void)w;
	}
	pthread_mutex_unlock(&trace_lock);
}
