/*
 * cli_bench_ata.c - "parapass bench ata": what the mediator costs on
 * hal/sim. Guest command sequences come from hal/sim's driver (as Linux's
 * libata-sff issues them); the mediator's own counters say how often it
 * ran and for how many cycles, split into crypto, device and the rest.
 * Cycles become time through the TSC rate measured in this process.
 * Figures are medians of several runs. Targets (issue 4): at most 2
 * invocations per PIO block, at most 1 us of handler time per PIO sector,
 * at most 2 us fixed cost per DMA command (handler time minus crypto).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <x86intrin.h>

#include "cli.h"
#include "hal/sim/sim.h"
#include "vmm/vmm.h"

#define RUNS 7
#define PIO_SECTORS 4096
#define DMA_COMMANDS 4096

static const uint8_t bench_key[64] = { /* TEST KEY: benchmarks only */
	1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
	23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42,
	43, 44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63, 64,
};

static double now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

/* TSC ticks per nanosecond, measured against the monotonic clock. */
static double tsc_per_ns(void)
{
	double t0 = now_ns(), t1;
	uint64_t c0 = __rdtsc(), c1;

	do
		t1 = now_ns();
	while (t1 - t0 < 50e6);
	c1 = __rdtsc();
	return (double)(c1 - c0) / (t1 - t0);
}

static int bench_machine(void)
{
	static const char cfg_text[] = "disk ata0-master encrypt\nlog warn\n";
	struct sim_disk_config disk = { .sectors = 65536 };
	struct vmm_config cfg;

	if (sim_init(NULL) || sim_disk_attach(0, 0, &disk))
		return -1;
	sim_guest_out(0xCF8, 4, 0x80000000u | 1u << 11 | 1u << 8 | 4); /* 00:01.1 command */
	sim_guest_out(0xCFC, 2, 0x0005);
	vmm_config_defaults(&cfg);
	if (vmm_config_parse(&cfg, cfg_text, sizeof(cfg_text) - 1))
		return -1;
	return vmm_start(&cfg, bench_key, 1);
}

static void bench_teardown(void)
{
	vmm_stop();
	sim_fini();
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return v[n / 2];
}

struct pio_figures {
	double inv_per_block, inv_per_sector, ns_per_sector, crypto_ns, device_ns;
};

/*
 * An interrupt-driven guest: per DRQ block it waits for IRQ 14 (not
 * trapped), reads the status register as its handler does, and moves the
 * block in one REP (rep_per_sector = false: the BIOS and GRUB) or one REP
 * per sector (Linux's ata_pio_sectors).
 */
static uint64_t setup_invocations; /* taskfile and command writes, outside the data phase */

static int bench_pio_cmd(uint32_t lba, uint8_t op, uint32_t blk, bool write, bool rep_per_sector,
			 uint8_t *buf)
{
	uint16_t data = sim_drv_cmd(0);
	uint64_t inv0 = ata_stats.invocations;

	sim_drv_tf28(0, 0, lba, 64);
	sim_drv_command(0, op);
	setup_invocations += ata_stats.invocations - inv0;
	for (uint32_t done = 0; done < 64; done += blk) {
		/* data-out: the first block comes without an interrupt */
		if ((!write || done) && !sim_irq_line(14))
			return -1;
		if ((sim_drv_status(0) & 0x89) != 0x08)
			return -1;
		for (uint32_t s = 0; s < blk; s += rep_per_sector ? 1 : blk) {
			uint32_t n = rep_per_sector ? 128 : 128 * blk;
			uint8_t *p = buf + (done + s) * 512;

			if (write)
				sim_guest_outs(data, 4, p, n);
			else
				sim_guest_ins(data, 4, p, n);
		}
	}
	inv0 = ata_stats.invocations; /* completion: interrupt, then the status read */
	if (write && !sim_irq_line(14))
		return -1;
	if (sim_drv_status(0) & 0x21)
		return -1;
	setup_invocations += ata_stats.invocations - inv0;
	return 0;
}

static int bench_pio_run(bool multiple, bool write, bool rep_per_sector, double tpn,
			 struct pio_figures *f)
{
	static uint8_t buf[64 * 512];
	uint32_t blk = multiple ? 16 : 1;
	uint8_t op = multiple ? (write ? 0xC5 : 0xC4) : (write ? 0x30 : 0x20);

	if (bench_machine())
		return -1;
	/* The simulated disk's first touch of a page is the host's cost, not the mediator's. */
	memset(sim_disk_data(0, 0), 0, (size_t)sim_disk_sectors(0, 0) * 512);
	if (multiple) {
		sim_drv_tf28(0, 0, 0, 16);
		sim_drv_command(0, 0xC6);
		sim_drv_wait(0);
		sim_drv_status(0);
	}
	memset(buf, 0x5C, sizeof(buf));
	memset(&ata_stats, 0, sizeof(ata_stats));
	setup_invocations = 0;
	for (uint32_t done = 0; done < PIO_SECTORS; done += 64)
		if (bench_pio_cmd(done, op, blk, write, rep_per_sector, buf))
			return -1;
	f->inv_per_block = (double)(ata_stats.invocations - setup_invocations) / (PIO_SECTORS / blk);
	f->inv_per_sector = (double)(ata_stats.invocations - setup_invocations) / PIO_SECTORS;
	f->ns_per_sector = (ata_stats.cyc_total - ata_stats.cyc_device) / tpn / PIO_SECTORS;
	f->crypto_ns = ata_stats.cyc_crypto / tpn / PIO_SECTORS;
	f->device_ns = ata_stats.cyc_device / tpn / PIO_SECTORS;
	bench_teardown();
	return 0;
}

