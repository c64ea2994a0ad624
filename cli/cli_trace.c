/*
 * cli_trace.c - "parapass trace-check TRACE...": read each trace to its
 * end record with the streaming reader and print one summary line, or the
 * reader's message (file:line:col: what was expected); exit 0 when every
 * trace is valid, 2 otherwise. Also the reader's benchmark, "parapass
 * bench trace-read [MB]": generated traces read by the reader and, as the
 * baseline in the same process, by libyaml alone (the floor for any reader
 * built on its event API).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <yaml.h>

#include "cli.h"
#include "replay/replay.h"

struct trace_sum {
	uint64_t kinds[VMM_REC_KINDS];
	uint64_t events;     /* the end record excluded */
	uint64_t payload;
};

/* Read one trace to its end; 0, or a PP_E* code with the message printed. */
static int trace_read(const char *path, struct trace_sum *sum)
{
	struct replay_trace *t;
	struct vmm_rec_event ev;
	int rc = replay_trace_open(path, &t);

	memset(sum, 0, sizeof(*sum));
	while (!rc && !(rc = replay_trace_next(t, &ev)) && ev.kind != VMM_REC_END) {
		sum->kinds[ev.kind]++;
		sum->events++;
		sum->payload += ev.len;
	}
	if (rc)
		fprintf(stderr, "parapass trace-check: %s\n", replay_trace_error(t));
	replay_trace_close(t);
	return rc;
}

int cli_trace_check(int argc, char **argv)
{
	int status = CLI_OK;

	if (argc < 2) {
		fprintf(stderr, "usage: parapass trace-check TRACE...\n");
		return CLI_BADINPUT;
	}
	for (int i = 1; i < argc; i++) {
		struct trace_sum s;

		if (trace_read(argv[i], &s)) {
			status = CLI_BADINPUT;
			continue;
		}
		printf("%s: ok: %llu events (", argv[i], (unsigned long long)s.events);
		for (unsigned k = 0; k < VMM_REC_END; k++)
			printf("%s%s %llu", k ? ", " : "", vmm_rec_kind_name(k),
			       (unsigned long long)s.kinds[k]);
		printf("), payload %llu bytes\n", (unsigned long long)s.payload);
	}
	return status;
}

/* ---- bench trace-read ---- */

#define BENCH_RUNS 3
#define BENCH_DMA_BYTES 65536u

struct bench_out {
	FILE *f;
	uint64_t bytes;
};

static void bench_sink(void *ctx, const void *buf, size_t len)
{
	struct bench_out *o = ctx;

	fwrite(buf, 1, len, o->f);
	o->bytes += len;
}

static void bench_io(struct vmm_rec_enc *e, unsigned kind, uint16_t port, uint8_t width,
		     uint32_t value)
{
	struct vmm_rec_event ev = { .kind = (uint8_t)kind, .port = port, .width = width,
				    .value = value };

	vmm_rec_enc_event(e, &ev);
}

/* One READ/WRITE DMA of 64 KiB as ata_piix issues it: taskfile, BM start, polls, stop. */
static void bench_dma_cmd(struct vmm_rec_enc *e, uint32_t i, uint8_t *buf)
{
	static const struct vmm_rec_prd prd = { .addr = 0x100000, .ctl = VMM_REC_PRD_EOT };
	bool write = i % 4 == 3;
	struct vmm_rec_event start = { .kind = VMM_REC_DMA_START, .prdt = 0x7000, .prd = &prd,
				       .nprd = 1, .write = write, .bytes = BENCH_DMA_BYTES };
	struct vmm_rec_event done = { .kind = VMM_REC_DMA_DONE, .write = write, .status = 4,
				      .bytes = BENCH_DMA_BYTES };

	replay_pattern_fill(i, (uint64_t)i * 128, buf, BENCH_DMA_BYTES / 512);
	bench_io(e, VMM_REC_OUT, 0xC004, 4, 0x7000);
	for (uint16_t p = 0x1F2; p <= 0x1F6; p++)
		bench_io(e, VMM_REC_OUT, p, 1, p == 0x1F6 ? 0xE0 : (i >> (8 * (p - 0x1F3))) & 0xFF);
	bench_io(e, VMM_REC_OUT, 0x1F7, 1, write ? 0xCA : 0xC8);
	(write ? &start : &done)->data = buf;
	(write ? &start : &done)->len = BENCH_DMA_BYTES;
	vmm_rec_enc_event(e, &start);
	bench_io(e, VMM_REC_OUT, 0xC000, 1, write ? 0x01 : 0x09);
	bench_io(e, VMM_REC_IN, 0xC002, 1, 0x01);
	bench_io(e, VMM_REC_IN, 0xC002, 1, 0x04);
	vmm_rec_enc_event(e, &done);
	bench_io(e, VMM_REC_OUT, 0xC000, 1, 0x00);
	bench_io(e, VMM_REC_IN, 0x1F7, 1, 0x50);
}

