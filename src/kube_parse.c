/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Kubernetes API JSON, kube-proxy's config text and its log -> kube_model structs; no I/O. */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "array.h"
#include "kube_parse.h"

/* ---- small JSON accessors: absent and null are the same; a wrong type is an error ---- */

static const cJSON *get(const cJSON *o, const char *key)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsNull(x) ? NULL : x;
}

/* o[key] as *x when `is` says it has the right type; NULL when absent; else -EINVAL. */
static int get_as(const cJSON *o, const char *key, cJSON_bool (*is)(const cJSON *),
		  const cJSON **x)
{
	*x = get(o, key);
	if (*x && !is(*x)) {
		*x = NULL;
		return -EINVAL;
	}
	return 0;
}

/* *s points into o (NULL when absent). */
static int get_str(const cJSON *o, const char *key, const char **s)
{
	const cJSON *x;
	*s = NULL;
	if (get_as(o, key, cJSON_IsString, &x) < 0 || (x && !x->valuestring))
		return -EINVAL;
	*s = x ? x->valuestring : NULL;
	return 0;
}

static int get_obj(const cJSON *o, const char *key, const cJSON **out)
{
	return get_as(o, key, cJSON_IsObject, out);
}

/* An array (NULL and 0 when absent). */
static int get_arr(const cJSON *o, const char *key, const cJSON **out, size_t *n)
{
	int r = get_as(o, key, cJSON_IsArray, out);
	*n = *out ? (size_t)cJSON_GetArraySize(*out) : 0;
	return r;
}

/*
 * o[key] as an array (*arr NULL when absent; o may be NULL) and room for its n items in
 * *items (an array of size-byte elements, zeroed, NULL when n is 0): 0, -EINVAL, -ENOMEM.
 */
static int get_items(const cJSON *o, const char *key, const cJSON **arr, void *items,
		     size_t size)
{
	size_t n;
	void *p = NULL;
	if (get_arr(o, key, arr, &n) < 0)
		return -EINVAL;
	if (n > 0 && !(p = calloc(n, size)))
		return -ENOMEM;
	memcpy(items, &p, sizeof(p)); /* items points at a T *, not a void * */
	return 0;
}

/* The object at o.key1.key2... (the keys end with NULL); *out NULL when one is absent. */
__attribute__((sentinel)) static int get_path(const cJSON *o, const cJSON **out, ...)
{
	va_list ap;
	const char *key;
	int r = 0;
	*out = o;
	va_start(ap, out);
	while (r == 0 && *out && (key = va_arg(ap, const char *)) != NULL)
		r = get_obj(*out, key, out) < 0 ? -EINVAL : 0;
	va_end(ap);
	return r;
}

/* The string o.in.key (o.in may be absent), when there, duplicated into *out. */
static int dup_in(const cJSON *o, const char *in, const char *key, char **out)
{
	const cJSON *x;
	const char *v;
	if (get_obj(o, in, &x) < 0 || (x && get_str(x, key, &v) < 0))
		return -EINVAL;
	return x && v && !(*out = strdup(v)) ? -ENOMEM : 0;
}

/* An integer in [min, max]; *v untouched when absent. */
static int get_int(const cJSON *o, const char *key, double min, double max, long *v)
{
	const cJSON *x;
	if (get_as(o, key, cJSON_IsNumber, &x) < 0)
		return -EINVAL;
	if (!x)
		return 0;
	double d = x->valuedouble;
	if (!(d >= min && d <= max) || d != (double)(long)d)
		return -EINVAL;
	*v = (long)d;
	return 0;
}

/* *v untouched when absent. */
static int get_bool(const cJSON *o, const char *key, bool *v)
{
	const cJSON *x;
	if (get_as(o, key, cJSON_IsBool, &x) < 0)
		return -EINVAL;
	if (x)
		*v = cJSON_IsTrue(x);
	return 0;
}

/* List items carry no kind; a GET body or a watch object does: it must be the expected one. */
static int check_kind(const cJSON *obj, const char *kind)
{
	const char *k;
	if (!cJSON_IsObject(obj))
		return -EINVAL;
	if (get_str(obj, "kind", &k) < 0)
		return -EINVAL;
	return k && strcmp(k, kind) != 0 ? -EINVAL : 0;
}

/* An object of the kind (check_kind): metadata.namespace (NULL if absent) and metadata.name
 * (required). */
static int get_meta(const cJSON *obj, const char *kind, const cJSON **meta, const char **ns,
		    const char **name)
{
	if (check_kind(obj, kind) < 0 || get_obj(obj, "metadata", meta) < 0 || !*meta)
		return -EINVAL;
	if (get_str(*meta, "namespace", ns) < 0 || get_str(*meta, "name", name) < 0)
		return -EINVAL;
	return *name && **name ? 0 : -EINVAL;
}

static int dup(const char *s, char **out)
{
	*out = strdup(s ? s : "");
	return *out ? 0 : -ENOMEM;
}

