/*
 * ata_dma.c - bus-master DMA (SFF-8038i) through shadow PRD tables.
 *
 * The device only ever sees the channel's shadow PRD table, which points
 * at the channel's bounce buffer in VMM memory. A DMA command is held back
 * (ATA_DMA_ARMED) until the guest starts the bus master; then the guest's
 * PRD table is copied and validated, a write is gathered and encrypted
 * into the bounce buffer in one pass, and only then is the command issued.
 * A read is decrypted from the bounce buffer into the guest's buffers when
 * the guest first looks at the outcome (BM status, ATA status, or stopping
 * the engine), after checking that the transfer ended without error.
 */
#include "ata_priv.h"

#define LOG_PREFIX "ata"

static uint32_t ata_prd_len(const struct vmm_rec_prd *p)
{
	return (p->ctl & 0xFFFE) ? (p->ctl & 0xFFFE) : 0x10000; /* 0 means 64 KiB */
}

/*
 * Copy the guest's PRD table (SFF-8038i 1.2, 3.1): entries up to the end
 * bit, the 64 KiB boundary the table may not cross, or one that cannot be
 * read. Taken once, so rewriting it later changes nothing.
 */
static void ata_prd_read(struct ata_chan *ch)
{
	uint32_t addr = ch->guest_prdt & ~3u;

	ch->nprd = 0;
	while (ch->nprd < ATA_PRD_MAX && !hal_gpa_read(addr, &ch->prd[ch->nprd], 8)) {
		if (ch->prd[ch->nprd++].ctl & ATA_PRD_EOT)
			break;
		addr += 8;
		if (!(addr & 0xFFFF))
			break;
	}
}

/*
 * Check the table against the transfer: even addresses, regions inside
 * guest RAM, none in VMM memory, none crossing 64 KiB, and at least
 * dma_bytes before the end. Entries past dma_bytes are not used: the
 * device moves exactly dma_bytes. For an ATAPI packet the length is the
 * table's own (exact = false), at most dma_bytes. False if refused.
 */
static bool ata_prd_check(struct ata_chan *ch, bool exact)
{
	uint32_t total = 0;

	for (ch->nuse = 0; ch->nuse < ch->nprd && total < ch->dma_bytes; ch->nuse++) {
		const struct vmm_rec_prd *p = &ch->prd[ch->nuse];
		uint32_t len = ata_prd_len(p);
		void *unused;

		if ((p->addr & 1) || (p->addr & 0xFFFF) + len > 0x10000 ||
		    hal_gpa_map(p->addr, len, &unused))
			return false;
		total += len < ch->dma_bytes - total ? len : ch->dma_bytes - total;
	}
	if (!exact && total < ch->dma_bytes && ch->nuse && (ch->prd[ch->nuse - 1].ctl & ATA_PRD_EOT))
		ch->dma_bytes = total;
	return total == ch->dma_bytes;
}

/* Guest buffers <-> bounce buffer, encrypting or decrypting on the way when the command has a key. */
static void ata_dma_copy(struct ata_chan *ch, bool to_guest)
{
	uint8_t stage[ATA_SECTOR] __attribute__((aligned(16)));
	uint32_t boff = 0, fill = 0;
	uint64_t lba = ch->lba;

	for (uint32_t i = 0; i < ch->nuse; i++) {
		uint8_t *g;
		uint32_t len = ata_prd_len(&ch->prd[i]);

		if (len > ch->dma_bytes - boff - fill)
			len = ch->dma_bytes - boff - fill;
		VMM_ASSERT(hal_gpa_map(ch->prd[i].addr, len, (void **)&g) == PP_OK);
		while (len) {
			uint32_t n = len / ATA_SECTOR, k;

			if (!ch->key || (fill == 0 && n)) { /* whole sectors, straight across */
				k = ch->key ? n * ATA_SECTOR : len;
				if (ch->key)
					ata_xts(ch, !to_guest, lba, to_guest ? ch->bounce + boff : g,
						to_guest ? g : ch->bounce + boff, n);
				else
					vmm_memcpy(to_guest ? g : ch->bounce + boff,
						   to_guest ? ch->bounce + boff : g, k);
				boff += k, g += k, len -= k, lba += n;
				continue;
			}
			/* A sector split across PRD entries goes through the stage. */
			if (to_guest && fill == 0)
				ata_xts(ch, false, lba, ch->bounce + boff, stage, 1);
			k = ATA_SECTOR - fill < len ? ATA_SECTOR - fill : len;
			vmm_memcpy(to_guest ? g : stage + fill, to_guest ? stage + fill : g, k);
			fill += k, g += k, len -= k;
			if (fill == ATA_SECTOR) {
				if (!to_guest)
					ata_xts(ch, true, lba, stage, ch->bounce + boff, 1);
				fill = 0, boff += ATA_SECTOR, lba++;
			}
		}
	}
	vmm_wipe(stage, sizeof(stage));
}

