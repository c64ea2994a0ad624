/*
 * check_ata_hostile.c - the hostile-guest catalogue. Every case below is
 * something a guest can do to the ATA ports; after each, the test asserts:
 *  - no plaintext of the encrypted disk reached the image,
 *  - no VMM memory was read into the guest or written outside what
 *    parapass allocated,
 *  - nothing crashed (ASan/UBSan run this too),
 *  - the guest got a sane answer (the case's own assertions),
 *  - after the recovery a driver would do (SRST), the mediator works.
 *
 * Cases (by name): dma_count_exceeds_prd_total, dma_read_count_exceeds_prd,
 * dma_larger_than_bounce, dma_prd_entry_in_vmm, dma_prd_table_in_vmm,
 * dma_prd_entry_straddles_vmm, dma_prd_entry_outside_ram,
 * dma_prd_entry_crosses_64k, dma_prd_odd_address, dma_prd_table_hits_64k,
 * dma_start_without_command, dma_start_twice, dma_direction_mismatch,
 * dma_stop_before_done, dma_prd_rewritten_after_start, dma_read_error_no_copy,
 * cmd_while_busy, cmd_during_data_phase, pio_write_past_end,
 * dma_read_past_end, lba28_wrap, lba48_wrap, lba48_huge_count, lba48_stale_hob,
 * lba_changed_after_pio_command, lba_changed_before_dma_start,
 * drive_switched_mid_command, srst_mid_pio_write, srst_mid_pio_read,
 * srst_with_dma_armed, device_reset_to_disk, interleaved_channels_pio,
 * interleaved_dma_and_pio, unknown_opcodes, download_microcode,
 * security_commands, trusted_send_receive, write_long, queued_dma,
 * set_max_address, trim_not_allowed, packet_to_disk, data_write_when_idle,
 * data_read_when_idle, pio_read_overrun, pio_write_overrun,
 * wide_write_reaches_command, multiple_without_set_multiple,
 * set_multiple_invalid, chs_sector_zero, chs_head_out_of_range,
 * rep_outs_across_blocks, byte_reads_of_data_port, prdt_readback_is_guests,
 * bm_bar_moved, bm_bar_moved_onto_taskfile, srst_desync_selected_drive,
 * diagnostic_desync_selected_drive, hob_left_set_lba28, hob_left_set_init_params,
 * init_params_then_srst, shadow_written_while_busy, slow_drive_at_data_out, bm_bar_zero.
 */
#define _GNU_SOURCE
#include <string.h>

#include "ata_fixture.h"

static const struct fx_disk disks[] = {
	{ .ch = 0, .drv = 0, .sectors = 8192 }, { .ch = 1, .drv = 0, .sectors = 8192 }, { 0 },
};
/* Absent slaves pass through: a device slot the guest may select beside an encrypted disk. */
static const char cfg[] = "disk ata0-master encrypt\ndisk ata1-master encrypt\nunconfigured pass\n";
static uint8_t wbuf[4096 * 512], rbuf[4096 * 512];

#define ERR 0x01
#define ABRT 0x04

static uint8_t error_reg(unsigned ch)
{
	return (uint8_t)sim_guest_in((uint16_t)(sim_drv_cmd(ch) + 1), 1);
}

static void assert_aborted(unsigned ch, uint8_t st)
{
	ck_assert_msg(st & ERR, "status 0x%02x: expected ERR", st);
	ck_assert_msg(error_reg(ch) & ABRT, "error 0x%02x: expected ABRT", error_reg(ch));
}

static void put(uint32_t gpa, const void *p, size_t n)
{
	ck_assert_int_eq(sim_guest_write(gpa, p, n), 0);
}

static void prd_entry(uint32_t at, uint32_t addr, uint32_t len, bool eot)
{
	uint32_t e[2] = { addr, (len & 0xFFFF) | (eot ? 0x80000000u : 0) };

	put(at, e, sizeof(e));
}

/* A write the guest means, with the plaintext marker in every sector. */
static void stage_write(uint64_t lba, uint32_t n)
{
	fx_pattern(wbuf, lba, n, 0xBAD);
	put(FX_BUF, wbuf, (size_t)n * 512);
}

static void srst(unsigned ch)
{
	sim_guest_out(sim_drv_ctl(ch), 1, 0x0C);
	sim_guest_out(sim_drv_ctl(ch), 1, 0x08);
	sim_drv_wait(ch);
	sim_drv_status(ch);
}

/* A DMA command by hand on channel 0: table pointer, direction, taskfile, command. */
static void dma_issue(uint16_t bm, uint32_t prdt, uint8_t dir, uint32_t lba, uint32_t n, uint8_t op)
{
	sim_guest_out((uint16_t)(bm + 4), 4, prdt);
	sim_guest_out(bm, 1, dir);
	sim_drv_tf28(0, 0, lba, n);
	sim_drv_command(0, op);
}

/* Start the engine, look at its status once, stop it: the ATA status at the end. */
static uint8_t dma_finish(uint16_t bm, uint8_t dir)
{
	sim_guest_out(bm, 1, dir | 1);
	sim_guest_in((uint16_t)(bm + 2), 1);
	sim_guest_out(bm, 1, dir);
	sim_drv_wait(0);
	return sim_drv_status(0);
}

static bool disk_zero(unsigned ch, uint64_t lba, uint32_t n)
{
	const uint8_t *d = sim_disk_data(ch, 0) + lba * 512;

	for (size_t i = 0; i < (size_t)n * 512; i++)
		if (d[i])
			return false;
	return true;
}

