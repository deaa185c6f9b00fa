/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The cluster view as JSON (schema 1, kind ipvstop-cluster) and as a batch text table. */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cells.h"
#include "clock.h"
#include "json_writer.h"
#include "nls.h"
#include "output_cluster.h"

static void kube_proxy_json(struct jw *w, const struct cluster_kube_proxy *kp)
{
	if (!kp->known) {
		jw_null(w, "kube_proxy");
		return;
	}
	jw_open(w, "kube_proxy", '{');
	jw_string(w, "pod", kp->pod);
	jw_bool(w, "ready", kp->ready);
	jw_u64(w, "restarts", kp->restarts);
	jw_string(w, "waiting", kp->waiting);
	jw_string(w, "phase", kp->phase);
	jw_string(w, "log_mode", kp->log_mode);
	jw_close(w, '}');
}

/* digest_write writes to the stream itself: what the writer holds goes out first. */
static int digest_json(struct jw *w, const struct cluster_row *r)
{
	if (r->state != CLUSTER_OK || !r->have_digest) {
		jw_null(w, "digest");
		return 0;
	}
	jw_key(w, "digest");
	int rc = jw_finish(w);
	if (rc == 0)
		rc = digest_write(w->f, &r->d);
	w->need_comma = true;
	return rc;
}

static int row_json(struct jw *w, const struct cluster_row *r)
{
	jw_open(w, NULL, '{');
	jw_string(w, "node", r->node);
	jw_string(w, "address", r->addr);
	jw_string(w, "agent_pod", r->agent_pod);
	jw_string(w, "state", cluster_state_name(r->state));
	if (r->error[0])
		jw_string(w, "error", r->error);
	else
		jw_null(w, "error");
	jw_string(w, "path", cluster_path_name(r->path));
	jw_double(w, "latency", r->latency);
	if (r->last_ok > 0)
		jw_double(w, "last_ok", r->last_ok);
	else
		jw_null(w, "last_ok");
	jw_string(w, "problem", r->problem);
	jw_i64(w, "severity", r->severity);
	kube_proxy_json(w, &r->kp);
	int rc = digest_json(w, r);
	jw_close(w, '}');
	return rc;
}

static void totals_json(struct jw *w, const struct cluster_view *v)
{
	uint64_t services = 0, reals = 0, active = 0, drift = 0, leftovers = 0;
	double cps = 0;
	for (size_t i = 0; i < v->n_rows; i++) {
		const struct cluster_row *r = &v->rows[i];
		if (r->state != CLUSTER_OK || !r->have_digest)
			continue;
		services += r->d.services;
		reals += r->d.real_servers;
		active += r->d.active_conns;
		drift += (uint64_t)r->d.drift_missing + r->d.drift_unexplained + r->d.drift_unowned;
		leftovers += r->d.leftovers;
		cps += r->d.cps;
	}
	jw_open(w, "totals", '{');
	jw_u64(w, "nodes", v->n_rows);
	for (int s = 0; s < CLUSTER_N_STATES; s++) {
		char key[32];
		/* JSON keys with underscores: bad_answer, no_agent. */
		snprintf(key, sizeof(key), "%s", cluster_state_name((enum cluster_state)s));
		for (char *p = key; *p; p++)
			if (*p == '-')
				*p = '_';
		jw_u64(w, key, v->counts[s]);
	}
	jw_u64(w, "services", services);
	jw_u64(w, "real_servers", reals);
	jw_u64(w, "active_conns", active);
	jw_u64(w, "drift", drift);
	jw_u64(w, "leftovers", leftovers);
	jw_double(w, "cps", cps);
	jw_close(w, '}');
}

