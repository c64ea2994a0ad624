/*
 * ata_tf.c - the taskfile: command block and control ports. Registers
 * pass through while no command is mediated; the command register is
 * where the policy table decides, and where the LBA and count that become
 * the tweak are read back from the device (never taken from remembered
 * guest writes). Status reads are where the mediator notices that a
 * command ended.
 */
#include "ata_priv.h"

#define LOG_PREFIX "ata"

struct ata_chan ata_chans[ATA_MAX_CHANNELS];

/* What the device will use, read back from its registers (ATA8-ACS 4.? and 7.x). */
struct ata_args {
	uint64_t lba;
	uint32_t count;
	uint8_t dev;   /* drive index 0/1 */
	bool ok;       /* addressable: valid CHS, no wrap past the address space */
};

bool ata_wait_drq(struct ata_chan *ch)
{
	uint8_t st = ata_altstatus(ch);

	for (int i = 0; i < ATA_SPIN && (st & ATA_BSY); i++)
		st = ata_altstatus(ch);
	return (st & (ATA_BSY | ATA_DRQ | ATA_ERR)) == ATA_DRQ;
}

/*
 * The HOB bytes of count, LBA low, mid, high (ATA8-ACS 4.18.5), read back
 * from the device with device control HOB set. A device that ignores HOB
 * on reads (Bochs 2.7's disks) shows the low bytes again; for it the
 * previous contents are the guest's earlier writes, taken only if the low
 * bytes read back (lo) are exactly what the guest wrote last, so that the
 * shadow provably matches the device's registers. False if it does not.
 */
static bool ata_read_hob(struct ata_chan *ch, const struct ata_drive *d, uint8_t hob[4],
			 const uint8_t lo[4])
{
	if (d->hob_readback) {
		hal_outb(ch->ctl, ch->devctl | ATA_CTL_HOB);
		for (unsigned r = 0; r < 4; r++)
			hob[r] = ata_in(ch, ATA_REG_COUNT + r);
		hal_outb(ch->ctl, ch->devctl);
		return true;
	}
	vmm_memcpy(hob, ch->tf[1], 4);
	return ch->tf_known == 0xFF && !vmm_memcmp(lo, ch->tf[0], 4);
}

static struct ata_args ata_read_args(struct ata_chan *ch, const struct ata_cmd_info *ci)
{
	struct ata_args a = { .ok = true };
	uint32_t count = ata_in(ch, ATA_REG_COUNT);
	uint64_t lbal = ata_in(ch, ATA_REG_LBAL), lbam = ata_in(ch, ATA_REG_LBAM);
	uint64_t lbah = ata_in(ch, ATA_REG_LBAH);
	uint8_t devreg = ata_in(ch, ATA_REG_DEVICE);
	const struct ata_drive *d;

	a.dev = (devreg & ATA_DEV_DRV) ? 1 : 0;
	d = &ch->drive[a.dev];
	if (ci->flags & ATA_F_EXT) {
		uint8_t hob[4];

		/* The previous contents (HOB) hold bits 15:8 of the count and 47:24 of the LBA. */
		a.ok = ata_read_hob(ch, d, hob, (uint8_t[4]){ (uint8_t)count, (uint8_t)lbal,
							       (uint8_t)lbam, (uint8_t)lbah });
		a.lba = lbal | lbam << 8 | lbah << 16 | (uint64_t)hob[1] << 24 |
			(uint64_t)hob[2] << 32 | (uint64_t)hob[3] << 40;
		count |= (uint32_t)hob[0] << 8;
		a.count = count ? count : 65536;
		a.ok = a.ok && (devreg & ATA_DEV_LBA) && a.lba + a.count <= 1ull << 48;
	} else if (devreg & ATA_DEV_LBA) {
		a.lba = lbal | lbam << 8 | lbah << 16 | (uint64_t)(devreg & 0x0F) << 24;
		a.count = count ? count : 256;
		a.ok = a.lba + a.count <= 1ull << 28;
	} else {
		/* CHS: LBA = (C * heads + H) * spt + S - 1 (ATA-6 6.2.1) */
		uint32_t cyl = (uint32_t)(lbam | lbah << 8), head = devreg & 0x0F;

		a.count = count ? count : 256;
		a.ok = d->spt && lbal >= 1 && lbal <= d->spt && head < d->heads;
		a.lba = ((uint64_t)cyl * d->heads + head) * d->spt + lbal - 1;
	}
	if (ci->flags & ATA_F_ONE)
		a.count = 1;
	return a;
}

