/*
 * check_vmm_record.c - the one trace encoder and the recorder switch:
 * the exact text of a small trace (the example in replay/FORMAT.md),
 * refusals (invalid events, a real key, calls out of order), base64 fed
 * in pieces. The recorder switch on hal/sim: check_vmm_record_io.c.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay/replay.h"
#include "vmm/vmm.h"

struct membuf {
	char *p;
	size_t len, cap;
	unsigned calls;
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
	m->calls++;
}

/* ---- The exact text: FORMAT.md's example is this trace ---- */

static const char example[] =
	"# parapass trace: replay/FORMAT.md\n"
	"%YAML 1.1\n"
	"---\n"
	"parapass-trace: 1\n"
	"provenance:\n"
	"  guest: \"example\"\n"
	"  tool: \"check_vmm_record\"\n"
	"machine:\n"
	"  prog-if: 0x80\n"
	"  bm-base: 0xc000\n"
	"  channels:\n"
	"    - {channel: 0, cmd: 0x1f0, ctl: 0x3f6, irq: 14}\n"
	"disks:\n"
	"  - {channel: 0, drive: 0, sectors: 2048, cyls: 2, heads: 16, spt: 63, policy: encrypt, "
	"content: pattern, seed: 0x5eed}\n"
	"key: {test-key: true, xts: \"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
	"202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f\"}\n"
	"events:\n"
	"  - {out: 0x1f6, width: 1, value: 0xe0}\n"
	"  - {in: 0x1f7, width: 1, value: 0x58}\n"
	"  - {ins: 0x1f0, width: 2, count: 4, data: !!binary 'cGFyYXBhc3M='}\n"
	"  - {dma-start: 0, prdt: 0x7000, write: true, bytes: 4, prd: [[0x100000, 0x80000004]], "
	"data: !!binary 'AQIDBA=='}\n"
	"  - {out: 0xc000, width: 1, value: 0x1}\n"
	"  - {in: 0xc002, width: 1, value: 0x4}\n"
	"  - {dma-done: 0, write: true, status: 0x4, bytes: 4}\n"
	"  - {irq: 14, level: 0}\n"
	"  - {end: 8}\n"
	"...\n";

static void example_header(struct vmm_rec_header *h)
{
	*h = (struct vmm_rec_header){
		.version = VMM_REC_VERSION, .guest = "example", .tool = "check_vmm_record",
		.prog_if = 0x80, .bm_base = 0xC000, .nchannels = 1,
		.channel = { { .channel = 0, .irq = 14, .cmd = 0x1F0, .ctl = 0x3F6 } },
		.ndisks = 1,
		.disk = { { .channel = 0, .drive = 0, .sectors = 2048, .cyls = 2, .heads = 16, .spt = 63,
			    .policy = VMM_REC_ENCRYPT, .content = VMM_REC_PATTERN, .seed = 0x5EED } },
		.has_key = true, .test_key = true,
	};
	for (unsigned i = 0; i < VMM_REC_KEY_SIZE; i++) /* a test key, named as such */
		h->key[i] = (uint8_t)i;
}

