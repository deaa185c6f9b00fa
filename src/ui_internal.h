/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The state the dashboard's files share: struct ui, and what each file offers the others. */
#ifndef IPVSTOP_UI_INTERNAL_H
#define IPVSTOP_UI_INTERNAL_H

/*
 * One struct ui lives on ui_run's stack for the whole run; every function here borrows it.
 * ui.c owns it (sets it up, runs the loop, frees what it holds); ui_rows.c fills the rows
 * the panes show (order, sums, mod_used, conn_rows, owned by struct ui and freed by ui.c);
 * ui_draw.c draws from it; ui_modal.c keeps the picker and the running action (act,
 * act_lines, also freed by ui.c).
 */

#include <curses.h>
#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "action_run.h"
#include "cluster.h"
#include "remote.h"
#include "dataplane.h"
#include "feed.h"
#include "history.h"
#include "kube_side.h"
#include "kube_text.h"
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

/* A column of a pane: the panes' tables (ui_draw.c, ui_dp_draw.c) are arrays of these. */
struct column {
	const char *title;
	int width; /* 0: flexible */
	int right;
	int sort; /* enum sort_key, or -1 */
	int prio; /* what goes first when the width runs out: the lowest */
	bool kube; /* shown only with the Kubernetes join */
};

/* Where a pane is drawn. */
struct box {
	int y, x, h, w;
};

/* A data-plane frontend's identity, kept across refreshes as a selection. */
struct ui_fe_key {
	enum dp_plane_kind plane;
	enum dp_frontend_kind kind;
	int af;
	uint16_t protocol, port;
	struct ipvs_addr addr;
};

/* A service's connection totals, summed once per snapshot. */
struct ui_svc_sum {
	uint64_t act, inact;
};

struct ui {
	const struct ui_opts *opts;
	struct feed *feed;
	struct snapshot cur;
	bool have;
	double interval;
	bool paused, exact, help, color;
	bool kp_page; /* K: kube-proxy's health and a new connection's cost (ui_kp.c) */
	bool record_failed; /* the recording's write error was said */
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
	struct ui_svc_sum *sums;
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
	bool keys_since_focus; /* a key came since: a new focus is read at once */
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
		int stage; /* enum pick_stage (ui_modal.c) */
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

	/*
	 * The data plane the services pane shows (ui_dp_rows.c): DP_IPVS, the virtual services
	 * above, or another plane's frontends (cur.dp->fe), filtered and sorted into fe_order,
	 * with cursors of their own for both panes. Chosen by the key, else the plane the node
	 * runs, again at every refresh.
	 */
	enum dp_plane_kind plane;
	bool plane_chosen;
	size_t *fe_order;
	size_t n_fe_order;
	struct cursor fe, ep;
	struct ui_fe_key sel_fe;
	bool have_sel_fe;
	/* Per cur.dp->fe: 1 when the cluster disagrees with it (kv->dpj); NULL without a join. */
	unsigned char *fe_drift;

	/* History (ui_graph.c): every snapshot's rates, the sparklines, the graph pane. */
	struct history *hist; /* NULL without memory: no sparklines */
	bool hist_whole;      /* a replay's: the whole recording, read at the start */
	bool hist_deferred;   /* cur's sample waits for the frame (ui_graph_first_sample) */
	int hist_postponed;   /* times it waited for a newer snapshot (ui.c, run_loop) */
	bool graph_open;
	uint64_t graph_key; /* the row the graph shows (history_key_*) */
	char graph_label[128];
	int graph_series;  /* enum history_series */
	double graph_end;  /* the window's end (snapshot time); 0: the newest sample */
	double graph_span; /* seconds the graph shows */
	uint64_t kp_sig;   /* kube-proxy's pods and restarts as last seen (ui_graph_kube) */
	bool kp_sig_known;

	/*
	 * N (ui_nodes.c): the cluster's nodes as their agents say, polled from the first N on;
	 * remote: the node whose own tables the panes show (Enter on its row), "" this one.
	 */
	struct cluster *cluster;
	struct cluster_view nodes;
	bool have_nodes, nodes_page;
	bool nodes_started; /* --cluster's first opening of the page was done */
	struct cursor node_cur;
	char remote[256];
	struct remote *remote_feed; /* remote.h: its agent's whole /snapshot, every interval */
	char remote_error[256];	    /* its agent's last failure, "" none */
	double remote_asked;	    /* monotonic time it was opened */
};

/* ---- ui.c: the key loop ---- */

/* The status line: msg (copied, cut at 255 bytes); error draws it as a warning. */
void ui_set_status(struct ui *u, bool error, const char *msg);
/* The same, formatted as printf does. */
__attribute__((format(printf, 3, 4))) void ui_set_statusf(struct ui *u, bool error,
							    const char *fmt, ...);

/* ---- ui_rows.c: which rows the panes show ---- */

