/*
 * replay_trace.c - the streaming trace reader: open, the header
 * (replay_header.c), then one event per call, checked against the same
 * rules the encoder writes by (vmm_rec_event_invalid). Memory stays flat
 * whatever the trace's size: one YAML event at a time from libyaml, one
 * payload buffer and one PRD buffer reused from event to event.
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "replay_priv.h"

#define EV(m) offsetof(struct vmm_rec_event, m)
#define PORT_KIND(k, n) [k] = { .key = n, .type = RT_UINT, .size = 2, .max = 0xFFFF, .off = EV(port) }
#define CHAN_KIND(k, n) [k] = { .key = n, .type = RT_UINT, .size = 1, .max = 3, .off = EV(channel) }

/* Field indexes: the kind keys first, so that a kind's bit is 1 << kind. */
enum {
	F_WIDTH = VMM_REC_KINDS, F_VALUE, F_COUNT, F_DATA, F_PRDT, F_WRITE, F_BYTES, F_SYNTH,
	F_PRD, F_STATUS, F_LEVEL, F_COUNT_ALL
};
#define B(f) (1u << (f))
#define KIND_BITS (B(VMM_REC_KINDS) - 1)

static const struct rt_field ev_fields[F_COUNT_ALL] = {
	PORT_KIND(VMM_REC_IN, "in"),
	PORT_KIND(VMM_REC_OUT, "out"),
	PORT_KIND(VMM_REC_INS, "ins"),
	PORT_KIND(VMM_REC_OUTS, "outs"),
	CHAN_KIND(VMM_REC_DMA_START, "dma-start"),
	CHAN_KIND(VMM_REC_DMA_DONE, "dma-done"),
	[VMM_REC_IRQ] = { .key = "irq", .type = RT_UINT, .size = 1, .max = 15, .off = EV(irq) },
	[VMM_REC_END] = { .key = "end", .type = RT_UINT, .size = 8, .max = UINT64_MAX,
			  .off = EV(total) },
	[F_WIDTH] = { .key = "width", .type = RT_UINT, .size = 1, .max = 4, .off = EV(width) },
	[F_VALUE] = { .key = "value", .type = RT_UINT, .size = 4, .max = UINT32_MAX, .off = EV(value) },
	[F_COUNT] = { .key = "count", .type = RT_UINT, .size = 4, .max = VMM_REC_MAX_DATA,
		      .off = EV(count) },
	[F_DATA] = { .key = "data", .type = RT_BIN, .secret = true, .off = EV(data), .off2 = EV(len) },
	[F_PRDT] = { .key = "prdt", .type = RT_UINT, .size = 4, .max = UINT32_MAX, .off = EV(prdt) },
	[F_WRITE] = { .key = "write", .type = RT_BOOL, .off = EV(write) },
	[F_BYTES] = { .key = "bytes", .type = RT_UINT, .size = 4, .max = VMM_REC_MAX_DATA,
		      .off = EV(bytes) },
	[F_SYNTH] = { .key = "synthesized", .type = RT_BOOL, .off = EV(synthesized) },
	[F_PRD] = { .key = "prd", .type = RT_PRD, .off = EV(prd), .off2 = EV(nprd) },
	[F_STATUS] = { .key = "status", .type = RT_UINT, .size = 1, .max = 0xFF, .off = EV(status) },
	[F_LEVEL] = { .key = "level", .type = RT_UINT, .size = 1, .max = 1, .off = EV(level) },
};

