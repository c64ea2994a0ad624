/*
 * check_vtx_iostr.c - the arithmetic of REP INS/OUTS (hal/vtx/vtx_iostr.c):
 * items per exit under every address size and direction, register
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
	tcase_add_test(tc, test_reverse);
	suite_add_tcase(s, tc);
	return s;
}
