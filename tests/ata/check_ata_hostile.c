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

#include "hostile.h"

static const struct fx_disk disks[] = {
	{ .ch = 0, .drv = 0, .sectors = 8192 }, { .ch = 1, .drv = 0, .sectors = 8192 }, { 0 },
};
/* Absent slaves pass through: a device slot the guest may select beside an encrypted disk. */
static const char cfg[] = "disk ata0-master encrypt\ndisk ata1-master encrypt\nunconfigured pass\n";
uint8_t hx_wbuf[4096 * 512], hx_rbuf[4096 * 512];


uint8_t hx_error(unsigned ch)
{
	return (uint8_t)sim_guest_in((uint16_t)(sim_drv_cmd(ch) + 1), 1);
}

void hx_aborted(unsigned ch, uint8_t st)
{
	ck_assert_msg(st & ERR, "status 0x%02x: expected ERR", st);
	ck_assert_msg(hx_error(ch) & ABRT, "error 0x%02x: expected ABRT", hx_error(ch));
}

void hx_put(uint32_t gpa, const void *p, size_t n)
{
	ck_assert_int_eq(sim_guest_write(gpa, p, n), 0);
}

void hx_prd_entry(uint32_t at, uint32_t addr, uint32_t len, bool eot)
{
	uint32_t e[2] = { addr, (len & 0xFFFF) | (eot ? 0x80000000u : 0) };

	hx_put(at, e, sizeof(e));
}

/* A write the guest means, with the plaintext marker in every sector. */
void hx_stage(uint64_t lba, uint32_t n)
{
	fx_pattern(hx_wbuf, lba, n, 0xBAD);
	hx_put(FX_BUF, hx_wbuf, (size_t)n * 512);
}

void hx_srst(unsigned ch)
{
	sim_guest_out(sim_drv_ctl(ch), 1, 0x0C);
	sim_guest_out(sim_drv_ctl(ch), 1, 0x08);
	sim_drv_wait(ch);
	sim_drv_status(ch);
}

/* A DMA command by hand on channel 0: table pointer, direction, taskfile, command. */
void hx_dma_issue(uint16_t bm, uint32_t prdt, uint8_t dir, uint32_t lba, uint32_t n, uint8_t op)
{
	sim_guest_out((uint16_t)(bm + 4), 4, prdt);
	sim_guest_out(bm, 1, dir);
	sim_drv_tf28(0, 0, lba, n);
	sim_drv_command(0, op);
}

/* Start the engine, look at its status once, stop it: the ATA status at the end. */
uint8_t hx_dma_finish(uint16_t bm, uint8_t dir)
{
	sim_guest_out(bm, 1, dir | 1);
	sim_guest_in((uint16_t)(bm + 2), 1);
	sim_guest_out(bm, 1, dir);
	sim_drv_wait(0);
	return sim_drv_status(0);
}

bool hx_disk_zero(unsigned ch, uint64_t lba, uint32_t n)
{
	const uint8_t *d = sim_disk_data(ch, 0) + lba * 512;

	for (size_t i = 0; i < (size_t)n * 512; i++)
		if (d[i])
			return false;
	return true;
}

/* The catalogue: a failure names the case by its index in this table. */
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
	fx_start(d, c->run == dma_larger_than_bounce ? "disk ata0-master encrypt\n"
			"disk ata1-master encrypt\nunconfigured pass\nbounce-kib 1024\n" : cfg, false);
	c->run();
	fx_assert_no_plaintext(0, 0);
	fx_assert_no_plaintext(1, 0);
	fx_assert_vmm_intact();
	hx_srst(0);
	hx_srst(1);
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
