/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Draws the dashboard's frame: the header, the three panes, the status line and the key bar. */
#include "config.h"

#include <curses.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cells.h"
#include "clock.h"
#include "feed.h"
#include "history.h"
#include "keymap.h"
#include "kube_text.h"
#include "nls.h"
#include "snapshot.h"
#include "ui_internal.h"

static const char *const sort_names[] = {
	N_("active connections"), N_("inactive connections"), N_("connections/s"),
	N_("packets/s in"),      N_("packets/s out"),        N_("bytes/s in"),
	N_("bytes/s out"),       N_("real servers"),         N_("virtual address"),
	N_("scheduler"),
};

static const char *num(const struct ui *u, double v, char *buf, size_t len)
{
	if (u->exact) {
		snprintf(buf, len, "%.0f", v);
		return buf;
	}
	return cells_human(v, buf, len);
}

/* Counters and rates that /proc does not have are unknown, not zero. */
static const char *rate(const struct ui *u, double v, char *buf, size_t len)
{
	if (u->have && u->cur.source == IPVS_SOURCE_PROC) {
		snprintf(buf, len, "-");
		return buf;
	}
	return num(u, v, buf, len);
}

void ui_draw_put(int y, int x, int width, const char *text, int right, attr_t attr)
{
	char buf[1024];
	if (width <= 0)
		return;
	cells_pad(text, width, right, buf, sizeof(buf));
	attron(attr);
	mvaddstr(y, x, buf);
	attroff(attr);
}

/*
 * Lays out columns in a box: widths[i] = 0 hides column i. Columns of the least priority
 * go first when the width runs out; flexible ones share what is left, up to a cap.
 */
static void layout(const struct ui *u, const struct column *cols, int n, int width,
		   int flex_min, int *widths)
{
	bool kube = u->kv && u->kv->j;
	int need = 0;
	for (int i = 0; i < n; i++) {
		/* Names of Services and pods want more room than an address. */
		int fmin = cols[i].kube ? flex_min + 12 : flex_min;
		widths[i] = cols[i].kube && !kube ? 0 : cols[i].width ? cols[i].width : fmin;
		need += widths[i] ? widths[i] + 1 : 0;
	}
	while (need - 1 > width) {
		int drop = -1;
		for (int i = 0; i < n; i++)
			if (widths[i] && (drop < 0 || cols[i].prio < cols[drop].prio))
				drop = i;
		if (drop < 0)
			break;
		need -= widths[drop] + 1;
		widths[drop] = 0;
	}
	int extra = width - (need - 1), nflex = 0;
	for (int i = 0; i < n; i++)
		nflex += widths[i] && !cols[i].width;
	for (int i = 0; i < n && extra > 0; i++) {
		if (!widths[i] || cols[i].width)
			continue;
		int add = extra / nflex--;
		/* Addresses need no more than an IPv6 address and port; names a little more. */
		int cap = cols[i].kube ? 64 : 48;
		if (widths[i] + add > cap)
			add = cap - widths[i] > 0 ? cap - widths[i] : 0;
		widths[i] += add;
		extra -= add;
	}
}

static void draw_columns_header(const struct ui *u, const struct box *b, int y,
				const struct column *cols, int n, const int *widths)
{
	int x = b->x;
	attr_t base = u->color ? COLOR_PAIR(CP_HEADER) | A_BOLD : A_BOLD;
	for (int i = 0; i < n; i++) {
		if (!widths[i])
			continue;
		attr_t a = base;
		char t[64];
		snprintf(t, sizeof(t), "%s", _(cols[i].title));
		if (cols[i].sort >= 0 && cols[i].sort == (int)u->sort) {
			a |= A_UNDERLINE | A_REVERSE;
			snprintf(t, sizeof(t), "%s%s", _(cols[i].title), u->sort_reverse ? "^" : "v");
		}
		ui_draw_put(y, x, widths[i], t, cols[i].right, a);
		x += widths[i] + 1;
	}
}

void ui_draw_row(const struct box *b, int y, const char *const *cells,
		 const struct column *cols, int n, const int *widths, attr_t attr)
{
	int x = b->x;
	if (attr & A_REVERSE) {
		attron(attr);
		mvhline(y, b->x, ' ', b->w);
		attroff(attr);
	}
	for (int i = 0; i < n; i++) {
		if (!widths[i])
			continue;
		ui_draw_put(y, x, widths[i], cells[i], cols[i].right, attr);
		x += widths[i] + 1;
	}
}