START_TEST(test_example_text)
{
	static const uint8_t wdata[4] = { 1, 2, 3, 4 };
	static const struct vmm_rec_prd prd = { .addr = 0x100000, .ctl = VMM_REC_PRD_EOT | 4 };
	const struct vmm_rec_event ev[] = {
		{ .kind = VMM_REC_OUT, .port = 0x1F6, .width = 1, .value = 0xE0 },
		{ .kind = VMM_REC_IN, .port = 0x1F7, .width = 1, .value = 0x58 },
		{ .kind = VMM_REC_INS, .port = 0x1F0, .width = 2, .count = 4,
		  .data = (const uint8_t *)"parapass", .len = 8 },
		{ .kind = VMM_REC_DMA_START, .channel = 0, .prdt = 0x7000, .write = true, .bytes = 4,
		  .prd = &prd, .nprd = 1, .data = wdata, .len = 4 },
		{ .kind = VMM_REC_OUT, .port = 0xC000, .width = 1, .value = 1 },
		{ .kind = VMM_REC_IN, .port = 0xC002, .width = 1, .value = 4 },
		{ .kind = VMM_REC_DMA_DONE, .channel = 0, .write = true, .status = 4, .bytes = 4 },
		{ .kind = VMM_REC_IRQ, .irq = 14, .level = false },
	};
	struct vmm_rec_header h;
	struct vmm_rec_enc e;
	struct membuf m = { 0 };

	example_header(&h);
	vmm_rec_enc_init(&e, mem_sink, &m);
	ck_assert_int_eq(vmm_rec_enc_header(&e, &h), PP_OK);
	for (unsigned i = 0; i < sizeof(ev) / sizeof(ev[0]); i++)
		ck_assert_int_eq(vmm_rec_enc_event(&e, &ev[i]), PP_OK);
	ck_assert_int_eq(vmm_rec_enc_end(&e), PP_OK);
	ck_assert_str_eq(m.p, example);
	/* The sink sees whole events: one call for the header, one per event, one for the end. */
	ck_assert_uint_eq(m.calls, 1 + 8 + 1);
	free(m.p);
}
END_TEST

/* ---- Refusals: what the reader would refuse is never written ---- */

static const struct vmm_rec_prd one_prd = { .addr = 0x1000, .ctl = VMM_REC_PRD_EOT | 512 };
static const uint8_t buf512[512];

static const struct vmm_rec_event bad_events[] = {
	{ .kind = VMM_REC_IN, .port = 0x1F7, .width = 3, .value = 0 },
	{ .kind = VMM_REC_OUT, .port = 0x1F7, .width = 1, .value = 0x100 },
	{ .kind = VMM_REC_OUT, .port = 0x1F7, .width = 2, .value = 0x10000 },
	{ .kind = VMM_REC_INS, .port = 0x1F0, .width = 2, .count = 0, .data = buf512, .len = 0 },
	{ .kind = VMM_REC_INS, .port = 0x1F0, .width = 2, .count = 256, .data = buf512, .len = 510 },
	{ .kind = VMM_REC_OUTS, .port = 0x1F0, .width = 4, .count = VMM_REC_MAX_DATA / 4 + 1,
	  .data = buf512, .len = 4 * (VMM_REC_MAX_DATA / 4 + 1) },
	{ .kind = VMM_REC_DMA_START, .channel = 4, .prd = &one_prd, .nprd = 1, .bytes = 0 },
	{ .kind = VMM_REC_DMA_START, .channel = 0, .prd = &one_prd, .nprd = 0, .bytes = 0 },
	{ .kind = VMM_REC_DMA_START, .channel = 0, .prd = NULL, .nprd = 1, .bytes = 0 },
	{ .kind = VMM_REC_DMA_START, .channel = 0, .prd = &one_prd, .nprd = VMM_REC_MAX_PRD + 1 },
	{ .kind = VMM_REC_DMA_START, .channel = 0, .prd = &one_prd, .nprd = 1, .write = true,
	  .bytes = 512, .data = buf512, .len = 511 },
	{ .kind = VMM_REC_DMA_START, .channel = 0, .prd = &one_prd, .nprd = 1, .write = false,
	  .bytes = 512, .data = buf512, .len = 512 },
	{ .kind = VMM_REC_DMA_DONE, .channel = 0, .write = true, .bytes = 512, .data = buf512, .len = 512 },
	{ .kind = VMM_REC_DMA_DONE, .channel = 0, .write = false, .bytes = 512, .data = NULL, .len = 0 },
	{ .kind = VMM_REC_DMA_DONE, .channel = 0, .bytes = VMM_REC_MAX_DATA + 1, .write = true },
	{ .kind = VMM_REC_IRQ, .irq = 16 },
	{ .kind = VMM_REC_END },
	{ .kind = VMM_REC_KINDS },
	{ .kind = VMM_REC_IN, .port = 0x1F7, .width = 1, .data = NULL, .len = 4 },
};

