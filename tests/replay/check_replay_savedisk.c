/*
 * check_replay_savedisk.c - "parapass replay --save-disk" (replay_opts
 * .save_disk): the mediated run's final medium of the trace's first disk,
 * which tests/system/50-linux-record.sh compares byte for byte with the
 * image Bochs left (issue 8). Judged with OpenSSL (tests/tools/xts_oracle.h),
 * not with crypto/: the "writes" scenario replayed twice, once as recorded
 * (encrypt) and once with a mediator that does not encrypt (pass); the
 * first image decrypts to the second wherever they differ, holds the
 * content's ciphertext wherever they do not, and the guest wrote something.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay/replay.h"
#include "tests/tools/xts_oracle.h"
#include "vmm/vmm_record.h"

static char sd_dir[] = "/tmp/check_savedisk_XXXXXX";
static char sd_trace[300];

static void sd_setup(void)
{
	char err[256];

	ck_assert_ptr_nonnull(mkdtemp(sd_dir));
	snprintf(sd_trace, sizeof(sd_trace), "%s/sim-writes.yaml", sd_dir);
	ck_assert_msg(!replay_synth("writes", sd_trace, err, sizeof(err)), "writes: %s", err);
}

static void sd_teardown(void)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", sd_dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* The whole file, which must hold exactly len bytes. */
static uint8_t *sd_slurp(const char *path, size_t len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *p = malloc(len + 1);

	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(fread(p, 1, len + 1, f), len);
	fclose(f);
	return p;
}

/* Replays the trace into path; the status it ended with. */
static int sd_replay(const char *path, bool plain)
{
	struct replay_opts o = { .save_disk = path, .test_override = plain,
				 .test_policy = VMM_REC_PASS };
	struct replay_result *r = malloc(sizeof(*r));
	int rc;

	ck_assert_ptr_nonnull(r);
	rc = replay_run(sd_trace, &o, r);
	ck_assert_msg(rc != REPLAY_BADINPUT, "%s", r->msg);
	free(r);
	return rc;
}

START_TEST(test_saved_disk_is_the_mediated_medium)
{
	char enc_path[320], plain_path[320];
	struct replay_trace *t;
	const struct vmm_rec_disk *d;
	uint8_t key[XO_KEY_SIZE], sec[XO_SECTOR], want[XO_SECTOR];
	uint64_t written = 0, sectors;
	uint8_t *enc, *plain;

	snprintf(enc_path, sizeof(enc_path), "%s/encrypt.img", sd_dir);
	snprintf(plain_path, sizeof(plain_path), "%s/pass.img", sd_dir);
	ck_assert_int_eq(sd_replay(enc_path, false), REPLAY_PASS);
	/* Every read is of what the guest wrote: only the disk check fails. */
	ck_assert_int_eq(sd_replay(plain_path, true), REPLAY_MISMATCH);

	ck_assert_int_eq(replay_trace_open(sd_trace, &t), 0);
	d = &replay_trace_header(t)->disk[0];
	ck_assert_int_eq(d->policy, VMM_REC_ENCRYPT);
	ck_assert_int_ne(d->content, VMM_REC_IMAGE);
	memcpy(key, replay_trace_header(t)->key, sizeof(key));
	sectors = d->sectors;
	enc = sd_slurp(enc_path, sectors * XO_SECTOR);
	plain = sd_slurp(plain_path, sectors * XO_SECTOR);
	for (uint64_t lba = 0; lba < sectors; lba++) {
		const uint8_t *e = enc + lba * XO_SECTOR, *p = plain + lba * XO_SECTOR;

		ck_assert_int_eq(xo_crypt(key, 0, lba, e, sec, 1), XO_OK);
		if (memcmp(e, p, XO_SECTOR)) { /* written: ciphertext of what the guest wrote */
			written++;
			ck_assert_msg(!memcmp(sec, p, XO_SECTOR), "sector %llu", (unsigned long long)lba);
			continue;
		}
		memset(want, 0, sizeof(want)); /* untouched: ciphertext of the initial content */
		if (d->content == VMM_REC_PATTERN)
			replay_pattern_fill(d->seed, lba, want, 1);
		for (uint32_t k = 0; k < d->nextents; k++)
			if (lba >= d->extents[k].lba && lba < d->extents[k].lba + d->extents[k].nsect)
				memcpy(want, d->extents[k].data + (lba - d->extents[k].lba) * XO_SECTOR,
				       XO_SECTOR);
		ck_assert_msg(!memcmp(sec, want, XO_SECTOR), "sector %llu", (unsigned long long)lba);
	}
	ck_assert_uint_gt(written, 0);
	replay_trace_close(t);
	free(enc);
	free(plain);
}
END_TEST

START_TEST(test_unwritable_path_is_bad_input)
{
	struct replay_opts o = { .save_disk = "/nonexistent-parapass-dir/disk.img" };
	struct replay_result *r = malloc(sizeof(*r));

	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(replay_run(sd_trace, &o, r), REPLAY_BADINPUT);
	ck_assert_msg(strstr(r->msg, "cannot write the disk image"), "%s", r->msg);
	free(r);
}
END_TEST

Suite *replay_savedisk_suite(void)
{
	Suite *s = suite_create("replay_savedisk");
	TCase *tc = tcase_create("save-disk");

	tcase_add_unchecked_fixture(tc, sd_setup, sd_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_saved_disk_is_the_mediated_medium);
	tcase_add_test(tc, test_unwritable_path_is_bad_input);
	suite_add_tcase(s, tc);
	return s;
}
