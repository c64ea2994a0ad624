/*
 * crypto_test.h - helpers the crypto suites share: an OpenSSL reference
 * for aes-xts-plain64, a seeded generator for test keys and data, hex
 * decoding, and the per-implementation loop.
 */
#ifndef CRYPTO_TEST_H
#define CRYPTO_TEST_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"

/*
 * Pin impl for the calling test. Returns 0, after printing that the CPU
 * lacks it, when it cannot run here: the caller returns without checking
 * anything, and the notice in the output says so.
 */
int ct_use_impl(int impl, const char *test);

/* OpenSSL EVP_aes_256_xts, one EVP data unit per sector, IV = LE64(lba) || 0^8. */
void ct_ref_xts(const uint8_t key[CRYPTO_XTS_KEY_SIZE], int encrypt, uint64_t lba,
		const uint8_t *src, uint8_t *dst, size_t nsect);

/* Deterministic test data (splitmix64): the same seed gives the same bytes. */
uint64_t ct_rand(uint64_t *state);
void ct_fill(uint64_t *state, void *buf, size_t len);
/* A random TEST key whose halves differ. */
void ct_test_key(uint64_t *state, uint8_t key[CRYPTO_XTS_KEY_SIZE]);

/* Decode exactly len bytes of hex; aborts the test on bad input. */
void ct_unhex(const char *hex, uint8_t *out, size_t len);

#endif /* CRYPTO_TEST_H */
