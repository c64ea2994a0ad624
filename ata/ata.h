/*
 * ata.h - the ATA mediator: parapass-through of IDE disks.
 *
 * The guest drives the IDE controller with its own driver; every access to
 * the command block, control and bus-master ports traps to ata/, which
 * forwards almost everything and mediates the data path so that an
 * encrypted disk only ever receives AES-256-XTS ciphertext, while the
 * guest reads and writes plaintext. Freestanding: includes hal.h and
 * crypto.h only.
 */
#ifndef ATA_H
#define ATA_H

#include "../crypto/crypto.h"
#include "../hal/hal.h"

/* Channels: ata0/ata1 on the first controller, ata2/ata3 on a second. */
#define ATA_MAX_CHANNELS 4
#define ATA_DRIVES 2
#define ATA_SECTOR 512

enum ata_disk_mode {
	ATA_DISK_DENY = 0,  /* every command aborted: the guest cannot use it */
	ATA_DISK_PASS,      /* no encryption (a CD-ROM, a disk left plain); DMA still shadowed */
	ATA_DISK_ENCRYPT,   /* sectors on the medium are XTS ciphertext */
};

struct ata_disk_policy {
	uint8_t mode;                  /* enum ata_disk_mode */
	bool allow_trim;               /* DATA SET MANAGEMENT reveals free blocks: off by default */
	const struct crypto_xts *key;  /* ATA_DISK_ENCRYPT only; owned by the caller */
};

struct ata_config {
	struct ata_disk_policy disk[ATA_MAX_CHANNELS][ATA_DRIVES]; /* [channel][0 master, 1 slave] */
	uint32_t bounce_size;  /* DMA bounce buffer per channel, bytes; 0 = ATA_BOUNCE_DEFAULT */
};
/* Linux issues up to 1280 KiB a command by default (max_sectors_kb). */
#define ATA_BOUNCE_DEFAULT (2u << 20)
#define ATA_BOUNCE_MAX (32u << 20)

/*
 * Take the configuration and allocate every channel's bounce buffer and
 * shadow PRD table (hal_dma_alloc). Call once, before any controller is
 * attached. PP_ENOMEM if VMM memory is short, PP_EINVAL for a bad config.
 */
int ata_init(const struct ata_config *cfg);
/* Release every claim and forget all state (tests; re-initialisation). */
void ata_fini(void);

/*
 * An IDE controller (PCI class 0x0101) at bus:dev.fn: read its
 * programming interface and BARs, claim (trap) its channels' ports, and
 * probe the configured drives with IDENTIFY. Called by vmm/ at start-up.
 */
int ata_controller_attach(uint8_t bus, uint8_t dev, uint8_t fn);
/*
 * The guest wrote the controller's command register, programming
 * interface or a BAR: re-read them and move the traps. Called by vmm/.
 */
void ata_controller_changed(uint8_t bus, uint8_t dev, uint8_t fn);
/*
 * After every controller is attached: PP_OK if each disk configured
 * "encrypt" was found as an ATA disk, else PP_EIO (logged, per disk).
 */
int ata_check_config(void);
/* Whether bus:dev.fn is an attached controller. */
bool ata_controller_owned(uint8_t bus, uint8_t dev, uint8_t fn);
/* The policy table's name of an opcode ("READ DMA"), or NULL: for profilers and logs. */
const char *ata_cmd_name(uint8_t op);

/* What the mediator did, for the profiler and the exit summary. */
struct ata_stats {
	uint64_t invocations;      /* trapped accesses handled */
	uint64_t commands;         /* commands forwarded to a device */
	uint64_t denied;           /* commands answered with ABRT */
	uint64_t pio_sectors_in, pio_sectors_out;
	uint64_t dma_commands, dma_sectors_in, dma_sectors_out;
	uint64_t sectors_encrypted, sectors_decrypted;
	/* Cycles (hal_cycles) inside the mediator, and the parts spent on: */
	uint64_t cyc_total, cyc_crypto, cyc_copy, cyc_device;
};
extern struct ata_stats ata_stats;

#endif /* ATA_H */
