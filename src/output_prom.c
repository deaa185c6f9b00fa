/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The Prometheus text format of the table, its owners in the cluster and the node's health. */
/*
 * The format wants every sample of a metric family in one group, so the table is walked
 * once per family (a dozen walks of plain arrays): no per-scrape tree, no copy of the
 * table, nothing kept between scrapes. Bytes go through json_writer's buffer (jw_raw):
 * one fwrite() per 64 KiB. Label values are escaped as the format says (\\, \", \n) and
 * bytes that are not UTF-8 become U+FFFD, which Prometheus' parser would otherwise refuse
 * for the whole scrape (a Service or pod name, a scheduler, a host name can carry anything).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dataplane.h"
#include "dp_join.h"
#include "json_writer.h"
#include "kp_health.h"
#include "kube_join.h"
#include "kube_side.h"
#include "output_prom.h"

struct prom {
	struct jw w;
	const struct snapshot *s;
	const struct kube_view *kv;
	const struct kube_state *k; /* the cluster when it is on, else NULL */
	const struct kube_join *j;  /* kv's join when it is of s, else NULL */
	const struct dp_join *dpj;  /* kv's data-plane join when it is of s->dp, else NULL */
	struct dp_plane_drift ipvs_drift; /* the IPVS table's drift in the planes' terms */
	bool have_ipvs_drift;
	const char *node;
	size_t max;
	size_t n_rs;   /* real servers of the services whose destinations are known */
	size_t n_kept; /* of those, with series */
	size_t *base;  /* keep[base[i] + d]: real server d of service i has series; NULL: all */
	unsigned char *keep;
	bool labels;  /* a label of the current sample was written */
	bool partial; /* read from /proc: no counters */
	/*
	 * A virtual service's labels written once per family into cache (capture on) and
	 * copied for each of its real servers: formatting them again for each was half the
	 * time of a big table. Labels that do not fit (over) are written each time instead.
	 */
	bool capture, over;
	size_t cache_n;
	char cache[1024];
};

/* ---- bytes ---- */

/* Label text: to the document, or to the cache while capturing. */
static void out(struct prom *p, const void *b, size_t n)
{
	if (!p->capture) {
		jw_raw(&p->w, b, n);
	} else if (n > sizeof(p->cache) - p->cache_n) {
		p->over = true;
	} else {
		memcpy(p->cache + p->cache_n, b, n);
		p->cache_n += n;
	}
}

static void put_s(struct prom *p, const char *str)
{
	out(p, str, strlen(str));
}

/* The first len bytes of v as a label value's text (without the quotes). */
static void put_escaped(struct prom *p, const char *v, size_t len)
{
	const unsigned char *q = (const unsigned char *)v, *run = q, *end = q + len;
	while (q < end) {
		unsigned char c = *q;
		size_t bad = 0;
		if (c >= 0x80) {
			size_t n = jw_utf8_len(q, &bad);
			if (n && n <= (size_t)(end - q)) {
				q += n;
				continue;
			}
			if (!bad || bad > (size_t)(end - q))
				bad = (size_t)(end - q);
		} else if (c != '\\' && c != '"' && c != '\n') {
			q++;
			continue;
		}
		out(p, run, (size_t)(q - run));
		if (bad) {
			out(p, "\xef\xbf\xbd", 3); /* U+FFFD */
			q += bad;
		} else {
			char e[2] = {'\\', c == '\n' ? 'n' : (char)c};
			out(p, e, sizeof(e));
			q++;
		}
		run = q;
	}
	out(p, run, (size_t)(q - run));
}

/* "# HELP name help" and "# TYPE name type" (help is ours: no \\ or newline in it). */
static void family(struct prom *p, const char *name, const char *type, const char *help)
{
	put_s(p, "# HELP ");
	put_s(p, name);
	jw_raw(&p->w, " ", 1);
	put_s(p, help);
	put_s(p, "\n# TYPE ");
	put_s(p, name);
	jw_raw(&p->w, " ", 1);
	put_s(p, type);
	jw_raw(&p->w, "\n", 1);
}

