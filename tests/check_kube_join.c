/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of kube_join: owners, endpoints and every kind of drift, and a cluster at scale. */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "check_main.h"
#include "kube_join.h"
#include "kube_model.h"
#include "snapshot.h"

/* ---- building a kube_state by hand ---- */

static struct kube_ip ip(const char *s)
{
	struct kube_ip r;
	memset(&r, 0, sizeof(r));
	r.af = strchr(s, ':') ? AF_INET6 : AF_INET;
	ck_assert_int_eq(inet_pton(r.af, s, r.addr.bytes), 1);
	return r;
}

static char *sdup(const char *s)
{
	char *d = s ? strdup(s) : NULL;
	ck_assert(!s || d);
	return d;
}

static struct kube_service *svc_add(struct kube_state *k, const char *ns, const char *name,
				    enum kube_service_type type)
{
	k->services = realloc(k->services, (k->n_services + 1) * sizeof(*k->services));
	ck_assert_ptr_nonnull(k->services);
	struct kube_service *s = &k->services[k->n_services++];
	memset(s, 0, sizeof(*s));
	s->ns = sdup(ns);
	s->name = sdup(name);
	s->type = type;
	s->affinity_timeout = 10800;
	return s;
}

static void ip_add(struct kube_ip **arr, size_t *n, const char *a)
{
	*arr = realloc(*arr, (*n + 1) * sizeof(**arr));
	ck_assert_ptr_nonnull(*arr);
	(*arr)[(*n)++] = ip(a);
}

static void port_add(struct kube_service *s, const char *name, uint16_t proto, uint16_t port,
		     uint16_t node_port)
{
	s->ports = realloc(s->ports, (s->n_ports + 1) * sizeof(*s->ports));
	ck_assert_ptr_nonnull(s->ports);
	s->ports[s->n_ports++] = (struct kube_service_port){sdup(name), proto, port, node_port};
}

static struct kube_slice *slice_add(struct kube_state *k, const char *ns, const char *name,
				    const char *service, int af)
{
	k->slices = realloc(k->slices, (k->n_slices + 1) * sizeof(*k->slices));
	ck_assert_ptr_nonnull(k->slices);
	struct kube_slice *s = &k->slices[k->n_slices++];
	memset(s, 0, sizeof(*s));
	s->ns = sdup(ns);
	s->name = sdup(name);
	s->service = sdup(service);
	s->af = af;
	return s;
}

static void sport_add(struct kube_slice *s, const char *name, uint16_t proto, uint16_t port)
{
	s->ports = realloc(s->ports, (s->n_ports + 1) * sizeof(*s->ports));
	ck_assert_ptr_nonnull(s->ports);
	s->ports[s->n_ports++] = (struct kube_slice_port){sdup(name), proto, port};
}

enum { READY, TERMINATING, NOT_READY };

static void ep_add(struct kube_slice *s, const char *addr, int cond, const char *node,
		   const char *pod)
{
	s->endpoints = realloc(s->endpoints, (s->n_endpoints + 1) * sizeof(*s->endpoints));
	ck_assert_ptr_nonnull(s->endpoints);
	struct kube_endpoint *e = &s->endpoints[s->n_endpoints++];
	memset(e, 0, sizeof(*e));
	e->ip = ip(addr);
	e->ready = cond == READY;
	e->serving = cond != NOT_READY;
	e->terminating = cond == TERMINATING;
	e->node = sdup(node);
	e->pod = sdup(pod);
}

static void node_add(struct kube_state *k, const char *name, const char *a, const char *b)
{
	k->nodes = realloc(k->nodes, (k->n_nodes + 1) * sizeof(*k->nodes));
	ck_assert_ptr_nonnull(k->nodes);
	struct kube_node *n = &k->nodes[k->n_nodes++];
	memset(n, 0, sizeof(*n));
	n->name = sdup(name);
	ip_add(&n->addrs, &n->n_addrs, a);
	if (b)
		ip_add(&n->addrs, &n->n_addrs, b);
}

/* ---- building a snapshot ---- */

static struct ipvs_service *vs_add(struct snapshot *s, uint16_t proto, const char *addr,
				   uint16_t port, const char *sched, uint32_t persist)
{
	struct ipvs_service *v = snapshot_add_service(s);
	ck_assert_ptr_nonnull(v);
	struct kube_ip a = ip(addr);
	v->af = a.af;
	v->addr = a.addr;
	v->protocol = proto;
	v->port = port;
	snprintf(v->sched, sizeof(v->sched), "%s", sched);
	if (persist) {
		v->flags |= IPVS_SVC_PERSISTENT;
		v->timeout = persist;
	}
	v->dests_known = true;
	return v;
}

static void rs_add(struct ipvs_service *v, const char *addr, uint16_t port, int weight)
{
	struct ipvs_dest *d = service_add_dest(v);
	ck_assert_ptr_nonnull(d);
	struct kube_ip a = ip(addr);
	d->af = a.af;
	d->addr = a.addr;
	d->port = port;
	d->weight = weight;
}

