/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The "kube" section of the JSON output and the per-row Kubernetes labels. */
#include "config.h"

#include <string.h>
#include <sys/socket.h>

#include "json_writer.h"
#include "kube_join.h"
#include "kube_side.h"
#include "kube_text.h"
#include "output_json.h"
#include "output_kp.h"
#include "output_kube.h"

static void vs_key(const struct ipvs_service *svc, char *buf, size_t len)
{
	char a[64];
	const char *p = ipvs_proto_name(svc->protocol);
	if (svc->fwmark)
		snprintf(buf, len, "fwmark %u", svc->fwmark);
	else if (svc->af == AF_INET6)
		snprintf(buf, len, "%s [%s]:%u", p ? p : "?",
			 ipvs_addr_str(svc->af, &svc->addr, a, sizeof(a)), svc->port);
	else
		snprintf(buf, len, "%s %s:%u", p ? p : "?",
			 ipvs_addr_str(svc->af, &svc->addr, a, sizeof(a)), svc->port);
}


void output_kube_owner_fields(struct jw *w, const struct kube_state *k,
			      const struct kube_vs_owner *o)
{
	char buf[512];
	const struct kube_service *ks = &k->services[o->service];
	jw_string(w, "service", kube_join_owner_label(k, o, buf, sizeof(buf)));
	jw_string(w, "namespace", ks->ns);
	jw_string(w, "name", ks->name);
	jw_string(w, "port_name", ks->ports[o->port].name ? ks->ports[o->port].name : "");
	jw_string(w, "kind", kube_owner_kind_name(o->kind));
	jw_bool(w, "affinity_mismatch", o->affinity_mismatch);
}

void output_kube_service_label(struct jw *w, const struct kube_view *kv, size_t i)
{
	if (!kv || !kv->j || i >= kv->j->n_owners || kv->j->owners[i].service < 0) {
		jw_null(w, "kube");
		return;
	}
	const struct kube_vs_owner *o = &kv->j->owners[i];
	jw_open(w, "kube", '{');
	output_kube_owner_fields(w, kv->k, o);
	jw_bool(w, "scheduler_mismatch", o->sched_mismatch);
	jw_close(w, '}');
}

void output_kube_endpoint_fields(struct jw *w, const struct kube_state *k, int32_t slice,
				 int32_t ep)
{
	if (slice < 0 || ep < 0) {
		jw_null(w, "pod");
		jw_null(w, "node");
		return;
	}
	const struct kube_endpoint *e = &k->slices[slice].endpoints[ep];
	jw_string(w, "pod", e->pod);
	jw_string(w, "node", e->node);
	jw_string(w, "slice", k->slices[slice].name);
	jw_bool(w, "ready", e->ready);
	jw_bool(w, "serving", e->serving);
	jw_bool(w, "terminating", e->terminating);
}

void output_kube_dest_label(struct jw *w, const struct kube_view *kv, size_t i, size_t j)
{
	const struct kube_rs_ref *r = kv && kv->j ? kube_join_rs(kv->j, i, j) : NULL;
	if (!r || r->slice < 0) {
		jw_null(w, "kube");
		return;
	}
	jw_open(w, "kube", '{');
	output_kube_endpoint_fields(w, kv->k, r->slice, r->endpoint);
	jw_close(w, '}');
}

/* A kube-proxy pod, one element of "nodes" (arg: the kube_view). */
static void write_proxy_pod(struct jw *w, const void *elem, const void *arg)
{
	const struct kube_proxy_pod *p = elem;
	const struct kube_view *kv = arg;
	jw_string(w, "node", p->node);
	jw_string(w, "pod", p->name);
	jw_string(w, "phase", p->phase);
	jw_bool(w, "ready", p->ready);
	jw_u64(w, "restarts", p->restarts);
	jw_string(w, "waiting", p->waiting_reason[0] ? p->waiting_reason : NULL);
	jw_string(w, "mode", p->log_mode[0] && strcmp(p->log_mode, "?") != 0 ? p->log_mode : NULL);
	jw_bool(w, "this_node", p->node && kv->node_name && strcmp(p->node, kv->node_name) == 0);
	jw_string(w, "log_tail", p->log_tail);
}

