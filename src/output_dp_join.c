/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The data planes' join with the cluster: JSON members and batch text lines. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "cells.h"
#include "dp_join.h"
#include "json_writer.h"
#include "kube_side.h"
#include "nls.h"
#include "output_dp_join.h"
#include "output_kube.h"

const struct dp_join *output_dp_join_of(const struct kube_view *kv, const struct dataplane *dp)
{
	return kv && kv->k && kv->dpj && kv->dpj->dp == dp ? kv->dpj : NULL;
}

static const struct kube_vs_owner *owner_of(const struct dp_join *j, size_t fe)
{
	return j && fe < j->n_fe && j->owners[fe].o.service >= 0 ? &j->owners[fe].o : NULL;
}

void output_dp_join_frontend(struct jw *w, const struct kube_view *kv, const struct dp_join *j,
			     size_t fe)
{
	const struct kube_vs_owner *o = owner_of(j, fe);
	if (!o) {
		jw_null(w, "kube");
		return;
	}
	jw_open(w, "kube", '{');
	output_kube_owner_fields(w, kv->k, o);
	jw_bool(w, "name_mismatch", j->owners[fe].name_mismatch);
	jw_bool(w, "kind_mismatch", j->owners[fe].kind_mismatch);
	jw_close(w, '}');
}

void output_dp_join_endpoint(struct jw *w, const struct kube_view *kv, const struct dp_join *j,
			     size_t fe, size_t ep)
{
	const struct kube_rs_ref *r = j ? dp_join_ep(j, fe, ep) : NULL;
	if (!r) {
		jw_null(w, "kube");
		return;
	}
	jw_open(w, "kube", '{');
	output_kube_endpoint_fields(w, kv->k, r->slice, r->endpoint);
	jw_close(w, '}');
}

/* One plane's drift as the views write it: where its indexes point, and the cluster. */
struct drift_view {
	const struct kube_view *kv;
	enum dp_plane_kind plane;
	const struct dp_plane_drift *pd;
	const struct dp_join *j;  /* the rules' planes: frontends are j->dp->fe */
	const struct snapshot *s; /* DP_IPVS: frontends are s->services, owners kv->j's */
};

static const struct kube_vs_owner *dv_owner(const struct drift_view *dv, uint32_t fe)
{
	if (dv->plane != DP_IPVS)
		return owner_of(dv->j, fe);
	const struct kube_join *kj = dv->kv->j;
	return fe < kj->n_owners && kj->owners[fe].service >= 0 ? &kj->owners[fe] : NULL;
}

/* The frontend an entry is about: "tcp 10.96.0.10:53", "tcp *:30080" (a NodePort), "fwmark 5". */
static const char *dv_fe_label(const struct drift_view *dv, uint32_t fe, char *buf, size_t len)
{
	char a[64];
	uint16_t proto, port;
	int af;
	const struct ipvs_addr *addr;
	if (dv->plane == DP_IPVS) {
		const struct ipvs_service *v = snapshot_service(dv->s, fe);
		if (v->fwmark) {
			snprintf(buf, len, "fwmark %u", v->fwmark);
			return buf;
		}
		proto = v->protocol, port = v->port, af = v->af, addr = &v->addr;
	} else {
		const struct dp_frontend *f = &dv->j->dp->fe[fe];
		proto = f->protocol, port = f->port, af = f->af, addr = &f->addr;
		if (f->kind == DPF_NODE_PORT)
			addr = NULL;
	}
	const char *p = ipvs_proto_name(proto);
	if (!addr)
		snprintf(buf, len, "%s *:%u", p ? p : "?", port);
	else
		snprintf(buf, len, "%s %s", p ? p : "?",
			 ipvs_hostport_str(af, addr, port, a, sizeof(a)));
	return buf;
}

/* The address:port of a drift entry: the node's endpoint, or the cluster's (missing). */
static const char *dv_entry_addr(const struct drift_view *dv, const struct dp_drift_ep *x,
				 char *buf, size_t len)
{
	if (x->ep >= 0 && dv->plane == DP_IPVS) {
		const struct ipvs_service *v = snapshot_service(dv->s, x->fe);
		const struct ipvs_dest *d = &v->dests[x->ep];
		return ipvs_hostport_str(d->af ? d->af : v->af, &d->addr, d->port, buf, len);
	}
	if (x->ep >= 0) {
		const struct dp_endpoint *e = &dv->j->dp->fe[x->fe].eps[x->ep];
		return ipvs_hostport_str(e->af, &e->addr, e->port, buf, len);
	}
	const struct kube_endpoint *e = &dv->kv->k->slices[x->slice].endpoints[x->endpoint];
	return ipvs_hostport_str(e->ip.af, &e->ip.addr, x->port, buf, len);
}

