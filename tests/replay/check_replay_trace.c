/*
 * check_replay_trace.c - the trace reader against the one encoder: every
 * event kind written by vmm_rec_enc_* comes back field for field, the
 * header too; large payloads, PRD lists at the limit, extension keys,
 * reuse of the payload buffer, every prefix of a trace refused as
 * truncated, and the pattern content generator.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "replay/replay.h"

/* ---- A memory sink for the encoder ---- */
struct membuf {
	char *p;
	size_t len, cap;
};

static void mem_sink(void *ctx, const void *buf, size_t len)
{
	struct membuf *m = ctx;

	if (m->len + len > m->cap) {
		m->cap = (m->len + len) * 2;
		m->p = realloc(m->p, m->cap);
		ck_assert_ptr_nonnull(m->p);
	}
	memcpy(m->p + m->len, buf, len);
	m->len += len;
}

static const uint8_t payload[8192] = {
	[0] = 0x00, [1] = 0xFF, [2] = 0x7E, [3] = 0x3F, [511] = 0xA5, [4095] = 0x5A, [8191] = 1,
};

static const struct vmm_rec_prd prd2[] = {
	{ .addr = 0x00100000, .ctl = 0x00000800 },
	{ .addr = 0x00200000, .ctl = VMM_REC_PRD_EOT | 0x0800 },
};
static const struct vmm_rec_prd prd_odd[] = {
	/* count 0 means 64 KiB; reserved bits kept as the guest wrote them */
	{ .addr = 0xFFFFFFFF, .ctl = 0x7FFF0000 },
};

/* Every kind, with the widths and flags that change how it is written. */
static const struct vmm_rec_event events[] = {
	{ .kind = VMM_REC_IN, .port = 0x1F7, .width = 1, .value = 0x58 },
	{ .kind = VMM_REC_IN, .port = 0xFFFF, .width = 2, .value = 0xFFFF },
	{ .kind = VMM_REC_IN, .port = 0xCFC, .width = 4, .value = 0xFFFFFFFF },
	{ .kind = VMM_REC_OUT, .port = 0, .width = 1, .value = 0 },
	{ .kind = VMM_REC_OUT, .port = 0xC000, .width = 4, .value = 0x12345678 },
	{ .kind = VMM_REC_INS, .port = 0x1F0, .width = 2, .count = 256, .data = payload, .len = 512 },
	{ .kind = VMM_REC_INS, .port = 0x1F0, .width = 1, .count = 1, .data = payload + 1, .len = 1 },
	{ .kind = VMM_REC_OUTS, .port = 0x170, .width = 4, .count = 1025, .data = payload + 2,
	  .len = 4100 },
	{ .kind = VMM_REC_OUTS, .port = 0x170, .width = 2, .count = 1, .data = payload + 3, .len = 2 },
	{ .kind = VMM_REC_DMA_START, .channel = 0, .prdt = 0x7000, .prd = prd2, .nprd = 2,
	  .write = true, .bytes = 4096, .data = payload, .len = 4096 },
	{ .kind = VMM_REC_DMA_START, .channel = 3, .prdt = 0xFFFFFFF8, .prd = prd_odd, .nprd = 1,
	  .write = false, .bytes = 65536, .synthesized = true },
	{ .kind = VMM_REC_DMA_DONE, .channel = 1, .write = false, .status = 0x04, .bytes = 8192,
	  .data = payload, .len = 8192 },
	{ .kind = VMM_REC_DMA_DONE, .channel = 0, .write = true, .status = 0x06, .bytes = 4096 },
	{ .kind = VMM_REC_DMA_DONE, .channel = 2, .write = false, .status = 0x00, .bytes = 0 },
	{ .kind = VMM_REC_IRQ, .irq = 14, .level = true },
	{ .kind = VMM_REC_IRQ, .irq = 0, .level = false },
};
#define NEVENTS (int)(sizeof(events) / sizeof(events[0]))

