/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The snapshot model: ownership, lookups and the text forms of its enums. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dataplane.h"
#include "mem.h"
#include "snapshot.h"

void ipvs_conn_table_free(struct ipvs_conn_table *t)
{
	mem_free_all(t->conns, t->by_service, t->by_dest, t->by_state);
	memset(t, 0, sizeof(*t));
}

/*
 * Destination arrays and service arrays are preceded by a header: the reference count and
 * the capacity (the structs keep cap_dests / cap_services too, for readers; the header is
 * what counts). 16 bytes, so that the entries stay aligned for anything they hold.
 */
struct arr_hdr {
	unsigned long refs;
	unsigned long cap;
};

static struct arr_hdr *hdr_of(void *arr)
{
	return (struct arr_hdr *)arr - 1;
}

static void *arr_alloc(size_t cap, size_t size)
{
	if (cap > (SIZE_MAX - sizeof(struct arr_hdr)) / size)
		return NULL;
	struct arr_hdr *h = malloc(sizeof(*h) + cap * size);
	if (!h)
		return NULL;
	h->refs = 1;
	h->cap = cap;
	return h + 1;
}

/* Grows an array nobody else holds to cap entries; NULL on ENOMEM (the old one kept). */
static void *arr_grow(void *arr, size_t cap, size_t size)
{
	if (!arr)
		return arr_alloc(cap, size);
	if (cap > (SIZE_MAX - sizeof(struct arr_hdr)) / size)
		return NULL;
	struct arr_hdr *h = realloc(hdr_of(arr), sizeof(*h) + cap * size);
	if (!h)
		return NULL;
	h->cap = cap;
	return h + 1;
}

static void arr_ref(void *arr)
{
	if (arr)
		__atomic_add_fetch(&hdr_of(arr)->refs, 1, __ATOMIC_RELAXED);
}

/* Drops a reference; true when it was the last (the caller frees what the array holds). */
static bool arr_unref(void *arr)
{
	return arr && __atomic_sub_fetch(&hdr_of(arr)->refs, 1, __ATOMIC_ACQ_REL) == 0;
}

static bool arr_shared(void *arr)
{
	return arr && __atomic_load_n(&hdr_of(arr)->refs, __ATOMIC_ACQUIRE) > 1;
}

struct ipvs_dest *ipvs_dests_alloc(size_t cap)
{
	return arr_alloc(cap, sizeof(struct ipvs_dest));
}

struct ipvs_dest *ipvs_dests_ref(struct ipvs_dest *d)
{
	arr_ref(d);
	return d;
}

void ipvs_dests_unref(struct ipvs_dest *d)
{
	if (arr_unref(d))
		free(hdr_of(d));
}

void service_set_dests(struct ipvs_service *svc, struct ipvs_dest *d, size_t n)
{
	ipvs_dests_unref(svc->dests);
	svc->dests = d;
	svc->n_dests = svc->cap_dests = n;
}

/* Drops s's reference to its services (and, with the last, theirs to their destinations). */
static void services_unref(struct ipvs_service *svcs, size_t n)
{
	if (!arr_unref(svcs))
		return;
	for (size_t i = 0; i < n; i++)
		ipvs_dests_unref(svcs[i].dests);
	free(hdr_of(svcs));
}

void snapshot_clear_services(struct snapshot *s)
{
	services_unref(s->services, s->n_services);
	s->services = NULL;
	s->n_services = s->cap_services = 0;
}

void snapshot_free(struct snapshot *s)
{
	services_unref(s->services, s->n_services);
	free(s->modules);
	free(s->sysctls);
	ipvs_conn_table_free(&s->conns);
	dataplane_unref(s->dp);
	memset(s, 0, sizeof(*s));
}

/* A copy of n services of their own, each referencing its destinations; NULL on ENOMEM. */
static struct ipvs_service *services_dup(const struct ipvs_service *src, size_t n)
{
	struct ipvs_service *p = arr_alloc(n, sizeof(*p));
	if (!p)
		return NULL;
	memcpy(p, src, n * sizeof(*p));
	for (size_t i = 0; i < n; i++)
		ipvs_dests_ref(p[i].dests);
	return p;
}

