/*
 * replay_import_ata.c - QEMU's port accesses become trace records, and
 * the importer follows the ATA protocol far enough to give DMA its
 * payloads: the taskfile (with the HOB "previous content" of each
 * register, ATA8-ACS 6.2) gives each command's LBA and count; a DMA
 * write's data comes from the write log, a read's from the disk the
 * import keeps; the PRD table is synthesized (QEMU's events do not show
 * the guest's scatter list) and marked so. Data-port accesses in a row
 * become one ins/outs record of at most a sector, counted from the
 * command, as Linux's ata_pio_sector, SeaBIOS and GRUB move one sector per
 * REP INS/OUTS.
 */
#include <string.h>

#include "replay_engine_priv.h"
#include "replay_import_priv.h"

#define IMP_BUF_BASE 0x01000000u   /* synthesized DMA buffers: 16 MiB up */
#define ST_BSY 0x80
#define ST_DRQ 0x08
#define ST_ERR 0x01

int imp_emit(struct imp_ctx *x, const struct vmm_rec_event *ev)
{
	x->events++;
	if (x->emit && vmm_rec_enc_event(&x->enc, ev))
		return imp_fail(x, "internal error: the encoder refused a %s record",
				vmm_rec_kind_name(ev->kind));
	return 0;
}

int imp_flush(struct imp_ctx *x)
{
	struct imp_run *r = &x->run;
	struct vmm_rec_event ev = {
		.kind = r->in ? VMM_REC_INS : VMM_REC_OUTS, .port = r->port, .width = r->width,
		.data = r->buf, .len = r->len,
	};

	if (!r->open)
		return 0;
	ev.count = r->len / r->width;
	r->open = false;
	r->len = 0;
	return imp_emit(x, &ev);
}

uint16_t imp_bm_port(const struct imp_ctx *x, unsigned off)
{
	uint16_t base = x->o->bm_base ? x->o->bm_base : 0xC040;

	return (uint16_t)(base + 8 * x->last_ch + off);
}

/* Which channel and register: 'c' command block, 't' control, 'b' bus master, 0 none. */
static char imp_port(const struct imp_ctx *x, uint16_t port, unsigned *ch, unsigned *off)
{
	static const uint16_t cmd[IMP_CHANNELS] = { 0x1F0, 0x170 }, ctl[IMP_CHANNELS] = { 0x3F6, 0x376 };
	uint16_t bm = x->o->bm_base ? x->o->bm_base : 0xC040;

	for (*ch = 0; *ch < IMP_CHANNELS; (*ch)++) {
		if (port >= cmd[*ch] && port < cmd[*ch] + 8)
			return *off = port - cmd[*ch], 'c';
		if (port == ctl[*ch])
			return *off = 0, 't';
		if (port >= bm + 8 * *ch && port < bm + 8 * *ch + 8)
			return *off = port - bm - 8 * *ch, 'b';
	}
	return 0;
}

/* ---- Commands ---- */

