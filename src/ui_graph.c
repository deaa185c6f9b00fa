/* SPDX-License-Identifier: GPL-2.0-or-later */
/* History on the dashboard: sparklines in the panes and the header, the graph pane, time keys. */
#include "config.h"

#include <curses.h>
#include <langinfo.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cells.h"
#include "hash.h"
#include "history.h"
#include "nls.h"
#include "ui_internal.h"

#define SPARK_SPAN 300.0 /* the sparklines: the last 5 minutes */
#define GRAPH_SPAN 600.0 /* the graph pane: the last 10 minutes */
#define GRAPH_MAX_COLS 1024

bool ui_graph_unicode(void)
{
	static int uni = -1;
	if (uni < 0) {
		/* The Linux console's font lacks most block elements: ASCII there. */
		const char *term = getenv("TERM");
		uni = strcmp(nl_langinfo(CODESET), "UTF-8") == 0 && !(term && !strcmp(term, "linux"));
	}
	return uni;
}

/* The height of v in eighths of rows (0..rows*8), against max. */
static int eighths(double v, double max, int rows)
{
	if (!(v > 0) || !(max > 0))
		return 0;
	long e = lround(v / max * rows * 8);
	if (e < 1)
		e = 1; /* traffic, however little, is not nothing */
	return e > rows * 8 ? rows * 8 : (int)e;
}

/* One cell filled fill eighths (0..8) from the bottom, into buf (4 bytes and a NUL). */
static const char *block(int fill, bool uni, char *buf)
{
	static const char ascii[] = " _.-:=+*#";
	if (uni && fill > 0) {
		buf[0] = '\xe2';
		buf[1] = '\x96';
		buf[2] = (char)(0x80 + (fill > 8 ? 8 : fill));
		buf[3] = '\0';
	} else {
		buf[0] = ascii[fill < 0 ? 0 : fill > 8 ? 8 : fill];
		buf[1] = '\0';
	}
	return buf;
}

/* The greatest value of v (0 when none). */
static double vmax(const double *v, size_t n)
{
	double m = 0;
	for (size_t i = 0; i < n; i++)
		if (v[i] > m)
			m = v[i];
	return m;
}

/* A sparkline of v (n cells), each scaled to max, into buf. */
static void spark_text(const double *v, size_t n, double max, char *buf, size_t len)
{
	size_t o = 0;
	bool uni = ui_graph_unicode();
	for (size_t i = 0; i < n && o + 4 < len; i++) {
		char b[5];
		block(eighths(v[i], max, 1), uni, b);
		size_t l = strlen(b);
		memcpy(buf + o, b, l);
		o += l;
	}
	buf[o] = '\0';
}

/*
 * Where the window follows: the newest sample, or in a replay the record on screen (the
 * history holds the whole recording, so keys can move past it).
 */
static double follow_time(const struct ui *u)
{
	double newest = u->hist ? history_newest(u->hist) : 0;
	return u->hist_whole && u->have && u->cur.time < newest ? u->cur.time : newest;
}

/* The end of the window the history is read over: followed, or where keys moved it. */
static double window_end(const struct ui *u)
{
	double newest = u->hist ? history_newest(u->hist) : 0;
	if (u->graph_end > 0)
		return u->graph_end < newest ? u->graph_end : newest;
	return follow_time(u);
}

enum history_series ui_graph_metric(const struct ui *u)
{
	switch (u->sort) {
	case SORT_CPS: return HS_CPS;
	case SORT_INPPS: return HS_INPPS;
	case SORT_OUTPPS: return HS_OUTPPS;
	case SORT_INBPS: return HS_INBPS;
	case SORT_OUTBPS: return HS_OUTBPS;
	default: return HS_CPS;
	}
}

const char *ui_graph_spark(const struct ui *u, uint64_t key, int width, char *buf, size_t len)
{
	double v[64];
	buf[0] = '\0';
	if (!u->hist || width <= 0)
		return buf;
	size_t n = width > 64 ? 64 : (size_t)width;
	double end = window_end(u);
	history_series(u->hist, key, ui_graph_metric(u), end - SPARK_SPAN, end, v, n);
	spark_text(v, n, vmax(v, n), buf, len);
	return buf;
}

