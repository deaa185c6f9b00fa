/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of the snapshot model, rates, display cells and the JSON and text outputs. */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <cjson/cJSON.h>
#include <locale.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cells.h"
#include "check_main.h"
#include "json_read.h"
#include "kube_model.h"
#include "kube_text.h"
#include "output_json.h"
#include "output_text.h"
#include "rates.h"
#include "snapshot.h"

static struct ipvs_service *add_v4(struct snapshot *s, const char *addr, uint16_t port,
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

static struct ipvs_dest *add_dest_v4(struct ipvs_service *svc, const char *addr, uint16_t port)
{
	struct ipvs_dest *d = service_add_dest(svc);
	ck_assert_ptr_nonnull(d);
	d->af = AF_INET;
	ck_assert_int_eq(inet_pton(AF_INET, addr, d->addr.bytes), 1);
	d->port = port;
	d->weight = 1;
	return d;
}

/* Runs output_json into memory and parses it back. */
static cJSON *json_of(const struct snapshot *s, const struct snapshot *prev, char **text)
{
	size_t len = 0;
	char *buf = NULL;
	FILE *f = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(output_json(f, s, prev, NULL), 0);
	fclose(f);
	ck_assert_msg(len > 0 && buf[len - 1] == '\n', "one line ending in a newline");
	ck_assert_msg(memchr(buf, '\n', len - 1) == NULL, "exactly one line");
	cJSON *j = cJSON_Parse(buf);
	ck_assert_msg(j != NULL, "valid JSON: %s", buf);
	if (text)
		*text = buf;
	else
		free(buf);
	return j;
}

static cJSON *path(cJSON *j, const char *a, const char *b)
{
	cJSON *x = cJSON_GetObjectItemCaseSensitive(j, a);
	ck_assert_msg(x != NULL, "member %s", a);
	if (b) {
		x = cJSON_GetObjectItemCaseSensitive(x, b);
		ck_assert_msg(x != NULL, "member %s.%s", a, b);
	}
	return x;
}

START_TEST(test_add_and_grow)
{
	struct snapshot s;
	memset(&s, 0, sizeof(s));
	for (int i = 0; i < 1000; i++) {
		char a[32];
		snprintf(a, sizeof(a), "10.0.%d.%d", i / 256, i % 256);
		struct ipvs_service *svc = add_v4(&s, a, 80, IPPROTO_TCP);
		for (int j = 0; j < i % 20; j++)
			add_dest_v4(svc, "192.168.0.1", (uint16_t)(1000 + j));
	}
	ck_assert_uint_eq(s.n_services, 1000);
	ck_assert_uint_eq(s.services[999].n_dests, 999 % 20);
	ck_assert_uint_eq(s.services[999].dests[18].port, 1018);
	snapshot_free(&s);
	ck_assert_uint_eq(s.n_services, 0);
	ck_assert_ptr_null(s.services);
}
END_TEST

START_TEST(test_identity)
{
	struct snapshot s;
	memset(&s, 0, sizeof(s));
	add_v4(&s, "10.0.0.1", 80, IPPROTO_TCP);
	add_v4(&s, "10.0.0.1", 80, IPPROTO_UDP);
	struct ipvs_service *fw = snapshot_add_service(&s);
	fw->af = AF_INET;
	fw->fwmark = 7;

	struct ipvs_service probe;
	memset(&probe, 0, sizeof(probe));
	probe.af = AF_INET;
	probe.protocol = IPPROTO_UDP;
	inet_pton(AF_INET, "10.0.0.1", probe.addr.bytes);
	probe.port = 80;
	ck_assert_ptr_eq(snapshot_find_service(&s, &probe), &s.services[1]);
	probe.port = 81;
	ck_assert_ptr_null(snapshot_find_service(&s, &probe));
	memset(&probe, 0, sizeof(probe));
	probe.af = AF_INET;
	probe.fwmark = 7;
	ck_assert_ptr_eq(snapshot_find_service(&s, &probe), &s.services[2]);
	probe.af = AF_INET6;
	ck_assert_ptr_null(snapshot_find_service(&s, &probe));
	snapshot_free(&s);
}
END_TEST

START_TEST(test_netmask_prefix)
{
	struct ipvs_service svc;
	memset(&svc, 0, sizeof(svc));
	svc.af = AF_INET;
	svc.netmask = htonl(0xffffff00);
	ck_assert_int_eq(service_netmask_prefix(&svc), 24);
	svc.netmask = htonl(0xffffffff);
	ck_assert_int_eq(service_netmask_prefix(&svc), 32);
	svc.netmask = 0;
	ck_assert_int_eq(service_netmask_prefix(&svc), 0);
	svc.af = AF_INET6;
	svc.netmask = 64;
	ck_assert_int_eq(service_netmask_prefix(&svc), 64);
}
END_TEST

START_TEST(test_names)
{
	ck_assert_str_eq(ipvs_proto_name(IPPROTO_SCTP), "sctp");
	ck_assert_ptr_null(ipvs_proto_name(0));
	ck_assert_str_eq(ipvs_fwd_name(IPVS_FWD_ROUTE), "route");
	ck_assert_str_eq(ipvs_fwd_name(99), "unknown");
	ck_assert_str_eq(module_state_name(MODULE_BUILTIN), "builtin");
	char buf[64];
	struct ipvs_addr a;
	memset(&a, 0, sizeof(a));
	inet_pton(AF_INET6, "2001:db8::1", a.bytes);
	ck_assert_str_eq(ipvs_addr_str(AF_INET6, &a, buf, sizeof(buf)), "2001:db8::1");
}
END_TEST

START_TEST(test_rates)
{
	struct ipvs_stats a = {.conns = 100, .inpkts = 1000, .outpkts = 500, .inbytes = 10000,
			       .outbytes = 4000};
	struct ipvs_stats b = a;
	struct ipvs_rates r;
	b.conns += 20;
	b.inpkts += 200;
	b.outbytes += 1000;
	ck_assert(rates_compute(&a, &b, 2.0, &r));
	ck_assert_double_eq_tol(r.cps, 10.0, 1e-9);
	ck_assert_double_eq_tol(r.inpps, 100.0, 1e-9);
	ck_assert_double_eq_tol(r.outpps, 0.0, 1e-9);
	ck_assert_double_eq_tol(r.outbps, 500.0, 1e-9);

	/* Zeroed in between (ipvsadm -Z): the rate counts from zero, never negative. */
	struct ipvs_stats z = {.conns = 6};
	ck_assert(rates_compute(&a, &z, 2.0, &r));
	ck_assert_double_eq_tol(r.cps, 3.0, 1e-9);
	ck_assert_double_eq_tol(r.inbps, 0.0, 1e-9);

	ck_assert(!rates_compute(&a, &b, 0.0, &r));
	ck_assert_double_eq(r.cps, 0.0);
}
END_TEST

START_TEST(test_rates_index)
{
	struct snapshot prev, cur;
	memset(&prev, 0, sizeof(prev));
	memset(&cur, 0, sizeof(cur));
	for (int i = 0; i < 5000; i++) {
		char a[32];
		snprintf(a, sizeof(a), "10.1.%d.%d", i / 256, i % 256);
		add_v4(&prev, a, (uint16_t)(i % 3 + 80), IPPROTO_TCP)->stats.conns = (uint64_t)i;
	}
	struct rates_index *ix = rates_index_new(&prev);
	ck_assert_ptr_nonnull(ix);
	for (int i = 0; i < 5000; i += 7) {
		char a[32];
		snprintf(a, sizeof(a), "10.1.%d.%d", i / 256, i % 256);
		struct ipvs_service *svc = add_v4(&cur, a, (uint16_t)(i % 3 + 80), IPPROTO_TCP);
		const struct ipvs_service *p = rates_index_find(ix, svc);
		ck_assert_ptr_nonnull(p);
		ck_assert_uint_eq(p->stats.conns, (uint64_t)i);
	}
	/* A service that came after the previous snapshot has no match. */
	struct ipvs_service *n = add_v4(&cur, "10.9.9.9", 80, IPPROTO_TCP);
	ck_assert_ptr_null(rates_index_find(ix, n));
	rates_index_free(ix);

	/* Destinations: found by identity even when the order changed. */
	struct ipvs_service *ps = &prev.services[0];
	add_dest_v4(ps, "192.168.1.1", 80);
	add_dest_v4(ps, "192.168.1.2", 80);
	struct ipvs_dest d;
	memset(&d, 0, sizeof(d));
	d.af = AF_INET;
	inet_pton(AF_INET, "192.168.1.2", d.addr.bytes);
	d.port = 80;
	ck_assert_ptr_eq(rates_find_dest(ps, &d, 0), &ps->dests[1]);
	ck_assert_ptr_eq(rates_find_dest(ps, &d, 1), &ps->dests[1]);
	d.port = 81;
	ck_assert_ptr_null(rates_find_dest(ps, &d, 1));
	snapshot_free(&prev);
	snapshot_free(&cur);
}
END_TEST

static void fill_sample(struct snapshot *s)
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

	struct ipvs_service *svc = add_v4(s, "10.96.0.10", 53, IPPROTO_UDP);
	svc->flags = IPVS_SVC_PERSISTENT | IPVS_SVC_HASHED | IPVS_SVC_ONEPACKET;
	svc->timeout = 10800;
	svc->netmask = htonl(0xffffff00);
	svc->stats.conns = 18446744073709551615ull;
	svc->stats.cps = 7;
	struct ipvs_dest *d = add_dest_v4(svc, "10.244.1.5", 53);
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

START_TEST(test_json_fields)
{
	struct snapshot s;
	char *text;
	fill_sample(&s);
	cJSON *j = json_of(&s, NULL, &text);

	ck_assert_int_eq(path(j, "schema", NULL)->valueint, 1);
	ck_assert_str_eq(path(j, "host", NULL)->valuestring, "node\"1\n");
	ck_assert(cJSON_IsNull(path(j, "interval", NULL)));
	ck_assert(cJSON_IsTrue(path(j, "ipvs", "available")));
	ck_assert(cJSON_IsNull(path(j, "ipvs", "error")));
	ck_assert_str_eq(path(j, "ipvs", "source")->valuestring, "netlink");
	ck_assert_str_eq(path(j, "ipvs", "version")->valuestring, "1.2.1");
	ck_assert_int_eq(path(j, "ipvs", "conn_tab_size")->valueint, 4096);
	ck_assert_int_eq(path(path(j, "ipvs", "timeouts"), "tcp_fin", NULL)->valueint, 120);
	cJSON *dm = cJSON_GetArrayItem(path(j, "ipvs", "daemons"), 0);
	ck_assert_str_eq(path(dm, "state", NULL)->valuestring, "master");
	ck_assert_int_eq(path(dm, "syncid", NULL)->valueint, 3);

	cJSON *svcs = path(j, "ipvs", "services");
	ck_assert_int_eq(cJSON_GetArraySize(svcs), 2);
	cJSON *a = cJSON_GetArrayItem(svcs, 0);
	ck_assert_str_eq(path(a, "af", NULL)->valuestring, "inet");
	ck_assert_str_eq(path(a, "protocol", NULL)->valuestring, "udp");
	ck_assert_str_eq(path(a, "address", NULL)->valuestring, "10.96.0.10");
	ck_assert_int_eq(path(a, "port", NULL)->valueint, 53);
	ck_assert_int_eq(path(a, "timeout", NULL)->valueint, 10800);
	ck_assert_int_eq(path(a, "netmask_prefix", NULL)->valueint, 24);
	ck_assert_str_eq(path(a, "scheduler", NULL)->valuestring, "wlc");
	cJSON *flags = path(a, "flags", NULL);
	ck_assert_int_eq(cJSON_GetArraySize(flags), 3);
	ck_assert_str_eq(cJSON_GetArrayItem(flags, 0)->valuestring, "persistent");
	ck_assert_str_eq(cJSON_GetArrayItem(flags, 2)->valuestring, "one-packet");
	ck_assert_int_eq(path(path(a, "rates", NULL), "cps", NULL)->valueint, 7);
	ck_assert(cJSON_IsTrue(path(a, "destinations_known", NULL)));
	ck_assert(cJSON_IsNull(path(a, "computed_rates", NULL)));
	/* 64-bit counters are written exactly, not through a double. */
	ck_assert_ptr_nonnull(strstr(text, "\"conns\":18446744073709551615"));

	cJSON *d = cJSON_GetArrayItem(path(a, "destinations", NULL), 0);
	ck_assert_str_eq(path(d, "forward", NULL)->valuestring, "tunnel");
	ck_assert_str_eq(path(d, "tun_type", NULL)->valuestring, "gue");
	ck_assert_int_eq(path(d, "tun_port", NULL)->valueint, 6080);
	ck_assert_int_eq(path(d, "weight", NULL)->valueint, 0);
	ck_assert_int_eq(path(d, "active_conns", NULL)->valueint, 2);
	ck_assert_int_eq(path(path(d, "stats", NULL), "inpkts", NULL)->valueint, 1000);

	cJSON *b = cJSON_GetArrayItem(svcs, 1);
	ck_assert_str_eq(path(b, "af", NULL)->valuestring, "inet6");
	ck_assert(cJSON_IsNull(path(b, "protocol", NULL)));
	ck_assert(cJSON_IsNull(path(b, "address", NULL)));
	ck_assert_int_eq(path(b, "fwmark", NULL)->valueint, 42);
	ck_assert_int_eq(path(b, "timeout", NULL)->valueint, 0);
	ck_assert_int_eq(path(b, "netmask_prefix", NULL)->valueint, 128);
	ck_assert_str_eq(path(b, "pe", NULL)->valuestring, "sip");
	ck_assert(cJSON_IsFalse(path(b, "destinations_known", NULL)));
	flags = path(b, "flags", NULL);
	ck_assert_str_eq(cJSON_GetArrayItem(flags, 0)->valuestring, "sh-fallback");
	ck_assert_str_eq(cJSON_GetArrayItem(flags, 1)->valuestring, "sh-port");
	ck_assert_ptr_null(cJSON_GetObjectItem(j, "connections"));

	cJSON_Delete(j);
	free(text);
	snapshot_free(&s);
}
END_TEST

START_TEST(test_json_computed_rates)
{
	struct snapshot prev, cur;
	fill_sample(&prev);
	fill_sample(&cur);
	cur.mono = prev.mono + 2.0;
	cur.services[0].stats.conns = 10;      /* went down: zeroed, counts from 0 */
	cur.services[0].dests[0].stats.inpkts += 400;
	struct ipvs_service *n = add_v4(&cur, "10.0.0.99", 443, IPPROTO_TCP);
	n->stats.conns = 50;

	cJSON *j = json_of(&cur, &prev, NULL);
	ck_assert_double_eq_tol(path(j, "interval", NULL)->valuedouble, 2.0, 1e-6);
	cJSON *svcs = path(j, "ipvs", "services");
	cJSON *a = cJSON_GetArrayItem(svcs, 0);
	ck_assert_double_eq_tol(path(path(a, "computed_rates", NULL), "cps", NULL)->valuedouble,
				5.0, 1e-6);
	cJSON *d = cJSON_GetArrayItem(path(a, "destinations", NULL), 0);
	ck_assert_double_eq_tol(path(path(d, "computed_rates", NULL), "inpps", NULL)->valuedouble,
				200.0, 1e-6);
	/* The new service has no earlier reading: no computed rate, not a made-up one. */
	ck_assert(cJSON_IsNull(path(cJSON_GetArrayItem(svcs, 2), "computed_rates", NULL)));
	cJSON_Delete(j);
	snapshot_free(&prev);
	snapshot_free(&cur);
}
END_TEST

START_TEST(test_json_unavailable_and_conns)
{
	struct snapshot s;
	memset(&s, 0, sizeof(s));
	snprintf(s.ipvs_error, sizeof(s.ipvs_error), "no \x1b[31mipvs\x01");
	s.have_conns = true;
	s.conns.total = 3;
	s.conns.truncated = true;
	s.conns.n_conns = 1;
	s.conns.conns = calloc(1, sizeof(struct ipvs_conn));
	struct ipvs_conn *c = s.conns.conns;
	snprintf(c->protocol, sizeof(c->protocol), "tcp");
	c->af = AF_INET6;
	inet_pton(AF_INET6, "fd00::1", c->client.bytes);
	inet_pton(AF_INET6, "fd00::2", c->virt.bytes);
	c->dest_af = AF_INET;
	inet_pton(AF_INET, "10.0.0.3", c->dest.bytes);
	c->client_port = 40000;
	snprintf(c->state, sizeof(c->state), "TIME_WAIT");
	c->expires = 119;
	s.conns.n_by_state = 1;
	s.conns.by_state = calloc(1, sizeof(struct ipvs_conn_count));
	snprintf(s.conns.by_state[0].key, sizeof(s.conns.by_state[0].key), "TIME_WAIT");
	s.conns.by_state[0].count = 3;

	cJSON *j = json_of(&s, NULL, NULL);
	ck_assert(cJSON_IsFalse(path(j, "ipvs", "available")));
	ck_assert_str_eq(path(j, "ipvs", "error")->valuestring, "no \x1b[31mipvs\x01");
	ck_assert(cJSON_IsNull(path(j, "ipvs", "source")));
	ck_assert(cJSON_IsNull(path(j, "ipvs", "timeouts")));
	cJSON *conns = path(j, "connections", NULL);
	ck_assert_int_eq(path(conns, "total", NULL)->valueint, 3);
	ck_assert(cJSON_IsTrue(path(conns, "truncated", NULL)));
	cJSON *e = cJSON_GetArrayItem(path(conns, "entries", NULL), 0);
	ck_assert_str_eq(path(e, "client", NULL)->valuestring, "fd00::1");
	ck_assert_str_eq(path(e, "destination", NULL)->valuestring, "10.0.0.3");
	ck_assert_str_eq(path(e, "state", NULL)->valuestring, "TIME_WAIT");
	ck_assert_int_eq(path(e, "expires", NULL)->valueint, 119);
	ck_assert_int_eq(path(path(conns, "by_state", NULL), "TIME_WAIT", NULL)->valueint, 3);
	cJSON_Delete(j);
	snapshot_free(&s);
}
END_TEST

START_TEST(test_json_proc_source)
{
	/* /proc has no counters, thresholds or tunnels: null, never a made-up zero. */
	struct snapshot s;
	fill_sample(&s);
	s.source = IPVS_SOURCE_PROC;
	cJSON *j = json_of(&s, NULL, NULL);
	ck_assert_str_eq(path(j, "ipvs", "source")->valuestring, "proc");
	ck_assert(cJSON_IsNull(path(j, "ipvs", "daemons")));
	cJSON *a = cJSON_GetArrayItem(path(j, "ipvs", "services"), 0);
	ck_assert(cJSON_IsNull(path(a, "stats", NULL)));
	ck_assert(cJSON_IsNull(path(a, "rates", NULL)));
	ck_assert(cJSON_IsNull(path(a, "pe", NULL)));
	ck_assert_str_eq(path(a, "scheduler", NULL)->valuestring, "wlc");
	cJSON *d = cJSON_GetArrayItem(path(a, "destinations", NULL), 0);
	ck_assert(cJSON_IsNull(path(d, "tun_type", NULL)));
	ck_assert(cJSON_IsNull(path(d, "upper_threshold", NULL)));
	ck_assert(cJSON_IsNull(path(d, "persistent_conns", NULL)));
	ck_assert_int_eq(path(d, "active_conns", NULL)->valueint, 2);
	ck_assert_str_eq(path(d, "forward", NULL)->valuestring, "tunnel");
	cJSON_Delete(j);
	snapshot_free(&s);
}
END_TEST

START_TEST(test_json_write_error)
{
	struct snapshot s;
	fill_sample(&s);
	FILE *f = fopen("/dev/full", "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_lt(output_json(f, &s, NULL, NULL), 0);
	fclose(f);
	snapshot_free(&s);
}
END_TEST

static char *json_text(const struct snapshot *s)
{
	size_t len = 0;
	char *buf = NULL;
	FILE *f = open_memstream(&buf, &len);
	ck_assert_int_eq(output_json(f, s, NULL, NULL), 0);
	fclose(f);
	return buf;
}

START_TEST(test_json_round_trip)
{
	/* A recording read back (for --replay) writes out the same document. */
	struct snapshot s, back;
	fill_sample(&s);
	s.n_modules = 2;
	s.modules = calloc(2, sizeof(*s.modules));
	snprintf(s.modules[0].name, sizeof(s.modules[0].name), "ip_vs");
	s.modules[0].state = MODULE_LOADED;
	snprintf(s.modules[1].name, sizeof(s.modules[1].name), "ip_vs_mh");
	s.modules[1].state = MODULE_AVAILABLE;
	struct ipvs_service *v6 = snapshot_add_service(&s);
	v6->af = AF_INET6;
	v6->protocol = IPPROTO_SCTP;
	inet_pton(AF_INET6, "2001:db8::5", v6->addr.bytes);
	v6->port = 9;
	v6->netmask = 64;
	snprintf(v6->sched, sizeof(v6->sched), "mh");
	struct ipvs_dest *d = service_add_dest(v6);
	d->af = AF_INET;
	inet_pton(AF_INET, "192.0.2.1", d->addr.bytes);
	d->fwd = IPVS_FWD_ROUTE;
	d->u_thresh = 100;
	d->l_thresh = 10;
	d->persist_conns = 4;
	d->stats.outbytes = 123456789012ull;
	/* Replay reads numbers through cJSON's doubles: exact up to 2^53. */
	s.services[0].stats.conns = (1ull << 53) - 1;

	char *a = json_text(&s);
	ck_assert_int_eq(json_read_snapshot(a, &back), 0);
	char *b = json_text(&back);
	if (strcmp(a, b) != 0)
		fprintf(stderr, "written:\n%s\nread back and written:\n%s\n", a, b);
	ck_assert_msg(strcmp(a, b) == 0, "round trip differs (both printed above)");
	free(a);
	free(b);
	snapshot_free(&back);
	/* Beyond 2^53 a counter comes back clamped, never wrapped to a small number. */
	s.services[0].stats.conns = UINT64_MAX;
	a = json_text(&s);
	ck_assert_int_eq(json_read_snapshot(a, &back), 0);
	ck_assert_uint_eq(back.services[0].stats.conns, UINT64_MAX);
	free(a);
	snapshot_free(&back);
	snapshot_free(&s);

	ck_assert_int_eq(json_read_snapshot("{\"schema\":2,\"ipvs\":{}}", &back), -EINVAL);
	snapshot_free(&back);
	ck_assert_int_eq(json_read_snapshot("{\"schema\":1,\"ipvs\":{\"serv", &back), -EINVAL);
	snapshot_free(&back);
	ck_assert_int_eq(json_read_snapshot("", &back), -EINVAL);
	snapshot_free(&back);
}
END_TEST

/*
 * Found by fuzz/fuzz_json_read: numbers beyond the range of the field they are read into
 * (a weight of 4.3e10, a negative or huge connection count) were converted from double with
 * a plain cast, which is undefined behaviour; they are clamped.
 */
START_TEST(test_json_read_out_of_range_numbers)
{
	struct snapshot back;
	const char *line =
	    "{\"schema\":1,\"ipvs\":{\"services\":[{\"af\":\"inet\",\"destinations\":["
	    "{\"weight\":42949672960},{\"weight\":-1e300},{\"weight\":-3.9},{\"weight\":1e-300}]}]},"
	    "\"connections\":{\"total\":-5,\"by_service\":{\"tcp 10.0.0.1:80\":-1},"
	    "\"by_destination\":{\"10.0.1.1:80\":1e300},\"by_state\":{\"UDP\":7.9}}}";
	ck_assert_int_eq(json_read_snapshot(line, &back), 0);
	ck_assert_uint_eq(back.n_services, 1);
	ck_assert_uint_eq(back.services[0].n_dests, 4);
	ck_assert_int_eq(back.services[0].dests[0].weight, INT32_MAX);
	ck_assert_int_eq(back.services[0].dests[1].weight, INT32_MIN);
	ck_assert_int_eq(back.services[0].dests[2].weight, -3);
	ck_assert_int_eq(back.services[0].dests[3].weight, 0);
	ck_assert_uint_eq(back.conns.total, 0);
	ck_assert_uint_eq(back.conns.n_by_service, 1);
	ck_assert_uint_eq(back.conns.by_service[0].count, 0);
	ck_assert_uint_eq(back.conns.by_dest[0].count, UINT64_MAX);
	ck_assert_uint_eq(back.conns.by_state[0].count, 7);
	snapshot_free(&back);
}
END_TEST

/*
 * Found by fuzz/fuzz_json_read: a record with "time":1.795e19 was read as is, and the text
 * view's (time_t)s->time then overflowed (undefined behaviour, then localtime_r failing).
 * A time outside 1970..9999 makes the line invalid, as replay skips bad lines.
 */
START_TEST(test_json_read_time_range)
{
	struct snapshot back;
	static const char *const bad[] = {"1.795e19", "-1", "1e300", "253402300800"};
	char line[128];
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(line, sizeof(line), "{\"schema\":1,\"time\":%s,\"ipvs\":{}}", bad[i]);
		ck_assert_int_eq(json_read_snapshot(line, &back), -EINVAL);
		snapshot_free(&back);
	}
	ck_assert_int_eq(json_read_snapshot("{\"schema\":1,\"time\":253402300799,\"ipvs\":{}}",
					    &back),
			 0);
	ck_assert(back.time == 253402300799.0 && back.mono == back.time);
	snapshot_free(&back);
	/* no time at all: 0, as before */
	ck_assert_int_eq(json_read_snapshot("{\"schema\":1,\"ipvs\":{}}", &back), 0);
	ck_assert(back.time == 0);
	snapshot_free(&back);
}
END_TEST

START_TEST(test_copy_table)
{
	struct snapshot s, c;
	fill_sample(&s);
	ck_assert_int_eq(snapshot_copy_table(&c, &s), 0);
	ck_assert_uint_eq(c.n_services, 2);
	ck_assert_ptr_ne(c.services, s.services);
	/* Destination arrays are shared, not copied. */
	ck_assert_ptr_eq(c.services[0].dests, s.services[0].dests);
	ck_assert_uint_eq(c.services[0].dests[0].stats.inpkts, 1000);
	ck_assert_uint_eq(c.n_modules, 0);
	/* The copy grows on its own (copy on write), like any snapshot; the source is intact. */
	struct ipvs_dest *d = service_add_dest(&c.services[0]);
	ck_assert_ptr_nonnull(d);
	d->port = 4242;
	ck_assert_ptr_ne(c.services[0].dests, s.services[0].dests);
	ck_assert_uint_eq(c.services[0].n_dests, 2);
	ck_assert_uint_eq(s.services[0].n_dests, 1);
	ck_assert_uint_eq(c.services[0].dests[0].stats.inpkts, 1000);
	/* Either can go first: the array lives as long as one of them holds it. */
	snapshot_free(&s);
	struct snapshot c2;
	ck_assert_int_eq(snapshot_copy_table(&c2, &c), 0);
	snapshot_free(&c);
	ck_assert_uint_eq(c2.services[0].dests[1].port, 4242); /* valgrind: not freed */
	ck_assert_uint_eq(c2.services[0].dests[0].stats.inpkts, 1000);
	snapshot_free(&c2);
}
END_TEST

START_TEST(test_text_frame)
{
	struct snapshot s;
	fill_sample(&s);
	size_t len = 0;
	char *buf = NULL;
	FILE *f = open_memstream(&buf, &len);
	ck_assert_int_eq(output_text(f, &s, true, NULL), 0);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(buf, "IPVS 1.2.1, connection table 4096"));
	ck_assert_ptr_nonnull(strstr(buf, "Timeouts: tcp 900s, tcp_fin 120s, udp 300s"));
	ck_assert_ptr_nonnull(strstr(buf, "10.96.0.10:53"));
	ck_assert_ptr_nonnull(strstr(buf, "-> 10.244.1.5:53"));
	ck_assert_ptr_nonnull(strstr(buf, "tunnel w 0"));
	ck_assert_ptr_nonnull(strstr(buf, "FWM 42 IPv6"));
	/* Exact mode prints the whole counter. */
	ck_assert_ptr_nonnull(strstr(buf, "Services: 2, real servers: 1"));
	free(buf);
	snapshot_free(&s);
}
END_TEST

