/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A node's digest filled from its snapshot and join, and how bad the node looks from it. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "digest.h"
#include "dataplane.h"
#include "dp_join.h"
#include "dp_leftovers.h"
#include "kp_health.h"
#include "kube_side.h"
#include "nls.h"
#include "output_dp_join.h"

static void copy(char *dst, size_t len, const char *src)
{
	digest_strcpy(dst, len, src ? src : "");
}

/* Appends "what: why" to d's errors (the first DIGEST_MAX_ERRORS are kept). */
static void add_error(struct digest *d, const char *what, const char *why)
{
	char buf[2 * sizeof(d->errors[0])];
	if (d->n_errors >= DIGEST_MAX_ERRORS)
		return;
	snprintf(buf, sizeof(buf), "%s: %.300s", what, why && why[0] ? why : "error");
	digest_strcpy(d->errors[d->n_errors++], sizeof(d->errors[0]), buf);
}

/* The IPVS section of -j: its services' counters and estimates summed, as they are there. */
static void fill_ipvs(struct digest *d, const struct snapshot *s)
{
	d->ipvs_available = s->ipvs_available;
	copy(d->source, sizeof(d->source),
	     s->source == IPVS_SOURCE_NETLINK ? "netlink"
	     : s->source == IPVS_SOURCE_PROC  ? "proc"
					      : "");
	d->services = s->n_services;
	for (size_t i = 0; i < s->n_services; i++) {
		const struct ipvs_service *v = snapshot_service(s, i);
		uint64_t a, in;
		d->real_servers += v->n_dests;
		service_conn_totals(v, &a, &in);
		d->active_conns += a;
		d->inactive_conns += in;
		d->conns += v->stats.conns;
		d->inpkts += v->stats.inpkts;
		d->outpkts += v->stats.outpkts;
		d->inbytes += v->stats.inbytes;
		d->outbytes += v->stats.outbytes;
		d->cps += (double)v->stats.cps;
		d->inpps += (double)v->stats.inpps;
		d->outpps += (double)v->stats.outpps;
		d->inbps += (double)v->stats.inbps;
		d->outbps += (double)v->stats.outbps;
	}
	/* /proc/net/ip_vs has no per-service counters (-j writes null): the kernel's totals. */
	if (s->source == IPVS_SOURCE_PROC) {
		const struct ipvs_stats *t = &s->totals;
		bool k = s->totals_known;
		d->conns = k ? t->conns : 0;
		d->inpkts = k ? t->inpkts : 0;
		d->outpkts = k ? t->outpkts : 0;
		d->inbytes = k ? t->inbytes : 0;
		d->outbytes = k ? t->outbytes : 0;
		d->cps = k ? (double)t->cps : (double)NAN;
		d->inpps = k ? (double)t->inpps : (double)NAN;
		d->outpps = k ? (double)t->outpps : (double)NAN;
		d->inbps = k ? (double)t->inbps : (double)NAN;
		d->outbps = k ? (double)t->outbps : (double)NAN;
	}
}

/* This node's kube-proxy pod, found by the node name the cluster side uses (dp_leftovers). */
static const struct kube_proxy_pod *this_pod(const struct kube_view *kv)
{
	const struct kube_state *k = kv->k;
	const char *node = k->local_node[0] ? k->local_node : kv->node_name;
	for (size_t i = 0; node && node[0] && i < k->n_proxies; i++)
		if (k->proxies[i].node && strcmp(k->proxies[i].node, node) == 0)
			return &k->proxies[i];
	return NULL;
}

/* kube.proxy.this_node.kube_proxy of -j: the same functions, the same answers. */
static void fill_kube_proxy(struct digest *d, const struct snapshot *s, const struct kube_state *k)
{
	struct kp_health h;
	struct kp_conn_reuse cr;
	char line[1024];
	bool warn;
	d->kp_metrics_read = kp_health_of(k, s->time, &h);
	d->kp_hung = h.hung;
	d->kp_last_sync_age =
	    h.have_last_sync && isfinite(h.last_sync_age) ? h.last_sync_age : (double)NAN;
	d->kp_failures = h.have_failures && h.failures > 0 ? (uint64_t)h.failures : 0;
	kp_conn_reuse_of(s, k, &cr);
	kp_health_text(k, s->time, &cr, line, sizeof(line), &warn);
	d->kp_warn = warn;
}

static void fill_kube(struct digest *d, const struct snapshot *s, const struct kube_view *kv)
{
	const char *from;
	const struct kube_state *k = kv ? kv->k : NULL;
	copy(d->running_mode, sizeof(d->running_mode), dp_mode_name(dp_leftovers_mode(kv, &from)));
	if (!k)
		return;
	d->kube_enabled = k->enabled;
	d->kube_synced = k->synced;
	copy(d->configured_mode, sizeof(d->configured_mode), kube_configured_mode(k));
	fill_kube_proxy(d, s, k);
	const struct kube_proxy_pod *p = this_pod(kv);
	if (p) {
		copy(d->kp_waiting, sizeof(d->kp_waiting), p->waiting_reason);
		d->kp_restarts = p->restarts;
	}
	/* kube.drift.counts, written when the side is enabled and joined */
	const struct kube_join *j = kv->j;
	if (k->enabled && j) {
		d->drift_missing = (uint32_t)j->n_missing;
		d->drift_unexplained = (uint32_t)j->n_extra;
		d->drift_draining = (uint32_t)j->n_drain;
		d->drift_unowned = (uint32_t)j->n_unowned;
		d->drift_without_vs = (uint32_t)j->n_unserved;
		d->drift_scheduler = (uint32_t)j->n_sched;
	}
}