void ui_graph_header(const struct ui *u, int y, int x)
{
	char line[512], sp[256];
	int w = COLS - x;
	if (!u->hist || w < UI_GRAPH_HEADER_MIN)
		return;
	const char *name = _(history_series_unit(ui_graph_metric(u)));
	int n = w - cells_width(name) - 2;
	ui_graph_spark(u, HISTORY_KEY_TOTAL, n > 30 ? 30 : n, sp, sizeof(sp));
	snprintf(line, sizeof(line), "%s %s", name, sp);
	ui_draw_put(y, x, w, line, 0, A_NORMAL);
}

void ui_graph_push(struct ui *u)
{
	if (!u->hist || !u->have || u->hist_whole)
		return;
	/* A big table's rows change once a sweep: sampling faster only shortens the reach. */
	double step = u->cur.sweep_period > 0 ? u->cur.sweep_period / 2 : 0;
	if (history_push(u->hist, &u->cur, step) != 0)
		ui_set_status(u, true, _("history: out of memory, a sample was lost"));
}

bool ui_graph_first_sample(const struct ui *u)
{
	return u->hist && !u->hist_whole && !history_newest(u->hist);
}

void ui_graph_start(struct ui *u, const volatile sig_atomic_t *stop)
{
	u->hist = history_new(HISTORY_BUDGET);
	u->graph_span = GRAPH_SPAN;
	if (!u->hist || !u->opts->replay || !u->opts->replay_name)
		return;
	/*
	 * A replay's history is the whole recording's, read once here (its own FILE: the feed
	 * reads the other), so that every record counts even when the screen skips some.
	 */
	FILE *f = fopen(u->opts->replay_name, "r");
	size_t n = 0;
	if (f && history_read_recording(u->hist, f, &n, stop) == 0)
		u->hist_whole = true;
	if (f)
		fclose(f);
	if (!u->hist_whole) {
		/* Not readable twice (a pipe) or no memory: sampled as it plays instead. */
		history_free(u->hist);
		u->hist = history_new(HISTORY_BUDGET);
	}
}

void ui_graph_free(struct ui *u)
{
	history_free(u->hist);
	u->hist = NULL;
}

/*
 * kube-proxy restarted on this node (all nodes without one): a pod of another name, a
 * container restarted, or a rollout restart of the DaemonSet. Marked at the time of the
 * snapshot on screen (a replay's record, live: now). Pods missing for a moment (a rollout
 * between pods) change nothing; the first list seen is no restart.
 */
void ui_graph_kube(struct ui *u)
{
	const struct kube_state *k = u->kv ? u->kv->k : NULL;
	if (!u->hist || !u->have || !k || !k->n_proxies)
		return;
	const char *node = u->kv->node_name;
	uint64_t sig = hash_fnv1a_str(HASH_FNV1A_INIT, k->ds.restarted_at);
	size_t n = 0;
	for (size_t i = 0; i < k->n_proxies; i++) {
		const struct kube_proxy_pod *p = &k->proxies[i];
		if (node && p->node && strcmp(node, p->node) != 0)
			continue;
		sig = hash_fnv1a_str(sig, p->name ? p->name : "");
		sig = hash_mix(sig, p->restarts);
		n++;
	}
	if (!n)
		return;
	if (u->kp_sig_known && sig != u->kp_sig)
		history_mark_global(u->hist, u->cur.time, HM_KUBE_PROXY);
	u->kp_sig = sig;
	u->kp_sig_known = true;
}

/* ---- keys ---- */

