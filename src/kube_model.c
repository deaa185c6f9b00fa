/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The Kubernetes model: ownership of its entries and the configured proxy mode. */
#include "config.h"

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
