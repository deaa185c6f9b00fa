/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The key bindings of the dashboard, the single source of the help screen. */
#include "config.h"

#include <curses.h>

#include "keymap.h"
#include "nls.h"

#define CTRL(c) ((c) & 0x1f)
#define KEY_ESC 27

const struct key_binding keymap_bindings[] = {
    {ACT_UP, {KEY_UP, 'k'}, N_("Up, k"), N_("move up")},
    {ACT_DOWN, {KEY_DOWN, 'j'}, N_("Down, j"), N_("move down")},
    {ACT_PAGE_UP, {KEY_PPAGE}, N_("PgUp"), N_("one page up")},
    {ACT_PAGE_DOWN, {KEY_NPAGE}, N_("PgDn"), N_("one page down")},
    {ACT_HOME, {KEY_HOME}, N_("Home"), N_("first row")},
    {ACT_END, {KEY_END}, N_("End"), N_("last row")},
    {ACT_NEXT_PANE, {'\t'}, N_("Tab"), N_("next pane")},
    {ACT_ENTER,
     {'\n', '\r', KEY_ENTER},
     N_("Enter"),
     N_("real servers of the selected virtual service")},
    {ACT_BACK,
     {KEY_ESC, KEY_BACKSPACE, 127, '\b'},
     N_("Esc, Backspace"),
     N_("back; clears the filter on the services pane")},
    {ACT_CONNECTIONS, {'c'}, N_("c"), N_("connections of the selection (on demand)")},
    {ACT_FILTER, {'/'}, N_("/"), N_("filter rows by a regular expression (Esc clears)")},
    {ACT_PLANE,
     {'v'},
     N_("v"),
     N_("the next data plane in the services pane: ipvs, nftables, iptables (when present)")},
    {ACT_DRIFT,
     {'d'},
     N_("d"),
     N_("only virtual services where the kernel and Kubernetes disagree (again: all)")},
    {ACT_SORT_NEXT, {'o'}, N_("o"), N_("sort by the next column")},
    {ACT_SORT_REVERSE, {'O'}, N_("O"), N_("reverse the sort order")},
    {ACT_EXACT, {'e'}, N_("e"), N_("exact numbers instead of K/M/G")},
    {ACT_PAUSE, {' ', 'p'}, N_("Space, p"), N_("pause or resume refreshing")},
    {ACT_STEP, {'.'}, N_("."), N_("refresh once now (a replay: next record)")},
    {ACT_FASTER, {'+'}, N_("+"), N_("refresh more often")},
    {ACT_SLOWER, {'-'}, N_("-"), N_("refresh less often")},
    {ACT_HELP, {'?', KEY_F(1)}, N_("?, F1"), N_("this help")},
    {ACT_QUIT, {'q', KEY_F(10)}, N_("q, F10"), N_("quit")},
    {ACT_REPAINT, {CTRL('l')}, N_("Ctrl-L"), N_("repaint the screen")},
    {ACT_SCHEDULER,
     {'s'},
     N_("s"),
     N_("switch the selected virtual service's scheduler (previewed, confirmed)")},
    {ACT_PROXY_MODE,
     {'m'},
     N_("m"),
     N_("switch kube-proxy's mode: iptables, ipvs, nftables (previewed, confirmed)")},
    {ACT_MODULES, {'l'}, N_("l"), N_("load the kernel modules IPVS needs (confirmed)")},
    {ACT_NODES,
     {'N'},
     N_("N"),
     N_("the cluster's nodes from their agents, problems first (Enter: a node's tables)")},
    {ACT_KUBE_PROXY,
     {'K'},
     N_("K"),
     N_("kube-proxy here: its health, and what a new connection costs in each data plane")},
    {ACT_GRAPH,
     {'g'},
     N_("g"),
     N_("graph of the selected virtual service or real server (Up/Down: series)")},
    {ACT_TIME_BACK, {'['}, N_("["), N_("history: back in time")},
    {ACT_TIME_FORWARD, {']'}, N_("]"), N_("history: forward in time (to now)")},
    {ACT_MARK_PREV, {'{'}, N_("{"), N_("history: to the marker before")},
    {ACT_MARK_NEXT, {'}'}, N_("}"), N_("history: to the marker after")},
};

const size_t keymap_n_bindings = sizeof(keymap_bindings) / sizeof(keymap_bindings[0]);

enum action keymap_lookup(int key)
{
	for (size_t i = 0; i < keymap_n_bindings; i++)
		for (size_t k = 0; k < KEYMAP_MAX_KEYS && keymap_bindings[i].keys[k]; k++)
			if (keymap_bindings[i].keys[k] == key)
				return keymap_bindings[i].action;
	return ACT_NONE;
}
