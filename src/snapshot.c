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

#include "array.h"
#include "dataplane.h"
#include "mem.h"
#include "snapshot.h"

void ipvs_conn_table_free(struct ipvs_conn_table *t)
{
	mem_free_all(t->conns, t->by_service, t->by_dest, t->by_state);
	memset(t, 0, sizeof(*t));
}

/*
 * Destination arrays are preceded by a header: the reference count and the capacity (the
 * service keeps cap_dests too, for readers; the header is what counts). 16 bytes, so that the
 * entries stay aligned for anything they hold.
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

void service_keep_dests(struct ipvs_service *got, const struct ipvs_service *from)
{
	got->dests = from->dests;
	got->n_dests = from->n_dests;
	got->cap_dests = from->cap_dests;
	got->dests_known = from->dests_known;
	got->dests_pending = from->dests_pending;
	got->dests_mono = from->dests_mono;
}

void service_set_dests(struct ipvs_service *svc, struct ipvs_dest *d, size_t n)
{
	ipvs_dests_unref(svc->dests);
	svc->dests = d;
	svc->n_dests = svc->cap_dests = n;
}

/*
 * A chunk of a snapshot's table: up to SNAPSHOT_CHUNK services (n in use, each holding a
 * reference to its destinations) and the number of snapshots that hold the chunk.
 */
struct svc_chunk {
	unsigned long refs;
	size_t n;
	struct ipvs_service svc[SNAPSHOT_CHUNK];
};

static struct svc_chunk *chunk_of(struct ipvs_service *svc0)
{
	return (struct svc_chunk *)((char *)svc0 - offsetof(struct svc_chunk, svc));
}

static size_t n_chunks(const struct snapshot *s)
{
	return (s->n_services + SNAPSHOT_CHUNK - 1) >> SNAPSHOT_CHUNK_SHIFT;
}

static struct svc_chunk *chunk_new(void)
{
	struct svc_chunk *c = malloc(sizeof(*c));
	if (c) {
		c->refs = 1;
		c->n = 0;
	}
	return c;
}

static void chunk_ref(struct svc_chunk *c)
{
	__atomic_add_fetch(&c->refs, 1, __ATOMIC_RELAXED);
}

static void chunk_unref(struct svc_chunk *c)
{
	if (__atomic_sub_fetch(&c->refs, 1, __ATOMIC_ACQ_REL) != 0)
		return;
	for (size_t i = 0; i < c->n; i++)
		ipvs_dests_unref(c->svc[i].dests);
	free(c);
}

static bool chunk_shared(struct svc_chunk *c)
{
	return __atomic_load_n(&c->refs, __ATOMIC_ACQUIRE) > 1;
}

/* A chunk of its own with c's services, each referencing its destinations; NULL on ENOMEM. */
static struct svc_chunk *chunk_dup(const struct svc_chunk *c)
{
	struct svc_chunk *p = chunk_new();
	if (!p)
		return NULL;
	memcpy(p->svc, c->svc, c->n * sizeof(c->svc[0]));
	p->n = c->n;
	for (size_t i = 0; i < p->n; i++)
		ipvs_dests_ref(p->svc[i].dests);
	return p;
}

/* Room for cap chunk pointers in s (they never shrink). 0 or -ENOMEM. */
static int chunks_reserve(struct snapshot *s, size_t cap)
{
	if (cap <= s->cap_chunks)
		return 0;
	size_t want = s->cap_chunks ? s->cap_chunks * 2 : 4;
	if (want < cap)
		want = cap;
	if (array_resize(&s->svc_chunks, want, sizeof(*s->svc_chunks)) != 0)
		return -ENOMEM;
	s->cap_chunks = want;
	return 0;
}

void snapshot_clear_services(struct snapshot *s)
{
	for (size_t c = 0, n = n_chunks(s); c < n; c++)
		chunk_unref(chunk_of(s->svc_chunks[c]));
	free(s->svc_chunks);
	s->svc_chunks = NULL;
	s->n_services = s->cap_chunks = 0;
}

void snapshot_free(struct snapshot *s)
{
	snapshot_clear_services(s);
	free(s->modules);
	free(s->sysctls);
	ipvs_conn_table_free(&s->conns);
	dataplane_unref(s->dp);
	memset(s, 0, sizeof(*s));
}

struct ipvs_service *snapshot_service_mut(struct snapshot *s, size_t i)
{
	struct ipvs_service **slot = &s->svc_chunks[i >> SNAPSHOT_CHUNK_SHIFT];
	struct svc_chunk *c = chunk_of(*slot);
	if (chunk_shared(c)) {
		struct svc_chunk *p = chunk_dup(c);
		if (!p)
			return NULL;
		chunk_unref(c); /* not the last: someone else holds it */
		*slot = p->svc;
	}
	return &(*slot)[i & (SNAPSHOT_CHUNK - 1)];
}

