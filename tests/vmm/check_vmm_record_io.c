/*
 * check_vmm_record_io.c - the recorder switch on hal/sim: the guest's
 * trapped accesses go through vmm_io() to a stand-in mediator that calls
 * the DMA hooks the way ata/ does; the trace that hal_record_write() puts
 * in the sim's record file must read back event for event, in the order
 * the format promises (dma-start before the access that starts the
 * engine, dma-done after the access that completes it), with the guest's
 * buffers gathered along the PRD list.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hal/sim/sim.h"
#include "replay/replay.h"
#include "vmm/vmm.h"

#define T_CMD 0x1F0     /* command block, 8 ports */
#define T_BM 0xC000     /* bus-master block, 8 ports (PIIX3 2.7.4) */
#define T_PRDT 0x8000
#define T_BUF0 0x10F00  /* crosses a 4 KiB page: the recorder gathers in pieces */
#define T_BUF1 0x20000

/* The stand-in mediator: just enough of a bus master to call the hooks. */
struct fake_bm {
	uint32_t prdt;
	struct vmm_rec_prd prd[8];
	uint32_t n;
	bool write, busy;
	uint32_t bytes;         /* what the "device" moves: set by the test */
};

static void fake_cmd(void *ctx, struct hal_io_req *req)
{
	uint8_t *d = req->data;

	(void)ctx;
	if (req->dir != HAL_IO_IN)
		return;
	for (size_t i = 0; i < (size_t)req->count * req->width; i++)
		d[i] = (uint8_t)(i ^ 0x5A);
	if (req->port == T_CMD + 7)
		d[0] = 0x58;
}

static uint8_t device_byte(size_t i)
{
	return (uint8_t)(i * 7 + 3);
}

/* A disk read lands in guest memory along the PRD list, as the mediator's copy-back would. */
static void fake_device_read(const struct fake_bm *f)
{
	size_t done = 0;

	for (uint32_t i = 0; i < f->n && done < f->bytes; i++) {
		uint32_t len = f->prd[i].ctl & 0xFFFF;

		for (uint32_t k = 0; k < len && done < f->bytes; k++, done++) {
			uint8_t b = device_byte(done);

			ck_assert_int_eq(sim_guest_write(f->prd[i].addr + k, &b, 1), PP_OK);
		}
	}
}

static void fake_start(struct fake_bm *f, uint8_t cmd)
{
	f->n = 0;
	do {
		ck_assert_int_eq(hal_gpa_read(f->prdt + 8 * f->n, &f->prd[f->n], 8), PP_OK);
	} while (!(f->prd[f->n++].ctl & VMM_REC_PRD_EOT) && f->n < 8);
	f->write = !(cmd & 0x08); /* bit 3 set: the bus master writes memory, a disk read */
	vmm_record_dma_start(0, f->prdt, f->prd, f->n, f->write, f->bytes);
	if (!f->write)
		fake_device_read(f);
	f->busy = true;
}

static void fake_bm_io(void *ctx, struct hal_io_req *req)
{
	struct fake_bm *f = ctx;
	unsigned off = req->port - T_BM;

	if (req->dir == HAL_IO_OUT && off == 4)
		memcpy(&f->prdt, req->data, 4);
	if (req->dir == HAL_IO_OUT && off == 0 && (*(uint8_t *)req->data & 1))
		fake_start(f, *(uint8_t *)req->data);
	if (req->dir == HAL_IO_IN && off == 2) {
		*(uint8_t *)req->data = 0x04;
		if (f->busy)
			vmm_record_dma_done(0, f->prd, f->n, f->write, 0x04, f->bytes);
		f->busy = false;
	}
}

static struct fake_bm bm;
static char *rec_buf;
static size_t rec_len;
static FILE *rec_file;

static void setup(void)
{
	struct sim_config cfg = { .ram_size = 4u << 20, .vmm_size = 1u << 20 };

	rec_file = open_memstream(&rec_buf, &rec_len);
	ck_assert_ptr_nonnull(rec_file);
	cfg.record = rec_file;
	ck_assert_int_eq(sim_init(&cfg), PP_OK);
	memset(&bm, 0, sizeof(bm));
	ck_assert_int_eq(vmm_port_claim(T_CMD, 8, fake_cmd, NULL), PP_OK);
	ck_assert_int_eq(vmm_port_claim(T_BM, 8, fake_bm_io, &bm), PP_OK);
}

static void teardown(void)
{
	vmm_record_stop();
	vmm_port_reset();
	sim_fini();
	fclose(rec_file);
	free(rec_buf);
}