void ui_graph_toggle(struct ui *u)
{
	if (u->graph_open) {
		u->graph_open = false;
		return;
	}
	const struct ipvs_service *svc = ui_rows_selected(u);
	char lb[96];
	if (svc && u->focus == PANE_DESTS && u->dest.sel < svc->n_dests) {
		const struct ipvs_dest *d = &svc->dests[u->dest.sel];
		u->graph_key = history_key_dest(svc, d);
		ipvs_hostport_str(d->af, &d->addr, d->port, lb, sizeof(lb));
		snprintf(u->graph_label, sizeof(u->graph_label), _("real server %s"), lb);
	} else if (svc) {
		u->graph_key = history_key_service(svc);
		ui_rows_service_label(svc, lb, sizeof(lb));
		snprintf(u->graph_label, sizeof(u->graph_label), "%s %s", ui_rows_proto_label(svc),
			 lb);
	} else {
		u->graph_key = HISTORY_KEY_TOTAL;
		snprintf(u->graph_label, sizeof(u->graph_label), "%s", _("all virtual services"));
	}
	u->graph_open = true;
}

/*
 * Moves the window by a quarter of it (dir -1: back). Reaching what it follows (the newest
 * sample, a replay's record on screen) it follows again; a replay can go on to the end.
 */
static void move_time(struct ui *u, int dir)
{
	if (!u->hist || !history_newest(u->hist))
		return;
	double from = window_end(u), base = follow_time(u), newest = history_newest(u->hist);
	double end = from + dir * u->graph_span / 4;
	double oldest = history_oldest(u->hist);
	if (end < oldest + u->graph_span / 4)
		end = oldest + u->graph_span / 4;
	if (end > newest)
		end = newest;
	bool reached = dir > 0 ? from < base && end >= base : from > base && end <= base;
	u->graph_end = reached || end == base ? 0 : end;
}

void ui_graph_back(struct ui *u)
{
	move_time(u, -1);
}

void ui_graph_forward(struct ui *u)
{
	move_time(u, 1);
}

/* Puts the marker before (dir -1) or after the window's middle in the middle. */
static void jump_marker(struct ui *u, int dir)
{
	double at, mid = window_end(u) - u->graph_span / 2;
	if (!u->hist || !history_marker_near(u->hist, mid, dir, &at)) {
		ui_set_status(u, false, dir < 0 ? _("No marker before this.")
						: _("No marker after this."));
		return;
	}
	u->graph_end = at + u->graph_span / 2;
	if (u->graph_end >= history_newest(u->hist))
		u->graph_end = history_newest(u->hist);
	if (u->graph_end == follow_time(u))
		u->graph_end = 0;
}

void ui_graph_marker_prev(struct ui *u)
{
	jump_marker(u, -1);
}

void ui_graph_marker_next(struct ui *u)
{
	jump_marker(u, 1);
}

bool ui_graph_key(struct ui *u, int key)
{
	if (!u->graph_open)
		return false;
	switch (key) {
	case KEY_UP:
	case 'k':
		u->graph_series = (u->graph_series + HS_COUNT - 1) % HS_COUNT;
		return true;
	case KEY_DOWN:
	case 'j':
		u->graph_series = (u->graph_series + 1) % HS_COUNT;
		return true;
	case 27:
	case KEY_BACKSPACE:
	case 127:
		u->graph_open = false;
		return true;
	default:
		return false;
	}
}

/* ---- the graph pane ---- */

static const char *hhmmss(double t, char *buf, size_t len)
{
	time_t s = (time_t)floor(t);
	struct tm tm;
	if (!localtime_r(&s, &tm) || !strftime(buf, len, "%H:%M:%S", &tm))
		snprintf(buf, len, "?");
	return buf;
}

/* "1h 05m", "12m 30s", "45s": how far back the history reaches. */
static void span_text(double s, char *buf, size_t len)
{
	long t = lround(s > 0 ? s : 0);
	if (t >= 3600)
		snprintf(buf, len, "%ldh %02ldm", t / 3600, t / 60 % 60);
	else if (t >= 60)
		snprintf(buf, len, "%ldm %02lds", t / 60, t % 60);
	else
		snprintf(buf, len, "%lds", t);
}

