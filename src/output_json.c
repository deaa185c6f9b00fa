/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Streams a snapshot as JSON; machine output, so nothing here is translated. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>

#include "json_writer.h"
#include "output_json.h"
#include "output_dataplane.h"
#include "output_kp.h"
#include "output_kube.h"
#include "rates.h"

static void write_stats(struct jw *w, const struct ipvs_stats *st)
{
	if (w->partial) {
		jw_null(w, "stats");
		jw_null(w, "rates");
		return;
	}
	jw_u64_object(w, "stats", (const struct jw_u64_member[]){
		{"conns", st->conns}, {"inpkts", st->inpkts}, {"outpkts", st->outpkts},
		{"inbytes", st->inbytes}, {"outbytes", st->outbytes}, {NULL, 0}});
	jw_u64_object(w, "rates", (const struct jw_u64_member[]){
		{"cps", st->cps}, {"inpps", st->inpps}, {"outpps", st->outpps},
		{"inbps", st->inbps}, {"outbps", st->outbps}, {NULL, 0}});
}

/* Rates ipvstop computed from the previous snapshot; null for a new object or first read. */
static void write_computed(struct jw *w, const struct ipvs_stats *prev,
			   const struct ipvs_stats *cur, double dt)
{
	struct ipvs_rates r;
	if (w->partial || !prev || !rates_compute(prev, cur, dt, &r)) {
		jw_null(w, "computed_rates");
		return;
	}
	jw_open(w, "computed_rates", '{');
	jw_double(w, "cps", r.cps);
	jw_double(w, "inpps", r.inpps);
	jw_double(w, "outpps", r.outpps);
	jw_double(w, "inbps", r.inbps);
	jw_double(w, "outbps", r.outbps);
	jw_close(w, '}');
}

static const char *af_name(int af)
{
	return af == AF_INET6 ? "inet6" : "inet";
}

static const char *tun_type_name(uint8_t t)
{
	switch (t) {
	case 0:
		return "ipip";
	case 1:
		return "gue";
	case 2:
		return "gre";
	default:
		return "unknown";
	}
}

static void write_dest(struct jw *w, const struct ipvs_dest *d, const struct ipvs_dest *pd,
		       double dt, const struct kube_view *kv, size_t si, size_t di)
{
	char buf[64];
	jw_open(w, NULL, '{');
	jw_string(w, "af", af_name(d->af));
	jw_string(w, "address", ipvs_addr_str(d->af, &d->addr, buf, sizeof(buf)));
	jw_u64(w, "port", d->port);
	jw_string(w, "forward", ipvs_fwd_name(d->fwd));
	jw_i64(w, "weight", d->weight);
	if (w->partial) {
		jw_null(w, "upper_threshold");
		jw_null(w, "lower_threshold");
	} else {
		jw_u64(w, "upper_threshold", d->u_thresh);
		jw_u64(w, "lower_threshold", d->l_thresh);
	}
	jw_u64(w, "active_conns", d->active_conns);
	jw_u64(w, "inactive_conns", d->inactive_conns);
	if (w->partial)
		jw_null(w, "persistent_conns");
	else
		jw_u64(w, "persistent_conns", d->persist_conns);
	if (w->partial) {
		jw_null(w, "tun_type");
		jw_null(w, "tun_port");
		jw_null(w, "tun_flags");
	} else if (d->fwd == IPVS_FWD_TUNNEL) {
		jw_string(w, "tun_type", tun_type_name(d->tun_type));
		jw_u64(w, "tun_port", d->tun_port);
		jw_u64(w, "tun_flags", d->tun_flags);
	} else {
		jw_null(w, "tun_type");
		jw_u64(w, "tun_port", 0);
		jw_u64(w, "tun_flags", 0);
	}
	write_stats(w, &d->stats);
	write_computed(w, pd ? &pd->stats : NULL, &d->stats, dt);
	if (kv)
		output_kube_dest_label(w, kv, si, di);
	jw_close(w, '}');
}

static void write_flags(struct jw *w, uint32_t flags)
{
	static const struct {
		uint32_t bit;
		const char *name;
	} names[] = {
		{IPVS_SVC_PERSISTENT, "persistent"}, {IPVS_SVC_HASHED, "hashed"},
		{IPVS_SVC_ONEPACKET, "one-packet"},  {IPVS_SVC_SCHED1, "sh-fallback"},
		{IPVS_SVC_SCHED2, "sh-port"},        {IPVS_SVC_SCHED3, "sched-flag-3"},
	};
	jw_open(w, "flags", '[');
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (flags & names[i].bit)
			jw_string(w, NULL, names[i].name);
	jw_close(w, ']');
}

