/*
 * vmm_record_io.c - the recorder switch: while on, every trapped access
 * vmm_io() handles and every DMA start and completion the mediator reports
 * go through the one encoder (vmm_record.c) to the recorder's sink.
 *
 * Order at the intercept point (replay/FORMAT.md "Events"): a dma-start
 * is written when the mediator reports it, inside the handler, so it lands
 * before the port access being handled (written after dispatch, when an
 * IN's value is known); a dma-done is held back until that access is
 * written. A replay can then lay out guest memory before the access that
 * starts the engine and check it after the access that completed it.
 */
#include "vmm.h"

#define LOG_PREFIX "record"
/* Guest memory is gathered in pieces that never cross a 4 KiB page (hal_gpa_map). */
#define REC_PAGE 4096u

struct rec_done {
	bool pending;
	bool write;
	uint8_t status;
	uint32_t n, bytes;
	const struct vmm_rec_prd *prd;
};

static struct {
	bool on;
	bool in_io;            /* inside vmm_io(): hold dma-done records back */
	struct rec_done done[VMM_REC_MAX_CHANNELS];
	struct vmm_rec_enc enc;
} rec;

static void rec_hal_sink(void *ctx, const void *buf, size_t len)
{
	(void)ctx;
	hal_record_write(buf, len);
}

bool vmm_record_active(void)
{
	return rec.on;
}

int vmm_record_start(const struct vmm_rec_header *h, vmm_rec_sink_fn sink, void *ctx)
{
	int rc;

	if (rec.on)
		return PP_EBUSY;
	vmm_memset(rec.done, 0, sizeof(rec.done));
	rec.in_io = false;
	vmm_rec_enc_init(&rec.enc, sink ? sink : rec_hal_sink, ctx);
	rc = vmm_rec_enc_header(&rec.enc, h);
	if (rc) {
		LOG_ERR("trace header refused (%d)", rc);
		return rc;
	}
	rec.on = true;
	return PP_OK;
}

void vmm_record_stop(void)
{
	if (!rec.on)
		return;
	vmm_rec_enc_end(&rec.enc);
	rec.on = false;
}

/* One event with no payload, or a failure to log: recording never stops the guest. */
static void rec_event(const struct vmm_rec_event *ev)
{
	int rc = vmm_rec_enc_event(&rec.enc, ev);

	if (rc)
		LOG_WARN("%s record dropped (%d)", vmm_rec_kind_name(ev->kind), rc);
}

void vmm_record_io_enter(void)
{
	rec.in_io = rec.on;
}

static void rec_flush_done(void);

void vmm_record_io(const struct hal_io_req *req)
{
	bool str = req->count != 1;
	struct vmm_rec_event ev = {
		.port = req->port,
		.width = req->width,
	};

	if (!rec.on)
		return;
	rec.in_io = false;
	if (str) {
		ev.kind = req->dir == HAL_IO_IN ? VMM_REC_INS : VMM_REC_OUTS;
		ev.count = req->count;
		ev.data = req->data;
		ev.len = (size_t)req->count * req->width;
	} else {
		ev.kind = req->dir == HAL_IO_IN ? VMM_REC_IN : VMM_REC_OUT;
		vmm_memcpy(&ev.value, req->data, req->width);
	}
	rec_event(&ev);
	rec_flush_done();
}

/*
 * Walk up to bytes of guest memory along prd[0..n) in page-bounded
 * pieces, stopping after an EOT entry. With enc set, feed each piece to
 * the encoder; without, only count how far guest RAM reaches. Returns the
 * bytes covered.
 */
static uint32_t rec_gather(const struct vmm_rec_prd *prd, uint32_t n, uint32_t bytes,
			   struct vmm_rec_enc *enc)
{
	uint32_t done = 0;

