/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The Kubernetes model: ownership of its entries, deep copies, the configured proxy mode. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kube_model.h"
#include "mem.h"

const char *kube_configured_mode(const struct kube_state *k)
{
	if (k->ds.known && k->ds.mode_flag[0])
		return k->ds.mode_flag;
	if (k->config.known)
		/* KubeProxyConfiguration: an empty mode is the platform default, iptables on Linux.
		 */
		return k->config.mode[0] ? k->config.mode : "iptables";
	return "";
}

void kube_service_free(struct kube_service *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_ports; i++)
		free(s->ports[i].name);
	mem_free_all(s->ns, s->name, s->cluster_ips, s->external_ips, s->lb_ips, s->ports);
	memset(s, 0, sizeof(*s));
}

void kube_slice_free(struct kube_slice *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n_ports; i++)
		free(s->ports[i].name);
	for (size_t i = 0; i < s->n_endpoints; i++)
		mem_free_all(s->endpoints[i].node, s->endpoints[i].pod);
	mem_free_all(s->ns, s->name, s->service, s->ports, s->endpoints);
	memset(s, 0, sizeof(*s));
}

void kube_node_free(struct kube_node *n)
{
	if (!n)
		return;
	mem_free_all(n->name, n->addrs);
	memset(n, 0, sizeof(*n));
}

void kube_proxy_pod_free(struct kube_proxy_pod *p)
{
	if (!p)
		return;
	mem_free_all(p->name, p->node, p->log_tail);
	memset(p, 0, sizeof(*p));
}

void kube_state_free(struct kube_state *k)
{
	mem_free_array(k->services, k->n_services, kube_service_free);
	mem_free_array(k->slices, k->n_slices, kube_slice_free);
	mem_free_array(k->nodes, k->n_nodes, kube_node_free);
	mem_free_array(k->proxies, k->n_proxies, kube_proxy_pod_free);
	memset(k, 0, sizeof(*k));
}

/* ---- deep copies, for publishing a state the UI owns ---- */

static char *sdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

static bool copy_array(void **dst, const void *src, size_t n, size_t size)
{
	*dst = NULL;
	if (!n)
		return true;
	*dst = malloc(n * size);
	if (!*dst)
		return false;
	memcpy(*dst, src, n * size);
	return true;
}

static bool copy_service(struct kube_service *d, const struct kube_service *s)
{
	*d = *s;
	d->ns = sdup(s->ns);
	d->name = sdup(s->name);
	bool ok = d->ns && d->name &&
		  copy_array((void **)&d->cluster_ips, s->cluster_ips, s->n_cluster_ips,
			     sizeof(*s->cluster_ips)) &&
		  copy_array((void **)&d->external_ips, s->external_ips, s->n_external_ips,
			     sizeof(*s->external_ips)) &&
		  copy_array((void **)&d->lb_ips, s->lb_ips, s->n_lb_ips, sizeof(*s->lb_ips)) &&
		  copy_array((void **)&d->ports, s->ports, s->n_ports, sizeof(*s->ports));
	if (ok)
		for (size_t i = 0; i < s->n_ports; i++)
			d->ports[i].name = NULL;
	for (size_t i = 0; ok && i < s->n_ports; i++)
		ok = (d->ports[i].name = sdup(s->ports[i].name)) != NULL || !s->ports[i].name;
	return ok;
}

static bool copy_slice(struct kube_slice *d, const struct kube_slice *s)
{
	*d = *s;
	d->ns = sdup(s->ns);
	d->name = sdup(s->name);
	d->service = sdup(s->service);
	d->ports = NULL;
	d->endpoints = NULL;
	bool ok = d->ns && d->name && (d->service || !s->service) &&
		  copy_array((void **)&d->ports, s->ports, s->n_ports, sizeof(*s->ports)) &&
		  copy_array((void **)&d->endpoints, s->endpoints, s->n_endpoints,
			     sizeof(*s->endpoints));
	if (!ok) {
		if (!d->ports)
			d->n_ports = 0;
		if (!d->endpoints)
			d->n_endpoints = 0;
		return false;
	}
	for (size_t i = 0; i < s->n_ports; i++)
		d->ports[i].name = NULL;
	for (size_t i = 0; i < s->n_endpoints; i++)
		d->endpoints[i].node = d->endpoints[i].pod = NULL;
	for (size_t i = 0; ok && i < s->n_ports; i++)
		ok = (d->ports[i].name = sdup(s->ports[i].name)) != NULL || !s->ports[i].name;
	for (size_t i = 0; ok && i < s->n_endpoints; i++) {
		d->endpoints[i].node = sdup(s->endpoints[i].node);
		d->endpoints[i].pod = sdup(s->endpoints[i].pod);
		ok = (d->endpoints[i].node || !s->endpoints[i].node) &&
		     (d->endpoints[i].pod || !s->endpoints[i].pod);
	}
	return ok;
}

static bool copy_node(struct kube_node *d, const struct kube_node *s)
{
	*d = *s;
	d->name = sdup(s->name);
	return d->name && copy_array((void **)&d->addrs, s->addrs, s->n_addrs, sizeof(*s->addrs));
}

static bool copy_pod(struct kube_proxy_pod *d, const struct kube_proxy_pod *s)
{
	*d = *s;
	d->name = sdup(s->name);
	d->node = sdup(s->node);
	d->log_tail = sdup(s->log_tail);
	return d->name && (d->node || !s->node) && (d->log_tail || !s->log_tail);
}

/*
 * dst->arr: a copy of src->arr, one element at a time; dst->n counts the elements begun, so
 * that kube_state_free() frees what a failed copy left. Jumps to nomem on a failure.
 */
#define COPY_LIST(arr, n, copy_one)                                                           \
	do {                                                                                  \
		if (src->n && !(dst->arr = calloc(src->n, sizeof(*dst->arr))))               \
			goto nomem;                                                           \
		for (size_t i_ = 0; i_ < src->n; i_++) {                                      \
			dst->n++;                                                             \
			if (!copy_one(&dst->arr[i_], &src->arr[i_]))                         \
				goto nomem;                                                   \
		}                                                                             \
	} while (0)

int kube_state_copy(struct kube_state *dst, const struct kube_state *src)
{
	*dst = *src;
	dst->services = NULL;
	dst->slices = NULL;
	dst->nodes = NULL;
	dst->proxies = NULL;
	dst->n_services = dst->n_slices = dst->n_nodes = dst->n_proxies = 0;
	COPY_LIST(services, n_services, copy_service);
	COPY_LIST(slices, n_slices, copy_slice);
	COPY_LIST(nodes, n_nodes, copy_node);
	COPY_LIST(proxies, n_proxies, copy_pod);
	return 0;
nomem:
	kube_state_free(dst);
	return -ENOMEM;
}
