/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The dashboard's loop: poll keys and snapshots, dispatch keys through keymap.c, redraw. */
#include "config.h"

#include <curses.h>
#include <errno.h>
#include <poll.h>
#include <regex.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "action_run.h"
#include "feed.h"
#include "keymap.h"
#include "kube_side.h"
#include "kube_text.h"
#include "mem.h"
#include "nls.h"
#include "output_json.h"
#include "signals.h"
#include "snapshot.h"
#include "trace.h"
#include "ui.h"
#include "ui_internal.h"

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

void ui_set_status(struct ui *u, bool error, const char *msg)
{
	snprintf(u->status, sizeof(u->status), "%.255s", msg);
	u->status_error = error;
}

void ui_set_statusf(struct ui *u, bool error, const char *fmt, ...)
{
	char msg[300]; /* more than the status line keeps */
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ui_set_status(u, error, msg);
}

static struct cursor *focused_cursor(struct ui *u, size_t *n)
{
	const struct ipvs_service *svc = ui_rows_selected(u);
	const struct dp_frontend *fe = ui_dp_selected(u);
	if (ui_dp_shown(u) && u->focus != PANE_CONNS) {
		*n = u->focus == PANE_DESTS ? (fe ? fe->n_eps : 0) : u->n_fe_order;
		return u->focus == PANE_DESTS ? &u->ep : &u->fe;
	}
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
		if (ui_dp_shown(u))
			u->ep.sel = u->ep.top = 0;
		else
			u->dest.sel = u->dest.top = 0;
		ui_rows_remember(u);
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
			ui_set_status(u, true, line);
			u->filter[0] = '\0';
		} else {
			u->have_re = true;
			ui_set_status(u, false, "");
		}
	}
	u->svc.sel = u->svc.top = 0;
	u->have_sel = false;
	u->fe.sel = u->fe.top = 0;
	u->have_sel_fe = false;
	ui_rows_refresh(u);
	ui_rows_remember(u);
}

