/* crypto_test.c - shared helpers of the crypto suites (see crypto_test.h). */
#include <check.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "tests/crypto/crypto_test.h"

int ct_use_impl(int impl, const char *test)
{
	if (!crypto_impl_supported((enum crypto_impl)impl)) {
		printf("NOTICE %s: implementation %s not available on this CPU, NOT TESTED\n", test,
		       crypto_impl_name((enum crypto_impl)impl));
		fflush(stdout);
		return 0;
	}
	ck_assert_int_eq(crypto_impl_force((enum crypto_impl)impl), CRYPTO_OK);
	ck_assert_int_eq(crypto_impl_active(), impl);
	return 1;
}

void ct_ref_xts(const uint8_t key[CRYPTO_XTS_KEY_SIZE], int encrypt, uint64_t lba,
		const uint8_t *src, uint8_t *dst, size_t nsect)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	uint8_t iv[16];
	int len;

	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(EVP_CipherInit_ex(c, EVP_aes_256_xts(), NULL, key, NULL, encrypt), 1);
	for (size_t s = 0; s < nsect; s++) {
		uint64_t t = lba + s;

		for (int i = 0; i < 8; i++)
			iv[i] = (uint8_t)(t >> (8 * i));
		memset(iv + 8, 0, 8);
		ck_assert_int_eq(EVP_CipherInit_ex(c, NULL, NULL, NULL, iv, -1), 1);
		ck_assert_int_eq(EVP_CipherUpdate(c, dst + s * CRYPTO_SECTOR_SIZE, &len,
						  src + s * CRYPTO_SECTOR_SIZE, CRYPTO_SECTOR_SIZE), 1);
		ck_assert_int_eq(len, CRYPTO_SECTOR_SIZE);
	}
	EVP_CIPHER_CTX_free(c);
}

uint64_t ct_rand(uint64_t *state)
{
	uint64_t z = (*state += 0x9E3779B97F4A7C15ull);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

void ct_fill(uint64_t *state, void *buf, size_t len)
{
	uint8_t *b = buf;

	while (len) {
		uint64_t r = ct_rand(state);
		size_t n = len < 8 ? len : 8;

		memcpy(b, &r, n);
		b += n;
		len -= n;
	}
}

void ct_test_key(uint64_t *state, uint8_t key[CRYPTO_XTS_KEY_SIZE])
{
	do
		ct_fill(state, key, CRYPTO_XTS_KEY_SIZE);
	while (!memcmp(key, key + CRYPTO_XTS_KEY_SIZE / 2, CRYPTO_XTS_KEY_SIZE / 2));
}

void ct_unhex(const char *hex, uint8_t *out, size_t len)
{
	ck_assert_uint_eq(strlen(hex), 2 * len);
	for (size_t i = 0; i < len; i++) {
		unsigned v;

		ck_assert_int_eq(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}
