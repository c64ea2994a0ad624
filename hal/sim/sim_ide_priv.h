/*
 * sim_ide_priv.h - inside the simulated PIIX3 function: how the bus
 * decoder (sim_bus.c), PCI configuration (sim_pci.c), the taskfile and PIO
 * engine (sim_ide.c), the ATA and ATAPI command sets (sim_ide_cmd.c,
 * sim_ide_identify.c, sim_atapi.c), bus-master DMA (sim_ide_dma.c) and the
 * backing store (sim_disk.c) reach each other.
 *
 * Register and bit names follow ATA8-ACS (command set), ATA/ATAPI-7
 * volume 2 (register and protocol chapters) and SFF-8038i / the PIIX3 data
 * sheet (bus master).
 */
#ifndef SIM_IDE_PRIV_H
#define SIM_IDE_PRIV_H

#include "sim_priv.h"

/* Status register (ATA/ATAPI-7 vol. 1, 7.15). */
enum {
	SIM_ST_ERR = 0x01,
	SIM_ST_DRQ = 0x08,
	SIM_ST_DSC = 0x10,
	SIM_ST_DF = 0x20,
	SIM_ST_DRDY = 0x40,
	SIM_ST_BSY = 0x80,
};
#define SIM_ST_READY (SIM_ST_DRDY | SIM_ST_DSC)

/* Error register bits (ATA8-ACS 6.2). */
enum {
	SIM_ER_DIAG_OK = 0x01,  /* EXECUTE DEVICE DIAGNOSTIC / reset: passed */
	SIM_ER_ABRT = 0x04,
	SIM_ER_IDNF = 0x10,
};

/* Device control register (ATA/ATAPI-7 vol. 1, 7.9) and device register bits. */
enum {
	SIM_DC_NIEN = 0x02,
	SIM_DC_SRST = 0x04,
	SIM_DC_HOB = 0x80,
	SIM_DEV_DEV = 0x10,
	SIM_DEV_LBA = 0x40,
};

/* Command block offsets from the base port. */
enum {
	SIM_REG_DATA = 0,
	SIM_REG_ERROR = 1,     /* features on write */
	SIM_REG_NSECT = 2,
	SIM_REG_LBAL = 3,
	SIM_REG_LBAM = 4,
	SIM_REG_LBAH = 5,
	SIM_REG_DEVICE = 6,
	SIM_REG_STATUS = 7,    /* command on write */
};

/* The five registers with a HOB "previous content" copy, indexed from features. */
enum { SIM_TF_FEAT, SIM_TF_NSECT, SIM_TF_LBAL, SIM_TF_LBAM, SIM_TF_LBAH, SIM_TF_N };

/* Bus-master IDE registers (SFF-8038i 2.1), per channel at BAR4 + 8 * channel. */
enum {
	SIM_BM_CMD = 0,
	SIM_BM_STATUS = 2,
	SIM_BM_PRD = 4,
	SIM_BM_CMD_START = 0x01,
	SIM_BM_CMD_TOMEM = 0x08,  /* "read/write control": 1 = the bus master writes memory */
	SIM_BM_ST_ACTIVE = 0x01,
	SIM_BM_ST_ERROR = 0x02,
	SIM_BM_ST_INTR = 0x04,
	SIM_BM_ST_CAP = 0x60,     /* drive 0/1 DMA capable: plain R/W for software */
};

/* Largest DRQ data block: 128 sectors of READ MULTIPLE, or a 64 KiB ATAPI burst. */
#define SIM_IDE_BUF (128u * SIM_SECTOR)
#define SIM_CD_BLOCK 2048u
/* DATA SET MANAGEMENT: 512-byte blocks of range entries a command may carry (word 105). */
#define SIM_DSM_BLOCKS 8

/* What a busy device does when its busy period ends (ATA8-ACS protocol states). */
enum sim_step {
	SIM_STEP_NONE = 0,
	SIM_STEP_EXEC,     /* run the command just written */
	SIM_STEP_NEXT,     /* a PIO block moved: next block, commit, or completion */
	SIM_STEP_PACKET,   /* the 12-byte command packet arrived */
	SIM_STEP_DMA,      /* assert DMARQ: the bus master may move the data */
	SIM_STEP_RESET,    /* end of a software or device reset: post the signature */
};

