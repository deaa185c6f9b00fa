/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Schema 1 JSON -> snapshot, the inverse of output_json.c, for replaying recordings. */
#include "config.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "json_read.h"

/* 9999-12-31T23:59:59Z: the last second a recording's time may name. */
#define JSON_READ_TIME_MAX 253402300799.0

static cJSON *get(const cJSON *o, const char *key)
{
	return cJSON_GetObjectItemCaseSensitive(o, key);
}

/*
 * A JSON number as a counter. cJSON holds numbers as doubles: exact up to 2^53, clamped
 * where a cast would overflow (converting a double outside the target's range is undefined
 * behaviour, and a recording is anyone's file); not a number, negative: 0.
 */
static uint64_t to_u64(const cJSON *x)
{
	if (!cJSON_IsNumber(x) || !(x->valuedouble >= 0))
		return 0;
	if (x->valuedouble >= 18446744073709551615.0)
		return UINT64_MAX;
	return (uint64_t)x->valuedouble;
}

static uint64_t num(const cJSON *o, const char *key)
{
	return to_u64(get(o, key));
}

/* A JSON number as an int32_t, clamped like to_u64. */
static int32_t to_i32(const cJSON *x)
{
	if (!cJSON_IsNumber(x) || x->valuedouble != x->valuedouble)
		return 0;
	if (x->valuedouble >= 2147483647.0)
		return INT32_MAX;
	if (x->valuedouble <= -2147483648.0)
		return INT32_MIN;
	return (int32_t)x->valuedouble;
}

static void str(const cJSON *o, const char *key, char *buf, size_t len)
{
	const cJSON *x = get(o, key);
	snprintf(buf, len, "%s", cJSON_IsString(x) ? x->valuestring : "");
}

static int af_of(const cJSON *o)
{
	const cJSON *x = get(o, "af");
	return cJSON_IsString(x) && strcmp(x->valuestring, "inet6") == 0 ? AF_INET6 : AF_INET;
}

static void addr(const cJSON *o, const char *key, int af, struct ipvs_addr *a)
{
	const cJSON *x = get(o, key);
	memset(a, 0, sizeof(*a));
	if (cJSON_IsString(x) && inet_pton(af, x->valuestring, a->bytes) != 1)
		memset(a, 0, sizeof(*a));
}

static void stats(const cJSON *o, struct ipvs_stats *st)
{
	const cJSON *c = get(o, "stats"), *r = get(o, "rates");
	st->conns = num(c, "conns");
	st->inpkts = num(c, "inpkts");
	st->outpkts = num(c, "outpkts");
	st->inbytes = num(c, "inbytes");
	st->outbytes = num(c, "outbytes");
	st->cps = ipvs_rate32(num(r, "cps"));
	st->inpps = ipvs_rate32(num(r, "inpps"));
	st->outpps = ipvs_rate32(num(r, "outpps"));
	st->inbps = num(r, "inbps");
	st->outbps = num(r, "outbps");
}

static uint16_t proto_of(const cJSON *o)
{
	const cJSON *x = get(o, "protocol");
	if (!cJSON_IsString(x))
		return 0;
	if (strcmp(x->valuestring, "tcp") == 0)
		return IPPROTO_TCP;
	if (strcmp(x->valuestring, "udp") == 0)
		return IPPROTO_UDP;
	if (strcmp(x->valuestring, "sctp") == 0)
		return IPPROTO_SCTP;
	return 0;
}

static uint32_t fwd_of(const cJSON *o)
{
	char f[16];
	str(o, "forward", f, sizeof(f));
	for (uint32_t i = 0; i <= IPVS_FWD_BYPASS; i++)
		if (strcmp(f, ipvs_fwd_name(i)) == 0)
			return i;
	return IPVS_FWD_MASQ;
}

static uint32_t flags_of(const cJSON *o)
{
	static const struct {
		const char *name;
		uint32_t bit;
	} names[] = {
		{"persistent", IPVS_SVC_PERSISTENT}, {"hashed", IPVS_SVC_HASHED},
		{"one-packet", IPVS_SVC_ONEPACKET},  {"sh-fallback", IPVS_SVC_SCHED1},
		{"sh-port", IPVS_SVC_SCHED2},        {"sched-flag-3", IPVS_SVC_SCHED3},
	};
	uint32_t flags = 0;
	const cJSON *x;
	cJSON_ArrayForEach(x, get(o, "flags"))
	{
		for (size_t i = 0; cJSON_IsString(x) && i < sizeof(names) / sizeof(names[0]); i++)
			if (strcmp(x->valuestring, names[i].name) == 0)
				flags |= names[i].bit;
	}
	return flags;
}

