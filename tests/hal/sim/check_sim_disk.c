/*
 * check_sim_disk.c - the backing store: an image file is mapped shared, so
 * what the guest wrote is in the file after sim_fini(); attach refuses
 * images of the wrong size and bad positions; an absent drive has no data.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "sim_test.h"

#define SECTORS 256u
#define SEED 0xF11E

static char path[256];

static void setup(void)
{
	st_machine();
	st_image(path, sizeof(path), SECTORS);
}

static void teardown(void)
{
	sim_fini();
	unlink(path);
}

static void file_pattern(uint32_t seed)
{
	uint8_t buf[SECTORS * 512];
	int fd = open(path, O_WRONLY);

	ck_assert_int_ge(fd, 0);
	st_pattern(buf, sizeof(buf), 0, seed);
	ck_assert_int_eq(pwrite(fd, buf, sizeof(buf), 0), (ssize_t)sizeof(buf));
	close(fd);
}

START_TEST(test_image_read_write_persist)
{
	struct sim_disk_config cfg = { .sectors = SECTORS, .path = path };
	uint8_t buf[4 * 512], file[4 * 512];
	int fd;

	file_pattern(SEED);
	ck_assert_int_eq(sim_disk_attach(0, 1, &cfg), PP_OK);
	ck_assert_uint_eq(sim_disk_sectors(0, 1), SECTORS);
	st_lba28(0, 1, 17, 4);
	st_cmd(0, 0x20);
	st_pio_in(0, buf, 4, 1, 2);
	ck_assert(st_pattern_eq(buf, sizeof(buf), 17 * 512, SEED));
	st_pattern(buf, sizeof(buf), 0, SEED + 1);
	st_lba28(0, 1, 100, 4);
	st_cmd(0, 0x30);
	st_pio_out(0, buf, 4, 1, 2);
	ck_assert_mem_eq(sim_disk_data(0, 1) + 100 * 512, buf, sizeof(buf));
	st_select(0, 1, 0);
	ck_assert_uint_eq(st_nodata(0, 0xE7) & ST_ERR, 0);   /* FLUSH CACHE */
	sim_fini();
	/* The file holds the written sectors and kept the others. */
	fd = open(path, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, file, sizeof(file), 100 * 512), (ssize_t)sizeof(file));
	ck_assert_mem_eq(file, buf, sizeof(buf));
	ck_assert_int_eq(pread(fd, file, 512, 99 * 512), 512);
	ck_assert(st_pattern_eq(file, 512, 99 * 512, SEED));
	close(fd);
}
END_TEST

START_TEST(test_attach_rejects_bad_config)
{
	struct sim_disk_config wrong_size = { .sectors = SECTORS + 1, .path = path };
	struct sim_disk_config missing = { .sectors = SECTORS, .path = "/nonexistent/pp.img" };
	struct sim_disk_config zero = { .sectors = 0 };
	struct sim_disk_config ok = { .sectors = 8 };
	struct sim_disk_config heads = { .sectors = 8, .heads = 17 };

	ck_assert_int_eq(sim_disk_attach(0, 0, &wrong_size), PP_EINVAL);
	ck_assert_int_ne(sim_disk_attach(0, 0, &missing), PP_OK);
	ck_assert_int_eq(sim_disk_attach(0, 0, &zero), PP_EINVAL);
	ck_assert_int_eq(sim_disk_attach(0, 0, &heads), PP_EINVAL);
	ck_assert_int_eq(sim_disk_attach(2, 0, &ok), PP_EINVAL);
	ck_assert_int_eq(sim_disk_attach(0, 2, &ok), PP_EINVAL);
	ck_assert_int_eq(sim_disk_attach(0, 0, NULL), PP_EINVAL);
	ck_assert_ptr_null(sim_disk_data(0, 0));
	ck_assert_uint_eq(sim_disk_sectors(0, 0), 0);
	ck_assert_ptr_null(sim_disk_data(5, 0));
	/* Nothing attached: the channel floats. */
	ck_assert_uint_eq(st_in(0, ST_STATUS), 0xFF);
}
END_TEST

START_TEST(test_memory_disk_zeroed_and_reattach)
{
	struct sim_disk_config cfg = { .sectors = 16 };
	uint8_t *d;

	ck_assert_int_eq(sim_disk_attach(1, 1, &cfg), PP_OK);
	d = sim_disk_data(1, 1);
	for (unsigned i = 0; i < 16 * 512; i++)
		ck_assert_uint_eq(d[i], 0);
	d[0] = 0x42;
	/* Attaching again replaces the drive with a fresh one. */
	cfg.sectors = 32;
	ck_assert_int_eq(sim_disk_attach(1, 1, &cfg), PP_OK);
	ck_assert_uint_eq(sim_disk_sectors(1, 1), 32);
	ck_assert_uint_eq(sim_disk_data(1, 1)[0], 0);
}
END_TEST

Suite *sim_disk_suite(void)
{
	Suite *s = suite_create("sim_disk");
	TCase *tc = tcase_create("backing");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_image_read_write_persist);
	tcase_add_test(tc, test_attach_rejects_bad_config);
	tcase_add_test(tc, test_memory_disk_zeroed_and_reattach);
	suite_add_tcase(s, tc);
	return s;
}
