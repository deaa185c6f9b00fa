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

	/* History (ui_graph.c): every snapshot's rates, the sparklines, the graph pane. */
	struct history *hist; /* NULL without memory: no sparklines */
	bool hist_whole;      /* a replay's: the whole recording, read at the start */
	bool graph_open;
	uint64_t graph_key; /* the row the graph shows (history_key_*) */
	char graph_label[128];
	int graph_series;  /* enum history_series */
	double graph_end;  /* the window's end (snapshot time); 0: the newest sample */
	double graph_span; /* seconds the graph shows */
	uint64_t kp_sig;   /* kube-proxy's pods and restarts as last seen (ui_graph_kube) */
	bool kp_sig_known;
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

/* ---- ui_draw.c: the frame ---- */

/* text in width display cells at (y, x), padded; right-aligned when right is set. */
void ui_draw_put(int y, int x, int width, const char *text, int right, attr_t attr);
/* The colour pairs, when --color and NO_COLOR allow them; sets u->color. */
void ui_draw_start_colors(struct ui *u);
/* The whole screen: header, panes, status line, key bar, and an open modal window. */
void ui_draw(struct ui *u);

/* ---- ui_graph.c: history as sparklines and a graph pane ---- */

/* Whether block characters can be drawn: a UTF-8 locale, and not the Linux console. */
bool ui_graph_unicode(void);
/* The history (ui_graph_free frees it); then, once per snapshot, a sample of u->cur. */
void ui_graph_start(struct ui *u);
void ui_graph_push(struct ui *u);
void ui_graph_free(struct ui *u);
/* The series the sparklines show: the sort key's rate, or connections/s. */
enum history_series ui_graph_metric(const struct ui *u);
/* A sparkline of row key's last minutes, width cells, into buf (UTF-8 or ASCII). */
const char *ui_graph_spark(const struct ui *u, uint64_t key, int width, char *buf, size_t len);
/* A marker when kube-proxy restarted since the last Kubernetes state (after each join). */
void ui_graph_kube(struct ui *u);
/* The totals' sparkline at (y, x) to the end of the line, when it fits. */
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

#endif
