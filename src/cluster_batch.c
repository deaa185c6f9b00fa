/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The cluster view's batch loop: the node list from kube_sync, the rows from the poller. */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "cluster_batch.h"
#include "kube_sync.h"
#include "nls.h"
#include "output_cluster.h"

/* Hands a newer cluster state's nodes to the poller. */
static void take_nodes(struct kube_sync *ks, struct cluster *c)
{
	struct kube_state st;
	if (!kube_sync_take(ks, &st))
		return;
	cluster_set_nodes(c, &st);
	kube_state_free(&st);
}

/* Keeps the newest view in *cur. */
static void take_view(struct cluster *c, struct cluster_view *cur)
{
	struct cluster_view v;
	if (!cluster_take(c, &v))
		return;
	cluster_view_free(cur);
	*cur = v;
}

/* Until the monotonic deadline (or a stop): node lists in, views out. */
static void pump_until(struct kube_sync *ks, struct cluster *c, struct cluster_view *cur,
		       double deadline, volatile sig_atomic_t *stop)
{
	for (;;) {
		take_nodes(ks, c);
		take_view(c, cur);
		double left = deadline - clock_mono();
		if (left <= 0 || *stop)
			return;
		struct pollfd p[2] = {{.fd = kube_sync_fd(ks), .events = POLLIN},
				      {.fd = cluster_fd(c), .events = POLLIN}};
		poll(p, 2, left > 0.25 ? 250 : (int)(left * 1000) + 1);
	}
}

/* The first frame: the node list (within --kube-wait), then every node polled once. */
static void first_round(const struct cluster_batch_opts *o, struct kube_sync *ks,
			struct cluster *c, struct cluster_view *cur, volatile sig_atomic_t *stop)
{
	kube_sync_wait(ks, o->kube_wait);
	/* kube_sync publishes what it has once its wait is answered. */
	double until = clock_mono() + 1;
	struct kube_state st;
	bool got = false;
	while (!*stop && !(got = kube_sync_take(ks, &st)) && clock_mono() < until) {
		struct pollfd p = {.fd = kube_sync_fd(ks), .events = POLLIN};
		poll(&p, 1, 100);
	}
	if (got) {
		cluster_set_nodes(c, &st);
		kube_state_free(&st);
	}
	/* The pod list, then a direct poll and a proxied one: each within its timeout. */
	double bound = 5.0 + 2.0 * (double)CLUSTER_TIMEOUT_MS / 1000.0 + 1.0;
	cluster_wait(c, bound);
	take_view(c, cur);
}

int cluster_batch_run(const struct cluster_batch_opts *o, volatile sig_atomic_t *stop)
{
	struct kube_sync_opts so = {.poll_interval = 10};
	kube_side_config_opts(&o->kube, &so.config);
	so.node_name = o->kube.node_name;
	struct cluster_opts co = o->cluster;
	co.config = so.config;
	co.interval = o->interval;
	struct kube_sync *ks = kube_sync_start(&so);
	struct cluster *c = ks ? cluster_start(&co) : NULL;
	if (!c) {
		kube_sync_stop(ks);
		fprintf(stderr, "%s: %s\n", PACKAGE, strerror(ENOMEM));
		return 1;
	}
	struct cluster_view cur;
	memset(&cur, 0, sizeof(cur));
	cur.path = co.path;
	cur.verified = co.agent_ca != NULL;
	int rc = 0;
	first_round(o, ks, c, &cur, stop);
	double next = clock_mono();
	for (long i = 0; !*stop && (o->count == 0 || i < o->count); i++) {
		if (i > 0)
			pump_until(ks, c, &cur, next, stop);
		if (*stop)
			break;
		if (cur.time == 0)
			cur.time = clock_seconds(CLOCK_REALTIME);
		int err = o->json ? output_cluster_json(stdout, &cur) : output_cluster_text(stdout, &cur);
		if (err) {
			/* A reader that went away (head, a closed pipe) is a normal end. */
			if (err != -EPIPE) {
				fprintf(stderr, _("%s: writing output failed: %s\n"), PACKAGE,
					strerror(-err));
				rc = 1;
			}
			break;
		}
		next += o->interval;
	}
	cluster_view_free(&cur);
	cluster_stop(c);
	kube_sync_stop(ks);
	return rc;
}
