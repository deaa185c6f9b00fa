/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * N: the cluster's nodes, one row each, problems first, as their agents say (cluster.c);
 * Enter opens a node's own tables in the panes, read-only, from its agent. The poller
 * starts at the first N: a dashboard that never asks puts no load on the agents.
 */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "json_read.h"
#include "keymap.h"
#include "nls.h"
#include "remote.h"
#include "ui_internal.h"

/* The columns: title, width (0: the rest), right-aligned. */
static const struct {
	const char *title;
	int width, right;
} node_cols[] = {
    {N_("NODE"), 18, 0},  {N_("AGENT"), 16, 0},	 {N_("KUBE-PROXY"), 17, 0}, {N_("PLANES"), 20, 0},
    {N_("RULES"), 11, 1}, {N_("DRIFT"), 9, 1},	 {N_("LEFT"), 5, 1},	    {N_("SYNC"), 9, 0},
    {N_("CONN/S"), 8, 1}, {N_("PROBLEM"), 0, 0},
};
#define N_NODE_COLS (sizeof(node_cols) / sizeof(node_cols[0]))

static bool start_poller(struct ui *u)
{
	if (u->cluster)
		return true;
	struct cluster_opts o = {
	    .port = u->opts->agent_port,
	    .agent_ca = u->opts->agent_ca,
	    .path = u->opts->agent_path,
	    .interval = u->interval > 2 ? u->interval : 2,
	};
	kube_side_config_opts(&u->opts->kube, &o.config);
	u->cluster = cluster_start(&o);
	if (!u->cluster) {
		ui_set_statusf(u, true, "%s", strerror(ENOMEM));
		return false;
	}
	if (u->kube.have_state)
		cluster_set_nodes(u->cluster, &u->kube.state);
	return true;
}

void ui_nodes_toggle(struct ui *u)
{
	if (!u->kube.have_state || !u->kube.state.enabled) {
		ui_set_status(
		    u, true,
		    _("No nodes to show: the Kubernetes side is not read (see the header)."));
		return;
	}
	if (!start_poller(u))
		return;
	u->nodes_page = !u->nodes_page;
}

int ui_nodes_fd(const struct ui *u)
{
	return u->cluster ? cluster_fd(u->cluster) : -1;
}

void ui_nodes_update(struct ui *u, bool kube, bool nodes)
{
	/* ipvstop --cluster: the page opens by itself once the cluster is read (or says why not).
	 */
	if (u->opts->start_nodes && !u->nodes_started && u->kube.have_state) {
		u->nodes_started = true;
		if (!u->nodes_page)
			ui_nodes_toggle(u);
	}
	if (!u->cluster)
		return;
	if (kube && u->kube.have_state)
		cluster_set_nodes(u->cluster, &u->kube.state);
	struct cluster_view v;
	if (nodes && cluster_take(u->cluster, &v)) {
		if (u->have_nodes)
			cluster_view_free(&u->nodes);
		u->nodes = v;
		u->have_nodes = true;
		if (u->node_cur.sel >= u->nodes.n_rows)
			u->node_cur.sel = u->nodes.n_rows ? u->nodes.n_rows - 1 : 0;
	}
}

void ui_nodes_free(struct ui *u)
{
	ui_nodes_remote_close(u);
	cluster_stop(u->cluster);
	u->cluster = NULL;
	if (u->have_nodes)
		cluster_view_free(&u->nodes);
	u->have_nodes = false;
}

/* The page's keys: moves, Enter (the node's tables), N or Esc (back); q still quits. */
bool ui_nodes_key(struct ui *u, int key)
{
	if (!u->nodes_page)
		return false;
	enum action a = keymap_lookup(key);
	size_t n = u->have_nodes ? u->nodes.n_rows : 0;
	int page = LINES - 5 > 1 ? LINES - 5 : 1;
	struct cursor *c = &u->node_cur;
	switch (a) {
	case ACT_UP:
		c->sel -= c->sel > 0;
		break;
	case ACT_DOWN:
		c->sel += c->sel + 1 < n;
		break;
	case ACT_PAGE_UP:
		c->sel = c->sel > (size_t)page ? c->sel - (size_t)page : 0;
		break;
	case ACT_PAGE_DOWN:
		c->sel = n && c->sel + (size_t)page < n ? c->sel + (size_t)page : (n ? n - 1 : 0);
		break;
	case ACT_HOME:
		c->sel = 0;
		break;
	case ACT_END:
		c->sel = n ? n - 1 : 0;
		break;
	case ACT_ENTER:
		if (c->sel < n) {
			ui_nodes_remote_open(u, &u->nodes.rows[c->sel]);
			u->nodes_page = false;
		}
		break;
	case ACT_BACK:
	case ACT_NODES:
		u->nodes_page = false;
		break;
	case ACT_QUIT:
		return false;
	default:
		break;
	}
	return true;
}

static void draw_row(int y, const char *const *cells, attr_t attr)
{
	int x = 0;
	for (size_t i = 0; i < N_NODE_COLS && x < COLS; i++) {
		int w = node_cols[i].width ? node_cols[i].width : COLS - x;
		if (x + w > COLS)
			w = COLS - x;
		ui_draw_put(y, x, w, cells[i], node_cols[i].right, attr);
		x += w + 1;
	}
}