/*
 * The cluster (local node worker-1, ipvs.scheduler "" = rr):
 *  S0 web/frontend  NodePort  10.96.12.34 http 80->8080, nodePort 30080, ClientIP 600
 *  S1 web/dual      ClusterIP 10.96.50.5 + fd00:10:96::5, unnamed 8080
 *  S2 web/lb        LoadBalancer 10.96.77.7, LB 203.0.113.10, https 443->8443 np 31443, ETP Local
 *  S3 web/ext       ClusterIP 10.96.88.8, externalIP 198.51.100.7, dns UDP 5353->53, ITP Local
 *  S4 web/db        headless;  S5 web/upstream ExternalName
 *  S6 web/missing   ClusterIP 10.96.99.9 http 80, with no virtual service
 */
static void build(struct snapshot *s, struct kube_state *k)
{
	memset(s, 0, sizeof(*s));
	memset(k, 0, sizeof(*k));
	k->enabled = k->synced = true;
	k->config.known = true;
	snprintf(k->local_node, sizeof(k->local_node), "worker-1");
	node_add(k, "worker-1", "192.168.56.11", "198.51.100.21");
	node_add(k, "worker-2", "192.168.56.12", NULL);

	struct kube_service *sv = svc_add(k, "web", "frontend", KUBE_SVC_NODE_PORT);
	ip_add(&sv->cluster_ips, &sv->n_cluster_ips, "10.96.12.34");
	port_add(sv, "http", IPPROTO_TCP, 80, 30080);
	sv->affinity_client_ip = true;
	sv->affinity_timeout = 600;
	sv = svc_add(k, "web", "dual", KUBE_SVC_CLUSTER_IP);
	ip_add(&sv->cluster_ips, &sv->n_cluster_ips, "10.96.50.5");
	ip_add(&sv->cluster_ips, &sv->n_cluster_ips, "fd00:10:96::5");
	port_add(sv, "", IPPROTO_TCP, 8080, 0);
	sv = svc_add(k, "web", "lb", KUBE_SVC_LOAD_BALANCER);
	ip_add(&sv->cluster_ips, &sv->n_cluster_ips, "10.96.77.7");
	ip_add(&sv->lb_ips, &sv->n_lb_ips, "203.0.113.10");
	port_add(sv, "https", IPPROTO_TCP, 443, 31443);
	sv->local_traffic = true;
	sv = svc_add(k, "web", "ext", KUBE_SVC_CLUSTER_IP);
	ip_add(&sv->cluster_ips, &sv->n_cluster_ips, "10.96.88.8");
	ip_add(&sv->external_ips, &sv->n_external_ips, "198.51.100.7");
	port_add(sv, "dns", IPPROTO_UDP, 5353, 0);
	sv->internal_local = true;
	sv = svc_add(k, "web", "db", KUBE_SVC_CLUSTER_IP);
	sv->headless = true;
	port_add(sv, "pg", IPPROTO_TCP, 5432, 0);
	sv = svc_add(k, "web", "upstream", KUBE_SVC_EXTERNAL_NAME);
	sv = svc_add(k, "web", "missing", KUBE_SVC_CLUSTER_IP);
	ip_add(&sv->cluster_ips, &sv->n_cluster_ips, "10.96.99.9");
	port_add(sv, "http", IPPROTO_TCP, 80, 0);

	struct kube_slice *sl = slice_add(k, "web", "frontend-5mz8q", "frontend", AF_INET);
	sport_add(sl, "http", IPPROTO_TCP, 8080);
	ep_add(sl, "10.244.1.10", READY, "worker-1", "web/frontend-a");
	ep_add(sl, "10.244.2.11", READY, "worker-2", "web/frontend-b");
	ep_add(sl, "10.244.2.12", TERMINATING, "worker-2", "web/frontend-c");
	ep_add(sl, "10.244.1.13", NOT_READY, "worker-1", "web/frontend-d");
	/* A slice of another Service of the same name elsewhere, and one of no Service. */
	sl = slice_add(k, "other", "frontend-zzz", "frontend", AF_INET);
	sport_add(sl, "http", IPPROTO_TCP, 8080);
	ep_add(sl, "10.244.9.9", READY, "worker-1", "other/frontend-x");
	sl = slice_add(k, "web", "custom", NULL, AF_INET);
	sport_add(sl, "http", IPPROTO_TCP, 8080);
	ep_add(sl, "10.244.9.9", READY, "worker-1", NULL);
	sl = slice_add(k, "web", "dual-v4", "dual", AF_INET);
	sport_add(sl, "", IPPROTO_TCP, 8080);
	ep_add(sl, "10.244.1.20", READY, "worker-1", "web/dual-0");
	sl = slice_add(k, "web", "dual-v6", "dual", AF_INET6);
	sport_add(sl, "", IPPROTO_TCP, 8080);
	ep_add(sl, "fd00:10:244:1::20", READY, "worker-1", "web/dual-0");
	sl = slice_add(k, "web", "lb-1", "lb", AF_INET);
	sport_add(sl, "https", IPPROTO_TCP, 8443);
	ep_add(sl, "10.244.1.30", READY, "worker-1", "web/lb-0");
	ep_add(sl, "10.244.2.31", READY, "worker-2", "web/lb-1");
	sl = slice_add(k, "web", "ext-1", "ext", AF_INET);
	/* A port of another protocol with the same name matches nothing. */
	sport_add(sl, "dns", IPPROTO_TCP, 53);
	sport_add(sl, "dns", IPPROTO_UDP, 53);
	ep_add(sl, "10.244.2.40", TERMINATING, "worker-2", "web/ext-0");

	struct ipvs_service *v;
	v = vs_add(s, IPPROTO_TCP, "10.96.12.34", 80, "rr", 600); /* V0 */
	rs_add(v, "10.244.1.10", 8080, 1);
	rs_add(v, "10.244.2.11", 8080, 1);
	rs_add(v, "10.244.2.12", 8080, 0); /* draining: terminating, ready ones exist */
	rs_add(v, "10.244.9.9", 8080, 1);  /* nothing explains it */
	rs_add(v, "10.244.1.13", 8080, 1); /* not ready */
	v = vs_add(s, IPPROTO_TCP, "192.168.56.11", 30080, "rr", 600); /* V1 */
	rs_add(v, "10.244.1.10", 8080, 1);			       /* 10.244.2.11 missing */
	v = vs_add(s, IPPROTO_TCP, "172.17.0.1", 30080, "rr", 300);    /* V2 docker0, timeout */
	rs_add(v, "10.244.1.10", 8080, 1);
	rs_add(v, "10.244.2.11", 8080, 1);
	v = vs_add(s, IPPROTO_TCP, "10.96.50.5", 8080, "rr",
		   10800); /* V3: persistent, no affinity */
	rs_add(v, "10.244.1.20", 8080, 1);
	v = vs_add(s, IPPROTO_TCP, "fd00:10:96::5", 8080, "rr", 0); /* V4 */
	rs_add(v, "fd00:10:244:1::20", 8080, 1);
	v = vs_add(s, IPPROTO_TCP, "10.96.77.7", 443, "rr", 0); /* V5: cluster policy, both */
	rs_add(v, "10.244.1.30", 8443, 1);
	rs_add(v, "10.244.2.31", 8443, 1);
	v = vs_add(s, IPPROTO_TCP, "203.0.113.10", 443, "rr", 0); /* V6: Local, the remote extra */
	rs_add(v, "10.244.1.30", 8443, 1);
	rs_add(v, "10.244.2.31", 8443, 1);
	v = vs_add(s, IPPROTO_TCP, "198.51.100.21", 31443, "wlc", 0); /* V7: ExternalIP of node */
	rs_add(v, "10.244.1.30", 8443, 1);
	v = vs_add(s, IPPROTO_UDP, "198.51.100.7", 5353, "rr", 0); /* V8: missing terminating */
	v = vs_add(s, IPPROTO_UDP, "10.96.88.8", 5353, "rr", 0);   /* V9: ITP Local, fallback */
	rs_add(v, "10.244.2.40", 53, 1);
	v = vs_add(s, IPPROTO_TCP, "10.0.0.99", 8000, "wrr", 0); /* V10: not Kubernetes' */
	rs_add(v, "10.1.1.1", 8000, 0);
	v = vs_add(s, 0, "0.0.0.0", 0, "rr", 0); /* V11: fwmark */
	v->fwmark = 7;
	v = vs_add(s, IPPROTO_TCP, "10.96.0.200", 80, "rr", 0); /* V12: unread destinations */
	v->dests_known = false;
	v = vs_add(s, IPPROTO_TCP, "fd00:56::11", 30080, "rr", 600); /* V13: S0 has no IPv6 */
	rs_add(v, "10.244.1.10", 8080, 1);
}