/* "10.0.0.1:80", "[fd00::1]:80" or a fwmark "7 (IPv6)", into buf (len bytes). */
void ui_rows_service_label(const struct ipvs_service *svc, char *buf, size_t len);
/* "TCP", "UDP", "SCTP", "FWM" or "?": a static string. */
const char *ui_rows_proto_label(const struct ipvs_service *svc);
/* The service's flags in short words ("p300 ops"), into buf (len bytes); "" when none. */
void ui_rows_flags_label(const struct ipvs_service *svc, char *buf, size_t len);
/* The selected virtual service in u->cur (borrowed), or NULL when none is. */
const struct ipvs_service *ui_rows_selected(const struct ui *u);
/* Keeps the selection's identity, so that a new order or snapshot selects it again. */
void ui_rows_remember(struct ui *u);
/* Once per snapshot: u->sums, u->tot and u->mod_used from u->cur. */
void ui_rows_derive_totals(struct ui *u);
/* Filters and sorts again, selects the same service, rebuilds the connection rows. */
void ui_rows_refresh(struct ui *u);
/* Whether the filter matches "address:port" ("[v6]:port"). */
bool ui_rows_match_hostport(const struct ui *u, int af, const struct ipvs_addr *a,
			    uint16_t port);
/* "TCP", "UDP", "SCTP" or "?" for an IP protocol number: a static string. */
const char *ui_rows_proto_name(uint16_t protocol);

/* ---- ui_dp_rows.c: the data plane the services pane shows, and its rows ---- */

/* Whether the panes show another plane's frontends (not the IPVS table). */
bool ui_dp_shown(const struct ui *u);
/* The selected frontend (borrowed from u->cur.dp), or NULL. */
const struct dp_frontend *ui_dp_selected(const struct ui *u);
/* Keeps the selected frontend's identity (ui_rows_remember's counterpart). */
void ui_dp_remember(struct ui *u);
/* Part of ui_rows_refresh: the plane to show, its rows filtered and sorted, the selection. */
void ui_dp_refresh(struct ui *u);
/* The key: the next data plane on this node (or, when there is none, why in the status). */
void ui_dp_next_plane(struct ui *u);
/* The data planes' join with the cluster when it is of cur.dp, else NULL. */
const struct dp_join *ui_dp_joined(const struct ui *u);
/* 'd' on frontends: only those the cluster disagrees with, again for all. */
void ui_dp_drift(struct ui *u);
/* 'o' on frontends: the next of the sort keys that mean something for them. */
void ui_dp_sort_next(struct ui *u);
/* What frontends are sorted by, in words (translated). */
const char *ui_dp_sort_name(const struct ui *u);
/*
 * The header's data-plane line, there from the first frame whenever the data planes are read
 * (so that the panes do not move when the first read comes): the planes present into line,
 * what could not be read into tail ("" when nothing), *warn when that is an error rather
 * than a module not loaded. Returns false when the data planes are not read (no line).
 */
bool ui_dp_header(const struct ui *u, char *line, size_t len, char *tail, size_t tlen,
		  bool *warn);
/* Whether titles tag the plane they show: more than one is present, or another is shown. */
bool ui_dp_tagged(const struct ui *u);
/* Labels of a frontend: "10.96.0.10:53" ("*:30080" for a NodePort), "ClusterIP", "ns/name:port". */
void ui_dp_fe_label(const struct dp_frontend *f, char *buf, size_t len);
const char *ui_dp_kind_label(enum dp_frontend_kind k);
void ui_dp_owner_label(const struct dp_frontend *f, char *buf, size_t len);
/*
 * The cluster's Service of frontend i (cur.dp->fe[i]), "!" in front when the cluster and
 * the rules disagree; "-" without the join. Into buf (len bytes, at least 3); returns buf.
 */
const char *ui_dp_cluster_owner(const struct ui *u, size_t i, char *buf, size_t len);
/* Its state in words ("unrecognised", "no endpoints", "affinity"), "" when nothing to say. */
void ui_dp_state_label(const struct dp_frontend *f, char *buf, size_t len);

/* ---- ui_draw.c: the frame ---- */

/* text in width display cells at (y, x), padded; right-aligned when right is set. */
void ui_draw_put(int y, int x, int width, const char *text, int right, attr_t attr);
/* The colour pairs, when --color and NO_COLOR allow them; sets u->color. */
void ui_draw_start_colors(struct ui *u);
/* The whole screen: header, panes, status line, key bar, and an open modal window. */
void ui_draw(struct ui *u);
/*
 * A pane's frame in b: its title (marked when it has the focus), the ncols columns laid out
 * into widths (flexible ones at least flex_min wide) with their header, and c kept in view
 * over n rows. Returns how many rows of data the pane has room for.
 */
int ui_draw_pane(struct ui *u, const struct box *b, enum pane_id id, const char *title,
		 const struct column *cols, int ncols, int flex_min, int *widths,
		 struct cursor *c, size_t n);