static void draw_title(const struct ui *u, const struct box *b, enum pane_id id,
		       const char *text)
{
	attr_t a;
	if (u->focus == id)
		a = u->color ? COLOR_PAIR(CP_TITLE_FOCUS) | A_BOLD : A_REVERSE | A_BOLD;
	else
		a = u->color ? COLOR_PAIR(CP_TITLE) : A_BOLD;
	attron(a);
	mvhline(b->y, b->x, ' ', b->w);
	attroff(a);
	ui_draw_put(b->y, b->x, b->w, text, 0, a);
}

static void scroll_into_view(struct cursor *c, size_t n, int rows)
{
	if (rows <= 0)
		return;
	if (c->sel >= n)
		c->sel = n ? n - 1 : 0;
	if (c->sel < c->top)
		c->top = c->sel;
	if (c->sel >= c->top + (size_t)rows)
		c->top = c->sel - (size_t)rows + 1;
	if (c->top + (size_t)rows > n)
		c->top = n > (size_t)rows ? n - (size_t)rows : 0;
}

int ui_draw_pane(struct ui *u, const struct box *b, enum pane_id id, const char *title,
		 const struct column *cols, int ncols, int flex_min, int *widths,
		 struct cursor *c, size_t n)
{
	draw_title(u, b, id, title);
	layout(u, cols, ncols, b->w, flex_min, widths);
	draw_columns_header(u, b, b->y + 1, cols, ncols, widths);
	int rows = b->h - 2;
	scroll_into_view(c, n, rows);
	if (u->focus == id)
		u->rows_per_page = rows;
	return rows;
}

static const struct column svc_cols[] = {
	{N_("PROT"), 4, 0, -1, 90, false},
	{N_("VIRTUAL SERVICE"), 0, 0, SORT_VIRTUAL, 100, false},
	{N_("SCHED"), 5, 0, SORT_SCHED, 60, false},
	{N_("FLAGS"), 9, 0, -1, 40, false},
	/* SVC_SPARK (ui_graph.c), in the middle: parsers count the numbers from the end. */
	{N_("HISTORY"), 8, 0, -1, 45, false},
	{N_("RS"), 4, 1, SORT_RS, 50, false},
	{N_("ACTIVE"), 7, 1, SORT_ACTIVE, 80, false},
	{N_("INACT"), 7, 1, SORT_INACTIVE, 70, false},
	{N_("CONN/S"), 7, 1, SORT_CPS, 65, false},
	{N_("IN PPS"), 7, 1, SORT_INPPS, 30, false},
	{N_("OUT PPS"), 7, 1, SORT_OUTPPS, 20, false},
	{N_("IN B/S"), 7, 1, SORT_INBPS, 25, false},
	{N_("OUT B/S"), 7, 1, SORT_OUTBPS, 15, false},
	{N_("KUBERNETES SERVICE"), 0, 0, -1, 75, true},
};
#define N_SVC_COLS ((int)(sizeof(svc_cols) / sizeof(svc_cols[0])))
#define SVC_SPARK 4

