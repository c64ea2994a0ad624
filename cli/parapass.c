/* parapass.c - the host command (placeholder until the subcommands land). */
#include <stdio.h>

int main(int argc, char **argv)
{
	(void)argv;
	if (argc < 2) {
		fprintf(stderr, "usage: parapass COMMAND [ARGS]\n");
		return 2;
	}
	return 2;
}