static uint32_t drift_of(const struct dp_plane_drift *pd)
{
	return (uint32_t)(pd->n_missing + pd->n_stale + pd->n_unowned);
}

/*
 * The plane kube-proxy runs here: the join's (dataplane.running_plane), else worked out the
 * same way from the mode alone (no data planes read: both iptables backends look absent).
 */
static enum dp_plane_kind running_plane(const struct snapshot *s, const struct kube_view *kv,
					const struct dp_join *dpj)
{
	static const struct dataplane none;
	if (dpj)
		return dpj->running;
	if (!kv || !kv->k)
		return DP_N_PLANES;
	return dp_join_running_plane(s->dp ? s->dp : &none, kv->k);
}

/* The IPVS table as a plane: its drift as dataplane.drift.ipvs counts it. */
static void fill_ipvs_plane(struct digest *d, const struct snapshot *s, const struct kube_view *kv,
			    enum dp_plane_kind running)
{
	struct digest_plane *p = &d->planes[d->n_planes++];
	copy(p->name, sizeof(p->name), dp_plane_name(DP_IPVS));
	p->present = s->ipvs_available && s->n_services > 0;
	p->running = running == DP_IPVS;
	p->frontends = (uint32_t)d->services;
	p->endpoints = (uint32_t)d->real_servers;
	if (!kv || !kv->k || !kv->j)
		return;
	struct dp_plane_drift pd;
	if (dp_join_ipvs_drift(s, kv->k, kv->j, running, &pd) == 0)
		p->drift = drift_of(&pd);
	else
		add_error(d, "digest", strerror(ENOMEM));
	dp_plane_drift_free(&pd);
}

static void fill_planes(struct digest *d, const struct snapshot *s, const struct kube_view *kv)
{
	const struct dataplane *dp = s->dp;
	const struct dp_join *dpj = dp ? output_dp_join_of(kv, dp) : NULL;
	enum dp_plane_kind running = running_plane(s, kv, dpj);
	fill_ipvs_plane(d, s, kv, running);
	for (int k = DP_NFTABLES; dp && k < DP_N_PLANES && d->n_planes < 4; k++) {
		const struct dp_plane *pl = &dp->planes[k];
		if (!pl->read)
			continue;
		struct digest_plane *p = &d->planes[d->n_planes++];
		copy(p->name, sizeof(p->name), dp_plane_name((enum dp_plane_kind)k));
		p->present = pl->present;
		p->running = running == (enum dp_plane_kind)k;
		p->frontends = (uint32_t)pl->n_frontends;
		for (size_t i = 0; i < dp->n_fe; i++)
			if (dp->fe[i].plane == (enum dp_plane_kind)k)
				p->endpoints += (uint32_t)dp->fe[i].n_eps;
		if (dpj && dpj->planes[k].joined)
			p->drift = drift_of(&dpj->planes[k]);
	}
	if (dp && dp->ipsets_read)
		for (size_t i = 0; i < dp->n_ipsets; i++)
			d->ipsets_full += dp_ipset_fill_of(&dp->ipsets[i]) == DP_IPSET_FULL;
	if (dpj && dpj->kube_ipvs0_checked)
		d->kube_ipvs0_missing = (uint32_t)dpj->kube_ipvs0.n_missing;
	struct dp_leftovers lo;
	dp_leftovers_of(s, kv, &lo);
	d->leftovers = (uint32_t)lo.n_leftover;
}

/*
 * Whether IPVS matters on this node: kube-proxy runs (or, running unknown, is configured
 * for) ipvs, or nothing is known of it.
 */
static bool ipvs_matters(const struct digest *d)
{
	const char *m = d->running_mode[0] ? d->running_mode : d->configured_mode;
	return !m[0] || strcmp(m, "ipvs") == 0;
}

/*
 * The readers' errors as -j writes them. IPVS missing on a node whose kube-proxy runs
 * another mode is no error, nor is nothing listening on kube-proxy's port (no kube-proxy:
 * kp_health_text says the same) or a kernel without ip_set.
 */
static void fill_errors(struct digest *d, const struct snapshot *s, const struct kube_view *kv)
{
	const struct kube_state *k = kv ? kv->k : NULL;
	const struct dataplane *dp = s->dp;
	if (s->ipvs_error[0] && (s->ipvs_available || ipvs_matters(d)))
		add_error(d, "ipvs", s->ipvs_error);
	if (k && k->enabled && k->error && k->why[0])
		add_error(d, "kube", k->why);
	if (k && k->kp.error && k->kp.error != -ECONNREFUSED)
		add_error(d, "kube-proxy", k->kp.why);
	for (int p = DP_NFTABLES; dp && p < DP_N_PLANES; p++)
		if (dp->planes[p].read && dp->planes[p].error)
			add_error(d, dp_plane_name((enum dp_plane_kind)p), dp->planes[p].why);
	if (dp && dp->ipsets_read && dp->ipsets_error && dp->ipsets_error != -ENOENT)
		add_error(d, "ipsets", dp->ipsets_why);
	if (dp && dp->kube_ipvs0_read && dp->kube_ipvs0_error)
		add_error(d, "kube-ipvs0", dp->kube_ipvs0_why);
}