static void test_header(struct vmm_rec_header *h)
{
	memset(h, 0, sizeof(*h));
	h->version = VMM_REC_VERSION;
	/* UTF-8 comes back byte for byte, escaped or not (U+0085, U+FEFF are escaped). */
	h->guest = "Linux 6.1.0-18-amd64 \xc3\xa9t\xc3\xa9 \xf0\x9f\x92\xbe";
	h->driver = "ata_piix \xc2\x85\xef\xbb\xbf";
	h->source = "sim \"quoted\" \\ tab\t";
	h->date = "2026-01-01T00:00:00Z";
	h->tool = "check_replay_trace";
	h->prog_if = 0x8A;
	h->bm_base = 0xC040;
	h->nchannels = 2;
	h->channel[0] = (struct vmm_rec_channel){ .channel = 0, .irq = 14, .cmd = 0x1F0, .ctl = 0x3F6 };
	h->channel[1] = (struct vmm_rec_channel){ .channel = 1, .irq = 15, .cmd = 0x170, .ctl = 0x376 };
	h->ndisks = 3;
	h->disk[0] = (struct vmm_rec_disk){ .channel = 0, .drive = 0, .sectors = 1ull << 48,
		.cyls = 16383, .heads = 16, .spt = 63, .policy = VMM_REC_ENCRYPT, .content = VMM_REC_ZERO };
	h->disk[1] = (struct vmm_rec_disk){ .channel = 0, .drive = 1, .sectors = 2048,
		.policy = VMM_REC_PASS, .content = VMM_REC_PATTERN, .seed = UINT64_MAX };
	h->disk[2] = (struct vmm_rec_disk){ .channel = 1, .drive = 0, .sectors = 1,
		.policy = VMM_REC_DENY, .content = VMM_REC_IMAGE, .image = "images/disk one.img" };
	for (unsigned i = 0; i < VMM_REC_SHA256_SIZE; i++)
		h->disk[2].sha256[i] = (uint8_t)(0xF0 + i);
	h->has_key = h->test_key = true;
	for (unsigned i = 0; i < VMM_REC_KEY_SIZE; i++) /* a test key, named as such */
		h->key[i] = (uint8_t)(i * 7);
}

/* Encode the header, the events and the end record into m. */
static void encode(struct membuf *m, const struct vmm_rec_header *h,
		   const struct vmm_rec_event *ev, int n)
{
	struct vmm_rec_enc *e = malloc(sizeof(*e));

	ck_assert_ptr_nonnull(e);
	vmm_rec_enc_init(e, mem_sink, m);
	ck_assert_int_eq(vmm_rec_enc_header(e, h), PP_OK);
	for (int i = 0; i < n; i++)
		ck_assert_int_eq(vmm_rec_enc_event(e, &ev[i]), PP_OK);
	ck_assert_int_eq(vmm_rec_enc_end(e), PP_OK);
	free(e);
}

static void assert_str_eq(const char *a, const char *b)
{
	if (!a || !b)
		ck_assert_ptr_eq(a, b);
	else
		ck_assert_str_eq(a, b);
}

static void assert_event_eq(const struct vmm_rec_event *got, const struct vmm_rec_event *want)
{
	ck_assert_uint_eq(got->kind, want->kind);
	ck_assert_uint_eq(got->port, want->port);
	ck_assert_uint_eq(got->width, want->width);
	ck_assert_uint_eq(got->value, want->value);
	ck_assert_uint_eq(got->count, want->count);
	ck_assert_uint_eq(got->channel, want->channel);
	ck_assert_uint_eq(got->write, want->write);
	ck_assert_uint_eq(got->synthesized, want->synthesized);
	ck_assert_uint_eq(got->status, want->status);
	ck_assert_uint_eq(got->prdt, want->prdt);
	ck_assert_uint_eq(got->bytes, want->bytes);
	ck_assert_uint_eq(got->irq, want->irq);
	ck_assert_uint_eq(got->level, want->level);
	ck_assert_uint_eq(got->total, want->total);
	ck_assert_uint_eq(got->nprd, want->nprd);
	if (want->nprd)
		ck_assert_mem_eq(got->prd, want->prd, want->nprd * sizeof(*want->prd));
	ck_assert_uint_eq(got->len, want->len);
	if (want->len)
		ck_assert_mem_eq(got->data, want->data, want->len);
	else
		ck_assert_ptr_null(got->data);
}

