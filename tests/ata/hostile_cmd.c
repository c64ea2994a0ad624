/*
 * hostile_cmd.c - hostile-guest cases against the taskfile and the data
 * port: commands at the wrong time, addresses, resets, refused opcodes,
 * desynchronisation. Listed and run by check_ata_hostile.c.
 */
#define _GNU_SOURCE
#include <string.h>

#include "hostile.h"

/* ---- commands at the wrong time ---- */

void cmd_while_busy(void)
{
	/* The busy disk is ata1 here (busy_polls set by the loop); a second command mid-BSY is ignored. */
	hx_stage(60, 2);
	sim_drv_tf28(1, 0, 60, 2);
	sim_drv_command(1, 0x30);
	sim_drv_tf28(1, 0, 70, 2);   /* dropped: mid-command */
	sim_drv_command(1, 0x20);    /* ignored: busy */
	ck_assert_int_eq(sim_drv_pio_out(1, hx_wbuf, 2, 1, SIM_REP16) & ERR, 0);
	fx_assert_disk_cipher(1, 0, 60, hx_wbuf, 2);
}

void cmd_during_data_phase(void)
{
	hx_stage(80, 2);
	sim_drv_tf28(0, 0, 80, 2);
	sim_drv_command(0, 0x30);
	sim_drv_wait(0);
	sim_guest_outs(sim_drv_cmd(0), 2, hx_wbuf, 256);
	sim_drv_command(0, 0x20); /* a read in the middle of a write: ignored */
	ck_assert_int_eq(sim_drv_pio_out(0, hx_wbuf + 512, 1, 1, SIM_REP16) & ERR, 0);
	fx_assert_disk_cipher(0, 0, 80, hx_wbuf, 2);
}

void pio_write_past_end(void)
{
	hx_stage(8190, 4);
	ck_assert_int_eq(sim_drv_write(0, 0, 8190, 4, hx_wbuf, false, SIM_REP16) & ERR, ERR);
}

void dma_read_past_end(void)
{
	sim_drv_prd(FX_BUF, 4 * 512, 4096);
	ck_assert_int_eq(sim_drv_dma(0, 0, 0xC8, 9000, 4, false, NULL) & ERR, ERR);
}

void lba28_wrap(void)
{
	hx_stage(0, 2);
	sim_drv_tf28(0, 0, 0x0FFFFFFF, 2);
	sim_drv_command(0, 0x30);
	sim_drv_wait(0);
	hx_aborted(0, sim_drv_status(0));
}

void lba48_wrap(void)
{
	hx_stage(0, 2);
	sim_drv_tf48(0, 0, (1ull << 48) - 1, 2);
	sim_drv_command(0, 0x34);
	sim_drv_wait(0);
	hx_aborted(0, sim_drv_status(0));
}

/*
 * ata1 ignores HOB on reads (as Bochs 2.7): after a command the previous
 * contents are unknown again, so an EXT command that relies on them
 * without writing them is refused rather than given a guessed tweak.
 */
void lba48_stale_hob(void)
{
	uint16_t cmd = sim_drv_cmd(1);

	hx_stage(300, 1);
	ck_assert_int_eq(sim_drv_write(1, 0, 300, 1, hx_wbuf, true, SIM_REP16) & ERR, 0);
	sim_guest_out((uint16_t)(cmd + 6), 1, 0x40);
	sim_drv_wait(1);
	sim_guest_out((uint16_t)(cmd + 2), 1, 1); /* low bytes only */
	sim_guest_out((uint16_t)(cmd + 3), 1, 0x40);
	sim_guest_out((uint16_t)(cmd + 4), 1, 1);
	sim_guest_out((uint16_t)(cmd + 5), 1, 0);
	sim_drv_command(1, 0x34);
	sim_drv_wait(1);
	hx_aborted(1, sim_drv_status(1));
	fx_assert_disk_cipher(1, 0, 300, hx_wbuf, 1);
}

void lba48_huge_count(void)
{
	sim_drv_tf48(0, 0, 100, 0); /* count 0 = 65536 sectors, far past the end */
	sim_drv_command(0, 0x34);
	ck_assert_int_eq(sim_drv_wait(0) & ERR, ERR);
}