/* ---- DMA table and buffer attacks ---- */

static void dma_count_exceeds_prd_total(void)
{
	stage_write(10, 8);
	sim_drv_prd(FX_BUF, 4 * 512, 4096);
	assert_aborted(0, sim_drv_dma(0, 0, 0xCA, 10, 8, false, NULL));
	ck_assert(disk_zero(0, 10, 8));
}

static void dma_read_count_exceeds_prd(void)
{
	memset(rbuf, 0x3C, 8 * 512);
	put(FX_BUF, rbuf, 8 * 512);
	sim_drv_prd(FX_BUF, 4 * 512, 4096);
	assert_aborted(0, sim_drv_dma(0, 0, 0xC8, 10, 8, false, NULL));
	ck_assert_int_eq(sim_guest_read(FX_BUF, wbuf, 8 * 512), 0);
	ck_assert_mem_eq(wbuf, rbuf, 8 * 512); /* nothing copied in */
}

static void dma_larger_than_bounce(void)
{
	/* The machine runs with a 1 MiB bounce buffer (see the loop's config). */
	stage_write(0, 4096);
	sim_drv_prd(FX_BUF, 4096 * 512, 65536);
	assert_aborted(0, sim_drv_dma(0, 0, 0x35, 0, 4096, true, NULL));
	ck_assert(disk_zero(0, 0, 4096));
}

static void dma_bad_entry(uint32_t addr, uint32_t len)
{
	stage_write(20, 1);
	prd_entry(SIM_DRV_PRDT, addr, len, true);
	assert_aborted(0, sim_drv_dma(0, 0, 0xC8, 20, len / 512 ? len / 512 : 1, false, NULL));
	prd_entry(SIM_DRV_PRDT, addr, len, true);
	assert_aborted(0, sim_drv_dma(0, 0, 0xCA, 20, len / 512 ? len / 512 : 1, false, NULL));
}

static void dma_prd_entry_in_vmm(void)
{
	dma_bad_entry((uint32_t)sim_vmm_base() + 0x1000, 512);
}

static void dma_prd_entry_straddles_vmm(void)
{
	dma_bad_entry((uint32_t)sim_vmm_base() - 512, 1024);
}

static void dma_prd_entry_outside_ram(void)
{
	dma_bad_entry((uint32_t)sim_ram_size() + 0x10000, 512);
}

static void dma_prd_entry_crosses_64k(void)
{
	dma_bad_entry(FX_BUF + 0x10000 - 256, 512);
}

static void dma_prd_odd_address(void)
{
	dma_bad_entry(FX_BUF + 1, 512);
}

static void dma_prd_table_in_vmm(void)
{
	uint16_t bm = sim_drv_bm(0);

	stage_write(20, 1);
	/* The guest cannot even write a table there; point at VMM memory anyway. */
	dma_issue(bm, (uint32_t)sim_vmm_base(), 0, 20, 1, 0xCA);
	assert_aborted(0, dma_finish(bm, 0));
}

static void dma_prd_table_hits_64k(void)
{
	uint16_t bm = sim_drv_bm(0);

	/* The last slot before a 64 KiB boundary, without the end bit: the table ends. */
	stage_write(20, 2);
	prd_entry(0x1FFF8, FX_BUF, 512, false);
	dma_issue(bm, 0x1FFF8, 0, 20, 2, 0xCA);
	assert_aborted(0, dma_finish(bm, 0));
	ck_assert(disk_zero(0, 20, 2));
}

static void dma_start_without_command(void)
{
	uint16_t bm = sim_drv_bm(0);

	stage_write(30, 1);
	sim_drv_prd(FX_BUF, 512, 512);
	sim_guest_out((uint16_t)(bm + 4), 4, SIM_DRV_PRDT);
	sim_guest_out(bm, 1, 1);
	ck_assert_int_eq(sim_guest_in((uint16_t)(bm + 2), 1) & 0x01, 0); /* engine not active */
	sim_guest_out(bm, 1, 0);
	ck_assert(disk_zero(0, 30, 1));
}

static void dma_start_twice(void)
{
	uint16_t bm = sim_drv_bm(0);

	stage_write(31, 2);
	sim_drv_prd(FX_BUF, 1024, 512);
	ck_assert_int_eq(sim_drv_dma(0, 0, 0xCA, 31, 2, false, NULL) & ERR, 0);
	sim_guest_out(bm, 1, 1); /* again, no command */
	sim_guest_out(bm, 1, 1);
	sim_guest_out(bm, 1, 0);
	fx_assert_disk_cipher(0, 0, 31, wbuf, 2);
}

static void dma_direction_mismatch(void)
{
	uint16_t bm = sim_drv_bm(0);

	stage_write(40, 1);
	sim_drv_prd(FX_BUF, 512, 512);
	/* A write with the engine set to write memory. */
	dma_issue(bm, SIM_DRV_PRDT, 0x08, 40, 1, 0xCA);
	assert_aborted(0, dma_finish(bm, 0x08));
	ck_assert(disk_zero(0, 40, 1));
}

static void dma_stop_before_done(void)
{
	uint16_t bm = sim_drv_bm(0);

	stage_write(41, 4);
	sim_drv_prd(FX_BUF, 4 * 512, 4096);
	dma_issue(bm, SIM_DRV_PRDT, 0, 41, 4, 0xCA);
	sim_guest_out(bm, 1, 0x01);
	sim_guest_out(bm, 1, 0x00); /* stopped at once: whatever landed is ciphertext */
	sim_drv_wait(0);
	sim_drv_status(0);
}