START_TEST(test_invalid_event_refused)
{
	struct vmm_rec_header h = { .version = VMM_REC_VERSION };
	struct vmm_rec_enc e;
	struct membuf m = { 0 };
	size_t before;

	vmm_rec_enc_init(&e, mem_sink, &m);
	ck_assert_int_eq(vmm_rec_enc_header(&e, &h), PP_OK);
	before = m.len;
	ck_assert_int_eq(vmm_rec_enc_event(&e, &bad_events[_i]), PP_EINVAL);
	ck_assert_uint_eq(m.len, before);
	/* The encoder is still usable, and the trace still reads back. */
	ck_assert_int_eq(vmm_rec_enc_end(&e), PP_OK);
	{
		struct replay_trace *t;
		struct vmm_rec_event ev;

		ck_assert_int_eq(replay_trace_open_mem(m.p, m.len, "r.yaml", &t), PP_OK);
		ck_assert_int_eq(replay_trace_next(t, &ev), PP_OK);
		ck_assert_uint_eq(ev.kind, VMM_REC_END);
		replay_trace_close(t);
	}
	free(m.p);
}
END_TEST

START_TEST(test_real_key_refused)
{
	struct vmm_rec_header h;
	struct vmm_rec_enc e;
	struct membuf m = { 0 };

	example_header(&h);
	h.test_key = false;
	vmm_rec_enc_init(&e, mem_sink, &m);
	ck_assert_int_eq(vmm_rec_enc_header(&e, &h), PP_EKEY);
	ck_assert_uint_eq(m.len, 0);
	/* and the same through the recorder switch */
	ck_assert_int_eq(vmm_record_start(&h, mem_sink, &m), PP_EKEY);
	ck_assert(!vmm_record_active());
	ck_assert_uint_eq(m.len, 0);
}
END_TEST

START_TEST(test_calls_out_of_order)
{
	struct vmm_rec_header h = { .version = VMM_REC_VERSION }, bad = { .version = 2 };
	struct vmm_rec_event in = { .kind = VMM_REC_IN, .port = 1, .width = 1 };
	struct vmm_rec_event ins = { .kind = VMM_REC_INS, .port = 1, .width = 1, .count = 2, .len = 2 };
	struct vmm_rec_enc e;
	struct membuf m = { 0 };

	vmm_rec_enc_init(&e, mem_sink, &m);
	ck_assert_int_eq(vmm_rec_enc_header(&e, &bad), PP_EINVAL);
	ck_assert_int_eq(vmm_rec_enc_event(&e, &in), PP_EINVAL);      /* before the header */
	ck_assert_int_eq(vmm_rec_enc_end(&e), PP_EINVAL);
	ck_assert_int_eq(vmm_rec_enc_header(&e, &h), PP_OK);
	ck_assert_int_eq(vmm_rec_enc_header(&e, &h), PP_EINVAL);      /* twice */
	ck_assert_int_eq(vmm_rec_enc_data(&e, "x", 1), PP_EINVAL);    /* outside an event */
	ck_assert_int_eq(vmm_rec_enc_event_begin(&e, &ins), PP_OK);
	ck_assert_int_eq(vmm_rec_enc_event_end(&e), PP_EINVAL);       /* payload missing */
	ck_assert_int_eq(vmm_rec_enc_data(&e, "abc", 3), PP_EINVAL);  /* more than announced */
	ck_assert_int_eq(vmm_rec_enc_end(&e), PP_EINVAL);             /* inside an event */
	ck_assert_int_eq(vmm_rec_enc_data(&e, "ab", 2), PP_OK);
	ck_assert_int_eq(vmm_rec_enc_event_end(&e), PP_OK);
	ck_assert_int_eq(vmm_rec_enc_end(&e), PP_OK);
	ck_assert_int_eq(vmm_rec_enc_event(&e, &in), PP_EINVAL);      /* after the end */
	ck_assert_ptr_nonnull(strstr(m.p, "  - {ins: 0x1, width: 1, count: 2, data: !!binary 'YWI='}\n"
					  "  - {end: 1}\n"));
	free(m.p);
}
END_TEST

