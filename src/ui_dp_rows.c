/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Which data plane the services pane shows, its frontends' rows, and the header's words on them. */
#include "config.h"

#include <errno.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "dp_join.h"
#include "keymap.h"
#include "kube_model.h"
#include "nls.h"
#include "ui_internal.h"

/* The newest read of the data planes, NULL before one (or when they are not read). */
static const struct dataplane *dp_of(const struct ui *u)
{
	return u->have ? u->cur.dp : NULL;
}

/* Whether this run reads the other data planes (live, without --no-dataplane). */
static bool dp_reading(const struct ui *u)
{
	const struct dataplane_opts *o = &u->opts->collect.dataplane;
	return !u->opts->replay && (o->nftables || o->iptables || o->ipsets || o->kube_ipvs0);
}

/* Whether plane k has something on this node: virtual services, or kube-proxy's rules. */
static bool plane_present(const struct ui *u, enum dp_plane_kind k)
{
	const struct dataplane *dp = dp_of(u);
	if (k == DP_IPVS)
		return u->have && u->cur.ipvs_available && u->cur.n_services > 0;
	return dp && (dp->planes[k].present || dp->planes[k].n_frontends > 0);
}

static size_t plane_count(const struct ui *u, enum dp_plane_kind k)
{
	const struct dataplane *dp = dp_of(u);
	if (k == DP_IPVS)
		return u->have ? u->cur.n_services : 0;
	return dp ? dp->planes[k].n_frontends : 0;
}

/*
 * The mode kube-proxy runs on this node: its own answer on :10249/proxyMode, else what this
 * node's kube-proxy pod logged. "" when neither is known.
 */
static const char *running_mode(const struct ui *u)
{
	const struct kube_state *k = u->kv ? u->kv->k : NULL;
	if (!k)
		return "";
	if (k->local_mode[0])
		return k->local_mode;
	const char *node = u->kv->node_name;
	for (size_t i = 0; node && node[0] && i < k->n_proxies; i++) {
		const struct kube_proxy_pod *p = &k->proxies[i];
		if (p->node && strcmp(p->node, node) == 0 && p->log_mode[0] &&
		    strcmp(p->log_mode, "?") != 0)
			return p->log_mode;
	}
	return "";
}

/*
 * The plane the node runs: kube-proxy's mode when known (iptables: the backend holding its
 * rules); else the plane holding kube-proxy's frontends (nftables and iptables hold only
 * kube-proxy's; the IPVS table may hold anyone's), the one with the most; else IPVS.
 */
static enum dp_plane_kind running_plane(const struct ui *u)
{
	const char *mode = running_mode(u);
	bool legacy = plane_present(u, DP_IPTABLES_LEGACY) &&
		      (!plane_present(u, DP_IPTABLES_NFT) ||
		       plane_count(u, DP_IPTABLES_LEGACY) > plane_count(u, DP_IPTABLES_NFT));
	if (strcmp(mode, "ipvs") == 0)
		return DP_IPVS;
	if (strcmp(mode, "nftables") == 0)
		return DP_NFTABLES;
	if (strcmp(mode, "iptables") == 0)
		return legacy ? DP_IPTABLES_LEGACY : DP_IPTABLES_NFT;
	enum dp_plane_kind best = DP_IPVS;
	for (int k = DP_NFTABLES; k < DP_N_PLANES; k++)
		if (plane_present(u, (enum dp_plane_kind)k) &&
		    (best == DP_IPVS || plane_count(u, (enum dp_plane_kind)k) > plane_count(u, best)))
			best = (enum dp_plane_kind)k;
	return best;
}

bool ui_dp_shown(const struct ui *u)
{
	return u->plane != DP_IPVS && dp_of(u) != NULL;
}

bool ui_dp_tagged(const struct ui *u)
{
	if (ui_dp_shown(u))
		return true;
	int n = 0;
	for (int k = 0; k < DP_N_PLANES; k++)
		n += plane_present(u, (enum dp_plane_kind)k);
	return n > 1 || (n == 1 && !plane_present(u, DP_IPVS));
}

/* ---- labels ---- */

void ui_dp_fe_label(const struct dp_frontend *f, char *buf, size_t len)
{
	static const struct ipvs_addr any;
	if (f->kind == DPF_NODE_PORT && memcmp(&f->addr, &any, sizeof(any)) == 0)
		snprintf(buf, len, f->af == AF_INET6 ? "[*]:%u" : "*:%u", f->port);
	else
		ipvs_hostport_str(f->af, &f->addr, f->port, buf, len);
}