static void dma_prd_rewritten_after_start(void)
{
	uint16_t bm = sim_drv_bm(0);
	uint8_t before[512];

	fx_pattern(wbuf, 50, 1, 1);
	fx_oracle(true, fx_test_key, 50, wbuf, sim_disk_data(0, 0) + 50 * 512, 1);
	memset(rbuf, 0x11, 512);
	put(FX_BUF, rbuf, 512);
	put(FX_BUF + 0x8000, rbuf, 512);
	prd_entry(SIM_DRV_PRDT, FX_BUF, 512, true);
	dma_issue(bm, SIM_DRV_PRDT, 0x08, 50, 1, 0xC8);
	sim_guest_out(bm, 1, 0x09);
	/* Now point the (already validated) entry elsewhere before completion is seen. */
	prd_entry(SIM_DRV_PRDT, FX_BUF + 0x8000, 512, true);
	sim_guest_in((uint16_t)(bm + 2), 1);
	sim_guest_out(bm, 1, 0x08);
	sim_drv_wait(0);
	ck_assert_int_eq(sim_drv_status(0) & ERR, 0);
	ck_assert_int_eq(sim_guest_read(FX_BUF, rbuf, 512), 0);
	ck_assert_mem_eq(rbuf, wbuf, 512);           /* data went where the table said at start */
	ck_assert_int_eq(sim_guest_read(FX_BUF + 0x8000, before, 512), 0);
	ck_assert_uint_eq(before[0], 0x11);           /* not to the rewritten target */
}

static void dma_read_error_no_copy(void)
{
	memset(rbuf, 0x22, 8 * 512);
	put(FX_BUF, rbuf, 8 * 512);
	sim_drv_prd(FX_BUF, 8 * 512, 4096);
	ck_assert_int_eq(sim_drv_dma(0, 0, 0xC8, 8190, 8, false, NULL) & ERR, ERR); /* past the end */
	ck_assert_int_eq(sim_guest_read(FX_BUF, wbuf, 8 * 512), 0);
	ck_assert_mem_eq(wbuf, rbuf, 8 * 512);
}

/* ---- commands at the wrong time ---- */

static void cmd_while_busy(void)
{
	/* The busy disk is ata1 here (busy_polls set by the loop); a second command mid-BSY is ignored. */
	stage_write(60, 2);
	sim_drv_tf28(1, 0, 60, 2);
	sim_drv_command(1, 0x30);
	sim_drv_tf28(1, 0, 70, 2);   /* dropped: mid-command */
	sim_drv_command(1, 0x20);    /* ignored: busy */
	ck_assert_int_eq(sim_drv_pio_out(1, wbuf, 2, 1, SIM_REP16) & ERR, 0);
	fx_assert_disk_cipher(1, 0, 60, wbuf, 2);
}

static void cmd_during_data_phase(void)
{
	stage_write(80, 2);
	sim_drv_tf28(0, 0, 80, 2);
	sim_drv_command(0, 0x30);
	sim_drv_wait(0);
	sim_guest_outs(sim_drv_cmd(0), 2, wbuf, 256);
	sim_drv_command(0, 0x20); /* a read in the middle of a write: ignored */
	ck_assert_int_eq(sim_drv_pio_out(0, wbuf + 512, 1, 1, SIM_REP16) & ERR, 0);
	fx_assert_disk_cipher(0, 0, 80, wbuf, 2);
}

static void pio_write_past_end(void)
{
	stage_write(8190, 4);
	ck_assert_int_eq(sim_drv_write(0, 0, 8190, 4, wbuf, false, SIM_REP16) & ERR, ERR);
}

static void dma_read_past_end(void)
{
	sim_drv_prd(FX_BUF, 4 * 512, 4096);
	ck_assert_int_eq(sim_drv_dma(0, 0, 0xC8, 9000, 4, false, NULL) & ERR, ERR);
}

static void lba28_wrap(void)
{
	stage_write(0, 2);
	sim_drv_tf28(0, 0, 0x0FFFFFFF, 2);
	sim_drv_command(0, 0x30);
	sim_drv_wait(0);
	assert_aborted(0, sim_drv_status(0));
}

static void lba48_wrap(void)
{
	stage_write(0, 2);
	sim_drv_tf48(0, 0, (1ull << 48) - 1, 2);
	sim_drv_command(0, 0x34);
	sim_drv_wait(0);
	assert_aborted(0, sim_drv_status(0));
}

/*
 * ata1 ignores HOB on reads (as Bochs 2.7): after a command the previous
 * contents are unknown again, so an EXT command that relies on them
 * without writing them is refused rather than given a guessed tweak.
 */
static void lba48_stale_hob(void)
{
	uint16_t cmd = sim_drv_cmd(1);

	stage_write(300, 1);
	ck_assert_int_eq(sim_drv_write(1, 0, 300, 1, wbuf, true, SIM_REP16) & ERR, 0);
	sim_guest_out((uint16_t)(cmd + 6), 1, 0x40);
	sim_drv_wait(1);
	sim_guest_out((uint16_t)(cmd + 2), 1, 1); /* low bytes only */
	sim_guest_out((uint16_t)(cmd + 3), 1, 0x40);
	sim_guest_out((uint16_t)(cmd + 4), 1, 1);
	sim_guest_out((uint16_t)(cmd + 5), 1, 0);
	sim_drv_command(1, 0x34);
	sim_drv_wait(1);
	assert_aborted(1, sim_drv_status(1));
	fx_assert_disk_cipher(1, 0, 300, wbuf, 1);
}

