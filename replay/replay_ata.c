/*
 * replay_ata.c - what the replay engine and the importers know of ATA on
 * their own: which opcodes move user sectors, in which protocol, and which
 * words of IDENTIFY DEVICE data a replay can expect any device to agree
 * on. Written from ATA8-ACS (T13/1699-D) chapter 7 and kept apart from
 * ata/'s policy table, so that a mistake there cannot hide in the oracle.
 */
#include "vmm/vmm.h"
#include "replay_engine_priv.h"

#define U RP_USER
#define E RP_EXT
#define M RP_MULTI

static const struct rp_cmd_class rp_cmds[256] = {
	/* PIO data-in of user sectors (ATA8-ACS 7.26, 7.27, 7.29, 7.36, 7.37). */
	[0x20] = { RP_PIO_IN, U }, [0x21] = { RP_PIO_IN, U }, [0x24] = { RP_PIO_IN, U | E },
	[0xC4] = { RP_PIO_IN, U | M }, [0x29] = { RP_PIO_IN, U | E | M },
	/* PIO data-out of user sectors (7.62, 7.63, 7.67, 7.68). */
	[0x30] = { RP_PIO_OUT, U }, [0x31] = { RP_PIO_OUT, U }, [0x34] = { RP_PIO_OUT, U | E },
	[0xC5] = { RP_PIO_OUT, U | M }, [0x39] = { RP_PIO_OUT, U | E | M },
	[0xCE] = { RP_PIO_OUT, U | E | M },
	/* DMA (7.21, 7.22, 7.58-7.60). */
	[0xC8] = { RP_DMA_IN, U }, [0xC9] = { RP_DMA_IN, U }, [0x25] = { RP_DMA_IN, U | E },
	[0xCA] = { RP_DMA_OUT, U }, [0xCB] = { RP_DMA_OUT, U }, [0x35] = { RP_DMA_OUT, U | E },
	[0x3D] = { RP_DMA_OUT, U | E },
	/* Data that is not user sectors. */
	[0xEC] = { RP_PIO_IN, RP_IDENT }, [0xA1] = { RP_PIO_IN, RP_IDENT },
	[0x2F] = { RP_PIO_IN, E }, [0xE4] = { RP_PIO_IN, 0 }, [0xE8] = { RP_PIO_OUT, 0 },
	[0x06] = { RP_DMA_OUT, E },   /* DATA SET MANAGEMENT: a range list */
	/* Everything else moves no data or is refused: RP_NODATA, the zero value. */
};

struct rp_cmd_class rp_cmd_class(uint8_t op)
{
	return rp_cmds[op];
}

/*
 * IDENTIFY DEVICE words the rest of a trace depends on, which any two
 * devices of the same size and geometry report alike (ATA8-ACS 7.16,
 * table 20): default CHS geometry (1, 3, 6), the largest multiple count
 * (47 bits 7:0), DMA and LBA support (49 bits 8, 9), the multiple
 * setting (59), the LBA28 capacity (60-61), the 48-bit feature set
 * (83, 86 bit 10) and the LBA48 capacity (100-103). Model, serial,
 * firmware, timing and feature words differ between device models by
 * design, and the mediator trims some of them (ata_pio.c).
 */
static const struct {
	uint8_t word;
	uint16_t mask;
} rp_identity_words[] = {
	{ 1, 0xFFFF }, { 3, 0xFFFF }, { 6, 0xFFFF }, { 47, 0x00FF }, { 49, 0x0300 },
	{ 59, 0x01FF }, { 60, 0xFFFF }, { 61, 0xFFFF }, { 83, 0x0400 }, { 86, 0x0400 },
	{ 100, 0xFFFF }, { 101, 0xFFFF }, { 102, 0xFFFF }, { 103, 0xFFFF },
};

uint8_t rp_identity_mask(unsigned byte)
{
	unsigned word = (byte % RP_SECTOR) / 2;

	for (unsigned i = 0; i < sizeof(rp_identity_words) / sizeof(rp_identity_words[0]); i++)
		if (rp_identity_words[i].word == word) /* words are little-endian */
			return (uint8_t)(rp_identity_words[i].mask >> (byte % 2 ? 8 : 0));
	return 0;
}

const char *rp_op_name(uint8_t op)
{
	const char *n = ata_cmd_name(op);

	return n ? n : "unknown opcode";
}