struct pio_case {
	const char *name;
	bool multiple, write, rep_per_sector;
};

static const struct pio_case pio_cases[] = {
	{ "READ SECTORS", false, false, false },
	{ "WRITE SECTORS", false, true, false },
	{ "READ MULTIPLE/16", true, false, false },
	{ "WRITE MULTIPLE/16", true, true, false },
	{ "READ MULT/16 Linux", true, false, true },
	{ "WRITE MULT/16 Linux", true, true, true },
};

static int bench_pio(double tpn)
{
	int rc = 0;

	printf("PIO, %d sectors in 64-sector commands, 32-bit REP, median of %d runs.\n"
	       "inv: mediator invocations in the data phase (set-up and completion apart);\n"
	       "handler: mediator time per sector, set-up and completion included, the\n"
	       "simulated device's own time excluded; Linux: one REP per sector as\n"
	       "ata_pio_sectors does, so its target is 2 invocations per sector.\n",
	       PIO_SECTORS, RUNS);
	printf("  %-20s %9s %10s %11s %9s %9s %7s\n", "command", "inv/block", "inv/sector",
	       "handler/sec", "crypto", "device", "target");
	for (size_t m = 0; m < sizeof(pio_cases) / sizeof(pio_cases[0]); m++) {
		const struct pio_case *c = &pio_cases[m];
		double inv[RUNS], invs[RUNS], ns[RUNS], cr[RUNS], dev[RUNS], i_med, ns_med;
		struct pio_figures f;
		bool ok;

		for (int r = 0; r < RUNS; r++) {
			if (bench_pio_run(c->multiple, c->write, c->rep_per_sector, tpn, &f))
				return -1;
			inv[r] = f.inv_per_block, invs[r] = f.inv_per_sector, ns[r] = f.ns_per_sector;
			cr[r] = f.crypto_ns, dev[r] = f.device_ns;
		}
		i_med = median(inv, RUNS), ns_med = median(ns, RUNS);
		/* Per block for one REP a block; per sector when the guest makes one REP a sector. */
		ok = (c->rep_per_sector ? median(invs, RUNS) : i_med) <= 2 && ns_med <= 1000;
		printf("  %-20s %9.2f %10.2f %8.0f ns %6.0f ns %6.0f ns %7s\n", c->name, i_med,
		       median(invs, RUNS), ns_med, median(cr, RUNS), median(dev, RUNS),
		       ok ? "PASS" : "MISS");
		rc |= !ok;
	}
	return rc;
}

/* One-sector DMA commands: the per-command cost, with crypto and the device's transfer apart. */
static int bench_dma_run(bool write, double tpn, double *fixed_ns, double *inv)
{
	if (bench_machine())
		return -1;
	sim_drv_prd(0x100000, 512, 512);
	memset(&ata_stats, 0, sizeof(ata_stats));
	for (uint32_t i = 0; i < DMA_COMMANDS; i++)
		if (sim_drv_dma(0, 0, write ? 0xCA : 0xC8, i, 1, false, NULL) & 0x21)
			return -1;
	*fixed_ns = (ata_stats.cyc_total - ata_stats.cyc_crypto - ata_stats.cyc_device) / tpn /
		    DMA_COMMANDS;
	*inv = (double)ata_stats.invocations / DMA_COMMANDS;
	bench_teardown();
	return 0;
}

static int bench_dma(double tpn)
{
	int rc = 0;

	printf("DMA, %d one-sector commands, median of %d runs:\n", DMA_COMMANDS, RUNS);
	printf("  %-18s %10s %16s %10s\n", "command", "inv/cmd", "fixed cost/cmd", "target");
	for (int w = 0; w < 2; w++) {
		double fixed[RUNS], inv[RUNS], med;

		for (int r = 0; r < RUNS; r++)
			if (bench_dma_run(w, tpn, &fixed[r], &inv[r]))
				return -1;
		med = median(fixed, RUNS);
		printf("  %-18s %10.1f %13.0f ns %10s\n", w ? "WRITE DMA" : "READ DMA",
		       median(inv, RUNS), med, med <= 2000 ? "PASS" : "MISS");
		rc |= med > 2000;
	}
	printf("  (fixed cost = handler time minus crypto and minus the simulated device's own work)\n");
	return rc;
}

int cli_bench_ata(int argc, char **argv)
{
	double tpn = tsc_per_ns();
	int rc;

	(void)argc, (void)argv;
	printf("TSC: %.3f GHz (measured against CLOCK_MONOTONIC)\n", tpn);
	rc = bench_pio(tpn);
	if (rc >= 0)
		rc |= bench_dma(tpn);
	if (rc < 0) {
		fprintf(stderr, "bench ata: the simulated machine failed a command\n");
		return CLI_FAIL;
	}
	return CLI_OK;
}