int output_cluster_json(FILE *f, const struct cluster_view *v)
{
	struct jw w;
	int rc = 0;
	jw_init(&w, f);
	jw_open(&w, NULL, '{');
	jw_u64(&w, "schema", 1);
	jw_string(&w, "kind", "ipvstop-cluster");
	jw_double(&w, "time", v->time);
	jw_bool(&w, "complete", v->complete);
	jw_string(&w, "agent_path", cluster_path_name(v->path));
	jw_bool(&w, "agents_verified", v->verified);
	jw_string(&w, "configured_mode", v->configured_mode);
	if (v->note[0])
		jw_string(&w, "note", v->note);
	else
		jw_null(&w, "note");
	if (v->pods_error[0])
		jw_string(&w, "pods_error", v->pods_error);
	else
		jw_null(&w, "pods_error");
	jw_u64(&w, "left_out", v->n_left_out);
	jw_open(&w, "nodes", '[');
	for (size_t i = 0; i < v->n_rows && rc == 0; i++)
		rc = row_json(&w, &v->rows[i]);
	jw_close(&w, ']');
	totals_json(&w, v);
	jw_close(&w, '}');
	if (rc == 0)
		rc = jw_finish(&w);
	else
		jw_finish(&w);
	if (rc == 0 && fputc('\n', f) == EOF)
		rc = -(errno ? errno : EIO);
	if (rc == 0 && fflush(f) != 0)
		rc = -(errno ? errno : EIO);
	return rc;
}

/* ---- text ---- */

static const struct column {
	const char *title;
	int width;
	int right;
} columns[] = {
	{N_("NODE"), 20, 0},	   {N_("AGENT"), 12, 0},   {N_("KUBE-PROXY"), 17, 0},
	{N_("DATA PLANES"), 22, 0}, {N_("FRONT/ENDP"), 13, 1}, {N_("DRIFT M/S/U"), 11, 1},
	{N_("LEFT"), 5, 1},	   {N_("SYNC"), 12, 0},    {N_("CONN/S"), 7, 1},
	{N_("PROBLEM"), 0, 0},
};
#define N_COLUMNS (sizeof(columns) / sizeof(columns[0]))

/* Writes one cell padded to its column, then a space; the last column as it is. */
static void cell(FILE *f, size_t col, const char *text)
{
	char buf[512];
	if (columns[col].width == 0) {
		cells_fputs(text, f);
		return;
	}
	fputs(cells_pad(text, columns[col].width, columns[col].right, buf, sizeof(buf)), f);
	fputc(' ', f);
}

static void summary_text(FILE *f, const struct cluster_view *v)
{
	char when[32], line[512];
	size_t n = 0;
	clock_text(v->time, when, sizeof(when));
	n = cells_catf(line, n, sizeof(line), _("ipvstop cluster - %s - %zu nodes:"), when,
		       v->n_rows);
	for (int s = 0; s < CLUSTER_N_STATES; s++)
		if (v->counts[s])
			n = cells_catf(line, n, sizeof(line), " %zu %s", v->counts[s],
				       cluster_state_text((enum cluster_state)s));
	if (!v->complete)
		n = cells_catf(line, n, sizeof(line), " %s", _("(first polls still running)"));
	cells_fputs(line, f);
	fputc('\n', f);
	if (!v->verified)
		fprintf(f, "! %s\n",
			_("agents' certificates are not verified (no --agent-ca): the credential is "
			  "sent to whoever answers on the nodes' addresses"));
	if (v->note[0])
		fprintf(f, "! %s\n", v->note);
	if (v->pods_error[0])
		fprintf(f, "! %s\n", v->pods_error);
	if (v->n_left_out)
		fprintf(f, _("! %zu more nodes are left out (at most %d are polled)\n"),
			v->n_left_out, CLUSTER_MAX_NODES);
}

int output_cluster_text(FILE *f, const struct cluster_view *v)
{
	summary_text(f, v);
	for (size_t c = 0; c < N_COLUMNS; c++)
		cell(f, c, _(columns[c].title));
	fputc('\n', f);
	for (size_t i = 0; i < v->n_rows; i++) {
		const struct cluster_row *r = &v->rows[i];
		struct cluster_cells cc;
		char problem[512];
		cluster_row_cells(r, v->configured_mode, &cc);
		const char *texts[N_COLUMNS] = {r->node,     cc.state, cc.kube_proxy,
						cc.planes,   cc.rules, cc.drift,
						cc.leftovers, cc.sync, cc.cps,
						problem};
		snprintf(problem, sizeof(problem), "%s%s%s", r->problem,
			 r->error[0] && r->problem[0] ? ": " : "", r->error);
		for (size_t c = 0; c < N_COLUMNS; c++)
			cell(f, c, texts[c]);
		fputc('\n', f);
	}
	fputc('\n', f);
	if (fflush(f) != 0 || ferror(f))
		return -(errno ? errno : EIO);
	return 0;
}
