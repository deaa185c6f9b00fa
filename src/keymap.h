/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Keys are data: one table maps keys to actions and carries the help text drawn from it. */
#ifndef IPVSTOP_KEYMAP_H
#define IPVSTOP_KEYMAP_H

#include <stddef.h>

enum action {
	ACT_NONE = 0,
	ACT_UP,
	ACT_DOWN,
	ACT_PAGE_UP,
	ACT_PAGE_DOWN,
	ACT_HOME,
	ACT_END,
	ACT_NEXT_PANE,
	ACT_ENTER,
	ACT_BACK,
	ACT_CONNECTIONS,
	ACT_FILTER,
	ACT_SORT_NEXT,
	ACT_SORT_REVERSE,
	ACT_EXACT,
	ACT_PAUSE,
	ACT_STEP,
	ACT_FASTER,
	ACT_SLOWER,
	ACT_HELP,
	ACT_QUIT,
	ACT_REPAINT,
	ACT_DRIFT,
	ACT_SCHEDULER,	/* reserved for the actions: s */
	ACT_PROXY_MODE, /* m */
	ACT_MODULES,	/* l */
	ACT_KUBE_PROXY, /* K: kube-proxy here and a new connection's cost (ui_kp.c) */
	ACT_PLANE,	/* the next data plane in the services pane */
	ACT_GRAPH,
	ACT_TIME_BACK,
	ACT_TIME_FORWARD,
	ACT_MARK_PREV,
	ACT_MARK_NEXT,
	ACT_NODES, /* N: the cluster's nodes from their agents (ui_nodes.c) */
};

#define KEYMAP_MAX_KEYS 4

struct key_binding {
	enum action action;
	int keys[KEYMAP_MAX_KEYS]; /* curses key codes; 0 ends the list */
	const char *names;         /* how the help screen names the keys (N_() marked) */
	const char *help;          /* what it does (N_() marked) */
};

extern const struct key_binding keymap_bindings[];
extern const size_t keymap_n_bindings;

/* The action bound to a curses key code, or ACT_NONE. */
enum action keymap_lookup(int key);

#endif