static void write_service(struct jw *w, const struct snapshot *s, size_t si,
			  const struct snapshot *prev, const struct ipvs_service *psvc, double dt,
			  const struct kube_view *kv)
{
	const struct ipvs_service *svc = snapshot_service(s, si);
	char buf[64];
	jw_open(w, NULL, '{');
	jw_string(w, "af", af_name(svc->af));
	if (svc->fwmark) {
		jw_null(w, "protocol");
		jw_null(w, "address");
		jw_u64(w, "port", 0);
	} else {
		jw_string(w, "protocol", ipvs_proto_name(svc->protocol));
		jw_string(w, "address", ipvs_addr_str(svc->af, &svc->addr, buf, sizeof(buf)));
		jw_u64(w, "port", svc->port);
	}
	jw_u64(w, "fwmark", svc->fwmark);
	jw_string(w, "scheduler", svc->sched);
	write_flags(w, svc->flags);
	jw_u64(w, "timeout", (svc->flags & IPVS_SVC_PERSISTENT) ? svc->timeout : 0);
	jw_i64(w, "netmask_prefix", service_netmask_prefix(svc));
	jw_string(w, "pe", w->partial ? NULL : svc->pe);
	write_stats(w, &svc->stats);
	/* Each row over its own interval: a live feed re-reads big tables a part at a time. */
	double ddt = rates_row_dt(svc->dests_mono, psvc ? psvc->dests_mono : 0, dt);
	write_computed(w, psvc ? &psvc->stats : NULL, &svc->stats,
		       rates_row_dt(snapshot_stats_mono(s, svc),
				    psvc ? snapshot_stats_mono(prev, psvc) : 0, dt));
	if (kv)
		output_kube_service_label(w, kv, si);
	/* An empty list must not be mistaken for "no real servers" when the read failed. */
	jw_bool(w, "destinations_known", svc->dests_known);
	jw_open(w, "destinations", '[');
	for (size_t i = 0; i < svc->n_dests; i++)
		write_dest(w, &svc->dests[i], psvc ? rates_find_dest(psvc, &svc->dests[i], i) : NULL,
			   ddt, kv, si, i);
	jw_close(w, ']');
	jw_close(w, '}');
}

static void write_daemon(struct jw *w, const void *elem, const void *arg)
{
	const struct ipvs_daemon *d = elem;
	char buf[64];
	jw_string(w, "state", d->state);
	jw_string(w, "mcast_ifn", d->mcast_ifn);
	jw_u64(w, "syncid", d->syncid);
	jw_u64(w, "sync_maxlen", d->sync_maxlen);
	jw_string(w, "mcast_group",
		  d->mcast_af ? ipvs_addr_str(d->mcast_af, &d->mcast_group, buf, sizeof(buf))
			      : NULL);
	jw_u64(w, "mcast_port", d->mcast_port);
	jw_u64(w, "mcast_ttl", d->mcast_ttl);
}

static void write_daemons(struct jw *w, const struct snapshot *s)
{
	/* /proc cannot show sync daemons: an empty list would claim none run. */
	if (w->partial)
		jw_null(w, "daemons");
	else
		jw_objects(w, "daemons", s->daemons, s->n_daemons, sizeof(s->daemons[0]),
			   write_daemon, NULL);
}

static void write_counts(struct jw *w, const char *key, const struct ipvs_conn_count *c,
			 size_t n)
{
	jw_open(w, key, '{');
	for (size_t i = 0; i < n; i++)
		jw_u64(w, c[i].key, c[i].count);
	jw_close(w, '}');
}

static void write_conn(struct jw *w, const void *elem, const void *arg)
{
	const struct ipvs_conn *c = elem;
	char buf[64];
	jw_string(w, "protocol", c->protocol);
	jw_string(w, "client", ipvs_addr_str(c->af, &c->client, buf, sizeof(buf)));
	jw_u64(w, "client_port", c->client_port);
	jw_string(w, "virtual", ipvs_addr_str(c->af, &c->virt, buf, sizeof(buf)));
	jw_u64(w, "virtual_port", c->virt_port);
	jw_string(w, "destination",
		  ipvs_addr_str(c->dest_af ? c->dest_af : c->af, &c->dest, buf, sizeof(buf)));
	jw_u64(w, "destination_port", c->dest_port);
	jw_string(w, "state", c->state);
	jw_u64(w, "expires", c->expires);
}

