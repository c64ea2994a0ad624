/*
 * check_sim_dma.c - bus-master IDE DMA against SFF-8038i and the PIIX3
 * data sheet: PRD tables (two entries, 64 KiB entries, larger and shorter
 * than the transfer), either order of command and start, direction,
 * addresses outside RAM, stopping the engine, the VMM region reachable by
 * the device, LBA48/FUA, and DATA SET MANAGEMENT (TRIM).
 */
#include <stdlib.h>
#include <string.h>

#include "sim_test.h"

#define SEED 0xD3A
#define SECTORS 4096u
#define TABLE 0x80000u
#define BUF_A 0x100000u
#define BUF_B 0x200000u

static void setup(void)
{
	st_machine();
	st_disk(0, 0, SECTORS, SEED);
	st_disk(1, 0, SECTORS, SEED + 1);
}

static void teardown(void)
{
	sim_fini();
}

/* Stop the engine, clear error/interrupt, load the PRD pointer and the direction. */
static void bm_prepare(unsigned ch, uint32_t table, bool tomem)
{
	st_bm_out(ST_BM_BASE, ch, ST_BM_CMD, 0);
	st_bm_out(ST_BM_BASE, ch, ST_BM_STATUS, ST_BM_ERROR | ST_BM_INTR);
	st_bm_prd(ST_BM_BASE, ch, table);
	st_bm_out(ST_BM_BASE, ch, ST_BM_CMD, tomem ? ST_BM_TOMEM : 0);
}

static void bm_start(unsigned ch, bool tomem)
{
	st_bm_out(ST_BM_BASE, ch, ST_BM_CMD, (uint8_t)((tomem ? ST_BM_TOMEM : 0) | ST_BM_START));
}

static uint8_t bm_status(unsigned ch)
{
	return st_bm_in(ST_BM_BASE, ch, ST_BM_STATUS) & (ST_BM_ACTIVE | ST_BM_ERROR | ST_BM_INTR);
}

static void guest_read(uint32_t gpa, void *buf, size_t len)
{
	ck_assert_int_eq(sim_guest_read(gpa, buf, len), PP_OK);
}

static bool guest_zero(uint32_t gpa, size_t len)
{
	uint8_t b[512];

	for (size_t off = 0; off < len; off += sizeof(b)) {
		size_t n = len - off < sizeof(b) ? len - off : sizeof(b);

		guest_read(gpa + (uint32_t)off, b, n);
		for (size_t i = 0; i < n; i++)
			if (b[i])
				return false;
	}
	return true;
}

/* ---- a read and a write through a two-entry PRD table ---- */

/* _i: bit 0 = start before the command, bit 1 = secondary channel. */
START_TEST(test_dma_read_two_entries)
{
	unsigned ch = (unsigned)_i >> 1;
	bool start_first = _i & 1;
	uint8_t buf[1024];

	st_prd(TABLE, 0, BUF_A, 1024, false);
	st_prd(TABLE, 1, BUF_B, 512, true);
	bm_prepare(ch, TABLE, true);
	if (start_first)
		bm_start(ch, true);
	st_lba28(ch, 0, 50, 3);
	st_cmd(ch, 0xC8);
	if (!start_first)
		bm_start(ch, true);
	ck_assert(sim_irq_line(st_chan[ch].irq));
	ck_assert_uint_eq(bm_status(ch), ST_BM_INTR);  /* table used up: active clear */
	ck_assert_uint_eq(st_in(ch, ST_STATUS) & (ST_BSY | ST_DRQ | ST_ERR | ST_DRDY), ST_DRDY);
	guest_read(BUF_A, buf, 1024);
	ck_assert(st_pattern_eq(buf, 1024, 50 * 512, SEED + ch));
	guest_read(BUF_B, buf, 512);
	ck_assert(st_pattern_eq(buf, 512, 52 * 512, SEED + ch));
	ck_assert(guest_zero(BUF_A + 1024, 512));
	ck_assert(guest_zero(BUF_B + 512, 512));
	st_bm_out(ST_BM_BASE, ch, ST_BM_CMD, ST_BM_TOMEM);
}
END_TEST