/* dst gets src's header, without services, modules, sysctls or connections. */
static void copy_header(struct snapshot *dst, const struct snapshot *src)
{
	*dst = *src;
	dst->services = NULL;
	dst->n_services = dst->cap_services = 0;
	dst->modules = NULL;
	dst->n_modules = 0;
	dst->sysctls = NULL;
	dst->n_sysctls = 0;
	dst->have_conns = false;
	memset(&dst->conns, 0, sizeof(dst->conns));
	dst->dp = NULL;
}

int snapshot_copy_table(struct snapshot *dst, const struct snapshot *src)
{
	copy_header(dst, src);
	if (src->n_services == 0)
		return 0;
	dst->services = services_dup(src->services, src->n_services);
	if (!dst->services)
		return -ENOMEM;
	dst->n_services = dst->cap_services = src->n_services;
	return 0;
}

void snapshot_share_table(struct snapshot *dst, const struct snapshot *src)
{
	copy_header(dst, src);
	arr_ref(src->services);
	dst->services = src->services;
	dst->n_services = src->n_services;
	dst->cap_services = src->cap_services;
}

int snapshot_own_services(struct snapshot *s)
{
	if (!arr_shared(s->services))
		return 0;
	struct ipvs_service *p = services_dup(s->services, s->n_services);
	if (!p)
		return -ENOMEM;
	services_unref(s->services, s->n_services); /* not the last: someone else holds it */
	s->services = p;
	s->cap_services = s->n_services;
	return 0;
}

static int dup_array(void **dst, const void *src, size_t n, size_t size)
{
	*dst = NULL;
	if (!n || !src)
		return 0;
	*dst = malloc(n * size);
	if (!*dst)
		return -ENOMEM;
	memcpy(*dst, src, n * size);
	return 0;
}

int snapshot_copy_extras(struct snapshot *dst, const struct snapshot *src)
{
	const struct ipvs_conn_table *t = &src->conns;
	struct ipvs_conn_table *d = &dst->conns;
	int err = dup_array((void **)&dst->modules, src->modules, src->n_modules,
			    sizeof(*src->modules));
	dst->n_modules = dst->modules ? src->n_modules : 0;
	err = err ? err : dup_array((void **)&dst->sysctls, src->sysctls, src->n_sysctls,
				    sizeof(*src->sysctls));
	dst->n_sysctls = dst->sysctls ? src->n_sysctls : 0;
	dst->have_conns = src->have_conns;
	*d = *t;
	d->conns = NULL;
	d->by_service = d->by_dest = d->by_state = NULL;
	err = err ? err : dup_array((void **)&d->conns, t->conns, t->n_conns, sizeof(*t->conns));
	err = err ? err : dup_array((void **)&d->by_service, t->by_service, t->n_by_service,
				    sizeof(*t->by_service));
	err = err ? err : dup_array((void **)&d->by_dest, t->by_dest, t->n_by_dest,
				    sizeof(*t->by_dest));
	err = err ? err : dup_array((void **)&d->by_state, t->by_state, t->n_by_state,
				    sizeof(*t->by_state));
	if (err) {
		free(dst->modules);
		free(dst->sysctls);
		dst->modules = NULL;
		dst->sysctls = NULL;
		dst->n_modules = dst->n_sysctls = 0;
		ipvs_conn_table_free(d);
		dst->have_conns = false;
	}
	dst->dp = err ? NULL : dataplane_ref(src->dp);
	return err;
}

void ipvs_svc_key_of(const struct ipvs_service *svc, struct ipvs_svc_key *key)
{
	memset(key, 0, sizeof(*key));
	key->af = svc->af;
	key->fwmark = svc->fwmark;
	if (svc->fwmark)
		return;
	key->protocol = svc->protocol;
	key->port = svc->port;
	memcpy(key->addr.bytes, svc->addr.bytes, svc->af == AF_INET6 ? 16 : 4);
}

