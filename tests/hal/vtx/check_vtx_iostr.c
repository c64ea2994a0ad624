/*
 * check_vtx_iostr.c - the arithmetic of REP INS/OUTS (hal/vtx/vtx_iostr.c):
 * items per exit under every address size and direction (none when the
 * first item straddles the index's wrap), segment limits and kinds
 * (expand-down, read-only, code, unusable), register
 * updates that keep the bits the address size does not own, and the item
 * order for a downward walk (SDM vol. 2, INS/OUTS, REP).
 */
#include <check.h>

#include "../../../hal/vtx/vtx_iostr.c"

struct chunk_case {
	uint64_t count, index, amask;
	unsigned w;
	bool df;
	uint32_t want;
};

static const struct chunk_case chunk_cases[] = {
	{ 256, 0x7c00, 0xFFFF, 2, false, 256 },            /* one sector of words */
	{ 100000, 0, ~0ull, 1, false, VTX_IO_CHUNK },      /* capped by the buffer */
	{ 100000, 0, ~0ull, 4, false, VTX_IO_CHUNK / 4 },
	{ 1000, 0xFF00, 0xFFFF, 2, false, 128 },           /* DI would wrap at 64 KiB */
	{ 1000, 0x0010, 0xFFFF, 2, true, 9 },              /* downwards: 0x10 .. 0x0 */
	{ 1000, 0xFFFFFFF0ull, 0xFFFFFFFFull, 4, false, 4 },
	{ 5, 0x12345678FFFFFFF0ull, 0xFFFFFFFFull, 4, false, 4 }, /* upper RDI bits ignored */
	{ 3, 0, ~0ull, 2, true, 1 },                       /* index 0 downwards: one item */
	{ 1, 0x7c00, 0xFFFF, 4, false, 1 },
	{ 1000, 0xFFFE, 0xFFFF, 4, false, 0 },             /* the first item straddles the wrap */
	{ 1000, 0xFFFF, 0xFFFF, 2, false, 0 },
	{ 1000, 0xFFFE, 0xFFFF, 4, true, 0 },              /* downwards too */
	{ 1000, 0xFFFC, 0xFFFF, 4, false, 1 },             /* ends at 0xFFFF: one item */
	{ 1000, 0xFFFE, 0xFFFF, 2, false, 1 },
	{ 1000, 0xFFFFFFFE, 0xFFFFFFFF, 4, false, 0 },
	{ 100000, 0, ~0ull, 1, true, 1 },                  /* index 0 downwards */
	{ 100000, ~0ull, ~0ull, 1, true, VTX_IO_CHUNK },   /* no overflow at the top */
	{ 100000, ~0ull - 3, ~0ull, 4, false, 1 },
};

START_TEST(test_chunk_items)
{
	const struct chunk_case *c = &chunk_cases[_i];

	ck_assert_uint_eq(vtx_io_chunk_items(c->count, c->index, c->amask, c->w, c->df), c->want);
}
END_TEST

struct add_case {
	uint64_t old;
	int64_t delta;
	uint64_t amask, want;
};

static const struct add_case add_cases[] = {
	{ 0xAAAA0000FFFEull, 4, 0xFFFF, 0xAAAA00000002ull },   /* 16-bit: wraps, keeps the rest */
	{ 0xAAAA00000100ull, -2, 0xFFFF, 0xAAAA000000FEull },
	{ 0xAAAAFFFFFFFEull, 4, 0xFFFFFFFFull, 0x2 },          /* 32-bit: zero-extended */
	{ 0x100000000ull, -1, ~0ull, 0xFFFFFFFFull },         /* 64-bit: plain */
	{ 7, -7, 0xFFFF, 0 },
};

START_TEST(test_masked_add)
{
	const struct add_case *c = &add_cases[_i];

	ck_assert_uint_eq(vtx_io_masked_add(c->old, c->delta, c->amask), c->want);
}
END_TEST

struct seg_case {
	const char *what;
	uint64_t off;
	uint32_t n;
	unsigned w;
	bool df, write;
	uint32_t limit, ar;
	uint32_t want;
};

