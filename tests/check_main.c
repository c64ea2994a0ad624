/*
 * check_main.c - the one test runner: every suite found under tests/ (the
 * Makefile lists each "Suite *<name>_suite(void)" in build/gen/suites.h).
 * Run one suite or case with Check's CK_RUN_SUITE=name / CK_RUN_CASE=name.
 */
#include <check.h>
#include <stdlib.h>

#include "suites.h" /* generated: build/gen/suites.h */

typedef Suite *(*suite_fn)(void);

static const suite_fn all_suites[] = { SUITE_LIST };

int main(void)
{
	SRunner *sr = srunner_create(NULL);
	int failed;

	for (size_t i = 0; i < sizeof(all_suites) / sizeof(all_suites[0]); i++)
		srunner_add_suite(sr, all_suites[i]());
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
