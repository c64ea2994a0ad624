/*
 * check_ata_pio.c - PIO through the mediator on hal/sim, driven the way
 * real drivers do: every supported command and transfer mode, then the
 * disk must hold exactly OpenSSL-XTS(plaintext) and the guest must read
 * its plaintext back.
 */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ata_fixture.h"

static const struct fx_disk one_disk[] = { { .ch = 0, .drv = 0, .sectors = 8192 }, { 0 } };
static const char cfg_encrypt[] = "disk ata0-master encrypt\n";

static uint8_t wbuf[256 * 512], rbuf[256 * 512];

static void teardown(void)
{
	fx_stop();
}

struct xfer_case {
	uint32_t nsect;    /* 256 is sent as count 0 */
	enum sim_xfer x;
};

static const struct xfer_case xfer_cases[] = {
	{ 1, SIM_REP16 }, { 1, SIM_REP32 }, { 1, SIM_ONE16 }, { 1, SIM_ONE32 },
	{ 256, SIM_REP16 }, { 256, SIM_REP32 }, { 3, SIM_ONE16 }, { 7, SIM_ONE32 },
};

START_TEST(test_pio_sectors_roundtrip)
{
	const struct xfer_case *c = &xfer_cases[_i];
	uint64_t lba = 1000 + 300 * (uint64_t)_i;

	fx_start(one_disk, cfg_encrypt, false);
	fx_pattern(wbuf, lba, c->nsect, (uint32_t)_i);
	ck_assert_int_eq(sim_drv_write(0, 0, lba, c->nsect, wbuf, false, c->x) & 0x21, 0);
	fx_assert_disk_cipher(0, 0, lba, wbuf, c->nsect);
	memset(rbuf, 0, sizeof(rbuf));
	ck_assert_int_eq(sim_drv_read(0, 0, lba, c->nsect, rbuf, false, c->x) & 0x21, 0);
	ck_assert_mem_eq(rbuf, wbuf, c->nsect * 512);
	fx_assert_no_plaintext(0, 0);
	fx_assert_vmm_intact();
}
END_TEST

/* Data already on the disk (written by someone else, e.g. parapass crypt) reads as plaintext. */
START_TEST(test_pio_reads_existing_ciphertext)
{
	fx_start(one_disk, cfg_encrypt, false);
	fx_pattern(wbuf, 4000, 16, 9);
	fx_oracle(true, fx_test_key, 4000, wbuf, sim_disk_data(0, 0) + 4000 * 512, 16);
	ck_assert_int_eq(sim_drv_read(0, 0, 4000, 16, rbuf, false, SIM_REP32) & 0x21, 0);
	ck_assert_mem_eq(rbuf, wbuf, 16 * 512);
}
END_TEST

START_TEST(test_pio_lba48_hob)
{
	fx_start(one_disk, cfg_encrypt, false);
	fx_pattern(wbuf, 5000, 200, 48);
	fx_pattern(wbuf + 200 * 512, 5200, 56, 49);
	/* 256 sectors as an EXT count: HOB count 0x01, count 0x00. */
	ck_assert_int_eq(sim_drv_write(0, 0, 5000, 256, wbuf, true, SIM_REP16) & 0x21, 0);
	fx_assert_disk_cipher(0, 0, 5000, wbuf, 256);
	ck_assert_int_eq(sim_drv_read(0, 0, 5000, 256, rbuf, true, SIM_REP32) & 0x21, 0);
	ck_assert_mem_eq(rbuf, wbuf, 256 * 512);
}
END_TEST

/* LBA bits 28-47 matter: a sparse image file past 2^28 sectors. */
START_TEST(test_pio_lba48_high)
{
	const uint64_t sectors = (1ull << 28) + 4096, lba = (1ull << 28) + 1000;
	char path[] = "/tmp/pp-lba48-XXXXXX";
	int fd = mkstemp(path);
	struct fx_disk big[] = { { .ch = 0, .drv = 0, .sectors = sectors, .path = path }, { 0 } };

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, (off_t)(sectors * 512)), 0);
	close(fd);
	fx_start(big, cfg_encrypt, false);
	unlink(path); /* the mapping keeps it alive; nothing is left behind */
	fx_pattern(wbuf, lba, 8, 28);
	ck_assert_int_eq(sim_drv_write(0, 0, lba, 8, wbuf, true, SIM_REP16) & 0x21, 0);
	fx_assert_disk_cipher(0, 0, lba, wbuf, 8);
	ck_assert_int_eq(sim_drv_read(0, 0, lba, 8, rbuf, true, SIM_REP16) & 0x21, 0);
	ck_assert_mem_eq(rbuf, wbuf, 8 * 512);
}
END_TEST

