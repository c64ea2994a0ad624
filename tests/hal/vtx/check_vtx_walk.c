/*
 * check_vtx_walk.c - guest linear-address translation (hal/vtx/vtx_walk.c)
 * on synthetic page tables in every paging mode (SDM vol. 3, chapter 4):
 * none, 32-bit with 4 KiB and PSE-36 4 MiB pages, PAE with 4 KiB and 2 MiB,
 * 4-level with 4 KiB, 2 MiB and 1 GiB, 5-level; then the faults (not
 * present, write to read-only with CR0.WP, user to supervisor, tables
 * outside guest RAM) and the accessed/dirty bits.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "../../../hal/vtx/vtx_walk.c"

#define MEM (8u << 20)
#define P 0x1ull
#define W 0x2ull
#define U 0x4ull
#define PS 0x80ull
#define TBL (P | W | U)

static uint8_t *mem;

static void *walk_test_map(uint64_t gpa, size_t len)
{
	return gpa + len <= MEM ? mem + gpa : NULL;
}

static void put64(uint64_t pa, uint64_t v)
{
	memcpy(mem + pa, &v, 8);
}

static void put32(uint64_t pa, uint32_t v)
{
	memcpy(mem + pa, &v, 4);
}

static uint64_t get64(uint64_t pa)
{
	uint64_t v;

	memcpy(&v, mem + pa, 8);
	return v;
}

static void setup(void)
{
	mem = calloc(1, MEM);
	ck_assert_ptr_nonnull(mem);
	/* 32-bit: PD 0x10000; PD[1] -> PT 0x11000, PT[5] -> 0x200000; PD[2] 4 MiB with PSE-36 bit 32. */
	put32(0x10000 + 1 * 4, 0x11000 | TBL);
	put32(0x11000 + 5 * 4, 0x200000 | TBL);
	put32(0x10000 + 2 * 4, 0x00C00000 | (1u << 13) | PS | P | W);
	/* PAE: PDPTE -> PD 0x20000; PD[3] -> PT 0x21000, PT[7] -> 0x300000; PD[4] 2 MiB. */
	put64(0x20000 + 3 * 8, 0x21000 | TBL);
	put64(0x21000 + 7 * 8, 0x300000 | TBL);
	put64(0x20000 + 4 * 8, 0x400000 | PS | TBL);
	/* 4-level: PML4 0x30000 -> [1] PDPT 0x31000 -> [2] PD 0x32000 -> [3] PT 0x33000. */
	put64(0x30000 + 1 * 8, 0x31000 | TBL);
	put64(0x31000 + 2 * 8, 0x32000 | TBL);
	put64(0x32000 + 3 * 8, 0x33000 | TBL);
	put64(0x33000 + 4 * 8, 0x500000 | TBL);
	put64(0x33000 + 8 * 8, 0x501000 | P | U);           /* read-only */
	put64(0x33000 + 9 * 8, 0x502000 | P | W);           /* supervisor */
	put64(0x32000 + 6 * 8, 0x600000 | PS | TBL);        /* 2 MiB */
	put64(0x31000 + 5 * 8, 0x40000000 | PS | TBL);      /* 1 GiB */
	put64(0x32000 + 7 * 8, 0x7F000000 | TBL);           /* a table outside guest RAM */
	/* 5-level: PML5 0x40000 -> [0] the PML4 above. */
	put64(0x40000, 0x30000 | TBL);
}

static void teardown(void)
{
	free(mem);
}

#define LA4(i4, i3, i2, i1, off) \
	((uint64_t)(i4) << 39 | (uint64_t)(i3) << 30 | (uint64_t)(i2) << 21 | (uint64_t)(i1) << 12 | (off))
#define CR0_PG_PE (0x80000001ull)
#define LMA EFER_LMA   /* CR0_WP, CR4_PSE, CR4_PAE, CR4_LA57: from vtx_walk.c */

struct walk_case {
	const char *name;
	uint64_t cr0, cr3, cr4, efer, la;
	uint64_t want;
};

static const struct walk_case ok_cases[] = {
	{ "real mode", 0x10, 0, 0, 0, 0x7c00, 0x7c00 },
	{ "protected, no paging: 32 bits", 0x11, 0, 0, 0, 0x123456789ull, 0x23456789 },
	{ "32-bit 4 KiB", CR0_PG_PE, 0x10000, 0, 0, 0x00405123, 0x200123 },
	{ "32-bit 4 MiB PSE-36", CR0_PG_PE, 0x10000, CR4_PSE, 0, 0x00812345, 0x100C12345ull },
	{ "PAE 4 KiB", CR0_PG_PE, 0, CR4_PAE, 0, 0x607ABC, 0x300ABC },
	{ "PAE 2 MiB", CR0_PG_PE, 0, CR4_PAE, 0, 0x801234, 0x401234 },
	{ "4-level 4 KiB", CR0_PG_PE, 0x30000, CR4_PAE, LMA, LA4(1, 2, 3, 4, 0x10), 0x500010 },
	{ "4-level 2 MiB", CR0_PG_PE, 0x30000, CR4_PAE, LMA, LA4(1, 2, 6, 0, 0x777), 0x600777 },
	{ "4-level 1 GiB", CR0_PG_PE, 0x30000, CR4_PAE, LMA, LA4(1, 5, 0, 0, 0x123456), 0x40123456 },
	{ "5-level 4 KiB", CR0_PG_PE, 0x40000, CR4_PAE | CR4_LA57, LMA, LA4(1, 2, 3, 4, 0x10),
	  0x500010 },
};

