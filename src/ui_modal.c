/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The actions' modal windows: a picker (scheduler, flags, how, mode), then the action's own. */
#include "config.h"

#include <curses.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "action_run.h"
#include "actions.h"
#include "feed.h"
#include "kube_side.h"
#include "kube_text.h"
#include "nls.h"
#include "snapshot.h"
#include "ui_internal.h"

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
	env->agent_port = u->opts->agent_port;
	env->agent_ca = u->opts->agent_ca;
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
		ui_set_status(u, true, strerror(ENOMEM));
		return;
	}
	snprintf(u->act_title, sizeof(u->act_title), "%s", title);
}

/* Why an action cannot run now, or NULL. kernel: it changes the kernel (needs netlink). */
static const char *action_blocked(const struct ui *u, bool kernel)
{
	const struct action_gate gate = {
		.readonly = u->opts->readonly,
		.replay = u->opts->replay != NULL,
		.no_netlink = !u->have || u->cur.source != IPVS_SOURCE_NETLINK,
	};
	return actions_disabled_reason(&gate, kernel);
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

void ui_modal_scheduler(struct ui *u)
{
	const char *why = action_blocked(u, true);
	const struct ipvs_service *svc = ui_rows_selected(u);
	if (!why && !svc)
		why = _("select a virtual service first");
	if (why) {
		ui_set_statusf(u, true, _("s: %s"), why);
		return;
	}
	u->act_svc = *svc;
	u->act_svc.dests = NULL;
	u->act_svc.n_dests = u->act_svc.cap_dests = 0;
	kube_text_owner(u->kv, u->order[u->svc.sel], u->act_owner, sizeof(u->act_owner));
	char label[96], title[256];
	ui_rows_service_label(svc, label, sizeof(label));
	snprintf(title, sizeof(title), _("Scheduler for %s %s (now %s)"), ui_rows_proto_label(svc),
		 label, svc->sched);
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

void ui_modal_mode(struct ui *u)
{
	const char *why = action_blocked(u, false);
	if (!why && (!u->kv || !u->kv->k->enabled))
		why = _("the Kubernetes API is not read (see the header)");
	if (why) {
		ui_set_statusf(u, true, _("m: %s"), why);
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

void ui_modal_modules(struct ui *u)
{
	const char *why = action_blocked(u, false);
	if (why) {
		ui_set_statusf(u, true, _("l: %s"), why);
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
bool ui_modal_key(struct ui *u, int key)
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
		ui_set_status(u, false, _("Cancelled: nothing was changed."));
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
	ui_draw_put(*y0, *x0 + 1, w - 2, title, 0, A_REVERSE | A_BOLD);
}

void ui_modal_draw(struct ui *u)
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
			ui_draw_put(y0 + 2 + i, x0 + 2, w - 4, u->pick.items[i], 0, a);
		}
		ui_draw_put(y0 + h - 1, x0 + 1, w - 2, _("Up/Down choose, Enter takes it, Esc cancels"), 0,
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
		ui_draw_put(y0 + 1 + (int)(i - first), x0 + 2, w - 4, u->act_lines[i], 0,
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
	ui_draw_put(y0 + h - 1, x0 + 1, w - 2, line, 0, A_BOLD);
}
