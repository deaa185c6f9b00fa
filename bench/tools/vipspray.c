/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * vipspray: traffic to every virtual service of the benchmark's table, so that every
 * service's counters change between two of a dashboard's passes (a busy table; the bench's
 * table is otherwise idle). It opens a TCP connection to each service in turn and closes
 * it at once: IPVS schedules the SYN (the service's and a real server's counters count
 * it) and masquerades it to a real server that does not exist, where it is lost.
 *
 *   vipspray -S SERVICES [-p PAUSE-MS] [-t SECONDS]
 *
 * The table is the one bench/guest-bench.sh loads: service i (0-based) is TCP
 * 10.97.0.0+i:80. The addresses need a route (guest-bench.sh: a dummy interface). It goes
 * round the services, PAUSE-MS (default 1000) between rounds, until killed (SIGTERM) or
 * for SECONDS; then prints "vipspray rounds=N connects=N failed=N seconds=N".
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "benchtime.h"

static volatile sig_atomic_t stop;

static void on_term(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	long services = 0, pause_ms = 1000;
	double limit = 0;
	int c;
	while ((c = getopt(argc, argv, "S:p:t:")) != -1) {
		switch (c) {
		case 'S':
			services = strtol(optarg, NULL, 10);
			break;
		case 'p':
			pause_ms = strtol(optarg, NULL, 10);
			break;
		case 't':
			limit = strtod(optarg, NULL);
			break;
		default:
			fprintf(stderr, "usage: vipspray -S SERVICES [-p PAUSE-MS] [-t SECONDS]\n");
			return 2;
		}
	}
	if (services <= 0 || pause_ms < 0) {
		fprintf(stderr, "vipspray: -S takes a positive count, -p milliseconds\n");
		return 2;
	}
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	double t0 = now();
	unsigned long rounds = 0, connects = 0, failed = 0;
	while (!stop && !(limit > 0 && now() - t0 >= limit)) {
		for (long i = 0; i < services && !stop; i++) {
			struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(80)};
			a.sin_addr.s_addr = htonl(0x0A610000u + (uint32_t)i);
			int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
			if (fd < 0) {
				failed++;
				continue;
			}
			/* EINPROGRESS: the SYN is out, which is all IPVS needs to count it. */
			if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0 ||
			    errno == EINPROGRESS)
				connects++;
			else
				failed++;
			close(fd);
		}
		rounds++;
		struct timespec ts = {pause_ms / 1000, (pause_ms % 1000) * 1000000L};
		while (!stop && nanosleep(&ts, &ts) != 0 && errno == EINTR)
			;
	}
	printf("vipspray rounds=%lu connects=%lu failed=%lu seconds=%.3f\n", rounds, connects,
	       failed, now() - t0);
	return 0;
}
