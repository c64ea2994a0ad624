/*
 * replay_content.c - initial disk content a trace names that is not an
 * image file: the "pattern" content (replay/FORMAT.md "Disks"). One
 * splitmix64 stream (Steele, Lea, Flood, "Fast splittable pseudorandom
 * number generators", OOPSLA 2014) laid over the whole disk, so any sector
 * is computed directly from its LBA and every tool agrees byte for byte.
 */
#include <string.h>

#include "replay.h"

#define PATTERN_GOLDEN 0x9E3779B97F4A7C15ull
#define PATTERN_WORDS (512 / 8)

static uint64_t pattern_mix(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

void replay_pattern_fill(uint64_t seed, uint64_t lba, void *buf, size_t nsectors)
{
	uint8_t *p = buf;
	/* Output k is the state after k + 1 steps: seed + (k + 1) * golden. */
	uint64_t state = seed + (lba * PATTERN_WORDS) * PATTERN_GOLDEN;

	for (size_t i = 0; i < nsectors * PATTERN_WORDS; i++) {
		uint64_t v = pattern_mix(state += PATTERN_GOLDEN);

		for (unsigned b = 0; b < 8; b++)
			p[8 * i + b] = (uint8_t)(v >> (8 * b));
	}
}