static void sample(struct prom *p, const char *name)
{
	put_s(p, name);
	p->labels = false;
}

static void label_open(struct prom *p, const char *name)
{
	out(p, p->labels ? "," : "{", 1);
	put_s(p, name);
	out(p, "=\"", 2);
	p->labels = true;
}

static void label_n(struct prom *p, const char *name, const char *v, size_t len)
{
	label_open(p, name);
	put_escaped(p, v, len);
	out(p, "\"", 1);
}

static void label(struct prom *p, const char *name, const char *v)
{
	label_n(p, name, v ? v : "", v ? strlen(v) : 0);
}

static void label_u64(struct prom *p, const char *name, uint64_t v)
{
	label_open(p, name);
	if (p->capture) {
		char b[24];
		out(p, b, (size_t)snprintf(b, sizeof(b), "%" PRIu64, v));
	} else {
		jw_raw_u64(&p->w, v);
	}
	out(p, "\"", 1);
}

static void value_start(struct prom *p)
{
	if (p->labels)
		jw_raw(&p->w, "} ", 2);
	else
		jw_raw(&p->w, " ", 1);
}

static void end_u64(struct prom *p, uint64_t v)
{
	value_start(p);
	jw_raw_u64(&p->w, v);
	jw_raw(&p->w, "\n", 1);
}

static void end_i64(struct prom *p, int64_t v)
{
	value_start(p);
	if (v < 0)
		jw_raw(&p->w, "-", 1);
	jw_raw_u64(&p->w, v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v);
	jw_raw(&p->w, "\n", 1);
}

/*
 * A float to the millisecond, without printf below 9e15: LC_NUMERIC may be a locale whose
 * decimal separator is a comma, which no Prometheus parser reads.
 */
static void end_double(struct prom *p, double v)
{
	value_start(p);
	if (isnan(v)) {
		put_s(p, "NaN");
	} else if (isinf(v)) {
		put_s(p, v > 0 ? "+Inf" : "-Inf");
	} else if (fabs(v) >= 9e15) {
		char b[40];
		int n = snprintf(b, sizeof(b), "%.17g", v);
		for (int i = 0; i < n; i++)
			if (b[i] == ',') /* a locale's decimal comma */
				b[i] = '.';
		jw_raw(&p->w, b, n > 0 ? (size_t)n : 0);
	} else {
		/* to the millisecond, trailing zeros (and a bare point) left out */
		uint64_t ms = (uint64_t)floor(fabs(v) * 1000.0 + 0.5);
		char frac[5] = {'.', (char)('0' + ms % 1000 / 100), (char)('0' + ms % 100 / 10),
				(char)('0' + ms % 10), 0};
		size_t n = 4;
		while (n > 1 && frac[n - 1] == '0')
			n--;
		if (v < 0 && ms)
			jw_raw(&p->w, "-", 1);
		jw_raw_u64(&p->w, ms / 1000);
		if (n > 1)
			jw_raw(&p->w, frac, n);
	}
	jw_raw(&p->w, "\n", 1);
}

/* A sample without labels, or with one. */
static void gauge1(struct prom *p, const char *name, const char *lname, const char *lval,
		   uint64_t v)
{
	sample(p, name);
	if (lname)
		label(p, lname, lval);
	end_u64(p, v);
}

/* ---- the table's labels ---- */

static const struct kube_vs_owner *owner_of(const struct prom *p, size_t i)
{
	return p->j && p->j->owners[i].service >= 0 ? &p->j->owners[i] : NULL;
}