static int copy_fixed(char *dst, size_t len, const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n >= len)
		return -EINVAL;
	memcpy(dst, s ? s : "", n + 1);
	return 0;
}

static void copy_trunc(char *dst, size_t len, const char *s)
{
	snprintf(dst, len, "%s", s ? s : "");
}

/*
 * Parses an IP as Kubernetes stores it. Objects created before 1.20 may hold IPv4 with
 * leading zeros, which Go's ParseIPSloppy (and so kube-proxy) reads as decimal.
 */
static bool parse_ip(const char *s, struct kube_ip *ip)
{
	memset(ip, 0, sizeof(*ip));
	if (!s)
		return false;
	if (inet_pton(AF_INET, s, ip->addr.bytes) == 1) {
		ip->af = AF_INET;
		return true;
	}
	if (inet_pton(AF_INET6, s, ip->addr.bytes) == 1) {
		ip->af = AF_INET6;
		return true;
	}
	unsigned v[4];
	int n = 0;
	if (sscanf(s, "%3u.%3u.%3u.%3u%n", &v[0], &v[1], &v[2], &v[3], &n) == 4 && s[n] == '\0' &&
	    isdigit((unsigned char)s[0])) {
		for (int i = 0; i < 4; i++) {
			if (v[i] > 255)
				return false;
			ip->addr.bytes[i] = (uint8_t)v[i];
		}
		for (const char *p = s; *p; p++)
			if (!isdigit((unsigned char)*p) && *p != '.')
				return false;
		ip->af = AF_INET;
		return true;
	}
	return false;
}

