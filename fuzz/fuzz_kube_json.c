/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: what the Kubernetes API server (or anything between it and ipvstop)
 * sends, into kube_parse.c: a list page, watch event lines, a Status, /version, a kube-proxy
 * log, and each object parser on the document and on every list item and watch object.
 *
 * Bodies are handed over as kube_http hands them: a pointer and a length, in a buffer of
 * exactly that size without a terminating NUL, so that AddressSanitizer sees any read past
 * the length. The object parsers get the cJSON tree, as kube_sync gives them list items.
 */
#include "config.h"

#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "kube_model.h"
#include "kube_parse.h"

/* Every object parser on obj; what each one fills is freed at once. */
static void parse_object(const cJSON *obj)
{
	struct kube_service svc;
	struct kube_slice sl;
	struct kube_node nd;
	struct kube_proxy_pod pod;
	struct kube_proxy_config cfg;
	struct kube_daemonset ds;
	struct kube_status st;
	char *text = NULL;

	if (kube_parse_service(obj, &svc) == 0)
		kube_service_free(&svc);
	if (kube_parse_slice(obj, &sl) == 0)
		kube_slice_free(&sl);
	if (kube_parse_node(obj, &nd) == 0)
		kube_node_free(&nd);
	if (kube_parse_proxy_pod(obj, &pod) == 0)
		kube_proxy_pod_free(&pod);
	(void)kube_parse_configmap(obj, &cfg, NULL);
	if (kube_parse_configmap(obj, &cfg, &text) == 0 && text) {
		/* the text kube_proxy_conf_set edits: parse it once more on its own */
		(void)kube_proxy_conf_parse(text, &cfg);
	}
	free(text);
	(void)kube_parse_daemonset(obj, &ds);
	(void)kube_parse_status_obj(obj, &st);
}

static int each_item(const cJSON *obj, void *arg)
{
	(void)arg;
	parse_object(obj);
	return 0;
}

static int stop_at_first(const cJSON *obj, void *arg)
{
	(void)obj;
	(void)arg;
	return -1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *body = malloc(size ? size : 1);
	if (!body)
		return 0;
	if (size)
		memcpy(body, data, size);

	/* A list page, with kube_sync's buffer sizes and with none. */
	char cont[4096], rv[64];
	(void)kube_parse_list(body, size, each_item, NULL, cont, sizeof(cont), rv, sizeof(rv));
	(void)kube_parse_list(body, size, NULL, NULL, NULL, 0, NULL, 0);
	(void)kube_parse_list(body, size, stop_at_first, NULL, cont, 1, rv, 1);

	/* A watch stream: each line an event, its object to every parser. */
	for (size_t i = 0; i < size;) {
		const char *nl = memchr(body + i, '\n', size - i);
		size_t len = nl ? (size_t)(nl - (body + i)) : size - i;
		struct kube_watch_event ev;
		if (kube_parse_watch_event(body + i, len, &ev) == 0) {
			(void)kube_watch_needs_relist(&ev);
			parse_object(ev.object);
			kube_watch_event_free(&ev);
		}
		i += len + 1;
	}

	struct kube_status st;
	(void)kube_parse_status(body, size, &st);
	char version[32];
	int minor;
	(void)kube_parse_version(body, size, version, sizeof(version), &minor);
	(void)kube_parse_version(body, size, version, 1, &minor);
	char mode[16];
	(void)kube_parse_proxier_log(body, size, mode);

	/* One object (a GET body), and the text as KubeProxyConfiguration YAML. */
	cJSON *doc = cJSON_ParseWithLength(body, size);
	if (doc) {
		parse_object(doc);
		cJSON_Delete(doc);
	}
	char *text = fuzz_strndup(data, size);
	struct kube_proxy_config cfg;
	(void)kube_proxy_conf_parse(text, &cfg);
	free(text);

	free(body);
	return 0;
}
