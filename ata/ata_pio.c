/*
 * ata_pio.c - the data port. During a mediated PIO command every DRQ block
 * goes through the channel's buffer: a data-in block is read from the
 * device and decrypted when the guest starts reading it; a data-out block
 * is gathered from the guest, encrypted only once it is complete, and
 * written to the device in one REP OUTS. So the device never sees a
 * plaintext sector of an encrypted disk and the guest never sees
 * ciphertext, whatever mix of widths, single accesses and REPs it uses.
 */
#include "ata_priv.h"

#define LOG_PREFIX "ata"

void ata_xts(struct ata_chan *ch, bool enc, uint64_t lba, const void *src, void *dst,
	     uint32_t nsect)
{
	uint64_t t0 = hal_cycles();

	hal_simd_begin();
	if (enc)
		crypto_xts_encrypt(ch->key, lba, src, dst, nsect);
	else
		crypto_xts_decrypt(ch->key, lba, src, dst, nsect);
	hal_simd_end();
	ata_stats.cyc_crypto += hal_cycles() - t0;
	if (enc)
		ata_stats.sectors_encrypted += nsect;
	else
		ata_stats.sectors_decrypted += nsect;
}

/* Data-port width for our own transfers: the guest's, as the controller may lack 32-bit PIO. */
static unsigned ata_pio_width(unsigned guest_width)
{
	return guest_width == 4 ? 4 : 2;
}

/* Hidden from the guest in IDENTIFY: what the policy denies anyway (ATA8-ACS 7.16). */
static void ata_identify_hide(uint16_t *id)
{
	uint8_t sum = 0;

	id[48] &= (uint16_t)~0x0001;  /* trusted computing */
	id[76] &= (uint16_t)~0x0100;  /* NCQ */
	id[82] &= (uint16_t)~0x0002;  /* security feature set */
	id[85] &= (uint16_t)~0x0002;
	id[83] &= (uint16_t)~0x0003;  /* DOWNLOAD MICROCODE, TCQ */
	id[86] &= (uint16_t)~0x0003;
	id[128] = 0;                  /* security status */
	if ((id[255] & 0xFF) != 0xA5)
		return;
	/* Integrity word: the checksum makes the sum of all 512 bytes zero. */
	for (int i = 0; i < 255; i++)
		sum = (uint8_t)(sum + (id[i] & 0xFF) + (id[i] >> 8));
	sum = (uint8_t)(sum + 0xA5);
	id[255] = (uint16_t)(0xA5 | (uint8_t)-sum << 8);
}

/* Learn geometry and block size from the device's own words; trim what is denied. */
void ata_identify_fixup(struct ata_drive *d, uint16_t *id)
{
	if (id[0] & 0x8000) { /* an ATAPI device answered IDENTIFY PACKET DEVICE */
		d->atapi = true;
		return;
	}
	d->heads = id[3];
	d->spt = id[6];
	if ((id[53] & 1) && id[55] && id[56]) { /* current translation valid */
		d->heads = id[55];
		d->spt = id[56];
	}
	d->multiple = (id[59] & 0x100) ? (uint8_t)id[59] : 0;
	if (d->multiple > ATA_PIO_MAX_SECTORS || (d->multiple & (d->multiple - 1)))
		d->multiple = 0;
	if (!d->pol.allow_trim)
		id[169] &= (uint16_t)~0x0001;
	ata_identify_hide(id);
}

/* Read the next data-in block from the device into buf. False if it has none ready. */
static bool ata_pio_load(struct ata_chan *ch, unsigned width)
{
	uint32_t nsect = ch->left < ch->blk ? ch->left : ch->blk;
	uint64_t t0;

	if (!nsect || !ata_wait_drq(ch))
		return false;
	t0 = hal_cycles();
	hal_ins(ch->cmd, width, ch->buf, nsect * ATA_SECTOR / width);
	ata_stats.cyc_device += hal_cycles() - t0;
	if (ch->key)
		ata_xts(ch, false, ch->lba, ch->buf, ch->buf, nsect);
	if (ata_cmds[ch->op].flags & ATA_F_IDENTIFY)
		ata_identify_fixup(&ch->drive[ch->dev], (uint16_t *)ch->buf);
	ata_stats.pio_sectors_in += nsect;
	ch->lba += nsect;
	ch->left -= nsect;
	ch->pos = 0;
	ch->len = nsect * ATA_SECTOR;
	return true;
}

