/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The K page: kube-proxy on this node, what a new connection costs per plane, and why. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "cells.h"
#include "dp_cost.h"
#include "dp_join.h"
#include "dp_leftovers.h"
#include "output_dp_leftovers.h"
#include "kp_health.h"
#include "nls.h"
#include "ui_internal.h"

/*
 * Why the numbers above matter, with the measurements published elsewhere (doc/ipvstop.8,
 * NEW CONNECTIONS, says the same with its sources). One entry a line, each short enough for
 * 100 columns once translated; a line starting with a space is a source, drawn dim.
 */
static const char *const why_lines[] = {
    N_("Only the first packet of a connection looks its Service up in kube-proxy's rules;"),
    N_("conntrack carries the packets after it. So the cost is paid per new connection:"),
    N_("- iptables: KUBE-SERVICES has a rule per Service port, tested in order until one"),
    N_("  matches: the cost grows with the number of Services (O(n))."),
    N_("- ipvs: one lookup in the kernel's hash table of virtual services: flat at any size."),
    N_("- nftables: one lookup in the service-ips verdict map: flat at any size."),
    N_("Keeping the rules current costs too: iptables-restore rewrites kube-proxy's rules"),
    N_("at every sync; IPVS and nftables change only what changed (the sync time above)."),
    "",
    N_("Measured elsewhere:"),
    N_("- Adding one iptables rule took 2 ms with 1 Service (8 rules), 11 min with 5,000"),
    N_("  (40,000 rules) and 5 hours with 20,000 (160,000 rules); in IPVS it did not grow."),
    N_(" KubeCon Europe 2017, \"Scale Kubernetes to Support 50,000 Services\", Haibin Xie;"),
    N_(" the table is in kubernetes/community#692."),
    N_("- At 10,000 Services, a client opening a new connection per request at 1,000 req/s"),
    N_("  cost about 35% of a core with iptables against about 8% with IPVS."),
    N_(" Tigera, \"Comparing kube-proxy modes: iptables or IPVS?\"."),
    N_("- nftables mode keeps the first packet's latency flat as Services grow, like IPVS."),
    N_(" kubernetes.io blog, 2025-02-28, \"NFTables mode for kube-proxy\"."),
};

/*
 * text from column 2, cut at spaces into lines that fit the screen (display cells, so a
 * translation's wide characters count right). Returns the next free line.
 */
static int put_wrapped(int y, const char *text, attr_t attr)
{
	char line[1024];
	int width = COLS - 2;
	while (*text && y < LINES) {
		size_t n = strlen(text), cut = n;
		snprintf(line, sizeof(line), "%s", text);
		/* The longest prefix ending at a space that fits; a word longer than the line is
		 * cut. */
		while (cut < sizeof(line) && cells_width(line) > width) {
			char *sp = strrchr(line, ' ');
			if (!sp || sp == line)
				break;
			*sp = '\0';
			cut = (size_t)(sp - line);
		}
		ui_draw_put(y++, 2, width, line, 0, attr);
		text += cut < n ? cut + 1 : n;
	}
	return y;
}

static attr_t warn_attr(const struct ui *u)
{
	return u->color ? COLOR_PAIR(CP_WARN) | A_BOLD : A_BOLD | A_UNDERLINE;
}

