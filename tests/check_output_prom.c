/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of output_prom: the text format's shape (families in one group each, HELP and
 * TYPE first, valid UTF-8), the table's values and labels against the snapshot they come
 * from, the owners and pods of the cluster (kubectl's lists of tests/fixtures/dp-join),
 * hostile label values, the bound on real-server series, a partial read, a failed write,
 * and the data planes' drift (nft's listing of the same fixtures).
 */
#include "config.h"

#include <check.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "check_main.h"
#include "dataplane.h"
#include "dp_join.h"
#include "dp_nft.h"
#include "fixture.h"
#include "json_writer.h"
#include "kp_health.h"
#include "kp_metrics.h"
#include "kube_join.h"
#include "kube_model.h"
#include "kube_parse.h"
#include "kube_side.h"
#include "output_prom.h"
#include "sample.h"
#include "snapshot.h"

/* ---- the document ---- */

static char *render(const struct snapshot *s, const struct kube_view *kv, size_t max,
		    const char *node)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(f);
	struct prom_opts o = {.max_real_server_series = max, .node = node};
	ck_assert_int_eq(output_prom(f, s, kv, &o), 0);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_uint_gt(len, 0);
	ck_assert_msg(buf[len - 1] == '\n', "the document ends with a newline");
	ck_assert_uint_eq(strlen(buf), len);
	return buf;
}

/* The metric name a line starts with, into name. */
static void name_of(const char *line, size_t len, char *name, size_t cap)
{
	size_t n = strcspn(line, "{ ");
	ck_assert_uint_lt(n, len + 1);
	ck_assert_uint_lt(n, cap);
	memcpy(name, line, n);
	name[n] = 0;
}

/*
 * The text format's rules as Prometheus' parser applies them: valid UTF-8; each family's
 * HELP then TYPE, then only its samples, never a family twice; a sample is the name, the
 * labels, one space and a value.
 */
static void check_format(const char *doc)
{
	char fam[256] = "", name[256], seen[64][128];
	size_t n_seen = 0;
	for (const unsigned char *q = (const unsigned char *)doc; *q;) {
		size_t bad = 0, n = *q < 0x80 ? 1 : jw_utf8_len(q, &bad);
		ck_assert_msg(n > 0, "valid UTF-8 at byte %zu", (size_t)(q - (const unsigned char *)doc));
		q += n;
	}
	for (const char *line = doc; *line;) {
		const char *nl = strchr(line, '\n');
		ck_assert_ptr_nonnull(nl);
		size_t len = (size_t)(nl - line);
		if (strncmp(line, "# HELP ", 7) == 0) {
			name_of(line + 7, len - 7, fam, sizeof(fam));
			for (size_t i = 0; i < n_seen; i++)
				ck_assert_msg(strcmp(seen[i], fam) != 0, "%s twice", fam);
			ck_assert_uint_lt(n_seen, 64);
			snprintf(seen[n_seen++], sizeof(seen[0]), "%s", fam);
			const char *type = nl + 1;
			ck_assert_msg(strncmp(type, "# TYPE ", 7) == 0, "TYPE after HELP of %s", fam);
			name_of(type + 7, strlen(type + 7), name, sizeof(name));
			ck_assert_str_eq(name, fam);
			const char *t = type + 7 + strlen(fam) + 1;
			ck_assert(strncmp(t, "counter\n", 8) == 0 || strncmp(t, "gauge\n", 6) == 0);
			ck_assert_msg(strncmp(fam, "ipvstop_", 8) == 0, "%s: the prefix", fam);
			if (strncmp(t, "counter", 7) == 0)
				ck_assert_msg(strlen(fam) > 6 && !strcmp(fam + strlen(fam) - 6, "_total"),
					      "counter %s ends in _total", fam);
			line = strchr(type, '\n') + 1;
			continue;
		}
		name_of(line, len, name, sizeof(name));
		ck_assert_msg(strcmp(name, fam) == 0, "sample %s in family %s", name, fam);
		const char *sp = memrchr(line, ' ', len);
		ck_assert_ptr_nonnull(sp);
		ck_assert_msg(sp == line + strlen(name) || sp[-1] == '}', "labels end before the value");
		line = nl + 1;
	}
}