/* ---- base64 in pieces equals base64 in one go (RFC 4648 section 10 vectors too) ---- */

static const size_t piece_sizes[] = { 1, 2, 3, 4, 5, 7, 64, 1000, 4095, 4096, 4097, 20000 };

START_TEST(test_base64_pieces)
{
	static uint8_t data[20000];
	struct vmm_rec_event ev = { .kind = VMM_REC_OUTS, .port = 0x1F0, .width = 1, .count = 20000,
				    .data = data, .len = 20000 };
	struct vmm_rec_header h = { .version = VMM_REC_VERSION };
	struct membuf whole = { 0 }, pieces = { 0 };
	struct vmm_rec_enc e;
	size_t step = piece_sizes[_i];

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 131 + (i >> 8));
	vmm_rec_enc_init(&e, mem_sink, &whole);
	vmm_rec_enc_header(&e, &h);
	ck_assert_int_eq(vmm_rec_enc_event(&e, &ev), PP_OK);
	vmm_rec_enc_init(&e, mem_sink, &pieces);
	vmm_rec_enc_header(&e, &h);
	ev.data = NULL;
	ck_assert_int_eq(vmm_rec_enc_event_begin(&e, &ev), PP_OK);
	for (size_t off = 0; off < sizeof(data); off += step)
		ck_assert_int_eq(vmm_rec_enc_data(&e, data + off,
						  sizeof(data) - off < step ? sizeof(data) - off : step), PP_OK);
	ck_assert_int_eq(vmm_rec_enc_event_end(&e), PP_OK);
	ck_assert_uint_eq(pieces.len, whole.len);
	ck_assert_str_eq(pieces.p, whole.p);
	free(whole.p);
	free(pieces.p);
}
END_TEST

struct b64_vector {
	const char *in, *out;
};

static const struct b64_vector b64_vectors[] = {
	{ "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" }, { "foob", "Zm9vYg==" },
	{ "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
};

START_TEST(test_base64_rfc4648)
{
	const struct b64_vector *v = &b64_vectors[_i];
	struct vmm_rec_event ev = { .kind = VMM_REC_OUTS, .port = 0x1F0, .width = 1,
				    .count = (uint32_t)strlen(v->in), .data = (const uint8_t *)v->in,
				    .len = strlen(v->in) };
	struct vmm_rec_header h = { .version = VMM_REC_VERSION };
	struct membuf m = { 0 };
	struct vmm_rec_enc e;
	char want[96];

	vmm_rec_enc_init(&e, mem_sink, &m);
	vmm_rec_enc_header(&e, &h);
	ck_assert_int_eq(vmm_rec_enc_event(&e, &ev), PP_OK);
	snprintf(want, sizeof(want), "data: !!binary '%s'}\n", v->out);
	ck_assert_msg(strstr(m.p, want), "%s not in %s", want, m.p);
	free(m.p);
}
END_TEST

Suite *vmm_record_suite(void)
{
	Suite *s = suite_create("vmm_record");
	TCase *tc = tcase_create("encoder");

	tcase_add_test(tc, test_example_text);
	tcase_add_loop_test(tc, test_invalid_event_refused, 0,
			    (int)(sizeof(bad_events) / sizeof(bad_events[0])));
	tcase_add_test(tc, test_real_key_refused);
	tcase_add_test(tc, test_calls_out_of_order);
	tcase_add_loop_test(tc, test_base64_pieces, 0,
			    (int)(sizeof(piece_sizes) / sizeof(piece_sizes[0])));
	tcase_add_loop_test(tc, test_base64_rfc4648, 0,
			    (int)(sizeof(b64_vectors) / sizeof(b64_vectors[0])));
	suite_add_tcase(s, tc);
	return s;
}