static void lba48_huge_count(void)
{
	sim_drv_tf48(0, 0, 100, 0); /* count 0 = 65536 sectors, far past the end */
	sim_drv_command(0, 0x34);
	ck_assert_int_eq(sim_drv_wait(0) & ERR, ERR);
}

static void lba_changed_after_pio_command(void)
{
	stage_write(90, 1);
	sim_drv_tf28(0, 0, 90, 1);
	sim_drv_command(0, 0x30);
	sim_drv_tf28(0, 0, 95, 1); /* too late: the tweak was read back at the command */
	ck_assert_int_eq(sim_drv_pio_out(0, wbuf, 1, 1, SIM_REP16) & ERR, 0);
	fx_assert_disk_cipher(0, 0, 90, wbuf, 1);
	ck_assert(disk_zero(0, 95, 1));
}

static void lba_changed_before_dma_start(void)
{
	uint16_t bm = sim_drv_bm(0);

	stage_write(100, 2);
	sim_drv_prd(FX_BUF, 1024, 1024);
	dma_issue(bm, SIM_DRV_PRDT, 0, 100, 2, 0xCA);
	sim_drv_tf28(0, 0, 200, 2); /* between command and bus-master start */
	ck_assert_int_eq(dma_finish(bm, 0) & ERR, 0);
	fx_assert_disk_cipher(0, 0, 100, wbuf, 2);
	ck_assert(disk_zero(0, 200, 2));
}

static void drive_switched_mid_command(void)
{
	stage_write(110, 1);
	sim_drv_tf28(0, 0, 110, 1);
	sim_drv_command(0, 0x30);
	sim_guest_out((uint16_t)(sim_drv_cmd(0) + 6), 1, 0xF0); /* select the slave mid-command */
	ck_assert_int_eq(sim_drv_pio_out(0, wbuf, 1, 1, SIM_REP16) & ERR, 0);
	fx_assert_disk_cipher(0, 0, 110, wbuf, 1);
}

static void srst_mid_pio_write(void)
{
	stage_write(120, 1);
	sim_drv_tf28(0, 0, 120, 1);
	sim_drv_command(0, 0x30);
	sim_drv_wait(0);
	sim_guest_outs(sim_drv_cmd(0), 2, wbuf, 100); /* part of the sector */
	srst(0);
	sim_guest_outs(sim_drv_cmd(0), 2, wbuf + 200, 156); /* the rest, after the reset */
	ck_assert(disk_zero(0, 120, 1));
}

static void srst_mid_pio_read(void)
{
	fx_pattern(wbuf, 130, 2, 2);
	fx_oracle(true, fx_test_key, 130, wbuf, sim_disk_data(0, 0) + 130 * 512, 2);
	sim_drv_tf28(0, 0, 130, 2);
	sim_drv_command(0, 0x20);
	sim_drv_wait(0);
	sim_guest_ins(sim_drv_cmd(0), 2, rbuf, 10);
	srst(0);
	memset(rbuf, 0, 512);
	sim_guest_ins(sim_drv_cmd(0), 2, rbuf, 256); /* nothing left behind DRQ */
	ck_assert_ptr_null(memmem(rbuf, 512, "PPLAIN!", 7));
}

static void srst_with_dma_armed(void)
{
	uint16_t bm = sim_drv_bm(0);

	stage_write(140, 1);
	sim_drv_prd(FX_BUF, 512, 512);
	dma_issue(bm, SIM_DRV_PRDT, 0, 140, 1, 0xCA);
	srst(0);
	sim_guest_out(bm, 1, 1);
	sim_guest_out(bm, 1, 0);
	ck_assert(disk_zero(0, 140, 1));
}

static void device_reset_to_disk(void)
{
	sim_drv_tf28(0, 0, 0, 0);
	sim_drv_command(0, 0x08);
	sim_drv_wait(0);
	assert_aborted(0, sim_drv_status(0));
}

static void interleaved_channels_pio(void)
{
	uint8_t w2[4 * 512];

	fx_pattern(wbuf, 150, 4, 3);
	fx_pattern(w2, 150, 4, 4);
	sim_drv_tf28(0, 0, 150, 4);
	sim_drv_command(0, 0x30);
	sim_drv_tf28(1, 0, 150, 4);
	sim_drv_command(1, 0x30);
	for (int s = 0; s < 4; s++) {
		sim_drv_wait(0), sim_drv_wait(1);
		sim_guest_outs(sim_drv_cmd(0), 2, wbuf + 512 * s, 128);
		sim_guest_outs(sim_drv_cmd(1), 4, w2 + 512 * s, 64);
		sim_guest_outs(sim_drv_cmd(0), 2, wbuf + 512 * s + 256, 128);
		sim_guest_outs(sim_drv_cmd(1), 4, w2 + 512 * s + 256, 64);
	}
	sim_drv_wait(0), sim_drv_wait(1);
	ck_assert_int_eq(sim_drv_status(0) & ERR, 0);
	ck_assert_int_eq(sim_drv_status(1) & ERR, 0);
	fx_assert_disk_cipher(0, 0, 150, wbuf, 4);
	fx_assert_disk_cipher(1, 0, 150, w2, 4);
}