/* The line that starts with prefix (its value's text after it), or NULL. */
static const char *find(const char *doc, const char *prefix)
{
	size_t n = strlen(prefix);
	for (const char *line = doc; *line; line = strchr(line, '\n') + 1)
		if (strncmp(line, prefix, n) == 0)
			return line + n;
	return NULL;
}

/* The value of the sample whose text up to the value is series ("name{...}"). */
static const char *value_of(const char *doc, const char *series)
{
	char prefix[2048];
	snprintf(prefix, sizeof(prefix), "%s ", series);
	const char *v = find(doc, prefix);
	ck_assert_msg(v != NULL, "no sample %s", series);
	static char val[64];
	size_t n = strcspn(v, "\n");
	ck_assert_uint_lt(n, sizeof(val));
	memcpy(val, v, n);
	val[n] = 0;
	return val;
}

static void assert_value(const char *doc, const char *series, unsigned long long want)
{
	char w[32];
	snprintf(w, sizeof(w), "%llu", want);
	ck_assert_str_eq(value_of(doc, series), w);
}

static size_t count(const char *doc, const char *prefix)
{
	size_t n = 0, len = strlen(prefix);
	for (const char *line = doc; *line; line = strchr(line, '\n') + 1)
		n += strncmp(line, prefix, len) == 0;
	return n;
}

/* ---- the table without a cluster ---- */

START_TEST(test_table)
{
	struct snapshot s;
	sample_fill(&s);
	struct ipvs_service *v = sample_add_v4(&s, "10.96.120.15", 80, IPPROTO_TCP);
	v->stats = (struct ipvs_stats){.conns = 1234, .inpkts = 50, .outpkts = 40, .inbytes = 7000,
				       .outbytes = 9000};
	struct ipvs_dest *d = sample_add_dest_v4(v, "10.244.1.10", 8080);
	d->active_conns = 3;
	d->inactive_conns = 2;
	d->weight = 5;
	d->stats = (struct ipvs_stats){.conns = 1200, .inpkts = 45, .outpkts = 38};
	d = sample_add_dest_v4(v, "10.244.2.11", 8080);
	d->active_conns = 4;
	s.totals_known = true;
	s.totals = (struct ipvs_stats){.conns = 99, .inpkts = 98, .outpkts = 97, .inbytes = 96,
				       .outbytes = 95};
	char *doc = render(&s, NULL, 0, "worker-1");
	check_format(doc);

	const struct ipvs_service *sv = snapshot_service(&s, 2);
	const struct ipvs_dest *d0 = &sv->dests[0];
	const char *vs = "{protocol=\"tcp\",address=\"10.96.120.15\",port=\"80\",scheduler=\"wlc\"";
	char series[2048];
#define SERIES(name, labels, more) (snprintf(series, sizeof(series), "%s%s%s}", name, labels, more), series)
	assert_value(doc, SERIES("ipvstop_virtual_service_connections_total", vs, ""), sv->stats.conns);
	assert_value(doc, SERIES("ipvstop_virtual_service_packets_total", vs, ",direction=\"in\""),
		     sv->stats.inpkts);
	assert_value(doc, SERIES("ipvstop_virtual_service_bytes_total", vs, ",direction=\"out\""),
		     sv->stats.outbytes);
	assert_value(doc, SERIES("ipvstop_virtual_service_active_connections", vs, ""),
		     sv->dests[0].active_conns + sv->dests[1].active_conns);
	assert_value(doc, SERIES("ipvstop_virtual_service_real_servers", vs, ""), sv->n_dests);
	char rs[512];
	snprintf(rs, sizeof(rs), "%s,real_server=\"10.244.1.10\",real_server_port=\"%u\",forward=\"masq\"",
		 vs, d0->port);
	assert_value(doc, SERIES("ipvstop_real_server_active_connections", rs, ""), d0->active_conns);
	assert_value(doc, SERIES("ipvstop_real_server_inactive_connections", rs, ""),
		     d0->inactive_conns);
	assert_value(doc, SERIES("ipvstop_real_server_weight", rs, ""), (unsigned)d0->weight);
	assert_value(doc, SERIES("ipvstop_real_server_connections_total", rs, ""), d0->stats.conns);
	assert_value(doc, SERIES("ipvstop_real_server_packets_total", rs, ",direction=\"out\""),
		     d0->stats.outpkts);
	/* UINT64_MAX as the kernel's counter says it (a float to Prometheus, parsed exactly) */
	assert_value(
	    doc,
	    "ipvstop_virtual_service_connections_total{protocol=\"udp\",address=\"10.96.0.10\","
	    "port=\"53\",scheduler=\"wlc\"}",
	    snapshot_service(&s, 0)->stats.conns);
	assert_value(
	    doc,
	    "ipvstop_real_server_weight{protocol=\"udp\",address=\"10.96.0.10\",port=\"53\","
	    "scheduler=\"wlc\",real_server=\"10.244.1.5\",real_server_port=\"53\","
	    "forward=\"tunnel\"}",
	    (unsigned)snapshot_service(&s, 0)->dests[0].weight);
	/* the fwmark service: its counters; no real-server figures (they were not read) */
	assert_value(doc,
		     "ipvstop_virtual_service_connections_total{fwmark=\"42\",family=\"ipv6\","
		     "scheduler=\"sh\"}",
		     snapshot_service(&s, 1)->stats.conns);
	ck_assert_ptr_null(find(doc, "ipvstop_virtual_service_active_connections{fwmark"));
	/* the node */
	assert_value(doc, "ipvstop_virtual_services", s.n_services);
	assert_value(doc, "ipvstop_real_servers", 3);
	assert_value(doc, "ipvstop_real_server_series_dropped", 0);
	assert_value(doc, "ipvstop_connections_total", s.totals.conns);
	assert_value(doc, "ipvstop_bytes_total{direction=\"out\"}", s.totals.outbytes);
	assert_value(doc, "ipvstop_reader_up{reader=\"ipvs\"}", 1);
	ck_assert_str_eq(value_of(doc, "ipvstop_snapshot_timestamp_seconds"), "1795000000.5");
	/* the host name "node\"1\n" escaped; the node as given */
	ck_assert_ptr_nonnull(
	    find(doc, "ipvstop_node_info{node=\"worker-1\",host=\"node\\\"1\\n\",version=\"" PACKAGE_VERSION "\"} 1\n"));
	/* no cluster: no owner labels, no cluster metrics */
	ck_assert_ptr_null(strstr(doc, "namespace="));
	ck_assert_ptr_null(strstr(doc, "ipvstop_drift"));
	ck_assert_ptr_null(strstr(doc, "ipvstop_kube_proxy"));
	/* rates are not exported as such (doc/metrics.md: rate() of the counters) */
	ck_assert_ptr_null(strstr(doc, "cps"));
#undef SERIES
	free(doc);
	snapshot_free(&s);
}
END_TEST

