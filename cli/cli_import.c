/*
 * cli_import.c - "parapass import qemu QEMU_TRACE_LOG --image INITIAL.img
 * [--writes BLKLOG] [-o TRACE] ...": a QEMU IDE trace log becomes a trace
 * (replay/README.md "Importing QEMU logs"). Exit 0, or 2 with
 * "log:line: what was expected" for bad input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "replay/replay.h"

static int import_usage(void)
{
	fprintf(stderr,
		"usage: parapass import qemu QEMU_TRACE_LOG --image INITIAL.img [--writes BLKLOG]\n"
		"         [-o TRACE] [--bm-base 0xc040] [--policy encrypt|pass|deny] [--overlay]\n"
		"         [--commands N] [--guest S] [--driver S] [--source S] [--date S]\n");
	return CLI_BADINPUT;
}

static int import_num(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 0);

	if (!*s || *end || v > max)
		return -1;
	*out = v;
	return 0;
}

static int import_policy(const char *s, uint8_t *out)
{
	static const char *const words[] = { "deny", "pass", "encrypt" };

	for (uint8_t i = 0; i < 3; i++)
		if (!strcmp(s, words[i]))
			return *out = i, 0;
	return -1;
}

/* One option with its value; -1 if it is not one, or its value is bad. */
static int import_opt(struct replay_import_opts *o, const char *arg, const char *val)
{
	const char **str[] = { &o->image, &o->writes, &o->out, &o->guest, &o->driver, &o->source,
			       &o->date };
	static const char *const names[] = { "--image", "--writes", "-o", "--guest", "--driver",
					     "--source", "--date" };
	uint64_t v;

	for (unsigned i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(arg, names[i]))
			return *str[i] = val, 0;
	if (!strcmp(arg, "--bm-base") && !import_num(val, 0xFFF0, &v))
		return o->bm_base = (uint16_t)v, 0;
	if (!strcmp(arg, "--commands") && !import_num(val, UINT64_MAX, &v))
		return o->max_commands = v, 0;
	if (!strcmp(arg, "--policy"))
		return import_policy(val, &o->policy);
	return -1;
}

int cli_import(int argc, char **argv)
{
	struct replay_import_opts o = { .policy = VMM_REC_ENCRYPT };
	char err[1024];

	if (argc < 3 || strcmp(argv[1], "qemu"))
		return import_usage();
	o.log = argv[2];
	for (int i = 3; i < argc; i++) {
		if (!strcmp(argv[i], "--overlay"))
			o.overlay = true;
		else if (i + 1 >= argc || import_opt(&o, argv[i], argv[i + 1]))
			return import_usage();
		else
			i++;
	}
	if (!o.image)
		return import_usage();
	if (replay_import_qemu(&o, err, sizeof(err))) {
		fprintf(stderr, "parapass import: %s\n", err);
		return CLI_BADINPUT;
	}
	return CLI_OK;
}
