/*
 * check_vmm_key.c - the freestanding key-file unwrap (vmm/vmm_key.c): it
 * opens what the host's OpenSSL keygen wrapped, tells a wrong passphrase
 * from a damaged file, names the damaged field, refuses truncated,
 * trailing and foreign files, and leaves no key behind on failure or on
 * the dead stack.
 */
#include <check.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_keyfile.h"
#include "tests/crypto/crypto_test.h"
#include "vmm/vmm.h"

#define PASS "test passphrase, not a real one"
#define ITER VMM_KEY_ITER_MIN /* the format's floor keeps the suite fast */

static uint8_t test_key[64];
static uint8_t wrapped[VMM_KEY_FILE_SIZE], testfile[VMM_KEY_FILE_SIZE];

static void key_setup(void)
{
	uint64_t seed = 0x7E57CE1u;

	ct_test_key(&seed, test_key);
	ck_assert_int_eq(cli_keyfile_build(wrapped, test_key, PASS, strlen(PASS), ITER), CLI_OK);
	ck_assert_int_eq(cli_keyfile_build(testfile, test_key, NULL, 0, 0), CLI_OK);
}

/* Re-seal the checksum after an edit, as a careful attacker would. */
static void fix_sum(uint8_t *f)
{
	SHA256(f, VMM_KEY_OFF_SUM, f + VMM_KEY_OFF_SUM);
}

START_TEST(test_unwrap_keygen_file)
{
	uint8_t key[64];
	struct vmm_key_info info;

	ck_assert_int_eq(vmm_key_parse(wrapped, sizeof(wrapped), &info), PP_OK);
	ck_assert_uint_eq(info.kdf, VMM_KEY_KDF_PBKDF2_SHA256);
	ck_assert_uint_eq(info.iterations, ITER);
	ck_assert_int_eq(vmm_key_unwrap(wrapped, sizeof(wrapped), PASS, strlen(PASS), key, &info),
			 PP_OK);
	ck_assert_uint_eq(info.fault, VMM_KEY_OK);
	ck_assert_mem_eq(key, test_key, 64);
	/* info is optional. */
	memset(key, 0, sizeof(key));
	ck_assert_int_eq(vmm_key_unwrap(wrapped, sizeof(wrapped), PASS, strlen(PASS), key, NULL),
			 PP_OK);
	ck_assert_mem_eq(key, test_key, 64);
}
END_TEST

START_TEST(test_unwrap_test_key_ignores_passphrase)
{
	uint8_t key[64];
	struct vmm_key_info info;

	ck_assert_int_eq(vmm_key_unwrap(testfile, sizeof(testfile), NULL, 0, key, &info), PP_OK);
	ck_assert_uint_eq(info.kdf, VMM_KEY_KDF_NONE);
	ck_assert_mem_eq(key, test_key, 64);
	ck_assert_int_eq(vmm_key_unwrap(testfile, sizeof(testfile), "x", 1, key, &info), PP_OK);
	ck_assert_mem_eq(key, test_key, 64);
}
END_TEST

static const char *const wrong_passes[] = { "", "test passphrase, not a real on",
					    "test passphrase, not a real one ", "TEST PASSPHRASE" };

START_TEST(test_wrong_passphrase)
{
	const char *p = wrong_passes[_i];
	uint8_t key[64];
	struct vmm_key_info info;

	memset(key, 0xA5, sizeof(key));
	ck_assert_int_eq(vmm_key_unwrap(wrapped, sizeof(wrapped), p, strlen(p), key, &info),
			 PP_EKEY);
	ck_assert_uint_eq(info.fault, VMM_KEY_PASSPHRASE);
	for (size_t i = 0; i < sizeof(key); i++)
		ck_assert_uint_eq(key[i], 0);
	ck_assert_int_eq(vmm_key_unwrap(wrapped, sizeof(wrapped), NULL, 0, key, &info), PP_EKEY);
}
END_TEST

/* One damaged field: where, what is written there, and what must be said. */
struct damage {
	const char *what;
	int test_file;       /* damage the unwrapped test-key file instead */
	unsigned off;
	uint32_t value;      /* written little-endian over width bytes */
	unsigned width;      /* 0: xor 0x01 into the byte at off */
	uint8_t fault;
};

