/*
 * check_sim_pci.c - PCI configuration mechanism #1 (PCI Local Bus 3.0,
 * 3.2.2.3.2) on the simulated i440FX/PIIX3 machine, as a bus scan and a
 * BIOS or driver would use it: IDs, class and programming interface, the
 * multifunction bit, absent functions, BAR4 sizing and relocation, the
 * command register gating decode, IDETIM decode enables, and the optional
 * native-mode programming interface with BAR0-3.
 */
#include "sim_test.h"

static void setup(void)
{
	st_machine();
}

static void teardown(void)
{
	sim_fini();
}

START_TEST(test_bus_scan)
{
	static const struct { unsigned dev, fn; uint32_t id; } want[] = {
		{ 0, 0, 0x12378086 }, { 1, 0, 0x70008086 }, { 1, 1, 0x70108086 },
	};
	unsigned found = 0;

	for (unsigned dev = 0; dev < 32; dev++) {
		unsigned fns = 1;

		for (unsigned fn = 0; fn < fns; fn++) {
			uint32_t id = st_pci_read(dev, fn, 0x00, 4);

			if (id == 0xFFFFFFFF)
				continue;
			if (fn == 0 && (st_pci_read(dev, 0, 0x0E, 1) & 0x80))
				fns = 8;  /* multifunction: look at functions 1-7 */
			ck_assert_uint_lt(found, 3);
			ck_assert_uint_eq(dev, want[found].dev);
			ck_assert_uint_eq(fn, want[found].fn);
			ck_assert_uint_eq(id, want[found].id);
			found++;
		}
	}
	ck_assert_uint_eq(found, 3);
	/* The IDE function: class 01h (mass storage), subclass 01h (IDE), prog-if 80h. */
	ck_assert_uint_eq(st_pci_read(1, 1, 0x08, 4) >> 8, 0x010180);
	ck_assert_uint_eq(st_pci_read(0, 0, 0x08, 4) >> 8, 0x060000);  /* host bridge */
	ck_assert_uint_eq(st_pci_read(1, 0, 0x08, 4) >> 8, 0x060100);  /* ISA bridge */
}
END_TEST

START_TEST(test_absent_and_disabled_read_ones)
{
	ck_assert_uint_eq(st_pci_read(2, 0, 0, 4), 0xFFFFFFFF);
	ck_assert_uint_eq(st_pci_read(1, 2, 0, 4), 0xFFFFFFFF);
	ck_assert_uint_eq(st_pci_read(0, 1, 0, 4), 0xFFFFFFFF);
	sim_guest_out(0xCF8, 4, 0x80010000u);  /* bus 1 */
	ck_assert_uint_eq(sim_guest_in(0xCFC, 4), 0xFFFFFFFF);
	sim_guest_out(0xCF8, 4, 0x00000900u);  /* enable bit clear: no config cycle */
	ck_assert_uint_eq(sim_guest_in(0xCFC, 4), 0xFFFFFFFF);
	ck_assert_uint_eq(sim_guest_in(0xCFC, 2), 0xFFFF);
}
END_TEST

START_TEST(test_config_address_latch)
{
	sim_guest_out(0xCF8, 4, 0x80000908u);
	ck_assert_uint_eq(sim_guest_in(0xCF8, 4), 0x80000908u);
	/* Only a dword write latches; byte and word writes go elsewhere. */
	sim_guest_out(0xCF8, 1, 0x00);
	sim_guest_out(0xCF8, 2, 0x0000);
	ck_assert_uint_eq(sim_guest_in(0xCF8, 4), 0x80000908u);
	ck_assert_uint_eq(sim_guest_in(0xCFC, 4) >> 8, 0x010180);
	/* Reserved bits 30:24 and 1:0 read back as zero. */
	sim_guest_out(0xCF8, 4, 0xFFFFFFFFu);
	ck_assert_uint_eq(sim_guest_in(0xCF8, 4), 0x80FFFFFCu);
}
END_TEST

