/*
 * cli_bench_sim.c - "parapass bench sim [RUNS [MS]]": what one sector costs
 * on the simulated PIIX3 machine itself, with no mediator in the path, so
 * that the mediator's benchmarks know the floor under their figures. A
 * driver-like sequence moves 256 sectors a command (PIO one REP INS/OUTS a
 * DRQ block after a status read; DMA through a 4-entry PRD table) and is
 * compared with memcpy of the same bytes in the same process. Each figure
 * is the median of RUNS runs of about MS milliseconds. A benchmark, never
 * a test: it prints figures, it does not judge them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "hal/sim/sim.h"

#define SB_SECTORS 256u
#define SB_BYTES (SB_SECTORS * 512u)
#define SB_DISK (64u * 1024)        /* sectors: 32 MiB */
#define SB_TABLE 0x80000u
#define SB_BUF 0x100000u
#define SB_BM 0xC000
#define SB_MAX_RUNS 31

struct sb_case {
	const char *name;
	uint8_t cmd;
	bool dma, write;
	unsigned width;     /* PIO string width */
	unsigned block;     /* sectors a DRQ block */
};

static const struct sb_case sb_cases[] = {
	{ .name = "memcpy (baseline)" },
	{ .name = "pio read 16-bit", .cmd = 0x20, .width = 2, .block = 1 },
	{ .name = "pio read 32-bit", .cmd = 0x20, .width = 4, .block = 1 },
	{ .name = "pio read multiple 16", .cmd = 0xC4, .width = 4, .block = 16 },
	{ .name = "pio write 32-bit", .cmd = 0x30, .write = true, .width = 4, .block = 1 },
	{ .name = "dma read", .cmd = 0xC8, .dma = true },
	{ .name = "dma write", .cmd = 0xCA, .dma = true, .write = true },
};
#define SB_NCASES (sizeof(sb_cases) / sizeof(sb_cases[0]))

static double sb_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint8_t sb_wait(void)
{
	uint8_t s;

	do
		s = (uint8_t)sim_guest_in(0x1F7, 1);
	while (s & 0x80);
	return s;
}

static void sb_taskfile(uint32_t lba)
{
	sim_guest_out(0x1F6, 1, 0xE0 | ((lba >> 24) & 0x0F));
	sim_guest_out(0x1F2, 1, 0);     /* 256 sectors */
	sim_guest_out(0x1F3, 1, lba & 0xFF);
	sim_guest_out(0x1F4, 1, (lba >> 8) & 0xFF);
	sim_guest_out(0x1F5, 1, (lba >> 16) & 0xFF);
}

/* One command of 256 sectors; 0, or -1 if the device reported an error. */
static int sb_command(const struct sb_case *c, uint32_t lba, uint8_t *buf)
{
	uint8_t bm = c->write ? 0x00 : 0x08;

	if (!c->cmd) {
		memcpy(buf, sim_disk_data(0, 0) + (size_t)lba * 512, SB_BYTES);
		__asm__ __volatile__("" : : "r"(buf) : "memory");
		return 0;
	}
	sb_taskfile(lba);
	if (c->dma) {
		sim_guest_out(SB_BM, 1, bm);
		sim_guest_out(SB_BM + 2, 1, 0x06);
		sim_guest_out(0x1F7, 1, c->cmd);
		sim_guest_out(SB_BM, 1, bm | 0x01);
		sim_guest_out(SB_BM, 1, bm);
		return (sb_wait() & 0x01) ? -1 : 0;
	}
	sim_guest_out(0x1F7, 1, c->cmd);
	for (unsigned done = 0; done < SB_SECTORS; done += c->block) {
		if ((sb_wait() & 0x09) != 0x08)
			return -1;
		if (c->write)
			sim_guest_outs(0x1F0, c->width, buf + done * 512, c->block * 512 / c->width);
		else
			sim_guest_ins(0x1F0, c->width, buf + done * 512, c->block * 512 / c->width);
	}
	return (sb_wait() & 0x09) ? -1 : 0;
}

/* Nanoseconds a sector over one run of about ms milliseconds. */
static double sb_measure(const struct sb_case *c, uint8_t *buf, unsigned ms)
{
	double t0 = sb_now(), t;
	uint64_t cmds = 0;
	uint32_t lba = 0;

	do {
		for (int i = 0; i < 16; i++, cmds++) {
			if (sb_command(c, lba, buf))
				return -1;
			lba = (lba + SB_SECTORS) % SB_DISK;
		}
		t = sb_now() - t0;
	} while (t < ms * 1e-3);
	return t * 1e9 / ((double)cmds * SB_SECTORS);
}

static int sb_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int sb_setup(uint8_t **buf)
{
	struct sim_disk_config disk = { .sectors = SB_DISK };
	uint8_t prd[32];

	if (sim_init(NULL) || sim_disk_attach(0, 0, &disk))
		return -1;
	for (unsigned i = 0; i < 4; i++) {  /* 4 x 32 KiB */
		uint32_t addr = SB_BUF + i * 0x8000, cnt = 0x8000 | (i == 3 ? 0x80000000u : 0);

		memcpy(prd + 8 * i, &addr, 4);
		memcpy(prd + 8 * i + 4, &cnt, 4);
	}
	sim_guest_write(SB_TABLE, prd, sizeof(prd));
	sim_guest_out(SB_BM + 4, 4, SB_TABLE);
	sim_guest_out(0x1F6, 1, 0xE0);
	sim_guest_out(0x1F2, 1, 16);
	sim_guest_out(0x1F7, 1, 0xC6);      /* SET MULTIPLE MODE 16 */
	*buf = malloc(SB_BYTES);
	return (sb_wait() & 0x01) || !*buf ? -1 : 0;
}

int cli_bench_sim(int argc, char **argv)
{
	unsigned runs = argc > 1 ? (unsigned)atoi(argv[1]) : 7;
	unsigned ms = argc > 2 ? (unsigned)atoi(argv[2]) : 100;
	double ns[SB_NCASES][SB_MAX_RUNS], med[SB_NCASES];
	uint8_t *buf = NULL;
	int rc = CLI_OK;

	if (!runs || runs > SB_MAX_RUNS || !ms) {
		fprintf(stderr, "usage: parapass bench sim [RUNS (1-%d) [MS]]\n", SB_MAX_RUNS);
		return CLI_BADINPUT;
	}
	if (sb_setup(&buf)) {
		fprintf(stderr, "bench sim: machine set-up failed\n");
		free(buf);
		sim_fini();
		return CLI_FAIL;
	}
	/* Candidates take turns within a run so that drift hits them alike. */
	for (unsigned r = 0; r < runs; r++)
		for (size_t c = 0; c < SB_NCASES; c++)
			ns[c][r] = sb_measure(&sb_cases[c], buf, ms);
	printf("%-22s %12s %10s %10s\n", "256 sectors a command", "ns/sector", "MB/s", "x memcpy");
	for (size_t c = 0; c < SB_NCASES; c++) {
		qsort(ns[c], runs, sizeof(double), sb_cmp);
		med[c] = ns[c][runs / 2];
		if (ns[c][0] < 0) {
			printf("%-22s device reported an error\n", sb_cases[c].name);
			rc = CLI_FAIL;
			continue;
		}
		printf("%-22s %12.1f %10.0f %10.2f\n", sb_cases[c].name, med[c],
		       512e3 / med[c], med[c] / med[0]);
	}
	printf("median of %u runs of ~%u ms; hal/sim model only, no mediator\n", runs, ms);
	free(buf);
	sim_fini();
	return rc;
}
