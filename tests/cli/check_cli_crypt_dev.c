/*
 * check_cli_crypt_dev.c - what "parapass crypt" refuses (cli/cli_crypt_dev.c)
 * on a fake machine: device nodes made with mknod, a sysfs tree with a disk,
 * its partition and holders, and mounts and swaps tables.
 */
#include <check.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "cli/cli_crypt.h"

#define DISK_MAJ 250  /* numbers no real disk here uses: the nodes are never opened */
#define DISK_MIN 16

static char root[64], mounts[128], swaps[128], sysfs[128];
static struct crypt_sys fake;
static int have_nodes;

static void mkfile(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	fputs(text, f);
	fclose(f);
}

static void path_of(char *buf, size_t len, const char *rel)
{
	snprintf(buf, len, "%s/%s", root, rel);
}

static void mkdirs(const char *rel)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "mkdir -p '%s/%s'", root, rel);
	ck_assert_int_eq(system(cmd), 0);
}

/* The disk 250:16 with partition "fk1" 250:17, device nodes dev/fk and dev/fk1, and 250:32. */
static void fake_setup(void)
{
	char p[256];

	snprintf(root, sizeof(root), "/tmp/check_cli_crypt_dev.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(root));
	snprintf(mounts, sizeof(mounts), "%s/mounts", root);
	snprintf(swaps, sizeof(swaps), "%s/swaps", root);
	snprintf(sysfs, sizeof(sysfs), "%s/sys", root);
	fake = (struct crypt_sys){ .mounts = mounts, .swaps = swaps, .sysfs = sysfs };
	mkdirs("dev");
	mkdirs("sys/dev/block/250:16/fk1");
	mkdirs("sys/dev/block/250:17");
	mkdirs("sys/block");
	path_of(p, sizeof(p), "sys/dev/block/250:16/fk1/partition");
	mkfile(p, "1\n");
	path_of(p, sizeof(p), "sys/dev/block/250:16/fk1/dev");
	mkfile(p, "250:17\n");
	path_of(p, sizeof(p), "sys/dev/block/250:17/partition");
	mkfile(p, "1\n");
	mkfile(mounts, "proc /proc proc rw 0 0\n");
	mkfile(swaps, "Filename Type Size Used Priority\n");
	path_of(p, sizeof(p), "dev/fk");
	have_nodes = !mknod(p, S_IFBLK | 0600, makedev(DISK_MAJ, DISK_MIN));
	path_of(p, sizeof(p), "dev/fk1");
	have_nodes = have_nodes && !mknod(p, S_IFBLK | 0600, makedev(DISK_MAJ, DISK_MIN + 1));
	path_of(p, sizeof(p), "dev/other");
	have_nodes = have_nodes && !mknod(p, S_IFBLK | 0600, makedev(DISK_MAJ, DISK_MIN + 16));
}

static void fake_teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
	ck_assert_int_eq(system(cmd), 0);
}

static int nodes_or_notice(const char *test)
{
	if (!have_nodes) {
		printf("NOTICE %s: mknod refused (not root?): device checks NOT TESTED\n", test);
		fflush(stdout);
	}
	return have_nodes;
}

struct use_case {
	const char *what;
	const char *mounts, *swaps, *holder;  /* relative to the fake root */
	const char *want;                     /* a word of the reason, NULL: not in use */
};

static const struct use_case use_cases[] = {
	{ "nothing", NULL, NULL, NULL, NULL },
	{ "partition mounted", "dev/fk1 /mnt ext4 rw 0 0\n", NULL, NULL, "mounted" },
	{ "disk mounted", "dev/fk /data xfs rw 0 0\n", NULL, NULL, "on /data" },
	{ "another disk mounted", "dev/other /mnt ext4 rw 0 0\n", NULL, NULL, NULL },
	{ "partition is swap", NULL, "dev/fk1 partition 1024 0 -2\n", NULL, "swap" },
	{ "partition held by dm", NULL, NULL, "sys/dev/block/250:17/holders/dm-3", "dm-3" },
	{ "disk held by md", NULL, NULL, "sys/dev/block/250:16/holders/md0", "md0" },
};