#define RM_DATA 0x93         /* real mode: present, writable data, accessed */
#define RO_DATA 0x91
#define CODE_R 0x9B
#define CODE_X 0x99
#define DOWN_16 0x97         /* writable expand-down, B = 0 */
#define DOWN_32 0x4097       /* B = 1 */
#define UNUSABLE 0x10000

static const struct seg_case seg_cases[] = {
	{ "real mode, in the limit", 0x7c00, 256, 2, false, true, 0xFFFF, RM_DATA, 256 },
	{ "up to the limit", 0xFF00, 1000, 2, false, true, 0xFFFF, RM_DATA, 128 },
	{ "past a small limit", 0x0F00, 1000, 2, false, true, 0x0FFF, RM_DATA, 128 },
	{ "first item past the limit", 0x1000, 10, 2, false, true, 0x0FFF, RM_DATA, 0 },
	{ "first item straddles it", 0x0FFE, 10, 4, false, true, 0x0FFF, RM_DATA, 0 },
	{ "unreal mode: 4 GiB", 0x100000, 1000, 4, false, true, 0xFFFFFFFF, 0xC093, 1000 },
	{ "downwards to 0", 0x10, 100, 2, true, true, 0xFFFF, RM_DATA, 9 },
	{ "expand-down: above the limit", 0x2000, 100, 2, false, true, 0x0FFF, DOWN_16, 100 },
	{ "expand-down: at the limit", 0x0FFF, 10, 2, false, true, 0x0FFF, DOWN_16, 0 },
	{ "expand-down: downwards", 0x1010, 100, 4, true, true, 0x0FFF, DOWN_16, 5 },
	{ "expand-down: 16-bit top", 0xFFF0, 100, 4, false, true, 0x0FFF, DOWN_16, 4 },
	{ "expand-down: 32-bit top", 0xFFF0, 100, 4, false, true, 0x0FFF, DOWN_32, 100 },
	{ "INS into a read-only segment", 0x100, 10, 2, false, true, 0xFFFF, RO_DATA, 0 },
	{ "OUTS from a read-only segment", 0x100, 10, 2, false, false, 0xFFFF, RO_DATA, 10 },
	{ "INS into code", 0x100, 10, 2, false, true, 0xFFFF, CODE_R, 0 },
	{ "OUTS from readable code", 0x100, 10, 2, false, false, 0xFFFF, CODE_R, 10 },
	{ "OUTS from execute-only code", 0x100, 10, 2, false, false, 0xFFFF, CODE_X, 0 },
	{ "unusable (null) segment", 0x100, 10, 2, false, true, 0xFFFF, UNUSABLE | RM_DATA, 0 },
};

START_TEST(test_seg_items)
{
	const struct seg_case *c = &seg_cases[_i];

	ck_assert_msg(vtx_io_seg_items(c->off, c->n, c->w, c->df, c->write, c->limit, c->ar) == c->want,
		      "%s", c->what);
}
END_TEST

START_TEST(test_reverse)
{
	uint8_t b[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
	const uint8_t w2[8] = { 7, 8, 5, 6, 3, 4, 1, 2 };
	const uint8_t w4[8] = { 5, 6, 7, 8, 1, 2, 3, 4 };
	uint8_t one[4] = { 9, 8, 7, 6 };

	vtx_io_reverse(b, 4, 2);
	ck_assert_mem_eq(b, w2, 8);
	vtx_io_reverse(b, 4, 2);
	vtx_io_reverse(b, 2, 4);
	ck_assert_mem_eq(b, w4, 8);
	vtx_io_reverse(one, 1, 4);
	vtx_io_reverse(one, 0, 4);
	ck_assert_uint_eq(one[0], 9);
	ck_assert_uint_eq(one[3], 6);
}
END_TEST

Suite *vtx_iostr_suite(void)
{
	Suite *s = suite_create("vtx_iostr");
	TCase *tc = tcase_create("rep");

	tcase_add_loop_test(tc, test_chunk_items, 0, sizeof(chunk_cases) / sizeof(chunk_cases[0]));
	tcase_add_loop_test(tc, test_masked_add, 0, sizeof(add_cases) / sizeof(add_cases[0]));
	tcase_add_loop_test(tc, test_seg_items, 0, sizeof(seg_cases) / sizeof(seg_cases[0]));
	tcase_add_test(tc, test_reverse);
	suite_add_tcase(s, tc);
	return s;
}