/* The shadow table: the bounce buffer in <= 64 KiB pieces (it is 64 KiB aligned). */
static void ata_shadow_prd(struct ata_chan *ch)
{
	uint32_t off = 0, i = 0;

	while (off < ch->dma_bytes) {
		uint32_t len = ch->dma_bytes - off < 0x10000 ? ch->dma_bytes - off : 0x10000;

		ch->sprd[2 * i] = ch->bounce_phys + off;
		ch->sprd[2 * i + 1] = len & 0xFFFF; /* 0 means 64 KiB */
		off += len, i++;
	}
	ch->sprd[2 * i - 1] |= ATA_PRD_EOT;
}

/* Refuse a DMA: the device gets NOP (ERR/ABRT and INTRQ), the guest's BM status shows error. */
static void ata_dma_refuse(struct ata_chan *ch, const char *why)
{
	LOG_DEBUG("ata%u: DMA refused: %s", ch->idx, why);
	ch->bm_err = ATA_BM_ERROR;
	ata_abort_cmd(ch);
}

/*
 * Start the device on the bounce buffer. An ATA command is issued here,
 * after its data is in place; an ATAPI packet was issued already.
 */
static void ata_dma_go(struct ata_chan *ch, bool packet)
{
	bool to_mem = packet ? ch->bm_cmd & ATA_BM_TOMEM : ata_cmds[ch->op].proto == ATA_P_DMA_IN;
	uint64_t t0;
	bool ok;

	if (packet)
		ch->dma_bytes = ch->bounce_size, ch->key = NULL;
	else if (!!(ch->bm_cmd & ATA_BM_TOMEM) != to_mem)
		return ata_dma_refuse(ch, "bus-master direction does not match the command");
	if (ch->dma_bytes > ch->bounce_size)
		return ata_dma_refuse(ch, "transfer larger than the bounce buffer");
	ata_prd_read(ch);
	ok = ata_prd_check(ch, !packet);
	if (ch->nprd)
		vmm_record_dma_start(ch->idx, ch->guest_prdt, ch->prd, ch->nprd, !to_mem,
				     ch->dma_bytes);
	if (!ok)
		return ata_dma_refuse(ch, "PRD table invalid or shorter than the transfer");
	ch->dma_in = to_mem;
	t0 = hal_cycles();
	if (!to_mem)
		ata_dma_copy(ch, false);
	else if (packet) /* the device may move less than the table: no stale bytes behind it */
		vmm_memset(ch->bounce, 0, ch->dma_bytes);
	if (!ch->key)
		ata_stats.cyc_copy += hal_cycles() - t0;
	ata_shadow_prd(ch);
	hal_outl((uint16_t)(ch->bm + ATA_BM_PRDT), ch->sprd_phys);
	hal_outb((uint16_t)(ch->bm + ATA_BM_CMD), to_mem ? ATA_BM_TOMEM : 0);
	ata_stats.dma_commands++;
	if (!packet)
		ata_issue(ch, ch->op, ATA_DMA_RUN);
	ch->state = ATA_DMA_RUN;
	t0 = hal_cycles(); /* on sim the whole transfer happens here */
	hal_outb((uint16_t)(ch->bm + ATA_BM_CMD), (to_mem ? ATA_BM_TOMEM : 0) | ATA_BM_START);
	ata_stats.cyc_device += hal_cycles() - t0;
}

/* A DMA command arrived; it runs as soon as the guest's bus master is (or gets) started. */
void ata_dma_armed(struct ata_chan *ch)
{
	if (!ch->bm)
		return ata_dma_refuse(ch, "controller has no bus master");
	if (ch->bm_cmd & ATA_BM_START)
		ata_dma_go(ch, false);
}

/*
 * Has the running transfer ended? If so, and cleanly, a read's data goes
 * to the guest now, before the guest can see the outcome.
 */
