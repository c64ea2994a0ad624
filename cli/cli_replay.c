/*
 * cli_replay.c - "parapass replay [--profile] [--json] [--trace-out F.json]
 * TRACE...": each trace through the mediator on hal/sim against the
 * OpenSSL oracle (replay/README.md). One line per trace, or the profile,
 * or one JSON document; a progress line on stderr when it is a terminal.
 * Exit 0 when every trace passes, 1 when one mismatches, 2 for bad input
 * (which wins over a mismatch). --save-disk F writes the first disk's
 * final medium after the mediated run (F-<n> for the n-th of several
 * traces), to compare with the image a real run left (issue 8).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "replay/replay.h"

struct replay_args {
	bool profile, json;
	const char *trace_out, *save_disk;
	struct replay_opts o;
	int first;  /* argv index of the first trace */
};

static int replay_usage(void)
{
	fprintf(stderr, "usage: parapass replay [--profile] [--json] [--trace-out F.json] "
			"[--busy-polls N] [--max-polls N] [--save-disk IMG] TRACE...\n");
	return CLI_BADINPUT;
}

static int replay_num(const char *s, uint32_t *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 0);

	if (!*s || *end || v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int replay_parse(int argc, char **argv, struct replay_args *a)
{
	int i;

	memset(a, 0, sizeof(*a));
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *arg = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(arg, "--profile"))
			a->profile = true;
		else if (!strcmp(arg, "--json"))
			a->json = true;
		else if (!strcmp(arg, "--trace-out") && val)
			a->trace_out = argv[++i];
		else if (!strcmp(arg, "--save-disk") && val)
			a->save_disk = argv[++i];
		else if (!strcmp(arg, "--busy-polls") && val && !replay_num(val, &a->o.busy_polls))
			i++;
		else if (!strcmp(arg, "--max-polls") && val && !replay_num(val, &a->o.max_polls))
			i++;
		else if (!strcmp(arg, "--"))
			return i + 1 < argc ? (a->first = i + 1, 0) : -1;
		else
			return -1;
	}
	a->first = i;
	return i < argc ? 0 : -1;
}

/* F.json for one trace; F-<n>.json for the n-th of several. */
static char *replay_out_name(const char *base, int n, int count)
{
	const char *dot = strrchr(base, '.');
	size_t stem = dot && dot > strrchr(base, '/') ? (size_t)(dot - base) : strlen(base);
	char *name = malloc(strlen(base) + 16);

	if (!name)
		return NULL;
	if (count == 1)
		strcpy(name, base);
	else
		sprintf(name, "%.*s-%d%s", (int)stem, base, n, base + stem);
	return name;
}

int cli_replay(int argc, char **argv)
{
	struct replay_args a;
	int status = CLI_OK, count;

	if (replay_parse(argc, argv, &a))
		return replay_usage();
	count = argc - a.first;
	a.o.progress = isatty(STDERR_FILENO) ? stderr : NULL;
	if (a.json)
		printf("{\"parapass-replay\": 1, \"traces\": [");
	for (int i = a.first; i < argc; i++) {
		struct replay_result *r = malloc(sizeof(*r));
		char *out = a.trace_out ? replay_out_name(a.trace_out, i - a.first + 1, count) : NULL;
		char *img = a.save_disk ? replay_out_name(a.save_disk, i - a.first + 1, count) : NULL;
		int rc;

		if (!r || (a.trace_out && !out) || (a.save_disk && !img)) {
			fprintf(stderr, "parapass replay: out of memory\n");
			free(r);
			free(out);
			free(img);
			return CLI_BADINPUT;
		}
		a.o.trace_out = out;
		a.o.save_disk = img;
		rc = replay_run(argv[i], &a.o, r);
		if (a.json) {
			printf("%s\n", i > a.first ? "," : "");
			replay_report_json(stdout, argv[i], r);
		} else {
			replay_report_text(rc == REPLAY_PASS ? stdout : stderr, argv[i], r, a.profile);
		}
		if (rc == REPLAY_BADINPUT || (rc == REPLAY_MISMATCH && status == CLI_OK))
			status = rc == REPLAY_BADINPUT ? CLI_BADINPUT : CLI_FAIL;
		free(out);
		free(img);
		free(r);
	}
	if (a.json)
		printf("\n]}\n");
	return status;
}

/*
 * "parapass trace-synth DIR [NAME...]": record the synthetic scenarios
 * (replay_synth.c) as DIR/sim-NAME.yaml; without names, those of the corpus.
 */
int cli_trace_synth(int argc, char **argv)
{
	const char *what, *name;
	int status = CLI_OK;

	bool bench;

	if (argc < 2) {
		fprintf(stderr, "usage: parapass trace-synth DIR [NAME...]\nscenarios:\n");
		for (unsigned i = 0; (name = replay_synth_name(i, &what, NULL)); i++)
			fprintf(stderr, "  %-10s %s\n", name, what);
		return CLI_BADINPUT;
	}
	for (unsigned i = 0; (name = replay_synth_name(i, &what, &bench)); i++) {
		char path[4096], err[256];
		bool wanted = argc == 2 && !bench; /* the corpus: every scenario but the benchmarks' */

		for (int k = 2; k < argc; k++)
			wanted |= !strcmp(argv[k], name);
		if (!wanted)
			continue;
		snprintf(path, sizeof(path), "%s/sim-%s.yaml", argv[1], name);
		if (replay_synth(name, path, err, sizeof(err))) {
			fprintf(stderr, "parapass trace-synth: %s: %s\n", name, err);
			status = CLI_FAIL;
			continue;
		}
		printf("%s: %s\n", path, what);
	}
	return status;
}

