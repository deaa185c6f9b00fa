/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One GET to kube-proxy's port on this node: a plain libcurl easy handle with hard limits. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "clock.h"
#include "curl_dl.h"
#include "kp_local.h"
#include "kube_io.h"
#include "nls.h"

struct body {
	char *p;
	size_t n, cap, max;
	bool too_big, nomem;
};

static size_t take(char *data, size_t size, size_t n, void *arg)
{
	struct body *b = arg;
	size_t add = size * n;
	if (b->n + add > b->max) {
		b->too_big = true;
		return 0; /* ends the transfer with CURLE_WRITE_ERROR */
	}
	if (array_append_text(&b->p, &b->n, &b->cap, data, add, 4096) < 0) {
		b->nomem = true;
		return 0;
	}
	return add;
}

/* The transfer's end in -errno and words. */
static int result(CURLcode res, long status, const struct body *b, const char *url, long ms,
		  char *why, size_t why_len)
{
	if (b->nomem)
		return kube_io_oom(why, why_len);
	if (b->too_big)
		return kube_io_fail(why, why_len, -EFBIG, _("GET %s: the reply is over %zu bytes"),
				    url, b->max);
	if (res == CURLE_OPERATION_TIMEDOUT)
		return kube_io_fail(why, why_len, -ETIMEDOUT, _("GET %s: no answer in %.1f s"), url,
				    (double)ms / 1000);
	if (res == CURLE_COULDNT_CONNECT)
		return kube_io_fail(why, why_len, -ECONNREFUSED, _("GET %s: nothing listens there"),
				    url);
	if (res != CURLE_OK)
		return kube_io_fail(why, why_len, -EIO, "GET %s: %s", url, curl_easy_strerror(res));
	if (status != 200)
		return kube_io_fail(why, why_len, -EBADMSG, _("GET %s: HTTP status %ld"), url,
				    status);
	return 0;
}

int kp_local_get(const char *url, long timeout_ms, size_t max, char **body, size_t *len, char *why,
		 size_t why_len)
{
	if (why && why_len)
		why[0] = '\0';
	char dl_why[512];
	if (curl_dl_load(dl_why, sizeof(dl_why)) != 0)
		return kube_io_fail(why, why_len, -ENOENT, "%s", dl_why);
	CURL *e = curl_easy_init();
	if (!e)
		return kube_io_oom(why, why_len);
	struct body b = {.max = max};
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_PROXY, "");
	/* Only plain http to this host: never a redirect elsewhere, never another protocol. */
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http");
#else
	curl_easy_setopt(e, CURLOPT_PROTOCOLS, (long)CURLPROTO_HTTP);
#endif
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, take);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, (void *)&b);
	CURLcode res = curl_easy_perform(e);
	long status = 0;
	if (res == CURLE_OK)
		curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(e);
	int err = result(res, status, &b, url, timeout_ms, why, why_len);
	if (err) {
		free(b.p);
		return err;
	}
	if (!b.p && !(b.p = calloc(1, 1)))
		return kube_io_oom(why, why_len);
	*body = b.p;
	*len = b.n;
	return 0;
}

int kp_local_read_metrics(const char *url, struct kp_metrics *m, char *why, size_t why_len)
{
	char *body;
	size_t len;
	int err =
	    kp_local_get(url, KP_LOCAL_TIMEOUT_MS, KP_LOCAL_MAX_METRICS, &body, &len, why, why_len);
	if (err)
		return err;
	err = kp_metrics_parse(body, len, m);
	free(body);
	if (err == -EBADMSG)
		return kube_io_fail(
		    why, why_len, err,
		    _("GET %s: not kube-proxy's metrics (no line of the Prometheus text "
		      "format)"),
		    url);
	if (err)
		return kube_io_fail(why, why_len, err, "GET %s: %s", url, strerror(-err));
	return 0;
}

void kp_local_poll_metrics(struct kp_local *st, const char *url, const char *timed_out)
{
	char why[sizeof(st->why)];
	struct kp_metrics m;
	int err;
	if (timed_out) {
		err = -ETIMEDOUT;
		snprintf(why, sizeof(why), _("GET %s: no answer in %.1f s"), timed_out,
			 (double)KP_LOCAL_TIMEOUT_MS / 1000);
	} else {
		err = kp_local_read_metrics(url, &m, why, sizeof(why));
	}
	st->asked = true;
	if (err == 0) {
		st->m = m;
		st->read = true;
		st->time = clock_seconds(CLOCK_REALTIME);
	}
	st->error = err;
	snprintf(st->why, sizeof(st->why), "%s", err ? why : "");
}