static void write_entries(struct jw *w, const char *key, const struct drift_view *dv,
			  const struct dp_drift_ep *x, size_t n)
{
	char fe[96], a[96], svc[512];
	const struct kube_state *k = dv->kv->k;
	jw_open(w, key, '[');
	for (size_t i = 0; i < n; i++) {
		const struct kube_vs_owner *o = dv_owner(dv, x[i].fe);
		jw_open(w, NULL, '{');
		jw_string(w, "plane", dp_plane_name(dv->plane));
		jw_string(w, "frontend", dv_fe_label(dv, x[i].fe, fe, sizeof(fe)));
		jw_string(w, "service", o ? kube_join_owner_label(k, o, svc, sizeof(svc)) : NULL);
		jw_string(w, "endpoint", dv_entry_addr(dv, &x[i], a, sizeof(a)));
		output_kube_endpoint_fields(w, k, x[i].slice, x[i].endpoint);
		if (x[i].ep < 0)
			jw_bool(w, "fallback_terminating", x[i].fallback);
		jw_close(w, '}');
	}
	jw_close(w, ']');
}

static void write_unserved(struct jw *w, const struct kube_view *kv,
			   const struct dp_plane_drift *pd)
{
	char a[96], buf[512];
	if (!pd->unserved_checked) {
		jw_null(w, "services_without_frontend");
		return;
	}
	jw_open(w, "services_without_frontend", '[');
	for (size_t i = 0; i < pd->n_unserved; i++) {
		const struct kube_drift_unserved *u = &pd->unserved[i];
		const struct kube_service *s = &kv->k->services[u->service];
		const struct kube_ip *ip = &s->cluster_ips[u->ip];
		struct kube_vs_owner o = {.service = (int32_t)u->service, .port = u->port};
		jw_open(w, NULL, '{');
		jw_string(w, "service", kube_join_owner_label(kv->k, &o, buf, sizeof(buf)));
		jw_string(w, "protocol", ipvs_proto_name(s->ports[u->port].protocol));
		jw_string(
		    w, "cluster_ip",
		    ipvs_hostport_str(ip->af, &ip->addr, s->ports[u->port].port, a, sizeof(a)));
		jw_close(w, '}');
	}
	jw_close(w, ']');
}

static void write_plane_drift(struct jw *w, const struct drift_view *dv)
{
	const struct dp_plane_drift *pd = dv->pd;
	char fe[96];
	jw_open(w, dp_plane_name(dv->plane), '{');
	jw_bool(w, "running", pd->running);
	struct kube_drift_count counts[DP_DRIFT_KINDS];
	dp_plane_drift_counts(pd, counts);
	output_kube_drift_counts(w, counts, DP_DRIFT_KINDS);
	write_entries(w, "missing_endpoints", dv, pd->missing, pd->n_missing);
	write_entries(w, "stale_endpoints", dv, pd->stale, pd->n_stale);
	write_entries(w, "terminating_endpoints", dv, pd->terminating, pd->n_terminating);
	write_unserved(w, dv->kv, pd);
	jw_open(w, "unowned_frontends", '[');
	for (size_t i = 0; i < pd->n_unowned; i++)
		jw_string(w, NULL, dv_fe_label(dv, pd->unowned[i], fe, sizeof(fe)));
	jw_close(w, ']');
	jw_close(w, '}');
}

/* The IPVS table's drift in the planes' terms, when kv joined it (the caller frees *pd). */
static bool ipvs_drift(const struct kube_view *kv, const struct dp_join *j,
		       const struct snapshot *s, struct dp_plane_drift *pd)
{
	memset(pd, 0, sizeof(*pd));
	return kv->j && s && dp_join_ipvs_drift(s, kv->k, kv->j, j->running, pd) == 0;
}

