/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A mode switch verified where ipvstop runs: kube-proxy's log says which proxier started;
 * the rules it programmed say whether the Services reach their endpoints through it.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "action_call.h"
#include "action_verify.h"
#include "clock.h"
#include "dataplane.h"
#include "dp_verify.h"
#include "kube_parse.h"
#include "nls.h"

/* Every Service, one list (the action's client; kube_sync's state is the dashboard's). */
static int list_services(struct kube_http *h, struct kube_items *it, const struct action_io *io)
{
	struct call c;
	char why[512];
	it->kind = KUBE_ITEM_SERVICE;
	int rc = call(h, "GET", "/api/v1/services", NULL, NULL, &c);
	if (rc == 0 && c.status != 200) {
		call_error(&c, why, sizeof(why));
		action_say(io, true, _("Listing the Services to verify this node failed: %s"), why);
		rc = -EIO;
	} else if (rc == 0 && kube_parse_list(c.body, c.len, kube_items_add, it, NULL, 0, NULL, 0) < 0) {
		action_say(io, true, "%s",
			   _("The Services' list could not be read: this node is not verified."));
		rc = -EIO;
	}
	call_free(&c);
	return rc;
}

/* What the last read found, said once at the end; waited is capped at the wait's limit. */
static int verdict(const struct dp_verify *v, const char *mode, const char *node, double waited,
		   const struct action_io *io)
{
	if (!v->readable) {
		action_say(io, true,
			   _("%s's %s rules cannot be read here (%s): this node is not verified."),
			   node, mode, v->why[0] ? v->why : "?");
		return 0;
	}
	if (dp_verify_ok(v)) {
		action_say(io, false, _("Verified on %s: %s carries all %zu Services."), node,
			   v->plane, v->n_services);
		return 0;
	}
	if (!v->present) {
		action_say(io, true,
			   _("On %s, kube-proxy's %s rules are still absent after %.0f s: "
			     "its Services are not served by %s."),
			   node, mode, waited, mode);
		return -EIO;
	}
	char names[DP_VERIFY_MAX_MISSING * 130] = "";
	for (size_t i = 0; i < v->n_missing; i++) {
		strcat(names, i ? ", " : "");
		strcat(names, v->missing[i]);
	}
	size_t lack = v->n_services - v->n_found;
	action_say(io, true, _("On %s, %s lacks %zu of %zu Services after %.0f s: %s%s"), node,
		   v->plane, lack, v->n_services, waited, names,
		   lack > v->n_missing ? ", ..." : "");
	return -EIO;
}

int action_verify_dataplane(struct kube_http *h, const struct action_env *env, const char *mode,
			    const char *node, const struct action_io *io)
{
	if (!dp_verify_checks(mode))
		return 0;
	struct kube_items svcs = {0};
	int rc = list_services(h, &svcs, io);
	if (rc != 0) {
		kube_items_free(&svcs);
		return 0; /* the switch itself is done; the warning says what is not known */
	}
	action_say(io, false, _("Reading %s's %s rules against %zu Services..."), node, mode,
		   svcs.n);
	struct dataplane_opts o = {.nftables = strcmp(mode, "nftables") == 0,
				   .iptables = strcmp(mode, "iptables") == 0};
	double limit = env->dataplane_wait > 0 ? env->dataplane_wait : 60;
	double start = clock_mono();
	struct dp_verify v;
	for (;;) {
		struct dataplane *dp = NULL;
		if (dataplane_read(&o, &dp) != 0) {
			rc = -ENOMEM;
			break;
		}
		dp_verify_services(dp, mode, svcs.v, svcs.n, &v);
		dataplane_unref(dp);
		double waited = clock_mono() - start;
		if (!v.readable || dp_verify_ok(&v) || waited >= limit) {
			rc = verdict(&v, mode, node, waited < limit ? waited : limit, io);
			break;
		}
		if (io->cancelled && io->cancelled(io->arg)) {
			rc = -ECANCELED;
			break;
		}
		sleep(2);
	}
	kube_items_free(&svcs);
	return rc;
}