static const struct vmm_rec_header hdr = {
	.version = VMM_REC_VERSION, .source = "sim", .tool = "check_vmm_record_io",
	.prog_if = 0x80, .bm_base = T_BM,
};

static struct replay_trace *open_recording(void)
{
	struct replay_trace *t;

	fflush(rec_file);
	ck_assert_msg(!replay_trace_open_mem(rec_buf, rec_len, "rec.yaml", &t), "%s",
		      replay_trace_error(t));
	return t;
}

static void next(struct replay_trace *t, struct vmm_rec_event *ev, unsigned kind)
{
	ck_assert_msg(!replay_trace_next(t, ev), "%s", replay_trace_error(t));
	ck_assert_msg(ev->kind == kind, "event %s, want %s", vmm_rec_kind_name(ev->kind),
		      vmm_rec_kind_name(kind));
}

static void next_io(struct replay_trace *t, unsigned kind, uint16_t port, uint8_t width,
		    uint32_t value)
{
	struct vmm_rec_event ev;

	next(t, &ev, kind);
	ck_assert_uint_eq(ev.port, port);
	ck_assert_uint_eq(ev.width, width);
	ck_assert_uint_eq(ev.value, value);
}

/* Guest side of one bus-master transfer of bytes, started with cmd (PIIX3 2.7.4.1). */
static void guest_dma(uint8_t cmd, uint32_t bytes)
{
	bm.bytes = bytes;
	sim_guest_out(T_BM + 4, 4, T_PRDT);
	sim_guest_out(T_BM, 1, cmd);
	ck_assert_uint_eq(sim_guest_in(T_BM + 2, 1), 0x04);
}

static void guest_prd_table(void)
{
	const struct vmm_rec_prd prd[2] = {
		{ .addr = T_BUF0, .ctl = 0x200 },
		{ .addr = T_BUF1, .ctl = VMM_REC_PRD_EOT | 0x100 },
	};
	uint8_t buf[0x200];

	ck_assert_int_eq(sim_guest_write(T_PRDT, prd, sizeof(prd)), PP_OK);
	for (unsigned i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)~i;
	ck_assert_int_eq(sim_guest_write(T_BUF0, buf, 0x200), PP_OK);
	ck_assert_int_eq(sim_guest_write(T_BUF1, buf + 0x40, 0x100), PP_OK);
}

START_TEST(test_record_guest_session)
{
	uint8_t got[8], want[768];
	struct replay_trace *t;
	struct vmm_rec_event ev;

	sim_guest_out(T_CMD + 6, 1, 0xA0);          /* before start: not recorded */
	ck_assert_int_eq(vmm_record_start(&hdr, NULL, NULL), PP_OK);
	ck_assert_int_eq(vmm_record_start(&hdr, NULL, NULL), PP_EBUSY);
	sim_guest_out(T_CMD + 6, 1, 0xE0);
	ck_assert_uint_eq(sim_guest_in(T_CMD + 7, 1), 0x58);
	sim_guest_outs(T_CMD, 2, "parapass", 4);
	sim_guest_ins(T_CMD, 4, got, 2);
	guest_prd_table();
	ck_assert_int_eq(hal_gpa_read(T_BUF0, want, 0x200), PP_OK);
	ck_assert_int_eq(hal_gpa_read(T_BUF1, want + 0x200, 0x100), PP_OK);
	guest_dma(0x01, 768);                       /* a disk write: the whole PRD list */
	guest_dma(0x09, 600);                       /* a disk read, shorter than the list */
	vmm_record_irq(14, true);
	vmm_record_stop();
	sim_guest_out(T_CMD + 6, 1, 0xB0);          /* after stop: not recorded */

	t = open_recording();
	ck_assert_str_eq(replay_trace_header(t)->tool, "check_vmm_record_io");
	next_io(t, VMM_REC_OUT, T_CMD + 6, 1, 0xE0);
	next_io(t, VMM_REC_IN, T_CMD + 7, 1, 0x58);
	next(t, &ev, VMM_REC_OUTS);
	ck_assert_uint_eq(ev.count, 4);
	ck_assert_mem_eq(ev.data, "parapass", 8);
	next(t, &ev, VMM_REC_INS);
	ck_assert_uint_eq(ev.width, 4);
	ck_assert_mem_eq(ev.data, got, 8);
	/* the write: dma-start with the gathered buffers, then the access that started it */
	next_io(t, VMM_REC_OUT, T_BM + 4, 4, T_PRDT);
	next(t, &ev, VMM_REC_DMA_START);
	ck_assert(ev.write);
	ck_assert_uint_eq(ev.prdt, T_PRDT);
	ck_assert_uint_eq(ev.nprd, 2);
	ck_assert_uint_eq(ev.prd[1].ctl, VMM_REC_PRD_EOT | 0x100);
	ck_assert_uint_eq(ev.bytes, 768);
	ck_assert_mem_eq(ev.data, want, 768);
	next_io(t, VMM_REC_OUT, T_BM, 1, 0x01);
	next_io(t, VMM_REC_IN, T_BM + 2, 1, 0x04);
	next(t, &ev, VMM_REC_DMA_DONE);
	ck_assert(ev.write);
	ck_assert_uint_eq(ev.len, 0);
	/* the read: no payload at start; at completion what the guest must see */
	next_io(t, VMM_REC_OUT, T_BM + 4, 4, T_PRDT);
	next(t, &ev, VMM_REC_DMA_START);
	ck_assert(!ev.write);
	ck_assert_uint_eq(ev.len, 0);
	next_io(t, VMM_REC_OUT, T_BM, 1, 0x09);
	next_io(t, VMM_REC_IN, T_BM + 2, 1, 0x04);
	next(t, &ev, VMM_REC_DMA_DONE);
	ck_assert(!ev.write);
	ck_assert_uint_eq(ev.status, 0x04);
	ck_assert_uint_eq(ev.bytes, 600);
	for (size_t i = 0; i < 600; i++)
		ck_assert_uint_eq(ev.data[i], device_byte(i));
	next(t, &ev, VMM_REC_IRQ);
	ck_assert_uint_eq(ev.irq, 14);
	ck_assert(ev.level);
	next(t, &ev, VMM_REC_END);
	ck_assert_uint_eq(ev.total, 15);
	replay_trace_close(t);
}
END_TEST

