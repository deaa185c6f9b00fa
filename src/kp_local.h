/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kube-proxy's own HTTP port on this node (/proxyMode, /metrics): one bounded GET. */
#ifndef IPVSTOP_KP_LOCAL_H
#define IPVSTOP_KP_LOCAL_H

#include <stdbool.h>
#include <stddef.h>

#include "kp_metrics.h"

/* kube-proxy's metrics port answers at once or not at all: a second is plenty. */
#define KP_LOCAL_TIMEOUT_MS 1000L
/* /proxyMode is a word; /metrics a few hundred KiB even on a big node. */
#define KP_LOCAL_MAX_METRICS ((size_t)16 << 20)

/*
 * GETs url (plain http, no proxy, no credentials ever sent) in at most timeout_ms, the
 * body cut at max bytes. *body (NUL-terminated, owned by the caller, free()) and *len are
 * set on success only. Returns 0; -ETIMEDOUT (no answer in time), -ECONNREFUSED (nothing
 * listens), -EBADMSG (an HTTP status other than 200), -EFBIG (a body over max), -ENOMEM,
 * -EIO (anything else). why (may be NULL) gets the error in words (translated), "" on 0.
 */
int kp_local_get(const char *url, long timeout_ms, size_t max, char **body, size_t *len, char *why,
		 size_t why_len);

/*
 * kube-proxy's /metrics at url read (kp_local_get, KP_LOCAL_TIMEOUT_MS, KP_LOCAL_MAX_METRICS)
 * and parsed into *m. Returns 0, kp_local_get's errors, or kp_metrics_parse's (-EBADMSG:
 * not the text format; -E2BIG); why (may be NULL) says it in words.
 */
int kp_local_read_metrics(const char *url, struct kp_metrics *m, char *why, size_t why_len);

/*
 * kube-proxy's own /metrics on this node as last read. m is the last reply that parsed, kept
 * when a later read fails (error and why then say why). Plain data: copy it, never free it.
 */
struct kp_local {
	bool asked;    /* a read was tried */
	bool read;     /* m holds a parsed reply */
	double time;   /* when m was read, Unix seconds */
	int error;     /* 0, or -errno of the last read or parse */
	char why[256]; /* that error in words, "" when none */
	struct kp_metrics m;
};

/*
 * Reads kube-proxy's /metrics at url into st (the last good reply stays when this read
 * fails). timed_out: NULL, or the URL on the
 * same port (/proxyMode) that just gave no answer in time: the metrics are then not asked (a
 * second more would say nothing new) and the error names that URL.
 */
void kp_local_poll_metrics(struct kp_local *st, const char *url, const char *timed_out);

#endif
