/* SPDX-License-Identifier: GPL-2.0-or-later */
/* libnftables JSON of kube-proxy's nftables table -> dataplane frontends and endpoints; no I/O. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cjson/cJSON.h>

#include "array.h"
#include "dp_nft.h"

/* Far above the listing of 100,000 endpoints (about 60 MB): a bound, not a limit in use. */
#define DP_NFT_MAX_JSON ((size_t)1 << 30)
/* external- -> service-/local- -> endpoint-: kube-proxy's longest path is three chains. */
#define DP_NFT_MAX_DEPTH 3
/* Endpoints of one frontend searched for a repeat before one is appended. */
#define DP_NFT_MERGE_MAX 1024

enum ch_kind {
	CH_UNKNOWN = 0, /* a name this reader does not know */
	CH_PLUMBING,	/* kube-proxy's fixed chains: dispatch, checks, masquerading */
	CH_SERVICE,	/* service-HASH-ns/name/proto/port: cluster traffic policy */
	CH_LOCAL,	/* local-...: local traffic policy */
	CH_EXTERNAL,	/* external-...: NodePort, external and load-balancer IPs */
	CH_FIREWALL,	/* firewall-...: loadBalancerSourceRanges */
	CH_ENDPOINT,	/* endpoint-...__IP/PORT: ends in dnat */
};

/* One chain and what its rules say; every pointer is borrowed from the cJSON tree. */
struct nft_chain {
	const char *name;
	enum ch_kind kind;
	const cJSON *slots; /* the numgen vmap's [slot, verdict] pairs */
	double mod;
	const char *single; /* a lone "goto endpoint-..." instead of a numgen vmap */
	const char *policy; /* external-: the final plain goto */
	bool affinity;
	bool dnat;
	struct ipvs_addr ep_addr;
	uint16_t ep_port;
	const char *note;      /* the first rule not understood: what */
	const char *note_expr; /* and the expression's name, "" if none */
};

/* A frontend's key: NodePorts have no address. */
struct fe_key {
	bool node_port;
	uint16_t protocol, port;
	struct ipvs_addr addr;
	size_t i; /* index in dp->fe */
};

enum nft_map {
	MAP_SERVICE_IPS = 0,
	MAP_SERVICE_NODEPORTS,
	MAP_NOEP_SERVICES,
	MAP_NOEP_NODEPORTS,
	MAP_FIREWALL_IPS,
	N_MAPS
};
static const char *const map_names[N_MAPS] = {"service-ips", "service-nodeports",
					      "no-endpoint-services", "no-endpoint-nodeports",
					      "firewall-ips"};

static const char *const plumbing_chains[] = {"filter-prerouting",
					      "filter-input",
					      "filter-forward",
					      "filter-output",
					      "filter-output-post-dnat",
					      "nat-prerouting",
					      "nat-output",
					      "nat-postrouting",
					      "services",
					      "masquerading",
					      "mark-for-masquerade",
					      "reject-chain",
					      "service-endpoints-check",
					      "nodeport-endpoints-check",
					      "endpoints-check",
					      "firewall-check",
					      "cluster-ips-check",
					      NULL};
static const char *const known_sets[] = {"cluster-ips", "nodeport-ips", NULL};

/* One table's listing while it is read. */
struct nft_doc {
	int af;
	const char *family; /* "ip" or "ip6" */
	struct nft_chain *ch;
	size_t n_ch;
	const cJSON *maps[N_MAPS]; /* their "elem" arrays */
	const cJSON *cluster_ips;  /* the set's "elem" array */
	struct ipvs_addr *cips;	   /* cluster-ips, sorted */
	size_t n_cips;
	struct fe_key *fw; /* firewall-ips keys, sorted */
	size_t n_fw;
	struct fe_key *idx; /* this call's frontends, sorted */
	size_t n_idx;
	size_t n_rules, n_unrec;
	bool present;
};

/* ---- small helpers over the cJSON tree ---- */

static const char *obj_str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* An expression is {"name": {...}}: its name, or NULL. */
static const char *expr_name(const cJSON *e)
{
	return e && cJSON_IsObject(e) && e->child ? e->child->string : NULL;
}

