/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Draws another data plane's frontends (services pane) and the selected one's endpoints. */
#include "config.h"

#include <curses.h>
#include <stdio.h>
#include <string.h>

#include "cells.h"
#include "dp_join.h"
#include "kube_text.h"
#include "nls.h"
#include "ui_internal.h"

/*
 * The node's problems (ui_kp_problems) at the end of tail go on a line of their own when the
 * whole does not fit: 2; else 1. What could not be read stays cut at the screen's edge as
 * before, so that the layout moves only when a problem comes or goes. *cut receives the
 * length of tail without the problems in the 2-line case.
 */
static int header_lines(const struct ui *u, const char *line, const char *tail, int cols,
			size_t *cut)
{
	char probs[256];
	*cut = strlen(tail);
	if (!tail[0] || !ui_kp_problems(u, probs, sizeof(probs)) ||
	    cells_width(line) + 2 + cells_width(tail) <= cols)
		return 1;
	size_t p = strlen(probs);
	*cut = *cut > p + 2 ? *cut - p - 2 : 0;
	return 2;
}

int ui_dp_draw_header(const struct ui *u, int y)
{
	char line[512], tail[512];
	bool warn;
	if (!ui_dp_header(u, line, sizeof(line), tail, sizeof(tail), &warn))
		return 0;
	ui_draw_put(y, 0, COLS, line, 0, A_NORMAL);
	size_t cut;
	int n = header_lines(u, line, tail, COLS, &cut);
	char probs[256];
	if (n == 2) {
		snprintf(probs, sizeof(probs), "%s", tail + cut + (cut ? 2 : 0));
		tail[cut] = '\0';
		ui_draw_put(y + 1, 0, COLS, probs, 0, ui_draw_warn(u));
	}
	/* What could not be read, after it: a warning, or dim for a module not loaded. */
	int x = cells_width(line) + 2;
	if (tail[0] && x < COLS)
		ui_draw_put(y, x, COLS - x, tail, 0, warn ? ui_draw_warn(u) : A_DIM);
	return n;
}

int ui_dp_header_lines(const struct ui *u, int cols)
{
	char line[512], tail[512];
	bool warn;
	size_t cut;
	if (!ui_dp_header(u, line, sizeof(line), tail, sizeof(tail), &warn))
		return 0;
	return header_lines(u, line, tail, cols, &cut);
}

static const struct column fe_cols[] = {
	{N_("PROT"), 4, 0, -1, 90, false},
	{N_("FRONTEND"), 0, 0, SORT_VIRTUAL, 100, false},
	{N_("KIND"), 12, 0, SORT_SCHED, 70, false},
	{N_("EPS"), 4, 1, SORT_RS, 85, false},
	{N_("STATE"), 12, 0, -1, 60, false}, /* "unrecognised", "no endpoints" */
	{N_("SERVICE (RULES)"), 0, 0, SORT_ACTIVE, 95, false},
	{N_("KUBERNETES SERVICE"), 0, 0, -1, 55, false},
};

#define N_FE_COLS ((int)(sizeof(fe_cols) / sizeof(fe_cols[0])))

/* The pane's title: how many, the filter, and the plane's tag. */
static void frontends_title(const struct ui *u, char *title, size_t len)
{
	size_t all = u->cur.dp->planes[u->plane].n_frontends;
	const char *tag = dp_plane_name(u->plane);
	if (u->drift_only)
		snprintf(title, len, _(" Frontends with drift: %zu of %zu  [%s] "), u->n_fe_order,
			 all, tag);
	else if (u->have_re)
		snprintf(title, len, _(" Frontends: %zu of %zu match /%s/  [%s] "), u->n_fe_order,
			 all, u->filter, tag);
	else
		snprintf(title, len, _(" Frontends: %zu  [%s] "), all, tag);
}

/* Why the pane has no row: the plane's error, the filter, or nothing of kube-proxy's. */
static void frontends_empty(const struct ui *u, const struct box *b)
{
	const struct dp_plane *p = &u->cur.dp->planes[u->plane];
	char line[256];
	attr_t a = A_DIM;
	if (p->error || (!p->read && p->why[0])) {
		snprintf(line, sizeof(line), _("%s not read: %s"), dp_plane_name(u->plane), p->why);
		a = p->error ? ui_draw_warn(u) : A_DIM;
	} else if (u->have_re || u->drift_only) {
		snprintf(line, sizeof(line), "%s",
			 u->drift_only ? _("No frontend with drift (d again: all).")
				       : _("No frontend matches the filter (Esc clears it)."));
	} else {
		snprintf(line, sizeof(line), _("No kube-proxy frontends in %s on this node."),
			 dp_plane_name(u->plane));
	}
	ui_draw_put(b->y + 2, b->x + 1, b->w - 1, line, 0, a);
}

