/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Readers of /proc/net/ip_vs, ip_vs_stats and ip_vs_conn; paths are parameters for tests. */
#ifndef IPVSTOP_IPVS_PROC_H
#define IPVSTOP_IPVS_PROC_H

#include <stddef.h>
#include "snapshot.h"

#define IPVS_PROC_SERVICES "/proc/net/ip_vs"
#define IPVS_PROC_STATS "/proc/net/ip_vs_stats"
#define IPVS_PROC_CONNS "/proc/net/ip_vs_conn"

/*
 * Reads the service table (the read-only fallback without CAP_NET_ADMIN) into s:
 * s->version (from the "IP Virtual Server version x.y.z (size=N)" line), s->conn_tab_size,
 * services with scheduler, persistence, destinations with fwd, weight, active/inactive
 * counts. Per-service counters are not in this file and stay zero.
 * Returns 0, -ENOENT when the file is missing (no IPVS), -EINVAL on a malformed file.
 */
int ipvs_proc_read_services(const char *path, struct snapshot *s);

/* Reads the global totals of ip_vs_stats into *total. Returns 0 or -errno. */
int ipvs_proc_read_stats(const char *path, struct ipvs_stats *total);

/*
 * Reads the connection table, keeping at most limit entries in t->conns but counting all
 * of them into t->total and the per service / per destination / per state aggregates.
 * Returns 0 or -errno. t is zeroed first and owns what it holds (ipvs_conn_table_free).
 */
int ipvs_proc_read_conns(const char *path, size_t limit, struct ipvs_conn_table *t);

#endif
