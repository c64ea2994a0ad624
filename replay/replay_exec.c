/*
 * replay_exec.c - feeding a trace's events through the guest side of
 * hal/sim: port writes and string writes with their values and payloads,
 * reads compared with what the trace says the guest got, DMA buffers laid
 * out in guest RAM at dma-start and checked at dma-done (FORMAT.md
 * "Order"). Status reads go in polling runs to replay_poll.c. The oracle
 * run (no mediator) checks only the user data the guest read; the
 * mediated run checks everything (replay/README.md "What is compared").
 */
#include <stdlib.h>
#include <string.h>

#include "ata/ata.h"
#include "hal/sim/sim.h"
#include "replay_engine_priv.h"

#define RP_POISON 0xDB   /* read buffers before the transfer: what no replay should see */

static uint32_t rp_first_diff(const uint8_t *a, const uint8_t *b, uint32_t n)
{
	uint32_t i = 0;

	while (i < n && a[i] == b[i])
		i++;
	return i;
}

char rp_port(const struct rp_ctx *c, uint16_t port, unsigned *ch, unsigned *off)
{
	for (unsigned i = 0; i < VMM_REC_MAX_CHANNELS; i++) {
		const struct rp_chan *k = &c->ch[i];

		*ch = i;
		if (!k->listed)
			continue;
		if (port >= k->cmd && port < k->cmd + 8) {
			*off = port - k->cmd;
			return 'c';
		}
		if (port == k->ctl) {
			*off = 0;
			return 't';
		}
		if (k->bm && port >= k->bm && port < k->bm + 8) {
			*off = port - k->bm;
			return 'b';
		}
	}
	return 0;
}

void rp_exec_reset(struct rp_ctx *c)
{
	for (unsigned i = 0; i < VMM_REC_MAX_CHANNELS; i++) {
		struct rp_chan *k = &c->ch[i];

		k->sel = 0;
		k->active = k->dma_started = k->dma_early = k->ended = false;
		k->op = k->drv = 0;
		k->data_off = k->wfill = 0;
		k->nprd = 0;
		k->inv = k->bytes = 0;
	}
	c->evno = c->line = 0;
}

static const struct rp_disk *rp_disk_of(const struct rp_ctx *c, unsigned ch, unsigned drv)
{
	for (unsigned i = 0; i < c->ndisks; i++)
		if (c->disk[i].ch == ch && c->disk[i].drv == drv)
			return &c->disk[i];
	return NULL;
}

/* ---- Commands, as the guest side sees them ---- */

static void rp_cmd_begin(struct rp_ctx *c, struct rp_chan *ch, uint8_t op)
{
	if (ch->active)
		rp_cmd_end(c, ch); /* superseded: a new command ends the old one */
	ch->active = true;
	ch->op = op;
	ch->drv = ch->sel;
	ch->data_off = 0;
	ch->wfill = 0;
	ch->dma_started = ch->dma_early;
	ch->dma_early = false;
	ch->t_start = c->prof.t_ev;
	ch->ev_start = c->evno;
	ch->bytes = 0;
	ch->cyc_total = ata_stats.cyc_total;
	ch->cyc_crypto = ata_stats.cyc_crypto;
	ch->cyc_copy = ata_stats.cyc_copy;
	ch->cyc_device = ata_stats.cyc_device;
}

void rp_cmd_end(struct rp_ctx *c, struct rp_chan *ch)
{
	(void)c;
	if (!ch->active)
		return;
	ch->active = false;
	ch->ended = true;
}

/* ---- Data through the data port ---- */

/* The data the command reads is user sectors, checked even without the mediator. */
static bool rp_user_in(const struct rp_ctx *c, const struct rp_chan *ch)
{
	struct rp_cmd_class cl = rp_cmd_class(ch->op);
	const struct rp_disk *d = rp_disk_of(c, (unsigned)(ch - c->ch), ch->drv);

	return ch->active && (cl.flags & RP_USER) && d && d->policy != VMM_REC_DENY;
}

/*
 * n bytes the guest read through the data port against the trace's.
 * User data must be equal, in both runs; IDENTIFY data in the words every
 * device agrees on; other data as rp_differs() says; a drive that is not
 * there floats. Messages give offsets, never sector contents.
 */