static void draw_services(struct ui *u, const struct box *b)
{
	char title[256];
	int widths[N_SVC_COLS];
	if (u->drift_only)
		snprintf(title, sizeof(title), _(" Virtual services with drift: %zu of %zu "),
			 u->n_order, u->cur.n_services);
	else if (u->have_re)
		snprintf(title, sizeof(title), _(" Virtual services: %zu of %zu match /%s/ "),
			 u->n_order, u->cur.n_services, u->filter);
	else
		snprintf(title, sizeof(title), _(" Virtual services: %zu "), u->cur.n_services);
	/* Beside other data planes, the tag says which one this is. */
	size_t tl = strlen(title);
	if (ui_dp_tagged(u) && tl < sizeof(title))
		snprintf(title + tl, sizeof(title) - tl, " [%s] ", dp_plane_name(DP_IPVS));
	int rows = ui_draw_pane(u, b, PANE_SERVICES, title, svc_cols, N_SVC_COLS, 21, widths,
				&u->svc, u->n_order);
	u->svc_rows = rows;
	for (int r = 0; r < rows && u->svc.top + (size_t)r < u->n_order; r++) {
		size_t idx = u->svc.top + (size_t)r;
		const struct ipvs_service *svc = snapshot_service(&u->cur, u->order[idx]);
		char label[96], flags[64], nb[8][24], owner[300], spark[200];
		uint64_t act, inact;
		size_t si = u->order[idx];
		bool drift = kube_text_service_drift(u->kv, si);
		kube_text_owner(u->kv, si, owner + 2, sizeof(owner) - 2);
		if (!owner[2])
			snprintf(owner + 2, sizeof(owner) - 2, "%s", _("(no Service)"));
		/* Drift is said in text too, so it shows without colours. */
		owner[0] = drift ? '!' : ' ';
		owner[1] = ' ';
		if (u->sums) {
			act = u->sums[si].act;
			inact = u->sums[si].inact;
		} else {
			service_conn_totals(svc, &act, &inact);
		}
		ui_rows_service_label(svc, label, sizeof(label));
		ui_rows_flags_label(svc, flags, sizeof(flags));
		/* Real servers not read yet (the sweep) or unreadable: not a count of zero. */
		bool unread = !svc->dests_known || svc->dests_pending;
		const char *unknown = svc->dests_pending ? "..." : "?";
		snprintf(nb[7], sizeof(nb[7]), "%zu", svc->n_dests);
		const char *cells[N_SVC_COLS] = {
			ui_rows_proto_label(svc),
			label,
			svc->sched,
			flags,
			ui_graph_spark(u, history_key_service(svc), widths[SVC_SPARK], spark,
				       sizeof(spark)),
			unread ? unknown : nb[7],
			unread ? unknown : num(u, (double)act, nb[0], sizeof(nb[0])),
			unread ? unknown : num(u, (double)inact, nb[1], sizeof(nb[1])),
			rate(u, (double)svc->stats.cps, nb[2], sizeof(nb[2])),
			rate(u, (double)svc->stats.inpps, nb[3], sizeof(nb[3])),
			rate(u, (double)svc->stats.outpps, nb[4], sizeof(nb[4])),
			rate(u, (double)svc->stats.inbps, nb[5], sizeof(nb[5])),
			rate(u, (double)svc->stats.outbps, nb[6], sizeof(nb[6])),
			u->kv && u->kv->j ? owner : "-",
		};
		attr_t a = A_NORMAL;
		if (idx == u->svc.sel)
			a = u->focus == PANE_SERVICES ? A_REVERSE | A_BOLD : A_REVERSE;
		else if ((svc->n_dests == 0 && !unread) || drift)
			a = u->color ? COLOR_PAIR(CP_WARN) : A_BOLD;
		ui_draw_row(b, b->y + 2 + r, cells, svc_cols, N_SVC_COLS, widths, a);
	}
	if (u->n_order == 0 && rows > 0)
		ui_draw_put(b->y + 2, b->x + 1, b->w - 1,
		    u->have_re ? _("No virtual service matches the filter (Esc clears it).")
		    : !u->have ? _("Reading...")
			       : _("No virtual services."),
		    0, A_DIM);
}

static const struct column dest_cols[] = {
	{N_("REAL SERVER"), 0, 0, -1, 100, false}, {N_("FWD"), 6, 0, -1, 60, false},
	{N_("WEIGHT"), 8, 1, -1, 90, false},       {N_("ACTIVE"), 7, 1, -1, 80, false},
	{N_("INACT"), 7, 1, -1, 70, false},        {N_("PERSIST"), 7, 1, -1, 40, false},
	{N_("CONN/S"), 7, 1, -1, 50, false},       {N_("HISTORY"), 8, 0, -1, 45, false},
	{N_("IN PPS"), 7, 1, -1, 30, false},
	{N_("OUT PPS"), 7, 1, -1, 20, false},      {N_("IN B/S"), 7, 1, -1, 25, false},
	{N_("OUT B/S"), 7, 1, -1, 15, false},      {N_("POD"), 0, 0, -1, 75, true},
};
#define N_DEST_COLS ((int)(sizeof(dest_cols) / sizeof(dest_cols[0])))
#define DEST_SPARK 7