static struct vtx_walk_env env_of(const struct walk_case *c, unsigned cpl)
{
	struct vtx_walk_env env = { .cr0 = c->cr0, .cr3 = c->cr3, .cr4 = c->cr4, .efer = c->efer,
				    .cpl = cpl, .map = walk_test_map };

	env.pdpte[0] = 0x20000 | P;
	return env;
}

START_TEST(test_walk_ok)
{
	const struct walk_case *c = &ok_cases[_i];
	struct vtx_walk_env env = env_of(c, 0);
	uint64_t gpa = 0;
	uint32_t err = 0;

	ck_assert_msg(vtx_walk(&env, c->la, VTX_ACC_READ, &gpa, &err), "%s: fault %x", c->name, err);
	ck_assert_msg(gpa == c->want, "%s: %llx, want %llx", c->name, (unsigned long long)gpa,
		      (unsigned long long)c->want);
}
END_TEST

struct fault_case {
	const char *name;
	uint64_t la, cr0;
	enum vtx_access acc;
	unsigned cpl;
	uint32_t want_err;
};

static const struct fault_case fault_cases[] = {
	{ "not present", LA4(2, 0, 0, 0, 0), 0, VTX_ACC_READ, 0, 0 },
	{ "not present, write by user", LA4(1, 2, 3, 5, 0), 0, VTX_ACC_WRITE, 3, VTX_PF_W | VTX_PF_U },
	{ "read-only, WP", LA4(1, 2, 3, 8, 0), CR0_WP, VTX_ACC_WRITE, 0, VTX_PF_P | VTX_PF_W },
	{ "supervisor page, user read", LA4(1, 2, 3, 9, 0), 0, VTX_ACC_READ, 3, VTX_PF_P | VTX_PF_U },
	{ "table outside guest RAM", LA4(1, 2, 7, 0, 0), 0, VTX_ACC_READ, 0, 0 },
};

START_TEST(test_walk_fault)
{
	const struct fault_case *c = &fault_cases[_i];
	struct walk_case base = { .cr0 = CR0_PG_PE | c->cr0, .cr3 = 0x30000, .cr4 = CR4_PAE, .efer = LMA };
	struct vtx_walk_env env = env_of(&base, c->cpl);
	uint64_t gpa = 0;
	uint32_t err = 0xdead;

	ck_assert_msg(!vtx_walk(&env, c->la, c->acc, &gpa, &err), "%s: translated", c->name);
	ck_assert_msg(err == c->want_err, "%s: error %x, want %x", c->name, err, c->want_err);
}
END_TEST

START_TEST(test_walk_read_only_without_wp)
{
	struct walk_case base = { .cr0 = CR0_PG_PE, .cr3 = 0x30000, .cr4 = CR4_PAE, .efer = LMA };
	struct vtx_walk_env env = env_of(&base, 0);
	uint64_t gpa;
	uint32_t err;

	/* CR0.WP=0: a supervisor write ignores R/W (SDM 4.6.1). */
	ck_assert(vtx_walk(&env, LA4(1, 2, 3, 8, 4), VTX_ACC_WRITE, &gpa, &err));
	ck_assert_uint_eq(gpa, 0x501004);
}
END_TEST

START_TEST(test_walk_accessed_dirty)
{
	struct walk_case base = { .cr0 = CR0_PG_PE, .cr3 = 0x30000, .cr4 = CR4_PAE, .efer = LMA };
	struct vtx_walk_env env = env_of(&base, 0);
	uint64_t gpa;
	uint32_t err;

	ck_assert(vtx_walk(&env, LA4(1, 2, 3, 4, 0), VTX_ACC_READ, &gpa, &err));
	ck_assert_uint_eq(get64(0x33000 + 4 * 8) & (PG_A | PG_D), PG_A);
	ck_assert(vtx_walk(&env, LA4(1, 2, 3, 4, 0), VTX_ACC_WRITE, &gpa, &err));
	ck_assert_uint_eq(get64(0x33000 + 4 * 8) & (PG_A | PG_D), PG_A | PG_D);
	ck_assert_uint_eq(get64(0x32000 + 3 * 8) & (PG_A | PG_D), PG_A);   /* no D above the leaf */
	ck_assert_uint_eq(get64(0x30000 + 1 * 8) & PG_A, PG_A);
}
END_TEST

Suite *vtx_walk_suite(void)
{
	Suite *s = suite_create("vtx_walk");
	TCase *tc = tcase_create("modes");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_walk_ok, 0, sizeof(ok_cases) / sizeof(ok_cases[0]));
	tcase_add_loop_test(tc, test_walk_fault, 0, sizeof(fault_cases) / sizeof(fault_cases[0]));
	tcase_add_test(tc, test_walk_read_only_without_wp);
	tcase_add_test(tc, test_walk_accessed_dirty);
	suite_add_tcase(s, tc);
	return s;
}
