/*
 * replay_synth.c - synthetic traces for the corpus: hal/sim's own driver
 * (sim_drv, written from ATA8-ACS and SFF-8038i, sharing nothing with
 * ata/) runs a scenario on a simulated machine while parapass mediates it
 * and records at its intercept point (vmm_record: the one encoder). The
 * disks start as a splitmix64 pattern, encrypted by OpenSSL where the
 * policy says encrypt. Each scenario checks what its guest read back, so
 * a trace is only written when the run itself made sense.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "hal/sim/sim.h"
#include "vmm/vmm.h"
#include "replay_engine_priv.h"

#define SYN_BUF 0x100000u    /* guest DMA buffers */
#define SYN_MAX 512u         /* sectors a step moves at most */

/* TEST KEY: protects nothing but synthetic traces. */
static const uint8_t synth_test_key[VMM_REC_KEY_SIZE] = {
	0x54, 0x45, 0x53, 0x54, 0x20, 0x4b, 0x45, 0x59, 0x2d, 0x73, 0x79, 0x6e, 0x74, 0x68, 0x2d, 0x31,
	0x9e, 0x37, 0x79, 0xb9, 0x7f, 0x4a, 0x7c, 0x15, 0xbf, 0x58, 0x47, 0x6d, 0x1c, 0xe4, 0xe5, 0xb9,
	0x54, 0x45, 0x53, 0x54, 0x20, 0x4b, 0x45, 0x59, 0x2d, 0x73, 0x79, 0x6e, 0x74, 0x68, 0x2d, 0x32,
	0x94, 0xd0, 0x49, 0xbb, 0x13, 0x31, 0x11, 0xeb, 0x6a, 0x09, 0xe6, 0x67, 0xf3, 0xbc, 0xc9, 0x08,
};

struct synth {
	char *err;
	size_t errlen;
	bool failed;
	uint64_t step;
	uint8_t out[SYN_MAX * 512], in[SYN_MAX * 512];
};

struct synth_disk {
	uint8_t ch, drv, policy;
	uint64_t sectors;
	uint32_t busy_polls;
};

struct synth_scenario {
	const char *name;
	const char *what;
	bool bench;          /* for parapass bench replay, not the corpus */
	struct synth_disk disk[4];
	unsigned ndisks;
	void (*run)(struct synth *s);
};

