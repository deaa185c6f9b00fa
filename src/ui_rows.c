/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Which rows the dashboard's panes show: labels, filter, sort, selection, per-snapshot sums. */
#include "config.h"

#include <regex.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "kube_text.h"
#include "nls.h"
#include "snapshot.h"
#include "ui_internal.h"

void ui_rows_service_label(const struct ipvs_service *svc, char *buf, size_t len)
{
	if (svc->fwmark)
		snprintf(buf, len, "%u%s", svc->fwmark, svc->af == AF_INET6 ? " (IPv6)" : "");
	else
		ipvs_hostport_str(svc->af, &svc->addr, svc->port, buf, len);
}

const char *ui_rows_proto_label(const struct ipvs_service *svc)
{
	return svc->fwmark ? "FWM" : ui_rows_proto_name(svc->protocol);
}

const char *ui_rows_proto_name(uint16_t protocol)
{
	switch (protocol) {
	case 6:
		return "TCP";
	case 17:
		return "UDP";
	case 132:
		return "SCTP";
	default:
		return "?";
	}
}

void ui_rows_flags_label(const struct ipvs_service *svc, char *buf, size_t len)
{
	size_t n = 0;
	buf[0] = '\0';
	if ((svc->flags & IPVS_SVC_PERSISTENT) && n < len)
		n += (size_t)snprintf(buf + n, len - n, "%s%u ", _("p"), svc->timeout);
	if ((svc->flags & IPVS_SVC_ONEPACKET) && n < len)
		n += (size_t)snprintf(buf + n, len - n, "ops ");
	if ((svc->flags & IPVS_SVC_SCHED1) && n < len)
		n += (size_t)snprintf(buf + n, len - n, "fb ");
	if ((svc->flags & IPVS_SVC_SCHED2) && n < len)
		n += (size_t)snprintf(buf + n, len - n, "port ");
	if (svc->pe[0] && n < len)
		n += (size_t)snprintf(buf + n, len - n, "%s ", svc->pe);
	if (n > 0 && n <= len)
		buf[n - 1] = '\0';
}

bool ui_rows_match_hostport(const struct ui *u, int af, const struct ipvs_addr *a,
			    uint16_t port)
{
	char label[96];
	ipvs_hostport_str(af, a, port, label, sizeof(label));
	return regexec(&u->re, label, 0, NULL, 0) == 0;
}

static bool service_matches(const struct ui *u, size_t idx)
{
	const struct ipvs_service *svc = snapshot_service(&u->cur, idx);
	if (u->drift_only && !kube_text_service_drift(u->kv, idx))
		return false;
	if (!u->have_re)
		return true;
	char text[600], label[96], flags[64], owner[300];
	ui_rows_service_label(svc, label, sizeof(label));
	ui_rows_flags_label(svc, flags, sizeof(flags));
	kube_text_owner(u->kv, idx, owner, sizeof(owner));
	snprintf(text, sizeof(text), "%s %s %s %s %s", ui_rows_proto_label(svc), label, svc->sched,
		 flags, owner);
	if (regexec(&u->re, text, 0, NULL, 0) == 0)
		return true;
	/* A real server's address finds the services it serves. */
	for (size_t j = 0; j < svc->n_dests; j++)
		if (ui_rows_match_hostport(u, svc->dests[j].af, &svc->dests[j].addr,
					   svc->dests[j].port))
			return true;
	return false;
}

int ui_cmp_addr_port(const struct ipvs_addr *a, int port_a, int proto_a, const struct ipvs_addr *b,
		     int port_b, int proto_b)
{
	int c = memcmp(a->bytes, b->bytes, sizeof(a->bytes));
	if (!c)
		c = port_a - port_b;
	return c ? c : proto_a - proto_b;
}

static int cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

/* The rate a rate key (SORT_CPS .. SORT_OUTBPS) sorts by. */
static uint64_t sort_rate(const struct ipvs_stats *st, enum sort_key key)
{
	switch (key) {
	case SORT_CPS:
		return st->cps;
	case SORT_INPPS:
		return st->inpps;
	case SORT_OUTPPS:
		return st->outpps;
	case SORT_INBPS:
		return st->inbps;
	case SORT_OUTBPS:
		return st->outbps;
	default:
		return 0;
	}
}