/* Virtual service i: its identity, scheduler, and its Service when one owns it. */
static void svc_labels(struct prom *p, size_t i)
{
	const struct ipvs_service *svc = snapshot_service(p->s, i);
	char a[64];
	if (svc->fwmark) {
		label_u64(p, "fwmark", svc->fwmark);
		label(p, "family", svc->af == AF_INET6 ? "ipv6" : "ipv4");
	} else {
		const char *proto = ipvs_proto_name(svc->protocol);
		if (proto)
			label(p, "protocol", proto);
		else
			label_u64(p, "protocol", svc->protocol);
		label(p, "address", ipvs_addr_str(svc->af, &svc->addr, a, sizeof(a)));
		label_u64(p, "port", svc->port);
	}
	label_n(p, "scheduler", svc->sched, strnlen(svc->sched, sizeof(svc->sched)));
	const struct kube_vs_owner *o = owner_of(p, i);
	if (o) {
		const struct kube_service *ks = &p->k->services[o->service];
		label(p, "namespace", ks->ns);
		label(p, "service", ks->name);
		label(p, "port_name", ks->ports[o->port].name);
	}
}

/* Virtual service i's labels into the cache; false when they do not fit. */
static bool cache_svc_labels(struct prom *p, size_t i)
{
	p->capture = true;
	p->over = false;
	p->cache_n = 0;
	p->labels = false;
	svc_labels(p, i);
	p->capture = false;
	return !p->over;
}

/* Real server d of virtual service i: the service's labels (cached: from the cache), its
 * own, its pod's. */
static void rs_labels(struct prom *p, size_t i, size_t d, bool cached)
{
	const struct ipvs_dest *e = &snapshot_service(p->s, i)->dests[d];
	char a[64];
	if (cached) {
		jw_raw(&p->w, p->cache, p->cache_n);
		p->labels = true;
	} else {
		svc_labels(p, i);
	}
	label(p, "real_server", ipvs_addr_str(e->af, &e->addr, a, sizeof(a)));
	label_u64(p, "real_server_port", e->port);
	label(p, "forward", ipvs_fwd_name(e->fwd));
	const struct kube_rs_ref *r = p->j ? kube_join_rs(p->j, i, d) : NULL;
	if (!r || r->slice < 0 || r->endpoint < 0)
		return;
	const struct kube_endpoint *ep = &p->k->slices[r->slice].endpoints[r->endpoint];
	if (ep->pod) {
		/* "namespace/name" as the targetRef gives it */
		const char *slash = strchr(ep->pod, '/');
		label(p, "pod", slash ? slash + 1 : ep->pod);
		if (slash)
			label_n(p, "pod_namespace", ep->pod, (size_t)(slash - ep->pod));
	}
	if (ep->node)
		label(p, "node", ep->node);
}

/* ---- the table's families ---- */

enum row_value {
	V_CONNS,
	V_INPKTS,
	V_OUTPKTS,
	V_INBYTES,
	V_OUTBYTES,
	V_ACTIVE,
	V_INACTIVE,
	V_WEIGHT,
	V_DESTS,
};

struct row_family {
	const char *suffix; /* after ipvstop_virtual_service_ or ipvstop_real_server_ */
	const char *type;
	const char *help;
	enum row_value v[2]; /* direction="in" and "out" when dir */
	bool dir;
	bool counter; /* the kernel's counters: not in /proc (a partial read) */
	bool dests;   /* needs the service's real servers read */
};

static uint64_t stat_value(const struct ipvs_stats *st, enum row_value v)
{
	switch (v) {
	case V_CONNS:
		return st->conns;
	case V_INPKTS:
		return st->inpkts;
	case V_OUTPKTS:
		return st->outpkts;
	case V_INBYTES:
		return st->inbytes;
	case V_OUTBYTES:
		return st->outbytes;
	default:
		return 0;
	}
}

static int64_t vs_value(const struct ipvs_service *svc, enum row_value v)
{
	uint64_t act, inact;
	switch (v) {
	case V_ACTIVE:
	case V_INACTIVE:
		service_conn_totals(svc, &act, &inact);
		return (int64_t)(v == V_ACTIVE ? act : inact);
	case V_DESTS:
		return (int64_t)svc->n_dests;
	default:
		return 0;
	}
}

