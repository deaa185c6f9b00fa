/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of clock.c: seconds, deadlines, and the wall-clock time shown. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "check_main.h"
#include "clock.h"

START_TEST(test_text)
{
	char buf[64];
	/* clock_text: a time no clock shows is '?', never an overflowing conversion. */
	ck_assert(!clock_text(1.795e19, buf, sizeof(buf)));
	ck_assert_str_eq(buf, "?");
	ck_assert(!clock_text(-1, buf, sizeof(buf)));
	ck_assert(!clock_text(0.0 / 0.0, buf, sizeof(buf)));
	ck_assert(clock_text(1795000000, buf, sizeof(buf)));
	ck_assert_int_eq((int)strlen(buf), 19);
	ck_assert(clock_text(CLOCK_TEXT_MAX, buf, sizeof(buf)));
}
END_TEST

START_TEST(test_seconds_and_deadlines)
{
	double t0 = clock_mono();
	ck_assert(t0 > 0);
	ck_assert(clock_seconds(CLOCK_MONOTONIC) >= t0);
	ck_assert(clock_seconds(CLOCK_REALTIME) > 1e9);
	/* A deadline in the past has passed; one an hour ahead has not. */
	struct timespec ts;
	clock_deadline(CLOCK_MONOTONIC, -1, &ts);
	ck_assert(clock_passed(&ts));
	clock_deadline(CLOCK_MONOTONIC, 3600, &ts);
	ck_assert(!clock_passed(&ts));
	ck_assert(ts.tv_nsec >= 0 && ts.tv_nsec < 1000000000L);
	ck_assert(ts.tv_sec >= (time_t)(t0 + 3599));
}
END_TEST

CHECK_MAIN("clock", {"text", 0, {test_text}}, {"seconds", 0, {test_seconds_and_deadlines}})
