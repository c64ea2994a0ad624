/*
 * sim_ide.c - the two IDE channels as the host sees them: taskfile
 * registers with their HOB copies, status and interrupts, software and
 * device resets, the data port, and the busy periods that separate the
 * protocol phases (ATA/ATAPI-7 volume 1 chapter 7, volume 2 chapters 9-11;
 * ATA8-ACS for what each command does).
 *
 * Every device keeps its own copy of the registers; a write reaches both
 * devices, and the DEV bit chooses which one answers reads, drives INTRQ
 * and takes commands. A busy device counts status reads (busy_polls)
 * before it moves to the next phase, so that polling loops are exercised;
 * with busy_polls 0 the next phase is there at the next read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim_ide_priv.h"

#define SIM_CMD_DEVICE_RESET 0x08
#define SIM_CMD_DIAGNOSTIC 0x90

static struct {
	bool ready;
	struct sim_ide_chan ch[SIM_CHANNELS];
	uint16_t lines;         /* IRQ lines the channels drove last time */
} ide;

__attribute__((noreturn)) void sim_ide_bug(const char *what, unsigned val)
{
	fprintf(stderr, "sim: internal error: unexpected %s %u\n", what, val);
	hal_panic();
}

struct sim_ide_chan *sim_ide_chan(unsigned ch)
{
	return &ide.ch[ch];
}

static struct sim_ide_chan *sim_ide_chan_of(const struct sim_ide_dev *d)
{
	return &ide.ch[d->chan];
}

/* ---- interrupts ---- */

void sim_ide_irq_update(void)
{
	uint16_t lines = 0, levels = 0;

	for (unsigned i = 0; i < SIM_CHANNELS; i++) {
		struct sim_ide_chan *c = &ide.ch[i];
		const struct sim_ide_dev *d = &c->dev[c->sel];
		/* Only the selected device drives INTRQ; nIEN puts it in high impedance. */
		bool level = d->present && d->intrq && !(c->devctl & SIM_DC_NIEN);
		unsigned irq = sim_pci_ide_irq(i);

		/* SFF-8038i: the interrupt bit latches the rising edge of the IDE interrupt. */
		if (level && !c->level)
			c->bm_status |= SIM_BM_ST_INTR;
		c->level = level;
		if (irq < 16) {
			lines |= (uint16_t)(1u << irq);
			if (level)
				levels |= (uint16_t)(1u << irq);
		}
	}
	for (unsigned irq = 0; irq < 16; irq++)
		if ((lines | ide.lines) & (1u << irq))
			sim_irq_set(irq, levels & (1u << irq));
	ide.lines = lines;
}

void sim_ide_raise(struct sim_ide_dev *d)
{
	d->intrq = true;
	sim_ide_irq_update();
}

static void sim_ide_ack(struct sim_ide_dev *d)
{
	if (d->intrq) {
		d->intrq = false;
		sim_ide_irq_update();
	}
}

/* ---- phases ---- */

static void sim_ide_abort(struct sim_ide_dev *d)
{
	d->cmd = 0;
	d->step = SIM_STEP_NONE;
	d->phase = SIM_PH_IDLE;
	d->busy_left = 0;
	d->dma_ready = false;
	d->xpos = d->xlen = 0;
}

void sim_ide_signature(struct sim_ide_dev *d)
{
	/* ATA8-ACS 9.12 (signatures): count 1, LBA low 1, LBA mid/high 00/00 or 14h/EBh. */
	d->tf[SIM_TF_NSECT] = 1;
	d->tf[SIM_TF_LBAL] = 1;
	d->tf[SIM_TF_LBAM] = d->atapi ? 0x14 : 0x00;
	d->tf[SIM_TF_LBAH] = d->atapi ? 0xEB : 0x00;
}

/* The end of a reset: signature, diagnostic code; a PACKET device clears DRDY. */
static void sim_ide_reset_done(struct sim_ide_dev *d)
{
	bool device_reset = d->cmd == SIM_CMD_DEVICE_RESET;

	sim_ide_abort(d);
	sim_ide_signature(d);
	if (!device_reset)
		d->device = 0;
	d->error = SIM_ER_DIAG_OK;
	d->status = d->atapi ? 0 : SIM_ST_READY;
}

