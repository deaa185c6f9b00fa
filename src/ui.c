/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The dashboard: panes drawn from the newest snapshot, keys dispatched through keymap.c. */
#include "config.h"

#include <curses.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <regex.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "cells.h"
#include "feed.h"
#include "action_run.h"
#include "keymap.h"
#include "kube_side.h"
#include "kube_text.h"
#include "nls.h"
#include "snapshot.h"
#include "ui.h"

enum pane_id { PANE_SERVICES = 0, PANE_DESTS, PANE_CONNS };

enum sort_key {
	SORT_ACTIVE = 0,
	SORT_INACTIVE,
	SORT_CPS,
	SORT_INPPS,
	SORT_OUTPPS,
	SORT_INBPS,
	SORT_OUTBPS,
	SORT_RS,
	SORT_VIRTUAL,
	SORT_SCHED,
	SORT_NONE, /* kernel order */
	SORT_COUNT = SORT_NONE,
};

static const char *const sort_names[] = {
	N_("active connections"), N_("inactive connections"), N_("connections/s"),
	N_("packets/s in"),      N_("packets/s out"),        N_("bytes/s in"),
	N_("bytes/s out"),       N_("real servers"),         N_("virtual address"),
	N_("scheduler"),
};

enum color_pair {
	CP_HEADER = 1,
	CP_TITLE,
	CP_TITLE_FOCUS,
	CP_WARN,
	CP_DRAIN,
	CP_OK,
	CP_BAR_KEY,
};

struct cursor {
	size_t sel, top;
};

struct ui {
	const struct ui_opts *opts;
	struct feed *feed;
	struct snapshot cur;
	bool have;
	double interval;
	bool paused, exact, help, color;
	enum pane_id focus;
	bool conns_open;
	enum sort_key sort;
	bool sort_reverse;

	/* Visible services (filtered, sorted): indices into cur.services. */
	size_t *order;
	size_t n_order;
	bool order_all; /* order holds every service (no filter): reusable for the next one */
	/*
	 * Worked out once per snapshot, so that frames and keys cost what is on screen, not
	 * what is in the table: each service's connection totals (by index into cur.services),
	 * the header's totals, and which modules the table uses.
	 */
	struct svc_sum {
		uint64_t act, inact;
	} *sums;
	struct {
		uint64_t act, inact, cps, inpps, outpps, inbps, outbps;
		size_t dests;
		size_t pending; /* services whose real servers are not read yet (the sweep) */
	} tot;
	bool *mod_used; /* cur.n_modules entries */
	/* What feed_set_focus was last told. */
	struct ipvs_svc_key focus_keys[FEED_FOCUS_MAX];
	size_t n_focus_keys;
	bool focus_sent;
	int svc_rows; /* rows of the services pane at the last frame */
	struct cursor svc, dest, conn;
	/* Identity of the selection, kept across refreshes. */
	struct ipvs_service sel_svc;
	bool have_sel;
	/* What the connections pane shows: a service, and maybe one of its real servers. */
	struct ipvs_service conn_svc;
	struct ipvs_dest conn_dest;
	bool conn_has_dest;
	size_t *conn_rows;
	size_t n_conn_rows;

	char filter[128];
	bool filter_editing, have_re;
	regex_t re;
	char status[256];
	bool status_error;
	char kernel[80];
	int rows_per_page;

	/* The Kubernetes side: newest state joined with cur. */
	struct kube_side kube;
	const struct kube_view *kv;
	struct kube_text kt;
	bool drift_only;
	bool step_pending; /* '.' while paused: the next snapshot is wanted */

	/* A picker (scheduler, mode, how) before an action, then the action's own window. */
	struct {
		bool open;
		int stage; /* enum pick_stage */
		char title[256];
		char items[16][128];
		bool grey[16];
		int n, sel;
	} pick;
	struct ipvs_service act_svc; /* the virtual service 's' works on */
	char act_owner[300];
	char act_sched[IPVS_SCHED_NAME_LEN];
	uint32_t act_flags;
	struct action_run *act;
	char act_title[256];
	char (*act_lines)[ACTION_RUN_LINE];
	bool act_warn[ACTION_RUN_LINES];
	int head; /* header lines, which the Kubernetes summary makes vary */
};

static volatile sig_atomic_t stop_requested;

static void on_stop_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* A fatal signal must not leave the terminal raw: restore it, then die as the signal says. */
static void on_fatal_signal(int sig)
{
	endwin();
	signal(sig, SIG_DFL);
	raise(sig);
}

static void set_status(struct ui *u, bool error, const char *msg)
{
	snprintf(u->status, sizeof(u->status), "%.255s", msg);
	u->status_error = error;
}

/* ---- data helpers ---- */

static void service_label(const struct ipvs_service *svc, char *buf, size_t len)
{
	if (svc->fwmark)
		snprintf(buf, len, "%u%s", svc->fwmark, svc->af == AF_INET6 ? " (IPv6)" : "");
	else
		ipvs_hostport_str(svc->af, &svc->addr, svc->port, buf, len);
}


