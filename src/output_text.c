/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Batch text frames for people: translated labels, columns padded in display cells. */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <sys/socket.h>

#include "cells.h"
#include "clock.h"
#include "nls.h"
#include "kube_side.h"
#include "kube_text.h"
#include "output_dataplane.h"
#include "output_kp.h"
#include "output_text.h"

struct totals {
	size_t dests;
	uint64_t active, inactive;
	uint64_t cps, inpps, outpps, inbps, outbps;
};

static void sum(const struct snapshot *s, struct totals *t)
{
	memset(t, 0, sizeof(*t));
	for (size_t i = 0; i < s->n_services; i++) {
		const struct ipvs_service *svc = snapshot_service(s, i);
		t->dests += svc->n_dests;
		t->cps += svc->stats.cps;
		t->inpps += svc->stats.inpps;
		t->outpps += svc->stats.outpps;
		t->inbps += svc->stats.inbps;
		t->outbps += svc->stats.outbps;
		for (size_t j = 0; j < svc->n_dests; j++) {
			t->active += svc->dests[j].active_conns;
			t->inactive += svc->dests[j].inactive_conns;
		}
	}
}

static const char *num(uint64_t v, bool exact, char *buf, size_t len)
{
	/* Below 1000 the human form is the exact one: no double formatting for it. */
	if (exact || v < 1000)
		return cells_u64(v, buf, len);
	return cells_human((double)v, buf, len);
}

/* Columns of the table, headers translated when drawn. */
static const struct column {
	const char *title;
	int width;
	int right;
} columns[] = {
	{N_("PROT"), 5, 0},    {N_("VIRTUAL / REAL SERVER"), 46, 0}, {N_("SCHED"), 7, 0},
	{N_("FLAGS"), 16, 0},  {N_("ACTIVE"), 7, 1},  {N_("INACT"), 7, 1},
	{N_("CONN/S"), 7, 1},  {N_("INPPS"), 7, 1},   {N_("OUTPPS"), 7, 1},
	{N_("IN B/S"), 7, 1},  {N_("OUT B/S"), 7, 1},
};
#define NCOLS (sizeof(columns) / sizeof(columns[0]))

/*
 * One cell at p (room for 255 bytes) as cells_pad() makes it; returns its end. A cell of
 * printable ASCII that fits, nearly every one, is copied and padded directly.
 */
static char *pad_cell(const char *c, int width, int right, char *p)
{
	size_t n = 0;
	while ((unsigned char)c[n] >= 0x20 && (unsigned char)c[n] < 0x7f)
		n++;
	if (c[n] || n > (size_t)width) {
		cells_pad(c, width, right, p, 255);
		return p + strlen(p);
	}
	size_t pad = (size_t)width - n;
	if (right) {
		memset(p, ' ', pad);
		memcpy(p + pad, c, n);
	} else {
		memcpy(p, c, n);
		memset(p + n, ' ', pad);
	}
	return p + width;
}

/*
 * extra: the Kubernetes owner or pod, after the fixed columns ("" for none). The fixed
 * columns are gathered into one line and written with one call: a stdio call per cell was
 * a tenth of the batch frame's time on 100,000 real servers (bench/).
 */
static void row(FILE *f, const char *const cells[NCOLS], const char *extra)
{
	char line[NCOLS * 256 + 2], *p = line;
	for (size_t i = 0; i < NCOLS; i++) {
		if (i)
			*p++ = ' ';
		p = pad_cell(cells[i], columns[i].width, columns[i].right, p);
	}
	if (extra && extra[0]) {
		*p++ = ' ';
		fwrite(line, 1, (size_t)(p - line), f);
		cells_fputs(extra, f);
		fputc('\n', f);
		return;
	}
	*p++ = '\n';
	fwrite(line, 1, (size_t)(p - line), f);
}

/* "masq w 1": the forwarding method, the translated "w", the weight. */
static void weight_cell(const struct ipvs_dest *d, const char *w_label, char *buf, size_t len)
{
	const char *fwd = ipvs_fwd_name(d->fwd);
	size_t a = strlen(fwd), b = strlen(w_label);
	if (a + b + 2 + 12 > len) {
		snprintf(buf, len, "%s %s %d", fwd, w_label, d->weight);
		return;
	}
	memcpy(buf, fwd, a);
	buf[a] = ' ';
	memcpy(buf + a + 1, w_label, b);
	buf[a + 1 + b] = ' ';
	char *p = buf + a + b + 2;
	uint64_t m = d->weight < 0 ? (uint64_t)0 - (uint64_t)(int64_t)d->weight : (uint64_t)d->weight;
	if (d->weight < 0)
		*p++ = '-';
	cells_u64(m, p, 12);
}