/* A read of /proc/net/ip_vs: no counters at all (zeros would be lies), the rest is there. */
START_TEST(test_partial)
{
	struct snapshot s;
	sample_fill(&s);
	s.source = IPVS_SOURCE_PROC;
	char *doc = render(&s, NULL, 0, NULL);
	check_format(doc);
	ck_assert_ptr_null(strstr(doc, "ipvstop_virtual_service_connections_total"));
	ck_assert_ptr_null(strstr(doc, "ipvstop_real_server_bytes_total"));
	ck_assert_uint_eq(count(doc, "ipvstop_real_server_weight{"), 1);
	ck_assert_uint_eq(count(doc, "ipvstop_virtual_service_active_connections{"), 1);
	/* the node's name defaults to the host name */
	ck_assert_ptr_nonnull(find(doc, "ipvstop_node_info{node=\"node\\\"1\\n\""));
	free(doc);
	snapshot_free(&s);
}
END_TEST

/* A stream that fails says so (-errno), and nothing is lost in memory. */
START_TEST(test_write_error)
{
	struct snapshot s;
	sample_fill(&s);
	FILE *f = fopen("/dev/full", "w");
	ck_assert_ptr_nonnull(f);
	setvbuf(f, NULL, _IONBF, 0);
	ck_assert_int_eq(output_prom(f, &s, NULL, NULL), -ENOSPC);
	fclose(f);
	snapshot_free(&s);
}
END_TEST

/* ---- with the cluster ---- */

static void load_list(const char *name, int (*add)(const cJSON *, void *), struct kube_state *k)
{
	size_t len;
	char *t = fixture_read(name, &len);
	ck_assert_int_ge(kube_parse_list(t, len, add, k, NULL, 0, NULL, 0), 1);
	free(t);
}

/* kubectl's lists of tests/fixtures/dp-join, a table on worker-1, their join. */
struct cluster {
	struct kube_state k;
	struct snapshot s;
	struct kube_join j;
	struct kube_view kv;
};

