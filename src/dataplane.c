/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The data-plane model's own memory: frontends and endpoints added, freed, named. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "array.h"
#include "clock.h"
#include "dataplane.h"
#include "dp_ipt.h"
#include "dp_nft.h"
#include "mem.h"
#include "modules.h"
#include "nls.h"

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
	mem_free_all(f->svc_namespace, f->svc_name, f->svc_port, f->chain, f->eps, f->note);
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
	if (array_reserve(&dp->fe, dp->n_fe, &dp->cap_fe, sizeof(*dp->fe), 64)) {
		dp_frontend_free(f);
		return -ENOMEM;
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
	free(dp->ipsets);
	dp_addrs_free(&dp->kube_ipvs0);
	memset(dp, 0, sizeof(*dp));
}

struct dataplane *dataplane_new(void)
{
	struct dataplane *dp = calloc(1, sizeof(*dp));
	if (dp)
		dp->refs = 1;
	return dp;
}

struct dataplane *dataplane_ref(struct dataplane *dp)
{
	if (dp)
		__atomic_add_fetch(&dp->refs, 1, __ATOMIC_RELAXED);
	return dp;
}

void dataplane_unref(struct dataplane *dp)
{
	if (dp && __atomic_sub_fetch(&dp->refs, 1, __ATOMIC_ACQ_REL) == 0) {
		dataplane_free(dp);
		free(dp);
	}
}

/*
 * Whether a plane whose kernel module is module may be read: it is loaded or built in.
 * Listing nftables or x_tables makes the kernel load the module when it is not (a request
 * from a CAP_NET_ADMIN process), and reading must change nothing; so an absent module is
 * said (not_read), not loaded. Where the modules directory cannot be read (a container),
 * the read goes ahead.
 */
static bool module_readable(const char *module)
{
	char dir[300];
	struct utsname u;
	enum module_state st = MODULE_MISSING;
	modules_state(NULL, NULL, module, &st);
	if (st == MODULE_LOADED || st == MODULE_BUILTIN || uname(&u) != 0)
		return true;
	snprintf(dir, sizeof(dir), "/lib/modules/%s/modules.dep", u.release);
	return access(dir, R_OK) != 0;
}

/* Plane k was not read because module is not loaded: said in its why. Returns 0. */
static int not_read(struct dataplane *dp, enum dp_plane_kind k, const char *module)
{
	snprintf(dp->planes[k].why, sizeof(dp->planes[k].why),
		 _("%s is not loaded: not read (reading would load it)"), module);
	return 0;
}

double dataplane_reuse_seconds(const struct dataplane *last, double period)
{
	if (last && period < 20 * last->read_seconds)
		period = 20 * last->read_seconds;
	return period;
}

int dataplane_read(const struct dataplane_opts *o, struct dataplane **out)
{
	struct dataplane *dp = dataplane_new();
	*out = NULL;
	if (!dp)
		return -ENOMEM;
	double t0 = clock_seconds(CLOCK_MONOTONIC);
	/* A reader out of memory stops the read; any other failure is the plane's own. */
	/* nftables and iptables-nft both live in nf_tables: its state is asked once. */
	bool nf_tables = (o->nftables || o->iptables) && module_readable("nf_tables");
	int err = 0;
	if (o->nftables)
		err = nf_tables ? dp_nft_read(dp) : not_read(dp, DP_NFTABLES, "nf_tables");
	if (err != -ENOMEM && o->iptables)
		err = nf_tables ? dp_ipt_read(dp, DP_IPTABLES_NFT)
				: not_read(dp, DP_IPTABLES_NFT, "nf_tables");
	/* Legacy looks at /proc/net/ip_tables_names itself: an absent table is not asked for. */
	if (err != -ENOMEM && o->iptables)
		err = dp_ipt_read(dp, DP_IPTABLES_LEGACY);
	if (err != -ENOMEM && o->ipsets) {
		dp->ipsets_read = true;
		dp->ipsets_error = dp_ipset_read(&dp->ipsets, &dp->n_ipsets, dp->ipsets_why,
						 sizeof(dp->ipsets_why));
		err = dp->ipsets_error;
	}
	if (err != -ENOMEM && o->kube_ipvs0) {
		dp->kube_ipvs0_read = true;
		dp->kube_ipvs0_error = dp_kube_ipvs0_read(&dp->kube_ipvs0, dp->kube_ipvs0_why,
							  sizeof(dp->kube_ipvs0_why));
		err = dp->kube_ipvs0_error;
	}
	if (err == -ENOMEM) {
		dataplane_unref(dp);
		return -ENOMEM;
	}
	dp->read_mono = clock_seconds(CLOCK_MONOTONIC);
	dp->read_seconds = dp->read_mono - t0;
	*out = dp;
	return 0;
}