static void sim_ide_run_step(struct sim_ide_dev *d)
{
	enum sim_step step = d->step;

	d->step = SIM_STEP_NONE;
	switch (step) {
	case SIM_STEP_NONE:
		break;
	case SIM_STEP_EXEC:
		if (d->atapi)
			sim_atapi_exec(d);
		else
			sim_ata_exec(d);
		break;
	case SIM_STEP_NEXT:
		if (d->atapi)
			sim_atapi_next(d);
		else
			sim_ata_next(d);
		break;
	case SIM_STEP_PACKET:
		sim_atapi_packet(d);
		break;
	case SIM_STEP_DMA:
		d->dma_ready = true;
		sim_bm_kick(d->chan);
		break;
	case SIM_STEP_RESET:
		sim_ide_reset_done(d);
		break;
	default:
		sim_ide_bug("device step", step);
	}
}

/* BSY until busy_polls status reads have seen it, then step. */
static void sim_ide_busy(struct sim_ide_dev *d, enum sim_step step)
{
	d->status = (uint8_t)(SIM_ST_BSY | (d->status & SIM_ST_DRDY));
	d->step = step;
	d->busy_left = d->busy_polls;
	if (!d->busy_left)
		sim_ide_run_step(d);
}

static void sim_ide_poll(struct sim_ide_dev *d)
{
	if (d->step != SIM_STEP_NONE && d->busy_left && --d->busy_left == 0)
		sim_ide_run_step(d);
}

void sim_ide_dma_poll(unsigned ch)
{
	for (unsigned i = 0; i < SIM_DRIVES; i++) {
		struct sim_ide_dev *d = &ide.ch[ch].dev[i];

		if (d->present && d->step == SIM_STEP_DMA)
			sim_ide_poll(d);
	}
}

void sim_ide_complete(struct sim_ide_dev *d)
{
	d->phase = SIM_PH_IDLE;
	d->status = SIM_ST_READY;
	sim_ide_raise(d);
}

void sim_ide_fail(struct sim_ide_dev *d, uint8_t error)
{
	d->phase = SIM_PH_IDLE;
	d->error = error;
	d->status = SIM_ST_READY | SIM_ST_ERR;
	sim_ide_raise(d);
}

/* PIO data-in block: DRQ and INTRQ (ATA/ATAPI-7 vol. 2, 11.5 state HPIOI2). */
void sim_ide_pio_in(struct sim_ide_dev *d, const uint8_t *src, uint32_t len)
{
	d->xfer = (uint8_t *)(uintptr_t)src;  /* only ever read in the data-in phase */
	d->xpos = 0;
	d->xlen = len;
	d->phase = SIM_PH_IN;
	d->status = SIM_ST_READY | SIM_ST_DRQ;
	sim_ide_raise(d);
}

/* PIO data-out block: the first comes without an interrupt (11.6 state HPIOO1). */
void sim_ide_pio_out(struct sim_ide_dev *d, uint8_t *dst, uint32_t len, bool irq)
{
	d->xfer = dst;
	d->xpos = 0;
	d->xlen = len;
	d->phase = SIM_PH_OUT;
	d->status = SIM_ST_READY | SIM_ST_DRQ;
	if (irq)
		sim_ide_raise(d);
}

/* DMA: the device holds BSY until the bus master has moved the data. */
void sim_ide_dma_arm(struct sim_ide_dev *d, uint8_t *buf, uint32_t len, bool to_mem)
{
	d->dma_buf = buf;
	d->dma_len = len;
	d->dma_to_mem = to_mem;
	d->phase = SIM_PH_DMA;
	sim_ide_busy(d, SIM_STEP_DMA);
}

/* ---- commands ---- */

static void sim_ide_start(struct sim_ide_dev *d, uint8_t cmd)
{
	sim_ide_abort(d);
	d->cmd = cmd;
	d->error = 0;
	/* Writing the command register negates INTRQ (ATA/ATAPI-7 vol. 1, 5.2.9). */
	d->intrq = false;
	sim_ide_irq_update();
	sim_ide_busy(d, SIM_STEP_EXEC);
}

/* EXECUTE DEVICE DIAGNOSTIC: both devices run it; device 0 reports (ATA8-ACS 7.9). */
void sim_ide_diag_done(struct sim_ide_dev *d)
{
	struct sim_ide_chan *c = sim_ide_chan_of(d);

	sim_ide_reset_done(d);
	c->sel = 0;
	if (d->unit == 0 || !c->dev[0].present)
		sim_ide_raise(d);
}

