/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer target: libnftables' JSON listing of kube-proxy's table into dp_nft_parse, as
 * dp_nft_read hands it over (a pointer and a length, here in a buffer of exactly that size
 * without a NUL, so that AddressSanitizer sees a read past the length). Checks what the
 * header promises: a failed parse leaves the dataplane as it was, shares lie in [0, 1].
 */
#include "config.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane.h"
#include "dp_nft.h"
#include "fuzz_common.h"

static void check_dp(const struct dataplane *dp)
{
	size_t n = 0;
	for (size_t i = 0; i < dp->n_fe; i++) {
		const struct dp_frontend *f = &dp->fe[i];
		if (f->plane == DP_NFTABLES)
			n++;
		if (!f->svc_namespace || !f->svc_name || !f->svc_port || !f->chain)
			abort();
		if (f->unrecognised && !f->note)
			abort();
		for (size_t j = 0; j < f->n_eps; j++)
			if (!(f->eps[j].share >= 0 && f->eps[j].share <= 1.0 + 1e-9))
				abort();
	}
	if (n != dp->planes[DP_NFTABLES].n_frontends)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dataplane dp = {0};
	char *buf = malloc(size ? size : 1);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	if (dp_nft_parse(buf, size, &dp) == 0) {
		/* a second table (as ip then ip6): counters add up, a failure rolls back alone */
		struct dp_plane before = dp.planes[DP_NFTABLES];
		size_t n_fe = dp.n_fe;
		if (dp_nft_parse(buf, size, &dp) != 0 &&
		    (dp.n_fe != n_fe || dp.planes[DP_NFTABLES].n_rules != before.n_rules))
			abort();
	} else if (dp.n_fe || dp.planes[DP_NFTABLES].n_rules || dp.planes[DP_NFTABLES].present) {
		abort();
	}
	check_dp(&dp);
	dataplane_free(&dp);
	free(buf);
	return 0;
}
