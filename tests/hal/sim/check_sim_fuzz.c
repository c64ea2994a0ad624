/*
 * check_sim_fuzz.c - bad input never crashes the model: seeded storms of
 * random port accesses (every width, single and string, biased towards
 * real opcodes, PRD tables and configuration registers) on a machine with
 * ATA and ATAPI drives. Under the ASan/UBSan runner any out-of-bounds
 * access or undefined behaviour fails the test; afterwards SRST must
 * still bring every drive back to a working state.
 */
#include "sim_test.h"

#define OPS 40000
#define TABLE 0x80000u

static uint64_t rng;

static uint32_t rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static const uint8_t opcodes[] = {
	0x06, 0x08, 0x10, 0x20, 0x21, 0x24, 0x25, 0x27, 0x29, 0x30, 0x31, 0x34, 0x35, 0x39, 0x3D,
	0x40, 0x41, 0x42, 0x70, 0x90, 0x91, 0xA0, 0xA1, 0xC4, 0xC5, 0xC6, 0xC8, 0xC9, 0xCA, 0xCB,
	0xE5, 0xE7, 0xEA, 0xEC, 0xEF, 0xF8, 0x00, 0xFF,
};

static uint16_t pick_port(void)
{
	static const uint16_t bases[] = { 0x1F0, 0x170, 0x3F6, 0x376, 0xC000, 0xCF8, 0xD000 };
	uint16_t b = bases[rnd() % (sizeof(bases) / sizeof(bases[0]))];

	return (uint16_t)(b + rnd() % (b == 0xC000 || b == 0xD000 ? 16 : 8));
}

static void random_prd_table(void)
{
	uint32_t ram = (uint32_t)sim_ram_size();

	for (unsigned i = 0; i < 4; i++) {
		uint32_t addr = rnd() % 4 ? rnd() % ram : rnd() << 8;

		st_prd(TABLE, i, addr, rnd() & 0xFFFF, i == 3 || rnd() % 3 == 0);
	}
}

static void one_op(void)
{
	uint16_t port = pick_port();
	unsigned width = 1u << (rnd() % 3);
	uint8_t buf[4096];
	uint32_t v = rnd();

	switch (rnd() % 8) {
	case 0:  /* a command */
		sim_guest_out((uint16_t)((rnd() & 1 ? 0x1F0 : 0x170) + 7), 1,
			      opcodes[rnd() % sizeof(opcodes)]);
		break;
	case 1:  /* a string through a data port */
		if (rnd() & 1)
			sim_guest_ins(rnd() & 1 ? 0x1F0 : 0x170, width, buf, (rnd() % 4096) / width);
		else
			sim_guest_outs(rnd() & 1 ? 0x1F0 : 0x170, width, buf, (rnd() % 4096) / width);
		break;
	case 2:  /* configuration space of the IDE function, mostly */
		sim_guest_out(0xCF8, 4, rnd() % 8 ? 0x80000900u | (rnd() & 0xFC) : rnd());
		break;
	case 3:
		random_prd_table();
		sim_guest_out(0xC004 + (rnd() & 8), 4, rnd() % 4 ? TABLE : rnd());
		break;
	case 4:
		sim_guest_in(port, width);
		break;
	default:
		sim_guest_out(port, width, v);
		break;
	}
}

START_TEST(test_port_storm)
{
	struct sim_disk_config ata = { .sectors = 2048, .busy_polls = (uint32_t)_i % 3 };
	struct sim_disk_config cd = { .sectors = 2048, .atapi = true, .busy_polls = (uint32_t)_i % 2 };
	struct sim_disk_config small = { .sectors = 64, .max_multiple = 4, .no_lba48 = _i & 1 };
	uint8_t buf[512];

	rng = 0x9E3779B97F4A7C15ull * (uint64_t)(_i + 1);
	st_machine();
	st_disk_cfg(0, 0, &ata, 1);
	st_disk_cfg(0, 1, &cd, 2);
	st_disk_cfg(1, 1, &small, 3);
	for (int i = 0; i < OPS; i++)
		one_op();
	/* Put the controller back as firmware left it, reset, and read a sector. */
	st_pci_write(1, 1, 0x04, 2, 0x0005);
	st_pci_write(1, 1, 0x40, 4, 0x80008000u);
	st_pci_write(1, 1, 0x20, 4, ST_BM_BASE);
	for (unsigned ch = 0; ch < 2; ch++) {
		st_bm_out(ST_BM_BASE, ch, ST_BM_CMD, 0);
		st_devctl(ch, ST_SRST);
		st_devctl(ch, 0);
		st_wait(ch);
	}
	st_lba28(0, 0, 5, 1);
	st_cmd(0, 0x20);
	st_pio_in(0, buf, 1, 1, 2);
	ck_assert_mem_eq(buf, sim_disk_data(0, 0) + 5 * 512, 512);
}
END_TEST

Suite *sim_fuzz_suite(void)
{
	Suite *s = suite_create("sim_fuzz");
	TCase *tc = tcase_create("storm");

	tcase_add_checked_fixture(tc, NULL, sim_fini);
	tcase_add_loop_test(tc, test_port_storm, 0, 6);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}