static int rp_data_check(struct rp_ctx *c, struct rp_chan *ch, const char *what,
			 const uint8_t *got, const uint8_t *rec, size_t n)
{
	bool ident = ch->active && (rp_cmd_class(ch->op).flags & RP_IDENT);
	size_t i = 0, w;

	if (!ch->has_disk || !rp_disk_of(c, (unsigned)(ch - c->ch), ch->sel)) {
		c->r->floating += c->pass == RP_MEDIATED;
		return PP_OK;
	}
	if (ident) {
		while (i < n && !((got[i] ^ rec[i]) & rp_identity_mask((unsigned)(ch->data_off + i))))
			i++;
		c->r->identity += c->pass == RP_MEDIATED && memcmp(got, rec, n);
		w = i & ~1ul;
		if (i < n && w + 1 < n)
			return rp_differs(c, got + w, 2, "%s: IDENTIFY data word %u: expected 0x%04x, "
					  "got 0x%04x", what, (unsigned)((ch->data_off + w) % RP_SECTOR / 2),
					  (unsigned)(rec[w] | rec[w + 1] << 8),
					  (unsigned)(got[w] | got[w + 1] << 8));
		return i < n ? rp_differs(c, got + i, 1, "%s: IDENTIFY data byte %u differs", what,
					  (unsigned)((ch->data_off + i) % RP_SECTOR)) : PP_OK;
	}
	if (!memcmp(got, rec, n))
		return PP_OK;
	while (got[i] == rec[i])
		i++;
	if (!rp_user_in(c, ch))
		return rp_differs(c, got, n, "%s: %s data differs from the trace at byte %zu of the "
				  "event", what, ch->active ? rp_op_name(ch->op) : "data-port", i);
	return rp_fail(c, REPLAY_MISMATCH, "%s%s: %s data differs from the trace at byte %zu of the "
		       "event (byte %llu of the command's data)",
		       c->pass == RP_ORACLE ? "without the mediator, " : "", what,
		       rp_op_name(ch->op), i, (unsigned long long)(ch->data_off + i));
}

/* Bytes the guest wrote through the data port: gather the sectors of a user-data write. */
static int rp_data_out(struct rp_ctx *c, struct rp_chan *ch, const uint8_t *p, size_t n)
{
	struct rp_cmd_class cl = rp_cmd_class(ch->op);

	ch->data_off += n;
	if (c->pass != RP_ORACLE || !ch->active || cl.proto != RP_PIO_OUT || !(cl.flags & RP_USER))
		return PP_OK;
	while (n) {
		size_t k = RP_SECTOR - ch->wfill < n ? RP_SECTOR - ch->wfill : n;

		memcpy(ch->wsect + ch->wfill, p, k);
		ch->wfill += (uint32_t)k;
		p += k;
		n -= k;
		if (ch->wfill == RP_SECTOR) {
			ch->wfill = 0;
			if (rp_written(c, ch->wsect))
				return rp_fail(c, REPLAY_BADINPUT, "out of memory");
		}
	}
	return PP_OK;
}

/* ---- Port events ---- */

static int rp_out(struct rp_ctx *c, const struct vmm_rec_event *ev)
{
	unsigned chn, off;
	char kind = rp_port(c, ev->port, &chn, &off);
	struct rp_chan *ch = &c->ch[chn];
	uint8_t v[4] = { (uint8_t)ev->value, (uint8_t)(ev->value >> 8), (uint8_t)(ev->value >> 16),
			 (uint8_t)(ev->value >> 24) };

	sim_guest_out(ev->port, ev->width, ev->value);
	if (kind == 'c' && off == 0) {
		c->r->payload += c->pass == RP_MEDIATED ? ev->width : 0;
		ch->bytes += ev->width;
		return rp_data_out(c, ch, v, ev->width);
	}
	/* A wide access covers the next registers too (ata_tf.c does the same). */
	for (unsigned i = 0; kind == 'c' && i < ev->width && off + i < 8; i++) {
		if (off + i == 6)
			ch->sel = (v[i] >> 4) & 1;
		if (off + i == 7)
			rp_cmd_begin(c, ch, v[i]);
	}
	if (kind == 't' && (v[0] & 0x04)) { /* SRST ends every command on the channel */
		rp_cmd_end(c, ch);
		ch->sel = 0;
	}
	return PP_OK;
}

