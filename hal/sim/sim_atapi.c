/*
 * sim_atapi.c - a minimal ATAPI CD-ROM: the PACKET protocol (ATA8-ACS
 * 7.18, ATA/ATAPI-7 vol. 2 11.8 and 11.9) with a 12-byte command packet,
 * and the few SCSI commands a driver needs to find and read a disc (SPC-3,
 * MMC): TEST UNIT READY, REQUEST SENSE, INQUIRY, READ CAPACITY(10) and
 * READ(10) over 2048-byte blocks of the backing store. Anything else ends
 * with CHECK CONDITION: ERR, and the sense key in the error register.
 */
#include <string.h>

#include "sim_ide_priv.h"

#define SIM_CMD_PACKET 0xA0
#define SIM_CMD_IDENTIFY_PACKET 0xA1
#define SIM_CMD_IDENTIFY 0xEC

/* Interrupt reason, in the count register during a PACKET command. */
enum { SIM_IR_COD = 0x01, SIM_IR_IO = 0x02 };

/* Sense keys and additional sense codes (SPC-3 4.5.6, table 27 and D.2). */
enum {
	SIM_SK_ILLEGAL = 0x05,
	SIM_SK_ABORTED = 0x0B,
	SIM_ASC_BAD_OPCODE = 0x20,
	SIM_ASC_LBA_RANGE = 0x21,
	SIM_ASC_BAD_FIELD = 0x24,
};
#define SIM_SENSE(key, asc) ((key) << 8 | (asc))

/* A SCSI command: 0 with d->src/d->remaining set (maybe 0 bytes), or SIM_SENSE(). */
typedef int (*sim_scsi_fn)(struct sim_ide_dev *d);

static uint32_t sim_be(const uint8_t *p, unsigned n)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v = v << 8 | p[i];
	return v;
}

static void sim_put_be32(uint8_t *p, uint32_t v)
{
	for (unsigned i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (24 - 8 * i));
}

static uint32_t sim_cd_blocks(const struct sim_ide_dev *d)
{
	uint64_t blocks = d->disk.sectors / (SIM_CD_BLOCK / SIM_SECTOR);

	return blocks > 0xFFFFFFFFull ? 0xFFFFFFFFu : (uint32_t)blocks;
}

/* Data the command returns from d->buf, cut to the allocation length. */
static int sim_scsi_reply(struct sim_ide_dev *d, uint32_t len, uint32_t alloc)
{
	d->src = d->buf;
	d->remaining = len < alloc ? len : alloc;
	return 0;
}

static int sim_scsi_test_unit_ready(struct sim_ide_dev *d)
{
	(void)d;
	return 0;
}

static int sim_scsi_request_sense(struct sim_ide_dev *d)
{
	memset(d->buf, 0, 18);
	d->buf[0] = 0x70;         /* current error, fixed format */
	d->buf[2] = d->sense_key;
	d->buf[7] = 10;           /* additional sense length */
	d->buf[12] = d->asc;
	d->sense_key = d->asc = 0;
	return sim_scsi_reply(d, 18, d->cdb[4]);
}

static int sim_scsi_inquiry(struct sim_ide_dev *d)
{
	static const char id[] = "PARAPASSSIM CD-ROM      1.0 ";

	/* No vital product data pages. */
	if (d->cdb[1] & 0x01)
		return SIM_SENSE(SIM_SK_ILLEGAL, SIM_ASC_BAD_FIELD);
	memset(d->buf, 0, 36);
	d->buf[0] = 0x05;         /* CD/DVD device */
	d->buf[1] = 0x80;         /* removable medium */
	d->buf[2] = 0x05;         /* SPC-3 */
	d->buf[3] = 0x02;         /* response data format */
	d->buf[4] = 31;           /* additional length */
	memcpy(d->buf + 8, id, 28); /* vendor (8), product (16), revision (4) */
	return sim_scsi_reply(d, 36, sim_be(d->cdb + 3, 2));
}

static int sim_scsi_read_capacity(struct sim_ide_dev *d)
{
	sim_put_be32(d->buf, sim_cd_blocks(d) - 1);
	sim_put_be32(d->buf + 4, SIM_CD_BLOCK);
	return sim_scsi_reply(d, 8, 8);
}

static int sim_scsi_read10(struct sim_ide_dev *d)
{
	uint32_t lba = sim_be(d->cdb + 2, 4), n = sim_be(d->cdb + 7, 2);

	if (lba > sim_cd_blocks(d) || n > sim_cd_blocks(d) - lba)
		return SIM_SENSE(SIM_SK_ILLEGAL, SIM_ASC_LBA_RANGE);
	d->src = d->disk.data + (uint64_t)lba * SIM_CD_BLOCK;
	d->remaining = n * SIM_CD_BLOCK;
	return 0;
}

