/* SPDX-License-Identifier: GPL-2.0-or-later */
/* x_tables match and target blobs (the same bytes in libiptc and nft_compat) decoded. */
#ifndef IPVSTOP_DP_XT_H
#define IPVSTOP_DP_XT_H

#include <stddef.h>
#include <stdint.h>

#include "dp_ipt.h"

/*
 * Decodes match name (revision rev, len bytes of xt data) into r: comment, statistic,
 * tcp / udp / sctp ports, addrtype, recent; mark and nfacct are known and ignored.
 * Anything else, or a blob too short for its revision, is noted in r->note.
 * Returns 0, or -ENOMEM (from noting). data is only read.
 */
int dp_xt_match(struct dp_ipt_rule *r, const char *name, unsigned rev, const void *data,
		size_t len);

/*
 * Decodes target name (a standard verdict, a chain name, or an extension such as DNAT)
 * into r->target / target_name / dnat_*. Unknown extensions become DP_IPT_T_OTHER; a DNAT
 * that cannot be read is noted. Returns 0 or -ENOMEM.
 */
int dp_xt_target(struct dp_ipt_rule *r, const char *name, unsigned rev, const void *data,
		 size_t len);

/* The probability of xt_statistic's random mode: a fraction of 2^31. */
double dp_xt_probability(uint32_t fraction);

#endif
