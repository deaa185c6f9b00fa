/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The cluster view's rows without I/O: what an agent's answer means, the order of the rows. */
#include "config.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cells.h"
#include "cluster.h"
#include "nls.h"

static const char *const state_names[CLUSTER_N_STATES] = {
	"ok", "unreachable", "unauthorized", "forbidden", "bad-answer", "no-agent", "waiting",
};

const char *cluster_state_name(enum cluster_state s)
{
	return s < CLUSTER_N_STATES ? state_names[s] : "?";
}

const char *cluster_state_text(enum cluster_state s)
{
	static const char *const text[CLUSTER_N_STATES] = {
		N_("ok"),	   N_("unreachable"), N_("unauthorized"), N_("forbidden"),
		N_("bad answer"), N_("no agent"),    N_("waiting"),
	};
	return s < CLUSTER_N_STATES ? _(text[s]) : "?";
}

bool cluster_pod_name_ok(const char *name)
{
	size_t n = name ? strlen(name) : 0;
	if (n == 0 || n > 253)
		return false;
	return strspn(name, "abcdefghijklmnopqrstuvwxyz0123456789-.") == n;
}

const char *cluster_path_name(enum cluster_path p)
{
	return p == CLUSTER_PATH_PROXY ? "proxy" : p == CLUSTER_PATH_AUTO ? "auto" : "direct";
}

/*
 * What an error answer says: a Status' message (the API server, an agent answering as
 * kube-rbac-proxy does), else its first line. Terminal-safe, at most len bytes.
 */
static void answer_message(const struct cluster_answer *a, char *out, size_t len)
{
	char line[256];
	out[0] = '\0';
	if (!a->body || !a->len)
		return;
	cJSON *doc = cJSON_ParseWithLength(a->body, a->len);
	const cJSON *msg = cJSON_GetObjectItemCaseSensitive(doc, "message");
	if (cJSON_IsString(msg) && msg->valuestring[0]) {
		cells_safe(msg->valuestring, out, len);
		cJSON_Delete(doc);
		return;
	}
	cJSON_Delete(doc);
	/* body need not end in a NUL: its first line, within len. */
	size_t n = 0;
	while (n < a->len && a->body[n] != '\r' && a->body[n] != '\n' && a->body[n] != '\0')
		n++;
	if (n >= sizeof(line))
		n = sizeof(line) - 1;
	memcpy(line, a->body, n);
	line[n] = '\0';
	cells_safe(line, out, len);
}

/* A transport failure: nothing, or not all, came back. */
static enum cluster_state transport_failure(const struct cluster_answer *a, char *err,
					    size_t errlen)
{
	char safe[200];
	cells_safe(a->error ? a->error : "", safe, sizeof(safe));
	if (a->too_big) {
		snprintf(err, errlen, _("the answer is larger than %u KiB"),
			 (unsigned)(DIGEST_MAX_BYTES >> 10));
		return CLUSTER_BAD_ANSWER;
	}
	if (a->status == 200 || a->len > 0) {
		/* The answer began and broke off: the agent is there, its answer is not whole. */
		snprintf(err, errlen, _("the answer broke off: %s"), safe);
		return CLUSTER_BAD_ANSWER;
	}
	snprintf(err, errlen, "%s", safe);
	return CLUSTER_UNREACHABLE;
}

