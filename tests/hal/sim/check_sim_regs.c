/*
 * check_sim_regs.c - register-level behaviour of the simulated channels
 * (ATA/ATAPI-7 volume 1 chapters 5-7, volume 2 chapters 9 and 11): INTRQ,
 * nIEN and the IRQ lines, Status acknowledging the interrupt and Alternate
 * Status not, software reset and signatures, busy periods, absent devices,
 * the data port outside DRQ and byte-wide.
 */
#include <string.h>

#include "sim_test.h"

#define SEED 0xAB

static void setup_master(void)
{
	st_machine();
	st_disk(0, 0, 4096, SEED);
}

static void teardown(void)
{
	sim_fini();
}

/* ---- INTRQ, nIEN, IRQ lines ---- */

START_TEST(test_irq_ack_by_status_not_alt)
{
	uint8_t buf[2 * 512];

	st_lba28(0, 0, 10, 1);
	ck_assert(!sim_irq_line(14));
	st_cmd(0, 0x20);
	ck_assert(sim_irq_line(14));
	ck_assert_uint_eq(st_alt(0) & ST_DRQ, ST_DRQ);
	ck_assert(sim_irq_line(14));                       /* alt status: still pending */
	ck_assert_uint_eq(st_in(0, ST_STATUS) & ST_DRQ, ST_DRQ);
	ck_assert(!sim_irq_line(14));                      /* status read acknowledged it */
	ck_assert_uint_eq(st_bm_in(ST_BM_BASE, 0, ST_BM_STATUS) & ST_BM_INTR, ST_BM_INTR);
	sim_guest_ins(ST_PRI_CMD, 2, buf, 256);
	ck_assert(!sim_irq_line(14));                      /* no interrupt after the last data-in block */
	ck_assert_uint_eq(st_alt(0) & (ST_DRQ | ST_BSY), 0);

	/* Data-out: DRQ without interrupt first, then INTRQ after each block. */
	st_lba28(0, 0, 20, 2);
	st_cmd(0, 0x30);
	ck_assert_uint_eq(st_alt(0) & ST_DRQ, ST_DRQ);
	ck_assert(!sim_irq_line(14));
	sim_guest_outs(ST_PRI_CMD, 2, buf, 256);
	ck_assert(sim_irq_line(14));
	ck_assert_uint_eq(st_in(0, ST_STATUS) & ST_DRQ, ST_DRQ);
	sim_guest_outs(ST_PRI_CMD, 2, buf + 512, 256);
	ck_assert(sim_irq_line(14));
	ck_assert_uint_eq(st_in(0, ST_STATUS) & (ST_DRQ | ST_ERR | ST_DRDY), ST_DRDY);
	ck_assert(!sim_irq_line(14));
}
END_TEST

START_TEST(test_nien_masks_line)
{
	st_devctl(0, ST_NIEN);
	st_lba28(0, 0, 10, 1);
	st_cmd(0, 0x20);
	ck_assert_uint_eq(st_alt(0) & ST_DRQ, ST_DRQ);
	ck_assert(!sim_irq_line(14));
	/* The device still holds INTRQ: clearing nIEN lets it through. */
	st_devctl(0, 0);
	ck_assert(sim_irq_line(14));
	st_in(0, ST_STATUS);
	ck_assert(!sim_irq_line(14));
}
END_TEST

START_TEST(test_irq_follows_selection_and_channel)
{
	st_disk(0, 1, 100, SEED + 1);
	st_disk(1, 0, 100, SEED + 2);
	st_lba28(0, 0, 0, 1);
	st_nodata(0, 0x40);
	st_lba28(0, 0, 0, 1);
	st_cmd(0, 0x40);                  /* INTRQ pending on ch 0 master */
	ck_assert(sim_irq_line(14));
	st_out(0, ST_DEVICE, ST_DEV_OBS | ST_DEV_SLAVE);
	ck_assert(!sim_irq_line(14));     /* only the selected device drives INTRQ */
	st_out(0, ST_DEVICE, ST_DEV_OBS);
	ck_assert(sim_irq_line(14));
	ck_assert(!sim_irq_line(15));
	st_lba28(1, 0, 0, 1);
	st_cmd(1, 0x40);
	ck_assert(sim_irq_line(15));      /* secondary channel: IRQ 15 */
	st_in(1, ST_STATUS);
	ck_assert(!sim_irq_line(15));
	ck_assert(sim_irq_line(14));
}
END_TEST