static int64_t rs_value(const struct ipvs_dest *d, enum row_value v)
{
	switch (v) {
	case V_ACTIVE:
		return d->active_conns;
	case V_INACTIVE:
		return d->inactive_conns;
	case V_WEIGHT:
		return d->weight;
	default:
		return 0;
	}
}

static const struct row_family vs_families[] = {
	{"connections_total", "counter",
	 "Connections the virtual service scheduled since it was added (the kernel's counter).",
	 {V_CONNS, V_CONNS}, false, true, false},
	{"packets_total", "counter",
	 "Packets through the virtual service; direction in: towards its real servers, out: back.",
	 {V_INPKTS, V_OUTPKTS}, true, true, false},
	{"bytes_total", "counter",
	 "Bytes through the virtual service; direction in: towards its real servers, out: back.",
	 {V_INBYTES, V_OUTBYTES}, true, true, false},
	{"active_connections", "gauge",
	 "Active connections of the virtual service: the sum over its real servers.",
	 {V_ACTIVE, V_ACTIVE}, false, false, true},
	{"inactive_connections", "gauge",
	 "Inactive connections of the virtual service: the sum over its real servers.",
	 {V_INACTIVE, V_INACTIVE}, false, false, true},
	{"real_servers", "gauge", "Real servers of the virtual service, weight 0 included.",
	 {V_DESTS, V_DESTS}, false, false, true},
};

static const struct row_family rs_families[] = {
	{"connections_total", "counter",
	 "Connections scheduled to the real server since it was added (the kernel's counter).",
	 {V_CONNS, V_CONNS}, false, true, true},
	{"packets_total", "counter",
	 "Packets to (direction in) and from (out) the real server.", {V_INPKTS, V_OUTPKTS},
	 true, true, true},
	{"bytes_total", "counter", "Bytes to (direction in) and from (out) the real server.",
	 {V_INBYTES, V_OUTBYTES}, true, true, true},
	{"active_connections", "gauge", "Active connections of the real server (ActiveConn).",
	 {V_ACTIVE, V_ACTIVE}, false, false, true},
	{"inactive_connections", "gauge",
	 "Inactive connections of the real server (InActConn: closing, or UDP).",
	 {V_INACTIVE, V_INACTIVE}, false, false, true},
	{"weight", "gauge",
	 "The real server's weight; 0: no new connections (being drained, or quiesced).",
	 {V_WEIGHT, V_WEIGHT}, false, false, true},
};

static void vs_family(struct prom *p, const struct row_family *f)
{
	char name[96];
	snprintf(name, sizeof(name), "ipvstop_virtual_service_%s", f->suffix);
	family(p, name, f->type, f->help);
	for (size_t i = 0; i < p->s->n_services; i++) {
		const struct ipvs_service *svc = snapshot_service(p->s, i);
		if (f->dests && !svc->dests_known)
			continue;
		for (int k = 0; k < (f->dir ? 2 : 1); k++) {
			sample(p, name);
			svc_labels(p, i);
			if (f->dir)
				label(p, "direction", k ? "out" : "in");
			if (f->counter)
				end_u64(p, stat_value(&svc->stats, f->v[k]));
			else
				end_i64(p, vs_value(svc, f->v[k]));
		}
	}
}

static bool kept(const struct prom *p, size_t i, size_t d)
{
	return !p->keep || p->keep[p->base[i] + d];
}

static void rs_family(struct prom *p, const struct row_family *f)
{
	char name[96];
	snprintf(name, sizeof(name), "ipvstop_real_server_%s", f->suffix);
	family(p, name, f->type, f->help);
	for (size_t i = 0; i < p->s->n_services; i++) {
		const struct ipvs_service *svc = snapshot_service(p->s, i);
		if (!svc->dests_known || !svc->n_dests)
			continue;
		bool cached = cache_svc_labels(p, i);
		for (size_t d = 0; d < svc->n_dests; d++) {
			if (!kept(p, i, d))
				continue;
			for (int k = 0; k < (f->dir ? 2 : 1); k++) {
				sample(p, name);
				rs_labels(p, i, d, cached);
				if (f->dir)
					label(p, "direction", k ? "out" : "in");
				if (f->counter)
					end_u64(p, stat_value(&svc->dests[d].stats, f->v[k]));
				else
					end_i64(p, rs_value(&svc->dests[d], f->v[k]));
			}
		}
	}
}