/* Bochs 2.7's disks ignore HOB on reads: the HOB bytes come from the checked shadow. */
START_TEST(test_pio_lba48_without_hob_readback)
{
	static const struct fx_disk nohob[] = { { .ch = 0, .drv = 0, .sectors = 8192, .no_hob = true },
						{ 0 } };

	fx_start(nohob, cfg_encrypt, false);
	fx_pattern(wbuf, 5000, 256, 50);
	ck_assert_int_eq(sim_drv_write(0, 0, 5000, 256, wbuf, true, SIM_REP16) & 0x21, 0);
	fx_assert_disk_cipher(0, 0, 5000, wbuf, 256);
	ck_assert_int_eq(sim_drv_read(0, 0, 5000, 256, rbuf, true, SIM_REP32) & 0x21, 0);
	ck_assert_mem_eq(rbuf, wbuf, 256 * 512);
}
END_TEST

START_TEST(test_pio_chs_after_init_params)
{
	/* 16 heads, 63 sectors per track; C/H/S 2/5/7 is LBA (2*16+5)*63+6 = 2337. */
	fx_start(one_disk, cfg_encrypt, false);
	sim_drv_tfchs(0, 0, 0, 15, 0, 63);
	sim_drv_command(0, 0x91);
	ck_assert_int_eq(sim_drv_wait(0) & 0x21, 0);
	ck_assert_int_eq(sim_drv_status(0) & 0x21, 0);
	fx_pattern(wbuf, 2337, 4, 3);
	sim_drv_tfchs(0, 0, 2, 5, 7, 4);
	sim_drv_command(0, 0x30);
	ck_assert_int_eq(sim_drv_pio_out(0, wbuf, 4, 1, SIM_REP16) & 0x21, 0);
	fx_assert_disk_cipher(0, 0, 2337, wbuf, 4);
	sim_drv_tfchs(0, 0, 2, 5, 7, 4);
	sim_drv_command(0, 0x20);
	ck_assert_int_eq(sim_drv_pio_in(0, rbuf, 4, 1, SIM_REP16) & 0x21, 0);
	ck_assert_mem_eq(rbuf, wbuf, 4 * 512);
}
END_TEST

START_TEST(test_pio_chs_other_geometry)
{
	/* INITIALIZE DEVICE PARAMETERS to 4 heads, 17 sectors: C/H/S 3/2/1 = (3*4+2)*17 = 238. */
	fx_start(one_disk, cfg_encrypt, false);
	sim_drv_tfchs(0, 0, 0, 3, 0, 17);
	sim_drv_command(0, 0x91);
	sim_drv_wait(0);
	ck_assert_int_eq(sim_drv_status(0) & 0x21, 0);
	fx_pattern(wbuf, 238, 20, 4); /* crosses a track and a head */
	sim_drv_tfchs(0, 0, 3, 2, 1, 20);
	sim_drv_command(0, 0x30);
	ck_assert_int_eq(sim_drv_pio_out(0, wbuf, 20, 1, SIM_REP32) & 0x21, 0);
	fx_assert_disk_cipher(0, 0, 238, wbuf, 20);
}
END_TEST

static void set_multiple(unsigned ch, unsigned drv, uint8_t n)
{
	sim_drv_tf28(ch, drv, 0, n);
	sim_drv_command(ch, 0xC6);
	sim_drv_wait(ch);
	ck_assert_int_eq(sim_drv_status(ch) & 0x21, 0);
}

START_TEST(test_pio_multiple)
{
	fx_start(one_disk, cfg_encrypt, false);
	set_multiple(0, 0, 16);
	fx_pattern(wbuf, 300, 40, 5); /* blocks of 16, 16, 8 */
	sim_drv_tf28(0, 0, 300, 40);
	sim_drv_command(0, 0xC5);
	ck_assert_int_eq(sim_drv_pio_out(0, wbuf, 40, 16, SIM_REP16) & 0x21, 0);
	fx_assert_disk_cipher(0, 0, 300, wbuf, 40);
	sim_drv_tf48(0, 0, 300, 40);
	sim_drv_command(0, 0x29);
	ck_assert_int_eq(sim_drv_pio_in(0, rbuf, 40, 16, SIM_REP32) & 0x21, 0);
	ck_assert_mem_eq(rbuf, wbuf, 40 * 512);
	fx_pattern(wbuf, 400, 33, 6);
	sim_drv_tf48(0, 0, 400, 33);
	sim_drv_command(0, 0x39);
	ck_assert_int_eq(sim_drv_pio_out(0, wbuf, 33, 16, SIM_ONE32) & 0x21, 0);
	fx_assert_disk_cipher(0, 0, 400, wbuf, 33);
}
END_TEST

