/*
 * check_vmm_config.c - the configuration text: every setting, and every
 * kind of bad line is refused (never guessed at).
 */
#include <check.h>
#include <string.h>

#include "vmm/vmm.h"

static int parse(struct vmm_config *cfg, const char *text)
{
	vmm_config_defaults(cfg);
	return vmm_config_parse(cfg, text, strlen(text));
}

START_TEST(test_defaults)
{
	struct vmm_config cfg;

	ck_assert_int_eq(parse(&cfg, ""), 0);
	ck_assert_uint_eq(cfg.unconfigured, ATA_DISK_DENY);
	ck_assert_uint_eq(cfg.boot_drive, 0x80);
	ck_assert(!cfg.record);
	ck_assert_uint_eq(cfg.bounce_size, 0);
	for (int c = 0; c < ATA_MAX_CHANNELS; c++)
		ck_assert(!cfg.disk[c][0].listed && !cfg.disk[c][1].listed);
}
END_TEST

START_TEST(test_every_setting)
{
	static const char text[] =
		"# parapass test configuration\n"
		"disk ata0-master encrypt   # the system disk\n"
		"disk ata0-slave encrypt key=2 trim\n"
		"\tdisk ata1-master pass\r\n"
		"disk ata3-slave deny\n"
		"\n"
		"unconfigured pass\n"
		"boot-drive 0x81\n"
		"record on\n"
		"log debug\n"
		"bounce-kib 512";
	struct vmm_config cfg;

	ck_assert_int_eq(parse(&cfg, text), 0);
	ck_assert(cfg.disk[0][0].listed);
	ck_assert_uint_eq(cfg.disk[0][0].mode, ATA_DISK_ENCRYPT);
	ck_assert_uint_eq(cfg.disk[0][0].key, 0);
	ck_assert(!cfg.disk[0][0].trim);
	ck_assert_uint_eq(cfg.disk[0][1].mode, ATA_DISK_ENCRYPT);
	ck_assert_uint_eq(cfg.disk[0][1].key, 2);
	ck_assert(cfg.disk[0][1].trim);
	ck_assert_uint_eq(cfg.disk[1][0].mode, ATA_DISK_PASS);
	ck_assert_uint_eq(cfg.disk[3][1].mode, ATA_DISK_DENY);
	ck_assert(cfg.disk[3][1].listed && !cfg.disk[2][0].listed);
	ck_assert_uint_eq(cfg.unconfigured, ATA_DISK_PASS);
	ck_assert_uint_eq(cfg.boot_drive, 0x81);
	ck_assert(cfg.record);
	ck_assert_uint_eq(cfg.log_level, VMM_LOG_DEBUG);
	ck_assert_uint_eq(cfg.bounce_size, 512 * 1024);
}
END_TEST

static const char *const bad_lines[] = {
	"disk ata4-master encrypt\n",       /* no such channel */
	"disk ata0-middle encrypt\n",
	"disk ata0-master\n",               /* no mode */
	"disk ata0-master scramble\n",
	"disk ata0-master encrypt key=4\n", /* only keys 0-3 */
	"disk ata0-master encrypt key=\n",
	"disk ata0-master encrypt fast\n",
	"disk ata0-master pass\ndisk ata0-master encrypt\n", /* named twice */
	"unconfigured encrypt\n",           /* which key would that be? */
	"unconfigured\n",
	"boot-drive 0x00\n",                /* a floppy, not a disk */
	"boot-drive 0x100\n",
	"boot-drive eighty\n",
	"record maybe\n",
	"log loud\n",
	"bounce-kib 100\n",                 /* not a multiple of 64 */
	"bounce-kib 131072\n",
	"colour blue\n",
	"disk ata0-master encrypt a b c d e f g h i\n", /* too many words */
};

START_TEST(test_bad_line_refused)
{
	struct vmm_config cfg;
	vmm_config_defaults(&cfg);
	ck_assert_int_eq(vmm_config_parse(&cfg, bad_lines[_i], strlen(bad_lines[_i])), PP_EINVAL);
}
END_TEST

START_TEST(test_nul_byte_refused)
{
	static const char text[] = "disk ata0-master encrypt\0 trailing\n";
	struct vmm_config cfg;

	vmm_config_defaults(&cfg);
	ck_assert_int_eq(vmm_config_parse(&cfg, text, sizeof(text) - 1), PP_EINVAL);
}
END_TEST

START_TEST(test_long_line_refused)
{
	char text[400];
	struct vmm_config cfg;

	memset(text, 'x', sizeof(text));
	vmm_config_defaults(&cfg);
	ck_assert_int_eq(vmm_config_parse(&cfg, text, sizeof(text)), PP_EINVAL);
}
END_TEST

Suite *vmm_config_suite(void)
{
	Suite *s = suite_create("vmm_config");
	TCase *tc = tcase_create("config");

	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_every_setting);
	tcase_add_loop_test(tc, test_bad_line_refused, 0, sizeof(bad_lines) / sizeof(bad_lines[0]));
	tcase_add_test(tc, test_nul_byte_refused);
	tcase_add_test(tc, test_long_line_refused);
	suite_add_tcase(s, tc);
	return s;
}
