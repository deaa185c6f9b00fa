/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of kp_health, dp_cost and kp_local: kube-proxy's health, a new connection's cost. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check_main.h"
#include "clock.h"
#include "dp_cost.h"
#include "fixture.h"
#include "kp_health.h"
#include "kube_proxy_conf.h"
#include "kp_local.h"
#include "kube_model.h"

static void parse_str(const char *text, struct kp_metrics *m)
{
	ck_assert_int_eq(kp_metrics_parse(text, strlen(text), m), 0);
}

#define KP "kubeproxy_sync_proxy_rules_"

/* A healthy kube-proxy: synced 3 s before now, nothing queued since, rules counted. */
START_TEST(test_healthy)
{
	struct kp_metrics m;
	parse_str(KP "last_timestamp_seconds 1000\n" KP "last_queued_timestamp_seconds 999\n" KP
		     "duration_seconds_sum 1.2\n" KP "duration_seconds_count 10\n" KP
		     "endpoint_changes_pending 0\n" KP "service_changes_pending 0\n" KP
		     "iptables_total{table=\"nat\"} 120\n" KP
		     "iptables_total{table=\"filter\"} 7\n" KP
		     "iptables_restore_failures_total 0\n",
		  &m);
	struct kp_health h;
	kp_health_derive(&m, 1003, 0, &h);
	ck_assert(h.have_last_sync);
	ck_assert_double_eq(h.last_sync_age, 3);
	ck_assert(h.have_duration);
	ck_assert_double_eq_tol(h.sync_mean, 0.12, 1e-12);
	ck_assert_double_eq(h.sync_count, 10);
	ck_assert(!h.hung);
	ck_assert_double_eq(h.hung_threshold, KP_HEALTH_HUNG_MIN);
	ck_assert(h.have_failures);
	ck_assert_double_eq(h.failures, 0);
	ck_assert_double_eq(h.iptables_rules, 127);
	ck_assert_double_eq(h.iptables_nat_rules, 120);
	ck_assert(!h.warn);
	char line[512];
	kp_health_line(&h, line, sizeof(line));
	ck_assert_str_eq(line, "kube-proxy here: synced 3 s ago, 0.12 s a sync (mean of 10); "
			       "127 iptables rules");
	/* kube-proxy's clock a little ahead of ours: no negative age. */
	kp_health_derive(&m, 999.5, 0, &h);
	ck_assert_double_eq(h.last_sync_age, 0);
}
END_TEST

/* Queued and not done: hung only beyond max(60 s, 2 x the sync period). */
START_TEST(test_hung)
{
	struct kp_metrics m;
	size_t len;
	char *text = fixture_read("tests/fixtures/kube-proxy/metrics-hung.txt", &len);
	ck_assert_int_eq(kp_metrics_parse(text, len, &m),
			 0); /* last 1715499400, queued 1715500000 */
	free(text);
	struct kp_health h;
	kp_health_derive(&m, 1715500095, 0, &h);
	ck_assert(h.hung);
	ck_assert_double_eq(h.hung_for, 95);
	ck_assert_double_eq(h.last_sync_age, 695);
	ck_assert(h.warn);
	ck_assert_double_eq(h.endpoint_changes_pending, 37);
	ck_assert_double_eq(h.service_changes_pending, 4);
	ck_assert_double_eq(h.iptables_rules, -1); /* ipvs mode: no such metric */
	char line[512];
	kp_health_line(&h, line, sizeof(line));
	ck_assert_msg(strncmp(line,
			      "! kube-proxy sync hung for 95 s (queued, not done; 60 s "
			      "allowed)",
			      60) == 0,
		      "%s", line);
	ck_assert_ptr_nonnull(strstr(line, "; 37 endpoint and 4 service changes pending"));
	/* A sync period of 60 s allows 120 s: 95 s is not hung yet. */
	kp_health_derive(&m, 1715500095, 60, &h);
	ck_assert(!h.hung);
	ck_assert_double_eq(h.hung_threshold, 120);
	ck_assert(!h.warn);
	/* Ages in minutes and hours. */
	kp_health_derive(&m, 1715500000 + 3 * 3600, 0, &h);
	kp_health_line(&h, line, sizeof(line));
	ck_assert_ptr_nonnull(strstr(line, "hung for 3 h"));
	kp_health_derive(&m, 1715500000 + 600, 0, &h);
	kp_health_line(&h, line, sizeof(line));
	ck_assert_ptr_nonnull(strstr(line, "hung for 10 min"));
}
END_TEST