/* Per kind: the keys it must have and the keys it may have besides. */
static const struct {
	uint32_t need, may;
} ev_keys[VMM_REC_KINDS] = {
	[VMM_REC_IN] = { .need = B(F_WIDTH) | B(F_VALUE) },
	[VMM_REC_OUT] = { .need = B(F_WIDTH) | B(F_VALUE) },
	[VMM_REC_INS] = { .need = B(F_WIDTH) | B(F_COUNT) | B(F_DATA) },
	[VMM_REC_OUTS] = { .need = B(F_WIDTH) | B(F_COUNT) | B(F_DATA) },
	[VMM_REC_DMA_START] = { .need = B(F_PRDT) | B(F_WRITE) | B(F_BYTES) | B(F_PRD),
				.may = B(F_DATA) | B(F_SYNTH) },
	[VMM_REC_DMA_DONE] = { .need = B(F_WRITE) | B(F_STATUS) | B(F_BYTES), .may = B(F_DATA) },
	[VMM_REC_IRQ] = { .need = B(F_LEVEL) },
	[VMM_REC_END] = { 0 },
};

/* ---- Opening and closing ---- */

static int rt_new(const char *name, struct replay_trace **out)
{
	struct replay_trace *t = calloc(1, sizeof(*t));

	*out = NULL;
	if (!t)
		return PP_ENOMEM;
	t->name = strdup(name ? name : "trace");
	if (!t->name || !yaml_parser_initialize(&t->parser)) {
		free(t->name);
		free(t);
		return PP_ENOMEM;
	}
	t->parser_ready = true;
	/* Traces are UTF-8 (FORMAT.md): no guessing from a byte order mark. */
	yaml_parser_set_encoding(&t->parser, YAML_UTF8_ENCODING);
	*out = t;
	return PP_OK;
}

int replay_trace_open(const char *path, struct replay_trace **out)
{
	struct replay_trace *t;
	struct stat st;
	int rc = rt_new(path, out);

	if (rc)
		return rc;
	t = *out;
	t->file = fopen(path, "rb");
	if (!t->file) {
		snprintf(t->msg, sizeof(t->msg), "%s: %s", path, strerror(errno));
		return t->err = PP_EIO;
	}
	/* A pipe has no size: then only the parser can tell a truncation. */
	t->size = fstat(fileno(t->file), &st) || !S_ISREG(st.st_mode) ? UINT64_MAX :
									 (uint64_t)st.st_size;
	rt_input_tail(t);
	yaml_parser_set_input_file(&t->parser, t->file);
	return rt_header(t);
}

int replay_trace_open_mem(const void *buf, size_t len, const char *name,
			  struct replay_trace **out)
{
	int rc = rt_new(name, out);

	if (rc)
		return rc;
	(*out)->mem = buf;
	(*out)->size = len;
	rt_input_tail(*out);
	yaml_parser_set_input_string(&(*out)->parser, buf, len);
	return rt_header(*out);
}

void replay_trace_close(struct replay_trace *t)
{
	if (!t)
		return;
	if (t->have_ev)
		yaml_event_delete(&t->ev);
	if (t->parser_ready)
		yaml_parser_delete(&t->parser);
	if (t->file)
		fclose(t->file);
	for (unsigned i = 0; i < t->nstrs; i++)
		free(t->strs[i]);
	/* A test key is still a key: leave none behind in freed memory. */
	explicit_bzero(t->hdr.key, sizeof(t->hdr.key));
	for (unsigned i = 0; i < VMM_REC_MAX_DISKS; i++) {
		free(t->ext[i]);
		free(t->ext_data[i]);
	}
	free(t->data);
	free(t->prd);
	free(t->name);
	free(t);
}

const struct vmm_rec_header *replay_trace_header(const struct replay_trace *t)
{
	return &t->hdr;
}

const char *replay_trace_error(const struct replay_trace *t)
{
	return t ? t->msg : "out of memory";
}

uint64_t replay_trace_line(const struct replay_trace *t)
{
	return t->line;
}

uint64_t replay_trace_offset(const struct replay_trace *t)
{
	return t->have_ev ? t->ev.end_mark.index : 0;
}

/* ---- Events ---- */

/* The payload an event must carry, or SIZE_MAX if it carries none. */
static size_t ev_payload(const struct vmm_rec_event *ev, const char **what)
{
	switch (ev->kind) {
	case VMM_REC_INS:
	case VMM_REC_OUTS:
		*what = "count * width";
		return (size_t)ev->count * ev->width;
	case VMM_REC_DMA_START:
	case VMM_REC_DMA_DONE:
		*what = "bytes";
		return (ev->kind == VMM_REC_DMA_START) == ev->write ? ev->bytes : SIZE_MAX;
	default:
		return SIZE_MAX;
	}
}

