/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Runs one action (actions.c) in its own thread for the dashboard: lines out, answers in. */
#ifndef IPVSTOP_ACTION_RUN_H
#define IPVSTOP_ACTION_RUN_H

#include <stdbool.h>
#include <stddef.h>

#include "actions.h"

enum action_kind { AK_LOAD_MODULES, AK_SET_SCHEDULER, AK_KUBE_FIELD };

struct action_request {
	enum action_kind kind;
	struct action_env env;
	const struct snapshot *snap; /* AK_LOAD_MODULES: copied, not kept */
	struct ipvs_service svc;     /* AK_SET_SCHEDULER (dests not used) */
	char sched[IPVS_SCHED_NAME_LEN];
	uint32_t sched_flags;
	char key[32], value[32];     /* AK_KUBE_FIELD */
	bool force;
};

#define ACTION_RUN_LINES 200
#define ACTION_RUN_LINE 256

struct action_run;

/* Starts the action; NULL on ENOMEM. */
struct action_run *action_run_start(const struct action_request *req);
/* Readable when there is a new line, a question, or the end. */
int action_run_fd(const struct action_run *a);
/* Copies the lines said so far (the last ACTION_RUN_LINES). Returns how many. */
size_t action_run_lines(struct action_run *a, char (*lines)[ACTION_RUN_LINE], bool *warn);
/* The pending question (copied into buf) or false. */
bool action_run_question(struct action_run *a, char *buf, size_t len);
void action_run_answer(struct action_run *a, bool yes);
/* True when the action ended; *rc its result. */
bool action_run_done(struct action_run *a, int *rc);
/* Ends it (a pending question is answered no) and frees it. */
void action_run_free(struct action_run *a);

#endif
