/*
 * cli_crypt_bench.c - "parapass bench crypt [--dir D] [--mib N] [--runs R]
 * [--chunk-kib K] [--sparse]": the throughput of an in-place conversion
 * with its journal (the engine "parapass crypt" runs, in this process),
 * against "openssl speed -evp aes-256-xts -bytes 65536" run through popen
 * in the same command, and against the same chunked loop without a
 * journal (read, encrypt, write, sync), to show what the journal costs.
 * Each figure is the median of R runs; runs alternate encrypt and decrypt
 * so the image stays meaningful. A benchmark, never a test: it prints
 * PASS/MISS for the target (at least 0.5x openssl speed).
 *
 * The image (1 GiB by default) goes to /dev/shm when it exists, so the
 * figures are the page cache's: a tmpfs sync costs nothing, and the
 * journal's price is its extra copy. With --dir on a disk the syncs are
 * real and the disk sets the pace; the output says which it was.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "cli.h"
#include "cli_crypt.h"
#include "crypto/crypto.h"

#define BENCH_RUNS_MAX 15
#define TMPFS_MAGIC_NR 0x01021994
#define OPENSSL_CMD "openssl speed -evp aes-256-xts -bytes 65536 2>/dev/null"

struct cbench {
	const char *dir;
	uint64_t mib;
	unsigned runs, chunk_kib;  /* chunk_kib 0: what "parapass crypt" would choose */
	int sparse;
	char img[4096], jnl[4200];
	uint8_t key[64];
};

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, unsigned n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* OpenSSL's figure in bytes per second: the AES-256-XTS line's "NNNN.NNk" (1000s of bytes/s). */
static double openssl_speed(void)
{
	FILE *p = popen(OPENSSL_CMD, "r");
	char line[512];
	double kbs = 0;

	if (!p)
		return 0;
	while (fgets(line, sizeof(line), p))
		if (!strncmp(line, "AES-256-XTS", 11) || !strncmp(line, "aes-256-xts", 11))
			sscanf(line + 11, " %lfk", &kbs);
	pclose(p);
	return kbs * 1000.0;
}

/* The image: structured sectors, written now (warm, allocated), or a hole (--sparse). */
static int make_image(struct cbench *b)
{
	size_t run = 1 << 20;
	uint8_t *buf = crypt_alloc(run);
	uint64_t total = b->mib << 20;
	int fd = open(b->img, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600), err = 0;

	if (fd < 0 || !buf) {
		fprintf(stderr, "bench crypt: %s: %s\n", b->img, strerror(errno));
		free(buf);
		return fd < 0 ? -1 : (close(fd), -1);
	}
	if (b->sparse)
		err = ftruncate(fd, (off_t)total);
	for (uint64_t off = 0; !b->sparse && !err && off < total; off += run) {
		for (size_t s = 0; s < run; s += CRYPT_SECTOR)
			snprintf((char *)buf + s, CRYPT_SECTOR, "%-470s sector %llu", "bench crypt",
				 (unsigned long long)((off + s) / CRYPT_SECTOR));
		err = pwrite(fd, buf, run, (off_t)off) != (ssize_t)run;
	}
	free(buf);
	close(fd);
	return err ? -1 : 0;
}

/* One conversion of the whole image by the journalled engine: seconds, or < 0. */
static double run_engine(struct cbench *b, enum crypt_op op)
{
	int fd = open(b->img, O_RDWR | O_CLOEXEC);
	struct crypt_job job = {
		.op = op, .key = b->key, .first_lba = 0, .nsect = (b->mib << 20) / CRYPT_SECTOR,
		.chunk_sectors = b->chunk_kib * 1024 / CRYPT_SECTOR, .target_bytes = b->mib << 20,
	};
	double t0, dt;
	int err;

	if (fd < 0 || crypt_file_fd(&job.target, fd) || crypt_store_path(&job.journal, b->jnl))
		return -1;
	t0 = crypt_now();
	err = crypt_run(&job);
	dt = crypt_now() - t0;
	job.target.ops->close(job.target.ctx);
	crypt_store_free(&job.journal);
	if (err)
		fprintf(stderr, "bench crypt: %s\n", job.why);
	return err ? -1 : dt;
}

/* The same chunks and pieces without a journal: read, convert, write; sync each chunk. */
static double run_plain(struct cbench *b, enum crypt_op op)
{
	size_t chunk = (size_t)b->chunk_kib * 1024;
	uint64_t total = b->mib << 20;
	struct crypto_xts *x = crypt_xts_new(b->key);
	uint8_t *buf = crypt_alloc(CRYPT_PIECE);
	int fd = open(b->img, O_RDWR | O_CLOEXEC), err = !x || !buf || fd < 0;
	double t0 = crypt_now(), dt;

	for (uint64_t off = 0; !err && off < total; off += CRYPT_PIECE) {
		size_t n = total - off < CRYPT_PIECE ? (size_t)(total - off) : CRYPT_PIECE;
		uint64_t lba = off / CRYPT_SECTOR;

		err = pread(fd, buf, n, (off_t)off) != (ssize_t)n;
		if (op == CRYPT_ENCRYPT)
			crypto_xts_encrypt(x, lba, buf, buf, n / CRYPT_SECTOR);
		else
			crypto_xts_decrypt(x, lba, buf, buf, n / CRYPT_SECTOR);
		err = err || pwrite(fd, buf, n, (off_t)off) != (ssize_t)n;
		if (!err && ((off + n) % chunk == 0 || off + n == total))
			err = fdatasync(fd);
	}
	dt = crypt_now() - t0;
	crypt_xts_free(x);
	free(buf);
	if (fd >= 0)
		close(fd);
	return err ? -1 : dt;
}