/* LBA and count as the device will take them (ATA8-ACS 4.x: 28-bit, 48-bit, CHS). */
static void imp_args(struct imp_chan *c, bool ext)
{
	const uint8_t *r = c->reg, *p = c->prev;

	if (ext) {
		c->count = (uint32_t)(p[2] << 8 | r[2]);
		c->count = c->count ? c->count : 65536;
		c->lba = (uint64_t)r[3] | (uint64_t)r[4] << 8 | (uint64_t)r[5] << 16 |
			 (uint64_t)p[3] << 24 | (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40;
		return;
	}
	c->count = r[2] ? r[2] : 256;
	if (r[6] & 0x40)
		c->lba = (uint64_t)r[3] | (uint64_t)r[4] << 8 | (uint64_t)r[5] << 16 |
			 (uint64_t)(r[6] & 0x0F) << 24;
	else /* CHS: (C * heads + H) * spt + S - 1 */
		c->lba = ((uint64_t)(r[4] | r[5] << 8) * c->heads + (r[6] & 0x0F)) * c->spt + r[3] - 1;
}

static int imp_dma_start(struct imp_ctx *x, struct imp_chan *c);

static int imp_command(struct imp_ctx *x, struct imp_chan *c, uint8_t op)
{
	struct rp_cmd_class cl = rp_cmd_class(op);
	bool disk = c == &x->ch[0] && !(c->reg[6] & 0x10);  /* the image is ata0-master */

	if (x->o->max_commands && x->commands == x->o->max_commands) {
		x->cut = true;
		return 1;
	}
	x->commands++;
	c->active = true;
	c->op = op;
	c->drv = (c->reg[6] >> 4) & 1;
	c->data_off = 0;
	c->dma_wait = c->dma_run = false;
	imp_args(c, cl.flags & RP_EXT);
	if (op == 0x91) { /* INITIALIZE DEVICE PARAMETERS: the CHS translation */
		c->heads = (uint8_t)((c->reg[6] & 0x0F) + 1);
		c->spt = c->reg[2];
	}
	c->pio_user = disk && (cl.flags & RP_USER) && (cl.proto == RP_PIO_IN || cl.proto == RP_PIO_OUT);
	if (disk && (cl.proto == RP_DMA_IN || cl.proto == RP_DMA_OUT)) {
		if (!(cl.flags & RP_USER))
			return imp_fail(x, "%s (0x%02x) is not imported", rp_op_name(op), op);
		c->dma_wait = true;
		if (c->bm_cmd & 0x01) /* started first: the command starts the transfer */
			return imp_dma_start(x, c);
	}
	return 0;
}

/* ---- DMA ---- */

static int imp_dma_start(struct imp_ctx *x, struct imp_chan *c)
{
	bool write = rp_cmd_class(c->op).proto == RP_DMA_OUT;
	uint32_t bytes = c->count * IMP_SECTOR, n = (bytes + 0xFFFF) / 0x10000, base = IMP_BUF_BASE;
	struct vmm_rec_event ev = {
		.kind = VMM_REC_DMA_START, .channel = (uint8_t)(c - x->ch), .prdt = c->prdt,
		.write = write, .bytes = bytes, .synthesized = true, .prd = x->prd, .nprd = n,
	};

	if (c->lba > x->sectors || c->count > x->sectors - c->lba)
		return imp_fail(x, "%s of LBA %llu + %u sectors: beyond the image", rp_op_name(c->op),
				(unsigned long long)c->lba, c->count);
	/* Contiguous 64 KiB entries, clear of the guest's table. */
	if (c->prdt < base + bytes && base < c->prdt + 8 * n)
		base = (c->prdt + 8 * n + 0xFFFF) & ~0xFFFFu;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t len = bytes - i * 0x10000 < 0x10000 ? bytes - i * 0x10000 : 0x10000;

		x->prd[i] = (struct vmm_rec_prd){ .addr = base + i * 0x10000, .ctl = len & 0xFFFF };
	}
	x->prd[n - 1].ctl |= VMM_REC_PRD_EOT;
	if (write) {
		if (imp_wlog_take(x, c->lba, c->count, x->payload))
			return -1;
		imp_disk_write(x, c->lba, c->count, x->payload);
		ev.data = x->payload;
		ev.len = bytes;
	}
	c->dma_wait = false;
	c->dma_run = true;
	return imp_emit(x, &ev);
}

static int imp_dma_done(struct imp_ctx *x, struct imp_chan *c, uint8_t bm, bool failed)
{
	bool write = rp_cmd_class(c->op).proto == RP_DMA_OUT;
	struct vmm_rec_event ev = {
		.kind = VMM_REC_DMA_DONE, .channel = (uint8_t)(c - x->ch), .write = write,
		.status = bm, .bytes = failed ? 0 : c->count * IMP_SECTOR,
	};

	c->dma_run = false;
	if (!write && !failed) {
		if (imp_disk_read(x, c->lba, c->count, x->payload))
			return -1;
		ev.data = x->payload;
		ev.len = ev.bytes;
	}
	return imp_emit(x, &ev);
}

/* ---- PIO data ---- */

/* A whole PIO sector moved: check a read against the disk, apply a write. */
static int imp_sector(struct imp_ctx *x, struct imp_chan *c, bool in)
{
	uint64_t s = c->lba + c->data_off / IMP_SECTOR - 1;
	uint8_t *logged;

	if (c->data_off > (uint64_t)c->count * IMP_SECTOR || s >= x->sectors)
		return 0; /* past the command's data: the device sends none */
	if (in) {
		if (imp_disk_read(x, s, 1, NULL))
			return -1;
		return memcmp(c->sect, x->disk + s * IMP_SECTOR, IMP_SECTOR) ?
			       imp_fail(x, "PIO data of LBA %llu is not the image's plus the writes "
					"before it (wrong --image or --writes?)", (unsigned long long)s) : 0;
	}
	imp_disk_write(x, s, 1, c->sect);
	if (c->data_off != (uint64_t)c->count * IMP_SECTOR || !x->o->writes)
		return 0;
	logged = x->payload;
	if (imp_wlog_take(x, c->lba, c->count, logged))
		return -1;
	return memcmp(logged, x->disk + c->lba * IMP_SECTOR, (size_t)c->count * IMP_SECTOR) ?
		       imp_fail(x, "the write log's data for LBA %llu + %u is not what the guest "
				"wrote by PIO", (unsigned long long)c->lba, c->count) : 0;
}

/* IDENTIFY DEVICE of the disk: geometry and multiple count for the header. */
static void imp_identify(struct imp_ctx *x, const struct imp_chan *c)
{
	const uint8_t *id = c->sect;

	if (x->ident_seen || c != &x->ch[0] || c->drv || c->op != 0xEC ||
	    c->data_off != IMP_SECTOR)
		return;
	x->ident_seen = true;
	memcpy(x->ident, id, IMP_SECTOR);
	x->cyls = (uint16_t)(id[2] | id[3] << 8);
	x->heads = (uint16_t)(id[6] | id[7] << 8);
	x->spt = (uint16_t)(id[12] | id[13] << 8);
	x->multiple = (id[119] & 0x01) ? id[118] : 0;  /* word 59: bit 8 valid, bits 7:0 */
}

