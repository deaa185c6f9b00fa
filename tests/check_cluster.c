/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Unit tests of the cluster view's data: what an agent's answer means (cluster_classify),
 * the rows' order, and an agent request through kube_http against a real socket: the size
 * cap, the timeout of an agent that never answers, the token headers.
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "check_main.h"
#include "clock.h"
#include "cluster.h"
#include "kube_config.h"
#include "kube_http.h"

/* A digest as an agent writes it (digest_write), into a string the caller frees. */
static char *digest_text(const struct digest *d, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(digest_write(f, d), 0);
	ck_assert_int_eq(fclose(f), 0);
	return buf;
}

static void sample_digest(struct digest *d, const char *node)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->node, sizeof(d->node), "%s", node);
	snprintf(d->host, sizeof(d->host), "%s", node);
	snprintf(d->version, sizeof(d->version), "test");
	d->time = 1700000000;
	d->ipvs_available = true;
	snprintf(d->source, sizeof(d->source), "netlink");
	d->services = 12;
	d->real_servers = 30;
	d->cps = 5;
	snprintf(d->configured_mode, sizeof(d->configured_mode), "ipvs");
	snprintf(d->running_mode, sizeof(d->running_mode), "ipvs");
	d->kp_metrics_read = true;
	d->kp_last_sync_age = 3;
	d->kube_enabled = d->kube_synced = true;
	d->n_planes = 1;
	snprintf(d->planes[0].name, sizeof(d->planes[0].name), "ipvs");
	d->planes[0].present = d->planes[0].running = true;
	d->planes[0].frontends = 12;
	d->planes[0].endpoints = 30;
}

static enum cluster_state classify(long status, const char *body, const char *error,
				   bool too_big, bool proxy, char *err, size_t errlen)
{
	struct cluster_answer a = {.status = status,
				   .body = body,
				   .len = body ? strlen(body) : 0,
				   .error = error,
				   .too_big = too_big};
	struct digest d;
	return cluster_classify(&a, proxy, &d, err, errlen);
}

START_TEST(test_classify_ok)
{
	struct digest in, out;
	size_t len;
	sample_digest(&in, "worker-1");
	char *text = digest_text(&in, &len);
	struct cluster_answer a = {.status = 200, .body = text, .len = len};
	char err[256];
	ck_assert_int_eq(cluster_classify(&a, false, &out, err, sizeof(err)), CLUSTER_OK);
	ck_assert_str_eq(err, "");
	ck_assert_str_eq(out.node, "worker-1");
	ck_assert_uint_eq(out.services, 12);
	free(text);
}
END_TEST

START_TEST(test_classify_refusals)
{
	char err[256];
	/* An agent answering as kube-rbac-proxy does, or the API server's Status. */
	ck_assert_int_eq(classify(403,
				  "{\"kind\":\"Status\",\"status\":\"Failure\",\"message\":"
				  "\"user bob cannot get nodes/ipvstop\",\"code\":403}",
				  NULL, false, false, err, sizeof(err)),
			 CLUSTER_FORBIDDEN);
	ck_assert_str_eq(err, "not allowed: user bob cannot get nodes/ipvstop");
	ck_assert_int_eq(classify(401, "Unauthorized\n", NULL, false, false, err, sizeof(err)),
			 CLUSTER_UNAUTHORIZED);
	ck_assert_str_eq(err, "not allowed: Unauthorized");
	/* A message with control characters is made safe for the terminal. */
	ck_assert_int_eq(classify(403, "no\033[2J way", NULL, false, false, err, sizeof(err)),
			 CLUSTER_FORBIDDEN);
	ck_assert_ptr_null(strchr(err, '\033'));
}
END_TEST