static void teardown(struct snapshot *s, struct kube_state *k, struct kube_join *j)
{
	kube_join_free(j);
	snapshot_free(s);
	kube_state_free(k);
}

static const char *label(const struct kube_state *k, const struct kube_join *j, size_t vs)
{
	static char buf[4][128];
	static int i;
	i = (i + 1) % 4;
	return kube_join_owner_label(k, &j->owners[vs], buf[i], sizeof(buf[i]));
}

START_TEST(test_owners)
{
	struct snapshot s;
	struct kube_state k;
	struct kube_join j;
	build(&s, &k);
	ck_assert_int_eq(kube_join(&s, &k, NULL, 0, &j), 0);
	ck_assert_int_eq(j.n_owners, s.n_services);
	ck_assert_int_eq(j.n_owned, 10);

	static const struct {
		int32_t service;
		enum kube_owner_kind kind;
		const char *label;
		bool node_addr;
	} want[] = {
	    {0, KUBE_OWNER_CLUSTER_IP, "web/frontend:http", false},
	    {0, KUBE_OWNER_NODE_PORT, "web/frontend:http", true},
	    {0, KUBE_OWNER_NODE_PORT, "web/frontend:http", false},
	    {1, KUBE_OWNER_CLUSTER_IP, "web/dual:8080", false},
	    {1, KUBE_OWNER_CLUSTER_IP, "web/dual:8080", false},
	    {2, KUBE_OWNER_CLUSTER_IP, "web/lb:https", false},
	    {2, KUBE_OWNER_LOAD_BALANCER, "web/lb:https", false},
	    {2, KUBE_OWNER_NODE_PORT, "web/lb:https", true},
	    {3, KUBE_OWNER_EXTERNAL_IP, "web/ext:dns", false},
	    {3, KUBE_OWNER_CLUSTER_IP, "web/ext:dns", false},
	    {-1, 0, "", false},
	    {-1, 0, "", false},
	    {-1, 0, "", false},
	    {-1, 0, "", false},
	};
	ck_assert_int_eq(s.n_services, sizeof(want) / sizeof(want[0]));
	for (size_t i = 0; i < s.n_services; i++) {
		ck_assert_msg(j.owners[i].service == want[i].service, "V%zu owner %d", i,
			      j.owners[i].service);
		ck_assert_str_eq(label(&k, &j, i), want[i].label);
		if (want[i].service < 0)
			continue;
		ck_assert_msg(j.owners[i].kind == want[i].kind, "V%zu kind %s", i,
			      kube_owner_kind_name(j.owners[i].kind));
		ck_assert_int_eq(j.owners[i].node_addr, want[i].node_addr);
		ck_assert_int_eq(j.owners[i].port, 0);
	}
	ck_assert_str_eq(kube_owner_kind_name(KUBE_OWNER_CLUSTER_IP), "cluster-ip");
	ck_assert_str_eq(kube_owner_kind_name(KUBE_OWNER_EXTERNAL_IP), "external-ip");
	ck_assert_str_eq(kube_owner_kind_name(KUBE_OWNER_LOAD_BALANCER), "load-balancer");
	ck_assert_str_eq(kube_owner_kind_name(KUBE_OWNER_NODE_PORT), "node-port");

	/* (d) */
	ck_assert_int_eq(j.n_unowned, 4);
	ck_assert_int_eq(j.unowned[0], 10);
	ck_assert_int_eq(j.unowned[1], 11);
	ck_assert_int_eq(j.unowned[2], 12);
	ck_assert_int_eq(j.unowned[3], 13);

	/* (f) and the affinity check */
	ck_assert_str_eq(j.sched_expected, "rr");
	ck_assert_int_eq(j.n_sched, 1);
	ck_assert_int_eq(j.sched[0], 7);
	ck_assert(j.owners[7].sched_mismatch);
	ck_assert_int_eq(j.n_affinity, 2);
	ck_assert_int_eq(j.affinity[0], 2); /* timeout 300, not 600 */
	ck_assert_int_eq(j.affinity[1], 3); /* persistent without sessionAffinity */
	ck_assert(!j.owners[0].affinity_mismatch && !j.owners[1].affinity_mismatch);
	teardown(&s, &k, &j);
}
END_TEST

