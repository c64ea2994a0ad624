/*
 * check_sim_ata.c - the simulated ATA disk against ATA8-ACS: IDENTIFY
 * DEVICE contents, PIO reads and writes (single, multiple, LBA28, LBA48
 * with HOB, CHS), the 32-bit data port, every drive position, and the
 * error outputs. Data is checked against the test's own reference pattern
 * and, for writes, directly in the disk bytes.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sim_test.h"

#define DISK_SECTORS 20000u
#define SEED 0x5EED

static void setup_one_disk(void)
{
	st_machine();
	st_disk(0, 0, DISK_SECTORS, SEED);
}

static void teardown(void)
{
	sim_fini();
}

/* ---- IDENTIFY DEVICE (ATA8-ACS 7.16, table 45) ---- */

START_TEST(test_identify_words)
{
	uint16_t id[256];
	uint8_t sum = 0;
	char model[41];
	/* Default CHS: 16 heads, 63 sectors, capacity / (16 * 63) cylinders. */
	uint32_t cyls = DISK_SECTORS / (16 * 63);

	st_identify(0, 0, 0xEC, id);
	ck_assert_uint_eq(id[0] & 0x8000, 0);                  /* ATA device */
	ck_assert_uint_eq(id[1], cyls);
	ck_assert_uint_eq(id[3], 16);
	ck_assert_uint_eq(id[6], 63);
	ck_assert_uint_eq(id[47] & 0xFF, 16);                  /* max multiple default */
	ck_assert_uint_eq(id[49] & 0x0300, 0x0300);            /* LBA and DMA */
	ck_assert_uint_eq(id[53] & 0x0007, 0x0007);
	ck_assert_uint_eq(id[54], cyls);
	ck_assert_uint_eq(id[55], 16);
	ck_assert_uint_eq(id[56], 63);
	ck_assert_uint_eq(id[57] | (uint32_t)id[58] << 16, cyls * 16 * 63);
	ck_assert_uint_eq(id[59] & 0x0100, 0);                 /* multiple off after power-on */
	ck_assert_uint_eq(id[60] | (uint32_t)id[61] << 16, DISK_SECTORS);
	ck_assert_uint_eq(id[63] & 0x0007, 0x0007);            /* MWDMA 0-2 */
	ck_assert_uint_eq(id[83] & 0x4400, 0x4400);            /* valid, 48-bit */
	ck_assert_uint_eq(id[86] & 0x0400, 0x0400);
	ck_assert_uint_eq(id[88] & 0x003F, 0x003F);            /* UDMA 0-5 */
	ck_assert_uint_eq(id[100] | (uint64_t)id[101] << 16 | (uint64_t)id[102] << 32 |
			  (uint64_t)id[103] << 48, DISK_SECTORS);
	ck_assert_uint_eq(id[169] & 1, 1);                     /* TRIM */
	/* Word 255: A5h signature, and all 512 bytes sum to zero. */
	ck_assert_uint_eq(id[255] & 0xFF, 0xA5);
	for (unsigned i = 0; i < 256; i++)
		sum = (uint8_t)(sum + (id[i] & 0xFF) + (id[i] >> 8));
	ck_assert_uint_eq(sum, 0);
	st_id_string(id, 27, 20, model);
	ck_assert_str_eq(model, "PARAPASS SIM DISK");
}
END_TEST

START_TEST(test_identify_no_lba48_and_model)
{
	struct sim_disk_config cfg = {
		.sectors = 5000, .no_lba48 = true, .model = "ACME 12", .max_multiple = SIM_NO_MULTIPLE,
		.cyls = 4, .heads = 15, .spt = 17,
	};
	uint16_t id[256];
	char model[41];

	st_machine();
	st_disk_cfg(0, 0, &cfg, SEED);
	st_identify(0, 0, 0xEC, id);
	st_id_string(id, 27, 20, model);
	ck_assert_str_eq(model, "ACME 12");
	ck_assert_uint_eq(id[83] & 0x0400, 0);
	ck_assert_uint_eq(id[100] | id[101] | id[102] | id[103], 0);
	ck_assert_uint_eq(id[47] & 0xFF, 0);
	ck_assert_uint_eq(id[1], 4);
	ck_assert_uint_eq(id[3], 15);
	ck_assert_uint_eq(id[6], 17);
	/* A 48-bit command on a device without the feature set: ABRT. */
	st_lba48(0, 0, 0, 1);
	ck_assert_uint_eq(st_nodata(0, 0x24) & ST_ERR, ST_ERR);
	ck_assert_uint_eq(st_in(0, ST_ERROR), ST_ABRT);
	/* No multiple support: SET MULTIPLE MODE aborts. */
	st_out(0, ST_NSECT, 1);
	ck_assert_uint_eq(st_nodata(0, 0xC6) & ST_ERR, ST_ERR);
}
END_TEST