static int read_dest(const cJSON *o, struct ipvs_service *svc)
{
	struct ipvs_dest *d = service_add_dest(svc);
	if (!d)
		return -ENOMEM;
	d->af = af_of(o);
	addr(o, "address", d->af, &d->addr);
	d->port = (uint16_t)num(o, "port");
	d->fwd = fwd_of(o);
	d->weight = to_i32(get(o, "weight"));
	d->u_thresh = (uint32_t)num(o, "upper_threshold");
	d->l_thresh = (uint32_t)num(o, "lower_threshold");
	d->active_conns = (uint32_t)num(o, "active_conns");
	d->inactive_conns = (uint32_t)num(o, "inactive_conns");
	d->persist_conns = (uint32_t)num(o, "persistent_conns");
	char t[16];
	str(o, "tun_type", t, sizeof(t));
	d->tun_type = strcmp(t, "gue") == 0 ? 1 : strcmp(t, "gre") == 0 ? 2 : 0;
	d->tun_port = (uint16_t)num(o, "tun_port");
	d->tun_flags = (uint16_t)num(o, "tun_flags");
	stats(o, &d->stats);
	return 0;
}

static int read_service(const cJSON *o, struct snapshot *s)
{
	struct ipvs_service *svc = snapshot_add_service(s);
	if (!svc)
		return -ENOMEM;
	svc->af = af_of(o);
	svc->protocol = proto_of(o);
	addr(o, "address", svc->af, &svc->addr);
	svc->port = (uint16_t)num(o, "port");
	svc->fwmark = (uint32_t)num(o, "fwmark");
	str(o, "scheduler", svc->sched, sizeof(svc->sched));
	svc->flags = flags_of(o);
	svc->timeout = (uint32_t)num(o, "timeout");
	uint32_t prefix = (uint32_t)num(o, "netmask_prefix");
	if (svc->af == AF_INET6)
		svc->netmask = prefix;
	else
		svc->netmask = prefix ? htonl(prefix >= 32 ? 0xffffffffu : ~(0xffffffffu >> prefix))
				      : 0;
	str(o, "pe", svc->pe, sizeof(svc->pe));
	stats(o, &svc->stats);
	svc->dests_known = !cJSON_IsFalse(get(o, "destinations_known"));
	const cJSON *d;
	cJSON_ArrayForEach(d, get(o, "destinations"))
	{
		if (read_dest(d, svc) != 0)
			return -ENOMEM;
	}
	return 0;
}

static int read_counts(const cJSON *o, struct ipvs_conn_count **out, size_t *n)
{
	int size = cJSON_GetArraySize(o);
	if (size <= 0)
		return 0;
	*out = calloc((size_t)size, sizeof(**out));
	if (!*out)
		return -ENOMEM;
	const cJSON *x;
	cJSON_ArrayForEach(x, o)
	{
		if (!x->string || !cJSON_IsNumber(x))
			continue;
		snprintf((*out)[*n].key, sizeof((*out)[*n].key), "%s", x->string);
		(*out)[(*n)++].count = to_u64(x);
	}
	return 0;
}

static int read_conns(const cJSON *o, struct snapshot *s)
{
	struct ipvs_conn_table *t = &s->conns;
	const cJSON *entries = get(o, "entries"), *e;
	int n = cJSON_GetArraySize(entries);
	s->have_conns = true;
	t->total = num(o, "total");
	t->truncated = cJSON_IsTrue(get(o, "truncated"));
	if (n > 0) {
		t->conns = calloc((size_t)n, sizeof(*t->conns));
		if (!t->conns)
			return -ENOMEM;
	}
	cJSON_ArrayForEach(e, entries)
	{
		struct ipvs_conn *c = &t->conns[t->n_conns++];
		str(e, "protocol", c->protocol, sizeof(c->protocol));
		const cJSON *client = get(e, "client"), *dest = get(e, "destination");
		c->af = cJSON_IsString(client) && strchr(client->valuestring, ':') ? AF_INET6
										   : AF_INET;
		c->dest_af = cJSON_IsString(dest) && strchr(dest->valuestring, ':') ? AF_INET6
										    : AF_INET;
		addr(e, "client", c->af, &c->client);
		addr(e, "virtual", c->af, &c->virt);
		addr(e, "destination", c->dest_af, &c->dest);
		c->client_port = (uint16_t)num(e, "client_port");
		c->virt_port = (uint16_t)num(e, "virtual_port");
		c->dest_port = (uint16_t)num(e, "destination_port");
		str(e, "state", c->state, sizeof(c->state));
		c->expires = (uint32_t)num(e, "expires");
	}
	if (read_counts(get(o, "by_service"), &t->by_service, &t->n_by_service) ||
	    read_counts(get(o, "by_destination"), &t->by_dest, &t->n_by_dest) ||
	    read_counts(get(o, "by_state"), &t->by_state, &t->n_by_state))
		return -ENOMEM;
	return 0;
}