/* An array of IP strings -> owned array of the ones that parse. */
static int ip_array(const cJSON *arr, size_t n, struct kube_ip **out, size_t *nout)
{
	*out = NULL;
	*nout = 0;
	if (!arr || n == 0)
		return 0;
	*out = calloc(n, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	const cJSON *x;
	cJSON_ArrayForEach(x, arr)
	{
		if (!cJSON_IsString(x))
			return -EINVAL;
		if (parse_ip(x->valuestring, &(*out)[*nout]))
			(*nout)++;
	}
	return 0;
}

static int parse_protocol(const cJSON *o, uint16_t *proto)
{
	const char *p;
	if (get_str(o, "protocol", &p) < 0)
		return -EINVAL;
	if (!p || strcmp(p, "TCP") == 0)
		*proto = IPPROTO_TCP;
	else if (strcmp(p, "UDP") == 0)
		*proto = IPPROTO_UDP;
	else if (strcmp(p, "SCTP") == 0)
		*proto = IPPROTO_SCTP;
	else
		return -EINVAL;
	return 0;
}

/* ---- Service ---- */

static int service_ports(const cJSON *spec, struct kube_service *svc)
{
	const cJSON *arr, *p;
	int r = get_items(spec, "ports", &arr, &svc->ports, sizeof(*svc->ports));
	if (r < 0)
		return r;
	cJSON_ArrayForEach(p, arr)
	{
		struct kube_service_port *sp = &svc->ports[svc->n_ports];
		const char *name;
		long port = -1, node_port = 0;
		if (!cJSON_IsObject(p) || get_str(p, "name", &name) < 0 ||
		    parse_protocol(p, &sp->protocol) < 0 ||
		    get_int(p, "port", 1, 65535, &port) < 0 ||
		    get_int(p, "nodePort", 0, 65535, &node_port) < 0 || port < 0)
			return -EINVAL;
		if (dup(name, &sp->name) < 0)
			return -ENOMEM;
		sp->port = (uint16_t)port;
		sp->node_port = (uint16_t)node_port;
		svc->n_ports++;
	}
	return 0;
}

/*
 * The objects of o[key] whose which field passes keep(): their ip_key field parsed into *out
 * (*n of them). A load balancer's ingress list and a node's addresses are both such lists.
 */
static int ip_items(const cJSON *o, const char *key, const char *ip_key, const char *which,
		    bool (*keep)(const char *which), struct kube_ip **out, size_t *n)
{
	const cJSON *arr, *x;
	int r = get_items(o, key, &arr, out, sizeof(**out));
	if (r < 0)
		return r;
	cJSON_ArrayForEach(x, arr)
	{
		const char *ip, *w;
		if (!cJSON_IsObject(x) || get_str(x, ip_key, &ip) < 0 || get_str(x, which, &w) < 0)
			return -EINVAL;
		if (keep(w) && parse_ip(ip, &(*out)[*n]))
			(*n)++;
	}
	return 0;
}

/* ipMode Proxy: the load balancer proxies to the nodes; kube-proxy adds no VIP. */
static bool ingress_is_vip(const char *ip_mode)
{
	return !ip_mode || strcmp(ip_mode, "VIP") == 0;
}

static int service_lb(const cJSON *obj, struct kube_service *svc)
{
	const cJSON *lb;
	if (get_path(obj, &lb, "status", "loadBalancer", (char *)NULL) < 0)
		return -EINVAL;
	return ip_items(lb, "ingress", "ip", "ipMode", ingress_is_vip, &svc->lb_ips,
			&svc->n_lb_ips);
}

static int service_body(const cJSON *obj, void *out)
{
	struct kube_service *svc = out;
	const cJSON *meta, *spec, *arr, *cfg, *cip;
	const char *ns, *name, *type, *cluster_ip, *aff, *etp, *itp;
	size_t n;
	int r;

	if (get_meta(obj, "Service", &meta, &ns, &name) < 0)
		return -EINVAL;
	if (dup(ns, &svc->ns) < 0 || dup(name, &svc->name) < 0)
		return -ENOMEM;
	if (get_obj(obj, "spec", &spec) < 0)
		return -EINVAL;
	svc->affinity_timeout = 10800;
	if (!spec)
		return service_lb(obj, svc);

	if (get_str(spec, "type", &type) < 0)
		return -EINVAL;
	if (!type || strcmp(type, "ClusterIP") == 0)
		svc->type = KUBE_SVC_CLUSTER_IP;
	else if (strcmp(type, "NodePort") == 0)
		svc->type = KUBE_SVC_NODE_PORT;
	else if (strcmp(type, "LoadBalancer") == 0)
		svc->type = KUBE_SVC_LOAD_BALANCER;
	else if (strcmp(type, "ExternalName") == 0)
		svc->type = KUBE_SVC_EXTERNAL_NAME;
	else
		return -EINVAL;

	/* spec.clusterIPs (1.20+, dual stack) holds clusterIP as its first element. */
	if (get_str(spec, "clusterIP", &cluster_ip) < 0 ||
	    get_arr(spec, "clusterIPs", &arr, &n) < 0)
		return -EINVAL;
	if (cluster_ip && strcmp(cluster_ip, "None") == 0)
		svc->headless = true;
	if (n > 0) {
		const cJSON *first = cJSON_GetArrayItem(arr, 0);
		if (cJSON_IsString(first) && strcmp(first->valuestring, "None") == 0)
			svc->headless = true;
	}
	if (!svc->headless) {
		if (n > 0) {
			if ((r = ip_array(arr, n, &svc->cluster_ips, &svc->n_cluster_ips)) < 0)
				return r;
		} else if (cluster_ip && *cluster_ip) {
			svc->cluster_ips = calloc(1, sizeof(*svc->cluster_ips));
			if (!svc->cluster_ips)
				return -ENOMEM;
			if (parse_ip(cluster_ip, &svc->cluster_ips[0]))
				svc->n_cluster_ips = 1;
		}
	}
	if (get_arr(spec, "externalIPs", &arr, &n) < 0)
		return -EINVAL;
	if ((r = ip_array(arr, n, &svc->external_ips, &svc->n_external_ips)) < 0)
		return r;
	if ((r = service_ports(spec, svc)) < 0)
		return r;

	if (get_str(spec, "sessionAffinity", &aff) < 0)
		return -EINVAL;
	svc->affinity_client_ip = aff && strcmp(aff, "ClientIP") == 0;
	if (get_obj(spec, "sessionAffinityConfig", &cfg) < 0)
		return -EINVAL;
	if (cfg) {
		long t = svc->affinity_timeout;
		if (get_obj(cfg, "clientIP", &cip) < 0)
			return -EINVAL;
		if (cip && get_int(cip, "timeoutSeconds", 0, 86400, &t) < 0)
			return -EINVAL;
		svc->affinity_timeout = (uint32_t)t;
	}
	if (get_str(spec, "externalTrafficPolicy", &etp) < 0 ||
	    get_str(spec, "internalTrafficPolicy", &itp) < 0)
		return -EINVAL;
	svc->local_traffic = etp && strcmp(etp, "Local") == 0;
	svc->internal_local = itp && strcmp(itp, "Local") == 0;
	return service_lb(obj, svc);
}

int kube_parse_service(const cJSON *obj, struct kube_service *out)
{
	return kube_item_parse(KUBE_ITEM_SERVICE, obj, out);
}

/* ---- EndpointSlice ---- */

static int slice_endpoint(const cJSON *e, struct kube_slice *sl)
{
	const cJSON *addrs, *cond, *ref;
	const char *node, *kind, *rns, *rname;
	size_t n;
	struct kube_endpoint *ep = &sl->endpoints[sl->n_endpoints];

	if (!cJSON_IsObject(e) || get_arr(e, "addresses", &addrs, &n) < 0 ||
	    get_obj(e, "conditions", &cond) < 0 || get_str(e, "nodeName", &node) < 0 ||
	    get_obj(e, "targetRef", &ref) < 0)
		return -EINVAL;
	if (n == 0)
		return 0; /* the API requires one; an endpoint without an address routes nothing */
	const cJSON *a = cJSON_GetArrayItem(addrs, 0);
	if (!cJSON_IsString(a))
		return -EINVAL;
	memset(ep, 0, sizeof(*ep));
	if (sl->af) {
		if (!parse_ip(a->valuestring, &ep->ip) || ep->ip.af != sl->af)
			return 0;
	}
	ep->ready = ep->serving = true;
	/*
	 * Older API text says an unset serving defers to ready; kube-proxy's EndpointSliceCache
	 * reads unset ready and serving as true and unset terminating as false. Do as it does.
	 */
	if (cond && (get_bool(cond, "ready", &ep->ready) < 0 ||
		     get_bool(cond, "serving", &ep->serving) < 0 ||
		     get_bool(cond, "terminating", &ep->terminating) < 0))
		return -EINVAL;
	sl->n_endpoints++; /* from here on the entry is freed with the slice */
	if (node && dup(node, &ep->node) < 0)
		return -ENOMEM;
	if (ref) {
		if (get_str(ref, "kind", &kind) < 0 || get_str(ref, "namespace", &rns) < 0 ||
		    get_str(ref, "name", &rname) < 0)
			return -EINVAL;
		if (kind && strcmp(kind, "Pod") == 0 && rname) {
			const char *pns = rns ? rns : sl->ns;
			size_t len = strlen(pns) + strlen(rname) + 2;
			ep->pod = malloc(len);
			if (!ep->pod)
				return -ENOMEM;
			snprintf(ep->pod, len, "%s/%s", pns, rname);
		}
	}
	return 0;
}

static int slice_body(const cJSON *obj, void *out)
{
	struct kube_slice *sl = out;
	const cJSON *meta, *arr, *x;
	const char *ns, *name, *at;
	int r;

	if (get_meta(obj, "EndpointSlice", &meta, &ns, &name) < 0)
		return -EINVAL;
	if (dup(ns, &sl->ns) < 0 || dup(name, &sl->name) < 0)
		return -ENOMEM;
	if ((r = dup_in(meta, "labels", "kubernetes.io/service-name", &sl->service)) < 0)
		return r;
	if (get_str(obj, "addressType", &at) < 0)
		return -EINVAL;
	if (at && strcmp(at, "IPv4") == 0)
		sl->af = AF_INET;
	else if (at && strcmp(at, "IPv6") == 0)
		sl->af = AF_INET6;
	else if (at && strcmp(at, "FQDN") == 0)
		sl->af = 0;
	else
		return -EINVAL; /* addressType is required and immutable */

	if ((r = get_items(obj, "ports", &arr, &sl->ports, sizeof(*sl->ports))) < 0)
		return r;
	cJSON_ArrayForEach(x, arr)
	{
		struct kube_slice_port *p = &sl->ports[sl->n_ports];
		const char *pname;
		long port = 0;
		if (!cJSON_IsObject(x) || get_str(x, "name", &pname) < 0 ||
		    parse_protocol(x, &p->protocol) < 0 || get_int(x, "port", 0, 65535, &port) < 0)
			return -EINVAL;
		if (dup(pname, &p->name) < 0)
			return -ENOMEM;
		p->port = (uint16_t)port;
		sl->n_ports++;
	}
	if ((r = get_items(obj, "endpoints", &arr, &sl->endpoints, sizeof(*sl->endpoints))) < 0)
		return r;
	cJSON_ArrayForEach(x, arr)
	{
		if ((r = slice_endpoint(x, sl)) < 0)
			return r;
	}
	return 0;
}

int kube_parse_slice(const cJSON *obj, struct kube_slice *out)
{
	return kube_item_parse(KUBE_ITEM_SLICE, obj, out);
}

/* ---- Node ---- */

static bool node_address_kept(const char *type)
{
	return type && (strcmp(type, "InternalIP") == 0 || strcmp(type, "ExternalIP") == 0);
}

static int node_body(const cJSON *obj, void *out)
{
	struct kube_node *nd = out;
	const cJSON *meta, *status;
	const char *ns, *name;

	if (get_meta(obj, "Node", &meta, &ns, &name) < 0)
		return -EINVAL;
	if (dup(name, &nd->name) < 0)
		return -ENOMEM;
	if (get_obj(obj, "status", &status) < 0)
		return -EINVAL;
	return ip_items(status, "addresses", "address", "type", node_address_kept, &nd->addrs,
			&nd->n_addrs);
}

int kube_parse_node(const cJSON *obj, struct kube_node *out)
{
	return kube_item_parse(KUBE_ITEM_NODE, obj, out);
}

/* ---- kube-proxy Pod ---- */

static int pod_body(const cJSON *obj, void *out)
{
	struct kube_proxy_pod *p = out;
	const cJSON *meta, *status, *arr, *x;
	const char *ns, *name, *phase;
	size_t n;
	int r;

	if (get_meta(obj, "Pod", &meta, &ns, &name) < 0)
		return -EINVAL;
	if (dup(name, &p->name) < 0)
		return -ENOMEM;
	if ((r = dup_in(obj, "spec", "nodeName", &p->node)) < 0)
		return r;
	if (get_obj(obj, "status", &status) < 0)
		return -EINVAL;
	if (!status)
		return 0;
	if (get_str(status, "phase", &phase) < 0)
		return -EINVAL;
	copy_trunc(p->phase, sizeof(p->phase), phase);
	if (get_arr(status, "conditions", &arr, &n) < 0)
		return -EINVAL;
	cJSON_ArrayForEach(x, arr)
	{
		const char *type, *st;
		if (!cJSON_IsObject(x) || get_str(x, "type", &type) < 0 ||
		    get_str(x, "status", &st) < 0)
			return -EINVAL;
		if (type && strcmp(type, "Ready") == 0)
			p->ready = st && strcmp(st, "True") == 0;
	}
	if (get_arr(status, "containerStatuses", &arr, &n) < 0)
		return -EINVAL;
	cJSON_ArrayForEach(x, arr)
	{
		const cJSON *state, *waiting;
		const char *reason;
		long restarts = 0;
		if (!cJSON_IsObject(x) ||
		    get_int(x, "restartCount", 0, UINT32_MAX, &restarts) < 0 ||
		    get_obj(x, "state", &state) < 0)
			return -EINVAL;
		p->restarts += (uint32_t)restarts;
		if (!state)
			continue;
		if (get_obj(state, "waiting", &waiting) < 0)
			return -EINVAL;
		if (!waiting)
			continue;
		if (get_str(waiting, "reason", &reason) < 0)
			return -EINVAL;
		if (!p->waiting_reason[0])
			copy_trunc(p->waiting_reason, sizeof(p->waiting_reason), reason);
	}
	return 0;
}

int kube_parse_proxy_pod(const cJSON *obj, struct kube_proxy_pod *out)
{
	return kube_item_parse(KUBE_ITEM_POD, obj, out);
}

static int configmap_body(const cJSON *obj, struct kube_proxy_config *out, char **text)
{
	const cJSON *meta, *data;
	const char *ns, *name, *rv, *conf;
	int r;

	if (get_meta(obj, "ConfigMap", &meta, &ns, &name) < 0 ||
	    get_str(meta, "resourceVersion", &rv) < 0 || get_obj(obj, "data", &data) < 0)
		return -EINVAL;
	if (copy_fixed(out->resource_version, sizeof(out->resource_version), rv) < 0) {
		out->too_long = "metadata.resourceVersion";
		return -E2BIG;
	}
	if (!data)
		return -ENOENT;
	if (get_str(data, "config.conf", &conf) < 0)
		return -EINVAL;
	if (!conf)
		return -ENOENT;
	if ((r = kube_proxy_conf_parse(conf, out)) < 0)
		return r;
	if (text && !(*text = strdup(conf)))
		return -ENOMEM;
	return 0;
}

int kube_parse_configmap(const cJSON *obj, struct kube_proxy_config *out, char **text)
{
	memset(out, 0, sizeof(*out));
	if (text)
		*text = NULL;
	int r = configmap_body(obj, out, text);
	if (r < 0) {
		const char *too_long = r == -E2BIG ? out->too_long : NULL;
		memset(out, 0, sizeof(*out));
		out->too_long = too_long;
	}
	return r;
}

/* ---- DaemonSet ---- */

/* Finds --proxy-mode in one string; *want_next when the value is the next argument. */
static int mode_in_string(const char *s, char *mode, size_t len, bool *want_next)
{
	static const char flag[] = "--proxy-mode";
	const char *p = s;
	while ((p = strstr(p, flag)) != NULL) {
		const char *q = p + sizeof(flag) - 1;
		bool starts =
		    p == s || p[-1] == ' ' || p[-1] == '\t' || p[-1] == '"' || p[-1] == '\'';
		p = q;
		if (!starts)
			continue;
		if (*q == '=') {
			q++;
		} else if (*q == ' ' || *q == '\t') {
			while (*q == ' ' || *q == '\t')
				q++;
		} else if (*q == '\0') {
			*want_next = true;
			return 0;
		} else {
			continue; /* --proxy-mode-something */
		}
		size_t n = 0;
		if (*q == '"' || *q == '\'') {
			char quote = *q++;
			while (q[n] && q[n] != quote)
				n++;
		} else {
			while (q[n] && q[n] != ' ' && q[n] != '\t' && q[n] != ';' && q[n] != '"' &&
			       q[n] != '\'')
				n++;
		}
		if (n >= len)
			return -EINVAL;
		memcpy(mode, q, n);
		mode[n] = '\0';
	}
	return 0;
}

static int mode_in_args(const cJSON *arr, char *mode, size_t len)
{
	const cJSON *x;
	bool want_next = false;
	cJSON_ArrayForEach(x, arr)
	{
		if (!cJSON_IsString(x))
			return -EINVAL;
		if (want_next) {
			want_next = false;
			if (strlen(x->valuestring) >= len)
				return -EINVAL;
			strcpy(mode, x->valuestring);
			continue;
		}
		if (mode_in_string(x->valuestring, mode, len, &want_next) < 0)
			return -EINVAL;
	}
	return 0;
}

static int ds_body(const cJSON *obj, struct kube_daemonset *ds)
{
	const cJSON *meta, *tmpl, *ann, *pspec, *arr, *c, *status;
	const char *ns, *name, *restarted;
	size_t n;

	if (get_meta(obj, "DaemonSet", &meta, &ns, &name) < 0 ||
	    get_path(obj, &tmpl, "spec", "template", (char *)NULL) < 0 ||
	    get_path(tmpl, &ann, "metadata", "annotations", (char *)NULL) < 0 ||
	    get_path(tmpl, &pspec, "spec", (char *)NULL) < 0)
		return -EINVAL;
	if (ann) {
		if (get_str(ann, "kubectl.kubernetes.io/restartedAt", &restarted) < 0)
			return -EINVAL;
		copy_trunc(ds->restarted_at, sizeof(ds->restarted_at), restarted);
	}
	if (pspec) {
		if (get_arr(pspec, "containers", &arr, &n) < 0)
			return -EINVAL;
		cJSON_ArrayForEach(c, arr)
		{
			const cJSON *cmd, *args;
			size_t nc, na;
			if (!cJSON_IsObject(c) || get_arr(c, "command", &cmd, &nc) < 0 ||
			    get_arr(c, "args", &args, &na) < 0)
				return -EINVAL;
			/* args follow command on the command line: a flag in args wins. */
			if ((cmd && mode_in_args(cmd, ds->mode_flag, sizeof(ds->mode_flag)) < 0) ||
			    (args && mode_in_args(args, ds->mode_flag, sizeof(ds->mode_flag)) < 0))
				return -EINVAL;
		}
	}
	if (get_obj(obj, "status", &status) < 0)
		return -EINVAL;
	if (status) {
		long d = 0, u = 0, r = 0, a = 0;
		if (get_int(status, "desiredNumberScheduled", 0, UINT32_MAX, &d) < 0 ||
		    get_int(status, "updatedNumberScheduled", 0, UINT32_MAX, &u) < 0 ||
		    get_int(status, "numberReady", 0, UINT32_MAX, &r) < 0 ||
		    get_int(status, "numberAvailable", 0, UINT32_MAX, &a) < 0)
			return -EINVAL;
		ds->desired = (uint32_t)d;
		ds->updated = (uint32_t)u;
		ds->ready = (uint32_t)r;
		ds->available = (uint32_t)a;
	}
	ds->known = true;
	return 0;
}

int kube_parse_daemonset(const cJSON *obj, struct kube_daemonset *out)
{
	memset(out, 0, sizeof(*out));
	int r = ds_body(obj, out);
	if (r < 0)
		memset(out, 0, sizeof(*out));
	return r;
}

/* ---- /version, Status, lists, watch events ---- */

int kube_parse_version(const char *json, size_t len, char *version, size_t vlen, int *minor)
{
	const char *gv, *mi;
	int r = -EINVAL;
	if (vlen)
		version[0] = '\0';
	*minor = 0;
	cJSON *doc = json ? cJSON_ParseWithLength(json, len) : NULL;
	if (!cJSON_IsObject(doc) || get_str(doc, "gitVersion", &gv) < 0 || !gv ||
	    get_str(doc, "minor", &mi) < 0)
		goto out;
	if (vlen)
		snprintf(version, vlen, "%s", gv);
	/* Providers append "+" to minor ("34+") for builds past the release. */
	if (mi && isdigit((unsigned char)mi[0]))
		*minor = (int)strtol(mi, NULL, 10);
	r = 0;
out:
	cJSON_Delete(doc);
	return r;
}

int kube_parse_status_obj(const cJSON *obj, struct kube_status *st)
{
	const char *status, *reason, *message;
	long code = 0;
	memset(st, 0, sizeof(*st));
	if (!cJSON_IsObject(obj))
		return -EINVAL;
	const char *kind;
	if (get_str(obj, "kind", &kind) < 0 || !kind || strcmp(kind, "Status") != 0 ||
	    get_str(obj, "status", &status) < 0 || get_str(obj, "reason", &reason) < 0 ||
	    get_str(obj, "message", &message) < 0 || get_int(obj, "code", 0, 999, &code) < 0) {
		memset(st, 0, sizeof(*st));
		return -EINVAL;
	}
	st->code = (int)code;
	copy_trunc(st->status, sizeof(st->status), status);
	copy_trunc(st->reason, sizeof(st->reason), reason);
	copy_trunc(st->message, sizeof(st->message), message);
	return 0;
}

int kube_parse_status(const char *json, size_t len, struct kube_status *st)
{
	memset(st, 0, sizeof(*st));
	cJSON *doc = json ? cJSON_ParseWithLength(json, len) : NULL;
	int r = kube_parse_status_obj(doc, st);
	cJSON_Delete(doc);
	return r;
}

/* metadata.<key> into buf; -ENOBUFS when it does not fit, -EINVAL for a wrong type. */
static int meta_field(const cJSON *meta, const char *key, char *buf, size_t len)
{
	const char *s;
	if (len)
		buf[0] = '\0';
	if (!meta)
		return 0;
	if (get_str(meta, key, &s) < 0)
		return -EINVAL;
	if (!s || !len)
		return 0;
	if (strlen(s) >= len)
		return -ENOBUFS;
	strcpy(buf, s);
	return 0;
}

int kube_parse_list(const char *json, size_t len, int (*item)(const cJSON *obj, void *arg),
		    void *arg, char *cont, size_t contlen, char *rv, size_t rvlen)
{
	const cJSON *meta, *items, *x;
	const char *kind;
	size_t n;
	int r, count = 0;

	if (contlen)
		cont[0] = '\0';
	if (rvlen)
		rv[0] = '\0';
	cJSON *doc = json ? cJSON_ParseWithLength(json, len) : NULL;
	if (!cJSON_IsObject(doc) || get_str(doc, "kind", &kind) < 0 ||
	    (kind && strcmp(kind, "Status") == 0) || get_obj(doc, "metadata", &meta) < 0 ||
	    get_arr(doc, "items", &items, &n) < 0 ||
	    (!items && !cJSON_IsNull(cJSON_GetObjectItemCaseSensitive(doc, "items")))) {
		r = -EINVAL;
		goto out;
	}
	if ((r = meta_field(meta, "continue", cont, contlen)) < 0 ||
	    (r = meta_field(meta, "resourceVersion", rv, rvlen)) < 0)
		goto out;
	cJSON_ArrayForEach(x, items)
	{
		if (item && (r = item(x, arg)) < 0)
			goto out;
		count++;
	}
	r = count;
out:
	cJSON_Delete(doc);
	return r;
}

/* Each item kind: its struct's size, and the body that fills a zeroed one in. */
static const struct {
	size_t size;
	int (*body)(const cJSON *obj, void *out);
} item_kinds[] = {
    [KUBE_ITEM_SERVICE] = {sizeof(struct kube_service), service_body},
    [KUBE_ITEM_SLICE] = {sizeof(struct kube_slice), slice_body},
    [KUBE_ITEM_NODE] = {sizeof(struct kube_node), node_body},
    [KUBE_ITEM_POD] = {sizeof(struct kube_proxy_pod), pod_body},
};

static bool item_kind_known(enum kube_item_kind kind)
{
	return (unsigned)kind < sizeof(item_kinds) / sizeof(item_kinds[0]);
}

size_t kube_item_size(enum kube_item_kind kind)
{
	return item_kind_known(kind) ? item_kinds[kind].size : 0;
}

void kube_item_free(enum kube_item_kind kind, void *item)
{
	switch (kind) {
	case KUBE_ITEM_SERVICE:
		kube_service_free(item);
		break;
	case KUBE_ITEM_SLICE:
		kube_slice_free(item);
		break;
	case KUBE_ITEM_NODE:
		kube_node_free(item);
		break;
	case KUBE_ITEM_POD:
		kube_proxy_pod_free(item);
		break;
	}
}

int kube_item_parse(enum kube_item_kind kind, const cJSON *obj, void *out)
{
	if (!item_kind_known(kind))
		return -EINVAL;
	memset(out, 0, item_kinds[kind].size);
	int r = item_kinds[kind].body(obj, out);
	/* What a failed body had filled in is freed: *out is empty again. */
	if (r < 0)
		kube_item_free(kind, out);
	return r;
}

int kube_items_add(const cJSON *obj, void *arg)
{
	struct kube_items *it = arg;
	size_t sz = kube_item_size(it->kind);
	if (array_reserve(&it->v, it->n, &it->cap, sz, 16))
		return -ENOMEM;
	int r = kube_item_parse(it->kind, obj, (char *)it->v + it->n * sz);
	if (r == -ENOMEM)
		return r;
	if (r == 0)
		it->n++;
	return 0;
}

void kube_items_free(struct kube_items *it)
{
	size_t sz = kube_item_size(it->kind);
	for (size_t i = 0; i < it->n; i++)
		kube_item_free(it->kind, (char *)it->v + i * sz);
	free(it->v);
	it->v = NULL;
	it->n = it->cap = 0;
}

void kube_watch_event_free(struct kube_watch_event *ev)
{
	cJSON_Delete(ev->doc);
	memset(ev, 0, sizeof(*ev));
}

bool kube_watch_needs_relist(const struct kube_watch_event *ev)
{
	/* 410 Gone: the resourceVersion fell out of the watch cache (reason Expired or Gone). */
	return ev->type == KUBE_WATCH_ERROR && ev->status.code == 410;
}

int kube_parse_watch_event(const char *line, size_t len, struct kube_watch_event *ev)
{
	static const struct {
		const char *name;
		enum kube_watch_type type;
	} types[] = {
	    {"ADDED", KUBE_WATCH_ADDED},     {"MODIFIED", KUBE_WATCH_MODIFIED},
	    {"DELETED", KUBE_WATCH_DELETED}, {"BOOKMARK", KUBE_WATCH_BOOKMARK},
	    {"ERROR", KUBE_WATCH_ERROR},
	};
	const cJSON *obj, *meta = NULL, *ann;
	const char *type, *end;
	int r = -EINVAL;

	memset(ev, 0, sizeof(*ev));
	if (!line)
		return -EINVAL;
	ev->doc = cJSON_ParseWithLength(line, len);
	if (!cJSON_IsObject(ev->doc) || get_str(ev->doc, "type", &type) < 0 || !type ||
	    get_obj(ev->doc, "object", &obj) < 0 || !obj)
		goto fail;
	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(type, types[i].name) == 0)
			ev->type = types[i].type;
	if (!ev->type)
		goto fail;
	ev->object = obj;
	if (ev->type == KUBE_WATCH_ERROR) {
		if (kube_parse_status_obj(obj, &ev->status) < 0)
			goto fail;
		return 0;
	}
	if (get_obj(obj, "metadata", &meta) < 0 || !meta)
		goto fail;
	if ((r = meta_field(meta, "resourceVersion", ev->resource_version,
			    sizeof(ev->resource_version))) < 0)
		goto fail;
	if (ev->type == KUBE_WATCH_BOOKMARK) {
		r = -EINVAL;
		if (get_obj(meta, "annotations", &ann) < 0)
			goto fail;
		if (ann) {
			if (get_str(ann, "k8s.io/initial-events-end", &end) < 0)
				goto fail;
			ev->initial_events_end = end && strcmp(end, "true") == 0;
		}
	}
	return 0;
fail:
	kube_watch_event_free(ev);
	return r < 0 ? r : -EINVAL;
}

