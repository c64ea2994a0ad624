/*
 * replay_priv.h - inside the trace reader: the context, the YAML event
 * helpers (replay_yaml.c) and the field tables that turn one YAML mapping
 * into one C struct, shared by the header (replay_header.c) and the event
 * (replay_trace.c) parsers.
 */
#ifndef REPLAY_PRIV_H
#define REPLAY_PRIV_H

#include <stdbool.h>
#include <stdio.h>
#include <yaml.h>

#include "replay.h"

#define RT_MSG 512
#define RT_MAX_STRS 16   /* header strings: 5 provenance + 8 image paths, with room */

struct replay_trace {
	yaml_parser_t parser;
	bool parser_ready;
	FILE *file;
	const uint8_t *mem;      /* input held in memory, or NULL for file */
	uint64_t size;           /* input bytes */
	uint64_t tail;           /* where an unfinished last line starts (size if none) */
	char *name;              /* for messages */
	yaml_event_t ev;         /* the current YAML event, owned */
	bool have_ev;
	int err;                 /* sticky: once bad, always bad */
	char msg[RT_MSG];
	struct vmm_rec_header hdr;
	char *strs[RT_MAX_STRS]; /* header strings, freed at close */
	unsigned nstrs;
	/* Overlay extents of each disk and their sectors, kept until close. */
	struct vmm_rec_extent *ext[VMM_REC_MAX_DISKS];
	uint8_t *ext_data[VMM_REC_MAX_DISKS];
	uint64_t ext_bytes;      /* in the whole header: at most VMM_REC_MAX_DATA */
	uint8_t *data;           /* payload of the current event, reused */
	size_t data_cap;
	struct vmm_rec_prd *prd; /* PRD entries of the current event, reused */
	size_t prd_cap;
	uint64_t events;         /* events returned, the end record excluded */
	bool ended;
	uint64_t end_total;
	uint64_t line;           /* 1-based line of the last event */
};

/* ---- Positions in the input (replay_input.c) ---- */
/* Find where the input's text ends: problems from there on mean truncation. */
void rt_input_tail(struct replay_trace *t);
/* Whether a problem at m (libyaml counts characters) lies at or past t->tail (bytes). */
bool rt_at_cut(struct replay_trace *t, const yaml_mark_t *m);
/* The line and column of a byte offset (libyaml's reader errors give only that). */
yaml_mark_t rt_byte_mark(struct replay_trace *t, size_t off);

/* ---- YAML events (replay_yaml.c) ---- */
/* Replace t->ev with the parser's next event. PP_EINVAL with the parser's message. */
int rt_pull(struct replay_trace *t);
/* Record "name:line:col: <fmt>" as the error; returns PP_EINVAL. */
int rt_fail(struct replay_trace *t, const yaml_mark_t *m, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Fail at the current event: "expected <what>, got <the event>". */
int rt_expected(struct replay_trace *t, const char *what);
/* Pull and require an event of type; otherwise rt_expected(what). */
int rt_expect(struct replay_trace *t, yaml_event_type_t type, const char *what);
/* Skip the node whose first event is current (x- extension keys). */
int rt_skip(struct replay_trace *t);
/* The current event is a scalar holding an unsigned integer (decimal or 0x hex) <= max. */
int rt_uint(struct replay_trace *t, uint64_t max, uint64_t *out);

/* ---- Field tables: one YAML mapping into one C struct ---- */
enum rt_type {
	RT_UINT,    /* unsigned integer of size bytes, <= max */
	RT_BOOL,    /* true / false */
	RT_WORD,    /* one of words[0 .. max], stored as its index in a uint8_t */
	RT_STR,     /* a string of at most VMM_REC_MAX_STR bytes, stored as const char * */
	RT_HEX,     /* exactly size bytes as 2 * size hex digits, into a byte array */
	RT_BIN,     /* !!binary payload: const uint8_t * at off, size_t at off2 */
	RT_PRD,     /* PRD list: const struct vmm_rec_prd * at off, uint32_t at off2 */
	RT_CALL,    /* anything else: call(t, obj) with the value's first event current */
};

struct rt_field {
	const char *key;
	uint8_t type;            /* enum rt_type */
	uint8_t size;            /* RT_UINT: 1, 2, 4, 8; RT_HEX: bytes */
	bool required;
	bool secret;             /* never quote the value in a message (keys, payloads) */
	uint16_t off, off2;
	uint64_t max;
	const char *const *words; /* RT_WORD */
	int (*call)(struct replay_trace *t, void *obj); /* RT_CALL */
};

/*
 * The current event starts a mapping (checked here, against what): read
 * its keys into obj by the table, which has at most 32 entries. Unknown
 * keys fail unless they start with "x-" (extensions, skipped); so do
 * repeated keys and missing required ones. *seen gets a bit per field
 * found; *start the mapping's position.
 */
int rt_map(struct replay_trace *t, const struct rt_field *f, unsigned nf, void *obj,
	   const char *what, uint32_t *seen, yaml_mark_t *start);

/* ---- base64 (replay_b64.c) ---- */
/*
 * Decode n characters of base64 (RFC 4648 section 4; whitespace skipped,
 * '=' padding only at the end) into out, which holds n / 4 * 3 bytes.
 * Returns 0 with *outlen set, or -1 with *bad the offset of the offending
 * character (n when the text ends in the middle of a group).
 */
int rt_b64_decode(const char *s, size_t n, uint8_t *out, size_t *outlen, size_t *bad);

/* ---- Header (replay_header.c) ---- */
/* Everything before the first event: document start up to "events: [" included. */
int rt_header(struct replay_trace *t);

#endif /* REPLAY_PRIV_H */
