/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of output_json.c: the schema 1 document, field by field. */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <cjson/cJSON.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "check_main.h"
#include "output_json.h"
#include "sample.h"
#include "snapshot.h"

/* Runs output_json into memory and parses it back. */
static cJSON *json_of(const struct snapshot *s, const struct snapshot *prev, char **text)
{
	char *buf = sample_json(s, prev);
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

START_TEST(test_json_fields)
{
	struct snapshot s;
	char *text;
	sample_fill(&s);
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
	ck_assert(cJSON_IsNull(path(dm, "mcast_group", NULL))); /* no group: mcast_af 0 */

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

START_TEST(test_json_proc_source)
{
	/* /proc has no counters, thresholds or tunnels: null, never a made-up zero. */
	struct snapshot s;
	sample_fill(&s);
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

START_TEST(test_json_computed_rates)
{
	struct snapshot prev, cur;
	sample_fill(&prev);
	sample_fill(&cur);
	cur.mono = prev.mono + 2.0;
	snapshot_service_mut(&cur, 0)->stats.conns = 10; /* went down: zeroed, counts from 0 */
	snapshot_service(&cur, 0)->dests[0].stats.inpkts += 400;
	struct ipvs_service *n = sample_add_v4(&cur, "10.0.0.99", 443, IPPROTO_TCP);
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

START_TEST(test_json_write_error)
{
	struct snapshot s;
	sample_fill(&s);
	FILE *f = fopen("/dev/full", "w");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_lt(output_json(f, &s, NULL, NULL), 0);
	fclose(f);
	snapshot_free(&s);
}
END_TEST

CHECK_MAIN("output_json", {"fields", 0, {test_json_fields, test_json_proc_source}},
	   {"rates", 0, {test_json_computed_rates}},
	   {"unavailable", 0, {test_json_unavailable_and_conns}},
	   {"errors", 0, {test_json_write_error}})