const char *ui_dp_kind_label(enum dp_frontend_kind k)
{
	/* Kubernetes' own words for them: not translated. */
	static const char *const names[] = {"ClusterIP", "NodePort", "ExternalIP", "LoadBalancer"};
	return (unsigned)k < sizeof(names) / sizeof(names[0]) ? names[k] : "?";
}

void ui_dp_owner_label(const struct dp_frontend *f, char *buf, size_t len)
{
	if (!f->svc_name || !f->svc_name[0])
		snprintf(buf, len, "-");
	else if (f->svc_port && f->svc_port[0])
		snprintf(buf, len, "%s/%s:%s", f->svc_namespace ? f->svc_namespace : "", f->svc_name,
			 f->svc_port);
	else
		snprintf(buf, len, "%s/%s", f->svc_namespace ? f->svc_namespace : "", f->svc_name);
}

void ui_dp_state_label(const struct dp_frontend *f, char *buf, size_t len)
{
	size_t n = 0;
	buf[0] = '\0';
	if (f->unrecognised && n < len)
		n += (size_t)snprintf(buf + n, len - n, "%s ", _("unrecognised"));
	if (f->no_endpoints && n < len)
		n += (size_t)snprintf(buf + n, len - n, "%s ", _("no endpoints"));
	if (f->affinity && n < len)
		n += (size_t)snprintf(buf + n, len - n, "%s ", _("affinity"));
	if (n > 0 && n <= len)
		buf[n - 1] = '\0';
}

/* ---- rows: filter, order, selection ---- */

static void key_of(const struct dp_frontend *f, struct ui_fe_key *k)
{
	memset(k, 0, sizeof(*k));
	k->plane = f->plane;
	k->kind = f->kind;
	k->af = f->af;
	k->protocol = f->protocol;
	k->port = f->port;
	k->addr = f->addr;
}

static bool same_key(const struct dp_frontend *f, const struct ui_fe_key *k)
{
	struct ui_fe_key o;
	key_of(f, &o);
	return memcmp(&o, k, sizeof(o)) == 0;
}

const struct dp_join *ui_dp_joined(const struct ui *u)
{
	const struct dp_join *dj = u->kv ? u->kv->dpj : NULL;
	return dj && u->have && dj->dp == u->cur.dp && dj->n_fe == u->cur.dp->n_fe ? dj : NULL;
}

static void mark(unsigned char *drift, size_t n, const struct dp_drift_ep *e, size_t ne)
{
	for (size_t i = 0; i < ne; i++)
		if (e[i].fe < n)
			drift[e[i].fe] = 1;
}

/* Once per refresh: which frontends the join lists as drift, or have a mismatch. */
static void derive_fe_drift(struct ui *u)
{
	const struct dp_join *dj = ui_dp_joined(u);
	free(u->fe_drift);
	u->fe_drift = NULL;
	if (!dj || !(u->fe_drift = calloc(dj->n_fe ? dj->n_fe : 1, 1)))
		return;
	for (int p = DP_NFTABLES; p < DP_N_PLANES; p++) {
		const struct dp_plane_drift *pd = &dj->planes[p];
		mark(u->fe_drift, dj->n_fe, pd->missing, pd->n_missing);
		mark(u->fe_drift, dj->n_fe, pd->stale, pd->n_stale);
		mark(u->fe_drift, dj->n_fe, pd->terminating, pd->n_terminating);
		for (size_t i = 0; i < pd->n_unowned; i++)
			if (pd->unowned[i] < dj->n_fe)
				u->fe_drift[pd->unowned[i]] = 1;
	}
	for (size_t i = 0; i < dj->n_fe; i++) {
		const struct dp_fe_owner *o = &dj->owners[i];
		if (o->name_mismatch || o->kind_mismatch || o->o.affinity_mismatch)
			u->fe_drift[i] = 1;
	}
}

/*
 * The cluster's Service of frontend i, "!" in front when the cluster disagrees with it
 * (said in text, so that it shows without colours); "-" without the join.
 */
const char *ui_dp_cluster_owner(const struct ui *u, size_t i, char *buf, size_t len)
{
	const struct dp_join *dj = ui_dp_joined(u);
	if (!dj) {
		snprintf(buf, len, "-");
		return buf;
	}
	buf[0] = u->fe_drift && u->fe_drift[i] ? '!' : ' ';
	buf[1] = ' ';
	buf[2] = '\0';
	if (dj->owners[i].o.service >= 0)
		kube_join_owner_label(u->kv->k, &dj->owners[i].o, buf + 2, len - 2);
	if (!buf[2])
		snprintf(buf + 2, len - 2, "%s", _("(no Service)"));
	return buf;
}