START_TEST(test_dma_write_two_entries)
{
	uint8_t buf[1536];
	uint8_t *disk = sim_disk_data(0, 0);

	st_pattern(buf, sizeof(buf), 0, 777);
	ck_assert_int_eq(sim_guest_write(BUF_A, buf, 512), PP_OK);
	ck_assert_int_eq(sim_guest_write(BUF_B, buf + 512, 1024), PP_OK);
	st_prd(TABLE, 0, BUF_A, 512, false);
	st_prd(TABLE, 1, BUF_B, 1024, true);
	bm_prepare(0, TABLE, false);
	st_lba28(0, 0, 60, 3);
	st_cmd(0, 0xCA);
	bm_start(0, false);
	ck_assert_uint_eq(bm_status(0), ST_BM_INTR);
	ck_assert_uint_eq(st_in(0, ST_STATUS) & (ST_BSY | ST_ERR | ST_DRQ), 0);
	ck_assert_mem_eq(disk + 60 * 512, buf, sizeof(buf));
	ck_assert(st_pattern_eq(disk + 59 * 512, 512, 59 * 512, SEED));
	ck_assert(st_pattern_eq(disk + 63 * 512, 512, 63 * 512, SEED));
}
END_TEST

START_TEST(test_dma_64k_entry)
{
	uint8_t *buf = malloc(65536);

	ck_assert_ptr_nonnull(buf);
	st_prd(TABLE, 0, BUF_A, 0, true);  /* byte count 0 = 64 KiB */
	bm_prepare(0, TABLE, true);
	st_lba28(0, 0, 1000, 128);
	st_cmd(0, 0xC8);
	bm_start(0, true);
	ck_assert_uint_eq(bm_status(0), ST_BM_INTR);
	guest_read(BUF_A, buf, 65536);
	ck_assert(st_pattern_eq(buf, 65536, 1000 * 512, SEED));
	free(buf);
}
END_TEST

/* Polling firmware (SeaBIOS) runs DMA with nIEN set and watches the BM interrupt bit. */
START_TEST(test_dma_completion_under_nien)
{
	uint8_t buf[512];

	st_devctl(0, ST_NIEN);
	st_prd(TABLE, 0, BUF_A, 512, true);
	bm_prepare(0, TABLE, true);
	st_lba28(0, 0, 33, 1);
	st_cmd(0, 0xC8);
	bm_start(0, true);
	ck_assert_uint_eq(bm_status(0), ST_BM_INTR);
	ck_assert(!sim_irq_line(14));
	ck_assert_uint_eq(st_alt(0) & (ST_BSY | ST_ERR | ST_DRQ), 0);
	guest_read(BUF_A, buf, 512);
	ck_assert(st_pattern_eq(buf, 512, 33 * 512, SEED));
}
END_TEST

/* ---- PRD table larger or shorter than the transfer ---- */

START_TEST(test_dma_table_larger)
{
	st_prd(TABLE, 0, BUF_A, 4096, true);
	bm_prepare(0, TABLE, true);
	st_lba28(0, 0, 5, 1);
	st_cmd(0, 0xC8);
	bm_start(0, true);
	/* The device is done, the table is not: interrupt with active still set. */
	ck_assert_uint_eq(bm_status(0), ST_BM_INTR | ST_BM_ACTIVE);
	ck_assert_uint_eq(st_in(0, ST_STATUS) & (ST_BSY | ST_ERR), 0);
	st_bm_out(ST_BM_BASE, 0, ST_BM_CMD, ST_BM_TOMEM);  /* the driver stops the engine */
	ck_assert_uint_eq(bm_status(0), ST_BM_INTR);
}
END_TEST