static void draw_dests(struct ui *u, const struct box *b)
{
	char title[256], label[96];
	int widths[N_DEST_COLS];
	const struct ipvs_service *svc = ui_rows_selected(u);
	if (svc)
		ui_rows_service_label(svc, label, sizeof(label));
	if (svc && svc->dests_pending) {
		snprintf(title, sizeof(title), _(" Real servers of %s %s: reading... "),
			 ui_rows_proto_label(svc), label);
	} else if (svc && !svc->dests_known) {
		snprintf(title, sizeof(title), _(" Real servers of %s %s: unknown "),
			 ui_rows_proto_label(svc), label);
	} else if (svc) {
		snprintf(title, sizeof(title), _(" Real servers of %s %s: %zu "),
			 ui_rows_proto_label(svc), label, svc->n_dests);
	} else {
		snprintf(title, sizeof(title), "%s", _(" Real servers "));
	}
	size_t n = svc ? svc->n_dests : 0;
	int rows = ui_draw_pane(u, b, PANE_DESTS, title, dest_cols, N_DEST_COLS, 21, widths,
				&u->dest, n);
	for (int r = 0; svc && r < rows && u->dest.top + (size_t)r < n; r++) {
		size_t idx = u->dest.top + (size_t)r;
		const struct ipvs_dest *d = &svc->dests[idx];
		char nb[10][24], fwd[16], weight[32], pod[300], spark[200];
		kube_text_pod(u->kv, u->order[u->svc.sel], idx, pod, sizeof(pod));
		ipvs_hostport_str(d->af, &d->addr, d->port, label, sizeof(label));
		snprintf(fwd, sizeof(fwd), "%s", ipvs_fwd_name(d->fwd));
		fwd[0] = (char)(fwd[0] - 32);
		/* Weight 0 is a draining (quiesced) server: say it in words, not only colour. */
		if (d->weight == 0)
			snprintf(weight, sizeof(weight), "0 %s", _("drain"));
		else
			snprintf(weight, sizeof(weight), "%d", d->weight);
		const char *cells[N_DEST_COLS] = {
			label,
			fwd,
			weight,
			num(u, d->active_conns, nb[0], sizeof(nb[0])),
			num(u, d->inactive_conns, nb[1], sizeof(nb[1])),
			num(u, d->persist_conns, nb[2], sizeof(nb[2])),
			rate(u, (double)d->stats.cps, nb[3], sizeof(nb[3])),
			ui_graph_spark(u, history_key_dest(svc, d), widths[DEST_SPARK], spark,
				       sizeof(spark)),
			rate(u, (double)d->stats.inpps, nb[4], sizeof(nb[4])),
			rate(u, (double)d->stats.outpps, nb[5], sizeof(nb[5])),
			rate(u, (double)d->stats.inbps, nb[6], sizeof(nb[6])),
			rate(u, (double)d->stats.outbps, nb[7], sizeof(nb[7])),
			pod[0] ? pod : "-",
		};
		attr_t a = A_NORMAL;
		if (idx == u->dest.sel && u->focus == PANE_DESTS)
			a = A_REVERSE | A_BOLD;
		else if (d->weight == 0)
			a = u->color ? COLOR_PAIR(CP_DRAIN) : A_DIM;
		ui_draw_row(b, b->y + 2 + r, cells, dest_cols, N_DEST_COLS, widths, a);
	}
	if (svc && svc->dests_pending && rows > 0)
		ui_draw_put(b->y + 2, b->x + 1, b->w - 1, _("Reading its real servers..."), 0,
			    A_DIM);
	else if (svc && !svc->dests_known && rows > 0)
		ui_draw_put(b->y + 2, b->x + 1, b->w - 1, _("Its real servers could not be read."),
			    0, u->color ? COLOR_PAIR(CP_WARN) : A_BOLD);
	else if (svc && n == 0 && rows > 0)
		ui_draw_put(b->y + 2, b->x + 1, b->w - 1,
			    _("This virtual service has no real servers."), 0,
			    u->color ? COLOR_PAIR(CP_WARN) : A_BOLD);
}

static const struct column conn_cols[] = {
	{N_("PROT"), 5, 0, -1, 60, false},        {N_("CLIENT"), 0, 0, -1, 100, false},
	{N_("VIRTUAL"), 0, 0, -1, 50, false},     {N_("DESTINATION"), 0, 0, -1, 90, false},
	{N_("STATE"), 12, 0, -1, 80, false},      {N_("EXPIRES"), 8, 1, -1, 70, false},
};
#define N_CONN_COLS ((int)(sizeof(conn_cols) / sizeof(conn_cols[0])))