static const sim_scsi_fn sim_scsi_cmds[256] = {
	[0x00] = sim_scsi_test_unit_ready,
	[0x03] = sim_scsi_request_sense,
	[0x12] = sim_scsi_inquiry,
	[0x25] = sim_scsi_read_capacity,
	[0x28] = sim_scsi_read10,
};

/* Completion: interrupt reason "status to host" (I/O and C/D), then INTRQ. */
static void sim_atapi_good(struct sim_ide_dev *d)
{
	d->tf[SIM_TF_NSECT] = SIM_IR_IO | SIM_IR_COD;
	sim_ide_complete(d);
}

static void sim_atapi_check(struct sim_ide_dev *d, int sense)
{
	uint8_t key = (uint8_t)(sense >> 8);

	d->sense_key = key;
	d->asc = (uint8_t)sense;
	d->tf[SIM_TF_NSECT] = SIM_IR_IO | SIM_IR_COD;
	/* CHECK CONDITION: sense key in error bits 7:4, ABRT for a refused command. */
	sim_ide_fail(d, (uint8_t)(key << 4 |
				  (key == SIM_SK_ILLEGAL || key == SIM_SK_ABORTED ? SIM_ER_ABRT : 0)));
}

/* One PIO DRQ burst: at most the byte count limit, its size in LBA mid/high. */
static void sim_atapi_burst(struct sim_ide_dev *d)
{
	uint32_t n = d->remaining < d->byte_limit ? d->remaining : d->byte_limit;

	d->block = n;
	d->tf[SIM_TF_NSECT] = SIM_IR_IO;
	d->tf[SIM_TF_LBAM] = (uint8_t)n;
	d->tf[SIM_TF_LBAH] = (uint8_t)(n >> 8);
	sim_ide_pio_in(d, d->src, n);
}

void sim_atapi_exec(struct sim_ide_dev *d)
{
	unsigned limit;

	switch (d->cmd) {
	case SIM_CMD_PACKET:
		/* A zero limit is a host error: take the largest even one; odd rounds down. */
		limit = d->tf[SIM_TF_LBAM] | (unsigned)d->tf[SIM_TF_LBAH] << 8;
		limit = limit ? limit & ~1u : 0xFFFE;
		d->byte_limit = (uint16_t)(limit ? limit : 2);
		d->tf[SIM_TF_NSECT] = SIM_IR_COD;
		sim_ide_pio_out(d, d->cdb, sizeof(d->cdb), false);
		break;
	case SIM_CMD_IDENTIFY_PACKET:
		sim_atapi_identify(d, d->buf);
		sim_ide_pio_in(d, d->buf, SIM_SECTOR);
		break;
	case SIM_CMD_IDENTIFY:
		/* A PACKET device aborts IDENTIFY DEVICE, signature in place (ATA8-ACS 7.16). */
		sim_ide_signature(d);
		sim_ide_fail(d, SIM_ER_ABRT);
		break;
	default:
		if (!sim_ide_common_cmd(d))
			sim_ide_fail(d, SIM_ER_ABRT);
		break;
	}
}

void sim_atapi_packet(struct sim_ide_dev *d)
{
	sim_scsi_fn fn = sim_scsi_cmds[d->cdb[0]];
	int sense;

	d->src = NULL;
	d->remaining = 0;
	sense = fn ? fn(d) : SIM_SENSE(SIM_SK_ILLEGAL, SIM_ASC_BAD_OPCODE);
	if (sense) {
		sim_atapi_check(d, sense);
		return;
	}
	if (d->cdb[0] != 0x03)
		d->sense_key = d->asc = 0;
	if (!d->remaining)
		sim_atapi_good(d);
	else if (d->tf[SIM_TF_FEAT] & 0x01)  /* features bit 0: DMA */
		sim_ide_dma_arm(d, (uint8_t *)(uintptr_t)d->src, d->remaining, true);
	else
		sim_atapi_burst(d);
}

/* A DRQ burst was read: the next one, or completion (11.8 state HP4). */
void sim_atapi_next(struct sim_ide_dev *d)
{
	if (d->cmd != SIM_CMD_PACKET) {
		/* IDENTIFY PACKET DEVICE read out: ready, DRDY now set, no interrupt. */
		d->phase = SIM_PH_IDLE;
		d->status = SIM_ST_READY;
		return;
	}
	d->src += d->block;
	d->remaining -= d->block;
	if (d->remaining)
		sim_atapi_burst(d);
	else
		sim_atapi_good(d);
}

void sim_atapi_dma_done(struct sim_ide_dev *d, bool ok)
{
	if (ok)
		sim_atapi_good(d);
	else
		sim_atapi_check(d, SIM_SENSE(SIM_SK_ABORTED, 0));
}
