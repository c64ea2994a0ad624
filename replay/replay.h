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

#include <stddef.h>
#include <stdint.h>

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

#endif /* REPLAY_H */