static void draw_conns(struct ui *u, const struct box *b)
{
	char title[256], label[96];
	int widths[N_CONN_COLS];
	if (u->conn_has_dest)
		ipvs_hostport_str(u->conn_dest.af, &u->conn_dest.addr, u->conn_dest.port, label,
			   sizeof(label));
	else
		ui_rows_service_label(&u->conn_svc, label, sizeof(label));
	if (!u->cur.have_conns)
		snprintf(title, sizeof(title), _(" Connections of %s: reading... "), label);
	else
		snprintf(title, sizeof(title),
			 _(" Connections of %s: %zu shown; table %" PRIu64 " entries%s "), label,
			 u->n_conn_rows, u->cur.conns.total,
			 u->cur.conns.truncated ? _(" (list bounded)") : "");
	int rows = ui_draw_pane(u, b, PANE_CONNS, title, conn_cols, N_CONN_COLS, 22, widths,
				&u->conn, u->n_conn_rows);
	for (int r = 0; r < rows && u->conn.top + (size_t)r < u->n_conn_rows; r++) {
		size_t idx = u->conn.top + (size_t)r;
		const struct ipvs_conn *c = &u->cur.conns.conns[u->conn_rows[idx]];
		char cl[96], vl[96], dl[96], proto[8], exp[16];
		ipvs_hostport_str(c->af, &c->client, c->client_port, cl, sizeof(cl));
		ipvs_hostport_str(c->af, &c->virt, c->virt_port, vl, sizeof(vl));
		ipvs_hostport_str(c->dest_af ? c->dest_af : c->af, &c->dest, c->dest_port, dl, sizeof(dl));
		snprintf(proto, sizeof(proto), "%s", c->protocol);
		for (char *p = proto; *p; p++)
			*p = (char)(*p >= 'a' && *p <= 'z' ? *p - 32 : *p);
		snprintf(exp, sizeof(exp), "%u:%02u", c->expires / 60, c->expires % 60);
		const char *cells[N_CONN_COLS] = {proto, cl, vl, dl, c->state, exp};
		attr_t a = idx == u->conn.sel && u->focus == PANE_CONNS ? A_REVERSE | A_BOLD
									: A_NORMAL;
		ui_draw_row(b, b->y + 2 + r, cells, conn_cols, N_CONN_COLS, widths, a);
	}
}

/* What stands out in the header: colour, or bold and underlined without colours. */
attr_t ui_draw_warn(const struct ui *u)
{
	return u->color ? COLOR_PAIR(CP_WARN) | A_BOLD : A_BOLD | A_UNDERLINE;
}

/* Modules the header reports: ip_vs, the schedulers in use, nf_conntrack. */
static void draw_modules(const struct ui *u, int y)
{
	int x = 0;
	attr_t warn = ui_draw_warn(u);
	attr_t ok = u->color ? COLOR_PAIR(CP_OK) : A_NORMAL;
	char buf[96];
	ui_draw_put(y, x, 9, _("Modules:"), 0, A_BOLD);
	x += cells_width(_("Modules:")) + 1;
	for (size_t i = 0; i < u->cur.n_modules && x < COLS - 1; i++) {
		const struct module_info *m = &u->cur.modules[i];
		bool in_use = u->mod_used ? u->mod_used[i]
					  : strcmp(m->name, "ip_vs") == 0 ||
						    strcmp(m->name, "nf_conntrack") == 0;
		if (!in_use)
			continue;
		bool good = m->state == MODULE_LOADED || m->state == MODULE_BUILTIN;
		if (good)
			snprintf(buf, sizeof(buf), "%s", m->name);
		else
			snprintf(buf, sizeof(buf), "%s: %s", m->name,
				 m->state == MODULE_AVAILABLE ? _("not loaded") : _("missing"));
		int w = cells_width(buf);
		ui_draw_put(y, x, w, buf, 0, good ? ok : warn);
		x += w + 1;
	}
}

/* Line 1: version, host, kernel, IPVS, and what mode the dashboard is in. */
static void draw_header_versions(const struct ui *u)
{
	const struct snapshot *s = &u->cur;
	char line[512];
	attr_t hl = u->color ? COLOR_PAIR(CP_HEADER) | A_BOLD : A_BOLD;
	attr_t warn = ui_draw_warn(u);

	snprintf(line, sizeof(line), "ipvstop %s  %s  %s %s", PACKAGE_VERSION,
		 u->have ? s->host : "", _("kernel"), u->kernel);
	int x = 0;
	ui_draw_put(0, x, COLS, line, 0, hl);
	x = cells_width(line) + 2;
	if (u->have && s->ipvs_available) {
		snprintf(line, sizeof(line), _("IPVS %u.%u.%u  conn table %u  via %s"),
			 s->version >> 16, (s->version >> 8) & 0xff, s->version & 0xff,
			 s->conn_tab_size, s->source == IPVS_SOURCE_PROC ? "/proc" : "netlink");
		ui_draw_put(0, x, COLS - x, line, 0, A_NORMAL);
		x += cells_width(line) + 2;
	}
	/* Read-only: no CAP_NET_ADMIN (the /proc fallback), or --readonly. */
	if (((u->have && s->source == IPVS_SOURCE_PROC) || u->opts->readonly) && x < COLS) {
		ui_draw_put(0, x, COLS - x, _("READ-ONLY"), 0, warn);
		x += cells_width(_("READ-ONLY")) + 2;
	}
	if (u->paused && x < COLS) {
		ui_draw_put(0, x, COLS - x, _("PAUSED"), 0, warn);
		x += cells_width(_("PAUSED")) + 2;
	}
	if (u->remote[0] && x < COLS) {
		snprintf(line, sizeof(line),
			 _("NODE %s FROM ITS AGENT (read-only; Esc: this node)%s%s"), u->remote,
			 u->remote_error[0] ? ": " : "", u->remote_error);
		ui_draw_put(0, x, COLS - x, line, 0, warn);
		x += cells_width(line) + 2;
	}
	if (u->opts->replay && x < COLS) {
		snprintf(line, sizeof(line), _("REPLAY %s%s"), u->opts->replay_name,
			 feed_replay_ended(u->feed) ? _(" (ended)") : "");
		ui_draw_put(0, x, COLS - x, line, 0, warn);
	}
}