/* Fail a command the device never saw: NOP aborts with ERR/ABRT and INTRQ (ATA8-ACS 7.17). */
void ata_abort_cmd(struct ata_chan *ch)
{
	ata_stats.denied++;
	ch->tf_known = 0;
	ata_out(ch, ATA_REG_FEATURE, 0);
	ata_out(ch, ATA_REG_CMD, 0x00);
	ch->state = ATA_IDLE;
}

/*
 * After a reset the devices may or may not keep SET MULTIPLE MODE and
 * INITIALIZE DEVICE PARAMETERS (ATA8-ACS leaves it to Software Settings
 * Preservation): until IDENTIFY says again, MULTIPLE and CHS commands are
 * refused rather than encrypted with a guessed block size or geometry.
 */
static void ata_forget_settings(struct ata_chan *ch)
{
	for (unsigned d = 0; d < ATA_DRIVES; d++)
		ch->drive[d].multiple = 0, ch->drive[d].heads = ch->drive[d].spt = 0;
	ch->sel = 0; /* the devices select device 0 (ATA8-ACS 9.2) */
	ch->tf_known = 0;
}

void ata_reset_state(struct ata_chan *ch)
{
	if (ch->state == ATA_DMA_RUN)
		ata_dma_cancel(ch);
	ch->state = ATA_IDLE;
	vmm_wipe(ch->buf, ch->len); /* a data-in block may still hold plaintext */
	ch->pos = ch->len = ch->left = 0;
}

static void ata_nodata_done(struct ata_chan *ch, uint8_t st)
{
	struct ata_drive *d = &ch->drive[ch->dev];

	ch->state = ATA_IDLE;
	if (st & (ATA_ERR | ATA_DF))
		return;
	if (ata_cmds[ch->op].flags & ATA_F_SETMULT) {
		d->multiple = ch->pend_a;
	} else if (ata_cmds[ch->op].flags & ATA_F_INITPARAM) {
		d->spt = ch->pend_a;
		d->heads = ch->pend_b;
	}
}

/*
 * A status value the device reported: has the mediated command ended?
 * Only a status without BSY says anything (ATA8-ACS: other bits are not
 * valid while BSY is set).
 */
static void ata_track_end(struct ata_chan *ch, uint8_t st)
{
	if (st & ATA_BSY)
		return;
	switch (ch->state) {
	case ATA_NODATA:
		ata_nodata_done(ch, st);
		break;
	case ATA_PIO_IN: /* not while the guest still reads a block from our buffer */
		if (!(st & ATA_DRQ) && ch->pos == ch->len)
			ata_reset_state(ch);
		break;
	case ATA_PIO_OUT: /* ended (done or failed): a partial block is dropped */
	case ATA_PACKET:
		if (!(st & ATA_DRQ))
			ata_reset_state(ch);
		break;
	case ATA_IDLE:
	case ATA_DMA_ARMED:
	case ATA_DMA_RUN:
		break;
	default:
		VMM_ASSERT(!"ata: bad channel state");
	}
}

static uint8_t ata_status(struct ata_chan *ch, bool alt)
{
	uint8_t st;

	switch (ch->state) {
	case ATA_PIO_IN:
		if (ch->pos < ch->len) /* the block sits in our buffer: still DRQ */
			return ATA_DRDY | ATA_DSC | ATA_DRQ;
		break;
	case ATA_DMA_ARMED: /* accepted; it starts with the bus master */
		return ATA_BSY | ATA_DRDY | ATA_DSC;
	case ATA_DMA_RUN:
		ata_dma_poll(ch);
		break;
	default:
		break;
	}
	st = alt ? ata_altstatus(ch) : ata_in(ch, ATA_REG_CMD);
	ata_track_end(ch, st);
	return st;
}

static bool ata_cmd_allowed(const struct ata_cmd_info *ci, const struct ata_drive *d,
			    uint8_t feature)
{
	if (ci->proto == ATA_P_DENY || d->pol.mode == ATA_DISK_DENY)
		return false;
	if ((ci->flags & ATA_F_ATAPI) && d->pol.mode == ATA_DISK_ENCRYPT)
		return false;
	if ((ci->flags & ATA_F_TRIM) && (!d->pol.allow_trim || !(feature & 1)))
		return false;
	if ((ci->flags & ATA_F_MULTI) && !d->multiple)
		return false;
	return true;
}

/* SMART's protocol is in its feature register (ATA8-ACS 7.52). */
static uint8_t ata_smart_proto(uint8_t feature)
{
	switch (feature) {
	case 0xD0: /* READ DATA */
	case 0xD5: /* READ LOG */
		return ATA_P_PIO_IN;
	case 0xD2: /* attribute autosave */
	case 0xD4: /* EXECUTE OFF-LINE IMMEDIATE */
	case 0xD8: /* ENABLE OPERATIONS */
	case 0xD9: /* DISABLE OPERATIONS */
	case 0xDA: /* RETURN STATUS */
		return ATA_P_NODATA;
	default:   /* WRITE LOG and the rest */
		return ATA_P_DENY;
	}
}