void lba_changed_after_pio_command(void)
{
	hx_stage(90, 1);
	sim_drv_tf28(0, 0, 90, 1);
	sim_drv_command(0, 0x30);
	sim_drv_tf28(0, 0, 95, 1); /* too late: the tweak was read back at the command */
	ck_assert_int_eq(sim_drv_pio_out(0, hx_wbuf, 1, 1, SIM_REP16) & ERR, 0);
	fx_assert_disk_cipher(0, 0, 90, hx_wbuf, 1);
	ck_assert(hx_disk_zero(0, 95, 1));
}

void lba_changed_before_dma_start(void)
{
	uint16_t bm = sim_drv_bm(0);

	hx_stage(100, 2);
	sim_drv_prd(FX_BUF, 1024, 1024);
	hx_dma_issue(bm, SIM_DRV_PRDT, 0, 100, 2, 0xCA);
	sim_drv_tf28(0, 0, 200, 2); /* between command and bus-master start */
	ck_assert_int_eq(hx_dma_finish(bm, 0) & ERR, 0);
	fx_assert_disk_cipher(0, 0, 100, hx_wbuf, 2);
	ck_assert(hx_disk_zero(0, 200, 2));
}

void drive_switched_mid_command(void)
{
	hx_stage(110, 1);
	sim_drv_tf28(0, 0, 110, 1);
	sim_drv_command(0, 0x30);
	sim_guest_out((uint16_t)(sim_drv_cmd(0) + 6), 1, 0xF0); /* select the slave mid-command */
	ck_assert_int_eq(sim_drv_pio_out(0, hx_wbuf, 1, 1, SIM_REP16) & ERR, 0);
	fx_assert_disk_cipher(0, 0, 110, hx_wbuf, 1);
}

void srst_mid_pio_write(void)
{
	hx_stage(120, 1);
	sim_drv_tf28(0, 0, 120, 1);
	sim_drv_command(0, 0x30);
	sim_drv_wait(0);
	sim_guest_outs(sim_drv_cmd(0), 2, hx_wbuf, 100); /* part of the sector */
	hx_srst(0);
	sim_guest_outs(sim_drv_cmd(0), 2, hx_wbuf + 200, 156); /* the rest, after the reset */
	ck_assert(hx_disk_zero(0, 120, 1));
}

void srst_mid_pio_read(void)
{
	fx_pattern(hx_wbuf, 130, 2, 2);
	fx_oracle(true, fx_test_key, 130, hx_wbuf, sim_disk_data(0, 0) + 130 * 512, 2);
	sim_drv_tf28(0, 0, 130, 2);
	sim_drv_command(0, 0x20);
	sim_drv_wait(0);
	sim_guest_ins(sim_drv_cmd(0), 2, hx_rbuf, 10);
	hx_srst(0);
	memset(hx_rbuf, 0, 512);
	sim_guest_ins(sim_drv_cmd(0), 2, hx_rbuf, 256); /* nothing left behind DRQ */
	ck_assert_ptr_null(memmem(hx_rbuf, 512, "PPLAIN!", 7));
}

void srst_with_dma_armed(void)
{
	uint16_t bm = sim_drv_bm(0);

	hx_stage(140, 1);
	sim_drv_prd(FX_BUF, 512, 512);
	hx_dma_issue(bm, SIM_DRV_PRDT, 0, 140, 1, 0xCA);
	hx_srst(0);
	sim_guest_out(bm, 1, 1);
	sim_guest_out(bm, 1, 0);
	ck_assert(hx_disk_zero(0, 140, 1));
}

void device_reset_to_disk(void)
{
	sim_drv_tf28(0, 0, 0, 0);
	sim_drv_command(0, 0x08);
	sim_drv_wait(0);
	hx_aborted(0, sim_drv_status(0));
}

void interleaved_channels_pio(void)
{
	uint8_t w2[4 * 512];

	fx_pattern(hx_wbuf, 150, 4, 3);
	fx_pattern(w2, 150, 4, 4);
	sim_drv_tf28(0, 0, 150, 4);
	sim_drv_command(0, 0x30);
	sim_drv_tf28(1, 0, 150, 4);
	sim_drv_command(1, 0x30);
	for (int s = 0; s < 4; s++) {
		sim_drv_wait(0), sim_drv_wait(1);
		sim_guest_outs(sim_drv_cmd(0), 2, hx_wbuf + 512 * s, 128);
		sim_guest_outs(sim_drv_cmd(1), 4, w2 + 512 * s, 64);
		sim_guest_outs(sim_drv_cmd(0), 2, hx_wbuf + 512 * s + 256, 128);
		sim_guest_outs(sim_drv_cmd(1), 4, w2 + 512 * s + 256, 64);
	}
	sim_drv_wait(0), sim_drv_wait(1);
	ck_assert_int_eq(sim_drv_status(0) & ERR, 0);
	ck_assert_int_eq(sim_drv_status(1) & ERR, 0);
	fx_assert_disk_cipher(0, 0, 150, hx_wbuf, 4);
	fx_assert_disk_cipher(1, 0, 150, w2, 4);
}

