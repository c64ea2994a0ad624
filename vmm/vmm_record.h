/*
 * vmm_record.h - traces: the data model shared by the one recorder encoder
 * (vmm_record.c, freestanding) and the streaming reader (replay/), and the
 * recorder switch the core and the mediator call (vmm_record_io.c).
 *
 * A trace is versioned YAML text (replay/FORMAT.md): a header (provenance,
 * machine facts, disks, an optional test key), then guest-side events at
 * the intercept point, then an explicit end record. The encoder writes it
 * through a sink, so the same code streams over the serial port on vtx,
 * into a FILE on sim and into a hosted importer's file. Included by vmm.h;
 * includes only hal.h.
 */
#ifndef VMM_RECORD_H
#define VMM_RECORD_H

#include "../hal/hal.h"

#define VMM_REC_VERSION 1

/* ---- Limits (the reader rejects anything beyond them, the encoder never writes it) ---- */
#define VMM_REC_MAX_CHANNELS 4          /* ata0..ata3 */
#define VMM_REC_MAX_DISKS 8             /* 4 channels x master/slave */
#define VMM_REC_MAX_STR 256             /* header strings, bytes without the NUL */
/* One payload: an LBA48 command moves at most 65536 sectors (ATA8-ACS 4.17). */
#define VMM_REC_MAX_DATA (65536u * 512u)
/* A PRD table lies within one 64 KiB block (PIIX3 data sheet, 2.7.4.3). */
#define VMM_REC_MAX_PRD 8192u
#define VMM_REC_KEY_SIZE 64             /* AES-256-XTS: data key then tweak key */
#define VMM_REC_MAX_EXTENTS 4096u       /* overlay extents per disk */
#define VMM_REC_SHA256_SIZE 32

/* ---- Header ---- */
/* Values match enum ata_disk_mode, so a replay hands them to ata/ unchanged. */
enum vmm_rec_policy { VMM_REC_DENY = 0, VMM_REC_PASS = 1, VMM_REC_ENCRYPT = 2 };
enum vmm_rec_content {
	VMM_REC_ZERO = 0,      /* every byte 0 */
	VMM_REC_PATTERN = 1,   /* splitmix64 stream of seed (FORMAT.md "Disks") */
	VMM_REC_IMAGE = 2,     /* an image file with its SHA-256 */
};

struct vmm_rec_channel {
	uint8_t channel;       /* 0..3 */
	uint8_t irq;           /* 0..15 */
	uint16_t cmd;          /* command block base (0x1F0) */
	uint16_t ctl;          /* device control / alternate status port (0x3F6) */
};

/* Sectors laid over a disk's initial content (FORMAT.md "Overlay"). */
struct vmm_rec_extent {
	uint64_t lba;          /* first sector */
	uint32_t nsect;        /* sectors at data: nsect * 512 bytes */
	const uint8_t *data;
};

struct vmm_rec_disk {
	uint8_t channel;       /* 0..3 */
	uint8_t drive;         /* 0 master, 1 slave */
	uint8_t policy;        /* enum vmm_rec_policy */
	uint8_t content;       /* enum vmm_rec_content */
	uint16_t cyls, heads, spt;  /* default CHS geometry (IDENTIFY words 1, 3, 6) */
	uint8_t multiple;      /* multiple count at power-on (IDENTIFY word 59); 0 = off */
	uint64_t sectors;      /* capacity, 1 .. 2^48 */
	uint64_t seed;         /* VMM_REC_PATTERN */
	const char *image;     /* VMM_REC_IMAGE: path, relative to the trace's folder */
	uint8_t sha256[VMM_REC_SHA256_SIZE]; /* VMM_REC_IMAGE */
	/* Optional: sectors over the content, ascending, apart; at most 32 MiB in a trace. */
	uint32_t nextents;
	const struct vmm_rec_extent *extents;
};

