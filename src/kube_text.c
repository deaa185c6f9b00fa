/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Words for the Kubernetes side: who owns what, kube-proxy's mode per node, drift counts. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cells.h"
#include "clock.h"
#include "kube_join.h"
#include "kube_proxy_conf.h"
#include "kube_side.h"
#include "kube_text.h"
#include "kp_health.h"
#include "nls.h"

static void add(struct kube_text *t, bool warn, const char *text)
{
	if (t->n >= KUBE_TEXT_LINES)
		return;
	snprintf(t->line[t->n], KUBE_TEXT_LEN, "%s", text);
	t->warn[t->n++] = warn;
}

static long sysctl_of(const struct snapshot *s, const char *name)
{
	for (size_t i = 0; s && i < s->n_sysctls; i++)
		if (strcmp(s->sysctls[i].name, name) == 0)
			return s->sysctls[i].present ? s->sysctls[i].value : -1;
	return -1;
}

bool kube_compare_timeouts(const struct kube_state *k, const struct snapshot *s,
			   struct kube_timeout_cmp cmp[3])
{
	if (!k->config.known)
		return false;
	const char *conf[3] = {k->config.tcp_timeout, k->config.tcp_fin_timeout,
			       k->config.udp_timeout};
	long kern[3] = {-1, -1, -1};
	if (s && s->timeouts_known) {
		kern[0] = s->timeout_tcp;
		kern[1] = s->timeout_tcp_fin;
		kern[2] = s->timeout_udp;
	}
	static const char *const names[3] = {"tcp", "tcp_fin", "udp"};
	for (int i = 0; i < 3; i++) {
		cmp[i].name = names[i];
		cmp[i].configured = kube_duration_seconds(conf[i]);
		cmp[i].kernel = kern[i];
		/* 0 means kube-proxy does not set it: any kernel value is what was asked. */
		cmp[i].mismatch = cmp[i].configured > 0 && kern[i] >= 0 && cmp[i].configured != kern[i];
	}
	return true;
}

bool kube_strict_arp_mismatch(const struct kube_state *k, const struct snapshot *s, long *ignore,
			      long *announce)
{
	*ignore = sysctl_of(s, "net.ipv4.conf.all.arp_ignore");
	*announce = sysctl_of(s, "net.ipv4.conf.all.arp_announce");
	return k->config.known && k->config.strict_arp && *ignore >= 0 &&
	       (*ignore != 1 || *announce != 2);
}

static void add_drift(struct kube_text *t, const struct kube_join *j);

/* kube-proxy's health on this node (kp_health_text at s's time): false when not asked. */
static bool kube_text_local_health(const struct kube_state *k, const struct snapshot *s,
				   char *buf, bool *warn)
{
	struct kp_conn_reuse cr;
	kp_conn_reuse_of(s, k, &cr);
	return kp_health_text(k, s ? s->time : clock_seconds(CLOCK_REALTIME), &cr, buf,
			      KUBE_TEXT_LEN, warn);
}