/* One row of a pane at line y: cells in the columns' widths, drawn with attr. */
void ui_draw_row(const struct box *b, int y, const char *const *cells,
		 const struct column *cols, int n, const int *widths, attr_t attr);
/* What stands out (a warning): colour, or bold and underlined without colours. */
attr_t ui_draw_warn(const struct ui *u);

/* ---- ui_dp_draw.c: another data plane's frontends and endpoints in the two panes ---- */

void ui_dp_draw_frontends(struct ui *u, const struct box *b);
/*
 * The node's data-plane problems in a few words for the header ("! leftovers of other
 * modes: ipvs-services kube-ipvs0; ! 1 ipsets full (K)"), the K page says more. Returns
 * whether there is any.
 */
bool ui_kp_problems(const struct ui *u, char *buf, size_t len);

/* Two rows' address, then port, then protocol (the address order of every pane). */
int ui_cmp_addr_port(const struct ipvs_addr *a, int port_a, int proto_a, const struct ipvs_addr *b,
		     int port_b, int proto_b);

/*
 * The header's data-plane line at y (ui_dp_header), and its tail on the next line when both
 * do not fit; returns the lines drawn, 0 to 2, as ui_dp_header_lines says for cols.
 */
int ui_dp_draw_header(const struct ui *u, int y);
int ui_dp_header_lines(const struct ui *u, int cols);
void ui_dp_draw_endpoints(struct ui *u, const struct box *b);

/* ---- ui_kp.c: the K page ---- */

/* The whole screen: kube-proxy here, a new connection's cost per plane, and why. */
void ui_kp_draw(const struct ui *u);

/* ---- ui_graph.c: history as sparklines and a graph pane ---- */

/* Whether block characters can be drawn: a UTF-8 locale, and not the Linux console. */
bool ui_graph_unicode(void);
/* The history (ui_graph_free frees it); then, once per snapshot, a sample of u->cur. */
void ui_graph_start(struct ui *u, const volatile sig_atomic_t *stop);
void ui_graph_push(struct ui *u);
/* Whether the next sample is the history's first, which can wait for the frame to be drawn. */
bool ui_graph_first_sample(const struct ui *u);
void ui_graph_free(struct ui *u);
/* The series the sparklines show: the sort key's rate, or connections/s. */
enum history_series ui_graph_metric(const struct ui *u);
/* A sparkline of row key's last minutes, width cells, into buf (UTF-8 or ASCII). */
const char *ui_graph_spark(const struct ui *u, uint64_t key, int width, char *buf, size_t len);
/* A marker when kube-proxy restarted since the last Kubernetes state (after each join). */
void ui_graph_kube(struct ui *u);
/* The whole table's sparkline at y, x, when at least UI_GRAPH_HEADER_MIN cells remain. */
#define UI_GRAPH_HEADER_MIN 24
void ui_graph_header(const struct ui *u, int y, int x);
/* The graph pane over the box (y, x, h, w). */
void ui_graph_draw(struct ui *u, int y, int x, int h, int w);
/* Keys the open graph pane takes (series, close). True when it took the key. */
bool ui_graph_key(struct ui *u, int key);
/* g; [ and ]; { and }: open or close the graph, move in time, jump to markers. */
void ui_graph_toggle(struct ui *u);
void ui_graph_back(struct ui *u);
void ui_graph_forward(struct ui *u);
void ui_graph_marker_prev(struct ui *u);
void ui_graph_marker_next(struct ui *u);

/* ---- ui_modal.c: the action pickers, then the action's window ---- */

/* Keys while a picker or an action window is open. Returns true when it took the key. */
bool ui_modal_key(struct ui *u, int key);
/* The open picker or action window over the panes, or nothing. */
void ui_modal_draw(struct ui *u);
/* s, m, l: open the picker (or start the action), or say in the status line why not. */
void ui_modal_scheduler(struct ui *u);
void ui_modal_mode(struct ui *u);
void ui_modal_modules(struct ui *u);

/* ---- ui_nodes.c: N, the cluster's nodes, and a node's own tables ---- */

void ui_nodes_toggle(struct ui *u);
/* The poller's descriptor (readable: a new view), or -1 before the first N. */
int ui_nodes_fd(const struct ui *u);
/* kube: a new cluster state (the nodes to poll); nodes: the poller's descriptor is readable. */
void ui_nodes_update(struct ui *u, bool kube, bool nodes);
bool ui_nodes_key(struct ui *u, int key);
void ui_nodes_draw(struct ui *u);
void ui_nodes_free(struct ui *u);
/* Enter on a row: the panes show that node's tables from its agent, read-only. */
void ui_nodes_remote_open(struct ui *u, const struct cluster_row *row);
/* Back to this node's own tables. */
void ui_nodes_remote_close(struct ui *u);
/* Takes the opened node's newest tables, when its agent sent them. */
void ui_nodes_remote_update(struct ui *u);
/* Readable when its agent's answer came, or -1 with no node open. */
int ui_nodes_remote_fd(const struct ui *u);

#endif
