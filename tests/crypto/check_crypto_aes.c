/*
 * check_crypto_aes.c - the portable AES-256 under the XTS layer: the
 * bitsliced S-box against one computed from its definition, the key
 * schedule and block cipher against FIPS-197, ECB against OpenSSL.
 */
#include <check.h>
#include <openssl/evp.h>
#include <string.h>

#include "crypto/crypto_priv.h"
#include "tests/crypto/crypto_test.h"

/* FIPS-197 4.2: multiplication in GF(2^8) modulo x^8 + x^4 + x^3 + x + 1. */
static uint8_t gf_mul(uint8_t a, uint8_t b)
{
	uint8_t r = 0;

	while (b) {
		if (b & 1)
			r ^= a;
		a = (uint8_t)((a << 1) ^ ((a & 0x80) ? 0x1B : 0));
		b >>= 1;
	}
	return r;
}

/* FIPS-197 5.1.1: inverse (x^254), then the affine map with {63}. */
static uint8_t ref_sbox(uint8_t x)
{
	uint8_t inv = 1, out = 0;

	for (int i = 0; i < 254; i++)
		inv = gf_mul(inv, x);
	if (!x)
		inv = 0;
	for (int i = 0; i < 8; i++) {
		int bit = (inv >> i) ^ (inv >> ((i + 4) % 8)) ^ (inv >> ((i + 5) % 8)) ^
			  (inv >> ((i + 6) % 8)) ^ (inv >> ((i + 7) % 8)) ^ (0x63 >> i);

		out |= (uint8_t)((bit & 1) << i);
	}
	return out;
}

START_TEST(test_sbox_all_bytes)
{
	for (unsigned x = 0; x < 256; x += 4) {
		uint32_t w = x | (x + 1) << 8 | (x + 2) << 16 | (x + 3) << 24;
		uint32_t s = crypto_aes_subword(w);

		for (unsigned j = 0; j < 4; j++)
			ck_assert_msg(((s >> (8 * j)) & 0xFF) == ref_sbox((uint8_t)(x + j)),
				      "S(%02x)", x + j);
		ck_assert_uint_eq(crypto_aes_inv_subword(s), w);
	}
	/* FIPS-197 Figure 7 spot values. */
	ck_assert_uint_eq(crypto_aes_subword(0x53), 0x63636300u | 0xED);
}
END_TEST

/* FIPS-197 Appendix A.3: expansion of a 256-bit key. */
START_TEST(test_key_expansion_fips197)
{
	uint8_t key[32], want[16];
	uint32_t w[60];

	ct_unhex("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4", key, 32);
	crypto_aes256_expand(w, key);
	ct_unhex("9ba354118e6925afa51a8b5f2067fcde", want, 16);
	ck_assert(!memcmp(&w[8], want, 16));
	ct_unhex("fe4890d1e6188d0b046df344706c631e", want, 16);
	ck_assert(!memcmp(&w[56], want, 16));
}
END_TEST

/* FIPS-197 Appendix C.3: AES-256 on one block, both ways. */
START_TEST(test_block_fips197)
{
	uint8_t key[32], pt[16], ct[16], got[16];
	uint32_t w[60];

	for (int i = 0; i < 32; i++)
		key[i] = (uint8_t)i;
	ct_unhex("00112233445566778899aabbccddeeff", pt, 16);
	ct_unhex("8ea2b7ca516745bfeafc49904b496089", ct, 16);
	crypto_aes256_expand(w, key);
	crypto_generic_ecb(w, pt, got, 1, 0);
	ck_assert(!memcmp(got, ct, 16));
	crypto_generic_ecb(w, ct, got, 1, 1);
	ck_assert(!memcmp(got, pt, 16));
}
END_TEST

/* Runs of 1..9 blocks (partial four-block passes) against OpenSSL ECB. */
START_TEST(test_ecb_openssl)
{
	uint8_t key[32], pt[16 * 9], ref[16 * 9], got[16 * 9];
	size_t n = (size_t)_i;
	uint64_t seed = 0xEC8u + n;
	uint32_t w[60];
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int len;

	ct_fill(&seed, key, sizeof(key));
	ct_fill(&seed, pt, 16 * n);
	ck_assert_int_eq(EVP_EncryptInit_ex(c, EVP_aes_256_ecb(), NULL, key, NULL), 1);
	EVP_CIPHER_CTX_set_padding(c, 0);
	ck_assert_int_eq(EVP_EncryptUpdate(c, ref, &len, pt, (int)(16 * n)), 1);
	EVP_CIPHER_CTX_free(c);
	crypto_aes256_expand(w, key);
	crypto_generic_ecb(w, pt, got, n, 0);
	ck_assert(!memcmp(got, ref, 16 * n));
	crypto_generic_ecb(w, ref, got, n, 1);
	ck_assert(!memcmp(got, pt, 16 * n));
}
END_TEST

/* The decryption schedule is InvMixColumns of the inner round keys (FIPS-197 5.3.5). */
START_TEST(test_dec_schedule)
{
	uint8_t key[32];
	uint32_t ek[60], dk[60];
	uint64_t seed = 0xDEC;

	ct_fill(&seed, key, sizeof(key));
	crypto_aes256_expand(ek, key);
	crypto_aes256_dec_schedule(dk, ek);
	ck_assert(!memcmp(dk, ek + 56, 16));
	ck_assert(!memcmp(dk + 56, ek, 16));
	for (int r = 1; r < 14; r++) {
		const uint8_t *e = (const uint8_t *)(ek + 4 * (14 - r));
		const uint8_t *d = (const uint8_t *)(dk + 4 * r);

		for (int c = 0; c < 4; c++) {
			const uint8_t *a = e + 4 * c;

			for (int row = 0; row < 4; row++) {
				uint8_t v = gf_mul(a[row], 14) ^ gf_mul(a[(row + 1) % 4], 11) ^
					    gf_mul(a[(row + 2) % 4], 13) ^ gf_mul(a[(row + 3) % 4], 9);

				ck_assert_uint_eq(d[4 * c + row], v);
			}
		}
	}
}
END_TEST

Suite *crypto_aes_suite(void)
{
	Suite *s = suite_create("crypto_aes");
	TCase *tc = tcase_create("generic");

	tcase_add_test(tc, test_sbox_all_bytes);
	tcase_add_test(tc, test_key_expansion_fips197);
	tcase_add_test(tc, test_block_fips197);
	tcase_add_loop_test(tc, test_ecb_openssl, 1, 10);
	tcase_add_test(tc, test_dec_schedule);
	suite_add_tcase(s, tc);
	return s;
}