static void sim_ide_command(struct sim_ide_chan *c, uint8_t cmd)
{
	struct sim_ide_dev *d = &c->dev[c->sel];

	if (cmd == SIM_CMD_DIAGNOSTIC) {
		for (unsigned i = 0; i < SIM_DRIVES; i++)
			if (c->dev[i].present && !(c->dev[i].status & SIM_ST_BSY))
				sim_ide_start(&c->dev[i], cmd);
		return;
	}
	/* A command for an absent device goes nowhere: device 0 ignores it. */
	if (!d->present)
		return;
	/* DEVICE RESET reaches a PACKET device even while it is busy (ATA8-ACS 7.7). */
	if (cmd == SIM_CMD_DEVICE_RESET && d->atapi && !(c->devctl & SIM_DC_SRST)) {
		sim_ide_abort(d);
		d->cmd = cmd;
		d->intrq = false;
		sim_ide_irq_update();
		sim_ide_busy(d, SIM_STEP_RESET);
		return;
	}
	if (!(d->status & SIM_ST_BSY))
		sim_ide_start(d, cmd);
}

/* ---- register access ---- */

/*
 * The device that answers a read: the selected one, or with only one
 * device on the cable, that one on behalf of the absent one, which reads
 * 00h from Status (ATA/ATAPI-7 vol. 2, 9.16 "device 0 only"). NULL when
 * nothing is attached: the bus floats.
 */
static struct sim_ide_dev *sim_ide_answering(struct sim_ide_chan *c, bool *stand_in)
{
	*stand_in = false;
	if (c->dev[c->sel].present)
		return &c->dev[c->sel];
	*stand_in = true;
	if (c->dev[!c->sel].present)
		return &c->dev[!c->sel];
	return NULL;
}

uint8_t sim_ide_cmd_in(unsigned ch, unsigned reg)
{
	struct sim_ide_chan *c = &ide.ch[ch];
	bool stand_in, hob = c->devctl & SIM_DC_HOB;
	struct sim_ide_dev *d = sim_ide_answering(c, &stand_in);
	uint8_t v;

	if (!d)
		return 0xFF;
	switch (reg) {
	case SIM_REG_ERROR:
		return d->error;
	case SIM_REG_NSECT:
	case SIM_REG_LBAL:
	case SIM_REG_LBAM:
	case SIM_REG_LBAH:
		/* HOB=1 reads the previous content (ATA/ATAPI-7 vol. 1, 6.20). */
		return hob && !d->no_hob_readback ? d->hob[reg - SIM_REG_ERROR] :
						    d->tf[reg - SIM_REG_ERROR];
	case SIM_REG_DEVICE:
		return d->device;
	case SIM_REG_STATUS:
		if (stand_in)
			return 0x00;
		v = d->status;
		sim_ide_ack(d);   /* a Status read acknowledges the interrupt */
		sim_ide_poll(d);
		return v;
	default:
		sim_ide_bug("command block register", reg);
	}
}

void sim_ide_cmd_out(unsigned ch, unsigned reg, uint8_t val)
{
	struct sim_ide_chan *c = &ide.ch[ch];

	/* Any command block write clears HOB (ATA/ATAPI-7 vol. 1, 7.9). */
	c->devctl &= (uint8_t)~SIM_DC_HOB;
	if (reg == SIM_REG_STATUS) {
		sim_ide_command(c, val);
		return;
	}
	/* Both devices decode DEV, even one that is busy and ignores the rest. */
	if (reg == SIM_REG_DEVICE)
		c->sel = (val & SIM_DEV_DEV) ? 1 : 0;
	for (unsigned i = 0; i < SIM_DRIVES; i++) {
		struct sim_ide_dev *d = &c->dev[i];

		/* The host may not write the command block while BSY: ignored. */
		if (!d->present || (d->status & SIM_ST_BSY))
			continue;
		if (reg == SIM_REG_DEVICE) {
			d->device = val;
		} else {
			d->hob[reg - SIM_REG_ERROR] = d->tf[reg - SIM_REG_ERROR];
			d->tf[reg - SIM_REG_ERROR] = val;
		}
	}
	if (reg == SIM_REG_DEVICE)
		sim_ide_irq_update();
}

uint8_t sim_ide_ctl_in(unsigned ch)
{
	struct sim_ide_chan *c = &ide.ch[ch];
	bool stand_in;
	struct sim_ide_dev *d = sim_ide_answering(c, &stand_in);
	uint8_t v;

	if (!d)
		return 0xFF;
	if (stand_in)
		return 0x00;
	/* Alternate Status: the same bits, but the interrupt stays pending. */
	v = d->status;
	sim_ide_poll(d);
	return v;
}

