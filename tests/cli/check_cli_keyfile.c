/*
 * check_cli_keyfile.c - the host side of keys (cli/cli_keyfile*.c): where
 * passphrases come from, loading --key and --raw-key with every way they
 * can be wrong, the atomic 0600 write that will not overwrite a key, the
 * calibration bounds, and the fingerprint that may be printed.
 */
#include <check.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cli_keyfile.h"
#include "tests/crypto/crypto_test.h"

#define PASS "a test passphrase"

static char dir[64];
static uint8_t key[64];

static void kf_setup(void)
{
	uint64_t seed = 0x4EEF11E5u;

	snprintf(dir, sizeof(dir), "/tmp/check_cli_keyfile.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	ct_test_key(&seed, key);
	unsetenv(CLI_PASS_ENV);
}

static void kf_teardown(void)
{
	struct dirent *e;
	DIR *d = opendir(dir);
	char path[512];

	while (d && (e = readdir(d)))
		if (e->d_name[0] != '.') {
			snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
			unlink(path);
		}
	if (d)
		closedir(d);
	rmdir(dir);
}

static const char *put(const char *name, const void *data, size_t len)
{
	static char path[8][128];
	static unsigned n;
	char *p = path[n++ % 8];
	FILE *f;

	snprintf(p, sizeof(path[0]), "%s/%s", dir, name);
	f = fopen(p, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(data, 1, len, f), len);
	fclose(f);
	return p;
}

struct pass_case {
	const char *file, *want;
};

static const struct pass_case pass_cases[] = {
	{ "pass\n", "pass" },
	{ "pass\r\n", "pass" },
	{ "first line\nsecond line\n", "first line" },
	{ "no newline", "no newline" },
	{ " spaces kept \n", " spaces kept " },
	{ "\n", "" },
	{ "", "" },
};

START_TEST(test_passphrase_file_first_line)
{
	const struct pass_case *c = &pass_cases[_i];
	char buf[CLI_PASS_MAX];
	size_t len = 99;

	setenv(CLI_PASS_ENV, "the environment loses to a file", 1);
	ck_assert_int_eq(cli_passphrase_get(put("pass", c->file, strlen(c->file)), 0, "t", buf, &len),
			 CLI_OK);
	ck_assert_uint_eq(len, strlen(c->want));
	ck_assert_mem_eq(buf, c->want, len);
}
END_TEST

START_TEST(test_passphrase_env_and_limits)
{
	char buf[CLI_PASS_MAX], *big = malloc(CLI_PASS_MAX + 1);
	size_t len;

	setenv(CLI_PASS_ENV, PASS, 1);
	ck_assert_int_eq(cli_passphrase_get(NULL, 1, "t", buf, &len), CLI_OK);
	ck_assert_uint_eq(len, strlen(PASS));
	ck_assert_mem_eq(buf, PASS, len);
	ck_assert_ptr_nonnull(big);
	memset(big, 'p', CLI_PASS_MAX);
	big[CLI_PASS_MAX] = 0;
	setenv(CLI_PASS_ENV, big, 1);
	ck_assert_int_eq(cli_passphrase_get(NULL, 0, "t", buf, &len), CLI_BADINPUT);
	ck_assert_int_eq(cli_passphrase_get(put("big", big, CLI_PASS_MAX), 0, "t", buf, &len),
			 CLI_BADINPUT);
	free(big);
}
END_TEST

enum src { RAW, KEYFILE };

struct load_case {
	const char *what;
	enum src src;
	int make;        /* 0 key file wrapped, 1 test key file, 2 raw bytes as given below */
	size_t rawlen;   /* for make 2: how many bytes of key (or 0: equal halves) */
	size_t trunc;    /* cut a key file to this length; 0: whole */
	const char *pass;
	int rc;
};

static const struct load_case load_cases[] = {
	{ "raw key", RAW, 2, 64, 0, NULL, CLI_OK },
	{ "raw key of 63 bytes", RAW, 2, 63, 0, NULL, CLI_BADINPUT },
	{ "raw key of 65 bytes", RAW, 2, 65, 0, NULL, CLI_BADINPUT },
	{ "raw key with equal halves", RAW, 2, 0, 0, NULL, CLI_BADINPUT },
	{ "key file given as --raw-key", RAW, 0, 0, 0, PASS, CLI_BADINPUT },
	{ "wrapped key file", KEYFILE, 0, 0, 0, PASS, CLI_OK },
	{ "wrapped key file, wrong passphrase", KEYFILE, 0, 0, 0, "not it", CLI_FAIL },
	{ "test key file", KEYFILE, 1, 0, 0, NULL, CLI_OK },
	{ "truncated key file", KEYFILE, 0, 0, 159, PASS, CLI_BADINPUT },
	{ "raw key given as --key", KEYFILE, 2, 64, 0, PASS, CLI_BADINPUT },
};

START_TEST(test_key_load)
{
	const struct load_case *c = &load_cases[_i];
	uint8_t f[VMM_KEY_FILE_SIZE + 1], got[64], raw[65];
	struct cli_key_opts o = { 0 };
	const char *path;
	size_t len = VMM_KEY_FILE_SIZE;

	if (c->make == 2) {
		memcpy(raw, key, sizeof(key));
		raw[64] = 0x42;
		if (!c->rawlen)
			memcpy(raw + 32, raw, 32);
		path = put("k", raw, c->rawlen ? c->rawlen : 64);
	} else {
		ck_assert_int_eq(cli_keyfile_build(f, key, c->make ? NULL : PASS, strlen(PASS),
						   VMM_KEY_ITER_MIN),
				 CLI_OK);
		path = put("k", f, c->trunc ? c->trunc : len);
	}
	if (c->src == RAW)
		o.rawkey = path;
	else
		o.keyfile = path;
	if (c->pass)
		o.passfile = put("p", c->pass, strlen(c->pass));
	memset(got, 0, sizeof(got));
	ck_assert_msg(cli_key_load(&o, "t", got) == c->rc, "%s", c->what);
	if (c->rc == CLI_OK)
		ck_assert_mem_eq(got, key, 64);
}
END_TEST

START_TEST(test_key_options)
{
	char *argv[] = { (char *)"crypt", (char *)"--key", (char *)"K", (char *)"--raw-key",
			 (char *)"R", (char *)"--passphrase-file", (char *)"P", (char *)"--x",
			 (char *)"--key" };
	struct cli_key_opts o = { 0 };
	uint8_t got[64];
	int i = 1;

	ck_assert_int_eq(cli_key_opt(&o, 9, argv, &i, "t"), 1);
	ck_assert_int_eq(cli_key_opt(&o, 9, argv, &i, "t"), 1);
	ck_assert_int_eq(cli_key_opt(&o, 9, argv, &i, "t"), 1);
	ck_assert_str_eq(o.keyfile, "K");
	ck_assert_str_eq(o.rawkey, "R");
	ck_assert_str_eq(o.passfile, "P");
	ck_assert_int_eq(i, 7);
	ck_assert_int_eq(cli_key_opt(&o, 9, argv, &i, "t"), 0);
	i = 8;
	ck_assert_int_eq(cli_key_opt(&o, 9, argv, &i, "t"), -1);
	/* Both, or neither: refused before any file is read. */
	ck_assert_int_eq(cli_key_load(&o, "t", got), CLI_BADINPUT);
	memset(&o, 0, sizeof(o));
	ck_assert_int_eq(cli_key_load(&o, "t", got), CLI_BADINPUT);
}
END_TEST

START_TEST(test_write_atomic_never_overwrites)
{
	char path[128];
	struct stat st;
	uint8_t back[8];
	size_t len;
	struct dirent *e;
	DIR *d;
	int files = 0;

	snprintf(path, sizeof(path), "%s/new.key", dir);
	ck_assert_int_eq(cli_write_atomic(path, "t", "first", 5, 0), CLI_OK);
	ck_assert_int_eq(stat(path, &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	ck_assert_int_eq(cli_write_atomic(path, "t", "second", 6, 0), CLI_BADINPUT);
	ck_assert_int_eq(cli_read_small(path, "t", back, sizeof(back), &len), CLI_OK);
	ck_assert_uint_eq(len, 5);
	ck_assert_int_eq(cli_write_atomic(path, "t", "second", 6, 1), CLI_OK);
	ck_assert_int_eq(cli_read_small(path, "t", back, sizeof(back), &len), CLI_OK);
	ck_assert_mem_eq(back, "second", 6);
	d = opendir(dir);
	while ((e = readdir(d)))
		files += e->d_name[0] != '.';
	closedir(d);
	ck_assert_int_eq(files, 1);  /* no temporary left behind */
}
END_TEST

START_TEST(test_build_is_fresh_and_opens)
{
	uint8_t a[VMM_KEY_FILE_SIZE], b[VMM_KEY_FILE_SIZE], got[64];
	struct vmm_key_info info;

	ck_assert_int_eq(cli_keyfile_build(a, key, PASS, strlen(PASS), VMM_KEY_ITER_MIN), CLI_OK);
	ck_assert_int_eq(cli_keyfile_build(b, key, PASS, strlen(PASS), VMM_KEY_ITER_MIN), CLI_OK);
	/* Fresh salt and nonce each time. */
	ck_assert(memcmp(a + VMM_KEY_OFF_SALT, b + VMM_KEY_OFF_SALT, VMM_KEY_SALT_LEN));
	ck_assert(memcmp(a + VMM_KEY_OFF_NONCE, b + VMM_KEY_OFF_NONCE, VMM_KEY_NONCE_LEN));
	/* The wrapped key is not the key. */
	ck_assert(memcmp(a + VMM_KEY_OFF_KEY, key, 64));
	ck_assert_int_eq(cli_keyfile_open(b, sizeof(b), PASS, strlen(PASS), got, &info), PP_OK);
	ck_assert_mem_eq(got, key, 64);
	ck_assert_int_eq(cli_keyfile_open(b, sizeof(b), "x", 1, got, &info), PP_EKEY);
	for (size_t i = 0; i < sizeof(got); i++)
		ck_assert_uint_eq(got[i], 0);
}
END_TEST

START_TEST(test_calibration_bounds)
{
	uint32_t n = cli_keyfile_calibrate(0.02);

	ck_assert_uint_eq(cli_keyfile_calibrate(0.0), VMM_KEY_ITER_MIN);
	ck_assert_uint_ge(n, VMM_KEY_ITER_MIN);
	ck_assert_uint_le(n, VMM_KEY_ITER_MAX);
}
END_TEST

START_TEST(test_fingerprint_reveals_nothing_obvious)
{
	uint8_t a[16], b[16], other[64];

	memcpy(other, key, 64);
	other[63] ^= 1;
	cli_key_fingerprint(key, a);
	cli_key_fingerprint(key, b);
	ck_assert_mem_eq(a, b, 16);
	cli_key_fingerprint(other, b);
	ck_assert(memcmp(a, b, 16));
	for (size_t i = 0; i + 4 <= 64; i++)
		ck_assert(memcmp(key + i, a, 4));
}
END_TEST

Suite *cli_keyfile_suite(void)
{
	Suite *s = suite_create("cli_keyfile");
	TCase *tc = tcase_create("keys");

	tcase_add_checked_fixture(tc, kf_setup, kf_teardown);
	tcase_add_loop_test(tc, test_passphrase_file_first_line, 0,
			    sizeof(pass_cases) / sizeof(pass_cases[0]));
	tcase_add_test(tc, test_passphrase_env_and_limits);
	tcase_add_loop_test(tc, test_key_load, 0, sizeof(load_cases) / sizeof(load_cases[0]));
	tcase_add_test(tc, test_key_options);
	tcase_add_test(tc, test_write_atomic_never_overwrites);
	tcase_add_test(tc, test_build_is_fresh_and_opens);
	tcase_add_test(tc, test_calibration_bounds);
	tcase_add_test(tc, test_fingerprint_reveals_nothing_obvious);
	suite_add_tcase(s, tc);
	return s;
}
