/*
 * cli_bench_crypto.c - "parapass bench crypto [RUNS [MS]]": throughput of
 * every AES-256-XTS path this CPU runs, against two baselines measured in
 * the same process on the same buffers: OpenSSL EVP used the way a disk
 * encryptor must (IV set per sector, one EVP_CipherUpdate per sector) and
 * memcpy. Calls of 512 B, 4 KiB and 64 KiB, out of place, cache-hot;
 * each figure is the median of RUNS runs of about MS milliseconds per
 * candidate, the candidates taking turns every few milliseconds (a run's
 * figure is the median of its slices) so that clock changes and other
 * load on the machine hit them alike.
 * Prints PASS/MISS for the targets; a benchmark, never a test.
 */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "crypto/crypto.h"

#define BENCH_MAX_RUNS 31
#define BENCH_SLICE_MS 5    /* candidates take turns this often */
#define BENCH_MAX_SLICES 64 /* per candidate and run */
#define NSIZES 3

static const size_t bench_sizes[NSIZES] = { 512, 4096, 65536 };

struct bench_ctx {
	struct crypto_xts xts;
	EVP_CIPHER_CTX *evp;
	uint8_t *src, *dst;
};

enum { CAND_MEMCPY, CAND_OPENSSL, CAND_IMPL0 };
#define NCAND (CAND_IMPL0 + CRYPTO_IMPL_COUNT - CRYPTO_IMPL_GENERIC)

static double now_sec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The per-sector EVP loop of a disk encryptor: a fresh IV every 512 bytes. */
static void evp_per_sector(struct bench_ctx *b, uint64_t lba, size_t len)
{
	uint8_t iv[16] = { 0 };
	int out;

	for (size_t off = 0; off < len; off += CRYPTO_SECTOR_SIZE, lba++) {
		memcpy(iv, &lba, sizeof(lba)); /* LE64(lba) || 0^8 on x86 */
		if (EVP_CipherInit_ex(b->evp, NULL, NULL, NULL, iv, -1) != 1 ||
		    EVP_CipherUpdate(b->evp, b->dst + off, &out, b->src + off,
				     CRYPTO_SECTOR_SIZE) != 1)
			abort();
	}
}

static void run_once(struct bench_ctx *b, int cand, uint64_t lba, size_t len)
{
	switch (cand) {
	case CAND_MEMCPY:
		memcpy(b->dst, b->src, len);
		/* Keep the copy from being elided or merged across iterations. */
		__asm__ __volatile__("" : : "r"(b->dst) : "memory");
		break;
	case CAND_OPENSSL:
		evp_per_sector(b, lba, len);
		break;
	default:
		crypto_xts_encrypt(&b->xts, lba, b->src, b->dst, len / CRYPTO_SECTOR_SIZE);
		break;
	}
}

