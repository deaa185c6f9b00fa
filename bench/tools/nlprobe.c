/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nlprobe: the kernel's own floor for reading the IPVS table, with raw generic netlink
 * (no libnl, no parsing beyond what a request needs, nothing printed per entry).
 *
 *   nlprobe [-k N] [-r REPEATS] [-b RECV-BUFFER]
 *
 * Each repeat, on one socket opened once: one IPVS_CMD_GET_SERVICE dump ("svc"), then one
 * IPVS_CMD_GET_DEST dump for each of the first N services in kernel order ("screen"; N=0:
 * every service, "all"). Prints per repeat:
 *
 *   nlprobe rep=1 services=20000 svc_s=0.123 k=50 dests=250 dest_s=0.045 bytes=123456
 *
 * "svc_s + dest_s" with -k one screen of rows is the reference for the time to the first
 * frame; with -k 0 it is the least any reader that uses netlink can spend on a full read.
 * -b: the buffer offered to recv() (default 65536, as ipvstop). The kernel sizes every dump
 * datagram after the largest buffer a socket has offered (up to 32 KiB) and, with
 * init_on_alloc, clears it: a smaller buffer makes every one-service GET_DEST dump cheaper.
 *
 *   nlprobe -C LOOPS   calibration: LOOPS rounds of a user-space loop, a getppid() loop and
 *                      nlctrl family dumps; the same run on the host and in the guest gives
 *                      the emulator's slowdown per kind of work.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/genetlink.h>
#include <linux/ip_vs.h>
#include <linux/netlink.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "benchtime.h"

static int sock_fd;
static uint32_t seq_no = 1;
static unsigned char rbuf[1 << 16];
static size_t rbuf_len = sizeof(rbuf);
static unsigned long long rbytes;

struct svc {
	unsigned char attrs[128]; /* the identity attributes, ready to nest */
	int len;
};
static struct svc *svcs;
static size_t n_svcs, cap_svcs;

static int nl_open(void)
{
	sock_fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	if (sock_fd < 0)
		return -1;
	int sz = 256 * 1024;
	setsockopt(sock_fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	return bind(sock_fd, (struct sockaddr *)&sa, sizeof(sa));
}

static void put_attr(unsigned char *buf, int *off, uint16_t type, const void *data, int len)
{
	struct nlattr *a = (struct nlattr *)(buf + *off);
	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + len);
	memcpy(buf + *off + NLA_HDRLEN, data, (size_t)len);
	*off += NLA_ALIGN(a->nla_len);
}

/* Sends one request; payload = attributes after the genl header. */
static uint32_t send_req(uint16_t family, uint8_t cmd, uint16_t flags, const void *attrs,
			 int alen)
{
	unsigned char buf[512];
	struct nlmsghdr *h = (struct nlmsghdr *)buf;
	struct genlmsghdr *g = (struct genlmsghdr *)(buf + NLMSG_HDRLEN);
	memset(buf, 0, sizeof(buf));
	h->nlmsg_len = NLMSG_HDRLEN + GENL_HDRLEN + (uint32_t)alen;
	h->nlmsg_type = family;
	h->nlmsg_flags = NLM_F_REQUEST | flags;
	h->nlmsg_seq = seq_no++;
	g->cmd = cmd;
	g->version = 1;
	if (alen)
		memcpy(buf + NLMSG_HDRLEN + GENL_HDRLEN, attrs, (size_t)alen);
	if (send(sock_fd, buf, h->nlmsg_len, 0) < 0) {
		perror("send");
		exit(1);
	}
	return h->nlmsg_seq;
}

typedef void (*msg_fn)(struct nlmsghdr *h, void *arg);

