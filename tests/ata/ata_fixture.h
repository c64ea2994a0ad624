/*
 * ata_fixture.h - a simulated machine with parapass mediating it, and a
 * small polling ATA driver that plays the guest. The driver is written
 * from ATA8-ACS and SFF-8038i, the oracle is OpenSSL: neither shares
 * code with ata/ or crypto/.
 */
#ifndef ATA_FIXTURE_H
#define ATA_FIXTURE_H

#include <check.h>
#include <stdbool.h>
#include <stdint.h>

#include "hal/sim/sim.h"
#include "vmm/vmm.h"

/* A test key (never a real one): two different random-looking halves. */
extern const uint8_t fx_test_key[64];

struct fx_disk {
	unsigned ch, drv;
	uint64_t sectors;
	bool atapi;
	uint8_t max_multiple;
	uint32_t busy_polls;
	const char *path;  /* image file instead of memory */
};

/* Guest RAM layout the tests use. */
#define FX_PRDT 0x10000u     /* PRD tables */
#define FX_BUF 0x100000u     /* DMA buffers */
#define FX_MAXSECT 4096u     /* largest transfer a test makes */

/*
 * Build the machine with the given disks (NULL-terminated by sectors 0),
 * start parapass with config and the test key, and fail the test if it
 * does not start. Returns vmm_start()'s result when expect_fail is set.
 */
int fx_start(const struct fx_disk *disks, const char *config, bool expect_fail);
void fx_stop(void);

/* Port bases of channel ch (legacy), BM block of ch. */
uint16_t fx_cmd(unsigned ch);
uint16_t fx_ctl(unsigned ch);
uint16_t fx_bm(unsigned ch);

/* ---- the guest's driver ---- */
uint8_t fx_status(unsigned ch);
/* Poll (alt status) until BSY clears; returns the status (also on timeout). */
uint8_t fx_wait(unsigned ch);
/* Set up the taskfile for a 28-bit, 48-bit or CHS command. */
void fx_tf28(unsigned ch, unsigned drv, uint32_t lba, uint32_t count);
void fx_tf48(unsigned ch, unsigned drv, uint64_t lba, uint32_t count);
void fx_tfchs(unsigned ch, unsigned drv, uint16_t cyl, uint8_t head, uint8_t sect, uint8_t count);
void fx_command(unsigned ch, uint8_t op);

enum fx_xfer { FX_REP16, FX_REP32, FX_ONE16, FX_ONE32 };
/*
 * A PIO data phase after the command was issued: nsect sectors in blocks
 * of blk sectors, waiting for DRQ before each block. Returns the final
 * status (ERR set on failure).
 */
uint8_t fx_pio_in(unsigned ch, void *buf, uint32_t nsect, uint32_t blk, enum fx_xfer x);
uint8_t fx_pio_out(unsigned ch, const void *buf, uint32_t nsect, uint32_t blk, enum fx_xfer x);
/* Whole commands: READ/WRITE SECTORS (EXT when lba48). */
uint8_t fx_read(unsigned ch, unsigned drv, uint64_t lba, uint32_t n, void *buf, bool lba48,
		enum fx_xfer x);
uint8_t fx_write(unsigned ch, unsigned drv, uint64_t lba, uint32_t n, const void *buf, bool lba48,
		 enum fx_xfer x);

/*
 * Write a PRD table at FX_PRDT describing nbytes at FX_BUF split into
 * pieces of piece bytes (the last shorter), end bit on the last entry.
 * Returns the number of entries.
 */
unsigned fx_prd(uint32_t base, uint32_t nbytes, uint32_t piece);
/*
 * A DMA command as Linux's ata_bmdma_setup/start does it: PRD pointer,
 * direction, command, start; then wait for the interrupt bit, stop, read
 * status. Returns the ATA status; *bm_status gets the BM status seen.
 */
uint8_t fx_dma(unsigned ch, unsigned drv, uint8_t op, uint64_t lba, uint32_t n, bool lba48,
	       uint8_t *bm_status);

/* ---- checks ---- */
/* Fill buf with a recognisable per-sector pattern ("PPLAIN!" + lba + seed). */
void fx_pattern(void *buf, uint64_t lba, uint32_t nsect, uint32_t seed);
/* OpenSSL aes-xts-plain64 of nsect sectors starting at lba. */
void fx_oracle(bool enc, const uint8_t key[64], uint64_t lba, const void *in, void *out,
	       uint32_t nsect);
/* The disk holds exactly XTS(plain) at lba. */
void fx_assert_disk_cipher(unsigned ch, unsigned drv, uint64_t lba, const void *plain,
			   uint32_t nsect);
/* No sector of the disk starts with the plaintext marker. */
void fx_assert_no_plaintext(unsigned ch, unsigned drv);
/* VMM memory not handed out is untouched, and guest RAM holds no run of it. */
void fx_assert_vmm_intact(void);
/* The mediator still works: a write and read-back of 8 sectors on ch/drv. */
void fx_assert_healthy(unsigned ch, unsigned drv);

#endif /* ATA_FIXTURE_H */
