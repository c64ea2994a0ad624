/*
 * cli_bench.c - "parapass bench WHAT": the benchmarks behind make bench.
 * Each benchmark measures ratios against a baseline in the same process.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

struct bench {
	const char *name;
	int (*run)(int argc, char **argv);
};

static const struct bench benches[] = {
	{ "trace-read", cli_bench_trace_read },
	{ "crypto", cli_bench_crypto },
	{ "sim", cli_bench_sim },
	{ "crypt", cli_bench_crypt },
	{ "ata", cli_bench_ata },
	{ "replay", cli_bench_replay },
	{ NULL, NULL },
};

int cli_bench(int argc, char **argv)
{
	int rc = CLI_OK;

	for (const struct bench *b = benches; b->name; b++) {
		if (argc > 1 && strcmp(argv[1], b->name))
			continue;
		printf("== bench %s\n", b->name);
		if (b->run(argc - 1, argv + 1))
			rc = CLI_FAIL;
	}
	return rc;
}