enum cluster_state cluster_classify(const struct cluster_answer *a, bool via_proxy,
				    struct digest *d, char *err, size_t errlen)
{
	char msg[200];
	err[0] = '\0';
	if (a->error || a->too_big)
		return transport_failure(a, err, errlen);
	answer_message(a, msg, sizeof(msg));
	switch (a->status) {
	case 200:
		break;
	case 401:
		snprintf(err, errlen, _("not allowed: %s"),
			 msg[0] ? msg : _("the credential was refused"));
		return CLUSTER_UNAUTHORIZED;
	case 403:
		snprintf(err, errlen, _("not allowed: %s"), msg[0] ? msg : _("forbidden"));
		return CLUSTER_FORBIDDEN;
	case 502:
	case 503:
	case 504:
		/* Through pods/proxy: the API server could not reach the pod. */
		if (via_proxy)
			snprintf(err, errlen, _("the API server could not reach the agent: %s"), msg);
		else
			snprintf(err, errlen, _("HTTP %ld: %s"), a->status, msg);
		return CLUSTER_UNREACHABLE;
	default:
		snprintf(err, errlen, _("HTTP %ld: %s"), a->status, msg);
		return CLUSTER_BAD_ANSWER;
	}
	char perr[200] = "";
	int rc = digest_parse(a->body ? a->body : "", a->len, d, perr, sizeof(perr));
	if (rc == 0)
		return CLUSTER_OK;
	if (rc == -E2BIG)
		snprintf(err, errlen, _("the answer is larger than %u KiB"),
			 (unsigned)(DIGEST_MAX_BYTES >> 10));
	else if (rc == -ENOMEM)
		snprintf(err, errlen, "%s", strerror(ENOMEM));
	else
		snprintf(err, errlen, _("not a digest: %s"), cells_safe(perr, msg, sizeof(msg)));
	return CLUSTER_BAD_ANSWER;
}

/* Nodes not read come first, the worst of them first; read ones by their digest's problems. */
enum {
	RANK_UNREAD = 1000,
};

static int state_rank(enum cluster_state s)
{
	switch (s) {
	case CLUSTER_UNREACHABLE:
		return RANK_UNREAD + 40;
	case CLUSTER_UNAUTHORIZED:
	case CLUSTER_FORBIDDEN:
		return RANK_UNREAD + 30;
	case CLUSTER_BAD_ANSWER:
		return RANK_UNREAD + 20;
	case CLUSTER_NO_AGENT:
		return RANK_UNREAD + 10;
	case CLUSTER_WAITING:
		return RANK_UNREAD;
	default:
		return 0;
	}
}

/* What the API says of a node without an agent: its kube-proxy pod. */
static void kube_proxy_problem(struct cluster_row *row)
{
	const struct cluster_kube_proxy *kp = &row->kp;
	char safe[64];
	if (!kp->known)
		snprintf(row->problem, sizeof(row->problem), "%s", _("no agent"));
	else if (kp->waiting[0])
		snprintf(row->problem, sizeof(row->problem), _("no agent; kube-proxy: %s"),
			 cells_safe(kp->waiting, safe, sizeof(safe)));
	else if (!kp->ready)
		snprintf(row->problem, sizeof(row->problem), "%s",
			 _("no agent; kube-proxy not ready"));
	else
		snprintf(row->problem, sizeof(row->problem), "%s", _("no agent"));
	if (kp->known && (kp->waiting[0] || !kp->ready))
		row->severity += 5;
}

void cluster_row_rank(struct cluster_row *row)
{
	row->severity = state_rank(row->state);
	row->problem[0] = '\0';
	switch (row->state) {
	case CLUSTER_OK:
		if (row->have_digest) {
			char why[160] = "";
			row->severity = digest_problems(&row->d, why, sizeof(why));
			if (row->severity < 0)
				row->severity = 0;
			if (row->severity >= RANK_UNREAD)
				row->severity = RANK_UNREAD - 1;
			cells_safe(why, row->problem, sizeof(row->problem));
		}
		break;
	case CLUSTER_NO_AGENT:
		kube_proxy_problem(row);
		break;
	case CLUSTER_WAITING:
		break;
	default:
		snprintf(row->problem, sizeof(row->problem), _("agent %s"),
			 cluster_state_text(row->state));
		break;
	}
}

static int row_cmp(const void *a, const void *b)
{
	const struct cluster_row *x = a, *y = b;
	if (x->severity != y->severity)
		return x->severity > y->severity ? -1 : 1;
	return strcmp(x->node, y->node);
}

void cluster_rows_sort(struct cluster_row *rows, size_t n)
{
	if (n > 1)
		qsort(rows, n, sizeof(*rows), row_cmp);
}

void cluster_view_free(struct cluster_view *v)
{
	if (!v)
		return;
	free(v->rows);
	memset(v, 0, sizeof(*v));
}

