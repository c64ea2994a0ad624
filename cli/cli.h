/*
 * cli.h - the parapass host command's subcommands. Each is
 * int cli_<name>(int argc, char **argv) with argv[0] the subcommand name,
 * returning the process exit status: 0 success, 1 a check failed or a
 * mismatch, 2 bad usage or bad input.
 */
#ifndef CLI_H
#define CLI_H

#define CLI_OK 0
#define CLI_FAIL 1
#define CLI_BADINPUT 2

struct cli_command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *usage;  /* one line: arguments and what it does */
};

/* The table in parapass.c; subcommands declare their entry points below. */
int cli_bench(int argc, char **argv);
int cli_trace_check(int argc, char **argv);   /* cli_trace.c */
int cli_replay(int argc, char **argv);        /* cli_replay.c */
int cli_trace_synth(int argc, char **argv);   /* cli_replay.c */
int cli_import(int argc, char **argv);        /* cli_import.c */
int cli_bench_replay(int argc, char **argv);  /* cli_replay.c, a cli_bench.c entry */
int cli_bench_trace_read(int argc, char **argv);   /* cli_trace.c, a cli_bench.c entry */
int cli_bench_crypto(int argc, char **argv);       /* cli_bench_crypto.c, a cli_bench.c entry */
int cli_bench_sim(int argc, char **argv);          /* cli_bench_sim.c, a cli_bench.c entry */
int cli_bench_ata(int argc, char **argv);          /* cli_bench_ata.c, a cli_bench.c entry */
int cli_keygen(int argc, char **argv);              /* cli_keygen.c */
int cli_key_export(int argc, char **argv);          /* cli_keygen.c */
int cli_crypt(int argc, char **argv);               /* cli_crypt.c */
int cli_bench_crypt(int argc, char **argv);         /* cli_crypt_bench.c, a cli_bench.c entry */

#endif /* CLI_H */
