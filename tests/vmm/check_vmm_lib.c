/* check_vmm_lib.c - the freestanding libc subset: formatting and wiping. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "vmm/vmm.h"

struct fmt_case {
	const char *fmt;
	long long a;
	const char *want;
};

static const struct fmt_case fmt_cases[] = {
	{ "%d", -42, "-42" },
	{ "%5d|", 42, "   42|" },
	{ "%-5d|", 42, "42   |" },
	{ "%05d", -42, "-0042" },
	{ "%x", 0xBEEF, "beef" },
	{ "%08X", 0xBEEF, "0000BEEF" },
	{ "%llu", 18446744073709551615ULL, "18446744073709551615" },
	{ "%lld", -9223372036854775807LL - 1, "-9223372036854775808" },
	{ "%c%c", 'o', "ok" },
	{ "100%%", 0, "100%" },
};

/* The formats come from the table: that is the point of this test. */
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

START_TEST(test_vsnprintf_formats)
{
	const struct fmt_case *c = &fmt_cases[_i];
	char got[64];

	if (strstr(c->fmt, "ll"))
		vmm_snprintf(got, sizeof(got), c->fmt, c->a);
	else
		vmm_snprintf(got, sizeof(got), c->fmt, (int)c->a, 'k');
	ck_assert_str_eq(got, c->want);
}
END_TEST

START_TEST(test_vsnprintf_truncates_and_counts)
{
	char small[6];
	int n = vmm_snprintf(small, sizeof(small), "%s-%d", "abcdef", 7);

	ck_assert_int_eq(n, 8);
	ck_assert_str_eq(small, "abcde");
}
END_TEST

START_TEST(test_wipe_zeroes)
{
	unsigned char key[64];

	memset(key, 0xA5, sizeof(key));
	vmm_wipe(key, sizeof(key));
	for (size_t i = 0; i < sizeof(key); i++)
		ck_assert_uint_eq(key[i], 0);
}
END_TEST

Suite *vmm_lib_suite(void)
{
	Suite *s = suite_create("vmm_lib");
	TCase *tc = tcase_create("lib");

	tcase_add_loop_test(tc, test_vsnprintf_formats, 0,
			    sizeof(fmt_cases) / sizeof(fmt_cases[0]));
	tcase_add_test(tc, test_vsnprintf_truncates_and_counts);
	tcase_add_test(tc, test_wipe_zeroes);
	suite_add_tcase(s, tc);
	return s;
}
