/*
 * replay_engine_priv.h - inside the replay engine: the context of one
 * replay (no global state beyond the one hal/sim machine a process has),
 * and what its files share: the scan that lays out guest memory
 * (replay_scan.c), the machine set-up and passes (replay_run.c), event
 * execution and matching (replay_exec.c, replay_poll.c), what the replay
 * knows of ATA on its own (replay_ata.c), the OpenSSL oracle
 * (replay_oracle.c) and the profiler (replay_prof.c, replay_perfetto.c).
 */
#ifndef REPLAY_ENGINE_PRIV_H
#define REPLAY_ENGINE_PRIV_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "replay.h"

#define RP_SECTOR 512u
#define RP_MAX_RUN 4096u          /* status reads looked ahead as one polling run */
#define RP_DEFAULT_POLLS 100000u
#define RP_GRANULE (1u << 20)     /* guest memory is laid out in 1 MiB granules */
#define RP_GRANULES 4096u         /* below 4 GiB: bus masters see 32-bit addresses */

enum rp_pass { RP_SCAN, RP_ORACLE, RP_MEDIATED };

/* ---- What the replay knows of ATA, independently of ata/ (replay_ata.c) ---- */
enum rp_proto { RP_NODATA = 0, RP_PIO_IN, RP_PIO_OUT, RP_DMA_IN, RP_DMA_OUT };
#define RP_USER 0x01   /* moves user sectors (what encryption covers) */
#define RP_EXT 0x02    /* 48-bit: HOB registers, count 0 = 65536 */
#define RP_IDENT 0x04  /* IDENTIFY (PACKET) DEVICE: device identity */
#define RP_MULTI 0x08  /* DRQ blocks of the multiple count */

struct rp_cmd_class {
	uint8_t proto;  /* enum rp_proto */
	uint8_t flags;
};
struct rp_cmd_class rp_cmd_class(uint8_t op);
/*
 * The bits of IDENTIFY DEVICE data a replay compares (README "Identity
 * data"): byte i of a 512-byte block is compared under mask[i].
 */
uint8_t rp_identity_mask(unsigned byte);
/* Name of an opcode for messages and the profile (ata/'s table). */
const char *rp_op_name(uint8_t op);

/* ---- The context ---- */
struct rp_disk {
	uint8_t ch, drv, policy;
	uint8_t multiple;       /* power-on multiple count (IDENTIFY word 59) */
	uint16_t cyls, heads, spt;
	uint64_t sectors;
	uint8_t *init;          /* initial plaintext, sectors * 512 */
	uint8_t *expect;        /* the oracle run's final plaintext */
};

struct rp_chan {
	bool listed;            /* in the header's channel list */
	bool has_disk;          /* a disk of the header sits on it */
	uint16_t cmd, ctl, bm;
	uint8_t sel;            /* DEV bit the guest wrote last */
	/* The command in flight, as the guest side sees it. */
	bool active, dma_started, dma_early;
	uint8_t op, drv;
	uint64_t data_off;      /* bytes through the data port since the command */
	uint8_t wsect[RP_SECTOR];
	uint32_t wfill;         /* PIO-out bytes of the sector being gathered */
	/* The last dma-start: where a dma-done finds the guest's buffers. */
	struct vmm_rec_prd *prd;
	uint32_t nprd, prd_cap;
	/* Profile: since the previous command ended on this channel. */
	bool ended;             /* its command ended during the current event */
	uint64_t inv, t_start, bytes, ev_start;
	uint64_t cyc_crypto, cyc_copy, cyc_device, cyc_total;
};

struct rp_lat {
	uint8_t op;
	uint64_t cyc;
};

struct rp_prof {
	uint64_t t_engine;      /* cycles executing events, the engine's clock */
	uint64_t t_ev;          /* the engine's clock when the current event began */
	uint64_t t_reader;
	struct rp_lat *lat;
	size_t nlat, cap;
	double ns_per_cyc;      /* calibrated at the start of the mediated run */
	/*
	 * The cycle counter runs on while another process has the CPU: the
	 * pass's thread CPU time over its cycles scales the engine's and the
	 * reader's shares to CPU time.
	 */
	uint64_t tsc0, cpu0;
	double cpu_share;
	FILE *perfetto;
	uint64_t payload;
};

