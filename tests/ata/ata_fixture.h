/*
 * ata_fixture.h - a simulated machine with parapass mediating it, and a
 * checks. The guest is hal/sim's driver (sim_drv_*), written from
 * ATA8-ACS and SFF-8038i; the oracle is OpenSSL: neither shares code
 * with ata/ or crypto/.
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
	bool no_hob;       /* register reads ignore HOB, as on Bochs 2.7 */
};

/* Guest RAM layout the tests use (PRD tables at SIM_DRV_PRDT). */
#define FX_BUF 0x100000u     /* DMA buffers */
#define FX_MAXSECT 4096u     /* largest transfer a test makes */

/*
 * Build the machine with the given disks (NULL-terminated by sectors 0),
 * start parapass with config and the test key, and fail the test if it
 * does not start. Returns vmm_start()'s result when expect_fail is set.
 */
int fx_start(const struct fx_disk *disks, const char *config, bool expect_fail);
/* Optional: the machine fx_start() builds, and what the "BIOS" does before parapass starts. */
extern struct sim_config fx_sim_config;
extern void (*fx_before_start)(void);
/* Configuration write to the IDE function 00:01.1, as firmware or a guest does it. */
void fx_pci_write(uint8_t off, unsigned width, uint32_t v);
uint32_t fx_pci_read(uint8_t off, unsigned width);
void fx_stop(void);

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