static void ata_pio_read(struct ata_chan *ch, uint8_t *dst, uint32_t n, unsigned width)
{
	while (n) {
		uint32_t k;

		if (ch->pos == ch->len && !ata_pio_load(ch, ata_pio_width(width)))
			break;
		k = ch->len - ch->pos < n ? ch->len - ch->pos : n;
		vmm_memcpy(dst, ch->buf + ch->pos, k);
		ch->pos += k;
		dst += k;
		n -= k;
		if (ch->pos == ch->len && !ch->left) { /* the last block is consumed */
			vmm_wipe(ch->buf, ch->len);
			ch->pos = ch->len = 0;
			ch->state = ATA_IDLE;
			break;
		}
	}
	vmm_memset(dst, 0xFF, n); /* nothing behind DRQ: an idle bus */
}

/* Encrypt the full block in buf and hand it to the device. */
static void ata_pio_flush(struct ata_chan *ch, unsigned width)
{
	uint32_t nsect = ch->len / ATA_SECTOR;
	uint64_t t0;

	if (!ata_wait_drq(ch)) {
		/* The device takes no data (it failed the command): nothing is written. */
		LOG_DEBUG("ata%u: data-out block without DRQ, dropped", ch->idx);
		ata_reset_state(ch);
		return;
	}
	if (ch->key)
		ata_xts(ch, true, ch->lba, ch->buf, ch->buf, nsect);
	t0 = hal_cycles();
	hal_outs(ch->cmd, width, ch->buf, ch->len / width);
	ata_stats.cyc_device += hal_cycles() - t0;
	ata_stats.pio_sectors_out += nsect;
	ch->lba += nsect;
	ch->left -= nsect;
	ch->len = 0;
	if (!ch->left)
		ch->state = ATA_IDLE;
}

static void ata_pio_write(struct ata_chan *ch, const uint8_t *src, uint32_t n, unsigned width)
{
	while (n && ch->state == ATA_PIO_OUT) {
		uint32_t block = (ch->left < ch->blk ? ch->left : ch->blk) * ATA_SECTOR;
		uint32_t k = block - ch->len < n ? block - ch->len : n;

		vmm_memcpy(ch->buf + ch->len, src, k);
		ch->len += k;
		src += k;
		n -= k;
		if (ch->len == block)
			ata_pio_flush(ch, ata_pio_width(width));
	}
}

/* Straight to the device: pass-through drives and ATAPI packets. */
void ata_pass_data(struct ata_chan *ch, struct hal_io_req *req)
{
	uint64_t t0 = hal_cycles();

	if (req->dir == HAL_IO_IN)
		hal_ins(ch->cmd, req->width, req->data, req->count);
	else
		hal_outs(ch->cmd, req->width, req->data, req->count);
	ata_stats.cyc_device += hal_cycles() - t0;
}

void ata_io_data(struct ata_chan *ch, struct hal_io_req *req)
{
	uint32_t n = req->count * req->width;

	switch (ch->state) {
	case ATA_PIO_IN:
		if (req->dir == HAL_IO_IN)
			ata_pio_read(ch, req->data, n, req->width);
		break; /* a write during data-in goes nowhere, as on the device */
	case ATA_PIO_OUT:
		if (req->dir == HAL_IO_OUT)
			ata_pio_write(ch, req->data, n, req->width);
		else
			vmm_memset(req->data, 0xFF, n);
		break;
	case ATA_PACKET:
		ata_pass_data(ch, req);
		break;
	case ATA_IDLE:
	case ATA_NODATA:
	case ATA_DMA_ARMED:
	case ATA_DMA_RUN:
		/*
		 * No PIO command the mediator follows: nothing goes through. Every
		 * opcode that moves PIO data is followed, so a device asking for
		 * data now is out of step (a failed or refused command): it gets
		 * none, rather than whatever plaintext the guest would send.
		 */
		if (req->dir == HAL_IO_IN)
			vmm_memset(req->data, 0xFF, n);
		break;
	default:
		VMM_ASSERT(!"ata: bad channel state");
	}
}
