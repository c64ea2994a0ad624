/*
 * replay_poll.c - status polling matched by meaning (replay/README.md
 * "Status polling"). A recording caught a device at moments that depend
 * on its emulator's timing; hal/sim's drives have their own. So the
 * consecutive reads of one channel's Status, Alternate Status and
 * bus-master Status are taken as one polling run, and for each of those
 * registers only the last value the run shows is what the guest waited
 * for: it must be met, by polling (bounded) while the simulated device is
 * still busy. Earlier values of a register in the run were moments of the
 * recorded device on its way there and are not compared. A value the
 * recording shows as busy (BSY; bus master active without interrupt) says
 * nothing about the device's outcome (ATA8-ACS 6.2.11: the other bits are
 * not valid while BSY is set) and matches whatever the replay finds.
 */
#include "hal/sim/sim.h"
#include "replay_engine_priv.h"

#define ST_BSY 0x80
#define ST_DRQ 0x08
#define ST_ERR 0x01
/*
 * Status bits with a meaning for the host: BSY, DRDY, DF, DRQ, ERR. DSC
 * (bit 4) is obsolete in ATA8-ACS, bits 2 and 1 (CORR, IDX) too; devices
 * differ in them (QEMU keeps DSC set, some drives clear it).
 */
#define ST_MEANING 0xE9
/* Bus-master status (SFF-8038i 2.2): interrupt, error, active, and the drive DMA capable bits. */
#define BM_MEANING 0x67
#define BM_ACTIVE 0x01
#define BM_INTR 0x04

struct rp_reg {
	char kind;       /* 'c' status, 't' alternate status, 'b' bus-master status */
	uint16_t port;
};

static bool rp_busy(char kind, uint32_t v)
{
	return kind == 'b' ? (v & (BM_ACTIVE | BM_INTR)) == BM_ACTIVE : (v & ST_BSY) != 0;
}

/*
 * The bus-master interrupt bit latches the rising edge of the IDE
 * interrupt (SFF-8038i 2.2). Only a DMA transfer's end gives it a meaning
 * to the host; outside one, devices differ on whether clearing nIEN with
 * an interrupt pending is such an edge (hal/sim: yes, as the drive then
 * drives INTRQ, ATA8-ACS 6.2.6; QEMU: no). So it counts only after a
 * dma-start of the channel's current command.
 */
static bool rp_same_meaning(const struct rp_chan *ch, char kind, uint32_t a, uint32_t b)
{
	uint32_t mask = kind != 'b' ? ST_MEANING : ch->dma_started ? BM_MEANING : BM_MEANING & ~BM_INTR;

	return !((a ^ b) & mask);
}

/* The channel's command is a DMA command still waiting for its bus master. */
static bool rp_dma_held(const struct rp_chan *ch)
{
	struct rp_cmd_class cl = rp_cmd_class(ch->op);

	return ch->active && !ch->dma_started && (cl.proto == RP_DMA_IN || cl.proto == RP_DMA_OUT);
}

/* A settled ATA status ends the command, unless a DMA command has not moved its data yet. */
static void rp_status_seen(struct rp_ctx *c, struct rp_chan *ch, char kind, uint32_t v)
{
	if (kind == 'b' || (v & (ST_BSY | ST_DRQ)) || !ch->active)
		return;
	if (rp_dma_held(ch) && !(v & ST_ERR))
		return;
	rp_cmd_end(c, ch);
}

/* The last read of ev's register in run[i..n) is run[i] itself. */
static bool rp_last_of_reg(const struct vmm_rec_event *run, unsigned i, unsigned n)
{
	for (unsigned k = i + 1; k < n; k++)
		if (run[k].kind == VMM_REC_IN && run[k].port == run[i].port)
			return false;
	return true;
}

/* Meet the value the run ends with: poll while the device is busy, then compare by meaning. */
static int rp_meet(struct rp_ctx *c, struct rp_chan *ch, const struct vmm_rec_event *ev,
		   char kind, uint32_t got)
{
	uint32_t max = c->o->max_polls ? c->o->max_polls : RP_DEFAULT_POLLS, k = 0;
	bool mediated = c->pass == RP_MEDIATED;

	if (!ch->has_disk) { /* nothing on the cable: the bus floats, nothing to wait for */
		c->r->floating += mediated;
		return PP_OK;
	}
	while (got != ev->value && rp_busy(kind, got) && !rp_busy(kind, ev->value) && k < max &&
	       !rp_dma_held(ch)) {
		/*
		 * Time passes on hal/sim's drives by status reads: waiting on the
		 * bus master, read Alternate Status too, the register without
		 * side effects (ATA8-ACS 6.2.2) that a waiting driver polls.
		 */
		if (kind == 'b')
			rp_status_seen(c, ch, 't', sim_guest_in(ch->ctl, 1));
		got = sim_guest_in(ev->port, ev->width);
		rp_status_seen(c, ch, kind, got);
		k++;
	}
	c->r->polls_added += mediated ? k : 0;
	if (got == ev->value)
		return PP_OK;
	if (rp_busy(kind, ev->value)) { /* recorded mid-way: nothing to compare */
		c->r->transitional += mediated;
		return PP_OK;
	}
	if (rp_busy(kind, got)) {
		if (rp_dma_held(ch)) { /* a DMA command waits for its bus master */
			c->r->dma_held += mediated;
			return PP_OK;
		}
		return rp_differs(c, &got, sizeof(got), "in 0x%x: still busy (0x%x) after %u more "
				  "polls, the trace shows 0x%x", ev->port, got, k, ev->value);
	}
	if (rp_same_meaning(ch, kind, got, ev->value))
		return PP_OK;
	return rp_differs(c, &got, sizeof(got), "in 0x%x (%s): expected 0x%x, got 0x%x", ev->port,
			  kind == 'b' ? "bus-master status" : kind == 't' ? "alternate status" :
			  "status", ev->value, got);
}

int rp_exec_run(struct rp_ctx *c, const struct vmm_rec_event *run, const uint64_t *lines,
		unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		const struct vmm_rec_event *ev = &run[i];
		unsigned chn, off;
		char kind;
		uint32_t got;

		c->evno++;
		c->line = lines[i];
		if (ev->kind == VMM_REC_IRQ)
			continue;
		kind = rp_port(c, ev->port, &chn, &off);
		got = sim_guest_in(ev->port, ev->width);
		rp_status_seen(c, &c->ch[chn], kind, got);
		if (got == ev->value)
			continue;
		if (!rp_last_of_reg(run, i, n)) { /* a moment on the way: the run's end decides */
			c->r->transitional += c->pass == RP_MEDIATED;
			continue;
		}
		if (rp_meet(c, &c->ch[chn], ev, kind, got))
			return -1;
	}
	return PP_OK;
}
