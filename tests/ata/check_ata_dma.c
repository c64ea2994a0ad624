/*
 * check_ata_dma.c - bus-master DMA through the mediator: the device only
 * sees the shadow table and the bounce buffer, the disk holds exactly
 * OpenSSL-XTS(plaintext), and the guest's buffers receive plaintext,
 * whatever the guest's scatter layout.
 */
#include <string.h>

#include "ata_fixture.h"

static const struct fx_disk one_disk[] = { { .ch = 0, .drv = 0, .sectors = 8192 }, { 0 } };
static const char cfg_encrypt[] = "disk ata0-master encrypt\n";
static uint8_t wbuf[FX_MAXSECT * 512], rbuf[FX_MAXSECT * 512];

static void teardown(void)
{
	fx_stop();
}

struct dma_case {
	uint8_t rd, wr;     /* opcodes */
	bool lba48;
	uint32_t nsect;
	uint32_t piece;     /* PRD entry size: sectors may straddle entries */
};

static const struct dma_case dma_cases[] = {
	{ 0xC8, 0xCA, false, 1, 256 },        /* two entries of 256 bytes: one sector */
	{ 0xC8, 0xCA, false, 256, 65536 },    /* count 0 = 256, two full 64 KiB entries */
	{ 0xC8, 0xCA, false, 8, 4096 },       /* pages, as Linux's scatterlists */
	{ 0xC8, 0xCA, false, 9, 1000 },       /* every sector split across entries */
	{ 0xC8, 0xCA, false, 3, 6 },          /* tiny entries */
	{ 0x25, 0x35, true, 300, 65536 },     /* LBA48, count above 256 */
	{ 0x25, 0x35, true, 2048, 65536 },    /* 1 MiB in one command */
	{ 0x25, 0x3D, true, 17, 3000 },       /* WRITE DMA FUA EXT */
};

static void put_guest(uint32_t gpa, const void *p, size_t n)
{
	ck_assert_int_eq(sim_guest_write(gpa, p, n), 0);
}

static void get_guest(uint32_t gpa, void *p, size_t n)
{
	ck_assert_int_eq(sim_guest_read(gpa, p, n), 0);
}

START_TEST(test_dma_roundtrip)
{
	const struct dma_case *c = &dma_cases[_i];
	uint64_t lba = 100 + 7 * (uint64_t)_i;
	uint32_t bytes = c->nsect * 512;
	uint8_t bs;

	fx_start(one_disk, cfg_encrypt, false);
	fx_pattern(wbuf, lba, c->nsect, (uint32_t)_i);
	put_guest(FX_BUF, wbuf, bytes);
	ck_assert_uint_ge(sim_drv_prd(FX_BUF, bytes, c->piece), bytes > c->piece ? 2 : 1);
	ck_assert_int_eq(sim_drv_dma(0, 0, c->wr, lba, c->nsect, c->lba48, &bs) & 0x21, 0);
	ck_assert_int_eq(bs & 0x07, 0x04); /* interrupt, no error, inactive */
	fx_assert_disk_cipher(0, 0, lba, wbuf, c->nsect);
	memset(rbuf, 0, bytes);
	put_guest(FX_BUF, rbuf, bytes);
	ck_assert_int_eq(sim_drv_dma(0, 0, c->rd, lba, c->nsect, c->lba48, &bs) & 0x21, 0);
	ck_assert_int_eq(bs & 0x07, 0x04);
	get_guest(FX_BUF, rbuf, bytes);
	ck_assert_mem_eq(rbuf, wbuf, bytes);
	fx_assert_no_plaintext(0, 0);
	fx_assert_vmm_intact();
}
END_TEST

/* A PRD table larger than the transfer is allowed; only the needed bytes move. */
START_TEST(test_dma_lba48_without_hob_readback)
{
	static const struct fx_disk nohob[] = { { .ch = 0, .drv = 0, .sectors = 8192, .no_hob = true },
						{ 0 } };
	uint8_t bs;

	fx_start(nohob, cfg_encrypt, false);
	fx_pattern(wbuf, 700, 300, 51);
	put_guest(FX_BUF, wbuf, 300 * 512);
	sim_drv_prd(FX_BUF, 300 * 512, 65536);
	ck_assert_int_eq(sim_drv_dma(0, 0, 0x35, 700, 300, true, &bs) & 0x21, 0);
	fx_assert_disk_cipher(0, 0, 700, wbuf, 300);
	memset(rbuf, 0, 300 * 512);
	put_guest(FX_BUF, rbuf, 300 * 512);
	ck_assert_int_eq(sim_drv_dma(0, 0, 0x25, 700, 300, true, &bs) & 0x21, 0);
	get_guest(FX_BUF, rbuf, 300 * 512);
	ck_assert_mem_eq(rbuf, wbuf, 300 * 512);
}
END_TEST

