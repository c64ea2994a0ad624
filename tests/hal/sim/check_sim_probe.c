/*
 * check_sim_probe.c - device discovery the way firmware and drivers do it,
 * on every cable configuration: a register echo test per device (libata's
 * ata_devchk, rombios, GRUB), SRST, classification from the diagnostic
 * code, the signature and the status (ATA8-ACS 9.12; ATA/ATAPI-7 vol. 2
 * 9.16 for the device that answers for an absent one), then IDENTIFY
 * (PACKET) DEVICE, which only a real device answers with DRQ.
 */
#include "sim_test.h"

enum kind { NONE, ATA, ATAPI };

struct probe_case {
	enum kind attach[2];   /* what is on the cable */
	enum kind want[2];     /* what the probe must find */
};

static const struct probe_case probe_cases[] = {
	{ { ATA, NONE }, { ATA, NONE } },
	{ { ATA, ATA }, { ATA, ATA } },
	{ { ATA, ATAPI }, { ATA, ATAPI } },
	{ { ATAPI, NONE }, { ATAPI, NONE } },
	{ { ATAPI, ATA }, { ATAPI, ATA } },
	{ { NONE, NONE }, { NONE, NONE } },
	{ { NONE, ATA }, { NONE, ATA } },  /* not a configuration ATA allows, but no phantom */
};

/* Something holds the registers: the echo test of ata_devchk. */
static bool devchk(unsigned dev)
{
	st_out(0, ST_DEVICE, (uint8_t)(ST_DEV_OBS | (dev ? ST_DEV_SLAVE : 0)));
	st_out(0, ST_NSECT, 0x55);
	st_out(0, ST_LBAL, 0xAA);
	st_out(0, ST_NSECT, 0xAA);
	st_out(0, ST_LBAL, 0x55);
	st_out(0, ST_NSECT, 0x55);
	st_out(0, ST_LBAL, 0xAA);
	return st_in(0, ST_NSECT) == 0x55 && st_in(0, ST_LBAL) == 0xAA;
}

static enum kind classify(unsigned dev)
{
	uint8_t err, lbam, lbah;

	st_out(0, ST_DEVICE, (uint8_t)(ST_DEV_OBS | (dev ? ST_DEV_SLAVE : 0)));
	err = st_in(0, ST_ERROR);
	/* Diagnostic code: 01h passed; 81h from device 0 means device 1 failed. */
	if (err != 0x01 && !(dev == 0 && err == 0x81))
		return NONE;
	lbam = st_in(0, ST_LBAM);
	lbah = st_in(0, ST_LBAH);
	if (lbam == 0x14 && lbah == 0xEB)
		return ATAPI;
	if (lbam == 0 && lbah == 0)
		return st_in(0, ST_STATUS) ? ATA : NONE;  /* Status 00h: nobody there */
	return NONE;
}

/* A device is real when IDENTIFY (PACKET) DEVICE brings DRQ. */
static enum kind identify(unsigned dev, enum kind k)
{
	uint16_t id[256];
	uint8_t s;

	if (k == NONE)
		return NONE;
	st_out(0, ST_DEVICE, (uint8_t)(ST_DEV_OBS | (dev ? ST_DEV_SLAVE : 0)));
	st_cmd(0, k == ATAPI ? 0xA1 : 0xEC);
	s = st_wait(0);
	if ((s & (ST_DRQ | ST_ERR)) != ST_DRQ)
		return NONE;
	sim_guest_ins(ST_PRI_CMD, 2, id, 256);
	ck_assert_uint_eq(id[0] >> 15, k == ATAPI ? 1 : 0);
	return k;
}

START_TEST(test_probe)
{
	const struct probe_case *c = &probe_cases[_i];
	bool present[2];

	st_machine();
	for (unsigned d = 0; d < 2; d++) {
		struct sim_disk_config cfg = { .sectors = 4096, .atapi = c->attach[d] == ATAPI };

		if (c->attach[d] != NONE)
			ck_assert_int_eq(sim_disk_attach(0, d, &cfg), PP_OK);
	}
	for (unsigned d = 0; d < 2; d++)
		present[d] = devchk(d);
	st_devctl(0, 0x08 | ST_NIEN);
	st_devctl(0, 0x08 | ST_NIEN | ST_SRST);
	st_devctl(0, 0x08 | ST_NIEN);
	if (present[0] || present[1])
		st_wait(0);
	for (unsigned d = 0; d < 2; d++) {
		enum kind k = identify(d, present[d] ? classify(d) : NONE);

		ck_assert_msg(k == c->want[d], "device %u: found %d, want %d", d, k, c->want[d]);
	}
}
END_TEST

Suite *sim_probe_suite(void)
{
	Suite *s = suite_create("sim_probe");
	TCase *tc = tcase_create("cable");

	tcase_add_checked_fixture(tc, NULL, sim_fini);
	tcase_add_loop_test(tc, test_probe, 0, sizeof(probe_cases) / sizeof(probe_cases[0]));
	suite_add_tcase(s, tc);
	return s;
}
