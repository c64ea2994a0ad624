/*
 * cli_crypt.c - "parapass crypt encrypt|decrypt|verify TARGET ...": the
 * command line around the conversion engine (cli_crypt_journal.c, whose
 * comment explains why an interrupted conversion loses nothing).
 *
 * Order of business: refuse a target that must not be converted (before
 * asking for a passphrase), load the key, refuse a conversion that looks
 * like a mistake (encrypting a disk that already decrypts to structured
 * data with this key, or decrypting plaintext) unless --force, then run,
 * with Ctrl-C asking the engine to stop after the current chunk.
 */
#include <errno.h>
#include <openssl/crypto.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "cli_crypt.h"
#include "crypto/crypto.h"

#define WHO "parapass crypt"
#define GUARD_SAMPLES 64
#define VERIFY_SAMPLES 256

static volatile sig_atomic_t crypt_stop;

static void crypt_on_signal(int sig)
{
	crypt_stop = 1;
	signal(sig, SIG_DFL);  /* a second Ctrl-C kills at once, which the journal survives too */
}

static int crypt_usage(void)
{
	fprintf(stderr,
		"usage: parapass crypt encrypt|decrypt TARGET --key KEYFILE|--raw-key FILE\n"
		"           [--passphrase-file F] [--first-lba N] [--sectors M] [--resume]\n"
		"           [--journal PATH] [--chunk-kib K] [--force]\n"
		"       parapass crypt verify TARGET --key KEYFILE|--raw-key FILE [--first-lba N]\n"
		"           [--sectors M] [--plain REFERENCE] [--all | --samples N]\n");
	return CLI_BADINPUT;
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	errno = 0;
	*v = strtoull(s, &end, 0);
	return errno || *end || !*s || *s == '-';
}

/* One option with a numeric value; 1 taken, 0 not this one, -1 bad. */
static int crypt_num_opt(struct crypt_args *a, int argc, char **argv, int *i)
{
	uint64_t v;
	const char *o = argv[*i];

	if (strcmp(o, "--first-lba") && strcmp(o, "--sectors") && strcmp(o, "--chunk-kib") &&
	    strcmp(o, "--samples"))
		return 0;
	if (*i + 1 >= argc || parse_u64(argv[*i + 1], &v)) {
		fprintf(stderr, WHO ": %s wants a number\n", o);
		return -1;
	}
	*i += 2;
	if (!strcmp(o, "--first-lba"))
		a->first_lba = v, a->have_range = 1;
	else if (!strcmp(o, "--sectors"))
		a->nsect = v, a->have_range = 1;
	else if (!strcmp(o, "--samples"))
		a->samples = v;
	else if (v < 1 || v > CRYPT_CHUNK_MAX / 1024)
		return fprintf(stderr, WHO ": --chunk-kib wants 1 to %u\n", CRYPT_CHUNK_MAX / 1024), -1;
	else
		a->chunk_kib = (uint32_t)v;
	return 1;
}

static int crypt_flag_opt(struct crypt_args *a, int argc, char **argv, int *i)
{
	const char *o = argv[*i];
	int *flag = !strcmp(o, "--resume") ? &a->resume : !strcmp(o, "--force") ? &a->force
		    : !strcmp(o, "--all") ? &a->all : NULL;
	const char **path = !strcmp(o, "--journal") ? &a->journal : !strcmp(o, "--plain") ? &a->plain
			    : NULL;

	if (flag) {
		*flag = 1;
		(*i)++;
		return 1;
	}
	if (!path)
		return 0;
	if (*i + 1 >= argc)
		return fprintf(stderr, WHO ": %s needs a file name\n", o), -1;
	*path = argv[*i + 1];
	*i += 2;
	return 1;
}

static int crypt_parse(int argc, char **argv, struct crypt_args *a)
{
	int i = 2, r;

	if (argc < 3 || (strcmp(argv[1], "encrypt") && strcmp(argv[1], "decrypt") &&
			 strcmp(argv[1], "verify")))
		return crypt_usage();
	a->verb = argv[1];
	a->samples = VERIFY_SAMPLES;
	while (i < argc) {
		r = cli_key_opt(&a->key, argc, argv, &i, WHO);
		if (!r)
			r = crypt_num_opt(a, argc, argv, &i);
		if (!r)
			r = crypt_flag_opt(a, argc, argv, &i);
		if (!r && argv[i][0] != '-' && !a->target)
			a->target = argv[i++], r = 1;
		if (r <= 0)
			return r < 0 ? CLI_BADINPUT : crypt_usage();
	}
	if (!a->target)
		return crypt_usage();
	return CLI_OK;
}