static void write_proxy(struct jw *w, const struct kube_view *kv, const struct snapshot *s)
{
	const struct kube_state *k = kv->k;
	jw_open(w, "proxy", '{');
	const char *cm = kube_configured_mode(k);
	jw_string(w, "configured_mode", cm[0] ? cm : NULL);
	if (k->config.known) {
		jw_string(w, "config_mode", k->config.mode);
		jw_string(w, "scheduler", k->config.scheduler);
		jw_bool(w, "strict_arp", k->config.strict_arp);
		jw_string(w, "tcp_timeout", k->config.tcp_timeout);
		jw_string(w, "tcp_fin_timeout", k->config.tcp_fin_timeout);
		jw_string(w, "udp_timeout", k->config.udp_timeout);
		jw_string(w, "resource_version", k->config.resource_version);
	} else {
		jw_null(w, "config_mode");
	}
	if (k->ds.known) {
		jw_string(w, "flag_mode", k->ds.mode_flag[0] ? k->ds.mode_flag : NULL);
		jw_open(w, "daemonset", '{');
		jw_u64(w, "desired", k->ds.desired);
		jw_u64(w, "updated", k->ds.updated);
		jw_u64(w, "ready", k->ds.ready);
		jw_u64(w, "available", k->ds.available);
		jw_string(w, "restarted_at", k->ds.restarted_at[0] ? k->ds.restarted_at : NULL);
		jw_close(w, '}');
	} else {
		jw_null(w, "flag_mode");
		jw_null(w, "daemonset");
	}
	if (kv->j && kv->j->sched_expected[0])
		jw_string(w, "expected_scheduler", kv->j->sched_expected);
	else
		jw_null(w, "expected_scheduler");

	struct kube_timeout_cmp cmp[3];
	if (kube_compare_timeouts(k, s, cmp)) {
		jw_open(w, "timeouts", '{');
		for (int i = 0; i < 3; i++) {
			jw_open(w, cmp[i].name, '{');
			if (cmp[i].configured >= 0)
				jw_i64(w, "configured", cmp[i].configured);
			else
				jw_null(w, "configured");
			if (cmp[i].kernel >= 0)
				jw_i64(w, "kernel", cmp[i].kernel);
			else
				jw_null(w, "kernel");
			jw_bool(w, "mismatch", cmp[i].mismatch);
			jw_close(w, '}');
		}
		jw_close(w, '}');
	} else {
		jw_null(w, "timeouts");
	}
	long ign, ann;
	bool arp = kube_strict_arp_mismatch(k, s, &ign, &ann);
	jw_open(w, "strict_arp_sysctls", '{');
	if (ign >= 0)
		jw_i64(w, "arp_ignore", ign);
	else
		jw_null(w, "arp_ignore");
	if (ann >= 0)
		jw_i64(w, "arp_announce", ann);
	else
		jw_null(w, "arp_announce");
	jw_bool(w, "mismatch", arp);
	jw_close(w, '}');

	jw_objects(w, "nodes", k->proxies, k->n_proxies, sizeof(k->proxies[0]), write_proxy_pod,
		   kv);
	jw_open(w, "this_node", '{');
	jw_string(w, "name", kv->node_name);
	jw_string(w, "proxy_mode", k->local_mode[0] ? k->local_mode : NULL);
	jw_bool(w, "kube_ipvs0", k->kube_ipvs0);
	output_kp_health_json(w, k, s);
	jw_close(w, '}');
	jw_close(w, '}');
}

/* Opens {"virtual_service":..,"real_server":.. for destination dest of service vs; returns it. */
static const struct ipvs_dest *open_real_server(struct jw *w, const struct snapshot *s, size_t vs,
						size_t dest)
{
	const struct ipvs_dest *d = &snapshot_service(s, vs)->dests[dest];
	char key[160], rs[96];
	vs_key(snapshot_service(s, vs), key, sizeof(key));
	ipvs_hostport_str(d->af, &d->addr, d->port, rs, sizeof(rs));
	jw_open(w, NULL, '{');
	jw_string(w, "virtual_service", key);
	jw_string(w, "real_server", rs);
	return d;
}

/* "name":[...] the keys of the n virtual services at snapshot indexes idx. */
static void write_vs_list(struct jw *w, const char *name, const struct snapshot *s,
			  const uint32_t *idx, size_t n)
{
	char key[160];
	jw_open(w, name, '[');
	for (size_t i = 0; i < n; i++) {
		vs_key(snapshot_service(s, idx[i]), key, sizeof(key));
		jw_string(w, NULL, key);
	}
	jw_close(w, ']');
}

void output_kube_drift_counts(struct jw *w, const struct kube_drift_count *c, size_t n)
{
	struct jw_u64_member members[16] = {{NULL, 0}};
	for (size_t i = 0; i < n && i + 1 < sizeof(members) / sizeof(members[0]); i++)
		members[i] = (struct jw_u64_member){c[i].kind, c[i].n};
	jw_u64_object(w, "counts", members);
}