START_TEST(test_taskfile_writes_reach_both_devices)
{
	st_disk(0, 1, 100, SEED + 1);
	st_lba28(0, 0, 0x0345678, 0x21);
	st_out(0, ST_DEVICE, ST_DEV_OBS | ST_DEV_LBA | ST_DEV_SLAVE | 0x03);
	ck_assert_uint_eq(st_in(0, ST_NSECT), 0x21);
	ck_assert_uint_eq(st_in(0, ST_LBAL), 0x78);
	ck_assert_uint_eq(st_in(0, ST_LBAM), 0x56);
	ck_assert_uint_eq(st_in(0, ST_LBAH), 0x34);
	ck_assert_uint_eq(st_in(0, ST_DEVICE) & 0x5F, ST_DEV_LBA | ST_DEV_SLAVE | 0x03);
	/* The slave runs a command on them; the master keeps its copy. */
	st_cmd(0, 0xF8);
	ck_assert_uint_eq(st_wait(0) & ST_ERR, 0);
	ck_assert_uint_eq(st_in(0, ST_LBAL), 99);  /* READ NATIVE MAX: last LBA of 100 */
	st_out(0, ST_DEVICE, ST_DEV_OBS);
	ck_assert_uint_eq(st_in(0, ST_LBAL), 0x78);
}
END_TEST

/* ---- SRST and signatures (ATA8-ACS 9.12; ATA/ATAPI-7 vol. 2 9.2) ---- */

struct srst_case {
	bool atapi;
	unsigned dev;
};

static const struct srst_case srst_cases[] = {
	{ false, 0 }, { false, 1 }, { true, 0 }, { true, 1 },
};

START_TEST(test_srst_signature)
{
	const struct srst_case *c = &srst_cases[_i];
	struct sim_disk_config disk = { .sectors = 400 };
	struct sim_disk_config cd = { .sectors = 400, .atapi = true };
	uint8_t s;

	st_machine();
	st_disk_cfg(0, 0, c->dev == 0 && c->atapi ? &cd : &disk, SEED);
	st_disk_cfg(0, 1, c->dev == 1 && c->atapi ? &cd : &disk, SEED);
	st_lba28(0, 1, 0x0ABCDE, 0x55);   /* junk in both devices' taskfiles */
	st_out(0, ST_FEATURE, 0x11);
	st_devctl(0, ST_SRST);
	ck_assert_uint_eq(st_alt(0) & ST_BSY, ST_BSY);
	st_devctl(0, 0);
	s = st_wait(0);
	/* DEV cleared: device 0 answers. */
	ck_assert_uint_eq(st_in(0, ST_DEVICE) & ST_DEV_SLAVE, 0);
	if (c->dev) {
		st_select(0, 1, 0);
		s = st_wait(0);
	}
	ck_assert_uint_eq(st_in(0, ST_NSECT), 1);
	ck_assert_uint_eq(st_in(0, ST_LBAL), 1);
	ck_assert_uint_eq(st_in(0, ST_LBAM), c->atapi ? 0x14 : 0x00);
	ck_assert_uint_eq(st_in(0, ST_LBAH), c->atapi ? 0xEB : 0x00);
	ck_assert_uint_eq(st_in(0, ST_ERROR), 0x01);
	ck_assert_uint_eq(s & (ST_BSY | ST_DRQ | ST_ERR), 0);
	/* A PACKET device clears DRDY after reset; an ATA device sets it. */
	ck_assert_uint_eq(s & ST_DRDY, c->atapi ? 0 : ST_DRDY);
	ck_assert(!sim_irq_line(14));     /* no interrupt after SRST */
}
END_TEST

START_TEST(test_srst_aborts_transfer)
{
	uint16_t w[128];

	st_lba28(0, 0, 3, 2);
	st_cmd(0, 0x20);
	st_wait(0);
	sim_guest_ins(ST_PRI_CMD, 2, w, 128);  /* half a sector */
	st_devctl(0, ST_SRST);
	st_devctl(0, 0);
	ck_assert_uint_eq(st_wait(0) & ST_DRQ, 0);
	ck_assert_uint_eq(sim_guest_in(ST_PRI_CMD, 2), 0xFFFF);
	ck_assert_uint_eq(st_in(0, ST_NSECT), 1);  /* signature replaced the taskfile */
}
END_TEST

/* ---- busy periods (sim_disk_config.busy_polls) ---- */