static void expect_dma_error(unsigned ch)
{
	ck_assert(sim_irq_line(st_chan[ch].irq));
	ck_assert_uint_eq(bm_status(ch), ST_BM_ERROR | ST_BM_INTR);
	ck_assert_uint_eq(st_in(ch, ST_STATUS) & (ST_BSY | ST_DRQ | ST_ERR), ST_ERR);
	ck_assert_uint_eq(st_in(ch, ST_ERROR) & ST_ABRT, ST_ABRT);
}

START_TEST(test_dma_table_shorter)
{
	st_prd(TABLE, 0, BUF_A, 1024, true);
	bm_prepare(0, TABLE, true);
	st_lba28(0, 0, 5, 4);
	st_cmd(0, 0xC8);
	bm_start(0, true);
	expect_dma_error(0);
}
END_TEST

/* Buffers outside RAM (32 MiB): straddling its end, far above it; and the table itself. */
START_TEST(test_dma_outside_ram)
{
	uint32_t ram = (uint32_t)sim_ram_size();
	uint32_t table = _i == 2 ? 0xF0000000u : TABLE;

	st_prd(TABLE, 0, _i == 0 ? ram - 512 : 0xE0000000u, 1024, true);
	bm_prepare(0, table, true);
	st_lba28(0, 0, 5, 2);
	st_cmd(0, 0xC8);
	bm_start(0, true);
	expect_dma_error(0);
}
END_TEST

START_TEST(test_dma_direction_mismatch)
{
	uint8_t before[1024];
	uint8_t *disk = sim_disk_data(0, 0);

	memcpy(before, disk + 70 * 512, sizeof(before));
	st_prd(TABLE, 0, BUF_A, 1024, true);
	/* READ DMA with the engine set to read memory, WRITE DMA set to write it. */
	bm_prepare(0, TABLE, false);
	st_lba28(0, 0, 70, 2);
	st_cmd(0, 0xC8);
	bm_start(0, false);
	expect_dma_error(0);
	ck_assert(guest_zero(BUF_A, 1024));
	bm_prepare(0, TABLE, true);
	st_lba28(0, 0, 70, 2);
	st_cmd(0, 0xCA);
	bm_start(0, true);
	expect_dma_error(0);
	ck_assert_mem_eq(disk + 70 * 512, before, sizeof(before));
}
END_TEST

/* ---- stopping the engine before the device moved the data ---- */

START_TEST(test_dma_stop_clear_start)
{
	struct sim_disk_config cfg = { .sectors = 100, .busy_polls = 3 };
	uint8_t buf[512];

	st_disk_cfg(0, 1, &cfg, SEED + 5);
	st_prd(TABLE, 0, BUF_A, 512, true);
	bm_prepare(0, TABLE, true);
	st_lba28(0, 1, 9, 1);
	st_cmd(0, 0xC8);
	bm_start(0, true);
	ck_assert_uint_eq(bm_status(0) & ST_BM_ACTIVE, ST_BM_ACTIVE);
	st_bm_out(ST_BM_BASE, 0, ST_BM_CMD, ST_BM_TOMEM);  /* start cleared */
	for (int i = 0; i < 20; i++) {
		ck_assert_uint_eq(st_alt(0) & ST_BSY, ST_BSY);
		ck_assert_uint_eq(bm_status(0), 0);
	}
	ck_assert(guest_zero(BUF_A, 512));
	ck_assert(!sim_irq_line(14));
	/* Start again: the transfer the device still requests goes through. */
	bm_start(0, true);
	ck_assert_uint_eq(bm_status(0), ST_BM_INTR);
	ck_assert_uint_eq(st_wait(0) & (ST_ERR | ST_DRQ), 0);
	guest_read(BUF_A, buf, 512);
	ck_assert(st_pattern_eq(buf, 512, 9 * 512, SEED + 5));
}
END_TEST

/* ---- no IOMMU: the device reaches the VMM region ---- */

