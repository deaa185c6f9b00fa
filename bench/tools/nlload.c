/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nlload: loads the benchmark's IPVS table over generic netlink, many requests in flight
 * on one socket. ipvsadm -R opens a socket and resolves the family for every line, which
 * makes 200,000 lines take minutes under emulation; this does the same kernel work
 * (IPVS_CMD_NEW_SERVICE, IPVS_CMD_NEW_DEST) without that cost.
 *
 *   nlload -S SERVICES -D DESTS
 *
 * The layout is bench/gen-table.py's: service i (0-based) is TCP 10.97.0.0+i:80,
 * scheduler rr; it has D/S real servers (the first D%S one more), numbered globally
 * g = 0, 1, ... as 10.128.0.1+g:8080, masquerading, weight 1.
 * Prints "nlload services=N dests=N seconds=N"; exits 1 on any kernel error.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/genetlink.h>
#include <linux/ip_vs.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "benchtime.h"

#define WINDOW 256

static int fd;
static uint32_t seq_no = 1;
static long in_flight, errors;

struct msg {
	unsigned char buf[512];
	int len;
	int nest[4];
	int depth;
};

static void put(struct msg *m, uint16_t type, const void *data, int len)
{
	struct nlattr *a = (struct nlattr *)(m->buf + m->len);
	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + len);
	memcpy(m->buf + m->len + NLA_HDRLEN, data, (size_t)len);
	memset(m->buf + m->len + NLA_HDRLEN + len, 0, (size_t)(NLA_ALIGN(a->nla_len) - a->nla_len));
	m->len += NLA_ALIGN(a->nla_len);
}
static void put_u16(struct msg *m, uint16_t t, uint16_t v) { put(m, t, &v, 2); }
static void put_u32(struct msg *m, uint16_t t, uint32_t v) { put(m, t, &v, 4); }
static void nest_start(struct msg *m, uint16_t type)
{
	struct nlattr *a = (struct nlattr *)(m->buf + m->len);
	a->nla_type = NLA_F_NESTED | type;
	m->nest[m->depth++] = m->len;
	m->len += NLA_HDRLEN;
}
static void nest_end(struct msg *m)
{
	int off = m->nest[--m->depth];
	((struct nlattr *)(m->buf + off))->nla_len = (uint16_t)(m->len - off);
}

static void start(struct msg *m, uint16_t family, uint8_t cmd, uint16_t flags)
{
	memset(m, 0, sizeof(*m));
	struct nlmsghdr *h = (struct nlmsghdr *)m->buf;
	struct genlmsghdr *g = (struct genlmsghdr *)(m->buf + NLMSG_HDRLEN);
	h->nlmsg_type = family;
	h->nlmsg_flags = NLM_F_REQUEST | flags;
	h->nlmsg_seq = seq_no++;
	g->cmd = cmd;
	g->version = 1;
	m->len = NLMSG_HDRLEN + GENL_HDRLEN;
}

/* Reads replies until at most `left` requests are unanswered. */
static void drain(long left, int *family)
{
	static unsigned char buf[1 << 16];
	while (in_flight > left) {
		ssize_t r = recv(fd, buf, sizeof(buf), 0);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			perror("recv");
			exit(1);
		}
		int len = (int)r;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, len);
		     h = NLMSG_NEXT(h, len)) {
			if (h->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(h);
				if (e->error) {
					if (errors++ < 5)
						fprintf(stderr, "nlload: kernel error %d (%s)\n", e->error,
							strerror(-e->error));
				}
				in_flight--;
			} else if (h->nlmsg_type == NLMSG_DONE) {
				in_flight--;
			} else if (family && h->nlmsg_type == GENL_ID_CTRL) {
				/* CTRL_CMD_NEWFAMILY reply: find the id. */
				struct nlattr *a = (struct nlattr *)((char *)NLMSG_DATA(h) + GENL_HDRLEN);
				int alen = (int)h->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
				while (alen >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN) {
					if ((a->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_FAMILY_ID)
						*family = *(uint16_t *)((char *)a + NLA_HDRLEN);
					alen -= NLA_ALIGN(a->nla_len);
					a = (struct nlattr *)((char *)a + NLA_ALIGN(a->nla_len));
				}
			}
		}
	}
}