static const struct damage damages[] = {
	{ "magic first byte", 0, VMM_KEY_OFF_MAGIC, 0, 0, VMM_KEY_FOREIGN },
	{ "magic CR LF", 0, VMM_KEY_OFF_MAGIC + 6, 0x0A0A, 2, VMM_KEY_FOREIGN },
	{ "version 2", 0, VMM_KEY_OFF_VERSION, 2, 2, VMM_KEY_VERSION },
	{ "version 0", 0, VMM_KEY_OFF_VERSION, 0, 2, VMM_KEY_VERSION },
	{ "kdf 7", 0, VMM_KEY_OFF_KDF, 7, 1, VMM_KEY_KDF },
	{ "cipher none with a kdf", 0, VMM_KEY_OFF_CIPHER, 0, 1, VMM_KEY_CIPHER },
	{ "cipher 9", 0, VMM_KEY_OFF_CIPHER, 9, 1, VMM_KEY_CIPHER },
	{ "iterations 0", 0, VMM_KEY_OFF_ITER, 0, 4, VMM_KEY_ITERATIONS },
	{ "iterations below floor", 0, VMM_KEY_OFF_ITER, VMM_KEY_ITER_MIN - 1, 4, VMM_KEY_ITERATIONS },
	{ "iterations huge", 0, VMM_KEY_OFF_ITER, 0xFFFFFFFFu, 4, VMM_KEY_ITERATIONS },
	{ "key length 32", 0, VMM_KEY_OFF_KEYLEN, 32, 4, VMM_KEY_KEYLEN },
	{ "salt", 0, VMM_KEY_OFF_SALT + 5, 0, 0, VMM_KEY_CHECKSUM },
	{ "nonce", 0, VMM_KEY_OFF_NONCE + 11, 0, 0, VMM_KEY_CHECKSUM },
	{ "wrapped key", 0, VMM_KEY_OFF_KEY + 40, 0, 0, VMM_KEY_CHECKSUM },
	{ "tag", 0, VMM_KEY_OFF_TAG, 0, 0, VMM_KEY_CHECKSUM },
	{ "checksum", 0, VMM_KEY_OFF_SUM + 31, 0, 0, VMM_KEY_CHECKSUM },
	{ "test key: cipher set", 1, VMM_KEY_OFF_CIPHER, 1, 1, VMM_KEY_CIPHER },
	{ "test key: iterations set", 1, VMM_KEY_OFF_ITER, 5000, 4, VMM_KEY_ITERATIONS },
	{ "test key: key byte", 1, VMM_KEY_OFF_KEY + 3, 0, 0, VMM_KEY_CHECKSUM },
};

static void apply_damage(uint8_t *f, const struct damage *d)
{
	if (!d->width)
		f[d->off] ^= 0x01;
	for (unsigned i = 0; i < d->width; i++)
		f[d->off + i] = (uint8_t)(d->value >> (8 * i));
}

START_TEST(test_damaged_field_is_named)
{
	const struct damage *d = &damages[_i];
	uint8_t f[VMM_KEY_FILE_SIZE], key[64];
	struct vmm_key_info info;

	memcpy(f, d->test_file ? testfile : wrapped, sizeof(f));
	apply_damage(f, d);
	ck_assert_int_eq(vmm_key_parse(f, sizeof(f), &info), PP_EINVAL);
	ck_assert_msg(info.fault == d->fault, "%s: fault %s, want %s", d->what,
		      vmm_key_fault_str(info.fault), vmm_key_fault_str(d->fault));
	memset(key, 0xA5, sizeof(key));
	ck_assert_int_eq(vmm_key_unwrap(f, sizeof(f), PASS, strlen(PASS), key, &info), PP_EINVAL);
	ck_assert_uint_eq(info.fault, d->fault);
	for (size_t i = 0; i < sizeof(key); i++)
		ck_assert_uint_eq(key[i], 0);
}
END_TEST

/*
 * With the checksum re-sealed, a change to anything GCM covers (nonce,
 * wrapped key, tag, the header as additional data) or to the KDF's input
 * (salt, another valid count) still never yields a key: the tag fails.
 */