static void write_table(struct prom *p)
{
	for (size_t i = 0; i < sizeof(vs_families) / sizeof(vs_families[0]); i++)
		if (!(p->partial && vs_families[i].counter))
			vs_family(p, &vs_families[i]);
	for (size_t i = 0; i < sizeof(rs_families) / sizeof(rs_families[0]); i++)
		if (!(p->partial && rs_families[i].counter))
			rs_family(p, &rs_families[i]);
}

/* ---- the bound on real-server series ---- */

struct rs_ref {
	uint32_t vs, dest;
};

/* The busiest first (active connections), then by address, port and virtual service. */
static int compare_rs(const void *a, const void *b, void *arg)
{
	const struct snapshot *s = arg;
	const struct rs_ref *x = a, *y = b;
	const struct ipvs_dest *dx = &snapshot_service(s, x->vs)->dests[x->dest];
	const struct ipvs_dest *dy = &snapshot_service(s, y->vs)->dests[y->dest];
	if (dx->active_conns != dy->active_conns)
		return dx->active_conns > dy->active_conns ? -1 : 1;
	if (dx->af != dy->af)
		return dx->af < dy->af ? -1 : 1;
	int c = memcmp(dx->addr.bytes, dy->addr.bytes, sizeof(dx->addr.bytes));
	if (c)
		return c;
	if (dx->port != dy->port)
		return dx->port < dy->port ? -1 : 1;
	struct ipvs_svc_key kx, ky;
	ipvs_svc_key_of(snapshot_service(s, x->vs), &kx);
	ipvs_svc_key_of(snapshot_service(s, y->vs), &ky);
	c = memcmp(&kx, &ky, sizeof(kx));
	return c ? c : (x->vs < y->vs ? -1 : x->vs > y->vs);
}

/* Counts the real servers; over the bound, marks the ones that keep their series. */
static int choose_real_servers(struct prom *p)
{
	const struct snapshot *s = p->s;
	p->n_rs = 0;
	for (size_t i = 0; i < s->n_services; i++)
		if (snapshot_service(s, i)->dests_known)
			p->n_rs += snapshot_service(s, i)->n_dests;
	p->n_kept = p->n_rs;
	if (!p->max || p->n_rs <= p->max)
		return 0;
	struct rs_ref *refs = malloc(p->n_rs * sizeof(*refs));
	p->base = malloc((s->n_services + 1) * sizeof(*p->base));
	p->keep = calloc(p->n_rs, 1);
	if (!refs || !p->base || !p->keep) {
		free(refs);
		return -ENOMEM;
	}
	size_t n = 0;
	for (size_t i = 0; i < s->n_services; i++) {
		const struct ipvs_service *svc = snapshot_service(s, i);
		p->base[i] = n;
		if (!svc->dests_known)
			continue;
		for (size_t d = 0; d < svc->n_dests; d++)
			refs[n++] = (struct rs_ref){(uint32_t)i, (uint32_t)d};
	}
	p->base[s->n_services] = n;
	qsort_r(refs, n, sizeof(*refs), compare_rs, (void *)s);
	for (size_t i = 0; i < p->max; i++)
		p->keep[p->base[refs[i].vs] + refs[i].dest] = 1;
	p->n_kept = p->max;
	free(refs);
	return 0;
}

/* ---- the node ---- */

