/*
 * sim_ide_cmd.c - the ATA disk's command set (ATA8-ACS chapter 7): one
 * table indexed by opcode says how each command moves data; media commands
 * share the address decoding (LBA28, LBA48 with HOB, CHS), the range check
 * and the PIO/DMA data paths. An opcode not in the table is aborted.
 */
#include <string.h>

#include "sim_ide_priv.h"

enum sim_proto { SIM_P_NODATA = 1, SIM_P_PIO_IN, SIM_P_PIO_OUT, SIM_P_DMA_IN, SIM_P_DMA_OUT };
enum {
	SIM_CF_EXT = 0x01,    /* 48-bit command: HOB registers, 48-bit feature set */
	SIM_CF_MULT = 0x02,   /* DRQ blocks of the multiple count */
	SIM_CF_MEDIA = 0x04,  /* addresses sectors: decode, range check */
	SIM_CF_FUA = 0x08,    /* forced unit access: durable before completion */
};

struct sim_ata_cmd {
	uint8_t proto;  /* enum sim_proto */
	uint8_t flags;
	void (*exec)(struct sim_ide_dev *d, const struct sim_ata_cmd *c);
};

static void sim_ata_media(struct sim_ide_dev *d, const struct sim_ata_cmd *c);
static void sim_ata_nodata(struct sim_ide_dev *d, const struct sim_ata_cmd *c);
static void sim_ata_identify_cmd(struct sim_ide_dev *d, const struct sim_ata_cmd *c);
static void sim_ata_set_multiple(struct sim_ide_dev *d, const struct sim_ata_cmd *c);
static void sim_ata_init_params(struct sim_ide_dev *d, const struct sim_ata_cmd *c);
static void sim_ata_native_max(struct sim_ide_dev *d, const struct sim_ata_cmd *c);
static void sim_ata_flush(struct sim_ide_dev *d, const struct sim_ata_cmd *c);
static void sim_ata_dsm(struct sim_ide_dev *d, const struct sim_ata_cmd *c);
static void sim_ata_common(struct sim_ide_dev *d, const struct sim_ata_cmd *c);

#define MEDIA(p, f) { .proto = (p), .flags = SIM_CF_MEDIA | (f), .exec = sim_ata_media }

static const struct sim_ata_cmd sim_ata_cmds[256] = {
	[0x06] = { .proto = SIM_P_DMA_OUT, .flags = SIM_CF_EXT, .exec = sim_ata_dsm },
	[0x10] = { .proto = SIM_P_NODATA, .exec = sim_ata_nodata },      /* RECALIBRATE */
	[0x20] = MEDIA(SIM_P_PIO_IN, 0),                                 /* READ SECTORS */
	[0x21] = MEDIA(SIM_P_PIO_IN, 0),                                 /* ... without retry */
	[0x24] = MEDIA(SIM_P_PIO_IN, SIM_CF_EXT),                        /* READ SECTORS EXT */
	[0x25] = MEDIA(SIM_P_DMA_IN, SIM_CF_EXT),                        /* READ DMA EXT */
	[0x27] = { .proto = SIM_P_NODATA, .flags = SIM_CF_EXT, .exec = sim_ata_native_max },
	[0x29] = MEDIA(SIM_P_PIO_IN, SIM_CF_EXT | SIM_CF_MULT),          /* READ MULTIPLE EXT */
	[0x30] = MEDIA(SIM_P_PIO_OUT, 0),                                /* WRITE SECTORS */
	[0x31] = MEDIA(SIM_P_PIO_OUT, 0),
	[0x34] = MEDIA(SIM_P_PIO_OUT, SIM_CF_EXT),                       /* WRITE SECTORS EXT */
	[0x35] = MEDIA(SIM_P_DMA_OUT, SIM_CF_EXT),                       /* WRITE DMA EXT */
	[0x39] = MEDIA(SIM_P_PIO_OUT, SIM_CF_EXT | SIM_CF_MULT),         /* WRITE MULTIPLE EXT */
	[0x3D] = MEDIA(SIM_P_DMA_OUT, SIM_CF_EXT | SIM_CF_FUA),          /* WRITE DMA FUA EXT */
	[0x40] = MEDIA(SIM_P_NODATA, 0),                                 /* READ VERIFY SECTORS */
	[0x41] = MEDIA(SIM_P_NODATA, 0),
	[0x42] = MEDIA(SIM_P_NODATA, SIM_CF_EXT),                        /* READ VERIFY EXT */
	[0x70] = { .proto = SIM_P_NODATA, .exec = sim_ata_nodata },      /* SEEK */
	[0x90] = { .proto = SIM_P_NODATA, .exec = sim_ata_common },      /* EXECUTE DEVICE DIAGNOSTIC */
	[0x91] = { .proto = SIM_P_NODATA, .exec = sim_ata_init_params },
	[0xC4] = MEDIA(SIM_P_PIO_IN, SIM_CF_MULT),                       /* READ MULTIPLE */
	[0xC5] = MEDIA(SIM_P_PIO_OUT, SIM_CF_MULT),                      /* WRITE MULTIPLE */
	[0xC6] = { .proto = SIM_P_NODATA, .exec = sim_ata_set_multiple },
	[0xC8] = MEDIA(SIM_P_DMA_IN, 0),                                 /* READ DMA */
	[0xC9] = MEDIA(SIM_P_DMA_IN, 0),
	[0xCA] = MEDIA(SIM_P_DMA_OUT, 0),                                /* WRITE DMA */
	[0xCB] = MEDIA(SIM_P_DMA_OUT, 0),
	[0xE0] = { .proto = SIM_P_NODATA, .exec = sim_ata_nodata },      /* STANDBY IMMEDIATE */
	[0xE1] = { .proto = SIM_P_NODATA, .exec = sim_ata_nodata },      /* IDLE IMMEDIATE */
	[0xE5] = { .proto = SIM_P_NODATA, .exec = sim_ata_common },      /* CHECK POWER MODE */
	[0xE7] = { .proto = SIM_P_NODATA, .exec = sim_ata_flush },       /* FLUSH CACHE */
	[0xEA] = { .proto = SIM_P_NODATA, .flags = SIM_CF_EXT, .exec = sim_ata_flush },
	[0xEC] = { .proto = SIM_P_PIO_IN, .exec = sim_ata_identify_cmd },
	[0xEF] = { .proto = SIM_P_NODATA, .exec = sim_ata_common },      /* SET FEATURES */
	[0xF8] = { .proto = SIM_P_NODATA, .exec = sim_ata_native_max },
};

