/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A mode switch read back from every node's agent (action_agents.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "action_agents.h"
#include "cluster.h"
#include "clock.h"
#include "nls.h"

struct agent_ref {
	char node[128], pod[128], ip[64];
	bool done, said;
	bool other_mode; /* its last digest said kube-proxy runs another mode there */
	char last[256]; /* what was seen last, said at the end when not done */
};

static const struct digest_plane *plane_named(const struct digest *d, const char *name)
{
	for (size_t i = 0; i < d->n_planes && i < 4; i++)
		if (strcmp(d->planes[i].name, name) == 0)
			return &d->planes[i];
	return NULL;
}

int action_agent_switched(const struct digest *d, const char *mode, char *why, size_t len)
{
	if (strcmp(d->running_mode, mode) != 0) {
		snprintf(why, len, _("kube-proxy runs %s there"),
			 d->running_mode[0] ? d->running_mode : "?");
		return -1;
	}
	const struct digest_plane *p = NULL;
	if (strcmp(mode, "iptables") == 0) {
		const struct digest_plane *n = plane_named(d, "iptables-nft");
		const struct digest_plane *l = plane_named(d, "iptables-legacy");
		p = n && n->present ? n : l && l->present ? l : n;
	} else {
		p = plane_named(d, mode);
	}
	if (!p || !p->present || p->frontends == 0) {
		snprintf(why, len, _("kube-proxy runs %s, but its %s rules are not there (yet)"),
			 mode, p ? p->name : mode);
		return 0;
	}
	snprintf(why, len, _("runs %s: %s has %u frontends, %u endpoints, drift %u"), mode, p->name,
		 p->frontends, p->endpoints, p->drift);
	return 1;
}

/* The agents: pods labelled as deploy/ labels them, with their node and (host) address. */
static size_t list_agents(struct kube_http *h, struct agent_ref *out, size_t max, size_t *all,
			  char *err, size_t errlen)
{
	struct call c;
	size_t n = 0;
	*all = 0;
	err[0] = '\0';
	if (call(h, "GET",
		 "/api/v1/namespaces/" CLUSTER_AGENT_NAMESPACE
		 "/pods?labelSelector=app.kubernetes.io%2Fname%3Dipvstop-agent",
		 NULL, NULL, &c) != 0) {
		snprintf(err, errlen, "%s", strerror(ENOMEM));
		return 0;
	}
	if (c.status != 200)
		call_error(&c, err, errlen);
	cJSON *list = c.status == 200 ? cJSON_Parse(c.body) : NULL;
	call_free(&c);
	const cJSON *item;
	cJSON_ArrayForEach(item, cJSON_GetObjectItemCaseSensitive(list, "items"))
	{
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(item, "metadata"), "name");
		const cJSON *node = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(item, "spec"), "nodeName");
		const cJSON *ip = cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(item, "status"), "podIP");
		if (!cJSON_IsString(name) || !cJSON_IsString(node))
			continue;
		(*all)++;
		if (n >= max)
			continue;
		memset(&out[n], 0, sizeof(out[n]));
		snprintf(out[n].pod, sizeof(out[n].pod), "%s", name->valuestring);
		snprintf(out[n].node, sizeof(out[n].node), "%s", node->valuestring);
		if (cJSON_IsString(ip))
			snprintf(out[n].ip, sizeof(out[n].ip), "%s", ip->valuestring);
		n++;
	}
	cJSON_Delete(list);
	return n;
}

/* One agent's digest: directly at its pod's address (hostNetwork: the node's), else through
 * the API server's pods/proxy. false with why when neither answered with a digest. */
