/*
 * replay_run.c - one replay, in three passes over the trace
 * (replay/README.md): a scan (valid? where is the guest's memory? the
 * events decoded once for the runs, replay_spill.c), the oracle run on a hal/sim machine with no mediator and a plaintext disk,
 * whose final disk is the expected plaintext, and the mediated run: the
 * same machine with vmm/ and ata/ started on the header's policies and
 * the disk encrypted by OpenSSL, every read checked, then the final disks
 * judged by the oracle (replay_oracle.c).
 */
#define _GNU_SOURCE /* vasprintf */
#include <libgen.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hal/sim/sim.h"
#include "vmm/vmm.h"
#include "replay_engine_priv.h"

static uint64_t rp_now_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int rp_fail(struct rp_ctx *c, int status, const char *fmt, ...)
{
	struct replay_result *r = c->r;
	char what[REPLAY_MSG - 64]; /* room for the event and line */
	va_list ap;

	if (c->failed) /* the first failure is the one that counts */
		return -1;
	c->failed = true;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	r->status = status;
	r->event = c->evno;
	r->line = c->line;
	if (c->evno && status == REPLAY_MISMATCH)
		snprintf(r->msg, sizeof(r->msg), "event %llu (line %llu): %s",
			 (unsigned long long)c->evno, (unsigned long long)c->line, what);
	else
		snprintf(r->msg, sizeof(r->msg), "%s", what);
	return -1;
}

static uint64_t rp_fnv(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint64_t h = 0xcbf29ce484222325ull;

	while (n--)
		h = (h ^ *b++) * 0x100000001b3ull;
	return h;
}