/* Line 2: timeouts, age of the data (and of a swept table), sync daemons. */
/* Line 2: timeouts, the data's age, the sync daemons. Returns its width in cells. */
static int draw_header_ages(const struct ui *u)
{
	const struct snapshot *s = &u->cur;
	char line[512];
	line[0] = '\0';
	if (u->have && s->timeouts_known)
		snprintf(line, sizeof(line), _("Timeouts tcp %us tcp_fin %us udp %us"),
			 s->timeout_tcp, s->timeout_tcp_fin, s->timeout_udp);
	size_t n = strlen(line);
	if (u->have && n < sizeof(line)) {
		struct timespec now;
		clock_gettime(CLOCK_MONOTONIC, &now);
		double age = (double)now.tv_sec + (double)now.tv_nsec / 1e9 - s->mono;
		if (u->opts->replay) {
			char tb[32];
			clock_text(s->time, tb, sizeof(tb));
			snprintf(line + n, sizeof(line) - n, _("  recorded %s"), tb);
		} else {
			snprintf(line + n, sizeof(line) - n, _("  updated %.1fs ago, every %gs"),
				 age < 0 ? 0 : age, u->interval);
			/* A big table: the rows off the screen are this old at most. */
			n = strlen(line);
			if (s->sweep_period > 0 && n < sizeof(line))
				snprintf(line + n, sizeof(line) - n, _("  swept every %.0f s"),
					 s->sweep_period);
		}
	}
	/* The sync daemons last: the age of the data must not be cut off by a narrow screen. */
	n = strlen(line);
	for (size_t i = 0; u->have && i < s->n_daemons && n < sizeof(line); i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, _("  sync %s on %s id %u"),
				      s->daemons[i].state, s->daemons[i].mcast_ifn,
				      s->daemons[i].syncid);
	/* Without timeouts the line would start with the separator. */
	const char *l2 = line;
	while (*l2 == ' ')
		l2++;
	ui_draw_put(1, 0, COLS, l2, 0, A_NORMAL);
	return cells_width(l2);
}

/* Line 3: totals, summed once per snapshot (ui_rows_derive_totals). Returns its width. */
static int draw_header_totals(const struct ui *u)
{
	char line[512], b[8][24];
	snprintf(line, sizeof(line),
		 _("Services %zu  Real servers %zu  Active %s  Inactive %s  Conn/s %s  "
		   "In %s pkt/s %s B/s  Out %s pkt/s %s B/s"),
		 u->have ? u->cur.n_services : 0, u->tot.dests,
		 num(u, (double)u->tot.act, b[0], sizeof(b[0])),
		 num(u, (double)u->tot.inact, b[1], sizeof(b[1])),
		 rate(u, (double)u->tot.cps, b[2], sizeof(b[2])),
		 rate(u, (double)u->tot.inpps, b[3], sizeof(b[3])),
		 rate(u, (double)u->tot.inbps, b[4], sizeof(b[4])),
		 rate(u, (double)u->tot.outpps, b[5], sizeof(b[5])),
		 rate(u, (double)u->tot.outbps, b[6], sizeof(b[6])));
	size_t len = strlen(line);
	if (u->have && u->tot.pending && len < sizeof(line))
		snprintf(line + len, sizeof(line) - len,
			 _("  (real servers of %zu services: reading...)"), u->tot.pending);
	ui_draw_put(2, 0, COLS, line, 0, A_NORMAL);
	return cells_width(line);
}