START_TEST(test_real_servers)
{
	struct snapshot s;
	struct kube_state k;
	struct kube_join j;
	build(&s, &k);
	ck_assert_int_eq(kube_join(&s, &k, NULL, 0, &j), 0);

	const struct kube_rs_ref *r = kube_join_rs(&j, 0, 0);
	ck_assert_ptr_nonnull(r);
	const struct kube_endpoint *e = &k.slices[r->slice].endpoints[r->endpoint];
	ck_assert_str_eq(e->pod, "web/frontend-a");
	ck_assert_str_eq(e->node, "worker-1");
	ck_assert_str_eq(k.slices[r->slice].name, "frontend-5mz8q");
	r = kube_join_rs(&j, 0, 2);
	ck_assert_ptr_nonnull(r);
	ck_assert(k.slices[r->slice].endpoints[r->endpoint].terminating);
	ck_assert_ptr_null(kube_join_rs(&j, 0, 3)); /* other/frontend's endpoint is not ours */
	ck_assert_ptr_nonnull(kube_join_rs(&j, 0, 4));
	ck_assert_ptr_null(kube_join_rs(&j, 0, 5));  /* no such destination */
	ck_assert_ptr_null(kube_join_rs(&j, 99, 0)); /* no such service */
	r = kube_join_rs(&j, 4, 0);
	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(k.slices[r->slice].name, "dual-v6");
	r = kube_join_rs(&j, 9, 0);
	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(k.slices[r->slice].endpoints[r->endpoint].pod, "web/ext-0");
	ck_assert_ptr_null(kube_join_rs(&j, 10, 0)); /* unowned */

	/* (a) */
	ck_assert_int_eq(j.n_missing, 2);
	ck_assert_int_eq(j.n_missing_ready, 1);
	ck_assert_int_eq(j.n_missing_terminating, 1);
	ck_assert_int_eq(j.missing[0].vs, 1);
	e = &k.slices[j.missing[0].slice].endpoints[j.missing[0].endpoint];
	ck_assert_str_eq(e->pod, "web/frontend-b");
	ck_assert_int_eq(j.missing[0].port, 8080);
	ck_assert(!j.missing[0].terminating && !j.missing[0].weight0);
	ck_assert_int_eq(j.missing[1].vs, 8);
	e = &k.slices[j.missing[1].slice].endpoints[j.missing[1].endpoint];
	ck_assert_str_eq(e->pod, "web/ext-0");
	ck_assert_int_eq(j.missing[1].port, 53);
	ck_assert(j.missing[1].terminating);

	/* (b) */
	ck_assert_int_eq(j.n_extra, 3);
	ck_assert_int_eq(j.extra[0].vs, 0);
	ck_assert_int_eq(j.extra[0].dest, 3);
	ck_assert_int_eq(j.extra[0].slice, -1);
	ck_assert_int_eq(j.extra[1].vs, 0);
	ck_assert_int_eq(j.extra[1].dest, 4);
	e = &k.slices[j.extra[1].slice].endpoints[j.extra[1].endpoint];
	ck_assert(!e->ready && !e->serving);
	ck_assert_int_eq(j.extra[2].vs, 6); /* a remote endpoint behind an ETP Local LB IP */
	ck_assert_int_eq(j.extra[2].dest, 1);

	/* (c) */
	ck_assert_int_eq(j.n_drain, 2);
	ck_assert_int_eq(j.drain[0].vs, 0);
	ck_assert_int_eq(j.drain[0].dest, 2);
	ck_assert_int_ge(j.drain[0].slice, 0);
	ck_assert_int_eq(j.drain[1].vs, 10);
	ck_assert_int_eq(j.drain[1].slice, -1);

	/* (e): only the Service without a virtual service; headless and ExternalName never. */
	ck_assert_int_eq(j.n_unserved, 1);
	ck_assert_str_eq(k.services[j.unserved[0].service].name, "missing");
	ck_assert_int_eq(j.unserved[0].port, 0);
	ck_assert_int_eq(j.unserved[0].ip, 0);
	ck_assert_int_eq(j.n_unchecked, 0);
	teardown(&s, &k, &j);
}
END_TEST