/* SRST: set resets both devices, clearing it starts their recovery (9.2). */
void sim_ide_ctl_out(unsigned ch, uint8_t val)
{
	struct sim_ide_chan *c = &ide.ch[ch];
	uint8_t old = c->devctl;

	c->devctl = val;
	for (unsigned i = 0; i < SIM_DRIVES; i++) {
		struct sim_ide_dev *d = &c->dev[i];

		if (!d->present)
			continue;
		if ((val & SIM_DC_SRST) && !(old & SIM_DC_SRST)) {
			sim_ide_abort(d);
			d->intrq = false;
			d->status = SIM_ST_BSY;
		} else if (!(val & SIM_DC_SRST) && (old & SIM_DC_SRST)) {
			sim_ide_busy(d, SIM_STEP_RESET);
		}
	}
	if (!(val & SIM_DC_SRST) && (old & SIM_DC_SRST))
		c->sel = 0;
	sim_ide_irq_update();
}

/* ---- the data port ---- */

/* A DRQ block has moved: BSY, then the next phase (the packet, or NEXT). */
static void sim_ide_block_end(struct sim_ide_dev *d)
{
	bool packet = d->xfer == d->cdb;

	d->phase = SIM_PH_IDLE;
	d->xpos = d->xlen = 0;
	sim_ide_busy(d, packet ? SIM_STEP_PACKET : SIM_STEP_NEXT);
}

/*
 * A string of bytes through the data port: whole blocks are one memcpy,
 * and a string may run on into the next block when the device has it
 * ready. Without DRQ the port is not driven: reads see all-ones, writes
 * are dropped. A byte access moves one byte of the stream.
 */
void sim_ide_data_in(unsigned ch, void *buf, size_t bytes)
{
	struct sim_ide_chan *c = &ide.ch[ch];
	struct sim_ide_dev *d = &c->dev[c->sel];
	uint8_t *p = buf;
	size_t done = 0;

	while (done < bytes && d->present && d->phase == SIM_PH_IN && (d->status & SIM_ST_DRQ)) {
		size_t n = d->xlen - d->xpos;

		if (n > bytes - done)
			n = bytes - done;
		memcpy(p + done, d->xfer + d->xpos, n);
		d->xpos += (uint32_t)n;
		done += n;
		if (d->xpos == d->xlen)
			sim_ide_block_end(d);
	}
	if (done < bytes)
		memset(p + done, 0xFF, bytes - done);
}

void sim_ide_data_out(unsigned ch, const void *buf, size_t bytes)
{
	struct sim_ide_chan *c = &ide.ch[ch];
	struct sim_ide_dev *d = &c->dev[c->sel];
	const uint8_t *p = buf;
	size_t done = 0;

	while (done < bytes && d->present && d->phase == SIM_PH_OUT && (d->status & SIM_ST_DRQ)) {
		size_t n = d->xlen - d->xpos;

		if (n > bytes - done)
			n = bytes - done;
		memcpy(d->xfer + d->xpos, p + done, n);
		d->xpos += (uint32_t)n;
		done += n;
		if (d->xpos == d->xlen)
			sim_ide_block_end(d);
	}
}

/* ---- life cycle ---- */

void sim_ide_init(void)
{
	sim_ide_fini();
	for (unsigned ch = 0; ch < SIM_CHANNELS; ch++) {
		for (unsigned u = 0; u < SIM_DRIVES; u++) {
			ide.ch[ch].dev[u].chan = (uint8_t)ch;
			ide.ch[ch].dev[u].unit = (uint8_t)u;
			ide.ch[ch].dev[u].disk.fd = -1;
		}
	}
	ide.ready = true;
}

void sim_ide_fini(void)
{
	for (unsigned ch = 0; ch < SIM_CHANNELS; ch++)
		for (unsigned u = 0; u < SIM_DRIVES; u++)
			sim_ide_detach(&ide.ch[ch].dev[u]);
	memset(&ide, 0, sizeof(ide));
}

bool sim_ide_ready(void)
{
	return ide.ready;
}

/* Power-on: the reset outputs with DEV cleared, no interrupt pending. */
void sim_ide_power_on_reset(struct sim_ide_dev *d)
{
	sim_ide_abort(d);
	d->cmd = SIM_CMD_DIAGNOSTIC;
	sim_ide_reset_done(d);
	d->intrq = false;
}