struct gbox {
	int y, x, h, w;
};

/* The graph proper: the y scale on the left, columns of blocks, the markers row under it. */
static void draw_plot(const struct ui *u, const struct gbox *g, const double *v, size_t n,
		      double t0, double t1)
{
	bool uni = ui_graph_unicode();
	double top = history_scale_top(vmax(v, n));
	const char *unit = _(history_series_unit(u->graph_series));
	char lb[64], nb[24], cell[8];
	for (int r = 0; r < g->h; r++) {
		lb[0] = '\0';
		/* The value at the top edge of the row: the scale's top, its middle, and 0. */
		if (r == 0 || r == g->h / 2)
			snprintf(lb, sizeof(lb), "%s %s",
				 cells_human(top * (g->h - r) / g->h, nb, sizeof(nb)), unit);
		else if (r == g->h - 1)
			snprintf(lb, sizeof(lb), "0 %s", unit);
		ui_draw_put(g->y + r, g->x, 12, lb, 1, A_DIM);
		ui_draw_put(g->y + r, g->x + 12, 1, uni ? "\xe2\x94\x82" : "|", 0, A_DIM);
	}
	for (size_t c = 0; c < n; c++) {
		int e = eighths(v[c], top, g->h);
		for (int r = 0; r < g->h; r++) {
			int fill = e - (g->h - 1 - r) * 8;
			if (!uni) /* half a cell or more: a whole '#' */
				fill = fill >= 4 ? 8 : 0;
			if (fill > 0)
				mvaddstr(g->y + r, g->x + 13 + (int)c, block(fill, uni, cell));
		}
	}
	/* Markers: a letter under the column where they happened; colour only adds to it. */
	struct history_marker mk[64];
	size_t nm = history_markers(u->hist, u->graph_key, t0, t1, mk, 64);
	int my = g->y + g->h;
	ui_draw_put(my, g->x, 12, _("markers"), 1, A_DIM);
	double w = (t1 - t0) / (double)n;
	for (size_t i = 0; i < nm; i++) {
		double b = ceil((mk[i].time - t0) / w) - 1;
		int col = b < 0 ? 0 : b >= (double)n ? (int)n - 1 : (int)b;
		char tag[2] = {history_mark_tag(mk[i].kind), '\0'};
		ui_draw_put(my, g->x + 13 + col, 1, tag, 0,
			    u->color ? COLOR_PAIR(CP_WARN) | A_BOLD : A_BOLD);
	}
}

/* The time axis: the window's start, middle and end as clock times. */
static void draw_axis(const struct gbox *g, size_t n, double t0, double t1)
{
	char a[16], m[16], e[16];
	int y = g->y + g->h + 1, x = g->x + 13, w = (int)n;
	hhmmss(t0, a, sizeof(a));
	hhmmss((t0 + t1) / 2, m, sizeof(m));
	hhmmss(t1, e, sizeof(e));
	ui_draw_put(y, x, w, a, 0, A_DIM);
	if (w > 3 * 9) {
		int mw = cells_width(m);
		ui_draw_put(y, x + w / 2 - mw / 2, mw, m, 0, A_DIM);
	}
	if (w > 2 * 9)
		ui_draw_put(y, x + w - cells_width(e), cells_width(e), e, 0, A_DIM);
}

