/*
 * check_replay_engine.c - the replay engine (replay_run): recorded good
 * traces pass, also on drives slower than the recording's; a trace whose
 * read data or status is altered fails with exit 1 at that event; a
 * mediator that stops encrypting is caught by the oracle; bad input is
 * exit 2 with the reader's message. Traces come from the synthetic
 * scenarios (hal/sim's driver recorded through parapass), altered here.
 */
#define _GNU_SOURCE /* memmem */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "replay/replay.h"

static char rp_dir[] = "/tmp/check_replay_XXXXXX";
static const char *const scenarios[] = { "pio", "dma", "channels", "busy", "writes" };
#define NSCEN (sizeof(scenarios) / sizeof(scenarios[0]))

/* Once for the test case, in the parent process: the scenarios' traces. */
static void rp_setup(void)
{
	char path[300], err[256];

	ck_assert_ptr_nonnull(mkdtemp(rp_dir));
	for (unsigned i = 0; i < NSCEN; i++) {
		snprintf(path, sizeof(path), "%s/sim-%s.yaml", rp_dir, scenarios[i]);
		ck_assert_msg(!replay_synth(scenarios[i], path, err, sizeof(err)), "%s: %s",
			      scenarios[i], err);
	}
}

static void rp_teardown(void)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", rp_dir);
	ck_assert_int_eq(system(cmd), 0);
}

static const char *rp_trace(const char *name)
{
	static char path[300];

	snprintf(path, sizeof(path), "%s/sim-%s.yaml", rp_dir, name);
	return path;
}

static char *rp_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *p;

	ck_assert_ptr_nonnull(f);
	fseek(f, 0, SEEK_END);
	*len = (size_t)ftell(f);
	rewind(f);
	p = malloc(*len + 1);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_eq(fread(p, 1, *len, f), *len);
	p[*len] = '\0';
	fclose(f);
	return p;
}

static void rp_spill(const char *path, const char *text, size_t len)
{
	FILE *f = fopen(path, "wb");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(text, 1, len, f), len);
	fclose(f);
}

static int rp_replay(const char *path, const struct replay_opts *o, struct replay_result *r)
{
	static const struct replay_opts none;

	return replay_run(path, o ? o : &none, r);
}

/* The line number (1-based) of the n-th line (0-based count) starting with prefix. */
static unsigned rp_find_line(const char *text, const char *prefix, unsigned n, char **at)
{
	unsigned line = 1;

	for (const char *p = text; *p; line++) {
		if (!strncmp(p, prefix, strlen(prefix)) && n-- == 0) {
			*at = (char *)p;
			return line;
		}
		p = strchr(p, '\n');
		if (!p)
			break;
		p++;
	}
	ck_abort_msg("no line %u starting with %s", n, prefix);
	return 0;
}

/* ---- Good traces pass ---- */

START_TEST(test_scenario_passes)
{
	struct replay_result *r = malloc(sizeof(*r));

	ck_assert_int_eq(rp_replay(rp_trace(scenarios[_i]), NULL, r), REPLAY_PASS);
	ck_assert_str_eq(r->msg, "");
	ck_assert_uint_gt(r->events, 0);
	ck_assert_uint_gt(r->commands, 0);
	ck_assert_uint_gt(r->checked_sectors, 0);
	ck_assert_uint_eq(r->model, 0); /* a trace hal/sim recorded has no model differences */
	free(r);
}
END_TEST

/* Drives slower than the recording's: the replay polls until the recorded status. */
START_TEST(test_slower_drive_polled)
{
	struct replay_opts o = { .busy_polls = 3 };
	struct replay_result *r = malloc(sizeof(*r));

	ck_assert_int_eq(rp_replay(rp_trace("pio"), &o, r), REPLAY_PASS);
	ck_assert_uint_gt(r->polls_added, 0);
	free(r);
}
END_TEST