/* Failures of every kind added up; a gauge of 0 is no sync (never one in 1970). */
START_TEST(test_failures)
{
	struct kp_metrics m;
	parse_str(KP "iptables_restore_failures_total 2\n" KP
		     "iptables_partial_restore_failures_total 1\n" KP
		     "nftables_sync_failures_total{ip_family=\"IPv4\"} 3\n" KP
		     "last_timestamp_seconds 0\n",
		  &m);
	struct kp_health h;
	kp_health_derive(&m, 5000, 0, &h);
	ck_assert(h.have_failures);
	ck_assert_double_eq(h.failures, 6);
	ck_assert_double_eq(h.restore_failures, 2);
	ck_assert_double_eq(h.partial_restore_failures, 1);
	ck_assert_double_eq(h.nft_sync_failures, 3);
	ck_assert(h.warn);
	ck_assert(!h.have_last_sync);
	ck_assert(!h.have_duration);
	char line[512];
	kp_health_line(&h, line, sizeof(line));
	ck_assert_str_eq(line, "kube-proxy here: no sync yet; ! 6 sync failures");
}
END_TEST

START_TEST(test_kernel_version)
{
	int ma, mi;
	ck_assert(kp_kernel_version("6.1.0-27-cloud-amd64", &ma, &mi));
	ck_assert_int_eq(ma, 6);
	ck_assert_int_eq(mi, 1);
	ck_assert(kp_kernel_version("5.10.0", &ma, &mi));
	ck_assert_int_eq(mi, 10);
	ck_assert(kp_kernel_version("4.19", &ma, &mi));
	ck_assert(!kp_kernel_version("6", &ma, &mi));
	ck_assert(!kp_kernel_version("", &ma, &mi));
	ck_assert(!kp_kernel_version("x.1", &ma, &mi));
	ck_assert(!kp_kernel_version("6.x", &ma, &mi));
	ck_assert(!kp_kernel_version(NULL, &ma, &mi));
}
END_TEST

/* kube-proxy sets 0 on 4.1 <= kernel < 5.9 and leaves it alone elsewhere (ipvs mode only). */
START_TEST(test_conn_reuse)
{
	static const struct {
		long value;
		const char *release;
		bool ipvs;
		bool known, mismatch;
		int sets;
	} cases[] = {
	    {1, "5.4.0-150-generic", true, true, true, 0},
	    {0, "5.4.0-150-generic", true, true, false, 0},
	    {1, "5.4.0-150-generic", false, true, false, 0}, /* not ipvs mode: no mismatch */
	    {1, "4.1.0", true, true, true, 0},
	    {1, "4.0.9", true, true, false, -1}, /* too old: kube-proxy leaves it */
	    {1, "5.8.18", true, true, true, 0},
	    {1, "5.9.0", true, true, false, -1},
	    {0, "5.9.0", true, true, true, -1},
	    {0, "6.1.0-27-cloud-amd64", true, true, true, -1},
	    {0, "6.1.0-27-cloud-amd64", false, true, false, -1},
	    {1, "6.1.0", true, true, false, -1},
	    {-1, "6.1.0", true, false, false, -1}, /* ip_vs not loaded */
	    {1, "garbage", true, false, false, -1},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct kp_conn_reuse cr;
		kp_conn_reuse_check(cases[i].value, cases[i].release, cases[i].ipvs, &cr);
		ck_assert_msg(cr.known == cases[i].known && cr.mismatch == cases[i].mismatch &&
				  cr.kube_proxy_sets == cases[i].sets,
			      "case %zu: known %d mismatch %d sets %d", i, cr.known, cr.mismatch,
			      cr.kube_proxy_sets);
		ck_assert(cr.mismatch == (cr.why != NULL));
		ck_assert(cr.kernel_known == (strcmp(cases[i].release, "garbage") != 0));
	}
}
END_TEST

