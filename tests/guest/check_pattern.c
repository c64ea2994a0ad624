/*
 * check_pattern.c - the guest workload's sector pattern (tests/guest/
 * pattern.c): the layout the host checker relies on, what each kind of
 * damage is reported as, and marker counting across buffer boundaries.
 */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "tests/guest/pattern.h"

/* Published splitmix64 outputs for state 0: independent of this code. */
START_TEST(test_splitmix64_known_answer)
{
	static const uint64_t want[] = {
		0xe220a8397b1dcdafull, 0x6e789e6aa1b965f4ull, 0x06c45d188009454full,
	};
	uint64_t st = 0;

	for (unsigned i = 0; i < 3; i++)
		ck_assert_uint_eq(ppat_splitmix64(&st), want[i]);
}
END_TEST

/* Header bytes and the first fill word, computed by hand from pattern.h. */
START_TEST(test_fill_layout)
{
	uint8_t sec[PPAT_SECTOR];
	static const uint8_t lba_le[8] = { 5, 0, 0, 0, 0, 0, 0, 0 };
	static const uint8_t seed_le[8] = { 7, 0, 0, 0, 0, 0, 0, 0 };
	static const uint8_t fill0_le[8] = {
		0x21, 0xce, 0x08, 0xda, 0xd8, 0x26, 0x81, 0x43,
	};

	ppat_fill(sec, 5, 7);
	ck_assert_mem_eq(sec, "PPATTERN", 8);
	ck_assert_mem_eq(sec + 8, lba_le, 8);
	ck_assert_mem_eq(sec + 16, seed_le, 8);
	ck_assert_mem_eq(sec + PPAT_FILL_OFF, fill0_le, 8);
}
END_TEST

static const struct { uint64_t lba, seed; } round_cases[] = {
	{ 0, 0 }, { 1, 1 }, { 34816, 1 }, { 0xffffffffull, 42 },
	{ 0x0123456789abcdefull, 0xfedcba9876543210ull },
};

START_TEST(test_fill_then_check)
{
	uint8_t sec[PPAT_SECTOR];
	uint64_t lba = 0, seed = 0;

	ppat_fill(sec, round_cases[_i].lba, round_cases[_i].seed);
	ck_assert_int_eq(ppat_check(sec, round_cases[_i].lba, round_cases[_i].seed),
			 PPAT_OK);
	ck_assert_int_eq(ppat_identify(sec, &lba, &seed), 1);
	ck_assert_uint_eq(lba, round_cases[_i].lba);
	ck_assert_uint_eq(seed, round_cases[_i].seed);
	ck_assert_int_eq(ppat_check(sec, round_cases[_i].lba + 1,
				    round_cases[_i].seed), PPAT_WRONG_LBA);
	ck_assert_int_eq(ppat_check(sec, round_cases[_i].lba,
				    round_cases[_i].seed ^ 1), PPAT_WRONG_SEED);
}
END_TEST

/* One flipped byte at each place in the sector, and what it must read as. */
static const struct { unsigned off; enum ppat_verdict want; } damage_cases[] = {
	{ 0, PPAT_NO_MARKER },   { 7, PPAT_NO_MARKER },
	{ 8, PPAT_WRONG_LBA },   { 15, PPAT_WRONG_LBA },
	{ 16, PPAT_WRONG_SEED }, { 23, PPAT_WRONG_SEED },
	{ 24, PPAT_BAD_FILL },   { 300, PPAT_BAD_FILL }, { 511, PPAT_BAD_FILL },
};

START_TEST(test_damage_detected)
{
	uint8_t sec[PPAT_SECTOR];
	uint64_t lba, seed;

	ppat_fill(sec, 1000, 3);
	sec[damage_cases[_i].off] ^= 0x40;
	ck_assert_int_eq(ppat_check(sec, 1000, 3), damage_cases[_i].want);
	ck_assert_int_eq(ppat_identify(sec, &lba, &seed), 0);
}
END_TEST