START_TEST(test_unknown_node_and_config)
{
	struct snapshot s;
	struct kube_state k;
	struct kube_join j;
	build(&s, &k);
	/* Without this node's name the Local policies cannot be checked: V6, V7, V9. */
	k.local_node[0] = '\0';
	k.config.known = false;
	ck_assert_int_eq(kube_join(&s, &k, NULL, 0, &j), 0);
	ck_assert_int_eq(j.n_unchecked, 3);
	ck_assert_str_eq(j.sched_expected, "");
	ck_assert_int_eq(j.n_sched, 0);
	/* V6's remote endpoint is still an endpoint: only the unexplained ones remain. */
	ck_assert_int_eq(j.n_extra, 2);
	ck_assert_int_eq(j.n_missing, 2);
	teardown(&s, &k, &j);

	/* A configured scheduler; no Local endpoint and ITP Local without external access. */
	build(&s, &k);
	snprintf(k.config.scheduler, sizeof(k.config.scheduler), "wlc");
	k.services[3].n_external_ips = 0; /* web/ext: cluster IP only, ITP Local */
	ck_assert_int_eq(kube_join(&s, &k, NULL, 0, &j), 0);
	ck_assert_str_eq(j.sched_expected, "wlc");
	ck_assert_int_eq(j.n_sched, 8); /* every owned one (V8 is no more) but V7 */
	/* V8 is now nobody's; V9 should have no real server: 10.244.2.40 is extra. */
	ck_assert_int_eq(j.owners[8].service, -1);
	ck_assert_int_eq(j.n_missing, 1);
	ck_assert_int_eq(j.n_extra, 4);
	ck_assert_int_eq(j.extra[3].vs, 9);
	teardown(&s, &k, &j);

	/* The local endpoint of web/lb terminating: the Local VIPs fall back to it alone. */
	build(&s, &k);
	struct kube_endpoint *e = &k.slices[5].endpoints[0];
	ck_assert_str_eq(e->pod, "web/lb-0");
	e->ready = false;
	e->terminating = true;
	ck_assert_int_eq(kube_join(&s, &k, NULL, 0, &j), 0);
	ck_assert_int_eq(j.n_missing, 2);
	ck_assert_int_eq(j.n_extra, 4);
	ck_assert_int_eq(j.extra[2].vs, 5); /* cluster-wide: only the remote one is ready */
	ck_assert_int_eq(j.extra[2].dest, 0);
	ck_assert_int_eq(j.extra[3].vs, 6); /* Local: the terminating local one, not the remote */
	ck_assert_int_eq(j.extra[3].dest, 1);
	teardown(&s, &k, &j);
}
END_TEST