static int rp_in(struct rp_ctx *c, const struct vmm_rec_event *ev)
{
	unsigned chn, off;
	char kind = rp_port(c, ev->port, &chn, &off);
	struct rp_chan *ch = &c->ch[chn];
	uint32_t got = sim_guest_in(ev->port, ev->width);
	uint8_t g[4], r[4];

	for (unsigned i = 0; i < 4; i++) {
		g[i] = (uint8_t)(got >> (8 * i));
		r[i] = (uint8_t)(ev->value >> (8 * i));
	}
	if (kind == 'c' && off == 0) {
		int rc = rp_data_check(c, ch, "in", g, r, ev->width);

		c->r->payload += c->pass == RP_MEDIATED ? ev->width : 0;
		ch->bytes += ev->width;
		ch->data_off += ev->width;
		return rc;
	}
	if (got == ev->value)
		return PP_OK;
	/*
	 * Nothing on the cable, or the drive selected is not there: the bus
	 * floats, or the other drive answers for it (ATA/ATAPI-7 9.16), and
	 * controllers and emulators differ in what comes back (hal/sim: the
	 * present drive's registers; QEMU: the absent drive's own, zeroed).
	 */
	if ((kind == 'c' && !rp_disk_of(c, chn, ch->sel)) || (kind && !ch->has_disk)) {
		c->r->floating += c->pass == RP_MEDIATED;
		return PP_OK;
	}
	return rp_differs(c, &got, sizeof(got), "in 0x%x (width %u): expected 0x%x, got 0x%x",
			  ev->port, ev->width, ev->value, got);
}

static int rp_string(struct rp_ctx *c, const struct vmm_rec_event *ev)
{
	unsigned chn, off;
	char kind = rp_port(c, ev->port, &chn, &off);
	struct rp_chan *ch = &c->ch[chn];
	bool data = kind == 'c' && off == 0;
	int rc = PP_OK;

	if (data) {
		c->r->payload += c->pass == RP_MEDIATED ? ev->len : 0;
		ch->bytes += ev->len;
	}
	if (ev->kind == VMM_REC_OUTS) {
		sim_guest_outs(ev->port, ev->width, ev->data, ev->count);
		return data ? rp_data_out(c, ch, ev->data, ev->len) : PP_OK;
	}
	if (rp_buf(c, ev->len))
		return rp_fail(c, REPLAY_BADINPUT, "out of memory");
	sim_guest_ins(ev->port, ev->width, c->buf, ev->count);
	if (data) {
		rc = rp_data_check(c, ch, "ins", c->buf, ev->data, ev->len);
		ch->data_off += ev->len;
	} else if (memcmp(c->buf, ev->data, ev->len) && !(kind && !ch->has_disk)) {
		rc = rp_differs(c, c->buf, ev->len, "ins 0x%x: the values differ from the trace",
				ev->port);
	}
	return rc;
}

/* ---- DMA ---- */

/*
 * What a walk along a PRD list does with each piece of guest memory:
 * write the trace's bytes there, fill it with poison, or compare it with
 * the trace's bytes (the guest looking at its own RAM; the scan put the
 * VMM region where no PRD points, so the pieces are plain guest RAM).
 */
enum rp_walk { RP_SCATTER, RP_POISON_FILL, RP_COMPARE };

/* The bytes covered before the list ended, left RAM, or (comparing) differed. */
static uint32_t rp_prd_walk(const struct vmm_rec_prd *prd, uint32_t n, uint32_t bytes,
			    const uint8_t *data, enum rp_walk how)
{
	uint32_t done = 0;

	for (uint32_t i = 0; i < n && done < bytes; i++) {
		uint32_t len = prd[i].ctl & 0xFFFE ? prd[i].ctl & 0xFFFE : 0x10000;
		uint64_t addr = prd[i].addr & ~1u;
		uint8_t *g = sim_phys_ptr(addr);

		if (len > bytes - done)
			len = bytes - done;
		if (!g || addr + len > sim_ram_size() ||
		    (addr < sim_vmm_base() + sim_vmm_size() && sim_vmm_base() < addr + len))
			break;
		if (how == RP_SCATTER)
			memcpy(g, data + done, len);
		else if (how == RP_POISON_FILL)
			memset(g, RP_POISON, len);
		else if (memcmp(g, data + done, len))
			return done + rp_first_diff(g, data + done, len);
		done += len;
		if (prd[i].ctl & VMM_REC_PRD_EOT)
			break;
	}
	return done;
}

