/*
 * cli_keyfile.c - key files, raw keys and passphrases for the host command
 * (see cli_keyfile.h). The crypto is OpenSSL's; the format checks are the
 * hypervisor's own (vmm_key_parse), so the two sides cannot disagree on
 * what a valid file is, while the tests check that the freestanding
 * unwrap opens what OpenSSL wrapped.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cli_keyfile.h"

#define FP_LABEL "parapass key fingerprint v1"

int cli_key_opt(struct cli_key_opts *o, int argc, char **argv, int *i, const char *who)
{
	static const char *const names[] = { "--key", "--raw-key", "--passphrase-file" };
	const char **slots[] = { &o->keyfile, &o->rawkey, &o->passfile };

	for (size_t n = 0; n < sizeof(names) / sizeof(names[0]); n++) {
		if (strcmp(argv[*i], names[n]))
			continue;
		if (*i + 1 >= argc) {
			fprintf(stderr, "%s: %s needs a file name\n", who, names[n]);
			return -1;
		}
		*slots[n] = argv[++*i];
		(*i)++;
		return 1;
	}
	return 0;
}

int cli_read_small(const char *path, const char *who, uint8_t *buf, size_t cap, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t got = 0;
	ssize_t n;
	uint8_t extra;

	if (fd < 0) {
		fprintf(stderr, "%s: %s: %s\n", who, path, strerror(errno));
		return CLI_BADINPUT;
	}
	while (got < cap && (n = read(fd, buf + got, cap - got)) > 0)
		got += (size_t)n;
	if (got == cap && read(fd, &extra, 1) == 1) {
		fprintf(stderr, "%s: %s: larger than %zu bytes\n", who, path, cap);
		close(fd);
		return CLI_BADINPUT;
	}
	close(fd);
	*len = got;
	return CLI_OK;
}

static int key_halves_differ(const uint8_t key[CLI_KEY_SIZE])
{
	return CRYPTO_memcmp(key, key + CLI_KEY_SIZE / 2, CLI_KEY_SIZE / 2) != 0;
}

void cli_key_fingerprint(const uint8_t key[CLI_KEY_SIZE], uint8_t fp[16])
{
	uint8_t mac[32];
	unsigned int n = sizeof(mac);

	HMAC(EVP_sha256(), key, CLI_KEY_SIZE, (const uint8_t *)FP_LABEL, strlen(FP_LABEL), mac,
	     &n);
	memcpy(fp, mac, 16);
	OPENSSL_cleanse(mac, sizeof(mac));
}

/* PBKDF2 into the 32-byte wrapping key; 0 on success. */
static int kdf(const char *pass, size_t plen, const uint8_t *salt, uint32_t iterations,
	       uint8_t kek[32])
{
	return PKCS5_PBKDF2_HMAC(pass, (int)plen, salt, VMM_KEY_SALT_LEN, (int)iterations,
				 EVP_sha256(), 32, kek) == 1 ? 0 : -1;
}

/* AES-256-GCM over the key with the header as additional data; 0 on success. */
static int gcm(int enc, const uint8_t kek[32], uint8_t *f, const uint8_t *in, uint8_t *out)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n, ok;

	ok = c && EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL, enc) == 1 &&
	     EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, VMM_KEY_NONCE_LEN, NULL) == 1 &&
	     EVP_CipherInit_ex(c, NULL, NULL, kek, f + VMM_KEY_OFF_NONCE, enc) == 1 &&
	     EVP_CipherUpdate(c, NULL, &n, f, VMM_KEY_AAD_LEN) == 1 &&
	     EVP_CipherUpdate(c, out, &n, in, CLI_KEY_SIZE) == 1;
	if (ok && !enc)
		ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, 16, f + VMM_KEY_OFF_TAG) == 1;
	ok = ok && EVP_CipherFinal_ex(c, out + CLI_KEY_SIZE, &n) == 1;
	if (ok && enc)
		ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, f + VMM_KEY_OFF_TAG) == 1;
	EVP_CIPHER_CTX_free(c);
	return ok ? 0 : -1;
}