static int ev_check(struct replay_trace *t, struct vmm_rec_event *ev, uint32_t seen,
		    const yaml_mark_t *at)
{
	uint32_t kinds = seen & KIND_BITS, bad;
	const char *name, *what = "", *why;
	size_t want;

	if (!kinds)
		return rt_fail(t, at, "expected an event kind key (in, out, ins, outs, dma-start, "
				      "dma-done, irq, end) in this mapping");
	if (kinds & (kinds - 1))
		return rt_fail(t, at, "expected one event kind key in this mapping, got several");
	ev->kind = (uint8_t)__builtin_ctz(kinds);
	name = ev_fields[ev->kind].key;
	if ((bad = ev_keys[ev->kind].need & ~seen))
		return rt_fail(t, at, "expected a mapping key '%s' in this '%s' event",
			       ev_fields[__builtin_ctz(bad)].key, name);
	if ((bad = seen & ~(ev_keys[ev->kind].need | ev_keys[ev->kind].may | kinds)))
		return rt_fail(t, at, "key '%s' does not belong in this '%s' event",
			       ev_fields[__builtin_ctz(bad)].key, name);
	want = ev_payload(ev, &what);
	if (want != SIZE_MAX && want != ev->len)
		return rt_fail(t, at, "payload length %zu does not match %s = %zu in this '%s' event",
			       ev->len, what, want, name);
	if ((why = vmm_rec_event_invalid(ev)))
		return rt_fail(t, at, "bad '%s' event: %s", name, why);
	return PP_OK;
}

/* After the end record: nothing but the ends of the events, the trace, the file. */
static int ev_finish(struct replay_trace *t, const struct vmm_rec_event *ev,
		     const yaml_mark_t *at)
{
	int rc;

	if (ev->total != t->events)
		return rt_fail(t, at, "the end record counts %llu events, the trace holds %llu",
			       (unsigned long long)ev->total, (unsigned long long)t->events);
	if ((rc = rt_expect(t, YAML_SEQUENCE_END_EVENT, "nothing after the end record")) ||
	    (rc = rt_expect(t, YAML_MAPPING_END_EVENT, "the end of the trace ('events' is its last key)")) ||
	    (rc = rt_expect(t, YAML_DOCUMENT_END_EVENT, "the end of the file")) ||
	    (rc = rt_expect(t, YAML_STREAM_END_EVENT, "the end of the file")))
		return rc;
	t->ended = true;
	t->end_total = ev->total;
	return PP_OK;
}

int replay_trace_next(struct replay_trace *t, struct vmm_rec_event *ev)
{
	yaml_mark_t start;
	uint32_t seen;
	int rc;

	memset(ev, 0, sizeof(*ev));
	if (t->err)
		return t->err;
	if (t->ended) {
		ev->kind = VMM_REC_END;
		ev->total = t->end_total;
		return PP_OK;
	}
	if ((rc = rt_pull(t)))
		return rc;
	if (t->ev.type == YAML_SEQUENCE_END_EVENT)
		return rt_fail(t, &t->ev.start_mark, "expected an event or the end record {end: %llu}, "
			       "got the end of the events: the trace is truncated",
			       (unsigned long long)t->events);
	rc = rt_map(t, ev_fields, F_COUNT_ALL, ev, "an event", &seen, &start);
	if (!rc)
		rc = ev_check(t, ev, seen, &start);
	if (!rc && ev->kind == VMM_REC_END)
		rc = ev_finish(t, ev, &start);
	if (rc) {
		memset(ev, 0, sizeof(*ev));
		return rc;
	}
	t->line = start.line + 1;
	if (ev->kind != VMM_REC_END)
		t->events++;
	return PP_OK;
}
