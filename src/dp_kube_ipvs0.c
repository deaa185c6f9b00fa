/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kube-ipvs0's addresses through libnl-route, and their comparison with the Service IPs. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>

#include "array.h"
#include "dp_kube_ipvs0.h"
#include "nls.h"

static int addr_len(int af)
{
	return af == AF_INET ? 4 : af == AF_INET6 ? 16 : 0;
}

static int addr_cmp(const void *pa, const void *pb)
{
	const struct dp_addr *a = pa, *b = pb;
	if (a->af != b->af)
		return a->af < b->af ? -1 : 1;
	return memcmp(&a->addr, &b->addr, sizeof(a->addr));
}

void dp_addrs_free(struct dp_addrs *a)
{
	free(a->a);
	memset(a, 0, sizeof(*a));
}

void dp_addr_diff_free(struct dp_addr_diff *d)
{
	free(d->missing);
	free(d->extra);
	memset(d, 0, sizeof(*d));
}

/* ------------------------------------------------------------------ reading */

/* The libnl codes this reader meets, as -errno (NLE_* are not errno values). */
static int nl_errno(int nlerr)
{
	switch (nlerr < 0 ? -nlerr : nlerr) {
	case NLE_NOMEM:
		return -ENOMEM;
	case NLE_PERM:
		return -EPERM;
	case NLE_NOACCESS:
		return -EACCES;
	case NLE_OBJ_NOTFOUND:
	case NLE_NODEV:
		return -ENODEV;
	case NLE_AF_NOSUPPORT:
		return -EAFNOSUPPORT;
	default:
		return -EIO;
	}
}

static int fail(char *why, size_t len, int err, int nlerr)
{
	if (why && len)
		snprintf(why, len, _("kube-ipvs0: %s"), nl_geterror(nlerr));
	return err;
}

/* Appends cache's addresses of ifindex to out->a. */
static int collect(struct nl_cache *cache, int ifindex, struct dp_addrs *out)
{
	size_t cap = 0;
	for (struct nl_object *o = nl_cache_get_first(cache); o; o = nl_cache_get_next(o)) {
		struct rtnl_addr *ra = (struct rtnl_addr *)o;
		if (rtnl_addr_get_ifindex(ra) != ifindex)
			continue;
		struct nl_addr *local = rtnl_addr_get_local(ra);
		if (!local)
			continue;
		int af = nl_addr_get_family(local);
		int alen = addr_len(af);
		if (alen == 0 || nl_addr_get_len(local) != (unsigned)alen)
			continue;
		if (array_reserve(&out->a, out->n, &cap, sizeof(*out->a), 16))
			return -ENOMEM;
		struct dp_addr *d = &out->a[out->n++];
		memset(d, 0, sizeof(*d));
		d->af = af;
		memcpy(d->addr.bytes, nl_addr_get_binary_addr(local), (size_t)alen);
		d->prefixlen = (uint8_t)rtnl_addr_get_prefixlen(ra);
	}
	if (out->n)
		qsort(out->a, out->n, sizeof(*out->a), addr_cmp);
	return 0;
}

int dp_kube_ipvs0_read(struct dp_addrs *out, char *why, size_t len)
{
	memset(out, 0, sizeof(*out));
	if (why && len)
		why[0] = '\0';
	struct nl_sock *sk = nl_socket_alloc();
	if (!sk)
		return fail(why, len, -ENOMEM, NLE_NOMEM);
	int rc = nl_connect(sk, NETLINK_ROUTE);
	if (rc < 0) {
		rc = fail(why, len, nl_errno(rc), rc);
		goto out;
	}

	struct rtnl_link *link = NULL;
	rc = rtnl_link_get_kernel(sk, 0, DP_KUBE_IPVS0, &link);
	if (rc < 0) {
		/* The kernel's ENODEV arrives as NLE_OBJ_NOTFOUND: not ipvs mode, or not yet. */
		rc = nl_errno(rc) == -ENODEV ? 0 : fail(why, len, nl_errno(rc), rc);
		goto out;
	}
	out->present = true;
	out->ifindex = rtnl_link_get_ifindex(link);
	rtnl_link_put(link);

	/* A dump of every interface's addresses: a dump filtered by ifindex needs strict
	 * checking, which older kernels ignore. */
	struct nl_cache *cache = NULL;
	rc = rtnl_addr_alloc_cache(sk, &cache);
	if (rc < 0) {
		rc = fail(why, len, nl_errno(rc), rc);
		goto out;
	}
	rc = collect(cache, out->ifindex, out);
	nl_cache_free(cache);
	if (rc < 0)
		fail(why, len, rc, NLE_NOMEM);
out:
	nl_socket_free(sk);
	if (rc < 0)
		dp_addrs_free(out);
	return rc;
}

/* ------------------------------------------------------------------ comparing */

/* A sorted copy of a[0..n) without repeats of family and address (one of each). */
static int sorted_unique(const struct dp_addr *a, size_t n, struct dp_addr **out, size_t *nout)
{
	*out = NULL;
	*nout = 0;
	if (n == 0)
		return 0;
	struct dp_addr *c = malloc(n * sizeof(*c));
	if (!c)
		return -ENOMEM;
	memcpy(c, a, n * sizeof(*c));
	qsort(c, n, sizeof(*c), addr_cmp);
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		if (k == 0 || addr_cmp(&c[k - 1], &c[i]) != 0)
			c[k++] = c[i];
	*out = c;
	*nout = k;
	return 0;
}

int dp_kube_ipvs0_compare(const struct dp_addrs *have, const struct dp_addr *svc, size_t n_svc,
			  struct dp_addr_diff *out)
{
	memset(out, 0, sizeof(*out));
	struct dp_addr *h, *s;
	size_t nh, ns;
	if (sorted_unique(have->present ? have->a : NULL, have->present ? have->n : 0, &h, &nh))
		return -ENOMEM;
	if (sorted_unique(svc, n_svc, &s, &ns)) {
		free(h);
		return -ENOMEM;
	}
	/* At most ns missing and nh extra: each result array is sized once. */
	if ((ns && !(out->missing = malloc(ns * sizeof(*s)))) ||
	    (nh && !(out->extra = malloc(nh * sizeof(*h))))) {
		free(h);
		free(s);
		dp_addr_diff_free(out);
		return -ENOMEM;
	}
	size_t i = 0, j = 0;
	while (i < nh || j < ns) {
		int c = i == nh ? 1 : j == ns ? -1 : addr_cmp(&h[i], &s[j]);
		if (c < 0)
			out->extra[out->n_extra++] = h[i++];
		else if (c > 0)
			out->missing[out->n_missing++] = s[j++];
		else
			i++, j++;
	}
	free(h);
	free(s);
	return 0;
}