START_TEST(test_cells)
{
	char buf[64];
	ck_assert_ptr_nonnull(setlocale(LC_CTYPE, "C.UTF-8"));
	ck_assert_int_eq(cells_width("abc"), 3);
	ck_assert_int_eq(cells_width("连接"), 4);
	ck_assert_str_eq(cells_pad("连接数", 5, 0, buf, sizeof(buf)), "连接 ");
	ck_assert_str_eq(cells_pad("ab", 4, 1, buf, sizeof(buf)), "  ab");
	ck_assert_str_eq(cells_pad("abcdef", 3, 0, buf, sizeof(buf)), "abc");
	/* Invalid UTF-8 counts one cell a byte and is never a reason to overrun. */
	ck_assert_int_eq(cells_width("\xff\xfe"), 2);
	ck_assert_str_eq(cells_pad("a\xff\x1b[2Jb", 8, 0, buf, sizeof(buf)), "a??[2Jb ");
	ck_assert_str_eq(cells_pad("\xc2\x9bx", 3, 1, buf, sizeof(buf)), " ?x");
	ck_assert_str_eq(cells_pad("连接", 3, 1, buf, sizeof(buf)), " 连");
	/* cells_width counts what cells_pad draws: a '?' for each control. */
	ck_assert_int_eq(cells_width("\x1b]2;t\x07"), 6);
	ck_assert_int_eq(cells_width("\xc2\x9b"), 1);
	/* cells_safe: the same '?', no padding, cut on a character boundary. */
	ck_assert_str_eq(cells_safe("a\x1b[2J\x07\xc2\x9d\xff连", buf, sizeof(buf)), "a?[2J???连");
	ck_assert_str_eq(cells_safe("ab连接", buf, 6), "ab连");
	ck_assert_str_eq(cells_safe("ab连接", buf, 5), "ab");
	ck_assert_str_eq(cells_safe("\xe8\xbf", buf, sizeof(buf)), "??");
	char *mem = NULL;
	size_t memlen = 0;
	FILE *f = open_memstream(&mem, &memlen);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(cells_fputs("x\x1b]52;c;QQ==\x07\r\n连", f), 0);
	fclose(f);
	ck_assert_str_eq(mem, "x?]52;c;QQ==???连");
	free(mem);
	/* cells_clock: a time no clock shows is '?', never an overflowing conversion. */
	ck_assert(!cells_clock(1.795e19, buf, sizeof(buf)));
	ck_assert_str_eq(buf, "?");
	ck_assert(!cells_clock(-1, buf, sizeof(buf)));
	ck_assert(!cells_clock(0.0 / 0.0, buf, sizeof(buf)));
	ck_assert(cells_clock(1795000000, buf, sizeof(buf)));
	ck_assert_int_eq((int)strlen(buf), 19);
	ck_assert(cells_clock(CELLS_CLOCK_MAX, buf, sizeof(buf)));
	ck_assert_str_eq(cells_human(999, buf, sizeof(buf)), "999");
	ck_assert_str_eq(cells_human(1234, buf, sizeof(buf)), "1.2K");
	ck_assert_str_eq(cells_human(35e6, buf, sizeof(buf)), "35M");
	ck_assert_str_eq(cells_human(4.0e9, buf, sizeof(buf)), "4.0G");
}
END_TEST