static void open_connections(struct ui *u)
{
	const struct ipvs_service *svc = ui_rows_selected(u);
	if (ui_dp_shown(u)) {
		ui_set_status(u, true,
			      _("Connections are IPVS's own list: show the ipvs plane first."));
		return;
	}
	if (!svc) {
		ui_set_status(u, true, _("Select a virtual service first."));
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
	ui_rows_refresh(u);
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
	ui_set_statusf(u, false, _("Refreshing every %g s."), u->interval);
}

/* Keys while the filter prompt is open: Esc clears, Enter applies, the rest edit the text. */
static void filter_key(struct ui *u, int key)
{
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
}

/* ---- what each action of keymap.c does (ACT_QUIT ends the loop in handle_key) ---- */

/* One page: the focused pane's rows less one, so that a row stays in view. */
static long page_rows(const struct ui *u)
{
	return u->rows_per_page > 1 ? u->rows_per_page - 1 : 1;
}

static void act_up(struct ui *u)
{
	move_cursor(u, -1, false);
}

static void act_down(struct ui *u)
{
	move_cursor(u, 1, false);
}

static void act_page_up(struct ui *u)
{
	move_cursor(u, -page_rows(u), false);
}

static void act_page_down(struct ui *u)
{
	move_cursor(u, page_rows(u), false);
}

static void act_home(struct ui *u)
{
	move_cursor(u, 0, true);
}

static void act_end(struct ui *u)
{
	move_cursor(u, 1L << 30, true);
}

static void act_next_pane(struct ui *u)
{
	if (u->focus == PANE_SERVICES)
		u->focus = PANE_DESTS;
	else if (u->focus == PANE_DESTS && u->conns_open)
		u->focus = PANE_CONNS;
	else
		u->focus = PANE_SERVICES;
}

static void act_enter(struct ui *u)
{
	if (u->focus == PANE_SERVICES && (ui_rows_selected(u) || ui_dp_selected(u)))
		u->focus = PANE_DESTS;
}

static void act_back(struct ui *u)
{
	if (u->focus == PANE_CONNS || (u->conns_open && u->focus != PANE_SERVICES))
		close_connections(u);
	else if (u->focus == PANE_DESTS)
		u->focus = PANE_SERVICES;
	else if (u->conns_open)
		close_connections(u);
	else if (u->have_re)
		set_filter(u, "");
}

static void act_connections(struct ui *u)
{
	if (u->conns_open && u->focus == PANE_CONNS)
		close_connections(u);
	else
		open_connections(u);
}

static void act_filter(struct ui *u)
{
	/* A new filter replaces the old one, typed from scratch. */
	u->filter_editing = true;
	u->filter[0] = '\0';
	u->focus = PANE_SERVICES;
}

static void act_sort_next(struct ui *u)
{
	if (ui_dp_shown(u)) {
		ui_dp_sort_next(u);
		return;
	}
	ui_rows_remember(u);
	u->sort = (enum sort_key)((u->sort + 1) % SORT_COUNT);
	ui_rows_refresh(u);
}

static void act_sort_reverse(struct ui *u)
{
	ui_rows_remember(u);
	u->sort_reverse = !u->sort_reverse;
	ui_rows_refresh(u);
}

static void act_exact(struct ui *u)
{
	u->exact = !u->exact;
}

static void act_pause(struct ui *u)
{
	u->paused = !u->paused;
	feed_set_paused(u->feed, u->paused);
}

static void act_step(struct ui *u)
{
	u->step_pending = true;
	feed_step(u->feed);
}

static void act_faster(struct ui *u)
{
	change_interval(u, -1);
}

static void act_slower(struct ui *u)
{
	change_interval(u, 1);
}

static void act_help(struct ui *u)
{
	u->help = true;
}

static void act_kube_proxy(struct ui *u)
{
	u->kp_page = true;
}

static void act_repaint(struct ui *u)
{
	(void)u;
	clearok(curscr, TRUE);
}

static void act_drift(struct ui *u)
{
	if (ui_dp_shown(u)) {
		ui_dp_drift(u);
		return;
	}
	if (!u->kv || !u->kv->j) {
		ui_set_status(u, true,
			      _("No drift to show: the Kubernetes side is not read (see the "
				"header)."));
		return;
	}
	ui_rows_remember(u);
	u->drift_only = !u->drift_only;
	ui_rows_refresh(u);
}

/* By enum action; ACT_NONE and ACT_QUIT have none. */
static void (*const action_fns[])(struct ui *u) = {
    [ACT_UP] = act_up,
    [ACT_DOWN] = act_down,
    [ACT_PAGE_UP] = act_page_up,
    [ACT_PAGE_DOWN] = act_page_down,
    [ACT_HOME] = act_home,
    [ACT_END] = act_end,
    [ACT_NEXT_PANE] = act_next_pane,
    [ACT_ENTER] = act_enter,
    [ACT_BACK] = act_back,
    [ACT_CONNECTIONS] = act_connections,
    [ACT_FILTER] = act_filter,
    [ACT_SORT_NEXT] = act_sort_next,
    [ACT_SORT_REVERSE] = act_sort_reverse,
    [ACT_EXACT] = act_exact,
    [ACT_PAUSE] = act_pause,
    [ACT_STEP] = act_step,
    [ACT_FASTER] = act_faster,
    [ACT_SLOWER] = act_slower,
    [ACT_HELP] = act_help,
    [ACT_REPAINT] = act_repaint,
    [ACT_DRIFT] = act_drift,
    [ACT_SCHEDULER] = ui_modal_scheduler,
    [ACT_PROXY_MODE] = ui_modal_mode,
    [ACT_MODULES] = ui_modal_modules,
    [ACT_KUBE_PROXY] = act_kube_proxy,
    [ACT_PLANE] = ui_dp_next_plane,
    [ACT_GRAPH] = ui_graph_toggle,
    [ACT_TIME_BACK] = ui_graph_back,
    [ACT_TIME_FORWARD] = ui_graph_forward,
    [ACT_MARK_PREV] = ui_graph_marker_prev,
    [ACT_MARK_NEXT] = ui_graph_marker_next,
    [ACT_NODES] = ui_nodes_toggle,
};

/*
 * Keys on another node's tables: they are its agent's, read-only. Esc on the services pane
 * (no filter) goes back to this node's; s and l would change this node's kernel, not that
 * one's, and are refused. Returns false when the key was taken here.
 */
static bool remote_key(struct ui *u, enum action a)
{
	if (a == ACT_BACK && u->focus == PANE_SERVICES && !u->filter[0] && !ui_dp_shown(u)) {
		ui_nodes_remote_close(u);
		return false;
	}
	if (a == ACT_SCHEDULER || a == ACT_MODULES) {
		ui_set_statusf(u, true,
			       _("%s's tables come from its agent, read-only: no change from here"),
			       u->remote);
		return false;
	}
	return true;
}

/*
 * One key: an open modal window, the filter prompt or the help take it first; otherwise
 * keymap.c names the action. Returns false when the program should end.
 */
static bool handle_key(struct ui *u, int key)
{
	if (ui_modal_key(u, key))
		return true;
	if (u->filter_editing) {
		filter_key(u, key);
		return true;
	}
	if (u->help || u->kp_page) {
		/* Any key closes the help (or K's page); the quit keys also quit from there. */
		u->help = u->kp_page = false;
		return keymap_lookup(key) != ACT_QUIT;
	}
	if (ui_nodes_key(u, key))
		return true;
	if (key == KEY_RESIZE) {
		clearok(curscr, TRUE);
		return true;
	}
	if (u->status_error)
		ui_set_status(u, false, "");
	if (ui_graph_key(u, key))
		return true;
	enum action a = keymap_lookup(key);
	if (a == ACT_QUIT)
		return false;
	if (u->remote[0] && !remote_key(u, a))
		return true;
	if ((size_t)a < sizeof(action_fns) / sizeof(action_fns[0]) && action_fns[a])
		action_fns[a](u);
	return true;
}

/*
 * Tells the feed which services are on screen: the selected one first (its real servers
 * are the ones shown), the one whose connections are open, then the visible rows. O(rows);
 * the feed hears of it only when the set changed (scroll, filter, sort, resize, a new order).
 * It reads the new ones at once after a key, or when the screen had no rows (a big table's
 * first frame); a new order alone waits for the next refresh.
 */
static void update_focus(struct ui *u)
{
	struct ipvs_svc_key keys[FEED_FOCUS_MAX];
	size_t n = 0;
	const struct ipvs_service *sel = ui_rows_selected(u);
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
		ipvs_svc_key_of(snapshot_service(&u->cur, u->order[idx]), &keys[n++]);
	}
	/* A key moved the screen, or these are the first rows (a big table's first frame). */
	bool at_once = u->keys_since_focus || !u->n_focus_keys;
	u->keys_since_focus = false;
	if (u->focus_sent && n == u->n_focus_keys &&
	    (n == 0 || memcmp(keys, u->focus_keys, n * sizeof(keys[0])) == 0))
		return;
	memcpy(u->focus_keys, keys, n * sizeof(keys[0]));
	u->n_focus_keys = n;
	u->focus_sent = true;
	feed_set_focus(u->feed, keys, n, at_once);
}