/* Calls of len bytes that take about sec seconds (measured over at least 2 ms). */
static uint64_t calibrate(struct bench_ctx *b, int cand, size_t len, double sec)
{
	for (uint64_t n = 1;; n *= 2) {
		double t0 = now_sec(), t;

		for (uint64_t i = 0; i < n; i++)
			run_once(b, cand, 1000 + i, len);
		t = now_sec() - t0;
		if (t >= 2e-3)
			return n * sec / t >= 1.0 ? (uint64_t)(n * sec / t) : 1;
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, unsigned n)
{
	qsort(v, n, sizeof(double), cmp_double);
	return v[n / 2];
}

/* Bytes per second of iters calls of len bytes. */
static double run_slice(struct bench_ctx *b, int cand, size_t len, uint64_t iters)
{
	double t0 = now_sec();

	for (uint64_t i = 0; i < iters; i++)
		run_once(b, cand, 1000 + i, len);
	return (double)iters * (double)len / (now_sec() - t0);
}

static int cand_usable(int cand)
{
	if (cand < CAND_IMPL0)
		return 1;
	return crypto_impl_supported((enum crypto_impl)(CRYPTO_IMPL_GENERIC + cand - CAND_IMPL0));
}

static const char *cand_name(int cand)
{
	if (cand == CAND_MEMCPY)
		return "memcpy";
	if (cand == CAND_OPENSSL)
		return "openssl-evp";
	return crypto_impl_name((enum crypto_impl)(CRYPTO_IMPL_GENERIC + cand - CAND_IMPL0));
}

static void force_cand(int cand)
{
	if (cand >= CAND_IMPL0 &&
	    crypto_impl_force((enum crypto_impl)(CRYPTO_IMPL_GENERIC + cand - CAND_IMPL0)))
		abort();
}

/*
 * One run of one size: every candidate gets about ms milliseconds in
 * slices of BENCH_SLICE_MS, taken in turn; its figure for the run is the
 * median of its slices, so that a slice which lost the CPU to another
 * process on a shared machine does not count against one candidate.
 */
static void bench_run(struct bench_ctx *b, size_t len, unsigned ms, const uint64_t *iters,
		      double *r)
{
	static double v[NCAND][BENCH_MAX_SLICES];
	unsigned slices = ms / BENCH_SLICE_MS;

	if (slices < 1)
		slices = 1;
	if (slices > BENCH_MAX_SLICES)
		slices = BENCH_MAX_SLICES;
	for (unsigned k = 0; k < slices; k++)
		for (int c = 0; c < NCAND; c++) {
			if (!cand_usable(c))
				continue;
			force_cand(c);
			v[c][k] = run_slice(b, c, len, iters[c]);
		}
	for (int c = 0; c < NCAND; c++)
		r[c] = cand_usable(c) ? median(v[c], slices) : 0;
}

/* med[cand][size]: medians in bytes per second, 0 where not run. */
static void bench_all(struct bench_ctx *b, unsigned runs, unsigned ms, double med[NCAND][NSIZES])
{
	double r[NSIZES][BENCH_MAX_RUNS][NCAND], v[BENCH_MAX_RUNS];
	uint64_t iters[NSIZES][NCAND] = { { 0 } };
	double slice = (ms < BENCH_SLICE_MS ? ms : BENCH_SLICE_MS) * 1e-3;

	for (int s = 0; s < NSIZES; s++)
		for (int c = 0; c < NCAND; c++)
			if (cand_usable(c)) {
				force_cand(c);
				iters[s][c] = calibrate(b, c, bench_sizes[s], slice);
			}
	for (unsigned run = 0; run < runs; run++)
		for (int s = 0; s < NSIZES; s++)
			bench_run(b, bench_sizes[s], ms, iters[s], r[s][run]);
	for (int c = 0; c < NCAND; c++)
		for (int s = 0; s < NSIZES; s++) {
			for (unsigned run = 0; run < runs; run++)
				v[run] = r[s][run][c];
			med[c][s] = median(v, runs);
		}
	crypto_impl_force(CRYPTO_IMPL_AUTO);
}

static void print_table(double med[NCAND][NSIZES])
{
	printf("%-12s %11s %11s %11s   %s\n", "path", "512 B", "4 KiB", "64 KiB",
	       "MB/s (x OpenSSL per-sector EVP; memcpy/path)");
	for (int c = 0; c < NCAND; c++) {
		if (!cand_usable(c)) {
			printf("%-12s not available on this CPU\n", cand_name(c));
			continue;
		}
		printf("%-12s", cand_name(c));
		for (int s = 0; s < NSIZES; s++)
			printf(" %11.0f", med[c][s] / 1e6);
		printf("  ");
		for (int s = 0; s < NSIZES; s++)
			printf(" %5.2fx/%-5.1f", med[c][s] / med[CAND_OPENSSL][s],
			       med[CAND_MEMCPY][s] / med[c][s]);
		printf("\n");
	}
}

struct bench_target {
	const char *what;
	int cand;       /* -1: the best VAES path */
	int size;       /* index into bench_sizes */
	int vs_memcpy;  /* 0: ratio to OpenSSL >= min; 1: memcpy/path <= min */
	double min;
};

static const struct bench_target targets[] = {
	{ "VAES >= 3x OpenSSL at 512 B", -1, 0, 0, 3.0 },
	{ "VAES >= 2.5x OpenSSL at 4 KiB", -1, 1, 0, 2.5 },
	{ "AES-NI >= 1.5x OpenSSL at 512 B", CAND_IMPL0 + CRYPTO_IMPL_AESNI - CRYPTO_IMPL_GENERIC, 0, 0, 1.5 },
	{ "VAES within 2x of memcpy at 64 KiB", -1, 2, 1, 2.0 },
};

static void print_targets(double med[NCAND][NSIZES])
{
	int vaes = CAND_IMPL0 + CRYPTO_IMPL_VAES512 - CRYPTO_IMPL_GENERIC;

	if (!cand_usable(vaes))
		vaes = CAND_IMPL0 + CRYPTO_IMPL_VAES256 - CRYPTO_IMPL_GENERIC;
	for (size_t i = 0; i < sizeof(targets) / sizeof(targets[0]); i++) {
		const struct bench_target *t = &targets[i];
		int c = t->cand < 0 ? vaes : t->cand;
		double v;
		int ok;

		if (!cand_usable(c)) {
			printf("MISS  %-36s (%s not available on this CPU)\n", t->what, cand_name(c));
			continue;
		}
		if (t->vs_memcpy) {
			v = med[CAND_MEMCPY][t->size] / med[c][t->size];
			ok = v <= t->min;
		} else {
			v = med[c][t->size] / med[CAND_OPENSSL][t->size];
			ok = v >= t->min;
		}
		printf("%-5s %-36s %s: %.2fx%s\n", ok ? "PASS" : "MISS", t->what, cand_name(c), v,
		       t->vs_memcpy ? " the time of memcpy" : " OpenSSL");
	}
}

int cli_bench_crypto(int argc, char **argv)
{
	unsigned runs = argc > 1 ? (unsigned)atoi(argv[1]) : 7;
	unsigned ms = argc > 2 ? (unsigned)atoi(argv[2]) : 100;
	static double med[NCAND][NSIZES];
	struct bench_ctx b = { 0 };
	uint8_t key[CRYPTO_XTS_KEY_SIZE];

	if (runs < 1 || runs > BENCH_MAX_RUNS || ms < 1) {
		fprintf(stderr, "usage: parapass bench crypto [RUNS (1-%d) [MS]]\n", BENCH_MAX_RUNS);
		return CLI_BADINPUT;
	}
	/* A fixed TEST key: the figures do not depend on its value. */
	for (int i = 0; i < CRYPTO_XTS_KEY_SIZE; i++)
		key[i] = (uint8_t)(i * 7 + 1);
	b.src = aligned_alloc(64, bench_sizes[NSIZES - 1]);
	b.dst = aligned_alloc(64, bench_sizes[NSIZES - 1]);
	b.evp = EVP_CIPHER_CTX_new();
	if (!b.src || !b.dst || !b.evp || crypto_xts_setkey(&b.xts, key) ||
	    EVP_CipherInit_ex(b.evp, EVP_aes_256_xts(), NULL, key, NULL, 1) != 1) {
		fprintf(stderr, "bench crypto: setup failed\n");
		return CLI_FAIL;
	}
	for (size_t i = 0; i < bench_sizes[NSIZES - 1]; i++)
		b.src[i] = (uint8_t)(i * 31);
	printf("AES-256-XTS encrypt, out of place, cache-hot; median of %u runs of ~%u ms each,\n"
	       "candidates taking turns in %u ms slices (median slice per run)\n", runs, ms,
	       BENCH_SLICE_MS);
	bench_all(&b, runs, ms, med);
	print_table(med);
	print_targets(med);
	crypto_xts_wipe(&b.xts);
	EVP_CIPHER_CTX_free(b.evp);
	free(b.src);
	free(b.dst);
	return CLI_OK;
}
