/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Picks the IPVS source (netlink, else /proc read-only) and fills one snapshot from all sources. */
#ifndef IPVSTOP_COLLECT_H
#define IPVSTOP_COLLECT_H

#include <stdbool.h>
#include <stddef.h>
#include "dataplane.h"
#include "snapshot.h"

enum collect_source {
	COLLECT_AUTO = 0, /* netlink, falling back to /proc without CAP_NET_ADMIN */
	COLLECT_NETLINK,
	COLLECT_PROC,
};

struct collect_opts {
	enum collect_source source;
	bool connections;  /* read /proc/net/ip_vs_conn too */
	size_t conn_limit; /* entries kept (all are counted) */
	const char *proc_net; /* directory holding ip_vs* (NULL: /proc/net) */
	/* The node's other data planes (dataplane.h); all false: not read. */
	struct dataplane_opts dataplane;
	/*
	 * Seconds a data-plane read is reused for, at least 20 times what the last read took:
	 * kube-proxy's rules at 10,000 Services take seconds to list (doc/performance.md), too
	 * much for every refresh. 0: every read, unless the last one was slow.
	 */
	double dataplane_period;
};

struct collector;

/* Returns a collector (NULL on ENOMEM). Nothing is opened yet: the first read does it. */
struct collector *collector_new(const struct collect_opts *opts);
void collector_free(struct collector *c);

/*
 * Fills s (zeroed first) from every source. Failures of a source are recorded in s
 * (s->ipvs_available, s->ipvs_error) rather than returned, so that the views show them.
 * The netlink socket is kept open between reads and re-opened after IPVS comes back.
 * Returns 0, or -ENOMEM when nothing useful could be stored.
 */
int collector_read(struct collector *c, struct snapshot *s);

/*
 * For a feed that re-reads a big table a part at a time (feed.c):
 * _start: as collector_read(), but over netlink the services' destinations are left
 *   unread (dests_pending); /proc reads stay whole (one file has them all).
 * _header: re-reads into s (a snapshot of _start's, netlink only) what is not per service:
 *   time, info, timeouts, sync daemons, totals, connections, modules, sysctls. Services
 *   are kept.
 * _dump_services: the service dump, handed to each(arg, svc) one service at a time (as
 *   ipvs_nl_dump_services: stats, no destinations, stats_mono 0).
 * _service: svc's destinations again, and its stats too when stats is set; -ESRCH when
 *   the service is gone.
 * Each returns 0 or -errno; after an error (other than -ESRCH) the socket is closed: start
 * again with _start, which words the error into the snapshot as collector_read() does.
 */
int collector_read_start(struct collector *c, struct snapshot *s);
int collector_read_header(struct collector *c, struct snapshot *s);
int collector_dump_services(struct collector *c,
			    int (*each)(void *arg, const struct ipvs_service *svc), void *arg);
int collector_read_service(struct collector *c, struct ipvs_service *svc, bool stats);
/* Closes the netlink socket (the next read opens a new one). */
void collector_drop(struct collector *c);

/* Turns reading the connection list on or off for the following reads. */
void collector_set_connections(struct collector *c, bool on);
/*
 * From another thread, while a read runs: collector_cancel(c, CANCEL_ALL) ends it soon
 * (the read returns -ECANCELED, or words it into the snapshot, and the socket is closed);
 * CANCEL_CONNS leaves the connection list out of it. The bits stay set until
 * collector_uncancel() (cancel.h).
 */
void collector_cancel(struct collector *c, unsigned what);
void collector_uncancel(struct collector *c, unsigned what);

#endif
