/*
 * check_vtx_mtrr.c - memory types for the EPT identity map
 * (hal/vtx/vtx_mtrr.c) against SDM vol. 3, 12.11: fixed ranges below
 * 1 MiB, variable ranges with their precedence (UC wins, WT over WB), the
 * default type, and -1 ("split this range") whenever a range is not
 * uniform.
 */
#include <check.h>
#include <string.h>

#include "../../../hal/vtx/vtx_mtrr.c"

#define MB (1ull << 20)
#define GB (1ull << 30)
#define ADDR36 ((1ull << 36) - 1)

/* What the Bochs BIOS sets for 256 MiB: WB RAM, UC VGA hole, WP ROMs, default UC. */
static void bochs_mtrrs(struct vtx_mtrr *m)
{
	memset(m, 0, sizeof(*m));
	m->enabled = m->fixed_enabled = true;
	m->def_type = VTX_MT_UC;
	m->addr_mask = ADDR36;
	for (unsigned i = 0; i < 88; i++) {
		uint64_t pa = i < 8 ? i * 0x10000ull : i < 24 ? 0x80000 + (i - 8) * 0x4000ull
							 : 0xC0000 + (i - 24) * 0x1000ull;

		m->fixed[i] = pa < 0xA0000 ? VTX_MT_WB : pa < 0xC0000 ? VTX_MT_UC : VTX_MT_WP;
	}
	m->var[0] = (struct vtx_mtrr_var){ .base = 0, .mask = (ADDR36 & ~(256 * MB - 1)) | 0x800,
					   .type = VTX_MT_WB };
	m->nvar = 1;
}

struct type_case {
	const char *name;
	uint64_t base, size;
	int want;
};

static const struct type_case bochs_cases[] = {
	{ "low RAM page", 0x7000, 0x1000, VTX_MT_WB },
	{ "a 64 KiB fixed range", 0x10000, 0x10000, VTX_MT_WB },
	{ "VGA page", 0xB8000, 0x1000, VTX_MT_UC },
	{ "BIOS ROM page", 0xF0000, 0x1000, VTX_MT_WP },
	{ "across RAM and VGA", 0x80000, 0x40000, -1 },
	{ "first 2 MiB straddle fixed and variable", 0, 2 * MB, -1 },
	{ "RAM above 1 MiB, 2 MiB page", 0xEE00000, 2 * MB, VTX_MT_WB },
	{ "past the WB range: default UC", 256 * MB, 2 * MB, VTX_MT_UC },
	{ "first GiB is partly WB", 0, GB, -1 },
	{ "MMIO GiB", 3 * GB, GB, VTX_MT_UC },
};

START_TEST(test_bochs)
{
	const struct type_case *c = &bochs_cases[_i];
	struct vtx_mtrr m;

	bochs_mtrrs(&m);
	ck_assert_msg(vtx_mtrr_type(&m, c->base, c->size) == c->want, "%s: got %d, want %d", c->name,
		      vtx_mtrr_type(&m, c->base, c->size), c->want);
}
END_TEST

START_TEST(test_disabled_and_default)
{
	struct vtx_mtrr m;

	bochs_mtrrs(&m);
	m.enabled = false;
	ck_assert_int_eq(vtx_mtrr_type(&m, 0x7000, 0x1000), VTX_MT_UC);
	ck_assert_int_eq(vtx_mtrr_type(&m, 0, GB), VTX_MT_UC);
	bochs_mtrrs(&m);
	m.fixed_enabled = false;   /* below 1 MiB falls to the variable ranges */
	ck_assert_int_eq(vtx_mtrr_type(&m, 0xB8000, 0x1000), VTX_MT_WB);
	ck_assert_int_eq(vtx_mtrr_type(&m, 0, 2 * MB), VTX_MT_WB);
}
END_TEST

START_TEST(test_overlaps)
{
	struct vtx_mtrr m;

	bochs_mtrrs(&m);
	/* A UC hole at 128-160 MiB inside the WB range: UC wins (SDM 12.11.4.1). */
	m.var[1] = (struct vtx_mtrr_var){ .base = 128 * MB, .mask = (ADDR36 & ~(32 * MB - 1)) | 0x800,
					  .type = VTX_MT_UC };
	/* WT over 64-80 MiB: WT beats WB. */
	m.var[2] = (struct vtx_mtrr_var){ .base = 64 * MB, .mask = (ADDR36 & ~(16 * MB - 1)) | 0x800,
					  .type = VTX_MT_WT };
	m.nvar = 3;
	ck_assert_int_eq(vtx_mtrr_type(&m, 130 * MB, 2 * MB), VTX_MT_UC);
	ck_assert_int_eq(vtx_mtrr_type(&m, 64 * MB, 2 * MB), VTX_MT_WT);
	ck_assert_int_eq(vtx_mtrr_type(&m, 100 * MB, 2 * MB), VTX_MT_WB);
	ck_assert_int_eq(vtx_mtrr_type(&m, 128 * MB, 64 * MB), -1);   /* UC part, WB part */
	/* Address bits above the CPU's width are ignored in the mask. */
	m.addr_mask = (1ull << 32) - 1;
	ck_assert_int_eq(vtx_mtrr_type(&m, (1ull << 32) + 64 * MB, 2 * MB), VTX_MT_WT);
}
END_TEST

Suite *vtx_mtrr_suite(void)
{
	Suite *s = suite_create("vtx_mtrr");
	TCase *tc = tcase_create("types");

	tcase_add_loop_test(tc, test_bochs, 0, sizeof(bochs_cases) / sizeof(bochs_cases[0]));
	tcase_add_test(tc, test_disabled_and_default);
	tcase_add_test(tc, test_overlaps);
	suite_add_tcase(s, tc);
	return s;
}