START_TEST(test_drain_tracker)
{
	struct snapshot s;
	struct kube_state k;
	struct kube_join j;
	struct kube_drain_tracker t;
	memset(&t, 0, sizeof(t));
	build(&s, &k);

	ck_assert_int_eq(kube_join(&s, &k, &t, 100, &j), 0);
	ck_assert_int_eq(j.n_drain, 2);
	ck_assert(j.drain[0].seconds == 0 && j.drain[1].seconds == 0);
	ck_assert_int_eq(t.n, 2);
	kube_join_free(&j);

	ck_assert_int_eq(kube_join(&s, &k, &t, 130, &j), 0);
	ck_assert(j.drain[0].seconds == 30 && j.drain[1].seconds == 30);
	kube_join_free(&j);

	/* Back to weight 1: forgotten; at 0 again later: counted from then. */
	snapshot_service(&s, 0)->dests[2].weight = 1;
	ck_assert_int_eq(kube_join(&s, &k, &t, 140, &j), 0);
	ck_assert_int_eq(j.n_drain, 1);
	ck_assert(j.drain[0].seconds == 40);
	ck_assert_int_eq(t.n, 1);
	kube_join_free(&j);
	snapshot_service(&s, 0)->dests[2].weight = 0;
	ck_assert_int_eq(kube_join(&s, &k, &t, 150, &j), 0);
	ck_assert_int_eq(j.n_drain, 2);
	ck_assert(j.drain[0].vs == 0 && j.drain[0].seconds == 0);
	ck_assert(j.drain[1].vs == 10 && j.drain[1].seconds == 50);
	kube_join_free(&j);

	/* The virtual service goes away: its entries with it. */
	snapshot_free(&s);
	ck_assert_int_eq(kube_join(&s, &k, &t, 160, &j), 0);
	ck_assert_int_eq(j.n_drain, 0);
	ck_assert_int_eq(t.n, 0);
	kube_drain_tracker_free(&t);
	kube_drain_tracker_free(&t);
	teardown(&s, &k, &j);
}
END_TEST

START_TEST(test_empty)
{
	struct snapshot s;
	struct kube_state k;
	struct kube_join j;
	memset(&s, 0, sizeof(s));
	memset(&k, 0, sizeof(k));
	ck_assert_int_eq(kube_join(&s, &k, NULL, 0, &j), 0);
	ck_assert_int_eq(j.n_owners, 0);
	ck_assert_ptr_null(kube_join_rs(&j, 0, 0));
	kube_join_free(&j);
	kube_join_free(&j);

	/* Kubernetes without the kernel: every ClusterIP:port is unserved. */
	struct snapshot s2;
	build(&s2, &k);
	ck_assert_int_eq(kube_join(&s, &k, NULL, 0, &j), 0);
	ck_assert_int_eq(j.n_unserved, 6); /* frontend, dual x2, lb, ext, missing */
	snapshot_free(&s2);
	teardown(&s, &k, &j);

	/* The kernel without Kubernetes: nothing is owned. */
	build(&s, &k);
	kube_state_free(&k);
	ck_assert_int_eq(kube_join(&s, &k, NULL, 0, &j), 0);
	ck_assert_int_eq(j.n_owned, 0);
	ck_assert_int_eq(j.n_unowned, s.n_services);
	ck_assert_int_eq(j.n_drain, 2);
	ck_assert_int_eq(j.n_missing + j.n_extra, 0);
	char buf[8];
	ck_assert_str_eq(kube_join_owner_label(&k, &j.owners[0], buf, sizeof(buf)), "");
	teardown(&s, &k, &j);
}
END_TEST

/*
 * Past the scanning size: a Service port with more than 32 endpoints and a virtual service
 * with more than 32 real servers go through the hash tables; endpoints listed in two slices
 * keep the entry kube-proxy would use, in big and small groups alike.
 */
