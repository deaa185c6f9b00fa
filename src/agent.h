/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * ipvstop --serve: this node read as the dashboard reads it, served read-only over HTTPS to
 * whom Kubernetes RBAC allows (doc/agent.md). No action code is linked into its path: it
 * reads, joins and renders, nothing else.
 */
#ifndef IPVSTOP_AGENT_H
#define IPVSTOP_AGENT_H

#include <signal.h>
#include <stddef.h>
#include <stdio.h>

#include "collect.h"
#include "kube_side.h"

#define AGENT_DEFAULT_PORT 9774

struct agent_opts {
	const char *listen;             /* "[ADDR:]PORT": ":9774", "10.0.0.5:9774", "[::1]:9774" */
	const char *tls_cert, *tls_key; /* PEM files; both NULL: a self-signed pair */
	const char *client_ca;		/* readers' client certificates; NULL: the cluster's CA */
	const char *token_audience;	/* readers' tokens may be for it ("ipvstop"); "": no */
	double interval;                /* seconds between reads */
	struct collect_opts collect;
	struct kube_side_opts kube;
	double kube_wait;
	FILE *replay;                   /* serve a recording instead of the kernel (tests) */
	size_t max_rs_series;           /* /metrics: real servers kept at most (0: none) */
	size_t max_connections;         /* clients served at once */
};

/*
 * Serves until *stop is set. Returns the exit status: 0, 1 when it could not start (a
 * message on stderr says why: the address, the certificate, no Kubernetes credentials to
 * check readers with).
 */
int agent_run(const struct agent_opts *o, volatile sig_atomic_t *stop);

#endif