/* Which way the data port moves data for the current DRQ block. */
enum sim_phase { SIM_PH_IDLE = 0, SIM_PH_IN, SIM_PH_OUT, SIM_PH_DMA };

struct sim_disk {
	uint8_t *data;         /* sectors * 512 bytes: a shared mapping or calloc'd */
	uint64_t sectors;
	int fd;                /* -1 for memory */
};

struct sim_ide_dev {
	bool present, atapi, lba48;
	bool no_hob_readback;         /* sim_disk_config: the Bochs 2.7 behaviour */
	uint8_t chan, unit;
	struct sim_disk disk;
	char model[41], serial[21];
	uint16_t def_cyls, def_heads, def_spt;
	uint16_t cur_cyls, cur_heads, cur_spt;
	uint8_t max_mult, mult;
	uint32_t busy_polls, busy_left;
	bool wcache, lookahead;
	uint8_t mwdma_sel, udma_sel;  /* IDENTIFY words 63/88 bits 15:8 */

	/* Registers as this device holds them (writes reach both devices). */
	uint8_t tf[SIM_TF_N], hob[SIM_TF_N];
	uint8_t device, error, status;
	bool intrq;

	/* The command in progress. */
	uint8_t cmd;
	enum sim_step step;
	enum sim_phase phase;
	uint64_t lba;           /* next sector (ATA) or byte offset (ATAPI) */
	uint32_t remaining;     /* sectors (ATA) or bytes (ATAPI) still to move */
	uint32_t block;         /* sectors per DRQ block (ATA) */
	uint8_t *xfer;          /* current PIO block: into the disk or buf */
	uint32_t xpos, xlen;
	const uint8_t *src;     /* ATAPI data-in source */
	uint8_t *dma_buf;       /* DMA source or destination */
	uint32_t dma_len;
	bool dma_to_mem, dma_ready;
	uint16_t byte_limit;    /* ATAPI PIO byte count limit */
	uint8_t cdb[12];
	uint8_t sense_key, asc;
	uint8_t *buf;           /* SIM_IDE_BUF bytes */
};

struct sim_ide_chan {
	struct sim_ide_dev dev[SIM_DRIVES];
	uint8_t devctl;
	uint8_t sel;            /* DEV bit last written: 0 or 1 */
	bool level;             /* INTRQ as the controller sees it */
	uint8_t bm_cmd, bm_status;
	uint32_t bm_prd;
};

/* ---- sim_ide.c: registers, status, interrupts, resets, the data port ---- */
struct sim_ide_chan *sim_ide_chan(unsigned ch);
void sim_ide_init(void);
void sim_ide_fini(void);
bool sim_ide_ready(void);
void sim_ide_power_on_reset(struct sim_ide_dev *d);
uint8_t sim_ide_cmd_in(unsigned ch, unsigned reg);
void sim_ide_cmd_out(unsigned ch, unsigned reg, uint8_t val);
uint8_t sim_ide_ctl_in(unsigned ch);
void sim_ide_ctl_out(unsigned ch, uint8_t val);
/* The data port: bytes moved in DRQ blocks; the rest reads 0xFF, or is dropped. */
void sim_ide_data_in(unsigned ch, void *buf, size_t bytes);
void sim_ide_data_out(unsigned ch, const void *buf, size_t bytes);
/* Recompute the IRQ lines (nIEN, selection, native routing changed). */
void sim_ide_irq_update(void);
/* A BM status read counts as a poll of a device waiting on DMA. */
void sim_ide_dma_poll(unsigned ch);

