/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of kube_text.c: kube-proxy's durations and timeouts beside the kernel's. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#include "check_main.h"
#include "kube_model.h"
#include "kube_proxy_conf.h"
#include "kube_text.h"
#include "sample.h"
#include "snapshot.h"

START_TEST(test_durations)
{
	static const struct {
		const char *text;
		long want;
	} good[] = {
	    {"900s", 900},
	    {"15m0s", 900},
	    {"1h2m3s", 3723},
	    {"1.5s", 1},
	    {"500ms", 0},
	    {"0s", 0},
	    {"", 0},
	    {"2h0m0.5s", 7200},
	    {"90000ms", 90},
	    {"3000000000us", 3000},
	    {"3000000000\xc2\xb5s", 3000},
	    {"1000000000000ns", 1000},
	    {".5m", 30},
	    /* Up to Go's limit, 2^63 ns (2562047h47m16.854775807s). */
	    {"2562047h", 2562047L * 3600},
	};
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		ck_assert_msg(kube_duration_seconds(good[i].text) == good[i].want,
			      "%s: %ld, not %ld", good[i].text, kube_duration_seconds(good[i].text),
			      good[i].want);
	/*
	 * Past Go's limit; and what strtod takes and Go does not (infinity went on to a cast to
	 * long).
	 */
	const char *bad[] = {
	    "2562048h",
	    "5",
	    "ten",
	    "infs",
	    "nans",
	    "1e3s",
	    "0x10s",
	    " 5s",
	    "+5s",
	    "-5s",
	    "5s ",
	    ".s",
	    "5x",
	    "1h-5m",
	    "..5s",
	    "9999999999999999999999999999999999999999999999999999999999999999999999"
	    "9999999999999999999999999999999999999999999999999999999999999999999999"
	    "9999999999999999999999999999999999999999999999999999999999999999999999"
	    "99999999999999999999999999999999999999999999999999999999999999999999s"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(kube_duration_seconds(bad[i]) == -1, "%s", bad[i]);
}
END_TEST

START_TEST(test_compare_timeouts)
{

	struct kube_state k;
	struct snapshot s;
	struct kube_timeout_cmp cmp[3];
	memset(&k, 0, sizeof(k));
	sample_fill(&s);
	ck_assert(!kube_compare_timeouts(&k, &s, cmp));
	k.config.known = true;
	snprintf(k.config.tcp_timeout, sizeof(k.config.tcp_timeout), "10m");
	snprintf(k.config.udp_timeout, sizeof(k.config.udp_timeout), "5m0s");
	ck_assert(kube_compare_timeouts(&k, &s, cmp));
	ck_assert(cmp[0].mismatch && cmp[0].configured == 600 && cmp[0].kernel == 900);
	ck_assert(!cmp[1].mismatch && cmp[1].configured == 0);
	ck_assert(!cmp[2].mismatch && cmp[2].configured == 300);
	snapshot_free(&s);
}
END_TEST

CHECK_MAIN("kube_text", {"durations", 0, {test_durations}},
	   {"timeouts", 0, {test_compare_timeouts}})