static int compare_services(const void *pa, const void *pb, void *arg)
{
	const struct ui *u = arg;
	size_t ia = *(const size_t *)pa, ib = *(const size_t *)pb;
	const struct ipvs_service *a = snapshot_service(&u->cur, ia);
	const struct ipvs_service *b = snapshot_service(&u->cur, ib);
	int c = 0;
	bool numeric = true;

	switch (u->sort) {
	case SORT_ACTIVE:
		c = u->sums ? cmp_u64(u->sums[ia].act, u->sums[ib].act) : 0;
		break;
	case SORT_INACTIVE:
		c = u->sums ? cmp_u64(u->sums[ia].inact, u->sums[ib].inact) : 0;
		break;
	case SORT_CPS:
	case SORT_INPPS:
	case SORT_OUTPPS:
	case SORT_INBPS:
	case SORT_OUTBPS:
		c = cmp_u64(sort_rate(&a->stats, u->sort), sort_rate(&b->stats, u->sort));
		break;
	case SORT_RS:
		c = cmp_u64(a->n_dests, b->n_dests);
		break;
	case SORT_VIRTUAL:
		numeric = false;
		c = a->af - b->af;
		if (!c)
			c = cmp_u64(a->fwmark, b->fwmark);
		if (!c)
			c = ui_cmp_addr_port(&a->addr, a->port, a->protocol, &b->addr, b->port,
					     b->protocol);
		break;
	case SORT_SCHED:
		numeric = false;
		c = strcmp(a->sched, b->sched);
		break;
	case SORT_NONE:
		break;
	}
	/* Numbers: biggest first, like top. Text: A to Z. Ties keep the kernel's order. */
	if (numeric)
		c = -c;
	if (u->sort_reverse)
		c = -c;
	if (!c)
		c = cmp_u64(ia, ib);
	return c;
}

/*
 * The filtered, sorted list of services. Without a filter the previous order is the
 * starting point: it holds every index of a table of the same size, and when nothing moved
 * (the usual case at 1 Hz with a sort by address, or counters that did not change) one
 * pass finds it still sorted and nothing is sorted again.
 */
static void rebuild_order(struct ui *u)
{
	bool all = !u->have_re && !u->drift_only;
	size_t n = u->have ? u->cur.n_services : 0;
	if (all && u->order_all && u->order && u->n_order == n && n > 0) {
		size_t i = 1;
		while (i < n && compare_services(&u->order[i - 1], &u->order[i], u) < 0)
			i++;
		if (i < n)
			qsort_r(u->order, n, sizeof(*u->order), compare_services, u);
		return;
	}
	free(u->order);
	u->order = NULL;
	u->n_order = 0;
	u->order_all = false;
	if (n == 0)
		return;
	u->order = malloc(n * sizeof(*u->order));
	if (!u->order)
		return;
	for (size_t i = 0; i < n; i++)
		if (all || service_matches(u, i))
			u->order[u->n_order++] = i;
	u->order_all = all;
	qsort_r(u->order, u->n_order, sizeof(*u->order), compare_services, u);
}

/* Once per snapshot: what frames and sorts would otherwise add up over the whole table. */
void ui_rows_derive_totals(struct ui *u)
{
	const struct snapshot *s = &u->cur;
	free(u->sums);
	u->sums = NULL;
	free(u->mod_used);
	u->mod_used = NULL;
	memset(&u->tot, 0, sizeof(u->tot));
	if (!u->have)
		return;
	u->sums = calloc(s->n_services ? s->n_services : 1, sizeof(*u->sums));
	u->mod_used = calloc(s->n_modules ? s->n_modules : 1, sizeof(*u->mod_used));
	if (!u->sums || !u->mod_used) {
		/* Without memory the sort and the header use zeros rather than crash. */
		free(u->sums);
		free(u->mod_used);
		u->sums = NULL;
		u->mod_used = NULL;
		return;
	}
	const char *last_sched = NULL;
	for (size_t i = 0; i < s->n_services; i++) {
		const struct ipvs_service *svc = snapshot_service(s, i);
		service_conn_totals(svc, &u->sums[i].act, &u->sums[i].inact);
		u->tot.act += u->sums[i].act;
		u->tot.inact += u->sums[i].inact;
		u->tot.dests += svc->n_dests;
		u->tot.pending += svc->dests_pending;
		u->tot.cps += svc->stats.cps;
		u->tot.inpps += svc->stats.inpps;
		u->tot.outpps += svc->stats.outpps;
		u->tot.inbps += svc->stats.inbps;
		u->tot.outbps += svc->stats.outbps;
		/* Schedulers in use: a handful of names, mostly the same one row after row. */
		if (last_sched && strcmp(last_sched, svc->sched) == 0)
			continue;
		last_sched = svc->sched;
		for (size_t m = 0; m < s->n_modules; m++)
			if (!u->mod_used[m] && strncmp(s->modules[m].name, "ip_vs_", 6) == 0 &&
			    strcmp(s->modules[m].name + 6, svc->sched) == 0)
				u->mod_used[m] = true;
	}
	/*
	 * The kernel's own totals, read every refresh, are right even while a big table's rows
	 * are of different ages (the sweep); the sums above stand in where they are not read.
	 */
	if (s->totals_known) {
		u->tot.cps = s->totals.cps;
		u->tot.inpps = s->totals.inpps;
		u->tot.outpps = s->totals.outpps;
		u->tot.inbps = s->totals.inbps;
		u->tot.outbps = s->totals.outbps;
	}
	for (size_t m = 0; m < s->n_modules; m++)
		if (strcmp(s->modules[m].name, "ip_vs") == 0 ||
		    strcmp(s->modules[m].name, "nf_conntrack") == 0)
			u->mod_used[m] = true;
}

