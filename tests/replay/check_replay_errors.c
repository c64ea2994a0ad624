/*
 * check_replay_errors.c - every kind of bad trace gets PP_EINVAL and a
 * message naming the file, line and column and what was expected, never a
 * crash; secrets (the key, payloads) never appear in a message.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "replay/replay.h"

/* A valid header; its events list starts on line 5, each event at column 5. */
#define HDR "parapass-trace: 1\n" \
	"machine: {prog-if: 0x80, bm-base: 0xc000, channels: [{channel: 0, cmd: 0x1f0, ctl: 0x3f6, irq: 14}]}\n" \
	"disks: [{channel: 0, drive: 0, sectors: 64, policy: encrypt, content: zero}]\n" \
	"events:\n"
#define IN1 "  - {in: 0x1f7, width: 1, value: 0x50}\n"
#define KEY128 "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f" \
	"202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"

struct bad_case {
	const char *what;
	const char *text;
	const char *want;   /* a substring of the message, position included */
};

static const struct bad_case bad_cases[] = {
	{ "missing end record", HDR IN1,
	  "t.yaml:6:1: expected an event or the end record {end: 1}, got the end of the events: "
	  "the trace is truncated" },
	{ "truncated file", HDR "  - {in: 0x1f7, wid",
	  "t.yaml:5:17: expected a key of an event (in, out, ins, outs, dma-start, dma-done, irq, "
	  "end, width, value, count, data, prdt, write, bytes, synthesized, prd, status, level), "
	  "got 'wid': the trace is truncated" },
	{ "truncated in a payload", HDR "  - {outs: 0x1f0, width: 1, count: 3, data: !!binary AA",
	  "t.yaml:5:45: bad base64 in the payload: its 2 characters end inside a group of 4: "
	  "the trace is truncated" },
	{ "truncated header", "parapass-trace: 1\nmachine: {prog-if: 0x80, bm-base: 0xc000, channels: []}\n",
	  "t.yaml:3:1: expected a header key, and the key 'events' last, got the end of the mapping: "
	  "the trace is truncated" },
	{ "empty file", "", "t.yaml:1:1: expected a YAML document, got the end of the file: "
	  "the trace is truncated" },
	{ "wrong type", HDR "  - {in: 0x1f7, width: two, value: 0x50}\n  - {end: 1}\n",
	  "t.yaml:5:24: expected an unsigned integer (decimal or 0x hex) up to 4, got 'two'" },
	{ "quoted number", HDR "  - {in: \"0x1f7\", width: 1, value: 0x50}\n  - {end: 1}\n",
	  "t.yaml:5:10: expected an unsigned integer (decimal or 0x hex) up to 65535, got '0x1f7'" },
	{ "port out of range", HDR "  - {out: 0x10000, width: 1, value: 0}\n  - {end: 1}\n",
	  "t.yaml:5:11: expected an unsigned integer (decimal or 0x hex) up to 65535, got '0x10000'" },
	{ "width not 1 2 4", HDR "  - {in: 0x1f7, width: 3, value: 0}\n  - {end: 1}\n",
	  "t.yaml:5:5: bad 'in' event: width must be 1, 2 or 4" },
	{ "value wider than width", HDR "  - {in: 0x1f7, width: 1, value: 0x100}\n  - {end: 1}\n",
	  "t.yaml:5:5: bad 'in' event: value does not fit in width bytes" },
	{ "payload length mismatch", HDR "  - {ins: 0x1f0, width: 2, count: 2, data: !!binary AAEC}\n",
	  "t.yaml:5:5: payload length 3 does not match count * width = 4 in this 'ins' event" },
	{ "count beyond limit", HDR "  - {ins: 0x1f0, width: 4, count: 0x4000000, data: !!binary AAEC}\n",
	  "t.yaml:5:35: expected an unsigned integer (decimal or 0x hex) up to 33554432, got '0x4000000'" },
	{ "bad base64 character", HDR "  - {outs: 0x1f0, width: 1, count: 3, data: !!binary AA*B}\n",
	  "t.yaml:5:45: bad base64 in the payload at character 3 of 4" },
	{ "bad base64 padding", HDR "  - {outs: 0x1f0, width: 1, count: 3, data: !!binary A===}\n",
	  "bad base64 in the payload at character 2 of 4" },
	{ "base64 group cut", HDR "  - {outs: 0x1f0, width: 1, count: 3, data: !!binary AAECA}\n",
	  "t.yaml:5:45: bad base64 in the payload: its 5 characters end inside a group of 4" },
	{ "data after padding", HDR "  - {outs: 0x1f0, width: 1, count: 3, data: !!binary AA==AAAA}\n",
	  "bad base64 in the payload at character 5 of 8" },
	{ "payload without !!binary", HDR "  - {outs: 0x1f0, width: 1, count: 3, data: AAEC}\n",
	  "t.yaml:5:45: expected a !!binary scalar, got a scalar of 4 characters" },
	{ "unknown event", HDR "  - {jump: 0x1f0}\n",
	  "t.yaml:5:6: expected a key of an event (in, out, ins, outs, dma-start, dma-done, irq, end, " },
	{ "no kind", HDR "  - {width: 1, value: 0}\n",
	  "t.yaml:5:5: expected an event kind key (in, out, ins, outs, dma-start, dma-done, irq, end)" },
	{ "two kinds", HDR "  - {in: 0x1f7, out: 0x1f7, width: 1, value: 0}\n",
	  "t.yaml:5:5: expected one event kind key in this mapping, got several" },
	{ "missing key", HDR "  - {in: 0x1f7, width: 1}\n",
	  "t.yaml:5:5: expected a mapping key 'value' in this 'in' event" },
	{ "key of another kind", HDR "  - {in: 0x1f7, width: 1, value: 0, count: 3}\n",
	  "t.yaml:5:5: key 'count' does not belong in this 'in' event" },
	{ "repeated key", HDR "  - {in: 0x1f7, width: 1, width: 1, value: 0}\n",
	  "t.yaml:5:27: key 'width' given twice" },
	{ "event not a mapping", HDR "  - [in, 0x1f7]\n", "t.yaml:5:5: expected an event, got a sequence" },
	{ "alias", HDR "  - &a {in: 0x1f7, width: 1, value: 0}\n  - *a\n",
	  "t.yaml:6:5: expected an event, got an alias (traces use no anchors or aliases)" },
	{ "bad version", "parapass-trace: 2\nmachine: {}\n",
	  "t.yaml:1:17: unsupported trace format version 2 (this parapass reads version 1)" },
	{ "version not first", "machine: {}\nparapass-trace: 1\n",
	  "t.yaml:1:1: expected the mapping key 'parapass-trace' first, got 'machine'" },
	{ "not a mapping", "- 1\n",
	  "t.yaml:1:1: expected a trace (a mapping, first key 'parapass-trace'), got a sequence" },
	{ "no machine", "parapass-trace: 1\ndisks: []\nevents:\n  - {end: 0}\n",
	  "t.yaml:3:1: expected a mapping key 'machine' before 'events'" },
	{ "unknown header key", "parapass-trace: 1\ndisk: []\n",
	  "t.yaml:2:1: expected a header key (provenance, machine, disks, key, events), got 'disk'" },
	{ "channel key missing", "parapass-trace: 1\nmachine: {prog-if: 0x80, bm-base: 0xc000, "
	  "channels: [{channel: 0, cmd: 0x1f0, irq: 14}]}\n",
	  "t.yaml:2:86: expected a mapping key 'ctl' in a channel" },
	{ "pattern without seed", "parapass-trace: 1\ndisks:\n  - {channel: 0, drive: 1, sectors: 8, "
	  "policy: pass, content: pattern}\n",
	  "t.yaml:3:5: expected a mapping key 'seed' for content: pattern" },
	{ "seed on zero content", "parapass-trace: 1\ndisks:\n  - {channel: 0, drive: 1, sectors: 8, "
	  "policy: pass, content: zero, seed: 1}\n",
	  "t.yaml:3:5: key 'seed' does not go with content: zero" },
	{ "unknown policy", "parapass-trace: 1\ndisks:\n  - {channel: 0, drive: 1, sectors: 8, "
	  "policy: scramble, content: zero}\n",
	  "t.yaml:3:48: expected one of deny, pass, encrypt, got 'scramble'" },
	{ "same disk twice", "parapass-trace: 1\ndisks:\n"
	  "  - {channel: 0, drive: 1, sectors: 8, policy: pass, content: zero}\n"
	  "  - {channel: 0, drive: 1, sectors: 8, policy: pass, content: zero}\n",
	  "t.yaml:4:5: invalid header: two disks on the same channel and drive" },
	{ "sectors beyond LBA48", "parapass-trace: 1\ndisks:\n  - {channel: 0, drive: 1, "
	  "sectors: 0x1000000000001, policy: pass, content: zero}\n",
	  "t.yaml:3:37: expected an unsigned integer (decimal or 0x hex) up to 281474976710656" },
	{ "real key", "parapass-trace: 1\nkey: {test-key: false, xts: " KEY128 "}\n",
	  "t.yaml:2:6: a trace only ever carries a test key: expected 'test-key: true'" },
	{ "short key", "parapass-trace: 1\nkey: {test-key: true, xts: 0011}\n",
	  "t.yaml:2:28: expected 128 hex digits, got a scalar of 4 characters" },
	{ "end count wrong", HDR IN1 "  - {end: 5}\n",
	  "t.yaml:6:5: the end record counts 5 events, the trace holds 1" },
	{ "event after end", HDR "  - {end: 0}\n" IN1,
	  "t.yaml:6:5: expected nothing after the end record, got a mapping" },
	{ "key after events", HDR "  - {end: 0}\nextra: 1\n",
	  "t.yaml:6:1: expected the end of the trace ('events' is its last key), got 'extra'" },
	{ "second document", HDR "  - {end: 0}\n---\nparapass-trace: 1\n",
	  "t.yaml:6:1: expected the end of the file, got another document" },
	{ "write payload on dma-done", HDR "  - {dma-done: 0, write: true, status: 4, bytes: 3, "
	  "data: !!binary AAEC}\n",
	  "t.yaml:5:5: bad 'dma-done' event: payload not allowed here" },
	{ "dma write without payload", HDR "  - {dma-start: 0, prdt: 0x7000, write: true, bytes: 512, "
	  "prd: [[0x100000, 0x80000200]]}\n",
	  "t.yaml:5:5: payload length 0 does not match bytes = 512 in this 'dma-start' event" },
	{ "empty PRD table", HDR "  - {dma-start: 0, prdt: 0x7000, write: false, bytes: 512, prd: []}\n",
	  "t.yaml:5:5: bad 'dma-start' event: a PRD table holds 1 to 8192 entries" },
	{ "PRD entry short", HDR "  - {dma-start: 0, prdt: 0x7000, write: false, bytes: 512, "
	  "prd: [[0x100000]]}\n",
	  "t.yaml:5:75: expected an unsigned integer (decimal or 0x hex) up to 4294967295, "
	  "got the end of the sequence" },
	{ "dma channel 4", HDR "  - {dma-done: 4, write: false, status: 4, bytes: 0}\n",
	  "t.yaml:5:16: expected an unsigned integer (decimal or 0x hex) up to 3, got '4'" },
	{ "bool spelled yes", HDR "  - {dma-done: 0, write: yes, status: 4, bytes: 0}\n",
	  "t.yaml:5:26: expected true or false, got 'yes'" },
	{ "broken YAML", HDR "  - {in: 0x1f7, width: 1, value: 0x50]\n",
	  "t.yaml:5:38: malformed YAML: did not find expected ',' or '}', while parsing a flow "
	  "mapping at 5:5" },
	{ "cut after UTF-8 text", "parapass-trace: 1\nprovenance: {guest: \"\xc3\xa9\xf0\x9f\x92\xbe\"}\n",
	  "t.yaml:3:1: expected a header key, and the key 'events' last, got the end of the mapping: "
	  "the trace is truncated" },
	{ "UTF-8 cut in a character", "parapass-trace: 1\nprovenance: {guest: \"\xf0\x9f",
	  "t.yaml:2:22: malformed input: incomplete UTF-8 octet sequence" },
	{ "not UTF-8", "parapass-trace: 1\n\xff\xfe: 1\n", "t.yaml:2:1: malformed input: invalid leading UTF-8 octet (byte 0xff)" },
};