START_TEST(test_busy_polls)
{
	struct sim_disk_config cfg = { .sectors = 100, .busy_polls = 3 };
	uint8_t buf[512];

	st_machine();
	st_disk_cfg(0, 0, &cfg, SEED);
	st_out(0, ST_DEVICE, ST_DEV_OBS | ST_DEV_LBA);
	st_out(0, ST_NSECT, 2);
	st_out(0, ST_LBAL, 4);
	st_out(0, ST_LBAM, 0);
	st_out(0, ST_LBAH, 0);
	st_cmd(0, 0x20);
	/* Three reads (status or alternate status) see BSY, the fourth the DRQ block. */
	ck_assert_uint_eq(st_in(0, ST_STATUS) & (ST_BSY | ST_DRQ), ST_BSY);
	ck_assert_uint_eq(st_alt(0) & (ST_BSY | ST_DRQ), ST_BSY);
	ck_assert(!sim_irq_line(14));
	ck_assert_uint_eq(st_in(0, ST_STATUS) & (ST_BSY | ST_DRQ), ST_BSY);
	ck_assert(sim_irq_line(14));      /* the block is ready: INTRQ */
	ck_assert_uint_eq(st_alt(0) & (ST_BSY | ST_DRQ), ST_DRQ);
	sim_guest_ins(ST_PRI_CMD, 2, buf, 256);
	ck_assert(st_pattern_eq(buf, 512, 4 * 512, SEED));
	/* Between blocks as well. */
	for (int i = 0; i < 3; i++)
		ck_assert_uint_eq(st_in(0, ST_STATUS) & (ST_BSY | ST_DRQ), ST_BSY);
	ck_assert_uint_eq(st_in(0, ST_STATUS) & (ST_BSY | ST_DRQ), ST_DRQ);
	sim_guest_ins(ST_PRI_CMD, 2, buf, 256);
	ck_assert(st_pattern_eq(buf, 512, 5 * 512, SEED));
	/* While BSY the data port is not driven: a premature read gets all-ones. */
	st_lba28(0, 0, 4, 1);
	st_cmd(0, 0x20);
	ck_assert_uint_eq(sim_guest_in(ST_PRI_CMD, 2), 0xFFFF);
	/* And after SRST. */
	st_devctl(0, ST_SRST);
	st_devctl(0, 0);
	for (int i = 0; i < 3; i++)
		ck_assert_uint_eq(st_alt(0) & ST_BSY, ST_BSY);
	ck_assert_uint_eq(st_alt(0) & ST_BSY, 0);
}
END_TEST

START_TEST(test_writes_while_busy_ignored)
{
	struct sim_disk_config cfg = { .sectors = 100, .busy_polls = 4 };

	st_machine();
	st_disk_cfg(0, 0, &cfg, SEED);
	st_lba28(0, 0, 7, 1);
	st_cmd(0, 0x40);
	st_out(0, ST_LBAL, 0x66);          /* BSY: dropped */
	st_cmd(0, 0x20);                   /* BSY: dropped */
	ck_assert_uint_eq(st_wait(0) & (ST_DRQ | ST_ERR), 0);
	ck_assert_uint_eq(st_in(0, ST_LBAL), 7);
}
END_TEST

/* ---- absent devices (ATA/ATAPI-7 vol. 2 9.16) ---- */

START_TEST(test_no_device_floats)
{
	/* Nothing on the secondary channel: every register reads FFh. */
	for (unsigned r = 1; r < 8; r++)
		ck_assert_uint_eq(st_in(1, r), 0xFF);
	ck_assert_uint_eq(st_alt(1), 0xFF);
	st_out(1, ST_NSECT, 0x55);
	ck_assert_uint_eq(st_in(1, ST_NSECT), 0xFF);
	ck_assert_uint_eq(sim_guest_in(ST_SEC_CMD, 2), 0xFFFF);
}
END_TEST

START_TEST(test_absent_slave)
{
	st_select(0, 0, 0);
	st_out(0, ST_DEVICE, ST_DEV_OBS | ST_DEV_SLAVE);
	ck_assert_uint_eq(st_in(0, ST_STATUS), 0x00);
	ck_assert_uint_eq(st_alt(0), 0x00);
	/* Device 0 answers the other registers for the absent device 1. */
	st_out(0, ST_NSECT, 0x55);
	st_out(0, ST_LBAL, 0xAA);
	ck_assert_uint_eq(st_in(0, ST_NSECT), 0x55);
	ck_assert_uint_eq(st_in(0, ST_LBAL), 0xAA);
	/* A command for the absent device goes nowhere. */
	st_cmd(0, 0xEC);
	ck_assert_uint_eq(st_in(0, ST_STATUS), 0x00);
	ck_assert(!sim_irq_line(14));
	st_out(0, ST_DEVICE, ST_DEV_OBS);
	ck_assert_uint_eq(st_in(0, ST_STATUS) & (ST_DRQ | ST_BSY | ST_DRDY), ST_DRDY);
}
END_TEST