static int imp_data(struct imp_ctx *x, unsigned chn, bool in, uint16_t port, uint8_t width,
		    uint32_t value)
{
	struct imp_chan *c = &x->ch[chn];
	struct imp_run *r = &x->run;

	if (r->open && (r->ch != chn || r->in != in || r->width != width) && imp_flush(x))
		return -1;
	if (!r->open)
		*r = (struct imp_run){ .open = true, .in = in, .port = port, .width = width, .ch = chn };
	for (unsigned i = 0; i < width; i++) {
		r->buf[r->len++] = (uint8_t)(value >> (8 * i));
		c->sect[c->data_off++ % IMP_SECTOR] = (uint8_t)(value >> (8 * i));
	}
	if (c->data_off % IMP_SECTOR == 0) {
		imp_identify(x, c);
		if (c->active && c->pio_user && imp_sector(x, c, in))
			return -1;
	}
	if (c->data_off % IMP_SECTOR == 0 || r->len + width > IMP_SECTOR)
		return imp_flush(x);
	return 0;
}

/* ---- Accesses ---- */

/* What a status value says: DMA complete (dma-done follows), command ended. */
static int imp_status(struct imp_ctx *x, struct imp_chan *c, uint8_t st)
{
	if (st & (ST_BSY | ST_DRQ))
		return 0;
	if (c->dma_run && imp_dma_done(x, c, (c->bm_status & 0x04) ? c->bm_status : 0x04,
				       st & ST_ERR))
		return -1;
	if (!c->dma_wait)
		c->active = false;
	return 0;
}

static int imp_bm_out(struct imp_ctx *x, struct imp_chan *c, unsigned off, uint32_t v, bool pre)
{
	bool start = (v & 0x01) && !(c->bm_cmd & 0x01), stop = !(v & 0x01) && (c->bm_cmd & 0x01);

	if (off != 0)
		return 0;
	if (pre)
		return start && c->dma_wait ? imp_dma_start(x, c) : 0;
	c->bm_cmd = (uint8_t)v;
	return stop && c->dma_run ? imp_dma_done(x, c, c->bm_status | 0x04, false) : 0;
}

static int imp_after(struct imp_ctx *x, struct imp_chan *c, char kind, unsigned off, bool in,
		     uint32_t v)
{
	if (!in && kind == 'c' && off >= 1 && off <= 6) {
		c->prev[off] = c->reg[off];
		c->reg[off] = (uint8_t)v;
	} else if (!in && kind == 't' && (v & 0x04)) { /* SRST: every command ends */
		c->active = c->dma_wait = c->dma_run = false;
	} else if (in && ((kind == 'c' && off == 7) || kind == 't')) {
		return imp_status(x, c, (uint8_t)v);
	} else if (in && kind == 'b' && off == 2) {
		c->bm_status = (uint8_t)v;
		if (c->dma_run && ((v & 0x04) || !(v & 0x01)))
			return imp_dma_done(x, c, (uint8_t)v, v & 0x02);
	} else if (!in && kind == 'b' && off == 4) {
		c->prdt = v & ~3u;
	} else if (!in && kind == 'b') {
		return imp_bm_out(x, c, off, v, false);
	}
	return 0;
}

int imp_access(struct imp_ctx *x, bool in, uint16_t port, uint8_t width, uint32_t value)
{
	unsigned chn, off;
	char kind = imp_port(x, port, &chn, &off);
	struct imp_chan *c = &x->ch[chn];
	struct vmm_rec_event ev = {
		.kind = in ? VMM_REC_IN : VMM_REC_OUT, .port = port, .width = width, .value = value,
	};
	int rc;

	if (!kind)
		return imp_fail(x, "port 0x%x: expected a port of the IDE channels (0x1f0-0x1f7, "
				"0x3f6, 0x170-0x177, 0x376) or of the bus master", port);
	/* --commands: a clean cut, at the first write once the last command has ended. */
	if (!in && x->o->max_commands && x->commands >= x->o->max_commands && !x->ch[0].active &&
	    !x->ch[1].active) {
		x->cut = true;
		return 1;
	}
	if (kind != 'b')
		x->last_ch = chn;
	c->used = true;
	if (kind == 'c' && off == 0)
		return imp_data(x, chn, in, port, width, value);
	if (imp_flush(x))
		return -1;
	if (!in && kind == 'c' && off == 7 && (rc = imp_command(x, c, (uint8_t)value)))
		return rc;
	if (!in && kind == 'b' && imp_bm_out(x, c, off, value, true))
		return -1;
	if (imp_emit(x, &ev))
		return -1;
	return imp_after(x, c, kind, off, in, value);
}