static const char *proto_label(const struct ipvs_service *svc)
{
	if (svc->fwmark)
		return "FWM";
	switch (svc->protocol) {
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

static void flags_label(const struct ipvs_service *svc, char *buf, size_t len)
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

/* Counters and rates that /proc does not have are unknown, not zero. */
static const char *rate(const struct ui *u, double v, char *buf, size_t len);

static const char *num(const struct ui *u, double v, char *buf, size_t len)
{
	if (u->exact) {
		snprintf(buf, len, "%.0f", v);
		return buf;
	}
	return cells_human(v, buf, len);
}

static const char *rate(const struct ui *u, double v, char *buf, size_t len)
{
	if (u->have && u->cur.source == IPVS_SOURCE_PROC) {
		snprintf(buf, len, "-");
		return buf;
	}
	return num(u, v, buf, len);
}

/* ---- filter and sort ---- */

static bool service_matches(const struct ui *u, size_t idx)
{
	const struct ipvs_service *svc = &u->cur.services[idx];
	if (u->drift_only && !kube_text_service_drift(u->kv, idx))
		return false;
	if (!u->have_re)
		return true;
	char text[600], label[96], flags[64], owner[300];
	service_label(svc, label, sizeof(label));
	flags_label(svc, flags, sizeof(flags));
	kube_text_owner(u->kv, idx, owner, sizeof(owner));
	snprintf(text, sizeof(text), "%s %s %s %s %s", proto_label(svc), label, svc->sched, flags,
		 owner);
	if (regexec(&u->re, text, 0, NULL, 0) == 0)
		return true;
	/* A real server's address finds the services it serves. */
	for (size_t j = 0; j < svc->n_dests; j++) {
		ipvs_hostport_str(svc->dests[j].af, &svc->dests[j].addr, svc->dests[j].port, label,
			   sizeof(label));
		if (regexec(&u->re, label, 0, NULL, 0) == 0)
			return true;
	}
	return false;
}

static int cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b;
}

static int compare_services(const void *pa, const void *pb, void *arg)
{
	const struct ui *u = arg;
	size_t ia = *(const size_t *)pa, ib = *(const size_t *)pb;
	const struct ipvs_service *a = &u->cur.services[ia];
	const struct ipvs_service *b = &u->cur.services[ib];
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
		c = cmp_u64(a->stats.cps, b->stats.cps);
		break;
	case SORT_INPPS:
		c = cmp_u64(a->stats.inpps, b->stats.inpps);
		break;
	case SORT_OUTPPS:
		c = cmp_u64(a->stats.outpps, b->stats.outpps);
		break;
	case SORT_INBPS:
		c = cmp_u64(a->stats.inbps, b->stats.inbps);
		break;
	case SORT_OUTBPS:
		c = cmp_u64(a->stats.outbps, b->stats.outbps);
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
			c = memcmp(a->addr.bytes, b->addr.bytes, 16);
		if (!c)
			c = a->port - b->port;
		if (!c)
			c = a->protocol - b->protocol;
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
static void derive_totals(struct ui *u)
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
		const struct ipvs_service *svc = &s->services[i];
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

static const struct ipvs_service *selected_service(const struct ui *u)
{
	if (u->svc.sel >= u->n_order)
		return NULL;
	return &u->cur.services[u->order[u->svc.sel]];
}

static void remember_selection(struct ui *u)
{
	const struct ipvs_service *svc = selected_service(u);
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
	    service_same(&u->cur.services[u->order[u->svc.sel]], &u->sel_svc))
		return;
	for (size_t i = 0; i < u->n_order; i++)
		if (service_same(&u->cur.services[u->order[i]], &u->sel_svc)) {
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

static void refresh_views(struct ui *u)
{
	rebuild_order(u);
	restore_selection(u);
	rebuild_conn_rows(u);
	const struct ipvs_service *svc = selected_service(u);
	size_t nd = svc ? svc->n_dests : 0;
	if (u->dest.sel >= nd)
		u->dest.sel = nd ? nd - 1 : 0;
	if (u->conn.sel >= u->n_conn_rows)
		u->conn.sel = u->n_conn_rows ? u->n_conn_rows - 1 : 0;
}

/* ---- drawing ---- */

struct column {
	const char *title;
	int width; /* 0: flexible */
	int right;
	int sort; /* enum sort_key, or -1 */
	int prio; /* what goes first when the width runs out: the lowest */
	bool kube; /* shown only with the Kubernetes join */
};

struct box {
	int y, x, h, w;
};

static void put(int y, int x, int width, const char *text, int right, attr_t attr)
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
		put(y, x, widths[i], t, cols[i].right, a);
		x += widths[i] + 1;
	}
}

static void draw_row(const struct box *b, int y, const char *const *cells,
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
		put(y, x, widths[i], cells[i], cols[i].right, attr);
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
	put(b->y, b->x, b->w, text, 0, a);
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

static const struct column svc_cols[] = {
	{N_("PROT"), 4, 0, -1, 90, false},
	{N_("VIRTUAL SERVICE"), 0, 0, SORT_VIRTUAL, 100, false},
	{N_("SCHED"), 5, 0, SORT_SCHED, 60, false},
	{N_("FLAGS"), 9, 0, -1, 40, false},
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
	draw_title(u, b, PANE_SERVICES, title);
	layout(u, svc_cols, N_SVC_COLS, b->w, 21, widths);
	draw_columns_header(u, b, b->y + 1, svc_cols, N_SVC_COLS, widths);
	int rows = b->h - 2;
	u->svc_rows = rows;
	scroll_into_view(&u->svc, u->n_order, rows);
	if (u->focus == PANE_SERVICES)
		u->rows_per_page = rows;
	for (int r = 0; r < rows && u->svc.top + (size_t)r < u->n_order; r++) {
		size_t idx = u->svc.top + (size_t)r;
		const struct ipvs_service *svc = &u->cur.services[u->order[idx]];
		char label[96], flags[64], nb[8][24], owner[300];
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
		service_label(svc, label, sizeof(label));
		flags_label(svc, flags, sizeof(flags));
		/* Real servers not read yet (the sweep) or unreadable: not a count of zero. */
		bool unread = !svc->dests_known || svc->dests_pending;
		const char *unknown = svc->dests_pending ? "..." : "?";
		snprintf(nb[7], sizeof(nb[7]), "%zu", svc->n_dests);
		const char *cells[N_SVC_COLS] = {
			proto_label(svc),
			label,
			svc->sched,
			flags,
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
		draw_row(b, b->y + 2 + r, cells, svc_cols, N_SVC_COLS, widths, a);
	}
	if (u->n_order == 0 && rows > 0)
		put(b->y + 2, b->x + 1, b->w - 1,
		    u->have_re ? _("No virtual service matches the filter (Esc clears it).")
		    : !u->have ? _("Reading...")
			       : _("No virtual services."),
		    0, A_DIM);
}

static const struct column dest_cols[] = {
	{N_("REAL SERVER"), 0, 0, -1, 100, false}, {N_("FWD"), 6, 0, -1, 60, false},
	{N_("WEIGHT"), 8, 1, -1, 90, false},       {N_("ACTIVE"), 7, 1, -1, 80, false},
	{N_("INACT"), 7, 1, -1, 70, false},        {N_("PERSIST"), 7, 1, -1, 40, false},
	{N_("CONN/S"), 7, 1, -1, 50, false},       {N_("IN PPS"), 7, 1, -1, 30, false},
	{N_("OUT PPS"), 7, 1, -1, 20, false},      {N_("IN B/S"), 7, 1, -1, 25, false},
	{N_("OUT B/S"), 7, 1, -1, 15, false},      {N_("POD"), 0, 0, -1, 75, true},
};
#define N_DEST_COLS ((int)(sizeof(dest_cols) / sizeof(dest_cols[0])))

static void draw_dests(struct ui *u, const struct box *b)
{
	char title[256], label[96];
	int widths[N_DEST_COLS];
	const struct ipvs_service *svc = selected_service(u);
	if (svc)
		service_label(svc, label, sizeof(label));
	if (svc && svc->dests_pending) {
		snprintf(title, sizeof(title), _(" Real servers of %s %s: reading... "),
			 proto_label(svc), label);
	} else if (svc && !svc->dests_known) {
		snprintf(title, sizeof(title), _(" Real servers of %s %s: unknown "),
			 proto_label(svc), label);
	} else if (svc) {
		snprintf(title, sizeof(title), _(" Real servers of %s %s: %zu "), proto_label(svc),
			 label, svc->n_dests);
	} else {
		snprintf(title, sizeof(title), "%s", _(" Real servers "));
	}
	draw_title(u, b, PANE_DESTS, title);
	layout(u, dest_cols, N_DEST_COLS, b->w, 21, widths);
	draw_columns_header(u, b, b->y + 1, dest_cols, N_DEST_COLS, widths);
	int rows = b->h - 2;
	size_t n = svc ? svc->n_dests : 0;
	scroll_into_view(&u->dest, n, rows);
	if (u->focus == PANE_DESTS)
		u->rows_per_page = rows;
	for (int r = 0; svc && r < rows && u->dest.top + (size_t)r < n; r++) {
		size_t idx = u->dest.top + (size_t)r;
		const struct ipvs_dest *d = &svc->dests[idx];
		char nb[10][24], fwd[16], weight[32], pod[300];
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
		draw_row(b, b->y + 2 + r, cells, dest_cols, N_DEST_COLS, widths, a);
	}
	if (svc && svc->dests_pending && rows > 0)
		put(b->y + 2, b->x + 1, b->w - 1, _("Reading its real servers..."), 0, A_DIM);
	else if (svc && !svc->dests_known && rows > 0)
		put(b->y + 2, b->x + 1, b->w - 1, _("Its real servers could not be read."), 0,
		    u->color ? COLOR_PAIR(CP_WARN) : A_BOLD);
	else if (svc && n == 0 && rows > 0)
		put(b->y + 2, b->x + 1, b->w - 1, _("This virtual service has no real servers."), 0,
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
		service_label(&u->conn_svc, label, sizeof(label));
	if (!u->cur.have_conns)
		snprintf(title, sizeof(title), _(" Connections of %s: reading... "), label);
	else
		snprintf(title, sizeof(title),
			 _(" Connections of %s: %zu shown; table %" PRIu64 " entries%s "), label,
			 u->n_conn_rows, u->cur.conns.total,
			 u->cur.conns.truncated ? _(" (list bounded)") : "");
	draw_title(u, b, PANE_CONNS, title);
	layout(u, conn_cols, N_CONN_COLS, b->w, 22, widths);
	draw_columns_header(u, b, b->y + 1, conn_cols, N_CONN_COLS, widths);
	int rows = b->h - 2;
	scroll_into_view(&u->conn, u->n_conn_rows, rows);
	if (u->focus == PANE_CONNS)
		u->rows_per_page = rows;
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
		draw_row(b, b->y + 2 + r, cells, conn_cols, N_CONN_COLS, widths, a);
	}
}

/* Modules the header reports: ip_vs, the schedulers in use, nf_conntrack. */
static void draw_modules(const struct ui *u, int y)
{
	int x = 0;
	attr_t warn = u->color ? COLOR_PAIR(CP_WARN) | A_BOLD : A_BOLD | A_UNDERLINE;
	attr_t ok = u->color ? COLOR_PAIR(CP_OK) : A_NORMAL;
	char buf[96];
	put(y, x, 9, _("Modules:"), 0, A_BOLD);
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
		put(y, x, w, buf, 0, good ? ok : warn);
		x += w + 1;
	}
}

static void draw_header(struct ui *u)
{
	const struct snapshot *s = &u->cur;
	char line[512], b[8][24];
	attr_t hl = u->color ? COLOR_PAIR(CP_HEADER) | A_BOLD : A_BOLD;
	attr_t warn = u->color ? COLOR_PAIR(CP_WARN) | A_BOLD : A_BOLD | A_UNDERLINE;

	snprintf(line, sizeof(line), "ipvstop %s  %s  %s %s", PACKAGE_VERSION,
		 u->have ? s->host : "", _("kernel"), u->kernel);
	int x = 0;
	put(0, x, COLS, line, 0, hl);
	x = cells_width(line) + 2;
	if (u->have && s->ipvs_available) {
		snprintf(line, sizeof(line), _("IPVS %u.%u.%u  conn table %u  via %s"),
			 s->version >> 16, (s->version >> 8) & 0xff, s->version & 0xff,
			 s->conn_tab_size, s->source == IPVS_SOURCE_PROC ? "/proc" : "netlink");
		put(0, x, COLS - x, line, 0, A_NORMAL);
		x += cells_width(line) + 2;
	}
	/* Read-only: no CAP_NET_ADMIN (the /proc fallback), or --readonly. */
	if (((u->have && s->source == IPVS_SOURCE_PROC) || u->opts->readonly) && x < COLS) {
		put(0, x, COLS - x, _("READ-ONLY"), 0, warn);
		x += cells_width(_("READ-ONLY")) + 2;
	}
	if (u->paused && x < COLS) {
		put(0, x, COLS - x, _("PAUSED"), 0, warn);
		x += cells_width(_("PAUSED")) + 2;
	}
	if (u->opts->replay && x < COLS) {
		snprintf(line, sizeof(line), _("REPLAY %s%s"), u->opts->replay_name,
			 feed_replay_ended(u->feed) ? _(" (ended)") : "");
		put(0, x, COLS - x, line, 0, warn);
	}

	/* Line 2: timeouts, age of the data (and of a swept table), sync daemons. */
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
			cells_clock(s->time, tb, sizeof(tb));
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
	put(1, 0, COLS, l2, 0, A_NORMAL);

	/* Line 3: totals, summed once per snapshot (derive_totals). */
	snprintf(line, sizeof(line),
		 _("Services %zu  Real servers %zu  Active %s  Inactive %s  Conn/s %s  "
		   "In %s pkt/s %s B/s  Out %s pkt/s %s B/s"),
		 u->have ? s->n_services : 0, u->tot.dests,
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
	put(2, 0, COLS, line, 0, A_NORMAL);

	/* Line 4: modules, and the slot for the cluster. */
	if (u->have && !s->ipvs_available)
		put(3, 0, COLS, s->ipvs_error, 0, warn);
	else if (u->have)
		draw_modules(u, 3);
	/* Lines 5 on: the cluster, kube-proxy per node, drift. */
	for (size_t i = 0; i < u->kt.n && (int)i + 4 < u->head; i++)
		put(4 + (int)i, 0, COLS, u->kt.line[i], 0, u->kt.warn[i] ? warn : A_NORMAL);
	if (u->kt.n == 0)
		put(4, 0, COLS, _("Kubernetes: not connected"), 0, A_DIM);
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
		put(y, x, w, kn, 0, key);
		x += w;
		const char *l = _(bar_items[i].label);
		w = cells_width(l) + 1;
		if (x + w > COLS)
			break;
		put(y, x, w, l, 0, A_NORMAL);
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
		put(y, 0, COLS - 1, line, 0, A_BOLD);
		int x = cells_width(line);
		if (x < COLS)
			move(y, x);
		return;
	}
	if (u->status[0]) {
		attr_t a = u->status_error ? (u->color ? COLOR_PAIR(CP_WARN) | A_BOLD : A_BOLD)
					   : A_NORMAL;
		put(y, 0, COLS, u->status, 0, a);
		return;
	}
	if (u->have && u->cur.ipvs_available && u->cur.ipvs_error[0]) {
		/* A degraded read (the /proc fallback) says what is missing. */
		put(y, 0, COLS, u->cur.ipvs_error, 0,
		    u->color ? COLOR_PAIR(CP_WARN) : A_BOLD);
		return;
	}
	char hint[256];
	snprintf(hint, sizeof(hint), _("Sorted by %s%s. Enter: real servers, c: connections."),
		 _(sort_names[u->sort]), u->sort_reverse ? _(" (reversed)") : "");
	put(y, 0, COLS, hint, 0, A_DIM);
}

static void draw_help(const struct ui *u)
{
	int y = 0;
	put(y++, 0, COLS, _("ipvstop keys (any key closes this help)"), 0, A_BOLD | A_REVERSE);
	y++;
	int keyw = 16;
	for (size_t i = 0; i < keymap_n_bindings && y < LINES; i++, y++) {
		const struct key_binding *b = &keymap_bindings[i];
		put(y, 2, keyw, _(b->names), 0, A_BOLD);
		put(y, 2 + keyw + 1, COLS - keyw - 3, _(b->help), 0, A_NORMAL);
	}
	if (y + 1 < LINES)
		put(y + 1, 2, COLS - 2,
		    _("Weight 0 (drain) marks a quiesced real server; READ-ONLY: no CAP_NET_ADMIN."),
		    0, A_DIM);
	(void)u;
}

static void draw_modal(struct ui *u);

static void draw(struct ui *u)
{
	erase();
	if (u->help) {
		draw_help(u);
		wnoutrefresh(stdscr);
		doupdate();
		return;
	}
	/* The Kubernetes summary takes up to three lines, fewer on a short terminal. */
	int kl = (int)(u->kt.n ? u->kt.n : 1);
	int most = LINES >= 40 ? 4 : LINES >= 30 ? 3 : 2;
	if (kl > most)
		kl = most;
	u->head = 4 + kl;
	const int head = u->head;
	int avail = LINES - head - 2;
	if (LINES < 12 || COLS < 40) {
		put(0, 0, COLS, _("Terminal too small for ipvstop (needs 40x12)."), 0, A_BOLD);
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
	draw_services(u, &sb);
	draw_dests(u, &db);
	if (u->conns_open)
		draw_conns(u, &cb);
	draw_status(u);
	draw_bar(u);
	draw_modal(u);
	if (!u->filter_editing)
		move(LINES - 1, COLS - 1);
	wnoutrefresh(stdscr);
	doupdate();
}

/* ---- actions ---- */

static struct cursor *focused_cursor(struct ui *u, size_t *n)
{
	const struct ipvs_service *svc = selected_service(u);
	switch (u->focus) {
	case PANE_DESTS:
		*n = svc ? svc->n_dests : 0;
		return &u->dest;
	case PANE_CONNS:
		*n = u->n_conn_rows;
		return &u->conn;
	case PANE_SERVICES:
	default:
		*n = u->n_order;
		return &u->svc;
	}
}

static void move_cursor(struct ui *u, long delta, bool absolute)
{
	size_t n;
	struct cursor *c = focused_cursor(u, &n);
	if (n == 0)
		return;
	long pos = absolute ? delta : (long)c->sel + delta;
	if (pos < 0)
		pos = 0;
	if (pos >= (long)n)
		pos = (long)n - 1;
	c->sel = (size_t)pos;
	if (u->focus == PANE_SERVICES) {
		u->dest.sel = u->dest.top = 0;
		remember_selection(u);
	}
}

static void set_filter(struct ui *u, const char *text)
{
	if (u->have_re) {
		regfree(&u->re);
		u->have_re = false;
	}
	snprintf(u->filter, sizeof(u->filter), "%s", text);
	if (u->filter[0]) {
		int err = regcomp(&u->re, u->filter, REG_EXTENDED | REG_ICASE | REG_NOSUB);
		if (err) {
			char msg[128], line[256];
			regerror(err, &u->re, msg, sizeof(msg));
			snprintf(line, sizeof(line), _("Filter not applied: %s"), msg);
			set_status(u, true, line);
			u->filter[0] = '\0';
		} else {
			u->have_re = true;
			set_status(u, false, "");
		}
	}
	u->svc.sel = u->svc.top = 0;
	u->have_sel = false;
	refresh_views(u);
	remember_selection(u);
}

static void open_connections(struct ui *u)
{
	const struct ipvs_service *svc = selected_service(u);
	if (!svc) {
		set_status(u, true, _("Select a virtual service first."));
		return;
	}
	u->conn_svc = *svc;
	u->conn_svc.dests = NULL;
	u->conn_has_dest = u->focus == PANE_DESTS && u->dest.sel < svc->n_dests;
	if (u->conn_has_dest)
		u->conn_dest = svc->dests[u->dest.sel];
	u->conns_open = true;
	u->focus = PANE_CONNS;
	u->conn.sel = u->conn.top = 0;
	feed_set_connections(u->feed, true);
	refresh_views(u);
}

static void close_connections(struct ui *u)
{
	u->conns_open = false;
	feed_set_connections(u->feed, false);
	if (u->focus == PANE_CONNS)
		u->focus = u->conn_has_dest ? PANE_DESTS : PANE_SERVICES;
}

static const double intervals[] = {0.5, 1, 2, 3, 5, 10, 30, 60};
#define N_INTERVALS (sizeof(intervals) / sizeof(intervals[0]))

static void change_interval(struct ui *u, int dir)
{
	size_t i = 0;
	while (i + 1 < N_INTERVALS && intervals[i] < u->interval)
		i++;
	if (dir < 0 && intervals[i] >= u->interval && i > 0)
		i--;
	else if (dir > 0 && intervals[i] <= u->interval && i + 1 < N_INTERVALS)
		i++;
	u->interval = intervals[i];
	feed_set_interval(u->feed, u->interval);
	char msg[128];
	snprintf(msg, sizeof(msg), _("Refreshing every %g s."), u->interval);
	set_status(u, false, msg);
}

/* ---- actions: pickers, then the action's window ---- */

enum pick_stage { PICK_SCHED = 1, PICK_SCHED_FLAGS, PICK_OWNED, PICK_MODE };

static void pick_open(struct ui *u, int stage, const char *title)
{
	memset(&u->pick, 0, sizeof(u->pick));
	u->pick.open = true;
	u->pick.stage = stage;
	snprintf(u->pick.title, sizeof(u->pick.title), "%.255s", title);
}

static void pick_add(struct ui *u, const char *item, bool grey)
{
	if (u->pick.n >= 16)
		return;
	snprintf(u->pick.items[u->pick.n], sizeof(u->pick.items[0]), "%s", item);
	u->pick.grey[u->pick.n++] = grey;
}

static void action_env(const struct ui *u, struct action_env *env)
{
	memset(env, 0, sizeof(*env));
	kube_side_config_opts(&u->opts->kube, &env->kube);
	env->node_name = u->kube.node;
	env->modules_load_conf = "/etc/modules-load.d/ipvs.conf";
}

static void start_action(struct ui *u, struct action_request *req, const char *title)
{
	action_env(u, &req->env);
	req->force = u->opts->force;
	if (!u->act_lines)
		u->act_lines = calloc(ACTION_RUN_LINES, ACTION_RUN_LINE);
	u->act = u->act_lines ? action_run_start(req) : NULL;
	if (!u->act) {
		set_status(u, true, strerror(ENOMEM));
		return;
	}
	snprintf(u->act_title, sizeof(u->act_title), "%s", title);
}

/* Why an action cannot run now, or NULL. kernel: it changes the kernel (needs netlink). */
static const char *action_blocked(const struct ui *u, bool kernel)
{
	const char *r = actions_disabled_reason(u->opts->readonly, kernel);
	if (r)
		return r;
	if (u->opts->replay)
		return _("a replay shows a recording: there is nothing to change");
	if (kernel && (!u->have || u->cur.source != IPVS_SOURCE_NETLINK))
		return _("changing the kernel needs CAP_NET_ADMIN (run as root)");
	return NULL;
}

static enum module_state sched_module_state(const struct ui *u, const char *sched)
{
	char name[40];
	snprintf(name, sizeof(name), "ip_vs_%s", sched);
	for (size_t i = 0; i < u->cur.n_modules; i++)
		if (strcmp(u->cur.modules[i].name, name) == 0)
			return u->cur.modules[i].state;
	return MODULE_AVAILABLE;
}

static void begin_scheduler(struct ui *u)
{
	const char *why = action_blocked(u, true);
	const struct ipvs_service *svc = selected_service(u);
	if (!why && !svc)
		why = _("select a virtual service first");
	if (why) {
		char msg[300];
		snprintf(msg, sizeof(msg), _("s: %s"), why);
		set_status(u, true, msg);
		return;
	}
	u->act_svc = *svc;
	u->act_svc.dests = NULL;
	u->act_svc.n_dests = u->act_svc.cap_dests = 0;
	kube_text_owner(u->kv, u->order[u->svc.sel], u->act_owner, sizeof(u->act_owner));
	char label[96], title[256];
	service_label(svc, label, sizeof(label));
	snprintf(title, sizeof(title), _("Scheduler for %s %s (now %s)"), proto_label(svc), label,
		 svc->sched);
	pick_open(u, PICK_SCHED, title);
	for (size_t i = 0; i < actions_n_schedulers; i++) {
		char item[128];
		bool missing = sched_module_state(u, actions_schedulers[i]) == MODULE_MISSING;
		snprintf(item, sizeof(item), "%s%s%s", actions_schedulers[i],
			 strcmp(actions_schedulers[i], svc->sched) == 0 ? _(" (current)") : "",
			 missing ? _(" (not in this kernel)") : "");
		pick_add(u, item, missing);
		if (strcmp(actions_schedulers[i], svc->sched) == 0)
			u->pick.sel = (int)i;
	}
}

static void scheduler_chosen(struct ui *u)
{
	struct action_request req;
	char title[300];
	if (u->act_owner[0]) {
		char t[512];
		snprintf(t, sizeof(t),
			 _("kube-proxy owns this virtual service (%s): it puts its own scheduler back "
			   "at its next sync"),
			 u->act_owner);
		pick_open(u, PICK_OWNED, t);
		char item[128];
		snprintf(item, sizeof(item), _("every node: ipvs.scheduler: %s in the kube-proxy "
					       "ConfigMap, restart kube-proxy"),
			 u->act_sched);
		pick_add(u, item, !u->kv || !u->kv->k->enabled);
		pick_add(u, _("temporary: this kernel only, until kube-proxy's next sync"), false);
		pick_add(u, _("cancel"), false);
		return;
	}
	memset(&req, 0, sizeof(req));
	req.kind = AK_SET_SCHEDULER;
	req.svc = u->act_svc;
	snprintf(req.sched, sizeof(req.sched), "%s", u->act_sched);
	req.sched_flags = u->act_flags;
	snprintf(title, sizeof(title), _("Switch the scheduler to %s"), u->act_sched);
	start_action(u, &req, title);
}

static void begin_mode(struct ui *u)
{
	const char *why = action_blocked(u, false);
	if (!why && (!u->kv || !u->kv->k->enabled))
		why = _("the Kubernetes API is not read (see the header)");
	if (why) {
		char msg[300];
		snprintf(msg, sizeof(msg), _("m: %s"), why);
		set_status(u, true, msg);
		return;
	}
	const char *now = kube_configured_mode(u->kv->k);
	char title[256];
	snprintf(title, sizeof(title), _("kube-proxy's proxy mode (configured: %s)"),
		 now[0] ? now : "?");
	pick_open(u, PICK_MODE, title);
	static const char *const modes[] = {"iptables", "ipvs", "nftables"};
	for (size_t i = 0; i < 3; i++) {
		char item[128];
		snprintf(item, sizeof(item), "%s%s", modes[i],
			 strcmp(modes[i], now) == 0 ? _(" (current)") : "");
		pick_add(u, item, false);
		if (strcmp(modes[i], now) == 0)
			u->pick.sel = (int)i;
	}
}

static void begin_modules(struct ui *u)
{
	const char *why = action_blocked(u, false);
	if (why) {
		char msg[300];
		snprintf(msg, sizeof(msg), _("l: %s"), why);
		set_status(u, true, msg);
		return;
	}
	struct action_request req;
	memset(&req, 0, sizeof(req));
	req.kind = AK_LOAD_MODULES;
	req.snap = u->have ? &u->cur : NULL;
	start_action(u, &req, _("Load the kernel modules IPVS needs"));
}

static void pick_chosen(struct ui *u)
{
	int sel = u->pick.sel;
	char item[128];
	snprintf(item, sizeof(item), "%s", u->pick.items[sel]);
	/* The item's first word is the value ("wlc (current)" -> "wlc"). */
	item[strcspn(item, " ")] = '\0';
	u->pick.open = false;
	struct action_request req;
	char title[300];
	memset(&req, 0, sizeof(req));
	switch (u->pick.stage) {
	case PICK_SCHED:
		snprintf(u->act_sched, sizeof(u->act_sched), "%.15s", item);
		u->act_flags = 0;
		if (strcmp(item, "sh") == 0 || strcmp(item, "mh") == 0) {
			pick_open(u, PICK_SCHED_FLAGS, _("Flags of the hashing scheduler"));
			pick_add(u, _("none"), false);
			pick_add(u, _("fallback (skip overloaded or weight-0 servers)"), false);
			pick_add(u, _("port (hash the source port too)"), false);
			pick_add(u, _("fallback and port"), false);
			u->pick.sel = (u->act_svc.flags & IPVS_SVC_SCHED1 ? 1 : 0) +
				      (u->act_svc.flags & IPVS_SVC_SCHED2 ? 2 : 0);
			return;
		}
		scheduler_chosen(u);
		return;
	case PICK_SCHED_FLAGS:
		u->act_flags = (sel & 1 ? IPVS_SVC_SCHED1 : 0) | (sel & 2 ? IPVS_SVC_SCHED2 : 0);
		scheduler_chosen(u);
		return;
	case PICK_OWNED:
		if (sel == 0) {
			req.kind = AK_KUBE_FIELD;
			snprintf(req.key, sizeof(req.key), "ipvs.scheduler");
			snprintf(req.value, sizeof(req.value), "%s", u->act_sched);
			snprintf(title, sizeof(title), _("kube-proxy's IPVS scheduler -> %s (every node)"),
				 u->act_sched);
			start_action(u, &req, title);
		} else if (sel == 1) {
			req.kind = AK_SET_SCHEDULER;
			req.svc = u->act_svc;
			snprintf(req.sched, sizeof(req.sched), "%s", u->act_sched);
			req.sched_flags = u->act_flags;
			snprintf(title, sizeof(title),
				 _("TEMPORARY: scheduler %s on this kernel until kube-proxy's next sync"),
				 u->act_sched);
			start_action(u, &req, title);
		}
		return;
	case PICK_MODE:
		req.kind = AK_KUBE_FIELD;
		snprintf(req.key, sizeof(req.key), "mode");
		snprintf(req.value, sizeof(req.value), "%.31s", item);
		snprintf(title, sizeof(title), _("kube-proxy's mode -> %s"), item);
		start_action(u, &req, title);
		return;
	}
}

/* Keys while a picker or an action window is open. Returns true when it took the key. */
static bool modal_key(struct ui *u, int key)
{
	if (u->act) {
		char q[ACTION_RUN_LINE];
		if (action_run_question(u->act, q, sizeof(q))) {
			if (key == 'y' || key == 'Y' || key == '\n' || key == '\r' || key == KEY_ENTER)
				action_run_answer(u->act, true);
			else if (key == 'n' || key == 'N' || key == 27)
				action_run_answer(u->act, false);
		} else if (action_run_done(u->act, NULL) && key != KEY_RESIZE) {
			action_run_free(u->act);
			u->act = NULL;
			feed_step(u->feed); /* show the result at once */
		}
		return true;
	}
	if (!u->pick.open)
		return false;
	switch (key) {
	case KEY_UP:
	case 'k':
		for (int i = u->pick.sel - 1; i >= 0; i--)
			if (!u->pick.grey[i]) {
				u->pick.sel = i;
				break;
			}
		break;
	case KEY_DOWN:
	case 'j':
		for (int i = u->pick.sel + 1; i < u->pick.n; i++)
			if (!u->pick.grey[i]) {
				u->pick.sel = i;
				break;
			}
		break;
	case '\n':
	case '\r':
	case KEY_ENTER:
		if (!u->pick.grey[u->pick.sel])
			pick_chosen(u);
		break;
	case 27:
	case 'q':
		u->pick.open = false;
		set_status(u, false, _("Cancelled: nothing was changed."));
		break;
	default:
		break;
	}
	return true;
}

static void draw_window(const char *title, int h, int w, int *y0, int *x0)
{
	*y0 = (LINES - h) / 2;
	*x0 = (COLS - w) / 2;
	for (int y = *y0; y < *y0 + h; y++) {
		move(y, *x0);
		for (int x = 0; x < w; x++)
			addch(' ' | A_REVERSE);
	}
	put(*y0, *x0 + 1, w - 2, title, 0, A_REVERSE | A_BOLD);
}

static void draw_modal(struct ui *u)
{
	int y0, x0;
	if (u->pick.open) {
		int w = COLS - 4 < 96 ? COLS - 4 : 96;
		int h = u->pick.n + 4;
		draw_window(u->pick.title, h, w, &y0, &x0);
		for (int i = 0; i < u->pick.n; i++) {
			attr_t a = u->pick.grey[i] ? A_REVERSE | A_DIM : A_REVERSE;
			if (i == u->pick.sel)
				a = A_BOLD;
			put(y0 + 2 + i, x0 + 2, w - 4, u->pick.items[i], 0, a);
		}
		put(y0 + h - 1, x0 + 1, w - 2, _("Up/Down choose, Enter takes it, Esc cancels"), 0,
		    A_REVERSE);
		return;
	}
	if (!u->act)
		return;
	size_t n = action_run_lines(u->act, u->act_lines, u->act_warn);
	int w = COLS - 4 < 110 ? COLS - 4 : 110;
	int h = LINES - 4;
	draw_window(u->act_title, h, w, &y0, &x0);
	int rows = h - 3;
	size_t first = n > (size_t)rows ? n - (size_t)rows : 0;
	for (size_t i = first; i < n; i++)
		put(y0 + 1 + (int)(i - first), x0 + 2, w - 4, u->act_lines[i], 0,
		    u->act_warn[i] ? A_REVERSE | A_BOLD : A_REVERSE);
	char q[ACTION_RUN_LINE], line[ACTION_RUN_LINE + 32];
	int rc = 0;
	if (action_run_question(u->act, q, sizeof(q)))
		snprintf(line, sizeof(line), _("%s [y/N]"), q);
	else if (action_run_done(u->act, &rc))
		snprintf(line, sizeof(line), "%s",
			 rc == 0 ? _("Done. Any key closes this window.")
				 : _("Ended without the change (see above). Any key closes this window."));
	else
		snprintf(line, sizeof(line), "%s", _("Working..."));
	put(y0 + h - 1, x0 + 1, w - 2, line, 0, A_BOLD);
}

/* Returns false when the program should end. */
static bool handle_key(struct ui *u, int key)
{
	if (modal_key(u, key))
		return true;
	if (u->filter_editing) {
		size_t n = strlen(u->filter);
		if (key == 27) {
			u->filter_editing = false;
			set_filter(u, "");
		} else if (key == '\n' || key == '\r' || key == KEY_ENTER) {
			u->filter_editing = false;
			char copy[sizeof(u->filter)];
			memcpy(copy, u->filter, sizeof(copy));
			set_filter(u, copy);
		} else if (key == KEY_BACKSPACE || key == 127 || key == '\b') {
			/* Remove one whole UTF-8 character. */
			while (n > 0 && ((unsigned char)u->filter[n - 1] & 0xc0) == 0x80)
				u->filter[--n] = '\0';
			if (n > 0)
				u->filter[--n] = '\0';
		} else if (key >= 0x20 && key < 0x100 && key != 0x7f && n + 1 < sizeof(u->filter)) {
			u->filter[n] = (char)key;
			u->filter[n + 1] = '\0';
		}
		return true;
	}
	if (u->help) {
		u->help = false;
		return key != 'q' || true;
	}
	if (key == KEY_RESIZE) {
		clearok(curscr, TRUE);
		return true;
	}
	if (u->status_error && key != KEY_RESIZE)
		set_status(u, false, "");

	int page = u->rows_per_page > 1 ? u->rows_per_page - 1 : 1;
	switch (keymap_lookup(key)) {
	case ACT_UP:
		move_cursor(u, -1, false);
		break;
	case ACT_DOWN:
		move_cursor(u, 1, false);
		break;
	case ACT_PAGE_UP:
		move_cursor(u, -page, false);
		break;
	case ACT_PAGE_DOWN:
		move_cursor(u, page, false);
		break;
	case ACT_HOME:
		move_cursor(u, 0, true);
		break;
	case ACT_END:
		move_cursor(u, 1L << 30, true);
		break;
	case ACT_NEXT_PANE:
		u->focus = u->focus == PANE_SERVICES ? PANE_DESTS
			   : u->focus == PANE_DESTS && u->conns_open ? PANE_CONNS
								     : PANE_SERVICES;
		break;
	case ACT_ENTER:
		if (u->focus == PANE_SERVICES && selected_service(u))
			u->focus = PANE_DESTS;
		break;
	case ACT_BACK:
		if (u->focus == PANE_CONNS || (u->conns_open && u->focus != PANE_SERVICES))
			close_connections(u);
		else if (u->focus == PANE_DESTS)
			u->focus = PANE_SERVICES;
		else if (u->conns_open)
			close_connections(u);
		else if (u->have_re)
			set_filter(u, "");
		break;
	case ACT_CONNECTIONS:
		if (u->conns_open && u->focus == PANE_CONNS)
			close_connections(u);
		else
			open_connections(u);
		break;
	case ACT_FILTER:
		/* A new filter replaces the old one, typed from scratch. */
		u->filter_editing = true;
		u->filter[0] = '\0';
		u->focus = PANE_SERVICES;
		break;
	case ACT_SORT_NEXT:
		remember_selection(u);
		u->sort = (enum sort_key)((u->sort + 1) % SORT_COUNT);
		refresh_views(u);
		break;
	case ACT_SORT_REVERSE:
		remember_selection(u);
		u->sort_reverse = !u->sort_reverse;
		refresh_views(u);
		break;
	case ACT_EXACT:
		u->exact = !u->exact;
		break;
	case ACT_PAUSE:
		u->paused = !u->paused;
		feed_set_paused(u->feed, u->paused);
		break;
	case ACT_STEP:
		u->step_pending = true;
		feed_step(u->feed);
		break;
	case ACT_FASTER:
		change_interval(u, -1);
		break;
	case ACT_SLOWER:
		change_interval(u, 1);
		break;
	case ACT_HELP:
		u->help = true;
		break;
	case ACT_QUIT:
		return false;
	case ACT_REPAINT:
		clearok(curscr, TRUE);
		break;
	case ACT_DRIFT:
		if (!u->kv || !u->kv->j) {
			set_status(u, true,
				   _("No drift to show: the Kubernetes side is not read (see the "
				     "header)."));
			break;
		}
		remember_selection(u);
		u->drift_only = !u->drift_only;
		refresh_views(u);
		break;
	case ACT_SCHEDULER:
		begin_scheduler(u);
		break;
	case ACT_PROXY_MODE:
		begin_mode(u);
		break;
	case ACT_MODULES:
		begin_modules(u);
		break;
	case ACT_NONE:
		break;
	}
	return true;
}

/*
 * Tells the feed which services are on screen: the selected one first (its real servers
 * are the ones shown), the one whose connections are open, then the visible rows. O(rows);
 * the feed hears of it only when the set changed (scroll, filter, sort, resize, a new order).
 */
static void update_focus(struct ui *u)
{
	struct ipvs_svc_key keys[FEED_FOCUS_MAX];
	size_t n = 0;
	const struct ipvs_service *sel = selected_service(u);
	if (sel)
		ipvs_svc_key_of(sel, &keys[n++]);
	if (u->conns_open && n < FEED_FOCUS_MAX) {
		ipvs_svc_key_of(&u->conn_svc, &keys[n]);
		if (!n || !ipvs_svc_key_eq(&keys[0], &keys[n]))
			n++;
	}
	for (int r = 0; r < u->svc_rows && n < FEED_FOCUS_MAX; r++) {
		size_t idx = u->svc.top + (size_t)r;
		if (idx >= u->n_order)
			break;
		if (idx == u->svc.sel)
			continue;
		ipvs_svc_key_of(&u->cur.services[u->order[idx]], &keys[n++]);
	}
	if (u->focus_sent && n == u->n_focus_keys &&
	    (n == 0 || memcmp(keys, u->focus_keys, n * sizeof(keys[0])) == 0))
		return;
	memcpy(u->focus_keys, keys, n * sizeof(keys[0]));
	u->n_focus_keys = n;
	u->focus_sent = true;
	feed_set_focus(u->feed, keys, n);
}

/* A new IPVS snapshot, a new cluster state, or both: join again and redo the rows. */
static void take_snapshot(struct ui *u, bool ipvs, bool kube)
{
	struct snapshot s;
	bool got = ipvs && feed_take(u->feed, &s);
	if (got && u->paused && !u->step_pending) {
		/* A read already under way when p was pressed must not change a paused screen. */
		snapshot_free(&s);
		got = false;
	}
	if (got)
		u->step_pending = false;
	if (got) {
		if (u->have)
			snapshot_free(&u->cur);
		u->cur = s;
		u->have = true;
		derive_totals(u);
	}
	if (!got && !kube)
		return;
	u->kv = kube_side_update(&u->kube, u->have ? &u->cur : NULL, u->cur.mono);
	kube_text_summary(u->kv, u->have ? &u->cur : NULL, &u->kt);
	refresh_views(u);
}

static void start_colors(struct ui *u)
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

int ui_run(const struct ui_opts *opts)
{
	struct ui u;
	memset(&u, 0, sizeof(u));
	u.opts = opts;
	u.interval = opts->interval;
	u.sort = SORT_ACTIVE;
	struct utsname un;
	snprintf(u.kernel, sizeof(u.kernel), "%s", uname(&un) == 0 ? un.release : "?");

	u.feed = feed_start(&opts->collect, opts->interval, opts->replay, opts->record);
	if (!u.feed) {
		fprintf(stderr, "%s: %s\n", PACKAGE, strerror(errno));
		return 1;
	}

	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = on_fatal_signal;
	sa.sa_flags = SA_RESETHAND;
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	sigaction(SIGFPE, &sa, NULL);
	sigaction(SIGABRT, &sa, NULL);

	if (!initscr()) {
		feed_stop(u.feed);
		fprintf(stderr, _("%s: cannot start the terminal (TERM=%s)\n"), PACKAGE,
			getenv("TERM") ? getenv("TERM") : "");
		return 1;
	}
	set_escdelay(25);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	curs_set(0);
	start_colors(&u);

	if (kube_side_start(&u.kube, &opts->kube) != 0) {
		endwin();
		feed_stop(u.feed);
		fprintf(stderr, "%s: %s\n", PACKAGE, strerror(ENOMEM));
		return 1;
	}
	struct pollfd fds[4] = {
		{.fd = STDIN_FILENO, .events = POLLIN},
		{.fd = feed_fd(u.feed), .events = POLLIN},
		{.fd = kube_side_fd(&u.kube), .events = POLLIN},
		{.fd = -1, .events = POLLIN},
	};
	/* A side that is off still has a word for the header. */
	take_snapshot(&u, false, true);
	bool running = true;
	draw(&u);
	while (running && !stop_requested) {
		/* poll ignores negative descriptors: the kube and action slots may be empty. */
		fds[3].fd = u.act ? action_run_fd(u.act) : -1;
		int n = poll(fds, 4, 500);
		if (n < 0 && errno != EINTR)
			break;
		bool ipvs = n > 0 && (fds[1].revents & POLLIN);
		bool kube = n > 0 && fds[2].fd >= 0 && (fds[2].revents & POLLIN);
		if (n > 0 && (fds[0].revents & (POLLHUP | POLLERR)))
			break;
		int key;
		/*
		 * Keys first when both are waiting: a key's effect shows before the new snapshot
		 * is sorted and joined (which, on a big table, takes longer than drawing).
		 */
		if ((ipvs || kube) && n > 0 && (fds[0].revents & POLLIN)) {
			while (running && (key = getch()) != ERR)
				running = handle_key(&u, key);
			if (running)
				draw(&u);
		}
		if (running && (ipvs || kube))
			take_snapshot(&u, ipvs, kube);
		while (running && (key = getch()) != ERR)
			running = handle_key(&u, key);
		curs_set(u.filter_editing ? 1 : 0);
		if (running) {
			draw(&u);
			update_focus(&u);
		}
	}

	endwin();
	if (u.act)
		action_run_free(u.act);
	free(u.act_lines);
	feed_stop(u.feed);
	kube_side_stop(&u.kube);
	if (u.have)
		snapshot_free(&u.cur);
	if (u.have_re)
		regfree(&u.re);
	free(u.order);
	free(u.conn_rows);
	free(u.sums);
	free(u.mod_used);
	return 0;
}