/* A PRD entry that leaves guest RAM (here into VMM memory): the payload stops there. */
START_TEST(test_gather_clipped_at_vmm_memory)
{
	const struct vmm_rec_prd prd[2] = {
		{ .addr = T_BUF0, .ctl = 0x200 },
		{ .addr = (uint32_t)sim_vmm_base(), .ctl = VMM_REC_PRD_EOT | 0x200 },
	};
	struct replay_trace *t;
	struct vmm_rec_event ev;

	ck_assert_int_eq(vmm_record_start(&hdr, NULL, NULL), PP_OK);
	vmm_record_dma_start(1, T_PRDT, prd, 2, true, 1024);
	vmm_record_stop();
	t = open_recording();
	next(t, &ev, VMM_REC_DMA_START);
	ck_assert_uint_eq(ev.channel, 1);
	ck_assert_uint_eq(ev.nprd, 2);
	ck_assert_uint_eq(ev.bytes, 512);
	ck_assert_uint_eq(ev.len, 512);
	next(t, &ev, VMM_REC_END);
	replay_trace_close(t);
}
END_TEST

/* Off: hooks and accesses write nothing. Outside vmm_io(): dma-done goes out at once. */
START_TEST(test_hooks_off_and_outside_io)
{
	const struct vmm_rec_prd prd = { .addr = T_BUF1, .ctl = VMM_REC_PRD_EOT | 16 };
	struct replay_trace *t;
	struct vmm_rec_event ev;

	vmm_record_dma_start(0, T_PRDT, &prd, 1, true, 16);
	vmm_record_dma_done(0, &prd, 1, false, 4, 16);
	vmm_record_irq(15, false);
	sim_guest_out(T_CMD + 6, 1, 0xE0);
	fflush(rec_file);
	ck_assert_uint_eq(rec_len, 0);
	ck_assert(!vmm_record_active());

	ck_assert_int_eq(vmm_record_start(&hdr, NULL, NULL), PP_OK);
	ck_assert(vmm_record_active());
	vmm_record_dma_done(0, &prd, 1, false, 4, 16);
	vmm_record_dma_done(9, &prd, 1, false, 4, 16);   /* no such channel: dropped */
	vmm_record_stop();
	t = open_recording();
	next(t, &ev, VMM_REC_DMA_DONE);
	ck_assert_uint_eq(ev.len, 16);
	next(t, &ev, VMM_REC_END);
	replay_trace_close(t);
}
END_TEST

Suite *vmm_record_io_suite(void)
{
	Suite *s = suite_create("vmm_record_io");
	TCase *tc = tcase_create("sim");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_record_guest_session);
	tcase_add_test(tc, test_gather_clipped_at_vmm_memory);
	tcase_add_test(tc, test_hooks_off_and_outside_io);
	suite_add_tcase(s, tc);
	return s;
}