START_TEST(test_big_and_duplicates)
{
	struct snapshot s;
	struct kube_state k;
	struct kube_join j;
	char a[32];
	memset(&s, 0, sizeof(s));
	memset(&k, 0, sizeof(k));

	struct kube_service *sv = svc_add(&k, "web", "big", KUBE_SVC_CLUSTER_IP);
	ip_add(&sv->cluster_ips, &sv->n_cluster_ips, "10.96.200.1");
	port_add(sv, "http", IPPROTO_TCP, 80, 0);
	sv = svc_add(&k, "web", "small", KUBE_SVC_CLUSTER_IP);
	ip_add(&sv->cluster_ips, &sv->n_cluster_ips, "10.96.200.2");
	port_add(sv, "http", IPPROTO_TCP, 80, 0);

	struct kube_slice *sl = slice_add(&k, "web", "big-a", "big", AF_INET);
	sport_add(sl, "http", IPPROTO_TCP, 8080);
	for (int i = 1; i <= 100; i++) {
		snprintf(a, sizeof(a), "10.250.0.%d", i);
		ep_add(sl, a, READY, "n1", "web/big-a");
	}
	sl = slice_add(&k, "web", "big-b", "big", AF_INET);
	sport_add(sl, "metrics", IPPROTO_TCP, 9090); /* no such Service port */
	sport_add(sl, "http", IPPROTO_TCP, 8080);
	for (int i = 1; i <= 50; i++) {
		snprintf(a, sizeof(a), "10.250.0.%d", i);
		ep_add(sl, a, NOT_READY, "n1", "web/big-b");
	}
	ep_add(sl, "10.250.0.101", READY, "n1", "web/big-b");
	sl = slice_add(&k, "web", "big-c", "big", AF_INET);
	sport_add(sl, "http", IPPROTO_TCP, 8080);
	ep_add(sl, "10.250.0.102", NOT_READY, "n1", "web/big-c");
	sl = slice_add(&k, "web", "big-d", "big", AF_INET);
	sport_add(sl, "http", IPPROTO_TCP, 8080);
	ep_add(sl, "10.250.0.102", READY, "n1", "web/big-d");
	sl = slice_add(&k, "web", "small-e", "small", AF_INET);
	sport_add(sl, "http", IPPROTO_TCP, 8080);
	ep_add(sl, "10.250.2.1", NOT_READY, "n1", "web/small-e");
	sl = slice_add(&k, "web", "small-f", "small", AF_INET);
	sport_add(sl, "http", IPPROTO_TCP, 8080);
	ep_add(sl, "10.250.2.1", READY, "n1", "web/small-f");

	struct ipvs_service *v = vs_add(&s, IPPROTO_TCP, "10.96.200.1", 80, "rr", 0);
	for (int i = 1; i <= 95; i++) {
		snprintf(a, sizeof(a), "10.250.0.%d", i);
		rs_add(v, a, 8080, 1);
	}
	for (int i = 1; i <= 3; i++) {
		snprintf(a, sizeof(a), "10.250.1.%d", i);
		rs_add(v, a, 8080, 1);
	}
	rs_add(v, "10.250.0.96", 8080, 0);
	v = vs_add(&s, IPPROTO_TCP, "10.96.200.2", 80, "rr", 0);
	rs_add(v, "10.250.2.1", 8080, 1);

	ck_assert_int_eq(kube_join(&s, &k, NULL, 0, &j), 0);
	ck_assert_int_eq(j.n_owned, 2);
	/* The ready copy wins: dest 0 is big-a's, the duplicate in big-b is dropped. */
	const struct kube_rs_ref *r = kube_join_rs(&j, 0, 0);
	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(k.slices[r->slice].name, "big-a");
	r = kube_join_rs(&j, 0, 49);
	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(k.slices[r->slice].name, "big-a");
	r = kube_join_rs(&j, 1, 0);
	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(k.slices[r->slice].name, "small-f");
	for (size_t d = 95; d < 98; d++)
		ck_assert_ptr_null(kube_join_rs(&j, 0, d));

	/* 97..100, 101 (big-b), 102 (ready in big-d) missing; 96 there at weight 0. */
	ck_assert_int_eq(j.n_missing, 7);
	size_t weight0 = 0;
	for (size_t i = 0; i < j.n_missing; i++) {
		const struct kube_endpoint *e =
		    &k.slices[j.missing[i].slice].endpoints[j.missing[i].endpoint];
		ck_assert(e->ready);
		ck_assert_int_eq(j.missing[i].vs, 0);
		weight0 += j.missing[i].weight0;
		if (!strcmp(k.slices[j.missing[i].slice].name, "big-c"))
			ck_abort_msg("the not-ready copy of 10.250.0.102 was kept");
	}
	ck_assert_int_eq(weight0, 1);
	ck_assert_int_eq(j.n_extra, 3);
	ck_assert_int_eq(j.n_drain, 1);
	ck_assert_int_eq(j.drain[0].dest, 98);
	teardown(&s, &k, &j);
}
END_TEST

/*
 * A large cluster: 20,100 Services (100 without a virtual service), 100,000 endpoints in
 * 20,000 slices, 20,050 virtual services (50 nobody's), with known drift at known places.
 */
#define N_EP 5

/*
 * 20,000 Services; 2,000 with IPVSTOP_TEST_QUICK set (tools/sanitize.sh sets it under
 * valgrind, which runs this 20-50 times slower: the same code paths, a tenth of the rows).
 */
static unsigned scale_services(void)
{
	return getenv("IPVSTOP_TEST_QUICK") ? 2000 : 20000;
}