static int read_modules(const cJSON *o, struct snapshot *s)
{
	int n = cJSON_GetArraySize(o);
	if (n <= 0)
		return 0;
	s->modules = calloc((size_t)n, sizeof(*s->modules));
	if (!s->modules)
		return -ENOMEM;
	const cJSON *m;
	cJSON_ArrayForEach(m, o)
	{
		struct module_info *mi = &s->modules[s->n_modules++];
		char st[16];
		str(m, "name", mi->name, sizeof(mi->name));
		str(m, "state", st, sizeof(st));
		mi->state = strcmp(st, "loaded") == 0	   ? MODULE_LOADED
			    : strcmp(st, "builtin") == 0   ? MODULE_BUILTIN
			    : strcmp(st, "available") == 0 ? MODULE_AVAILABLE
							   : MODULE_MISSING;
	}
	return 0;
}

static int read_ipvs(const cJSON *ipvs, struct snapshot *s)
{
	char ver[32], src[16];
	unsigned a = 0, b = 0, c = 0;
	s->ipvs_available = cJSON_IsTrue(get(ipvs, "available"));
	str(ipvs, "error", s->ipvs_error, sizeof(s->ipvs_error));
	str(ipvs, "source", src, sizeof(src));
	s->source = strcmp(src, "netlink") == 0 ? IPVS_SOURCE_NETLINK
		    : strcmp(src, "proc") == 0  ? IPVS_SOURCE_PROC
						: IPVS_SOURCE_NONE;
	str(ipvs, "version", ver, sizeof(ver));
	if (sscanf(ver, "%u.%u.%u", &a, &b, &c) == 3)
		s->version = (a << 16) | ((b & 0xff) << 8) | (c & 0xff);
	s->conn_tab_size = (uint32_t)num(ipvs, "conn_tab_size");
	const cJSON *t = get(ipvs, "timeouts");
	if (cJSON_IsObject(t)) {
		s->timeouts_known = true;
		s->timeout_tcp = (uint32_t)num(t, "tcp");
		s->timeout_tcp_fin = (uint32_t)num(t, "tcp_fin");
		s->timeout_udp = (uint32_t)num(t, "udp");
	}
	const cJSON *d;
	cJSON_ArrayForEach(d, get(ipvs, "daemons"))
	{
		if (s->n_daemons >= 2)
			break;
		struct ipvs_daemon *dm = &s->daemons[s->n_daemons++];
		str(d, "state", dm->state, sizeof(dm->state));
		str(d, "mcast_ifn", dm->mcast_ifn, sizeof(dm->mcast_ifn));
		dm->syncid = (uint32_t)num(d, "syncid");
		dm->sync_maxlen = (uint32_t)num(d, "sync_maxlen");
		dm->mcast_port = (uint16_t)num(d, "mcast_port");
		dm->mcast_ttl = (uint8_t)num(d, "mcast_ttl");
	}
	const cJSON *svc;
	cJSON_ArrayForEach(svc, get(ipvs, "services"))
	{
		if (read_service(svc, s) != 0)
			return -ENOMEM;
	}
	return 0;
}

int json_read_snapshot(const char *text, struct snapshot *s)
{
	memset(s, 0, sizeof(*s));
	cJSON *j = cJSON_Parse(text);
	if (!j)
		return -EINVAL;
	int err = -EINVAL;
	const cJSON *schema = get(j, "schema"), *ipvs = get(j, "ipvs");
	if (!cJSON_IsNumber(schema) || schema->valueint != 1 || !cJSON_IsObject(ipvs))
		goto out;
	/*
	 * The wall clock of the record: views turn it into a time_t and a calendar date, so a
	 * time no clock shows (before 1970, after 9999) makes the line invalid rather than
	 * reaching a conversion that would overflow.
	 */
	const cJSON *t = get(j, "time");
	s->time = cJSON_IsNumber(t) ? t->valuedouble : 0;
	if (!(s->time >= 0 && s->time <= JSON_READ_TIME_MAX))
		goto out;
	/* Recordings have no monotonic clock: their wall clock stands in for rates. */
	s->mono = s->time;
	str(j, "host", s->host, sizeof(s->host));
	err = read_ipvs(ipvs, s);
	if (!err && cJSON_IsObject(get(j, "connections")))
		err = read_conns(get(j, "connections"), s);
	if (!err)
		err = read_modules(get(j, "modules"), s);
out:
	cJSON_Delete(j);
	return err;
}

int json_read_next(FILE *f, struct snapshot *s, bool *end)
{
	char *line = NULL;
	size_t cap = 0;
	int rc = 0;
	*end = true;
	while (getline(&line, &cap, f) > 0) {
		rc = json_read_snapshot(line, s);
		if (rc == 0) {
			*end = false;
			break;
		}
		snapshot_free(s);
		if (rc == -ENOMEM)
			break;
		rc = 0;
	}
	free(line);
	return rc;
}