static const cJSON *expr_body(const cJSON *e, const char *name)
{
	const cJSON *b = e && cJSON_IsObject(e) ? e->child : NULL;
	return b && b->string && strcmp(b->string, name) == 0 ? b : NULL;
}

/* The target of {"goto": {"target": T}} (verb "goto") or {"jump": ...}. */
static const char *verdict_target(const cJSON *e, const char *verb)
{
	const cJSON *b = expr_body(e, verb);
	return b ? obj_str(b, "target") : NULL;
}

static bool has_prefix(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

static bool in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(s, *list) == 0)
			return true;
	return false;
}

/* A port, protocol or slot number: an integer in [0, max]. */
static bool json_uint(const cJSON *v, double max, unsigned *out)
{
	if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > max ||
	    v->valuedouble != (double)(unsigned)v->valuedouble)
		return false;
	*out = (unsigned)v->valuedouble;
	return true;
}

static bool parse_proto(const cJSON *v, uint16_t *out)
{
	unsigned n;
	if (cJSON_IsString(v)) {
		if (strcmp(v->valuestring, "tcp") == 0)
			*out = IPPROTO_TCP;
		else if (strcmp(v->valuestring, "udp") == 0)
			*out = IPPROTO_UDP;
		else if (strcmp(v->valuestring, "sctp") == 0)
			*out = IPPROTO_SCTP;
		else
			return false;
		return true;
	}
	if (!json_uint(v, 255, &n))
		return false;
	*out = (uint16_t)n;
	return true;
}

static bool parse_addr(const cJSON *v, int af, struct ipvs_addr *out)
{
	memset(out, 0, sizeof(*out));
	return cJSON_IsString(v) && inet_pton(af, v->valuestring, out->bytes) == 1;
}