/* ---- PIO, LBA28 ---- */

struct pio_case {
	uint8_t cmd;
	uint32_t lba;
	uint8_t count_reg;
	uint32_t sectors;   /* what the count register means: 0 = 256 */
	unsigned width;
};

static const struct pio_case pio_cases[] = {
	{ 0x20, 1234, 1, 1, 2 },
	{ 0x20, 77, 0, 256, 2 },
	{ 0x21, DISK_SECTORS - 3, 3, 3, 4 },   /* obsolete no-retry form, 32-bit port */
	{ 0x30, 4321, 1, 1, 2 },
	{ 0x30, 900, 0, 256, 2 },
	{ 0x31, DISK_SECTORS - 1, 1, 1, 4 },
};

START_TEST(test_pio_lba28)
{
	const struct pio_case *c = &pio_cases[_i];
	size_t bytes = (size_t)c->sectors * 512;
	uint8_t *buf = malloc(bytes), *disk = sim_disk_data(0, 0);
	bool write = c->cmd >= 0x30;
	unsigned blocks;

	ck_assert_ptr_nonnull(buf);
	if (write)
		st_pattern(buf, bytes, 0, SEED + 1);
	st_lba28(0, 0, c->lba, c->count_reg);
	st_cmd(0, c->cmd);
	blocks = write ? st_pio_out(0, buf, c->sectors, 1, c->width) :
			 st_pio_in(0, buf, c->sectors, 1, c->width);
	ck_assert_uint_eq(blocks, c->sectors);  /* one DRQ block per sector */
	if (write) {
		ck_assert_mem_eq(disk + (size_t)c->lba * 512, buf, bytes);
		/* The neighbours keep the original content. */
		if (c->lba)
			ck_assert(st_pattern_eq(disk + (size_t)(c->lba - 1) * 512, 512,
						(uint64_t)(c->lba - 1) * 512, SEED));
		if (c->lba + c->sectors < DISK_SECTORS)
			ck_assert(st_pattern_eq(disk + (size_t)(c->lba + c->sectors) * 512, 512,
						(uint64_t)(c->lba + c->sectors) * 512, SEED));
	} else {
		ck_assert(st_pattern_eq(buf, bytes, (uint64_t)c->lba * 512, SEED));
	}
	free(buf);
}
END_TEST

/* ---- READ/WRITE MULTIPLE and SET MULTIPLE MODE (ATA8-ACS 7.26, 7.47, 7.60) ---- */

START_TEST(test_multiple)
{
	uint8_t buf[20 * 512];
	uint8_t *disk = sim_disk_data(0, 0);
	static const uint8_t bad[] = { 3, 12, 32 };  /* not a power of two, over word 47 (16) */

	st_lba28(0, 0, 100, 20);
	ck_assert_uint_eq(st_nodata(0, 0xC4) & ST_ERR, ST_ERR);  /* multiple mode off */
	ck_assert_uint_eq(st_in(0, ST_ERROR), ST_ABRT);
	for (unsigned i = 0; i < sizeof(bad); i++) {
		st_out(0, ST_NSECT, bad[i]);
		ck_assert_uint_eq(st_nodata(0, 0xC6) & ST_ERR, ST_ERR);
	}
	st_out(0, ST_NSECT, 8);
	ck_assert_uint_eq(st_nodata(0, 0xC6) & ST_ERR, 0);
	/* 20 sectors in blocks of 8: 8 + 8 + 4. */
	st_lba28(0, 0, 100, 20);
	st_cmd(0, 0xC4);
	ck_assert_uint_eq(st_pio_in(0, buf, 20, 8, 2), 3);
	ck_assert(st_pattern_eq(buf, sizeof(buf), 100 * 512, SEED));
	st_pattern(buf, sizeof(buf), 0, SEED + 2);
	st_lba28(0, 0, 300, 20);
	st_cmd(0, 0xC5);
	ck_assert_uint_eq(st_pio_out(0, buf, 20, 8, 4), 3);
	ck_assert_mem_eq(disk + 300 * 512, buf, sizeof(buf));
	/* The setting survives a software reset (ATA8-ACS 7.47). */
	st_devctl(0, ST_SRST);
	st_devctl(0, 0);
	st_wait(0);
	st_lba28(0, 0, 300, 20);
	st_cmd(0, 0xC4);
	ck_assert_uint_eq(st_pio_in(0, buf, 20, 8, 2), 3);
	/* Count 0 turns multiple mode off again. */
	st_out(0, ST_NSECT, 0);
	ck_assert_uint_eq(st_nodata(0, 0xC6) & ST_ERR, 0);
	st_lba28(0, 0, 0, 1);
	ck_assert_uint_eq(st_nodata(0, 0xC4) & ST_ERR, ST_ERR);
}
END_TEST