static void write_conns(struct jw *w, const struct ipvs_conn_table *t)
{
	jw_open(w, "connections", '{');
	jw_u64(w, "total", t->total);
	jw_bool(w, "truncated", t->truncated);
	jw_objects(w, "entries", t->conns, t->n_conns, sizeof(t->conns[0]), write_conn, NULL);
	write_counts(w, "by_service", t->by_service, t->n_by_service);
	write_counts(w, "by_destination", t->by_dest, t->n_by_dest);
	write_counts(w, "by_state", t->by_state, t->n_by_state);
	jw_close(w, '}');
}

static void write_ipvs(struct jw *w, const struct snapshot *s, const struct snapshot *prev,
		       const struct kube_view *kv)
{
	char ver[32];
	jw_open(w, "ipvs", '{');
	jw_bool(w, "available", s->ipvs_available);
	jw_string(w, "error", s->ipvs_error[0] ? s->ipvs_error : NULL);
	jw_string(w, "source", s->source == IPVS_SOURCE_NETLINK ? "netlink"
			       : s->source == IPVS_SOURCE_PROC  ? "proc"
								: NULL);
	if (s->version) {
		snprintf(ver, sizeof(ver), "%u.%u.%u", s->version >> 16, (s->version >> 8) & 0xff,
			 s->version & 0xff);
		jw_string(w, "version", ver);
	} else {
		jw_null(w, "version");
	}
	jw_u64(w, "conn_tab_size", s->conn_tab_size);
	if (s->timeouts_known) {
		jw_u64_object(w, "timeouts",
			      (const struct jw_u64_member[]){{"tcp", s->timeout_tcp},
							     {"tcp_fin", s->timeout_tcp_fin},
							     {"udp", s->timeout_udp},
							     {NULL, 0}});
	} else {
		jw_null(w, "timeouts");
	}
	write_daemons(w, s);

	double dt = prev ? s->mono - prev->mono : 0;
	struct rates_index *ix = prev ? rates_index_new(prev) : NULL;
	jw_open(w, "services", '[');
	for (size_t i = 0; i < s->n_services; i++)
		write_service(w, s, i, prev,
			      ix ? rates_index_find(ix, snapshot_service(s, i)) : NULL, dt, kv);
	jw_close(w, ']');
	rates_index_free(ix);
	jw_close(w, '}');
}

int output_json(FILE *f, const struct snapshot *s, const struct snapshot *prev,
		const struct kube_view *kv)
{
	struct jw w;
	jw_init(&w, f);
	w.partial = s->source == IPVS_SOURCE_PROC;
	jw_open(&w, NULL, '{');
	jw_u64(&w, "schema", IPVSTOP_JSON_SCHEMA);
	jw_double(&w, "time", s->time);
	jw_string(&w, "host", s->host);
	if (prev)
		jw_double(&w, "interval", s->mono - prev->mono);
	else
		jw_null(&w, "interval");
	write_ipvs(&w, s, prev, kv);
	if (s->have_conns)
		write_conns(&w, &s->conns);
	if (kv)
		output_kube_section(&w, kv, s);
	if (s->dp)
		output_dataplane_section(&w, s, kv);
	output_cost_json(&w, s, kv);
	jw_open(&w, "modules", '[');
	for (size_t i = 0; i < s->n_modules; i++) {
		jw_open(&w, NULL, '{');
		jw_string(&w, "name", s->modules[i].name);
		jw_string(&w, "state", module_state_name(s->modules[i].state));
		jw_close(&w, '}');
	}
	jw_close(&w, ']');
	jw_open(&w, "sysctls", '{');
	for (size_t i = 0; i < s->n_sysctls; i++) {
		if (s->sysctls[i].present)
			jw_i64(&w, s->sysctls[i].name, s->sysctls[i].value);
		else
			jw_null(&w, s->sysctls[i].name);
	}
	jw_close(&w, '}');
	jw_close(&w, '}');
	int err = jw_finish(&w);
	if (err)
		return err;
	fputc('\n', f);
	if (fflush(f) != 0 || ferror(f))
		return -(errno ? errno : EIO);
	return 0;
}