START_TEST(test_classify_bad_answers)
{
	char err[256];
	ck_assert_int_eq(classify(200, "<html>hello</html>", NULL, false, false, err, sizeof(err)),
			 CLUSTER_BAD_ANSWER);
	ck_assert_msg(strstr(err, "not a digest") != NULL, "%s", err);
	ck_assert_int_eq(classify(200, "{\"schema\":1,\"kind\":\"ipvstop-digest\",\"node\":\"a",
				  NULL, false, false, err, sizeof(err)),
			 CLUSTER_BAD_ANSWER);
	ck_assert_int_eq(classify(200, "{\"schema\":1,\"kind\":\"something-else\"}", NULL, false,
				  false, err, sizeof(err)),
			 CLUSTER_BAD_ANSWER);
	ck_assert_int_eq(classify(200, "", NULL, false, false, err, sizeof(err)),
			 CLUSTER_BAD_ANSWER);
	ck_assert_int_eq(classify(404, "404 page not found", NULL, false, false, err, sizeof(err)),
			 CLUSTER_BAD_ANSWER);
	ck_assert_str_eq(err, "HTTP 404: 404 page not found");
	/* Cut off by the transport's cap. */
	ck_assert_int_eq(classify(200, "", "the reply is larger than 64 KiB: not read", true,
				  false, err, sizeof(err)),
			 CLUSTER_BAD_ANSWER);
	ck_assert_str_eq(err, "the answer is larger than 64 KiB");
	/* Cut at the cap with no transport error text (curl's own refusal of a Content-Length). */
	ck_assert_int_eq(classify(200, "", NULL, true, false, err, sizeof(err)), CLUSTER_BAD_ANSWER);
	ck_assert_str_eq(err, "the answer is larger than 64 KiB");
	/* Past the cap without the transport's help: the parser refuses it too. */
	size_t big = DIGEST_MAX_BYTES + 100;
	char *huge = malloc(big + 1);
	ck_assert_ptr_nonnull(huge);
	memset(huge, ' ', big);
	huge[0] = '{';
	huge[big - 1] = '}';
	huge[big] = '\0';
	ck_assert_int_eq(classify(200, huge, NULL, false, false, err, sizeof(err)),
			 CLUSTER_BAD_ANSWER);
	ck_assert_str_eq(err, "the answer is larger than 64 KiB");
	free(huge);
	/* A body that broke off after the status line. */
	ck_assert_int_eq(classify(200, "{\"sch", "transfer closed with 100 bytes remaining",
				  false, false, err, sizeof(err)),
			 CLUSTER_BAD_ANSWER);
}
END_TEST

START_TEST(test_classify_unreachable)
{
	char err[256];
	ck_assert_int_eq(classify(0, "", "Failed to connect to 127.0.0.21 port 9774: Connection "
					 "refused",
				  false, false, err, sizeof(err)),
			 CLUSTER_UNREACHABLE);
	ck_assert_msg(strstr(err, "Connection refused") != NULL, "%s", err);
	ck_assert_int_eq(classify(503,
				  "{\"kind\":\"Status\",\"message\":\"error trying to reach "
				  "service: dial tcp 10.0.0.5:9774: i/o timeout\",\"code\":503}",
				  NULL, false, true, err, sizeof(err)),
			 CLUSTER_UNREACHABLE);
	ck_assert_msg(strstr(err, "could not reach the agent") != NULL, "%s", err);
	ck_assert_msg(strstr(err, "i/o timeout") != NULL, "%s", err);
}
END_TEST

static struct cluster_row row(const char *node, enum cluster_state s, int kp_crash,
			      bool hung)
{
	struct cluster_row r;
	memset(&r, 0, sizeof(r));
	snprintf(r.node, sizeof(r.node), "%s", node);
	r.state = s;
	r.latency = NAN;
	if (s == CLUSTER_OK) {
		r.have_digest = true;
		sample_digest(&r.d, node);
		r.d.kp_hung = hung;
	}
	if (kp_crash) {
		r.kp.known = true;
		snprintf(r.kp.waiting, sizeof(r.kp.waiting), "CrashLoopBackOff");
	}
	cluster_row_rank(&r);
	return r;
}

START_TEST(test_order)
{
	struct cluster_row rows[] = {
		row("a-fine", CLUSTER_OK, 0, false),
		row("b-hung", CLUSTER_OK, 0, true),
		row("c-noagent", CLUSTER_NO_AGENT, 0, false),
		row("d-forbidden", CLUSTER_FORBIDDEN, 0, false),
		row("e-down", CLUSTER_UNREACHABLE, 0, false),
		row("f-noagent-crash", CLUSTER_NO_AGENT, 1, false),
		row("a-down", CLUSTER_UNREACHABLE, 0, false),
		row("g-garbage", CLUSTER_BAD_ANSWER, 0, false),
		row("0-fine", CLUSTER_OK, 0, false),
	};
	size_t n = sizeof(rows) / sizeof(rows[0]);
	cluster_rows_sort(rows, n);
	const char *want[] = {"a-down",	   "e-down",	      "d-forbidden",
			      "g-garbage", "f-noagent-crash", "c-noagent",
			      "b-hung",	   "0-fine",	      "a-fine"};
	for (size_t i = 0; i < n; i++)
		ck_assert_str_eq(rows[i].node, want[i]);
	/* The problem in words: the digest's, or what the API says of a node without agent. */
	ck_assert_str_ne(rows[6].problem, "");
	ck_assert_str_eq(rows[7].problem, "");
	ck_assert_msg(strstr(rows[4].problem, "CrashLoopBackOff") != NULL, "%s", rows[4].problem);
}
END_TEST

