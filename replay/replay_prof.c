/*
 * replay_prof.c - the profiler of the mediated run: where the mediator's
 * CPU time goes (decode = its total minus copy, crypto and the simulated
 * device's own time, from ata_stats), commands by opcode with latency
 * percentiles (from the command-register write to the status read that
 * ends the command, in cycles the replay spent executing its events, so
 * the recorded guest's think time and the trace reader are not in it),
 * mediator invocations per PIO sector and per DMA command, payload MB/s.
 * Text for people, one JSON object for scripts.
 */
#include <stdlib.h>
#include <string.h>

#include "ata/ata.h"
#include "replay_engine_priv.h"

uint64_t rp_cyc_ns(const struct rp_ctx *c, uint64_t cyc)
{
	return (uint64_t)((double)cyc * c->prof.ns_per_cyc);
}

void rp_prof_cmd(struct rp_ctx *c, struct rp_chan *ch, uint64_t cyc)
{
	struct rp_cmd_class cl = rp_cmd_class(ch->op);
	struct replay_result *r = c->r;
	struct replay_op_stat *s = &r->op[ch->op];
	struct rp_prof *p = &c->prof;

	if (c->pass != RP_MEDIATED) {
		ch->inv = 0;
		return;
	}
	if (p->nlat == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 1024;
		struct rp_lat *l = realloc(p->lat, cap * sizeof(*l));

		if (l) {
			p->lat = l;
			p->cap = cap;
		}
	}
	if (p->nlat < p->cap)
		p->lat[p->nlat++] = (struct rp_lat){ .op = ch->op, .cyc = cyc };
	r->commands++;
	s->count++;
	s->bytes += ch->bytes;
	s->invocations += ch->inv;
	if ((cl.proto == RP_PIO_IN || cl.proto == RP_PIO_OUT) && (cl.flags & RP_USER)) {
		r->pio_sectors += ch->bytes / RP_SECTOR;
		r->pio_invocations += ch->inv;
	} else if ((cl.proto == RP_DMA_IN || cl.proto == RP_DMA_OUT) && (cl.flags & RP_USER)) {
		r->dma_commands++;
		r->dma_invocations += ch->inv;
		r->dma_bytes += ch->bytes;
	}
	p->payload += ch->bytes;
	if (p->perfetto)
		rp_perfetto_cmd(c, ch, (unsigned)(ch - c->ch), cyc);
	ch->inv = 0;
}

static int rp_lat_cmp(const void *a, const void *b)
{
	const struct rp_lat *x = a, *y = b;

	if (x->op != y->op)
		return x->op < y->op ? -1 : 1;
	return x->cyc < y->cyc ? -1 : x->cyc > y->cyc;
}

static int rp_cyc_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of n sorted values: the smallest value with p% at or below it. */
static uint64_t rp_pct(const uint64_t *v, size_t n, unsigned p)
{
	size_t k = (n * p + 99) / 100;

	return n ? v[k ? k - 1 : 0] : 0;
}

static void rp_pcts(const struct rp_ctx *c, uint64_t *v, size_t n, uint64_t *p50, uint64_t *p90,
		    uint64_t *p99, uint64_t *max)
{
	*p50 = rp_cyc_ns(c, rp_pct(v, n, 50));
	*p90 = rp_cyc_ns(c, rp_pct(v, n, 90));
	*p99 = rp_cyc_ns(c, rp_pct(v, n, 99));
	*max = rp_cyc_ns(c, n ? v[n - 1] : 0);
}

static void rp_latencies(struct rp_ctx *c)
{
	struct rp_prof *p = &c->prof;
	uint64_t *v = malloc((p->nlat ? p->nlat : 1) * sizeof(*v));
	size_t i = 0;

	if (!v)
		return;
	if (p->nlat) /* qsort wants a table, even of nothing */
		qsort(p->lat, p->nlat, sizeof(*p->lat), rp_lat_cmp);
	while (i < p->nlat) {
		size_t j = i;
		struct replay_op_stat *s = &c->r->op[p->lat[i].op];

		for (; j < p->nlat && p->lat[j].op == p->lat[i].op; j++)
			v[j - i] = p->lat[j].cyc;
		rp_pcts(c, v, j - i, &s->p50, &s->p90, &s->p99, &s->max);
		i = j;
	}
	for (i = 0; i < p->nlat; i++)
		v[i] = p->lat[i].cyc;
	qsort(v, p->nlat, sizeof(*v), rp_cyc_cmp);
	rp_pcts(c, v, p->nlat, &c->r->cmd_p50, &c->r->cmd_p90, &c->r->cmd_p99, &c->r->cmd_max);
	free(v);
}

void rp_prof_finish(struct rp_ctx *c)
{
	struct replay_result *r = c->r;
	uint64_t rest = ata_stats.cyc_copy + ata_stats.cyc_crypto + ata_stats.cyc_device;

	double share = c->prof.cpu_share;

	/* Totals as CPU time; single commands' latencies stay in cycles (too short to be preempted much). */
	r->engine_ns = (uint64_t)(share * rp_cyc_ns(c, c->prof.t_engine));
	r->reader_ns = (uint64_t)(share * rp_cyc_ns(c, c->prof.t_reader));
	r->med_invocations = ata_stats.invocations;
	r->med_ns = (uint64_t)(share * rp_cyc_ns(c, ata_stats.cyc_total));
	r->copy_ns = (uint64_t)(share * rp_cyc_ns(c, ata_stats.cyc_copy));
	r->crypto_ns = (uint64_t)(share * rp_cyc_ns(c, ata_stats.cyc_crypto));
	r->device_ns = (uint64_t)(share * rp_cyc_ns(c, ata_stats.cyc_device));
	r->decode_ns = ata_stats.cyc_total > rest ?
			       (uint64_t)(share * rp_cyc_ns(c, ata_stats.cyc_total - rest)) : 0;
	rp_latencies(c);
}