struct rp_ctx {
	const struct replay_opts *o;
	struct replay_result *r;
	const char *path;
	char *dir;              /* the trace's folder: image paths are relative to it */
	/* From the header. */
	uint8_t prog_if;
	uint16_t bm_base;
	bool has_key;
	bool same_model;        /* recorded on hal/sim: no device-model difference is possible */
	uint8_t key[VMM_REC_KEY_SIZE];
	unsigned ndisks;
	struct rp_disk disk[VMM_REC_MAX_DISKS];
	/* From the scan: guest memory layout and sizes. */
	uint8_t used[RP_GRANULES / 8];
	uint64_t max_end, ram_size, vmm_base, vmm_size;
	uint32_t max_dma, bounce;
	uint64_t total_events;
	uint64_t file_size;
	/* Reads the oracle run found different from the recording: event and what it got. */
	struct rp_odiff { uint64_t ev, hash; } *odiff;
	size_t nodiff, odiff_cap;
	/* Non-zero sectors the guest wrote, as 64-bit hashes (open addressing). */
	uint64_t *wset;
	size_t wcap, wcount;
	/* The events decoded by the scan, for the two runs (replay_spill.c). */
	FILE *spill;
	uint64_t spill_size;
	struct vmm_rec_prd *spill_prd;
	uint8_t *spill_data;
	size_t spill_prd_cap, spill_data_cap;
	/* The pass under way. */
	enum rp_pass pass;
	struct replay_trace *t;     /* the scan's reader */
	struct rp_chan ch[VMM_REC_MAX_CHANNELS];
	uint64_t evno, line;    /* the event being executed and its line */
	uint64_t next_line;     /* the line of the event read last */
	bool failed;
	uint8_t *buf;           /* ins data and gathered DMA buffers */
	size_t buf_cap;
	struct vmm_rec_event *run;  /* a polling run, RP_MAX_RUN events and their lines */
	uint64_t *run_line;
	uint64_t progress_at;
	struct rp_prof prof;
};

/* Record a mismatch (status 1) or bad input (2) at the current event; returns -1. */
int rp_fail(struct rp_ctx *c, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/*
 * A read (other than user data) differs from the recording: the oracle
 * run remembers what it got; the mediated run fails unless the oracle
 * run got the very same (README "The two runs"). 0 or -1.
 */
int rp_differs(struct rp_ctx *c, const void *got, size_t n, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* Grow c->buf to n bytes; PP_ENOMEM. */
int rp_buf(struct rp_ctx *c, size_t n);
/* Progress line on the terminal, at most a few times a second. */
void rp_progress(struct rp_ctx *c, const char *what, bool done);

/* ---- Scan and layout (replay_scan.c) ---- */
/* Read the whole trace once: validity, memory it uses, sizes. 0 or -1 (c->r says why). */
int rp_scan(struct rp_ctx *c);

/* ---- The decoded events (replay_spill.c) ---- */
int rp_spill_open(struct rp_ctx *c);
void rp_spill_close(struct rp_ctx *c);
int rp_spill_put(struct rp_ctx *c, const struct vmm_rec_event *ev, uint64_t line);
int rp_spill_rewind(struct rp_ctx *c);
/* The next event and its line in the trace; its PRD list and payload valid until the next call. */
int rp_spill_get(struct rp_ctx *c, struct vmm_rec_event *ev, uint64_t *line);
unsigned rp_spill_percent(struct rp_ctx *c);

/* ---- Executing events (replay_exec.c, replay_poll.c) ---- */
/* Feed the decoded events to the machine. 0, or -1 at the first failure. */
int rp_exec_all(struct rp_ctx *c);
void rp_exec_reset(struct rp_ctx *c);
/* Which channel and register a port is: 'c' command block, 't' control, 'b' bus master, 0 none. */
char rp_port(const struct rp_ctx *c, uint16_t port, unsigned *ch, unsigned *off);
/* A polling run: consecutive status reads of one channel (README "Status polling"). */
int rp_exec_run(struct rp_ctx *c, const struct vmm_rec_event *run, const uint64_t *lines,
		unsigned n);
/* A status read without BSY or DRQ ended the channel's command (profile, data classes). */
void rp_cmd_end(struct rp_ctx *c, struct rp_chan *ch);

/* ---- The OpenSSL oracle (replay_oracle.c) ---- */
/* AES-256-XTS of nsect sectors from lba, tweak = LE64(lba): dm-crypt aes-xts-plain64. */
int rp_xts(bool enc, const uint8_t key[VMM_REC_KEY_SIZE], uint64_t lba, const uint8_t *in,
	   uint8_t *out, uint64_t nsect);
/* The initial plaintext of every disk (zero, pattern, image with its SHA-256). */
int rp_load_disks(struct rp_ctx *c, const struct vmm_rec_header *h);
/* Remember a sector the guest wrote (not all-zero ones: zero is everywhere). */
int rp_written(struct rp_ctx *c, const uint8_t *sector);
/* The final disks of the mediated run against the oracle; 0 or -1. */
int rp_check_disks(struct rp_ctx *c);

/* ---- The profiler (replay_prof.c, replay_json.c) ---- */
void rp_prof_start(struct rp_ctx *c);
void rp_prof_cmd(struct rp_ctx *c, struct rp_chan *ch, uint64_t cyc);
void rp_prof_finish(struct rp_ctx *c);
uint64_t rp_cyc_ns(const struct rp_ctx *c, uint64_t cyc);
int rp_perfetto_open(struct rp_ctx *c, const char *path);
void rp_perfetto_cmd(struct rp_ctx *c, const struct rp_chan *ch, unsigned idx, uint64_t cyc);
int rp_perfetto_close(struct rp_ctx *c);

#endif /* REPLAY_ENGINE_PRIV_H */
