/*
 * ata_priv.h - the mediator's inside: register layout, the command policy
 * table, channel state and the functions the ata_*.c files share.
 */
#ifndef ATA_PRIV_H
#define ATA_PRIV_H

#include "../vmm/vmm.h"
#include "ata.h"

/* Command block registers, offsets from the channel's command base (ATA8-ACS 6, ATA-6 7.x). */
enum {
	ATA_REG_DATA = 0,
	ATA_REG_FEATURE = 1,  /* error on read */
	ATA_REG_COUNT = 2,
	ATA_REG_LBAL = 3,
	ATA_REG_LBAM = 4,
	ATA_REG_LBAH = 5,
	ATA_REG_DEVICE = 6,
	ATA_REG_CMD = 7,      /* status on read */
};

/* Status register bits. */
#define ATA_BSY 0x80
#define ATA_DRDY 0x40
#define ATA_DF 0x20
#define ATA_DSC 0x10
#define ATA_DRQ 0x08
#define ATA_ERR 0x01
/* Device register bits. */
#define ATA_DEV_LBA 0x40
#define ATA_DEV_DRV 0x10
/* Device control register bits. */
#define ATA_CTL_NIEN 0x02
#define ATA_CTL_SRST 0x04
#define ATA_CTL_HOB 0x80

/* Bus-master IDE registers (SFF-8038i), offsets within a channel's 8 ports. */
enum { ATA_BM_CMD = 0, ATA_BM_STATUS = 2, ATA_BM_PRDT = 4 };
#define ATA_BM_START 0x01
#define ATA_BM_TOMEM 0x08   /* bus master writes memory: a device-to-host (read) transfer */
#define ATA_BM_ACTIVE 0x01
#define ATA_BM_ERROR 0x02
#define ATA_BM_INTR 0x04
#define ATA_PRD_EOT 0x80000000u

/* ---- The policy table (ata_policy.c) ---- */
enum ata_proto {
	ATA_P_DENY = 0,  /* never reaches a device; the zero value, so unlisted opcodes deny */
	ATA_P_NODATA,
	ATA_P_PIO_IN,
	ATA_P_PIO_OUT,
	ATA_P_DMA_IN,
	ATA_P_DMA_OUT,
	ATA_P_PACKET,
	ATA_P_SMART,     /* protocol depends on the feature register */
};

/* Flags */
#define ATA_F_RW 0x01        /* moves user sectors: encrypted on an encrypted disk */
#define ATA_F_EXT 0x02       /* 48-bit: HOB registers, count 0 = 65536 */
#define ATA_F_MULTI 0x04     /* DRQ blocks of the SET MULTIPLE MODE size */
#define ATA_F_IDENTIFY 0x08  /* data is IDENTIFY (PACKET) DEVICE: snooped and trimmed */
#define ATA_F_SETMULT 0x10   /* SET MULTIPLE MODE */
#define ATA_F_INITPARAM 0x20 /* INITIALIZE DEVICE PARAMETERS */
#define ATA_F_ATAPI 0x40     /* only for a pass-through device: never an encrypted disk */
#define ATA_F_TRIM 0x80      /* DATA SET MANAGEMENT: only where the disk allows TRIM */
#define ATA_F_ONE 0x100      /* transfers exactly one sector whatever the count register says */
#define ATA_F_RESET 0x200    /* DEVICE RESET: taken even while busy, ends the command */
#define ATA_F_FORGET 0x400   /* resets the devices: block size and CHS translation unknown */

struct ata_cmd_info {
	uint8_t proto;     /* enum ata_proto */
	uint16_t flags;
	const char *name;  /* for the log and the profiler */
	const char *why;   /* why it may pass: one line */
};
extern const struct ata_cmd_info ata_cmds[256];

/* ---- Channel state ---- */
enum ata_state {
	ATA_IDLE,       /* no mediated command */
	ATA_PIO_IN,     /* data-in: the device's blocks come through buf */
	ATA_PIO_OUT,    /* data-out: the guest's blocks gather in buf */
	ATA_DMA_ARMED,  /* DMA command captured, held back until the bus master starts */
	ATA_DMA_RUN,    /* the device moves the bounce buffer */
	ATA_NODATA,     /* a no-data command whose success changes what we track */
	ATA_PACKET,     /* an ATAPI command on a pass-through device */
};

