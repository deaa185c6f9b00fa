/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * syncgen: fills the IPVS connection table of this host by playing an IPVS sync master.
 * The kernel's backup sync daemon (ipvsadm --start-daemon backup) creates one connection
 * entry per entry of the sync messages it receives (ip_vs_proc_conn), bound to the real
 * server when the table has it, with the state and timeout the message says. One
 * datagram carries up to 255 entries, so a million entries take about 4,000 datagrams
 * instead of a million real flows.
 *
 *   syncgen -S SERVICES -D DESTS -n COUNT [-s FIRST] [-N NETNS-PATH] [-i IFNAME]
 *           [-t TIMEOUT] [-b PER-MESSAGE] [-w WINDOW] [-c COUNT-FILE] [-P SECONDS]
 *
 * The table is the one bench/guest-bench.sh loads: service i (0-based) is TCP
 * 10.97.0.0+i:80; it has D/S real servers (the first D%S services one more), numbered
 * globally g = 0, 1, ... as 10.128.0.0+1+g:8080, masquerading. Entry k (FIRST <= k < COUNT)
 * belongs to service k % S, real server (k / S) % n(i), client 172.16.0.0+1+k/50000 port
 * 10000+k%50000; three in four are ESTABLISHED (active), one in four TIME_WAIT (inactive).
 *
 * -N: send from that network namespace (a veth to this one), so that the sender is not a
 * local address. -c: a /proc/net/ip_vs opened before switching namespaces; the sum of its
 * ActiveConn and InActConn columns paces the sender (never more than WINDOW entries ahead
 * of what the kernel has created, so the daemon's socket never drops a message) and checks
 * the result; when the count lags more than -P SECONDS (default 20) it sends on anyway
 * (the counters only count entries bound to a real server). Prints "syncgen sent=N
 * created=N seconds=N".
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "benchtime.h"

#define SYNC_GROUP "224.0.0.81"
#define SYNC_PORT 8848
#define TCP_S_ESTABLISHED 1
#define TCP_S_TIME_WAIT 5
#define CONN_F_INACTIVE 0x0100

struct __attribute__((packed)) sync_v4 {
	uint8_t type, protocol;
	uint16_t ver_size;
	uint32_t flags;
	uint16_t state, cport, vport, dport;
	uint32_t fwmark, timeout, caddr, vaddr, daddr;
};

struct __attribute__((packed)) sync_mesg {
	uint8_t reserved, syncid;
	uint16_t size;
	uint8_t nr_conns;
	int8_t version;
	uint16_t spare;
};

/* Sum of ActiveConn + InActConn over every real server of /proc/net/ip_vs. */
static long long count_conns(int fd)
{
	static char *buf;
	static size_t cap;
	if (fd < 0)
		return -1;
	if (!buf) {
		cap = 1 << 20;
		buf = malloc(cap);
	}
	if (lseek(fd, 0, SEEK_SET) < 0)
		return -1;
	long long sum = 0;
	size_t have = 0;
	for (;;) {
		ssize_t r = read(fd, buf + have, cap - have - 1);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		have += (size_t)r;
		buf[have] = '\0';
		/* Whole lines only; keep the partial last one. */
		char *end = r == 0 ? buf + have : strrchr(buf, '\n');
		if (!end) {
			if (r == 0)
				break;
			continue;
		}
		for (char *line = buf; line < end;) {
			char *nl = memchr(line, '\n', (size_t)(end - line));
			if (!nl)
				nl = end;
			*nl = '\0';
			if (strncmp(line, "  -> ", 5) == 0) {
				char addr[64], fwd[16];
				long w, a, in;
				if (sscanf(line + 5, "%63s %15s %ld %ld %ld", addr, fwd, &w, &a, &in) == 5)
					sum += a + in;
			}
			line = nl + 1;
		}
		size_t used = r == 0 ? have : (size_t)(end - buf) + 1;
		memmove(buf, buf + used, have - used);
		have -= used;
		if (r == 0)
			break;
	}
	return sum;
}

int main(int argc, char **argv)
{
	long S = 0, D = 0, count = 0, first = 0, timeout = 7200, per = 255, window = 20000;
	double patience = 20; /* -P: seconds to wait for the kernel before sending on anyway */
	const char *netns = NULL, *ifname = "vsync0", *count_path = NULL;
	int c;
	while ((c = getopt(argc, argv, "S:D:n:s:N:i:t:b:w:c:P:")) != -1) {
		switch (c) {
		case 'S': S = atol(optarg); break;
		case 'D': D = atol(optarg); break;
		case 'n': count = atol(optarg); break;
		case 's': first = atol(optarg); break;
		case 'N': netns = optarg; break;
		case 'i': ifname = optarg; break;
		case 't': timeout = atol(optarg); break;
		case 'P': patience = atof(optarg); break;
		case 'b': per = atol(optarg); break;
		case 'w': window = atol(optarg); break;
		case 'c': count_path = optarg; break;
		default:
			fprintf(stderr, "syncgen: bad usage (see the comment at the top)\n");
			return 2;
		}
	}
	if (S <= 0 || D < S || count <= first || per < 1 || per > 255) {
		fprintf(stderr, "syncgen: need -S, -D >= S, -n > -s, 1 <= -b <= 255\n");
		return 2;
	}
	int cfd = count_path ? open(count_path, O_RDONLY | O_CLOEXEC) : -1;
	if (count_path && cfd < 0) {
		perror(count_path);
		return 1;
	}
	if (netns) {
		int nfd = open(netns, O_RDONLY | O_CLOEXEC);
		if (nfd < 0 || setns(nfd, CLONE_NEWNET) != 0) {
			perror(netns);
			return 1;
		}
		close(nfd);
	}
	int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0) {
		perror("socket");
		return 1;
	}
	struct ip_mreqn mr = {.imr_ifindex = (int)if_nametoindex(ifname)};
	if (!mr.imr_ifindex || setsockopt(s, IPPROTO_IP, IP_MULTICAST_IF, &mr, sizeof(mr))) {
		fprintf(stderr, "syncgen: interface %s: %s\n", ifname, strerror(errno));
		return 1;
	}
	unsigned char ttl = 1;
	setsockopt(s, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof(ttl));
	int sb = 4 << 20;
	setsockopt(s, SOL_SOCKET, SO_SNDBUF, &sb, sizeof(sb));
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(SYNC_PORT)};
	inet_pton(AF_INET, SYNC_GROUP, &to.sin_addr);

	long base = D / S, extra = D % S;
	long long before = count_conns(cfd);
	double t0 = now();
	static unsigned char msg[sizeof(struct sync_mesg) + 255 * sizeof(struct sync_v4)];
	long sent = 0, k = first, checked = 0;
	while (k < count) {
		struct sync_mesg *m = (struct sync_mesg *)msg;
		struct sync_v4 *e = (struct sync_v4 *)(msg + sizeof(*m));
		int n = 0;
		for (; n < per && k < count; n++, k++) {
			long i = k % S;
			long nd = base + (i < extra);
			long j = (k / S) % nd;
			long g = i * base + (i < extra ? i : extra) + j;
			int inactive = (k & 3) == 3;
			memset(&e[n], 0, sizeof(e[n]));
			e[n].type = 0;
			e[n].protocol = IPPROTO_TCP;
			e[n].ver_size = htons(sizeof(struct sync_v4));
			e[n].flags = htonl(inactive ? CONN_F_INACTIVE : 0);
			e[n].state = htons(inactive ? TCP_S_TIME_WAIT : TCP_S_ESTABLISHED);
			e[n].cport = htons((uint16_t)(10000 + k % 50000));
			e[n].vport = htons(80);
			e[n].dport = htons(8080);
			e[n].timeout = htonl((uint32_t)timeout);
			e[n].caddr = htonl((uint32_t)(0xAC100000u + 1 + (uint32_t)(k / 50000)));
			e[n].vaddr = htonl((uint32_t)(0x0A610000u + (uint32_t)i));
			e[n].daddr = htonl((uint32_t)(0x0A800000u + 1 + (uint32_t)g));
		}
		size_t len = sizeof(*m) + (size_t)n * sizeof(struct sync_v4);
		memset(m, 0, sizeof(*m));
		m->size = htons((uint16_t)len);
		m->nr_conns = (uint8_t)n;
		m->version = 1;
		if (sendto(s, msg, len, 0, (struct sockaddr *)&to, sizeof(to)) < 0) {
			if (errno == ENOBUFS || errno == EAGAIN) {
				usleep(1000);
				k -= n;
				continue;
			}
			perror("sendto");
			return 1;
		}
		sent += n;
		/* Pace: stay within a window of what the kernel has created. */
		if (cfd >= 0 && before >= 0 && sent - checked >= window / 2) {
			checked = sent;
			double t_wait = now();
			for (;;) {
				long long have = count_conns(cfd) - before;
				if (have >= sent - window)
					break;
				if (now() - t_wait > patience) {
					fprintf(stderr, "syncgen: stalled at %lld of %ld\n", have, sent);
					break;
				}
				usleep(20000);
			}
		}
	}
	long long created = -1;
	if (cfd >= 0 && before >= 0) {
		/* Until everything is there, or nothing moves for 3 s. */
		long long last = -1;
		double t_last = now();
		for (;;) {
			created = count_conns(cfd) - before;
			if (created >= sent)
				break;
			if (created != last) {
				last = created;
				t_last = now();
			} else if (now() - t_last > 3) {
				break;
			}
			usleep(50000);
		}
	}
	printf("syncgen sent=%ld created=%lld seconds=%.2f\n", sent, created, now() - t0);
	return cfd >= 0 && created < sent ? 1 : 0;
}
