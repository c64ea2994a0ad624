/*
 * replay.h - traces from the host side: the streaming reader of the trace
 * format (replay/FORMAT.md) and the initial disk content a trace names.
 * The data model (header, events) and the one encoder live in
 * vmm/vmm_record.h, shared with the hypervisor's recorder.
 *
 * Hosted (libc, libyaml). No global state: everything is in a context; no
 * exit(); bad input is an error code plus a message naming the file, line,
 * column and what was expected.
 */
#ifndef REPLAY_H
#define REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "vmm/vmm_record.h"

/* ---- The reader (replay_trace.c) ---- */
struct replay_trace;

/*
 * Open a trace and read its header. Returns 0 or a negative PP_E* code:
 * PP_EINVAL bad input, PP_EIO the file cannot be read, PP_ENOMEM. Unless
 * PP_ENOMEM, *out is set even on failure so that replay_trace_error()
 * says why; replay_trace_close() it in every case.
 */
int replay_trace_open(const char *path, struct replay_trace **out);
/* The same from memory (tests, the fuzzer); name is used in messages. */
int replay_trace_open_mem(const void *buf, size_t len, const char *name,
			  struct replay_trace **out);
void replay_trace_close(struct replay_trace *t);

/* The header; its strings live as long as the reader. */
const struct vmm_rec_header *replay_trace_header(const struct replay_trace *t);

/*
 * The next event, in trace order. Its prd and data point into the
 * reader's buffers, valid until the next call. The last event is
 * VMM_REC_END; it is only returned once the rest of the file has been
 * checked, and every later call returns it again. PP_EINVAL for bad input
 * (a truncated trace included), PP_EIO, PP_ENOMEM; after an error every
 * call fails the same way.
 */
int replay_trace_next(struct replay_trace *t, struct vmm_rec_event *ev);

/* "file:line:col: what was expected, got what" for the last error; "" if none. */
const char *replay_trace_error(const struct replay_trace *t);
/*
 * Where the reader is, for progress indicators: the 1-based line of the
 * last event read, and the characters consumed (libyaml counts characters;
 * in a trace's ASCII body they are bytes).
 */
uint64_t replay_trace_line(const struct replay_trace *t);
uint64_t replay_trace_offset(const struct replay_trace *t);

/* ---- Initial disk content (replay_content.c) ---- */
/*
 * The "pattern" content: the disk's bytes are the output stream of
 * splitmix64 seeded with seed, each 64-bit output stored little-endian, so
 * byte offset 8k .. 8k+7 holds output k (0-based):
 *   z = seed + (k + 1) * 0x9E3779B97F4A7C15
 *   z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9
 *   z = (z ^ (z >> 27)) * 0x94D049BB133111EB
 *   output = z ^ (z >> 31)
 * Fill buf with nsectors sectors of it starting at lba.
 */
void replay_pattern_fill(uint64_t seed, uint64_t lba, void *buf, size_t nsectors);

/* ---- The replay engine (replay_run.c; design and matching rules in replay/README.md) ---- */
enum replay_status {
	REPLAY_PASS = 0,      /* every check held */
	REPLAY_MISMATCH = 1,  /* the first difference is in msg, event and line */
	REPLAY_BADINPUT = 2,  /* the trace (or an image it names) cannot be replayed: msg says why */
};

struct replay_opts {
	FILE *progress;       /* a progress line for long traces (a terminal), or NULL */
	FILE *console;        /* the mediator's log; NULL = stderr */
	const char *trace_out;/* Chrome trace-event (Perfetto) JSON of the mediated run, or NULL */
	const char *save_disk;/* the first disk's final medium after the mediated run, or NULL */
	uint32_t busy_polls;  /* status reads the simulated drives stay busy; 0 = ready at once */
	uint32_t max_polls;   /* bound on the polls added to meet a recorded status; 0 = 100000 */
	/*
	 * TESTS ONLY: give the mediator test_policy (enum vmm_rec_policy) for
	 * every disk while the oracle keeps the trace's policies: a mediator
	 * that stops encrypting, which the checks must catch.
	 */
	bool test_override;
	uint8_t test_policy;
};

#define REPLAY_MSG 1024

