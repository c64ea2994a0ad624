/*
 * check_replay_header.c - the disk keys added for replays of real guests'
 * traces (FORMAT.md): "multiple" (the power-on multiple count) and
 * "overlay" (sectors laid over the initial content): the encoder and the
 * reader agree on them byte for byte, and what the format forbids
 * (extents out of order, overlapping, past the disk, not whole sectors; a
 * multiple count that is not a power of two) is refused with a message.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay/replay.h"

struct membuf {
	char *p;
	size_t len, cap;
};

static void mem_sink(void *ctx, const void *buf, size_t len)
{
	struct membuf *m = ctx;

	if (m->len + len + 1 > m->cap) {
		m->cap = (m->len + len + 1) * 2;
		m->p = realloc(m->p, m->cap);
		ck_assert_ptr_nonnull(m->p);
	}
	memcpy(m->p + m->len, buf, len);
	m->len += len;
	m->p[m->len] = '\0';
}

static uint8_t sectors[5 * 512];

static void hd_header(struct vmm_rec_header *h, const struct vmm_rec_extent *x, uint32_t n)
{
	*h = (struct vmm_rec_header){
		.version = VMM_REC_VERSION, .source = "test", .prog_if = 0x80, .bm_base = 0xc000,
		.nchannels = 1, .channel = { { .channel = 0, .cmd = 0x1f0, .ctl = 0x3f6, .irq = 14 } },
		.ndisks = 1,
		.disk = { { .channel = 0, .drive = 0, .sectors = 100, .policy = VMM_REC_PASS,
			    .content = VMM_REC_ZERO, .multiple = 16, .nextents = n, .extents = x } },
	};
}

START_TEST(test_overlay_round_trip)
{
	const struct vmm_rec_extent x[] = {
		{ .lba = 0, .nsect = 1, .data = sectors },
		{ .lba = 40, .nsect = 3, .data = sectors + 512 },
		{ .lba = 99, .nsect = 1, .data = sectors + 4 * 512 },
	};
	struct vmm_rec_header h;
	struct vmm_rec_enc e;
	struct membuf m = { 0 };
	struct replay_trace *t;
	const struct vmm_rec_disk *d;
	struct vmm_rec_event ev;

	replay_pattern_fill(42, 0, sectors, 5);
	hd_header(&h, x, 3);
	vmm_rec_enc_init(&e, mem_sink, &m);
	ck_assert_int_eq(vmm_rec_enc_header(&e, &h), PP_OK);
	ck_assert_int_eq(vmm_rec_enc_end(&e), PP_OK);
	ck_assert_ptr_nonnull(strstr(m.p, ", multiple: 16, policy: pass, content: zero, overlay: [\n"
				       "      {lba: 0, data: !!binary '"));
	ck_assert_msg(!replay_trace_open_mem(m.p, m.len, "o.yaml", &t), "%s", replay_trace_error(t));
	d = &replay_trace_header(t)->disk[0];
	ck_assert_uint_eq(d->multiple, 16);
	ck_assert_uint_eq(d->nextents, 3);
	for (unsigned i = 0; i < 3; i++) {
		ck_assert_uint_eq(d->extents[i].lba, x[i].lba);
		ck_assert_uint_eq(d->extents[i].nsect, x[i].nsect);
		ck_assert_mem_eq(d->extents[i].data, x[i].data, x[i].nsect * 512);
	}
	ck_assert_int_eq(replay_trace_next(t, &ev), PP_OK);
	ck_assert_uint_eq(ev.kind, VMM_REC_END);
	replay_trace_close(t);
	free(m.p);
}
END_TEST

/* What the encoder refuses to write: the same rules the reader applies. */
static const struct vmm_rec_extent enc_bad[][2] = {
	{ { .lba = 40, .nsect = 1, .data = sectors }, { .lba = 10, .nsect = 1, .data = sectors } },
	{ { .lba = 10, .nsect = 4, .data = sectors }, { .lba = 12, .nsect = 1, .data = sectors } },
	{ { .lba = 99, .nsect = 2, .data = sectors }, { .lba = 0, .nsect = 0, .data = NULL } },
};