/* Series lines under the graph: the name, current, min and max, and a sparkline. */
static void draw_series_line(const struct ui *u, int y, int x, int w, int s, double t0,
			     double t1)
{
	double v[GRAPH_MAX_COLS];
	char line[512], cur[24], mn[24], mx[24], sp[GRAPH_MAX_COLS * 3 + 1];
	size_t n = 40;
	history_series(u->hist, u->graph_key, (enum history_series)s, t0, t1, v, n);
	double lo = NAN, hi = NAN, last = NAN;
	for (size_t i = 0; i < n; i++) {
		if (isnan(v[i]))
			continue;
		lo = isnan(lo) || v[i] < lo ? v[i] : lo;
		hi = isnan(hi) || v[i] > hi ? v[i] : hi;
		last = v[i];
	}
	/* The name padded in display cells, not bytes: translations are wider per byte. */
	char name[128];
	cells_pad(_(history_series_name(s)), 22, 0, name, sizeof(name));
	if (isnan(last))
		snprintf(line, sizeof(line), "%c %s %s", s == u->graph_series ? '>' : ' ', name,
			 _("no data"));
	else
		snprintf(line, sizeof(line), _("%c %s now %7s  min %7s  max %7s "),
			 s == u->graph_series ? '>' : ' ', name, cells_human(last, cur, sizeof(cur)),
			 cells_human(lo, mn, sizeof(mn)), cells_human(hi, mx, sizeof(mx)));
	int lw = cells_width(line);
	attr_t a = s == u->graph_series ? A_BOLD : A_NORMAL;
	ui_draw_put(y, x, w, line, 0, a);
	if (w - lw > 4) {
		size_t sn = (size_t)(w - lw) < n ? (size_t)(w - lw) : n;
		history_series(u->hist, u->graph_key, (enum history_series)s, t0, t1, v, sn);
		spark_text(v, sn, vmax(v, sn), sp, sizeof(sp));
		ui_draw_put(y, x + lw, w - lw, sp, 0, a);
	}
}

void ui_graph_draw(struct ui *u, int y, int x, int h, int w)
{
	for (int r = 0; r < h; r++)
		mvhline(y + r, x, ' ', w);
	char title[512], reach[32], ta[16], tb[16];
	double t1 = window_end(u), t0 = t1 - u->graph_span;
	bool any = u->hist && history_newest(u->hist) > 0;
	span_text(any ? history_newest(u->hist) - history_oldest(u->hist) : 0, reach,
		  sizeof(reach));
	if (any)
		snprintf(title, sizeof(title),
			 _(" Graph of %s: %s, %s to %s (history reaches back %s) "), u->graph_label,
			 _(history_series_name(u->graph_series)), hhmmss(t0, ta, sizeof(ta)),
			 hhmmss(t1, tb, sizeof(tb)), reach);
	else
		snprintf(title, sizeof(title), _(" Graph of %s "), u->graph_label);
	attr_t tattr = u->color ? COLOR_PAIR(CP_TITLE_FOCUS) | A_BOLD : A_REVERSE | A_BOLD;
	attron(tattr);
	mvhline(y, x, ' ', w);
	attroff(tattr);
	ui_draw_put(y, x, w, title, 0, tattr);
	if (!u->hist || !history_has(u->hist, u->graph_key)) {
		ui_draw_put(y + 1, x + 1, w - 1, _("No history for this row yet."), 0, A_DIM);
		return;
	}
	/* Below the plot: markers, the time axis, the series (all when there is room), a hint. */
	int lines = h - 1 - 2 - 1;
	int nser = lines - 3 >= HS_COUNT + 3 ? HS_COUNT : 1;
	struct gbox g = {y + 1, x, lines - nser, w};
	if (g.h < 2)
		g.h = 2;
	size_t n = (size_t)(w - 14);
	if (n > GRAPH_MAX_COLS)
		n = GRAPH_MAX_COLS;
	double v[GRAPH_MAX_COLS];
	history_series(u->hist, u->graph_key, (enum history_series)u->graph_series, t0, t1, v, n);
	draw_plot(u, &g, v, n, t0, t1);
	draw_axis(&g, n, t0, t1);
	int sy = g.y + g.h + 2;
	for (int s = 0; s < HS_COUNT && sy < y + h - 1; s++) {
		if (nser == 1 && s != u->graph_series)
			continue;
		draw_series_line(u, sy++, x, w, s, t0, t1);
	}
	ui_draw_put(y + h - 1, x, w,
		    _("g: close  Up/Down: series  [ ]: time  { }: markers  (0 weight 0, + - real "
		      "server added, removed, s scheduler, ! refresh failed, k kube-proxy restarted)"),
		    0, A_DIM);
}