/* dst gets src's header, without services, modules, sysctls or connections. */
static void copy_header(struct snapshot *dst, const struct snapshot *src)
{
	*dst = *src;
	dst->svc_chunks = NULL;
	dst->n_services = dst->cap_chunks = 0;
	dst->modules = NULL;
	dst->n_modules = 0;
	dst->sysctls = NULL;
	dst->n_sysctls = 0;
	dst->have_conns = false;
	memset(&dst->conns, 0, sizeof(dst->conns));
	dst->dp = NULL;
}

int snapshot_share_table(struct snapshot *dst, const struct snapshot *src)
{
	copy_header(dst, src);
	size_t n = n_chunks(src);
	if (!n)
		return 0;
	if (chunks_reserve(dst, n) != 0)
		return -ENOMEM;
	for (size_t c = 0; c < n; c++) {
		dst->svc_chunks[c] = src->svc_chunks[c];
		chunk_ref(chunk_of(src->svc_chunks[c]));
	}
	dst->n_services = src->n_services;
	return 0;
}

void snapshot_move_services(struct snapshot *dst, struct snapshot *src)
{
	snapshot_clear_services(dst);
	dst->svc_chunks = src->svc_chunks;
	dst->n_services = src->n_services;
	dst->cap_chunks = src->cap_chunks;
	src->svc_chunks = NULL;
	src->n_services = src->cap_chunks = 0;
}

int snapshot_remove_services(struct snapshot *s, const size_t *idx, size_t n)
{
	if (!n)
		return 0;
	/* The chunks from the first removed service on are built anew; the others are kept. */
	size_t c0 = idx[0] >> SNAPSHOT_CHUNK_SHIFT, old_n = n_chunks(s);
	struct snapshot t;
	memset(&t, 0, sizeof(t));
	if (chunks_reserve(&t, old_n) != 0)
		return -ENOMEM;
	memcpy(t.svc_chunks, s->svc_chunks, c0 * sizeof(*t.svc_chunks));
	for (size_t c = 0; c < c0; c++)
		chunk_ref(chunk_of(s->svc_chunks[c]));
	t.n_services = c0 * SNAPSHOT_CHUNK;
	size_t r = 0;
	for (size_t i = t.n_services; i < s->n_services; i++) {
		if (r < n && idx[r] == i) {
			while (r < n && idx[r] == i)
				r++;
			continue;
		}
		struct ipvs_service *p = snapshot_add_service(&t);
		if (!p) {
			snapshot_clear_services(&t);
			return -ENOMEM;
		}
		*p = *snapshot_service(s, i);
		ipvs_dests_ref(p->dests);
	}
	snapshot_move_services(s, &t);
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

struct ipvs_service *snapshot_add_service(struct snapshot *s)
{
	size_t c = s->n_services >> SNAPSHOT_CHUNK_SHIFT;
	struct svc_chunk *k;
	if ((s->n_services & (SNAPSHOT_CHUNK - 1)) == 0) {
		if (chunks_reserve(s, c + 1) != 0 || !(k = chunk_new()))
			return NULL;
		s->svc_chunks[c] = k->svc;
	} else {
		/* Another snapshot may hold this chunk: what it does not see is ours alone. */
		if (!snapshot_service_mut(s, s->n_services - 1))
			return NULL;
		k = chunk_of(s->svc_chunks[c]);
	}
	struct ipvs_service *p = &k->svc[k->n++];
	s->n_services++;
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
		if (service_same(snapshot_service(s, i), a))
			return snapshot_service(s, i);
	return NULL;
}

/* IPv4 dotted quad into p (room for 16 bytes); returns the end, not terminated. */
static char *v4_str(const struct ipvs_addr *a, char *p)
{
	for (int i = 0; i < 4; i++) {
		unsigned b = a->bytes[i];
		if (b >= 100)
			*p++ = (char)('0' + b / 100);
		if (b >= 10)
			*p++ = (char)('0' + b / 10 % 10);
		*p++ = (char)('0' + b % 10);
		if (i < 3)
			*p++ = '.';
	}
	return p;
}

const char *ipvs_addr_str(int af, const struct ipvs_addr *a, char *buf, size_t len)
{
	/* IPv4 by hand: inet_ntop() per row cost more than the rest of the row (bench/). */
	if (af != AF_INET6 && len >= INET_ADDRSTRLEN) {
		*v4_str(a, buf) = '\0';
		return buf;
	}
	if (!inet_ntop(af == AF_INET6 ? AF_INET6 : AF_INET, a->bytes, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

const char *ipvs_hostport_str(int af, const struct ipvs_addr *a, uint16_t port, char *buf,
			      size_t len)
{
	char addr[64];
	if (af != AF_INET6 && len >= sizeof("255.255.255.255:65535")) {
		/* IPv4 by hand: inet_ntop() and snprintf() per row cost more than the rest. */
		char *p = v4_str(a, buf);
		*p++ = ':';
		char d[5];
		int n = 0;
		do {
			d[n++] = (char)('0' + port % 10);
			port /= 10;
		} while (port);
		while (n)
			*p++ = d[--n];
		*p = '\0';
		return buf;
	}
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
