/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * benchrun: runs one command and prints what it cost, on one line:
 *
 *   wall=1.234 user=0.456 sys=0.789 maxrss_kb=12345 rc=0 lines=1 bytes=4567
 *
 * wall is measured here (CLOCK_MONOTONIC, fork to reap); user, sys and maxrss_kb come from
 * wait4() (maxrss is the child's peak resident set, VmHWM). The child's standard output is
 * read through a pipe and counted (lines, bytes) and thrown away, or written to -o FILE:
 * reading it costs benchrun, never the child. With -t SECONDS the child gets SIGTERM at
 * that time (rc=term), then SIGKILL 10 s later (rc=kill).
 *
 * Usage: benchrun [-o FILE] [-t SECONDS] [-l LABEL] -- COMMAND [ARG...]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "benchtime.h"

int main(int argc, char **argv)
{
	const char *out = NULL, *label = NULL;
	double limit = 0;
	int c;
	while ((c = getopt(argc, argv, "+o:t:l:")) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 't':
			limit = atof(optarg);
			break;
		case 'l':
			label = optarg;
			break;
		default:
			fprintf(stderr, "usage: benchrun [-o FILE] [-t SECONDS] [-l LABEL] -- CMD...\n");
			return 2;
		}
	}
	if (optind >= argc) {
		fprintf(stderr, "benchrun: no command\n");
		return 2;
	}
	int outfd = -1;
	if (out) {
		outfd = open(out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (outfd < 0) {
			perror(out);
			return 2;
		}
	}
	int p[2];
	if (pipe2(p, O_CLOEXEC) != 0) {
		perror("pipe");
		return 2;
	}
	fcntl(p[0], F_SETPIPE_SZ, 1 << 20);
	double t0 = now();
	pid_t pid = fork();
	if (pid < 0) {
		perror("fork");
		return 2;
	}
	if (pid == 0) {
		dup2(p[1], STDOUT_FILENO);
		execvp(argv[optind], argv + optind);
		fprintf(stderr, "benchrun: %s: %s\n", argv[optind], strerror(errno));
		_exit(127);
	}
	close(p[1]);
	static char buf[1 << 16];
	unsigned long long lines = 0, bytes = 0;
	int sent = 0;
	double deadline = limit > 0 ? t0 + limit : 0;
	for (;;) {
		int wait_ms = -1;
		if (deadline > 0) {
			double left = deadline - now();
			if (left <= 0) {
				kill(pid, sent ? SIGKILL : SIGTERM);
				sent++;
				deadline = now() + 10;
				left = 10;
			}
			wait_ms = (int)(left * 1000) + 1;
		}
		struct pollfd pf = {.fd = p[0], .events = POLLIN};
		int n = poll(&pf, 1, wait_ms);
		if (n < 0 && errno != EINTR)
			break;
		if (n <= 0)
			continue;
		ssize_t r = read(p[0], buf, sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		bytes += (unsigned long long)r;
		for (ssize_t i = 0; i < r; i++)
			lines += buf[i] == '\n';
		if (outfd >= 0 && write(outfd, buf, (size_t)r) != r) {
			perror("write");
			close(outfd);
			outfd = -1;
		}
	}
	int status = 0;
	struct rusage ru;
	while (wait4(pid, &status, 0, &ru) < 0) {
		if (errno != EINTR) {
			perror("wait4");
			return 2;
		}
	}
	double wall = now() - t0;
	char rc[32];
	if (WIFEXITED(status))
		snprintf(rc, sizeof(rc), "%d", WEXITSTATUS(status));
	else if (sent && WTERMSIG(status) == SIGKILL)
		snprintf(rc, sizeof(rc), "kill");
	else
		snprintf(rc, sizeof(rc), "sig%d", WTERMSIG(status));
	if (sent == 1 && WIFEXITED(status))
		snprintf(rc, sizeof(rc), "term");
	printf("%s%swall=%.3f user=%.3f sys=%.3f maxrss_kb=%ld rc=%s lines=%llu bytes=%llu\n",
	       label ? label : "", label ? " " : "", wall, tv(&ru.ru_utime), tv(&ru.ru_stime),
	       ru.ru_maxrss, rc, lines, bytes);
	if (outfd >= 0)
		close(outfd);
	return 0;
}