static void write_node(struct prom *p)
{
	const struct snapshot *s = p->s;
	family(p, "ipvstop_node_info", "gauge",
	       "Always 1: the node this agent reads, its host name and ipvstop's version.");
	sample(p, "ipvstop_node_info");
	label(p, "node", p->node);
	label(p, "host", s->host);
	label(p, "version", PACKAGE_VERSION);
	end_u64(p, 1);
	family(p, "ipvstop_snapshot_timestamp_seconds", "gauge",
	       "When the table these metrics are of was read (Unix seconds).");
	sample(p, "ipvstop_snapshot_timestamp_seconds");
	end_double(p, s->time);
	family(p, "ipvstop_virtual_services", "gauge", "Virtual services in the IPVS table.");
	gauge1(p, "ipvstop_virtual_services", NULL, NULL, s->n_services);
	family(p, "ipvstop_real_servers", "gauge",
	       "Real servers in the IPVS table (of the virtual services whose real servers "
	       "were read).");
	gauge1(p, "ipvstop_real_servers", NULL, NULL, p->n_rs);
	family(p, "ipvstop_real_server_series_dropped", "gauge",
	       "Real servers left without series by the bound on real-server series.");
	gauge1(p, "ipvstop_real_server_series_dropped", NULL, NULL, p->n_rs - p->n_kept);
	if (!s->totals_known)
		return;
	/* /proc/net/ip_vs_stats: right even while a big table is read a part at a time. */
	static const struct {
		const char *name, *help;
		enum row_value v[2];
		bool dir;
	} totals[] = {
		{"ipvstop_connections_total", "Connections IPVS scheduled on this node.",
		 {V_CONNS, V_CONNS}, false},
		{"ipvstop_packets_total", "Packets IPVS forwarded on this node, by direction.",
		 {V_INPKTS, V_OUTPKTS}, true},
		{"ipvstop_bytes_total", "Bytes IPVS forwarded on this node, by direction.",
		 {V_INBYTES, V_OUTBYTES}, true},
	};
	for (size_t i = 0; i < sizeof(totals) / sizeof(totals[0]); i++) {
		family(p, totals[i].name, "counter", totals[i].help);
		for (int k = 0; k < (totals[i].dir ? 2 : 1); k++) {
			sample(p, totals[i].name);
			if (totals[i].dir)
				label(p, "direction", k ? "out" : "in");
			end_u64(p, stat_value(&s->totals, totals[i].v[k]));
		}
	}
}

/* Absent (ENOENT) is a reader that worked and found nothing: up. */
static uint64_t up(int err)
{
	return err == 0 || err == -ENOENT;
}

static void write_readers(struct prom *p)
{
	const struct snapshot *s = p->s;
	const struct dataplane *dp = s->dp;
	family(p, "ipvstop_reader_up", "gauge",
	       "1 when the reader's last read worked (a table that is absent counts as read), "
	       "0 when it failed; readers that did not run have no sample.");
	gauge1(p, "ipvstop_reader_up", "reader", "ipvs", s->ipvs_available);
	for (int k = DP_NFTABLES; dp && k < DP_N_PLANES; k++)
		if (dp->planes[k].read)
			gauge1(p, "ipvstop_reader_up", "reader", dp_plane_name((enum dp_plane_kind)k),
			       up(dp->planes[k].error));
	if (dp && dp->ipsets_read)
		gauge1(p, "ipvstop_reader_up", "reader", "ipsets", up(dp->ipsets_error));
	if (dp && dp->kube_ipvs0_read)
		gauge1(p, "ipvstop_reader_up", "reader", "kube-ipvs0", up(dp->kube_ipvs0_error));
	if (p->k)
		gauge1(p, "ipvstop_reader_up", "reader", "kube-api",
		       p->k->synced && !p->k->error);
	if (p->k && p->k->kp.asked)
		gauge1(p, "ipvstop_reader_up", "reader", "kube-proxy",
		       p->k->kp.read && !p->k->kp.error);
}

