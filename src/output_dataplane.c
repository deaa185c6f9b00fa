/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The JSON document's "dataplane" section: every plane read, its frontends and endpoints. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dataplane.h"
#include "json_writer.h"
#include "output_dataplane.h"
#include "output_dp_join.h"
#include "output_dp_leftovers.h"

static void write_planes(struct jw *w, const struct dataplane *dp)
{
	jw_open(w, "planes", '{');
	for (int k = 0; k < DP_N_PLANES; k++) {
		const struct dp_plane *p = &dp->planes[k];
		if (k == DP_IPVS)
			continue; /* the IPVS table is the document's "ipvs" section */
		jw_open(w, dp_plane_name((enum dp_plane_kind)k), '{');
		jw_bool(w, "read", p->read);
		jw_bool(w, "present", p->present);
		jw_string(w, "error", p->error ? (p->why[0] ? p->why : "error") : NULL);
		jw_string(w, "note", !p->error && p->why[0] ? p->why : NULL);
		jw_u64(w, "rules", p->n_rules);
		if (k == DP_IPTABLES_NFT || k == DP_IPTABLES_LEGACY)
			jw_u64(w, "services_rules", p->n_services_rules);
		jw_u64(w, "frontends", p->n_frontends);
		jw_u64(w, "unrecognised", p->n_unrecognised);
		jw_close(w, '}');
	}
	jw_close(w, '}');
}

/* "ns/name:port" parts, or null when the rules do not name the Service. */
static void write_owner(struct jw *w, const struct dp_frontend *f)
{
	if (!f->svc_name || !f->svc_name[0]) {
		jw_null(w, "service");
		return;
	}
	jw_open(w, "service", '{');
	jw_string(w, "namespace", f->svc_namespace ? f->svc_namespace : "");
	jw_string(w, "name", f->svc_name);
	jw_string(w, "port", f->svc_port ? f->svc_port : "");
	jw_close(w, '}');
}

static void write_frontend(struct jw *w, const struct dataplane *dp, size_t fi,
			   const struct kube_view *kv, const struct dp_join *j)
{
	const struct dp_frontend *f = &dp->fe[fi];
	char buf[64];
	jw_open(w, NULL, '{');
	jw_string(w, "plane", dp_plane_name(f->plane));
	jw_string(w, "kind", dp_frontend_kind_name(f->kind));
	jw_string(w, "protocol", ipvs_proto_name(f->protocol));
	if (f->kind == DPF_NODE_PORT)
		jw_null(w, "address");
	else
		jw_string(w, "address", ipvs_addr_str(f->af, &f->addr, buf, sizeof(buf)));
	jw_u64(w, "port", f->port);
	write_owner(w, f);
	jw_string(w, "chain", f->chain && f->chain[0] ? f->chain : NULL);
	jw_bool(w, "no_endpoints", f->no_endpoints);
	jw_bool(w, "affinity", f->affinity);
	jw_bool(w, "unrecognised", f->unrecognised);
	jw_string(w, "note", f->note);
	output_dp_join_frontend(w, kv, j, fi);
	jw_open(w, "endpoints", '[');
	for (size_t i = 0; i < f->n_eps; i++) {
		const struct dp_endpoint *e = &f->eps[i];
		jw_open(w, NULL, '{');
		jw_string(w, "address", ipvs_addr_str(e->af, &e->addr, buf, sizeof(buf)));
		jw_u64(w, "port", e->port);
		if (e->share > 0)
			jw_double(w, "share", e->share);
		else
			jw_null(w, "share");
		output_dp_join_endpoint(w, kv, j, fi, i);
		jw_close(w, '}');
	}
	jw_close(w, ']');
	jw_close(w, '}');
}

/* kube-proxy's ipsets (ipvs mode): entries against maxelem; a full one breaks new Services. */
static void write_ipsets(struct jw *w, const struct dataplane *dp)
{
	if (!dp->ipsets_read) {
		jw_null(w, "ipsets");
		return;
	}
	jw_open(w, "ipsets", '{');
	/* No ip_set in the kernel (-ENOENT) is no kube-proxy ipset, not an error. */
	bool err = dp->ipsets_error && dp->ipsets_error != -ENOENT;
	jw_string(w, "error", err ? dp->ipsets_why : NULL);
	jw_open(w, "sets", '[');
	for (size_t i = 0; i < dp->n_ipsets; i++) {
		const struct dp_ipset *s = &dp->ipsets[i];
		jw_open(w, NULL, '{');
		jw_string(w, "name", s->name);
		jw_string(w, "type", s->type);
		jw_u64(w, "entries", s->entries);
		if (s->maxelem)
			jw_u64(w, "maxelem", s->maxelem);
		else
			jw_null(w, "maxelem");
		jw_bool(w, "full", s->full);
		output_dp_join_ipset(w, s);
		jw_close(w, '}');
	}
	jw_close(w, ']');
	jw_close(w, '}');
}

static void write_kube_ipvs0(struct jw *w, const struct dataplane *dp, const struct dp_join *j)
{
	char buf[64];
	if (!dp->kube_ipvs0_read) {
		jw_null(w, "kube_ipvs0");
		return;
	}
	jw_open(w, "kube_ipvs0", '{');
	jw_bool(w, "present", dp->kube_ipvs0.present);
	jw_string(w, "error", dp->kube_ipvs0_error ? dp->kube_ipvs0_why : NULL);
	jw_open(w, "addresses", '[');
	for (size_t i = 0; i < dp->kube_ipvs0.n; i++) {
		const struct dp_addr *a = &dp->kube_ipvs0.a[i];
		jw_string(w, NULL, ipvs_addr_str(a->af, &a->addr, buf, sizeof(buf)));
	}
	jw_close(w, ']');
	output_dp_join_kube_ipvs0(w, j);
	jw_close(w, '}');
}

void output_dataplane_section(struct jw *w, const struct snapshot *s, const struct kube_view *kv)
{
	const struct dataplane *dp = s->dp;
	double mono = s->mono;
	const struct dp_join *j = output_dp_join_of(kv, dp);
	jw_open(w, "dataplane", '{');
	jw_double(w, "read_seconds", dp->read_seconds);
	jw_double(w, "age", mono > dp->read_mono ? mono - dp->read_mono : 0);
	write_planes(w, dp);
	jw_open(w, "frontends", '[');
	for (size_t i = 0; i < dp->n_fe; i++)
		write_frontend(w, dp, i, kv, j);
	jw_close(w, ']');
	write_ipsets(w, dp);
	write_kube_ipvs0(w, dp, j);
	output_dp_join_drift(w, kv, j, s);
	struct dp_leftovers lo;
	dp_leftovers_of(s, kv, &lo);
	output_dp_leftovers_json(w, &lo);
	jw_close(w, '}');
}