/* A recording of a busy drive replayed on a quick one: its BSY moments are transitional. */
START_TEST(test_busy_recording_transitional)
{
	struct replay_result *r = malloc(sizeof(*r));

	ck_assert_int_eq(rp_replay(rp_trace("busy"), NULL, r), REPLAY_PASS);
	ck_assert_uint_gt(r->transitional, 0);
	free(r);
}
END_TEST

/* ---- Altered traces fail at the event ---- */

/* Flip one character of the payload of the n-th "ins: 0x1f0" (READ data): exit 1 there. */
START_TEST(test_altered_read_data)
{
	struct replay_result *r = malloc(sizeof(*r));
	char bad[300], *at, *data;
	size_t len;
	char *text = rp_slurp(rp_trace("pio"), &len);
	unsigned line = rp_find_line(text, "  - {ins: 0x1f0", 2, &at);

	data = strstr(at, "!!binary '") + 10 + 40;
	*data = *data == 'A' ? 'B' : 'A';
	snprintf(bad, sizeof(bad), "%s/bad-data.yaml", rp_dir);
	rp_spill(bad, text, len);
	ck_assert_int_eq(rp_replay(bad, NULL, r), REPLAY_MISMATCH);
	ck_assert_uint_eq(r->line, line);
	ck_assert_uint_eq(r->event, line - rp_find_line(text, "events:", 0, &at));
	ck_assert_msg(strstr(r->msg, "ins") && strstr(r->msg, "differs"), "%s", r->msg);
	ck_assert_msg(strstr(r->msg, "event "), "%s", r->msg);
	free(text);
	free(r);
}
END_TEST

/* A settled status changed in the trace: the replay names the port and both values. */
START_TEST(test_altered_status)
{
	struct replay_result *r = malloc(sizeof(*r));
	char bad[300], *at, want[96];
	size_t len;
	char *text = rp_slurp(rp_trace("pio"), &len);
	unsigned line = 0;

	/* The last read of a polling run: what the guest waited for, compared by meaning. */
	for (unsigned n = 3;; n++) {
		line = rp_find_line(text, "  - {in: 0x1f7, width: 1, value: 0x50}", n, &at);
		if (!strncmp(strchr(at, '\n') + 1, "  - {out", 8))
			break;
	}
	memcpy(strstr(at, "0x50}"), "0x51}", 5);
	snprintf(bad, sizeof(bad), "%s/bad-status.yaml", rp_dir);
	rp_spill(bad, text, len);
	ck_assert_int_eq(rp_replay(bad, NULL, r), REPLAY_MISMATCH);
	ck_assert_uint_eq(r->line, line);
	snprintf(want, sizeof(want), "(line %u): in 0x1f7 (status): expected 0x51, got 0x50", line);
	ck_assert_msg(strstr(r->msg, want), "%s", r->msg);
	free(text);
	free(r);
}
END_TEST

/* The data of a DMA read altered: the dma-done check fails. */
START_TEST(test_altered_dma_data)
{
	struct replay_result *r = malloc(sizeof(*r));
	char bad[300], *at, *data;
	size_t len;
	char *text = rp_slurp(rp_trace("dma"), &len);
	unsigned line = rp_find_line(text, "  - {dma-done: 0, write: false", 0, &at);

	data = strstr(at, "!!binary '") + 10 + 4000;
	*data = *data == 'A' ? 'B' : 'A';
	snprintf(bad, sizeof(bad), "%s/bad-dma.yaml", rp_dir);
	rp_spill(bad, text, len);
	ck_assert_int_eq(rp_replay(bad, NULL, r), REPLAY_MISMATCH);
	ck_assert_uint_eq(r->line, line);
	ck_assert_msg(strstr(r->msg, "dma-done") && strstr(r->msg, "at byte 3000 of"), "%s", r->msg);
	free(text);
	free(r);
}
END_TEST

/* ---- The oracle catches a mediator that does not encrypt ---- */

static const uint8_t wrong_policies[] = { VMM_REC_PASS };

