/*
 * cli_replay.c - "parapass replay [--profile] [--json] [--trace-out F.json]
 * TRACE...": each trace through the mediator on hal/sim against the
 * OpenSSL oracle (replay/README.md). One line per trace, or the profile,
 * or one JSON document; a progress line on stderr when it is a terminal.
 * Exit 0 when every trace passes, 1 when one mismatches, 2 for bad input
 * (which wins over a mismatch).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "replay/replay.h"

struct replay_args {
	bool profile, json;
	const char *trace_out;
	struct replay_opts o;
	int first;  /* argv index of the first trace */
};

static int replay_usage(void)
{
	fprintf(stderr, "usage: parapass replay [--profile] [--json] [--trace-out F.json] "
			"[--busy-polls N] [--max-polls N] TRACE...\n");
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
		int rc;

		if (!r || (a.trace_out && !out)) {
			fprintf(stderr, "parapass replay: out of memory\n");
			free(r);
			return CLI_BADINPUT;
		}
		a.o.trace_out = out;
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
		free(r);
	}
	if (a.json)
		printf("\n]}\n");
	return status;
}

/*
 * "parapass trace-synth DIR [NAME...]": record the synthetic scenarios
 * (replay_synth.c) as DIR/sim-NAME.yaml, every one without names.
 */
int cli_trace_synth(int argc, char **argv)
{
	const char *what, *name;
	int status = CLI_OK;

	if (argc < 2) {
		fprintf(stderr, "usage: parapass trace-synth DIR [NAME...]\nscenarios:\n");
		for (unsigned i = 0; (name = replay_synth_name(i, &what)); i++)
			fprintf(stderr, "  %-10s %s\n", name, what);
		return CLI_BADINPUT;
	}
	for (unsigned i = 0; (name = replay_synth_name(i, &what)); i++) {
		char path[4096], err[256];
		bool wanted = argc == 2;

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