void sim_ata_exec(struct sim_ide_dev *d)
{
	const struct sim_ata_cmd *c = &sim_ata_cmds[d->cmd];

	if (!c->exec || ((c->flags & SIM_CF_EXT) && !d->lba48)) {
		sim_ide_fail(d, SIM_ER_ABRT);
		return;
	}
	c->exec(d, c);
}

/*
 * The first sector and the count the command names. 48-bit: LBA 47:24
 * and count 15:8 are the HOB copies (ATA8-ACS 4.18.5); count 0 means
 * 65536, or 256 for a 28-bit command. 28-bit with LBA clear: CHS against
 * the current geometry, LBA = (C * heads + H) * spt + S - 1. PP_EINVAL for
 * a CHS address outside the geometry.
 */
static int sim_ata_address(const struct sim_ide_dev *d, bool ext, uint64_t *lba, uint32_t *count)
{
	unsigned cyl = d->tf[SIM_TF_LBAM] | (unsigned)d->tf[SIM_TF_LBAH] << 8;
	unsigned head = d->device & 0x0F, sector = d->tf[SIM_TF_LBAL];

	if (ext) {
		*lba = (uint64_t)d->tf[SIM_TF_LBAL] | (uint64_t)d->tf[SIM_TF_LBAM] << 8 |
		       (uint64_t)d->tf[SIM_TF_LBAH] << 16 | (uint64_t)d->hob[SIM_TF_LBAL] << 24 |
		       (uint64_t)d->hob[SIM_TF_LBAM] << 32 | (uint64_t)d->hob[SIM_TF_LBAH] << 40;
		*count = d->tf[SIM_TF_NSECT] | (uint32_t)d->hob[SIM_TF_NSECT] << 8;
		if (!*count)
			*count = 65536;
		return PP_OK;
	}
	*count = d->tf[SIM_TF_NSECT] ? d->tf[SIM_TF_NSECT] : 256;
	if (d->device & SIM_DEV_LBA) {
		*lba = (uint64_t)head << 24 | (uint64_t)d->tf[SIM_TF_LBAH] << 16 |
		       (uint64_t)d->tf[SIM_TF_LBAM] << 8 | d->tf[SIM_TF_LBAL];
		return PP_OK;
	}
	if (!sector || sector > d->cur_spt || head >= d->cur_heads || cyl >= d->cur_cyls)
		return PP_EINVAL;
	*lba = ((uint64_t)cyl * d->cur_heads + head) * d->cur_spt + sector - 1;
	return PP_OK;
}

