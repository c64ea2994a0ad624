/*
 * sim_drv.c - a small polling ATA driver that plays the guest on the
 * simulated machine: what tests and benchmarks use to issue real command
 * sequences. Written from the protocols of ATA8-ACS / ATA-7 vol. 2 (PIO
 * data-in/out, DMA) and the SFF-8038i bus-master programming sequence, in
 * the order Linux's libata-sff uses; it shares nothing with ata/.
 */
#include <string.h>

#include "sim.h"

#define SIM_DRV_SPIN 200000

uint16_t sim_drv_cmd(unsigned ch)
{
	return ch ? 0x170 : 0x1F0;
}

uint16_t sim_drv_ctl(unsigned ch)
{
	return ch ? 0x376 : 0x3F6;
}

uint16_t sim_drv_bm(unsigned ch)
{
	return (uint16_t)(0xC000 + 8 * ch);
}

uint8_t sim_drv_status(unsigned ch)
{
	return (uint8_t)sim_guest_in((uint16_t)(sim_drv_cmd(ch) + 7), 1);
}

uint8_t sim_drv_wait(unsigned ch)
{
	uint8_t st = 0xFF;

	for (int i = 0; i < SIM_DRV_SPIN; i++) {
		st = (uint8_t)sim_guest_in(sim_drv_ctl(ch), 1);
		if (!(st & 0x80))
			break;
	}
	return st;
}

static void sim_drv_out(unsigned ch, unsigned reg, uint8_t v)
{
	sim_guest_out((uint16_t)(sim_drv_cmd(ch) + reg), 1, v);
}

/* Select the drive and wait for BSY to clear: the taskfile is not writable before (ATA-7 vol. 2, 11.2). */
static void sim_drv_select(unsigned ch, uint8_t devreg)
{
	sim_drv_out(ch, 6, devreg);
	sim_drv_wait(ch);
}

void sim_drv_tf28(unsigned ch, unsigned drv, uint32_t lba, uint32_t count)
{
	sim_drv_select(ch, (uint8_t)(0xE0 | drv << 4 | ((lba >> 24) & 0x0F)));
	sim_drv_out(ch, 2, (uint8_t)count);
	sim_drv_out(ch, 3, (uint8_t)lba);
	sim_drv_out(ch, 4, (uint8_t)(lba >> 8));
	sim_drv_out(ch, 5, (uint8_t)(lba >> 16));
}

void sim_drv_tf48(unsigned ch, unsigned drv, uint64_t lba, uint32_t count)
{
	sim_drv_select(ch, (uint8_t)(0x40 | drv << 4));
	sim_drv_out(ch, 2, (uint8_t)(count >> 8)); /* HOB first: the previous contents */
	sim_drv_out(ch, 3, (uint8_t)(lba >> 24));
	sim_drv_out(ch, 4, (uint8_t)(lba >> 32));
	sim_drv_out(ch, 5, (uint8_t)(lba >> 40));
	sim_drv_out(ch, 2, (uint8_t)count);
	sim_drv_out(ch, 3, (uint8_t)lba);
	sim_drv_out(ch, 4, (uint8_t)(lba >> 8));
	sim_drv_out(ch, 5, (uint8_t)(lba >> 16));
}

void sim_drv_tfchs(unsigned ch, unsigned drv, uint16_t cyl, uint8_t head, uint8_t sect, uint8_t count)
{
	sim_drv_select(ch, (uint8_t)(0xA0 | drv << 4 | (head & 0x0F)));
	sim_drv_out(ch, 2, count);
	sim_drv_out(ch, 3, sect);
	sim_drv_out(ch, 4, (uint8_t)cyl);
	sim_drv_out(ch, 5, (uint8_t)(cyl >> 8));
}

void sim_drv_command(unsigned ch, uint8_t op)
{
	sim_drv_out(ch, 7, op);
}

static void sim_drv_sector_io(unsigned ch, uint8_t *p, bool in, enum sim_xfer x)
{
	uint16_t port = sim_drv_cmd(ch);
	unsigned w = (x == SIM_REP32 || x == SIM_ONE32) ? 4 : 2;

	if (x == SIM_REP16 || x == SIM_REP32) {
		if (in)
			sim_guest_ins(port, w, p, 512 / w);
		else
			sim_guest_outs(port, w, p, 512 / w);
		return;
	}
	for (unsigned i = 0; i < 512; i += w) {
		uint32_t v = 0;

		if (in) {
			v = sim_guest_in(port, w);
			memcpy(p + i, &v, w);
		} else {
			memcpy(&v, p + i, w);
			sim_guest_out(port, w, v);
		}
	}
}

