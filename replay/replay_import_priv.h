/*
 * replay_import_priv.h - inside "parapass import qemu": the context of one
 * import, the QEMU trace-log parser (replay_import.c), and the disk it
 * keeps to give DMA transfers their payloads: the initial image plus the
 * writes so far, write payloads from the blklogwrites log
 * (replay_import_disk.c).
 */
#ifndef REPLAY_IMPORT_PRIV_H
#define REPLAY_IMPORT_PRIV_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "replay.h"

#define IMP_CHANNELS 2
#define IMP_SECTOR 512u

struct imp_chan {
	bool used;              /* the guest touched its ports */
	uint8_t reg[8];         /* the last value written to command block register i */
	uint8_t prev[8];        /* the value before it: what HOB reads (ATA8-ACS 6.2.1) */
	uint8_t heads, spt;     /* CHS translation (INITIALIZE DEVICE PARAMETERS) */
	/* The command in flight. */
	bool active, dma_wait, dma_run, pio_user;
	uint8_t op, drv;
	uint64_t lba;
	uint32_t count;         /* sectors */
	uint64_t data_off;      /* bytes through the data port since the command */
	/* Bus master, as the guest programmed it. */
	uint8_t bm_cmd, bm_status;
	uint32_t prdt;
	uint8_t sect[IMP_SECTOR];  /* the PIO sector being moved */
};

/* The run of data-port accesses being gathered into one ins/outs record. */
struct imp_run {
	bool open, in;
	uint16_t port;
	uint8_t width;
	unsigned ch;
	uint32_t len;
	uint8_t buf[IMP_SECTOR];
};

struct imp_ctx {
	const struct replay_import_opts *o;
	char *err;
	size_t errlen;
	bool failed;
	/* The log being read. */
	FILE *log;
	uint64_t lineno;
	char *line;
	size_t line_cap;
	/* Output: pass 1 only learns (emit false), pass 2 writes. */
	bool emit;
	FILE *out;
	struct vmm_rec_enc enc;
	uint64_t events, commands;
	bool cut;               /* stopped at --commands */
	struct imp_chan ch[IMP_CHANNELS];
	unsigned last_ch;       /* the channel whose ports were used last: BM accesses go there */
	struct imp_run run;
	/* The disk: initial image plus writes. */
	uint8_t *disk;
	uint64_t sectors;
	uint8_t *written;       /* bitmap: sectors written so far */
	uint8_t *needed;        /* bitmap: sectors read before any write: initial content used */
	uint8_t sha256[32];
	/* The write log. */
	FILE *wlog;
	uint64_t wl_entries, wl_next, wl_pos;
	uint8_t *payload;       /* one DMA transfer, up to 32 MiB */
	struct vmm_rec_prd prd[VMM_REC_MAX_DATA / 0x10000];  /* a synthesized PRD table */
	/* Facts for the header, learnt in pass 1. */
	bool ident_seen;
	uint8_t ident[IMP_SECTOR];
	uint16_t cyls, heads, spt;
	uint8_t multiple;
};

/* Record "log:line: what" as the error (the first one counts); returns -1. */
int imp_fail(struct imp_ctx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- Guest accesses, commands, DMA payloads (replay_import_ata.c) ---- */
/*
 * One access at the intercept point, with the records it brings: a
 * dma-start before the access that starts a transfer, a dma-done after
 * the one that shows it complete. 0, 1 when --commands cuts here, -1.
 */
int imp_access(struct imp_ctx *x, bool in, uint16_t port, uint8_t width, uint32_t value);
/* The port of bus-master register off of the channel used last. */
uint16_t imp_bm_port(const struct imp_ctx *x, unsigned off);
/* Write out a pending run of data-port accesses. */
int imp_flush(struct imp_ctx *x);
/* Emit one record (pass 2) or count it (pass 1). */
int imp_emit(struct imp_ctx *x, const struct vmm_rec_event *ev);

/* ---- The disk and the write log (replay_import_disk.c) ---- */
int imp_disk_load(struct imp_ctx *x);
int imp_wlog_open(struct imp_ctx *x);
void imp_disk_close(struct imp_ctx *x);
/* The sectors a read returns now; marks those never written as initial content used. */
int imp_disk_read(struct imp_ctx *x, uint64_t lba, uint32_t n, uint8_t *out);
void imp_disk_write(struct imp_ctx *x, uint64_t lba, uint32_t n, const uint8_t *data);
/*
 * The write log's next entries must cover exactly [lba, lba + n), in
 * order (FLUSH marks skipped): their data into out.
 */
int imp_wlog_take(struct imp_ctx *x, uint64_t lba, uint32_t n, uint8_t *out);
/* After the last command: nothing left in the write log (unless the trace was cut). */
int imp_wlog_end(struct imp_ctx *x);
/* The overlay extents: sectors read before written that are not zero. */
int imp_overlay(struct imp_ctx *x, struct vmm_rec_extent **ext, uint32_t *n);

#endif /* REPLAY_IMPORT_PRIV_H */
