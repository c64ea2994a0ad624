/*
 * fuzz_trace.c - libFuzzer target for the trace reader (make check-fuzz).
 *
 * Whatever the input, the reader must not crash, leak or read out of
 * bounds (ASan, UBSan), must fail with a positioned message, and what it
 * accepts must obey the format's rules and survive a round trip: the
 * accepted header and every accepted event are re-encoded with the one
 * encoder, and the re-encoded trace must read back to the same disks and
 * events (compared by a running hash).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "replay/replay.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct fz_buf {
	char *p;
	size_t len, cap;
};

static void fz_sink(void *ctx, const void *buf, size_t len)
{
	struct fz_buf *b = ctx;

	if (b->len + len > b->cap) {
		b->cap = (b->len + len) * 2;
		b->p = realloc(b->p, b->cap);
		if (!b->p)
			abort();
	}
	memcpy(b->p + b->len, buf, len);
	b->len += len;
}

static uint64_t fz_mix(uint64_t h, const void *p, size_t n)
{
	const uint8_t *s = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ s[i]) * 0x100000001B3ull; /* FNV-1a */
	return h;
}

/* Every field of an event, payload and PRD list included. */
static uint64_t fz_hash(uint64_t h, const struct vmm_rec_event *ev)
{
	const uint64_t f[] = { ev->kind, ev->width, ev->port, ev->value, ev->count, ev->channel,
			       ev->write, ev->synthesized, ev->status, ev->prdt, ev->nprd,
			       ev->bytes, ev->irq, ev->level, ev->total, ev->len };

	h = fz_mix(h, f, sizeof(f));
	if (ev->nprd)
		h = fz_mix(h, ev->prd, ev->nprd * sizeof(*ev->prd));
	return ev->len ? fz_mix(h, ev->data, ev->len) : h;
}

/* The header's disks, the multiple count and overlay extents included. */
static uint64_t fz_hash_disks(uint64_t h, const struct vmm_rec_header *hd)
{
	for (unsigned i = 0; i < hd->ndisks; i++) {
		const struct vmm_rec_disk *d = &hd->disk[i];
		const uint64_t f[] = { d->channel, d->drive, d->policy, d->content, d->cyls, d->heads,
				       d->spt, d->multiple, d->sectors, d->seed, d->nextents };

		h = fz_mix(h, f, sizeof(f));
		for (uint32_t k = 0; k < d->nextents; k++) {
			const uint64_t x[] = { d->extents[k].lba, d->extents[k].nsect };

			h = fz_mix(h, x, sizeof(x));
			h = fz_mix(h, d->extents[k].data, (size_t)d->extents[k].nsect * 512);
		}
	}
	return h;
}

/* Read a trace to its end; the hash of its disks and events, or 0 if it is refused. */
static uint64_t fz_read(const void *data, size_t size, struct vmm_rec_enc *reenc,
			struct fz_buf *out)
{
	struct replay_trace *t;
	struct vmm_rec_event ev;
	uint64_t h = 0xCBF29CE484222325ull;
	int rc = replay_trace_open_mem(data, size, "fuzz.yaml", &t);

	if (!t)
		return 0;
	if (!rc && vmm_rec_header_invalid(replay_trace_header(t)))
		abort(); /* accepted a header the encoder would refuse */
	if (!rc)
		h = fz_hash_disks(h, replay_trace_header(t));
	if (!rc && reenc) {
		vmm_rec_enc_init(reenc, fz_sink, out);
		if (vmm_rec_enc_header(reenc, replay_trace_header(t)))
			abort();
	}
	while (!rc && !(rc = replay_trace_next(t, &ev)) && ev.kind != VMM_REC_END) {
		if (vmm_rec_event_invalid(&ev))
			abort();
		h = fz_hash(h, &ev);
		if (reenc && vmm_rec_enc_event(reenc, &ev))
			abort();
	}
	if (rc && rc != PP_ENOMEM && strncmp(replay_trace_error(t), "fuzz.yaml:", 10))
		abort(); /* an error without a position */
	if (!rc && reenc && vmm_rec_enc_end(reenc))
		abort();
	replay_trace_close(t);
	return rc ? 0 : fz_hash(h, &ev);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vmm_rec_enc reenc;
	struct fz_buf out = { 0 };
	uint64_t h = fz_read(data, size, &reenc, &out);

	if (h && fz_read(out.p, out.len, NULL, NULL) != h)
		abort(); /* the encoder's text reads back differently */
	free(out.p);
	return 0;
}