/* ---- kube-proxy's log ---- */

/* A lower-case word at p (at most 15 letters) into mode; false when there is none. */
static bool log_word(const char *p, const char *e, char mode[16], const char *after)
{
	size_t n = 0;
	while (p + n < e && n < 16 && p[n] >= 'a' && p[n] <= 'z')
		n++;
	if (n == 0 || n >= 16)
		return false;
	size_t alen = strlen(after);
	if (alen && ((size_t)(e - (p + n)) < alen || memcmp(p + n, after, alen) != 0))
		return false;
	memcpy(mode, p, n);
	mode[n] = '\0';
	return true;
}

static const char *find(const char *s, const char *e, const char *needle)
{
	size_t n = strlen(needle);
	return s <= e && (size_t)(e - s) >= n ? memmem(s, (size_t)(e - s), needle, n) : NULL;
}

/*
 * The wordings, from kubernetes/kubernetes cmd/kube-proxy/app (server_others.go before 1.28,
 * server_linux.go since): klog text up to ~1.20 ("Using ipvs Proxier."), structured since
 * ("\"Using ipvs Proxier\""), "Creating dualStackProxier for ipvs" (1.2x dual stack, lower
 * case "creating ... iptables." earlier), "Unknown proxy mode, assuming iptables proxy" and,
 * since the default moved to platformApplyDefaults, "Using iptables proxy" for an empty mode.
 */
static bool log_line(const char *s, const char *e, char mode[16])
{
	const char *p;
	bool found = false;
	char m[16];
	for (p = s; (p = find(p, e, "Using ")) != NULL; p++)
		if (log_word(p + 6, e, m, " Proxier")) {
			found = true;
			memcpy(mode, m, sizeof(m));
		}
	if (find(s, e, "Using iptables proxy")) {
		found = true;
		strcpy(mode, "iptables");
	}
	if ((p = find(s, e, "reating dualStackProxier for ")) && log_word(p + 29, e, m, "")) {
		found = true;
		memcpy(mode, m, sizeof(m));
	}
	if ((p = find(s, e, "assuming iptables proxy"))) {
		found = true;
		strcpy(mode, "iptables");
	}
	return found;
}

int kube_parse_proxier_log(const char *text, size_t len, char mode[16])
{
	mode[0] = '\0';
	if (!text)
		return -ENOENT;
	const char *end = text + len;
	int r = -ENOENT;
	for (const char *s = text; s < end;) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		const char *e = nl ? nl : end;
		char m[16];
		if (log_line(s, e, m)) {
			memcpy(mode, m, sizeof(m));
			r = 0;
		}
		s = nl ? nl + 1 : end;
	}
	return r;
}
