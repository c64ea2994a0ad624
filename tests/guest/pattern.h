/*
 * pattern.h - the guest workload's self-describing sector pattern.
 *
 * The Linux guest (tests/guest/ppwork_main.c) writes it to its disk; the
 * host (tests/guest/ppscan_main.c) finds it again in a decrypted image and
 * proves a raw encrypted image holds none of it. Layout of one sector:
 *
 *   bytes 0..7     "PPATTERN"
 *   bytes 8..15    the sector's absolute disk LBA, little-endian
 *   bytes 16..23   the seed, little-endian
 *   bytes 24..511  62 words of splitmix64, state seeded by (seed, LBA),
 *                  each stored little-endian
 *
 * Because the LBA is inside the sector and also seeds its fill, a write
 * that lands on the wrong sector, a shifted DMA buffer or a torn sector
 * all fail the check. Plain C99 with <stdint.h>: the same file builds into
 * the static guest program, the host tool and the Check suite.
 */
#ifndef PPAT_PATTERN_H
#define PPAT_PATTERN_H

#include <stddef.h>
#include <stdint.h>

#define PPAT_SECTOR     512u
#define PPAT_MARKER     "PPATTERN"
#define PPAT_MARKER_LEN 8u
#define PPAT_FILL_OFF   24u

/* What ppat_check() found wrong, first failing field wins. */
enum ppat_verdict {
	PPAT_OK = 0,
	PPAT_NO_MARKER,   /* bytes 0..7 are not the marker */
	PPAT_WRONG_LBA,   /* a pattern sector, but for another LBA */
	PPAT_WRONG_SEED,  /* a pattern sector of another seed */
	PPAT_BAD_FILL,    /* header right, PRNG fill differs */
};

/* Writes the pattern sector for (lba, seed) into sec[PPAT_SECTOR]. */
void ppat_fill(uint8_t *sec, uint64_t lba, uint64_t seed);

/* Fills count consecutive sectors starting at first_lba. */
void ppat_fill_range(uint8_t *buf, uint64_t first_lba, size_t count,
		     uint64_t seed);

/* Checks sec against the pattern sector for (lba, seed). */
enum ppat_verdict ppat_check(const uint8_t *sec, uint64_t lba, uint64_t seed);

/*
 * If sec is a complete, valid pattern sector for the LBA and seed named in
 * its own header, stores them and returns 1; otherwise returns 0.
 */
int ppat_identify(const uint8_t *sec, uint64_t *lba, uint64_t *seed);

/* The splitmix64 step the fill uses, exposed for known-answer tests. */
uint64_t ppat_splitmix64(uint64_t *state);

/*
 * Streaming count of the marker at any byte offset (not only at sector
 * starts), across buffers fed in order: a marker split between two
 * buffers is counted once.
 */
struct ppat_counter {
	uint64_t count;
	size_t tail_len;
	uint8_t tail[PPAT_MARKER_LEN - 1];
};

void ppat_counter_init(struct ppat_counter *c);
void ppat_counter_feed(struct ppat_counter *c, const uint8_t *buf, size_t len);

#endif /* PPAT_PATTERN_H */
