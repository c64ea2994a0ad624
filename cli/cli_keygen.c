/*
 * cli_keygen.c - "parapass keygen" makes a key file; "parapass key-export"
 * hands the raw key to cryptsetup through a pipe (README: recovery).
 *
 * keygen wraps with OpenSSL and then opens the result with the
 * hypervisor's own freestanding unwrap (vmm_key_unwrap) before writing
 * it: a file is only written if the code that will read it at boot gives
 * back the same key. The iteration count is calibrated so that OpenSSL
 * needs about CLI_KDF_TARGET_SEC here (the freestanding code, without
 * SHA extensions, needs about twice that at boot).
 */
#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cli_keyfile.h"

#define WHO "parapass keygen"

struct keygen_args {
	const char *path;
	const char *passfile;
	int no_pass, force;
	uint32_t iterations;  /* 0: calibrate */
};

static int keygen_usage(void)
{
	fprintf(stderr, "usage: parapass keygen KEYFILE [--no-passphrase] [--passphrase-file F] "
		"[--iterations N] [--force]\n");
	return CLI_BADINPUT;
}

static int keygen_parse(int argc, char **argv, struct keygen_args *a)
{
	for (int i = 1; i < argc; i++) {
		char *end;
		unsigned long v;

		if (!strcmp(argv[i], "--no-passphrase")) {
			a->no_pass = 1;
		} else if (!strcmp(argv[i], "--force")) {
			a->force = 1;
		} else if (!strcmp(argv[i], "--passphrase-file") && i + 1 < argc) {
			a->passfile = argv[++i];
		} else if (!strcmp(argv[i], "--iterations") && i + 1 < argc) {
			errno = 0;
			v = strtoul(argv[++i], &end, 10);
			if (errno || *end || v < VMM_KEY_ITER_MIN || v > VMM_KEY_ITER_MAX) {
				fprintf(stderr, WHO ": --iterations wants %u to %u\n",
					VMM_KEY_ITER_MIN, VMM_KEY_ITER_MAX);
				return CLI_BADINPUT;
			}
			a->iterations = (uint32_t)v;
		} else if (argv[i][0] != '-' && !a->path) {
			a->path = argv[i];
		} else {
			return keygen_usage();
		}
	}
	if (!a->path || (a->no_pass && a->passfile))
		return keygen_usage();
	return CLI_OK;
}

/* What the boot prompt (hal/vtx, serial or PS/2 keyboard) can type: 0x20-0x7E. */
static int keygen_typeable(const char *pass, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)pass[i] < 0x20 || (unsigned char)pass[i] > 0x7E)
			return 0;
	return 1;
}

/* A fresh key from OpenSSL's CSPRNG whose halves differ (IEEE 1619 5.1). */
static int keygen_random(uint8_t key[CLI_KEY_SIZE])
{
	for (int tries = 0; tries < 4; tries++) {
		if (RAND_bytes(key, CLI_KEY_SIZE) != 1)
			break;
		if (CRYPTO_memcmp(key, key + CLI_KEY_SIZE / 2, CLI_KEY_SIZE / 2))
			return CLI_OK;
	}
	fprintf(stderr, WHO ": the random generator failed\n");
	return CLI_BADINPUT;
}

/* Open the file with the boot-time code; it must give back exactly key. */
static int keygen_verify(const uint8_t *file, const char *pass, size_t plen,
			 const uint8_t key[CLI_KEY_SIZE])
{
	uint8_t back[CLI_KEY_SIZE];
	struct vmm_key_info info;
	int err = vmm_key_unwrap(file, VMM_KEY_FILE_SIZE, pass, plen, back, &info);

	err = err || CRYPTO_memcmp(back, key, CLI_KEY_SIZE);
	OPENSSL_cleanse(back, sizeof(back));
	if (err)
		fprintf(stderr, WHO ": internal error: the boot-time unwrap does not open the new file "
			"(%s); nothing written\n", vmm_key_fault_str(info.fault));
	return err ? CLI_FAIL : CLI_OK;
}