static void write_drift(struct jw *w, const struct kube_view *kv, const struct snapshot *s)
{
	const struct kube_join *j = kv->j;
	const struct kube_state *k = kv->k;
	char key[160], rs[96], buf[512];
	jw_open(w, "drift", '{');
	struct kube_drift_count counts[KUBE_DRIFT_KINDS];
	kube_join_counts(j, counts);
	output_kube_drift_counts(w, counts, KUBE_DRIFT_KINDS);

	jw_open(w, "missing_endpoints", '[');
	for (size_t i = 0; i < j->n_missing; i++) {
		const struct kube_drift_missing *m = &j->missing[i];
		const struct kube_endpoint *e = &k->slices[m->slice].endpoints[m->endpoint];
		vs_key(snapshot_service(s, m->vs), key, sizeof(key));
		ipvs_hostport_str(e->ip.af, &e->ip.addr, m->port, rs, sizeof(rs));
		jw_open(w, NULL, '{');
		jw_string(w, "virtual_service", key);
		jw_string(w, "endpoint", rs);
		output_kube_endpoint_fields(w, k, (int32_t)m->slice, (int32_t)m->endpoint);
		jw_bool(w, "fallback_terminating", m->terminating);
		jw_bool(w, "at_weight_0", m->weight0);
		jw_close(w, '}');
	}
	jw_close(w, ']');

	jw_open(w, "unexplained_real_servers", '[');
	for (size_t i = 0; i < j->n_extra; i++) {
		const struct kube_drift_extra *x = &j->extra[i];
		open_real_server(w, s, x->vs, x->dest);
		output_kube_endpoint_fields(w, k, x->slice, x->endpoint);
		jw_close(w, '}');
	}
	jw_close(w, ']');

	jw_open(w, "draining", '[');
	for (size_t i = 0; i < j->n_drain; i++) {
		const struct kube_drift_drain *x = &j->drain[i];
		const struct ipvs_dest *d = open_real_server(w, s, x->vs, x->dest);
		jw_double(w, "seconds", x->seconds);
		jw_u64(w, "active_conns", d->active_conns);
		jw_u64(w, "inactive_conns", d->inactive_conns);
		output_kube_endpoint_fields(w, k, x->slice, x->endpoint);
		jw_close(w, '}');
	}
	jw_close(w, ']');

	write_vs_list(w, "unowned_virtual_services", s, j->unowned, j->n_unowned);

	jw_open(w, "services_without_virtual_service", '[');
	for (size_t i = 0; i < j->n_unserved; i++) {
		const struct kube_drift_unserved *u = &j->unserved[i];
		const struct kube_service *ks = &k->services[u->service];
		const struct kube_service_port *p = &ks->ports[u->port];
		const struct kube_ip *ip = &ks->cluster_ips[u->ip];
		ipvs_hostport_str(ip->af, &ip->addr, p->port, rs, sizeof(rs));
		jw_open(w, NULL, '{');
		struct kube_vs_owner o = {.service = (int32_t)u->service, .port = u->port};
		jw_string(w, "service", kube_join_owner_label(k, &o, buf, sizeof(buf)));
		jw_string(w, "protocol", ipvs_proto_name(p->protocol));
		jw_string(w, "cluster_ip", rs);
		jw_close(w, '}');
	}
	jw_close(w, ']');

	jw_open(w, "scheduler_mismatch", '[');
	for (size_t i = 0; i < j->n_sched; i++) {
		const struct ipvs_service *svc = snapshot_service(s, j->sched[i]);
		vs_key(svc, key, sizeof(key));
		jw_open(w, NULL, '{');
		jw_string(w, "virtual_service", key);
		jw_string(w, "kernel", svc->sched);
		jw_string(w, "configured", j->sched_expected);
		jw_close(w, '}');
	}
	jw_close(w, ']');
	write_vs_list(w, "affinity_mismatch", s, j->affinity, j->n_affinity);
	jw_close(w, '}');
}

void output_kube_section(struct jw *w, const struct kube_view *kv, const struct snapshot *s)
{
	if (!kv || !kv->k) {
		jw_null(w, "kube");
		return;
	}
	const struct kube_state *k = kv->k;
	jw_open(w, "kube", '{');
	jw_bool(w, "enabled", k->enabled);
	jw_string(w, "error", k->error && k->why[0] ? k->why : NULL);
	jw_string(w, "note", !k->error && k->why[0] ? k->why : NULL);
	jw_string(w, "context", k->context[0] ? k->context : NULL);
	jw_string(w, "user", k->user[0] ? k->user : NULL);
	jw_string(w, "server", k->server[0] ? k->server : NULL);
	jw_bool(w, "insecure", k->insecure);
	jw_string(w, "version", k->version[0] ? k->version : NULL);
	/* KEP-5495: IPVS mode is deprecated from Kubernetes 1.35; nftables is the successor. */
	jw_bool(w, "ipvs_deprecated", k->minor >= 35);
	jw_bool(w, "synced", k->synced);
	jw_u64_object(w, "counts",
		      (const struct jw_u64_member[]){{"services", k->n_services},
						     {"endpointslices", k->n_slices},
						     {"nodes", k->n_nodes},
						     {"kube_proxy_pods", k->n_proxies},
						     {NULL, 0}});
	if (k->enabled) {
		write_proxy(w, kv, s);
		if (kv->j)
			write_drift(w, kv, s);
		else
			jw_null(w, "drift");
	}
	jw_close(w, '}');
}