static void interleaved_dma_and_pio(void)
{
	uint16_t bm = sim_drv_bm(0);
	uint8_t w2[512];

	stage_write(160, 2);
	sim_drv_prd(FX_BUF, 1024, 1024);
	dma_issue(bm, SIM_DRV_PRDT, 0, 160, 2, 0xCA);
	fx_pattern(w2, 160, 1, 5);
	ck_assert_int_eq(sim_drv_write(1, 0, 160, 1, w2, false, SIM_REP32) & ERR, 0); /* other channel */
	ck_assert_int_eq(dma_finish(bm, 0) & ERR, 0);
	fx_assert_disk_cipher(0, 0, 160, wbuf, 2);
	fx_assert_disk_cipher(1, 0, 160, w2, 1);
}

/* ---- found by review: desynchronising the mediator from the device ---- */

static void out0(unsigned reg, uint8_t v)
{
	sim_guest_out((uint16_t)(sim_drv_cmd(0) + reg), 1, v);
}

/*
 * CHS taskfile without a device register write; count written twice so
 * that the HOB copy (1) and the current value (8) differ; HOB left set in
 * device control; WRITE SECTORS; then eight sectors of plaintext offered.
 * Whatever the mediator and the device each believe, none may land plain.
 */
static void write_with_hob_trick(void)
{
	out0(2, 1), out0(2, 8);
	out0(3, 1), out0(3, 1);
	out0(4, 0), out0(4, 0);
	out0(5, 0), out0(5, 0);
	sim_guest_out(sim_drv_ctl(0), 1, 0x88);
	out0(7, 0x30);
	fx_pattern(wbuf, 0, 8, 0xD5);
	sim_drv_wait(0);
	sim_guest_outs(sim_drv_cmd(0), 2, wbuf, 256);
	sim_drv_wait(0);
	sim_guest_outs(sim_drv_cmd(0), 2, wbuf + 512, 7 * 256);
	sim_drv_wait(0);
	sim_drv_status(0);
}

static void srst_desync_selected_drive(void)
{
	sim_guest_out(sim_drv_ctl(0), 1, 0x0C); /* SRST on */
	out0(6, 0xB0);                          /* select the (pass-through) slave during reset */
	sim_guest_out(sim_drv_ctl(0), 1, 0x08); /* SRST off: the devices select device 0 */
	sim_drv_wait(0);
	sim_drv_status(0);
	write_with_hob_trick();
}

static void diagnostic_desync_selected_drive(void)
{
	out0(6, 0xB0);
	sim_drv_wait(0);
	out0(7, 0x90); /* EXECUTE DEVICE DIAGNOSTIC: the devices select device 0 */
	sim_drv_wait(0);
	sim_drv_status(0);
	write_with_hob_trick();
}

/* The guest leaves HOB set: the read-back must still see what the device uses. */
static void hob_left_set_lba28(void)
{
	out0(6, 0xE0);
	sim_drv_wait(0);
	out0(2, 1), out0(2, 1);
	out0(3, 0), out0(3, 0);
	out0(4, 2), out0(4, 1);   /* HOB copy: LBA 0x200; current: 0x100 */
	out0(5, 0), out0(5, 0);
	sim_guest_out(sim_drv_ctl(0), 1, 0x88);
	out0(7, 0x30);
	fx_pattern(wbuf, 0x100, 1, 0xD6);
	ck_assert_int_eq(sim_drv_pio_out(0, wbuf, 1, 1, SIM_REP16) & ERR, 0);
	fx_assert_disk_cipher(0, 0, 0x100, wbuf, 1);
}

static void hob_left_set_init_params(void)
{
	out0(6, 0xAF);            /* 16 heads */
	sim_drv_wait(0);
	out0(2, 32), out0(2, 63); /* HOB copy 32, current 63 sectors a track */
	sim_guest_out(sim_drv_ctl(0), 1, 0x88);
	out0(7, 0x91);
	sim_drv_wait(0);
	sim_drv_status(0);
	fx_pattern(wbuf, 63, 1, 0xD7);
	sim_drv_tfchs(0, 0, 0, 1, 1, 1); /* C0 H1 S1 = LBA 63 */
	sim_drv_command(0, 0x30);
	ck_assert_int_eq(sim_drv_pio_out(0, wbuf, 1, 1, SIM_REP16) & ERR, 0);
	fx_assert_disk_cipher(0, 0, 63, wbuf, 1);
}

/* A reset before the outcome of INITIALIZE DEVICE PARAMETERS is seen: CHS waits for IDENTIFY. */
static void init_params_then_srst(void)
{
	uint8_t id[512];

	out0(6, 0xAF);
	sim_drv_wait(0);
	out0(2, 32);
	out0(7, 0x91);
	srst(0);
	fx_pattern(wbuf, 32, 1, 0xD8);
	sim_drv_tfchs(0, 0, 0, 1, 1, 1);
	sim_drv_command(0, 0x30);
	sim_drv_wait(0);
	assert_aborted(0, sim_drv_status(0)); /* geometry unknown after a reset */
	sim_drv_tf28(0, 0, 0, 1);
	sim_drv_command(0, 0xEC);
	ck_assert_int_eq(sim_drv_pio_in(0, id, 1, 1, SIM_REP16) & ERR, 0);
	sim_drv_tfchs(0, 0, 0, 1, 1, 1); /* C0 H1 S1 with the device's 32 sectors a track: LBA 32 */
	sim_drv_command(0, 0x30);
	ck_assert_int_eq(sim_drv_pio_out(0, wbuf, 1, 1, SIM_REP16) & ERR, 0);
	fx_assert_disk_cipher(0, 0, 32, wbuf, 1);
}