int cluster_view_copy(struct cluster_view *dst, const struct cluster_view *src)
{
	*dst = *src;
	dst->rows = NULL;
	if (src->n_rows) {
		dst->rows = malloc(src->n_rows * sizeof(*dst->rows));
		if (!dst->rows) {
			memset(dst, 0, sizeof(*dst));
			return -ENOMEM;
		}
		memcpy(dst->rows, src->rows, src->n_rows * sizeof(*dst->rows));
	}
	return 0;
}

/* The running plane of d, else NULL. */
static const struct digest_plane *running_plane(const struct digest *d)
{
	for (size_t i = 0; i < d->n_planes && i < 4; i++)
		if (d->planes[i].running)
			return &d->planes[i];
	return NULL;
}

static void planes_text(const struct digest *d, char *buf, size_t len)
{
	size_t n = 0;
	buf[0] = '\0';
	for (size_t i = 0; i < d->n_planes && i < 4; i++)
		if (d->planes[i].present)
			n = cells_catf(buf, n, len, "%s%s%s", n ? "," : "", d->planes[i].name,
				       d->planes[i].running ? "*" : "");
	if (!n)
		snprintf(buf, len, "-");
}

static void sync_text(const struct digest *d, char *buf, size_t len)
{
	char safe[32];
	if (d->kp_waiting[0])
		snprintf(buf, len, "%s", cells_safe(d->kp_waiting, safe, sizeof(safe)));
	else if (d->kp_hung)
		snprintf(buf, len, "%s", _("hung"));
	else if (d->kp_failures)
		snprintf(buf, len, _("%llu failed"), (unsigned long long)d->kp_failures);
	else if (!d->kp_metrics_read)
		snprintf(buf, len, "?");
	else if (isfinite(d->kp_last_sync_age))
		snprintf(buf, len, _("ok, %.0fs ago"), d->kp_last_sync_age);
	else
		snprintf(buf, len, "%s", _("ok"));
}

void cluster_row_cells(const struct cluster_row *r, const char *configured_mode,
		       struct cluster_cells *out)
{
	char a[64], b[64];
	memset(out, 0, sizeof(*out));
	if (r->state == CLUSTER_OK && r->path == CLUSTER_PATH_PROXY)
		snprintf(out->state, sizeof(out->state), _("%s (proxy)"), cluster_state_text(r->state));
	else
		snprintf(out->state, sizeof(out->state), "%s", cluster_state_text(r->state));
	const struct digest *d = r->state == CLUSTER_OK && r->have_digest ? &r->d : NULL;
	const char *conf = d && d->configured_mode[0] ? d->configured_mode : configured_mode;
	const char *run = d && d->running_mode[0] ? d->running_mode : r->kp.log_mode;
	snprintf(out->kube_proxy, sizeof(out->kube_proxy), "%s/%s",
		 cells_safe(conf && conf[0] ? conf : "?", a, sizeof(a)),
		 cells_safe(run[0] ? run : "?", b, sizeof(b)));
	if (!d) {
		snprintf(out->planes, sizeof(out->planes), "-");
		snprintf(out->rules, sizeof(out->rules), "-");
		snprintf(out->drift, sizeof(out->drift), "-");
		snprintf(out->leftovers, sizeof(out->leftovers), "-");
		snprintf(out->sync, sizeof(out->sync), "-");
		snprintf(out->cps, sizeof(out->cps), "-");
		return;
	}
	char planes[64];
	planes_text(d, planes, sizeof(planes));
	cells_safe(planes, out->planes, sizeof(out->planes));
	const struct digest_plane *p = running_plane(d);
	if (p)
		snprintf(out->rules, sizeof(out->rules), "%u/%u", p->frontends, p->endpoints);
	else
		snprintf(out->rules, sizeof(out->rules), "%llu/%llu",
			 (unsigned long long)d->services, (unsigned long long)d->real_servers);
	snprintf(out->drift, sizeof(out->drift), "%u/%u/%u", d->drift_missing,
		 d->drift_unexplained, d->drift_unowned);
	snprintf(out->leftovers, sizeof(out->leftovers), "%u", d->leftovers);
	sync_text(d, out->sync, sizeof(out->sync));
	cells_human(d->cps, out->cps, sizeof(out->cps));
}