START_TEST(test_encoder_refuses_bad_overlay)
{
	struct vmm_rec_header h;
	struct vmm_rec_enc e;
	struct membuf m = { 0 };

	hd_header(&h, enc_bad[_i], _i == 2 ? 1 : 2);
	vmm_rec_enc_init(&e, mem_sink, &m);
	ck_assert_int_eq(vmm_rec_enc_header(&e, &h), PP_EINVAL);
	ck_assert_ptr_nonnull(vmm_rec_header_invalid(&h));
	free(m.p);
}
END_TEST

/* Hand-written disks the reader must refuse, and where it says so. */
static const char *const bad_disks[][2] = {
	{ "{lba: 3, data: !!binary 'AAAA'}", "an overlay extent holds whole sectors: 3 bytes" },
	{ "{lba: 200, data: !!binary '%s'}", "overlay extents lie inside the disk" },
	{ "{lba: 5, data: !!binary '%s'}, {lba: 5, data: !!binary '%s'}",
	  "overlay extents lie inside the disk, ascending and apart" },
	{ "{lba: 5}", "expected a mapping key 'data' in an overlay extent" },
	{ "{lba: 5, data: 'AAAA'}", "expected a !!binary scalar" },
};

START_TEST(test_reader_refuses_bad_overlay)
{
	static char sector64[700];
	char list[2048], text[4096];
	struct replay_trace *t;

	memset(sector64, 'A', 684); /* 512 zero bytes: 171 groups of 4, the last "AAA=" */
	sector64[684] = '\0';
	sector64[683] = '=';
	list[0] = '\0';
	for (const char *p = bad_disks[_i][0]; *p; p++) { /* each %s: one zero sector */
		if (p[0] == '%' && p[1] == 's') {
			strcat(list, sector64);
			p++;
		} else {
			strncat(list, p, 1);
		}
	}
	snprintf(text, sizeof(text), "parapass-trace: 1\nmachine: {prog-if: 0x80, bm-base: 0xc000, "
		 "channels: []}\ndisks:\n  - {channel: 0, drive: 0, sectors: 100, policy: pass, "
		 "content: zero, overlay: [%s]}\nevents:\n  - {end: 0}\n", list);
	ck_assert_int_eq(replay_trace_open_mem(text, strlen(text), "bad.yaml", &t), PP_EINVAL);
	ck_assert_msg(strstr(replay_trace_error(t), "bad.yaml:4:") &&
		      strstr(replay_trace_error(t), bad_disks[_i][1]), "%s", replay_trace_error(t));
	replay_trace_close(t);
}
END_TEST

START_TEST(test_multiple_power_of_two)
{
	static const char text[] = "parapass-trace: 1\nmachine: {prog-if: 0x80, bm-base: 0xc000, "
				   "channels: []}\ndisks:\n  - {channel: 0, drive: 0, sectors: 100, "
				   "multiple: 12, policy: pass, content: zero}\nevents:\n  - {end: 0}\n";
	struct replay_trace *t;

	ck_assert_int_eq(replay_trace_open_mem(text, strlen(text), "m.yaml", &t), PP_EINVAL);
	ck_assert_msg(strstr(replay_trace_error(t), "m.yaml:4:") &&
		      strstr(replay_trace_error(t), "multiple: a power of two up to 128"), "%s",
		      replay_trace_error(t));
	replay_trace_close(t);
}
END_TEST

Suite *replay_header_suite(void)
{
	Suite *s = suite_create("replay_header");
	TCase *tc = tcase_create("disk keys");

	tcase_add_test(tc, test_overlay_round_trip);
	tcase_add_loop_test(tc, test_encoder_refuses_bad_overlay, 0, 3);
	tcase_add_loop_test(tc, test_reader_refuses_bad_overlay, 0,
			    sizeof(bad_disks) / sizeof(bad_disks[0]));
	tcase_add_test(tc, test_multiple_power_of_two);
	suite_add_tcase(s, tc);
	return s;
}