/* A new IPVS snapshot, a new cluster state, or both: join again and redo the rows. */
/* The recording, written in the feed's thread: the same JSON Lines as -j. */
static int record_write(void *arg, const struct snapshot *s, const struct snapshot *prev)
{
	return output_json(arg, s, prev, NULL);
}

/* A recording that could not be written is said once; the dashboard goes on without it. */
static void say_record_error(struct ui *u)
{
	int err = u->record_failed ? 0 : feed_record_error(u->feed);
	if (!err)
		return;
	ui_set_statusf(u, true, _("writing the recording failed: %s; nothing more is recorded"),
		       strerror(-err));
	u->record_failed = true;
}

static void take_snapshot(struct ui *u, bool ipvs, bool kube)
{
	struct snapshot s;
	bool got = ipvs && feed_take(u->feed, &s);
	if (got && u->remote[0]) {
		/* Another node's tables are on screen: this node's reads wait for Esc. */
		snapshot_free(&s);
		got = false;
	}
	if (got && u->paused && !u->step_pending) {
		/* A read already under way when p was pressed must not change a paused screen. */
		snapshot_free(&s);
		got = false;
	}
	if (got)
		u->step_pending = false;
	say_record_error(u);
	if (got) {
		trace_mark("ui: snapshot taken, %zu services", s.n_services);
		if (u->have)
			snapshot_free(&u->cur);
		u->cur = s;
		u->have = true;
		ui_rows_derive_totals(u);
	}
	if (!got && !kube)
		return;
	u->kv = kube_side_update(&u->kube, u->have ? &u->cur : NULL, u->cur.mono);
	ui_graph_kube(u);
	kube_text_summary(u->kv, u->have ? &u->cur : NULL, &u->kt);
	ui_rows_refresh(u);
	trace_mark("ui: rows ordered");
	/*
	 * The rows are in order: the feed can read the ones on screen while the history takes
	 * its sample and the frame is drawn (on a big table's first frame, their real servers).
	 */
	update_focus(u);
	/*
	 * The history's first sample has a single point to show, and on a big table it lays
	 * out the whole budget at once: it is taken once the frame is drawn.
	 */
	if (got && ui_graph_first_sample(u))
		u->hist_deferred = true;
	else if (got)
		ui_graph_push(u);
}

