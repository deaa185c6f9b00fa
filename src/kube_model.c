/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The Kubernetes model: ownership of its entries, deep copies, the configured proxy mode. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kube_model.h"

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
	free(s->ns);
	free(s->name);
	free(s->cluster_ips);
	free(s->external_ips);
	free(s->lb_ips);
	for (size_t i = 0; i < s->n_ports; i++)
		free(s->ports[i].name);
	free(s->ports);
	memset(s, 0, sizeof(*s));
}

void kube_slice_free(struct kube_slice *s)
{
	if (!s)
		return;
	free(s->ns);
	free(s->name);
	free(s->service);
	for (size_t i = 0; i < s->n_ports; i++)
		free(s->ports[i].name);
	free(s->ports);
	for (size_t i = 0; i < s->n_endpoints; i++) {
		free(s->endpoints[i].node);
		free(s->endpoints[i].pod);
	}
	free(s->endpoints);
	memset(s, 0, sizeof(*s));
}

void kube_node_free(struct kube_node *n)
{
	if (!n)
		return;
	free(n->name);
	free(n->addrs);
	memset(n, 0, sizeof(*n));
}

void kube_proxy_pod_free(struct kube_proxy_pod *p)
{
	if (!p)
		return;
	free(p->name);
	free(p->node);
	free(p->log_tail);
	memset(p, 0, sizeof(*p));
}

void kube_state_free(struct kube_state *k)
{
	for (size_t i = 0; i < k->n_services; i++)
		kube_service_free(&k->services[i]);
	free(k->services);
	for (size_t i = 0; i < k->n_slices; i++)
		kube_slice_free(&k->slices[i]);
	free(k->slices);
	for (size_t i = 0; i < k->n_nodes; i++)
		kube_node_free(&k->nodes[i]);
	free(k->nodes);
	for (size_t i = 0; i < k->n_proxies; i++)
		kube_proxy_pod_free(&k->proxies[i]);
	free(k->proxies);
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

int kube_state_copy(struct kube_state *dst, const struct kube_state *src)
{
	*dst = *src;
	dst->services = NULL;
	dst->slices = NULL;
	dst->nodes = NULL;
	dst->proxies = NULL;
	dst->n_services = dst->n_slices = dst->n_nodes = dst->n_proxies = 0;
	if ((src->n_services && !(dst->services = calloc(src->n_services, sizeof(*dst->services)))) ||
	    (src->n_slices && !(dst->slices = calloc(src->n_slices, sizeof(*dst->slices)))) ||
	    (src->n_nodes && !(dst->nodes = calloc(src->n_nodes, sizeof(*dst->nodes)))) ||
	    (src->n_proxies && !(dst->proxies = calloc(src->n_proxies, sizeof(*dst->proxies)))))
		goto nomem;
	for (size_t i = 0; i < src->n_services; i++) {
		dst->n_services++;
		if (!copy_service(&dst->services[i], &src->services[i]))
			goto nomem;
	}
	for (size_t i = 0; i < src->n_slices; i++) {
		dst->n_slices++;
		if (!copy_slice(&dst->slices[i], &src->slices[i]))
			goto nomem;
	}
	for (size_t i = 0; i < src->n_nodes; i++) {
		dst->n_nodes++;
		if (!copy_node(&dst->nodes[i], &src->nodes[i]))
			goto nomem;
	}
	for (size_t i = 0; i < src->n_proxies; i++) {
		dst->n_proxies++;
		if (!copy_pod(&dst->proxies[i], &src->proxies[i]))
			goto nomem;
	}
	return 0;
nomem:
	kube_state_free(dst);
	return -ENOMEM;
}
