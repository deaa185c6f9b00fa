/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A mode switch verified on this node: the new plane's frontends against the Services. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "dp_verify.h"

static bool plane_is_mode(enum dp_plane_kind k, const char *mode)
{
	if (strcmp(mode, "nftables") == 0)
		return k == DP_NFTABLES;
	if (strcmp(mode, "iptables") == 0)
		return k == DP_IPTABLES_NFT || k == DP_IPTABLES_LEGACY;
	return false;
}

bool dp_verify_checks(const char *mode)
{
	return mode && (strcmp(mode, "nftables") == 0 || strcmp(mode, "iptables") == 0);
}

static bool has_frontend(const struct dataplane *dp, const char *mode, const struct kube_ip *ip,
			 const struct kube_service_port *p)
{
	for (size_t i = 0; i < dp->n_fe; i++) {
		const struct dp_frontend *f = &dp->fe[i];
		if (plane_is_mode(f->plane, mode) && f->kind == DPF_CLUSTER_IP && f->af == ip->af &&
		    f->protocol == p->protocol && f->port == p->port &&
		    memcmp(&f->addr, &ip->addr, sizeof(f->addr)) == 0)
			return true;
	}
	return false;
}

/* The planes of the mode: readable, present, named; and which families their rules have. */
static void planes_of_mode(const struct dataplane *dp, const char *mode, struct dp_verify *out,
			   bool fam[2])
{
	for (int k = 0; k < DP_N_PLANES; k++) {
		const struct dp_plane *pl = &dp->planes[k];
		/* Not read for want of its module (why says so): nothing of it is there. */
		if (!plane_is_mode(k, mode) || (!pl->read && !pl->why[0]))
			continue;
		if (pl->error == 0 && !out->readable) {
			out->readable = true;
			out->plane = dp_plane_name(k);
		} else if (pl->error != 0 && !out->why[0]) {
			snprintf(out->why, sizeof(out->why), "%s: %s", dp_plane_name(k), pl->why);
		}
		if (pl->present && !out->present) {
			out->present = true;
			out->plane = dp_plane_name(k);
		}
	}
	for (size_t i = 0; i < dp->n_fe; i++)
		if (plane_is_mode(dp->fe[i].plane, mode))
			fam[dp->fe[i].af == AF_INET6] = true;
	if (!fam[0] && !fam[1])
		fam[0] = true;
}

int dp_verify_services(const struct dataplane *dp, const char *mode,
		       const struct kube_service *svc, size_t n, struct dp_verify *out)
{
	memset(out, 0, sizeof(*out));
	if (!dp_verify_checks(mode))
		return -EINVAL;
	out->plane = mode;
	bool fam[2] = {false, false};
	planes_of_mode(dp, mode, out, fam);
	for (size_t i = 0; i < n; i++) {
		const struct kube_service *s = &svc[i];
		if (s->headless || s->type == KUBE_SVC_EXTERNAL_NAME || s->n_ports == 0)
			continue;
		size_t want = 0, have = 0;
		for (size_t a = 0; a < s->n_cluster_ips; a++) {
			const struct kube_ip *ip = &s->cluster_ips[a];
			if (ip->af != AF_INET && ip->af != AF_INET6)
				continue;
			if (!fam[ip->af == AF_INET6])
				continue;
			for (size_t p = 0; p < s->n_ports; p++) {
				want++;
				have += has_frontend(dp, mode, ip, &s->ports[p]);
			}
		}
		if (want == 0)
			continue;
		out->n_services++;
		if (have == want) {
			out->n_found++;
		} else if (out->n_missing < DP_VERIFY_MAX_MISSING) {
			snprintf(out->missing[out->n_missing++], sizeof(out->missing[0]), "%s/%s",
				 s->ns ? s->ns : "", s->name ? s->name : "");
		}
	}
	return 0;
}

bool dp_verify_ok(const struct dp_verify *v)
{
	return v->readable && v->present && v->n_found == v->n_services;
}
