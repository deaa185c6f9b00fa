/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The cluster view's data: a thread that polls every node's agent for its digest
 * (GET /snapshot?summary=1, directly on the node's InternalIP or through the API server's
 * pods/proxy) with bounded concurrency and timeouts, and publishes one row per node,
 * ordered problems first, through a mailbox.
 */
#ifndef IPVSTOP_CLUSTER_H
#define IPVSTOP_CLUSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "digest.h"
#include "kube_config.h"
#include "kube_http.h"
#include "kube_model.h"

#define CLUSTER_AGENT_PORT 9774
#define CLUSTER_AGENT_NAMESPACE "kube-system"
#define CLUSTER_AGENT_LABEL "app.kubernetes.io/name=ipvstop-agent"
/* Requests in flight at once, and at most this many of them to nodes that failed last. */
#define CLUSTER_MAX_INFLIGHT 32
#define CLUSTER_MAX_INFLIGHT_FAILING 16
#define CLUSTER_CONNECT_MS 1000L
#define CLUSTER_TIMEOUT_MS 3000L
/*
 * A node whose agent stops answering still shows its last digest as ok until two polls in
 * a row failed or its last answer is this old: so it is marked unreachable at most
 * max(CLUSTER_STALE_AFTER, interval + CLUSTER_TIMEOUT_MS) after its last answer.
 */
#define CLUSTER_STALE_AFTER 5.0
/* Nodes past this many are left out (said in the view); Kubernetes' own limit is 5,000. */
#define CLUSTER_MAX_NODES 5000
/* pods/proxy requests started per second at most: the load put on the API server. */
#define CLUSTER_PROXY_PER_SECOND 50
/*
 * Polls per second to all agents together at most: a node is polled every max(interval,
 * nodes / this) seconds. Each poll of an agent whose connection was not kept costs a TLS
 * handshake: 250 polls a second took 42% of a core here, 100 about a sixth.
 */
#define CLUSTER_AGENT_PER_SECOND 100

enum cluster_state {
	CLUSTER_OK = 0,
	CLUSTER_UNREACHABLE,  /* no connection, or no answer in time */
	CLUSTER_UNAUTHORIZED, /* 401: the agent did not accept the credential */
	CLUSTER_FORBIDDEN,    /* 403: RBAC said no (get nodes/ipvstop, or pods/proxy) */
	CLUSTER_BAD_ANSWER,   /* an answer that is not a digest: garbage, truncated, too big */
	CLUSTER_NO_AGENT,     /* no agent pod on the node: what the API says is shown */
	CLUSTER_WAITING,      /* not polled yet */
	CLUSTER_N_STATES
};

enum cluster_path { CLUSTER_PATH_DIRECT = 0, CLUSTER_PATH_PROXY, CLUSTER_PATH_AUTO };

/* "ok", "unreachable", ... as -j writes them (never translated). */
const char *cluster_state_name(enum cluster_state s);
/* The same in words for people (translated). */
const char *cluster_state_text(enum cluster_state s);
/* "direct", "proxy", "auto". */
const char *cluster_path_name(enum cluster_path p);

/* kube-proxy's pod on the node as the API server says (kube_sync's list). */
struct cluster_kube_proxy {
	bool known;          /* a kube-proxy pod is on the node */
	char pod[128];
	bool ready;
	uint32_t restarts;
	char waiting[64];    /* "CrashLoopBackOff", ... or "" */
	char phase[16];
	char log_mode[16];   /* the mode its log says it runs, "" unknown */
};

/* One node as the views draw it: every string ready (terminal-safe, translated). */
struct cluster_row {
	char node[256];
	char addr[64];        /* the address polled directly (its first InternalIP), "" none */
	char agent_pod[128];  /* the agent's pod, "" none known */
	enum cluster_state state;
	enum cluster_path path; /* of the last answer (or attempt) */
	char error[256];      /* why the state is not ok, "" when ok */
	double latency;       /* seconds the last answer took; NAN none */
	double last_ok;       /* Unix time of the last good digest; 0 never */
	int severity;         /* order: higher first; see cluster_row_rank */
	char problem[160];    /* the worst problem in words, "" fine */
	bool have_digest;     /* d is the last good digest (older than the state when not ok) */
	struct digest d;
	struct cluster_kube_proxy kp;
};

