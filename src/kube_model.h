/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The Kubernetes side of a snapshot: only the fields ipvstop uses, never whole JSON trees. */
#ifndef IPVSTOP_KUBE_MODEL_H
#define IPVSTOP_KUBE_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kp_local.h"
#include "snapshot.h"

/* An IP as Services and EndpointSlices carry it, parsed. */
struct kube_ip {
	int af; /* AF_INET / AF_INET6; 0 when unset */
	struct ipvs_addr addr;
};

enum kube_service_type {
	KUBE_SVC_CLUSTER_IP = 0,
	KUBE_SVC_NODE_PORT,
	KUBE_SVC_LOAD_BALANCER,
	KUBE_SVC_EXTERNAL_NAME,
};

struct kube_service_port {
	char *name;        /* owned; "" when unnamed */
	uint16_t protocol; /* IPPROTO_TCP / UDP / SCTP */
	uint16_t port;
	uint16_t node_port; /* 0 if none */
};

struct kube_service {
	char *ns, *name; /* owned */
	enum kube_service_type type;
	bool headless;            /* clusterIP: None */
	struct kube_ip *cluster_ips; /* owned; spec.clusterIPs (dual stack) */
	size_t n_cluster_ips;
	struct kube_ip *external_ips; /* owned; spec.externalIPs */
	size_t n_external_ips;
	struct kube_ip *lb_ips;   /* owned; status.loadBalancer.ingress[].ip */
	size_t n_lb_ips;
	struct kube_service_port *ports; /* owned */
	size_t n_ports;
	bool affinity_client_ip;
	uint32_t affinity_timeout; /* seconds (default 10800) */
	bool local_traffic;        /* externalTrafficPolicy: Local */
	bool internal_local;       /* internalTrafficPolicy: Local */
};

struct kube_endpoint {
	struct kube_ip ip;
	bool ready, serving, terminating; /* conditions; unset ready/serving mean true */
	char *node;    /* owned, may be NULL */
	char *pod;     /* owned "namespace/name" of targetRef Pod, may be NULL */
};

struct kube_slice_port {
	char *name;  /* owned; "" when unnamed: matches the Service port of the same name */
	uint16_t protocol;
	uint16_t port;
};

struct kube_slice {
	char *ns, *name, *service; /* owned; service from label kubernetes.io/service-name */
	int af;                    /* addressType: IPv4 -> AF_INET, IPv6 -> AF_INET6; 0 FQDN */
	struct kube_slice_port *ports;
	size_t n_ports;
	struct kube_endpoint *endpoints;
	size_t n_endpoints;
};

struct kube_node {
	char *name;
	struct kube_ip *addrs; /* InternalIP and ExternalIP */
	size_t n_addrs;
};

struct kube_proxy_pod {
	char *name, *node;      /* owned */
	bool ready;
	uint32_t restarts;
	char waiting_reason[64]; /* "CrashLoopBackOff", ... or "" */
	char phase[16];
	char log_mode[16];       /* "ipvs", "iptables", "nftables" from its log; "" unknown */
	char *log_tail;          /* owned: the last lines of its log, for a crash-looping pod */
};

/* kube-proxy's KubeProxyConfiguration from ConfigMap kube-system/kube-proxy, key config.conf. */
struct kube_proxy_config {
	bool known;
	char mode[16];       /* as written: "" means iptables */
	char scheduler[16];  /* "" means rr */
	bool strict_arp;
	char tcp_timeout[16], tcp_fin_timeout[16], udp_timeout[16]; /* durations as written */
	/* syncPeriod of the iptables, ipvs and nftables blocks as written ("": absent, too long) */
	char iptables_sync_period[16], ipvs_sync_period[16], nftables_sync_period[16];
	char resource_version[32];
	/*
	 * When parsing failed with -E2BIG: the field whose value does not fit ("mode",
	 * "ipvs.scheduler", ...; a static string), else NULL.
	 */
	const char *too_long;
};

struct kube_daemonset {
	bool known;
	char mode_flag[16]; /* --proxy-mode=... in the container args/command, overrides config */
	uint32_t desired, updated, ready, available;
	char restarted_at[40]; /* template annotation kubectl.kubernetes.io/restartedAt */
};

struct kube_state {
	bool enabled;       /* false with --no-kube or when no credentials were found */
	char why[256];      /* why it is off, or the last error talking to the API server */
	bool error;         /* why[] is an error (shown as a warning) */
	char context[128], user[128], server[256];
	bool insecure;      /* insecure-skip-tls-verify: shown as a warning */
	char version[32];   /* gitVersion, "v1.34.1" */
	int minor;          /* 34; 0 unknown */
	bool synced;        /* the first full list of services and slices arrived */

	struct kube_service *services;
	size_t n_services;
	struct kube_slice *slices;
	size_t n_slices;
	struct kube_node *nodes;
	size_t n_nodes;
	struct kube_proxy_pod *proxies;
	size_t n_proxies;
	struct kube_proxy_config config;
	struct kube_daemonset ds;

	/* This node: kube-proxy's own answer and the dummy interface of ipvs mode. */
	char local_mode[16]; /* from 127.0.0.1:10249/proxyMode, "" unknown */
	bool kube_ipvs0;
	/*
	 * kube-proxy's own /metrics on this node. kube_sync keeps it apart from the state it
	 * publishes (metrics change at every read; a publish is a deep copy and a new join):
	 * kube_side copies it in from kube_sync_local_metrics at every update.
	 */
	struct kp_local kp;
	/* This node's Node name ("" unknown): the local endpoints of the Local traffic policies. */
	char local_node[256];
};

/*
 * The mode kube-proxy is configured for: the DaemonSet flag, else the ConfigMap, "" -> "iptables".
 * Returns "" when neither the DaemonSet flag nor the ConfigMap is known.
 */
const char *kube_configured_mode(const struct kube_state *k);

/* Each frees what the entry owns (not the entry itself) and zeroes it; NULL is a no-op. */
void kube_service_free(struct kube_service *s);
void kube_slice_free(struct kube_slice *s);
void kube_node_free(struct kube_node *n);
void kube_proxy_pod_free(struct kube_proxy_pod *p);
/* Frees everything and zeroes *k. */
void kube_state_free(struct kube_state *k);

/* Deep copy of a state (for publishing). Returns 0 or -ENOMEM (dst then empty). */
int kube_state_copy(struct kube_state *dst, const struct kube_state *src);

#endif