bool ata_dma_poll(struct ata_chan *ch)
{
	uint8_t bs = hal_inb((uint16_t)(ch->bm + ATA_BM_STATUS)), st, bad;
	bool packet = ch->op == 0xA0;
	uint64_t t0;

	if ((bs & ATA_BM_ACTIVE) && !(bs & ATA_BM_INTR))
		return false;
	st = ata_altstatus(ch);
	if (st & ATA_BSY)
		return false;
	/* Exactly sized shadow tables end inactive; a packet may move less than its table. */
	bad = (bs & ATA_BM_ERROR) | (packet ? 0 : bs & ATA_BM_ACTIVE) | (st & (ATA_ERR | ATA_DF));
	ch->state = packet ? ATA_PACKET : ATA_IDLE;
	if (bad || (!packet && (st & ATA_DRQ))) {
		LOG_DEBUG("ata%u: DMA ended with BM 0x%02x status 0x%02x: no data to the guest",
			  ch->idx, bs, st);
		vmm_record_dma_done(ch->idx, ch->prd, ch->nuse, !ch->dma_in, bs, 0);
		return true;
	}
	t0 = hal_cycles();
	if (ch->dma_in)
		ata_dma_copy(ch, true);
	if (!ch->key)
		ata_stats.cyc_copy += hal_cycles() - t0;
	if (ch->dma_in)
		ata_stats.dma_sectors_in += ch->dma_bytes / ATA_SECTOR;
	else
		ata_stats.dma_sectors_out += ch->dma_bytes / ATA_SECTOR;
	vmm_record_dma_done(ch->idx, ch->prd, ch->nuse, !ch->dma_in, bs, ch->dma_bytes);
	return true;
}

/* Stop the engine on a transfer that is given up (reset, or the guest stopped it early). */
void ata_dma_cancel(struct ata_chan *ch)
{
	hal_outb((uint16_t)(ch->bm + ATA_BM_CMD), 0);
	ch->state = ATA_IDLE;
}

static void ata_bm_cmd_write(struct ata_chan *ch, uint8_t v)
{
	bool was = ch->bm_cmd & ATA_BM_START;

	ch->bm_cmd = v & (ATA_BM_START | ATA_BM_TOMEM);
	if ((v & ATA_BM_START) && !was) {
		if (ch->state == ATA_DMA_ARMED || ch->state == ATA_PACKET)
			ata_dma_go(ch, ch->state == ATA_PACKET);
		return; /* without a command the engine stays idle: nothing to move */
	}
	if (!(v & ATA_BM_START) && was && ch->state == ATA_DMA_RUN && !ata_dma_poll(ch)) {
		LOG_DEBUG("ata%u: bus master stopped mid-transfer", ch->idx);
		ata_dma_cancel(ch);
	}
	if (!(v & ATA_BM_START))
		hal_outb((uint16_t)(ch->bm + ATA_BM_CMD), v & ATA_BM_TOMEM);
}

static uint8_t ata_bm_read(struct ata_chan *ch, unsigned reg)
{
	switch (reg) {
	case ATA_BM_CMD:
		return ch->bm_cmd;
	case ATA_BM_STATUS:
		if (ch->state == ATA_DMA_RUN)
			ata_dma_poll(ch);
		return hal_inb((uint16_t)(ch->bm + reg)) | ch->bm_err;
	case ATA_BM_PRDT:
	case ATA_BM_PRDT + 1:
	case ATA_BM_PRDT + 2:
	case ATA_BM_PRDT + 3:
		return (uint8_t)(ch->guest_prdt >> 8 * (reg - ATA_BM_PRDT));
	default:
		return hal_inb((uint16_t)(ch->bm + reg));
	}
}

static void ata_bm_write(struct ata_chan *ch, unsigned reg, uint8_t v)
{
	switch (reg) {
	case ATA_BM_CMD:
		ata_bm_cmd_write(ch, v);
		break;
	case ATA_BM_STATUS:
		if (v & ATA_BM_ERROR)
			ch->bm_err = 0;
		hal_outb((uint16_t)(ch->bm + reg), v);
		break;
	case ATA_BM_PRDT:
	case ATA_BM_PRDT + 1:
	case ATA_BM_PRDT + 2:
	case ATA_BM_PRDT + 3: {
		unsigned sh = 8 * (reg - ATA_BM_PRDT);

		ch->guest_prdt = (ch->guest_prdt & ~(0xFFu << sh)) | (uint32_t)v << sh;
		break;
	}
	default:
		hal_outb((uint16_t)(ch->bm + reg), v);
		break;
	}
}

void ata_io_bm(void *ctx, struct hal_io_req *req)
{
	struct ata_chan *ch = ctx;
	unsigned reg = req->port - ch->bm;
	uint8_t *p = req->data;
	uint64_t t0 = hal_cycles();

	ata_stats.invocations++;
	for (uint32_t i = 0; i < req->count * req->width; i++) {
		unsigned r = reg + i % req->width;

		if (r >= 8) { /* past this channel's block */
			if (req->dir == HAL_IO_IN)
				p[i] = 0xFF;
		} else if (req->dir == HAL_IO_IN)
			p[i] = ata_bm_read(ch, r);
		else
			ata_bm_write(ch, r, p[i]);
	}
	ata_stats.cyc_total += hal_cycles() - t0;
}