/* The other data planes' sizes, kube-proxy's ipsets and kube-ipvs0 against the Services. */
static void write_dataplane(struct prom *p)
{
	const struct dataplane *dp = p->s->dp;
	if (!dp)
		return;
	family(p, "ipvstop_dataplane_frontends", "gauge",
	       "Frontends (Service address, protocol and port) in kube-proxy's rules of a plane "
	       "other than IPVS, where its tables exist.");
	for (int k = DP_NFTABLES; k < DP_N_PLANES; k++)
		if (dp->planes[k].read && dp->planes[k].present)
			gauge1(p, "ipvstop_dataplane_frontends", "plane",
			       dp_plane_name((enum dp_plane_kind)k), dp->planes[k].n_frontends);
	if (dp->ipsets_read && !dp->ipsets_error) {
		family(p, "ipvstop_ipset_entries", "gauge", "Entries in kube-proxy's ipset.");
		for (size_t i = 0; i < dp->n_ipsets; i++)
			gauge1(p, "ipvstop_ipset_entries", "set", dp->ipsets[i].name,
			       dp->ipsets[i].entries);
		family(p, "ipvstop_ipset_max_entries", "gauge",
		       "The ipset's maxelem: at it, new Services get no rules (kubernetes#129389).");
		for (size_t i = 0; i < dp->n_ipsets; i++)
			if (dp->ipsets[i].maxelem)
				gauge1(p, "ipvstop_ipset_max_entries", "set", dp->ipsets[i].name,
				       dp->ipsets[i].maxelem);
	}
	if (p->dpj && p->dpj->kube_ipvs0_checked) {
		family(p, "ipvstop_kube_ipvs0_addresses_missing", "gauge",
		       "Service IPs kube-ipvs0 lacks (ipvs mode: traffic to them is not accepted).");
		gauge1(p, "ipvstop_kube_ipvs0_addresses_missing", NULL, NULL,
		       p->dpj->kube_ipvs0.n_missing);
		family(p, "ipvstop_kube_ipvs0_addresses_extra", "gauge",
		       "Addresses on kube-ipvs0 that are no Service's IP.");
		gauge1(p, "ipvstop_kube_ipvs0_addresses_extra", NULL, NULL,
		       p->dpj->kube_ipvs0.n_extra);
	}
}

/* kube-proxy's mode on this node: its own answer, else its pod's log here. */
static const char *running_mode(const struct prom *p)
{
	const struct kube_state *k = p->k;
	if (k->local_mode[0])
		return k->local_mode;
	for (size_t i = 0; p->kv->node_name && i < k->n_proxies; i++) {
		const struct kube_proxy_pod *pod = &k->proxies[i];
		if (pod->node && strcmp(pod->node, p->kv->node_name) == 0 && pod->log_mode[0] &&
		    strcmp(pod->log_mode, "?") != 0)
			return pod->log_mode;
	}
	return "";
}

static void write_kube_proxy(struct prom *p)
{
	family(p, "ipvstop_kube_proxy_mode_info", "gauge",
	       "Always 1: kube-proxy's mode as the cluster configures it (DaemonSet flag, else "
	       "ConfigMap) and as it runs on this node; \"\" when not known.");
	sample(p, "ipvstop_kube_proxy_mode_info");
	label(p, "configured", kube_configured_mode(p->k));
	label(p, "running", running_mode(p));
	end_u64(p, 1);

	struct kp_health h;
	if (!kp_health_of(p->k, p->s->time, &h))
		return;
	family(p, "ipvstop_kube_proxy_sync_hung", "gauge",
	       "1 when a queued kube-proxy sync waits past its threshold (max(60 s, 2 x the "
	       "sync period)), from kube-proxy's own metrics on this node.");
	gauge1(p, "ipvstop_kube_proxy_sync_hung", NULL, NULL, h.hung);
	if (h.have_last_sync) {
		family(p, "ipvstop_kube_proxy_last_sync_age_seconds", "gauge",
		       "Seconds between kube-proxy's last successful sync and the table's read.");
		sample(p, "ipvstop_kube_proxy_last_sync_age_seconds");
		end_double(p, h.last_sync_age);
	}
	if (h.have_failures) {
		family(p, "ipvstop_kube_proxy_sync_failures_total", "counter",
		       "kube-proxy's failed syncs (iptables-restore, nftables) since it started.");
		sample(p, "ipvstop_kube_proxy_sync_failures_total");
		end_double(p, h.failures);
	}
}