void interleaved_dma_and_pio(void)
{
	uint16_t bm = sim_drv_bm(0);
	uint8_t w2[512];

	hx_stage(160, 2);
	sim_drv_prd(FX_BUF, 1024, 1024);
	hx_dma_issue(bm, SIM_DRV_PRDT, 0, 160, 2, 0xCA);
	fx_pattern(w2, 160, 1, 5);
	ck_assert_int_eq(sim_drv_write(1, 0, 160, 1, w2, false, SIM_REP32) & ERR, 0); /* other channel */
	ck_assert_int_eq(hx_dma_finish(bm, 0) & ERR, 0);
	fx_assert_disk_cipher(0, 0, 160, hx_wbuf, 2);
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
	fx_pattern(hx_wbuf, 0, 8, 0xD5);
	sim_drv_wait(0);
	sim_guest_outs(sim_drv_cmd(0), 2, hx_wbuf, 256);
	sim_drv_wait(0);
	sim_guest_outs(sim_drv_cmd(0), 2, hx_wbuf + 512, 7 * 256);
	sim_drv_wait(0);
	sim_drv_status(0);
}

void srst_desync_selected_drive(void)
{
	sim_guest_out(sim_drv_ctl(0), 1, 0x0C); /* SRST on */
	out0(6, 0xB0);                          /* select the (pass-through) slave during reset */
	sim_guest_out(sim_drv_ctl(0), 1, 0x08); /* SRST off: the devices select device 0 */
	sim_drv_wait(0);
	sim_drv_status(0);
	write_with_hob_trick();
}

void diagnostic_desync_selected_drive(void)
{
	out0(6, 0xB0);
	sim_drv_wait(0);
	out0(7, 0x90); /* EXECUTE DEVICE DIAGNOSTIC: the devices select device 0 */
	sim_drv_wait(0);
	sim_drv_status(0);
	write_with_hob_trick();
}

/* The guest leaves HOB set: the read-back must still see what the device uses. */
void hob_left_set_lba28(void)
{
	out0(6, 0xE0);
	sim_drv_wait(0);
	out0(2, 1), out0(2, 1);
	out0(3, 0), out0(3, 0);
	out0(4, 2), out0(4, 1);   /* HOB copy: LBA 0x200; current: 0x100 */
	out0(5, 0), out0(5, 0);
	sim_guest_out(sim_drv_ctl(0), 1, 0x88);
	out0(7, 0x30);
	fx_pattern(hx_wbuf, 0x100, 1, 0xD6);
	ck_assert_int_eq(sim_drv_pio_out(0, hx_wbuf, 1, 1, SIM_REP16) & ERR, 0);
	fx_assert_disk_cipher(0, 0, 0x100, hx_wbuf, 1);
}

void hob_left_set_init_params(void)
{
	out0(6, 0xAF);            /* 16 heads */
	sim_drv_wait(0);
	out0(2, 32), out0(2, 63); /* HOB copy 32, current 63 sectors a track */
	sim_guest_out(sim_drv_ctl(0), 1, 0x88);
	out0(7, 0x91);
	sim_drv_wait(0);
	sim_drv_status(0);
	fx_pattern(hx_wbuf, 63, 1, 0xD7);
	sim_drv_tfchs(0, 0, 0, 1, 1, 1); /* C0 H1 S1 = LBA 63 */
	sim_drv_command(0, 0x30);
	ck_assert_int_eq(sim_drv_pio_out(0, hx_wbuf, 1, 1, SIM_REP16) & ERR, 0);
	fx_assert_disk_cipher(0, 0, 63, hx_wbuf, 1);
}

