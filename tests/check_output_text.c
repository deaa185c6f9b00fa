/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of output_text.c: the batch text frame. */
#include "config.h"

#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "output_text.h"
#include "sample.h"
#include "snapshot.h"

/* output_text of s into memory (owned by the caller). */
static char *text_of(const struct snapshot *s, bool exact)
{
	size_t len = 0;
	char *buf = NULL;
	FILE *f = open_memstream(&buf, &len);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(output_text(f, s, exact, NULL), 0);
	fclose(f);
	return buf;
}

START_TEST(test_text_frame)
{
	struct snapshot s;
	sample_fill(&s);
	/* A counter too long for a column: the header's totals show it whole. */
	snapshot_service_mut(&s, 0)->stats.inbps = 1234567890123ull;
	char *buf = text_of(&s, true);
	ck_assert_ptr_nonnull(strstr(buf, "IPVS 1.2.1, connection table 4096"));
	ck_assert_ptr_nonnull(strstr(buf, "Timeouts: tcp 900s, tcp_fin 120s, udp 300s"));
	ck_assert_ptr_nonnull(strstr(buf, "10.96.0.10:53"));
	ck_assert_ptr_nonnull(strstr(buf, "-> 10.244.1.5:53"));
	ck_assert_ptr_nonnull(strstr(buf, "tunnel w 0"));
	ck_assert_ptr_nonnull(strstr(buf, "FWM 42 IPv6"));
	ck_assert_ptr_nonnull(strstr(buf, "Services: 2, real servers: 1"));
	/* Exact mode prints the whole counter. */
	ck_assert_msg(strstr(buf, "Rates: 7 conn/s; in 0 pkt/s 1234567890123 B/s;") != NULL,
		      "exact totals in:\n%s", buf);
	free(buf);
	/* Without it, the same counter is shortened: the check above can tell them apart. */
	buf = text_of(&s, false);
	ck_assert_msg(strstr(buf, "1234567890123") == NULL, "shortened in:\n%s", buf);
	ck_assert_ptr_nonnull(strstr(buf, "Rates: 7 conn/s; in 0 pkt/s "));
	free(buf);
	snapshot_free(&s);
}
END_TEST

CHECK_MAIN("output_text", {"frame", 0, {test_text_frame}})