static void assert_header_eq(const struct vmm_rec_header *g, const struct vmm_rec_header *w)
{
	ck_assert_uint_eq(g->version, w->version);
	assert_str_eq(g->guest, w->guest);
	assert_str_eq(g->driver, w->driver);
	assert_str_eq(g->source, w->source);
	assert_str_eq(g->date, w->date);
	assert_str_eq(g->tool, w->tool);
	ck_assert_uint_eq(g->prog_if, w->prog_if);
	ck_assert_uint_eq(g->bm_base, w->bm_base);
	ck_assert_uint_eq(g->nchannels, w->nchannels);
	ck_assert_mem_eq(g->channel, w->channel, w->nchannels * sizeof(w->channel[0]));
	ck_assert_uint_eq(g->ndisks, w->ndisks);
	for (unsigned i = 0; i < w->ndisks; i++) {
		struct vmm_rec_disk a = g->disk[i], b = w->disk[i];

		assert_str_eq(a.image, b.image);
		a.image = b.image = NULL;
		ck_assert_mem_eq(&a, &b, sizeof(a));
	}
	ck_assert_uint_eq(g->has_key, w->has_key);
	ck_assert_uint_eq(g->test_key, w->test_key);
	ck_assert_mem_eq(g->key, w->key, sizeof(w->key));
}

/* Read m back: the header, then want[0..n), then the end record, twice. */
static void read_back(const struct membuf *m, const struct vmm_rec_header *h,
		      const struct vmm_rec_event *want, int n)
{
	struct replay_trace *t;
	struct vmm_rec_event ev;
	int rc = replay_trace_open_mem(m->p, m->len, "rt.yaml", &t);

	ck_assert_msg(rc == PP_OK, "open: %s", replay_trace_error(t));
	assert_header_eq(replay_trace_header(t), h);
	for (int i = 0; i < n; i++) {
		rc = replay_trace_next(t, &ev);
		ck_assert_msg(rc == PP_OK, "event %d: %s", i, replay_trace_error(t));
		assert_event_eq(&ev, &want[i]);
	}
	for (int k = 0; k < 2; k++) {
		ck_assert_int_eq(replay_trace_next(t, &ev), PP_OK);
		ck_assert_uint_eq(ev.kind, VMM_REC_END);
		ck_assert_uint_eq(ev.total, (uint64_t)n);
	}
	ck_assert_str_eq(replay_trace_error(t), "");
	replay_trace_close(t);
}

START_TEST(test_roundtrip_each_kind)
{
	struct vmm_rec_header h;
	struct membuf m = { 0 };

	test_header(&h);
	encode(&m, &h, &events[_i], 1);
	read_back(&m, &h, &events[_i], 1);
	free(m.p);
}
END_TEST

START_TEST(test_roundtrip_all_in_order)
{
	struct vmm_rec_header h;
	struct membuf m = { 0 };

	test_header(&h);
	encode(&m, &h, events, NEVENTS);
	read_back(&m, &h, events, NEVENTS);
	free(m.p);
}
END_TEST

/* Through a file, as parapass reads traces: the file input path of the reader. */
START_TEST(test_roundtrip_file)
{
	char path[] = "/tmp/check_replay_trace-XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w+");
	struct vmm_rec_header h;
	struct membuf m = { 0 };
	struct replay_trace *t;
	struct vmm_rec_event ev;
	int rc;

	ck_assert_ptr_nonnull(f);
	test_header(&h);
	encode(&m, &h, events, NEVENTS);
	ck_assert_uint_eq(fwrite(m.p, 1, m.len, f), m.len);
	fclose(f);
	rc = replay_trace_open(path, &t);
	ck_assert_msg(rc == PP_OK, "%s", replay_trace_error(t));
	assert_header_eq(replay_trace_header(t), &h);
	for (int i = 0; i < NEVENTS; i++) {
		ck_assert_msg(!replay_trace_next(t, &ev), "%s", replay_trace_error(t));
		assert_event_eq(&ev, &events[i]);
	}
	ck_assert_int_eq(replay_trace_next(t, &ev), PP_OK);
	ck_assert_uint_eq(ev.kind, VMM_REC_END);
	{
		uint64_t chars = 0; /* the offset counts characters, as libyaml does */

		for (size_t i = 0; i < m.len; i++)
			chars += ((uint8_t)m.p[i] & 0xC0) != 0x80;
		ck_assert_uint_eq(replay_trace_offset(t), chars);
	}
	replay_trace_close(t);
	unlink(path);
	free(m.p);
}
END_TEST

