/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check_main.c: the main() every unit test program ends with. */
#ifndef IPVSTOP_TESTS_CHECK_MAIN_H
#define IPVSTOP_TESTS_CHECK_MAIN_H

#include <check.h>
#include <stddef.h>

/*
 * Runs every case of s (CK_RUN_SUITE / CK_RUN_CASE still choose among them) and frees it.
 * Returns EXIT_SUCCESS when at least one check ran and none failed: a mistyped
 * CK_RUN_SUITE or CK_RUN_CASE selects nothing, which Check reports as 100% of 0 checks.
 */
int check_main(Suite *s);

/* A case of a suite: its name, its tests (up to CHECK_CASE_MAX), a timeout (0: Check's). */
#define CHECK_CASE_MAX 12
struct check_case {
	const char *name;
	int timeout;
	const TTest *tests[CHECK_CASE_MAX];
};

/* check_main() of the suite name made of the n cases, in order. */
int check_main_cases(const char *name, const struct check_case *cases, size_t n);

/*
 * The main() of a unit test program: check_main_cases() of the suite name made of the cases
 * that follow, in order. No semicolon after it (it is a function definition):
 *   CHECK_MAIN("hash", {"fnv1a", 0, {test_fnv1a}}, {"index", 0, {test_index_grows}})
 */
#define CHECK_MAIN(name, ...)                                                                      \
	int main(void)                                                                             \
	{                                                                                          \
		const struct check_case check_main_table_[] = {__VA_ARGS__};                       \
		return check_main_cases(name, check_main_table_,                                   \
					sizeof(check_main_table_) / sizeof(check_main_table_[0])); \
	}

#endif