static void syn_fail(struct synth *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void syn_fail(struct synth *s, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (s->failed)
		return;
	s->failed = true;
	n = snprintf(s->err, s->errlen, "step %llu: ", (unsigned long long)s->step);
	va_start(ap, fmt);
	vsnprintf(s->err + n, s->errlen - (size_t)n, fmt, ap);
	va_end(ap);
}

/* Data the guest writes: the pattern content of another seed, so it never equals the disk's. */
static void syn_data(struct synth *s, uint64_t tag, uint32_t nsect)
{
	replay_pattern_fill(0x5eed0000 + tag, 0, s->out, nsect);
}

static void syn_ok(struct synth *s, uint8_t st, bool want_err)
{
	s->step++;
	if (!!(st & 0x01) != want_err || (st & 0x88))
		syn_fail(s, "status 0x%02x, wanted %s", st, want_err ? "ERR" : "success");
}

static void syn_same(struct synth *s, const void *a, const void *b, size_t n)
{
	if (memcmp(a, b, n))
		syn_fail(s, "the guest read back something else than it wrote");
}

static void syn_pio_rw(struct synth *s, unsigned ch, unsigned drv, uint64_t lba, uint32_t n,
		       bool lba48, enum sim_xfer wx, enum sim_xfer rx)
{
	syn_data(s, lba, n);
	syn_ok(s, sim_drv_write(ch, drv, lba, n, s->out, lba48, wx), false);
	syn_ok(s, sim_drv_read(ch, drv, lba, n, s->in, lba48, rx), false);
	syn_same(s, s->out, s->in, (size_t)n * 512);
}

static void syn_nodata(struct synth *s, unsigned ch, unsigned drv, uint8_t op, uint8_t count,
		       bool want_err)
{
	sim_drv_tf28(ch, drv, 0, count);
	sim_drv_command(ch, op);
	sim_drv_wait(ch);
	syn_ok(s, sim_drv_status(ch), want_err);
}

static void syn_identify(struct synth *s, unsigned ch, unsigned drv)
{
	sim_drv_tf28(ch, drv, 0, 0);
	sim_drv_command(ch, 0xEC);
	syn_ok(s, sim_drv_pio_in(ch, s->in, 1, 1, SIM_REP16), false);
}

/* A DMA command over a PRD list of piece-byte entries at SYN_BUF. */
static void syn_dma(struct synth *s, unsigned ch, unsigned drv, uint8_t op, uint64_t lba,
		    uint32_t n, uint32_t piece)
{
	bool lba48 = op == 0x25 || op == 0x35;
	bool write = op == 0xCA || op == 0x35;
	uint8_t bs = 0;

	if (write) {
		syn_data(s, lba, n);
		sim_guest_write(SYN_BUF, s->out, (size_t)n * 512);
	}
	if (!sim_drv_prd(SYN_BUF, n * 512, piece))
		syn_fail(s, "PRD table");
	syn_ok(s, sim_drv_dma(ch, drv, op, lba, n, lba48, &bs), false);
	if (!(bs & 0x04) || (bs & 0x02))
		syn_fail(s, "bus-master status 0x%02x", bs);
	if (!write)
		sim_guest_read(SYN_BUF, s->in, (size_t)n * 512);
}

static void synth_pio(struct synth *s)
{
	syn_identify(s, 0, 0);
	syn_pio_rw(s, 0, 0, 100, 8, false, SIM_REP16, SIM_REP32);
	syn_pio_rw(s, 0, 0, 200, 2, false, SIM_ONE16, SIM_ONE32);
	syn_nodata(s, 0, 0, 0xC6, 8, false);  /* SET MULTIPLE MODE: 8 sectors a block */
	syn_data(s, 300, 24);
	sim_drv_tf28(0, 0, 300, 24);
	sim_drv_command(0, 0xC5);             /* WRITE MULTIPLE */
	syn_ok(s, sim_drv_pio_out(0, s->out, 24, 8, SIM_REP32), false);
	sim_drv_tf28(0, 0, 300, 24);
	sim_drv_command(0, 0xC4);             /* READ MULTIPLE */
	syn_ok(s, sim_drv_pio_in(0, s->in, 24, 8, SIM_REP16), false);
	syn_same(s, s->out, s->in, 24 * 512);
	syn_pio_rw(s, 0, 0, 0x1234, 4, true, SIM_REP16, SIM_REP16);  /* LBA48 */
	sim_drv_tfchs(0, 0, 1, 2, 3, 2);      /* CHS 1/2/3 of the 16x63 default geometry */
	sim_drv_command(0, 0x20);
	syn_ok(s, sim_drv_pio_in(0, s->in, 2, 1, SIM_REP16), false);
	syn_ok(s, sim_drv_read(0, 0, 5000, 16, s->in, false, SIM_REP16), false); /* initial content */
	syn_nodata(s, 0, 0, 0xE7, 0, false);  /* FLUSH CACHE */
	syn_nodata(s, 0, 0, 0xF4, 0, true);   /* SECURITY ERASE UNIT: refused */
	syn_pio_rw(s, 0, 0, 101, 1, false, SIM_REP16, SIM_REP16);    /* still healthy */
}

static void synth_dma(struct synth *s)
{
	syn_identify(s, 0, 0);
	syn_dma(s, 0, 0, 0xCA, 1000, 128, 1000); /* 64 KiB; sectors split across PRD entries */
	syn_dma(s, 0, 0, 0x25, 900, 264, 0x10000); /* LBA48, over 256 sectors: initial + written */
	syn_same(s, s->out, s->in + 100 * 512, 128 * 512);
	syn_dma(s, 0, 0, 0x35, 4000, 264, 0x8000);
	syn_dma(s, 0, 0, 0xC8, 4100, 16, 4096);
	syn_same(s, s->out + 100 * 512, s->in, 16 * 512);
	syn_nodata(s, 0, 0, 0xE7, 0, false);
}

static void synth_channels(struct synth *s)
{
	static const uint8_t live[][2] = { { 0, 0 }, { 0, 1 }, { 1, 0 } };

	for (unsigned i = 0; i < sizeof(live) / sizeof(live[0]); i++) {
		unsigned ch = live[i][0], drv = live[i][1];

		syn_identify(s, ch, drv);
		syn_pio_rw(s, ch, drv, 10 + i, 4, false, SIM_REP16, SIM_REP32);
		syn_dma(s, ch, drv, 0xCA, 20 + i, 8, 4096);
		memcpy(s->in + 8 * 512, s->out, 8 * 512);
		syn_dma(s, ch, drv, 0xC8, 20 + i, 8, 2048);
		syn_same(s, s->in + 8 * 512, s->in, 8 * 512);
	}
	sim_drv_tf28(1, 1, 0, 1);            /* the denied disk: every command aborted */
	sim_drv_command(1, 0x20);
	sim_drv_wait(1);
	syn_ok(s, sim_drv_status(1), true);
	syn_identify(s, 0, 0);
}

/* PIO only: sim_drv_dma starts the bus master at once and does not wait out a busy device. */
static void synth_busy(struct synth *s)
{
	syn_identify(s, 0, 0);
	syn_pio_rw(s, 0, 0, 50, 4, false, SIM_REP16, SIM_REP16);
	syn_nodata(s, 0, 0, 0xC6, 4, false);
	syn_data(s, 70, 8);
	sim_drv_tf28(0, 0, 70, 8);
	sim_drv_command(0, 0xC5);
	syn_ok(s, sim_drv_pio_out(0, s->out, 8, 4, SIM_REP32), false);
	syn_ok(s, sim_drv_read(0, 0, 70, 8, s->in, false, SIM_REP32), false);
	syn_same(s, s->out, s->in, 8 * 512);
	syn_nodata(s, 0, 0, 0xE7, 0, false);
}

/* Only what the guest wrote itself is read back: reads cannot tell a plain disk from an encrypted one. */
static void synth_writes(struct synth *s)
{
	syn_pio_rw(s, 0, 0, 16, 8, false, SIM_REP16, SIM_REP16);
	syn_dma(s, 0, 0, 0xCA, 64, 32, 0x10000);
	memcpy(s->in + 32 * 512, s->out, 32 * 512);
	syn_dma(s, 0, 0, 0xC8, 64, 32, 0x10000);
	syn_same(s, s->in + 32 * 512, s->in, 32 * 512);
}

/* DMA-heavy: 256 KiB LBA48 transfers, written then read back (parapass bench replay). */
static void synth_bench_dma(struct synth *s)
{
	for (uint64_t lba = 0; lba < 65536; lba += 512) {
		syn_dma(s, 0, 0, 0x35, lba, 512, 0x10000);
		memcpy(s->in, s->out, 512 * 512);
		syn_dma(s, 0, 0, 0x25, lba, 512, 0x10000);
		if (memcmp(s->in, s->out, 512 * 512))
			syn_fail(s, "read back something else");
	}
}

/* PIO as Linux's ata_piix does it with multiple mode 16: one REP a sector, a status a block. */
static void synth_bench_pio(struct synth *s)
{
	syn_nodata(s, 0, 0, 0xC6, 16, false);
	for (uint64_t lba = 0; lba < 4096; lba += 256) {
		syn_data(s, lba, 256);
		sim_drv_tf28(0, 0, (uint32_t)lba, 0);
		sim_drv_command(0, 0xC5);
		syn_ok(s, sim_drv_pio_out(0, s->out, 256, 16, SIM_REP32), false);
		sim_drv_tf28(0, 0, (uint32_t)lba, 0);
		sim_drv_command(0, 0xC4);
		syn_ok(s, sim_drv_pio_in(0, s->in, 256, 16, SIM_REP32), false);
		syn_same(s, s->out, s->in, 256 * 512);
	}
}

static const struct synth_scenario synth_scenarios[] = {
	{ .name = "pio", .what = "PIO: IDENTIFY, READ/WRITE SECTORS 16/32-bit REP and single, "
	  "MULTIPLE, LBA48, CHS, FLUSH, a refused command", .run = synth_pio, .ndisks = 1,
	  .disk = { { .ch = 0, .drv = 0, .policy = VMM_REC_ENCRYPT, .sectors = 8192 } } },
	{ .name = "dma", .what = "DMA: READ/WRITE DMA (EXT), 64 KiB and 264-sector LBA48 "
	  "transfers, sectors split across PRD entries", .run = synth_dma, .ndisks = 1,
	  .disk = { { .ch = 0, .drv = 0, .policy = VMM_REC_ENCRYPT, .sectors = 16384 } } },
	{ .name = "channels", .what = "both channels, master and slave: encrypt, pass, encrypt, "
	  "deny", .run = synth_channels, .ndisks = 4,
	  .disk = { { .ch = 0, .drv = 0, .policy = VMM_REC_ENCRYPT, .sectors = 4096 },
		    { .ch = 0, .drv = 1, .policy = VMM_REC_PASS, .sectors = 2048 },
		    { .ch = 1, .drv = 0, .policy = VMM_REC_ENCRYPT, .sectors = 4096 },
		    { .ch = 1, .drv = 1, .policy = VMM_REC_DENY, .sectors = 1024 } } },
	{ .name = "writes", .what = "writes read back, nothing else: the disk's policy is only "
	  "visible on the disk", .run = synth_writes, .ndisks = 1,
	  .disk = { { .ch = 0, .drv = 0, .policy = VMM_REC_ENCRYPT, .sectors = 1024 } } },
	{ .name = "busy", .what = "PIO on a drive that stays busy for 5 status reads: BSY "
	  "polling in the trace", .run = synth_busy, .ndisks = 1,
	  .disk = { { .ch = 0, .drv = 0, .policy = VMM_REC_ENCRYPT, .sectors = 2048,
		      .busy_polls = 5 } } },
	{ .name = "bench-dma", .what = "32 MiB written and read back in 256 KiB DMA transfers "
	  "(benchmark)", .bench = true, .run = synth_bench_dma, .ndisks = 1,
	  .disk = { { .ch = 0, .drv = 0, .policy = VMM_REC_ENCRYPT, .sectors = 65536 } } },
	{ .name = "bench-pio", .what = "4 MiB of READ/WRITE MULTIPLE, 16 sectors a block "
	  "(benchmark)", .bench = true, .run = synth_bench_pio, .ndisks = 1,
	  .disk = { { .ch = 0, .drv = 0, .policy = VMM_REC_ENCRYPT, .sectors = 8192 } } },
};
#define SYN_COUNT (sizeof(synth_scenarios) / sizeof(synth_scenarios[0]))

const char *replay_synth_name(unsigned i, const char **what, bool *bench)
{
	if (i >= SYN_COUNT)
		return NULL;
	if (what)
		*what = synth_scenarios[i].what;
	if (bench)
		*bench = synth_scenarios[i].bench;
	return synth_scenarios[i].name;
}

/* ---- Recording ---- */

static void syn_sink(void *ctx, const void *buf, size_t len)
{
	fwrite(buf, 1, len, ctx);
}

static uint64_t syn_seed(unsigned i)
{
	return 0x100 + i;
}

static int syn_machine(const struct synth_scenario *sc, struct synth *s)
{
	static const char *const words[] = { "deny", "pass", "encrypt" };
	char text[512];
	size_t n = (size_t)snprintf(text, sizeof(text), "unconfigured deny\nlog warn\n");
	struct vmm_config cfg;

	if (sim_init(NULL))
		return syn_fail(s, "no simulated machine"), -1;
	for (unsigned i = 0; i < sc->ndisks; i++) {
		const struct synth_disk *d = &sc->disk[i];
		struct sim_disk_config dc = { .sectors = d->sectors, .busy_polls = d->busy_polls };
		uint8_t *data;

		if (sim_disk_attach(d->ch, d->drv, &dc) || !(data = sim_disk_data(d->ch, d->drv)))
			return syn_fail(s, "disk %u not attached", i), -1;
		replay_pattern_fill(syn_seed(i), 0, data, d->sectors);
		if (d->policy == VMM_REC_ENCRYPT &&
		    rp_xts(true, synth_test_key, 0, data, data, d->sectors))
			return syn_fail(s, "OpenSSL refused the test key"), -1;
		n += (size_t)snprintf(text + n, sizeof(text) - n, "disk ata%u-%s %s\n", d->ch,
				      d->drv ? "slave" : "master", words[d->policy]);
	}
	vmm_config_defaults(&cfg);
	if (vmm_config_parse(&cfg, text, n) || vmm_start(&cfg, synth_test_key, 1))
		return syn_fail(s, "parapass does not start"), -1;
	return 0;
}

static void syn_header(const struct synth_scenario *sc, struct vmm_rec_header *h, char *guest,
		       size_t glen)
{
	snprintf(guest, glen, "sim_drv scenario %s", sc->name);
	*h = (struct vmm_rec_header){
		.version = VMM_REC_VERSION, .guest = guest, .driver = "sim_drv", .source = "sim",
		.tool = "parapass trace-synth", .prog_if = 0x80, .bm_base = sim_drv_bm(0),
		.ndisks = (uint8_t)sc->ndisks, .has_key = true, .test_key = true,
	};
	for (unsigned ch = 0; ch < SIM_CHANNELS; ch++) {
		bool used = false;

		for (unsigned i = 0; i < sc->ndisks; i++)
			used |= sc->disk[i].ch == ch;
		if (used)
			h->channel[h->nchannels++] = (struct vmm_rec_channel){
				.channel = (uint8_t)ch, .cmd = sim_drv_cmd(ch), .ctl = sim_drv_ctl(ch),
				.irq = (uint8_t)(14 + ch),
			};
	}
	for (unsigned i = 0; i < sc->ndisks; i++)
		h->disk[i] = (struct vmm_rec_disk){
			.channel = sc->disk[i].ch, .drive = sc->disk[i].drv,
			.policy = sc->disk[i].policy, .sectors = sc->disk[i].sectors,
			.content = VMM_REC_PATTERN, .seed = syn_seed(i),
		};
	memcpy(h->key, synth_test_key, sizeof(h->key));
}

int replay_synth(const char *name, const char *path, char *err, size_t errlen)
{
	const struct synth_scenario *sc = NULL;
	struct synth *s = calloc(1, sizeof(*s));
	struct vmm_rec_header h;
	char guest[64];
	FILE *f = NULL;
	bool ok;

	for (unsigned i = 0; i < SYN_COUNT; i++)
		if (!strcmp(synth_scenarios[i].name, name))
			sc = &synth_scenarios[i];
	if (!s || !sc || !(f = fopen(path, "w"))) {
		snprintf(err, errlen, "%s", !s ? "out of memory" : !sc ? "no such scenario" :
			 "cannot create the trace file");
		free(s);
		return PP_EINVAL;
	}
	s->err = err;
	s->errlen = errlen;
	syn_header(sc, &h, guest, sizeof(guest));
	if (!syn_machine(sc, s)) {
		if (vmm_record_start(&h, syn_sink, f))
			syn_fail(s, "the recorder refused the header");
		sc->run(s);
		vmm_record_stop();
	}
	vmm_stop();
	sim_fini();
	ok = !s->failed && !ferror(f);
	ok &= !fclose(f);
	if (!ok)
		remove(path);
	if (!ok && !s->failed)
		snprintf(err, errlen, "cannot write the trace file");
	free(s);
	return ok ? PP_OK : PP_EIO;
}
