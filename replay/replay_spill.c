/*
 * replay_spill.c - a trace is parsed once. The scan, which reads the
 * YAML with the streaming reader anyway, writes every event decoded to an
 * unlinked temporary file; the oracle run and the mediated run read them
 * back from there, so YAML parsing (libyaml's scanner and base64: about
 * 100 MB/s) is paid once, not three times. Memory stays flat: one record
 * at a time, the payload and PRD buffers reused; the file holds about the
 * payload's size.
 */
#include <stdlib.h>
#include <string.h>

#include "replay_engine_priv.h"

#define SP_WRITE 0x01
#define SP_SYNTH 0x02
#define SP_LEVEL 0x04

/* One event's fixed part; its PRD entries and payload follow. */
struct rp_spill_rec {
	uint64_t line, total;
	uint32_t value, count, prdt, nprd, bytes, len;
	uint16_t port;
	uint8_t kind, width, channel, status, irq, flags;
};

int rp_spill_open(struct rp_ctx *c)
{
	c->spill = tmpfile();
	if (!c->spill)
		return rp_fail(c, REPLAY_BADINPUT, "no temporary file for the decoded events");
	/* Large sequential records: fewer system calls. */
	setvbuf(c->spill, NULL, _IOFBF, 1u << 20);
	return PP_OK;
}

void rp_spill_close(struct rp_ctx *c)
{
	if (c->spill)
		fclose(c->spill);
	c->spill = NULL;
	free(c->spill_prd);
	free(c->spill_data);
	c->spill_prd = NULL;
	c->spill_data = NULL;
}

int rp_spill_put(struct rp_ctx *c, const struct vmm_rec_event *ev, uint64_t line)
{
	struct rp_spill_rec r = {
		.line = line, .total = ev->total, .value = ev->value, .count = ev->count,
		.prdt = ev->prdt, .nprd = ev->nprd, .bytes = ev->bytes, .len = (uint32_t)ev->len,
		.port = ev->port, .kind = ev->kind, .width = ev->width, .channel = ev->channel,
		.status = ev->status, .irq = ev->irq,
		.flags = (uint8_t)((ev->write ? SP_WRITE : 0) | (ev->synthesized ? SP_SYNTH : 0) |
				   (ev->level ? SP_LEVEL : 0)),
	};
	bool ok = fwrite(&r, sizeof(r), 1, c->spill) == 1;

	if (ok && r.nprd)
		ok = fwrite(ev->prd, sizeof(*ev->prd), r.nprd, c->spill) == r.nprd;
	if (ok && r.len)
		ok = fwrite(ev->data, 1, r.len, c->spill) == r.len;
	return ok ? PP_OK : rp_fail(c, REPLAY_BADINPUT, "cannot write the decoded events: disk full?");
}

int rp_spill_rewind(struct rp_ctx *c)
{
	if (fflush(c->spill) || fseeko(c->spill, 0, SEEK_SET))
		return rp_fail(c, REPLAY_BADINPUT, "cannot read the decoded events back");
	return PP_OK;
}

/* Room for n bytes at *buf. */
static int rp_spill_room(void **buf, size_t *cap, size_t n)
{
	void *p;

	if (n <= *cap)
		return PP_OK;
	p = realloc(*buf, n);
	if (!p)
		return PP_ENOMEM;
	*buf = p;
	*cap = n;
	return PP_OK;
}

int rp_spill_get(struct rp_ctx *c, struct vmm_rec_event *ev, uint64_t *line)
{
	struct rp_spill_rec r;
	size_t prd = 0;

	if (fread(&r, sizeof(r), 1, c->spill) != 1 || r.len > VMM_REC_MAX_DATA ||
	    r.nprd > VMM_REC_MAX_PRD)
		return rp_fail(c, REPLAY_BADINPUT, "cannot read the decoded events back");
	prd = (size_t)r.nprd * sizeof(*ev->prd);
	if (rp_spill_room((void **)&c->spill_prd, &c->spill_prd_cap, prd) ||
	    rp_spill_room((void **)&c->spill_data, &c->spill_data_cap, r.len))
		return rp_fail(c, REPLAY_BADINPUT, "out of memory");
	if ((prd && fread(c->spill_prd, 1, prd, c->spill) != prd) ||
	    (r.len && fread(c->spill_data, 1, r.len, c->spill) != r.len))
		return rp_fail(c, REPLAY_BADINPUT, "cannot read the decoded events back");
	*ev = (struct vmm_rec_event){
		.kind = r.kind, .width = r.width, .port = r.port, .value = r.value, .count = r.count,
		.channel = r.channel, .write = r.flags & SP_WRITE, .synthesized = r.flags & SP_SYNTH,
		.status = r.status, .prdt = r.prdt, .nprd = r.nprd, .prd = r.nprd ? c->spill_prd : NULL,
		.bytes = r.bytes, .irq = r.irq, .level = r.flags & SP_LEVEL, .total = r.total,
		.data = r.len ? c->spill_data : NULL, .len = r.len,
	};
	*line = r.line;
	return PP_OK;
}

/* How far the current pass has come, in percent. */
unsigned rp_spill_percent(struct rp_ctx *c)
{
	off_t at = c->spill ? ftello(c->spill) : 0;

	return c->spill_size ? (unsigned)((uint64_t)at * 100 / c->spill_size) : 0;
}
