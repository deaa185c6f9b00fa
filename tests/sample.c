/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Sample snapshots shared by the unit tests of the model and its outputs: see sample.h. */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "output_json.h"
#include "sample.h"
#include "snapshot.h"

struct ipvs_service *sample_add_v4(struct snapshot *s, const char *addr, uint16_t port,
				   uint16_t proto)
{
	struct ipvs_service *svc = snapshot_add_service(s);
	ck_assert_ptr_nonnull(svc);
	svc->af = AF_INET;
	svc->protocol = proto;
	ck_assert_int_eq(inet_pton(AF_INET, addr, svc->addr.bytes), 1);
	svc->port = port;
	snprintf(svc->sched, sizeof(svc->sched), "wlc");
	svc->dests_known = true;
	return svc;
}

struct ipvs_dest *sample_add_dest_v4(struct ipvs_service *svc, const char *addr, uint16_t port)
{
	struct ipvs_dest *d = service_add_dest(svc);
	ck_assert_ptr_nonnull(d);
	d->af = AF_INET;
	ck_assert_int_eq(inet_pton(AF_INET, addr, d->addr.bytes), 1);
	d->port = port;
	d->weight = 1;
	return d;
}

void sample_fill(struct snapshot *s)
{
	memset(s, 0, sizeof(*s));
	snprintf(s->host, sizeof(s->host), "node\"1\n");
	s->time = 1795000000.5;
	s->mono = 100.0;
	s->ipvs_available = true;
	s->source = IPVS_SOURCE_NETLINK;
	s->version = (1 << 16) | (2 << 8) | 1;
	s->conn_tab_size = 4096;
	s->timeouts_known = true;
	s->timeout_tcp = 900;
	s->timeout_tcp_fin = 120;
	s->timeout_udp = 300;
	s->n_daemons = 1;
	snprintf(s->daemons[0].state, sizeof(s->daemons[0].state), "master");
	snprintf(s->daemons[0].mcast_ifn, sizeof(s->daemons[0].mcast_ifn), "eth0");
	s->daemons[0].syncid = 3;

	struct ipvs_service *svc = sample_add_v4(s, "10.96.0.10", 53, IPPROTO_UDP);
	svc->flags = IPVS_SVC_PERSISTENT | IPVS_SVC_HASHED | IPVS_SVC_ONEPACKET;
	svc->timeout = 10800;
	svc->netmask = htonl(0xffffff00);
	svc->stats.conns = 18446744073709551615ull;
	svc->stats.cps = 7;
	struct ipvs_dest *d = sample_add_dest_v4(svc, "10.244.1.5", 53);
	d->fwd = IPVS_FWD_TUNNEL;
	d->tun_type = 1;
	d->tun_port = 6080;
	d->weight = 0;
	d->active_conns = 2;
	d->stats.inpkts = 1000;

	struct ipvs_service *fw = snapshot_add_service(s);
	fw->af = AF_INET6;
	fw->fwmark = 42;
	fw->dests_known = false;
	fw->netmask = 128;
	snprintf(fw->sched, sizeof(fw->sched), "sh");
	fw->flags = IPVS_SVC_SCHED1 | IPVS_SVC_SCHED2;
	snprintf(fw->pe, sizeof(fw->pe), "sip");
}

char *sample_json(const struct snapshot *s, const struct snapshot *prev)
{
	size_t len = 0;
	char *buf = NULL;
	FILE *f = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(output_json(f, s, prev, NULL), 0);
	fclose(f);
	ck_assert_msg(len > 0 && buf[len - 1] == '\n', "one line ending in a newline");
	ck_assert_msg(memchr(buf, '\n', len - 1) == NULL, "exactly one line");
	return buf;
}
