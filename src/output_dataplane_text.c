/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The batch text's data-plane part: each plane in a line, then its frontends and endpoints. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cells.h"
#include "dataplane.h"
#include "nls.h"
#include "output_dataplane.h"
#include "output_dp_join.h"
#include "output_dp_leftovers.h"

/* "nftables: 15 frontends, 100 rules" or why the plane says nothing. */
static void plane_line(FILE *f, const struct dataplane *dp, enum dp_plane_kind k)
{
	const struct dp_plane *p = &dp->planes[k];
	char safe[200];
	if (!p->read && !p->why[0])
		return;
	fprintf(f, "  %-16s ", dp_plane_name(k));
	if (p->error)
		fprintf(f, _("error: %s"), cells_safe(p->why, safe, sizeof(safe)));
	else if (!p->read)
		fputs(cells_safe(p->why, safe, sizeof(safe)), f);
	else if (!p->present)
		fputs(_("not present"), f);
	else
		fprintf(f, _("%zu frontends, %zu rules"), p->n_frontends, p->n_rules);
	if (p->n_services_rules)
		fprintf(f, _(", %zu rules in KUBE-SERVICES"), p->n_services_rules);
	if (p->n_unrecognised)
		fprintf(f, _(", %zu not recognised"), p->n_unrecognised);
	fputc('\n', f);
}

static void ipset_lines(FILE *f, const struct dataplane *dp)
{
	char safe[200];
	if (!dp->ipsets_read)
		return;
	fprintf(f, "  %-16s ", "ipsets");
	if (dp->ipsets_error && dp->ipsets_error != -ENOENT) {
		fprintf(f, _("error: %s\n"), cells_safe(dp->ipsets_why, safe, sizeof(safe)));
		return;
	}
	fprintf(f, _("%zu of kube-proxy's"), dp->n_ipsets);
	for (size_t i = 0; i < dp->n_ipsets; i++)
		if (dp->ipsets[i].full)
			fprintf(f, _(", %s FULL (%llu of maxelem %llu: new Services get no rules)"),
				cells_safe(dp->ipsets[i].name, safe, sizeof(safe)),
				(unsigned long long)dp->ipsets[i].entries,
				(unsigned long long)dp->ipsets[i].maxelem);
	fputc('\n', f);
}

/* "  nftables cluster-ip TCP 10.96.0.10:53 kube-system/kube-dns:dns-tcp -> 10.244.0.2:53 50%" */
static void frontend_lines(FILE *f, const struct dataplane *dp, size_t fi,
			   const struct kube_view *kv, const struct dp_join *j)
{
	const struct dp_frontend *fe = &dp->fe[fi];
	char a[64], owner[300], safe[300];
	const char *p = ipvs_proto_name(fe->protocol);
	if (fe->kind == DPF_NODE_PORT)
		snprintf(a, sizeof(a), "*:%u", fe->port);
	else
		ipvs_hostport_str(fe->af, &fe->addr, fe->port, a, sizeof(a));
	snprintf(owner, sizeof(owner), "%s/%s:%s", fe->svc_namespace ? fe->svc_namespace : "",
		 fe->svc_name ? fe->svc_name : "", fe->svc_port ? fe->svc_port : "");
	fprintf(f, "  %-16s %-13s %-4s %-24s %s", dp_plane_name(fe->plane),
		dp_frontend_kind_name(fe->kind), p ? p : "?", a,
		cells_safe(fe->svc_name && fe->svc_name[0] ? owner : "-", safe, sizeof(safe)));
	if (fe->no_endpoints)
		fputs(_(" [no endpoints]"), f);
	if (fe->unrecognised)
		fprintf(f, _(" [not recognised: %s]"),
			cells_safe(fe->note ? fe->note : "", safe, sizeof(safe)));
	output_dp_join_frontend_text(f, kv, j, fi);
	fputc('\n', f);
	for (size_t i = 0; i < fe->n_eps; i++) {
		const struct dp_endpoint *e = &fe->eps[i];
		fprintf(f, "      -> %s", ipvs_hostport_str(e->af, &e->addr, e->port, a, sizeof(a)));
		if (e->share > 0)
			fprintf(f, " %.0f%%", e->share * 100);
		output_dp_join_endpoint_text(f, kv, j, fi, i);
		fputc('\n', f);
	}
}

void output_dataplane_text(FILE *f, const struct snapshot *s, const struct kube_view *kv)
{
	const struct dataplane *dp = s->dp;
	const struct dp_join *j = output_dp_join_of(kv, dp);
	char safe[200];
	fputs(_("Data planes besides IPVS:\n"), f);
	for (int k = DP_NFTABLES; k < DP_N_PLANES; k++)
		plane_line(f, dp, (enum dp_plane_kind)k);
	ipset_lines(f, dp);
	if (dp->kube_ipvs0_read) {
		fprintf(f, "  %-16s ", "kube-ipvs0");
		if (dp->kube_ipvs0_error)
			fprintf(f, _("error: %s\n"), cells_safe(dp->kube_ipvs0_why, safe, sizeof(safe)));
		else if (!dp->kube_ipvs0.present)
			fprintf(f, "%s\n", _("not present"));
		else
			fprintf(f, _("%zu addresses\n"), dp->kube_ipvs0.n);
	}
	for (size_t i = 0; i < dp->n_fe; i++)
		frontend_lines(f, dp, i, kv, j);
	output_dp_join_text(f, kv, j, s);
	fputc('\n', f);
	struct dp_leftovers lo;
	dp_leftovers_of(s, kv, &lo);
	output_dp_leftovers_text(f, &lo);
}
