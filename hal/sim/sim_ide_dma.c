/*
 * sim_ide_dma.c - the PIIX3 bus-master IDE function (SFF-8038i rev 1.0,
 * PIIX3 data sheet 2.7): per channel a command register (start, direction),
 * a status register (active, error, interrupt, drive DMA capable) and the
 * physical address of a PRD table. When the device asserts DMARQ and start
 * is set, in either order, the data moves through the PRD entries in one
 * step with sim_dma_read/sim_dma_write, which reach all of RAM: the PIIX3
 * has no IOMMU in front of it.
 */
#include "sim_ide_priv.h"

/* A PRD table may not cross a 64 KiB boundary (SFF-8038i 2.1.3): 8192 entries at most. */
#define SIM_BM_MAX_PRD 8192u
#define SIM_PRD_EOT 0x80000000u

uint8_t sim_bm_in(unsigned ch, unsigned off)
{
	struct sim_ide_chan *c = sim_ide_chan(ch);
	uint8_t v;

	switch (off) {
	case SIM_BM_CMD:
		return c->bm_cmd;
	case SIM_BM_STATUS:
		/* Drivers poll this register while DMA runs: it counts as a poll. */
		v = c->bm_status;
		sim_ide_dma_poll(ch);
		return v;
	case SIM_BM_PRD:
	case SIM_BM_PRD + 1:
	case SIM_BM_PRD + 2:
	case SIM_BM_PRD + 3:
		return (uint8_t)(c->bm_prd >> (8 * (off - SIM_BM_PRD)));
	default:
		return 0;  /* reserved bytes +1 and +3 */
	}
}

static void sim_bm_command(struct sim_ide_chan *c, unsigned ch, uint8_t val)
{
	uint8_t old = c->bm_cmd;

	c->bm_cmd = val & (SIM_BM_CMD_START | SIM_BM_CMD_TOMEM);
	if ((val & SIM_BM_CMD_START) && !(old & SIM_BM_CMD_START)) {
		c->bm_status |= SIM_BM_ST_ACTIVE;
		sim_bm_kick(ch);
	} else if (!(val & SIM_BM_CMD_START) && (old & SIM_BM_CMD_START)) {
		/* Clearing start stops the engine; a transfer not yet made stays pending. */
		c->bm_status &= (uint8_t)~SIM_BM_ST_ACTIVE;
	}
}

void sim_bm_out(unsigned ch, unsigned off, uint8_t val)
{
	struct sim_ide_chan *c = sim_ide_chan(ch);
	unsigned shift;

	switch (off) {
	case SIM_BM_CMD:
		sim_bm_command(c, ch, val);
		break;
	case SIM_BM_STATUS:
		/* Error and interrupt are write-one-to-clear; the capable bits are plain R/W. */
		c->bm_status = (uint8_t)((c->bm_status & ~SIM_BM_ST_CAP) | (val & SIM_BM_ST_CAP));
		c->bm_status &= (uint8_t)~(val & (SIM_BM_ST_ERROR | SIM_BM_ST_INTR));
		break;
	case SIM_BM_PRD:
	case SIM_BM_PRD + 1:
	case SIM_BM_PRD + 2:
	case SIM_BM_PRD + 3:
		shift = 8 * (off - SIM_BM_PRD);
		c->bm_prd = (c->bm_prd & ~(0xFFu << shift)) | (uint32_t)val << shift;
		c->bm_prd &= ~3u;  /* dword aligned */
		break;
	default:
		break;
	}
}

static struct sim_ide_dev *sim_bm_requester(struct sim_ide_chan *c)
{
	if (c->dev[c->sel].dma_ready)
		return &c->dev[c->sel];
	if (c->dev[!c->sel].dma_ready)
		return &c->dev[!c->sel];
	return NULL;
}

/*
 * Walk the PRD table moving d's data. 0 when the device got all it asked
 * for (*exhausted: the table ended exactly there); PP_EFAULT for a table or
 * buffer outside RAM; PP_EIO when the table ends first.
 */
static int sim_bm_transfer(const struct sim_ide_chan *c, struct sim_ide_dev *d, bool *exhausted)
{
	uint64_t prd = c->bm_prd;
	uint32_t done = 0;

	for (unsigned i = 0; i < SIM_BM_MAX_PRD; i++, prd += 8) {
		uint8_t e[8];
		uint32_t addr, len, flags, n;
		int rc = sim_dma_read(prd, e, sizeof(e));

		if (rc)
			return rc;
		addr = (e[0] | (uint32_t)e[1] << 8 | (uint32_t)e[2] << 16 | (uint32_t)e[3] << 24) & ~1u;
		len = (e[4] | (uint32_t)e[5] << 8) & 0xFFFE;
		flags = (uint32_t)e[7] << 24;
		if (!len)
			len = 0x10000;  /* byte count 0 means 64 KiB */
		n = d->dma_len - done < len ? d->dma_len - done : len;
		rc = d->dma_to_mem ? sim_dma_write(addr, d->dma_buf + done, n) :
				     sim_dma_read(addr, d->dma_buf + done, n);
		if (rc)
			return rc;
		done += n;
		if (done == d->dma_len) {
			*exhausted = (flags & SIM_PRD_EOT) && n == len;
			return PP_OK;
		}
		if (flags & SIM_PRD_EOT)
			return PP_EIO;
	}
	return PP_EIO;
}

/*
 * Completion (SFF-8038i 3.1): interrupt set; active cleared when the PRD
 * table was used up, kept when it was larger than the transfer. A failed
 * transfer (table too short, memory outside RAM, direction opposite to the
 * command) sets error, clears active, and the device aborts the command.
 */
void sim_bm_kick(unsigned ch)
{
	struct sim_ide_chan *c = sim_ide_chan(ch);
	struct sim_ide_dev *d = sim_bm_requester(c);
	bool exhausted = false, ok;

	if (!d || !(c->bm_cmd & SIM_BM_CMD_START) || !sim_pci_bm_enabled())
		return;
	d->dma_ready = false;
	ok = !!(c->bm_cmd & SIM_BM_CMD_TOMEM) == d->dma_to_mem &&
	     sim_bm_transfer(c, d, &exhausted) == PP_OK;
	if (!ok)
		c->bm_status = (uint8_t)((c->bm_status & ~SIM_BM_ST_ACTIVE) |
					 SIM_BM_ST_ERROR | SIM_BM_ST_INTR);
	else if (exhausted)
		c->bm_status = (uint8_t)((c->bm_status & ~SIM_BM_ST_ACTIVE) | SIM_BM_ST_INTR);
	else
		c->bm_status |= SIM_BM_ST_INTR;
	if (d->atapi)
		sim_atapi_dma_done(d, ok);
	else
		sim_ata_dma_done(d, ok);
}
