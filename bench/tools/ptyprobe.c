/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ptyprobe: a terminal that times a full-screen program. It runs the command on a pseudo
 * terminal of ROWS x COLS and watches what the program writes, with microsecond times:
 *
 *   1. first output (the program is up) and the first frame that shows MARK (the data);
 *   2. a window of W seconds left alone: CPU of the process and of each of its threads
 *      (/proc/PID/task/TID/stat), bytes written, frames (bursts of output after 20 ms of
 *      quiet);
 *   3. N key probes: "?" (help) until the screen shows HELPMARK, then "?" again until it
 *      shows BACKMARK; each is a key-to-screen latency;
 *   4. with -x: Enter to show the selected virtual service's real servers, then "c" (its
 *      connections) until CONNMARK ("reading..."), then key probes for X seconds while the
 *      connection list is read, noting when DONEMARK (the table's entry count) shows;
 *   5. "q", and how long the program takes to exit (SIGKILL after 30 s).
 *
 *   ptyprobe [-R ROWS] [-C COLS] [-f MARK] [-F FIRST-TIMEOUT] [-w W] [-n N]
 *            [-x] [-X SECONDS] [-m TEXT]... [-M SECONDS] [-o RAW-OUTPUT-FILE]
 *            -- COMMAND [ARG...]
 *
 * -m TEXT (up to 4): the time TEXT first shows, from the start, whatever the phase
 * ("ptyprobe marks mark1_s=..."; -1 when it never did): e.g. a Kubernetes name, which
 * fills in after the first frame. The "first" line also gives the CPU the process had
 * used by the first frame and by its first output, user and system, to estimate them
 * without the emulator.
 * -M SECONDS: before q, wait up to SECONDS more for the marks not seen yet, then 2 s, and
 * print the memory then ("ptyprobe end end_s=... hwm_kb=... rss_kb=...").
 *
 * Markers are plain text in the program's output. The screen is never rebuilt: a marker
 * must be text that the program writes in one piece (a row that was blank, a new title).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "benchtime.h"

static int master_fd;
static pid_t child;
static double t_start;

/* Output bookkeeping. */
static char tail[256];
static size_t tail_len;
static double last_out;
static unsigned long long bytes;
static unsigned long bursts;
static double first_out = -1;
static int raw_fd = -1; /* -o: everything the program wrote */

static const char *help_mark = "any key closes this help";
static const char *back_mark = "Virtual services";
static const char *conn_mark = "reading...";
static const char *done_mark = "entries";
static double conns_done = -1; /* when done_mark was seen, relative to the "c" key */
static double conns_key_t = -1;
/* -m: texts whose first appearance is timed (seconds from the start), whatever the phase. */
#define MAX_MARKS 4
static const char *marks[MAX_MARKS];
static double mark_t[MAX_MARKS];
static int n_marks;

static bool child_gone;

struct cpu {
	double total, main, main_user, user; /* seconds; user: user-mode part */
	int threads;
};
static void read_cpu(struct cpu *c);
static struct cpu cpu_first_out; /* what the process had used by its first output */

/*
 * Reads output until `mark` shows (returns its time) or until the deadline (returns -1).
 * mark NULL: just pumps until the deadline.
 */
static double pump(const char *mark, double deadline)
{
	char buf[65536 + 256];
	size_t mlen = mark ? strlen(mark) : 0;
	for (;;) {
		double left = deadline - now();
		if (left <= 0)
			return -1;
		struct pollfd pf = {.fd = master_fd, .events = POLLIN};
		int n = poll(&pf, 1, (int)(left * 1000) + 1);
		if (n < 0 && errno != EINTR)
			return -1;
		if (n <= 0)
			continue;
		memcpy(buf, tail, tail_len);
		ssize_t r = read(master_fd, buf + tail_len, 65536);
		if (r <= 0) {
			if (r < 0 && errno == EINTR)
				continue;
			child_gone = true;
			return -1;
		}
		double t = now();
		if (first_out < 0) {
			first_out = t - t_start;
			read_cpu(&cpu_first_out);
		}
		if (t - last_out > 0.020)
			bursts++;
		last_out = t;
		bytes += (unsigned long long)r;
		if (raw_fd >= 0 && write(raw_fd, buf + tail_len, (size_t)r) < 0)
			raw_fd = -1;
		size_t total = tail_len + (size_t)r;
		bool hit = mark && memmem(buf, total, mark, mlen) != NULL;
		if (conns_key_t >= 0 && conns_done < 0 && memmem(buf, total, done_mark, strlen(done_mark)))
			conns_done = t - conns_key_t;
		for (int i = 0; i < n_marks; i++)
			if (mark_t[i] < 0 && memmem(buf, total, marks[i], strlen(marks[i])))
				mark_t[i] = t - t_start;
		tail_len = total < sizeof(tail) ? total : sizeof(tail);
		memcpy(tail, buf + total - tail_len, tail_len);
		if (hit) {
			tail_len = 0; /* a marker counts once */
			return t;
		}
	}
}

static void key(const char *k)
{
	if (write(master_fd, k, strlen(k)) < 0)
		perror("write");
}

static void read_cpu(struct cpu *c)
{
	char path[64], line[1024];
	long tck = sysconf(_SC_CLK_TCK);
	memset(c, 0, sizeof(*c));
	snprintf(path, sizeof(path), "/proc/%d/task", (int)child);
	DIR *d = opendir(path);
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char p[320];
		snprintf(p, sizeof(p), "/proc/%d/task/%s/stat", (int)child, e->d_name);
		FILE *f = fopen(p, "r");
		if (!f)
			continue;
		if (fgets(line, sizeof(line), f)) {
			char *q = strrchr(line, ')');
			unsigned long ut = 0, st = 0;
			/* fields after ")": state(3) ... utime(14) stime(15) */
			if (q && sscanf(q + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
					&ut, &st) == 2) {
				double s = (double)(ut + st) / (double)tck;
				double u = (double)ut / (double)tck;
				c->total += s;
				c->user += u;
				if (atoi(e->d_name) == child) {
					c->main += s;
					c->main_user += u;
				}
				c->threads++;
			}
		}
		fclose(f);
	}
	closedir(d);
}