START_TEST(test_bad_input)
{
	const struct bad_case *c = &bad_cases[_i];
	struct replay_trace *t;
	struct vmm_rec_event ev;
	int rc = replay_trace_open_mem(c->text, strlen(c->text), "t.yaml", &t);

	ck_assert_ptr_nonnull(t);
	while (!rc && !(rc = replay_trace_next(t, &ev)) && ev.kind != VMM_REC_END)
		;
	ck_assert_msg(rc == PP_EINVAL, "%s: accepted (rc %d)", c->what, rc);
	ck_assert_msg(strstr(replay_trace_error(t), c->want), "%s:\n got  %s\n want %s", c->what,
		      replay_trace_error(t), c->want);
	/* The error sticks. */
	ck_assert_int_eq(replay_trace_next(t, &ev), PP_EINVAL);
	replay_trace_close(t);
}
END_TEST

/* The same through a file: the reader's file paths find the same positions. */
START_TEST(test_bad_input_file)
{
	const struct bad_case *c = &bad_cases[_i];
	char path[] = "/tmp/check_replay_errors-XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	const char *want = strncmp(c->want, "t.yaml", 6) ? c->want : c->want + 6;
	struct replay_trace *t;
	struct vmm_rec_event ev;
	int rc;

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(c->text, 1, strlen(c->text), f), strlen(c->text));
	fclose(f);
	rc = replay_trace_open(path, &t);
	while (!rc && !(rc = replay_trace_next(t, &ev)) && ev.kind != VMM_REC_END)
		;
	unlink(path);
	ck_assert_msg(rc == PP_EINVAL, "%s: accepted (rc %d)", c->what, rc);
	ck_assert_msg(!strncmp(replay_trace_error(t), path, strlen(path)) &&
			      strstr(replay_trace_error(t), want),
		      "%s:\n got  %s\n want %s", c->what, replay_trace_error(t), want);
	replay_trace_close(t);
}
END_TEST

