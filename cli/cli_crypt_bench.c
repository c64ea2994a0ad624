/* cli_crypt_bench.c - "parapass bench crypt" (being written: issue 7). */
#include <stdio.h>

#include "cli.h"

int cli_bench_crypt(int argc, char **argv)
{
	(void)argc, (void)argv;
	printf("bench crypt: not yet\n");
	return CLI_OK;
}
