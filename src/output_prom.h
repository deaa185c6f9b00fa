/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The node's table and its health in Prometheus' text exposition format (0.0.4), streamed. */
#ifndef IPVSTOP_OUTPUT_PROM_H
#define IPVSTOP_OUTPUT_PROM_H

#include <stddef.h>
#include <stdio.h>

#include "snapshot.h"

struct kube_view; /* kube_side.h */

/* The Content-Type of what output_prom writes. */
#define PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

struct prom_opts {
	/*
	 * At most this many real servers get series (the busiest by active connections, then
	 * by address, port and virtual service: the same choice on every scrape of the same
	 * table); the others are counted in ipvstop_real_server_series_dropped. 0: no bound.
	 */
	size_t max_real_server_series;
	/* This node's name in the cluster (--node, else the host name); NULL: s->host. */
	const char *node;
};

/*
 * Writes s (and kv's join of it with the cluster; kv may be NULL: no cluster) to f as one
 * Prometheus text document: every metric family in one group, HELP and TYPE first, label
 * values escaped (\\, \", \n; bytes that are not UTF-8 as U+FFFD). Streamed through a 64 KiB
 * buffer: no tree; O(real servers) time, plus a sort of them when the bound applies; memory
 * O(real servers) only then. No secret is ever written (no credentials, no server URL, no
 * error text). s and kv are only read, but must stay unchanged until it returns (kv's join
 * refers to s by index: a kv from kube_side_update is valid until its next update); kv's
 * joins are used only when they are of s (and of s->dp). doc/metrics.md lists the metrics.
 * Returns 0, -ENOMEM (nothing written), or -errno of f (the document is then cut short).
 */
int output_prom(FILE *f, const struct snapshot *s, const struct kube_view *kv,
		const struct prom_opts *o);

#endif
