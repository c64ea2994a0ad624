/*
 * replay_scan.c - the first pass over a trace: read it whole before
 * anything runs, so that bad input is exit 2 and never a half-run replay,
 * and learn where the guest's memory is (every PRD table and buffer a
 * dma-start names) and the largest transfer. The guest RAM then covers
 * every address the trace uses, and the VMM region (shadow PRD tables,
 * bounce buffers) goes into 1 MiB granules the guest never touched.
 */
#include <string.h>

#include "ata/ata.h"
#include "replay_engine_priv.h"

static void rp_mark(struct rp_ctx *c, uint64_t addr, uint64_t len)
{
	uint64_t end = addr + len;

	if (!len)
		return;
	if (end > c->max_end)
		c->max_end = end;
	for (uint64_t g = addr / RP_GRANULE; g <= (end - 1) / RP_GRANULE && g < RP_GRANULES; g++)
		c->used[g / 8] |= (uint8_t)(1u << (g % 8));
}

static bool rp_granule_used(const struct rp_ctx *c, uint64_t g)
{
	return c->used[g / 8] & (1u << (g % 8));
}

/* Memory a dma-start makes the guest use: its table, and every entry in it. */
static void rp_scan_dma(struct rp_ctx *c, const struct vmm_rec_event *ev)
{
	rp_mark(c, ev->prdt & ~3u, (uint64_t)ev->nprd * 8);
	for (uint32_t i = 0; i < ev->nprd; i++) {
		uint32_t len = ev->prd[i].ctl & 0xFFFE;

		rp_mark(c, ev->prd[i].addr & ~1u, len ? len : 0x10000);
	}
	if (ev->bytes > c->max_dma)
		c->max_dma = ev->bytes;
}

/*
 * The VMM region: both channels' bounce buffers (64 KiB aligned) and
 * shadow tables, with room to spare, in the lowest run of untouched
 * granules above the first MiB (real-mode memory stays the guest's).
 */
static int rp_layout(struct rp_ctx *c)
{
	uint64_t need, run = 0, g;
	uint32_t bounce = (c->max_dma + 0xFFFF) & ~0xFFFFu;

	c->bounce = bounce > ATA_BOUNCE_DEFAULT ? bounce : ATA_BOUNCE_DEFAULT;
	if (c->bounce > ATA_BOUNCE_MAX)
		return rp_fail(c, REPLAY_BADINPUT, "a transfer of %u bytes is beyond the mediator's "
			       "largest bounce buffer", c->max_dma);
	c->vmm_size = (2ull * (c->bounce + 0x20000) + RP_GRANULE + RP_GRANULE - 1) &
		      ~(uint64_t)(RP_GRANULE - 1);
	need = c->vmm_size / RP_GRANULE;
	for (g = 1; g < RP_GRANULES - 1 && run < need; g++)
		run = rp_granule_used(c, g) ? 0 : run + 1;
	if (run < need)
		return rp_fail(c, REPLAY_BADINPUT, "the trace uses so much of the first 4 GiB that "
			       "no %llu MiB are left for the VMM region",
			       (unsigned long long)need);
	c->vmm_base = (g - need) * RP_GRANULE;
	c->ram_size = (c->max_end + RP_GRANULE - 1) & ~(uint64_t)(RP_GRANULE - 1);
	if (c->ram_size < c->vmm_base + c->vmm_size)
		c->ram_size = c->vmm_base + c->vmm_size;
	if (c->ram_size > 0xFFFFF000u) /* hal/sim keeps RAM below 4 GiB */
		c->ram_size = 0xFFFFF000u;
	return PP_OK;
}

int rp_scan(struct rp_ctx *c)
{
	struct vmm_rec_event ev;
	int rc;

	c->pass = RP_SCAN;
	memset(c->used, 0, sizeof(c->used));
	rp_mark(c, 0, RP_GRANULE); /* real-mode memory: never the VMM's */
	c->total_events = 0;
	if (rp_spill_open(c))
		return -1;
	while (!(rc = replay_trace_next(c->t, &ev))) {
		if (rp_spill_put(c, &ev, replay_trace_line(c->t)))
			return -1;
		if (ev.kind == VMM_REC_END)
			break;
		c->total_events++;
		if (ev.kind == VMM_REC_DMA_START)
			rp_scan_dma(c, &ev);
		if (!(c->total_events & 0xFF))
			rp_progress(c, "reading", false);
	}
	if (rc)
		return rp_fail(c, REPLAY_BADINPUT, "%s", replay_trace_error(c->t));
	c->spill_size = (uint64_t)ftello(c->spill);
	return rp_layout(c);
}