/* One PIO sector of READ SECTORS: BSY polls, DRQ, 256 words by REP INSW. */
static void bench_pio_sector(struct vmm_rec_enc *e, uint32_t i, uint8_t *buf)
{
	struct vmm_rec_event ins = { .kind = VMM_REC_INS, .port = 0x1F0, .width = 2, .count = 256,
				     .data = buf, .len = 512 };

	replay_pattern_fill(7, i, buf, 1);
	for (uint16_t p = 0x1F2; p <= 0x1F6; p++)
		bench_io(e, VMM_REC_OUT, p, 1, p == 0x1F6 ? 0xE0 : (i >> (8 * (p - 0x1F3))) & 0xFF);
	bench_io(e, VMM_REC_OUT, 0x1F7, 1, 0x20);
	bench_io(e, VMM_REC_IN, 0x3F6, 1, 0x80);
	bench_io(e, VMM_REC_IN, 0x1F7, 1, 0x80);
	bench_io(e, VMM_REC_IN, 0x1F7, 1, 0x58);
	vmm_rec_enc_event(e, &ins);
	bench_io(e, VMM_REC_IN, 0x1F7, 1, 0x50);
}

/* Write a trace of about mb MB into a temporary file; its path goes to path. */
static int bench_make(char *path, double mb, bool dma, uint64_t *bytes)
{
	const struct vmm_rec_header h = { .version = VMM_REC_VERSION, .tool = "parapass bench",
					  .prog_if = 0x80, .bm_base = 0xC000 };
	struct vmm_rec_enc *e = malloc(sizeof(*e));
	uint8_t *buf = malloc(BENCH_DMA_BYTES);
	struct bench_out o = { 0 };
	int fd = mkstemp(path);

	if (!e || !buf || fd < 0 || !(o.f = fdopen(fd, "w"))) {
		perror("bench trace-read");
		free(e);
		free(buf);
		return -1;
	}
	vmm_rec_enc_init(e, bench_sink, &o);
	vmm_rec_enc_header(e, &h);
	for (uint32_t i = 0; o.bytes < mb * 1e6; i++)
		dma ? bench_dma_cmd(e, i, buf) : bench_pio_sector(e, i, buf);
	vmm_rec_enc_end(e);
	*bytes = o.bytes;
	free(e);
	free(buf);
	return fclose(o.f);
}

/* CPU time of this process: the machine's other work does not count against the reader. */
static double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The baseline: libyaml's parser alone, every event pulled and dropped. */
static int bench_libyaml(const char *path)
{
	FILE *f = fopen(path, "rb");
	yaml_parser_t p;
	yaml_event_t ev;
	int done = 0, ok = 1;

	if (!f || !yaml_parser_initialize(&p)) {
		if (f)
			fclose(f);
		return -1;
	}
	yaml_parser_set_input_file(&p, f);
	while (!done && (ok = yaml_parser_parse(&p, &ev))) {
		done = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	fclose(f);
	return ok ? 0 : -1;
}

static int bench_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int bench_one(const char *what, double mb, bool dma)
{
	char path[] = "/tmp/parapass-bench-XXXXXX";
	double t_yaml[BENCH_RUNS], t_read[BENCH_RUNS];
	struct trace_sum s;
	uint64_t bytes;
	int rc = 0;

	if (bench_make(path, mb, dma, &bytes))
		return -1;
	for (int r = 0; r < BENCH_RUNS && !rc; r++) {
		double t0 = bench_now();

		rc = bench_libyaml(path);
		t_yaml[r] = bench_now() - t0;
		t0 = bench_now();
		rc = rc ? rc : trace_read(path, &s);
		t_read[r] = bench_now() - t0;
	}
	unlink(path);
	if (rc)
		return rc;
	qsort(t_yaml, BENCH_RUNS, sizeof(double), bench_cmp);
	qsort(t_read, BENCH_RUNS, sizeof(double), bench_cmp);
	printf("trace-read %s: %.1f MB, %llu events, %.1f MB of payload; median of %d runs, "
	       "per CPU second:\n"
	       "  libyaml events alone  %7.1f MB/s\n"
	       "  replay_trace reader   %7.1f MB/s, %.2f M events/s, payload %.1f MB/s "
	       "(%.2fx libyaml alone)\n",
	       what, (double)bytes / 1e6, (unsigned long long)s.events, (double)s.payload / 1e6,
	       BENCH_RUNS, (double)bytes / 1e6 / t_yaml[BENCH_RUNS / 2],
	       (double)bytes / 1e6 / t_read[BENCH_RUNS / 2],
	       (double)s.events / 1e6 / t_read[BENCH_RUNS / 2],
	       (double)s.payload / 1e6 / t_read[BENCH_RUNS / 2],
	       t_yaml[BENCH_RUNS / 2] / t_read[BENCH_RUNS / 2]);
	return 0;
}

int cli_bench_trace_read(int argc, char **argv)
{
	double mb = argc > 1 ? atof(argv[1]) : 100;

	if (mb <= 0) {
		fprintf(stderr, "usage: parapass bench trace-read [MB]\n");
		return CLI_BADINPUT;
	}
	/* A DMA-heavy trace (64 KiB commands) and a PIO one a fifth its size. */
	if (bench_one("dma", mb, true) || bench_one("pio", mb / 5, false))
		return CLI_FAIL;
	return CLI_OK;
}
