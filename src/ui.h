/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The interactive dashboard (curses). */
#ifndef IPVSTOP_UI_H
#define IPVSTOP_UI_H

#include <stdbool.h>
#include <stdio.h>
#include "cluster.h"
#include "collect.h"
#include "kube_side.h"

enum ui_color { UI_COLOR_AUTO = 0, UI_COLOR_ALWAYS, UI_COLOR_NEVER };

struct ui_opts {
	struct collect_opts collect;
	double interval;
	enum ui_color color;
	FILE *record; /* not owned; NULL: no recording */
	FILE *replay; /* not owned; NULL: live */
	const char *replay_name;
	struct kube_side_opts kube;
	bool readonly; /* --readonly: every action is off */
	bool force;    /* --force: actions go on past a failed preflight */
	/* N, the nodes page: how the agents are reached (cluster.h) */
	int agent_port;
	const char *agent_ca;
	enum cluster_path agent_path;
	bool start_nodes; /* --cluster: the nodes page opens once the cluster is read */
};

/*
 * Runs the dashboard until the user quits or a signal asks it to stop. The terminal is
 * restored on every way out, fatal signals included. Returns the process exit status.
 */
int ui_run(const struct ui_opts *opts);

#endif