/* fn(dv, arg) for each joined plane's drift, the IPVS table's first when kv joined it. */
static void each_drift(const struct kube_view *kv, const struct dp_join *j,
		       const struct snapshot *s, void (*fn)(const struct drift_view *, void *),
		       void *arg)
{
	struct dp_plane_drift ipvs;
	if (ipvs_drift(kv, j, s, &ipvs))
		fn(&(struct drift_view){kv, DP_IPVS, &ipvs, j, s}, arg);
	dp_plane_drift_free(&ipvs);
	for (int p = DP_NFTABLES; p < DP_N_PLANES; p++)
		if (j->planes[p].joined)
			fn(&(struct drift_view){kv, (enum dp_plane_kind)p, &j->planes[p], j, s},
			   arg);
}

static void write_plane_drift_cb(const struct drift_view *dv, void *w)
{
	write_plane_drift(w, dv);
}

void output_dp_join_drift(struct jw *w, const struct kube_view *kv, const struct dp_join *j,
			  const struct snapshot *s)
{
	jw_bool(w, "joined", j != NULL);
	jw_string(w, "running_plane",
		  j && j->running < DP_N_PLANES ? dp_plane_name(j->running) : NULL);
	if (!j) {
		jw_null(w, "drift");
		return;
	}
	jw_open(w, "drift", '{');
	each_drift(kv, j, s, write_plane_drift_cb, w);
	jw_close(w, '}');
}

void output_dp_join_ipset(struct jw *w, const struct dp_ipset *s)
{
	jw_string(w, "fill", dp_ipset_fill_name(dp_ipset_fill_of(s)));
}

static void write_addrs(struct jw *w, const char *key, const struct dp_addr *a, size_t n)
{
	char buf[64];
	jw_open(w, key, '[');
	for (size_t i = 0; i < n; i++)
		jw_string(w, NULL, ipvs_addr_str(a[i].af, &a[i].addr, buf, sizeof(buf)));
	jw_close(w, ']');
}

void output_dp_join_kube_ipvs0(struct jw *w, const struct dp_join *j)
{
	bool checked = j && j->kube_ipvs0_checked;
	jw_bool(w, "checked", checked);
	if (!checked) {
		jw_null(w, "missing");
		jw_null(w, "extra");
		return;
	}
	write_addrs(w, "missing", j->kube_ipvs0.missing, j->kube_ipvs0.n_missing);
	write_addrs(w, "extra", j->kube_ipvs0.extra, j->kube_ipvs0.n_extra);
}

/* ---- batch text ---- */

void output_dp_join_frontend_text(FILE *f, const struct kube_view *kv, const struct dp_join *j,
				  size_t fe)
{
	const struct kube_vs_owner *o = owner_of(j, fe);
	char buf[512], safe[512];
	if (!j)
		return;
	if (!o) {
		fputs(_(" [no Service has this address]"), f);
		return;
	}
	fprintf(f, " = %s (%s)",
		cells_safe(kube_join_owner_label(kv->k, o, buf, sizeof(buf)), safe, sizeof(safe)),
		kube_owner_kind_name(o->kind));
	if (j->owners[fe].name_mismatch)
		fputs(_(" [the rules name another Service]"), f);
	if (j->owners[fe].kind_mismatch)
		fputs(_(" [the rules' kind differs]"), f);
	if (o->affinity_mismatch)
		fputs(_(" [session affinity differs]"), f);
}

void output_dp_join_endpoint_text(FILE *f, const struct kube_view *kv, const struct dp_join *j,
				  size_t fe, size_t ep)
{
	const struct kube_rs_ref *r = j ? dp_join_ep(j, fe, ep) : NULL;
	char safe[300];
	if (!j)
		return;
	if (!r) {
		fputs(_(" [no endpoint of the Service]"), f);
		return;
	}
	const struct kube_endpoint *e = &kv->k->slices[r->slice].endpoints[r->endpoint];
	fprintf(f, _(" pod %s"), cells_safe(e->pod ? e->pod : "-", safe, sizeof(safe)));
	if (!e->ready)
		fputs(_(" [not ready]"), f);
	if (e->terminating)
		fputs(_(" [terminating]"), f);
}

static void entry_lines(FILE *f, const char *what, const struct drift_view *dv,
			const struct dp_drift_ep *x, size_t n)
{
	char fe[96], a[96], svc[512], safe[512], label[64];
	const struct kube_state *k = dv->kv->k;
	cells_pad(what, 12, 0, label, sizeof(label)); /* translated: padded in cells */
	for (size_t i = 0; i < n; i++) {
		const struct kube_vs_owner *o = dv_owner(dv, x[i].fe);
		const struct kube_endpoint *e =
		    x[i].slice >= 0 ? &k->slices[x[i].slice].endpoints[x[i].endpoint] : NULL;
		fprintf(f, "    %s %-26s %-24s %s", label, dv_fe_label(dv, x[i].fe, fe, sizeof(fe)),
			dv_entry_addr(dv, &x[i], a, sizeof(a)),
			cells_safe(o ? kube_join_owner_label(k, o, svc, sizeof(svc)) : "-", safe,
				   sizeof(safe)));
		if (e && e->pod)
			fprintf(f, _(" pod %s"), cells_safe(e->pod, safe, sizeof(safe)));
		fputc('\n', f);
	}
}

