/*
 * check_replay_record.c - recording the real mediator: parapass mediates
 * an encrypted disk on hal/sim (the tests/ata fixture) while hal/sim's own
 * driver does PIO and DMA writes and reads with recording on. The trace
 * must read back whole, carry what the guest saw (plaintext payloads, the
 * guest's PRD table), keep the intercept-point order (dma-start before
 * the access that starts the transfer, dma-done after the one that
 * completes it), and recording must not change what the guest gets.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "../ata/ata_fixture.h"
#include "replay/replay.h"

#define NSECT 8

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

static const struct fx_disk one_disk[] = { { .ch = 0, .drv = 0, .sectors = 4096 }, { 0 } };

static void record_header(struct vmm_rec_header *h)
{
	*h = (struct vmm_rec_header){
		.version = VMM_REC_VERSION, .source = "sim", .tool = "check_replay_record",
		.prog_if = 0x80, .bm_base = sim_drv_bm(0), .nchannels = 1,
		.channel = { { .channel = 0, .irq = 14, .cmd = sim_drv_cmd(0), .ctl = sim_drv_ctl(0) } },
		.ndisks = 1,
		.disk = { { .channel = 0, .drive = 0, .sectors = 4096, .policy = VMM_REC_ENCRYPT,
			    .content = VMM_REC_ZERO } },
		.has_key = true, .test_key = true,
	};
	memcpy(h->key, fx_test_key, sizeof(h->key));
}

/* What the guest did, gathered from the trace. */
struct seen {
	uint8_t pio_out[NSECT * 512], pio_in[NSECT * 512], dma_out[NSECT * 512], dma_in[NSECT * 512];
	size_t n_pio_out, n_pio_in;
	unsigned dma_starts, dma_dones;
	uint64_t events;
};

static void take(uint8_t *dst, size_t *n, const struct vmm_rec_event *ev)
{
	ck_assert_uint_le(*n + ev->len, NSECT * 512);
	memcpy(dst + *n, ev->data, ev->len);
	*n += ev->len;
}

static void seen_dma(struct seen *s, const struct vmm_rec_event *ev, const struct vmm_rec_event *prev,
		     struct replay_trace *t)
{
	struct vmm_rec_event next;

	if (ev->kind == VMM_REC_DMA_START) {
		s->dma_starts++;
		ck_assert_uint_eq(ev->prdt, SIM_DRV_PRDT);
		ck_assert_uint_eq(ev->nprd, 2); /* the guest's table as it wrote it */
		ck_assert_uint_eq(ev->prd[0].addr, FX_BUF);
		if (ev->write)
			memcpy(s->dma_out, ev->data, ev->len);
		/* the access that starts the transfer follows: the BM start or the command */
		ck_assert_int_eq(replay_trace_next(t, &next), PP_OK);
		ck_assert_uint_eq(next.kind, VMM_REC_OUT);
		s->events++;
		return;
	}
	s->dma_dones++;
	ck_assert(prev->kind == VMM_REC_IN || prev->kind == VMM_REC_OUT);
	ck_assert_uint_eq(ev->bytes, NSECT * 512);
	if (!ev->write)
		memcpy(s->dma_in, ev->data, ev->len);
}

static void read_trace(const struct membuf *m, struct seen *s)
{
	struct vmm_rec_event ev, prev = { 0 };
	struct replay_trace *t;

	ck_assert_msg(!replay_trace_open_mem(m->p, m->len, "rec.yaml", &t), "%s",
		      replay_trace_error(t));
	ck_assert_uint_eq(replay_trace_header(t)->disk[0].policy, VMM_REC_ENCRYPT);
	while (!replay_trace_next(t, &ev) && ev.kind != VMM_REC_END) {
		s->events++;
		if (ev.kind == VMM_REC_OUTS && ev.port == sim_drv_cmd(0))
			take(s->pio_out, &s->n_pio_out, &ev);
		if (ev.kind == VMM_REC_INS && ev.port == sim_drv_cmd(0))
			take(s->pio_in, &s->n_pio_in, &ev);
		if (ev.kind == VMM_REC_DMA_START || ev.kind == VMM_REC_DMA_DONE)
			seen_dma(s, &ev, &prev, t);
		prev = ev;
		prev.data = NULL;
	}
	ck_assert_msg(ev.kind == VMM_REC_END, "%s", replay_trace_error(t));
	ck_assert_uint_eq(ev.total, s->events);
	replay_trace_close(t);
}

