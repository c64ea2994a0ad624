/*
 * parapass.c - the host command: one table of subcommands, each in its own
 * cli_<name>.c.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

static const struct cli_command commands[] = {
	{ .name = "bench", .run = cli_bench, .usage = "bench [crypto|...]  print benchmark figures" },
	{ .name = "trace-check", .run = cli_trace_check,
	  .usage = "trace-check TRACE...  validate traces, one summary line each" },
	{ .name = "replay", .run = cli_replay,
	  .usage = "replay [--profile] [--json] [--trace-out F.json] TRACE...  check traces against the oracle" },
	{ .name = "trace-synth", .run = cli_trace_synth,
	  .usage = "trace-synth DIR [NAME...]  record the synthetic sim_drv scenarios as traces" },
	{ .name = "import", .run = cli_import,
	  .usage = "import qemu QEMU_TRACE_LOG --image IMG [--writes BLKLOG] [-o TRACE] ...  QEMU IDE log to a trace" },
	{ .name = "keygen", .run = cli_keygen,
	  .usage = "keygen KEYFILE [--no-passphrase] [--passphrase-file F] [--iterations N]  new wrapped key" },
	{ .name = "key-export", .run = cli_key_export,
	  .usage = "key-export --key KEYFILE  the raw key into a pipe: cryptsetup --key-file <(...)" },
	{ .name = "crypt", .run = cli_crypt,
	  .usage = "crypt encrypt|decrypt|verify TARGET --key KEYFILE|--raw-key FILE [...]  convert a disk" },
};

static void usage(FILE *f)
{
	fprintf(f, "usage: parapass COMMAND [ARGS]\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  parapass %s\n", commands[i].usage);
}

int main(int argc, char **argv)
{
	if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? CLI_BADINPUT : CLI_OK;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[1], commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	fprintf(stderr, "parapass: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return CLI_BADINPUT;
}
