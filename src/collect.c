/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Fills a snapshot from the kernel sources, choosing netlink or the /proc fallback. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cancel.h"
#include "clock.h"
#include "collect.h"
#include "ipvs_nl.h"
#include "ipvs_proc.h"
#include "modules.h"
#include "nls.h"
#include "sysctls.h"
#include "trace.h"

struct collector {
	struct collect_opts opts;
	struct ipvs_nl *nl;
	unsigned cancel; /* CANCEL_* bits (cancel.h), set and cleared from any thread */
	struct dataplane *dp; /* the last data-plane read (a reference), NULL before one */
	double dp_mono;       /* when it was read */
};

struct collector *collector_new(const struct collect_opts *opts)
{
	struct collector *c = calloc(1, sizeof(*c));
	if (c)
		c->opts = *opts;
	return c;
}

void collector_free(struct collector *c)
{
	if (!c)
		return;
	ipvs_nl_close(c->nl);
	dataplane_unref(c->dp);
	free(c);
}

static void proc_path(const struct collector *c, const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", c->opts.proc_net ? c->opts.proc_net : "/proc/net", name);
}

/* Drops what a failed read left behind, so a half-read table is never shown as whole. */
static void clear_services(struct snapshot *s)
{
	snapshot_clear_services(s);
}

static int read_proc(struct collector *c, struct snapshot *s)
{
	char path[512];
	proc_path(c, "ip_vs", path, sizeof(path));
	int err = ipvs_proc_read_services(path, s);
	if (err == 0) {
		s->source = IPVS_SOURCE_PROC;
		s->ipvs_available = true;
	} else {
		clear_services(s);
	}
	return err;
}

/* dests: read every service's destinations too, or leave them pending (netlink only). */
static void read_ipvs(struct collector *c, struct snapshot *s, bool dests)
{
	int err = 0;

	if (c->opts.source != COLLECT_PROC) {
		if (!c->nl && !(err = ipvs_nl_open(&c->nl)))
			ipvs_nl_set_cancel(c->nl, &c->cancel);
		trace_mark(err ? "collect: netlink open failed" : "collect: netlink open");
		if (!err) {
			err = dests ? ipvs_nl_read(c->nl, s) : ipvs_nl_read_services(c->nl, s);
			if (err)
				trace_mark("collect: table read failed (%d)", err);
			else
				trace_mark("collect: table read, %zu services", s->n_services);
			if (trace_on()) {
				unsigned long dg;
				unsigned long long bytes;
				ipvs_nl_main_counts(c->nl, &dg, &bytes);
				trace_mark(
				    "collect: %lu datagrams, %llu bytes on the dump socket so far",
				    dg, bytes);
			}
			if (err == 0) {
				s->source = IPVS_SOURCE_NETLINK;
				s->ipvs_available = true;
				return;
			}
			clear_services(s);
			s->n_daemons = 0;
			/* The family goes away with rmmod ip_vs: open anew next time. */
			ipvs_nl_close(c->nl);
			c->nl = NULL;
		}
		if (c->opts.source == COLLECT_NETLINK || (err != -EPERM && err != -EACCES)) {
			s->ipvs_available = false;
			if (err == -ENOENT)
				snprintf(s->ipvs_error, sizeof(s->ipvs_error), "%s",
					 _("IPVS is not available: the kernel has no ip_vs module "
					   "loaded (try: modprobe ip_vs)"));
			else if (err == -EPERM || err == -EACCES)
				snprintf(s->ipvs_error, sizeof(s->ipvs_error), "%s",
					 _("reading IPVS over netlink needs CAP_NET_ADMIN "
					   "(run as root)"));
			else
				snprintf(s->ipvs_error, sizeof(s->ipvs_error),
					 _("reading IPVS over netlink failed: %s"), strerror(-err));
			return;
		}
	}

	err = read_proc(c, s);
	if (err == 0) {
		if (c->opts.source != COLLECT_PROC)
			snprintf(s->ipvs_error, sizeof(s->ipvs_error), "%s",
				 _("no CAP_NET_ADMIN: read-only view from /proc/net/ip_vs "
				   "(no per-service counters, timeouts or sync daemons)"));
		return;
	}
	s->ipvs_available = false;
	if (err == -ENOENT)
		snprintf(s->ipvs_error, sizeof(s->ipvs_error), "%s",
			 _("IPVS is not available: /proc/net/ip_vs does not exist "
			   "(the ip_vs module is not loaded)"));
	else
		snprintf(s->ipvs_error, sizeof(s->ipvs_error), _("reading /proc/net/ip_vs failed: %s"),
			 strerror(-err));
}