/* The state's line: errors said, "nothing listens" not a warning, the last good data kept. */
START_TEST(test_state_text)
{
	struct kube_state k;
	memset(&k, 0, sizeof(k));
	char buf[1024];
	bool warn;
	ck_assert(!kp_health_text(&k, 100, NULL, buf, sizeof(buf), &warn));
	ck_assert_str_eq(buf, "");
	struct kp_health h;
	ck_assert(!kp_health_of(&k, 100, &h));
	ck_assert(!h.have_last_sync && !h.have_duration && !h.have_pending && !h.have_failures);
	ck_assert_double_eq(h.iptables_rules, -1);
	ck_assert_double_eq(h.hung_threshold, KP_HEALTH_HUNG_MIN);

	k.kp.asked = true;
	k.kp.error = -ECONNREFUSED;
	snprintf(k.kp.why, sizeof(k.kp.why), "GET x: nothing listens there");
	ck_assert(kp_health_text(&k, 100, NULL, buf, sizeof(buf), &warn));
	ck_assert_str_eq(buf, "kube-proxy here: no metrics (GET x: nothing listens there)");
	ck_assert(!warn);
	k.kp.error = -ETIMEDOUT;
	kp_health_text(&k, 100, NULL, buf, sizeof(buf), &warn);
	ck_assert(warn);

	parse_str(KP "last_timestamp_seconds 90\n", &k.kp.m);
	k.kp.read = true;
	k.kp.error = 0;
	kp_health_text(&k, 100, NULL, buf, sizeof(buf), &warn);
	ck_assert_str_eq(buf, "kube-proxy here: synced 10 s ago");
	ck_assert(!warn);
	/* The threshold follows config.conf's syncPeriod for the configured mode. */
	ck_assert(kp_health_of(&k, 100, &h));
	ck_assert_double_eq(h.hung_threshold, KP_HEALTH_HUNG_MIN);
	ck_assert_int_eq(
	    kube_proxy_conf_parse("kind: KubeProxyConfiguration\nmode: ipvs\n"
				  "iptables:\n  syncPeriod: 2m\nipvs:\n  syncPeriod: 5m\n",
				  &k.config),
	    0);
	ck_assert(kp_health_of(&k, 100, &h));
	ck_assert_double_eq(h.hung_threshold, 600);
	snprintf(k.config.mode, sizeof(k.config.mode), "iptables");
	ck_assert(kp_health_of(&k, 100, &h));
	ck_assert_double_eq(h.hung_threshold, 240);
	memset(&k.config, 0, sizeof(k.config));
	k.kp.error = -EBADMSG;
	snprintf(k.kp.why, sizeof(k.kp.why), "bad");
	kp_health_text(&k, 100, NULL, buf, sizeof(buf), &warn);
	ck_assert_str_eq(buf, "kube-proxy here: synced 10 s ago; ! metrics not read again: bad");
	ck_assert(warn);

	struct kp_conn_reuse cr;
	kp_conn_reuse_check(1, "5.4.0", true, &cr);
	k.kp.error = 0;
	kp_health_text(&k, 100, &cr, buf, sizeof(buf), &warn);
	ck_assert(warn);
	ck_assert_ptr_nonnull(strstr(buf, "; ! net.ipv4.vs.conn_reuse_mode=1 on kernel 5.4: "));
}
END_TEST