/* INT, TERM and HUP end the loop; a fatal signal restores the terminal first. */
static void install_signals(void)
{
	signals_catch_stop(on_stop_signal);
	signals_catch_fatal(on_fatal_signal);
}

/* curses in cbreak mode, keys without waiting, Esc at once. False: no terminal. */
static bool start_curses(struct ui *u)
{
	if (!initscr())
		return false;
	set_escdelay(25);
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	curs_set(0);
	ui_draw_start_colors(u);
	trace_mark("ui: terminal started");
	return true;
}

/* Every key waiting. Returns false when one of them ends the program. */
static bool read_keys(struct ui *u)
{
	int key;
	while ((key = getch()) != ERR) {
		u->keys_since_focus = true;
		if (!handle_key(u, key))
			return false;
	}
	return true;
}

/*
 * Whether the deferred first sample of the history should wait once more: a newer
 * snapshot is already waiting (on a big table's first frames, the one with the real
 * servers on screen, which the sample, laying out the history's budget, would hold up).
 * The newer one is sampled after its own frame. A few times at most, so that a feed that
 * always has one waiting still gets a history.
 */
static bool newer_waits(struct ui *u)
{
	struct pollfd p = {.fd = feed_fd(u->feed), .events = POLLIN};
	if (u->hist_postponed >= 3 || poll(&p, 1, 0) != 1 || !(p.revents & POLLIN))
		return false;
	u->hist_postponed++;
	return true;
}