static char *dup_n(const char *s, size_t n)
{
	char *p = malloc(n + 1);
	if (p) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

/* ---- chains ---- */

static enum ch_kind chain_kind(const char *name)
{
	static const struct {
		const char *prefix;
		enum ch_kind kind;
	} pre[] = {{"service-", CH_SERVICE},
		   {"local-", CH_LOCAL},
		   {"external-", CH_EXTERNAL},
		   {"firewall-", CH_FIREWALL},
		   {"endpoint-", CH_ENDPOINT}};
	/* kube-proxy's per-Service chains, and only those, have a '/' in their names */
	if (strchr(name, '/')) {
		for (size_t i = 0; i < sizeof(pre) / sizeof(pre[0]); i++)
			if (has_prefix(name, pre[i].prefix))
				return pre[i].kind;
		return CH_UNKNOWN;
	}
	return in_list(name, plumbing_chains) ? CH_PLUMBING : CH_UNKNOWN;
}

static int chain_cmp(const void *a, const void *b)
{
	return strcmp(((const struct nft_chain *)a)->name, ((const struct nft_chain *)b)->name);
}

static struct nft_chain *chain_find(const struct nft_doc *d, const char *name)
{
	struct nft_chain k = {.name = name};
	return d->n_ch ? bsearch(&k, d->ch, d->n_ch, sizeof(k), chain_cmp) : NULL;
}

/* The rule is matches, then the verdict in its last expression. */
static bool only_matches_before_last(const cJSON *expr)
{
	for (const cJSON *e = expr->child; e && e->next; e = e->next)
		if (!expr_body(e, "match"))
			return false;
	return true;
}

static const cJSON *last_expr(const cJSON *expr)
{
	const cJSON *e = expr->child;
	while (e && e->next)
		e = e->next;
	return e;
}

/* "numgen random mod N vmap { 0 : goto X, ... }" */
static bool read_numgen_vmap(struct nft_chain *c, const cJSON *e)
{
	const cJSON *vm = expr_body(e, "vmap");
	const cJSON *key = vm ? cJSON_GetObjectItemCaseSensitive(vm, "key") : NULL;
	const cJSON *ng = expr_body(key, "numgen");
	const cJSON *data = vm ? cJSON_GetObjectItemCaseSensitive(vm, "data") : NULL;
	const cJSON *set = expr_body(data, "set");
	const char *mode = ng ? obj_str(ng, "mode") : NULL;
	const cJSON *off = ng ? cJSON_GetObjectItemCaseSensitive(ng, "offset") : NULL;
	unsigned mod;
	if (!mode || strcmp(mode, "random") != 0 || !cJSON_IsArray(set) || c->slots ||
	    !json_uint(cJSON_GetObjectItemCaseSensitive(ng, "mod"), 1e9, &mod) || mod == 0 ||
	    (off && !(cJSON_IsNumber(off) && off->valuedouble == 0)))
		return false;
	c->slots = set;
	c->mod = mod;
	return true;
}

/* "meta l4proto tcp dnat to IP:PORT" */
static bool read_dnat(struct nft_chain *c, const cJSON *e, int af)
{
	const cJSON *dn = expr_body(e, "dnat");
	unsigned port;
	if (!dn || c->dnat ||
	    !parse_addr(cJSON_GetObjectItemCaseSensitive(dn, "addr"), af, &c->ep_addr) ||
	    !json_uint(cJSON_GetObjectItemCaseSensitive(dn, "port"), 65535, &port))
		return false;
	c->ep_port = (uint16_t)port;
	c->dnat = true;
	return true;
}

/* "ip saddr @affinity-X goto endpoint-X" */
static bool is_affinity_check(const cJSON *expr)
{
	const cJSON *m = expr_body(expr->child, "match");
	const char *set = m ? obj_str(m, "right") : NULL;
	const char *to = expr->child ? verdict_target(expr->child->next, "goto") : NULL;
	return set && to && has_prefix(set, "@affinity-") && has_prefix(to, "endpoint-") &&
	       !expr->child->next->next;
}

/* Reads one rule of chain c; returns NULL when understood, else what was not. */
static const char *rule_shape(struct nft_chain *c, const cJSON *expr, int af)
{
	int n = cJSON_GetArraySize(expr);
	const cJSON *last = last_expr(expr);
	const char *to;
	if (n == 0)
		return "an empty rule";
	switch (c->kind) {
	case CH_PLUMBING:
		return NULL; /* dispatch and checks: counted, they name no frontend */
	case CH_FIREWALL:
		return expr_body(last, "drop") && only_matches_before_last(expr)
			   ? NULL
			   : "a firewall rule not ending in drop";
	case CH_ENDPOINT:
		if (only_matches_before_last(expr) &&
		    ((to = verdict_target(last, "jump")) && strcmp(to, "mark-for-masquerade") == 0))
			return NULL;
		if (n == 1 && expr_body(last, "set"))
			return NULL; /* update @affinity-... { ip saddr } */
		if (only_matches_before_last(expr) && read_dnat(c, last, af))
			return NULL;
		return "an endpoint rule not understood";
	case CH_SERVICE:
	case CH_LOCAL:
		if (only_matches_before_last(expr) &&
		    ((to = verdict_target(last, "jump")) && strcmp(to, "mark-for-masquerade") == 0))
			return NULL;
		if (n == 2 && is_affinity_check(expr)) {
			c->affinity = true;
			return NULL;
		}
		if (n == 1 && (to = verdict_target(last, "goto")) && has_prefix(to, "endpoint-") &&
		    !c->single) {
			c->single = to;
			return NULL;
		}
		if (n == 1 && read_numgen_vmap(c, last))
			return NULL;
		return "a load-balancing rule not understood";
	case CH_EXTERNAL:
		if (!only_matches_before_last(expr))
			return "an external rule not understood";
		if ((to = verdict_target(last, "jump")) && strcmp(to, "mark-for-masquerade") == 0)
			return NULL;
		if ((to = verdict_target(last, "goto")) && n > 1)
			return NULL; /* short-circuit of pod or local traffic */
		if (to && n == 1 && !c->policy) {
			c->policy = to;
			return NULL;
		}
		return "an external rule not understood";
	case CH_UNKNOWN:
	default:
		return "a rule in a chain this reader does not know";
	}
}

/* The name of the first expression of expr that is not a match, for the note. */
static const char *note_expr(const cJSON *expr)
{
	for (const cJSON *e = expr->child; e; e = e->next) {
		const char *n = expr_name(e);
		if (!n)
			return "";
		if (strcmp(n, "match") != 0)
			return n;
	}
	return "";
}

static int read_rule(struct nft_doc *d, const cJSON *rule)
{
	const char *chain = obj_str(rule, "chain");
	const cJSON *expr = cJSON_GetObjectItemCaseSensitive(rule, "expr");
	struct nft_chain *c;
	const char *why;
	if (!chain || !cJSON_IsArray(expr))
		return -EINVAL;
	d->n_rules++;
	c = chain_find(d, chain);
	if (!c) {
		d->n_unrec++; /* a rule of a chain the listing does not have */
		return 0;
	}
	why = rule_shape(c, expr, d->af);
	if (why) {
		d->n_unrec++;
		if (!c->note) {
			c->note = why;
			c->note_expr = note_expr(expr);
		}
	}
	return 0;
}

/* ---- the listing's objects ---- */

/* Whether obj (a chain, set, map or rule) is of the table being read. */
static bool of_table(const struct nft_doc *d, const cJSON *obj)
{
	const char *t = obj_str(obj, "table"), *f = obj_str(obj, "family");
	return t && f && d->family && strcmp(t, "kube-proxy") == 0 && strcmp(f, d->family) == 0;
}

static int read_set_or_map(struct nft_doc *d, const cJSON *obj, bool is_map)
{
	const char *name = obj_str(obj, "name");
	const cJSON *elem = cJSON_GetObjectItemCaseSensitive(obj, "elem");
	if (!name || (elem && !cJSON_IsArray(elem)))
		return -EINVAL;
	if (is_map) {
		for (int i = 0; i < N_MAPS; i++)
			if (strcmp(name, map_names[i]) == 0) {
				d->maps[i] = elem;
				return 0;
			}
	} else if (strcmp(name, "cluster-ips") == 0) {
		d->cluster_ips = elem;
		return 0;
	} else if (in_list(name, known_sets) || has_prefix(name, "affinity-")) {
		return 0;
	}
	d->n_unrec++; /* a set or map of a newer kube-proxy */
	return 0;
}

/* First pass: the table, its chains, sets and maps. */
static int read_objects(struct nft_doc *d, const cJSON *list)
{
	size_t n = 0, cap = 0;
	const cJSON *it;
	int err;
	cJSON_ArrayForEach(it, list)
	{
		const char *kind = expr_name(it);
		const cJSON *obj = it->child;
		if (!kind || !cJSON_IsObject(obj))
			return -EINVAL;
		if (strcmp(kind, "table") == 0) {
			const char *name = obj_str(obj, "name"), *fam = obj_str(obj, "family");
			if (!name || !fam)
				return -EINVAL;
			if (strcmp(name, "kube-proxy") != 0 || d->family)
				continue;
			if (strcmp(fam, "ip") != 0 && strcmp(fam, "ip6") != 0)
				continue;
			d->family = fam;
			d->af = strcmp(fam, "ip6") == 0 ? AF_INET6 : AF_INET;
			d->present = true;
		} else if (strcmp(kind, "chain") == 0) {
			const char *name = obj_str(obj, "name");
			if (!name)
				return -EINVAL;
			if (!of_table(d, obj))
				continue;
			if (array_reserve(&d->ch, n, &cap, sizeof(*d->ch), 256))
				return -ENOMEM;
			d->ch[n] = (struct nft_chain){.name = name, .kind = chain_kind(name)};
			n++;
			d->n_ch = n;
		} else if (strcmp(kind, "set") == 0 || strcmp(kind, "map") == 0) {
			if (of_table(d, obj) && (err = read_set_or_map(d, obj, kind[0] == 'm')))
				return err;
		}
	}
	if (d->n_ch)
		qsort(d->ch, d->n_ch, sizeof(*d->ch), chain_cmp);
	return 0;
}

/* Second pass: the rules, once every chain is known. */
static int read_rules(struct nft_doc *d, const cJSON *list)
{
	const cJSON *it;
	int err;
	cJSON_ArrayForEach(it, list)
	{
		const char *kind = expr_name(it);
		if (kind && strcmp(kind, "rule") == 0 && of_table(d, it->child) &&
		    (err = read_rule(d, it->child)))
			return err;
	}
	return 0;
}

/* ---- keys of frontends, cluster IPs and firewall entries ---- */

static int key_cmp(const void *a, const void *b)
{
	const struct fe_key *x = a, *y = b;
	if (x->node_port != y->node_port)
		return x->node_port ? 1 : -1;
	if (x->protocol != y->protocol)
		return x->protocol < y->protocol ? -1 : 1;
	if (x->port != y->port)
		return x->port < y->port ? -1 : 1;
	return memcmp(x->addr.bytes, y->addr.bytes, sizeof(x->addr.bytes));
}

static int addr_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct ipvs_addr));
}