static void read_head(struct snapshot *s)
{
	s->time = clock_seconds(CLOCK_REALTIME);
	s->mono = clock_seconds(CLOCK_MONOTONIC);
	if (gethostname(s->host, sizeof(s->host) - 1) != 0)
		snprintf(s->host, sizeof(s->host), "unknown");
}

/* The data planes, read again once the last read is older than the period. */
static int read_dataplane(struct collector *c, struct snapshot *s)
{
	const struct dataplane_opts *o = &c->opts.dataplane;
	if (!o->nftables && !o->iptables && !o->ipsets && !o->kube_ipvs0)
		return 0;
	double now = clock_seconds(CLOCK_MONOTONIC);
	/* At most 5% of the time: a read that took 2 s is reused for 40 s. */
	double period = dataplane_reuse_seconds(c->dp, c->opts.dataplane_period);
	if (!c->dp || now - c->dp_mono >= period) {
		struct dataplane *dp;
		if (dataplane_read(o, &dp) != 0)
			return -ENOMEM;
		dataplane_unref(c->dp);
		c->dp = dp;
		c->dp_mono = now;
	}
	s->dp = dataplane_ref(c->dp);
	return 0;
}

/* Totals, connections, modules, sysctls: what every read has besides the table. */
static int read_tail(struct collector *c, struct snapshot *s)
{
	char path[512];
	if (s->ipvs_available) {
		proc_path(c, "ip_vs_stats", path, sizeof(path));
		s->totals_known = ipvs_proc_read_stats(path, &s->totals) == 0;
	}
	if (s->ipvs_available && c->opts.connections) {
		proc_path(c, "ip_vs_conn", path, sizeof(path));
		if (ipvs_proc_read_conns(path, c->opts.conn_limit, &s->conns, &c->cancel) == 0)
			s->have_conns = true;
	}
	trace_mark("collect: totals read");
	if (modules_read(NULL, NULL, s) == -ENOMEM)
		return -ENOMEM;
	trace_mark("collect: modules read");
	if (sysctls_read(NULL, s) == -ENOMEM)
		return -ENOMEM;
	trace_mark("collect: sysctls read");
	return read_dataplane(c, s);
}

int collector_read(struct collector *c, struct snapshot *s)
{
	memset(s, 0, sizeof(*s));
	read_head(s);
	read_ipvs(c, s, true);
	return read_tail(c, s);
}

int collector_read_start(struct collector *c, struct snapshot *s)
{
	memset(s, 0, sizeof(*s));
	read_head(s);
	read_ipvs(c, s, false);
	return read_tail(c, s);
}

int collector_read_header(struct collector *c, struct snapshot *s)
{
	if (!c->nl || s->source != IPVS_SOURCE_NETLINK)
		return -EINVAL;
	free(s->modules);
	free(s->sysctls);
	s->modules = NULL;
	s->sysctls = NULL;
	s->n_modules = s->n_sysctls = 0;
	ipvs_conn_table_free(&s->conns);
	s->have_conns = false;
	s->totals_known = false;
	dataplane_unref(s->dp);
	s->dp = NULL;
	read_head(s);
	int err = ipvs_nl_read_header(c->nl, s);
	if (err) {
		collector_drop(c);
		return err;
	}
	return read_tail(c, s);
}

int collector_dump_services(struct collector *c,
			    int (*each)(void *arg, const struct ipvs_service *svc), void *arg)
{
	int err = c->nl ? ipvs_nl_dump_services(c->nl, each, arg) : -EINVAL;
	if (err)
		collector_drop(c);
	return err;
}

int collector_read_service(struct collector *c, struct ipvs_service *svc, bool stats)
{
	if (!c->nl)
		return -EINVAL;
	int err = stats ? ipvs_nl_read_service(c->nl, svc) : 0;
	if (!err)
		err = ipvs_nl_read_dests(c->nl, svc);
	if (err && err != -ESRCH)
		collector_drop(c);
	return err;
}

void collector_drop(struct collector *c)
{
	ipvs_nl_close(c->nl);
	c->nl = NULL;
}

void collector_cancel(struct collector *c, unsigned what)
{
	cancel_set(&c->cancel, what);
}

void collector_uncancel(struct collector *c, unsigned what)
{
	cancel_clear(&c->cancel, what);
}

void collector_set_connections(struct collector *c, bool on)
{
	c->opts.connections = on;
}