START_TEST(test_cells)
{
	struct cluster_row r = row("n", CLUSTER_OK, 0, false);
	struct cluster_cells c;
	cluster_row_cells(&r, "iptables", &c);
	ck_assert_str_eq(c.state, "ok");
	ck_assert_str_eq(c.kube_proxy, "ipvs/ipvs");
	ck_assert_str_eq(c.planes, "ipvs*");
	ck_assert_str_eq(c.rules, "12/30");
	ck_assert_str_eq(c.drift, "0/0/0");
	ck_assert_str_eq(c.cps, "5");
	/* An agent that wrote its rate as null (unknown): said so, not a unit out of range. */
	r.d.cps = NAN;
	cluster_row_cells(&r, "iptables", &c);
	ck_assert_str_eq(c.cps, "?");
	/* Without an agent: the cluster's configured mode and the pod's log. */
	struct cluster_row na = row("m", CLUSTER_NO_AGENT, 0, false);
	na.kp.known = true;
	snprintf(na.kp.log_mode, sizeof(na.kp.log_mode), "nftables");
	cluster_row_cells(&na, "iptables", &c);
	ck_assert_str_eq(c.kube_proxy, "iptables/nftables");
	ck_assert_str_eq(c.rules, "-");
}
END_TEST

START_TEST(test_pod_names)
{
	ck_assert(cluster_pod_name_ok("ipvstop-agent-x7k2p"));
	ck_assert(cluster_pod_name_ok("a.b-c"));
	/* Into a URL as it is: nothing that could change the path or the query. */
	ck_assert(!cluster_pod_name_ok("../../secrets/x"));
	ck_assert(!cluster_pod_name_ok("a/b"));
	ck_assert(!cluster_pod_name_ok("a?b"));
	ck_assert(!cluster_pod_name_ok("a:1"));
	ck_assert(!cluster_pod_name_ok("Upper"));
	ck_assert(!cluster_pod_name_ok(""));
	ck_assert(!cluster_pod_name_ok(NULL));
}
END_TEST

/* ---- the poller's node list, without credentials (nothing is asked) ---- */

static void add_node(struct kube_state *k, const char *name, const char *ip)
{
	k->nodes = realloc(k->nodes, (k->n_nodes + 1) * sizeof(*k->nodes));
	ck_assert_ptr_nonnull(k->nodes);
	struct kube_node *n = &k->nodes[k->n_nodes++];
	memset(n, 0, sizeof(*n));
	n->name = strdup(name);
	n->addrs = calloc(1, sizeof(*n->addrs));
	ck_assert_ptr_nonnull(n->addrs);
	n->n_addrs = 1;
	n->addrs[0].af = AF_INET;
	ck_assert_int_eq(inet_pton(AF_INET, ip, n->addrs[0].addr.bytes), 1);
}

/* Waits (at most 5 s) for a view of n rows and takes it into *v. */
static void take_rows(struct cluster *c, size_t n, struct cluster_view *v)
{
	double t0 = clock_mono();
	memset(v, 0, sizeof(*v));
	while (clock_mono() - t0 < 5) {
		struct cluster_view x;
		if (cluster_take(c, &x)) {
			cluster_view_free(v);
			*v = x;
			if (v->n_rows == n && v->complete)
				return;
		}
		usleep(20000);
	}
	ck_abort_msg("no view of %zu rows (last: %zu)", n, v->n_rows);
}