START_TEST(test_absent_master)
{
	st_machine();
	st_disk(0, 1, 100, SEED);
	st_out(0, ST_DEVICE, ST_DEV_OBS);
	ck_assert_uint_eq(st_in(0, ST_STATUS), 0x00);
	st_select(0, 1, 0);
	ck_assert_uint_eq(st_in(0, ST_STATUS) & (ST_BSY | ST_DRDY | ST_DRQ), ST_DRDY);
}
END_TEST

/* ---- the data port ---- */

START_TEST(test_data_port_without_drq)
{
	uint8_t before[512];

	memcpy(before, sim_disk_data(0, 0), sizeof(before));
	st_select(0, 0, 0);
	ck_assert_uint_eq(sim_guest_in(ST_PRI_CMD, 2), 0xFFFF);
	ck_assert_uint_eq(sim_guest_in(ST_PRI_CMD, 4), 0xFFFFFFFFu);
	ck_assert_uint_eq(sim_guest_in(ST_PRI_CMD, 1), 0xFF);
	for (int i = 0; i < 256; i++)
		sim_guest_out(ST_PRI_CMD, 2, 0x1234);
	ck_assert_mem_eq(sim_disk_data(0, 0), before, sizeof(before));
	ck_assert_uint_eq(st_in(0, ST_STATUS) & (ST_DRQ | ST_ERR | ST_BSY | ST_DRDY), ST_DRDY);
}
END_TEST

START_TEST(test_byte_data_port)
{
	uint16_t words[256];
	uint8_t bytes[512];

	st_identify(0, 0, 0xEC, words);
	st_select(0, 0, 0);
	st_cmd(0, 0xEC);
	st_wait(0);
	for (int i = 0; i < 512; i++)
		bytes[i] = (uint8_t)sim_guest_in(ST_PRI_CMD, 1);
	ck_assert_mem_eq(bytes, words, sizeof(bytes));
	ck_assert_uint_eq(st_in(0, ST_STATUS) & ST_DRQ, 0);
}
END_TEST

START_TEST(test_data_port_overrun)
{
	uint16_t w[300];

	st_lba28(0, 0, 1, 1);
	st_cmd(0, 0x20);
	st_wait(0);
	sim_guest_ins(ST_PRI_CMD, 2, w, 300);
	ck_assert(st_pattern_eq(w, 512, 512, SEED));
	for (int i = 256; i < 300; i++)
		ck_assert_uint_eq(w[i], 0xFFFF);
	ck_assert_uint_eq(st_in(0, ST_STATUS) & (ST_DRQ | ST_ERR), 0);
}
END_TEST

Suite *sim_regs_suite(void)
{
	Suite *s = suite_create("sim_regs");
	TCase *tc = tcase_create("master");
	TCase *own = tcase_create("own_machine");

	tcase_add_checked_fixture(tc, setup_master, teardown);
	tcase_add_test(tc, test_irq_ack_by_status_not_alt);
	tcase_add_test(tc, test_nien_masks_line);
	tcase_add_test(tc, test_irq_follows_selection_and_channel);
	tcase_add_test(tc, test_taskfile_writes_reach_both_devices);
	tcase_add_test(tc, test_srst_aborts_transfer);
	tcase_add_test(tc, test_no_device_floats);
	tcase_add_test(tc, test_absent_slave);
	tcase_add_test(tc, test_data_port_without_drq);
	tcase_add_test(tc, test_byte_data_port);
	tcase_add_test(tc, test_data_port_overrun);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(own, NULL, teardown);
	tcase_add_loop_test(own, test_srst_signature, 0, sizeof(srst_cases) / sizeof(srst_cases[0]));
	tcase_add_test(own, test_busy_polls);
	tcase_add_test(own, test_writes_while_busy_ignored);
	tcase_add_test(own, test_absent_master);
	suite_add_tcase(s, own);
	return s;
}
