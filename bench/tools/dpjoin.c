/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * dpjoin: the cost of joining a node's nftables frontends with the cluster (dp_join) at
 * scale, in memory: N ClusterIP Services (every tenth also a NodePort) of M ready endpoints
 * each, and the frontends kube-proxy would program for them, one endpoint in a hundred
 * Services swapped for a stranger (so the drift lists are not empty).
 *
 *   dpjoin [N [M [REPEATS]]]     (10000 10 5)
 *
 * Prints "dpjoin services=N endpoints=N frontends=N reps=R join_ms=MIN missing=N stale=N"
 * (the fastest repeat; wall clock). Linked with libipvstop.a: the same code as ipvstop.
 */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "benchtime.h"
#include "dataplane.h"
#include "dp_join.h"
#include "kube_model.h"

static struct ipvs_addr ip4(uint32_t v)
{
	struct ipvs_addr a;
	memset(&a, 0, sizeof(a));
	v = htonl(v);
	memcpy(a.bytes, &v, 4);
	return a;
}

static char *sdup(const char *s)
{
	char *d = strdup(s);
	if (!d)
		abort();
	return d;
}

/* "svc-I" (j < 0) or "bench/svc-I-J". */
static char *svc_name(size_t i, long j)
{
	char buf[64];
	if (j < 0)
		snprintf(buf, sizeof(buf), "svc-%zu", i);
	else
		snprintf(buf, sizeof(buf), "bench/svc-%zu-%ld", i, j);
	return sdup(buf);
}

static void *zalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size);
	if (!p)
		abort();
	return p;
}

/* Service i of the cluster and its one slice. */
static void make_service(struct kube_state *k, size_t i, size_t m)
{
	struct kube_service *s = &k->services[i];
	s->ns = sdup("bench");
	s->name = svc_name(i, -1);
	s->type = i % 10 ? KUBE_SVC_CLUSTER_IP : KUBE_SVC_NODE_PORT;
	s->cluster_ips = zalloc(1, sizeof(*s->cluster_ips));
	s->n_cluster_ips = 1;
	s->cluster_ips[0] = (struct kube_ip){AF_INET, ip4(0x0a600000 + (uint32_t)i)};
	s->ports = zalloc(1, sizeof(*s->ports));
	s->n_ports = 1;
	s->ports[0] = (struct kube_service_port){sdup("http"), IPPROTO_TCP, 80,
						 (uint16_t)(i % 10 ? 0 : 30000 + i / 10)};
	s->affinity_timeout = 10800;
	struct kube_slice *sl = &k->slices[i];
	sl->ns = sdup("bench");
	sl->name = svc_name(i, -1); /* a slice named as its Service: unique all the same */
	sl->service = svc_name(i, -1);
	sl->af = AF_INET;
	sl->ports = zalloc(1, sizeof(*sl->ports));
	sl->n_ports = 1;
	sl->ports[0] = (struct kube_slice_port){sdup("http"), IPPROTO_TCP, 8080};
	sl->endpoints = zalloc(m, sizeof(*sl->endpoints));
	sl->n_endpoints = m;
	for (size_t e = 0; e < m; e++) {
		struct kube_endpoint *ep = &sl->endpoints[e];
		ep->ip = (struct kube_ip){AF_INET, ip4(0x0a800000 + (uint32_t)(i * m + e))};
		ep->ready = ep->serving = true;
		ep->node = sdup("worker-1");
		ep->pod = svc_name(i, (long)e);
	}
}

/* Its frontends as kube-proxy's nftables rules would have them. */
static void make_frontends(struct dataplane *dp, const struct kube_service *s, size_t i, size_t m)
{
	for (int np = 0; np <= (i % 10 == 0); np++) {
		struct dp_frontend f = {.plane = DP_NFTABLES,
					.kind = np ? DPF_NODE_PORT : DPF_CLUSTER_IP,
					.af = AF_INET,
					.protocol = IPPROTO_TCP,
					.addr = np ? ip4(0) : s->cluster_ips[0].addr,
					.port = np ? s->ports[0].node_port : 80};
		f.svc_namespace = sdup("bench");
		f.svc_name = svc_name(i, -1);
		f.svc_port = sdup("http");
		f.chain = sdup("");
		for (size_t e = 0; e < m; e++) {
			uint32_t a = i % 100 == 0 && e == 0 ? 0x0b000000 + (uint32_t)i
							    : 0x0a800000 + (uint32_t)(i * m + e);
			struct dp_endpoint d = {AF_INET, ip4(a), 8080, 1.0 / (double)m};
			if (dp_frontend_add_endpoint(&f, &d) != 0)
				abort();
		}
		if (dataplane_add(dp, &f) != 0)
			abort();
	}
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 10000;
	size_t m = argc > 2 ? strtoul(argv[2], NULL, 10) : 10;
	int reps = argc > 3 ? atoi(argv[3]) : 5;
	struct kube_state k;
	struct dp_join j;
	double best = 1e9;

	memset(&k, 0, sizeof(k));
	k.enabled = k.synced = true;
	snprintf(k.local_mode, sizeof(k.local_mode), "nftables");
	snprintf(k.local_node, sizeof(k.local_node), "worker-1");
	k.services = zalloc(n, sizeof(*k.services));
	k.slices = zalloc(n, sizeof(*k.slices));
	k.n_services = k.n_slices = n;
	struct dataplane *dp = dataplane_new();
	if (!dp)
		abort();
	dp->planes[DP_NFTABLES].read = dp->planes[DP_NFTABLES].present = true;
	for (size_t i = 0; i < n; i++) {
		make_service(&k, i, m);
		make_frontends(dp, &k.services[i], i, m);
	}
	for (int r = 0; r < reps; r++) {
		double t0 = now();
		if (dp_join(dp, &k, &j) != 0) {
			fprintf(stderr, "dpjoin: out of memory\n");
			return 1;
		}
		double t = now() - t0;
		best = t < best ? t : best;
		if (r == reps - 1)
			printf(
			    "dpjoin services=%zu endpoints=%zu frontends=%zu reps=%d join_ms=%.1f "
			    "missing=%zu stale=%zu\n",
			    n, n * m, dp->n_fe, reps, best * 1e3, j.planes[DP_NFTABLES].n_missing,
			    j.planes[DP_NFTABLES].n_stale);
		dp_join_free(&j);
	}
	dataplane_unref(dp);
	kube_state_free(&k);
	return 0;
}
