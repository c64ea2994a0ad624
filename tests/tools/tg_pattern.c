/*
 * tg_pattern.c - the host side of the test guest's sector pattern
 * (tests/vtxguest/tg_pattern.h, the same code the guest runs):
 *
 *   tg_pattern range OUT FIRST_LBA COUNT   the COUNT sectors the guest
 *                                          writes from FIRST_LBA on
 *   tg_pattern marker OUT                  the 8-byte marker that starts
 *                                          every pattern sector
 *
 * Exit status: 0 done, 1 write failed, 2 bad usage.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/vtxguest/tg_pattern.h"

static int tgp_usage(void)
{
	fputs("usage: tg_pattern range OUT FIRST_LBA COUNT\n"
	      "       tg_pattern marker OUT\n", stderr);
	return 2;
}

static int tgp_u64(const char *s, uint64_t *v)
{
	char *end;

	*v = strtoull(s, &end, 0);
	return (!*s || *end || *s == '-') ? -1 : 0;
}

static int tgp_range(FILE *f, uint64_t first, uint64_t count)
{
	uint8_t sec[TG_SECTOR];

	for (uint64_t i = 0; i < count; i++) {
		tg_pattern_fill(sec, first + i);
		if (fwrite(sec, 1, sizeof(sec), f) != sizeof(sec))
			return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	uint64_t first = 0, count = 0;
	uint8_t marker[TG_MARKER_LEN];
	FILE *f;
	int rc;

	if (argc == 5 && !strcmp(argv[1], "range")) {
		if (tgp_u64(argv[3], &first) || tgp_u64(argv[4], &count))
			return tgp_usage();
	} else if (!(argc == 3 && !strcmp(argv[1], "marker"))) {
		return tgp_usage();
	}
	f = fopen(argv[2], "wb");
	if (!f) {
		perror(argv[2]);
		return 1;
	}
	if (argc == 5) {
		rc = tgp_range(f, first, count);
	} else {
		tg_pattern_marker(marker);
		rc = fwrite(marker, 1, sizeof(marker), f) != sizeof(marker);
	}
	if (fclose(f))
		rc = 1;
	if (rc)
		fprintf(stderr, "tg_pattern: writing %s failed\n", argv[2]);
	return rc;
}