static void rs(struct ipvs_service *v, const char *addr, uint16_t port, int weight, uint32_t active)
{
	struct ipvs_dest *d = sample_add_dest_v4(v, addr, port);
	d->weight = weight;
	d->active_conns = active;
	d->stats.conns = 100 + active;
}

static struct cluster *cluster_open(void)
{
	struct cluster *c = calloc(1, sizeof(*c));
	ck_assert_ptr_nonnull(c);
	struct kube_state *k = &c->k;
	k->enabled = k->synced = true;
	snprintf(k->local_mode, sizeof(k->local_mode), "ipvs");
	snprintf(k->local_node, sizeof(k->local_node), "worker-1");
	load_list("tests/fixtures/dp-join/svcs.json", fixture_add_service, k);
	load_list("tests/fixtures/dp-join/slices.json", fixture_add_slice, k);
	load_list("tests/fixtures/dp-join/nodes.json", fixture_add_node, k);

	struct snapshot *s = &c->s;
	s->time = 1795000000.0;
	s->ipvs_available = true;
	s->source = IPVS_SOURCE_NETLINK;
	snprintf(s->host, sizeof(s->host), "worker-1");
	/* web: a ready endpoint and a not-ready one (unexplained) */
	struct ipvs_service *v = sample_add_v4(s, "10.96.120.15", 80, IPPROTO_TCP);
	snprintf(v->sched, sizeof(v->sched), "rr");
	rs(v, "10.244.1.10", 8080, 1, 5);
	rs(v, "10.244.2.12", 8080, 1, 1);
	/* api: its ready endpoint, a terminating one at weight 0 (draining) */
	v = sample_add_v4(s, "10.96.33.7", 8080, IPPROTO_TCP);
	snprintf(v->sched, sizeof(v->sched), "rr");
	rs(v, "10.244.1.20", 8080, 1, 2);
	rs(v, "10.244.2.22", 8080, 0, 7);
	/* no Service has this address */
	v = sample_add_v4(s, "10.0.0.1", 80, IPPROTO_TCP);
	rs(v, "192.0.2.1", 80, 1, 0);
	return c;
}

static void cluster_join(struct cluster *c)
{
	kube_join_free(&c->j);
	ck_assert_int_eq(kube_join(&c->s, &c->k, NULL, 0, &c->j), 0);
	c->kv = (struct kube_view){.k = &c->k, .j = &c->j, .node_name = "worker-1"};
}

static void cluster_close(struct cluster *c)
{
	kube_join_free(&c->j);
	snapshot_free(&c->s);
	kube_state_free(&c->k);
	free(c);
}

/* The labels the table's real server (i, d) should have, from the join and the state. */
static void expected_rs_labels(const struct cluster *c, size_t i, size_t d, char *buf, size_t len)
{
	const struct ipvs_service *v = snapshot_service(&c->s, i);
	const struct kube_vs_owner *o = &c->j.owners[i];
	const struct kube_service *ks = &c->k.services[o->service];
	const struct kube_rs_ref *r = kube_join_rs(&c->j, i, d);
	ck_assert_ptr_nonnull(r);
	const struct kube_endpoint *e = &c->k.slices[r->slice].endpoints[r->endpoint];
	char va[64], ra[64];
	const char *slash = strchr(e->pod, '/');
	ck_assert_ptr_nonnull(slash);
	snprintf(buf, len,
		 "{protocol=\"tcp\",address=\"%s\",port=\"%u\",scheduler=\"%s\",namespace=\"%s\","
		 "service=\"%s\",port_name=\"%s\",real_server=\"%s\",real_server_port=\"%u\","
		 "forward=\"masq\",pod=\"%s\",pod_namespace=\"%.*s\",node=\"%s\"}",
		 ipvs_addr_str(v->af, &v->addr, va, sizeof(va)), v->port, v->sched, ks->ns, ks->name,
		 ks->ports[o->port].name, ipvs_addr_str(AF_INET, &v->dests[d].addr, ra, sizeof(ra)),
		 v->dests[d].port, slash + 1, (int)(slash - e->pod), e->pod, e->node);
}

