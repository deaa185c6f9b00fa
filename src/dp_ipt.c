/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kube-proxy's iptables nat rules (either backend's) interpreted as frontends -> endpoints. */
#include "config.h"

#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dp_ipt.h"
#include "nls.h"

/* Chain names are hashed (FNV-1a) so 100,000 KUBE-SEP- chains are found in constant time. */
static uint32_t name_hash(const char *s)
{
	uint32_t h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

int dp_ipt_table_find(const struct dp_ipt_table *t, const char *name)
{
	if (!t->cap_index)
		return -1;
	size_t mask = t->cap_index - 1;
	for (size_t i = name_hash(name) & mask;; i = (i + 1) & mask) {
		uint32_t v = t->index[i];
		if (!v)
			return -1;
		if (!strcmp(t->chains[v - 1], name))
			return (int)(v - 1);
	}
}

static void index_put(uint32_t *index, size_t cap, const char *name, uint32_t v)
{
	size_t i = name_hash(name) & (cap - 1);
	while (index[i])
		i = (i + 1) & (cap - 1);
	index[i] = v;
}

static int index_grow(struct dp_ipt_table *t)
{
	size_t cap = t->cap_index ? t->cap_index * 2 : 256;
	uint32_t *ix = calloc(cap, sizeof(*ix));
	if (!ix)
		return -ENOMEM;
	for (size_t c = 0; c < t->n_chains; c++)
		index_put(ix, cap, t->chains[c], (uint32_t)c + 1);
	free(t->index);
	t->index = ix;
	t->cap_index = cap;
	return 0;
}

int dp_ipt_table_chain(struct dp_ipt_table *t, const char *name)
{
	int found = dp_ipt_table_find(t, name);
	if (found >= 0)
		return found;
	if (t->n_chains >= INT32_MAX - 1)
		return -ENOMEM;
	if ((t->n_chains + 1) * 2 > t->cap_index && index_grow(t) < 0)
		return -ENOMEM;
	if (t->n_chains == t->cap_chains) {
		size_t cap = t->cap_chains ? t->cap_chains * 2 : 64;
		char **p = realloc(t->chains, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		t->chains = p;
		t->cap_chains = cap;
	}
	char *n = strdup(name);
	if (!n)
		return -ENOMEM;
	t->chains[t->n_chains] = n;
	index_put(t->index, t->cap_index, n, (uint32_t)t->n_chains + 1);
	return (int)t->n_chains++;
}

void dp_ipt_rule_free(struct dp_ipt_rule *r)
{
	free(r->comment);
	free(r->target_name);
	free(r->note);
	memset(r, 0, sizeof(*r));
}

/* Appends what to *note (owned, may be NULL), "; "-separated. Returns 0 or -ENOMEM. */
static int append_note(char **note, const char *what)
{
	size_t old = *note ? strlen(*note) : 0;
	char *n = realloc(*note, old + strlen(what) + 3);
	if (!n)
		return -ENOMEM;
	if (old)
		memcpy(n + old, "; ", 3);
	else
		n[0] = '\0';
	strcat(n, what);
	*note = n;
	return 0;
}

int dp_ipt_rule_note(struct dp_ipt_rule *r, const char *what)
{
	return append_note(&r->note, what);
}

int dp_ipt_table_add_rule(struct dp_ipt_table *t, struct dp_ipt_rule *r)
{
	if (t->n_rules == t->cap_rules) {
		size_t cap = t->cap_rules ? t->cap_rules * 2 : 256;
		struct dp_ipt_rule *p = realloc(t->rules, cap * sizeof(*p));
		if (!p) {
			dp_ipt_rule_free(r);
			return -ENOMEM;
		}
		t->rules = p;
		t->cap_rules = cap;
	}
	t->rules[t->n_rules++] = *r;
	memset(r, 0, sizeof(*r));
	return 0;
}

void dp_ipt_table_free(struct dp_ipt_table *t)
{
	for (size_t i = 0; i < t->n_chains; i++)
		free(t->chains[i]);
	for (size_t i = 0; i < t->n_rules; i++)
		dp_ipt_rule_free(&t->rules[i]);
	free(t->chains);
	free(t->rules);
	free(t->index);
	memset(t, 0, sizeof(*t));
}

/* --- the interpreter --- */

#define NO_RULE UINT32_MAX
#define MAX_DEPTH 6

/* The rules of each chain in order: first[c], then next[r] until NO_RULE. */
struct walk {
	const struct dp_ipt_table *t;
	uint32_t *first, *next;
	struct dataplane *dp;
	enum dp_plane_kind which;
};

static bool has_prefix(const char *s, const char *p)
{
	return s && !strncmp(s, p, strlen(p));
}

static int chain_of(const struct walk *w, const struct dp_ipt_rule *r)
{
	if (r->target != DP_IPT_T_JUMP && r->target != DP_IPT_T_GOTO)
		return -1;
	return dp_ipt_table_find(w->t, r->target_name);
}

static bool is_service_chain(const char *name)
{
	return has_prefix(name, "KUBE-SVC-") || has_prefix(name, "KUBE-SVL-") ||
	       has_prefix(name, "KUBE-EXT-") || has_prefix(name, "KUBE-FW-") ||
	       has_prefix(name, "KUBE-XLB-");
}

static int fe_note(struct dp_frontend *f, const char *what)
{
	f->unrecognised = true;
	return append_note(&f->note, what);
}

/* What a rule's note says, as the frontend's: "KUBE-SEP-X: match owner". */
static int fe_note_rule(const struct dp_ipt_table *t, struct dp_frontend *f,
			const struct dp_ipt_rule *r, const char *what)
{
	char buf[200];
	snprintf(buf, sizeof(buf), "%s: %s", t->chains[r->chain], what);
	return fe_note(f, buf);
}

/* The endpoint a KUBE-SEP- chain DNATs to; notes a chain without exactly one DNAT. */
static int sep_endpoint(const struct walk *w, struct dp_frontend *f, int c, double share)
{
	struct dp_endpoint ep = {.share = share};
	int n_dnat = 0;
	for (uint32_t i = w->first[c]; i != NO_RULE; i = w->next[i]) {
		const struct dp_ipt_rule *r = &w->t->rules[i];
		if (r->note && fe_note_rule(w->t, f, r, r->note) < 0)
			return -ENOMEM;
		if (r->recent_set)
			f->affinity = true;
		if (r->target == DP_IPT_T_DNAT && n_dnat++ == 0) {
			ep.af = r->dnat_af;
			ep.addr = r->dnat_addr;
			ep.port = r->dnat_port ? r->dnat_port : f->port;
		}
	}
	if (n_dnat != 1)
		return fe_note_rule(w->t, f, &(struct dp_ipt_rule){.chain = (uint32_t)c},
				    n_dnat ? "more than one DNAT" : "no DNAT");
	return dp_frontend_add_endpoint(f, &ep);
}

/*
 * Walks a Service's chain: KUBE-SEP- jumps are its endpoints, each getting what the
 * statistic matches before it left times its own probability. A chain that jumps to other
 * Service chains (KUBE-EXT-, KUBE-FW-) is followed through its last such jump: the earlier
 * ones are the special cases (pod or local sources), the last one what the frontend's own
 * traffic gets.
 */
static int walk_service(const struct walk *w, struct dp_frontend *f, int c, int depth)
{
	double left = 1.0;
	int via = -1;
	bool any_sep = false;
	for (uint32_t i = w->first[c]; i != NO_RULE; i = w->next[i]) {
		const struct dp_ipt_rule *r = &w->t->rules[i];
		if (r->note && fe_note_rule(w->t, f, r, r->note) < 0)
			return -ENOMEM;
		const char *to = r->target_name;
		int tc = chain_of(w, r);
		if (r->target == DP_IPT_T_DROP || r->target == DP_IPT_T_REJECT ||
		    (r->target == DP_IPT_T_JUMP && has_prefix(to, "KUBE-MARK-DROP"))) {
			f->no_endpoints = true;
		} else if (r->target == DP_IPT_T_JUMP && has_prefix(to, "KUBE-MARK-MASQ")) {
			continue;
		} else if (has_prefix(to, "KUBE-SEP-") && tc >= 0) {
			if (r->recent_check) { /* the affinity rules come first and take no share */
				f->affinity = true;
				continue;
			}
			double p = r->has_probability ? r->probability : 1.0;
			any_sep = true;
			if (sep_endpoint(w, f, tc, left * p) < 0)
				return -ENOMEM;
			left *= 1.0 - p;
		} else if (is_service_chain(to) && tc >= 0) {
			via = tc;
		} else if (r->target != DP_IPT_T_RETURN && r->target != DP_IPT_T_NONE) {
			char buf[120];
			snprintf(buf, sizeof(buf), "target %.60s", to ? to : "?");
			if (fe_note_rule(w->t, f, r, buf) < 0)
				return -ENOMEM;
		}
	}
	if (!any_sep && via >= 0) {
		if (depth >= MAX_DEPTH || via == c)
			return fe_note(f, _("service chains nested too deeply"));
		return walk_service(w, f, via, depth + 1);
	}
	return 0;
}

/* "ns/name:port rest" (or "ns/name rest": a port without a name) into f's owner fields. */
static int set_owner(struct dp_frontend *f, const char *comment)
{
	const char *c = comment ? comment : "";
	size_t n = strcspn(c, " "); /* the first word: kube-proxy's ServicePortName */
	const char *slash = memchr(c, '/', n);
	size_t ns_len = 0, name_len = 0, port_at = n, port_len = 0;
	if (slash) {
		ns_len = (size_t)(slash - c);
		const char *colon = memchr(slash, ':', n - ns_len);
		name_len = (size_t)((colon ? colon : c + n) - (slash + 1));
		if (colon) {
			port_at = (size_t)(colon + 1 - c);
			port_len = n - port_at;
		}
	}
	f->svc_namespace = strndup(c, ns_len);
	f->svc_name = strndup(slash ? slash + 1 : c, name_len);
	f->svc_port = strndup(c + port_at, port_len);
	return f->svc_namespace && f->svc_name && f->svc_port ? 0 : -ENOMEM;
}

static enum dp_frontend_kind kind_of(const char *comment, const char *chain)
{
	const char *sp = comment ? strchr(comment, ' ') : NULL;
	if (sp && !strcmp(sp + 1, "cluster IP"))
		return DPF_CLUSTER_IP;
	if (sp && !strcmp(sp + 1, "external IP"))
		return DPF_EXTERNAL_IP;
	if (sp && !strcmp(sp + 1, "loadbalancer IP"))
		return DPF_LOAD_BALANCER;
	if (has_prefix(chain, "KUBE-SVC-"))
		return DPF_CLUSTER_IP;
	if (has_prefix(chain, "KUBE-FW-"))
		return DPF_LOAD_BALANCER;
	return DPF_UNKNOWN;
}

/*
 * The frontend rule r (of KUBE-SERVICES, KUBE-NODEPORTS or KUBE-EXTERNAL-SERVICES) is for:
 * owner, address, protocol, port; a rule that is not one of each is noted.
 */
static int frontend_of(const struct dp_ipt_table *t, const struct dp_ipt_rule *r,
		       enum dp_plane_kind which, enum dp_frontend_kind kind, struct dp_frontend *f)
{
	int full = r->af == AF_INET6 ? 128 : 32;
	bool node_port = kind == DPF_NODE_PORT;
	*f = (struct dp_frontend){
	    .plane = which, .kind = kind, .af = r->af, .protocol = r->proto, .port = r->dport_lo};
	if (r->dst_len == full && !r->dst_inv)
		f->addr = r->dst;
	int err = set_owner(f, r->comment);
	if (!err) {
		bool jumps = r->target == DP_IPT_T_JUMP || r->target == DP_IPT_T_GOTO;
		f->chain = strdup(jumps && r->target_name ? r->target_name : "");
		err = f->chain ? 0 : -ENOMEM;
	}
	if (!err && r->note)
		err = fe_note_rule(t, f, r, r->note);
	if (!err && ((!node_port && r->dst_len != full) || r->dst_inv || !r->has_dport ||
		     r->dport_inv || r->dport_lo != r->dport_hi || r->proto_inv || !r->proto))
		err = fe_note_rule(t, f, r, _("not one address, protocol and port"));
	return err;
}

static bool rejects(const struct dp_ipt_rule *r)
{
	return r->target == DP_IPT_T_REJECT || r->target == DP_IPT_T_DROP ||
	       (r->target == DP_IPT_T_JUMP && has_prefix(r->target_name, "KUBE-MARK-DROP"));
}

static int add(struct dataplane *dp, struct dp_frontend *f)
{
	if (f->unrecognised)
		dp->planes[f->plane].n_unrecognised++;
	return dataplane_add(dp, f);
}

/* A frontend for rule r (of KUBE-SERVICES or KUBE-NODEPORTS), its endpoints, into dp. */
static int add_frontend(const struct walk *w, const struct dp_ipt_rule *r, bool node_port)
{
	struct dp_frontend f;
	int err = frontend_of(w->t, r, w->which,
			      node_port ? DPF_NODE_PORT : kind_of(r->comment, r->target_name), &f);
	int c = chain_of(w, r);
	if (!err && rejects(r)) {
		f.no_endpoints = true;
	} else if (!err && c >= 0 && is_service_chain(r->target_name)) {
		err = walk_service(w, &f, c, 0);
	} else if (!err) {
		char buf[120];
		snprintf(buf, sizeof(buf), "target %.60s", r->target_name ? r->target_name : "?");
		f.kind = DPF_UNKNOWN;
		err = fe_note_rule(w->t, &f, r, buf);
	}
	if (err) {
		dp_frontend_free(&f);
		return err;
	}
	return add(w->dp, &f);
}

/* KUBE-NODEPORTS: a frontend per port; rules that only mark for masquerading are skipped. */
static int walk_node_ports(const struct walk *w, int c)
{
	for (uint32_t i = w->first[c]; i != NO_RULE; i = w->next[i]) {
		const struct dp_ipt_rule *r = &w->t->rules[i];
		if (r->target == DP_IPT_T_JUMP && has_prefix(r->target_name, "KUBE-MARK-MASQ"))
			continue;
		int err = add_frontend(w, r, true);
		if (err)
			return err;
	}
	return 0;
}

static int walk_services(const struct walk *w, int c)
{
	for (uint32_t i = w->first[c]; i != NO_RULE; i = w->next[i]) {
		const struct dp_ipt_rule *r = &w->t->rules[i];
		int err, tc = chain_of(w, r);
		w->dp->planes[w->which].n_services_rules++;
		if (tc >= 0 && !strcmp(r->target_name, "KUBE-NODEPORTS"))
			err = walk_node_ports(w, tc);
		else
			err = add_frontend(w, r, false);
		if (err)
			return err;
	}
	return 0;
}

int dp_ipt_interpret(const struct dp_ipt_table *t, struct dataplane *dp, enum dp_plane_kind which)
{
	struct dp_plane *pl = &dp->planes[which];
	pl->n_rules += t->n_rules;
	int svc = dp_ipt_table_find(t, "KUBE-SERVICES");
	if (svc < 0)
		return 0;
	pl->present = true;
	struct walk w = {.t = t, .dp = dp, .which = which};
	w.first = malloc((t->n_chains + 1) * sizeof(*w.first));
	w.next = malloc((t->n_rules + 1) * sizeof(*w.next));
	uint32_t *last = malloc((t->n_chains + 1) * sizeof(*last));
	int err = -ENOMEM;
	if (w.first && w.next && last) {
		for (size_t c = 0; c < t->n_chains; c++)
			w.first[c] = last[c] = NO_RULE;
		for (size_t i = 0; i < t->n_rules; i++) {
			uint32_t c = t->rules[i].chain;
			w.next[i] = NO_RULE;
			if (c >= t->n_chains)
				continue;
			if (last[c] == NO_RULE)
				w.first[c] = (uint32_t)i;
			else
				w.next[last[c]] = (uint32_t)i;
			last[c] = (uint32_t)i;
		}
		for (size_t i = 0; i < t->n_rules; i++)
			if (t->rules[i].note && has_prefix(t->chains[t->rules[i].chain], "KUBE-"))
				pl->n_unrecognised++;
		err = walk_services(&w, svc);
	}
	free(w.first);
	free(w.next);
	free(last);
	return err;
}

/* The frontend of plane which that f (just read from the filter table) is, or NULL. */
static struct dp_frontend *same_frontend(struct dataplane *dp, const struct dp_frontend *f)
{
	for (size_t i = 0; i < dp->n_fe; i++) {
		struct dp_frontend *g = &dp->fe[i];
		if (g->plane == f->plane && g->af == f->af && g->protocol == f->protocol &&
		    g->port == f->port &&
		    (g->kind == DPF_NODE_PORT) == (f->kind == DPF_NODE_PORT) &&
		    !memcmp(&g->addr, &f->addr, sizeof(f->addr)))
			return g;
	}
	return NULL;
}

int dp_ipt_interpret_filter(const struct dp_ipt_table *t, struct dataplane *dp,
			    enum dp_plane_kind which)
{
	int svc = dp_ipt_table_find(t, "KUBE-SERVICES");
	int ext = dp_ipt_table_find(t, "KUBE-EXTERNAL-SERVICES");
	for (size_t i = 0; i < t->n_rules; i++) {
		const struct dp_ipt_rule *r = &t->rules[i];
		if ((r->chain != (uint32_t)svc && r->chain != (uint32_t)ext) || !rejects(r))
			continue;
		enum dp_frontend_kind kind = r->chain == (uint32_t)svc ? DPF_CLUSTER_IP
					     : r->dst_local	       ? DPF_NODE_PORT
								       : DPF_EXTERNAL_IP;
		struct dp_frontend f;
		int err = frontend_of(t, r, which, kind, &f);
		if (err) {
			dp_frontend_free(&f);
			return err;
		}
		f.no_endpoints = true;
		/* Linear, but only Services without endpoints have such rules. */
		struct dp_frontend *g = same_frontend(dp, &f);
		if (g) {
			g->no_endpoints = true;
			dp_frontend_free(&f);
		} else if ((err = add(dp, &f)) < 0) {
			return err;
		}
	}
	return 0;
}