static void service_flags(const struct ipvs_service *svc, char *buf, size_t len)
{
	size_t n = 0;
	buf[0] = '\0';
	if (svc->flags & IPVS_SVC_PERSISTENT)
		n += (size_t)snprintf(buf + n, len - n, "%s %u ", _("persist"), svc->timeout);
	if (n < len && (svc->flags & IPVS_SVC_ONEPACKET))
		n += (size_t)snprintf(buf + n, len - n, "ops ");
	if (n < len && (svc->flags & IPVS_SVC_SCHED1))
		n += (size_t)snprintf(buf + n, len - n, "fallback ");
	if (n < len && (svc->flags & IPVS_SVC_SCHED2))
		n += (size_t)snprintf(buf + n, len - n, "port ");
	if (n < len && svc->pe[0])
		n += (size_t)snprintf(buf + n, len - n, "pe %s ", svc->pe);
	if (n > 0 && n < len)
		buf[n - 1] = '\0';
}

static void service_name(const struct ipvs_service *svc, char *buf, size_t len)
{
	if (svc->fwmark)
		snprintf(buf, len, "FWM %u%s", svc->fwmark, svc->af == AF_INET6 ? " IPv6" : "");
	else
		ipvs_hostport_str(svc->af, &svc->addr, svc->port, buf, len);
}

static void write_header(FILE *f, const struct snapshot *s, bool exact)
{
	char tbuf[64], b[6][24], safe[2][sizeof(s->ipvs_error)];
	/* Text from the kernel or a recording goes through cells_safe: never raw to a terminal. */
	clock_text(s->time, tbuf, sizeof(tbuf));
	fprintf(f, "ipvstop %s - %s - %s\n", PACKAGE_VERSION,
		cells_safe(s->host, safe[0], sizeof(safe[0])), tbuf);

	if (!s->ipvs_available) {
		fprintf(f, "%s %s\n", _("IPVS:"),
			cells_safe(s->ipvs_error, safe[0], sizeof(safe[0])));
	} else {
		fprintf(f, _("IPVS %u.%u.%u, connection table %u, read from %s"), s->version >> 16,
			(s->version >> 8) & 0xff, s->version & 0xff, s->conn_tab_size,
			s->source == IPVS_SOURCE_PROC ? "/proc/net/ip_vs" : "netlink");
		fputc('\n', f);
		if (s->ipvs_error[0])
			fprintf(f, "%s %s\n", _("Note:"),
				cells_safe(s->ipvs_error, safe[0], sizeof(safe[0])));
	}
	if (s->timeouts_known)
		fprintf(f, _("Timeouts: tcp %us, tcp_fin %us, udp %us\n"), s->timeout_tcp,
			s->timeout_tcp_fin, s->timeout_udp);
	for (size_t i = 0; i < s->n_daemons; i++)
		fprintf(f, _("Sync daemon: %s on %s, syncid %u\n"),
			cells_safe(s->daemons[i].state, safe[0], sizeof(safe[0])),
			cells_safe(s->daemons[i].mcast_ifn, safe[1], sizeof(safe[1])),
			s->daemons[i].syncid);

	struct totals t2;
	sum(s, &t2);
	fprintf(f, _("Services: %zu, real servers: %zu, connections: %s active, %s inactive\n"),
		s->n_services, t2.dests, num(t2.active, exact, b[0], sizeof(b[0])),
		num(t2.inactive, exact, b[1], sizeof(b[1])));
	fprintf(f, _("Rates: %s conn/s; in %s pkt/s %s B/s; out %s pkt/s %s B/s\n"),
		num(t2.cps, exact, b[0], sizeof(b[0])), num(t2.inpps, exact, b[1], sizeof(b[1])),
		num(t2.inbps, exact, b[2], sizeof(b[2])), num(t2.outpps, exact, b[3], sizeof(b[3])),
		num(t2.outbps, exact, b[4], sizeof(b[4])));

	if (s->n_modules) {
		size_t missing = 0;
		fputs(_("Modules:"), f);
		for (size_t i = 0; i < s->n_modules; i++) {
			enum module_state st = s->modules[i].state;
			if (st == MODULE_LOADED || st == MODULE_BUILTIN)
				fprintf(f, " %s",
					cells_safe(s->modules[i].name, safe[0], sizeof(safe[0])));
			else if (st == MODULE_MISSING)
				missing++;
		}
		fputc('\n', f);
		if (missing) {
			fputs(_("Missing modules:"), f);
			for (size_t i = 0; i < s->n_modules; i++)
				if (s->modules[i].state == MODULE_MISSING)
					fprintf(f, " %s",
						cells_safe(s->modules[i].name, safe[0],
							   sizeof(safe[0])));
			fputc('\n', f);
		}
	}
	if (s->have_conns)
		fprintf(f, _("Connection entries: %" PRIu64 "%s\n"), s->conns.total,
			s->conns.truncated ? _(" (list truncated)") : "");
}