	for (uint32_t i = 0; i < n && done < bytes; i++) {
		uint32_t len = prd[i].ctl & 0xFFFF ? prd[i].ctl & 0xFFFF : 0x10000;
		uint64_t gpa = prd[i].addr;

		len = len < bytes - done ? len : bytes - done;
		while (len) {
			uint32_t piece = REC_PAGE - (uint32_t)(gpa & (REC_PAGE - 1));
			void *p;

			piece = piece < len ? piece : len;
			if (hal_gpa_map(gpa, piece, &p))
				return done;
			if (enc)
				vmm_rec_enc_data(enc, p, piece);
			gpa += piece;
			len -= piece;
			done += piece;
		}
		if (prd[i].ctl & VMM_REC_PRD_EOT)
			break;
	}
	return done;
}

/*
 * The second walk reached less guest RAM than the first (the backend
 * changed its mind): keep the trace well-formed with zeros, and say so.
 */
static void rec_pad(uint32_t got, uint32_t want)
{
	static const uint8_t zero[512];

	if (got < want)
		LOG_WARN("dma payload short by %u bytes, zero-filled", want - got);
	while (got < want) {
		uint32_t k = want - got < sizeof(zero) ? want - got : sizeof(zero);

		vmm_rec_enc_data(&rec.enc, zero, k);
		got += k;
	}
}

/* A record whose payload is guest memory along a PRD list. */
static void rec_dma_event(struct vmm_rec_event *ev, const struct vmm_rec_prd *prd, uint32_t n,
			  bool with_data)
{
	int rc;

	if (with_data) {
		ev->bytes = rec_gather(prd, n, ev->bytes, NULL);
		ev->len = ev->bytes;
	}
	rc = vmm_rec_enc_event_begin(&rec.enc, ev);
	if (!rc && ev->len)
		rec_pad(rec_gather(prd, n, ev->bytes, &rec.enc), ev->bytes);
	if (!rc)
		rc = vmm_rec_enc_event_end(&rec.enc);
	if (rc)
		LOG_WARN("%s record dropped (%d)", vmm_rec_kind_name(ev->kind), rc);
}

void vmm_record_dma_start(unsigned channel, uint32_t prdt, const struct vmm_rec_prd *prd,
			  uint32_t n, bool write, uint32_t bytes)
{
	struct vmm_rec_event ev = {
		.kind = VMM_REC_DMA_START,
		.channel = (uint8_t)channel,
		.prdt = prdt,
		.prd = prd,
		.nprd = n,
		.write = write,
		.bytes = bytes,
	};

	if (rec.on)
		rec_dma_event(&ev, prd, n, write);
}

static void rec_done_write(unsigned channel, const struct rec_done *d)
{
	struct vmm_rec_event ev = {
		.kind = VMM_REC_DMA_DONE,
		.channel = (uint8_t)channel,
		.write = d->write,
		.status = d->status,
		.bytes = d->bytes,
	};

	rec_dma_event(&ev, d->prd, d->n, !d->write);
}

static void rec_flush_done(void)
{
	for (unsigned ch = 0; ch < VMM_REC_MAX_CHANNELS; ch++) {
		if (rec.done[ch].pending) {
			rec.done[ch].pending = false;
			rec_done_write(ch, &rec.done[ch]);
		}
	}
}

void vmm_record_dma_done(unsigned channel, const struct vmm_rec_prd *prd, uint32_t n,
			 bool write, uint8_t status, uint32_t bytes)
{
	struct rec_done d = {
		.pending = true, .write = write, .status = status, .n = n, .bytes = bytes, .prd = prd,
	};

	if (!rec.on)
		return;
	if (channel >= VMM_REC_MAX_CHANNELS) {
		LOG_WARN("dma-done on channel %u dropped", channel);
		return;
	}
	if (!rec.in_io) {
		rec_done_write(channel, &d);
		return;
	}
	/* Two completions in one access: the earlier goes out now, ahead of it. */
	if (rec.done[channel].pending)
		rec_done_write(channel, &rec.done[channel]);
	rec.done[channel] = d;
}

void vmm_record_irq(unsigned irq, bool level)
{
	struct vmm_rec_event ev = { .kind = VMM_REC_IRQ, .irq = (uint8_t)irq, .level = level };

	if (rec.on)
		rec_event(&ev);
}
