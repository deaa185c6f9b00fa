/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Unit tests of cells.c: text measured, padded and made safe in display cells. */
#include "config.h"

#include <check.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <inttypes.h>

#include "cells.h"
#include "check_main.h"

/* The tests measure UTF-8 text: wide CJK characters, C1 controls. */
static void utf8(void)
{
	ck_assert_ptr_nonnull(setlocale(LC_CTYPE, "C.UTF-8"));
}

START_TEST(test_width_and_pad)
{
	char buf[64];
	utf8();
	ck_assert_int_eq(cells_width("abc"), 3);
	ck_assert_int_eq(cells_width("连接"), 4);
	ck_assert_str_eq(cells_pad("连接数", 5, 0, buf, sizeof(buf)), "连接 ");
	ck_assert_str_eq(cells_pad("ab", 4, 1, buf, sizeof(buf)), "  ab");
	ck_assert_str_eq(cells_pad("abcdef", 3, 0, buf, sizeof(buf)), "abc");
	/* Invalid UTF-8 counts one cell a byte and is never a reason to overrun. */
	ck_assert_int_eq(cells_width("\xff\xfe"), 2);
	ck_assert_str_eq(cells_pad("a\xff\x1b[2Jb", 8, 0, buf, sizeof(buf)), "a??[2Jb ");
	ck_assert_str_eq(cells_pad("\xc2\x9bx", 3, 1, buf, sizeof(buf)), " ?x");
	ck_assert_str_eq(cells_pad("连接", 3, 1, buf, sizeof(buf)), " 连");
	/* cells_width counts what cells_pad draws: a '?' for each control. */
	ck_assert_int_eq(cells_width("\x1b]2;t\x07"), 6);
	ck_assert_int_eq(cells_width("\xc2\x9b"), 1);
}
END_TEST

START_TEST(test_safe)
{
	char buf[64];
	utf8();
	/* cells_safe: the same '?', no padding, cut on a character boundary. */
	ck_assert_str_eq(cells_safe("a\x1b[2J\x07\xc2\x9d\xff连", buf, sizeof(buf)), "a?[2J???连");
	ck_assert_str_eq(cells_safe("ab连接", buf, 6), "ab连");
	ck_assert_str_eq(cells_safe("ab连接", buf, 5), "ab");
	ck_assert_str_eq(cells_safe("\xe8\xbf", buf, sizeof(buf)), "??");
	char *mem = NULL;
	size_t memlen = 0;
	FILE *f = open_memstream(&mem, &memlen);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(cells_fputs("x\x1b]52;c;QQ==\x07\r\n连", f), 0);
	fclose(f);
	ck_assert_str_eq(mem, "x?]52;c;QQ==???连");
	free(mem);
}
END_TEST

START_TEST(test_human)
{
	char buf[64];
	ck_assert_str_eq(cells_human(999, buf, sizeof(buf)), "999");
	ck_assert_str_eq(cells_human(1234, buf, sizeof(buf)), "1.2K");
	ck_assert_str_eq(cells_human(35e6, buf, sizeof(buf)), "35M");
	ck_assert_str_eq(cells_human(4.0e9, buf, sizeof(buf)), "4.0G");
}
END_TEST

/* cells_u64 writes what PRIu64 does, cut like snprintf when the buffer is short. */
START_TEST(test_u64)
{
	static const uint64_t v[] = {0, 1, 9, 10, 999, 1000, 4294967295u, 4294967296u,
				     18446744073709551615u};
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		char want[32], got[32];
		snprintf(want, sizeof(want), "%" PRIu64, v[i]);
		ck_assert_str_eq(cells_u64(v[i], got, sizeof(got)), want);
		snprintf(want, 4, "%" PRIu64, v[i]);
		ck_assert_str_eq(cells_u64(v[i], got, 4), want);
	}
	char buf[16];
	ck_assert_str_eq(cells_human(0, buf, sizeof(buf)), "0");
	ck_assert_str_eq(cells_human(-3, buf, sizeof(buf)), "-3");
	ck_assert_str_eq(cells_human(2.5, buf, sizeof(buf)), "2.5");
	/* Beyond long long (fuzz_cluster_answer: an agent's cps of -2e31): no cast, no UB. */
	ck_assert_str_eq(cells_human(-2.5e31, buf, sizeof(buf)), "-25000000000000"); /* cut */
	ck_assert_str_eq(cells_human(-INFINITY, buf, sizeof(buf)), "-inf");
}
END_TEST

/* Printable ASCII takes a shortcut past mbrtowc(): the same cells and bytes as before it. */
START_TEST(test_ascii_shortcut)
{
	const char *locales[] = {"C.UTF-8", "C"};
	for (size_t l = 0; l < 2; l++) {
		ck_assert_ptr_nonnull(setlocale(LC_CTYPE, locales[l]));
		for (int c = 0x20; c < 0x7f; c++) {
			char s[2] = {(char)c, 0}, buf[8], want[3] = {' ', (char)c, 0};
			ck_assert_int_eq(cells_width(s), wcwidth((wchar_t)c));
			ck_assert_str_eq(cells_pad(s, 2, 1, buf, sizeof(buf)), want);
		}
		char buf[16];
		ck_assert_str_eq(cells_pad("a\x7f\x1f~", 5, 0, buf, sizeof(buf)), "a??~ ");
	}
}
END_TEST

CHECK_MAIN("cells", {"width", 0, {test_width_and_pad}}, {"safe", 0, {test_safe}},
	   {"numbers", 0, {test_human, test_u64}}, {"ascii", 0, {test_ascii_shortcut}})