int output_text(FILE *f, const struct snapshot *s, bool exact, const struct kube_view *kv)
{
	const char *cells[NCOLS];
	char name[80], flags[64], proto[8], b[8][24], kube[300];
	struct kube_text kt;

	write_header(f, s, exact);
	kube_text_summary(kv, s, &kt);
	for (size_t i = 0; i < kt.n; i++) {
		cells_fputs(kt.line[i], f);
		fputc('\n', f);
	}
	fputc('\n', f);
	for (size_t i = 0; i < NCOLS; i++)
		cells[i] = _(columns[i].title);
	row(f, cells, kv && kv->j ? _("KUBERNETES") : "");
	const char *w_label = _("w"); /* once, not once a real server */

	for (size_t i = 0; i < s->n_services; i++) {
		const struct ipvs_service *svc = snapshot_service(s, i);
		uint64_t act, inact;
		service_conn_totals(svc, &act, &inact);
		const char *p = ipvs_proto_name(svc->protocol);
		snprintf(proto, sizeof(proto), "%s", svc->fwmark ? "FWM" : p ? p : "?");
		for (char *c = proto; *c; c++)
			*c = (char)(*c >= 'a' && *c <= 'z' ? *c - 32 : *c);
		service_name(svc, name, sizeof(name));
		service_flags(svc, flags, sizeof(flags));
		const char *sc[NCOLS] = {
			proto,
			name,
			svc->sched,
			flags,
			num(act, exact, b[0], sizeof(b[0])),
			num(inact, exact, b[1], sizeof(b[1])),
			num(svc->stats.cps, exact, b[2], sizeof(b[2])),
			num(svc->stats.inpps, exact, b[3], sizeof(b[3])),
			num(svc->stats.outpps, exact, b[4], sizeof(b[4])),
			num(svc->stats.inbps, exact, b[5], sizeof(b[5])),
			num(svc->stats.outbps, exact, b[6], sizeof(b[6])),
		};
		kube_text_owner(kv, i, kube, sizeof(kube));
		if (kube_text_service_drift(kv, i))
			snprintf(kube + strlen(kube), sizeof(kube) - strlen(kube), "%s", _(" [drift]"));
		row(f, sc, kube);
		for (size_t j = 0; j < svc->n_dests; j++) {
			const struct ipvs_dest *d = &svc->dests[j];
			char dname[80], wbuf[40];
			memcpy(dname, "  -> ", 5);
			ipvs_hostport_str(d->af, &d->addr, d->port, dname + 5, 64);
			weight_cell(d, w_label, wbuf, sizeof(wbuf));
			const char *dc[NCOLS] = {
				"",
				dname,
				"",
				wbuf,
				num(d->active_conns, exact, b[0], sizeof(b[0])),
				num(d->inactive_conns, exact, b[1], sizeof(b[1])),
				num(d->stats.cps, exact, b[2], sizeof(b[2])),
				num(d->stats.inpps, exact, b[3], sizeof(b[3])),
				num(d->stats.outpps, exact, b[4], sizeof(b[4])),
				num(d->stats.inbps, exact, b[5], sizeof(b[5])),
				num(d->stats.outbps, exact, b[6], sizeof(b[6])),
			};
			row(f, dc, kube_text_pod(kv, i, j, kube, sizeof(kube)));
		}
	}
	fputc('\n', f);
	if (s->dp)
		output_dataplane_text(f, s, kv);
	output_cost_text(f, s, kv);
	if (fflush(f) != 0 || ferror(f))
		return -(errno ? errno : EIO);
	return 0;
}