START_TEST(test_byte_and_word_data_access)
{
	sim_guest_out(0xCF8, 4, 0x80000900u);       /* 00:01.1, offset 0 */
	ck_assert_uint_eq(sim_guest_in(0xCFC, 2), 0x8086);
	ck_assert_uint_eq(sim_guest_in(0xCFE, 2), 0x7010);
	ck_assert_uint_eq(sim_guest_in(0xCFD, 1), 0x80);
	sim_guest_out(0xCF8, 4, 0x80000908u);       /* offset 8: revision, prog-if, class */
	ck_assert_uint_eq(sim_guest_in(0xCFD, 1), 0x80);
	ck_assert_uint_eq(sim_guest_in(0xCFE, 1), 0x01);
	ck_assert_uint_eq(sim_guest_in(0xCFF, 1), 0x01);
	ck_assert_uint_eq(st_pci_read(1, 0, 0x0E, 1) & 0x80, 0x80);   /* multifunction */
}
END_TEST

START_TEST(test_bar4_sizing_and_move)
{
	struct sim_disk_config cfg = { .sectors = 64 };
	uint8_t buf[512];

	ck_assert_uint_eq(st_pci_read(1, 1, 0x20, 4), ST_BM_BASE | 1);
	st_pci_write(1, 1, 0x20, 4, 0xFFFFFFFF);
	ck_assert_uint_eq(st_pci_read(1, 1, 0x20, 4), 0xFFFFFFF1);  /* 16 bytes of I/O */
	st_pci_write(1, 1, 0x20, 4, 0xD000);
	ck_assert_uint_eq(st_pci_read(1, 1, 0x20, 4), 0xD001);
	/* The bus-master registers follow the BAR. */
	sim_guest_out(0xD004, 4, 0x00090000);
	ck_assert_uint_eq(sim_guest_in(0xD004, 4), 0x00090000);
	ck_assert_uint_eq(sim_guest_in(ST_BM_BASE + 4, 4), 0xFFFFFFFF);
	/* And a DMA read works through them. */
	ck_assert_int_eq(sim_disk_attach(0, 0, &cfg), PP_OK);
	st_pattern(sim_disk_data(0, 0), 64 * 512, 0, 3);
	st_prd(0x90000, 0, 0x100000, 512, true);
	st_bm_out(0xD000, 0, ST_BM_CMD, ST_BM_TOMEM);
	st_lba28(0, 0, 6, 1);
	st_cmd(0, 0xC8);
	st_bm_out(0xD000, 0, ST_BM_CMD, ST_BM_TOMEM | ST_BM_START);
	ck_assert_uint_eq(st_bm_in(0xD000, 0, ST_BM_STATUS) & 7, ST_BM_INTR);
	ck_assert_int_eq(sim_guest_read(0x100000, buf, 512), PP_OK);
	ck_assert(st_pattern_eq(buf, 512, 6 * 512, 3));
}
END_TEST

START_TEST(test_bm_base_from_config)
{
	struct sim_config cfg = { .bm_base = 0xE000 };

	sim_fini();
	st_machine_cfg(&cfg);
	ck_assert_uint_eq(st_pci_read(1, 1, 0x20, 4), 0xE001);
	st_bm_out(0xE000, 1, ST_BM_STATUS, 0x40);
	ck_assert_uint_eq(st_bm_in(0xE000, 1, ST_BM_STATUS), 0x40);
}
END_TEST

