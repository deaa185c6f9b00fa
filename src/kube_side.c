/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Glue between the Kubernetes thread and the views: options from the environment, the join. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hash.h"
#include "kube_side.h"
#include "nls.h"

void kube_side_config_opts(const struct kube_side_opts *o, struct kube_config_opts *out)
{
	*out = (struct kube_config_opts){
		.kubeconfig = o->kubeconfig,
		.context = o->context,
		.env_kubeconfig = getenv("KUBECONFIG"),
		.home = getenv("HOME"),
		.admin_conf = "/etc/kubernetes/admin.conf",
		.sa_dir = "/var/run/secrets/kubernetes.io/serviceaccount",
		.service_host = getenv("KUBERNETES_SERVICE_HOST"),
		.service_port = getenv("KUBERNETES_SERVICE_PORT"),
		.pod_namespace = getenv("POD_NAMESPACE"),
	};
}

int kube_side_start(struct kube_side *ks, const struct kube_side_opts *o)
{
	memset(ks, 0, sizeof(*ks));
	if (o->node_name)
		snprintf(ks->node, sizeof(ks->node), "%s", o->node_name);
	else if (gethostname(ks->node, sizeof(ks->node) - 1) != 0)
		ks->node[0] = '\0';
	if (!o->enabled) {
		/* Off by request: the view still says so, once. */
		ks->state.enabled = false;
		snprintf(ks->state.why, sizeof(ks->state.why), "%s",
			 _("Kubernetes: off (--no-kube)"));
		ks->have_state = true;
		return 0;
	}
	struct kube_sync_opts so = {
		.node_name = ks->node,
		.local_proxy_url = "http://127.0.0.1:10249/proxyMode",
		.local_metrics_url = KP_METRICS_URL,
		.poll_interval = 10,
	};
	kube_side_config_opts(o, &so.config);
	ks->sync = kube_sync_start(&so);
	return ks->sync ? 0 : -ENOMEM;
}

void kube_side_stop(struct kube_side *ks)
{
	kube_sync_stop(ks->sync);
	if (ks->have_join)
		kube_join_free(&ks->join);
	if (ks->have_state)
		kube_state_free(&ks->state);
	kube_drain_tracker_free(&ks->tracker);
	free(ks->vs_drift);
	dp_join_cache_free(&ks->dpj);
	memset(ks, 0, sizeof(*ks));
}

int kube_side_fd(const struct kube_side *ks)
{
	return ks->sync ? kube_sync_fd(ks->sync) : -1;
}

void kube_side_wait(struct kube_side *ks, double timeout)
{
	if (ks->sync)
		kube_sync_wait(ks->sync, timeout);
}

/* Which virtual services have drift, once per join, so rows and the filter ask in O(1). */
static void mark_drift(struct kube_side *ks, size_t n)
{
	const struct kube_join *j = &ks->join;
	ks->vs_drift = n ? calloc(n, 1) : NULL;
	if (!ks->vs_drift)
		return;
	for (size_t x = 0; x < j->n_missing; x++)
		ks->vs_drift[j->missing[x].vs] = 1;
	for (size_t x = 0; x < j->n_extra; x++)
		ks->vs_drift[j->extra[x].vs] = 1;
	for (size_t x = 0; x < j->n_unowned; x++)
		ks->vs_drift[j->unowned[x]] = 1;
	for (size_t x = 0; x < j->n_sched; x++)
		ks->vs_drift[j->sched[x]] = 1;
	for (size_t x = 0; x < j->n_affinity; x++)
		ks->vs_drift[j->affinity[x]] = 1;
}

static uint64_t mix_bytes(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;
	for (size_t i = 0; i < n; i += 8) {
		uint64_t w = 0;
		memcpy(&w, b + i, n - i < 8 ? n - i : 8);
		h = hash_mix(h, w);
	}
	return h;
}

/*
 * A digest of exactly what kube_join reads from a snapshot: each service's identity,
 * scheduler, flags, timeout and whether its real servers were read, and each real server's
 * address, port and weight, in order (the join's results are indexes). Counters and rates
 * are left out: they change every refresh and the join does not look at them.
 */
