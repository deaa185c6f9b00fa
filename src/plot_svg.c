/* SPDX-License-Identifier: GPL-2.0-or-later */
/* --plot: a recording's history as an SVG image, written here (it is a few kinds of element). */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cells.h"
#include "clock.h"
#include "history.h"
#include "nls.h"
#include "plot_svg.h"

/*
 * No plotting library: an SVG is text, and this one is rectangles, polylines, lines and
 * labels. cairo or plotutils would bring a large dependency (and their own fonts and
 * output quirks) for what a hundred fprintf calls say exactly, and tests can read what is
 * written here with any XML parser.
 */

#define W 960	     /* image width */
#define LEFT 120     /* room for the scale's labels */
#define RIGHT 20
#define PANEL_H 90   /* one series */
#define PANEL_GAP 34 /* its title above it */
#define TOP 60	     /* the title, the markers' legend */
#define BUCKETS 400  /* points of each line */

static const char *const series_ids[HS_COUNT] = {"cps",	  "inpps",  "outpps",  "inbps",
						 "outbps", "active", "inactive"};
static const char *const mark_ids[HM_COUNT] = {"weight0",	 "rs-added",	   "rs-removed",
					       "scheduler", "refresh-failed", "kube-proxy"};

/* s with XML's five special characters escaped. */
static void put_text(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&apos;", f); break;
		default: fputc(*s, f);
		}
	}
}

static const char *clock_of(double t, char *buf, size_t len)
{
	if (!clock_text(t, buf, len))
		snprintf(buf, len, "?");
	return buf;
}

struct plot {
	FILE *f;
	const struct history *h;
	uint64_t key;
	double t0, t1;
	int plot_w;
};

static double x_of(const struct plot *p, double t)
{
	return LEFT + (t - p->t0) / (p->t1 - p->t0) * p->plot_w;
}

/* The line of one series: polylines broken where nothing is known. */
static void put_line(const struct plot *p, const double *v, double top, int y0)
{
	bool open = false;
	for (int b = 0; b < BUCKETS; b++) {
		if (isnan(v[b])) {
			if (open)
				fputs("\"/>\n", p->f);
			open = false;
			continue;
		}
		if (!open)
			fputs("<polyline class=\"line\" fill=\"none\" stroke=\"#1f77b4\" points=\"", p->f);
		open = true;
		double x = LEFT + (b + 0.5) / BUCKETS * p->plot_w;
		fprintf(p->f, "%.2f,%.2f ", x, y0 + PANEL_H - v[b] / top * PANEL_H);
	}
	if (open)
		fputs("\"/>\n", p->f);
}

/* One series' panel: title with now/min/max, frame, scale, line. */
static int put_panel(const struct plot *p, int s, int y0)
{
	double v[BUCKETS], lo = NAN, hi = 0, now = NAN;
	history_series(p->h, p->key, (enum history_series)s, p->t0, p->t1, v, BUCKETS);
	for (int b = 0; b < BUCKETS; b++)
		if (!isnan(v[b])) {
			lo = isnan(lo) || v[b] < lo ? v[b] : lo;
			hi = v[b] > hi ? v[b] : hi;
			now = v[b];
		}
	double top = history_scale_top(hi);
	char a[24], b1[24], c[24], d[24];
	fprintf(p->f, "<g class=\"series\" id=\"%s\" data-top=\"%.17g\" data-y=\"%d\" "
		      "data-height=\"%d\">\n",
		series_ids[s], top, y0, PANEL_H);
	fprintf(p->f, "<text x=\"%d\" y=\"%d\" font-weight=\"bold\">", LEFT, y0 - 8);
	put_text(p->f, _(history_series_name((enum history_series)s)));
	if (isnan(now))
		fprintf(p->f, " — %s", _("no data"));
	else
		fprintf(p->f, _("  now %s  min %s  max %s"), cells_human(now, a, sizeof(a)),
			cells_human(lo, b1, sizeof(b1)), cells_human(hi, c, sizeof(c)));
	fputs("</text>\n", p->f);
	fprintf(p->f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"#f8f8f8\" "
		      "stroke=\"#999\"/>\n",
		LEFT, y0, p->plot_w, PANEL_H);
	fprintf(p->f, "<text class=\"scale\" x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n",
		LEFT - 6, y0 + 10, cells_human(top, d, sizeof(d)));
	fprintf(p->f, "<text class=\"scale\" x=\"%d\" y=\"%d\" text-anchor=\"end\">0</text>\n",
		LEFT - 6, y0 + PANEL_H);
	put_line(p, v, top, y0);
	fputs("</g>\n", p->f);
	return ferror(p->f) ? -EIO : 0;
}