/* An element's key and comment: the value may be wrapped in {"elem": {"val", "comment"}}. */
static const cJSON *elem_val(const cJSON *v, const char **comment)
{
	const cJSON *w = expr_body(v, "elem");
	*comment = NULL;
	if (!w)
		return v;
	*comment = obj_str(w, "comment");
	return cJSON_GetObjectItemCaseSensitive(w, "val");
}

/* A map key "ADDR . PROTO . PORT" (with_addr) or "PROTO . PORT". */
static bool parse_key(const struct nft_doc *d, const cJSON *v, bool with_addr, struct fe_key *k)
{
	const cJSON *cat = expr_body(v, "concat"), *p;
	unsigned port;
	memset(k, 0, sizeof(*k));
	k->node_port = !with_addr;
	if (!cJSON_IsArray(cat) || cJSON_GetArraySize(cat) != (with_addr ? 3 : 2))
		return false;
	p = cat->child;
	if (with_addr) {
		if (!parse_addr(p, d->af, &k->addr))
			return false;
		p = p->next;
	}
	if (!parse_proto(p, &k->protocol) || !json_uint(p->next, 65535, &port))
		return false;
	k->port = (uint16_t)port;
	return true;
}

static int read_cluster_ips(struct nft_doc *d)
{
	const cJSON *e;
	int n = cJSON_GetArraySize(d->cluster_ips);
	if (n <= 0)
		return 0;
	d->cips = calloc((size_t)n, sizeof(*d->cips));
	if (!d->cips)
		return -ENOMEM;
	cJSON_ArrayForEach(e, d->cluster_ips)
	{
		const char *comment;
		if (parse_addr(elem_val(e, &comment), d->af, &d->cips[d->n_cips]))
			d->n_cips++;
		else
			d->n_unrec++;
	}
	qsort(d->cips, d->n_cips, sizeof(*d->cips), addr_cmp);
	return 0;
}

