/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The data-plane model's own memory: frontends and endpoints added, freed, named. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane.h"

const char *dp_plane_name(enum dp_plane_kind k)
{
	static const char *const names[DP_N_PLANES] = {"ipvs", "nftables", "iptables-nft",
						       "iptables-legacy"};
	return (unsigned)k < DP_N_PLANES ? names[k] : "?";
}

const char *dp_frontend_kind_name(enum dp_frontend_kind k)
{
	static const char *const names[] = {"cluster-ip", "node-port", "external-ip",
					    "load-balancer", "unknown"};
	return (unsigned)k <= DPF_UNKNOWN ? names[k] : "unknown";
}

void dp_frontend_free(struct dp_frontend *f)
{
	free(f->svc_namespace);
	free(f->svc_name);
	free(f->svc_port);
	free(f->chain);
	free(f->eps);
	free(f->note);
	memset(f, 0, sizeof(*f));
}

int dp_frontend_add_endpoint(struct dp_frontend *f, const struct dp_endpoint *ep)
{
	struct dp_endpoint *p = realloc(f->eps, (f->n_eps + 1) * sizeof(*p));
	if (!p)
		return -ENOMEM;
	f->eps = p;
	f->eps[f->n_eps++] = *ep;
	return 0;
}

int dataplane_add(struct dataplane *dp, struct dp_frontend *f)
{
	if (dp->n_fe == dp->cap_fe) {
		size_t cap = dp->cap_fe ? dp->cap_fe * 2 : 64;
		struct dp_frontend *p = realloc(dp->fe, cap * sizeof(*p));
		if (!p) {
			dp_frontend_free(f);
			return -ENOMEM;
		}
		dp->fe = p;
		dp->cap_fe = cap;
	}
	if ((unsigned)f->plane < DP_N_PLANES)
		dp->planes[f->plane].n_frontends++;
	dp->fe[dp->n_fe++] = *f;
	memset(f, 0, sizeof(*f));
	return 0;
}

void dataplane_set_error(struct dataplane *dp, enum dp_plane_kind k, int err, const char *why)
{
	if ((unsigned)k >= DP_N_PLANES)
		return;
	dp->planes[k].read = true;
	dp->planes[k].error = err;
	snprintf(dp->planes[k].why, sizeof(dp->planes[k].why), "%s", why ? why : "");
}

void dataplane_free(struct dataplane *dp)
{
	for (size_t i = 0; i < dp->n_fe; i++)
		dp_frontend_free(&dp->fe[i]);
	free(dp->fe);
	memset(dp, 0, sizeof(*dp));
}