static int rp_prd_save(struct rp_ctx *c, struct rp_chan *ch, const struct vmm_rec_event *ev)
{
	uint8_t table[8];

	if (ev->nprd > ch->prd_cap) {
		struct vmm_rec_prd *p = realloc(ch->prd, ev->nprd * sizeof(*p));

		if (!p)
			return rp_fail(c, REPLAY_BADINPUT, "out of memory");
		ch->prd = p;
		ch->prd_cap = ev->nprd;
	}
	memcpy(ch->prd, ev->prd, ev->nprd * sizeof(*ev->prd));
	ch->nprd = ev->nprd;
	/* The table as the guest wrote it: little-endian address, then count and EOT. */
	for (uint32_t i = 0; i < ev->nprd; i++) {
		for (unsigned b = 0; b < 4; b++) {
			table[b] = (uint8_t)(ev->prd[i].addr >> (8 * b));
			table[4 + b] = (uint8_t)(ev->prd[i].ctl >> (8 * b));
		}
		if (sim_guest_write((uint64_t)ev->prdt + 8 * i, table, 8))
			return rp_fail(c, REPLAY_BADINPUT, "PRD table at 0x%x: not in the replay's "
				       "guest RAM", ev->prdt);
	}
	return PP_OK;
}

static int rp_dma_start(struct rp_ctx *c, const struct vmm_rec_event *ev)
{
	struct rp_chan *ch = &c->ch[ev->channel];

	if (rp_prd_save(c, ch, ev))
		return -1;
	for (uint32_t s = 0; ev->write && c->pass == RP_ORACLE && s + RP_SECTOR <= ev->len;
	     s += RP_SECTOR)
		if (rp_written(c, ev->data + s))
			return rp_fail(c, REPLAY_BADINPUT, "out of memory");
	if (rp_prd_walk(ev->prd, ev->nprd, ev->bytes, ev->data,
			ev->write ? RP_SCATTER : RP_POISON_FILL) < ev->bytes && ev->write)
		return rp_fail(c, REPLAY_BADINPUT, "dma-start: the PRD list leaves the replay's RAM");
	if (ch->active)
		ch->dma_started = true;
	else
		ch->dma_early = true; /* the bus master was started before the command */
	c->r->payload += c->pass == RP_MEDIATED ? ev->bytes : 0;
	ch->bytes += ev->bytes;
	return PP_OK;
}

static int rp_dma_done(struct rp_ctx *c, const struct vmm_rec_event *ev)
{
	struct rp_chan *ch = &c->ch[ev->channel];
	struct rp_cmd_class cl = rp_cmd_class(ch->op);
	uint32_t same;

	if (ev->write || !ev->len || (c->pass == RP_ORACLE && !rp_user_in(c, ch)))
		return PP_OK;
	same = rp_prd_walk(ch->prd, ch->nprd, (uint32_t)ev->len, ev->data, RP_COMPARE);
	if (same == ev->len)
		return PP_OK;
	return rp_fail(c, REPLAY_MISMATCH, "%sdma-done: the guest's buffers differ from the trace's "
		       "%s data at byte %u of %zu", c->pass == RP_ORACLE ? "without the mediator, " : "",
		       cl.proto == RP_DMA_IN ? rp_op_name(ch->op) : "DMA", same, ev->len);
}

/* ---- One event ---- */