static int read_firewall_ips(struct nft_doc *d)
{
	const cJSON *e;
	int n = cJSON_GetArraySize(d->maps[MAP_FIREWALL_IPS]);
	if (n <= 0)
		return 0;
	d->fw = calloc((size_t)n, sizeof(*d->fw));
	if (!d->fw)
		return -ENOMEM;
	cJSON_ArrayForEach(e, d->maps[MAP_FIREWALL_IPS])
	{
		const char *comment;
		if (cJSON_IsArray(e) &&
		    parse_key(d, elem_val(e->child, &comment), true, &d->fw[d->n_fw]))
			d->n_fw++;
		else
			d->n_unrec++;
	}
	qsort(d->fw, d->n_fw, sizeof(*d->fw), key_cmp);
	return 0;
}

/* ---- frontends ---- */

/* Marks f unrecognised; the first note stays. Returns 0 or -ENOMEM. */
static int fe_mark(struct dp_frontend *f, const char *fmt, ...)
{
	va_list ap;
	int n;
	f->unrecognised = true;
	if (f->note)
		return 0;
	va_start(ap, fmt);
	n = vasprintf(&f->note, fmt, ap);
	va_end(ap);
	if (n < 0) {
		f->note = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* ns, name and port name from "PREFIX-HASH-ns/name/proto/port" ("" when not that shape). */
static int fe_names_from_chain(struct dp_frontend *f, const char *chain)
{
	const char *p = strchr(chain, '-'), *s[4] = {0};
	size_t len[3];
	int i = 0;
	p = p ? strchr(p + 1, '-') : NULL;
	if (p) {
		s[0] = ++p;
		for (i = 1; i < 4 && (p = strchr(p, '/')); i++)
			s[i] = ++p;
	}
	if (i == 4 && !strchr(s[3], '/')) {
		len[0] = (size_t)(s[1] - s[0] - 1);
		len[1] = (size_t)(s[2] - s[1] - 1);
		f->svc_namespace = dup_n(s[0], len[0]);
		f->svc_name = dup_n(s[1], len[1]);
		f->svc_port = strdup(s[3]);
	} else {
		f->svc_namespace = strdup("");
		f->svc_name = strdup("");
		f->svc_port = strdup("");
	}
	return f->svc_namespace && f->svc_name && f->svc_port ? 0 : -ENOMEM;
}

/* ns, name and port name from a comment "ns/name:port" or "ns/name". */
static int fe_names_from_comment(struct dp_frontend *f, const char *c)
{
	const char *slash = c ? strchr(c, '/') : NULL, *colon;
	if (!slash)
		return fe_names_from_chain(f, "");
	colon = strchr(slash, ':');
	f->svc_namespace = dup_n(c, (size_t)(slash - c));
	f->svc_name = colon ? dup_n(slash + 1, (size_t)(colon - slash - 1)) : strdup(slash + 1);
	f->svc_port = strdup(colon ? colon + 1 : "");
	return f->svc_namespace && f->svc_name && f->svc_port ? 0 : -ENOMEM;
}

static int fe_add_ep(struct dp_frontend *f, const struct nft_doc *d, const struct nft_chain *ep,
		     double share)
{
	struct dp_endpoint e = {.af = d->af, .addr = ep->ep_addr, .port = ep->ep_port};
	/*
	 * kube-proxy gives an endpoint one slot; merging repeats is for other writers, and only
	 * on short lists, so that a hostile vmap of a million slots stays linear.
	 */
	for (size_t i = 0; i < f->n_eps && f->n_eps <= DP_NFT_MERGE_MAX; i++)
		if (f->eps[i].port == e.port && !addr_cmp(&f->eps[i].addr, &e.addr)) {
			f->eps[i].share += share; /* one endpoint in several slots */
			return 0;
		}
	e.share = share;
	return dp_frontend_add_endpoint(f, &e);
}

/* Adds the endpoint chain named to, reached with share, to f. */
static int fe_endpoint(struct dp_frontend *f, const struct nft_doc *d, const char *to, double share)
{
	const struct nft_chain *c = to ? chain_find(d, to) : NULL;
	if (!c || c->kind != CH_ENDPOINT)
		return fe_mark(f, "a load-balancing slot leads to %s, not an endpoint chain",
			       to ? to : "a verdict other than goto");
	if (c->note)
		return fe_mark(f, "%s (%s) in %s", c->note, c->note_expr, c->name);
	if (!c->dnat)
		return fe_mark(f, "%s has no dnat", c->name);
	return fe_add_ep(f, d, c, share);
}

/* Follows chain `to` down to its endpoints. */
static int fe_resolve(struct dp_frontend *f, const struct nft_doc *d, const char *to, int depth)
{
	const struct nft_chain *c = chain_find(d, to);
	const cJSON *slot;
	int err;
	if (!c)
		return fe_mark(f, "the chain %s is not in the table", to);
	if (depth > DP_NFT_MAX_DEPTH)
		return fe_mark(f, "chains nested deeper than kube-proxy's");
	if (c->note && (err = fe_mark(f, "%s (%s) in %s", c->note, c->note_expr, c->name)))
		return err;
	switch (c->kind) {
	case CH_EXTERNAL:
		/* without a final goto, external traffic has no endpoint on this node */
		return c->policy ? fe_resolve(f, d, c->policy, depth + 1) : 0;
	case CH_SERVICE:
	case CH_LOCAL:
		f->affinity = f->affinity || c->affinity;
		if (c->single)
			return fe_endpoint(f, d, c->single, 1.0);
		if (!c->slots)
			return c->note ? 0 : fe_mark(f, "%s has no load-balancing rule", c->name);
		cJSON_ArrayForEach(slot, c->slots)
		{
			unsigned n;
			const cJSON *v = cJSON_IsArray(slot) ? slot->child : NULL;
			if (!v || !v->next || !json_uint(v, c->mod - 1, &n))
				err = fe_mark(f, "a load-balancing slot of %s not understood",
					      c->name);
			else
				err = fe_endpoint(f, d, verdict_target(v->next, "goto"),
						  1.0 / c->mod);
			if (err)
				return err;
		}
		return 0;
	default:
		return fe_mark(f, "the map leads to %s, not a Service chain", c->name);
	}
}

/* A frontend of element el ([key, verdict]) of a service map. */
static int fe_from_service_elem(struct nft_doc *d, struct dataplane *dp, const cJSON *el,
				bool node_port)
{
	struct dp_frontend f = {.plane = DP_NFTABLES, .af = d->af};
	const char *comment, *to = NULL;
	struct fe_key k;
	int err = 0;
	if (!cJSON_IsArray(el) || cJSON_GetArraySize(el) != 2)
		return -EINVAL;
	if (!parse_key(d, elem_val(el->child, &comment), !node_port, &k)) {
		f.kind = DPF_UNKNOWN;
		d->n_unrec++;
		err = fe_mark(&f, "an element of %s not understood",
			      map_names[node_port ? MAP_SERVICE_NODEPORTS : MAP_SERVICE_IPS]);
	} else {
		f.protocol = k.protocol;
		f.port = k.port;
		f.addr = k.addr;
		to = verdict_target(el->child->next, "goto");
		if (node_port)
			f.kind = DPF_NODE_PORT;
		else if (to && has_prefix(to, "external-"))
			f.kind = d->n_fw && bsearch(&k, d->fw, d->n_fw, sizeof(k), key_cmp)
				     ? DPF_LOAD_BALANCER
				     : DPF_EXTERNAL_IP;
		else
			f.kind = DPF_CLUSTER_IP;
		if (!to) {
			d->n_unrec++;
			err = fe_mark(&f, "a verdict other than goto");
		}
	}
	if (err || (err = fe_names_from_chain(&f, to ? to : "")) ||
	    !(f.chain = strdup(to ? to : "")) || (to && (err = fe_resolve(&f, d, to, 0)))) {
		dp_frontend_free(&f);
		return err ? err : -ENOMEM;
	}
	return dataplane_add(dp, &f);
}

/* Sorted keys of the frontends dp->fe[start..]: the no-endpoint maps look them up. */
static int index_frontends(struct nft_doc *d, const struct dataplane *dp, size_t start)
{
	size_t n = dp->n_fe - start;
	if (!n)
		return 0;
	d->idx = calloc(n, sizeof(*d->idx));
	if (!d->idx)
		return -ENOMEM;
	for (size_t i = start; i < dp->n_fe; i++) {
		const struct dp_frontend *f = &dp->fe[i];
		if (f->kind == DPF_UNKNOWN)
			continue;
		d->idx[d->n_idx++] = (struct fe_key){.node_port = f->kind == DPF_NODE_PORT,
						     .protocol = f->protocol,
						     .port = f->port,
						     .addr = f->addr,
						     .i = i};
	}
	qsort(d->idx, d->n_idx, sizeof(*d->idx), key_cmp);
	return 0;
}

/* An element of no-endpoint-services / -nodeports: the frontend rejects or drops. */
static int fe_from_noep_elem(struct nft_doc *d, struct dataplane *dp, const cJSON *el,
			     bool node_port)
{
	struct dp_frontend f = {.plane = DP_NFTABLES, .af = d->af, .no_endpoints = true};
	const char *comment, *to;
	const struct fe_key *hit;
	struct fe_key k;
	const cJSON *verdict;
	bool ok_verdict;
	int err;
	if (!cJSON_IsArray(el) || cJSON_GetArraySize(el) != 2)
		return -EINVAL;
	verdict = el->child->next;
	to = verdict_target(verdict, "goto");
	ok_verdict = (to && strcmp(to, "reject-chain") == 0) || expr_body(verdict, "drop");
	if (!ok_verdict)
		d->n_unrec++;
	if (parse_key(d, elem_val(el->child, &comment), !node_port, &k)) {
		hit = d->n_idx ? bsearch(&k, d->idx, d->n_idx, sizeof(k), key_cmp) : NULL;
		if (hit) {
			/* reachable from pods and the node, dropped from outside (policy Local) */
			dp->fe[hit->i].no_endpoints = true;
			return ok_verdict ? 0
					  : fe_mark(&dp->fe[hit->i],
						    "a no-endpoint verdict not understood");
		}
		f.protocol = k.protocol;
		f.port = k.port;
		f.addr = k.addr;
		if (node_port)
			f.kind = DPF_NODE_PORT;
		else if (d->n_cips &&
			 bsearch(&k.addr, d->cips, d->n_cips, sizeof(k.addr), addr_cmp))
			f.kind = DPF_CLUSTER_IP;
		else if (d->n_fw && bsearch(&k, d->fw, d->n_fw, sizeof(k), key_cmp))
			f.kind = DPF_LOAD_BALANCER;
		else
			f.kind = DPF_EXTERNAL_IP;
		err = ok_verdict ? 0 : fe_mark(&f, "a no-endpoint verdict not understood");
	} else {
		f.kind = DPF_UNKNOWN;
		d->n_unrec += ok_verdict; /* one element, counted once */
		err = fe_mark(&f, "an element of %s not understood",
			      map_names[node_port ? MAP_NOEP_NODEPORTS : MAP_NOEP_SERVICES]);
	}
	if (err || (err = fe_names_from_comment(&f, comment)) || !(f.chain = strdup(""))) {
		dp_frontend_free(&f);
		return err ? err : -ENOMEM;
	}
	return dataplane_add(dp, &f);
}

static int read_frontends(struct nft_doc *d, struct dataplane *dp, size_t start)
{
	const cJSON *el;
	int err;
	if ((err = read_cluster_ips(d)) || (err = read_firewall_ips(d)))
		return err;
	cJSON_ArrayForEach(el, d->maps[MAP_SERVICE_IPS]) if ((err = fe_from_service_elem(
								  d, dp, el, false))) return err;
	cJSON_ArrayForEach(
	    el, d->maps[MAP_SERVICE_NODEPORTS]) if ((err = fe_from_service_elem(d, dp, el,
										true))) return err;
	if ((err = index_frontends(d, dp, start)))
		return err;
	cJSON_ArrayForEach(el, d->maps[MAP_NOEP_SERVICES]) if ((err = fe_from_noep_elem(
								    d, dp, el, false))) return err;
	cJSON_ArrayForEach(el, d->maps[MAP_NOEP_NODEPORTS]) if ((err = fe_from_noep_elem(
								     d, dp, el, true))) return err;
	return 0;
}

/* Drops the frontends added since start: a failed parse leaves dp as it was. */
static void rollback(struct dataplane *dp, size_t start)
{
	while (dp->n_fe > start) {
		struct dp_frontend *f = &dp->fe[--dp->n_fe];
		if ((unsigned)f->plane < DP_N_PLANES)
			dp->planes[f->plane].n_frontends--;
		dp_frontend_free(f);
	}
}

int dp_nft_parse(const char *json, size_t len, struct dataplane *dp)
{
	struct nft_doc d = {0};
	size_t start = dp->n_fe;
	const cJSON *list;
	cJSON *root;
	int err;
	if (!json || len > DP_NFT_MAX_JSON)
		return -EINVAL;
	root = cJSON_ParseWithLength(json, len);
	if (!root)
		return -EINVAL; /* cJSON does not tell a syntax error from a failed malloc */
	list = cJSON_GetObjectItemCaseSensitive(root, "nftables");
	if (!cJSON_IsArray(list))
		err = -EINVAL;
	else if (!(err = read_objects(&d, list)) && !(err = read_rules(&d, list)))
		err = read_frontends(&d, dp, start);
	if (err) {
		rollback(dp, start);
	} else {
		struct dp_plane *p = &dp->planes[DP_NFTABLES];
		p->present = p->present || d.present;
		p->n_rules += d.n_rules;
		p->n_unrecognised += d.n_unrec;
	}
	free(d.ch);
	free(d.cips);
	free(d.fw);
	free(d.idx);
	cJSON_Delete(root);
	return err;
}
