/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The main() of the unit tests: run a suite, fail when it failed or when nothing ran. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "check_main.h"

int check_main(Suite *s)
{
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int ran = srunner_ntests_run(sr), failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	if (ran == 0) {
		fflush(stdout); /* after Check's "100%: Checks: 0" line */
		const char *suite = getenv("CK_RUN_SUITE"), *tcase = getenv("CK_RUN_CASE");
		fprintf(stderr,
			"FAIL: no checks ran (CK_RUN_SUITE=%s, CK_RUN_CASE=%s): a suite or case "
			"of that name is not in this program\n",
			suite ? suite : "(unset)", tcase ? tcase : "(unset)");
		return EXIT_FAILURE;
	}
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

int check_main_cases(const char *name, const struct check_case *cases, size_t n)
{
	Suite *s = suite_create(name);
	for (size_t i = 0; i < n; i++) {
		TCase *tc = tcase_create(cases[i].name);
		if (cases[i].timeout)
			tcase_set_timeout(tc, cases[i].timeout);
		for (size_t j = 0; j < CHECK_CASE_MAX && cases[i].tests[j]; j++)
			tcase_add_test(tc, cases[i].tests[j]);
		suite_add_tcase(s, tc);
	}
	return check_main(s);
}