/* A reset before the outcome of INITIALIZE DEVICE PARAMETERS is seen: CHS waits for IDENTIFY. */
void init_params_then_srst(void)
{
	uint8_t id[512];

	out0(6, 0xAF);
	sim_drv_wait(0);
	out0(2, 32);
	out0(7, 0x91);
	hx_srst(0);
	fx_pattern(hx_wbuf, 32, 1, 0xD8);
	sim_drv_tfchs(0, 0, 0, 1, 1, 1);
	sim_drv_command(0, 0x30);
	sim_drv_wait(0);
	hx_aborted(0, sim_drv_status(0)); /* geometry unknown after a reset */
	sim_drv_tf28(0, 0, 0, 1);
	sim_drv_command(0, 0xEC);
	ck_assert_int_eq(sim_drv_pio_in(0, id, 1, 1, SIM_REP16) & ERR, 0);
	sim_drv_tfchs(0, 0, 0, 1, 1, 1); /* C0 H1 S1 with the device's 32 sectors a track: LBA 32 */
	sim_drv_command(0, 0x30);
	ck_assert_int_eq(sim_drv_pio_out(0, hx_wbuf, 1, 1, SIM_REP16) & ERR, 0);
	fx_assert_disk_cipher(0, 0, 32, hx_wbuf, 1);
}

/* ata1 ignores HOB on reads and is busy after commands: writes it ignored must not enter the shadow. */
void shadow_written_while_busy(void)
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
	fx_pattern(hx_wbuf, 0x50, 1, 0xD9);
	hx_aborted(1, sim_drv_pio_out(1, hx_wbuf, 1, 1, SIM_REP16));
	ck_assert(hx_disk_zero(1, 0x50, 1));
}

/* A drive spinning up takes longer than the mediator waits for DRQ: the block is not lost to plaintext. */
void slow_drive_at_data_out(void)
{
	static uint8_t junk[512];

	ck_assert_int_eq(sim_disk_set_busy_polls(0, 0, 1500000), 0);
	srst_desync_selected_drive();
	ck_assert_int_eq(sim_disk_set_busy_polls(0, 0, 0), 0);
	out0(2, 1), out0(3, 1), out0(4, 0), out0(5, 0);
	out0(7, 0x30);
	sim_guest_outs(sim_drv_cmd(0), 2, junk, 256);
	fx_pattern(hx_wbuf, 0, 1, 0xDA);
	sim_guest_outs(sim_drv_cmd(0), 2, hx_wbuf, 256);
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
		hx_aborted(0, sim_drv_status(0));
		sim_guest_outs(sim_drv_cmd(0), 2, hx_wbuf, 256); /* data the command might have wanted */
	}
	ck_assert(hx_disk_zero(0, 170, 1));
}