/* "hwm_kb=N rss_kb=N" of the process. */
static void read_mem(char *out, size_t len)
{
	char path[64], line[256];
	long hwm = -1, rss = -1;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)child);
	FILE *f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f)) {
		sscanf(line, "VmHWM: %ld", &hwm);
		sscanf(line, "VmRSS: %ld", &rss);
	}
	if (f)
		fclose(f);
	snprintf(out, len, "hwm_kb=%ld rss_kb=%ld", hwm, rss);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* One help toggle: two latencies (open, close) in ms into lat[]; -1 on timeout. */
static void probe(double *lat, int *n, double timeout)
{
	double t = now();
	key("?");
	double hit = pump(help_mark, t + timeout);
	lat[(*n)++] = hit < 0 ? -1 : (hit - t) * 1000;
	pump(NULL, now() + 0.25);
	t = now();
	key("?");
	hit = pump(back_mark, t + timeout);
	lat[(*n)++] = hit < 0 ? -1 : (hit - t) * 1000;
	pump(NULL, now() + 0.25);
}

static void report_probes(const char *phase, double *lat, int n)
{
	double s[512];
	int ok = 0, lost = 0;
	printf("ptyprobe probes phase=%s n=%d lat_ms=", phase, n);
	for (int i = 0; i < n; i++) {
		printf("%s%.1f", i ? "," : "", lat[i]);
		if (lat[i] >= 0)
			s[ok++] = lat[i];
		else
			lost++;
	}
	qsort(s, (size_t)ok, sizeof(double), cmp_double);
	printf(" median_ms=%.1f max_ms=%.1f timeouts=%d\n", ok ? s[ok / 2] : -1.0,
	       ok ? s[ok - 1] : -1.0, lost);
}