START_TEST(test_command_register_gates_decode)
{
	struct sim_disk_config cfg = { .sectors = 64 };

	ck_assert_int_eq(sim_disk_attach(0, 0, &cfg), PP_OK);
	ck_assert_uint_eq(st_pci_read(1, 1, 0x04, 2), 0x0005);  /* as firmware leaves it */
	st_pci_write(1, 1, 0x04, 2, 0xFFFF);
	ck_assert_uint_eq(st_pci_read(1, 1, 0x04, 2), 0x0005);  /* only I/O and bus master */
	st_pci_write(1, 1, 0x04, 2, 0x0004);
	ck_assert_uint_eq(st_in(0, ST_STATUS), 0xFF);
	ck_assert_uint_eq(st_bm_in(ST_BM_BASE, 0, ST_BM_STATUS), 0xFF);
	st_pci_write(1, 1, 0x04, 2, 0x0005);
	ck_assert_uint_eq(st_in(0, ST_STATUS) & (ST_BSY | ST_DRDY | ST_DRQ), ST_DRDY);
	ck_assert_uint_eq(st_bm_in(ST_BM_BASE, 0, ST_BM_STATUS), 0x00);
}
END_TEST

START_TEST(test_bus_master_enable)
{
	struct sim_disk_config cfg = { .sectors = 64 };

	ck_assert_int_eq(sim_disk_attach(0, 0, &cfg), PP_OK);
	st_pci_write(1, 1, 0x04, 2, 0x0001);   /* I/O on, bus mastering off */
	st_prd(0x90000, 0, 0x100000, 512, true);
	st_bm_prd(ST_BM_BASE, 0, 0x90000);
	st_lba28(0, 0, 1, 1);
	st_cmd(0, 0xC8);
	st_bm_out(ST_BM_BASE, 0, ST_BM_CMD, ST_BM_TOMEM | ST_BM_START);
	ck_assert_uint_eq(st_bm_in(ST_BM_BASE, 0, ST_BM_STATUS) & ST_BM_INTR, 0);
	ck_assert_uint_eq(st_alt(0) & ST_BSY, ST_BSY);
	st_pci_write(1, 1, 0x04, 2, 0x0005);
	st_bm_out(ST_BM_BASE, 0, ST_BM_CMD, ST_BM_TOMEM);
	st_bm_out(ST_BM_BASE, 0, ST_BM_CMD, ST_BM_TOMEM | ST_BM_START);
	ck_assert_uint_eq(st_bm_in(ST_BM_BASE, 0, ST_BM_STATUS) & 7, ST_BM_INTR);
}
END_TEST

START_TEST(test_legacy_progif_read_only)
{
	st_pci_write(1, 1, 0x09, 1, 0x8F);
	ck_assert_uint_eq(st_pci_read(1, 1, 0x09, 1), 0x80);
	st_pci_write(1, 1, 0x10, 4, 0xFFFFFFFF);
	ck_assert_uint_eq(st_pci_read(1, 1, 0x10, 4), 0);  /* no BAR0 in legacy-only mode */
	st_pci_write(1, 1, 0x00, 4, 0);
	ck_assert_uint_eq(st_pci_read(1, 1, 0x00, 4), 0x70108086);
}
END_TEST

START_TEST(test_idetim_decode_enable)
{
	struct sim_disk_config cfg = { .sectors = 64 };

	ck_assert_int_eq(sim_disk_attach(1, 0, &cfg), PP_OK);
	ck_assert_uint_eq(st_pci_read(1, 1, 0x42, 2), 0x8000);
	ck_assert_uint_eq(st_in(1, ST_STATUS) & (ST_BSY | ST_DRDY | ST_DRQ), ST_DRDY);
	st_pci_write(1, 1, 0x42, 2, 0x0000);   /* secondary IDE decode off */
	ck_assert_uint_eq(st_in(1, ST_STATUS), 0xFF);
	ck_assert_uint_eq(st_alt(1), 0xFF);
	st_pci_write(1, 1, 0x42, 2, 0x8000);
	ck_assert_uint_eq(st_in(1, ST_STATUS) & (ST_BSY | ST_DRDY | ST_DRQ), ST_DRDY);
}
END_TEST

/* ---- native mode (PCI IDE Controller Specification 1.0, 2.0) ---- */

static void native_setup(void)
{
	struct sim_config cfg = { .ide_native = true };

	st_machine_cfg(&cfg);
}

