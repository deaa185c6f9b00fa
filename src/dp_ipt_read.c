/* SPDX-License-Identifier: GPL-2.0-or-later */
/* dp_ipt_read: each family's nat and filter tables through the plane's transport, interpreted. */
#include "config.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>

#include "dp_ipt.h"

/* Reads table of one family with plane which's transport into t. */
static int read_table(enum dp_plane_kind which, int af, const char *table, struct dp_ipt_table *t,
		      bool *absent, char *why, size_t size)
{
	if (which == DP_IPTABLES_NFT)
		return dp_ipt_nft_read_table(af, table, t, absent, why, size);
	return dp_ipt_legacy_read_table(af, table, t, absent, why, size);
}

/* nat first (the frontends), then filter (the Services kube-proxy rejects). */
static int read_family(struct dataplane *dp, enum dp_plane_kind which, int af, char *why,
		       size_t size)
{
	static const char *const tables[] = {"nat", "filter"};
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		struct dp_ipt_table t = {0};
		bool absent = false;
		int err = read_table(which, af, tables[i], &t, &absent, why, size);
		if (!err && !absent)
			err = i == 0 ? dp_ipt_interpret(&t, dp, which)
				     : dp_ipt_interpret_filter(&t, dp, which);
		dp_ipt_table_free(&t);
		if (err)
			return err;
		if (i == 0 && !dp->planes[which].present)
			return 0; /* not kube-proxy's: no need for its filter rules */
	}
	return 0;
}

int dp_ipt_read(struct dataplane *dp, enum dp_plane_kind which)
{
	if (which != DP_IPTABLES_NFT && which != DP_IPTABLES_LEGACY)
		return -EINVAL;
	static const int afs[] = {AF_INET, AF_INET6};
	dp->planes[which].read = true;
	for (size_t i = 0; i < sizeof(afs) / sizeof(afs[0]); i++) {
		char why[160] = "";
		int err = read_family(dp, which, afs[i], why, sizeof(why));
		if (err) {
			dataplane_set_error(dp, which, err, why[0] ? why : strerror(-err));
			return err;
		}
	}
	return 0;
}
