/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Kubernetes API JSON (and kube-proxy's log) -> kube_model structs; no I/O. */
#ifndef IPVSTOP_KUBE_PARSE_H
#define IPVSTOP_KUBE_PARSE_H

#include <stdbool.h>
#include <stddef.h>

#include <cjson/cJSON.h>

#include "kube_model.h"
#include "kube_proxy_conf.h"

/*
 * Conventions of the object parsers below:
 * - obj is one API object as a cJSON tree (a list item, a watch event's object, a GET body).
 *   The parser copies the few fields ipvstop uses and keeps no pointer into obj.
 * - *out is zeroed first; on error it is left freed and zeroed.
 * - A field that is absent or JSON null takes the API default. A field of the wrong JSON type,
 *   a missing metadata.name, or an object whose "kind" is present and another, is an error.
 *   Addresses that do not parse as IPs are skipped: the API server validates them, and one
 *   odd address is no reason to drop a Service.
 * - They return 0, -EINVAL or -ENOMEM.
 */

/*
 * A Service: namespace, name, type, spec.clusterIPs (or the older clusterIP alone; "None" ->
 * headless), externalIPs, status.loadBalancer.ingress[].ip (only ipMode VIP or unset:
 * kube-proxy programs nothing for ipMode Proxy), ports (protocol defaults to TCP),
 * sessionAffinity ClientIP with timeoutSeconds (default 10800), external and internal
 * traffic policy Local.
 */
int kube_parse_service(const cJSON *obj, struct kube_service *out);

/*
 * A discovery.k8s.io/v1 EndpointSlice: namespace, name, label kubernetes.io/service-name
 * (service NULL without it), addressType, ports (nil name -> "", nil port -> 0, protocol
 * defaults to TCP) and endpoints: the first address (consumers use only the first),
 * conditions as kube-proxy reads them (ready and serving nil -> true, terminating nil ->
 * false), nodeName, targetRef of kind Pod as "namespace/name". An endpoint without an address
 * is dropped; FQDN slices keep their endpoints with ip.af 0.
 */
int kube_parse_slice(const cJSON *obj, struct kube_slice *out);

/* A Node: name and status.addresses of type InternalIP and ExternalIP. */
int kube_parse_node(const cJSON *obj, struct kube_node *out);

/*
 * A kube-proxy Pod: name, spec.nodeName, status.phase, the Ready condition, the sum of
 * containerStatuses[].restartCount and the first state.waiting.reason. log_mode and log_tail
 * are left for the caller (they come from the pod's log).
 */
int kube_parse_proxy_pod(const cJSON *obj, struct kube_proxy_pod *out);

/*
 * ConfigMap kube-system/kube-proxy: metadata.resourceVersion and data["config.conf"] read by
 * kube_proxy_conf_parse. When text is not NULL, *text receives a copy of config.conf (owned
 * by the caller; NULL on error), the input of kube_proxy_conf_set.
 * Returns 0; -ENOENT when there is no data["config.conf"]; -EINVAL when the ConfigMap or the
 * text is malformed; -E2BIG when a value (or metadata.resourceVersion) does not fit its
 * field, out->too_long naming it; -ENOMEM. out->known is true only on success.
 */
int kube_parse_configmap(const cJSON *obj, struct kube_proxy_config *out, char **text);

/*
 * DaemonSet kube-system/kube-proxy: --proxy-mode=X or --proxy-mode X in any container's
 * command or args (also inside a shell command string), status desired/updated/ready/available
 * and spec.template.metadata.annotations["kubectl.kubernetes.io/restartedAt"].
 */
int kube_parse_daemonset(const cJSON *obj, struct kube_daemonset *out);

/*
 * GET /version: gitVersion ("v1.34.1") into version (truncated to vlen) and minor as a number
 * ("34+" -> 34; 0 when absent or not a number). Returns 0 or -EINVAL.
 */
int kube_parse_version(const char *json, size_t len, char *version, size_t vlen, int *minor);

/*
 * The proxier a kube-proxy log says it started: the last of "Using <mode> Proxier" (klog text
 * "Using ipvs Proxier." and structured "\"Using ipvs Proxier\"" alike), "Creating
 * dualStackProxier for <mode>", "Using iptables proxy" (an empty mode defaulted) and
 * "Unknown proxy mode ..., assuming iptables proxy". mode receives "ipvs", "iptables",
 * "nftables", ... Returns 0, or -ENOENT (mode "") when no such line is in text.
 */
int kube_parse_proxier_log(const char *text, size_t len, char mode[16]);

/* A metav1.Status, the body of an API error and of a watch ERROR event. */
struct kube_status {
	int code;	   /* HTTP code it stands for: 404, 409, 410, ...; 0 if absent */
	char status[16];   /* "Failure", "Success" */
	char reason[64];   /* "NotFound", "Conflict", "Expired", "Gone", ... */
	char message[256]; /* truncated */
};

/* Parses a Status body. Returns 0, or -EINVAL when json is not an object of kind Status. */
int kube_parse_status(const char *json, size_t len, struct kube_status *st);
/* The same from a parsed object. */
int kube_parse_status_obj(const cJSON *obj, struct kube_status *st);

/*
 * One page of a list (ServiceList, EndpointSliceList, ...). The page is parsed as one cJSON
 * document, item(obj, arg) is called for each element of "items" in order, then the document
 * is freed: the callback copies what it needs (kube_parse_service & co) and keeps no pointer.
 * cont receives metadata.continue ("" on the last page) and rv metadata.resourceVersion
 * (either may be NULL with length 0).
 * Returns the number of items, -EINVAL for malformed JSON or a body that is not a list
 * (a Status body: use kube_parse_status), -ENOBUFS when continue or resourceVersion does not
 * fit, or the first negative value item returned (which stops the walk).
 */
int kube_parse_list(const char *json, size_t len, int (*item)(const cJSON *obj, void *arg),
		    void *arg, char *cont, size_t contlen, char *rv, size_t rvlen);

/*
 * What a list's items parse into, as kube_sync keeps them: an array of one kind (struct
 * kube_service, kube_slice, kube_node or kube_proxy_pod, by kind), grown as items come.
 */
enum kube_item_kind { KUBE_ITEM_SERVICE, KUBE_ITEM_SLICE, KUBE_ITEM_NODE, KUBE_ITEM_POD };
struct kube_items {
	enum kube_item_kind kind;
	void *v;
	size_t n, cap;
};
size_t kube_item_size(enum kube_item_kind kind);
/* Frees one item of that kind (kube_service_free & co). */
void kube_item_free(enum kube_item_kind kind, void *item);
/* Parses obj into *out as an item of that kind (kube_parse_service & co, same returns). */
int kube_item_parse(enum kube_item_kind kind, const cJSON *obj, void *out);
/*
 * kube_parse_list's item callback, arg a struct kube_items: parses obj by its kind and appends
 * it. A malformed object is skipped (one bad object is no reason to drop the whole list) and 0
 * returned; -ENOMEM is returned, so that the list fails rather than go on without the item.
 */
int kube_items_add(const cJSON *obj, void *arg);
/* Frees every item and the array; kind is kept, the rest zeroed. */
void kube_items_free(struct kube_items *it);

enum kube_watch_type {
	KUBE_WATCH_ADDED = 1,
	KUBE_WATCH_MODIFIED,
	KUBE_WATCH_DELETED,
	KUBE_WATCH_BOOKMARK,
	KUBE_WATCH_ERROR,
};

/* One event of a watch stream (one line of the body). */
struct kube_watch_event {
	enum kube_watch_type type;
	cJSON *doc;		   /* owned: the parsed line; free with kube_watch_event_free */
	const cJSON *object;	   /* the event's object, inside doc */
	char resource_version[32]; /* the object's metadata.resourceVersion ("" for ERROR) */
	bool initial_events_end;   /* BOOKMARK annotated k8s.io/initial-events-end (watch-list) */
	struct kube_status status; /* ERROR: the Status (code 410: the resourceVersion is gone) */
};

/*
 * Parses one watch event line (surrounding whitespace allowed). On success the caller owns
 * ev->doc and passes ev->object to kube_parse_service & co. Returns 0, -EINVAL (malformed
 * JSON, unknown type, no object, an ERROR without a Status), -ENOBUFS (resourceVersion too
 * long) or -ENOMEM; on error ev holds nothing to free.
 */
int kube_parse_watch_event(const char *line, size_t len, struct kube_watch_event *ev);
void kube_watch_event_free(struct kube_watch_event *ev);
/* True when the event says the watch must start again with a fresh list (ERROR 410 Gone). */
bool kube_watch_needs_relist(const struct kube_watch_event *ev);

#endif