void kube_text_summary(const struct kube_view *kv, const struct snapshot *s, struct kube_text *t)
{
	char line[KUBE_TEXT_LEN];
	memset(t, 0, sizeof(*t));
	if (!kv || !kv->k)
		return;
	const struct kube_state *k = kv->k;
	if (!k->enabled) {
		add(t, k->error, k->why[0] ? k->why : _("Kubernetes: not configured"));
		return;
	}
	snprintf(line, sizeof(line), _("Kubernetes %s  context %s  user %s  %s%s"),
		 k->version[0] ? k->version : "?", k->context, k->user, k->server,
		 k->insecure ? _("  TLS NOT VERIFIED (insecure-skip-tls-verify)") : "");
	add(t, k->insecure, line);
	if (k->error)
		add(t, true, k->why);
	else if (!k->synced)
		add(t, false, _("Kubernetes: reading Services and EndpointSlices..."));

	/* kube-proxy: configured mode, and what each node really runs. */
	const char *mode = kube_configured_mode(k);
	size_t n = 0;
	char buf[KUBE_TEXT_LEN];
	buf[0] = '\0';
	if (k->config.known || k->ds.known)
		n = (size_t)snprintf(buf, sizeof(buf), _("kube-proxy configured %s"), mode);
	else
		n = (size_t)snprintf(buf, sizeof(buf), "%s", _("kube-proxy configuration unknown"));
	if (k->config.known && strcmp(mode, "ipvs") == 0)
		n = cells_catf(buf, n, sizeof(buf), _(", scheduler %s%s"),
			       k->config.scheduler[0] ? k->config.scheduler : "rr",
			       k->config.strict_arp ? _(", strictARP") : "");
	bool warn = false;
	for (size_t i = 0; i < k->n_proxies; i++) {
		const struct kube_proxy_pod *p = &k->proxies[i];
		const char *m = p->log_mode[0] && strcmp(p->log_mode, "?") != 0 ? p->log_mode : "?";
		const char *what = p->waiting_reason[0] ? p->waiting_reason : m;
		if (i)
			n = cells_catf(buf, n, sizeof(buf), ", %s %s", p->node ? p->node : p->name,
				       what);
		else
			n = cells_catf(buf, n, sizeof(buf), _("; nodes: %s %s"),
				       p->node ? p->node : p->name, what);
		if (p->waiting_reason[0] || (strcmp(m, "?") != 0 && strcmp(m, mode) != 0))
			warn = true;
	}
	if (k->local_mode[0] || k->kube_ipvs0)
		n = cells_catf(buf, n, sizeof(buf), _("; this node: %s%s"),
			       k->local_mode[0] ? k->local_mode : "?",
			       k->kube_ipvs0 ? _(" (kube-ipvs0 present)") : "");
	/* What kube-proxy was told beside what the kernel has. */
	struct kube_timeout_cmp cmp[3];
	if (kube_compare_timeouts(k, s, cmp))
		for (int i = 0; i < 3; i++)
			if (cmp[i].mismatch) {
				n = cells_catf(buf, n, sizeof(buf),
					       _("; %s timeout configured %lds, kernel %lds"),
					       cmp[i].name, cmp[i].configured, cmp[i].kernel);
				warn = true;
			}
	long ign, ann;
	if (kube_strict_arp_mismatch(k, s, &ign, &ann)) {
		n = cells_catf(buf, n, sizeof(buf),
			       _("; strictARP but arp_ignore=%ld arp_announce=%ld"), ign, ann);
		warn = true;
	}
	add(t, warn, buf);
	/* kube-proxy's health here: next to its line when it warns, else after the drift. */
	char health[KUBE_TEXT_LEN];
	bool hwarn = false, have_health = kube_text_local_health(k, s, health, &hwarn);
	if (have_health && hwarn)
		add(t, true, health);
	if (k->minor >= 35 && strcmp(mode, "ipvs") == 0)
		add(t, true,
		    _("IPVS mode is deprecated from Kubernetes 1.35 (KEP-5495): plan a move to "
		      "nftables"));

	const struct kube_join *j = kv->j;
	if (j)
		add_drift(t, j);
	if (have_health && !hwarn)
		add(t, false, health);
}

static void add_drift(struct kube_text *t, const struct kube_join *j)
{
	char line[KUBE_TEXT_LEN];
	t->drift = j->n_missing + j->n_extra + j->n_unowned + j->n_unserved + j->n_sched +
		   j->n_affinity;
	snprintf(line, sizeof(line),
		 _("Drift: %zu endpoints missing, %zu real servers unexplained, %zu draining, "
		   "%zu virtual services unowned, %zu Services without one, %zu scheduler and "
		   "%zu affinity mismatches"),
		 j->n_missing, j->n_extra, j->n_drain, j->n_unowned, j->n_unserved, j->n_sched,
		 j->n_affinity);
	add(t, t->drift > 0, line);
}

const char *kube_text_owner(const struct kube_view *kv, size_t i, char *buf, size_t len)
{
	buf[0] = '\0';
	if (!kv || !kv->j || i >= kv->j->n_owners || kv->j->owners[i].service < 0)
		return buf;
	return kube_join_owner_label(kv->k, &kv->j->owners[i], buf, len);
}

const char *kube_text_pod(const struct kube_view *kv, size_t i, size_t j, char *buf, size_t len)
{
	return kube_text_endpoint(kv ? kv->k : NULL, kv && kv->j ? kube_join_rs(kv->j, i, j) : NULL,
				  buf, len);
}

const char *kube_text_endpoint(const struct kube_state *k, const struct kube_rs_ref *r,
			       char *buf, size_t len)
{
	buf[0] = '\0';
	if (!k || !r || r->slice < 0 || r->endpoint < 0)
		return buf;
	const struct kube_endpoint *e = &k->slices[r->slice].endpoints[r->endpoint];
	snprintf(buf, len, "%s%s%s%s", e->pod ? e->pod : "?", e->node ? " @" : "",
		 e->node ? e->node : "",
		 e->terminating ? _(" terminating") : !e->ready ? _(" not ready") : "");
	return buf;
}

bool kube_text_service_drift(const struct kube_view *kv, size_t i)
{
	return kv && kv->vs_drift && kv->j && i < kv->j->n_owners && kv->vs_drift[i];
}