START_TEST(test_multiple_irq_per_block)
{
	uint8_t buf[8 * 512];

	st_out(0, ST_NSECT, 8);
	ck_assert_uint_eq(st_nodata(0, 0xC6) & ST_ERR, 0);
	/* One interrupt per DRQ block of 8, none inside a block (ATA8-ACS 7.26). */
	st_lba28(0, 0, 100, 16);
	st_cmd(0, 0xC4);
	ck_assert_uint_eq(st_wait(0) & ST_DRQ, ST_DRQ);
	sim_guest_ins(ST_PRI_CMD, 2, buf, 7 * 256);
	ck_assert(!sim_irq_line(14));
	ck_assert_uint_eq(st_alt(0) & ST_DRQ, ST_DRQ);
	sim_guest_ins(ST_PRI_CMD, 2, buf + 7 * 512, 256);
	ck_assert(sim_irq_line(14));
	ck_assert(st_pattern_eq(buf, 8 * 512, 100 * 512, SEED));
	st_wait(0);
	sim_guest_ins(ST_PRI_CMD, 2, buf, 8 * 256);
	ck_assert(!sim_irq_line(14));  /* the last block ends without one */
	ck_assert_uint_eq(st_alt(0) & (ST_DRQ | ST_BSY | ST_ERR), 0);
	st_lba28(0, 0, 300, 16);
	st_cmd(0, 0xC5);
	ck_assert_uint_eq(st_wait(0) & ST_DRQ, ST_DRQ);
	sim_guest_outs(ST_PRI_CMD, 2, buf, 7 * 256);
	ck_assert(!sim_irq_line(14));
	sim_guest_outs(ST_PRI_CMD, 2, buf, 256);
	ck_assert(sim_irq_line(14));
	st_wait(0);
	sim_guest_outs(ST_PRI_CMD, 2, buf, 8 * 256);
	ck_assert(sim_irq_line(14));   /* completion of a data-out command interrupts */
	ck_assert_uint_eq(st_wait(0) & (ST_DRQ | ST_ERR), 0);
}
END_TEST

/* ---- LBA48 and the HOB registers (ATA8-ACS 4.18.5; ATA/ATAPI-7 vol. 1 6.20, 7.9) ---- */

/* Above 2^28 sectors, so the HOB bytes matter: a sparse image file. */
#define BIG_SECTORS ((1ull << 28) + 70000)
#define BIG_LBA ((1ull << 28) + 1234)

static char big_path[256];

static void setup_big(void)
{
	struct sim_disk_config cfg = { .sectors = BIG_SECTORS, .path = big_path };

	st_machine();
	st_image(big_path, sizeof(big_path), BIG_SECTORS);
	ck_assert_int_eq(sim_disk_attach(0, 0, &cfg), PP_OK);
	/* The mapping outlives the name: no 128 GiB file is left if a test is killed. */
	unlink(big_path);
}