void digest_fill(struct digest *d, const struct snapshot *s, const struct kube_view *kv,
		 const char *node, double now)
{
	memset(d, 0, sizeof(*d));
	copy(d->node, sizeof(d->node), node && node[0] ? node : s->host);
	copy(d->host, sizeof(d->host), s->host);
	copy(d->version, sizeof(d->version), PACKAGE_VERSION);
	d->time = s->time;
	d->age = now > s->time ? now - s->time : 0;
	d->kp_last_sync_age = NAN;
	fill_ipvs(d, s);
	fill_kube(d, s, kv);
	fill_planes(d, s, kv);
	fill_errors(d, s, kv);
}

/*
 * The plane of the running mode when no plane is marked running (dp_join knows the mode from
 * /proxyMode or the configuration only; running_mode may come from the pod's log): the plane
 * of that name, for iptables the backend with more frontends. NULL when none was read.
 */
static const struct digest_plane *plane_of_mode(const struct digest *d)
{
	const struct digest_plane *best = NULL;
	bool ipt = strcmp(d->running_mode, "iptables") == 0;
	for (size_t i = 0; i < d->n_planes && i < 4; i++) {
		const struct digest_plane *p = &d->planes[i];
		if (ipt ? strncmp(p->name, "iptables-", 9) == 0 &&
			      (!best || p->frontends > best->frontends)
			: strcmp(p->name, d->running_mode) == 0)
			best = p;
	}
	return best;
}

/*
 * The worst drift: the running plane's, else the running mode's plane's, else (the mode
 * unknown) the IPVS table's against the cluster.
 */
static uint32_t worst_drift(const struct digest *d, const char **plane)
{
	const struct digest_plane *p = NULL;
	for (size_t i = 0; i < d->n_planes && i < 4 && !p; i++)
		if (d->planes[i].running)
			p = &d->planes[i];
	if (!p && d->running_mode[0])
		p = plane_of_mode(d);
	if (p) {
		*plane = p->name;
		return p->drift;
	}
	*plane = "ipvs";
	return d->running_mode[0] ? 0 : d->drift_missing + d->drift_unexplained;
}

/* The problems below the errors and kube-proxy's own, worst first. */
static int lesser_problems(const struct digest *d, char *why, size_t len)
{
	const char *plane;
	uint32_t drift = worst_drift(d, &plane);
	if (d->configured_mode[0] && d->running_mode[0] &&
	    strcmp(d->configured_mode, d->running_mode) != 0) {
		snprintf(why, len, _("runs %s, configured %s"), d->running_mode,
			 d->configured_mode);
		return DIGEST_MIGRATION;
	}
	if (drift) {
		snprintf(why, len, _("drift in %s: %u endpoints"), plane, drift);
		return DIGEST_DRIFT;
	}
	if (d->ipsets_full) {
		snprintf(why, len, _("ipsets full: %u"), d->ipsets_full);
		return DIGEST_CAPACITY;
	}
	if (d->kube_ipvs0_missing) {
		snprintf(why, len, _("Service IPs missing on kube-ipvs0: %u"),
			 d->kube_ipvs0_missing);
		return DIGEST_CAPACITY;
	}
	if (d->kp_warn) {
		if (d->kp_failures)
			snprintf(why, len, _("kube-proxy sync failures: %llu"),
				 (unsigned long long)d->kp_failures);
		else
			snprintf(why, len, "%s", _("kube-proxy warns"));
		return DIGEST_CAPACITY;
	}
	if (d->leftovers) {
		snprintf(why, len, _("leftovers of other modes: %u"), d->leftovers);
		return DIGEST_LEFTOVERS;
	}
	return DIGEST_FINE;
}

int digest_problems(const struct digest *d, char *why, size_t len)
{
	char tmp[1];
	if (!why || !len)
		why = tmp, len = sizeof(tmp);
	why[0] = '\0';
	if (!d->ipvs_available && ipvs_matters(d)) {
		snprintf(why, len, "%s", _("IPVS unreadable"));
		return DIGEST_ERROR;
	}
	if (d->n_errors) {
		snprintf(why, len, "%s", d->errors[0]);
		return DIGEST_ERROR;
	}
	if (d->kp_waiting[0]) {
		snprintf(why, len, _("kube-proxy pod: %s"), d->kp_waiting);
		return DIGEST_KUBE_PROXY;
	}
	if (d->kp_hung) {
		snprintf(why, len, "%s", _("kube-proxy sync hung"));
		return DIGEST_KUBE_PROXY;
	}
	return lesser_problems(d, why, len);
}