static void v4(char *buf, size_t len, unsigned base, unsigned n)
{
	snprintf(buf, len, "10.%u.%u.%u", base + (n >> 16), (n >> 8) & 255, n & 255);
}

START_TEST(test_scale)
{
	struct snapshot s;
	struct kube_state k;
	struct kube_join j;
	const unsigned n_svc = scale_services();
	char a[32], name[32];
	memset(&s, 0, sizeof(s));
	memset(&k, 0, sizeof(k));
	snprintf(k.local_node, sizeof(k.local_node), "node-0");
	k.config.known = true;
	k.services = calloc(n_svc + 100, sizeof(*k.services));
	k.slices = calloc(n_svc, sizeof(*k.slices));
	ck_assert(k.services && k.slices);

	size_t want_extra = 0, want_drain = 0, want_missing = 0;
	for (unsigned i = 0; i < n_svc + 100; i++) {
		struct kube_service *sv = &k.services[k.n_services++];
		snprintf(name, sizeof(name), "svc-%u", i);
		sv->ns = sdup(i % 2 ? "team-a" : "team-b");
		sv->name = sdup(name);
		sv->affinity_timeout = 10800;
		v4(a, sizeof(a), 96, i);
		ip_add(&sv->cluster_ips, &sv->n_cluster_ips, a);
		port_add(sv, "http", IPPROTO_TCP, 80, 0);
		if (i >= n_svc)
			continue; /* no slice, no virtual service */

		struct kube_slice *sl = &k.slices[k.n_slices++];
		snprintf(name, sizeof(name), "svc-%u-abcde", i);
		sl->ns = sdup(sv->ns);
		sl->name = sdup(name);
		sl->service = sdup(sv->name);
		sl->af = AF_INET;
		sport_add(sl, "http", IPPROTO_TCP, 8080);
		struct ipvs_service *v = vs_add(&s, IPPROTO_TCP, a, 80, "rr", 0);
		for (unsigned e = 0; e < N_EP; e++) {
			v4(a, sizeof(a), 128, i * N_EP + e);
			snprintf(name, sizeof(name), "pod-%u-%u", i, e);
			ep_add(sl, a, READY, "node-0", name);
			if (i % 1000 == 0 && e == 0) {
				want_missing++;
				continue;
			}
			rs_add(v, a, 8080, 1);
		}
		if (i % 997 == 0) {
			rs_add(v, "192.0.2.1", 8080, 1);
			want_extra++;
		}
		if (i % 10 == 0) {
			rs_add(v, "192.0.2.2", 8080, 0);
			want_drain++;
		}
	}
	for (unsigned i = 0; i < 50; i++) {
		v4(a, sizeof(a), 200, i);
		vs_add(&s, IPPROTO_TCP, a, 80, "rr", 0);
	}

	ck_assert_int_eq(kube_join(&s, &k, NULL, 0, &j), 0);
	ck_assert_int_eq(j.n_owned, n_svc);
	ck_assert_int_eq(j.n_unowned, 50);
	ck_assert_int_eq(j.n_unserved, 100);
	ck_assert_int_eq(j.n_missing, want_missing);
	ck_assert_int_eq(j.n_missing_ready, want_missing);
	ck_assert_int_eq(j.n_extra, want_extra);
	ck_assert_int_eq(j.n_drain, want_drain);
	ck_assert_int_eq(j.n_sched + j.n_affinity, 0);
	for (size_t i = 0; i < j.n_missing; i++) {
		ck_assert_int_eq(j.missing[i].vs % 1000, 0);
		ck_assert_int_eq(j.missing[i].endpoint, 0);
	}
	/* Every owner and every real server points at the right objects. */
	size_t resolved = 0;
	for (size_t i = 0; i < n_svc; i++) {
		ck_assert_int_eq(j.owners[i].service, (int32_t)i);
		ck_assert_int_eq(j.owners[i].kind, KUBE_OWNER_CLUSTER_IP);
		for (size_t d = 0; d < snapshot_service(&s, i)->n_dests; d++) {
			const struct kube_rs_ref *r = kube_join_rs(&j, i, d);
			if (!r)
				continue;
			resolved++;
			ck_assert_int_eq(r->slice, (int32_t)i);
			const struct kube_endpoint *e = &k.slices[i].endpoints[r->endpoint];
			ck_assert(memcmp(e->ip.addr.bytes,
					 snapshot_service(&s, i)->dests[d].addr.bytes, 4) == 0);
		}
	}
	ck_assert_int_eq(resolved, n_svc * N_EP - want_missing);
	teardown(&s, &k, &j);
}
END_TEST

CHECK_MAIN("kube_join", {"owners", 60, {test_owners}},
	   {"real_servers", 60, {test_real_servers, test_drain_tracker}},
	   {"config", 60, {test_unknown_node_and_config}},
	   {"edges", 60, {test_empty, test_big_and_duplicates}}, {"scale", 60, {test_scale}})