START_TEST(test_hob_registers)
{
	st_select(0, 0, ST_DEV_LBA);
	st_out(0, ST_NSECT, 0x12);
	st_out(0, ST_LBAL, 0x34);
	st_out(0, ST_LBAM, 0x56);
	st_out(0, ST_LBAH, 0x78);
	st_out(0, ST_NSECT, 0x9A);
	st_out(0, ST_LBAL, 0xBC);
	st_out(0, ST_LBAM, 0xDE);
	st_out(0, ST_LBAH, 0xF0);
	ck_assert_uint_eq(st_in(0, ST_NSECT), 0x9A);
	ck_assert_uint_eq(st_in(0, ST_LBAH), 0xF0);
	st_devctl(0, ST_HOB);
	ck_assert_uint_eq(st_in(0, ST_NSECT), 0x12);
	ck_assert_uint_eq(st_in(0, ST_LBAL), 0x34);
	ck_assert_uint_eq(st_in(0, ST_LBAM), 0x56);
	ck_assert_uint_eq(st_in(0, ST_LBAH), 0x78);
	/* A write to any command block register clears HOB. */
	st_out(0, ST_FEATURE, 0);
	ck_assert_uint_eq(st_in(0, ST_LBAH), 0xF0);
}
END_TEST

START_TEST(test_lba48_pio)
{
	uint8_t buf[3 * 512], *disk = sim_disk_data(0, 0);
	uint64_t max;

	st_pattern(buf, sizeof(buf), 0, SEED + 3);
	st_lba48(0, 0, BIG_LBA, 3);
	st_cmd(0, 0x34);
	ck_assert_uint_eq(st_pio_out(0, buf, 3, 1, 2), 3);
	ck_assert_mem_eq(disk + BIG_LBA * 512, buf, sizeof(buf));
	/* The same sectors through LBA28 would be 1234: still zero there. */
	ck_assert_uint_eq(disk[1234 * 512], 0);
	memset(buf, 0, sizeof(buf));
	st_lba48(0, 0, BIG_LBA, 3);
	st_cmd(0, 0x24);
	ck_assert_uint_eq(st_pio_in(0, buf, 3, 1, 4), 3);
	ck_assert_mem_eq(buf, disk + BIG_LBA * 512, sizeof(buf));
	/* READ NATIVE MAX ADDRESS EXT: the last LBA, 47:24 in the HOB copies. */
	st_select(0, 0, ST_DEV_LBA);
	ck_assert_uint_eq(st_nodata(0, 0x27) & ST_ERR, 0);
	max = st_in(0, ST_LBAL) | (uint64_t)st_in(0, ST_LBAM) << 8 | (uint64_t)st_in(0, ST_LBAH) << 16;
	st_devctl(0, ST_HOB);
	max |= (uint64_t)st_in(0, ST_LBAL) << 24 | (uint64_t)st_in(0, ST_LBAM) << 32 |
	       (uint64_t)st_in(0, ST_LBAH) << 40;
	st_devctl(0, 0);
	ck_assert_uint_eq(max, BIG_SECTORS - 1);
	/* READ NATIVE MAX ADDRESS (28-bit) saturates at 0FFFFFFFh. */
	ck_assert_uint_eq(st_nodata(0, 0xF8) & ST_ERR, 0);
	ck_assert_uint_eq(st_in(0, ST_DEVICE) & 0x0F, 0x0F);
	ck_assert_uint_eq(st_in(0, ST_LBAH), 0xFF);
	ck_assert_uint_eq(st_in(0, ST_LBAL), 0xFF);
}
END_TEST

START_TEST(test_lba48_count_65536)
{
	const uint32_t n = 65536;
	uint8_t *buf = malloc((size_t)n * 512), *disk = sim_disk_data(0, 0);
	uint64_t lba = BIG_SECTORS - n;

	ck_assert_ptr_nonnull(buf);
	/* Count 0000h means 65536: the last 65536 sectors verify, one more is IDNF. */
	st_lba48(0, 0, lba, 0);
	ck_assert_uint_eq(st_nodata(0, 0x42) & ST_ERR, 0);
	st_lba48(0, 0, lba + 1, 0);
	ck_assert_uint_eq(st_nodata(0, 0x42) & ST_ERR, ST_ERR);
	ck_assert_uint_eq(st_in(0, ST_ERROR), ST_IDNF);
	/* And data moves: 65536 DRQ blocks of one sector. */
	st_pattern(disk + lba * 512, (size_t)n * 512, 0, SEED + 4);
	st_lba48(0, 0, lba, 0);
	st_cmd(0, 0x24);
	ck_assert_uint_eq(st_pio_in(0, buf, n, 1, 4), n);
	ck_assert(st_pattern_eq(buf, (size_t)n * 512, 0, SEED + 4));
	free(buf);
}
END_TEST

