/*
 * check_crypto_cpu.c - the CPUID/XCR0 decision: which paths a CPU and its
 * OS-enabled state allow, from raw register words.
 */
#include <check.h>
#include <stdio.h>

#include "crypto/crypto_priv.h"

#define L1_AES ((1u << 25) | (1u << 19))                      /* AES, SSE4.1 */
#define L1_FULL (L1_AES | (1u << 1) | (1u << 27) | (1u << 28)) /* + PCLMUL OSXSAVE AVX */
#define L7B_AVX2 (1u << 5)
#define L7B_512 ((1u << 16) | (1u << 30) | (1u << 31)) /* AVX512 F, BW, VL */
#define L7C_VAES ((1u << 9) | (1u << 10))             /* VAES, VPCLMULQDQ */
#define ALL (CRYPTO_CPU_AESNI | CRYPTO_CPU_VAES256 | CRYPTO_CPU_VAES512)

static const struct cpu_case {
	const char *what;
	struct crypto_cpuid in;
	uint32_t want;
} cpu_cases[] = {
	{ "nothing", { .max_leaf = 0 }, 0 },
	{ "leaf 0 only hides leaf 1", { .max_leaf = 0, .l1_ecx = L1_FULL }, 0 },
	{ "AES-NI only", { .max_leaf = 1, .l1_ecx = L1_AES }, CRYPTO_CPU_AESNI },
	{ "AES-NI without SSE4.1", { .max_leaf = 1, .l1_ecx = 1u << 25 }, 0 },
	{ "everything enabled",
	  { 13, L1_FULL, L7B_AVX2 | L7B_512, L7C_VAES, 0xE7 }, ALL },
	{ "XCR0 without AVX-512 state",
	  { 13, L1_FULL, L7B_AVX2 | L7B_512, L7C_VAES, 0x07 },
	  CRYPTO_CPU_AESNI | CRYPTO_CPU_VAES256 },
	{ "XCR0 without AVX state",
	  { 13, L1_FULL, L7B_AVX2 | L7B_512, L7C_VAES, 0x03 }, CRYPTO_CPU_AESNI },
	{ "OSXSAVE clear: XCR0 unreadable",
	  { 13, L1_FULL & ~(1u << 27), L7B_AVX2 | L7B_512, L7C_VAES, 0xE7 }, CRYPTO_CPU_AESNI },
	{ "max leaf 6 hides leaf 7",
	  { 6, L1_FULL, L7B_AVX2 | L7B_512, L7C_VAES, 0xE7 }, CRYPTO_CPU_AESNI },
	{ "VAES without VPCLMULQDQ",
	  { 13, L1_FULL, L7B_AVX2 | L7B_512, 1u << 9, 0xE7 }, CRYPTO_CPU_AESNI },
	{ "AVX2 + VAES, no AVX-512 (Zen 3)",
	  { 16, L1_FULL, L7B_AVX2, L7C_VAES, 0x07 }, CRYPTO_CPU_AESNI | CRYPTO_CPU_VAES256 },
	{ "AVX-512F without BW",
	  { 13, L1_FULL, L7B_AVX2 | (1u << 16) | (1u << 31), L7C_VAES, 0xE7 },
	  CRYPTO_CPU_AESNI | CRYPTO_CPU_VAES256 },
	{ "no AES bit disables all",
	  { 13, L1_FULL & ~(1u << 25), L7B_AVX2 | L7B_512, L7C_VAES, 0xE7 }, 0 },
};

START_TEST(test_decode)
{
	const struct cpu_case *c = &cpu_cases[_i];

	ck_assert_msg(crypto_cpu_decode(&c->in) == c->want, "%s: got %#x want %#x", c->what,
		      crypto_cpu_decode(&c->in), c->want);
}
END_TEST

START_TEST(test_this_cpu_is_consistent)
{
	uint32_t f = crypto_cpu_features();

	printf("NOTICE crypto: CPU features aesni=%d vaes256=%d vaes512=%d\n",
	       !!(f & CRYPTO_CPU_AESNI), !!(f & CRYPTO_CPU_VAES256), !!(f & CRYPTO_CPU_VAES512));
	/* Every CPU with VAES also has AES-NI; the 512-bit path implies the 256-bit one. */
	if (f & CRYPTO_CPU_VAES512)
		ck_assert(f & CRYPTO_CPU_VAES256);
	if (f & CRYPTO_CPU_VAES256)
		ck_assert(f & CRYPTO_CPU_AESNI);
	ck_assert_uint_eq(crypto_cpu_features(), f);
}
END_TEST

Suite *crypto_cpu_suite(void)
{
	Suite *s = suite_create("crypto_cpu");
	TCase *tc = tcase_create("decode");

	tcase_add_loop_test(tc, test_decode, 0, sizeof(cpu_cases) / sizeof(cpu_cases[0]));
	tcase_add_test(tc, test_this_cpu_is_consistent);
	suite_add_tcase(s, tc);
	return s;
}