START_TEST(test_mediator_not_encrypting)
{
	struct replay_opts o = { .test_override = true, .test_policy = wrong_policies[_i] };
	struct replay_result *r = malloc(sizeof(*r));

	/* Every read is of what the guest wrote itself: only the disk can tell. */
	ck_assert_int_eq(rp_replay(rp_trace("writes"), &o, r), REPLAY_MISMATCH);
	ck_assert_uint_eq(r->event, 0);
	ck_assert_msg(strstr(r->msg, "disk ata0-master sector") &&
		      strstr(r->msg, "not OpenSSL-XTS of the expected plaintext: it holds the plaintext"),
		      "%s", r->msg);
	free(r);
}
END_TEST

/* ---- Bad input ---- */

START_TEST(test_truncated_is_bad_input)
{
	struct replay_result *r = malloc(sizeof(*r));
	char bad[300];
	size_t len;
	char *text = rp_slurp(rp_trace("pio"), &len);

	snprintf(bad, sizeof(bad), "%s/cut.yaml", rp_dir);
	rp_spill(bad, text, len / 2);
	ck_assert_int_eq(rp_replay(bad, NULL, r), REPLAY_BADINPUT);
	ck_assert_msg(strstr(r->msg, "cut.yaml:") && strstr(r->msg, "the trace is truncated"), "%s",
		      r->msg);
	ck_assert_uint_eq(r->events, 0); /* nothing ran: the scan reads it all first */
	free(text);
	free(r);
}
END_TEST

static const char *const bad_headers[][2] = {
	{ "content: pattern, seed: 0x100}", "content: image, path: \"nope.img\", sha256: "
	  "\"0000000000000000000000000000000000000000000000000000000000000000\"}" },
	{ "{channel: 0, cmd: 0x1f0, ctl: 0x3f6, irq: 14}", "{channel: 2, cmd: 0x1e8, ctl: 0x3ee, irq: 11}" },
	{ "bm-base: 0xc000", "bm-base: 0xc004" },
};
static const char *const bad_why[] = { "nope.img", "hal/sim has one controller", "bm-base 0xc004" };

START_TEST(test_unreplayable_header)
{
	struct replay_result *r = malloc(sizeof(*r));
	char bad[300], *out, *at;
	size_t len, a, b;
	char *text = rp_slurp(rp_trace("pio"), &len);

	at = strstr(text, bad_headers[_i][0]);
	ck_assert_ptr_nonnull(at);
	a = strlen(bad_headers[_i][0]);
	b = strlen(bad_headers[_i][1]);
	out = malloc(len + b);
	memcpy(out, text, (size_t)(at - text));
	memcpy(out + (at - text), bad_headers[_i][1], b);
	memcpy(out + (at - text) + b, at + a, len - (size_t)(at - text) - a);
	snprintf(bad, sizeof(bad), "%s/hdr%d.yaml", rp_dir, _i);
	rp_spill(bad, out, len - a + b);
	ck_assert_int_eq(rp_replay(bad, NULL, r), REPLAY_BADINPUT);
	ck_assert_msg(strstr(r->msg, bad_why[_i]), "%s", r->msg);
	free(out);
	free(text);
	free(r);
}
END_TEST

Suite *replay_engine_suite(void)
{
	Suite *s = suite_create("replay_engine");
	TCase *tc = tcase_create("engine");

	tcase_set_timeout(tc, 60);
	tcase_add_unchecked_fixture(tc, rp_setup, rp_teardown);
	tcase_add_loop_test(tc, test_scenario_passes, 0, NSCEN);
	tcase_add_test(tc, test_slower_drive_polled);
	tcase_add_test(tc, test_busy_recording_transitional);
	tcase_add_test(tc, test_altered_read_data);
	tcase_add_test(tc, test_altered_status);
	tcase_add_test(tc, test_altered_dma_data);
	tcase_add_loop_test(tc, test_mediator_not_encrypting, 0, sizeof(wrong_policies));
	tcase_add_test(tc, test_truncated_is_bad_input);
	tcase_add_loop_test(tc, test_unreplayable_header, 0, sizeof(bad_why) / sizeof(bad_why[0]));
	suite_add_tcase(s, tc);
	return s;
}
