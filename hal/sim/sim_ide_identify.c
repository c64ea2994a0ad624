/*
 * sim_ide_identify.c - IDENTIFY DEVICE and IDENTIFY PACKET DEVICE data
 * (ATA8-ACS 7.16 and 7.17, tables 45 and 46), the transfer-mode state they
 * report, and the commands both device types answer alike.
 */
#include <string.h>

#include "sim_ide_priv.h"

#define SIM_CMD_DIAGNOSTIC 0x90
#define SIM_CMD_CHECK_POWER 0xE5
#define SIM_CMD_SET_FEATURES 0xEF

static void sim_id_put(uint8_t *buf, unsigned word, uint16_t v)
{
	buf[2 * word] = (uint8_t)v;
	buf[2 * word + 1] = (uint8_t)(v >> 8);
}

static void sim_id_put32(uint8_t *buf, unsigned word, uint32_t v)
{
	sim_id_put(buf, word, (uint16_t)v);
	sim_id_put(buf, word + 1, (uint16_t)(v >> 16));
}

/* ATA strings: space padded, the first character of each pair in the high byte. */
static void sim_id_string(uint8_t *buf, unsigned word, unsigned words, const char *s)
{
	size_t len = strlen(s);

	for (unsigned i = 0; i < 2 * words; i++)
		buf[2 * word + (i ^ 1)] = (uint8_t)(i < len ? s[i] : ' ');
}

/* Word 255: signature A5h and a checksum making the 512 bytes sum to 0. */
static void sim_id_checksum(uint8_t *buf)
{
	uint8_t sum = 0;

	buf[510] = 0xA5;
	for (unsigned i = 0; i < 511; i++)
		sum = (uint8_t)(sum + buf[i]);
	buf[511] = (uint8_t)-sum;
}

/* What both identify pages carry: strings, transfer modes, versions. */
static void sim_id_common(const struct sim_ide_dev *d, uint8_t *buf)
{
	sim_id_string(buf, 10, 10, d->serial);
	sim_id_string(buf, 23, 4, "PP-1.0");
	sim_id_string(buf, 27, 20, d->model);
	sim_id_put(buf, 63, (uint16_t)(0x0007 | d->mwdma_sel << 8)); /* MWDMA 0-2 */
	sim_id_put(buf, 64, 0x0003);            /* PIO modes 3 and 4 */
	for (unsigned w = 65; w <= 68; w++)
		sim_id_put(buf, w, 120);            /* cycle times, ns */
	sim_id_put(buf, 80, 0x01F0);            /* ATA/ATAPI-4 to ATA8-ACS */
	sim_id_put(buf, 88, (uint16_t)(0x003F | d->udma_sel << 8)); /* UDMA 0-5 */
}

void sim_ata_identify(const struct sim_ide_dev *d, uint8_t *buf)
{
	uint64_t lba28 = d->disk.sectors < 0x0FFFFFFF ? d->disk.sectors : 0x0FFFFFFF;
	uint16_t w83 = 0x4000 | 0x1000;          /* FLUSH CACHE */
	uint16_t w84 = 0x4000, w85 = 0;

	memset(buf, 0, SIM_SECTOR);
	sim_id_put(buf, 0, 0x0040);              /* ATA device, fixed */
	sim_id_put(buf, 1, d->def_cyls);
	sim_id_put(buf, 3, d->def_heads);
	sim_id_put(buf, 6, d->def_spt);
	sim_id_put(buf, 47, (uint16_t)(0x8000 | d->max_mult));
	sim_id_put(buf, 49, 0x0B00);             /* IORDY, LBA, DMA */
	sim_id_put(buf, 50, 0x4000);
	sim_id_put(buf, 53, 0x0007);             /* words 54-58, 64-70, 88 valid */
	sim_id_put(buf, 54, d->cur_cyls);
	sim_id_put(buf, 55, d->cur_heads);
	sim_id_put(buf, 56, d->cur_spt);
	sim_id_put32(buf, 57, (uint32_t)d->cur_cyls * d->cur_heads * d->cur_spt);
	if (d->mult)
		sim_id_put(buf, 59, (uint16_t)(0x0100 | d->mult));
	sim_id_put32(buf, 60, (uint32_t)lba28);
	sim_id_common(d, buf);
	if (d->lba48) {
		w83 |= 0x0400 | 0x2000;              /* 48-bit, FLUSH CACHE EXT */
		w84 |= 0x0040;                       /* WRITE DMA FUA EXT */
		sim_id_put(buf, 105, SIM_DSM_BLOCKS);
		sim_id_put(buf, 169, 0x0001);        /* TRIM */
		for (unsigned w = 0; w < 4; w++)
			sim_id_put(buf, 100 + w, (uint16_t)(d->disk.sectors >> (16 * w)));
	}
	if (d->wcache)
		w85 |= 0x0020;
	if (d->lookahead)
		w85 |= 0x0040;
	sim_id_put(buf, 82, 0x0060);             /* write cache, look-ahead */
	sim_id_put(buf, 83, w83);
	sim_id_put(buf, 84, w84);
	sim_id_put(buf, 85, w85);
	sim_id_put(buf, 86, (uint16_t)(w83 & ~0x4000));
	sim_id_put(buf, 87, w84);
	sim_id_checksum(buf);
}

