/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * nftread: the cost of reading kube-proxy's nftables tables (dp_nft_read: libnftables'
 * `list table` in JSON, then dp_nft_parse) in the network namespace it runs in, against
 * the same listing by the nft program (nft -j list table ip kube-proxy > /dev/null).
 *
 *   nftread [-r REPEATS] [-n]
 *
 * Each repeat times dp_nft_read, then (without -n) `nft -j list table ip kube-proxy` and
 * `... ip6 ...` to /dev/null through the shell, in turn. Prints one line per repeat and
 * "nftread frontends=N endpoints=N rules=N reps=N read_s=MIN nft_s=MIN ratio=R" (the
 * fastest of each; wall clock). Linked with libipvstop.a: the same code as ipvstop.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "benchtime.h"
#include "dataplane.h"
#include "dp_nft.h"

int main(int argc, char **argv)
{
	int reps = 3, opt, err;
	int with_nft = 1;
	double best_read = 1e9, best_nft = 1e9;
	size_t n_fe = 0, n_eps = 0, n_rules = 0;
	while ((opt = getopt(argc, argv, "r:n")) != -1) {
		if (opt == 'r')
			reps = atoi(optarg);
		else if (opt == 'n')
			with_nft = 0;
		else {
			fprintf(stderr, "usage: nftread [-r REPEATS] [-n]\n");
			return 2;
		}
	}
	for (int i = 0; i < reps; i++) {
		struct dataplane dp = {0};
		double t0 = now(), t1, t2 = 0;
		err = dp_nft_read(&dp);
		t1 = now();
		if (err) {
			fprintf(stderr, "nftread: dp_nft_read: %d %s\n", err,
				dp.planes[DP_NFTABLES].why);
			dataplane_free(&dp);
			return 1;
		}
		n_fe = dp.n_fe;
		n_eps = 0;
		for (size_t j = 0; j < dp.n_fe; j++)
			n_eps += dp.fe[j].n_eps;
		n_rules = dp.planes[DP_NFTABLES].n_rules;
		dataplane_free(&dp);
		if (t1 - t0 < best_read)
			best_read = t1 - t0;
		if (with_nft) {
			double s = now();
			if (system("nft -j list table ip kube-proxy >/dev/null 2>&1; "
				   "nft -j list table ip6 kube-proxy >/dev/null 2>&1") == -1)
				return 1;
			t2 = now() - s;
			if (t2 < best_nft)
				best_nft = t2;
		}
		printf("rep %d read_s=%.3f nft_s=%.3f\n", i, t1 - t0, t2);
	}
	printf("nftread frontends=%zu endpoints=%zu rules=%zu reps=%d read_s=%.3f nft_s=%.3f "
	       "ratio=%.2f\n",
	       n_fe, n_eps, n_rules, reps, best_read, with_nft ? best_nft : 0.0,
	       with_nft ? best_read / best_nft : 0.0);
	return 0;
}