/* A header with nothing optional: no provenance, no channels, no disks, no key. */
START_TEST(test_roundtrip_minimal_header)
{
	struct vmm_rec_header h = { .version = VMM_REC_VERSION };
	struct membuf m = { 0 };

	encode(&m, &h, NULL, 0);
	read_back(&m, &h, NULL, 0);
	free(m.p);
}
END_TEST

/* Payloads far beyond the encoder's staging buffer, and the limits of the format. */
START_TEST(test_roundtrip_large)
{
	struct vmm_rec_prd *prd = malloc(VMM_REC_MAX_PRD * sizeof(*prd));
	uint8_t *big = malloc(2u << 20);
	struct vmm_rec_header h = { .version = VMM_REC_VERSION };
	struct vmm_rec_event ev[3];
	struct membuf m = { 0 };

	ck_assert_ptr_nonnull(prd);
	ck_assert_ptr_nonnull(big);
	for (uint32_t i = 0; i < VMM_REC_MAX_PRD; i++)
		prd[i] = (struct vmm_rec_prd){ .addr = i << 16, .ctl = i == VMM_REC_MAX_PRD - 1 ? VMM_REC_PRD_EOT : 0 };
	replay_pattern_fill(42, 0, big, (2u << 20) / 512);
	ev[0] = (struct vmm_rec_event){ .kind = VMM_REC_DMA_START, .prdt = 0x10000, .prd = prd,
		.nprd = VMM_REC_MAX_PRD, .write = true, .bytes = 2u << 20, .data = big, .len = 2u << 20 };
	ev[1] = (struct vmm_rec_event){ .kind = VMM_REC_INS, .port = 0x1F0, .width = 4,
		.count = (1u << 20) / 4 + 1, .data = big + 3, .len = (1u << 20) + 4 };
	ev[2] = (struct vmm_rec_event){ .kind = VMM_REC_OUTS, .port = 0x1F0, .width = 2, .count = 7,
		.data = big + 5, .len = 14 };
	encode(&m, &h, ev, 3);
	read_back(&m, &h, ev, 3);
	free(m.p);
	free(big);
	free(prd);
}
END_TEST

/* Keys starting with "x-" are extensions: skipped wherever a key may stand. */
START_TEST(test_extension_keys_skipped)
{
	static const char text[] =
		"parapass-trace: 1\n"
		"x-capture: {host: [a, {b: c}], note: \"free text\"}\n"
		"provenance: {tool: hand, x-by: me}\n"
		"machine: {prog-if: 0x80, bm-base: 0xc000, channels: [], x-pci: \"00:01.1\"}\n"
		"disks: [{channel: 0, drive: 0, sectors: 64, policy: pass, content: zero, x-a: [1, [2]]}]\n"
		"events:\n"
		"  - {out: 0x1f6, width: 1, value: 0xe0, x-t: 12345}\n"
		"  - {end: 1, x-why: done}\n";
	struct replay_trace *t;
	struct vmm_rec_event ev;

	ck_assert_msg(!replay_trace_open_mem(text, strlen(text), "x.yaml", &t), "%s",
		      replay_trace_error(t));
	ck_assert_str_eq(replay_trace_header(t)->tool, "hand");
	ck_assert_int_eq(replay_trace_next(t, &ev), PP_OK);
	ck_assert_uint_eq(ev.kind, VMM_REC_OUT);
	ck_assert_uint_eq(ev.value, 0xE0);
	ck_assert_uint_eq(replay_trace_line(t), 7);
	ck_assert_int_eq(replay_trace_next(t, &ev), PP_OK);
	ck_assert_uint_eq(ev.kind, VMM_REC_END);
	replay_trace_close(t);
}
END_TEST