static uint8_t *sim_ata_sector(struct sim_ide_dev *d, uint64_t lba)
{
	return d->disk.data + lba * SIM_SECTOR;
}

static uint32_t sim_ata_block_sectors(const struct sim_ide_dev *d)
{
	return d->remaining < d->block ? d->remaining : d->block;
}

static void sim_ata_media(struct sim_ide_dev *d, const struct sim_ata_cmd *c)
{
	uint64_t lba;
	uint32_t count;

	/* READ/WRITE MULTIPLE before SET MULTIPLE MODE: aborted (ATA8-ACS 7.29). */
	if ((c->flags & SIM_CF_MULT) && !d->mult) {
		sim_ide_fail(d, SIM_ER_ABRT);
		return;
	}
	if (sim_ata_address(d, c->flags & SIM_CF_EXT, &lba, &count) ||
	    lba > d->disk.sectors || count > d->disk.sectors - lba) {
		sim_ide_fail(d, SIM_ER_IDNF);
		return;
	}
	d->lba = lba;
	d->remaining = count;
	d->block = (c->flags & SIM_CF_MULT) ? d->mult : 1;
	switch (c->proto) {
	case SIM_P_NODATA:  /* READ VERIFY: the sectors exist, nothing moves */
		sim_ide_complete(d);
		break;
	case SIM_P_PIO_IN:
		sim_ide_pio_in(d, sim_ata_sector(d, lba), sim_ata_block_sectors(d) * SIM_SECTOR);
		break;
	case SIM_P_PIO_OUT:
		sim_ide_pio_out(d, d->buf, sim_ata_block_sectors(d) * SIM_SECTOR, false);
		break;
	case SIM_P_DMA_IN:
	case SIM_P_DMA_OUT:
		sim_ide_dma_arm(d, sim_ata_sector(d, lba), count * SIM_SECTOR,
				c->proto == SIM_P_DMA_IN);
		break;
	default:
		sim_ide_bug("media protocol", c->proto);
	}
}

/*
 * A PIO block has moved. Data-out: the block reaches the medium, then the
 * next DRQ block or completion, each with INTRQ. Data-in: the next block
 * with INTRQ, or after the last one, ready without an interrupt (ATA/ATAPI-7
 * vol. 2, 11.5 and 11.6).
 */
void sim_ata_next(struct sim_ide_dev *d)
{
	const struct sim_ata_cmd *c = &sim_ata_cmds[d->cmd];
	bool out = c->proto == SIM_P_PIO_OUT;
	uint32_t n = sim_ata_block_sectors(d);

	if (out)
		memcpy(sim_ata_sector(d, d->lba), d->buf, (size_t)n * SIM_SECTOR);
	d->lba += n;
	d->remaining -= n;
	if (!d->remaining) {
		if (out) {
			sim_ide_complete(d);
		} else {
			d->phase = SIM_PH_IDLE;
			d->status = SIM_ST_READY;
		}
		return;
	}
	n = sim_ata_block_sectors(d);
	if (out)
		sim_ide_pio_out(d, d->buf, n * SIM_SECTOR, true);
	else
		sim_ide_pio_in(d, sim_ata_sector(d, d->lba), n * SIM_SECTOR);
}

/* DATA SET MANAGEMENT / TRIM: range entries are LBA 47:0, length 63:48 (ATA8-ACS 7.10). */
static void sim_ata_trim(struct sim_ide_dev *d)
{
	uint32_t entries = d->dma_len / 8;

	/* Check every range first: a bad one aborts the command, nothing trimmed. */
	for (int pass = 0; pass < 2; pass++) {
		for (uint32_t i = 0; i < entries; i++) {
			uint64_t e = 0, lba, len;

			for (unsigned b = 0; b < 8; b++)
				e |= (uint64_t)d->buf[8 * i + b] << (8 * b);
			lba = e & 0xFFFFFFFFFFFFull;
			len = e >> 48;
			if (!len)
				continue;
			if (!pass && (lba > d->disk.sectors || len > d->disk.sectors - lba)) {
				sim_ide_fail(d, SIM_ER_ABRT);
				return;
			}
			if (pass)
				memset(sim_ata_sector(d, lba), 0, len * SIM_SECTOR);
		}
	}
	sim_ide_complete(d);
}