/* ---- parapass bench replay ---- */

#define BENCH_RUNS 3

/* OpenSSL's own XTS speed in MB/s: its k-bytes-per-second figure for 4096-byte units. */
static double bench_openssl(void)
{
	FILE *p = popen("openssl speed -seconds 1 -evp aes-256-xts -bytes 4096 2>/dev/null", "r");
	char line[512];
	double v = 0;

	if (!p)
		return 0;
	while (fgets(line, sizeof(line), p)) {
		char *k = strrchr(line, 'k');

		if (!strncmp(line, "AES-256-XTS", 11) && k && k > line)
			v = strtod(strrchr(line, ' ') + 1, NULL) * 1000.0 / 1e6;
	}
	pclose(p);
	return v;
}

static int bench_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double bench_median(double *v)
{
	qsort(v, BENCH_RUNS, sizeof(*v), bench_cmp);
	return v[BENCH_RUNS / 2];
}

/* Replay path BENCH_RUNS times: median MB/s of events executed, with the reader, whole replay. */
static int bench_runs(const char *path, double mbs[3], struct replay_result *r)
{
	static const struct replay_opts o;
	double eng[BENCH_RUNS], med[BENCH_RUNS], all[BENCH_RUNS];

	for (int i = 0; i < BENCH_RUNS; i++) {
		if (replay_run(path, &o, r) != REPLAY_PASS) {
			fprintf(stderr, "bench replay: %s\n", r->msg);
			return -1;
		}
		eng[i] = r->payload * 1e3 / (double)r->engine_ns;
		med[i] = r->payload * 1e3 / (double)(r->engine_ns + r->reader_ns);
		all[i] = r->payload * 1e3 / (double)r->total_ns;
	}
	mbs[0] = bench_median(eng);
	mbs[1] = bench_median(med);
	mbs[2] = bench_median(all);
	return 0;
}

static void bench_dma_report(const double mbs[3], const double ssl[BENCH_RUNS],
			     const struct replay_result *r)
{
	static const char *const what[] = {
		"mediated run, executing the events", "mediated run, with reading the decoded events",
		"whole replay: scan, oracle run, mediated run, disk checks",
	};
	double base = ssl[BENCH_RUNS / 2];

	printf("replay of a DMA trace: %.0f MiB in %llu commands of 256 KiB; median of %d runs, "
	       "CPU time\n", r->payload / 1048576.0, (unsigned long long)r->dma_commands, BENCH_RUNS);
	printf("  %-60s %8.0f MB/s (baseline, runs %.0f/%.0f/%.0f)\n",
	       "openssl speed -seconds 1 -evp aes-256-xts -bytes 4096", base, ssl[0], ssl[1], ssl[2]);
	for (int i = 0; i < 3; i++)
		printf("  %-60s %8.0f MB/s  %5.2fx\n", what[i], mbs[i], base ? mbs[i] / base : 0);
	printf("  mediator alone: %.0f MB/s (crypto %.0f%%, device %.0f%%, decode %.0f%%)\n",
	       r->payload * 1e3 / (double)r->med_ns, 100.0 * r->crypto_ns / (double)r->med_ns,
	       100.0 * r->device_ns / (double)r->med_ns, 100.0 * r->decode_ns / (double)r->med_ns);
	printf("%s  replay throughput >= 1.0x OpenSSL XTS (events executed): %.2fx\n",
	       base && mbs[0] >= base ? "PASS" : "MISS", base ? mbs[0] / base : 0);
}

int cli_bench_replay(int argc, char **argv)
{
	char dir[] = "/tmp/parapass-bench-replay-XXXXXX", dma[128], pio[128], err[256], cmd[160];
	struct replay_result *r = malloc(sizeof(*r));
	double mbs[3], ssl[BENCH_RUNS], per_sector;
	int rc = -1;

	(void)argc;
	(void)argv;
	if (!r || !mkdtemp(dir))
		return free(r), CLI_FAIL;
	snprintf(dma, sizeof(dma), "%s/bench-dma.yaml", dir);
	snprintf(pio, sizeof(pio), "%s/bench-pio.yaml", dir);
	if (replay_synth("bench-dma", dma, err, sizeof(err)) ||
	    replay_synth("bench-pio", pio, err, sizeof(err))) {
		fprintf(stderr, "bench replay: %s\n", err);
	} else if (!bench_runs(dma, mbs, r)) {
		for (int i = 0; i < BENCH_RUNS; i++)
			ssl[i] = bench_openssl();
		qsort(ssl, BENCH_RUNS, sizeof(*ssl), bench_cmp);
		bench_dma_report(mbs, ssl, r);
		if (!bench_runs(pio, mbs, r)) {
			per_sector = (double)r->pio_invocations / (double)r->pio_sectors;
			printf("replay of a PIO trace (READ/WRITE MULTIPLE, 16 sectors a block, one REP "
			       "a sector): %llu sectors, %.0f MB/s executing the events\n",
			       (unsigned long long)r->pio_sectors, mbs[0]);
			printf("%s  at most 2 mediator invocations per PIO sector: %.2f\n",
			       per_sector <= 2.0 ? "PASS" : "MISS", per_sector);
			rc = 0;
		}
	}
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		fprintf(stderr, "bench replay: could not remove %s\n", dir);
	free(r);
	return rc ? CLI_FAIL : CLI_OK;
}