/* One line per plane present; kube-proxy's sync time on the plane it runs. */
START_TEST(test_cost)
{
	struct snapshot s;
	memset(&s, 0, sizeof(s));
	struct dp_cost c;
	dp_cost_derive(&s, "ipvs", true, 0.5, 4, &c);
	ck_assert_uint_eq(c.n, 0); /* no IPVS, no data planes read */

	s.ipvs_available = true;
	s.n_services = 412;
	struct dataplane *dp = dataplane_new();
	ck_assert_ptr_nonnull(dp);
	dp->planes[DP_NFTABLES] =
	    (struct dp_plane){.read = true, .present = true, .n_frontends = 410};
	dp->planes[DP_IPTABLES_NFT] =
	    (struct dp_plane){.read = true, .present = true, .n_services_rules = 10012};
	dp->planes[DP_IPTABLES_LEGACY] = (struct dp_plane){.read = true, .error = -EPERM};
	s.dp = dp;
	dp_cost_derive(&s, "nftables", true, 0.25, 8, &c);
	ck_assert_uint_eq(c.n, 3);
	ck_assert_int_eq(c.line[0].plane, DP_IPVS);
	ck_assert_int_eq(c.line[0].how, DPC_HASH);
	ck_assert_uint_eq(c.line[0].size, 412);
	ck_assert(!c.line[0].kube_proxy_runs && !c.line[0].have_sync);
	ck_assert_int_eq(c.line[1].plane, DP_NFTABLES);
	ck_assert_int_eq(c.line[1].how, DPC_VMAP);
	ck_assert_uint_eq(c.line[1].size, 410);
	ck_assert(c.line[1].kube_proxy_runs && c.line[1].have_sync);
	ck_assert_int_eq(c.line[2].plane, DP_IPTABLES_NFT);
	ck_assert_int_eq(c.line[2].how, DPC_LINEAR);
	ck_assert_uint_eq(c.line[2].size, 10012);
	ck_assert_str_eq(dp_cost_how_name(c.line[2].how), "linear");

	char buf[256];
	ck_assert_str_eq(dp_cost_text(&c.line[0], buf, sizeof(buf)),
			 "one hash lookup among 412 virtual services");
	ck_assert_str_eq(dp_cost_text(&c.line[1], buf, sizeof(buf)),
			 "one verdict-map lookup (410 frontends in the maps); kube-proxy runs it "
			 "here and rewrites it in 0.250 s a sync (mean of 8)");
	ck_assert_str_eq(dp_cost_text(&c.line[2], buf, sizeof(buf)),
			 "a new connection walks up to 10012 rules (KUBE-SERVICES has 10012)");
	/* iptables mode covers either backend; without metrics, no sync time. */
	dp_cost_derive(&s, "iptables", false, 0, 0, &c);
	ck_assert(c.line[2].kube_proxy_runs && !c.line[2].have_sync);
	ck_assert_str_eq(dp_cost_text(&c.line[2], buf, sizeof(buf)),
			 "a new connection walks up to 10012 rules (KUBE-SERVICES has 10012); "
			 "kube-proxy runs it here");
	dataplane_unref(dp);
}
END_TEST

/* ---- kp_local against real sockets on loopback ---- */

struct server {
	int fd;
	const char *reply; /* written after the request; NULL: never answers */
	pthread_t thread;
};

static void *serve(void *arg)
{
	struct server *sv = arg;
	int c = accept(sv->fd, NULL, NULL);
	if (c < 0)
		return NULL;
	char req[2048];
	(void)!read(c, req, sizeof(req));
	if (sv->reply)
		(void)!write(c, sv->reply, strlen(sv->reply));
	else
		sleep(3); /* longer than the client waits */
	close(c);
	return NULL;
}