void sim_ata_dma_done(struct sim_ide_dev *d, bool ok)
{
	const struct sim_ata_cmd *c = &sim_ata_cmds[d->cmd];

	/* A failed bus-master transfer ends the command with ABRT. */
	if (!ok) {
		sim_ide_fail(d, SIM_ER_ABRT);
		return;
	}
	if (c->exec == sim_ata_dsm) {
		sim_ata_trim(d);
		return;
	}
	if (c->flags & SIM_CF_FUA)
		sim_disk_sync(&d->disk, d->lba, d->remaining);
	sim_ide_complete(d);
}

static void sim_ata_dsm(struct sim_ide_dev *d, const struct sim_ata_cmd *c)
{
	uint32_t blocks = d->tf[SIM_TF_NSECT] | (uint32_t)d->hob[SIM_TF_NSECT] << 8;

	(void)c;
	/* Features bit 0 selects TRIM, the only function there is. */
	if (!(d->tf[SIM_TF_FEAT] & 0x01) || !blocks || blocks > SIM_DSM_BLOCKS) {
		sim_ide_fail(d, SIM_ER_ABRT);
		return;
	}
	sim_ide_dma_arm(d, d->buf, blocks * SIM_SECTOR, false);
}

static void sim_ata_nodata(struct sim_ide_dev *d, const struct sim_ata_cmd *c)
{
	(void)c;
	sim_ide_complete(d);
}

static void sim_ata_common(struct sim_ide_dev *d, const struct sim_ata_cmd *c)
{
	(void)c;
	if (!sim_ide_common_cmd(d))
		sim_ide_fail(d, SIM_ER_ABRT);
}

static void sim_ata_identify_cmd(struct sim_ide_dev *d, const struct sim_ata_cmd *c)
{
	(void)c;
	sim_ata_identify(d, d->buf);
	d->remaining = 1;
	d->block = 1;
	sim_ide_pio_in(d, d->buf, SIM_SECTOR);
}

/* SET MULTIPLE MODE: 0 disables; else a power of two up to word 47 (ATA8-ACS 7.47). */
static void sim_ata_set_multiple(struct sim_ide_dev *d, const struct sim_ata_cmd *c)
{
	unsigned n = d->tf[SIM_TF_NSECT];

	(void)c;
	if (!d->max_mult || (n & (n - 1)) || n > d->max_mult) {
		sim_ide_fail(d, SIM_ER_ABRT);
		return;
	}
	d->mult = (uint8_t)n;
	sim_ide_complete(d);
}

/* INITIALIZE DEVICE PARAMETERS: sectors a track from count, heads from DEV 3:0 + 1. */
static void sim_ata_init_params(struct sim_ide_dev *d, const struct sim_ata_cmd *c)
{
	unsigned spt = d->tf[SIM_TF_NSECT], heads = (d->device & 0x0F) + 1u;
	uint64_t cyls;

	(void)c;
	cyls = spt ? d->disk.sectors / ((uint64_t)heads * spt) : 0;
	if (!cyls) {
		sim_ide_fail(d, SIM_ER_ABRT);
		return;
	}
	d->cur_spt = (uint16_t)spt;
	d->cur_heads = (uint16_t)heads;
	d->cur_cyls = (uint16_t)(cyls > 65535 ? 65535 : cyls);
	sim_ide_complete(d);
}

/* READ NATIVE MAX ADDRESS (EXT): the last LBA, 28-bit capped at 0FFFFFFFh. */
static void sim_ata_native_max(struct sim_ide_dev *d, const struct sim_ata_cmd *c)
{
	uint64_t max = d->disk.sectors - 1;

	if (c->flags & SIM_CF_EXT) {
		d->hob[SIM_TF_LBAL] = (uint8_t)(max >> 24);
		d->hob[SIM_TF_LBAM] = (uint8_t)(max >> 32);
		d->hob[SIM_TF_LBAH] = (uint8_t)(max >> 40);
	} else {
		if (max > 0x0FFFFFFF)
			max = 0x0FFFFFFF;
		d->device = (uint8_t)((d->device & 0xF0) | (max >> 24));
	}
	d->tf[SIM_TF_LBAL] = (uint8_t)max;
	d->tf[SIM_TF_LBAM] = (uint8_t)(max >> 8);
	d->tf[SIM_TF_LBAH] = (uint8_t)(max >> 16);
	sim_ide_complete(d);
}

static void sim_ata_flush(struct sim_ide_dev *d, const struct sim_ata_cmd *c)
{
	(void)c;
	sim_disk_sync(&d->disk, 0, d->disk.sectors);
	sim_ide_complete(d);
}
