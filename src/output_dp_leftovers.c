/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The leftovers of other proxy modes in the JSON "dataplane" section and the batch text. */
#include "config.h"

#include <stdio.h>

#include "dp_leftovers.h"
#include "nls.h"
#include "output_dp_leftovers.h"

/* What count counts, per entry (JSON: never translated). */
static const char *unit(enum dp_leftover_what w)
{
	switch (w) {
	case DPL_IPVS_SERVICES:
		return "virtual_services";
	case DPL_KUBE_IPVS0:
		return "addresses";
	case DPL_IPSETS:
	case DPL_IPSETS_V6:
		return "sets";
	default:
		return "rules";
	}
}

static const char *cleanup_cmd(enum dp_cleanup c)
{
	return c == DPC_BY_HAND ? "ipset destroy" : "kube-proxy --cleanup";
}

void output_dp_leftovers_json(struct jw *w, const struct dp_leftovers *lo)
{
	jw_string(w, "leftovers_mode", dp_mode_name(lo->mode));
	jw_string(w, "leftovers_mode_from", lo->mode_from);
	jw_open(w, "leftovers", '[');
	for (int i = 0; i < DPL_N; i++) {
		const struct dp_leftover *e = &lo->e[i];
		if (!e->present)
			continue;
		jw_open(w, NULL, '{');
		jw_string(w, "what", dp_leftover_name(e->what));
		jw_string(w, "mode", dp_mode_name(e->mode));
		jw_bool(w, "leftover", e->leftover);
		jw_u64(w, "count", e->count);
		jw_string(w, "unit", unit(e->what));
		if (e->what == DPL_IPTABLES_NFT || e->what == DPL_IPTABLES_LEGACY ||
		    e->what == DPL_NFTABLES)
			jw_u64(w, "frontends", e->frontends);
		if (e->what == DPL_IPSETS || e->what == DPL_IPSETS_V6)
			jw_u64(w, "full", e->full);
		if (e->what == DPL_IPVS_SERVICES) {
			if (e->not_known)
				jw_null(w, "not_kube_proxy");
			else
				jw_u64(w, "not_kube_proxy", e->not_kube_proxy);
		}
		jw_string(w, "cleanup", cleanup_cmd(e->cleanup));
		jw_bool(w, "cleaned_at_start", e->cleaned_at_start);
		jw_close(w, '}');
	}
	jw_close(w, ']');
}

/* "kube-proxy's virtual services: 12", "addresses: 3", ... (translated). */
static void count_words(FILE *f, const struct dp_leftover *e)
{
	unsigned long n = (unsigned long)e->count;
	switch (e->what) {
	case DPL_IPVS_SERVICES:
		fprintf(f, _("kube-proxy's virtual services: %lu"), n);
		break;
	case DPL_KUBE_IPVS0:
		fprintf(f, _("addresses: %lu"), n);
		break;
	case DPL_IPSETS:
	case DPL_IPSETS_V6:
		fprintf(f, _("sets: %lu"), n);
		if (e->full)
			fprintf(f, _(", full: %lu"), (unsigned long)e->full);
		break;
	default:
		fprintf(f, _("rules: %lu, frontends: %lu"), n, (unsigned long)e->frontends);
	}
}

/* What cleans e, and what running that also removes. */
static void cleanup_words(FILE *f, const struct dp_leftover *e, enum dp_mode running)
{
	if (e->cleanup == DPC_BY_HAND) {
		fputs(_("; kube-proxy's cleanup leaves it (it destroys the IPv4 names only): "
			"ipset destroy, or a reboot"),
		      f);
		return;
	}
	fputs(_("; cleaned by kube-proxy --cleanup"), f);
	if (e->cleaned_at_start)
		fprintf(f,
			_(" (kube-proxy in %s mode ran it when it started: still here, it failed"
			  " or missed this)"),
			dp_mode_name(running));
	if (e->what == DPL_IPTABLES_NFT || e->what == DPL_IPTABLES_LEGACY)
		fputs(_("; it cleans only the iptables backend (nft or legacy) kube-proxy's own "
			"iptables uses"),
		      f);
}

void output_dp_leftovers_text(FILE *f, const struct dp_leftovers *lo)
{
	if (!lo->n_present)
		return;
	const char *m = dp_mode_name(lo->mode);
	if (m)
		fprintf(f, _("Proxy modes' state (kube-proxy runs %s, from its %s):\n"), m,
			lo->mode_from ? lo->mode_from : "?");
	else
		fputs(
		    _("Proxy modes' state (kube-proxy's running mode is unknown: nothing is called "
		      "a leftover):\n"),
		    f);
	const struct dp_leftover *ipvs = &lo->e[DPL_IPVS_SERVICES];
	for (int i = 0; i < DPL_N; i++) {
		const struct dp_leftover *e = &lo->e[i];
		if (!e->present)
			continue;
		fprintf(f, "  %-16s ", dp_leftover_name(e->what));
		if (e->leftover)
			fprintf(f, _("LEFTOVER of %s mode: "), dp_mode_name(e->mode));
		else if (m && e->mode == lo->mode)
			fputs(_("in use: "), f);
		else
			fprintf(f, _("%s mode: "), dp_mode_name(e->mode));
		count_words(f, e);
		if (e->leftover)
			cleanup_words(f, e, lo->mode);
		fputc('\n', f);
	}
	if (lo->n_leftover && ipvs->present) {
		if (ipvs->not_known)
			fputs(
			    _("  kube-proxy --cleanup flushes the whole IPVS table; which virtual "
			      "services are not kube-proxy's is unknown without the cluster's "
			      "Services\n"),
			    f);
		else if (ipvs->not_kube_proxy)
			fprintf(f,
				_("  kube-proxy --cleanup flushes the whole IPVS table: it also "
				  "removes "
				  "the virtual services that are not kube-proxy's: %lu\n"),
				(unsigned long)ipvs->not_kube_proxy);
	}
	if (lo->n_leftover)
		fputs(_("  kube-proxy --cleanup also removes the running mode's rules until "
			"kube-proxy syncs again; ipvstop never cleans anything\n"),
		      f);
	fputc('\n', f);
}