#define REFUSED(name, ...)                                   \
	void name(void)                                      \
	{                                                    \
		static const uint8_t ops[] = { __VA_ARGS__ }; \
		hx_stage(170, 1);                         \
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

void trim_not_allowed(void)
{
	uint8_t range[512] = { 0 };
	uint64_t e = 170 | 1ull << 48;

	memcpy(range, &e, 8);
	memset(sim_disk_data(0, 0) + 170 * 512, 0xEE, 512);
	hx_put(FX_BUF, range, sizeof(range));
	sim_drv_prd(FX_BUF, 512, 512);
	sim_guest_out((uint16_t)(sim_drv_cmd(0) + 1), 1, 1);
	hx_aborted(0, sim_drv_dma(0, 0, 0x06, 0, 1, true, NULL));
	ck_assert_uint_eq(sim_disk_data(0, 0)[170 * 512], 0xEE);
	memset(sim_disk_data(0, 0) + 170 * 512, 0, 512);
}

void set_multiple_invalid(void)
{
	sim_drv_tf28(0, 0, 0, 3);
	sim_drv_command(0, 0xC6);
	sim_drv_wait(0);
	hx_aborted(0, sim_drv_status(0));
	sim_drv_tf28(0, 0, 0, 1);
	sim_drv_command(0, 0xC5); /* still no multiple mode */
	sim_drv_wait(0);
	hx_aborted(0, sim_drv_status(0));
}

void chs_sector_zero(void)
{
	hx_stage(0, 1);
	sim_drv_tfchs(0, 0, 0, 0, 0, 1);
	sim_drv_command(0, 0x30);
	sim_drv_wait(0);
	hx_aborted(0, sim_drv_status(0));
}

void chs_head_out_of_range(void)
{
	/* The probe learned 16 heads: head 15 is valid, so shrink to 2 heads first. */
	sim_drv_tfchs(0, 0, 0, 1, 0, 63);
	sim_drv_command(0, 0x91);
	sim_drv_wait(0);
	sim_drv_status(0);
	hx_stage(0, 1);
	sim_drv_tfchs(0, 0, 0, 5, 1, 1);
	sim_drv_command(0, 0x30);
	sim_drv_wait(0);
	hx_aborted(0, sim_drv_status(0));
}

/* ---- data port ---- */

void data_write_when_idle(void)
{
	hx_stage(180, 1);
	sim_guest_outs(sim_drv_cmd(0), 2, hx_wbuf, 256);
	sim_guest_outs(sim_drv_cmd(0), 4, hx_wbuf, 128);
	ck_assert(hx_disk_zero(0, 180, 1));
}

void data_read_when_idle(void)
{
	memset(hx_rbuf, 0, 1024);
	sim_guest_ins(sim_drv_cmd(0), 2, hx_rbuf, 512);
	for (int i = 0; i < 1024; i++)
		ck_assert_uint_ne(hx_rbuf[i], SIM_CANARY);
}

void pio_read_overrun(void)
{
	fx_pattern(hx_wbuf, 190, 1, 6);
	fx_oracle(true, fx_test_key, 190, hx_wbuf, sim_disk_data(0, 0) + 190 * 512, 1);
	sim_drv_tf28(0, 0, 190, 1);
	sim_drv_command(0, 0x20);
	sim_drv_wait(0);
	sim_guest_ins(sim_drv_cmd(0), 2, hx_rbuf, 1024); /* four times the sector */
	ck_assert_mem_eq(hx_rbuf, hx_wbuf, 512);
	ck_assert_ptr_null(memmem(hx_rbuf + 512, 1536, "PPLAIN!", 7));
}

void pio_write_overrun(void)
{
	hx_stage(200, 4);
	sim_drv_tf28(0, 0, 200, 1);
	sim_drv_command(0, 0x30);
	sim_drv_wait(0);
	sim_guest_outs(sim_drv_cmd(0), 2, hx_wbuf, 1024);
	sim_drv_wait(0);
	ck_assert_int_eq(sim_drv_status(0) & ERR, 0);
	fx_assert_disk_cipher(0, 0, 200, hx_wbuf, 1);
	ck_assert(hx_disk_zero(0, 201, 3));
}

void wide_write_reaches_command(void)
{
	hx_stage(210, 1);
	sim_drv_tf28(0, 0, 210, 1);
	/* One 16-bit OUT to 0x1F6: device register, then 0x32 (WRITE LONG) into the command register. */
	sim_guest_out((uint16_t)(sim_drv_cmd(0) + 6), 2, 0x32E0);
	sim_drv_wait(0);
	hx_aborted(0, sim_drv_status(0));
	sim_guest_outs(sim_drv_cmd(0), 2, hx_wbuf, 256);
	ck_assert(hx_disk_zero(0, 210, 1));
}

void rep_outs_across_blocks(void)
{
	hx_stage(220, 3);
	sim_drv_tf28(0, 0, 220, 3);
	sim_drv_command(0, 0x30);
	sim_drv_wait(0);
	sim_guest_outs(sim_drv_cmd(0), 2, hx_wbuf, 3 * 256); /* three DRQ blocks in one REP */
	sim_drv_wait(0);
	ck_assert_int_eq(sim_drv_status(0) & ERR, 0);
	fx_assert_disk_cipher(0, 0, 220, hx_wbuf, 3);
}

void byte_reads_of_data_port(void)
{
	fx_pattern(hx_wbuf, 230, 1, 7);
	fx_oracle(true, fx_test_key, 230, hx_wbuf, sim_disk_data(0, 0) + 230 * 512, 1);
	sim_drv_tf28(0, 0, 230, 1);
	sim_drv_command(0, 0x20);
	sim_drv_wait(0);
	for (int i = 0; i < 8; i++)
		hx_rbuf[i] = (uint8_t)sim_guest_in(sim_drv_cmd(0), 1);
	sim_guest_ins(sim_drv_cmd(0), 2, hx_rbuf + 8, 252);
	ck_assert_mem_eq(hx_rbuf, hx_wbuf, 512);
}