static void put_le(uint8_t *p, uint32_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

int cli_keyfile_build(uint8_t out[VMM_KEY_FILE_SIZE], const uint8_t key[CLI_KEY_SIZE],
		      const char *pass, size_t plen, uint32_t iterations)
{
	uint8_t kek[32], ct[CLI_KEY_SIZE + 16];
	int err = 0;

	memset(out, 0, VMM_KEY_FILE_SIZE);
	memcpy(out + VMM_KEY_OFF_MAGIC, VMM_KEY_MAGIC, 8);
	put_le(out + VMM_KEY_OFF_VERSION, VMM_KEY_FORMAT_VERSION, 2);
	put_le(out + VMM_KEY_OFF_KEYLEN, CLI_KEY_SIZE, 4);
	if (!pass) {
		memcpy(out + VMM_KEY_OFF_KEY, key, CLI_KEY_SIZE);
	} else {
		out[VMM_KEY_OFF_KDF] = VMM_KEY_KDF_PBKDF2_SHA256;
		out[VMM_KEY_OFF_CIPHER] = VMM_KEY_CIPHER_AES256_GCM;
		put_le(out + VMM_KEY_OFF_ITER, iterations, 4);
		err = RAND_bytes(out + VMM_KEY_OFF_SALT, VMM_KEY_SALT_LEN) != 1 ||
		      RAND_bytes(out + VMM_KEY_OFF_NONCE, VMM_KEY_NONCE_LEN) != 1 ||
		      kdf(pass, plen, out + VMM_KEY_OFF_SALT, iterations, kek) ||
		      gcm(1, kek, out, key, ct);
		if (!err)
			memcpy(out + VMM_KEY_OFF_KEY, ct, CLI_KEY_SIZE);
	}
	SHA256(out, VMM_KEY_OFF_SUM, out + VMM_KEY_OFF_SUM);
	OPENSSL_cleanse(kek, sizeof(kek));
	OPENSSL_cleanse(ct, sizeof(ct));
	if (err) {
		OPENSSL_cleanse(out, VMM_KEY_FILE_SIZE);
		return CLI_BADINPUT;
	}
	return CLI_OK;
}

int cli_keyfile_open(const uint8_t *file, size_t len, const char *pass, size_t plen,
		     uint8_t key[CLI_KEY_SIZE], struct vmm_key_info *info)
{
	uint8_t kek[32], pt[CLI_KEY_SIZE + 16], f[VMM_KEY_FILE_SIZE];
	int bad = 0;

	memset(key, 0, CLI_KEY_SIZE);
	if (vmm_key_parse(file, len, info))
		return PP_EINVAL;
	memcpy(f, file, sizeof(f));
	if (info->kdf == VMM_KEY_KDF_NONE)
		memcpy(pt, f + VMM_KEY_OFF_KEY, CLI_KEY_SIZE);
	else
		bad = kdf(pass ? pass : "", pass ? plen : 0, f + VMM_KEY_OFF_SALT, info->iterations,
			  kek) ||
		      gcm(0, kek, f, f + VMM_KEY_OFF_KEY, pt);
	if (!bad && !key_halves_differ(pt))
		info->fault = VMM_KEY_WEAK;
	else if (bad)
		info->fault = VMM_KEY_PASSPHRASE;
	else
		memcpy(key, pt, CLI_KEY_SIZE);
	OPENSSL_cleanse(kek, sizeof(kek));
	OPENSSL_cleanse(pt, sizeof(pt));
	if (info->fault == VMM_KEY_PASSPHRASE)
		return PP_EKEY;
	return info->fault == VMM_KEY_OK ? PP_OK : PP_EINVAL;
}

static double now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts); /* CPU time: other load must not lower the count */
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

uint32_t cli_keyfile_calibrate(double seconds)
{
	static const uint8_t salt[VMM_KEY_SALT_LEN] = "calibration salt";
	uint8_t out[32];
	uint32_t n = 4096;
	double t, dt, want;

	/* Grow the trial until it lasts long enough for the clock to be trusted. */
	for (;;) {
		t = now_sec();
		if (kdf("calibration passphrase", 22, salt, n, out))
			return VMM_KEY_ITER_MIN * 100;
		dt = now_sec() - t;
		if (dt >= 0.1 || n >= VMM_KEY_ITER_MAX / 4)
			break;
		n *= dt > 0.01 ? 2 : 8;
	}
	want = (double)n * seconds / (dt > 1e-6 ? dt : 1e-6);
	if (want < VMM_KEY_ITER_MIN)
		return VMM_KEY_ITER_MIN;
	if (want > VMM_KEY_ITER_MAX)
		return VMM_KEY_ITER_MAX;
	return (uint32_t)want;
}

int cli_write_atomic(const char *path, const char *who, const void *buf, size_t len, int force)
{
	char tmp[4096], dirbuf[4096];
	int fd, err = 0, dfd;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp%ld", path, (long)getpid()) >= sizeof(tmp) ||
	    (size_t)snprintf(dirbuf, sizeof(dirbuf), "%s", path) >= sizeof(dirbuf)) {
		fprintf(stderr, "%s: %s: path too long\n", who, path);
		return CLI_BADINPUT;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		fprintf(stderr, "%s: %s: %s\n", who, tmp, strerror(errno));
		return CLI_BADINPUT;
	}
	if (write(fd, buf, len) != (ssize_t)len || fsync(fd))
		err = errno ? errno : EIO;
	close(fd);
	/*
	 * link() refuses an existing name atomically; rename() replaces it. A
	 * FAT stick has no links: there, look first, then rename.
	 */
	if (!err && (force ? rename(tmp, path) : link(tmp, path)))
		err = errno;
	if (!force && (err == EPERM || err == ENOTSUP || err == EOPNOTSUPP))
		err = !access(path, F_OK) ? EEXIST : rename(tmp, path) ? errno : 0;
	unlink(tmp);
	if (err) {
		fprintf(stderr, "%s: %s: %s%s\n", who, path, strerror(err),
			err == EEXIST ? " (not overwriting a key file; remove it or use --force)" : "");
		return CLI_BADINPUT;
	}
	dfd = open(dirname(dirbuf), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	return CLI_OK;
}