void ata_issue(struct ata_chan *ch, uint8_t op, uint8_t state)
{
	/* Where the feature register decides what a command does, the device gets the value checked. */
	if (ata_cmds[op].proto == ATA_P_SMART || (ata_cmds[op].flags & ATA_F_TRIM)) {
		ata_out(ch, ATA_REG_FEATURE, 0);
		ata_out(ch, ATA_REG_FEATURE, ch->feature);
	}
	ata_stats.commands++;
	ch->state = state;
	ch->tf_known = 0; /* a command may rewrite the registers (e.g. the last LBA on an error) */
	ata_out(ch, ATA_REG_CMD, op);
}

static void ata_start_cmd(struct ata_chan *ch, uint8_t op, const struct ata_cmd_info *ci,
			  uint8_t proto, const struct ata_args *a)
{
	struct ata_drive *d = &ch->drive[a->dev];

	ch->op = op;
	ch->dev = a->dev;
	ch->lba = a->lba;
	ch->left = a->count;
	ch->pos = ch->len = 0;
	ch->key = (ci->flags & ATA_F_RW) && d->pol.mode == ATA_DISK_ENCRYPT ? d->pol.key : NULL;
	ch->blk = (ci->flags & ATA_F_MULTI) ? d->multiple : 1;
	switch (proto) {
	case ATA_P_NODATA:
		if (ci->flags & ATA_F_FORGET)
			ata_forget_settings(ch);
		ata_issue(ch, op, (ci->flags & (ATA_F_SETMULT | ATA_F_INITPARAM)) ? ATA_NODATA : ATA_IDLE);
		break;
	case ATA_P_PIO_IN:
		ata_issue(ch, op, ATA_PIO_IN);
		break;
	case ATA_P_PIO_OUT:
		ata_issue(ch, op, ATA_PIO_OUT);
		break;
	case ATA_P_DMA_IN:
	case ATA_P_DMA_OUT:
		ch->dma_bytes = a->count * ATA_SECTOR;
		ch->state = ATA_DMA_ARMED;
		ata_dma_armed(ch);
		break;
	case ATA_P_PACKET:
		ata_issue(ch, op, ATA_PACKET);
		break;
	default:
		VMM_ASSERT(!"ata: bad protocol");
	}
}

/*
 * What a tracked no-data command will set if it succeeds (ATA8-ACS 7.51
 * SET MULTIPLE MODE: a power of two; INITIALIZE DEVICE PARAMETERS: sectors
 * per track in the count, heads - 1 in device bits 3:0). False if invalid.
 */
static bool ata_params(struct ata_chan *ch, const struct ata_cmd_info *ci)
{
	uint8_t count = ata_in(ch, ATA_REG_COUNT);

	if (ci->flags & ATA_F_SETMULT) {
		ch->pend_a = count;
		return !(count & (count - 1)) && count <= ATA_PIO_MAX_SECTORS;
	}
	if (ci->flags & ATA_F_INITPARAM) {
		ch->pend_a = count;
		ch->pend_b = (uint8_t)((ata_in(ch, ATA_REG_DEVICE) & 0x0F) + 1);
		return count != 0;
	}
	return true;
}

static void ata_command(struct ata_chan *ch, uint8_t op)
{
	const struct ata_cmd_info *ci = &ata_cmds[op];
	uint8_t st, proto = ci->proto;
	struct ata_args a;

	if ((ci->flags & ATA_F_RESET) && ch->drive[ch->sel].pol.mode == ATA_DISK_PASS &&
	    ch->drive[ch->sel].atapi) {
		/* DEVICE RESET reaches a packet device even while it is busy (ATA8-ACS 7.7). */
		ata_reset_state(ch);
		ata_issue(ch, op, ATA_IDLE);
		return;
	}
	if (ch->state == ATA_DMA_RUN)
		ata_dma_poll(ch);
	st = ata_altstatus(ch);
	ata_track_end(ch, st);
	if (ch->state != ATA_IDLE || (st & (ATA_BSY | ATA_DRQ))) {
		/* The device ignores a command while busy (ATA8-ACS 6.2.10); so do we. */
		LOG_DEBUG("ata%u: command 0x%02x while busy, ignored", ch->idx, op);
		return;
	}
	/* The guest may have left HOB set: read back what the device will use. */
	hal_outb(ch->ctl, ch->devctl);
	a = ata_read_args(ch, ci);
	if (proto == ATA_P_SMART)
		proto = ata_smart_proto(ch->feature);
	if (proto == ATA_P_DENY || !ata_cmd_allowed(ci, &ch->drive[a.dev], ch->feature) ||
	    ((ci->flags & ATA_F_RW) && !a.ok) || !ata_params(ch, ci)) {
		LOG_DEBUG("ata%u: %s (0x%02x) to drive %u refused", ch->idx,
			  ci->name ? ci->name : "unknown opcode", op, a.dev);
		ata_abort_cmd(ch);
		return;
	}
	ata_start_cmd(ch, op, ci, proto, &a);
}