START_TEST(test_cluster)
{
	struct cluster *c = cluster_open();
	cluster_join(c);
	char *doc = render(&c->s, &c->kv, 0, "worker-1");
	check_format(doc);
	char series[2048], labels[1024];

	/* an owned real server: the Service's and the pod's labels */
	expected_rs_labels(c, 0, 0, labels, sizeof(labels));
	snprintf(series, sizeof(series), "ipvstop_real_server_active_connections%s", labels);
	assert_value(doc, series, snapshot_service(&c->s, 0)->dests[0].active_conns);
	ck_assert_uint_eq(count(doc, "ipvstop_real_server_active_connections{"), 5);
	/* the unowned virtual service: no cluster labels */
	ck_assert_ptr_nonnull(find(doc, "ipvstop_virtual_service_connections_total{protocol=\"tcp\","
					"address=\"10.0.0.1\",port=\"80\",scheduler=\"wlc\"} "));

	/* drift: the join's counts, each kind */
	const struct kube_join *j = &c->j;
	const struct {
		const char *kind;
		size_t n;
	} kinds[] = {{"missing_endpoints", j->n_missing},
		     {"unexplained_real_servers", j->n_extra},
		     {"draining", j->n_drain},
		     {"unowned_virtual_services", j->n_unowned},
		     {"services_without_virtual_service", j->n_unserved},
		     {"scheduler_mismatch", j->n_sched},
		     {"affinity_mismatch", j->n_affinity}};
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		snprintf(series, sizeof(series), "ipvstop_drift{kind=\"%s\"}", kinds[i].kind);
		assert_value(doc, series, kinds[i].n);
	}
	/* the table above has one of these at least (the join says which) */
	ck_assert_uint_ge(j->n_extra, 1);
	ck_assert_uint_eq(j->n_unowned, 1);
	ck_assert_uint_ge(j->n_drain, 1);

	/* kube-proxy: mode known here, not configured; its metrics never asked: no health */
	snprintf(series, sizeof(series),
		 "ipvstop_kube_proxy_mode_info{configured=\"%s\",running=\"%s\"}",
		 kube_configured_mode(&c->k), c->k.local_mode);
	assert_value(doc, series, 1);
	assert_value(doc, "ipvstop_reader_up{reader=\"kube-api\"}", 1);
	ck_assert_ptr_null(strstr(doc, "reader=\"kube-proxy\""));
	ck_assert_ptr_null(strstr(doc, "ipvstop_kube_proxy_sync_hung"));
	free(doc);

	/* kube-proxy's metrics read (hung), then its port refusing */
	size_t len;
	char *text = fixture_read("tests/fixtures/kube-proxy/metrics-hung.txt", &len);
	ck_assert_int_eq(kp_metrics_parse(text, len, &c->k.kp.m), 0);
	free(text);
	c->k.kp.asked = c->k.kp.read = true;
	c->k.kp.time = c->s.time;
	struct kp_health h;
	ck_assert(kp_health_of(&c->k, c->s.time, &h));
	doc = render(&c->s, &c->kv, 0, "worker-1");
	check_format(doc);
	assert_value(doc, "ipvstop_reader_up{reader=\"kube-proxy\"}", 1);
	assert_value(doc, "ipvstop_kube_proxy_sync_hung", h.hung);
	ck_assert(h.have_last_sync);
	ck_assert_double_eq_tol(strtod(value_of(doc, "ipvstop_kube_proxy_last_sync_age_seconds"), NULL),
				h.last_sync_age, 0.0005);
	ck_assert(h.have_failures);
	ck_assert_double_eq(strtod(value_of(doc, "ipvstop_kube_proxy_sync_failures_total"), NULL),
			    h.failures);
	free(doc);
	c->k.kp.error = -ECONNREFUSED;
	doc = render(&c->s, &c->kv, 0, "worker-1");
	assert_value(doc, "ipvstop_reader_up{reader=\"kube-proxy\"}", 0);
	free(doc);

	/* an API server that fails: the reader is down, the last state still labels the table */
	c->k.error = true;
	doc = render(&c->s, &c->kv, 0, "worker-1");
	assert_value(doc, "ipvstop_reader_up{reader=\"kube-api\"}", 0);
	ck_assert_ptr_nonnull(strstr(doc, "service=\"web\""));
	free(doc);
	/* a join of another table is not used (its indexes would point elsewhere) */
	c->s.n_services--;
	doc = render(&c->s, &c->kv, 0, "worker-1");
	check_format(doc);
	ck_assert_ptr_null(strstr(doc, "service=\"web\""));
	ck_assert_ptr_null(strstr(doc, "ipvstop_drift"));
	c->s.n_services++;
	free(doc);
	cluster_close(c);
}
END_TEST

