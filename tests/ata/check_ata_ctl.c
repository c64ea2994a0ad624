/*
 * check_ata_ctl.c - finding and following the IDE controller: legacy and
 * native-mode channel ports, BAR4, the traps moving when the guest
 * reprograms the function, per-disk policies, and refusing to start when
 * a disk configured "encrypt" is not protected.
 */
#include <string.h>

#include "ata_fixture.h"

static const struct fx_disk one_disk[] = { { .ch = 0, .drv = 0, .sectors = 4096 }, { 0 } };
static uint8_t wbuf[8 * 512], rbuf[8 * 512];

static void teardown(void)
{
	fx_stop();
}

START_TEST(test_legacy_ports_trapped)
{
	static const uint16_t trapped[] = { 0x1F0, 0x1F7, 0x3F6, 0x170, 0x177, 0x376, 0xC000,
					    0xC00F, 0xCF8, 0xCFC, 0xCFF };
	static const uint16_t passed[] = { 0x1EF, 0x1F8, 0x3F7, 0x3F5, 0xC010, 0x60, 0x3F8 };

	fx_start(one_disk, "disk ata0-master encrypt\n", false);
	for (size_t i = 0; i < sizeof(trapped) / sizeof(trapped[0]); i++)
		ck_assert_msg(sim_port_trapped(trapped[i]), "port 0x%x not trapped", trapped[i]);
	for (size_t i = 0; i < sizeof(passed) / sizeof(passed[0]); i++)
		ck_assert_msg(!sim_port_trapped(passed[i]), "port 0x%x trapped", passed[i]);
}
END_TEST

/* Native mode (PCI IDE Controller Specification 1.0, 2.1): BAR0/1 primary, BAR2/3 secondary. */
static void go_native(void)
{
	fx_pci_write(0x10, 4, 0xD000); /* command block, 8 ports */
	fx_pci_write(0x14, 4, 0xD104); /* control block, 4 ports: alt status at +2 */
	fx_pci_write(0x18, 4, 0xD200);
	fx_pci_write(0x1C, 4, 0xD304);
	fx_pci_write(0x09, 1, 0x8F);   /* both channels native */
}

static void native_roundtrip(void)
{
	uint16_t cmd = 0xD000, ctl = 0xD106;

	fx_pattern(wbuf, 40, 1, 1);
	sim_guest_out((uint16_t)(cmd + 6), 1, 0xE0);
	sim_guest_out((uint16_t)(cmd + 2), 1, 1);
	sim_guest_out((uint16_t)(cmd + 3), 1, 40);
	sim_guest_out((uint16_t)(cmd + 4), 1, 0);
	sim_guest_out((uint16_t)(cmd + 5), 1, 0);
	sim_guest_out((uint16_t)(cmd + 7), 1, 0x30);
	ck_assert_uint_eq(sim_guest_in(ctl, 1) & 0x89, 0x08);
	sim_guest_outs(cmd, 2, wbuf, 256);
	ck_assert_uint_eq(sim_guest_in((uint16_t)(cmd + 7), 1) & 0x89, 0);
	fx_assert_disk_cipher(0, 0, 40, wbuf, 1);
	sim_guest_out((uint16_t)(cmd + 7), 1, 0x20);
	ck_assert_uint_eq(sim_guest_in(ctl, 1) & 0x89, 0x08);
	sim_guest_ins(cmd, 2, rbuf, 256);
	ck_assert_mem_eq(rbuf, wbuf, 512);
}

START_TEST(test_guest_switches_to_native_traps_follow)
{
	fx_sim_config.ide_native = true;
	fx_start(one_disk, "disk ata0-master encrypt\n", false);
	go_native();
	ck_assert(sim_port_trapped(0xD000) && sim_port_trapped(0xD007));
	ck_assert(sim_port_trapped(0xD106) && sim_port_trapped(0xD202));
	ck_assert(!sim_port_trapped(0x1F0) && !sim_port_trapped(0x3F6));
	native_roundtrip();
	fx_assert_no_plaintext(0, 0);
}
END_TEST

START_TEST(test_native_before_start)
{
	fx_sim_config.ide_native = true;
	fx_before_start = go_native;
	fx_start(one_disk, "disk ata0-master encrypt\n", false);
	ck_assert(sim_port_trapped(0xD000) && !sim_port_trapped(0x1F0));
	native_roundtrip();
}
END_TEST

START_TEST(test_io_decode_toggle_keeps_traps)
{
	fx_start(one_disk, "disk ata0-master encrypt\n", false);
	fx_pci_write(0x04, 2, 0x0000);
	fx_pci_write(0x04, 2, 0x0005);
	ck_assert(sim_port_trapped(0x1F0) && sim_port_trapped(0xC000));
	fx_assert_healthy(0, 0);
}
END_TEST