static void send_msg(struct msg *m)
{
	((struct nlmsghdr *)m->buf)->nlmsg_len = (uint32_t)m->len;
	while (send(fd, m->buf, (size_t)m->len, 0) < 0) {
		if (errno != EINTR) {
			perror("send");
			exit(1);
		}
	}
	in_flight++;
}

static void service_id(struct msg *m, uint32_t vip)
{
	unsigned char addr[16] = {0};
	uint32_t be = htonl(vip);
	memcpy(addr, &be, 4);
	put_u16(m, IPVS_SVC_ATTR_AF, AF_INET);
	put_u16(m, IPVS_SVC_ATTR_PROTOCOL, IPPROTO_TCP);
	put(m, IPVS_SVC_ATTR_ADDR, addr, 16);
	put_u16(m, IPVS_SVC_ATTR_PORT, htons(80));
}

int main(int argc, char **argv)
{
	long S = 0, D = 0;
	int c;
	while ((c = getopt(argc, argv, "S:D:")) != -1) {
		if (c == 'S')
			S = atol(optarg);
		else if (c == 'D')
			D = atol(optarg);
		else
			return 2;
	}
	if (S <= 0 || D < 0) {
		fprintf(stderr, "usage: nlload -S SERVICES -D DESTS\n");
		return 2;
	}
	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	int sz = 1 << 20;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		perror("netlink");
		return 1;
	}
	struct msg m;
	int family = -1;
	start(&m, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, NLM_F_ACK);
	put(&m, CTRL_ATTR_FAMILY_NAME, IPVS_GENL_NAME, (int)strlen(IPVS_GENL_NAME) + 1);
	send_msg(&m);
	drain(0, &family);
	if (family < 0) {
		fprintf(stderr, "nlload: no IPVS family\n");
		return 1;
	}
	double t0 = now();
	long base = D / S, extra = D % S, g = 0;
	for (long i = 0; i < S; i++) {
		uint32_t vip = 0x0A610000u + (uint32_t)i;
		start(&m, (uint16_t)family, IPVS_CMD_NEW_SERVICE, NLM_F_ACK);
		nest_start(&m, IPVS_CMD_ATTR_SERVICE);
		service_id(&m, vip);
		put(&m, IPVS_SVC_ATTR_SCHED_NAME, "rr", 3);
		struct ip_vs_flags fl = {.flags = 0, .mask = ~0u};
		put(&m, IPVS_SVC_ATTR_FLAGS, &fl, sizeof(fl));
		put_u32(&m, IPVS_SVC_ATTR_TIMEOUT, 0);
		put_u32(&m, IPVS_SVC_ATTR_NETMASK, 0xffffffffu);
		nest_end(&m);
		/* The kernel handles a request inside send(): the service exists now. */
		send_msg(&m);
		long n = base + (i < extra);
		for (long j = 0; j < n; j++, g++) {
			unsigned char addr[16] = {0};
			uint32_t be = htonl(0x0A800001u + (uint32_t)g);
			memcpy(addr, &be, 4);
			start(&m, (uint16_t)family, IPVS_CMD_NEW_DEST, NLM_F_ACK);
			nest_start(&m, IPVS_CMD_ATTR_SERVICE);
			service_id(&m, vip);
			nest_end(&m);
			nest_start(&m, IPVS_CMD_ATTR_DEST);
			put(&m, IPVS_DEST_ATTR_ADDR, addr, 16);
			put_u16(&m, IPVS_DEST_ATTR_PORT, htons(8080));
			put_u32(&m, IPVS_DEST_ATTR_FWD_METHOD, IP_VS_CONN_F_MASQ);
			put_u32(&m, IPVS_DEST_ATTR_WEIGHT, 1);
			put_u32(&m, IPVS_DEST_ATTR_U_THRESH, 0);
			put_u32(&m, IPVS_DEST_ATTR_L_THRESH, 0);
			put_u16(&m, IPVS_DEST_ATTR_ADDR_FAMILY, AF_INET);
			nest_end(&m);
			send_msg(&m);
			if (in_flight >= WINDOW)
				drain(WINDOW / 2, NULL);
		}
		if (in_flight >= WINDOW)
			drain(WINDOW / 2, NULL);
	}
	drain(0, NULL);
	printf("nlload services=%ld dests=%ld seconds=%.2f errors=%ld\n", S, g, now() - t0, errors);
	return errors ? 1 : 0;
}