/* ata1 ignores HOB on reads and is busy after commands: writes it ignored must not enter the shadow. */
static void shadow_written_while_busy(void)
{
	uint16_t cmd = sim_drv_cmd(1);
	static const uint8_t tf_a[] = { 0, 1, 0, 0x50, 0, 0, 0, 0 }, tf_b[] = { 0, 1, 1, 0x50, 0, 0, 0, 0 };

	sim_guest_out((uint16_t)(cmd + 6), 1, 0x40);
	sim_drv_wait(1);
	for (unsigned i = 0; i < 8; i++)
		sim_guest_out((uint16_t)(cmd + 2 + i / 2), 1, tf_a[i]);
	sim_guest_out((uint16_t)(cmd + 7), 1, 0xEA); /* FLUSH CACHE EXT: passes, the device is busy */
	for (unsigned i = 0; i < 8; i++)             /* ignored by the busy device: LBA bit 24 set */
		sim_guest_out((uint16_t)(cmd + 2 + i / 2), 1, tf_b[i]);
	sim_drv_wait(1);
	sim_drv_status(1);
	/*
	 * WRITE SECTORS EXT with what the device holds: the shadow cannot
	 * vouch for the HOB bytes any more, so it is refused, not guessed.
	 */
	sim_guest_out((uint16_t)(cmd + 7), 1, 0x34);
	fx_pattern(wbuf, 0x50, 1, 0xD9);
	assert_aborted(1, sim_drv_pio_out(1, wbuf, 1, 1, SIM_REP16));
	ck_assert(disk_zero(1, 0x50, 1));
}

/* A drive spinning up takes longer than the mediator waits for DRQ: the block is not lost to plaintext. */
static void slow_drive_at_data_out(void)
{
	static uint8_t junk[512];

	ck_assert_int_eq(sim_disk_set_busy_polls(0, 0, 1500000), 0);
	srst_desync_selected_drive();
	ck_assert_int_eq(sim_disk_set_busy_polls(0, 0, 0), 0);
	out0(2, 1), out0(3, 1), out0(4, 0), out0(5, 0);
	out0(7, 0x30);
	sim_guest_outs(sim_drv_cmd(0), 2, junk, 256);
	fx_pattern(wbuf, 0, 1, 0xDA);
	sim_guest_outs(sim_drv_cmd(0), 2, wbuf, 256);
	sim_drv_wait(0);
	sim_drv_status(0);
}

/* ---- opcodes ---- */

static void refused_ops(const uint8_t *ops, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		sim_drv_tf28(0, 0, 170, 1);
		sim_drv_command(0, ops[i]);
		sim_drv_wait(0);
		assert_aborted(0, sim_drv_status(0));
		sim_guest_outs(sim_drv_cmd(0), 2, wbuf, 256); /* data the command might have wanted */
	}
	ck_assert(disk_zero(0, 170, 1));
}

#define REFUSED(name, ...)                                   \
	static void name(void)                               \
	{                                                    \
		static const uint8_t ops[] = { __VA_ARGS__ }; \
		stage_write(170, 1);                         \
		refused_ops(ops, sizeof(ops));               \
	}

REFUSED(unknown_opcodes, 0x01, 0x7E, 0x9F, 0xFF, 0xAB, 0x53)
REFUSED(download_microcode, 0x92, 0x93)
REFUSED(security_commands, 0xF1, 0xF2, 0xF3, 0xF4, 0xF5, 0xF6)
REFUSED(trusted_send_receive, 0x5B, 0x5C, 0x5D, 0x5E, 0x5F)
REFUSED(write_long, 0x32, 0x33, 0x22)
REFUSED(queued_dma, 0x26, 0x36, 0xC7, 0xCC, 0x60, 0x61)
REFUSED(set_max_address, 0xF9, 0x37, 0xB1)
REFUSED(packet_to_disk, 0xA0)
REFUSED(multiple_without_set_multiple, 0xC4, 0xC5)

static void trim_not_allowed(void)
{
	uint8_t range[512] = { 0 };
	uint64_t e = 170 | 1ull << 48;

	memcpy(range, &e, 8);
	memset(sim_disk_data(0, 0) + 170 * 512, 0xEE, 512);
	put(FX_BUF, range, sizeof(range));
	sim_drv_prd(FX_BUF, 512, 512);
	sim_guest_out((uint16_t)(sim_drv_cmd(0) + 1), 1, 1);
	assert_aborted(0, sim_drv_dma(0, 0, 0x06, 0, 1, true, NULL));
	ck_assert_uint_eq(sim_disk_data(0, 0)[170 * 512], 0xEE);
	memset(sim_disk_data(0, 0) + 170 * 512, 0, 512);
}

static void set_multiple_invalid(void)
{
	sim_drv_tf28(0, 0, 0, 3);
	sim_drv_command(0, 0xC6);
	sim_drv_wait(0);
	assert_aborted(0, sim_drv_status(0));
	sim_drv_tf28(0, 0, 0, 1);
	sim_drv_command(0, 0xC5); /* still no multiple mode */
	sim_drv_wait(0);
	assert_aborted(0, sim_drv_status(0));
}