static bool ask_agent(struct kube_http *h, const struct action_env *env, struct agent_ref *a,
		      struct digest *d, char *why, size_t len)
{
	int port = env->agent_port > 0 ? env->agent_port : CLUSTER_AGENT_PORT;
	struct kube_tls tls = {.ca_file = env->agent_ca};
	char url[512], err[256];
	struct call c;
	bool v6 = strchr(a->ip, ':') != NULL;
	int rc = -1;
	if (a->ip[0]) {
		snprintf(url, sizeof(url), "https://%s%s%s:%d/snapshot?summary=1", v6 ? "[" : "",
			 a->ip, v6 ? "]" : "", port);
		rc = call_agent(h, url, NULL, &tls, &c);
	}
	if (rc != 0 || c.status == 0) {
		if (rc == 0)
			call_free(&c);
		snprintf(url, sizeof(url),
			 "/api/v1/namespaces/" CLUSTER_AGENT_NAMESPACE
			 "/pods/https:%s:%d/proxy/snapshot?summary=1",
			 a->pod, port);
		rc = call_agent(h, NULL, url, NULL, &c);
	}
	if (rc != 0) {
		snprintf(why, len, "%s", strerror(-rc));
		return false;
	}
	bool ok = c.status == 200 && digest_parse(c.body, c.len, d, err, sizeof(err)) == 0;
	if (!ok && c.status == 200)
		snprintf(why, len, _("not a digest: %s"), err);
	else if (!ok)
		call_error(&c, why, len);
	call_free(&c);
	return ok;
}

/* One round over the agents not done yet; returns how many are done in all. */
static size_t round_of(struct kube_http *h, const struct action_env *env, const char *mode,
		       struct agent_ref *a, size_t n, const struct action_io *io)
{
	size_t done = 0;
	for (size_t i = 0; i < n; i++) {
		if (!a[i].done) {
			struct digest d;
			char why[256];
			int sw = ask_agent(h, env, &a[i], &d, why, sizeof(why))
					 ? action_agent_switched(&d, mode, why, sizeof(why))
					 : 0;
			a[i].other_mode = sw < 0;
			if (sw > 0) {
				a[i].done = true;
				action_say(io, false, _("Node %s, from its agent: %s."), a[i].node, why);
			}
			snprintf(a[i].last, sizeof(a[i].last), "%s", why);
		}
		done += a[i].done;
	}
	return done;
}

int action_verify_agents(struct kube_http *h, const struct action_env *env, const char *mode,
			 const struct action_io *io)
{
	struct agent_ref *a = calloc(ACTION_AGENTS_MAX, sizeof(*a));
	if (!a)
		return -ENOMEM;
	char err[256];
	size_t all, n = list_agents(h, a, ACTION_AGENTS_MAX, &all, err, sizeof(err));
	if (n == 0 && err[0]) {
		action_say(io, true, _("The nodes' agents could not be listed (%s): not asked."), err);
		free(a);
		return 0;
	}
	if (n == 0) {
		action_say(io, false, "%s",
			   _("No ipvstop agents in the cluster (deploy/): the nodes' rules are "
			     "known from kube-proxy's logs only."));
		free(a);
		return 0;
	}
	if (all > n)
		action_say(io, true, _("Asking the first %zu of %zu agents."), n, all);
	double wait = env->dataplane_wait > 0 ? env->dataplane_wait : 60;
	double end = clock_mono() + wait;
	size_t done = 0;
	int rc = 0;
	while ((done = round_of(h, env, mode, a, n, io)) < n) {
		if (io->cancelled && io->cancelled(io->arg)) {
			rc = -ECANCELED;
			break;
		}
		if (clock_mono() >= end)
			break;
		struct timespec ts = {2, 0};
		nanosleep(&ts, NULL);
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (a[i].done)
			continue;
		/* An agent that says another mode fails the switch; one that is silent is a doubt.
		 */
		action_say(io, true, _("Node %s, from its agent after %.0f s: %s."), a[i].node, wait,
			   a[i].last);
		if (a[i].other_mode)
			rc = -EIO;
	}
	if (rc == 0 && done == n)
		action_say(io, false, _("Every agent (%zu) says its node runs %s."), n, mode);
	free(a);
	return rc;
}