bool ipvs_svc_key_eq(const struct ipvs_svc_key *a, const struct ipvs_svc_key *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

void snapshot_trim_services(struct snapshot *s)
{
	if (!s->services || arr_shared(s->services) || hdr_of(s->services)->cap <= s->n_services)
		return;
	struct ipvs_service *p = arr_grow(s->services, s->n_services ? s->n_services : 1,
					  sizeof(*p));
	if (p) { /* else the bigger one is kept: nothing lost */
		s->services = p;
		s->cap_services = hdr_of(p)->cap;
	}
}

struct ipvs_service *snapshot_add_service(struct snapshot *s)
{
	if (snapshot_own_services(s) != 0)
		return NULL;
	if (!s->services || s->n_services >= hdr_of(s->services)->cap) {
		size_t cap = s->services ? hdr_of(s->services)->cap * 2 : 8;
		struct ipvs_service *p = arr_grow(s->services, cap ? cap : 8, sizeof(*p));
		if (!p)
			return NULL;
		s->services = p;
		s->cap_services = hdr_of(p)->cap;
	}
	struct ipvs_service *p = &s->services[s->n_services++];
	memset(p, 0, sizeof(*p));
	return p;
}

struct ipvs_dest *service_add_dest(struct ipvs_service *svc)
{
	struct ipvs_dest *p = svc->dests;
	if (!p || arr_shared(p) || svc->n_dests >= hdr_of(p)->cap) {
		size_t cap = p ? hdr_of(p)->cap : 0;
		if (svc->n_dests >= cap)
			cap = cap ? cap * 2 : 8;
		p = ipvs_dests_alloc(cap);
		if (!p)
			return NULL;
		if (svc->n_dests)
			memcpy(p, svc->dests, svc->n_dests * sizeof(*p));
		ipvs_dests_unref(svc->dests);
		svc->dests = p;
		svc->cap_dests = cap;
	}
	p = &svc->dests[svc->n_dests++];
	memset(p, 0, sizeof(*p));
	return p;
}

static size_t addr_len(int af)
{
	return af == AF_INET6 ? 16 : 4;
}

bool service_same(const struct ipvs_service *a, const struct ipvs_service *b)
{
	if (a->fwmark || b->fwmark)
		return a->fwmark == b->fwmark && a->af == b->af;
	return a->af == b->af && a->protocol == b->protocol && a->port == b->port &&
	       memcmp(a->addr.bytes, b->addr.bytes, addr_len(a->af)) == 0;
}

bool dest_same(const struct ipvs_dest *a, const struct ipvs_dest *b)
{
	return a->af == b->af && a->port == b->port &&
	       memcmp(a->addr.bytes, b->addr.bytes, addr_len(a->af)) == 0;
}

const struct ipvs_service *snapshot_find_service(const struct snapshot *s,
						 const struct ipvs_service *a)
{
	for (size_t i = 0; i < s->n_services; i++)
		if (service_same(&s->services[i], a))
			return &s->services[i];
	return NULL;
}

const char *ipvs_addr_str(int af, const struct ipvs_addr *a, char *buf, size_t len)
{
	if (!inet_ntop(af == AF_INET6 ? AF_INET6 : AF_INET, a->bytes, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

const char *ipvs_hostport_str(int af, const struct ipvs_addr *a, uint16_t port, char *buf,
			      size_t len)
{
	char addr[64];
	ipvs_addr_str(af, a, addr, sizeof(addr));
	snprintf(buf, len, af == AF_INET6 ? "[%s]:%u" : "%s:%u", addr, port);
	return buf;
}

void service_conn_totals(const struct ipvs_service *svc, uint64_t *active, uint64_t *inactive)
{
	*active = *inactive = 0;
	for (size_t j = 0; j < svc->n_dests; j++) {
		*active += svc->dests[j].active_conns;
		*inactive += svc->dests[j].inactive_conns;
	}
}

int service_netmask_prefix(const struct ipvs_service *svc)
{
	if (svc->af == AF_INET6)
		return (int)svc->netmask;
	/* The kernel keeps the IPv4 mask in network byte order. */
	uint32_t m = ntohl(svc->netmask);
	int n = 0;
	while (m & 0x80000000u) {
		n++;
		m <<= 1;
	}
	return n;
}

const char *ipvs_proto_name(uint16_t protocol)
{
	switch (protocol) {
	case IPPROTO_TCP:
		return "tcp";
	case IPPROTO_UDP:
		return "udp";
	case IPPROTO_SCTP:
		return "sctp";
	default:
		return NULL;
	}
}

const char *ipvs_fwd_name(uint32_t fwd)
{
	static const char *const names[] = {"masq", "local", "tunnel", "route", "bypass"};
	return fwd < sizeof(names) / sizeof(names[0]) ? names[fwd] : "unknown";
}

const char *module_state_name(enum module_state st)
{
	/* In the order of enum module_state. */
	static const char *const names[] = {"missing", "available", "loaded", "builtin"};
	return (unsigned)st < sizeof(names) / sizeof(names[0]) ? names[st] : "missing";
}