/* ---- CHS (ATA/ATAPI-7 vol. 1 6.2; INITIALIZE DEVICE PARAMETERS, ATA-7 6.30) ---- */

static void chs_out(unsigned cyl, unsigned head, unsigned sector, uint8_t count)
{
	st_select(0, 0, (uint8_t)head);  /* LBA bit clear */
	st_out(0, ST_NSECT, count);
	st_out(0, ST_LBAL, (uint8_t)sector);
	st_out(0, ST_LBAM, (uint8_t)cyl);
	st_out(0, ST_LBAH, (uint8_t)(cyl >> 8));
}

START_TEST(test_chs)
{
	uint8_t buf[512];
	uint16_t id[256];

	/* Default geometry 16 heads x 63 sectors: C/H/S 2/3/4. */
	chs_out(2, 3, 4, 1);
	st_cmd(0, 0x20);
	st_pio_in(0, buf, 1, 1, 2);
	ck_assert(st_pattern_eq(buf, 512, ((2 * 16 + 3) * 63 + 4 - 1) * 512ull, SEED));
	/* Sector 0, a sector past the track, a head past the last: IDNF. */
	chs_out(0, 0, 0, 1);
	ck_assert_uint_eq(st_nodata(0, 0x20) & ST_ERR, ST_ERR);
	ck_assert_uint_eq(st_in(0, ST_ERROR), ST_IDNF);
	chs_out(0, 0, 64, 1);
	ck_assert_uint_eq(st_nodata(0, 0x20) & ST_ERR, ST_ERR);
	/* INITIALIZE DEVICE PARAMETERS: 17 sectors a track, 4 heads (DEV 3:0 = 3). */
	st_select(0, 0, 3);
	st_out(0, ST_NSECT, 17);
	ck_assert_uint_eq(st_nodata(0, 0x91) & ST_ERR, 0);
	chs_out(1, 2, 5, 1);
	st_cmd(0, 0x20);
	st_pio_in(0, buf, 1, 1, 2);
	ck_assert(st_pattern_eq(buf, 512, ((1 * 4 + 2) * 17 + 5 - 1) * 512ull, SEED));
	chs_out(0, 4, 1, 1);  /* head 4 of 4 */
	ck_assert_uint_eq(st_nodata(0, 0x20) & ST_ERR, ST_ERR);
	st_identify(0, 0, 0xEC, id);
	ck_assert_uint_eq(id[55], 4);
	ck_assert_uint_eq(id[56], 17);
	ck_assert_uint_eq(id[54], DISK_SECTORS / (4 * 17));
	ck_assert_uint_eq(id[3], 16);  /* default geometry unchanged */
	/* Zero sectors a track is invalid: ABRT. */
	st_select(0, 0, 3);
	st_out(0, ST_NSECT, 0);
	ck_assert_uint_eq(st_nodata(0, 0x91) & ST_ERR, ST_ERR);
	ck_assert_uint_eq(st_in(0, ST_ERROR), ST_ABRT);
}
END_TEST

/* ---- the 32-bit data port and every drive position ---- */

START_TEST(test_identify_32bit_equals_16bit)
{
	uint16_t a[256], b[256];

	st_identify(0, 0, 0xEC, a);
	st_select(0, 0, 0);
	st_cmd(0, 0xEC);
	ck_assert_uint_eq(st_pio_in(0, b, 1, 1, 4), 1);
	ck_assert_mem_eq(a, b, sizeof(a));
}
END_TEST