START_TEST(test_device_in_use)
{
	const struct use_case *c = &use_cases[_i];
	char why[512] = "", line[512];
	int used;

	if (!nodes_or_notice("device_in_use"))
		return;
	if (c->mounts) {
		snprintf(line, sizeof(line), "%s/%s", root, c->mounts);
		mkfile(mounts, line);
	}
	if (c->swaps) {
		snprintf(line, sizeof(line), "%s/%s", root, c->swaps);
		mkfile(swaps, line);
	}
	if (c->holder)
		mkdirs(c->holder);
	used = crypt_dev_in_use(&fake, DISK_MAJ, DISK_MIN, why, sizeof(why));
	ck_assert_msg(used == (c->want != NULL), "%s: in use %d (%s)", c->what, used, why);
	if (c->want)
		ck_assert_msg(strstr(why, c->want), "%s: '%s' lacks '%s'", c->what, why, c->want);
}
END_TEST

START_TEST(test_target_refusals)
{
	struct crypt_target t;
	char why[512], p[256];

	if (!nodes_or_notice("target_refusals"))
		return;
	path_of(p, sizeof(p), "dev/fk1");
	ck_assert_int_ne(crypt_target_open(&fake, p, 1, &t, why, sizeof(why)), 0);
	ck_assert_ptr_nonnull(strstr(why, "a partition"));
	ck_assert_int_ne(crypt_target_open(&fake, p, 0, &t, why, sizeof(why)), 0);
	snprintf(p, sizeof(p), "%s/dev/fk1 / ext4 rw 0 0\n", root);
	mkfile(mounts, p);
	path_of(p, sizeof(p), "dev/fk");
	ck_assert_int_ne(crypt_target_open(&fake, p, 1, &t, why, sizeof(why)), 0);
	ck_assert_ptr_nonnull(strstr(why, "mounted"));
	path_of(p, sizeof(p), "dev");
	ck_assert_int_ne(crypt_target_open(&fake, p, 0, &t, why, sizeof(why)), 0);
	ck_assert_ptr_nonnull(strstr(why, "not a regular file"));
	path_of(p, sizeof(p), "missing.img");
	ck_assert_int_ne(crypt_target_open(&fake, p, 0, &t, why, sizeof(why)), 0);
	ck_assert_ptr_nonnull(strstr(why, "No such file"));
}
END_TEST

/* Mode 444 is refused for writing even as root; reading it is fine; a loop-attached image is not. */
START_TEST(test_image_refusals)
{
	struct crypt_target t;
	char why[512], img[256], p[256];

	path_of(img, sizeof(img), "disk.img");
	mkfile(img, "0123456789");
	ck_assert_int_eq(chmod(img, 0444), 0);
	ck_assert_int_ne(crypt_target_open(&fake, img, 1, &t, why, sizeof(why)), 0);
	ck_assert_ptr_nonnull(strstr(why, "read-only"));
	ck_assert_int_eq(crypt_target_open(&fake, img, 0, &t, why, sizeof(why)), 0);
	ck_assert_uint_eq(t.bytes, 10);
	ck_assert_int_eq(t.is_blk, 0);
	close(t.fd);
	ck_assert_int_eq(chmod(img, 0600), 0);
	ck_assert_int_eq(crypt_target_open(&fake, img, 1, &t, why, sizeof(why)), 0);
	close(t.fd);
	mkdirs("sys/block/loop9/loop");
	path_of(p, sizeof(p), "sys/block/loop9/loop/backing_file");
	mkfile(p, img);
	ck_assert_int_ne(crypt_target_open(&fake, img, 1, &t, why, sizeof(why)), 0);
	ck_assert_ptr_nonnull(strstr(why, "attached to /dev/loop9"));
}
END_TEST

Suite *cli_crypt_dev_suite(void)
{
	Suite *s = suite_create("cli_crypt_dev");
	TCase *dev = tcase_create("refusals");

	tcase_add_checked_fixture(dev, fake_setup, fake_teardown);
	tcase_add_loop_test(dev, test_device_in_use, 0, sizeof(use_cases) / sizeof(use_cases[0]));
	tcase_add_test(dev, test_target_refusals);
	tcase_add_test(dev, test_image_refusals);
	suite_add_tcase(s, dev);
	return s;
}