START_TEST(test_durations)
{
	ck_assert_int_eq(kube_duration_seconds("900s"), 900);
	ck_assert_int_eq(kube_duration_seconds("15m0s"), 900);
	ck_assert_int_eq(kube_duration_seconds("1h2m3s"), 3723);
	ck_assert_int_eq(kube_duration_seconds("1.5s"), 1);
	ck_assert_int_eq(kube_duration_seconds("500ms"), 0);
	ck_assert_int_eq(kube_duration_seconds("0s"), 0);
	ck_assert_int_eq(kube_duration_seconds(""), 0);
	ck_assert_int_eq(kube_duration_seconds("5"), -1);
	ck_assert_int_eq(kube_duration_seconds("ten"), -1);

	struct kube_state k;
	struct snapshot s;
	struct kube_timeout_cmp cmp[3];
	memset(&k, 0, sizeof(k));
	fill_sample(&s);
	ck_assert(!kube_compare_timeouts(&k, &s, cmp));
	k.config.known = true;
	snprintf(k.config.tcp_timeout, sizeof(k.config.tcp_timeout), "10m");
	snprintf(k.config.udp_timeout, sizeof(k.config.udp_timeout), "5m0s");
	ck_assert(kube_compare_timeouts(&k, &s, cmp));
	ck_assert(cmp[0].mismatch && cmp[0].configured == 600 && cmp[0].kernel == 900);
	ck_assert(!cmp[1].mismatch && cmp[1].configured == 0);
	ck_assert(!cmp[2].mismatch && cmp[2].configured == 300);
	snapshot_free(&s);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("snapshot");
	TCase *tc = tcase_create("core");
	tcase_add_test(tc, test_add_and_grow);
	tcase_add_test(tc, test_identity);
	tcase_add_test(tc, test_netmask_prefix);
	tcase_add_test(tc, test_names);
	tcase_add_test(tc, test_rates);
	tcase_add_test(tc, test_rates_index);
	tcase_add_test(tc, test_json_fields);
	tcase_add_test(tc, test_json_computed_rates);
	tcase_add_test(tc, test_json_unavailable_and_conns);
	tcase_add_test(tc, test_json_proc_source);
	tcase_add_test(tc, test_json_write_error);
	tcase_add_test(tc, test_json_round_trip);
	tcase_add_test(tc, test_json_read_out_of_range_numbers);
	tcase_add_test(tc, test_json_read_time_range);
	tcase_add_test(tc, test_copy_table);
	tcase_add_test(tc, test_text_frame);
	tcase_add_test(tc, test_cells);
	tcase_add_test(tc, test_durations);
	suite_add_tcase(s, tc);
	return check_main(s);
}