static void chs_sector_zero(void)
{
	stage_write(0, 1);
	sim_drv_tfchs(0, 0, 0, 0, 0, 1);
	sim_drv_command(0, 0x30);
	sim_drv_wait(0);
	assert_aborted(0, sim_drv_status(0));
}

static void chs_head_out_of_range(void)
{
	/* The probe learned 16 heads: head 15 is valid, so shrink to 2 heads first. */
	sim_drv_tfchs(0, 0, 0, 1, 0, 63);
	sim_drv_command(0, 0x91);
	sim_drv_wait(0);
	sim_drv_status(0);
	stage_write(0, 1);
	sim_drv_tfchs(0, 0, 0, 5, 1, 1);
	sim_drv_command(0, 0x30);
	sim_drv_wait(0);
	assert_aborted(0, sim_drv_status(0));
}

/* ---- data port ---- */

static void data_write_when_idle(void)
{
	stage_write(180, 1);
	sim_guest_outs(sim_drv_cmd(0), 2, wbuf, 256);
	sim_guest_outs(sim_drv_cmd(0), 4, wbuf, 128);
	ck_assert(disk_zero(0, 180, 1));
}

static void data_read_when_idle(void)
{
	memset(rbuf, 0, 1024);
	sim_guest_ins(sim_drv_cmd(0), 2, rbuf, 512);
	for (int i = 0; i < 1024; i++)
		ck_assert_uint_ne(rbuf[i], SIM_CANARY);
}

static void pio_read_overrun(void)
{
	fx_pattern(wbuf, 190, 1, 6);
	fx_oracle(true, fx_test_key, 190, wbuf, sim_disk_data(0, 0) + 190 * 512, 1);
	sim_drv_tf28(0, 0, 190, 1);
	sim_drv_command(0, 0x20);
	sim_drv_wait(0);
	sim_guest_ins(sim_drv_cmd(0), 2, rbuf, 1024); /* four times the sector */
	ck_assert_mem_eq(rbuf, wbuf, 512);
	ck_assert_ptr_null(memmem(rbuf + 512, 1536, "PPLAIN!", 7));
}

static void pio_write_overrun(void)
{
	stage_write(200, 4);
	sim_drv_tf28(0, 0, 200, 1);
	sim_drv_command(0, 0x30);
	sim_drv_wait(0);
	sim_guest_outs(sim_drv_cmd(0), 2, wbuf, 1024);
	sim_drv_wait(0);
	ck_assert_int_eq(sim_drv_status(0) & ERR, 0);
	fx_assert_disk_cipher(0, 0, 200, wbuf, 1);
	ck_assert(disk_zero(0, 201, 3));
}

static void wide_write_reaches_command(void)
{
	stage_write(210, 1);
	sim_drv_tf28(0, 0, 210, 1);
	/* One 16-bit OUT to 0x1F6: device register, then 0x32 (WRITE LONG) into the command register. */
	sim_guest_out((uint16_t)(sim_drv_cmd(0) + 6), 2, 0x32E0);
	sim_drv_wait(0);
	assert_aborted(0, sim_drv_status(0));
	sim_guest_outs(sim_drv_cmd(0), 2, wbuf, 256);
	ck_assert(disk_zero(0, 210, 1));
}

static void rep_outs_across_blocks(void)
{
	stage_write(220, 3);
	sim_drv_tf28(0, 0, 220, 3);
	sim_drv_command(0, 0x30);
	sim_drv_wait(0);
	sim_guest_outs(sim_drv_cmd(0), 2, wbuf, 3 * 256); /* three DRQ blocks in one REP */
	sim_drv_wait(0);
	ck_assert_int_eq(sim_drv_status(0) & ERR, 0);
	fx_assert_disk_cipher(0, 0, 220, wbuf, 3);
}

static void byte_reads_of_data_port(void)
{
	fx_pattern(wbuf, 230, 1, 7);
	fx_oracle(true, fx_test_key, 230, wbuf, sim_disk_data(0, 0) + 230 * 512, 1);
	sim_drv_tf28(0, 0, 230, 1);
	sim_drv_command(0, 0x20);
	sim_drv_wait(0);
	for (int i = 0; i < 8; i++)
		rbuf[i] = (uint8_t)sim_guest_in(sim_drv_cmd(0), 1);
	sim_guest_ins(sim_drv_cmd(0), 2, rbuf + 8, 252);
	ck_assert_mem_eq(rbuf, wbuf, 512);
}

/* ---- bus-master registers and PCI ---- */

static void prdt_readback_is_guests(void)
{
	uint16_t bm = sim_drv_bm(0);

	stage_write(240, 1);
	sim_drv_prd(FX_BUF, 512, 512);
	ck_assert_int_eq(sim_drv_dma(0, 0, 0xCA, 240, 1, false, NULL) & ERR, 0);
	ck_assert_uint_eq(sim_guest_in((uint16_t)(bm + 4), 4), SIM_DRV_PRDT);
}

static void bm_bar_moved(void)
{
	fx_pci_write(0x20, 4, 0xD001); /* BAR4 to 0xD000 */
	ck_assert(sim_port_trapped(0xD000));
	ck_assert(!sim_port_trapped(0xC000));
	stage_write(250, 2);
	sim_drv_prd(FX_BUF, 1024, 512);
	dma_issue(0xD000, SIM_DRV_PRDT, 0, 250, 2, 0xCA);
	ck_assert_int_eq(dma_finish(0xD000, 0) & ERR, 0);
	fx_assert_disk_cipher(0, 0, 250, wbuf, 2);
	fx_pci_write(0x20, 4, 0xC001);
}