static bool rp_odiff_has(const struct rp_ctx *c, uint64_t ev, uint64_t h)
{
	size_t lo = 0, hi = c->nodiff;

	while (lo < hi) { /* recorded in event order */
		size_t mid = (lo + hi) / 2;

		if (c->odiff[mid].ev < ev)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < c->nodiff && c->odiff[lo].ev == ev && c->odiff[lo].hash == h;
}

int rp_differs(struct rp_ctx *c, const void *got, size_t n, const char *fmt, ...)
{
	char what[REPLAY_MSG - 64];
	uint64_t h = rp_fnv(got, n);
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (c->pass == RP_ORACLE) {
		if (c->nodiff == c->odiff_cap) {
			size_t cap = c->odiff_cap ? 2 * c->odiff_cap : 64;
			struct rp_odiff *d = realloc(c->odiff, cap * sizeof(*d));

			if (!d)
				return rp_fail(c, REPLAY_BADINPUT, "out of memory");
			c->odiff = d;
			c->odiff_cap = cap;
		}
		c->odiff[c->nodiff++] = (struct rp_odiff){ .ev = c->evno, .hash = h };
		return PP_OK;
	}
	if (c->same_model || !rp_odiff_has(c, c->evno, h))
		return rp_fail(c, REPLAY_MISMATCH, "%s", what);
	if (!c->r->model++)
		snprintf(c->r->model_first, sizeof(c->r->model_first), "event %llu (line %llu): %.200s",
			 (unsigned long long)c->evno, (unsigned long long)c->line, what);
	return PP_OK;
}

int rp_buf(struct rp_ctx *c, size_t n)
{
	uint8_t *p;

	if (n <= c->buf_cap)
		return PP_OK;
	p = realloc(c->buf, n);
	if (!p)
		return PP_ENOMEM;
	c->buf = p;
	c->buf_cap = n;
	return PP_OK;
}

void rp_progress(struct rp_ctx *c, const char *what, bool done)
{
	uint64_t now;

	if (!c->o->progress)
		return;
	if (done) {
		fprintf(c->o->progress, "\r%*s\r", 72, "");
		fflush(c->o->progress);
		return;
	}
	now = rp_now_ns(CLOCK_MONOTONIC);
	if (now - c->progress_at < 200000000ull)
		return;
	c->progress_at = now;
	fprintf(c->o->progress, "\rreplay %.40s: %s %3u%%", c->path, what,
		c->pass != RP_SCAN ? rp_spill_percent(c) : c->file_size ?
		(unsigned)(replay_trace_offset(c->t) * 100 / c->file_size) : 0);
	fflush(c->o->progress);
}

/* ---- The header ---- */

static int rp_channels(struct rp_ctx *c, const struct vmm_rec_header *h)
{
	static const uint16_t legacy[2][3] = { { 0x1F0, 0x3F6, 14 }, { 0x170, 0x376, 15 } };
	bool native = h->prog_if & 0x05;

	for (unsigned i = 0; i < h->nchannels; i++) {
		const struct vmm_rec_channel *hc = &h->channel[i];
		struct rp_chan *ch = &c->ch[hc->channel];

		if (hc->channel >= SIM_CHANNELS)
			return rp_fail(c, REPLAY_BADINPUT, "channel %u: hal/sim has one controller "
				       "with channels 0 and 1", hc->channel);
		if (!native && (hc->cmd != legacy[hc->channel][0] || hc->ctl != legacy[hc->channel][1]))
			return rp_fail(c, REPLAY_BADINPUT, "channel %u: ports 0x%x/0x%x are not the "
				       "compatibility-mode ports prog-if 0x%x says", hc->channel,
				       hc->cmd, hc->ctl, h->prog_if);
		ch->listed = true;
		ch->cmd = hc->cmd;
		ch->ctl = hc->ctl;
		ch->bm = h->bm_base ? (uint16_t)(h->bm_base + 8 * hc->channel) : 0;
	}
	for (unsigned i = 0; i < h->ndisks; i++) {
		if (h->disk[i].channel >= SIM_CHANNELS)
			return rp_fail(c, REPLAY_BADINPUT, "disk on channel %u: hal/sim has channels "
				       "0 and 1", h->disk[i].channel);
		c->ch[h->disk[i].channel].has_disk = true;
		if (h->disk[i].policy == VMM_REC_ENCRYPT && !h->has_key)
			return rp_fail(c, REPLAY_BADINPUT, "an encrypted disk needs the trace's test key");
	}
	if (h->bm_base & 0xF || h->bm_base >= 0xFFF0)
		return rp_fail(c, REPLAY_BADINPUT, "bm-base 0x%x: hal/sim decodes a 16-byte aligned "
			       "bus-master block below 64 KiB", h->bm_base);
	return PP_OK;
}

static int rp_header(struct rp_ctx *c)
{
	const struct vmm_rec_header *h = replay_trace_header(c->t);

	c->same_model = h->source && !strncmp(h->source, "sim", 3);
	c->prog_if = h->prog_if;
	c->bm_base = h->bm_base;
	c->has_key = h->has_key;
	memcpy(c->key, h->key, sizeof(c->key));
	for (unsigned i = 0; i < h->ndisks; i++) {
		c->disk[i].cyls = h->disk[i].cyls;
		c->disk[i].heads = h->disk[i].heads;
		c->disk[i].spt = h->disk[i].spt;
		c->disk[i].multiple = h->disk[i].multiple;
	}
	if (rp_channels(c, h))
		return -1;
	return rp_load_disks(c, h);
}

static int rp_open(struct rp_ctx *c)
{
	if (replay_trace_open(c->path, &c->t)) {
		rp_fail(c, REPLAY_BADINPUT, "%s", c->t ? replay_trace_error(c->t) : "out of memory");
		return -1;
	}
	return PP_OK;
}

static void rp_close(struct rp_ctx *c)
{
	replay_trace_close(c->t);
	c->t = NULL;
}

/* ---- The machine ---- */

/*
 * Put the drive in the multiple mode the trace's device had at power-on
 * (QEMU's drives start with 16, hal/sim's with none): SET MULTIPLE MODE
 * straight to the device, as firmware would, before anything is trapped.
 */
static int rp_multiple(struct rp_ctx *c, const struct rp_disk *d)
{
	const struct rp_chan *ch = &c->ch[d->ch];
	uint8_t st = 0x80;

	sim_guest_out((uint16_t)(ch->cmd + 6), 1, 0xA0u | (unsigned)d->drv << 4);
	sim_guest_out((uint16_t)(ch->cmd + 2), 1, d->multiple);
	sim_guest_out((uint16_t)(ch->cmd + 7), 1, 0xC6);
	for (unsigned i = 0; i < RP_DEFAULT_POLLS && (st & 0x80); i++)
		st = (uint8_t)sim_guest_in((uint16_t)(ch->cmd + 7), 1);
	sim_guest_out((uint16_t)(ch->cmd + 6), 1, 0xA0);
	if (st & 0x81)
		return rp_fail(c, REPLAY_BADINPUT, "ata%u: the simulated drive refuses multiple "
			       "count %u", d->ch, d->multiple);
	return PP_OK;
}

static int rp_disks_attach(struct rp_ctx *c, bool mediated)
{
	for (unsigned i = 0; i < c->ndisks; i++) {
		const struct rp_disk *d = &c->disk[i];
		struct sim_disk_config dc = {
			.sectors = d->sectors, .cyls = d->cyls, .heads = d->heads, .spt = d->spt,
			.busy_polls = c->o->busy_polls,
		};
		uint8_t *data;

		if (sim_disk_attach(d->ch, d->drv, &dc) || !(data = sim_disk_data(d->ch, d->drv)))
			return rp_fail(c, REPLAY_BADINPUT, "disk %u: hal/sim cannot attach it", i);
		if (mediated && d->policy == VMM_REC_ENCRYPT) {
			if (rp_xts(true, c->key, 0, d->init, data, d->sectors))
				return rp_fail(c, REPLAY_BADINPUT, "OpenSSL refused the trace's key");
		} else {
			memcpy(data, d->init, d->sectors * RP_SECTOR);
		}
		if (d->multiple && rp_multiple(c, d))
			return -1;
	}
	return PP_OK;
}

static int rp_mediate(struct rp_ctx *c)
{
	static const char *const words[] = {
		[VMM_REC_DENY] = "deny", [VMM_REC_PASS] = "pass", [VMM_REC_ENCRYPT] = "encrypt",
	};
	char text[1024];
	size_t n = 0;
	struct vmm_config cfg;
	int rc;

	n += (size_t)snprintf(text + n, sizeof(text) - n, "unconfigured deny\nlog warn\n"
			      "bounce-kib %u\n", c->bounce / 1024);
	for (unsigned i = 0; i < c->ndisks; i++) {
		const struct rp_disk *d = &c->disk[i];
		uint8_t pol = c->o->test_override ? c->o->test_policy : d->policy;

		n += (size_t)snprintf(text + n, sizeof(text) - n, "disk ata%u-%s %s\n", d->ch,
				      d->drv ? "slave" : "master", words[pol > 2 ? 0 : pol]);
	}
	vmm_config_defaults(&cfg);
	if (vmm_config_parse(&cfg, text, n))
		return rp_fail(c, REPLAY_BADINPUT, "internal error: configuration refused");
	rc = vmm_start(&cfg, c->key, c->has_key ? 1 : 0);
	if (rc)
		return rp_fail(c, REPLAY_BADINPUT, "parapass does not start on this machine (error "
			       "%d)", rc);
	return PP_OK;
}

static int rp_machine(struct rp_ctx *c, bool mediated)
{
	struct sim_config sc = {
		.ram_size = c->ram_size, .vmm_base = c->vmm_base, .vmm_size = c->vmm_size,
		.bm_base = c->bm_base, .console = c->o->console, .ide_native = c->prog_if & 0x05,
	};

	memset(&ata_stats, 0, sizeof(ata_stats));
	memset(&vmm_stats, 0, sizeof(vmm_stats));
	if (sim_init(&sc))
		return rp_fail(c, REPLAY_BADINPUT, "hal/sim: no machine with %llu MiB of RAM",
			       (unsigned long long)(c->ram_size >> 20));
	if (rp_disks_attach(c, mediated))
		return -1;
	return mediated ? rp_mediate(c) : PP_OK;
}

/* ---- The passes ---- */

static int rp_oracle_run(struct rp_ctx *c)
{
	int rc;

	c->pass = RP_ORACLE;
	rp_exec_reset(c);
	if (rp_spill_rewind(c))
		return -1;
	rc = rp_machine(c, false);
	if (!rc)
		rc = rp_exec_all(c);
	for (unsigned i = 0; !rc && i < c->ndisks; i++)
		memcpy(c->disk[i].expect, sim_disk_data(c->disk[i].ch, c->disk[i].drv),
		       c->disk[i].sectors * RP_SECTOR);
	sim_fini();
	return rc;
}

/* Cycles to nanoseconds: the cycle counter against CLOCK_MONOTONIC over a few ms. */
static void rp_calibrate(struct rp_ctx *c)
{
	uint64_t n0 = rp_now_ns(CLOCK_MONOTONIC), t0 = hal_cycles(), n1;

	do
		n1 = rp_now_ns(CLOCK_MONOTONIC);
	while (n1 - n0 < 5000000);
	c->prof.ns_per_cyc = (double)(n1 - n0) / (double)(hal_cycles() - t0);
}

void rp_prof_start(struct rp_ctx *c)
{
	rp_calibrate(c);
	c->prof.cpu0 = rp_now_ns(CLOCK_THREAD_CPUTIME_ID);
	c->prof.tsc0 = hal_cycles();
}

/* The share of the pass's elapsed cycles this thread had the CPU: at most 1. */
static void rp_prof_share(struct rp_ctx *c)
{
	double cpu = (double)(rp_now_ns(CLOCK_THREAD_CPUTIME_ID) - c->prof.cpu0);
	double all = (double)rp_cyc_ns(c, hal_cycles() - c->prof.tsc0);

	c->prof.cpu_share = all > 0 && cpu < all ? cpu / all : 1.0;
}

/*
 * The first disk's medium as the mediated run left it (ciphertext on an
 * encrypted disk), for a byte-for-byte comparison with the image a real
 * run under parapass left (--save-disk; tests/system/50-linux-record.sh).
 */
static int rp_save_disk(struct rp_ctx *c)
{
	const struct rp_disk *d = &c->disk[0];
	const uint8_t *data = c->ndisks ? sim_disk_data(d->ch, d->drv) : NULL;
	FILE *f;
	bool ok;

	if (!data)
		return rp_fail(c, REPLAY_BADINPUT, "--save-disk: the trace lists no disk");
	f = fopen(c->o->save_disk, "wb");
	ok = f && fwrite(data, RP_SECTOR, d->sectors, f) == d->sectors;
	if (f && fclose(f))
		ok = false;
	if (!ok)
		return rp_fail(c, REPLAY_BADINPUT, "%s: cannot write the disk image", c->o->save_disk);
	return PP_OK;
}

static int rp_mediated_run(struct rp_ctx *c)
{
	int rc;

	c->pass = RP_MEDIATED;
	rp_exec_reset(c);
	if (rp_spill_rewind(c))
		return -1;
	rc = rp_machine(c, true);
	if (!rc && c->o->trace_out)
		rc = rp_perfetto_open(c, c->o->trace_out);
	rp_prof_start(c);
	if (!rc)
		rc = rp_exec_all(c);
	c->r->events = c->evno;
	rp_prof_share(c);
	rp_prof_finish(c);
	if (!rc && c->o->save_disk) /* before the checks: a mismatching image is worth a look */
		rc = rp_save_disk(c);
	if (!rc)
		rc = rp_check_disks(c);
	if (c->prof.perfetto && rp_perfetto_close(c) && !rc)
		rc = rp_fail(c, REPLAY_BADINPUT, "%s: cannot write the trace-event file",
			     c->o->trace_out);
	vmm_stop();
	sim_fini();
	return rc;
}

static void rp_free(struct rp_ctx *c)
{
	for (unsigned i = 0; i < VMM_REC_MAX_DISKS; i++) {
		free(c->disk[i].init);
		free(c->disk[i].expect);
	}
	for (unsigned i = 0; i < VMM_REC_MAX_CHANNELS; i++)
		free(c->ch[i].prd);
	if (c->prof.perfetto)
		fclose(c->prof.perfetto);
	replay_trace_close(c->t);
	rp_spill_close(c);
	free(c->prof.lat);
	free(c->wset);
	free(c->odiff);
	free(c->buf);
	free(c->run);
	free(c->run_line);
	free(c->dir);
	free(c);
}

static int rp_prepare(struct rp_ctx *c)
{
	char *copy = strdup(c->path);
	FILE *f = fopen(c->path, "rb");

	if (f) {
		fseek(f, 0, SEEK_END);
		c->file_size = (uint64_t)ftell(f);
		fclose(f);
	}
	c->dir = copy ? strdup(dirname(copy)) : NULL;
	free(copy);
	c->run = calloc(RP_MAX_RUN, sizeof(*c->run));
	c->run_line = calloc(RP_MAX_RUN, sizeof(*c->run_line));
	if (!c->dir || !c->run || !c->run_line)
		return rp_fail(c, REPLAY_BADINPUT, "out of memory");
	if (rp_open(c) || rp_header(c) || rp_scan(c))
		return -1;
	rp_close(c);
	return PP_OK;
}

int replay_run(const char *path, const struct replay_opts *o, struct replay_result *r)
{
	uint64_t t0 = rp_now_ns(CLOCK_PROCESS_CPUTIME_ID);
	struct rp_ctx *c = calloc(1, sizeof(*c));

	memset(r, 0, sizeof(*r));
	if (!c) {
		r->status = REPLAY_BADINPUT;
		snprintf(r->msg, sizeof(r->msg), "out of memory");
		return r->status;
	}
	c->o = o;
	c->r = r;
	c->path = path;
	if (!rp_prepare(c) && !rp_oracle_run(c))
		rp_mediated_run(c);
	rp_progress(c, NULL, true);
	rp_free(c);
	r->total_ns = rp_now_ns(CLOCK_PROCESS_CPUTIME_ID) - t0;
	return r->status;
}
