/*
 * check_sim_atapi.c - the simulated ATAPI CD-ROM against ATA8-ACS (PACKET,
 * IDENTIFY PACKET DEVICE, DEVICE RESET, signatures), the ATA/ATAPI-7
 * PACKET protocols (PIO bursts bounded by the byte count limit, interrupt
 * reason; DMA) and SPC-3/MMC for the commands a driver sends first.
 */
#include <string.h>

#include "sim_test.h"

#define SEED 0xCD
#define CD_BLOCKS 1000u
#define TABLE 0x80000u
#define BUF_A 0x100000u
#define BUF_B 0x300000u

/* Interrupt reason in the count register: C/D bit 0, I/O bit 1. */
enum { IR_COD = 0x01, IR_IO = 0x02 };

static void setup(void)
{
	struct sim_disk_config cd = { .sectors = CD_BLOCKS * 4, .atapi = true };

	st_machine();
	st_disk(0, 0, 1000, SEED + 1);
	st_disk_cfg(1, 0, &cd, SEED);
}

static void teardown(void)
{
	sim_fini();
}

/* PACKET: select, byte count limit, features (DMA), then the 12-byte packet. */
static void packet(const uint8_t cdb[12], uint16_t limit, bool dma)
{
	uint8_t s;

	st_select(1, 0, 0);
	st_out(1, ST_FEATURE, dma ? 0x01 : 0x00);
	st_out(1, ST_LBAM, (uint8_t)limit);
	st_out(1, ST_LBAH, (uint8_t)(limit >> 8));
	st_cmd(1, 0xA0);
	s = st_wait(1);
	ck_assert_uint_eq(s & (ST_DRQ | ST_ERR), ST_DRQ);
	ck_assert_uint_eq(st_in(1, ST_NSECT) & (IR_COD | IR_IO), IR_COD);
	ck_assert(!sim_irq_line(15));  /* accelerated DRQ: no interrupt before the packet */
	sim_guest_outs(ST_SEC_CMD, 2, cdb, 6);
}

/* PIO data-in bursts until completion; the bytes read, bursts counted. */
static size_t packet_in(void *buf, size_t max, uint16_t limit, unsigned *bursts)
{
	uint8_t *p = buf, s;
	size_t total = 0;

	*bursts = 0;
	for (;;) {
		unsigned n;

		ck_assert(sim_irq_line(15));
		s = st_wait(1);
		if (!(s & ST_DRQ))
			break;
		ck_assert_uint_eq(st_in(1, ST_NSECT) & (IR_COD | IR_IO), IR_IO);
		n = st_in(1, ST_LBAM) | st_in(1, ST_LBAH) << 8;
		ck_assert_uint_gt(n, 0);
		ck_assert_uint_le(n, limit);
		ck_assert_uint_le(total + n, max);
		sim_guest_ins(ST_SEC_CMD, 2, p + total, (n + 1) / 2);
		total += n;
		(*bursts)++;
	}
	ck_assert_uint_eq(s & ST_ERR, 0);
	ck_assert_uint_eq(st_in(1, ST_NSECT) & (IR_COD | IR_IO), IR_COD | IR_IO);
	return total;
}

static void cdb_read10(uint8_t cdb[12], uint32_t lba, uint16_t blocks)
{
	memset(cdb, 0, 12);
	cdb[0] = 0x28;
	cdb[2] = (uint8_t)(lba >> 24);
	cdb[3] = (uint8_t)(lba >> 16);
	cdb[4] = (uint8_t)(lba >> 8);
	cdb[5] = (uint8_t)lba;
	cdb[7] = (uint8_t)(blocks >> 8);
	cdb[8] = (uint8_t)blocks;
}

/* CHECK CONDITION: ERR, sense key in error 7:4; REQUEST SENSE then gives key and ASC. */
static void expect_check(uint8_t key, uint8_t asc)
{
	uint8_t s = st_wait(1), cdb[12] = { 0x03, 0, 0, 0, 18 }, sense[18];
	unsigned bursts;

	ck_assert_uint_eq(s & (ST_ERR | ST_DRQ), ST_ERR);
	ck_assert_uint_eq(st_in(1, ST_ERROR) >> 4, key);
	ck_assert_uint_eq(st_in(1, ST_NSECT) & (IR_COD | IR_IO), IR_COD | IR_IO);
	packet(cdb, 18, false);
	ck_assert_uint_eq(packet_in(sense, sizeof(sense), 18, &bursts), 18);
	ck_assert_uint_eq(sense[0] & 0x7F, 0x70);
	ck_assert_uint_eq(sense[2] & 0x0F, key);
	ck_assert_uint_eq(sense[12], asc);
}