/* kube-proxy here: its mode, the health line, the details, conn_reuse_mode. */
static int draw_health(const struct ui *u, int y, double now)
{
	const struct kube_state *k = u->kv ? u->kv->k : NULL;
	char line[1024];
	ui_draw_put(y++, 0, COLS, _("kube-proxy on this node"), 0, A_BOLD);
	if (!k || !k->kp.asked) {
		ui_draw_put(
		    y++, 2, COLS - 2,
		    _("not read: its port (127.0.0.1:10249) is asked with the cluster, which "
		      "is not read (see the header)"),
		    0, A_DIM);
		return y;
	}
	snprintf(line, sizeof(line), _("mode (its /proxyMode): %s"),
		 k->local_mode[0] ? k->local_mode : "?");
	ui_draw_put(y++, 2, COLS - 2, line, 0, A_NORMAL);
	struct kp_conn_reuse cr;
	kp_conn_reuse_of(u->have ? &u->cur : NULL, k, &cr);
	bool warn;
	kp_health_text(k, now, &cr, line, sizeof(line), &warn);
	y = put_wrapped(y, line, warn ? warn_attr(u) : A_NORMAL);
	struct kp_health h;
	if (kp_health_of(k, now, &h)) {
		snprintf(
		    line, sizeof(line),
		    _("a queued sync not done after %.0f s is hung; failures since it started: "
		      "%.0f iptables-restore, %.0f partial, %.0f nftables"),
		    h.hung_threshold, h.restore_failures, h.partial_restore_failures,
		    h.nft_sync_failures);
		ui_draw_put(y++, 2, COLS - 2, line, 0, A_DIM);
	}
	if (cr.known) {
		snprintf(
		    line, sizeof(line),
		    cr.kube_proxy_sets == 0
			? _("net.ipv4.vs.conn_reuse_mode %ld on kernel %d.%d: kube-proxy in ipvs "
			    "mode sets 0 on this kernel")
			: _("net.ipv4.vs.conn_reuse_mode %ld on kernel %d.%d: kube-proxy leaves it "
			    "as it is on this kernel"),
		    cr.value, cr.major, cr.minor);
		y = put_wrapped(y, line, cr.mismatch ? warn_attr(u) : A_DIM);
		if (cr.mismatch)
			y = put_wrapped(y, _(cr.why), warn_attr(u));
	}
	return y;
}

static int draw_cost(const struct ui *u, int y)
{
	char line[512], text[400];
	ui_draw_put(y++, 0, COLS, _("What a new connection costs on this node"), 0, A_BOLD);
	struct dp_cost c;
	memset(&c, 0, sizeof(c));
	if (u->have)
		dp_cost_of(&u->cur, u->kv ? u->kv->k : NULL, &c);
	for (size_t i = 0; i < c.n && y < LINES; i++) {
		snprintf(line, sizeof(line), "%-16s %s", dp_plane_name(c.line[i].plane),
			 dp_cost_text(&c.line[i], text, sizeof(text)));
		ui_draw_put(y++, 2, COLS - 2, line, 0, A_NORMAL);
	}
	if (c.n == 0)
		ui_draw_put(y++, 2, COLS - 2,
			    _("no data plane here: the IPVS table is empty and no kube-proxy rules "
			      "were read"),
			    0, A_DIM);
	if (u->have && !u->cur.dp)
		ui_draw_put(y++, 2, COLS - 2,
			    _("(kube-proxy's nftables and iptables rules are not read here: a "
			      "replay, --no-dataplane, or their first read is under way)"),
			    0, A_DIM);
	return y;
}

/*
 * Every proxy mode's state on this node, in the words of -b (output_dp_leftovers_text): the
 * title, a line per entry present (a leftover drawn as a warning), then what the cleanup
 * would also remove.
 */
static int draw_leftovers(const struct ui *u, int y)
{
	struct dp_leftovers lo;
	dp_leftovers_of(&u->cur, u->kv, &lo);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = lo.n_present ? open_memstream(&buf, &len) : NULL;
	if (!f)
		return y;
	output_dp_leftovers_text(f, &lo);
	if (fclose(f) != 0) {
		free(buf);
		return y;
	}
	int i = 0, entry = -1;
	char *save = NULL;
	for (char *l = strtok_r(buf, "\n", &save); l && y < LINES;
	     l = strtok_r(NULL, "\n", &save)) {
		attr_t a = lo.n_leftover ? warn_attr(u) : A_NORMAL;
		if (i++ == 0) {
			ui_draw_put(y++, 0, COLS, l, 0, A_BOLD);
			continue;
		}
		/* The entries' lines come in the order of lo.e, present ones only. */
		while (entry < DPL_N && (++entry < DPL_N) && !lo.e[entry].present)
			;
		if (entry < DPL_N)
			a = lo.e[entry].leftover ? warn_attr(u) : A_NORMAL;
		y = put_wrapped(y, l, a);
	}
	free(buf);
	return y;
}