static void plane_drift_text(FILE *f, const struct drift_view *dv)
{
	const struct dp_plane_drift *pd = dv->pd;
	const struct kube_state *k = dv->kv->k;
	char fe[96], a[96], buf[512], safe[512], label[64];
	fprintf(f,
		_("Drift of %s%s: %zu missing, %zu stale, %zu terminating still programmed, "
		  "%zu Services without a frontend, %zu frontends of no Service, "
		  "%zu owners differ\n"),
		dp_plane_name(dv->plane), pd->running ? _(" (kube-proxy runs it)") : "",
		pd->n_missing, pd->n_stale, pd->n_terminating, pd->n_unserved, pd->n_unowned,
		pd->n_mismatch);
	entry_lines(f, _("missing"), dv, pd->missing, pd->n_missing);
	entry_lines(f, _("stale"), dv, pd->stale, pd->n_stale);
	entry_lines(f, _("terminating"), dv, pd->terminating, pd->n_terminating);
	for (size_t i = 0; i < pd->n_unserved; i++) {
		const struct kube_drift_unserved *u = &pd->unserved[i];
		const struct kube_service *s = &k->services[u->service];
		const struct kube_ip *ip = &s->cluster_ips[u->ip];
		const char *proto = ipvs_proto_name(s->ports[u->port].protocol);
		struct kube_vs_owner o = {.service = (int32_t)u->service, .port = u->port};
		snprintf(
		    fe, sizeof(fe), "%s %s", proto ? proto : "?",
		    ipvs_hostport_str(ip->af, &ip->addr, s->ports[u->port].port, a, sizeof(a)));
		fprintf(
		    f, "    %s %-26s %-24s %s\n",
		    cells_pad(_("unserved"), 12, 0, label, sizeof(label)), fe, "-",
		    cells_safe(kube_join_owner_label(k, &o, buf, sizeof(buf)), safe, sizeof(safe)));
	}
	for (size_t i = 0; i < pd->n_unowned; i++)
		fprintf(f, "    %s %s\n", cells_pad(_("unowned"), 12, 0, label, sizeof(label)),
			dv_fe_label(dv, pd->unowned[i], fe, sizeof(fe)));
}

static void plane_drift_text_cb(const struct drift_view *dv, void *f)
{
	plane_drift_text(f, dv);
}

static void addr_list(FILE *f, const char *what, const struct dp_addr *a, size_t n)
{
	char buf[64];
	if (!n)
		return;
	fprintf(f, "    %s", what);
	for (size_t i = 0; i < n; i++)
		fprintf(f, " %s", ipvs_addr_str(a[i].af, &a[i].addr, buf, sizeof(buf)));
	fputc('\n', f);
}

void output_dp_join_text(FILE *f, const struct kube_view *kv, const struct dp_join *j,
			 const struct snapshot *s)
{
	char safe[64];
	if (!j)
		return;
	each_drift(kv, j, s, plane_drift_text_cb, f);
	if (j->kube_ipvs0_checked) {
		fprintf(f, _("kube-ipvs0 against the Service IPs: %zu missing, %zu extra\n"),
			j->kube_ipvs0.n_missing, j->kube_ipvs0.n_extra);
		addr_list(f, _("missing (unreachable):"), j->kube_ipvs0.missing,
			  j->kube_ipvs0.n_missing);
		addr_list(f, _("extra (stale):"), j->kube_ipvs0.extra, j->kube_ipvs0.n_extra);
	}
	for (size_t i = 0; i < j->n_ipsets; i++)
		if (j->ipset_fill[i] == DP_IPSET_NEARLY_FULL)
			fprintf(f, _("ipset %s nearly full: %llu of maxelem %llu\n"),
				cells_safe(j->dp->ipsets[i].name, safe, sizeof(safe)),
				(unsigned long long)j->dp->ipsets[i].entries,
				(unsigned long long)j->dp->ipsets[i].maxelem);
}