START_TEST(test_dma_reaches_vmm_region)
{
	uint32_t vmm = (uint32_t)sim_vmm_base();
	uint8_t probe[16];

	st_prd(TABLE, 0, vmm + 4096, 512, true);
	bm_prepare(0, TABLE, true);
	st_lba28(0, 0, 11, 1);
	st_cmd(0, 0xC8);
	bm_start(0, true);
	ck_assert_uint_eq(bm_status(0), ST_BM_INTR);
	ck_assert(st_pattern_eq(sim_phys_ptr(vmm + 4096), 512, 11 * 512, SEED));
	ck_assert_int_eq(sim_guest_read(vmm + 4096, probe, sizeof(probe)), PP_EACCES);
}
END_TEST

/* ---- 48-bit DMA and FUA ---- */

START_TEST(test_dma_lba48)
{
	uint8_t buf[1024], back[1024];
	uint8_t *disk = sim_disk_data(0, 0);
	static const uint8_t writes[] = { 0x35, 0x3D };

	for (unsigned i = 0; i < sizeof(writes); i++) {
		uint64_t lba = 0x300 + 4 * i;

		st_pattern(buf, sizeof(buf), 0, 40 + i);
		ck_assert_int_eq(sim_guest_write(BUF_A, buf, sizeof(buf)), PP_OK);
		st_prd(TABLE, 0, BUF_A, sizeof(buf), true);
		bm_prepare(0, TABLE, false);
		st_lba48(0, 0, lba, 2);
		st_cmd(0, writes[i]);
		bm_start(0, false);
		ck_assert_uint_eq(bm_status(0), ST_BM_INTR);
		ck_assert_mem_eq(disk + lba * 512, buf, sizeof(buf));
		st_prd(TABLE, 0, BUF_B, sizeof(buf), true);
		bm_prepare(0, TABLE, true);
		st_lba48(0, 0, lba, 2);
		st_cmd(0, 0x25);
		bm_start(0, true);
		ck_assert_uint_eq(bm_status(0), ST_BM_INTR);
		guest_read(BUF_B, back, sizeof(back));
		ck_assert_mem_eq(back, buf, sizeof(buf));
	}
}
END_TEST

/* ---- DATA SET MANAGEMENT, TRIM (ATA8-ACS 7.10) ---- */

static void dsm_entry(uint8_t *p, uint64_t lba, uint16_t len)
{
	uint64_t e = lba | (uint64_t)len << 48;

	for (unsigned b = 0; b < 8; b++)
		p[b] = (uint8_t)(e >> (8 * b));
}

static uint8_t dsm(uint8_t features, const uint8_t *ranges)
{
	ck_assert_int_eq(sim_guest_write(BUF_A, ranges, 512), PP_OK);
	st_prd(TABLE, 0, BUF_A, 512, true);
	bm_prepare(0, TABLE, false);
	st_lba48(0, 0, 0, 1);
	st_out(0, ST_FEATURE, 0);
	st_out(0, ST_FEATURE, features);
	st_cmd(0, 0x06);
	bm_start(0, false);
	return st_wait(0);
}

START_TEST(test_dsm_trim)
{
	uint8_t ranges[512] = { 0 };
	uint8_t *disk = sim_disk_data(0, 0);
	static const uint8_t zero[3 * 512];

	dsm_entry(ranges, 10, 3);
	dsm_entry(ranges + 8, 100, 1);
	dsm_entry(ranges + 16, 200, 0);  /* length 0: ignored */
	ck_assert_uint_eq(dsm(0x01, ranges) & ST_ERR, 0);
	ck_assert_mem_eq(disk + 10 * 512, zero, 3 * 512);
	ck_assert_mem_eq(disk + 100 * 512, zero, 512);
	ck_assert(st_pattern_eq(disk + 9 * 512, 512, 9 * 512, SEED));
	ck_assert(st_pattern_eq(disk + 13 * 512, 512, 13 * 512, SEED));
	ck_assert(st_pattern_eq(disk + 200 * 512, 512, 200 * 512, SEED));
	/* A range past the end aborts the command before anything is trimmed. */
	dsm_entry(ranges, 300, 2);
	dsm_entry(ranges + 8, SECTORS - 1, 2);
	ck_assert_uint_eq(dsm(0x01, ranges) & ST_ERR, ST_ERR);
	ck_assert_uint_eq(st_in(0, ST_ERROR), ST_ABRT);
	ck_assert(st_pattern_eq(disk + 300 * 512, 1024, 300 * 512, SEED));
	/* Features bit 0 clear: not TRIM, aborted. */
	dsm_entry(ranges + 8, 0, 0);
	ck_assert_uint_eq(dsm(0x00, ranges) & ST_ERR, ST_ERR);
	ck_assert(st_pattern_eq(disk + 300 * 512, 1024, 300 * 512, SEED));
}
END_TEST