const struct ipvs_service *ui_rows_selected(const struct ui *u)
{
	/* Another plane's frontends on screen: no virtual service is selected. */
	if (u->svc.sel >= u->n_order || ui_dp_shown(u))
		return NULL;
	return snapshot_service(&u->cur, u->order[u->svc.sel]);
}

void ui_rows_remember(struct ui *u)
{
	if (ui_dp_shown(u)) {
		ui_dp_remember(u);
		return;
	}
	const struct ipvs_service *svc = ui_rows_selected(u);
	u->have_sel = svc != NULL;
	if (svc) {
		u->sel_svc = *svc;
		u->sel_svc.dests = NULL;
	}
}

/* After a refresh or a new order, the same virtual service stays selected. */
static void restore_selection(struct ui *u)
{
	if (!u->have_sel)
		return;
	/* Where it was, most of the time: no walk over the whole list. */
	if (u->svc.sel < u->n_order &&
	    service_same(snapshot_service(&u->cur, u->order[u->svc.sel]), &u->sel_svc))
		return;
	for (size_t i = 0; i < u->n_order; i++)
		if (service_same(snapshot_service(&u->cur, u->order[i]), &u->sel_svc)) {
			u->svc.sel = i;
			return;
		}
	if (u->svc.sel >= u->n_order)
		u->svc.sel = u->n_order ? u->n_order - 1 : 0;
}

/* live: the fwmark service of the connections pane in cur (looked up once per rebuild). */
static bool conn_in_scope(const struct ui *u, const struct ipvs_service *live,
			  const struct ipvs_conn *c)
{
	const struct ipvs_service *svc = &u->conn_svc;
	size_t alen = c->af == AF_INET6 ? 16 : 4;
	int daf = c->dest_af ? c->dest_af : c->af;
	size_t dlen = daf == AF_INET6 ? 16 : 4;
	if (u->conn_has_dest) {
		return daf == u->conn_dest.af && c->dest_port == u->conn_dest.port &&
		       memcmp(c->dest.bytes, u->conn_dest.addr.bytes, dlen) == 0;
	}
	if (svc->fwmark) {
		/* The table shows the address the client used, not the mark: go by real server. */
		for (size_t j = 0; live && j < live->n_dests; j++)
			if (live->dests[j].af == daf && live->dests[j].port == c->dest_port &&
			    memcmp(live->dests[j].addr.bytes, c->dest.bytes, dlen) == 0)
				return true;
		return false;
	}
	const char *p = ipvs_proto_name(svc->protocol);
	return c->af == svc->af && c->virt_port == svc->port && p &&
	       strcmp(p, c->protocol) == 0 && memcmp(c->virt.bytes, svc->addr.bytes, alen) == 0;
}

static void rebuild_conn_rows(struct ui *u)
{
	free(u->conn_rows);
	u->conn_rows = NULL;
	u->n_conn_rows = 0;
	if (!u->conns_open || !u->have || !u->cur.have_conns || u->cur.conns.n_conns == 0)
		return;
	u->conn_rows = malloc(u->cur.conns.n_conns * sizeof(*u->conn_rows));
	if (!u->conn_rows)
		return;
	const struct ipvs_service *live =
		u->conn_svc.fwmark ? snapshot_find_service(&u->cur, &u->conn_svc) : NULL;
	for (size_t i = 0; i < u->cur.conns.n_conns; i++)
		if (conn_in_scope(u, live, &u->cur.conns.conns[i]))
			u->conn_rows[u->n_conn_rows++] = i;
}

void ui_rows_refresh(struct ui *u)
{
	rebuild_order(u);
	restore_selection(u);
	rebuild_conn_rows(u);
	const struct ipvs_service *svc = ui_rows_selected(u);
	size_t nd = svc ? svc->n_dests : 0;
	if (u->dest.sel >= nd)
		u->dest.sel = nd ? nd - 1 : 0;
	if (u->conn.sel >= u->n_conn_rows)
		u->conn.sel = u->n_conn_rows ? u->n_conn_rows - 1 : 0;
	ui_dp_refresh(u);
}

