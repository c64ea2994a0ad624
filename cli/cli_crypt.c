/* cli_crypt.c - "parapass crypt" (being written: issue 7). */
#include <stdio.h>

#include "cli.h"

int cli_crypt(int argc, char **argv)
{
	(void)argc, (void)argv;
	fprintf(stderr, "parapass crypt: not yet\n");
	return CLI_BADINPUT;
}