static void bm_bar_moved_onto_taskfile(void)
{
	uint32_t cmdreg;

	fx_pci_write(0x20, 4, 0x1F1); /* BAR4 over the command block: cannot be trapped separately */
	cmdreg = fx_pci_read(0x04, 2);
	ck_assert_uint_eq(cmdreg & 0x05, 0); /* I/O decode and bus mastering switched off */
	fx_pci_write(0x20, 4, 0xC001);
	fx_pci_write(0x04, 2, 0x0005);
}

/* BAR4 at 0: its block is not trapped there, so bus mastering must be off. */
static void bm_bar_zero(void)
{
	fx_pci_write(0x20, 4, 0x0001);
	ck_assert_uint_eq(fx_pci_read(0x04, 2) & 0x04, 0);
	fx_pci_write(0x04, 2, 0x0005); /* the guest turns it on again: refused again */
	ck_assert_uint_eq(fx_pci_read(0x04, 2) & 0x04, 0);
	fx_pci_write(0x20, 4, 0xC001);
	fx_pci_write(0x04, 2, 0x0005);
	ck_assert_uint_eq(fx_pci_read(0x04, 2) & 0x05, 0x05);
}

struct hostile_case {
	const char *name;
	void (*run)(void);
};

#define CASE(n) { #n, n }
static const struct hostile_case cases[] = {
	CASE(dma_count_exceeds_prd_total), CASE(dma_read_count_exceeds_prd),
	CASE(dma_larger_than_bounce), CASE(dma_prd_entry_in_vmm), CASE(dma_prd_table_in_vmm),
	CASE(dma_prd_entry_straddles_vmm), CASE(dma_prd_entry_outside_ram),
	CASE(dma_prd_entry_crosses_64k), CASE(dma_prd_odd_address), CASE(dma_prd_table_hits_64k),
	CASE(dma_start_without_command), CASE(dma_start_twice), CASE(dma_direction_mismatch),
	CASE(dma_stop_before_done), CASE(dma_prd_rewritten_after_start),
	CASE(dma_read_error_no_copy), CASE(cmd_while_busy), CASE(cmd_during_data_phase),
	CASE(pio_write_past_end), CASE(dma_read_past_end), CASE(lba28_wrap), CASE(lba48_wrap),
	CASE(lba48_huge_count), CASE(lba48_stale_hob), CASE(lba_changed_after_pio_command),
	CASE(lba_changed_before_dma_start), CASE(drive_switched_mid_command),
	CASE(srst_mid_pio_write), CASE(srst_mid_pio_read), CASE(srst_with_dma_armed),
	CASE(device_reset_to_disk), CASE(interleaved_channels_pio), CASE(interleaved_dma_and_pio),
	CASE(unknown_opcodes), CASE(download_microcode), CASE(security_commands),
	CASE(trusted_send_receive), CASE(write_long), CASE(queued_dma), CASE(set_max_address),
	CASE(trim_not_allowed), CASE(packet_to_disk), CASE(data_write_when_idle),
	CASE(data_read_when_idle), CASE(pio_read_overrun), CASE(pio_write_overrun),
	CASE(wide_write_reaches_command), CASE(multiple_without_set_multiple),
	CASE(set_multiple_invalid), CASE(chs_sector_zero), CASE(chs_head_out_of_range),
	CASE(rep_outs_across_blocks), CASE(byte_reads_of_data_port), CASE(prdt_readback_is_guests),
	CASE(bm_bar_moved), CASE(bm_bar_moved_onto_taskfile),
	CASE(srst_desync_selected_drive), CASE(diagnostic_desync_selected_drive),
	CASE(hob_left_set_lba28), CASE(hob_left_set_init_params), CASE(init_params_then_srst),
	CASE(shadow_written_while_busy), CASE(slow_drive_at_data_out), CASE(bm_bar_zero),
};

_Static_assert(sizeof(cases) / sizeof(cases[0]) >= 40, "the catalogue has at least 40 cases");

START_TEST(test_hostile)
{
	const struct hostile_case *c = &cases[_i];
	struct fx_disk d[3];

	memcpy(d, disks, sizeof(d));
	d[1].busy_polls = 3; /* ata1 answers BSY for a while after each command */
	d[1].no_hob = true;  /* and ignores HOB on register reads */
	d[1].no_hob = true;  /* and ignores HOB on register reads */
	fx_start(d, c->run == dma_larger_than_bounce ? "disk ata0-master encrypt\n"
			"disk ata1-master encrypt\nunconfigured pass\nbounce-kib 1024\n" : cfg, false);
	c->run();
	fx_assert_no_plaintext(0, 0);
	fx_assert_no_plaintext(1, 0);
	fx_assert_vmm_intact();
	srst(0);
	srst(1);
	fx_assert_healthy(0, 0);
	fx_assert_healthy(1, 0);
	fx_assert_vmm_intact();
}
END_TEST

static void teardown(void)
{
	fx_stop();
}

Suite *ata_hostile_suite(void)
{
	Suite *s = suite_create("ata_hostile");
	TCase *tc = tcase_create("hostile");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_hostile, 0, sizeof(cases) / sizeof(cases[0]));
	suite_add_tcase(s, tc);
	return s;
}
