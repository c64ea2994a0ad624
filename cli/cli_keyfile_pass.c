/*
 * cli_keyfile_pass.c - passphrases (a file, the environment, or the
 * terminal without echo) and the one entry point commands use to get a
 * key from their options (see cli_keyfile.h).
 *
 * The terminal is /dev/tty, not stdin, so that a key can be loaded while
 * stdin or stdout carry data. Echo is restored however the read ends,
 * including by a signal: the handler puts the terminal back and then
 * lets the signal do what it would have done.
 */
#include <errno.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"
#include "cli_keyfile.h"

static const int tty_signals[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP };
#define NSIG_TTY (sizeof(tty_signals) / sizeof(tty_signals[0]))

/* The one terminal whose echo is off, for the signal handler. */
static volatile sig_atomic_t tty_fd = -1;
static struct termios tty_saved;

static void tty_restore_on_signal(int sig)
{
	if (tty_fd >= 0)
		tcsetattr(tty_fd, TCSAFLUSH, &tty_saved);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* One line from the terminal with echo off; the newline is not stored. */
static int tty_read_line(int fd, const char *prompt, char *buf, size_t *len)
{
	struct sigaction sa = { .sa_handler = tty_restore_on_signal }, old[NSIG_TTY];
	struct termios t;
	size_t n = 0;
	char c;
	int rc = CLI_OK;

	if (write(fd, prompt, strlen(prompt)) < 0 || tcgetattr(fd, &tty_saved))
		return CLI_BADINPUT;
	t = tty_saved;
	t.c_lflag &= ~(tcflag_t)ECHO;
	t.c_lflag |= ECHONL;
	tty_fd = fd;
	for (size_t i = 0; i < NSIG_TTY; i++)
		sigaction(tty_signals[i], &sa, &old[i]);
	tcsetattr(fd, TCSAFLUSH, &t);
	for (;;) {
		ssize_t r = read(fd, &c, 1);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0 || c == '\n')
			break;
		if (n + 1 >= CLI_PASS_MAX) {
			rc = CLI_BADINPUT;
			continue; /* drain the line, keep nothing more */
		}
		buf[n++] = c;
	}
	tcsetattr(fd, TCSAFLUSH, &tty_saved);
	tty_fd = -1;
	for (size_t i = 0; i < NSIG_TTY; i++)
		sigaction(tty_signals[i], &old[i], NULL);
	c = 0;
	*len = n;
	return rc;
}

static int pass_from_tty(int confirm, const char *who, char *buf, size_t *len)
{
	char *again = malloc(CLI_PASS_MAX);
	size_t alen = 0;
	int fd = open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY), rc;

	if (fd < 0 || !again) {
		fprintf(stderr, "%s: no passphrase: no terminal to ask on; give --passphrase-file FILE "
			"or set %s\n", who, CLI_PASS_ENV);
		free(again);
		if (fd >= 0)
			close(fd);
		return CLI_BADINPUT;
	}
	rc = tty_read_line(fd, "passphrase: ", buf, len);
	if (rc == CLI_OK && confirm) {
		rc = tty_read_line(fd, "passphrase again: ", again, &alen);
		if (rc == CLI_OK && (alen != *len || CRYPTO_memcmp(again, buf, alen))) {
			fprintf(stderr, "%s: the passphrases differ\n", who);
			rc = CLI_BADINPUT;
		}
	} else if (rc != CLI_OK) {
		fprintf(stderr, "%s: passphrase longer than %d bytes\n", who, CLI_PASS_MAX - 1);
	}
	OPENSSL_cleanse(again, CLI_PASS_MAX);
	free(again);
	close(fd);
	return rc;
}