START_TEST(test_unconfigured_disk_denied_by_default)
{
	static const struct fx_disk two[] = {
		{ .ch = 0, .drv = 0, .sectors = 4096 }, { .ch = 0, .drv = 1, .sectors = 4096 }, { 0 },
	};

	fx_start(two, "disk ata0-master encrypt\n", false);
	fx_pattern(wbuf, 5, 1, 2);
	ck_assert_uint_eq(sim_drv_write(0, 1, 5, 1, wbuf, false, SIM_REP16) & 0x01, 0x01);
	ck_assert_uint_eq(sim_disk_data(0, 1)[5 * 512], 0);
	sim_drv_tf28(0, 1, 0, 1);
	sim_drv_command(0, 0xEC); /* not even IDENTIFY */
	sim_drv_wait(0);
	ck_assert_uint_eq(sim_drv_status(0) & 0x01, 0x01);
}
END_TEST

START_TEST(test_unconfigured_pass)
{
	static const struct fx_disk two[] = {
		{ .ch = 0, .drv = 0, .sectors = 4096 }, { .ch = 0, .drv = 1, .sectors = 4096 }, { 0 },
	};

	fx_start(two, "disk ata0-master encrypt\nunconfigured pass\n", false);
	fx_pattern(wbuf, 5, 1, 2);
	ck_assert_uint_eq(sim_drv_write(0, 1, 5, 1, wbuf, false, SIM_REP16) & 0x01, 0);
	ck_assert_mem_eq(sim_disk_data(0, 1) + 5 * 512, wbuf, 512);
	fx_assert_healthy(0, 0);
}
END_TEST

/* The guest never runs unprotected: these configurations must not start. */
static const struct {
	const char *cfg;
	struct fx_disk disks[3];
} refused[] = {
	{ "disk ata0-slave encrypt\n", { { .ch = 0, .drv = 0, .sectors = 64 } } },   /* absent */
	{ "disk ata1-master encrypt\n", { { .ch = 1, .drv = 0, .sectors = 64, .atapi = true } } },
	{ "disk ata0-master encrypt key=1\n", { { .ch = 0, .drv = 0, .sectors = 64 } } }, /* one key */
	{ "disk ata2-master encrypt\n", { { .ch = 0, .drv = 0, .sectors = 64 } } },  /* no 2nd ctrl */
};

START_TEST(test_start_refused)
{
	ck_assert_int_ne(fx_start(refused[_i].disks, refused[_i].cfg, true), 0);
	/* Nothing is trapped and nothing was written: the backend halts. */
	ck_assert(!sim_port_trapped(0x1F0) && !sim_port_trapped(0xCF8));
}
END_TEST

START_TEST(test_two_keys)
{
	static const struct fx_disk two[] = {
		{ .ch = 0, .drv = 0, .sectors = 1024 }, { .ch = 1, .drv = 0, .sectors = 1024 }, { 0 },
	};
	static const char text[] = "disk ata0-master encrypt key=0\ndisk ata1-master encrypt key=1\n";
	uint8_t keys[128], want[512];
	struct vmm_config cfg;

	/* Build the machine, then restart parapass with two keys; VMM memory is never freed. */
	fx_sim_config.vmm_size = 16u << 20;
	fx_start(two, "", false);
	vmm_stop();
	memcpy(keys, fx_test_key, 64);
	for (int i = 0; i < 64; i++)
		keys[64 + i] = (uint8_t)(fx_test_key[i] ^ 0x5A);
	vmm_config_defaults(&cfg);
	cfg.log_level = VMM_LOG_WARN;
	ck_assert_int_eq(vmm_config_parse(&cfg, text, strlen(text)), 0);
	ck_assert_int_eq(vmm_start(&cfg, keys, 2), 0);
	fx_pattern(wbuf, 7, 1, 3);
	ck_assert_uint_eq(sim_drv_write(1, 0, 7, 1, wbuf, false, SIM_REP16) & 0x01, 0);
	fx_oracle(true, keys + 64, 7, wbuf, want, 1);
	ck_assert_mem_eq(sim_disk_data(1, 0) + 7 * 512, want, 512);
	fx_assert_healthy(0, 0); /* key 0 = the fixture's key */
}
END_TEST

Suite *ata_ctl_suite(void)
{
	Suite *s = suite_create("ata_ctl");
	TCase *tc = tcase_create("ctl");

	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, test_legacy_ports_trapped);
	tcase_add_test(tc, test_guest_switches_to_native_traps_follow);
	tcase_add_test(tc, test_native_before_start);
	tcase_add_test(tc, test_io_decode_toggle_keeps_traps);
	tcase_add_test(tc, test_unconfigured_disk_denied_by_default);
	tcase_add_test(tc, test_unconfigured_pass);
	tcase_add_loop_test(tc, test_start_refused, 0, sizeof(refused) / sizeof(refused[0]));
	tcase_add_test(tc, test_two_keys);
	suite_add_tcase(s, tc);
	return s;
}