START_TEST(test_dma_prd_larger_than_transfer)
{
	uint8_t bs, guard[512];

	fx_start(one_disk, cfg_encrypt, false);
	fx_pattern(wbuf, 50, 4, 1);
	fx_oracle(true, fx_test_key, 50, wbuf, sim_disk_data(0, 0) + 50 * 512, 4);
	memset(guard, 0x5A, sizeof(guard));
	put_guest(FX_BUF + 4 * 512, guard, sizeof(guard));
	sim_drv_prd(FX_BUF, 8 * 512, 4096);
	ck_assert_int_eq(sim_drv_dma(0, 0, 0xC8, 50, 4, false, &bs) & 0x21, 0);
	get_guest(FX_BUF, rbuf, 5 * 512);
	ck_assert_mem_eq(rbuf, wbuf, 4 * 512);
	ck_assert_mem_eq(rbuf + 4 * 512, guard, 512); /* nothing past the transfer */
}
END_TEST

START_TEST(test_dma_pass_disk_is_plaintext)
{
	uint8_t bs;

	fx_start(one_disk, "disk ata0-master pass\n", false);
	fx_pattern(wbuf, 10, 16, 2);
	put_guest(FX_BUF, wbuf, 16 * 512);
	sim_drv_prd(FX_BUF, 16 * 512, 1000);
	ck_assert_int_eq(sim_drv_dma(0, 0, 0xCA, 10, 16, false, &bs) & 0x21, 0);
	ck_assert_mem_eq(sim_disk_data(0, 0) + 10 * 512, wbuf, 16 * 512);
	memset(rbuf, 0, 16 * 512);
	put_guest(FX_BUF, rbuf, 16 * 512);
	ck_assert_int_eq(sim_drv_dma(0, 0, 0xC8, 10, 16, false, &bs) & 0x21, 0);
	get_guest(FX_BUF, rbuf, 16 * 512);
	ck_assert_mem_eq(rbuf, wbuf, 16 * 512);
}
END_TEST

/* DMA on both channels and both drives, interleaved with PIO on the other channel. */
START_TEST(test_dma_two_channels)
{
	static const struct fx_disk disks[] = {
		{ .ch = 0, .drv = 1, .sectors = 2048 }, { .ch = 1, .drv = 0, .sectors = 2048 }, { 0 },
	};
	uint8_t bs;

	fx_start(disks, "disk ata0-slave encrypt\ndisk ata1-master encrypt\n", false);
	for (unsigned ch = 0; ch < 2; ch++) { /* channel 0's slave, channel 1's master */
		fx_pattern(wbuf, 20, 8, ch);
		put_guest(FX_BUF, wbuf, 8 * 512);
		sim_drv_prd(FX_BUF, 8 * 512, 2048);
		ck_assert_int_eq(sim_drv_dma(ch, !ch, 0xCA, 20, 8, false, &bs) & 0x21, 0);
		fx_assert_disk_cipher(ch, !ch, 20, wbuf, 8);
	}
	for (unsigned ch = 0; ch < 2; ch++) {
		fx_pattern(wbuf, 20, 8, ch);
		ck_assert_int_eq(sim_drv_read(ch, !ch, 20, 8, rbuf, false, SIM_REP16) & 0x21, 0);
		ck_assert_mem_eq(rbuf, wbuf, 8 * 512);
	}
}
END_TEST

/* DATA SET MANAGEMENT: denied by default, passed (plaintext range list) when allowed. */
static uint8_t trim(unsigned drv, uint64_t lba, uint16_t n)
{
	uint8_t range[512] = { 0 }, bs;
	uint64_t e = lba | (uint64_t)n << 48;

	memcpy(range, &e, 8);
	put_guest(FX_BUF, range, sizeof(range));
	sim_drv_prd(FX_BUF, 512, 512);
	sim_guest_out(sim_drv_cmd(0) + 1, 1, 0x01); /* feature: TRIM */
	return sim_drv_dma(0, drv, 0x06 /* DSM; sim_drv_dma treats it as a write */, 0, 1, true, &bs);
}

START_TEST(test_trim_denied_by_default_allowed_by_config)
{
	static const struct fx_disk disks[] = {
		{ .ch = 0, .drv = 0, .sectors = 2048 }, { .ch = 0, .drv = 1, .sectors = 2048 }, { 0 },
	};
	uint8_t *d0, *d1;

	fx_start(disks, "disk ata0-master encrypt\ndisk ata0-slave encrypt trim\n", false);
	d0 = sim_disk_data(0, 0), d1 = sim_disk_data(0, 1);
	memset(d0 + 512 * 40, 0xAB, 512);
	memset(d1 + 512 * 40, 0xAB, 512);
	ck_assert_int_eq(trim(0, 40, 1) & 0x01, 0x01); /* ERR: refused */
	ck_assert_uint_eq(d0[512 * 40], 0xAB);
	ck_assert_int_eq(trim(1, 40, 1) & 0x01, 0);
	ck_assert_uint_eq(d1[512 * 40], 0x00);          /* the device trimmed it */
}
END_TEST

Suite *ata_dma_suite(void)
{
	Suite *s = suite_create("ata_dma");
	TCase *tc = tcase_create("dma");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_dma_roundtrip, 0, sizeof(dma_cases) / sizeof(dma_cases[0]));
	tcase_add_test(tc, test_dma_lba48_without_hob_readback);
	tcase_add_test(tc, test_dma_prd_larger_than_transfer);
	tcase_add_test(tc, test_dma_pass_disk_is_plaintext);
	tcase_add_test(tc, test_dma_two_channels);
	tcase_add_test(tc, test_trim_denied_by_default_allowed_by_config);
	suite_add_tcase(s, tc);
	return s;
}
