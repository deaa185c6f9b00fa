/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The Kubernetes summary in words, shared by the dashboard's header and the batch frames. */
#ifndef IPVSTOP_KUBE_TEXT_H
#define IPVSTOP_KUBE_TEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "output_json.h"

#define KUBE_TEXT_LINES 4
#define KUBE_TEXT_LEN 512

struct kube_text {
	char line[KUBE_TEXT_LINES][KUBE_TEXT_LEN];
	bool warn[KUBE_TEXT_LINES]; /* draw in the warning colour */
	size_t n;
	size_t drift; /* total drift count, 0 when none or unknown */
};

/* Fills t from kv (translated text). kv NULL gives no lines. */
void kube_text_summary(const struct kube_view *kv, struct kube_text *t);

/* The owner of virtual service i ("ns/name:port"), or "" when none. */
const char *kube_text_owner(const struct kube_view *kv, size_t i, char *buf, size_t len);
/* The pod of real server j of virtual service i ("ns/pod on node"), or "". */
const char *kube_text_pod(const struct kube_view *kv, size_t i, size_t j, char *buf, size_t len);
/* True when virtual service i or one of its real servers has a drift entry. */
bool kube_text_service_drift(const struct kube_view *kv, size_t i);

#endif
