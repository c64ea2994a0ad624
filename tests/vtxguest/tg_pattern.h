/*
 * tg_pattern.h - what the test guest writes to its test areas, shared by
 * the guest (32-bit, freestanding) and the host tool tests/tools/tg_pattern.c
 * that recomputes it to check a decrypted image.
 *
 * One sector at LBA L:
 *   bytes 0..7    the marker "PPTGDATA" (kept out of the guest binary as a
 *                 literal, so that only written sectors contain it)
 *   bytes 8..15   L, little-endian
 *   bytes 16..511 xorshift32 words seeded from L, little-endian
 * A sector written to the wrong LBA, a torn sector or a shifted buffer all
 * differ from the expected bytes.
 */
#ifndef TG_PATTERN_H
#define TG_PATTERN_H

#include <stdint.h>

#define TG_SECTOR 512u
#define TG_MARKER_LEN 8u

/* The marker XOR 0xA5: the guest image never holds the marker itself. */
static const uint8_t tg_marker_xored[TG_MARKER_LEN] = {
	'P' ^ 0xA5, 'P' ^ 0xA5, 'T' ^ 0xA5, 'G' ^ 0xA5,
	'D' ^ 0xA5, 'A' ^ 0xA5, 'T' ^ 0xA5, 'A' ^ 0xA5,
};

static inline void tg_pattern_marker(uint8_t *m)
{
	for (unsigned i = 0; i < TG_MARKER_LEN; i++)
		m[i] = tg_marker_xored[i] ^ 0xA5;
}

static inline uint32_t tg_pattern_seed(uint64_t lba)
{
	uint32_t s = (uint32_t)lba * 0x9E3779B1u ^ (uint32_t)(lba >> 32) * 0x85EBCA77u ^ 0x5A17C0DEu;

	return s ? s : 1u;
}

static inline void tg_pattern_fill(uint8_t *sec, uint64_t lba)
{
	uint32_t s = tg_pattern_seed(lba);

	tg_pattern_marker(sec);
	for (unsigned i = 0; i < 8; i++)
		sec[8 + i] = (uint8_t)(lba >> (8 * i));
	for (unsigned off = 16; off < TG_SECTOR; off += 4) {
		s ^= s << 13;
		s ^= s >> 17;
		s ^= s << 5;
		sec[off] = (uint8_t)s;
		sec[off + 1] = (uint8_t)(s >> 8);
		sec[off + 2] = (uint8_t)(s >> 16);
		sec[off + 3] = (uint8_t)(s >> 24);
	}
}

#endif /* TG_PATTERN_H */
