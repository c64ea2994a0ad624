/*
 * check_ata_atapi.c - an ATAPI CD-ROM beside an encrypted disk: its PACKET
 * commands pass through unencrypted (PIO bursts and bus-master DMA, the
 * latter still through the shadow table), DEVICE RESET reaches it while it
 * is busy, and nothing of this reaches the encrypted disk.
 */
#include <string.h>

#include "ata_fixture.h"

#define CD_BLOCKS 64u

static const struct fx_disk disks[] = {
	{ .ch = 0, .drv = 0, .sectors = 4096 },
	{ .ch = 1, .drv = 0, .sectors = CD_BLOCKS * 4, .atapi = true },
	{ 0 },
};
static const char cfg[] = "disk ata0-master encrypt\ndisk ata1-master pass\n";

static void setup(void)
{
	uint8_t *cd;

	fx_start(disks, cfg, false);
	cd = sim_disk_data(1, 0);
	for (size_t i = 0; i < CD_BLOCKS * 2048; i++)
		cd[i] = (uint8_t)(i * 7 + i / 2048);
}

static void teardown(void)
{
	fx_stop();
}

static void out(unsigned reg, uint8_t v)
{
	sim_guest_out((uint16_t)(sim_drv_cmd(1) + reg), 1, v);
}

static uint8_t in(unsigned reg)
{
	return (uint8_t)sim_guest_in((uint16_t)(sim_drv_cmd(1) + reg), 1);
}

static void read10(uint8_t cdb[12], uint32_t lba, uint16_t blocks)
{
	memset(cdb, 0, 12);
	cdb[0] = 0x28;
	cdb[2] = (uint8_t)(lba >> 24), cdb[3] = (uint8_t)(lba >> 16);
	cdb[4] = (uint8_t)(lba >> 8), cdb[5] = (uint8_t)lba;
	cdb[7] = (uint8_t)(blocks >> 8), cdb[8] = (uint8_t)blocks;
}

/* PACKET (ATA8-ACS 7.18): select, feature (DMA bit), byte count limit, command, the 12-byte CDB. */
static void packet(const uint8_t cdb[12], bool dma)
{
	out(6, 0xA0);
	sim_drv_wait(1);
	out(1, dma ? 1 : 0);
	out(4, 0xFE);
	out(5, 0xFF);
	out(7, 0xA0);
	ck_assert_uint_eq(sim_drv_wait(1) & 0x89, 0x08);
	sim_guest_outs(sim_drv_cmd(1), 2, cdb, 6);
}

START_TEST(test_packet_pio_passes_plain)
{
	uint8_t cdb[12], buf[4 * 2048];
	size_t got = 0;

	read10(cdb, 3, 4);
	packet(cdb, false);
	for (;;) {
		uint8_t st = sim_drv_wait(1);
		unsigned n;

		if (!(st & 0x08))
			break;
		n = in(4) | in(5) << 8;
		ck_assert_uint_le(got + n, sizeof(buf));
		sim_guest_ins(sim_drv_cmd(1), 2, buf + got, n / 2);
		got += n;
	}
	ck_assert_uint_eq(sim_drv_status(1) & 0x01, 0);
	ck_assert_uint_eq(got, sizeof(buf));
	ck_assert_mem_eq(buf, sim_disk_data(1, 0) + 3 * 2048, sizeof(buf));
}
END_TEST

START_TEST(test_packet_dma_through_shadow)
{
	uint16_t bm = sim_drv_bm(1);
	uint8_t cdb[12], buf[8 * 2048], bs = 0;

	memset(buf, 0xEE, sizeof(buf));
	ck_assert_int_eq(sim_guest_write(FX_BUF, buf, sizeof(buf)), 0);
	sim_drv_prd(FX_BUF, sizeof(buf), 4096);
	sim_guest_out((uint16_t)(bm + 4), 4, SIM_DRV_PRDT);
	sim_guest_out(bm, 1, 0x08);
	read10(cdb, 10, 8);
	packet(cdb, true);
	sim_guest_out(bm, 1, 0x09);
	for (int i = 0; i < 1000 && !(bs & 0x04); i++)
		bs = (uint8_t)sim_guest_in((uint16_t)(bm + 2), 1);
	ck_assert_uint_eq(bs & 0x06, 0x04);
	sim_guest_out(bm, 1, 0x08);
	sim_drv_wait(1);
	ck_assert_uint_eq(sim_drv_status(1) & 0x01, 0);
	ck_assert_int_eq(sim_guest_read(FX_BUF, buf, sizeof(buf)), 0);
	ck_assert_mem_eq(buf, sim_disk_data(1, 0) + 10 * 2048, sizeof(buf));
	fx_assert_vmm_intact();
}
END_TEST

START_TEST(test_device_reset_while_busy)
{
	uint8_t cdb[12];

	read10(cdb, 0, 2);
	packet(cdb, false);
	/* The host gives up mid-command: DEVICE RESET must get through (ATA8-ACS 7.7). */
	out(7, 0x08);
	sim_drv_wait(1);
	ck_assert_uint_eq(in(4), 0x14); /* the signature is back */
	ck_assert_uint_eq(in(5), 0xEB);
	ck_assert_uint_eq(sim_drv_status(1) & 0x08, 0);
}
END_TEST

START_TEST(test_disk_beside_cd_stays_encrypted)
{
	fx_assert_healthy(0, 0);
	fx_assert_no_plaintext(0, 0);
}
END_TEST

Suite *ata_atapi_suite(void)
{
	Suite *s = suite_create("ata_atapi");
	TCase *tc = tcase_create("atapi");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_packet_pio_passes_plain);
	tcase_add_test(tc, test_packet_dma_through_shadow);
	tcase_add_test(tc, test_device_reset_while_busy);
	tcase_add_test(tc, test_disk_beside_cd_stays_encrypted);
	suite_add_tcase(s, tc);
	return s;
}