static void write_drift(struct prom *p)
{
	struct kube_drift_count kinds[KUBE_DRIFT_KINDS];
	kube_join_counts(p->j, kinds);
	family(p, "ipvstop_drift", "gauge",
	       "Where the IPVS table and the cluster disagree, by kind (the JSON's kube.drift "
	       "counts).");
	for (size_t i = 0; i < KUBE_DRIFT_KINDS; i++)
		gauge1(p, "ipvstop_drift", "kind", kinds[i].kind, kinds[i].n);
}

static void plane_drift(struct prom *p, const char *plane, const struct dp_plane_drift *pd)
{
	struct kube_drift_count kinds[DP_DRIFT_KINDS];
	dp_plane_drift_counts(pd, kinds);
	/* Every kind but the last, unchecked_frontends (dp_join.h). */
	for (size_t i = 0; i + 1 < DP_DRIFT_KINDS; i++) {
		sample(p, "ipvstop_dataplane_drift");
		label(p, "plane", plane);
		label(p, "kind", kinds[i].kind);
		end_u64(p, kinds[i].n);
	}
}

static void write_plane_drift(struct prom *p)
{
	if (!p->dpj)
		return;
	family(p, "ipvstop_dataplane_drift", "gauge",
	       "Where a data plane's rules and the cluster disagree, per plane and kind (the "
	       "JSON's dataplane.drift counts).");
	if (p->have_ipvs_drift)
		plane_drift(p, dp_plane_name(DP_IPVS), &p->ipvs_drift);
	for (int k = DP_NFTABLES; k < DP_N_PLANES; k++)
		if (p->dpj->planes[k].joined)
			plane_drift(p, dp_plane_name((enum dp_plane_kind)k), &p->dpj->planes[k]);
}

/* What kv says about s: its cluster, its joins when they are of s and s's data planes. */
static int setup(struct prom *p, const struct snapshot *s, const struct kube_view *kv,
		 const struct prom_opts *o)
{
	p->s = s;
	p->kv = kv;
	p->partial = s->source == IPVS_SOURCE_PROC;
	p->max = o ? o->max_real_server_series : 0;
	p->node = o && o->node ? o->node : s->host;
	if (kv && kv->k && kv->k->enabled) {
		p->k = kv->k;
		if (kv->j && kv->j->n_owners == s->n_services)
			p->j = kv->j;
		if (s->dp && kv->dpj && kv->dpj->dp == s->dp)
			p->dpj = kv->dpj;
	}
	if (p->dpj && p->j) {
		int err = dp_join_ipvs_drift(s, p->k, p->j, p->dpj->running, &p->ipvs_drift);
		if (err)
			return err;
		p->have_ipvs_drift = true;
	}
	return choose_real_servers(p);
}

int output_prom(FILE *f, const struct snapshot *s, const struct kube_view *kv,
		const struct prom_opts *o)
{
	/* 64 KiB of buffer: not on the stack of an HTTP server's thread. */
	struct prom *p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	jw_init(&p->w, f);
	int err = setup(p, s, kv, o);
	if (!err) {
		write_node(p);
		write_readers(p);
		write_dataplane(p);
		if (p->k) {
			write_kube_proxy(p);
			if (p->j)
				write_drift(p);
			write_plane_drift(p);
		}
		write_table(p);
		err = jw_finish(&p->w);
	}
	dp_plane_drift_free(&p->ipvs_drift);
	free(p->base);
	free(p->keep);
	free(p);
	return err;
}