static void draw_summary(const struct ui *u, int y)
{
	char line[512];
	const struct cluster_view *v = &u->nodes;
	snprintf(line, sizeof(line),
		 _("%zu nodes: %zu ok, %zu unreachable, %zu refused, %zu without an agent; "
		   "kube-proxy configured: %s; agents' certificates %s"),
		 v->n_rows, v->counts[CLUSTER_OK], v->counts[CLUSTER_UNREACHABLE],
		 v->counts[CLUSTER_FORBIDDEN] + v->counts[CLUSTER_UNAUTHORIZED],
		 v->counts[CLUSTER_NO_AGENT], v->configured_mode[0] ? v->configured_mode : "?",
		 v->verified ? _("verified (--agent-ca)") : _("NOT verified (no --agent-ca)"));
	ui_draw_put(y, 0, COLS, line, 0, A_NORMAL);
	if (v->note[0] || v->pods_error[0])
		ui_draw_put(y + 1, 0, COLS, v->note[0] ? v->note : v->pods_error, 0, A_BOLD);
}

void ui_nodes_draw(struct ui *u)
{
	ui_draw_put(
	    0, 0, COLS,
	    _("Nodes, problems first (Enter: the node's tables, read-only; N or Esc: back)"), 0,
	    A_BOLD | A_REVERSE);
	if (!u->have_nodes) {
		ui_draw_put(2, 0, COLS, _("Asking every node's agent..."), 0, A_NORMAL);
		return;
	}
	draw_summary(u, 1);
	const char *titles[N_NODE_COLS];
	for (size_t i = 0; i < N_NODE_COLS; i++)
		titles[i] = _(node_cols[i].title);
	draw_row(3, titles, A_BOLD | A_UNDERLINE);
	int rows = LINES - 4;
	struct cursor *c = &u->node_cur;
	if (c->sel < c->top)
		c->top = c->sel;
	if (rows > 0 && c->sel >= c->top + (size_t)rows)
		c->top = c->sel - (size_t)rows + 1;
	for (int r = 0; r < rows && c->top + (size_t)r < u->nodes.n_rows; r++) {
		const struct cluster_row *row = &u->nodes.rows[c->top + (size_t)r];
		struct cluster_cells cc;
		cluster_row_cells(row, u->nodes.configured_mode, &cc);
		const char *cells[N_NODE_COLS] = {
		    row->node,
		    cc.state,
		    cc.kube_proxy,
		    cc.planes,
		    cc.rules,
		    cc.drift,
		    cc.leftovers,
		    cc.sync,
		    cc.cps,
		    row->state == CLUSTER_OK || !row->error[0] ? row->problem : row->error};
		attr_t attr = A_NORMAL;
		if (row->state != CLUSTER_OK || row->problem[0])
			attr = u->color ? COLOR_PAIR(CP_WARN) : A_BOLD;
		if (c->top + (size_t)r == c->sel)
			attr |= A_REVERSE;
		draw_row(4 + r, cells, attr);
	}
}

/* ---- a node's own tables ---- */

void ui_nodes_remote_open(struct ui *u, const struct cluster_row *row)
{
	ui_nodes_remote_close(u);
	char url[512] = "", path[512] = "";
	int port = u->opts->agent_port > 0 ? u->opts->agent_port : CLUSTER_AGENT_PORT;
	struct remote_opts o = {.agent_ca = u->opts->agent_ca,
				.interval = u->interval > 2 ? u->interval : 2};
	kube_side_config_opts(&u->opts->kube, &o.config);
	/* The way its digest came: directly, or through the API server's pods/proxy. */
	if (row->path == CLUSTER_PATH_PROXY && row->agent_pod[0]) {
		snprintf(path, sizeof(path),
			 "/api/v1/namespaces/" CLUSTER_AGENT_NAMESPACE
			 "/pods/https:%s:%d/proxy/snapshot",
			 row->agent_pod, port);
		o.proxy_path = path;
	} else if (row->addr[0]) {
		bool v6 = strchr(row->addr, ':') != NULL;
		snprintf(url, sizeof(url), "https://%s%s%s:%d/snapshot", v6 ? "[" : "", row->addr,
			 v6 ? "]" : "", port);
		o.url = url;
	} else {
		ui_set_statusf(u, true, _("%s: no address and no agent pod to reach it by"),
			       row->node);
		return;
	}
	u->remote_feed = remote_start(&o);
	if (!u->remote_feed) {
		ui_set_statusf(u, true, "%s", strerror(ENOMEM));
		return;
	}
	snprintf(u->remote, sizeof(u->remote), "%s", row->node);
	kube_side_as_node(&u->kube, row->node);
	snprintf(u->remote_error, sizeof(u->remote_error), "%s", _("asking its agent..."));
	u->remote_asked = clock_mono();
}

void ui_nodes_remote_close(struct ui *u)
{
	if (!u->remote_feed)
		return;
	remote_stop(u->remote_feed);
	u->remote_feed = NULL;
	u->remote[0] = u->remote_error[0] = '\0';
	kube_side_as_node(&u->kube, NULL);
	/* This node's own read comes back at the feed's next snapshot. */
	feed_step(u->feed);
}

int ui_nodes_remote_fd(const struct ui *u)
{
	return u->remote_feed ? remote_fd(u->remote_feed) : -1;
}

void ui_nodes_remote_update(struct ui *u)
{
	if (!u->remote_feed)
		return;
	struct snapshot s;
	char err[256];
	int rc = remote_take(u->remote_feed, &s, err, sizeof(err));
	if (rc < 0)
		snprintf(u->remote_error, sizeof(u->remote_error), "%s", err);
	if (rc <= 0)
		return;
	u->remote_error[0] = '\0';
	if (u->have)
		snapshot_free(&u->cur);
	u->cur = s;
	u->have = true;
	ui_rows_derive_totals(u);
	/* Joined with the cluster as this node's are (Local policies: this node's name). */
	u->kv = kube_side_update(&u->kube, &u->cur, u->cur.mono);
	kube_text_summary(u->kv, &u->cur, &u->kt);
	ui_rows_refresh(u);
}