START_TEST(test_four_positions)
{
	unsigned ch = (unsigned)_i / 2, dev = (unsigned)_i % 2;
	uint8_t buf[2 * 512];

	st_machine();
	for (unsigned p = 0; p < 4; p++)
		st_disk(p / 2, p % 2, 1000 + p, SEED + 10 * p);
	st_lba28(ch, dev, 7, 2);
	st_cmd(ch, 0x20);
	st_pio_in(ch, buf, 2, 1, 2);
	ck_assert(st_pattern_eq(buf, sizeof(buf), 7 * 512, SEED + 10 * (unsigned)_i));
	st_pattern(buf, sizeof(buf), 0, 99);
	st_lba28(ch, dev, 9, 2);
	st_cmd(ch, 0x30);
	st_pio_out(ch, buf, 2, 1, 2);
	for (unsigned p = 0; p < 4; p++) {
		uint8_t *d = sim_disk_data(p / 2, p % 2);

		ck_assert_uint_eq(sim_disk_sectors(p / 2, p % 2), 1000 + p);
		if (p == (unsigned)_i)
			ck_assert_mem_eq(d + 9 * 512, buf, sizeof(buf));
		else
			ck_assert(st_pattern_eq(d + 9 * 512, sizeof(buf), 9 * 512, SEED + 10 * p));
	}
}
END_TEST

/* ---- error outputs ---- */

START_TEST(test_unsupported_opcodes_abort)
{
	static const uint8_t ops[] = { 0x00, 0x08, 0xA0, 0xA1, 0xB0, 0xFF, 0x50, 0xF1 };
	uint8_t s;

	st_select(0, 0, 0);
	st_cmd(0, ops[_i]);
	ck_assert(sim_irq_line(14));
	s = st_wait(0);
	ck_assert_uint_eq(s & (ST_ERR | ST_DRDY | ST_DRQ | ST_BSY), ST_ERR | ST_DRDY);
	ck_assert_uint_eq(st_in(0, ST_ERROR), ST_ABRT);
	ck_assert(!sim_irq_line(14));
}
END_TEST

struct idnf_case {
	uint8_t cmd;
	uint32_t lba;
	uint8_t count;
};

static const struct idnf_case idnf_cases[] = {
	{ 0x20, DISK_SECTORS, 1 },
	{ 0x20, DISK_SECTORS - 1, 2 },
	{ 0x30, DISK_SECTORS - 255, 0 },  /* 256 sectors, one past the end */
	{ 0x40, DISK_SECTORS, 1 },
	{ 0xC8, DISK_SECTORS + 100, 1 },
	{ 0xCA, 0x0FFFFFFF, 1 },
};

START_TEST(test_lba_past_end_idnf)
{
	const struct idnf_case *c = &idnf_cases[_i];
	uint8_t s;

	st_lba28(0, 0, c->lba, c->count);
	st_cmd(0, c->cmd);
	s = st_wait(0);
	ck_assert_uint_eq(s & (ST_ERR | ST_DRQ), ST_ERR);
	ck_assert_uint_eq(st_in(0, ST_ERROR), ST_IDNF);
	ck_assert(st_pattern_eq(sim_disk_data(0, 0) + (size_t)(DISK_SECTORS - 256) * 512, 256 * 512,
				(uint64_t)(DISK_SECTORS - 256) * 512, SEED));
}
END_TEST

/* ---- no-data commands ---- */

START_TEST(test_set_features)
{
	uint16_t id[256];
	static const struct { uint8_t feat, count; bool ok; } cases[] = {
		{ 0x03, 0x22, true }, { 0x03, 0x45, true }, { 0x03, 0x0C, true }, { 0x03, 0x00, true },
		{ 0x03, 0x23, false }, { 0x03, 0x46, false }, { 0x03, 0x50, false },
		{ 0x82, 0, true }, { 0x02, 0, true }, { 0x55, 0, true }, { 0xAA, 0, true },
		{ 0x99, 0, false }, { 0x66, 0, false },
	};

	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		st_select(0, 0, 0);
		st_out(0, ST_FEATURE, cases[i].feat);
		st_out(0, ST_NSECT, cases[i].count);
		ck_assert_msg((st_nodata(0, 0xEF) & ST_ERR) == (cases[i].ok ? 0 : ST_ERR),
			      "SET FEATURES %02x/%02x", cases[i].feat, cases[i].count);
	}
	/* The last transfer modes set: UDMA5 then PIO; write cache on, look-ahead on. */
	st_identify(0, 0, 0xEC, id);
	ck_assert_uint_eq(id[88] >> 8, 0x20);
	ck_assert_uint_eq(id[63] >> 8, 0);
	ck_assert_uint_eq(id[85] & 0x0060, 0x0060);
	st_out(0, ST_FEATURE, 0x82);
	st_nodata(0, 0xEF);
	st_out(0, ST_FEATURE, 0x03);
	st_out(0, ST_NSECT, 0x22);
	st_nodata(0, 0xEF);
	st_identify(0, 0, 0xEC, id);
	ck_assert_uint_eq(id[85] & 0x0020, 0);
	ck_assert_uint_eq(id[63] >> 8, 0x04);
	ck_assert_uint_eq(id[88] >> 8, 0);
}
END_TEST

