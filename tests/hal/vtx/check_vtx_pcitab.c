/*
 * check_vtx_pcitab.c - the guest's writes to the host bridge's PCIEXBAR
 * (hal/vtx/vtx_pcitab.c): byte, word and dword writes merged into the
 * 64-bit register; the ECAM window may be switched off or left where EPT
 * hides it, never moved or enabled elsewhere, in whichever order the
 * halves are written.
 */
#include <check.h>

#include "../../../hal/vtx/vtx_pcitab.c"

#define INIT 0xB0000001ull   /* Q35 under QEMU: 256 MiB at 0xB0000000, enabled */

struct bar_case {
	const char *what;
	uint64_t cur;
	unsigned at, width;
	uint32_t val;
	bool ok;
	uint64_t merged;
};

static const struct bar_case bar_cases[] = {
	{ "same value", INIT, 0, 4, 0xB0000001, true, INIT },
	{ "high dword unchanged", INIT, 4, 4, 0, true, INIT },
	{ "switched off", INIT, 0, 4, 0xB0000000, true, 0xB0000000 },
	{ "off, low byte", INIT, 0, 1, 0x00, true, 0xB0000000 },
	{ "moved, enabled", INIT, 0, 4, 0xE0000001, false, 0xE0000001 },
	{ "moved above 4 GiB", INIT, 4, 4, 0x1, false, 0x1B0000001ull },
	{ "length changed", INIT, 0, 1, 0x03, false, 0xB0000003 },
	{ "moved while off", 0xB0000000, 0, 4, 0xE0000000, true, 0xE0000000 },
	{ "then enabled there", 0xE0000000, 0, 1, 0x01, false, 0xE0000001 },
	{ "re-enabled in place", 0xB0000000, 0, 1, 0x01, true, INIT },
	{ "word at byte 2", INIT, 2, 2, 0xC000, false, 0xC0000001 },
	{ "high word off", 0xB0000000, 6, 2, 0xFFFF, true, 0xFFFF0000B0000000ull },
};

START_TEST(test_pciexbar)
{
	const struct bar_case *c = &bar_cases[_i];

	ck_assert_msg(vtx_pci_merge64(c->cur, c->at, c->width, c->val) == c->merged, "%s: merged",
		      c->what);
	ck_assert_msg(vtx_pciexbar_ok(INIT, c->cur, c->at, c->width, c->val) == c->ok, "%s", c->what);
}
END_TEST

Suite *vtx_pcitab_suite(void)
{
	Suite *s = suite_create("vtx_pcitab");
	TCase *tc = tcase_create("pciexbar");

	tcase_add_loop_test(tc, test_pciexbar, 0, sizeof(bar_cases) / sizeof(bar_cases[0]));
	suite_add_tcase(s, tc);
	return s;
}
