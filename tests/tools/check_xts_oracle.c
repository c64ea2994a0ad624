/*
 * check_xts_oracle.c - the OpenSSL oracle that system tests trust to
 * decide whether a disk holds ciphertext: IEEE 1619-2007 vector 10
 * (XTS-AES-256, 512-byte data unit), the dm-crypt plain64 tweak against
 * an XTS built here from AES-256-ECB (IEEE 1619 section 5.3.1, so a
 * byte-order or key-half slip in the oracle shows), key checks, and the
 * pattern counter over sparse files.
 */
#define _GNU_SOURCE
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "tests/tools/xts_oracle.h"

static void hex(const char *s, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned v;

		ck_assert_int_eq(sscanf(s + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

/* IEEE 1619-2007 annex B vector 10: Key1 = e digits, Key2 = pi digits, DUSN 0xff. */
static const char v10_key[] =
	"2718281828459045235360287471352662497757247093699959574966967627"
	"3141592653589793238462643383279502884197169399375105820974944592";
static const char v10_ct[] =
	"1c3b3a102f770386e4836c99e370cf9bea00803f5e482357a4ae12d414a3e63b"
	"5d31e276f8fe4a8d66b317f9ac683f44680a86ac35adfc3345befecb4bb188fd"
	"5776926c49a3095eb108fd1098baec70aaa66999a72a82f27d848b21d4a741b0"
	"c5cd4d5fff9dac89aeba122961d03a757123e9870f8acf1000020887891429ca"
	"2a3e7a7d7df7b10355165c8b9a6d0a7de8b062c4500dc4cd120c0f7418dae3d0"
	"b5781c34803fa75421c790dfe1de1834f280d7667b327f6c8cd7557e12ac3a0f"
	"93ec05c52e0493ef31a12d3d9260f79a289d6a379bc70c50841473d1a8cc81ec"
	"583e9645e07b8d9670655ba5bbcfecc6dc3966380ad8fecb17b6ba02469a020a"
	"84e18e8f84252070c13e9f1f289be54fbc481457778f616015e1327a02b140f1"
	"505eb309326d68378f8374595c849d84f4c333ec4423885143cb47bd71c5edae"
	"9be69a2ffeceb1bec9de244fbe15992b11b77c040f12bd8f6a975a44a0f90c29"
	"a9abc3d4d893927284c58754cce294529f8614dcd2aba991925fedc4ae74ffac"
	"6e333b93eb4aff0479da9a410e4450e0dd7ae4c6e2910900575da401fc07059f"
	"645e8b7e9bfdef33943054ff84011493c27b3429eaedb4ed5376441a77ed4385"
	"1ad77f16f541dfd269d50d6a5f14fb0aab1cbb4c1550be97f7ab4066193c4caa"
	"773dad38014bd2092fa755c824bb5e54c4f36ffda9fcea70b9c6e693e148c151";

START_TEST(test_ieee1619_vector10)
{
	uint8_t key[XO_KEY_SIZE], pt[XO_SECTOR], ct[XO_SECTOR], got[XO_SECTOR];

	hex(v10_key, key, sizeof(key));
	hex(v10_ct, ct, sizeof(ct));
	for (int i = 0; i < XO_SECTOR; i++)
		pt[i] = (uint8_t)i;
	ck_assert_int_eq(xo_crypt(key, 1, 0xff, pt, got, 1), XO_OK);
	ck_assert_mem_eq(got, ct, XO_SECTOR);
	ck_assert_int_eq(xo_crypt(key, 0, 0xff, ct, got, 1), XO_OK);
	ck_assert_mem_eq(got, pt, XO_SECTOR);
	/* The tweak matters: the same sector at LBA 0xfe is different ciphertext. */
	ck_assert_int_eq(xo_crypt(key, 1, 0xfe, pt, got, 1), XO_OK);
	ck_assert(memcmp(got, ct, XO_SECTOR) != 0);
}
END_TEST

/* Multiply by alpha in GF(2^128), little-endian bytes (IEEE 1619 section 5.2). */
static void gf_double(uint8_t t[16])
{
	uint8_t carry = 0;

	for (int i = 0; i < 16; i++) {
		uint8_t next = t[i] >> 7;

		t[i] = (uint8_t)(t[i] << 1 | carry);
		carry = next;
	}
	if (carry)
		t[0] ^= 0x87;
}

static void aes_ecb(const uint8_t *key, int enc, const uint8_t in[16], uint8_t out[16])
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n;

	ck_assert_ptr_nonnull(ctx);
	ck_assert_int_eq(EVP_CipherInit_ex(ctx, EVP_aes_256_ecb(), NULL, key, NULL, enc), 1);
	EVP_CIPHER_CTX_set_padding(ctx, 0);
	ck_assert_int_eq(EVP_CipherUpdate(ctx, out, &n, in, 16), 1);
	ck_assert_int_eq(n, 16);
	EVP_CIPHER_CTX_free(ctx);
}

/* XTS from its definition: T = E_K2(LE64(lba) || 0^8) * alpha^j; C_j = E_K1(P_j ^ T) ^ T. */
static void xts_by_definition(const uint8_t key[64], uint64_t lba, const uint8_t *pt, uint8_t *ct)
{
	uint8_t iv[16] = { 0 }, t[16], x[16];

	for (int i = 0; i < 8; i++)
		iv[i] = (uint8_t)(lba >> (8 * i));
	aes_ecb(key + 32, 1, iv, t);
	for (int j = 0; j < XO_SECTOR / 16; j++) {
		for (int b = 0; b < 16; b++)
			x[b] = pt[16 * j + b] ^ t[b];
		aes_ecb(key, 1, x, x);
		for (int b = 0; b < 16; b++)
			ct[16 * j + b] = x[b] ^ t[b];
		gf_double(t);
	}
}

static const uint64_t plain64_lbas[] = {
	0, 1, 0xff, 2048, (1ull << 24) - 1, (1ull << 32) + 7, 0x8000000000000001ull,
};

START_TEST(test_plain64_tweak_by_definition)
{
	uint8_t key[XO_KEY_SIZE], pt[XO_SECTOR], want[XO_SECTOR], got[2 * XO_SECTOR];
	uint64_t lba = plain64_lbas[_i];

	for (int i = 0; i < XO_KEY_SIZE; i++)
		key[i] = (uint8_t)(i * 37 + 11);
	for (int i = 0; i < XO_SECTOR; i++)
		pt[i] = (uint8_t)(i ^ (int)lba);
	xts_by_definition(key, lba, pt, want);
	ck_assert_int_eq(xo_crypt(key, 1, lba, pt, got, 1), XO_OK);
	ck_assert_mem_eq(got, want, XO_SECTOR);
	/* In a run of sectors, the second one is LBA + 1. */
	memcpy(got + XO_SECTOR, pt, XO_SECTOR);
	memcpy(got, pt, XO_SECTOR);
	ck_assert_int_eq(xo_crypt(key, 1, lba - 1, got, got, 2), XO_OK);
	ck_assert_mem_eq(got + XO_SECTOR, want, XO_SECTOR);
}
END_TEST

START_TEST(test_equal_halves_refused)
{
	uint8_t key[XO_KEY_SIZE], buf[XO_SECTOR] = { 0 };

	memset(key, 0x5A, sizeof(key));
	ck_assert_int_eq(xo_key_check(key), XO_EKEY);
	ck_assert_int_eq(xo_crypt(key, 1, 0, buf, buf, 1), XO_EKEY);
	key[63] ^= 1;
	ck_assert_int_eq(xo_key_check(key), XO_OK);
}
END_TEST

struct count_case {
	const char *hay, *pat;
	uint64_t want;
};

static const struct count_case count_cases[] = {
	{ "abcabcabc", "abc", 3 },
	{ "aaaa", "aa", 3 },          /* overlapping occurrences count */
	{ "xyz", "xyzw", 0 },
	{ "PPTGDATAPPTGDATA", "PPTGDATA", 2 },
	{ "nothing here", "PPTG", 0 },
	{ "ends on qz", "qz", 1 },
};

START_TEST(test_count_mem)
{
	const struct count_case *c = &count_cases[_i];

	ck_assert_uint_eq(xo_count_mem((const uint8_t *)c->hay, strlen(c->hay),
				       (const uint8_t *)c->pat, strlen(c->pat)), c->want);
}
END_TEST

/* A sparse file: data islands in holes, occurrences across island/hole edges. */
START_TEST(test_count_sparse_file)
{
	char path[] = "/tmp/check_xts_oracle_XXXXXX";
	int fd = mkstemp(path);
	static const uint8_t pat[] = { 'Q', 'Z', 0, 0 };      /* may run into a hole */
	static const uint8_t zeros[] = { 0, 0, 0, 0, 0, 0, 0, 0 };
	uint64_t n;

	ck_assert_int_ge(fd, 0);
	unlink(path);
	ck_assert_int_eq(ftruncate(fd, 16 << 20), 0);
	ck_assert_int_eq(pwrite(fd, "QZ", 2, 0), 2);                    /* file start */
	ck_assert_int_eq(pwrite(fd, "xxQZ", 4, (4 << 20) - 4), 4);      /* island end -> hole */
	ck_assert_int_eq(pwrite(fd, "QZ\0\0QZ", 6, 10 << 20), 6);
	ck_assert_int_eq(pwrite(fd, "QZ", 2, (16 << 20) - 4), 2);       /* two zeros, then EOF */
	ck_assert_int_eq(xo_count_fd(fd, pat, sizeof(pat), &n), XO_OK);
	ck_assert_uint_eq(n, 5);
	/* A pattern of zeros lives in the holes: counted the slow way (on 256 KiB). */
	ck_assert_int_eq(ftruncate(fd, 256 << 10), 0);
	ck_assert_int_eq(xo_count_fd(fd, zeros, 8, &n), XO_OK);
	ck_assert_uint_eq(n, (256 << 10) - 8 + 1 - 2); /* every start but the two on "QZ" */
	close(fd);
}
END_TEST

Suite *xts_oracle_suite(void)
{
	Suite *s = suite_create("xts_oracle");
	TCase *tc = tcase_create("oracle");

	tcase_add_test(tc, test_ieee1619_vector10);
	tcase_add_loop_test(tc, test_plain64_tweak_by_definition, 0,
			    sizeof(plain64_lbas) / sizeof(plain64_lbas[0]));
	tcase_add_test(tc, test_equal_halves_refused);
	tcase_add_loop_test(tc, test_count_mem, 0, sizeof(count_cases) / sizeof(count_cases[0]));
	tcase_add_test(tc, test_count_sparse_file);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	return s;
}