/* A server on 127.0.0.1 (an ephemeral port) that answers one request; its URL in url. */
static void server_start(struct server *sv, const char *reply, char *url, size_t len)
{
	sv->reply = reply;
	sv->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(sv->fd, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	ck_assert_int_eq(bind(sv->fd, (struct sockaddr *)&a, sizeof(a)), 0);
	socklen_t al = sizeof(a);
	ck_assert_int_eq(getsockname(sv->fd, (struct sockaddr *)&a, &al), 0);
	ck_assert_int_eq(listen(sv->fd, 4), 0);
	snprintf(url, len, "http://127.0.0.1:%u/metrics", ntohs(a.sin_port));
	ck_assert_int_eq(pthread_create(&sv->thread, NULL, serve, sv), 0);
}

static void server_stop(struct server *sv)
{
	pthread_join(sv->thread, NULL);
	close(sv->fd);
}

START_TEST(test_local_get)
{
	struct server sv;
	char url[64], why[256], *body;
	size_t len;
	server_start(&sv,
		     "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
		     "Connection: close\r\n\r\n" KP "last_timestamp_seconds 7\n",
		     url, sizeof(url));
	struct kp_metrics m;
	ck_assert_int_eq(kp_local_read_metrics(url, &m, why, sizeof(why)), 0);
	ck_assert_str_eq(why, "");
	ck_assert_double_eq(m.fam[0].last_sync.value, 7);
	server_stop(&sv);

	server_start(&sv,
		     "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
		     url, sizeof(url));
	ck_assert_int_eq(kp_local_get(url, 1000, 100, &body, &len, why, sizeof(why)), -EBADMSG);
	ck_assert_ptr_nonnull(strstr(why, "HTTP status 404"));
	server_stop(&sv);

	server_start(
	    &sv, "HTTP/1.1 200 OK\r\nContent-Length: 12\r\nConnection: close\r\n\r\n<html></html",
	    url, sizeof(url));
	ck_assert_int_eq(kp_local_read_metrics(url, &m, why, sizeof(why)), -EBADMSG);
	ck_assert_ptr_nonnull(strstr(why, "not kube-proxy's metrics"));
	server_stop(&sv);

	server_start(&sv,
		     "HTTP/1.1 200 OK\r\nContent-Length: 20\r\nConnection: close\r\n\r\n"
		     "01234567890123456789",
		     url, sizeof(url));
	ck_assert_int_eq(kp_local_get(url, 1000, 10, &body, &len, why, sizeof(why)), -EFBIG);
	server_stop(&sv);
}
END_TEST

/* A port that accepts and never answers costs the timeout, no more; a closed port is said. */
START_TEST(test_local_no_hang)
{
	struct server sv;
	char url[64], why[256], *body;
	size_t len;
	server_start(&sv, NULL, url, sizeof(url));
	double t0 = clock_mono();
	ck_assert_int_eq(kp_local_get(url, 300, 100, &body, &len, why, sizeof(why)), -ETIMEDOUT);
	double took = clock_mono() - t0;
	ck_assert_msg(took >= 0.25 && took < 2, "took %f s", took);
	ck_assert_ptr_nonnull(strstr(why, "no answer in 0.3 s"));
	server_stop(&sv);

	/* The same port, closed now: nothing listens. */
	ck_assert_int_eq(kp_local_get(url, 1000, 100, &body, &len, why, sizeof(why)),
			 -ECONNREFUSED);
	ck_assert_ptr_nonnull(strstr(why, "nothing listens there"));

	/* The state keeps the last good metrics when a read fails, and says why. */
	struct kube_state k;
	memset(&k, 0, sizeof(k));
	k.kp.read = true;
	k.kp.m.n_fam = 1;
	kp_local_poll_metrics(&k.kp, url, NULL);
	ck_assert(k.kp.asked && k.kp.read);
	ck_assert_uint_eq(k.kp.m.n_fam, 1);
	ck_assert_int_eq(k.kp.error, -ECONNREFUSED);
	kp_local_poll_metrics(&k.kp, url, "http://127.0.0.1:1/proxyMode");
	ck_assert_int_eq(k.kp.error, -ETIMEDOUT);
	ck_assert_str_eq(k.kp.why, "GET http://127.0.0.1:1/proxyMode: no answer in 1.0 s");
}
END_TEST

CHECK_MAIN("kp_health", {"health", 0, {test_healthy, test_hung, test_failures, test_state_text}},
	   {"conn_reuse", 0, {test_kernel_version, test_conn_reuse}}, {"cost", 0, {test_cost}},
	   {"local", 10, {test_local_get, test_local_no_hang}})