/* Replaces *field (owned) by a copy of v. */
static void set(char **field, const char *v)
{
	free(*field);
	*field = strdup(v);
	ck_assert_ptr_nonnull(*field);
}

/*
 * Names that attack the format: quotes, backslashes and newlines (a label value that ends
 * early or a sample that splits), an escape sequence, bytes that are not UTF-8, 10 KB.
 */
START_TEST(test_hostile)
{
	struct cluster *c = cluster_open();
	cluster_join(c);
	const struct kube_vs_owner *o = &c->j.owners[0];
	struct kube_service *ks = &c->k.services[o->service];
	const struct kube_rs_ref *r = kube_join_rs(&c->j, 0, 0);
	struct kube_endpoint *e = &c->k.slices[r->slice].endpoints[r->endpoint];
	char *big = malloc(10241);
	ck_assert_ptr_nonnull(big);
	memset(big, 'L', 10240);
	big[10240] = 0;
	set(&ks->ns, "ns\"} 1\nipvstop_evil 1\n");
	set(&ks->name, "a\\b\"c");
	set(&ks->ports[o->port].name, "\x1b]2;PWNED\x07");
	set(&e->pod, "p\xff\xfe/\xe6\x9c\x8d\xe5");
	set(&e->node, big);
	free(big);
	snprintf(snapshot_service_mut(&c->s, 0)->sched,
		 sizeof(snapshot_service_mut(&c->s, 0)->sched), "r\"r\\\n");
	char *doc = render(&c->s, &c->kv, 0, "node\"\\\n\xc3\x28");
	check_format(doc);
	/* no sample of another name got in */
	ck_assert_ptr_null(strstr(doc, "\nipvstop_evil"));
	ck_assert_ptr_nonnull(strstr(doc, "scheduler=\"r\\\"r\\\\\\n\",namespace=\"ns\\\"} 1\\nipvstop_evil 1\\n\","
					  "service=\"a\\\\b\\\"c\",port_name=\"\x1b]2;PWNED\x07\","));
	/* "p\xff\xfe" / "服\xe5": the namespace before the slash, bytes not UTF-8 replaced */
	ck_assert_ptr_nonnull(strstr(doc, "pod=\"\xe6\x9c\x8d\xef\xbf\xbd\",pod_namespace=\"p\xef\xbf\xbd\xef\xbf\xbd\",node=\"LLLL"));
	ck_assert_ptr_nonnull(find(doc, "ipvstop_node_info{node=\"node\\\"\\\\\\n\xef\xbf\xbd(\""));
	ck_assert_uint_eq(count(doc, "ipvstop_real_server_weight{"), 5);
	free(doc);
	/* a Service name longer than the labels' cache: written again for each real server */
	char *longname = malloc(3001);
	ck_assert_ptr_nonnull(longname);
	memset(longname, 'n', 3000);
	longname[3000] = 0;
	set(&ks->name, longname);
	doc = render(&c->s, &c->kv, 0, "worker-1");
	check_format(doc);
	char want[3100];
	snprintf(want, sizeof(want), "service=\"%s\",port_name=", longname);
	size_t n = 0;
	for (const char *q = doc; (q = strstr(q, want)); q++)
		n++;
	/* 8 lines of the service, 8 of each of its 2 real servers */
	ck_assert_uint_eq(n, 8 + 2 * 8);
	free(longname);
	free(doc);
	cluster_close(c);
}
END_TEST

/* ---- the bound on real-server series ---- */

/* A table of 4 services x 5 real servers, active connections with ties; reversed: backwards. */
static void bound_table(struct snapshot *s, bool reversed)
{
	memset(s, 0, sizeof(*s));
	s->ipvs_available = true;
	s->source = IPVS_SOURCE_NETLINK;
	for (int n = 0; n < 4; n++) {
		int i = reversed ? 3 - n : n;
		char a[32];
		snprintf(a, sizeof(a), "10.96.0.%d", i + 1);
		struct ipvs_service *v = sample_add_v4(s, a, 80, IPPROTO_TCP);
		for (int m = 0; m < 5; m++) {
			int d = reversed ? 4 - m : m;
			snprintf(a, sizeof(a), "10.244.%d.%d", d, i);
			sample_add_dest_v4(v, a, 8080)->active_conns = (uint32_t)((i * 5 + d) * 7 % 6);
		}
	}
}

