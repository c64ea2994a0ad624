/*
 * check_cli_crypt_progress.c - the progress line (cli/cli_crypt_progress.c):
 * drawn on a terminal with a bar, the part done, the rate and the time
 * left; silent when stderr is not a terminal.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli_crypt.h"

/* What crypt_progress_cb wrote to stderr, with p->tty as given. */
static void capture(int tty, uint64_t done, uint64_t total, char *out, size_t len)
{
	char path[] = "/tmp/check_cli_crypt_progress.XXXXXX";
	int fd = mkstemp(path), saved = dup(STDERR_FILENO);
	struct crypt_progress p;
	ssize_t n;

	ck_assert_int_ge(fd, 0);
	fflush(stderr);
	dup2(fd, STDERR_FILENO);
	crypt_progress_init(&p, "encrypt");
	p.tty = tty;
	p.start -= 2.0;  /* two seconds in */
	crypt_progress_cb(&p, done, total);
	crypt_progress_end(&p);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	n = pread(fd, out, len - 1, 0);
	out[n > 0 ? n : 0] = 0;
	close(fd);
	unlink(path);
}

START_TEST(test_line_on_a_terminal)
{
	char out[512];

	/* A quarter of 1 GiB in 2 s: 134 MB/s, 6 s left. */
	capture(1, 524288, 2097152, out, sizeof(out));
	ck_assert_msg(strstr(out, "encrypt [#######......................."), "bar: %s", out);
	ck_assert_msg(strstr(out, " 25.0%"), "percent: %s", out);
	ck_assert_msg(strstr(out, "256.0/1024.0 MiB"), "amount: %s", out);
	ck_assert_msg(strstr(out, "134 MB/s"), "rate: %s", out);
	ck_assert_msg(strstr(out, "ETA 0:06"), "eta: %s", out);
	ck_assert_msg(out[strlen(out) - 1] == '\n', "ends the line: %s", out);
}
END_TEST

START_TEST(test_silent_otherwise)
{
	char out[512];

	capture(0, 524288, 2097152, out, sizeof(out));
	ck_assert_str_eq(out, "");
}
END_TEST

Suite *cli_crypt_progress_suite(void)
{
	Suite *s = suite_create("cli_crypt_progress");
	TCase *tc = tcase_create("line");

	tcase_add_test(tc, test_line_on_a_terminal);
	tcase_add_test(tc, test_silent_otherwise);
	suite_add_tcase(s, tc);
	return s;
}