#define ATA_PIO_MAX_SECTORS 128  /* largest SET MULTIPLE MODE block (ATA8-ACS 7.51) */
#define ATA_PRD_MAX 8192         /* a PRD table may not cross 64 KiB: 8-byte entries */
#define ATA_SPIN 1000000         /* status polls before a device counts as stuck */

struct ata_drive {
	struct ata_disk_policy pol;
	bool present, atapi;
	bool hob_readback;    /* device control HOB selects the previous contents on read */
	uint8_t multiple;     /* sectors per block for READ/WRITE MULTIPLE; 0 = off */
	uint16_t heads, spt;  /* current CHS translation; 0 = unknown */
};


struct ata_chan {
	bool present;
	uint8_t idx;
	uint16_t cmd, ctl, bm;   /* port bases (ctl = the alt status/device control port) */
	uint8_t devctl;          /* guest's device control, SRST and HOB cleared */
	uint8_t devctl_raw;      /* as the guest last wrote it */
	uint8_t sel;             /* drive the guest selected last */
	uint8_t feature;         /* guest's last feature register write */
	/*
	 * Count and LBA low/mid/high as the guest wrote them: [0] current,
	 * [1] previous (HOB) contents; tf_known bit r / 4 + r says which are
	 * known. Only for disks whose HOB read-back does not work.
	 */
	uint8_t tf[2][4], tf_known;
	struct ata_drive drive[ATA_DRIVES];

	/* The command being mediated. */
	uint8_t state, op, dev;
	const struct crypto_xts *key;  /* NULL: the data is not encrypted */
	uint64_t lba;                  /* next sector between device and buffer */
	uint32_t left;                 /* sectors still to move between device and buffer */
	uint32_t blk;                  /* sectors per DRQ block */
	uint32_t pos, len;             /* PIO buffer: consumed/filled and valid bytes */
	uint8_t pend_a, pend_b;        /* NODATA: what becomes true if it succeeds */

	/* Bus master. */
	uint8_t bm_cmd;          /* guest's view of the command register */
	uint8_t bm_err;          /* ATA_BM_ERROR while a refusal is unacknowledged */
	uint32_t guest_prdt;     /* guest's PRD table pointer, never given to the device */
	uint32_t dma_bytes;
	bool dma_in;             /* device to memory */
	uint32_t nprd;           /* entries read; the transfer uses the first nuse */
	uint32_t nuse;
	uint8_t *bounce;
	uint32_t bounce_phys, bounce_size;
	uint32_t *sprd, sprd_phys;

	struct vmm_rec_prd prd[ATA_PRD_MAX];  /* the guest's table as read, then checked */
	uint8_t buf[ATA_PIO_MAX_SECTORS * ATA_SECTOR] __attribute__((aligned(64)));
};

extern struct ata_chan ata_chans[ATA_MAX_CHANNELS];

/* ata_tf.c: command block and control ports */
void ata_io_cmd(void *ctx, struct hal_io_req *req);
void ata_io_ctl(void *ctx, struct hal_io_req *req);
void ata_reset_state(struct ata_chan *ch);
void ata_abort_cmd(struct ata_chan *ch);
void ata_issue(struct ata_chan *ch, uint8_t op, uint8_t state);
bool ata_wait_drq(struct ata_chan *ch);

/* ata_pio.c: the data port */
void ata_io_data(struct ata_chan *ch, struct hal_io_req *req);
void ata_pass_data(struct ata_chan *ch, struct hal_io_req *req);
void ata_identify_fixup(struct ata_drive *d, uint16_t *id);

/* ata_dma.c: bus master */
void ata_io_bm(void *ctx, struct hal_io_req *req);
void ata_dma_armed(struct ata_chan *ch);
bool ata_dma_poll(struct ata_chan *ch);
void ata_dma_cancel(struct ata_chan *ch);

/* Crypto and copies with the cycle accounting the profiler reads. */
void ata_xts(struct ata_chan *ch, bool enc, uint64_t lba, const void *src, void *dst,
	     uint32_t nsect);

static inline uint8_t ata_in(const struct ata_chan *ch, unsigned reg)
{
	return hal_inb((uint16_t)(ch->cmd + reg));
}

static inline void ata_out(const struct ata_chan *ch, unsigned reg, uint8_t v)
{
	hal_outb((uint16_t)(ch->cmd + reg), v);
}

static inline uint8_t ata_altstatus(const struct ata_chan *ch)
{
	return hal_inb(ch->ctl);
}

#endif /* ATA_PRIV_H */
