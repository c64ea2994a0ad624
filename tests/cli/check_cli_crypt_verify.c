/*
 * check_cli_crypt_verify.c - the plaintext/ciphertext classifier behind
 * "parapass crypt verify" and the conversion guard (cli/cli_crypt_verify.c):
 * the byte-collision statistic, one sector judged raw and decrypted, and a
 * survey of an image that is plaintext, half converted, converted, or
 * converted under another key.
 */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli_crypt.h"
#include "crypto/crypto.h"
#include "tests/crypto/crypto_test.h"

static uint8_t ckey[64];
static char root[64];  /* a temporary directory for the survey's image */

static void text_sector(uint8_t *s, uint64_t lba)
{
	memset(s, ' ', CRYPT_SECTOR);
	snprintf((char *)s, CRYPT_SECTOR, "sector %llu of a text file, which is structured data",
		 (unsigned long long)lba);
}

START_TEST(test_collisions)
{
	uint8_t s[CRYPT_SECTOR];
	uint64_t seed = 1;

	memset(s, 0, sizeof(s));
	ck_assert_uint_eq(crypt_collisions(s), CRYPT_SECTOR * CRYPT_SECTOR);
	for (unsigned i = 0; i < CRYPT_SECTOR; i++)
		s[i] = (uint8_t)i;
	ck_assert_uint_eq(crypt_collisions(s), 256 * 4);
	ct_fill(&seed, s, sizeof(s));
	ck_assert_uint_lt(crypt_collisions(s), CRYPT_RANDOM_COLLISIONS);
	text_sector(s, 5);
	ck_assert_uint_gt(crypt_collisions(s), 10 * CRYPT_RANDOM_COLLISIONS);
}
END_TEST

/* _i: 0 text in the clear, 1 text encrypted, 2 random, 3 zeros encrypted, 4 boot sector. */
START_TEST(test_look_sector)
{
	static const enum crypt_look want[] = { CRYPT_LOOK_PLAIN, CRYPT_LOOK_CIPHER, CRYPT_LOOK_RANDOM,
						CRYPT_LOOK_CIPHER, CRYPT_LOOK_PLAIN };
	struct crypto_xts *x = crypt_xts_new(ckey);
	uint8_t s[CRYPT_SECTOR];
	uint64_t seed = 77, lba = _i == 4 ? 0 : 1000 + (uint64_t)_i;

	ck_assert_ptr_nonnull(x);
	text_sector(s, lba);
	if (_i == 2 || _i == 4)
		ct_fill(&seed, s, sizeof(s));
	if (_i == 3)
		memset(s, 0, sizeof(s));
	if (_i == 4) /* random boot code, but the signature says what it is */
		s[510] = 0x55, s[511] = 0xAA;
	if (_i == 1 || _i == 3)
		crypto_xts_encrypt(x, lba, s, s, 1);
	ck_assert_int_eq(crypt_look_sector(x, lba, s), want[_i]);
	if (_i == 4)
		ck_assert_str_eq(crypt_marker(0, s), "a boot sector (55 AA)");
	crypt_xts_free(x);
}
END_TEST

/* An image whose first half is encrypted: mixed, with the border found by --all. */
START_TEST(test_survey_and_verdict)
{
	struct crypto_xts *x = crypt_xts_new(ckey);
	enum { N = 4096, HALF = 2048 };
	uint8_t *img = malloc((size_t)N * CRYPT_SECTOR);
	struct crypt_survey s;
	char path[256], line[512];
	int fd;

	ck_assert_ptr_nonnull(x);
	for (uint64_t l = 0; l < N; l++)
		text_sector(img + l * CRYPT_SECTOR, l);
	snprintf(path, sizeof(path), "%s/half.img", root);
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	/* All plaintext. */
	ck_assert_int_eq(pwrite(fd, img, (size_t)N * CRYPT_SECTOR, 0), N * CRYPT_SECTOR);
	ck_assert_int_eq(crypt_survey(fd, x, 0, N, 100, &s), 0);
	ck_assert_uint_eq(s.sampled, 164);
	ck_assert_int_eq(crypt_verdict(&s, line, sizeof(line)), CRYPT_LOOK_PLAIN);
	ck_assert_ptr_nonnull(strstr(line, "plaintext"));
	/* First half encrypted. */
	crypto_xts_encrypt(x, 0, img, img, HALF);
	ck_assert_int_eq(pwrite(fd, img, (size_t)N * CRYPT_SECTOR, 0), N * CRYPT_SECTOR);
	ck_assert_int_eq(crypt_survey(fd, x, 0, N, 0, &s), 0);
	ck_assert_uint_eq(s.sampled, N);
	ck_assert_int_eq(crypt_verdict(&s, line, sizeof(line)), -1);
	ck_assert_uint_eq(s.last_cipher, HALF - 1);
	ck_assert_uint_eq(s.first_plain, HALF);
	/* The encrypted half alone. */
	ck_assert_int_eq(crypt_survey(fd, x, 0, HALF, 50, &s), 0);
	ck_assert_int_eq(crypt_verdict(&s, line, sizeof(line)), CRYPT_LOOK_CIPHER);
	ck_assert_ptr_nonnull(strstr(line, "encrypted with this key"));
	/* Another key sees random both ways. */
	ckey[0] ^= 1;
	ck_assert_int_eq(crypto_xts_setkey(x, ckey), 0);
	ckey[0] ^= 1;
	ck_assert_int_eq(crypt_survey(fd, x, 0, HALF, 50, &s), 0);
	ck_assert_int_eq(crypt_verdict(&s, line, sizeof(line)), CRYPT_LOOK_RANDOM);
	ck_assert_ptr_nonnull(strstr(line, "undecided"));
	close(fd);
	crypt_xts_free(x);
	free(img);
}
END_TEST

static void classifier_setup(void)
{
	uint64_t seed = 0xC1A55u;

	snprintf(root, sizeof(root), "/tmp/check_cli_crypt_verify.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
	ct_test_key(&seed, ckey);
}

static void classifier_teardown(void)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/half.img", root);
	unlink(path);
	rmdir(root);
}

Suite *cli_crypt_verify_suite(void)
{
	Suite *s = suite_create("cli_crypt_verify");
	TCase *look = tcase_create("classifier");

	tcase_add_checked_fixture(look, classifier_setup, classifier_teardown);
	tcase_add_test(look, test_collisions);
	tcase_add_loop_test(look, test_look_sector, 0, 5);
	tcase_add_test(look, test_survey_and_verdict);
	suite_add_tcase(s, look);
	return s;
}