static const struct damage resealed[] = {
	{ "salt", 0, VMM_KEY_OFF_SALT, 0, 0, 0 },
	{ "nonce", 0, VMM_KEY_OFF_NONCE, 0, 0, 0 },
	{ "wrapped key", 0, VMM_KEY_OFF_KEY + 63, 0, 0, 0 },
	{ "tag", 0, VMM_KEY_OFF_TAG + 15, 0, 0, 0 },
	{ "iterations +1", 0, VMM_KEY_OFF_ITER, ITER + 1, 4, 0 },
};

START_TEST(test_resealed_tampering_fails_the_tag)
{
	const struct damage *d = &resealed[_i];
	uint8_t f[VMM_KEY_FILE_SIZE], key[64];
	struct vmm_key_info info;
	int rc;

	memcpy(f, wrapped, sizeof(f));
	apply_damage(f, d);
	fix_sum(f);
	ck_assert_int_eq(vmm_key_parse(f, sizeof(f), &info), PP_OK);
	rc = vmm_key_unwrap(f, sizeof(f), PASS, strlen(PASS), key, &info);
	ck_assert_msg(rc == PP_EKEY, "%s: rc %d", d->what, rc);
	ck_assert_uint_eq(info.fault, VMM_KEY_PASSPHRASE);
}
END_TEST

START_TEST(test_truncated_every_length)
{
	struct vmm_key_info info;

	for (size_t len = 0; len < VMM_KEY_FILE_SIZE; len++) {
		ck_assert_int_eq(vmm_key_parse(wrapped, len, &info), PP_EINVAL);
		ck_assert_msg(info.fault == VMM_KEY_TRUNCATED, "length %zu: %s", len,
			      vmm_key_fault_str(info.fault));
	}
}
END_TEST

START_TEST(test_trailing_and_foreign)
{
	uint8_t big[VMM_KEY_FILE_SIZE + 1] = { 0 }, raw[64];
	struct vmm_key_info info;

	memcpy(big, wrapped, VMM_KEY_FILE_SIZE);
	ck_assert_int_eq(vmm_key_parse(big, sizeof(big), &info), PP_EINVAL);
	ck_assert_uint_eq(info.fault, VMM_KEY_TRAILING);
	/* A raw cryptsetup key handed to --key, or any other file. */
	memcpy(raw, test_key, sizeof(raw));
	ck_assert_int_eq(vmm_key_parse(raw, sizeof(raw), &info), PP_EINVAL);
	ck_assert_uint_eq(info.fault, VMM_KEY_FOREIGN);
	ck_assert_int_eq(vmm_key_parse("#!/bin/sh\n", 10, &info), PP_EINVAL);
	ck_assert_uint_eq(info.fault, VMM_KEY_FOREIGN);
}
END_TEST

START_TEST(test_equal_halves_refused)
{
	uint8_t weak[64], f[VMM_KEY_FILE_SIZE], key[64];
	struct vmm_key_info info;

	memcpy(weak, test_key, 32);
	memcpy(weak + 32, test_key, 32);
	for (int wrap = 0; wrap < 2; wrap++) {
		ck_assert_int_eq(cli_keyfile_build(f, weak, wrap ? PASS : NULL, strlen(PASS), ITER),
				 CLI_OK);
		ck_assert_int_eq(vmm_key_unwrap(f, sizeof(f), PASS, strlen(PASS), key, &info),
				 PP_EINVAL);
		ck_assert_uint_eq(info.fault, VMM_KEY_WEAK);
		for (size_t i = 0; i < sizeof(key); i++)
			ck_assert_uint_eq(key[i], 0);
	}
}
END_TEST