/* Reads until NLMSG_DONE or an error/ACK for seq; returns messages handed to fn. */
static long recv_until_done(uint32_t seq, msg_fn fn, void *arg)
{
	long n = 0;
	for (;;) {
		ssize_t r = recv(sock_fd, rbuf, rbuf_len, MSG_TRUNC);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			perror("recv");
			exit(1);
		}
		if ((size_t)r > rbuf_len) {
			fprintf(stderr, "nlprobe: a %zd-byte datagram does not fit a %zu-byte buffer\n", r,
				rbuf_len);
			exit(1);
		}
		rbytes += (unsigned long long)r;
		int left = (int)r;
		for (struct nlmsghdr *h = (struct nlmsghdr *)rbuf; NLMSG_OK(h, left);
		     h = NLMSG_NEXT(h, left)) {
			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_DONE)
				return n;
			if (h->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(h);
				if (e->error) {
					fprintf(stderr, "nlprobe: kernel error %d\n", e->error);
					exit(1);
				}
				return n;
			}
			if (fn)
				fn(h, arg);
			n++;
		}
	}
}

static struct nlattr *find_attr(void *start, int len, uint16_t type)
{
	for (struct nlattr *a = start; len >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN &&
					a->nla_len <= len;
	     len -= NLA_ALIGN(a->nla_len), a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len)))
		if ((a->nla_type & NLA_TYPE_MASK) == type)
			return a;
	return NULL;
}

static void on_family(struct nlmsghdr *h, void *arg)
{
	int *id = arg;
	void *attrs = (char *)NLMSG_DATA(h) + GENL_HDRLEN;
	int len = (int)h->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
	struct nlattr *name = find_attr(attrs, len, CTRL_ATTR_FAMILY_NAME);
	struct nlattr *fid = find_attr(attrs, len, CTRL_ATTR_FAMILY_ID);
	if (name && fid && strcmp((char *)name + NLA_HDRLEN, IPVS_GENL_NAME) == 0)
		memcpy(id, (char *)fid + NLA_HDRLEN, 2), *id &= 0xffff;
}

static int resolve_ipvs(void)
{
	int id = -1;
	uint32_t s = send_req(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, NLM_F_DUMP, NULL, 0);
	recv_until_done(s, on_family, &id);
	return id;
}