static uint8_t sim_drv_pio(unsigned ch, uint8_t *p, uint32_t nsect, uint32_t blk, bool in,
		      enum sim_xfer x)
{
	uint8_t st;

	for (uint32_t done = 0; done < nsect;) {
		st = sim_drv_wait(ch);
		if ((st & 0x89) != 0x08) /* BSY, DRQ, ERR: want DRQ alone */
			return sim_drv_status(ch);
		if (in)
			sim_drv_status(ch); /* the interrupt handler's status read */
		for (uint32_t s = 0; s < blk && done < nsect; s++, done++)
			sim_drv_sector_io(ch, p + (size_t)done * 512, in, x);
	}
	sim_drv_wait(ch);
	return sim_drv_status(ch);
}

uint8_t sim_drv_pio_in(unsigned ch, void *buf, uint32_t nsect, uint32_t blk, enum sim_xfer x)
{
	return sim_drv_pio(ch, buf, nsect, blk, true, x);
}

uint8_t sim_drv_pio_out(unsigned ch, const void *buf, uint32_t nsect, uint32_t blk, enum sim_xfer x)
{
	return sim_drv_pio(ch, (uint8_t *)(uintptr_t)buf, nsect, blk, false, x);
}

uint8_t sim_drv_read(unsigned ch, unsigned drv, uint64_t lba, uint32_t n, void *buf, bool lba48,
		enum sim_xfer x)
{
	if (lba48)
		sim_drv_tf48(ch, drv, lba, n);
	else
		sim_drv_tf28(ch, drv, (uint32_t)lba, n);
	sim_drv_command(ch, lba48 ? 0x24 : 0x20);
	return sim_drv_pio_in(ch, buf, n, 1, x);
}

uint8_t sim_drv_write(unsigned ch, unsigned drv, uint64_t lba, uint32_t n, const void *buf, bool lba48,
		 enum sim_xfer x)
{
	if (lba48)
		sim_drv_tf48(ch, drv, lba, n);
	else
		sim_drv_tf28(ch, drv, (uint32_t)lba, n);
	sim_drv_command(ch, lba48 ? 0x34 : 0x30);
	return sim_drv_pio_out(ch, buf, n, 1, x);
}

unsigned sim_drv_prd(uint32_t base, uint32_t nbytes, uint32_t piece)
{
	unsigned n = 0;

	for (uint32_t off = 0; off < nbytes; off += piece, n++) {
		uint32_t len = nbytes - off < piece ? nbytes - off : piece;
		uint32_t e[2] = { base + off, (len & 0xFFFF) | (off + len >= nbytes ? 0x80000000u : 0) };

		if (sim_guest_write(SIM_DRV_PRDT + 8 * n, e, sizeof(e)))
			return 0;
	}
	return n;
}

uint8_t sim_drv_dma(unsigned ch, unsigned drv, uint8_t op, uint64_t lba, uint32_t n, bool lba48,
	       uint8_t *bm_status)
{
	bool read = op == 0xC8 || op == 0x25;
	uint8_t dir = read ? 0x08 : 0x00, bs = 0;
	uint16_t bm = sim_drv_bm(ch);

	sim_guest_out((uint16_t)(bm + 4), 4, SIM_DRV_PRDT);
	sim_guest_out(bm, 1, dir);
	sim_guest_out((uint16_t)(bm + 2), 1, 0x06); /* clear interrupt and error */
	if (lba48)
		sim_drv_tf48(ch, drv, lba, n);
	else
		sim_drv_tf28(ch, drv, (uint32_t)lba, n);
	sim_drv_command(ch, op);
	sim_guest_in(sim_drv_ctl(ch), 1); /* ata_sff_pause */
	sim_guest_out(bm, 1, dir | 0x01);
	for (int i = 0; i < SIM_DRV_SPIN; i++) {
		bs = (uint8_t)sim_guest_in((uint16_t)(bm + 2), 1);
		if (bs & 0x04)
			break;
	}
	if (bm_status)
		*bm_status = bs;
	sim_guest_out(bm, 1, dir); /* stop */
	sim_drv_wait(ch);
	return sim_drv_status(ch);
}