struct vmm_rec_header {
	uint32_t version;      /* VMM_REC_VERSION */
	/* Provenance; NULL = not known. Printable ASCII is written verbatim. */
	const char *guest;     /* "Linux 6.1.0-18-amd64", "SeaBIOS 1.16.2" */
	const char *driver;    /* "ata_piix", "int13" */
	const char *source;    /* emulator or machine: "qemu 7.2 tcg", "bochs 2.7", "sim" */
	const char *date;      /* ISO 8601 */
	const char *tool;      /* what wrote the trace: "parapass-vtx 0.1", "parapass import qemu" */
	/* Machine facts a replay needs to rebuild the controller. */
	uint8_t prog_if;       /* PCI programming interface of the IDE function (0x80 compat) */
	uint16_t bm_base;      /* bus-master registers (BAR4), I/O port base */
	uint8_t nchannels;
	struct vmm_rec_channel channel[VMM_REC_MAX_CHANNELS];
	uint8_t ndisks;
	struct vmm_rec_disk disk[VMM_REC_MAX_DISKS];
	/* A key only ever in test traces: the encoder refuses one without test_key. */
	bool has_key;
	bool test_key;
	uint8_t key[VMM_REC_KEY_SIZE];
};

/* ---- Events ---- */
enum vmm_rec_kind {
	VMM_REC_IN = 0,        /* port, width, value the guest read */
	VMM_REC_OUT,           /* port, width, value the guest wrote */
	VMM_REC_INS,           /* REP INS: port, width, count, data the guest read */
	VMM_REC_OUTS,          /* REP OUTS: port, width, count, data the guest wrote */
	VMM_REC_DMA_START,     /* channel, prdt, prd[], write, bytes; data for writes */
	VMM_REC_DMA_DONE,      /* channel, status, bytes; data for reads */
	VMM_REC_IRQ,           /* irq, level */
	VMM_REC_END,           /* total: events before it; a trace without it is truncated */
	VMM_REC_KINDS
};

/*
 * One Physical Region Descriptor exactly as the guest wrote it: 8 bytes,
 * little-endian (PIIX3 data sheet 2.7.4.3; Bus Master IDE Programming
 * Interface rev 1.0). ctl bits 15:0 are the byte count (0 = 64 KiB), bit
 * 31 is EOT; the other bits are reserved and kept as written.
 */
struct vmm_rec_prd {
	uint32_t addr;
	uint32_t ctl;
};
#define VMM_REC_PRD_EOT 0x80000000u

/*
 * One event. Fields a kind does not use are zero. data/prd point into the
 * encoder's caller's memory when writing and into the reader's buffers
 * (valid until its next call) when reading.
 *
 * Ordering at the intercept point: a dma-start precedes the port access
 * during which the mediator started the transfer (the start bit, or the
 * command when the bus master was started first); a dma-done follows the
 * port access during which the transfer completed.
 */
struct vmm_rec_event {
	uint8_t kind;          /* enum vmm_rec_kind */
	uint8_t width;         /* in, out, ins, outs: 1, 2 or 4 */
	uint16_t port;         /* in, out, ins, outs */
	uint32_t value;        /* in, out: below 1 << (8 * width) */
	uint32_t count;        /* ins, outs: items, len = count * width */
	uint8_t channel;       /* dma-start, dma-done: 0..3 */
	bool write;            /* dma-start: the disk is written (bus master reads memory) */
	bool synthesized;      /* dma-start: PRD layout invented by an importer */
	uint8_t status;        /* dma-done: bus-master status register */
	uint32_t prdt;         /* dma-start: PRD table address */
	uint32_t nprd;         /* dma-start: entries in prd, 1 .. VMM_REC_MAX_PRD */
	const struct vmm_rec_prd *prd;
	uint32_t bytes;        /* dma-start, dma-done: transfer length */
	uint8_t irq;           /* irq: 0..15 */
	bool level;            /* irq: line raised */
	uint64_t total;        /* end: number of events before it */
	const uint8_t *data;   /* ins, outs, dma-start (write), dma-done (read); else NULL */
	size_t len;            /* bytes at data */
};

/*
 * Why an event or header could not be in a trace, or NULL if it can. The
 * reader reports the reason at the record's position; the encoder refuses
 * to write what the reader would refuse.
 */
const char *vmm_rec_event_invalid(const struct vmm_rec_event *ev);
const char *vmm_rec_header_invalid(const struct vmm_rec_header *h);
/* The YAML key naming a kind ("in", "dma-start", ...); NULL if unknown. */
const char *vmm_rec_kind_name(unsigned kind);

