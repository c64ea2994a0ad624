/*
 * cli_keyfile.h - keys for the host command: parapass key files (format
 * in cli/KEYFILE.md, layout in vmm/vmm.h) made and opened with OpenSSL,
 * raw 64-byte keys as cryptsetup's --key-file takes them, passphrases
 * from a file, the environment or the terminal.
 *
 * Every function that reports an error prints one line to stderr,
 * "WHO: PATH: what is wrong", and never prints a key or a passphrase.
 * Key and passphrase buffers are wiped with OPENSSL_cleanse by whoever
 * owns them; the functions here wipe their own intermediates.
 */
#ifndef CLI_KEYFILE_H
#define CLI_KEYFILE_H

#include <stddef.h>
#include <stdint.h>

#include "vmm/vmm.h"

#define CLI_KEY_SIZE 64
#define CLI_PASS_MAX 1024
#define CLI_KEY_READ_CAP 4096 /* read this much of a key file: enough to see trailing bytes */
/* Where scripts and tests put a passphrase (visible to the same user: not for real keys). */
#define CLI_PASS_ENV "PARAPASS_PASSPHRASE"
/* keygen's target for one PBKDF2 run with OpenSSL on this machine. */
#define CLI_KDF_TARGET_SEC 0.75

/* The key options of a command line: --key, --raw-key, --passphrase-file. */
struct cli_key_opts {
	const char *keyfile;
	const char *rawkey;
	const char *passfile;
};

/*
 * If argv[*i] is a key option, take it (and its argument), advance *i
 * past it and return 1; 0 if it is not one; -1 (after a message) when its
 * argument is missing.
 */
int cli_key_opt(struct cli_key_opts *o, int argc, char **argv, int *i, const char *who);

/*
 * The key the options name, checked (halves differ). CLI_OK; CLI_FAIL
 * for a wrong passphrase; CLI_BADINPUT for no key option, both, or a
 * missing, truncated, damaged or foreign file.
 */
int cli_key_load(const struct cli_key_opts *o, const char *who, uint8_t key[CLI_KEY_SIZE]);

/*
 * A passphrase from passfile (its first line), else $PARAPASS_PASSPHRASE,
 * else the terminal without echo (asked twice when confirm). CLI_OK with
 * *len set, or CLI_BADINPUT. buf holds CLI_PASS_MAX bytes.
 */
int cli_passphrase_get(const char *passfile, int confirm, const char *who, char *buf,
		       size_t *len);

/*
 * The 160-byte key file of key: wrapped under pass with iterations of
 * PBKDF2, fresh salt and nonce from RAND_bytes; pass == NULL makes an
 * unwrapped TEST key file. CLI_OK or CLI_BADINPUT (OpenSSL failed).
 */
int cli_keyfile_build(uint8_t out[VMM_KEY_FILE_SIZE], const uint8_t key[CLI_KEY_SIZE],
		      const char *pass, size_t plen, uint32_t iterations);

/*
 * Open a key file with OpenSSL (the hosted twin of vmm_key_unwrap, which
 * shares its format checks). PP_OK, PP_EKEY (wrong passphrase) or
 * PP_EINVAL; info->fault says which.
 */
int cli_keyfile_open(const uint8_t *file, size_t len, const char *pass, size_t plen,
		     uint8_t key[CLI_KEY_SIZE], struct vmm_key_info *info);

/* The PBKDF2 count that takes about seconds with OpenSSL here, within the format's bounds. */
uint32_t cli_keyfile_calibrate(double seconds);

/*
 * A 16-byte fingerprint of a key, safe to print and store: HMAC-SHA-256
 * keyed with the key over a fixed label (it says nothing about the key).
 */
void cli_key_fingerprint(const uint8_t key[CLI_KEY_SIZE], uint8_t fp[16]);

/*
 * Read a small file whole: CLI_OK with *len, or CLI_BADINPUT after a
 * message ("larger than" when it exceeds cap).
 */
int cli_read_small(const char *path, const char *who, uint8_t *buf, size_t cap, size_t *len);

/*
 * Write a file atomically with mode 0600: a temporary beside it, fsync,
 * rename, fsync of the directory. Refuses an existing path unless force.
 */
int cli_write_atomic(const char *path, const char *who, const void *buf, size_t len, int force);

#endif /* CLI_KEYFILE_H */