static bool fe_matches(const struct ui *u, size_t i)
{
	const struct dp_frontend *f = &u->cur.dp->fe[i];
	if (u->drift_only && !(u->fe_drift && u->fe_drift[i]))
		return false;
	if (!u->have_re)
		return true;
	char text[1000], label[96], owner[300], state[64], kube[300];
	ui_dp_fe_label(f, label, sizeof(label));
	ui_dp_owner_label(f, owner, sizeof(owner));
	ui_dp_state_label(f, state, sizeof(state));
	ui_dp_cluster_owner(u, i, kube, sizeof(kube));
	snprintf(text, sizeof(text), "%s %s %s %s %s %s", ui_rows_proto_name(f->protocol), label,
		 ui_dp_kind_label(f->kind), owner, state, kube);
	if (regexec(&u->re, text, 0, NULL, 0) == 0)
		return true;
	/* An endpoint's address finds the frontends that send to it. */
	for (size_t j = 0; j < f->n_eps; j++)
		if (ui_rows_match_hostport(u, f->eps[j].af, &f->eps[j].addr, f->eps[j].port))
			return true;
	return false;
}

static int cmp_str(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

static int cmp_address(const struct dp_frontend *a, const struct dp_frontend *b)
{
	int c = a->af - b->af;
	return c ? c
		 : ui_cmp_addr_port(&a->addr, a->port, a->protocol, &b->addr, b->port,
				    b->protocol);
}

static int cmp_owner(const struct dp_frontend *a, const struct dp_frontend *b)
{
	int c = cmp_str(a->svc_namespace, b->svc_namespace);
	if (!c)
		c = cmp_str(a->svc_name, b->svc_name);
	if (!c)
		c = cmp_str(a->svc_port, b->svc_port);
	if (!c)
		c = (int)a->kind - (int)b->kind;
	return c ? c : cmp_address(a, b);
}

/*
 * Frontends by endpoints (most first), address, kind, or (any other key, the first one)
 * owning Service: the keys of the virtual services that mean something here.
 */
static int compare_fe(const void *pa, const void *pb, void *arg)
{
	const struct ui *u = arg;
	size_t ia = *(const size_t *)pa, ib = *(const size_t *)pb;
	const struct dp_frontend *a = &u->cur.dp->fe[ia], *b = &u->cur.dp->fe[ib];
	int c;
	switch (u->sort) {
	case SORT_RS:
		c = a->n_eps < b->n_eps ? 1 : a->n_eps > b->n_eps ? -1 : 0;
		break;
	case SORT_VIRTUAL:
		c = cmp_address(a, b);
		break;
	case SORT_SCHED:
		c = (int)a->kind - (int)b->kind;
		break;
	default:
		c = cmp_owner(a, b);
		break;
	}
	if (u->sort_reverse)
		c = -c;
	return c ? c : (ia > ib) - (ia < ib);
}

static void rebuild_fe_order(struct ui *u)
{
	const struct dataplane *dp = u->cur.dp;
	free(u->fe_order);
	u->fe_order = NULL;
	u->n_fe_order = 0;
	size_t n = dp->planes[u->plane].n_frontends;
	if (n == 0 || !(u->fe_order = malloc(n * sizeof(*u->fe_order))))
		return;
	for (size_t i = 0; i < dp->n_fe && u->n_fe_order < n; i++)
		if (dp->fe[i].plane == u->plane && fe_matches(u, i))
			u->fe_order[u->n_fe_order++] = i;
	qsort_r(u->fe_order, u->n_fe_order, sizeof(*u->fe_order), compare_fe, u);
}

const struct dp_frontend *ui_dp_selected(const struct ui *u)
{
	if (!ui_dp_shown(u) || u->fe.sel >= u->n_fe_order)
		return NULL;
	return &u->cur.dp->fe[u->fe_order[u->fe.sel]];
}

void ui_dp_remember(struct ui *u)
{
	const struct dp_frontend *f = ui_dp_selected(u);
	u->have_sel_fe = f != NULL;
	if (f)
		key_of(f, &u->sel_fe);
}

static void restore_fe_selection(struct ui *u)
{
	const struct dp_frontend *fe = u->cur.dp->fe;
	if (u->have_sel_fe &&
	    !(u->fe.sel < u->n_fe_order && same_key(&fe[u->fe_order[u->fe.sel]], &u->sel_fe)))
		for (size_t i = 0; i < u->n_fe_order; i++)
			if (same_key(&fe[u->fe_order[i]], &u->sel_fe)) {
				u->fe.sel = i;
				break;
			}
	if (u->fe.sel >= u->n_fe_order)
		u->fe.sel = u->n_fe_order ? u->n_fe_order - 1 : 0;
	const struct dp_frontend *f = ui_dp_selected(u);
	size_t ne = f ? f->n_eps : 0;
	if (u->ep.sel >= ne)
		u->ep.sel = ne ? ne - 1 : 0;
}

void ui_dp_refresh(struct ui *u)
{
	if (!u->plane_chosen)
		u->plane = running_plane(u);
	if (!ui_dp_shown(u)) {
		free(u->fe_order);
		u->fe_order = NULL;
		u->n_fe_order = 0;
		return;
	}
	derive_fe_drift(u);
	rebuild_fe_order(u);
	restore_fe_selection(u);
}

/* ---- keys ---- */

/* The key's name as the help lists it, first of its names ("v"). */
static void plane_key_name(char *buf, size_t len)
{
	buf[0] = '\0';
	for (size_t i = 0; i < keymap_n_bindings; i++)
		if (keymap_bindings[i].action == ACT_PLANE) {
			snprintf(buf, len, "%s", _(keymap_bindings[i].names));
			break;
		}
	char *comma = strchr(buf, ',');
	if (comma)
		*comma = '\0';
}

void ui_dp_next_plane(struct ui *u)
{
	if (!dp_of(u)) {
		ui_set_status(u, true,
			      dp_reading(u)
				  ? _("The other data planes are being read.")
				  : _("The other data planes are not read (a replay, or --no-dataplane)."));
		return;
	}
	/* IPVS always, and each other plane holding kube-proxy's rules. */
	enum dp_plane_kind k = u->plane;
	do
		k = (enum dp_plane_kind)((k + 1) % DP_N_PLANES);
	while (k != u->plane && k != DP_IPVS && !plane_present(u, k));
	if (k == u->plane) {
		ui_set_statusf(u, false, _("Only one data plane on this node: %s."),
			       dp_plane_name(k));
		return;
	}
	ui_rows_remember(u);
	u->plane = k;
	u->plane_chosen = true;
	u->fe.sel = u->fe.top = u->ep.sel = u->ep.top = 0;
	if (u->focus == PANE_DESTS)
		u->focus = PANE_SERVICES;
	ui_rows_refresh(u);
	ui_set_statusf(u, false, _("The services pane shows %s."), dp_plane_name(k));
}

void ui_dp_drift(struct ui *u)
{
	/* Turning it off needs no join (it may have been turned on over the IPVS table). */
	if (!u->drift_only && !ui_dp_joined(u)) {
		ui_set_status(u, true,
			      _("No drift to show: these frontends are not joined with the cluster "
				"(see the header)."));
		return;
	}
	ui_rows_remember(u);
	u->drift_only = !u->drift_only;
	ui_rows_refresh(u);
}

void ui_dp_sort_next(struct ui *u)
{
	static const enum sort_key cycle[] = {SORT_ACTIVE, SORT_RS, SORT_VIRTUAL, SORT_SCHED};
	size_t i = 0;
	while (i < 4 && cycle[i] != u->sort)
		i++;
	ui_rows_remember(u);
	u->sort = cycle[i < 4 ? (i + 1) % 4 : 0];
	ui_rows_refresh(u);
}

const char *ui_dp_sort_name(const struct ui *u)
{
	switch (u->sort) {
	case SORT_RS:
		return _("endpoints");
	case SORT_VIRTUAL:
		return _("frontend address");
	case SORT_SCHED:
		return _("kind");
	default:
		return _("Service");
	}
}

/* ---- the header ---- */

/*
 * "Data planes: ipvs 412 frontends, nftables 410; kube-proxy runs nftables; v: show the
 * next", or "reading..." before the first read, or that none has Service frontends.
 */
static void planes_line(const struct ui *u, char *line, size_t len)
{
	int present = 0;
	for (int k = 0; k < DP_N_PLANES; k++)
		present += plane_present(u, (enum dp_plane_kind)k);
	size_t n = (size_t)snprintf(line, len, "%s", _("Data planes:"));
	if (!dp_of(u) || !present) {
		snprintf(line + n, len - n, " %s",
			 dp_of(u) ? _("no Service frontends found") : _("reading..."));
		return;
	}
	bool first = true;
	for (int k = 0; k < DP_N_PLANES && n < len; k++) {
		if (!plane_present(u, (enum dp_plane_kind)k))
			continue;
		const char *name = dp_plane_name((enum dp_plane_kind)k);
		size_t c = plane_count(u, (enum dp_plane_kind)k);
		n += (size_t)snprintf(line + n, len - n, "%s", first ? " " : ", ");
		if (n < len)
			n += first ? (size_t)snprintf(line + n, len - n, _("%s %zu frontends"), name, c)
				   : (size_t)snprintf(line + n, len - n, "%s %zu", name, c);
		first = false;
	}
	const char *mode = running_mode(u);
	if (mode[0] && n < len)
		n += (size_t)snprintf(line + n, len - n, _("; kube-proxy runs %s"), mode);
	char key[16];
	plane_key_name(key, sizeof(key));
	if (present > 1 && n < len)
		snprintf(line + n, len - n, _("; %s: show the next"), key);
}

/* why without its plane's name in front ("iptables-nft: reading ..." says it twice). */
static const char *why_text(const char *name, const char *why)
{
	size_t l = strlen(name);
	return strncmp(why, name, l) == 0 && why[l] == ':' && why[l + 1] == ' ' ? why + l + 2 : why;
}

/* One thing the data-plane read could not read, and why. */
struct unread {
	const char *name, *why;
	int err; /* 0: not read on purpose (its module is not loaded) */
};

/* The planes, ipsets and kube-ipvs0 not read (their absence is not counted). Returns how many. */
static size_t list_unread(const struct dataplane *dp, struct unread *out)
{
	size_t n = 0;
	for (int k = DP_NFTABLES; k < DP_N_PLANES; k++) {
		const struct dp_plane *p = &dp->planes[k];
		if (p->error || (!p->read && p->why[0]))
			out[n++] = (struct unread){dp_plane_name((enum dp_plane_kind)k), p->why,
						   p->error};
	}
	if (dp->ipsets_read && dp->ipsets_error && dp->ipsets_error != -ENOENT)
		out[n++] = (struct unread){"ipsets", dp->ipsets_why, dp->ipsets_error};
	if (dp->kube_ipvs0_read && dp->kube_ipvs0_error)
		out[n++] = (struct unread){"kube-ipvs0", dp->kube_ipvs0_why, dp->kube_ipvs0_error};
	return n;
}

static bool no_capability(int err)
{
	return err == -EPERM || err == -EACCES;
}

/*
 * "Not read: nftables, ipsets (no CAP_NET_ADMIN); iptables-legacy: ...": what could not be
 * read, in one line; a missing capability said once for all it stopped.
 */
static bool unread_line(const struct ui *u, char *line, size_t len, bool *warn)
{
	const struct dataplane *dp = dp_of(u);
	struct unread un[DP_N_PLANES + 2];
	size_t m = dp ? list_unread(dp, un) : 0;
	if (!m)
		return false;
	size_t n = (size_t)snprintf(line, len, "%s", _("Not read:")), start = n, caps = 0;
	*warn = false;
	for (size_t i = 0; i < m && n < len; i++) {
		*warn |= un[i].err != 0;
		if (no_capability(un[i].err))
			n += (size_t)snprintf(line + n, len - n, "%s %s", caps++ ? "," : "",
					      un[i].name);
	}
	if (caps && n < len)
		n += (size_t)snprintf(line + n, len - n, " %s", _("(no CAP_NET_ADMIN: run as root)"));
	for (size_t i = 0; i < m && n < len; i++)
		if (!no_capability(un[i].err))
			n += (size_t)snprintf(line + n, len - n, "%s %s: %s", n > start ? ";" : "",
					      un[i].name, why_text(un[i].name, un[i].why));
	return true;
}

bool ui_dp_header(const struct ui *u, char *line, size_t len, char *tail, size_t tlen,
		  bool *warn)
{
	tail[0] = '\0';
	*warn = false;
	if (!dp_reading(u))
		return false;
	planes_line(u, line, len);
	unread_line(u, tail, tlen, warn);
	/* Leftovers of other modes, full ipsets, kube-ipvs0 short of Service IPs: K says more. */
	char probs[256];
	size_t t = strlen(tail);
	if (ui_kp_problems(u, probs, sizeof(probs)) && t < tlen) {
		snprintf(tail + t, tlen - t, "%s%s", t ? "; " : "", probs);
		*warn = true;
	}
	return true;
}
