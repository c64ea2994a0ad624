/*
 * ppscan_main.c - host-side check of the guest workload's pattern
 * (pattern.h) in a disk image. Built by tests/guest/pattern.sh.
 *
 *   ppscan verify IMAGE PART COUNT [SEED]
 *       the first COUNT sectors of MBR partition PART hold the pattern for
 *       their own absolute LBA (what the guest's /init wrote to sda2)
 *   ppscan count IMAGE [--none]
 *       markers anywhere (any byte offset), valid pattern sectors in
 *       place (header LBA = position) and elsewhere (e.g. the pattern file
 *       the guest copied onto its ext2 partition); with --none, fail if
 *       there is even one marker: a raw encrypted image must hold none
 *
 * Exit status: 0 as expected, 1 not as expected, 2 bad usage or input.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/guest/pattern.h"

/* PPS_USAGE is internal: main prints the usage and exits PPS_EXIT_BAD. */
enum { PPS_EXIT_MISMATCH = 1, PPS_EXIT_BAD = 2, PPS_USAGE = 3 };

#define PPS_CHUNK_SECTORS 2048u /* 1 MiB reads */
#define PPS_MAX_RUNS      16u   /* in-place runs listed; the rest are counted */

static const char *const pps_verdict_names[] = {
	[PPAT_OK] = "ok",
	[PPAT_NO_MARKER] = "no marker",
	[PPAT_WRONG_LBA] = "pattern of another LBA",
	[PPAT_WRONG_SEED] = "pattern of another seed",
	[PPAT_BAD_FILL] = "header right, fill differs",
};

static int pps_u64(const char *s, uint64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoull(s, &end, 0);
	return (errno || end == s || *end || *s == '-') ? -1 : 0;
}

static FILE *pps_open(const char *path)
{
	FILE *f = fopen(path, "rb");

	if (!f)
		fprintf(stderr, "ppscan: %s: %s\n", path, strerror(errno));
	return f;
}

/* MBR partition entry (1-4): start LBA and length, from the table at 0x1BE. */
static int pps_partition(FILE *f, unsigned part, uint64_t *start, uint64_t *len)
{
	uint8_t mbr[PPAT_SECTOR];
	const uint8_t *e;

	if (part < 1 || part > 4 || fread(mbr, sizeof(mbr), 1, f) != 1 ||
	    mbr[510] != 0x55 || mbr[511] != 0xAA)
		return -1;
	e = mbr + 0x1BE + 16 * (part - 1);
	*start = (uint64_t)e[8] | (uint64_t)e[9] << 8 | (uint64_t)e[10] << 16 |
		 (uint64_t)e[11] << 24;
	*len = (uint64_t)e[12] | (uint64_t)e[13] << 8 | (uint64_t)e[14] << 16 |
	       (uint64_t)e[15] << 24;
	return (e[4] == 0 || *len == 0) ? -1 : 0;
}

static int pps_verify_range(FILE *f, uint64_t start, uint64_t count, uint64_t seed)
{
	static uint8_t sec[PPAT_SECTOR];
	uint64_t bad = 0, first_bad = 0;
	enum ppat_verdict first_v = PPAT_OK;

	if (fseeko(f, (off_t)(start * PPAT_SECTOR), SEEK_SET))
		return PPS_EXIT_BAD;
	for (uint64_t i = 0; i < count; i++) {
		enum ppat_verdict v;

		if (fread(sec, sizeof(sec), 1, f) != 1) {
			fprintf(stderr, "ppscan: image ends at sector %" PRIu64 "\n", start + i);
			return PPS_EXIT_BAD;
		}
		v = ppat_check(sec, start + i, seed);
		if (v != PPAT_OK && !bad++) {
			first_bad = start + i;
			first_v = v;
		}
	}
	printf("ppscan: verify lba=%" PRIu64 " sectors=%" PRIu64 " ok=%" PRIu64
	       " bad=%" PRIu64, start, count, count - bad, bad);
	if (bad)
		printf(" first_bad_lba=%" PRIu64 " (%s)", first_bad, pps_verdict_names[first_v]);
	printf("\n");
	return bad ? PPS_EXIT_MISMATCH : 0;
}