/* What command handlers use to end a phase (ATA8-ACS protocol chapter). */
void sim_ide_complete(struct sim_ide_dev *d);
void sim_ide_fail(struct sim_ide_dev *d, uint8_t error);
void sim_ide_raise(struct sim_ide_dev *d);
void sim_ide_pio_in(struct sim_ide_dev *d, const uint8_t *src, uint32_t len);
void sim_ide_pio_out(struct sim_ide_dev *d, uint8_t *dst, uint32_t len, bool irq);
void sim_ide_dma_arm(struct sim_ide_dev *d, uint8_t *buf, uint32_t len, bool to_mem);
void sim_ide_signature(struct sim_ide_dev *d);
/* EXECUTE DEVICE DIAGNOSTIC has run on d: reset outputs, device 0 interrupts. */
void sim_ide_diag_done(struct sim_ide_dev *d);
__attribute__((noreturn)) void sim_ide_bug(const char *what, unsigned val);

/* ---- sim_ide_attach.c: drives on the channels ---- */
void sim_ide_detach(struct sim_ide_dev *d);

/* ---- sim_ide_cmd.c / sim_ide_identify.c: the ATA disk ---- */
void sim_ata_exec(struct sim_ide_dev *d);
void sim_ata_next(struct sim_ide_dev *d);
void sim_ata_dma_done(struct sim_ide_dev *d, bool ok);
void sim_ata_identify(const struct sim_ide_dev *d, uint8_t *buf);
void sim_atapi_identify(const struct sim_ide_dev *d, uint8_t *buf);
/* Transfer mode (SET FEATURES 03h): 0 or PP_EINVAL for a mode it lacks. */
int sim_ide_set_xfer_mode(struct sim_ide_dev *d, uint8_t mode);
/* Commands both device types share: diagnostic, power mode, SET FEATURES. */
bool sim_ide_common_cmd(struct sim_ide_dev *d);

/* ---- sim_atapi.c: the CD-ROM ---- */
void sim_atapi_exec(struct sim_ide_dev *d);
void sim_atapi_packet(struct sim_ide_dev *d);
void sim_atapi_next(struct sim_ide_dev *d);
void sim_atapi_dma_done(struct sim_ide_dev *d, bool ok);

/* ---- sim_ide_dma.c: the bus master ---- */
uint8_t sim_bm_in(unsigned ch, unsigned off);
void sim_bm_out(unsigned ch, unsigned off, uint8_t val);
/* Move the data if the device asserts DMARQ and start is set. */
void sim_bm_kick(unsigned ch);

/* ---- sim_pci.c: configuration space and address decode ---- */
enum sim_rgn_kind {
	SIM_RGN_NONE = 0,
	SIM_RGN_CFADDR,    /* 0xCF8-0xCFB */
	SIM_RGN_CFDATA,    /* 0xCFC-0xCFF */
	SIM_RGN_IDE_CMD,   /* a channel's command block */
	SIM_RGN_IDE_CTL,   /* a channel's alternate status / device control */
	SIM_RGN_BM,        /* the bus-master block */
};
struct sim_rgn {
	uint8_t kind;      /* enum sim_rgn_kind */
	uint8_t chan;
	uint8_t off;       /* offset of the port inside its block */
};
int sim_pci_init(uint16_t bm_base, bool native);
void sim_pci_decode(uint16_t port, struct sim_rgn *r);
uint32_t sim_pci_addr_in(void);
void sim_pci_addr_out(uint32_t val);
uint8_t sim_pci_data_in(unsigned off);
void sim_pci_data_out(unsigned off, uint8_t val);
/* The IRQ a channel drives: 14/15 in legacy mode, the interrupt line in native mode. */
unsigned sim_pci_ide_irq(unsigned ch);
/* Command register bit 2: without it the bus master cannot move data. */
bool sim_pci_bm_enabled(void);

/* ---- sim_disk.c: backing store ---- */
int sim_disk_open(struct sim_disk *disk, const struct sim_disk_config *cfg);
void sim_disk_close(struct sim_disk *disk);
/* Make [sector, sector + count) durable in the image file (FLUSH CACHE, FUA). */
void sim_disk_sync(struct sim_disk *disk, uint64_t sector, uint64_t count);

#endif /* SIM_IDE_PRIV_H */