/* One ATA opcode in the profile: count, bytes moved, latency percentiles in ns. */
struct replay_op_stat {
	uint64_t count, bytes, invocations;
	uint64_t p50, p90, p99, max;
};

struct replay_result {
	int status;                 /* enum replay_status */
	char msg[REPLAY_MSG];       /* what differed, or why the input is bad; "" on a pass */
	uint64_t event, line;       /* the first differing event (1-based) and its line; 0 if none */
	/* What the mediated run did. */
	uint64_t events, commands, payload;   /* payload: PIO data and DMA bytes, both ways */
	uint64_t pio_sectors, pio_invocations, dma_commands, dma_invocations, dma_bytes;
	uint64_t written_sectors;   /* non-zero sectors the guest wrote: not one may be on an encrypted disk */
	uint64_t checked_sectors;   /* disk sectors compared with the oracle */
	/* How statuses were matched by meaning (README "Status polling"). */
	uint64_t polls_added, transitional, dma_held, floating, identity;
	/*
	 * Reads that differ from the recording exactly as they do without the
	 * mediator: hal/sim's device model, not the mediator (README "The
	 * two runs"); the first one described.
	 */
	uint64_t model;
	char model_first[256];
	/* Profile of the mediated run; times in ns. */
	uint64_t engine_ns;         /* executing the events: guest side, mediator, device model */
	uint64_t reader_ns;         /* reading the trace during the mediated run */
	uint64_t total_ns;          /* the whole replay: scan, oracle run, mediated run, checks */
	uint64_t med_invocations, med_ns, decode_ns, copy_ns, crypto_ns, device_ns;
	uint64_t cmd_p50, cmd_p90, cmd_p99, cmd_max;
	struct replay_op_stat op[256];
};

/*
 * Replay one trace (FORMAT.md): build the hal/sim machine its header
 * describes, run it once without the mediator on a plaintext disk (the
 * oracle's expected plaintext), once through vmm/ and ata/ on a disk
 * encrypted by OpenSSL, checking every read against the trace, then check
 * the final disks against OpenSSL-XTS(expected plaintext) and for any
 * plaintext sector the guest wrote. Returns r->status; r is filled in.
 */
int replay_run(const char *path, const struct replay_opts *o, struct replay_result *r);

/* The outcome and, with profile, the profile as text; one JSON object (no newline). */
void replay_report_text(FILE *f, const char *path, const struct replay_result *r, bool profile);
void replay_report_json(FILE *f, const char *path, const struct replay_result *r);

/* ---- The QEMU importer (replay_import.c; replay/README.md "Importing QEMU logs") ---- */
struct replay_import_opts {
	const char *log;       /* QEMU's -trace 'ide_*' -trace 'bmdma_*' log (log backend) */
	const char *image;     /* the disk image as the guest found it: ata0-master */
	const char *writes;    /* the run's blklogwrites log, or NULL (then no DMA writes) */
	const char *out;       /* the trace to write; NULL = stdout */
	uint16_t bm_base;      /* the bus-master BAR the guest used; 0 = 0xC040 (QEMU + SeaBIOS) */
	uint8_t policy;        /* the disk's enum vmm_rec_policy */
	bool overlay;          /* content zero + the sectors the trace reads: no image needed */
	uint64_t max_commands; /* cut before the command that follows this many; 0 = all */
	const char *guest, *driver, *source, *date;  /* provenance, or NULL */
	const uint8_t *key;    /* a 64-byte test key; NULL = the importer's default test key */
};

/*
 * Turn a QEMU trace log into a trace. 0, or PP_EINVAL for bad input
 * ("log:line: what was expected") and PP_EIO / PP_ENOMEM, with err set.
 */
int replay_import_qemu(const struct replay_import_opts *o, char *err, size_t errlen);

/* ---- Synthetic traces (replay_synth.c) ---- */
/*
 * Scenario i's name and, where the pointers are not NULL, what it
 * exercises and whether it is a benchmark's (not in the corpus); NULL
 * past the last.
 */
const char *replay_synth_name(unsigned i, const char **what, bool *bench);
/*
 * Record scenario name into path: hal/sim's driver runs it while parapass
 * mediates and records (vmm_record). 0, or a PP_E* code with err set.
 */
int replay_synth(const char *name, const char *path, char *err, size_t errlen);

#endif /* REPLAY_H */