/* What the poller publishes: owned by whoever took it (cluster_view_free). */
struct cluster_view {
	double time;          /* Unix time it was made */
	bool complete;        /* every node was polled at least once */
	struct cluster_row *rows; /* ordered: problems first, then by name */
	size_t n_rows;
	size_t n_left_out;    /* nodes past CLUSTER_MAX_NODES */
	size_t counts[CLUSTER_N_STATES];
	char configured_mode[16]; /* kube-proxy's, cluster-wide; "" unknown */
	enum cluster_path path;   /* --agent-path */
	bool verified;        /* --agent-ca: agents' certificates are checked */
	/* Why the view is partial: no credentials, the pod list refused, ... ("" none). */
	char note[256];
	char pods_error[256]; /* the agent pod list's last error, "" none */
};

void cluster_view_free(struct cluster_view *v);
/* Deep copy. 0 or -ENOMEM (dst then empty). */
int cluster_view_copy(struct cluster_view *dst, const struct cluster_view *src);

struct cluster_opts {
	struct kube_config_opts config; /* the kubeconfig's credentials are sent to agents */
	int port;                /* the agents' port; 0: CLUSTER_AGENT_PORT */
	const char *agent_ca;    /* verify agents' certificates with this CA; NULL: not verified */
	enum cluster_path path;
	double interval;         /* seconds between polls of one node (<= 0: 2), at least
				    nodes / CLUSTER_AGENT_PER_SECOND */
	long connect_ms, timeout_ms; /* 0: CLUSTER_CONNECT_MS, CLUSTER_TIMEOUT_MS (tests) */
};

struct cluster;

/* Loads the credentials and starts the thread; NULL only on ENOMEM. */
struct cluster *cluster_start(const struct cluster_opts *o);
void cluster_stop(struct cluster *c);
/*
 * The nodes to poll and what the API says of them, from the newest kube_state (copied; k
 * stays the caller's). Until the first call nothing is polled.
 */
void cluster_set_nodes(struct cluster *c, const struct kube_state *k);
/* Readable when a newer view waits. */
int cluster_fd(const struct cluster *c);
/* The newest view into *out (the caller frees it); false if none is new. */
bool cluster_take(struct cluster *c, struct cluster_view *out);
/* Waits until every node was polled once (a complete view was published), at most timeout s. */
bool cluster_wait(struct cluster *c, double timeout);

/* ---- pure parts, for the thread and the tests ---- */

/* What one request to an agent ended with (kube_reply's fields). */
struct cluster_answer {
	long status;
	const char *body;
	size_t len;
	const char *error;
	bool too_big, connected;
};

/*
 * What an answer says: the node's state, its digest into *d when CLUSTER_OK, and why in
 * err (translated, terminal-safe) otherwise. via_proxy: the answer came through the API
 * server (a 503 there is the pod not reachable).
 */
enum cluster_state cluster_classify(const struct cluster_answer *a, bool via_proxy,
				    struct digest *d, char *err, size_t errlen);

/*
 * A pod name as Kubernetes allows it (a DNS subdomain: a-z, 0-9, '-', '.', at most 253):
 * it goes into a pods/proxy URL as it is, so an agent pod named otherwise (a broken or
 * hostile answer) is left out.
 */
bool cluster_pod_name_ok(const char *name);

/* Sets row->severity and row->problem from its state, digest and kube-proxy pod. */
void cluster_row_rank(struct cluster_row *row);
/* Sorts rows: nodes not read first, then higher severity, then by name. */
void cluster_rows_sort(struct cluster_row *rows, size_t n);

/* A row's columns as text, for the batch table and the dashboard (terminal-safe). */
struct cluster_cells {
	char state[48];      /* "ok", "unreachable", "ok (proxy)" */
	char kube_proxy[40]; /* configured/running mode: "ipvs/ipvs", "?" unknown */
	char planes[64];     /* data planes present, the running one starred: "ipvs*,nftables" */
	char rules[32];      /* frontends/endpoints of the running plane (IPVS: services/reals) */
	char drift[32];      /* missing/stale/unowned */
	char leftovers[16];
	char sync[32];       /* kube-proxy: "CrashLoopBackOff", "hung", "3 failed", "ok, 4s ago", "?" */
	char cps[16];        /* new connections per second, summed over the virtual services */
};
/* configured_mode: the cluster's (cluster_view), for rows without a digest. */
void cluster_row_cells(const struct cluster_row *r, const char *configured_mode,
		       struct cluster_cells *out);

#endif