static int cbench_args(int argc, char **argv, struct cbench *b)
{
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(o, "--sparse"))
			b->sparse = 1;
		else if (!v)
			return -1;
		else if (!strcmp(o, "--dir"))
			b->dir = v, i++;
		else if (!strcmp(o, "--mib"))
			b->mib = strtoull(v, NULL, 10), i++;
		else if (!strcmp(o, "--runs"))
			b->runs = (unsigned)strtoul(v, NULL, 10), i++;
		else if (!strcmp(o, "--chunk-kib"))
			b->chunk_kib = (unsigned)strtoul(v, NULL, 10), i++;
		else
			return -1;
	}
	if (!b->mib || !b->runs || b->runs > BENCH_RUNS_MAX || b->chunk_kib > CRYPT_CHUNK_MAX / 1024)
		return -1;
	snprintf(b->img, sizeof(b->img), "%s/parapass-bench-crypt.%ld.img", b->dir, (long)getpid());
	snprintf(b->jnl, sizeof(b->jnl), "%s%s", b->img, CRYPT_JOURNAL_SUFFIX);
	return 0;
}

static void cbench_where(const struct cbench *b)
{
	struct statfs fs;
	int tmpfs = !statfs(b->dir, &fs) && fs.f_type == TMPFS_MAGIC_NR;

	printf("image %llu MiB in %s (%s), %s; chunk %u KiB; crypto path %s\n",
	       (unsigned long long)b->mib, b->dir,
	       tmpfs ? "tmpfs: page cache only, syncs cost nothing"
		     : "a disk file system: syncs reach the disk",
	       b->sparse ? "sparse (pages allocated by the first conversion)"
			 : "written just before (page cache warm)",
	       b->chunk_kib, crypto_impl_name(crypto_impl_active()));
}

static int cbench_runs(struct cbench *b, double *ossl, double *jr, double *pl)
{
	double bytes = (double)(b->mib << 20);

	for (unsigned r = 0; r < b->runs; r++) {
		enum crypt_op op = r % 2 ? CRYPT_DECRYPT : CRYPT_ENCRYPT;
		double tj, tp;

		ossl[r] = openssl_speed();
		tj = run_engine(b, op);
		/* The plain loop goes back the other way, so each pair leaves the image as it was. */
		tp = run_plain(b, op == CRYPT_ENCRYPT ? CRYPT_DECRYPT : CRYPT_ENCRYPT);
		if (ossl[r] <= 0 || tj <= 0 || tp <= 0) {
			fprintf(stderr, "bench crypt: run %u failed (openssl %.0f, journal %.3f s, "
				"plain %.3f s)\n", r, ossl[r], tj, tp);
			return -1;
		}
		jr[r] = bytes / tj;
		pl[r] = bytes / tp;
		printf("run %u: openssl %.0f MB/s, with journal %.0f MB/s, without %.0f MB/s\n", r,
		       ossl[r] / 1e6, jr[r] / 1e6, pl[r] / 1e6);
		fflush(stdout);
	}
	return 0;
}

int cli_bench_crypt(int argc, char **argv)
{
	struct cbench b = { .dir = access("/dev/shm", W_OK) ? "/tmp" : "/dev/shm", .mib = 1024,
			    .runs = 3 };
	double ossl[BENCH_RUNS_MAX], jr[BENCH_RUNS_MAX], pl[BENCH_RUNS_MAX], o, j, p;
	int err;

	if (cbench_args(argc, argv, &b)) {
		fprintf(stderr, "usage: parapass bench crypt [--dir D] [--mib N] [--runs 1-%d] "
			"[--chunk-kib K] [--sparse]\n", BENCH_RUNS_MAX);
		return CLI_BADINPUT;
	}
	for (size_t i = 0; i < sizeof(b.key); i++)  /* a fixed TEST key: the data is a pattern */
		b.key[i] = (uint8_t)(i * 37 + 11);
	err = make_image(&b);
	if (!err && !b.chunk_kib) {
		int fd = open(b.img, O_RDONLY | O_CLOEXEC);

		b.chunk_kib = fd < 0 ? CRYPT_CHUNK_DEFAULT / 1024 : crypt_chunk_default(fd, b.jnl) / 1024;
		if (fd >= 0)
			close(fd);
	}
	if (!err) {
		cbench_where(&b);
		err = cbench_runs(&b, ossl, jr, pl);
	}
	unlink(b.img);
	unlink(b.jnl);
	if (err)
		return CLI_FAIL;
	o = median(ossl, b.runs), j = median(jr, b.runs), p = median(pl, b.runs);
	printf("median of %u: %s: %.0f MB/s\n", b.runs, OPENSSL_CMD, o / 1e6);
	printf("median of %u: conversion with journal %.0f MB/s = %.2fx openssl; without journal "
	       "%.0f MB/s; the journal costs %.0f%% of the time\n", b.runs, j / 1e6, j / o, p / 1e6,
	       100.0 * (1.0 - j / p));
	printf("%s  conversion >= 0.5x openssl speed   %.2fx\n", j >= 0.5 * o ? "PASS" : "MISS",
	       j / o);
	return CLI_OK;
}