/* Neighbours differ, and not as the same stream shifted by one word. */
START_TEST(test_neighbours_unrelated)
{
	uint8_t a[PPAT_SECTOR], b[PPAT_SECTOR];

	ppat_fill(a, 77, 1);
	ppat_fill(b, 78, 1);
	ck_assert_int_ne(memcmp(a + PPAT_FILL_OFF, b + PPAT_FILL_OFF,
				PPAT_SECTOR - PPAT_FILL_OFF), 0);
	ck_assert_int_ne(memcmp(a + PPAT_FILL_OFF + 8, b + PPAT_FILL_OFF,
				PPAT_SECTOR - PPAT_FILL_OFF - 8), 0);
}
END_TEST

START_TEST(test_zero_sector_is_no_pattern)
{
	uint8_t sec[PPAT_SECTOR] = { 0 };
	uint64_t lba, seed;

	ck_assert_int_eq(ppat_check(sec, 0, 0), PPAT_NO_MARKER);
	ck_assert_int_eq(ppat_identify(sec, &lba, &seed), 0);
}
END_TEST

/* Markers at 0, 13 (unaligned), 100 and at the very end of a 128-byte buffer. */
static void build_marked(uint8_t *buf, size_t len)
{
	memset(buf, 'P', len); /* 'P' everywhere: the scan's fast path must not lie */
	memcpy(buf + 0, PPAT_MARKER, PPAT_MARKER_LEN);
	memcpy(buf + 13, PPAT_MARKER, PPAT_MARKER_LEN);
	memcpy(buf + 100, PPAT_MARKER, PPAT_MARKER_LEN);
	memcpy(buf + len - PPAT_MARKER_LEN, PPAT_MARKER, PPAT_MARKER_LEN);
}

/* Every split point of the buffer into two feeds gives the same count. */
START_TEST(test_counter_split_anywhere)
{
	uint8_t buf[128];
	struct ppat_counter c;

	build_marked(buf, sizeof(buf));
	ppat_counter_init(&c);
	ppat_counter_feed(&c, buf, (size_t)_i);
	ppat_counter_feed(&c, buf + _i, sizeof(buf) - (size_t)_i);
	ck_assert_uint_eq(c.count, 4);
}
END_TEST

START_TEST(test_counter_byte_by_byte)
{
	uint8_t buf[128];
	struct ppat_counter c;

	build_marked(buf, sizeof(buf));
	ppat_counter_init(&c);
	for (size_t i = 0; i < sizeof(buf); i++)
		ppat_counter_feed(&c, buf + i, 1);
	ck_assert_uint_eq(c.count, 4);
}
END_TEST

START_TEST(test_counter_pattern_range)
{
	uint8_t buf[8 * PPAT_SECTOR];
	struct ppat_counter c;

	ppat_fill_range(buf, 2048, 8, 1);
	ppat_counter_init(&c);
	ppat_counter_feed(&c, buf, sizeof(buf));
	ck_assert_uint_eq(c.count, 8);
	ck_assert_int_eq(ppat_check(buf + 7 * PPAT_SECTOR, 2055, 1), PPAT_OK);
}
END_TEST

Suite *guest_pattern_suite(void)
{
	Suite *s = suite_create("guest_pattern");
	TCase *tc = tcase_create("pattern");

	tcase_add_test(tc, test_splitmix64_known_answer);
	tcase_add_test(tc, test_fill_layout);
	tcase_add_loop_test(tc, test_fill_then_check, 0,
			    sizeof(round_cases) / sizeof(round_cases[0]));
	tcase_add_loop_test(tc, test_damage_detected, 0,
			    sizeof(damage_cases) / sizeof(damage_cases[0]));
	tcase_add_test(tc, test_neighbours_unrelated);
	tcase_add_test(tc, test_zero_sector_is_no_pattern);
	tcase_add_loop_test(tc, test_counter_split_anywhere, 0, 129);
	tcase_add_test(tc, test_counter_byte_by_byte);
	tcase_add_test(tc, test_counter_pattern_range);
	suite_add_tcase(s, tc);
	return s;
}