/* ---- the registers themselves ---- */

START_TEST(test_bm_registers)
{
	st_bm_out(ST_BM_BASE, 0, ST_BM_STATUS, 0x60);
	ck_assert_uint_eq(st_bm_in(ST_BM_BASE, 0, ST_BM_STATUS), 0x60);  /* DMA capable: R/W */
	st_bm_out(ST_BM_BASE, 0, ST_BM_STATUS, 0x20);
	ck_assert_uint_eq(st_bm_in(ST_BM_BASE, 0, ST_BM_STATUS), 0x20);
	st_bm_out(ST_BM_BASE, 0, ST_BM_CMD, 0xFF & ~ST_BM_START);
	ck_assert_uint_eq(st_bm_in(ST_BM_BASE, 0, ST_BM_CMD), ST_BM_TOMEM);
	st_bm_prd(ST_BM_BASE, 1, 0x12345677);
	ck_assert_uint_eq(sim_guest_in(ST_BM_BASE + 8 + ST_BM_PRD, 4), 0x12345674);
	ck_assert_uint_eq(sim_guest_in(ST_BM_BASE + 1, 1), 0);
	ck_assert_uint_eq(sim_guest_in(ST_BM_BASE + 3, 1), 0);
	/* Error and interrupt are write-one-to-clear. */
	st_prd(TABLE, 0, BUF_A, 512, true);
	bm_prepare(0, TABLE, true);
	st_lba28(0, 0, 5, 2);
	st_cmd(0, 0xC8);
	bm_start(0, true);
	ck_assert_uint_eq(bm_status(0), ST_BM_ERROR | ST_BM_INTR);
	st_bm_out(ST_BM_BASE, 0, ST_BM_STATUS, 0x20 | ST_BM_INTR);
	ck_assert_uint_eq(st_bm_in(ST_BM_BASE, 0, ST_BM_STATUS), 0x20 | ST_BM_ERROR);
	st_bm_out(ST_BM_BASE, 0, ST_BM_STATUS, 0x20 | ST_BM_ERROR);
	ck_assert_uint_eq(st_bm_in(ST_BM_BASE, 0, ST_BM_STATUS), 0x20);
}
END_TEST

Suite *sim_dma_suite(void)
{
	Suite *s = suite_create("sim_dma");
	TCase *tc = tcase_create("bus_master");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_dma_read_two_entries, 0, 4);
	tcase_add_test(tc, test_dma_write_two_entries);
	tcase_add_test(tc, test_dma_64k_entry);
	tcase_add_test(tc, test_dma_completion_under_nien);
	tcase_add_test(tc, test_dma_table_larger);
	tcase_add_test(tc, test_dma_table_shorter);
	tcase_add_loop_test(tc, test_dma_outside_ram, 0, 3);
	tcase_add_test(tc, test_dma_direction_mismatch);
	tcase_add_test(tc, test_dma_stop_clear_start);
	tcase_add_test(tc, test_dma_reaches_vmm_region);
	tcase_add_test(tc, test_dma_lba48);
	tcase_add_test(tc, test_dsm_trim);
	tcase_add_test(tc, test_bm_registers);
	suite_add_tcase(s, tc);
	return s;
}