START_TEST(test_native_mode)
{
	struct sim_disk_config cfg = { .sectors = 64 };
	uint16_t id[256];

	ck_assert_int_eq(sim_disk_attach(0, 0, &cfg), PP_OK);
	ck_assert_int_eq(sim_disk_attach(1, 0, &cfg), PP_OK);
	ck_assert_uint_eq(st_pci_read(1, 1, 0x09, 1), 0x8A);  /* programmable, legacy */
	st_pci_write(1, 1, 0x10, 4, 0xFFFFFFFF);
	ck_assert_uint_eq(st_pci_read(1, 1, 0x10, 4), 0xFFFFFFF9);
	st_pci_write(1, 1, 0x14, 4, 0xFFFFFFFF);
	ck_assert_uint_eq(st_pci_read(1, 1, 0x14, 4), 0xFFFFFFFD);
	st_pci_write(1, 1, 0x10, 4, 0x1000);
	st_pci_write(1, 1, 0x14, 4, 0x1010);
	st_pci_write(1, 1, 0x18, 4, 0x1020);
	st_pci_write(1, 1, 0x1C, 4, 0x1030);
	st_pci_write(1, 1, 0x09, 1, 0x8F & ~0x04);   /* primary native */
	ck_assert_uint_eq(st_pci_read(1, 1, 0x09, 1), 0x8B);
	/* Primary: BAR0 command block, BAR1 + 2 control; legacy ports float. */
	ck_assert_uint_eq(sim_guest_in(0x1F7, 1), 0xFF);
	ck_assert_uint_eq(sim_guest_in(0x1007, 1) & (ST_BSY | ST_DRDY | ST_DRQ), ST_DRDY);
	sim_guest_out(0x1006, 1, ST_DEV_OBS);
	sim_guest_out(0x1007, 1, 0xEC);
	ck_assert(sim_irq_line(11));                 /* the interrupt line register */
	ck_assert(!sim_irq_line(14));
	ck_assert_uint_eq(sim_guest_in(0x1012, 1) & ST_DRQ, ST_DRQ);
	sim_guest_ins(0x1000, 2, id, 256);
	ck_assert_uint_eq(id[60], 64);
	/* Secondary still legacy; then native too, on the moved interrupt line. */
	ck_assert_uint_eq(sim_guest_in(0x177, 1) & (ST_BSY | ST_DRDY | ST_DRQ), ST_DRDY);
	st_pci_write(1, 1, 0x3C, 1, 10);
	st_pci_write(1, 1, 0x09, 1, 0x8F);
	ck_assert_uint_eq(sim_guest_in(0x177, 1), 0xFF);
	sim_guest_out(0x1026, 1, ST_DEV_OBS);
	sim_guest_out(0x1027, 1, 0xE5);   /* CHECK POWER MODE */
	ck_assert(sim_irq_line(10));
	ck_assert(!sim_irq_line(15));
	ck_assert_uint_eq(sim_guest_in(0x1032, 1) & (ST_BSY | ST_DRDY), ST_DRDY);
}
END_TEST

Suite *sim_pci_suite(void)
{
	Suite *s = suite_create("sim_pci");
	TCase *tc = tcase_create("legacy");
	TCase *nat = tcase_create("native");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_bus_scan);
	tcase_add_test(tc, test_absent_and_disabled_read_ones);
	tcase_add_test(tc, test_config_address_latch);
	tcase_add_test(tc, test_byte_and_word_data_access);
	tcase_add_test(tc, test_bar4_sizing_and_move);
	tcase_add_test(tc, test_bm_base_from_config);
	tcase_add_test(tc, test_command_register_gates_decode);
	tcase_add_test(tc, test_bus_master_enable);
	tcase_add_test(tc, test_legacy_progif_read_only);
	tcase_add_test(tc, test_idetim_decode_enable);
	suite_add_tcase(s, tc);

	tcase_add_checked_fixture(nat, native_setup, teardown);
	tcase_add_test(nat, test_native_mode);
	suite_add_tcase(s, nat);
	return s;
}