static int rp_event(struct rp_ctx *c, const struct vmm_rec_event *ev)
{
	switch (ev->kind) {
	case VMM_REC_OUT:
		return rp_out(c, ev);
	case VMM_REC_IN:
		return rp_in(c, ev);
	case VMM_REC_INS:
	case VMM_REC_OUTS:
		return rp_string(c, ev);
	case VMM_REC_DMA_START:
		return rp_dma_start(c, ev);
	case VMM_REC_DMA_DONE:
		return rp_dma_done(c, ev);
	case VMM_REC_IRQ:
		return PP_OK; /* informational: interrupt timing is the emulator's (README) */
	default:
		return rp_fail(c, REPLAY_BADINPUT, "internal error: event kind %u", ev->kind);
	}
}

/* The channel an event belongs to, for the profile; VMM_REC_MAX_CHANNELS if none. */
static unsigned rp_event_chan(const struct rp_ctx *c, const struct vmm_rec_event *ev)
{
	unsigned chn, off;

	if (ev->kind == VMM_REC_DMA_START || ev->kind == VMM_REC_DMA_DONE)
		return ev->channel;
	if (ev->kind == VMM_REC_IRQ || !rp_port(c, ev->port, &chn, &off))
		return VMM_REC_MAX_CHANNELS;
	return chn;
}

/* Time, invocations and command ends of what was just executed. */
static void rp_account(struct rp_ctx *c, unsigned chn, uint64_t t0, uint64_t inv0)
{
	c->prof.t_engine += hal_cycles() - t0;
	if (chn < VMM_REC_MAX_CHANNELS)
		c->ch[chn].inv += ata_stats.invocations - inv0;
	for (unsigned i = 0; i < VMM_REC_MAX_CHANNELS; i++) {
		struct rp_chan *ch = &c->ch[i];

		if (!ch->ended)
			continue;
		ch->ended = false;
		rp_prof_cmd(c, ch, c->prof.t_engine - ch->t_start);
	}
}

static bool rp_is_poll(const struct rp_ctx *c, const struct vmm_rec_event *ev, unsigned *chn)
{
	unsigned off;
	char kind;

	if (ev->kind != VMM_REC_IN)
		return false;
	kind = rp_port(c, ev->port, chn, &off);
	return (kind == 'c' && off == 7) || kind == 't' || (kind == 'b' && off == 2);
}

/* The next event from the scan's decoded events; its line in c->next_line. */
static int rp_next(struct rp_ctx *c, struct vmm_rec_event *ev)
{
	uint64_t t0 = hal_cycles();
	int rc = rp_spill_get(c, ev, &c->next_line);

	c->prof.t_reader += hal_cycles() - t0;
	return rc;
}

/* Gather a polling run starting at *ev; *ev is then the event after it. */
static int rp_poll_run(struct rp_ctx *c, struct vmm_rec_event *ev, unsigned chn)
{
	unsigned n = 0, k;
	uint64_t t0, inv0;

	do {
		c->run[n] = *ev;
		c->run_line[n++] = c->next_line;
		if (rp_next(c, ev))
			return -1;
	} while (n < RP_MAX_RUN && (ev->kind == VMM_REC_IRQ || (rp_is_poll(c, ev, &k) && k == chn)));
	t0 = hal_cycles();
	inv0 = ata_stats.invocations;
	c->prof.t_ev = c->prof.t_engine;
	if (rp_exec_run(c, c->run, c->run_line, n))
		return -1;
	rp_account(c, chn, t0, inv0);
	return PP_OK;
}

int rp_exec_all(struct rp_ctx *c)
{
	struct vmm_rec_event ev;
	unsigned chn;

	if (rp_next(c, &ev))
		return -1;
	while (ev.kind != VMM_REC_END) {
		uint64_t t0, inv0;

		if ((c->evno & 0xFF) == 0)
			rp_progress(c, c->pass == RP_ORACLE ? "oracle run" : "mediated run", false);
		if (rp_is_poll(c, &ev, &chn)) {
			if (rp_poll_run(c, &ev, chn))
				return -1;
			continue;
		}
		c->line = c->next_line;
		c->evno++;
		c->prof.t_ev = c->prof.t_engine;
		inv0 = ata_stats.invocations;
		t0 = hal_cycles();
		if (rp_event(c, &ev))
			return -1;
		rp_account(c, rp_event_chan(c, &ev), t0, inv0);
		if (rp_next(c, &ev))
			return -1;
	}
	return PP_OK;
}