static void draw_header(const struct ui *u)
{
	attr_t warn = ui_draw_warn(u);
	draw_header_versions(u);
	int ages = draw_header_ages(u), totals = draw_header_totals(u);
	/* The whole table's sparkline after the totals, or after the age line when they fill. */
	bool on_totals = COLS - totals - 2 >= UI_GRAPH_HEADER_MIN || ages >= totals;
	ui_graph_header(u, on_totals ? 2 : 1, (on_totals ? totals : ages) + 2);
	/* Line 4: modules, and the slot for the cluster. */
	if (u->have && !u->cur.ipvs_available)
		ui_draw_put(3, 0, COLS, u->cur.ipvs_error, 0, warn);
	else if (u->have)
		draw_modules(u, 3);
	/* Then the data planes (when they are read). */
	int nd = ui_dp_draw_header(u, 4);
	/* Then the cluster, kube-proxy per node, drift. */
	for (size_t i = 0; i < u->kt.n && (int)i + 4 + nd < u->head; i++)
		ui_draw_put(4 + nd + (int)i, 0, COLS, u->kt.line[i], 0,
			    u->kt.warn[i] ? warn : A_NORMAL);
	if (u->kt.n == 0)
		ui_draw_put(4 + nd, 0, COLS, _("Kubernetes: not connected"), 0, A_DIM);
}

static const struct {
	enum action action;
	const char *label;
} bar_items[] = {
	{ACT_HELP, N_("Help")},   {ACT_ENTER, N_("Real servers")}, {ACT_CONNECTIONS, N_("Conns")},
	{ACT_FILTER, N_("Filter")}, {ACT_SORT_NEXT, N_("Sort")},     {ACT_EXACT, N_("Exact")},
	{ACT_PAUSE, N_("Pause")}, {ACT_QUIT, N_("Quit")},
};

static void draw_bar(const struct ui *u)
{
	int y = LINES - 1, x = 0;
	attr_t key = u->color ? COLOR_PAIR(CP_BAR_KEY) | A_BOLD : A_REVERSE | A_BOLD;
	move(y, 0);
	clrtoeol();
	for (size_t i = 0; i < sizeof(bar_items) / sizeof(bar_items[0]) && x < COLS; i++) {
		const char *k = "";
		for (size_t b = 0; b < keymap_n_bindings; b++)
			if (keymap_bindings[b].action == bar_items[i].action) {
				k = keymap_bindings[b].names;
				break;
			}
		/* The first key name is enough on the bar: "?, F1" -> "?". */
		char kn[16];
		snprintf(kn, sizeof(kn), "%s", _(k));
		char *comma = strchr(kn, ',');
		if (comma)
			*comma = '\0';
		int w = cells_width(kn);
		ui_draw_put(y, x, w, kn, 0, key);
		x += w;
		const char *l = _(bar_items[i].label);
		if (bar_items[i].action == ACT_ENTER && ui_dp_shown(u))
			l = _("Endpoints"); /* of another plane's frontend */
		w = cells_width(l) + 1;
		if (x + w > COLS)
			break;
		ui_draw_put(y, x, w, l, 0, A_NORMAL);
		x += w + 1;
	}
}

static void draw_status(const struct ui *u)
{
	int y = LINES - 2;
	move(y, 0);
	clrtoeol();
	if (u->filter_editing) {
		char line[256];
		snprintf(line, sizeof(line), _("Filter (regex, Enter applies, Esc clears): %s"),
			 u->filter);
		ui_draw_put(y, 0, COLS - 1, line, 0, A_BOLD);
		int x = cells_width(line);
		if (x < COLS)
			move(y, x);
		return;
	}
	if (u->status[0]) {
		attr_t a = u->status_error ? (u->color ? COLOR_PAIR(CP_WARN) | A_BOLD : A_BOLD)
					   : A_NORMAL;
		ui_draw_put(y, 0, COLS, u->status, 0, a);
		return;
	}
	if (u->have && u->cur.ipvs_available && u->cur.ipvs_error[0]) {
		/* A degraded read (the /proc fallback) says what is missing. */
		ui_draw_put(y, 0, COLS, u->cur.ipvs_error, 0,
		    u->color ? COLOR_PAIR(CP_WARN) : A_BOLD);
		return;
	}
	char hint[256];
	if (ui_dp_shown(u))
		snprintf(hint, sizeof(hint), _("Sorted by %s%s. Enter: endpoints."),
			 ui_dp_sort_name(u), u->sort_reverse ? _(" (reversed)") : "");
	else
		snprintf(hint, sizeof(hint),
			 _("Sorted by %s%s. Enter: real servers, c: connections."),
			 _(sort_names[u->sort]), u->sort_reverse ? _(" (reversed)") : "");
	ui_draw_put(y, 0, COLS, hint, 0, A_DIM);
}