/* Markers: a dashed line through every panel and a letter above, with the kind's name. */
static void put_markers(const struct plot *p, int y_end)
{
	struct history_marker mk[256];
	size_t n = history_markers(p->h, p->key, p->t0, p->t1, mk, 256);
	for (size_t i = 0; i < n; i++) {
		double x = x_of(p, mk[i].time);
		fprintf(p->f, "<g class=\"marker\" data-kind=\"%s\" data-time=\"%.3f\">\n",
			mark_ids[mk[i].kind], mk[i].time);
		fprintf(p->f, "<title>");
		put_text(p->f, _(history_mark_name(mk[i].kind)));
		fprintf(p->f, "</title>\n<line x1=\"%.2f\" y1=\"%d\" x2=\"%.2f\" y2=\"%d\" "
			      "stroke=\"#d62728\" stroke-dasharray=\"4 3\"/>\n",
			x, TOP - 6, x, y_end);
		fprintf(p->f, "<text x=\"%.2f\" y=\"%d\" text-anchor=\"middle\" fill=\"#d62728\">"
			      "%c</text>\n</g>\n",
			x, TOP - 10, history_mark_tag(mk[i].kind));
	}
}

/* The time axis under the panels: start, middle and end. */
static void put_axis(const struct plot *p, int y)
{
	char buf[40];
	for (int k = 0; k <= 2; k++) {
		double t = p->t0 + (p->t1 - p->t0) * k / 2;
		fprintf(p->f, "<text class=\"time\" x=\"%.2f\" y=\"%d\" text-anchor=\"%s\">%s</text>\n",
			x_of(p, t), y, k == 0 ? "start" : k == 1 ? "middle" : "end",
			clock_of(t, buf, sizeof(buf)));
	}
}

int plot_svg_write(FILE *f, const struct history *h, uint64_t key, const char *label)
{
	struct plot p = {.f = f, .h = h, .key = key, .plot_w = W - LEFT - RIGHT};
	p.t0 = history_oldest(h);
	p.t1 = history_newest(h);
	if (!(p.t1 > p.t0))
		return -ENODATA;
	int height = TOP + HS_COUNT * (PANEL_H + PANEL_GAP) + 30;
	char a[40], b[40];
	fprintf(f, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		   "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
		   "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\" "
		   "data-t0=\"%.3f\" data-t1=\"%.3f\" data-buckets=\"%d\" data-left=\"%d\" "
		   "data-width=\"%d\">\n",
		W, height, W, height, p.t0, p.t1, BUCKETS, LEFT, p.plot_w);
	fprintf(f, "<desc>history: %zu rows, %zu points a tier, %zu bytes</desc>\n",
		history_rows(h), history_points(h), history_bytes(h));
	fputs("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n<text x=\"10\" y=\"22\" "
	      "font-size=\"16\" font-weight=\"bold\">",
	      f);
	put_text(f, label);
	fprintf(f, "  %s – %s</text>\n", clock_of(p.t0, a, sizeof(a)), clock_of(p.t1, b, sizeof(b)));
	fputs("<text x=\"10\" y=\"40\" fill=\"#555\">", f);
	put_text(f, _("markers: 0 weight set to 0, + real server added, - real server removed, "
		      "s scheduler switched, ! refresh failed, k kube-proxy restarted"));
	fputs("</text>\n", f);
	int y = TOP + PANEL_GAP;
	for (int s = 0; s < HS_COUNT; s++, y += PANEL_H + PANEL_GAP)
		if (put_panel(&p, s, y) != 0)
			return -EIO;
	put_markers(&p, y - PANEL_GAP);
	put_axis(&p, y - PANEL_GAP + 16);
	fputs("</svg>\n", f);
	return ferror(f) ? -EIO : 0;
}

int plot_svg_run(const char *replay, const char *out, const struct ipvs_service *sel)
{
	FILE *in = fopen(replay, "r");
	if (!in) {
		fprintf(stderr, _("%s: cannot open recording '%s': %s\n"), PACKAGE, replay,
			strerror(errno));
		return 1;
	}
	struct history *h = history_new(HISTORY_BUDGET);
	size_t n = 0;
	int err = h ? history_read_recording(h, in, &n, NULL) : -ENOMEM;
	fclose(in);
	char label[128], addr[96];
	uint64_t key = HISTORY_KEY_TOTAL;
	snprintf(label, sizeof(label), "%s", _("all virtual services"));
	if (!err && sel) {
		key = history_key_service(sel);
		const char *proto = ipvs_proto_name(sel->protocol);
		if (sel->fwmark)
			snprintf(label, sizeof(label), "fwmark %u", sel->fwmark);
		else
			snprintf(label, sizeof(label), "%s %s", proto ? proto : "?",
				 ipvs_hostport_str(sel->af, &sel->addr, sel->port, addr,
						   sizeof(addr)));
		if (!history_has(h, key)) {
			fprintf(stderr, _("%s: virtual service %s is not in the recording\n"), PACKAGE,
				label);
			history_free(h);
			return 1;
		}
	}
	if (err || n < 2) {
		fprintf(stderr, _("%s: recording '%s': %s\n"), PACKAGE, replay,
			err ? strerror(-err) : _("fewer than two records, nothing to plot"));
		history_free(h);
		return 1;
	}
	FILE *f = fopen(out, "w");
	if (!f) {
		fprintf(stderr, _("%s: cannot write '%s': %s\n"), PACKAGE, out, strerror(errno));
		history_free(h);
		return 1;
	}
	err = plot_svg_write(f, h, key, label);
	if (fclose(f) != 0 && !err)
		err = -errno;
	history_free(h);
	if (err) {
		fprintf(stderr, _("%s: cannot write '%s': %s\n"), PACKAGE, out, strerror(-err));
		return 1;
	}
	return 0;
}