void ui_dp_draw_frontends(struct ui *u, const struct box *b)
{
	char title[256];
	int widths[N_FE_COLS];
	frontends_title(u, title, sizeof(title));
	int rows = ui_draw_pane(u, b, PANE_SERVICES, title, fe_cols, N_FE_COLS, 21, widths,
				&u->fe, u->n_fe_order);
	for (int r = 0; r < rows && u->fe.top + (size_t)r < u->n_fe_order; r++) {
		size_t idx = u->fe.top + (size_t)r;
		const struct dp_frontend *f = &u->cur.dp->fe[u->fe_order[idx]];
		char label[96], owner[300], state[64], eps[24], kube[300];
		ui_dp_fe_label(f, label, sizeof(label));
		ui_dp_owner_label(f, owner, sizeof(owner));
		ui_dp_state_label(f, state, sizeof(state));
		snprintf(eps, sizeof(eps), "%zu", f->n_eps);
		const char *cells[N_FE_COLS] = {
		    ui_rows_proto_name(f->protocol), label, ui_dp_kind_label(f->kind), eps, state,
		    owner, ui_dp_cluster_owner(u, u->fe_order[idx], kube, sizeof(kube)),
		};
		bool drift = u->fe_drift && u->fe_drift[u->fe_order[idx]];
		attr_t a = A_NORMAL;
		if (idx == u->fe.sel)
			a = u->focus == PANE_SERVICES ? A_REVERSE | A_BOLD : A_REVERSE;
		else if (f->unrecognised || f->no_endpoints || f->n_eps == 0 || drift)
			a = u->color ? COLOR_PAIR(CP_WARN) : A_BOLD;
		ui_draw_row(b, b->y + 2 + r, cells, fe_cols, N_FE_COLS, widths, a);
	}
	if (u->n_fe_order == 0 && rows > 0)
		frontends_empty(u, b);
}

static const struct column ep_cols[] = {
	{N_("ENDPOINT"), 0, 0, -1, 100, false},
	{N_("SHARE"), 8, 1, -1, 90, false},
	{N_("POD"), 0, 0, -1, 75, false},
};

/*
 * The pod of endpoint j of frontend fe (cur.dp->fe[fe]) from the data planes' join with the
 * cluster, "-" when there is none (no cluster, or the join is of another read).
 */
static const char *ep_pod(const struct ui *u, size_t fe, size_t j, char *buf, size_t len)
{
	const struct dp_join *dj = u->kv ? u->kv->dpj : NULL;
	bool same = dj && dj->dp == u->cur.dp;
	kube_text_endpoint(same ? u->kv->k : NULL, same ? dp_join_ep(dj, fe, j) : NULL, buf, len);
	if (!buf[0])
		snprintf(buf, len, "-");
	return buf;
}
#define N_EP_COLS ((int)(sizeof(ep_cols) / sizeof(ep_cols[0])))

/* Under the endpoints when there are none, or the rule was not understood: why. */
static void endpoints_note(const struct ui *u, const struct box *b, const struct dp_frontend *f)
{
	char line[300];
	if (f->unrecognised)
		snprintf(line, sizeof(line), _("Not recognised: %s"),
			 f->note && f->note[0] ? f->note : _("a rule shape this reader does not know"));
	else if (f->no_endpoints)
		snprintf(line, sizeof(line), "%s",
			 _("No endpoint: the rules reject or drop its traffic (no ready endpoint)."));
	else
		snprintf(line, sizeof(line), "%s", _("This frontend has no endpoints."));
	int y = b->y + 2 + (int)f->n_eps;
	if (y < b->y + b->h)
		ui_draw_put(y, b->x + 1, b->w - 1, line, 0, ui_draw_warn(u));
}

void ui_dp_draw_endpoints(struct ui *u, const struct box *b)
{
	char title[512], label[96], owner[300];
	int widths[N_EP_COLS];
	const struct dp_frontend *f = ui_dp_selected(u);
	if (f) {
		ui_dp_fe_label(f, label, sizeof(label));
		ui_dp_owner_label(f, owner, sizeof(owner));
		snprintf(title, sizeof(title), _(" Endpoints of %s %s (%s): %zu "),
			 ui_rows_proto_name(f->protocol), label, owner, f->n_eps);
	} else {
		snprintf(title, sizeof(title), "%s", _(" Endpoints "));
	}
	size_t n = f ? f->n_eps : 0;
	int rows = ui_draw_pane(u, b, PANE_DESTS, title, ep_cols, N_EP_COLS, 21, widths, &u->ep,
				n);
	for (int r = 0; f && r < rows && u->ep.top + (size_t)r < n; r++) {
		size_t idx = u->ep.top + (size_t)r;
		const struct dp_endpoint *e = &f->eps[idx];
		char share[16], pod[300];
		ipvs_hostport_str(e->af, &e->addr, e->port, label, sizeof(label));
		if (e->share > 0)
			snprintf(share, sizeof(share), "%.1f%%", e->share * 100);
		else
			snprintf(share, sizeof(share), "-");
		const char *cells[N_EP_COLS] = {
		    label, share, ep_pod(u, u->fe_order[u->fe.sel], idx, pod, sizeof(pod))};
		attr_t a = idx == u->ep.sel && u->focus == PANE_DESTS ? A_REVERSE | A_BOLD : A_NORMAL;
		ui_draw_row(b, b->y + 2 + r, cells, ep_cols, N_EP_COLS, widths, a);
	}
	if (f && (f->unrecognised || f->no_endpoints || n == 0) && rows > 0)
		endpoints_note(u, b, f);
}
