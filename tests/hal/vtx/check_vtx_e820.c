/*
 * check_vtx_e820.c - the memory map the guest sees through INT 15h
 * (hal/vtx/vtx_e820.c): parapass's ranges cut out of usable RAM and listed
 * reserved, sorted; the E801h/88h figures from RAM contiguous at 1 MiB.
 * The pure file is compiled into this test; it touches no hardware.
 */
#include <check.h>

#include "../../../hal/vtx/vtx_e820.c"

#define MB (1ull << 20)
#define RAM VTX_E820_RAM
#define RES VTX_E820_RESERVED

/* Bochs 2.7 with 256 MiB, as GRUB passes it (a serial log of a real run). */
static const struct vtx_e820 bochs_map[] = {
	{ 0x0, 0x9f000, RAM }, { 0x9f000, 0x1000, RES }, { 0xe8000, 0x18000, RES },
	{ 0x100000, 0xfef0000, RAM }, { 0xfff0000, 0x10000, 3 }, { 0xfffc0000, 0x40000, RES },
};

struct e820_case {
	const char *name;
	struct vtx_range hide[3];
	unsigned nhide;
	struct vtx_e820 want[12];
	unsigned nwant;
};

static const struct e820_case e820_cases[] = {
	{
		.name = "stub below the EBDA and the image at the top of RAM",
		.hide = { { 0x9ec00, 0x9f000 }, { 0xee00000, 0xfc00000 } }, .nhide = 2,
		.want = { { 0x0, 0x9ec00, RAM }, { 0x9ec00, 0x400, RES }, { 0x9f000, 0x1000, RES },
			  { 0xe8000, 0x18000, RES }, { 0x100000, 0xed00000, RAM },
			  { 0xee00000, 0xe00000, RES }, { 0xfc00000, 0x3f0000, RAM },
			  { 0xfff0000, 0x10000, 3 }, { 0xfffc0000, 0x40000, RES } },
		.nwant = 9,
	},
	{
		.name = "nothing hidden: the map unchanged",
		.nhide = 0,
		.want = { { 0x0, 0x9f000, RAM }, { 0x9f000, 0x1000, RES }, { 0xe8000, 0x18000, RES },
			  { 0x100000, 0xfef0000, RAM }, { 0xfff0000, 0x10000, 3 },
			  { 0xfffc0000, 0x40000, RES } },
		.nwant = 6,
	},
	{
		.name = "a hidden range at the very start of a RAM entry",
		.hide = { { 0x100000, 0x300000 } }, .nhide = 1,
		.want = { { 0x0, 0x9f000, RAM }, { 0x9f000, 0x1000, RES }, { 0xe8000, 0x18000, RES },
			  { 0x100000, 0x200000, RES }, { 0x300000, 0xfcf0000, RAM },
			  { 0xfff0000, 0x10000, 3 }, { 0xfffc0000, 0x40000, RES } },
		.nwant = 7,
	},
};

START_TEST(test_e820_build)
{
	const struct e820_case *c = &e820_cases[_i];
	struct vtx_e820 out[16];
	unsigned n = 99;

	ck_assert_int_eq(vtx_e820_build(bochs_map, 6, c->hide, c->nhide, out, 16, &n), PP_OK);
	ck_assert_msg(n == c->nwant, "%s: %u entries, want %u", c->name, n, c->nwant);
	for (unsigned i = 0; i < n; i++) {
		ck_assert_msg(out[i].base == c->want[i].base && out[i].len == c->want[i].len &&
			      out[i].type == c->want[i].type,
			      "%s: entry %u is %llx+%llx type %u", c->name, i,
			      (unsigned long long)out[i].base, (unsigned long long)out[i].len,
			      out[i].type);
	}
}
END_TEST

START_TEST(test_e820_full)
{
	struct vtx_range hide[] = { { 0x9ec00, 0x9f000 }, { 0xee00000, 0xfc00000 } };
	struct vtx_e820 out[8];
	unsigned n = 0;

	ck_assert_int_eq(vtx_e820_build(bochs_map, 6, hide, 2, out, 8, &n), PP_ENOSPC);
}
END_TEST

struct legacy_case {
	struct vtx_e820 map[4];
	unsigned n;
	uint16_t low, high, ext;
};

static const struct legacy_case legacy_cases[] = {
	/* RAM to 238 MiB then parapass: E801h stops at the hole. */
	{ { { 0, 0x9f000, RAM }, { 0x100000, 0xed00000, RAM }, { 0xee00000, 0xe00000, RES },
	    { 0xfc00000, 0x3f0000, RAM } }, 4, 15360, (0xee00000 - 0x1000000) >> 16, 0xFFFF },
	/* Only 8 MiB: no blocks above 16 MiB, 88h in range. */
	{ { { 0, 0x9f000, RAM }, { 0x100000, 0x700000, RAM } }, 2, 7168, 0, 7168 },
	/* Two adjacent RAM entries count as one run; above 4 GiB never counts for E801h. */
	{ { { 0x100000, 0x100000, RAM }, { 0x200000, 0x1fe00000, RAM },
	    { 0x100000000ull, 0x40000000, RAM } }, 3, 15360, (0x20000000 - 0x1000000) >> 16, 0xFFFF },
	/* No RAM at 1 MiB at all. */
	{ { { 0, 0x9f000, RAM }, { 0x200000, 0x100000, RAM } }, 2, 0, 0, 0 },
};

START_TEST(test_e820_legacy)
{
	const struct legacy_case *c = &legacy_cases[_i];
	struct vtx_legacy_mem m = vtx_e820_legacy(c->map, c->n);

	ck_assert_uint_eq(m.e801_low_kib, c->low);
	ck_assert_uint_eq(m.e801_high_64k, c->high);
	ck_assert_uint_eq(m.ext_kib, c->ext);
}
END_TEST

Suite *vtx_e820_suite(void)
{
	Suite *s = suite_create("vtx_e820");
	TCase *tc = tcase_create("map");

	tcase_add_loop_test(tc, test_e820_build, 0, sizeof(e820_cases) / sizeof(e820_cases[0]));
	tcase_add_test(tc, test_e820_full);
	tcase_add_loop_test(tc, test_e820_legacy, 0, sizeof(legacy_cases) / sizeof(legacy_cases[0]));
	suite_add_tcase(s, tc);
	return s;
}