int main(int argc, char **argv)
{
	int rows = 50, cols = 200, nprobes = 5;
	double first_timeout = 600, window = 20, conn_secs = 0;
	bool conns = false;
	double marks_wait = 0;
	const char *mark = "Masq"; /* a real server row */
	int c;
	while ((c = getopt(argc, argv, "+R:C:f:F:w:n:xX:o:m:M:")) != -1) {
		switch (c) {
		case 'M':
			marks_wait = atof(optarg);
			break;
		case 'm':
			if (n_marks < MAX_MARKS) {
				mark_t[n_marks] = -1;
				marks[n_marks++] = optarg;
			}
			break;
		case 'R': rows = atoi(optarg); break;
		case 'C': cols = atoi(optarg); break;
		case 'f': mark = optarg; break;
		case 'F': first_timeout = atof(optarg); break;
		case 'w': window = atof(optarg); break;
		case 'n': nprobes = atoi(optarg); break;
		case 'x': conns = true; break;
		case 'X': conn_secs = atof(optarg); break;
		case 'o':
			raw_fd = open(optarg, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
			break;
		default:
			fprintf(stderr, "ptyprobe: bad usage (see the comment at the top)\n");
			return 2;
		}
	}
	if (optind >= argc || nprobes > 100) {
		fprintf(stderr, "ptyprobe: no command (or -n above 100)\n");
		return 2;
	}
	struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
	t_start = now();
	child = forkpty(&master_fd, NULL, NULL, &ws);
	if (child < 0) {
		perror("forkpty");
		return 1;
	}
	if (child == 0) {
		execvp(argv[optind], argv + optind);
		perror(argv[optind]);
		_exit(127);
	}
	double hit = pump(mark, t_start + first_timeout);
	/* What the process had spent by then, in user and kernel mode (all threads): with the
	 * emulator's slowdown of each, an estimate of the same first frame on real hardware. */
	struct cpu cf;
	read_cpu(&cf);
	/* pid: the program's, which its IPVSTOP_TRACE lines carry (report.py matches them). */
	printf("ptyprobe first first_output_s=%.3f first_frame_s=%.3f first_user_s=%.3f "
	       "first_sys_s=%.3f out_user_s=%.3f out_sys_s=%.3f pid=%ld\n",
	       first_out, hit < 0 ? -1.0 : hit - t_start, cf.user, cf.total - cf.user,
	       cpu_first_out.user, cpu_first_out.total - cpu_first_out.user, (long)child);
	fflush(stdout);
	if (hit < 0)
		goto quit;

	/* The window left alone. */
	pump(NULL, now() + 2);
	struct cpu c0, c1;
	read_cpu(&c0);
	unsigned long long b0 = bytes;
	unsigned long bu0 = bursts;
	double w0 = now();
	pump(NULL, w0 + window);
	read_cpu(&c1);
	double w = now() - w0;
	char mem[128];
	read_mem(mem, sizeof(mem));
	unsigned long frames = bursts - bu0;
	printf("ptyprobe window window_s=%.2f threads=%d cpu_s=%.3f cpu_main_s=%.3f cpu_other_s=%.3f "
	       "user_main_s=%.3f user_other_s=%.3f "
	       "frames=%lu bytes=%llu cpu_main_ms_per_frame=%.2f bytes_per_frame=%.0f %s\n",
	       w, c1.threads, c1.total - c0.total, c1.main - c0.main,
	       (c1.total - c1.main) - (c0.total - c0.main), c1.main_user - c0.main_user,
	       (c1.user - c1.main_user) - (c0.user - c0.main_user), frames, bytes - b0,
	       frames ? (c1.main - c0.main) * 1000 / (double)frames : -1.0,
	       frames ? (double)(bytes - b0) / (double)frames : -1.0, mem);
	fflush(stdout);

	double lat[200];
	int n = 0;
	for (int i = 0; i < nprobes; i++)
		probe(lat, &n, 30);
	report_probes("table", lat, n);
	fflush(stdout);

	if (conns) {
		/* The real servers of the first (busiest) service, then their connections. */
		key("\r");
		pump(NULL, now() + 1);
		conns_key_t = now();
		key("c");
		double o = pump(conn_mark, conns_key_t + 30);
		printf("ptyprobe conns_pane conns_pane_ms=%.1f\n", o < 0 ? -1.0 : (o - conns_key_t) * 1000);
		fflush(stdout);
		n = 0;
		double end = now() + conn_secs;
		while (now() < end && n + 2 <= 200)
			probe(lat, &n, 30);
		report_probes("reading-connections", lat, n);
		/* Give a finished read the time to show. */
		pump(NULL, now() + 1);
		printf("ptyprobe conns_done conns_done_s=%.2f\n", conns_done);
		fflush(stdout);
	}

	/* -M: more time for marks not seen yet (names that fill in late), then the memory. */
	if (marks_wait > 0) {
		double end = now() + marks_wait;
		for (;;) {
			bool all = true;
			for (int i = 0; i < n_marks; i++)
				all = all && mark_t[i] >= 0;
			if (all || now() >= end || child_gone)
				break;
			pump(NULL, now() + 0.1);
		}
		/* Settle, then what it holds with everything in. */
		pump(NULL, now() + 2);
		char m2[128];
		read_mem(m2, sizeof(m2));
		printf("ptyprobe end end_s=%.3f %s\n", now() - t_start, m2);
		fflush(stdout);
	}

quit:;
	double tq = now();
	key("q");
	int st = 0;
	double quit_s = -1;
	for (;;) {
		pid_t r = waitpid(child, &st, WNOHANG);
		if (r == child) {
			quit_s = now() - tq;
			break;
		}
		if (now() - tq > 30) {
			kill(child, SIGKILL);
			waitpid(child, &st, 0);
			break;
		}
		if (child_gone)
			usleep(10000);
		else
			pump(NULL, now() + 0.05);
	}
	if (n_marks) {
		printf("ptyprobe marks");
		for (int i = 0; i < n_marks; i++)
			printf(" mark%d_s=%.3f", i + 1, mark_t[i]);
		printf("\n");
	}
	printf("ptyprobe quit quit_s=%.3f%s\n", quit_s, quit_s < 0 ? " (killed after 30 s)" : "");
	return 0;
}