static int pps_cmd_verify(int argc, char **argv)
{
	uint64_t part, count, seed = 1, start, len;
	FILE *f;
	int rc;

	if (argc < 3 || argc > 4 || pps_u64(argv[1], &part) || pps_u64(argv[2], &count) ||
	    (argc == 4 && pps_u64(argv[3], &seed)))
		return PPS_USAGE;
	f = pps_open(argv[0]);
	if (!f)
		return PPS_EXIT_BAD;
	if (pps_partition(f, (unsigned)part, &start, &len)) {
		fprintf(stderr, "ppscan: %s: no MBR partition %" PRIu64 "\n", argv[0], part);
		fclose(f);
		return PPS_EXIT_BAD;
	}
	if (count > len) {
		fprintf(stderr, "ppscan: partition %" PRIu64 " has only %" PRIu64 " sectors\n",
			part, len);
		fclose(f);
		return PPS_EXIT_BAD;
	}
	rc = pps_verify_range(f, start, count, seed);
	fclose(f);
	return rc;
}

struct pps_census {
	struct ppat_counter markers;
	uint64_t in_place, elsewhere;
	uint64_t run_start, run_len, runs;
};

/* In-place pattern sectors are listed as runs of consecutive LBAs. */
static void pps_run_end(struct pps_census *c)
{
	if (!c->run_len)
		return;
	if (c->runs++ < PPS_MAX_RUNS)
		printf("ppscan: in place lba %" PRIu64 "-%" PRIu64 " (%" PRIu64 " sectors)\n",
		       c->run_start, c->run_start + c->run_len - 1, c->run_len);
	c->run_len = 0;
}

static void pps_sector(struct pps_census *c, const uint8_t *sec, uint64_t pos)
{
	uint64_t lba, seed;

	if (!ppat_identify(sec, &lba, &seed) || lba != pos) {
		pps_run_end(c);
		if (sec[0] == 'P' && ppat_identify(sec, &lba, &seed))
			c->elsewhere++;
		return;
	}
	c->in_place++;
	if (!c->run_len)
		c->run_start = pos;
	c->run_len++;
}

static int pps_census(FILE *f, struct pps_census *c)
{
	uint8_t *buf = malloc((size_t)PPS_CHUNK_SECTORS * PPAT_SECTOR);
	uint64_t pos = 0;
	size_t n;

	if (!buf)
		return PPS_EXIT_BAD;
	ppat_counter_init(&c->markers);
	while ((n = fread(buf, 1, (size_t)PPS_CHUNK_SECTORS * PPAT_SECTOR, f)) > 0) {
		ppat_counter_feed(&c->markers, buf, n);
		for (size_t s = 0; s + PPAT_SECTOR <= n; s += PPAT_SECTOR)
			pps_sector(c, buf + s, pos++);
	}
	pps_run_end(c);
	free(buf);
	return ferror(f) ? PPS_EXIT_BAD : 0;
}

static int pps_cmd_count(int argc, char **argv)
{
	struct pps_census c = { .runs = 0 };
	int none = argc == 2 && !strcmp(argv[1], "--none");
	FILE *f;
	int rc;

	if (argc < 1 || argc > 2 || (argc == 2 && !none))
		return PPS_USAGE;
	f = pps_open(argv[0]);
	if (!f)
		return PPS_EXIT_BAD;
	rc = pps_census(f, &c);
	fclose(f);
	if (rc)
		return rc;
	if (c.runs > PPS_MAX_RUNS)
		printf("ppscan: ... %" PRIu64 " more runs\n", c.runs - PPS_MAX_RUNS);
	printf("ppscan: markers=%" PRIu64 " in_place=%" PRIu64 " elsewhere=%" PRIu64 "\n",
	       c.markers.count, c.in_place, c.elsewhere);
	return (none && c.markers.count) ? PPS_EXIT_MISMATCH : 0;
}

static const struct pps_cmd {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *args;
} pps_cmds[] = {
	{ .name = "verify", .run = pps_cmd_verify, .args = "IMAGE PART COUNT [SEED]" },
	{ .name = "count", .run = pps_cmd_count, .args = "IMAGE [--none]" },
};

int main(int argc, char **argv)
{
	int rc = PPS_USAGE;
	size_t i;

	for (i = 0; argc > 1 && i < sizeof(pps_cmds) / sizeof(pps_cmds[0]); i++)
		if (!strcmp(argv[1], pps_cmds[i].name)) {
			rc = pps_cmds[i].run(argc - 2, argv + 2);
			break;
		}
	if (rc != PPS_USAGE)
		return rc;
	for (i = 0; i < sizeof(pps_cmds) / sizeof(pps_cmds[0]); i++)
		fprintf(stderr, "usage: ppscan %s %s\n", pps_cmds[i].name, pps_cmds[i].args);
	return PPS_EXIT_BAD;
}