/* The range against the target's size: the default is to its end. */
static int crypt_range(struct crypt_args *a, const struct crypt_target *t)
{
	uint64_t have = t->bytes / CRYPT_SECTOR;

	if (a->resume && !a->have_range)
		return CLI_OK;  /* the journal knows */
	if (a->first_lba >= have || (a->nsect && a->nsect > have - a->first_lba)) {
		fprintf(stderr, WHO ": %s: smaller than asked: it holds %llu sectors, sectors "
			"%llu+%llu were asked\n", a->target, (unsigned long long)have,
			(unsigned long long)a->first_lba, (unsigned long long)a->nsect);
		return CLI_BADINPUT;
	}
	if (!a->nsect)
		a->nsect = have - a->first_lba;
	if (t->bytes % CRYPT_SECTOR && a->first_lba + a->nsect == have)
		fprintf(stderr, WHO ": %s: the last %llu bytes (not a whole sector) stay as they are\n",
			a->target, (unsigned long long)(t->bytes % CRYPT_SECTOR));
	return CLI_OK;
}

/* Where the journal lives: --journal, or beside an image file. */
static int crypt_journal_path(const struct crypt_args *a, const struct crypt_target *t,
			      char *buf, size_t len)
{
	struct stat js;

	if (!a->journal && t->is_blk) {
		fprintf(stderr, WHO ": %s is a block device: give --journal PATH on another disk's "
			"persistent file system (not /dev, which is in memory)\n", a->target);
		return CLI_BADINPUT;
	}
	if ((size_t)snprintf(buf, len, "%s%s", a->journal ? a->journal : a->target,
			     a->journal ? "" : CRYPT_JOURNAL_SUFFIX) >= len)
		return CLI_BADINPUT;
	if (!stat(buf, &js) && ((t->is_blk && js.st_rdev == t->id[0] && S_ISBLK(js.st_mode)) ||
				(!t->is_blk && js.st_dev == t->id[0] && js.st_ino == t->id[1]))) {
		fprintf(stderr, WHO ": the journal cannot be the target itself\n");
		return CLI_BADINPUT;
	}
	return CLI_OK;
}

/* Refuse a conversion that the disk's look says is a mistake (file comment). */
static int crypt_guard(const struct crypt_args *a, int fd, const uint8_t key[64])
{
	struct crypto_xts *x = crypt_xts_new(key);
	struct crypt_survey s;
	char line[512];
	int v, enc = !strcmp(a->verb, "encrypt"), bad;

	if (!x)
		return CLI_BADINPUT;
	crypt_survey(fd, x, a->first_lba, a->nsect, GUARD_SAMPLES, &s);
	crypt_xts_free(x);
	v = crypt_verdict(&s, line, sizeof(line));
	bad = v < 0 || (enc ? v == CRYPT_LOOK_CIPHER : v == CRYPT_LOOK_PLAIN);
	if (!bad)
		return CLI_OK;
	fprintf(stderr, WHO ": %s looks %s\n", a->target, line);
	fprintf(stderr, WHO ": refusing to %s it: %s (--force to do it anyway)\n", a->verb,
		v < 0 ? "converting it whole would convert one part twice; 'crypt verify --all' "
			"finds the border"
		: enc ? "encrypting twice would need two decryptions to read it"
		      : "decrypting plaintext would scramble it");
	return CLI_BADINPUT;
}

static int crypt_result_status(int err)
{
	switch (err) {
	case CRYPT_DONE:
		return CLI_OK;
	case CRYPT_EUSAGE:
	case CRYPT_EMISMATCH:
	case CRYPT_EJOURNAL:
		return CLI_BADINPUT;
	case CRYPT_EIO:
	case CRYPT_ESTOPPED:
	case CRYPT_ENOMEM:
		return CLI_FAIL;
	default:
		fprintf(stderr, WHO ": internal error: engine result %d\n", err);
		return CLI_FAIL;
	}
}