static void draw_help(const struct ui *u)
{
	int y = 0;
	ui_draw_put(y++, 0, COLS, _("ipvstop keys (any key closes this help)"), 0,
		    A_BOLD | A_REVERSE);
	y++;
	int keyw = 16;
	for (size_t i = 0; i < keymap_n_bindings && y < LINES; i++, y++) {
		const struct key_binding *b = &keymap_bindings[i];
		ui_draw_put(y, 2, keyw, _(b->names), 0, A_BOLD);
		ui_draw_put(y, 2 + keyw + 1, COLS - keyw - 3, _(b->help), 0, A_NORMAL);
	}
	if (y + 1 < LINES)
		ui_draw_put(y + 1, 2, COLS - 2,
		    _("Weight 0 (drain) marks a quiesced real server; READ-ONLY: no CAP_NET_ADMIN."),
		    0, A_DIM);
	(void)u;
}

void ui_draw(struct ui *u)
{
	erase();
	if (u->help || u->kp_page || u->nodes_page) {
		if (u->help)
			draw_help(u);
		else if (u->kp_page)
			ui_kp_draw(u);
		else
			ui_nodes_draw(u);
		wnoutrefresh(stdscr);
		doupdate();
		return;
	}
	/* The Kubernetes summary takes up to five lines, fewer on a short terminal. */
	int kl = (int)(u->kt.n ? u->kt.n : 1);
	int most = LINES >= 40 ? 5 : LINES >= 30 ? 3 : 2;
	if (kl > most)
		kl = most;
	u->head = 4 + ui_dp_header_lines(u, COLS) + kl;
	const int head = u->head;
	int avail = LINES - head - 2;
	if (LINES < 12 || COLS < 40) {
		ui_draw_put(0, 0, COLS, _("Terminal too small for ipvstop (needs 40x12)."), 0,
			    A_BOLD);
		wnoutrefresh(stdscr);
		doupdate();
		return;
	}
	draw_header(u);
	bool wide = COLS >= 160;
	struct box sb, db, cb;
	int top_h = avail;
	if (u->conns_open) {
		top_h = avail * 3 / 5;
		cb = (struct box){head + top_h, 0, avail - top_h, COLS};
	}
	if (wide) {
		int lw = COLS * 11 / 20;
		sb = (struct box){head, 0, top_h, lw};
		db = (struct box){head, lw + 1, top_h, COLS - lw - 1};
	} else {
		int sh = u->focus == PANE_DESTS ? top_h / 3 : top_h - top_h / 3;
		if (sh < 3)
			sh = 3;
		sb = (struct box){head, 0, sh, COLS};
		db = (struct box){head + sh, 0, top_h - sh, COLS};
	}
	if (ui_dp_shown(u)) {
		ui_dp_draw_frontends(u, &sb);
		ui_dp_draw_endpoints(u, &db);
	} else {
		draw_services(u, &sb);
		draw_dests(u, &db);
	}
	if (u->graph_open)
		ui_graph_draw(u, head, 0, top_h, COLS);
	if (u->conns_open)
		draw_conns(u, &cb);
	draw_status(u);
	draw_bar(u);
	ui_modal_draw(u);
	if (!u->filter_editing)
		move(LINES - 1, COLS - 1);
	wnoutrefresh(stdscr);
	doupdate();
}

void ui_draw_start_colors(struct ui *u)
{
	const char *no_color = getenv("NO_COLOR");
	bool want = u->opts->color == UI_COLOR_ALWAYS ||
		    (u->opts->color == UI_COLOR_AUTO && !(no_color && no_color[0]));
	u->color = want && has_colors();
	if (!u->color)
		return;
	start_color();
	use_default_colors();
	init_pair(CP_HEADER, COLOR_CYAN, -1);
	init_pair(CP_TITLE, COLOR_BLACK, COLOR_WHITE);
	init_pair(CP_TITLE_FOCUS, COLOR_BLACK, COLOR_CYAN);
	init_pair(CP_WARN, COLOR_RED, -1);
	init_pair(CP_DRAIN, COLOR_YELLOW, -1);
	init_pair(CP_OK, COLOR_GREEN, -1);
	init_pair(CP_BAR_KEY, COLOR_BLACK, COLOR_CYAN);
}