START_TEST(test_nodata_commands)
{
	static const uint8_t ok[] = { 0x10, 0x70, 0xE7, 0xEA, 0xE5, 0x40 };

	for (unsigned i = 0; i < sizeof(ok); i++) {
		st_lba28(0, 0, 5, 1);
		st_cmd(0, ok[i]);
		ck_assert(sim_irq_line(14));
		ck_assert_msg((st_wait(0) & (ST_ERR | ST_DRQ | ST_DRDY)) == ST_DRDY, "cmd %02x", ok[i]);
	}
	/* CHECK POWER MODE: FFh = active or idle. */
	st_select(0, 0, 0);
	st_nodata(0, 0xE5);
	ck_assert_uint_eq(st_in(0, ST_NSECT), 0xFF);
	/* READ NATIVE MAX ADDRESS: the last LBA. */
	st_select(0, 0, ST_DEV_LBA);
	st_nodata(0, 0xF8);
	ck_assert_uint_eq(st_in(0, ST_LBAL) | st_in(0, ST_LBAM) << 8 | st_in(0, ST_LBAH) << 16 |
			  (st_in(0, ST_DEVICE) & 0x0F) << 24, DISK_SECTORS - 1);
}
END_TEST

START_TEST(test_execute_device_diagnostic)
{
	st_disk(0, 1, 100, 7);
	st_lba28(0, 1, 0x123456, 9);
	st_cmd(0, 0x90);
	ck_assert(sim_irq_line(14));  /* device 0 reports */
	ck_assert_uint_eq(st_wait(0) & ST_ERR, 0);
	ck_assert_uint_eq(st_in(0, ST_DEVICE) & ST_DEV_SLAVE, 0);
	ck_assert_uint_eq(st_in(0, ST_ERROR), 0x01);
	ck_assert_uint_eq(st_in(0, ST_NSECT), 1);
	ck_assert_uint_eq(st_in(0, ST_LBAL), 1);
	ck_assert_uint_eq(st_in(0, ST_LBAM), 0);
	ck_assert_uint_eq(st_in(0, ST_LBAH), 0);
	st_select(0, 1, 0);
	ck_assert_uint_eq(st_in(0, ST_ERROR), 0x01);
	ck_assert_uint_eq(st_in(0, ST_NSECT), 1);
}
END_TEST

Suite *sim_ata_suite(void)
{
	Suite *s = suite_create("sim_ata");
	TCase *tc = tcase_create("identify_pio");
	TCase *big = tcase_create("lba48");
	TCase *pos = tcase_create("positions");

	tcase_add_checked_fixture(tc, setup_one_disk, teardown);
	tcase_add_test(tc, test_identify_words);
	tcase_add_loop_test(tc, test_pio_lba28, 0, sizeof(pio_cases) / sizeof(pio_cases[0]));
	tcase_add_test(tc, test_multiple);
	tcase_add_test(tc, test_multiple_irq_per_block);
	tcase_add_test(tc, test_chs);
	tcase_add_test(tc, test_identify_32bit_equals_16bit);
	tcase_add_loop_test(tc, test_unsupported_opcodes_abort, 0, 8);
	tcase_add_loop_test(tc, test_lba_past_end_idnf, 0, sizeof(idnf_cases) / sizeof(idnf_cases[0]));
	tcase_add_test(tc, test_set_features);
	tcase_add_test(tc, test_nodata_commands);
	tcase_add_test(tc, test_execute_device_diagnostic);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(big, setup_big, teardown);
	tcase_add_test(big, test_hob_registers);
	tcase_add_test(big, test_lba48_pio);
	tcase_add_test(big, test_lba48_count_65536);
	tcase_set_timeout(big, 60);
	suite_add_tcase(s, big);

	tcase_add_checked_fixture(pos, NULL, teardown);
	tcase_add_test(pos, test_identify_no_lba48_and_model);
	tcase_add_loop_test(pos, test_four_positions, 0, 4);
	suite_add_tcase(s, pos);
	return s;
}