void sim_atapi_identify(const struct sim_ide_dev *d, uint8_t *buf)
{
	memset(buf, 0, SIM_SECTOR);
	/* ATAPI, CD-ROM (05h), removable, accelerated DRQ, 12-byte packets. */
	sim_id_put(buf, 0, 0x85C0);
	sim_id_put(buf, 49, 0x0300);             /* LBA, DMA */
	sim_id_put(buf, 53, 0x0006);             /* words 64-70 and 88 valid */
	sim_id_common(d, buf);
	sim_id_checksum(buf);
}

/* SET FEATURES 03h: PIO default/flow control 0-4, MWDMA 0-2, UDMA 0-5 (ATA8-ACS 7.48.3). */
int sim_ide_set_xfer_mode(struct sim_ide_dev *d, uint8_t mode)
{
	unsigned n = mode & 0x07;

	switch (mode >> 3) {
	case 0x00:  /* 00h/01h PIO default */
		return mode <= 0x01 ? PP_OK : PP_EINVAL;
	case 0x01:  /* 08h-0Ch PIO flow control mode 0-4 */
		return n <= 4 ? PP_OK : PP_EINVAL;
	case 0x04:  /* 20h-22h multiword DMA */
		if (n > 2)
			return PP_EINVAL;
		d->mwdma_sel = (uint8_t)(1u << n);
		d->udma_sel = 0;
		return PP_OK;
	case 0x08:  /* 40h-45h Ultra DMA */
		if (n > 5)
			return PP_EINVAL;
		d->udma_sel = (uint8_t)(1u << n);
		d->mwdma_sel = 0;
		return PP_OK;
	default:
		return PP_EINVAL;
	}
}

static bool sim_ide_set_features(struct sim_ide_dev *d)
{
	switch (d->tf[SIM_TF_FEAT]) {
	case 0x03:
		return sim_ide_set_xfer_mode(d, d->tf[SIM_TF_NSECT]) == PP_OK;
	case 0x02:
	case 0x82:
		if (d->atapi)  /* a CD-ROM has no write cache to switch */
			return false;
		d->wcache = d->tf[SIM_TF_FEAT] == 0x02;
		return true;
	case 0xAA:
	case 0x55:
		if (d->atapi)
			return false;
		d->lookahead = d->tf[SIM_TF_FEAT] == 0xAA;
		return true;
	default:
		return false;
	}
}

/* Commands both device types take. false: not one of them, or aborted. */
bool sim_ide_common_cmd(struct sim_ide_dev *d)
{
	switch (d->cmd) {
	case SIM_CMD_DIAGNOSTIC:
		sim_ide_diag_done(d);
		return true;
	case SIM_CMD_CHECK_POWER:
		d->tf[SIM_TF_NSECT] = 0xFF;  /* active or idle */
		sim_ide_complete(d);
		return true;
	case SIM_CMD_SET_FEATURES:
		if (!sim_ide_set_features(d))
			return false;
		sim_ide_complete(d);
		return true;
	default:
		return false;
	}
}