START_TEST(test_identify_and_signature)
{
	uint16_t id[256];
	uint8_t sum = 0;

	/* IDENTIFY DEVICE is aborted and leaves the signature (ATA8-ACS 7.16). */
	st_select(1, 0, 0);
	ck_assert_uint_eq(st_nodata(1, 0xEC) & ST_ERR, ST_ERR);
	ck_assert_uint_eq(st_in(1, ST_ERROR) & ST_ABRT, ST_ABRT);
	ck_assert_uint_eq(st_in(1, ST_LBAM), 0x14);
	ck_assert_uint_eq(st_in(1, ST_LBAH), 0xEB);
	st_identify(1, 0, 0xA1, id);
	ck_assert_uint_eq(id[0] >> 14, 2);           /* ATAPI */
	ck_assert_uint_eq((id[0] >> 8) & 0x1F, 5);   /* CD-ROM */
	ck_assert_uint_eq(id[0] & 3, 0);             /* 12-byte packets */
	ck_assert_uint_eq(id[49] & 0x0300, 0x0300);
	ck_assert_uint_eq(id[255] & 0xFF, 0xA5);
	for (unsigned i = 0; i < 256; i++)
		sum = (uint8_t)(sum + (id[i] & 0xFF) + (id[i] >> 8));
	ck_assert_uint_eq(sum, 0);
	ck_assert_uint_eq(st_in(1, ST_STATUS) & (ST_BSY | ST_DRDY | ST_DRQ), ST_DRDY);
}
END_TEST

START_TEST(test_test_unit_ready)
{
	static const uint8_t cdb[12] = { 0x00 };

	packet(cdb, 0xFFFE, false);
	ck_assert(sim_irq_line(15));
	ck_assert_uint_eq(st_in(1, ST_STATUS) & (ST_ERR | ST_DRQ | ST_BSY | ST_DRDY), ST_DRDY);
	ck_assert_uint_eq(st_in(1, ST_NSECT) & (IR_COD | IR_IO), IR_COD | IR_IO);
}
END_TEST

START_TEST(test_inquiry_and_capacity)
{
	uint8_t cdb[12] = { 0x12, 0, 0, 0, 36 }, buf[64];
	unsigned bursts;

	packet(cdb, 0xFFFE, false);
	ck_assert_uint_eq(packet_in(buf, sizeof(buf), 0xFFFE, &bursts), 36);
	ck_assert_uint_eq(buf[0] & 0x1F, 0x05);   /* CD/DVD device */
	ck_assert_uint_eq(buf[1] & 0x80, 0x80);   /* removable */
	cdb[4] = 5;                               /* allocation length cuts the reply */
	packet(cdb, 0xFFFE, false);
	ck_assert_uint_eq(packet_in(buf, sizeof(buf), 0xFFFE, &bursts), 5);
	memset(cdb, 0, sizeof(cdb));
	cdb[0] = 0x25;
	packet(cdb, 0xFFFE, false);
	ck_assert_uint_eq(packet_in(buf, sizeof(buf), 0xFFFE, &bursts), 8);
	ck_assert_uint_eq((uint32_t)buf[0] << 24 | buf[1] << 16 | buf[2] << 8 | buf[3], CD_BLOCKS - 1);
	ck_assert_uint_eq((uint32_t)buf[4] << 24 | buf[5] << 16 | buf[6] << 8 | buf[7], 2048);
}
END_TEST

/* READ(10) of 5 blocks by PIO under several byte count limits. */
static const struct { uint16_t limit; unsigned bursts; } limits[] = {
	{ 0xFFFE, 1 }, { 4096, 3 }, { 2048, 5 }, { 3000, 4 }, { 0x8000, 1 },
};

START_TEST(test_read10_pio)
{
	uint8_t cdb[12], buf[5 * 2048];
	unsigned bursts;

	cdb_read10(cdb, 7, 5);
	packet(cdb, limits[_i].limit, false);
	ck_assert_uint_eq(packet_in(buf, sizeof(buf), limits[_i].limit, &bursts), sizeof(buf));
	ck_assert_uint_eq(bursts, limits[_i].bursts);
	ck_assert(st_pattern_eq(buf, sizeof(buf), 7 * 2048, SEED));
}
END_TEST

