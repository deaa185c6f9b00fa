/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The thread an action runs in, so the dashboard keeps drawing while it works or waits. */
#include "config.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "action_run.h"
#include "mailbox.h"
#include "worker.h"

struct action_run {
	struct action_request req;
	struct snapshot snap;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct mailbox box; /* wakes the UI: no slot, the state below is under lock */
	/* Under lock. */
	char lines[ACTION_RUN_LINES][ACTION_RUN_LINE];
	bool warn[ACTION_RUN_LINES];
	size_t n_lines; /* total said; the last ACTION_RUN_LINES are kept */
	char question[ACTION_RUN_LINE];
	bool asking, answered, answer, done, closing;
	int rc;
};

static void on_say(void *arg, bool warn, const char *line)
{
	struct action_run *a = arg;
	pthread_mutex_lock(&a->lock);
	size_t i = a->n_lines++ % ACTION_RUN_LINES;
	snprintf(a->lines[i], ACTION_RUN_LINE, "%s", line);
	a->warn[i] = warn;
	pthread_mutex_unlock(&a->lock);
	mailbox_wake(&a->box);
}

static bool on_ask(void *arg, const char *question)
{
	struct action_run *a = arg;
	pthread_mutex_lock(&a->lock);
	if (a->closing) {
		pthread_mutex_unlock(&a->lock);
		return false;
	}
	snprintf(a->question, sizeof(a->question), "%s", question);
	a->asking = true;
	a->answered = false;
	pthread_mutex_unlock(&a->lock);
	mailbox_wake(&a->box);
	pthread_mutex_lock(&a->lock);
	while (!a->answered && !a->closing)
		pthread_cond_wait(&a->cond, &a->lock);
	bool yes = a->answered && a->answer;
	a->asking = false;
	pthread_mutex_unlock(&a->lock);
	return yes;
}

static bool on_cancelled(void *arg)
{
	struct action_run *a = arg;
	pthread_mutex_lock(&a->lock);
	bool c = a->closing;
	pthread_mutex_unlock(&a->lock);
	return c;
}

static void *run(void *arg)
{
	struct action_run *a = arg;
	struct action_io io = {.say = on_say,
			       .ask = on_ask,
			       .cancelled = on_cancelled,
			       .arg = a,
			       .force = a->req.force};
	int rc = 0;
	switch (a->req.kind) {
	case AK_LOAD_MODULES:
		rc = action_load_modules(&a->req.env, &a->snap, a->req.sched[0] ? a->req.sched : NULL,
					 &io);
		break;
	case AK_SET_SCHEDULER:
		rc = action_set_scheduler(&a->req.env, &a->req.svc, a->req.sched, a->req.sched_flags,
					  &io);
		break;
	case AK_KUBE_FIELD:
		rc = action_kube_proxy_config(&a->req.env, a->req.key, a->req.value, &io);
		break;
	}
	pthread_mutex_lock(&a->lock);
	a->done = true;
	a->rc = rc;
	pthread_mutex_unlock(&a->lock);
	mailbox_wake(&a->box);
	return NULL;
}

struct action_run *action_run_start(const struct action_request *req)
{
	struct action_run *a = calloc(1, sizeof(*a));
	if (!a)
		return NULL;
	a->req = *req;
	a->req.snap = NULL;
	a->req.svc.dests = NULL;
	a->req.svc.n_dests = a->req.svc.cap_dests = 0;
	if (req->snap && snapshot_share_table(&a->snap, req->snap) != 0)
		goto fail;
	if (mailbox_init(&a->box, NULL, 0, NULL) != 0)
		goto fail;
	worker_lock_init(&a->lock, &a->cond, CLOCK_REALTIME);
	if (pthread_create(&a->thread, NULL, run, a) != 0) {
		mailbox_destroy(&a->box);
		worker_lock_destroy(&a->lock, &a->cond);
		goto fail;
	}
	return a;
fail:
	snapshot_free(&a->snap);
	free(a);
	return NULL;
}

int action_run_fd(const struct action_run *a)
{
	return mailbox_fd(&a->box);
}

size_t action_run_lines(struct action_run *a, char (*lines)[ACTION_RUN_LINE], bool *warn)
{
	mailbox_drain(&a->box);
	pthread_mutex_lock(&a->lock);
	size_t n = a->n_lines < ACTION_RUN_LINES ? a->n_lines : ACTION_RUN_LINES;
	size_t first = a->n_lines - n;
	for (size_t i = 0; i < n; i++) {
		size_t k = (first + i) % ACTION_RUN_LINES;
		memcpy(lines[i], a->lines[k], ACTION_RUN_LINE);
		warn[i] = a->warn[k];
	}
	pthread_mutex_unlock(&a->lock);
	return n;
}

bool action_run_question(struct action_run *a, char *buf, size_t len)
{
	pthread_mutex_lock(&a->lock);
	bool asking = a->asking && !a->answered;
	if (asking)
		snprintf(buf, len, "%s", a->question);
	pthread_mutex_unlock(&a->lock);
	return asking;
}

void action_run_answer(struct action_run *a, bool yes)
{
	pthread_mutex_lock(&a->lock);
	if (a->asking) {
		a->answer = yes;
		a->answered = true;
		pthread_cond_broadcast(&a->cond);
	}
	pthread_mutex_unlock(&a->lock);
}

bool action_run_done(struct action_run *a, int *rc)
{
	pthread_mutex_lock(&a->lock);
	bool done = a->done;
	if (done && rc)
		*rc = a->rc;
	pthread_mutex_unlock(&a->lock);
	return done;
}

void action_run_free(struct action_run *a)
{
	if (!a)
		return;
	worker_set(&a->lock, &a->cond, &a->closing, true);
	pthread_join(a->thread, NULL);
	worker_lock_destroy(&a->lock, &a->cond);
	mailbox_destroy(&a->box);
	snapshot_free(&a->snap);
	free(a);
}
