/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Another node's tables, from its agent: a thread that fetches its whole /snapshot (schema 1,
 * what -j prints) every interval and hands each one, parsed, to the dashboard through a
 * mailbox, as the feed does with this node's reads. Read-only by construction: it only GETs.
 */
#ifndef IPVSTOP_REMOTE_H
#define IPVSTOP_REMOTE_H

#include <stdbool.h>
#include <stddef.h>

#include "kube_config.h"
#include "snapshot.h"

/* A whole document may be this big: 100,000 real servers make about 42 MB. */
#define REMOTE_MAX_BODY (256u << 20)
#define REMOTE_TIMEOUT_MS 30000L
#define REMOTE_CONNECT_MS 2000L

struct remote_opts {
	struct kube_config_opts config; /* the kubeconfig's credentials are sent to the agent */
	const char *url;	/* https://ADDR:PORT/snapshot: the agent directly, or NULL */
	const char *proxy_path; /* /api/v1/namespaces/.../pods/https:POD:PORT/proxy/snapshot */
	const char *agent_ca;	/* verify the agent's certificate with this CA; NULL: not */
	double interval;	/* seconds between fetches */
};

struct remote;

/* Starts the thread (strings copied). NULL only on ENOMEM. */
struct remote *remote_start(const struct remote_opts *o);
/* Stops it; a fetch under way is cancelled. NULL is a no-op. */
void remote_stop(struct remote *r);
/* Readable when a fetch ended. */
int remote_fd(const struct remote *r);
/*
 * 1: a new snapshot into *s (the caller frees it); -1: the last fetch failed, err says why
 * (no secret); 0: nothing new.
 */
int remote_take(struct remote *r, struct snapshot *s, char *err, size_t errlen);

#endif