START_TEST(test_node_list)
{
	struct cluster_opts o = {.config = {.kubeconfig = "/nonexistent/kubeconfig"}};
	struct cluster *c = cluster_start(&o);
	ck_assert_ptr_nonnull(c);
	struct kube_state k;
	memset(&k, 0, sizeof(k));
	k.enabled = true;
	add_node(&k, "b", "127.0.0.2");
	add_node(&k, "a", "127.0.0.1");
	add_node(&k, "c", "127.0.0.3");
	cluster_set_nodes(c, &k);
	ck_assert(cluster_wait(c, 5));
	struct cluster_view v;
	take_rows(c, 3, &v);
	/* Nothing could be asked: every node says why, in name order (the same state). */
	ck_assert_str_eq(v.rows[0].node, "a");
	ck_assert_str_eq(v.rows[2].node, "c");
	ck_assert_str_eq(v.rows[1].addr, "127.0.0.2");
	ck_assert_int_eq(v.rows[0].state, CLUSTER_UNREACHABLE);
	ck_assert_msg(strstr(v.rows[0].error, "/nonexistent/kubeconfig") != NULL, "%s",
		      v.rows[0].error);
	ck_assert_uint_eq(v.counts[CLUSTER_UNREACHABLE], 3);
	cluster_view_free(&v);
	/* The same list again is not merged again: nothing new is published. */
	cluster_set_nodes(c, &k);
	usleep(600000);
	ck_assert(!cluster_take(c, &v));
	/* A node leaves, another comes; the others stay. */
	kube_node_free(&k.nodes[0]);
	k.nodes[0] = k.nodes[--k.n_nodes];
	add_node(&k, "d", "127.0.0.4");
	cluster_set_nodes(c, &k);
	take_rows(c, 3, &v);
	ck_assert_str_eq(v.rows[0].node, "a");
	ck_assert_str_eq(v.rows[1].node, "c");
	ck_assert_str_eq(v.rows[2].node, "d");
	ck_assert_str_eq(v.rows[2].addr, "127.0.0.4");
	cluster_view_free(&v);
	cluster_stop(c);
	kube_state_free(&k);
}
END_TEST

/* ---- an agent request over a real socket ---- */

struct fake_agent {
	int lfd, port;
	const char *reply; /* sent after the request's headers; NULL: never answer */
	size_t pad;        /* then this many bytes of padding (a huge answer) */
	char request[4096];
	pthread_t thread;
};

static void *agent_run(void *arg)
{
	struct fake_agent *a = arg;
	int fd = accept(a->lfd, NULL, NULL);
	if (fd < 0)
		return NULL;
	size_t n = 0;
	while (n < sizeof(a->request) - 1 && !strstr(a->request, "\r\n\r\n")) {
		ssize_t r = read(fd, a->request + n, sizeof(a->request) - 1 - n);
		if (r <= 0)
			break;
		n += (size_t)r;
		a->request[n] = '\0';
	}
	if (a->reply) {
		if (send(fd, a->reply, strlen(a->reply), MSG_NOSIGNAL) < 0)
			goto out;
		char block[4096];
		memset(block, 'x', sizeof(block));
		for (size_t sent = 0; sent < a->pad; sent += sizeof(block))
			if (send(fd, block, sizeof(block), MSG_NOSIGNAL) < 0)
				break;
	} else {
		char c;
		/* Holds the connection until the client gives up. */
		while (read(fd, &c, 1) > 0)
			;
	}
out:
	close(fd);
	return NULL;
}