static void keygen_report(const struct keygen_args *a, const uint8_t key[CLI_KEY_SIZE])
{
	uint8_t fp[16];

	cli_key_fingerprint(key, fp);
	printf("%s: ", a->path);
	if (a->no_pass)
		printf("unwrapped TEST key (no passphrase: whoever has the file can read the disk)");
	else
		printf("key wrapped with PBKDF2-HMAC-SHA256 (%u iterations) and AES-256-GCM",
		       a->iterations);
	printf(", fingerprint ");
	for (size_t i = 0; i < 8; i++)
		printf("%02x", fp[i]);
	printf("\n");
}

static int keygen_make(struct keygen_args *a, const char *pass, size_t plen)
{
	uint8_t key[CLI_KEY_SIZE], file[VMM_KEY_FILE_SIZE];
	int rc;

	if (!a->no_pass && !a->iterations)
		a->iterations = cli_keyfile_calibrate(CLI_KDF_TARGET_SEC);
	rc = keygen_random(key);
	if (!rc)
		rc = cli_keyfile_build(file, key, a->no_pass ? NULL : pass, plen, a->iterations);
	if (!rc)
		rc = keygen_verify(file, pass, plen, key);
	if (!rc)
		rc = cli_write_atomic(a->path, WHO, file, sizeof(file), a->force);
	if (!rc)
		keygen_report(a, key);
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(file, sizeof(file));
	return rc;
}

int cli_keygen(int argc, char **argv)
{
	struct keygen_args a = { 0 };
	char *pass = NULL;
	size_t plen = 0;
	struct stat st;
	int rc;

	rc = keygen_parse(argc, argv, &a);
	if (rc)
		return rc;
	/* Say so before asking for a passphrase, not after. */
	if (!a.force && !lstat(a.path, &st)) {
		fprintf(stderr, WHO ": %s exists (not overwriting a key file; remove it or use "
			"--force)\n", a.path);
		return CLI_BADINPUT;
	}
	if (!a.no_pass) {
		pass = malloc(CLI_PASS_MAX);
		rc = pass ? cli_passphrase_get(a.passfile, 1, WHO, pass, &plen) : CLI_BADINPUT;
		if (!rc && !plen) {
			fprintf(stderr, WHO ": empty passphrase (use --no-passphrase for a test key)\n");
			rc = CLI_BADINPUT;
		}
		if (!rc && !keygen_typeable(pass, plen)) {
			fprintf(stderr, WHO ": the passphrase must be printable ASCII: the boot console "
				"cannot type anything else\n");
			rc = CLI_BADINPUT;
		}
	}
	if (!rc)
		rc = keygen_make(&a, pass, plen);
	if (pass)
		OPENSSL_cleanse(pass, CLI_PASS_MAX);
	free(pass);
	return rc;
}

int cli_key_export(int argc, char **argv)
{
	struct cli_key_opts o = { 0 };
	uint8_t key[CLI_KEY_SIZE];
	int rc, i = 1;

	while (i < argc) {
		int r = cli_key_opt(&o, argc, argv, &i, "parapass key-export");

		if (r < 0)
			return CLI_BADINPUT;
		if (!r) {
			fprintf(stderr, "usage: parapass key-export --key KEYFILE [--passphrase-file F]"
				"  (into a pipe: cryptsetup ... --key-file <(parapass key-export ...))\n");
			return CLI_BADINPUT;
		}
	}
	if (isatty(STDOUT_FILENO)) {
		fprintf(stderr, "parapass key-export: refusing to write a raw key to a terminal; "
			"pipe it (see README, recovery)\n");
		return CLI_BADINPUT;
	}
	rc = cli_key_load(&o, "parapass key-export", key);
	/* write(2), not stdio: no copy of the key left in a stdio buffer. */
	if (!rc && write(STDOUT_FILENO, key, sizeof(key)) != (ssize_t)sizeof(key)) {
		fprintf(stderr, "parapass key-export: write: %s\n", strerror(errno));
		rc = CLI_FAIL;
	}
	OPENSSL_cleanse(key, sizeof(key));
	return rc;
}