/* ipvs mode's needs besides the table: kube-ipvs0 against the Service IPs, full ipsets. */
static int draw_ipvs_needs(const struct ui *u, int y)
{
	const struct dp_join *dj = u->kv ? u->kv->dpj : NULL;
	char line[256];
	if (!dj)
		return y;
	if (dj->kube_ipvs0_checked && y < LINES) {
		snprintf(line, sizeof(line),
			 _("kube-ipvs0 against the Service IPs: %zu missing, %zu extra"),
			 dj->kube_ipvs0.n_missing, dj->kube_ipvs0.n_extra);
		bool bad = dj->kube_ipvs0.n_missing || dj->kube_ipvs0.n_extra;
		ui_draw_put(y++, 2, COLS - 2, line, 0, bad ? warn_attr(u) : A_NORMAL);
	}
	for (size_t i = 0; i < dj->n_ipsets && dj->dp && i < dj->dp->n_ipsets && y < LINES; i++) {
		const struct dp_ipset *set = &dj->dp->ipsets[i];
		if (dj->ipset_fill[i] == DP_IPSET_OK)
			continue;
		snprintf(line, sizeof(line),
			 dj->ipset_fill[i] == DP_IPSET_FULL
			     ? _("ipset %s FULL: %llu of maxelem %llu: new Services get no rules")
			     : _("ipset %s nearly full: %llu of maxelem %llu"),
			 set->name, (unsigned long long)set->entries,
			 (unsigned long long)set->maxelem);
		ui_draw_put(y++, 2, COLS - 2, line, 0, warn_attr(u));
	}
	return y;
}

bool ui_kp_problems(const struct ui *u, char *buf, size_t len)
{
	size_t n = 0;
	buf[0] = '\0';
	if (!u->have)
		return false;
	struct dp_leftovers lo;
	dp_leftovers_of(&u->cur, u->kv, &lo);
	if (lo.n_leftover) {
		n += (size_t)snprintf(buf + n, len - n, "%s", _("! leftovers of other modes:"));
		for (int i = 0; i < DPL_N && n < len; i++)
			if (lo.e[i].leftover)
				n += (size_t)snprintf(buf + n, len - n, " %s",
						      dp_leftover_name(lo.e[i].what));
	}
	const struct dp_join *dj = u->kv ? u->kv->dpj : NULL;
	if (dj && dj->n_ipsets_full && n < len)
		n += (size_t)snprintf(buf + n, len - n, _("%s! %zu ipsets full"), n ? "; " : "",
				      dj->n_ipsets_full);
	if (dj && dj->kube_ipvs0_checked && dj->kube_ipvs0.n_missing && n < len)
		n += (size_t)snprintf(buf + n, len - n, _("%s! kube-ipvs0 lacks %zu Service IPs"),
				      n ? "; " : "", dj->kube_ipvs0.n_missing);
	if (n && n < len)
		snprintf(buf + n, len - n, " %s", _("(K)"));
	return n > 0;
}

void ui_kp_draw(const struct ui *u)
{
	int y = 0;
	ui_draw_put(y++, 0, COLS,
		    _("kube-proxy here and what a new connection costs (any key closes this page)"),
		    0, A_BOLD | A_REVERSE);
	y++;
	double now = clock_seconds(CLOCK_REALTIME);
	y = draw_health(u, y, now) + 1;
	if (y < LINES)
		y = draw_cost(u, y) + 1;
	if (y < LINES && u->have) {
		int y0 = y;
		y = draw_ipvs_needs(u, draw_leftovers(u, y));
		y += y > y0;
	}
	for (size_t i = 0; i < sizeof(why_lines) / sizeof(why_lines[0]) && y < LINES; i++, y++) {
		const char *l = why_lines[i][0] ? _(why_lines[i]) : "";
		ui_draw_put(y, 2, COLS - 2, l, 0, why_lines[i][0] == ' ' ? A_DIM : A_NORMAL);
	}
}