/*
 * Every proper prefix of a trace that stops before its end record is
 * refused with "truncated", never a crash and never a success.
 */
START_TEST(test_every_prefix_is_truncated)
{
	struct vmm_rec_event small[NEVENTS];
	struct vmm_rec_header h;
	struct membuf m = { 0 };
	size_t end_at;

	/* Every kind, payloads cut to 48 bytes: some 2,000 prefixes, not 30,000. */
	for (int i = 0; i < NEVENTS; i++) {
		small[i] = events[i];
		if (small[i].len > 48 && small[i].width)
			small[i].count = 48 / small[i].width;
		if (small[i].len > 48)
			small[i].len = small[i].count ? small[i].count * small[i].width : 48;
		if (small[i].bytes > 48 && small[i].len)
			small[i].bytes = 48;
	}
	test_header(&h);
	encode(&m, &h, small, NEVENTS);
	end_at = (size_t)(strstr(m.p, "  - {end: ") - m.p) + strlen("  - {end: 16");
	for (size_t cut = 0; cut < end_at; cut++) {
		struct replay_trace *t;
		struct vmm_rec_event ev;
		int rc = replay_trace_open_mem(m.p, cut, "cut.yaml", &t);

		while (!rc && !(rc = replay_trace_next(t, &ev)) && ev.kind != VMM_REC_END)
			;
		ck_assert_msg(rc == PP_EINVAL, "prefix of %zu bytes accepted", cut);
		ck_assert_msg(strstr(replay_trace_error(t), "truncated"), "prefix %zu: %s", cut,
			      replay_trace_error(t));
		ck_assert_msg(!strncmp(replay_trace_error(t), "cut.yaml:", 9), "%s",
			      replay_trace_error(t));
		replay_trace_close(t);
	}
	free(m.p);
}
END_TEST

/* Known answers of splitmix64 seeded with 0 and 1234567 (the reference stream). */
START_TEST(test_pattern_known_answers)
{
	uint8_t sec[2][512];
	uint64_t w;

	replay_pattern_fill(0, 0, sec[0], 1);
	memcpy(&w, sec[0], 8);
	ck_assert_uint_eq(w, 0xE220A8397B1DCDAFull);
	memcpy(&w, sec[0] + 8, 8);
	ck_assert_uint_eq(w, 0x6E789E6AA1B965F4ull);
	replay_pattern_fill(1234567, 0, sec[0], 1);
	memcpy(&w, sec[0], 8);
	ck_assert_uint_eq(w, 0x599ED017FB08FC85ull);
	/* Random access: sector 1 alone equals the second sector of a two-sector fill. */
	replay_pattern_fill(99, 0, sec, 2);
	{
		uint8_t one[512];

		replay_pattern_fill(99, 1, one, 1);
		ck_assert_mem_eq(one, sec[1], 512);
	}
}
END_TEST

Suite *replay_trace_suite(void)
{
	Suite *s = suite_create("replay_trace");
	TCase *tc = tcase_create("roundtrip");

	tcase_add_loop_test(tc, test_roundtrip_each_kind, 0, NEVENTS);
	tcase_add_test(tc, test_roundtrip_all_in_order);
	tcase_add_test(tc, test_roundtrip_file);
	tcase_add_test(tc, test_roundtrip_minimal_header);
	tcase_add_test(tc, test_roundtrip_large);
	tcase_add_test(tc, test_extension_keys_skipped);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(s, tc);
	tc = tcase_create("truncation");
	tcase_add_test(tc, test_every_prefix_is_truncated);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	tc = tcase_create("pattern");
	tcase_add_test(tc, test_pattern_known_answers);
	suite_add_tcase(s, tc);
	return s;
}