struct rs_expect {
	uint32_t active;
	char line[256];
};

/* The order the bound keeps: the busiest first, then by address (then by service). */
static int compare_expect(const void *a, const void *b)
{
	const struct rs_expect *x = a, *y = b;
	if (x->active != y->active)
		return x->active > y->active ? -1 : 1;
	return 0;
}

static int compare_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The weight samples of doc, sorted, as one string (to compare two documents' choices). */
static char *weight_lines(const char *doc)
{
	size_t n = count(doc, "ipvstop_real_server_weight{"), i = 0;
	char **lines = calloc(n + 1, sizeof(*lines));
	ck_assert_ptr_nonnull(lines);
	for (const char *line = doc; *line; line = strchr(line, '\n') + 1)
		if (strncmp(line, "ipvstop_real_server_weight{", 27) == 0)
			lines[i++] = strndup(line, strcspn(line, "\n"));
	qsort(lines, n, sizeof(*lines), compare_str);
	size_t total = 1;
	for (i = 0; i < n; i++)
		total += strlen(lines[i]) + 1;
	char *all = calloc(1, total);
	ck_assert_ptr_nonnull(all);
	for (i = 0; i < n; i++) {
		strcat(all, lines[i]);
		strcat(all, "\n");
		free(lines[i]);
	}
	free(lines);
	return all;
}

START_TEST(test_bound)
{
	struct snapshot s, r;
	bound_table(&s, false);
	bound_table(&r, true);
	/* no bound, and a bound above the table: every real server */
	for (size_t max = 0; max <= 20; max += 20) {
		char *doc = render(&s, NULL, max, NULL);
		check_format(doc);
		ck_assert_uint_eq(count(doc, "ipvstop_real_server_weight{"), 20);
		ck_assert_uint_eq(count(doc, "ipvstop_real_server_packets_total{"), 40);
		assert_value(doc, "ipvstop_real_server_series_dropped", 0);
		free(doc);
	}
	/* 7 of 20: the 7 busiest, whatever the table's order */
	char *doc = render(&s, NULL, 7, NULL);
	check_format(doc);
	for (const char *fam = "ipvstop_real_server_weight{\0ipvstop_real_server_active_connections{\0"
			       "ipvstop_real_server_connections_total{\0";
	     *fam; fam += strlen(fam) + 1)
		ck_assert_uint_eq(count(doc, fam), 7);
	ck_assert_uint_eq(count(doc, "ipvstop_real_server_bytes_total{"), 14);
	assert_value(doc, "ipvstop_real_servers", 20);
	assert_value(doc, "ipvstop_real_server_series_dropped", 13);
	/* every virtual service keeps its own figures */
	ck_assert_uint_eq(count(doc, "ipvstop_virtual_service_active_connections{"), 4);
	/* the kept ones are the busiest: no dropped one is busier than a kept one */
	struct rs_expect all[20];
	size_t n = 0;
	for (size_t i = 0; i < s.n_services; i++)
		for (size_t d = 0; d < snapshot_service(&s, i)->n_dests; d++) {
			char a[64];
			all[n].active = snapshot_service(&s, i)->dests[d].active_conns;
			snprintf(all[n].line, sizeof(all[n].line), "real_server=\"%s\"",
				 ipvs_addr_str(AF_INET, &snapshot_service(&s, i)->dests[d].addr, a,
					       sizeof(a)));
			n++;
		}
	qsort(all, n, sizeof(all[0]), compare_expect);
	ck_assert_uint_lt(all[7].active, all[0].active);
	for (size_t i = 0; i < n; i++) {
		bool in = strstr(doc, all[i].line) != NULL;
		if (all[i].active > all[6].active)
			ck_assert_msg(in, "%s (%u active) kept", all[i].line, all[i].active);
		if (all[i].active < all[6].active)
			ck_assert_msg(!in, "%s (%u active) dropped", all[i].line, all[i].active);
	}
	/* ties at the edge broken the same way on a table in another order */
	char *rdoc = render(&r, NULL, 7, NULL);
	char *a = weight_lines(doc), *b = weight_lines(rdoc);
	ck_assert_str_eq(a, b);
	free(a);
	free(b);
	free(rdoc);
	free(doc);
	snapshot_free(&s);
	snapshot_free(&r);
}
END_TEST

/* ---- the data planes ---- */

START_TEST(test_dataplane)
{
	struct cluster *c = cluster_open();
	struct dataplane *dp = dataplane_new();
	ck_assert_ptr_nonnull(dp);
	for (int i = 0; i < 2; i++) {
		size_t len;
		char *t = fixture_read(i ? "tests/fixtures/dp-join/nft-ip6.json"
					 : "tests/fixtures/dp-join/nft-ip.json",
				       &len);
		ck_assert_int_eq(dp_nft_parse(t, len, dp), 0);
		free(t);
	}
	dp->planes[DP_NFTABLES].read = true;
	dp->planes[DP_IPTABLES_LEGACY].read = true;
	dp->planes[DP_IPTABLES_LEGACY].error = -EPERM;
	dp->ipsets_read = true;
	dp->ipsets = calloc(1, sizeof(*dp->ipsets));
	ck_assert_ptr_nonnull(dp->ipsets);
	dp->n_ipsets = 1;
	snprintf(dp->ipsets[0].name, sizeof(dp->ipsets[0].name), "KUBE-CLUSTER-IP");
	dp->ipsets[0].entries = dp->ipsets[0].maxelem = 4;
	struct dp_join dpj;
	ck_assert_int_eq(dp_join(dp, &c->k, &dpj), 0);
	c->s.dp = dp;
	cluster_join(c);
	c->kv.dpj = &dpj;
	char *doc = render(&c->s, &c->kv, 0, "worker-1");
	check_format(doc);
	const struct dp_plane_drift *pd = &dpj.planes[DP_NFTABLES];
	ck_assert(pd->joined);
	assert_value(doc, "ipvstop_dataplane_drift{plane=\"nftables\",kind=\"missing_endpoints\"}",
		     pd->n_missing);
	assert_value(doc, "ipvstop_dataplane_drift{plane=\"nftables\",kind=\"stale_endpoints\"}",
		     pd->n_stale);
	assert_value(doc, "ipvstop_dataplane_drift{plane=\"nftables\",kind=\"owner_mismatch\"}",
		     pd->n_mismatch);
	ck_assert_uint_ge(pd->n_missing + pd->n_stale + pd->n_mismatch, 1);
	/* the IPVS table's drift in the same terms */
	struct dp_plane_drift ipvs;
	ck_assert_int_eq(dp_join_ipvs_drift(&c->s, &c->k, &c->j, dpj.running, &ipvs), 0);
	assert_value(doc, "ipvstop_dataplane_drift{plane=\"ipvs\",kind=\"stale_endpoints\"}",
		     ipvs.n_stale);
	assert_value(doc, "ipvstop_dataplane_drift{plane=\"ipvs\",kind=\"unowned_frontends\"}",
		     ipvs.n_unowned);
	dp_plane_drift_free(&ipvs);
	assert_value(doc, "ipvstop_dataplane_frontends{plane=\"nftables\"}",
		     dp->planes[DP_NFTABLES].n_frontends);
	assert_value(doc, "ipvstop_reader_up{reader=\"nftables\"}", 1);
	assert_value(doc, "ipvstop_reader_up{reader=\"iptables-legacy\"}", 0);
	ck_assert_ptr_null(strstr(doc, "reader=\"iptables-nft\""));
	assert_value(doc, "ipvstop_ipset_entries{set=\"KUBE-CLUSTER-IP\"}", 4);
	assert_value(doc, "ipvstop_ipset_max_entries{set=\"KUBE-CLUSTER-IP\"}", 4);
	free(doc);
	/* the join of other data planes is not used */
	c->s.dp = NULL;
	doc = render(&c->s, &c->kv, 0, "worker-1");
	ck_assert_ptr_null(strstr(doc, "ipvstop_dataplane_drift"));
	free(doc);
	dp_join_free(&dpj);
	dataplane_unref(dp);
	cluster_close(c);
}
END_TEST

CHECK_MAIN("output_prom", {"table", 0, {test_table, test_partial, test_write_error}},
	   {"cluster", 0, {test_cluster, test_hostile}}, {"bound", 0, {test_bound}},
	   {"dataplane", 0, {test_dataplane}})