/* ---- Reports ---- */

static const char *const rp_status_words[] = {
	[REPLAY_PASS] = "pass", [REPLAY_MISMATCH] = "mismatch", [REPLAY_BADINPUT] = "bad input",
};

static double rp_mbs(uint64_t bytes, uint64_t ns)
{
	return ns ? (double)bytes * 1e3 / (double)ns : 0.0;
}

static double rp_ratio(uint64_t a, uint64_t b)
{
	return b ? (double)a / (double)b : 0.0;
}

static double rp_pc(uint64_t a, uint64_t b)
{
	return b ? 100.0 * (double)a / (double)b : 0.0;
}

static void rp_text_profile(FILE *f, const struct replay_result *r)
{
	fprintf(f, "  profile of the mediated run (CPU time; latency from the command write to "
		   "its ending status read)\n");
	fprintf(f, "    engine %.3f ms executing events, reader %.3f ms, whole replay %.3f ms\n",
		r->engine_ns / 1e6, r->reader_ns / 1e6, r->total_ns / 1e6);
	fprintf(f, "    payload %.2f MiB: %.1f MB/s over engine time, %.1f MB/s with the reader\n",
		r->payload / 1048576.0, rp_mbs(r->payload, r->engine_ns),
		rp_mbs(r->payload, r->engine_ns + r->reader_ns));
	fprintf(f, "    mediator: %llu invocations, %.3f ms: decode %.1f%%, copy %.1f%%, crypto "
		   "%.1f%%, device %.1f%%\n", (unsigned long long)r->med_invocations, r->med_ns / 1e6,
		rp_pc(r->decode_ns, r->med_ns), rp_pc(r->copy_ns, r->med_ns),
		rp_pc(r->crypto_ns, r->med_ns), rp_pc(r->device_ns, r->med_ns));
	fprintf(f, "    PIO: %llu sectors, %.2f invocations/sector; DMA: %llu commands, %.2f "
		   "invocations/command, %.2f MiB\n", (unsigned long long)r->pio_sectors,
		rp_ratio(r->pio_invocations, r->pio_sectors), (unsigned long long)r->dma_commands,
		rp_ratio(r->dma_invocations, r->dma_commands), r->dma_bytes / 1048576.0);
	fprintf(f, "    %-30s %7s %11s %9s %9s %9s %9s %9s\n", "command", "count", "bytes", "inv/cmd",
		"p50 us", "p90 us", "p99 us", "max us");
	for (unsigned op = 0; op < 256; op++) {
		const struct replay_op_stat *s = &r->op[op];
		char name[48];

		if (!s->count)
			continue;
		snprintf(name, sizeof(name), "%02x %s", op, rp_op_name((uint8_t)op));
		fprintf(f, "    %-30.30s %7llu %11llu %9.1f %9.2f %9.2f %9.2f %9.2f\n", name,
			(unsigned long long)s->count, (unsigned long long)s->bytes,
			rp_ratio(s->invocations, s->count), s->p50 / 1e3, s->p90 / 1e3, s->p99 / 1e3,
			s->max / 1e3);
	}
	fprintf(f, "    %-30s %7llu %11llu %9s %9.2f %9.2f %9.2f %9.2f\n", "all",
		(unsigned long long)r->commands, (unsigned long long)r->payload, "",
		r->cmd_p50 / 1e3, r->cmd_p90 / 1e3, r->cmd_p99 / 1e3, r->cmd_max / 1e3);
}

void replay_report_text(FILE *f, const char *path, const struct replay_result *r, bool profile)
{
	if (r->status != REPLAY_PASS) {
		fprintf(f, "%s: %s: %s\n", path, rp_status_words[r->status], r->msg);
		return;
	}
	fprintf(f, "%s: pass: %llu events, %llu commands, %.2f MiB payload; %llu disk sectors as "
		   "the oracle says, %llu written sectors nowhere in the clear; statuses matched by "
		   "meaning: %llu polls added, %llu transitional, %llu DMA held, %llu floating, "
		   "%llu IDENTIFY reads on the words devices share\n", path,
		(unsigned long long)r->events, (unsigned long long)r->commands,
		r->payload / 1048576.0, (unsigned long long)r->checked_sectors,
		(unsigned long long)r->written_sectors, (unsigned long long)r->polls_added,
		(unsigned long long)r->transitional, (unsigned long long)r->dma_held,
		(unsigned long long)r->floating, (unsigned long long)r->identity);
	if (r->model)
		fprintf(f, "  %llu reads differ from the recording exactly as they do without the "
			   "mediator (hal/sim's device model); the first: %s\n",
			(unsigned long long)r->model, r->model_first);
	if (profile)
		rp_text_profile(f, r);
}