/* The freestanding and the OpenSSL unwrap agree on random keys and passphrases. */
START_TEST(test_agrees_with_openssl_open)
{
	uint8_t key[64], a[64], b[64], f[VMM_KEY_FILE_SIZE];
	char pass[80];
	uint64_t seed = 0xA9EE + (uint64_t)_i;
	size_t plen = 1 + ct_rand(&seed) % (sizeof(pass) - 1);
	struct vmm_key_info ia, ib;

	ct_test_key(&seed, key);
	ct_fill(&seed, pass, plen);
	ck_assert_int_eq(cli_keyfile_build(f, key, pass, plen, ITER + (uint32_t)_i), CLI_OK);
	ck_assert_int_eq(vmm_key_unwrap(f, sizeof(f), pass, plen, a, &ia), PP_OK);
	ck_assert_int_eq(cli_keyfile_open(f, sizeof(f), pass, plen, b, &ib), PP_OK);
	ck_assert_mem_eq(a, key, 64);
	ck_assert_mem_eq(b, key, 64);
	pass[plen / 2] ^= 0x20;
	ck_assert_int_eq(vmm_key_unwrap(f, sizeof(f), pass, plen, a, &ia), PP_EKEY);
	ck_assert_int_eq(cli_keyfile_open(f, sizeof(f), pass, plen, b, &ib), PP_EKEY);
	ck_assert_uint_eq(ia.fault, ib.fault);
}
END_TEST

START_TEST(test_fault_strings)
{
	for (unsigned i = 0; i < VMM_KEY_FAULT_COUNT; i++) {
		ck_assert_ptr_nonnull(vmm_key_fault_str(i));
		ck_assert_uint_gt(strlen(vmm_key_fault_str(i)), 1);
		for (unsigned j = 0; j < i; j++)
			ck_assert_str_ne(vmm_key_fault_str(i), vmm_key_fault_str(j));
	}
	ck_assert_str_eq(vmm_key_fault_str(VMM_KEY_FAULT_COUNT), "unknown key-file fault");
}
END_TEST

/* After an unwrap, neither half of the key is left in the dead stack below. */
#define KEY_STACK_PROBE 32768

static __attribute__((noinline)) void key_stack_paint(void)
{
	volatile uint8_t pad[KEY_STACK_PROBE];

	for (size_t i = 0; i < sizeof(pad); i++)
		pad[i] = 0xCC;
}

static __attribute__((noinline)) int key_stack_run(uint8_t *key)
{
	return vmm_key_unwrap(wrapped, sizeof(wrapped), PASS, strlen(PASS), key, NULL);
}

static __attribute__((noinline)) size_t key_stack_hits(const uint8_t *key)
{
	uint8_t pad[KEY_STACK_PROBE];
	size_t hits = 0;

	__asm__ __volatile__("" : : "r"(pad) : "memory");
	for (size_t i = 0; i + 16 <= sizeof(pad); i++)
		for (size_t k = 0; k < 64; k += 16)
			hits += !memcmp(pad + i, key + k, 16);
	return hits;
}

START_TEST(test_no_key_left_on_stack)
{
	uint8_t *key = malloc(64);

	ck_assert_ptr_nonnull(key);
	key_stack_paint();
	ck_assert_int_eq(key_stack_run(key), PP_OK);
	ck_assert_uint_eq(key_stack_hits(key), 0);
	free(key);
}
END_TEST

Suite *vmm_key_suite(void)
{
	Suite *s = suite_create("vmm_key");
	TCase *tc = tcase_create("unwrap");
	TCase *bad = tcase_create("bad_files");

	tcase_add_checked_fixture(tc, key_setup, NULL);
	tcase_add_test(tc, test_unwrap_keygen_file);
	tcase_add_test(tc, test_unwrap_test_key_ignores_passphrase);
	tcase_add_loop_test(tc, test_wrong_passphrase, 0,
			    sizeof(wrong_passes) / sizeof(wrong_passes[0]));
	tcase_add_loop_test(tc, test_agrees_with_openssl_open, 0, 6);
	tcase_add_test(tc, test_no_key_left_on_stack);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(bad, key_setup, NULL);
	tcase_add_loop_test(bad, test_damaged_field_is_named, 0,
			    sizeof(damages) / sizeof(damages[0]));
	tcase_add_loop_test(bad, test_resealed_tampering_fails_the_tag, 0,
			    sizeof(resealed) / sizeof(resealed[0]));
	tcase_add_test(bad, test_truncated_every_length);
	tcase_add_test(bad, test_trailing_and_foreign);
	tcase_add_test(bad, test_equal_halves_refused);
	tcase_add_test(bad, test_fault_strings);
	suite_add_tcase(s, bad);
	return s;
}