/* Keeps the identity of each service (AF, PROTOCOL, ADDR, PORT or FWMARK). */
static void on_service(struct nlmsghdr *h, void *arg)
{
	(void)arg;
	void *attrs = (char *)NLMSG_DATA(h) + GENL_HDRLEN;
	int len = (int)h->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
	struct nlattr *nest = find_attr(attrs, len, IPVS_CMD_ATTR_SERVICE);
	if (!nest)
		return;
	if (n_svcs == cap_svcs) {
		cap_svcs = cap_svcs ? cap_svcs * 2 : 1024;
		svcs = realloc(svcs, cap_svcs * sizeof(*svcs));
		if (!svcs)
			exit(1);
	}
	struct svc *s = &svcs[n_svcs++];
	s->len = 0;
	void *in = (char *)nest + NLA_HDRLEN;
	int ilen = nest->nla_len - NLA_HDRLEN;
	static const uint16_t keep[] = {IPVS_SVC_ATTR_AF, IPVS_SVC_ATTR_PROTOCOL,
					IPVS_SVC_ATTR_ADDR, IPVS_SVC_ATTR_PORT,
					IPVS_SVC_ATTR_FWMARK};
	struct nlattr *fw = find_attr(in, ilen, IPVS_SVC_ATTR_FWMARK);
	uint32_t mark = 0;
	if (fw)
		memcpy(&mark, (char *)fw + NLA_HDRLEN, 4);
	for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
		if (mark && (keep[i] == IPVS_SVC_ATTR_PROTOCOL || keep[i] == IPVS_SVC_ATTR_ADDR ||
			     keep[i] == IPVS_SVC_ATTR_PORT))
			continue;
		if (!mark && keep[i] == IPVS_SVC_ATTR_FWMARK)
			continue;
		struct nlattr *a = find_attr(in, ilen, keep[i]);
		if (a)
			put_attr(s->attrs, &s->len, keep[i], (char *)a + NLA_HDRLEN,
				 a->nla_len - NLA_HDRLEN);
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static void calibrate(long loops)
{
	/* User space: an integer hash loop the compiler cannot fold. */
	double t0 = now();
	volatile uint64_t sink = 0;
	uint64_t h = 1469598103934665603ull;
	for (long i = 0; i < loops * 1000000L; i++) {
		h ^= (uint64_t)i;
		h *= 1099511628211ull;
	}
	sink = h;
	(void)sink;
	double user = now() - t0;
	/* System calls: the cheapest one. */
	t0 = now();
	for (long i = 0; i < loops * 20000L; i++)
		getppid();
	double sys = now() - t0;
	/* Netlink round trips: nlctrl family dumps (every kernel has them). */
	t0 = now();
	long dumps = loops * 200L;
	for (long i = 0; i < dumps; i++) {
		uint32_t s = send_req(GENL_ID_CTRL, CTRL_CMD_GETFAMILY, NLM_F_DUMP, NULL, 0);
		recv_until_done(s, NULL, NULL);
	}
	double nl = now() - t0;
	printf("calib loops=%ld user_s=%.4f syscall_us=%.4f genl_dump_us=%.2f\n", loops, user,
	       sys / ((double)loops * 20000.0) * 1e6, nl / (double)dumps * 1e6);
}

int main(int argc, char **argv)
{
	long k = 50, reps = 3, calib = 0;
	int c;
	while ((c = getopt(argc, argv, "k:r:C:b:")) != -1) {
		switch (c) {
		case 'b':
			rbuf_len = (size_t)atol(optarg);
			if (rbuf_len < 1024 || rbuf_len > sizeof(rbuf)) {
				fprintf(stderr, "nlprobe: -b between 1024 and %zu\n", sizeof(rbuf));
				return 2;
			}
			break;
		case 'k':
			k = atol(optarg);
			break;
		case 'r':
			reps = atol(optarg);
			break;
		case 'C':
			calib = atol(optarg);
			break;
		default:
			fprintf(stderr, "usage: nlprobe [-k N] [-r REPEATS] [-b BYTES] | -C LOOPS\n");
			return 2;
		}
	}
	if (nl_open() != 0) {
		perror("netlink");
		return 1;
	}
	if (calib) {
		calibrate(calib);
		return 0;
	}
	int fam = resolve_ipvs();
	if (fam < 0) {
		fprintf(stderr, "nlprobe: no IPVS family\n");
		return 1;
	}
	double *tot = calloc((size_t)reps, sizeof(double));
	for (long r = 0; r < reps; r++) {
		n_svcs = 0;
		rbytes = 0;
		double t0 = now();
		uint32_t s = send_req((uint16_t)fam, IPVS_CMD_GET_SERVICE, NLM_F_DUMP, NULL, 0);
		recv_until_done(s, on_service, NULL);
		double t1 = now();
		size_t lim = k > 0 && (size_t)k < n_svcs ? (size_t)k : n_svcs;
		long dests = 0;
		for (size_t i = 0; i < lim; i++) {
			unsigned char a[160];
			int off = 0;
			put_attr(a, &off, IPVS_CMD_ATTR_SERVICE, svcs[i].attrs, svcs[i].len);
			s = send_req((uint16_t)fam, IPVS_CMD_GET_DEST, NLM_F_DUMP, a, off);
			dests += recv_until_done(s, NULL, NULL);
		}
		double t2 = now();
		tot[r] = t2 - t0;
		printf("nlprobe rep=%ld services=%zu svc_s=%.4f k=%zu dests=%ld dest_s=%.4f "
		       "total_s=%.4f bytes=%llu buf=%zu\n",
		       r + 1, n_svcs, t1 - t0, lim, dests, t2 - t1, t2 - t0, rbytes, rbuf_len);
		fflush(stdout);
	}
	qsort(tot, (size_t)reps, sizeof(double), cmp_double);
	printf("nlprobe median_total_s=%.4f min_total_s=%.4f\n", tot[reps / 2], tot[0]);
	return 0;
}