START_TEST(test_record_mediated_session)
{
	static uint8_t wbuf[NSECT * 512], rbuf[NSECT * 512], dbuf[NSECT * 512];
	static struct seen s;
	struct vmm_rec_header h;
	struct membuf m = { 0 };
	uint64_t io0;
	uint8_t bs;

	fx_start(one_disk, "disk ata0-master encrypt\n", false);
	fx_pattern(wbuf, 8, NSECT, 1);
	fx_pattern(dbuf, 64, NSECT, 2);
	record_header(&h);
	io0 = vmm_stats.io_requests;
	ck_assert_int_eq(vmm_record_start(&h, mem_sink, &m), PP_OK);
	ck_assert_int_eq(sim_drv_write(0, 0, 8, NSECT, wbuf, false, SIM_REP16) & 0x21, 0);
	ck_assert_int_eq(sim_drv_read(0, 0, 8, NSECT, rbuf, false, SIM_REP32) & 0x21, 0);
	ck_assert_int_eq(sim_guest_write(FX_BUF, dbuf, sizeof(dbuf)), 0);
	ck_assert_uint_eq(sim_drv_prd(FX_BUF, sizeof(dbuf), 2048), 2);
	ck_assert_int_eq(sim_drv_dma(0, 0, 0xCA, 64, NSECT, false, &bs) & 0x21, 0);
	ck_assert_int_eq(sim_guest_write(FX_BUF, rbuf, sizeof(rbuf)), 0); /* not dbuf any more */
	ck_assert_int_eq(sim_drv_dma(0, 0, 0xC8, 64, NSECT, false, &bs) & 0x21, 0);
	vmm_record_stop();

	/* Recording changed nothing for the guest or the disk. */
	ck_assert_mem_eq(rbuf, wbuf, sizeof(wbuf));
	fx_assert_disk_cipher(0, 0, 8, wbuf, NSECT);
	fx_assert_disk_cipher(0, 0, 64, dbuf, NSECT);
	ck_assert_int_eq(sim_guest_read(FX_BUF, rbuf, sizeof(rbuf)), 0);
	ck_assert_mem_eq(rbuf, dbuf, sizeof(dbuf));

	read_trace(&m, &s);
	ck_assert_uint_eq(s.events, vmm_stats.io_requests - io0 + 4);
	ck_assert_uint_eq(s.n_pio_out, sizeof(wbuf));
	ck_assert_mem_eq(s.pio_out, wbuf, sizeof(wbuf));     /* plaintext, as the guest wrote */
	ck_assert_uint_eq(s.n_pio_in, sizeof(wbuf));
	ck_assert_mem_eq(s.pio_in, wbuf, sizeof(wbuf));      /* plaintext, as the guest read */
	ck_assert_uint_eq(s.dma_starts, 2);
	ck_assert_uint_eq(s.dma_dones, 2);
	ck_assert_mem_eq(s.dma_out, dbuf, sizeof(dbuf));
	ck_assert_mem_eq(s.dma_in, dbuf, sizeof(dbuf));
	free(m.p);
	fx_stop();
}
END_TEST

Suite *replay_record_suite(void)
{
	Suite *s = suite_create("replay_record");
	TCase *tc = tcase_create("mediated");

	tcase_add_test(tc, test_record_mediated_session);
	suite_add_tcase(s, tc);
	return s;
}