static int crypt_convert(struct crypt_args *a, struct crypt_target *t, const char *jpath,
			 const uint8_t key[64])
{
	struct crypt_job job = {
		.op = strcmp(a->verb, "encrypt") ? CRYPT_DECRYPT : CRYPT_ENCRYPT,
		.key = key, .first_lba = a->first_lba, .nsect = a->nsect,
		.chunk_sectors = a->chunk_kib * 1024 / CRYPT_SECTOR, .target_bytes = t->bytes,
		.target_id = { t->id[0], t->id[1] }, .resume = a->resume, .stop = &crypt_stop,
		.progress = crypt_progress_cb,
	};
	struct crypt_progress prog;
	double t0 = crypt_now(), dt;
	int err;

	if (!job.chunk_sectors)
		job.chunk_sectors = crypt_chunk_default(t->fd, jpath) / CRYPT_SECTOR;
	if (crypt_file_fd(&job.target, t->fd) || crypt_store_path(&job.journal, jpath))
		return CLI_FAIL;
	t->fd = -1;  /* the engine's file owns it now */
	crypt_progress_init(&prog, a->verb);
	job.progress_ctx = &prog;
	signal(SIGINT, crypt_on_signal);
	signal(SIGTERM, crypt_on_signal);
	err = crypt_run(&job);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	crypt_progress_end(&prog);
	job.target.ops->close(job.target.ctx);
	crypt_store_free(&job.journal);
	dt = crypt_now() - t0;
	if (err) {
		fprintf(stderr, WHO ": %s: %s (journal %s)\n", a->target, job.why, jpath);
		return crypt_result_status(err);
	}
	printf("%s: %s sectors %llu+%llu: done%s, %llu sectors in %.1f s (%.0f MB/s)\n", a->verb,
	       a->target, (unsigned long long)job.first_lba, (unsigned long long)job.nsect,
	       a->resume ? " (resumed)" : "", (unsigned long long)job.done_sectors, dt,
	       dt > 0 ? (double)job.done_sectors * CRYPT_SECTOR / dt / 1e6 : 0.0);
	return CLI_OK;
}

static int crypt_main(struct crypt_args *a, struct crypt_target *t, uint8_t key[64])
{
	int verify = !strcmp(a->verb, "verify"), rc;
	char why[512], jpath[4096];
	struct stat js;

	crypt_kill_hook_init();
	if (crypt_target_open(&crypt_sys_default, a->target, !verify, t, why, sizeof(why))) {
		fprintf(stderr, WHO ": %s: %s\n", a->target, why);
		return CLI_BADINPUT;
	}
	rc = crypt_range(a, t);
	if (!rc && !verify)
		rc = crypt_journal_path(a, t, jpath, sizeof(jpath));
	if (!rc)
		rc = cli_key_load(&a->key, WHO, key);
	if (rc)
		return rc;
	if (verify) {
		if (!t->is_blk && snprintf(jpath, sizeof(jpath), "%s%s", a->target,
					   CRYPT_JOURNAL_SUFFIX) > 0 && !stat(jpath, &js))
			printf("verify: %s exists: a conversion is unfinished (resume it with "
			       "--resume)\n", jpath);
		return crypt_verify_cmd(a, t->fd, key);
	}
	if (!a->resume && !stat(jpath, &js)) {
		fprintf(stderr, WHO ": %s: a journal exists (%s): an interrupted conversion; finish "
			"it with --resume\n", a->target, jpath);
		return CLI_BADINPUT;
	}
	if (!a->resume && !a->force) {
		rc = crypt_guard(a, t->fd, key);
		if (rc)
			return rc;
	}
	return crypt_convert(a, t, jpath, key);
}

int cli_crypt(int argc, char **argv)
{
	struct crypt_args a = { 0 };
	struct crypt_target t = { .fd = -1 };
	uint8_t key[64];
	int rc = crypt_parse(argc, argv, &a);

	if (rc)
		return rc;
	if (!strcmp(a.verb, "verify") && (a.resume || a.journal || a.force))
		return crypt_usage();
	if (strcmp(a.verb, "verify") && (a.plain || a.all))
		return crypt_usage();
	rc = crypt_main(&a, &t, key);
	OPENSSL_cleanse(key, sizeof(key));
	if (t.fd >= 0)
		close(t.fd);
	return rc;
}
