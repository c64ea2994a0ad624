/*
 * sim_test.h - what the hal/sim suites share: the port map of a PC with a
 * PIIX3 (as every BIOS and driver knows it, not taken from the model), a
 * reference data pattern, and driver-like port sequences (select, load the
 * taskfile, poll, move a DRQ block) built from sim_guest_in/out/ins/outs.
 * No core is initialised in these tests, so no port traps.
 */
#ifndef SIM_TEST_H
#define SIM_TEST_H

#include <check.h>
#include <stdbool.h>
#include <stdint.h>

#include "hal/hal.h"
#include "hal/sim/sim.h"

/* Legacy ports and IRQs of a PC's two IDE channels. */
#define ST_PRI_CMD 0x1F0
#define ST_PRI_CTL 0x3F6
#define ST_SEC_CMD 0x170
#define ST_SEC_CTL 0x376

/* Command block register offsets (ATA/ATAPI-7 vol. 1, table 17). */
enum {
	ST_DATA = 0, ST_ERROR = 1, ST_FEATURE = 1, ST_NSECT = 2, ST_LBAL = 3,
	ST_LBAM = 4, ST_LBAH = 5, ST_DEVICE = 6, ST_STATUS = 7, ST_COMMAND = 7,
};

/* Status, error and device control bits (ATA8-ACS 6.1, 6.2; ATA-7 7.9). */
enum {
	ST_ERR = 0x01, ST_DRQ = 0x08, ST_DSC = 0x10, ST_DF = 0x20, ST_DRDY = 0x40, ST_BSY = 0x80,
	ST_ABRT = 0x04, ST_IDNF = 0x10,
	ST_NIEN = 0x02, ST_SRST = 0x04, ST_HOB = 0x80,
	ST_DEV_LBA = 0x40, ST_DEV_SLAVE = 0x10, ST_DEV_OBS = 0xA0,
};

/* Bus-master registers (SFF-8038i): offsets and bits. */
enum {
	ST_BM_CMD = 0, ST_BM_STATUS = 2, ST_BM_PRD = 4,
	ST_BM_START = 0x01, ST_BM_TOMEM = 0x08,
	ST_BM_ACTIVE = 0x01, ST_BM_ERROR = 0x02, ST_BM_INTR = 0x04,
};
#define ST_BM_BASE 0xC000

struct st_chan {
	uint16_t cmd, ctl;
	unsigned irq;
};
extern const struct st_chan st_chan[2];

/* A fresh machine with default config (32 MiB RAM, BAR4 0xC000). */
void st_machine(void);
void st_machine_cfg(const struct sim_config *cfg);
/* Attach a memory disk filled with the reference pattern (seed). */
void st_disk(unsigned ch, unsigned dev, uint64_t sectors, uint32_t seed);
void st_disk_cfg(unsigned ch, unsigned dev, const struct sim_disk_config *cfg, uint32_t seed);

/* Reference content: byte i of a disk seeded seed, independent of the model. */
void st_pattern(void *buf, size_t len, uint64_t offset, uint32_t seed);
/* Whether buf equals the pattern at that offset. */
bool st_pattern_eq(const void *buf, size_t len, uint64_t offset, uint32_t seed);

/* Port I/O on a channel's command block / control port. */
uint8_t st_in(unsigned ch, unsigned reg);
void st_out(unsigned ch, unsigned reg, uint8_t val);
uint8_t st_alt(unsigned ch);
void st_devctl(unsigned ch, uint8_t val);

/* Poll Status until BSY clears (bounded): the status, or fail the test. */
uint8_t st_wait(unsigned ch);
/* Select a device and wait for it (DEV bit, LBA bit as given). */
void st_select(unsigned ch, unsigned dev, uint8_t devbits);
/* Load a 28-bit taskfile: LBA mode, count (0..255 written as is). */
void st_lba28(unsigned ch, unsigned dev, uint32_t lba, uint8_t count);
/* Load a 48-bit taskfile: HOB bytes first, then the current ones. */
void st_lba48(unsigned ch, unsigned dev, uint64_t lba, uint16_t count);
void st_cmd(unsigned ch, uint8_t cmd);
/* Issue a no-data command and return the status after BSY. */
uint8_t st_nodata(unsigned ch, uint8_t cmd);

/*
 * PIO data-in/out of sectors sectors in DRQ blocks of block sectors,
 * width-byte string I/O, polling Status before each block as a polling
 * driver does. Returns the number of DRQ blocks seen; fails the test on
 * ERR, a missing DRQ, or DRQ left set at the end.
 */
unsigned st_pio_in(unsigned ch, void *buf, uint32_t sectors, uint32_t block, unsigned width);
unsigned st_pio_out(unsigned ch, const void *buf, uint32_t sectors, uint32_t block, unsigned width);
/* IDENTIFY (PACKET) DEVICE into 256 words. */
void st_identify(unsigned ch, unsigned dev, uint8_t cmd, uint16_t id[256]);
/* Words of an ATA string as text (ATA8-ACS 3.3.10: first character in the high byte). */
void st_id_string(const uint16_t *id, unsigned word, unsigned words, char *out);

/* PCI configuration mechanism #1. */
uint32_t st_pci_read(unsigned dev, unsigned fn, unsigned off, unsigned width);
void st_pci_write(unsigned dev, unsigned fn, unsigned off, unsigned width, uint32_t val);

/* Bus master: registers of channel ch at BAR4 base bm. */
uint8_t st_bm_in(uint16_t bm, unsigned ch, unsigned off);
void st_bm_out(uint16_t bm, unsigned ch, unsigned off, uint8_t val);
void st_bm_prd(uint16_t bm, unsigned ch, uint32_t table);
/* Write PRD entry i of the table at gpa: address, byte count (0 = 64 KiB), EOT. */
void st_prd(uint32_t table, unsigned i, uint32_t addr, uint32_t bytes, bool eot);

/* A sparse image file of sectors * 512 bytes (removed by the test); path in out. */
void st_image(char *out, size_t outlen, uint64_t sectors);

#endif /* SIM_TEST_H */