/* One REP INSW for a whole multi-sector block, as GRUB's and some BIOS drivers do. */
START_TEST(test_pio_block_in_one_rep)
{
	fx_start(one_disk, cfg_encrypt, false);
	set_multiple(0, 0, 8);
	fx_pattern(wbuf, 64, 16, 7);
	fx_oracle(true, fx_test_key, 64, wbuf, sim_disk_data(0, 0) + 64 * 512, 16);
	sim_drv_tf28(0, 0, 64, 16);
	sim_drv_command(0, 0xC4);
	for (int b = 0; b < 2; b++) {
		ck_assert_int_eq(sim_drv_wait(0) & 0x89, 0x08);
		sim_drv_status(0);
		sim_guest_ins(sim_drv_cmd(0), 2, rbuf + b * 8 * 512, 8 * 256);
	}
	ck_assert_mem_eq(rbuf, wbuf, 16 * 512);
	ck_assert_int_eq(sim_drv_wait(0) & 0x89, 0);
}
END_TEST

static const struct fx_disk four_disks[] = {
	{ .ch = 0, .drv = 0, .sectors = 4096 }, { .ch = 0, .drv = 1, .sectors = 4096 },
	{ .ch = 1, .drv = 0, .sectors = 4096 }, { .ch = 1, .drv = 1, .sectors = 4096 },
	{ 0 },
};

START_TEST(test_pio_both_channels_master_slave)
{
	fx_start(four_disks, "disk ata0-master encrypt\ndisk ata0-slave encrypt\n"
			     "disk ata1-master encrypt\ndisk ata1-slave pass\n", false);
	for (unsigned i = 0; i < 4; i++) {
		fx_pattern(wbuf + i * 8 * 512, 10, 8, 100 + i);
		ck_assert_int_eq(sim_drv_write(i / 2, i % 2, 10, 8, wbuf + i * 8 * 512, false, SIM_REP16) & 0x21, 0);
	}
	for (unsigned i = 0; i < 3; i++)
		fx_assert_disk_cipher(i / 2, i % 2, 10, wbuf + i * 8 * 512, 8);
	/* The pass-through disk holds plaintext, as configured. */
	ck_assert_mem_eq(sim_disk_data(1, 1) + 10 * 512, wbuf + 3 * 8 * 512, 8 * 512);
	for (unsigned i = 0; i < 4; i++) {
		ck_assert_int_eq(sim_drv_read(i / 2, i % 2, 10, 8, rbuf, false, SIM_REP32) & 0x21, 0);
		ck_assert_mem_eq(rbuf, wbuf + i * 8 * 512, 8 * 512);
	}
}
END_TEST

static uint16_t identify_word(const uint8_t *id, int w)
{
	return (uint16_t)(id[2 * w] | id[2 * w + 1] << 8);
}

START_TEST(test_identify_passes_and_hides_denied_features)
{
	uint8_t id[512], sum = 0;

	fx_start(one_disk, cfg_encrypt, false);
	sim_drv_tf28(0, 0, 0, 0);
	sim_drv_command(0, 0xEC);
	ck_assert_int_eq(sim_drv_pio_in(0, id, 1, 1, SIM_REP16) & 0x21, 0);
	ck_assert_uint_eq(identify_word(id, 60) | (uint32_t)identify_word(id, 61) << 16, 8192);
	ck_assert_uint_eq(identify_word(id, 169) & 1, 0);  /* TRIM hidden: denied here */
	ck_assert_uint_eq(identify_word(id, 82) & 2, 0);   /* security feature set hidden */
	for (int i = 0; i < 512; i++)
		sum = (uint8_t)(sum + id[i]);
	ck_assert_uint_eq(id[510], 0xA5);
	ck_assert_uint_eq(sum, 0); /* checksum still right after the edit */
}
END_TEST

Suite *ata_pio_suite(void)
{
	Suite *s = suite_create("ata_pio");
	TCase *tc = tcase_create("pio");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_pio_sectors_roundtrip, 0,
			    sizeof(xfer_cases) / sizeof(xfer_cases[0]));
	tcase_add_test(tc, test_pio_reads_existing_ciphertext);
	tcase_add_test(tc, test_pio_lba48_hob);
	tcase_add_test(tc, test_pio_lba48_high);
	tcase_add_test(tc, test_pio_lba48_without_hob_readback);
	tcase_add_test(tc, test_pio_chs_after_init_params);
	tcase_add_test(tc, test_pio_chs_other_geometry);
	tcase_add_test(tc, test_pio_multiple);
	tcase_add_test(tc, test_pio_block_in_one_rep);
	tcase_add_test(tc, test_pio_both_channels_master_slave);
	tcase_add_test(tc, test_identify_passes_and_hides_denied_features);
	suite_add_tcase(s, tc);
	return s;
}