static uint64_t table_digest(const struct snapshot *s)
{
	uint64_t h = hash_mix(HASH_FNV1A_INIT, s->n_services);
	for (size_t i = 0; i < s->n_services; i++) {
		const struct ipvs_service *v = snapshot_service(s, i);
		h = hash_mix(h, (uint64_t)(uint32_t)v->af << 32 | (uint64_t)v->protocol << 16 |
				    v->port);
		h = hash_mix(h, (uint64_t)v->fwmark << 32 | v->flags);
		h = hash_mix(h, (uint64_t)v->timeout << 32 | (uint64_t)v->dests_known << 1);
		h = mix_bytes(h, v->addr.bytes, sizeof(v->addr.bytes));
		h = mix_bytes(h, v->sched, strnlen(v->sched, sizeof(v->sched)));
		h = hash_mix(h, v->n_dests);
		for (size_t d = 0; d < v->n_dests; d++) {
			const struct ipvs_dest *x = &v->dests[d];
			h = hash_mix(h, (uint64_t)(uint32_t)x->af << 32 | x->port);
			h = hash_mix(h, (uint64_t)(uint32_t)x->weight);
			h = mix_bytes(h, x->addr.bytes, sizeof(x->addr.bytes));
		}
	}
	return h;
}

void kube_side_as_node(struct kube_side *ks, const char *node)
{
	snprintf(ks->as_node, sizeof(ks->as_node), "%s", node ? node : "");
	if (ks->have_state)
		snprintf(ks->state.local_node, sizeof(ks->state.local_node), "%s",
			 ks->as_node[0] ? ks->as_node : ks->node);
	/* The kept join was of another node's view: made again at the next update. */
	ks->join_digest ^= 1;
}

const struct kube_view *kube_side_update(struct kube_side *ks, const struct snapshot *s,
					 double now)
{
	struct kube_state st;
	bool new_state = false;
	if (ks->sync && kube_sync_take(ks->sync, &st)) {
		if (ks->have_state)
			kube_state_free(&ks->state);
		ks->state = st;
		ks->have_state = true;
		new_state = true;
		if (ks->as_node[0])
			snprintf(ks->state.local_node, sizeof(ks->state.local_node), "%s",
				 ks->as_node);
	}
	/* kube-proxy's metrics: newest at every update, without a new state or join. */
	if (ks->sync && ks->have_state)
		kube_sync_local_metrics(ks->sync, &ks->state.kp);
	bool synced = ks->have_state && ks->state.enabled && ks->state.synced;
	ks->view.dpj = dp_join_cache_update(&ks->dpj, s ? s->dp : NULL,
					    synced ? &ks->state : NULL, new_state);
	bool want = synced && s && s->ipvs_available;
	uint64_t digest = want ? table_digest(s) : 0;
	/*
	 * The same table and the same cluster: the join would come out the same, so it is kept
	 * (on a big table it costs far more than the digest). Only the time real servers have
	 * been draining moves on; the tracker stays as the last join left it, which is what a
	 * join of this table would leave too.
	 */
	if (want && ks->have_join && !new_state && digest == ks->join_digest) {
		for (size_t i = 0; i < ks->join.n_drain; i++)
			ks->join.drain[i].seconds += now - ks->join_now;
		ks->join_now = now;
		return &ks->view;
	}
	if (ks->have_join) {
		kube_join_free(&ks->join);
		ks->have_join = false;
	}
	free(ks->vs_drift);
	ks->vs_drift = NULL;
	if (!ks->have_state)
		return NULL;
	if (want && kube_join(s, &ks->state, &ks->tracker, now, &ks->join) == 0) {
		ks->have_join = true;
		ks->join_digest = digest;
		ks->join_now = now;
		mark_drift(ks, s->n_services);
	}
	ks->view = (struct kube_view){
	    .k = &ks->state,
	    .j = ks->have_join ? &ks->join : NULL,
	    .node_name = ks->as_node[0] ? ks->as_node : ks->node,
	    .vs_drift = ks->vs_drift,
	    .dpj = ks->view.dpj,
	};
	return &ks->view;
}