/* Until a key or a signal ends it, or stdin goes away: keys, snapshots, frames. */
static void run_loop(struct ui *u)
{
	struct pollfd fds[6] = {
	    {.fd = STDIN_FILENO, .events = POLLIN},
	    {.fd = feed_fd(u->feed), .events = POLLIN},
	    {.fd = kube_side_fd(&u->kube), .events = POLLIN},
	    {.fd = -1, .events = POLLIN}, /* the action */
	    {.fd = -1, .events = POLLIN}, /* N: the nodes' poller */
	    {.fd = -1, .events = POLLIN}, /* a node's own tables */
	};
	/* A side that is off still has a word for the header. */
	take_snapshot(u, false, true);
	bool running = true;
	ui_draw(u);
	while (running && !stop_requested) {
		/* poll ignores negative descriptors: the kube and action slots may be empty. */
		fds[3].fd = u->act ? action_run_fd(u->act) : -1;
		fds[4].fd = ui_nodes_fd(u);
		fds[5].fd = ui_nodes_remote_fd(u);
		int n = poll(fds, 6, 500);
		if (n < 0 && errno != EINTR)
			break;
		bool ipvs = n > 0 && (fds[1].revents & POLLIN);
		bool kube = n > 0 && fds[2].fd >= 0 && (fds[2].revents & POLLIN);
		bool nodes = n > 0 && fds[4].fd >= 0 && (fds[4].revents & POLLIN);
		if (n > 0 && (fds[0].revents & (POLLHUP | POLLERR)))
			break;
		/*
		 * Keys first when both are waiting: a key's effect shows before the new snapshot
		 * is sorted and joined (which, on a big table, takes longer than drawing).
		 */
		if ((ipvs || kube) && n > 0 && (fds[0].revents & POLLIN)) {
			running = read_keys(u);
			if (running)
				ui_draw(u);
		}
		if (running && (ipvs || kube))
			take_snapshot(u, ipvs, kube);
		if (running && (kube || nodes))
			ui_nodes_update(u, kube, nodes);
		if (running && n > 0 && fds[5].fd >= 0 && (fds[5].revents & POLLIN))
			ui_nodes_remote_update(u);
		if (running)
			running = read_keys(u);
		curs_set(u->filter_editing ? 1 : 0);
		if (running) {
			ui_draw(u);
			trace_mark("ui: frame drawn, %zu services, %zu real servers known",
				   u->have ? u->cur.n_services : 0, u->tot.dests);
			if (u->hist_deferred && !newer_waits(u)) {
				u->hist_deferred = false;
				ui_graph_push(u);
				trace_mark("ui: history's first sample, %zu bytes held",
					   u->hist ? history_bytes(u->hist) : 0);
			}
			update_focus(u);
		}
	}
}

/* What struct ui holds, after endwin. */
static void free_ui(struct ui *u)
{
	if (u->act)
		action_run_free(u->act);
	free(u->act_lines);
	ui_nodes_free(u);
	feed_stop(u->feed);
	kube_side_stop(&u->kube);
	if (u->have)
		snapshot_free(&u->cur);
	if (u->have_re)
		regfree(&u->re);
	mem_free_all(u->order, u->fe_order, u->fe_drift, u->conn_rows, u->sums, u->mod_used);
	ui_graph_free(u);
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

	struct feed_recorder rec = {.write = record_write, .arg = opts->record};
	u.feed = feed_start(&opts->collect, opts->interval, opts->replay,
			    opts->record ? &rec : NULL);
	if (!u.feed) {
		fprintf(stderr, "%s: %s\n", PACKAGE, strerror(errno));
		return 1;
	}
	/* Signals first: a stop during the replay's history read ends the read, not ipvstop. */
	install_signals();
	ui_graph_start(&u, &stop_requested);
	if (!start_curses(&u)) {
		ui_graph_free(&u);
		feed_stop(u.feed);
		fprintf(stderr, _("%s: cannot start the terminal (TERM=%s)\n"), PACKAGE,
			getenv("TERM") ? getenv("TERM") : "");
		return 1;
	}
	if (kube_side_start(&u.kube, &opts->kube) != 0) {
		ui_graph_free(&u);
		endwin();
		feed_stop(u.feed);
		fprintf(stderr, "%s: %s\n", PACKAGE, strerror(ENOMEM));
		return 1;
	}
	run_loop(&u);
	endwin();
	free_ui(&u);
	return 0;
}