START_TEST(test_read10_dma)
{
	uint8_t cdb[12], buf[4096];

	st_prd(TABLE, 0, BUF_A, 4096, false);
	st_prd(TABLE, 1, BUF_B, 2048, true);
	st_bm_out(ST_BM_BASE, 1, ST_BM_STATUS, ST_BM_ERROR | ST_BM_INTR);
	st_bm_prd(ST_BM_BASE, 1, TABLE);
	st_bm_out(ST_BM_BASE, 1, ST_BM_CMD, ST_BM_TOMEM);
	cdb_read10(cdb, 20, 3);
	packet(cdb, 0xFFFE, true);
	st_bm_out(ST_BM_BASE, 1, ST_BM_CMD, ST_BM_TOMEM | ST_BM_START);
	ck_assert(sim_irq_line(15));
	ck_assert_uint_eq(st_bm_in(ST_BM_BASE, 1, ST_BM_STATUS) & 7, ST_BM_INTR);
	ck_assert_uint_eq(st_in(1, ST_STATUS) & (ST_ERR | ST_DRQ | ST_BSY), 0);
	ck_assert_uint_eq(st_in(1, ST_NSECT) & (IR_COD | IR_IO), IR_COD | IR_IO);
	ck_assert_int_eq(sim_guest_read(BUF_A, buf, 4096), PP_OK);
	ck_assert(st_pattern_eq(buf, 4096, 20 * 2048, SEED));
	ck_assert_int_eq(sim_guest_read(BUF_B, buf, 2048), PP_OK);
	ck_assert(st_pattern_eq(buf, 2048, 22 * 2048, SEED));
}
END_TEST

START_TEST(test_unknown_cdb_check_condition)
{
	static const uint8_t ops[] = { 0xFF, 0x2A, 0x5A, 0xBB };
	uint8_t cdb[12] = { ops[_i] };

	packet(cdb, 0xFFFE, false);
	ck_assert(sim_irq_line(15));
	expect_check(0x05, 0x20);  /* ILLEGAL REQUEST, invalid command operation code */
}
END_TEST

START_TEST(test_read10_past_end)
{
	uint8_t cdb[12];

	cdb_read10(cdb, CD_BLOCKS - 1, 2);
	packet(cdb, 0xFFFE, false);
	expect_check(0x05, 0x21);  /* LOGICAL BLOCK ADDRESS OUT OF RANGE */
}
END_TEST

START_TEST(test_wrong_device_type_aborts)
{
	/* An ATA media command to the CD-ROM, and PACKET to the ATA disk. */
	st_lba28(1, 0, 0, 1);
	ck_assert_uint_eq(st_nodata(1, 0x20) & ST_ERR, ST_ERR);
	ck_assert_uint_eq(st_in(1, ST_ERROR) & ST_ABRT, ST_ABRT);
	st_select(0, 0, 0);
	ck_assert_uint_eq(st_nodata(0, 0xA0) & (ST_ERR | ST_DRQ), ST_ERR);
	ck_assert_uint_eq(st_in(0, ST_ERROR), ST_ABRT);
	ck_assert_uint_eq(st_nodata(0, 0xA1) & ST_ERR, ST_ERR);
}
END_TEST

START_TEST(test_device_reset)
{
	st_select(1, 0, 0);
	st_out(1, ST_LBAM, 0x00);
	st_out(1, ST_LBAH, 0x08);
	st_cmd(1, 0xA0);                       /* waiting for the packet */
	ck_assert_uint_eq(st_alt(1) & ST_DRQ, ST_DRQ);
	st_cmd(1, 0x08);
	ck_assert(!sim_irq_line(15));          /* DEVICE RESET does not interrupt */
	ck_assert_uint_eq(st_wait(1) & (ST_DRQ | ST_ERR), 0);
	ck_assert_uint_eq(st_in(1, ST_ERROR), 0x01);
	ck_assert_uint_eq(st_in(1, ST_NSECT), 1);
	ck_assert_uint_eq(st_in(1, ST_LBAL), 1);
	ck_assert_uint_eq(st_in(1, ST_LBAM), 0x14);
	ck_assert_uint_eq(st_in(1, ST_LBAH), 0xEB);
	ck_assert_uint_eq(sim_guest_in(ST_SEC_CMD, 2), 0xFFFF);
}
END_TEST

Suite *sim_atapi_suite(void)
{
	Suite *s = suite_create("sim_atapi");
	TCase *tc = tcase_create("cdrom");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_identify_and_signature);
	tcase_add_test(tc, test_test_unit_ready);
	tcase_add_test(tc, test_inquiry_and_capacity);
	tcase_add_loop_test(tc, test_read10_pio, 0, sizeof(limits) / sizeof(limits[0]));
	tcase_add_test(tc, test_read10_dma);
	tcase_add_loop_test(tc, test_unknown_cdb_check_condition, 0, 4);
	tcase_add_test(tc, test_read10_past_end);
	tcase_add_test(tc, test_wrong_device_type_aborts);
	tcase_add_test(tc, test_device_reset);
	suite_add_tcase(s, tc);
	return s;
}