/* ---- The encoder (vmm_record.c): YAML text through a sink ---- */
/* Receives the text, in pieces ending at event boundaries. */
typedef void (*vmm_rec_sink_fn)(void *ctx, const void *buf, size_t len);

#define VMM_REC_ENC_BUF 4096

struct vmm_rec_enc {
	vmm_rec_sink_fn sink;
	void *sink_ctx;
	uint64_t events;       /* events written, the end record's total */
	uint8_t state;         /* private: where in the trace the encoder is */
	bool data_open;        /* private: the event's payload scalar is open */
	uint8_t b64_n;         /* private: bytes waiting in b64_tail */
	uint8_t b64_tail[3];
	uint32_t data_left;    /* private: payload bytes still expected */
	size_t len;            /* bytes staged in buf */
	char buf[VMM_REC_ENC_BUF];
};

/* Start a trace that goes to sink(ctx, ...). sink must not be NULL. */
void vmm_rec_enc_init(struct vmm_rec_enc *e, vmm_rec_sink_fn sink, void *ctx);
/*
 * Write the header. PP_EKEY if it carries a key not marked test_key (a real
 * key never enters a trace); PP_EINVAL if vmm_rec_header_invalid() objects
 * or the header was written already.
 */
int vmm_rec_enc_header(struct vmm_rec_enc *e, const struct vmm_rec_header *h);
/* Write one event with its payload at ev->data. PP_EINVAL for an invalid event. */
int vmm_rec_enc_event(struct vmm_rec_enc *e, const struct vmm_rec_event *ev);
/*
 * The same in pieces, for a payload that is scattered (guest memory along
 * a PRD list): begin with ev->data == NULL and ev->len the payload length,
 * then feed exactly ev->len bytes with vmm_rec_enc_data(), then end.
 */
int vmm_rec_enc_event_begin(struct vmm_rec_enc *e, const struct vmm_rec_event *ev);
int vmm_rec_enc_data(struct vmm_rec_enc *e, const void *buf, size_t len);
int vmm_rec_enc_event_end(struct vmm_rec_enc *e);
/* Write the end record; the trace is complete. Nothing may follow. */
int vmm_rec_enc_end(struct vmm_rec_enc *e);

/* ---- The recorder switch (vmm_record_io.c): what the core and ata/ call ---- */
/*
 * Start recording: write h, then every trapped access vmm_io() handles and
 * every DMA hook below, through sink (NULL = hal_record_write()). vtx
 * streams it over the serial port; sim writes sim_config.record. Errors as
 * vmm_rec_enc_header(), PP_EBUSY if already recording.
 */
int vmm_record_start(const struct vmm_rec_header *h, vmm_rec_sink_fn sink, void *ctx);
/* Write the end record and stop. A no-op when not recording. */
void vmm_record_stop(void);
bool vmm_record_active(void);

/* Called by vmm_io() around dispatch; the second writes the access with its result. */
void vmm_record_io_enter(void);
void vmm_record_io(const struct hal_io_req *req);

/*
 * The mediator calls this when it starts a bus-master transfer for the
 * guest (the start bit of the BM command register, PIIX3 2.7.4.1, or the
 * command that follows it), before it moves any data: prd[0..n) is the guest's PRD table as read from prdt,
 * write says the disk will be written, bytes is the transfer length the
 * device will move (sectors * 512). For a write the recorder gathers the
 * guest's buffers along prd itself, clipped where an entry leaves guest
 * RAM. Recorded before the port access being handled.
 */
void vmm_record_dma_start(unsigned channel, uint32_t prdt, const struct vmm_rec_prd *prd,
			  uint32_t n, bool write, uint32_t bytes);
/*
 * The mediator calls this once the guest's buffers hold their final
 * contents for the transfer on channel (reads: decrypted data copied
 * back), with the bus-master status the guest will see and the bytes
 * moved. For a read the recorder copies those bytes from guest memory
 * along prd[0..n); prd must stay valid until the trapped access being
 * handled returns, since the record is written after that access.
 */
void vmm_record_dma_done(unsigned channel, const struct vmm_rec_prd *prd, uint32_t n,
			 bool write, uint8_t status, uint32_t bytes);
/* An interrupt line changed level, where the backend knows it. */
void vmm_record_irq(unsigned irq, bool level);

#endif /* VMM_RECORD_H */