/* A key or a payload in a bad trace is never quoted back. */
START_TEST(test_secrets_not_in_messages)
{
	static const char *const texts[] = {
		"parapass-trace: 1\nkey: {test-key: true, xts: " KEY128 "zz}\n",
		"parapass-trace: 1\nkey: {test-key: true, xts: " "SECRETKEYHEX" "}\n",
		HDR "  - {outs: 0x1f0, width: 1, count: 3, data: SECRETPAYLOAD}\n",
		HDR "  - {outs: 0x1f0, width: 1, count: 3, data: !!binary SECRETPAYLOAD*}\n",
	};
	const char *text = texts[_i];
	struct replay_trace *t;
	struct vmm_rec_event ev;
	int rc = replay_trace_open_mem(text, strlen(text), "s.yaml", &t);

	while (!rc && !(rc = replay_trace_next(t, &ev)) && ev.kind != VMM_REC_END)
		;
	ck_assert_int_eq(rc, PP_EINVAL);
	ck_assert_msg(!strstr(replay_trace_error(t), "SECRET") && !strstr(replay_trace_error(t), "0a0b0c"),
		      "secret quoted: %s", replay_trace_error(t));
	replay_trace_close(t);
}
END_TEST

/* A PRD table one entry beyond the format's limit. */
START_TEST(test_prd_limit)
{
	size_t cap = 64 * 1024 + 20 * (VMM_REC_MAX_PRD + 1);
	char *text = malloc(cap);
	size_t n = (size_t)snprintf(text, cap, HDR "  - {dma-start: 0, prdt: 0, write: false, "
				    "bytes: 0, prd: [");
	struct replay_trace *t;
	struct vmm_rec_event ev;
	int rc;

	ck_assert_ptr_nonnull(text);
	for (unsigned i = 0; i <= VMM_REC_MAX_PRD; i++)
		n += (size_t)snprintf(text + n, cap - n, "%s[0, 0]", i ? ", " : "");
	n += (size_t)snprintf(text + n, cap - n, "]}\n  - {end: 1}\n");
	rc = replay_trace_open_mem(text, n, "p.yaml", &t);
	ck_assert_int_eq(rc, PP_OK);
	ck_assert_int_eq(replay_trace_next(t, &ev), PP_EINVAL);
	ck_assert_msg(strstr(replay_trace_error(t), "expected at most 8192 PRD entries, got a sequence"),
		      "%s", replay_trace_error(t));
	replay_trace_close(t);
	free(text);
}
END_TEST

START_TEST(test_missing_file)
{
	struct replay_trace *t;

	ck_assert_int_eq(replay_trace_open("/nonexistent/trace.yaml", &t), PP_EIO);
	ck_assert_ptr_nonnull(strstr(replay_trace_error(t), "/nonexistent/trace.yaml: "));
	replay_trace_close(t);
}
END_TEST

Suite *replay_errors_suite(void)
{
	Suite *s = suite_create("replay_errors");
	TCase *tc = tcase_create("bad_input");

	tcase_add_loop_test(tc, test_bad_input, 0, (int)(sizeof(bad_cases) / sizeof(bad_cases[0])));
	tcase_add_loop_test(tc, test_bad_input_file, 0,
			    (int)(sizeof(bad_cases) / sizeof(bad_cases[0])));
	tcase_add_loop_test(tc, test_secrets_not_in_messages, 0, 4);
	tcase_add_test(tc, test_prd_limit);
	tcase_add_test(tc, test_missing_file);
	suite_add_tcase(s, tc);
	return s;
}