static void agent_start(struct fake_agent *a)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof(sin);
	a->lfd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_ge(a->lfd, 0);
	ck_assert_int_eq(bind(a->lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	ck_assert_int_eq(listen(a->lfd, 4), 0);
	ck_assert_int_eq(getsockname(a->lfd, (struct sockaddr *)&sin, &sl), 0);
	a->port = ntohs(sin.sin_port);
	ck_assert_int_eq(pthread_create(&a->thread, NULL, agent_run, a), 0);
}

static void agent_stop(struct fake_agent *a)
{
	pthread_join(a->thread, NULL);
	close(a->lfd);
}

struct got {
	bool done;
	struct cluster_answer a;
	char body[256];
	char error[256];
};

static void got_done(const struct kube_reply *r, void *arg)
{
	struct got *g = arg;
	g->done = true;
	g->a.status = r->status;
	g->a.too_big = r->too_big;
	g->a.connected = r->connected;
	snprintf(g->body, sizeof(g->body), "%.*s", (int)(r->len < 255 ? r->len : 255), r->body);
	snprintf(g->error, sizeof(g->error), "%s", r->error ? r->error : "");
}

/* One GET of http://127.0.0.1:port/snapshot?summary=1 as cluster.c sends it. */
static void agent_get(struct fake_agent *a, long timeout_ms, struct got *g, double *took)
{
	struct kube_credentials cred;
	memset(&cred, 0, sizeof(cred));
	cred.server = strdup("https://192.0.2.1:6443");
	cred.token = strdup("not-a-real-token");
	ck_assert_ptr_nonnull(cred.token);
	char err[256], url[128];
	struct kube_http *h = kube_http_new(&cred, err, sizeof(err));
	ck_assert_ptr_nonnull(h);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/snapshot?summary=1", a->port);
	struct kube_tls tls = {0};
	struct kube_request_opts o = {
		.url = url,
		.tls = &tls,
		.token_header = "X-Ipvstop-Authorization",
		.max_body = DIGEST_MAX_BYTES,
		.timeout_ms = timeout_ms,
		.connect_ms = 1000,
		.on_done = got_done,
		.arg = g,
	};
	memset(g, 0, sizeof(*g));
	double t0 = clock_mono();
	ck_assert_ptr_nonnull(kube_http_start(h, &o));
	while (!g->done && clock_mono() - t0 < 10)
		kube_http_run(h, 100);
	*took = clock_mono() - t0;
	ck_assert(g->done);
	kube_http_free(h);
	kube_credentials_free(&cred);
	g->a.error = g->error[0] ? g->error : NULL;
	g->a.body = g->body;
	g->a.len = strlen(g->body);
}

START_TEST(test_size_cap)
{
	struct fake_agent a = {.reply = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
					"Connection: close\r\n\r\n{",
			       .pad = 1u << 20};
	struct got g;
	double took;
	agent_start(&a);
	agent_get(&a, 3000, &g, &took);
	agent_stop(&a);
	ck_assert(g.a.too_big);
	ck_assert_str_eq(g.body, "");
	char err[256];
	struct digest d;
	ck_assert_int_eq(cluster_classify(&g.a, false, &d, err, sizeof(err)), CLUSTER_BAD_ANSWER);
	ck_assert_str_eq(err, "the answer is larger than 64 KiB");
	/* Both credentials' headers went out; the token in them is the kubeconfig's. */
	ck_assert_msg(strstr(a.request, "Authorization: Bearer not-a-real-token\r\n") != NULL,
		      "%s", a.request);
	ck_assert_msg(strstr(a.request, "X-Ipvstop-Authorization: Bearer not-a-real-token\r\n"),
		      "%s", a.request);
	ck_assert_msg(strncmp(a.request, "GET /snapshot?summary=1 HTTP/1.1", 32) == 0, "%s",
		      a.request);
}
END_TEST

START_TEST(test_size_cap_announced)
{
	/* A Content-Length past the cap is refused before the body is read. */
	struct fake_agent a = {.reply = "HTTP/1.1 200 OK\r\nContent-Length: 10000000\r\n"
					"Connection: close\r\n\r\n"};
	struct got g;
	double took;
	agent_start(&a);
	agent_get(&a, 3000, &g, &took);
	agent_stop(&a);
	ck_assert(g.a.too_big);
}
END_TEST

START_TEST(test_hung_agent)
{
	struct fake_agent a = {.reply = NULL};
	struct got g;
	double took;
	agent_start(&a);
	agent_get(&a, 500, &g, &took);
	shutdown(a.lfd, SHUT_RDWR);
	agent_stop(&a);
	ck_assert_msg(took < 2.0, "gave up after %.2f s", took);
	ck_assert(g.a.connected);
	char err[256];
	struct digest d;
	ck_assert_int_eq(cluster_classify(&g.a, false, &d, err, sizeof(err)), CLUSTER_UNREACHABLE);
}
END_TEST

START_TEST(test_refused)
{
	/* A port nobody listens on: not connected, so auto mode would try pods/proxy. */
	struct fake_agent a = {.reply = NULL};
	agent_start(&a);
	int port = a.port;
	shutdown(a.lfd, SHUT_RDWR);
	/* The thread's accept fails once the socket is shut down. */
	agent_stop(&a);
	struct fake_agent gone = {.port = port};
	struct got g;
	double took;
	agent_get(&gone, 3000, &g, &took);
	ck_assert(!g.a.connected);
	ck_assert_int_eq(g.a.status, 0);
	ck_assert_str_ne(g.error, "");
}
END_TEST

CHECK_MAIN("cluster",
	   {"classify", 0,
	    {test_classify_ok, test_classify_refusals, test_classify_bad_answers,
	     test_classify_unreachable}},
	   {"rows", 0, {test_order, test_cells, test_pod_names}},
	   {"poller", 20, {test_node_list}},
	   {"transport", 20, {test_size_cap, test_size_cap_announced, test_hung_agent, test_refused}})