/*
 * Registers 1-7 are 8 bits wide: a wider access covers the next ports
 * (a 16-bit write to 0x1F6 also writes the command register on some
 * chipsets), so every access is taken apart into bytes.
 */
static uint8_t ata_reg_read(struct ata_chan *ch, unsigned reg)
{
	if (reg > ATA_REG_CMD)
		return 0xFF;
	return reg == ATA_REG_CMD ? ata_status(ch, false) : ata_in(ch, reg);
}

static void ata_reg_write(struct ata_chan *ch, unsigned reg, uint8_t v)
{
	if (reg > ATA_REG_CMD)
		return;
	if (reg == ATA_REG_CMD) {
		ata_command(ch, v);
		return;
	}
	/* A tracked no-data command that has ended must be seen before the next one starts. */
	if (ch->state == ATA_NODATA)
		ata_track_end(ch, ata_altstatus(ch));
	/*
	 * Taskfile writes during a mediated command could change what the
	 * device does; while it is busy it ignores them (ATA8-ACS 6.2.10), so
	 * they must not enter the shadow either.
	 */
	if (ch->state != ATA_IDLE || (ata_altstatus(ch) & ATA_BSY)) {
		LOG_DEBUG("ata%u: register %u written mid-command, dropped", ch->idx, reg);
		ch->tf_known = 0;
		return;
	}
	if (reg == ATA_REG_FEATURE)
		ch->feature = v; /* SMART and TRIM look at it when the command comes */
	if (reg >= ATA_REG_COUNT && reg <= ATA_REG_LBAH) { /* each write pushes the HOB copy */
		unsigned r = reg - ATA_REG_COUNT;

		ch->tf[1][r] = ch->tf[0][r];
		ch->tf[0][r] = v;
		ch->tf_known = (uint8_t)(ch->tf_known | (ch->tf_known & 1u << r) << 4 | 1u << r);
	}
	if (reg == ATA_REG_DEVICE)
		ch->sel = (v & ATA_DEV_DRV) ? 1 : 0;
	ata_out(ch, reg, v);
}

void ata_io_cmd(void *ctx, struct hal_io_req *req)
{
	struct ata_chan *ch = ctx;
	uint64_t t0 = hal_cycles();

	unsigned reg = req->port - ch->cmd;
	uint8_t *p = req->data;

	ata_stats.invocations++;
	if (reg == ATA_REG_DATA) {
		ata_io_data(ch, req);
	} else {
		for (uint32_t i = 0; i < req->count * req->width; i++) {
			if (req->dir == HAL_IO_IN)
				p[i] = ata_reg_read(ch, reg + i % req->width);
			else
				ata_reg_write(ch, reg + i % req->width, p[i]);
		}
	}
	ata_stats.cyc_total += hal_cycles() - t0;
}

/*
 * Alternate status / device control (ATA8-ACS 6.2.2, 6.2.6); the byte
 * above it (0x3F7) belongs to the floppy controller and is not ours.
 */
void ata_io_ctl(void *ctx, struct hal_io_req *req)
{
	struct ata_chan *ch = ctx;
	uint8_t *p = req->data;
	uint64_t t0 = hal_cycles();

	ata_stats.invocations++;
	for (uint32_t i = 0; i < req->count; i++, p += req->width) {
		if (req->dir == HAL_IO_IN) {
			vmm_memset(p, 0xFF, req->width);
			p[0] = ata_status(ch, true);
			continue;
		}
		if ((p[0] ^ ch->devctl_raw) & ATA_CTL_SRST) {
			/* A software reset (set, then cleared) ends every command and reloads the registers. */
			ata_reset_state(ch);
			ata_forget_settings(ch);
		}
		ch->devctl_raw = p[0];
		ch->devctl = p[0] & (uint8_t)~(ATA_CTL_SRST | ATA_CTL_HOB);
		hal_outb(ch->ctl, p[0]);
	}
	ata_stats.cyc_total += hal_cycles() - t0;
}