int cli_passphrase_get(const char *passfile, int confirm, const char *who, char *buf,
		       size_t *len)
{
	const char *env = getenv(CLI_PASS_ENV);
	size_t n;

	if (passfile) {
		/* The first line: a trailing LF or CR LF is not part of it. */
		if (cli_read_small(passfile, who, (uint8_t *)buf, CLI_PASS_MAX - 1, &n))
			return CLI_BADINPUT;
		buf[n] = 0;
		n = strcspn(buf, "\n");
		if (n && buf[n - 1] == '\r')
			n--;
		OPENSSL_cleanse(buf + n, CLI_PASS_MAX - n);
		*len = n;
		return CLI_OK;
	}
	if (env) {
		n = strlen(env);
		if (n >= CLI_PASS_MAX) {
			fprintf(stderr, "%s: %s longer than %d bytes\n", who, CLI_PASS_ENV,
				CLI_PASS_MAX - 1);
			return CLI_BADINPUT;
		}
		memcpy(buf, env, n);
		*len = n;
		return CLI_OK;
	}
	return pass_from_tty(confirm, who, buf, len);
}

static int load_raw(const char *path, const char *who, uint8_t key[CLI_KEY_SIZE])
{
	uint8_t buf[CLI_KEY_READ_CAP];
	size_t len;

	if (cli_read_small(path, who, buf, sizeof(buf), &len))
		return CLI_BADINPUT;
	if (len >= 8 && !memcmp(buf, VMM_KEY_MAGIC, 8)) {
		fprintf(stderr, "%s: %s: a parapass key file, not a raw key: use --key\n", who, path);
		return CLI_BADINPUT;
	}
	if (len != CLI_KEY_SIZE) {
		fprintf(stderr, "%s: %s: %zu bytes; a raw key is exactly %d bytes\n", who, path, len,
			CLI_KEY_SIZE);
		OPENSSL_cleanse(buf, sizeof(buf));
		return CLI_BADINPUT;
	}
	memcpy(key, buf, CLI_KEY_SIZE);
	OPENSSL_cleanse(buf, sizeof(buf));
	if (!CRYPTO_memcmp(key, key + CLI_KEY_SIZE / 2, CLI_KEY_SIZE / 2)) {
		OPENSSL_cleanse(key, CLI_KEY_SIZE);
		fprintf(stderr, "%s: %s: %s\n", who, path, vmm_key_fault_str(VMM_KEY_WEAK));
		return CLI_BADINPUT;
	}
	return CLI_OK;
}

static int load_keyfile(const struct cli_key_opts *o, const char *who, uint8_t key[CLI_KEY_SIZE])
{
	uint8_t file[CLI_KEY_READ_CAP];
	char *pass = NULL;
	size_t len, plen = 0;
	struct vmm_key_info info;
	int rc = CLI_BADINPUT, err;

	if (cli_read_small(o->keyfile, who, file, sizeof(file), &len))
		return CLI_BADINPUT;
	if (vmm_key_parse(file, len, &info)) {
		fprintf(stderr, "%s: %s: %s\n", who, o->keyfile, vmm_key_fault_str(info.fault));
		return CLI_BADINPUT;
	}
	if (info.kdf != VMM_KEY_KDF_NONE) {
		pass = malloc(CLI_PASS_MAX);
		if (!pass || cli_passphrase_get(o->passfile, 0, who, pass, &plen))
			goto out;
	}
	err = cli_keyfile_open(file, len, pass, plen, key, &info);
	if (err)
		fprintf(stderr, "%s: %s: %s\n", who, o->keyfile, vmm_key_fault_str(info.fault));
	rc = err == PP_EKEY ? CLI_FAIL : err ? CLI_BADINPUT : CLI_OK;
out:
	if (pass)
		OPENSSL_cleanse(pass, CLI_PASS_MAX);
	free(pass);
	OPENSSL_cleanse(file, sizeof(file));
	return rc;
}

int cli_key_load(const struct cli_key_opts *o, const char *who, uint8_t key[CLI_KEY_SIZE])
{
	if (!o->keyfile == !o->rawkey) {
		fprintf(stderr, "%s: give exactly one of --key KEYFILE and --raw-key FILE\n", who);
		return CLI_BADINPUT;
	}
	return o->rawkey ? load_raw(o->rawkey, who, key) : load_keyfile(o, who, key);
}
