/*
 * pattern.c - the guest workload's self-describing sector pattern; the
 * layout and why it is self-describing are in pattern.h.
 */
#include <string.h>

#include "pattern.h"

#define PPAT_GOLDEN 0x9e3779b97f4a7c15ull
#define PPAT_WORDS  ((PPAT_SECTOR - PPAT_FILL_OFF) / 8u)

/* splitmix64 (Steele, Lea, Flood 2014): one step of the generator. */
uint64_t ppat_splitmix64(uint64_t *state)
{
	uint64_t z = (*state += PPAT_GOLDEN);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/*
 * The fill's starting state hashes the LBA before mixing in the seed, so
 * neighbouring sectors get unrelated streams rather than one stream
 * shifted by a word.
 */
static uint64_t ppat_state(uint64_t lba, uint64_t seed)
{
	uint64_t s = lba;

	s = ppat_splitmix64(&s) ^ seed;
	return ppat_splitmix64(&s);
}

static void ppat_put64(uint8_t *p, uint64_t v)
{
	for (unsigned i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t ppat_get64(const uint8_t *p)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

void ppat_fill(uint8_t *sec, uint64_t lba, uint64_t seed)
{
	uint64_t st = ppat_state(lba, seed);

	memcpy(sec, PPAT_MARKER, PPAT_MARKER_LEN);
	ppat_put64(sec + 8, lba);
	ppat_put64(sec + 16, seed);
	for (unsigned i = 0; i < PPAT_WORDS; i++)
		ppat_put64(sec + PPAT_FILL_OFF + 8 * i, ppat_splitmix64(&st));
}

void ppat_fill_range(uint8_t *buf, uint64_t first_lba, size_t count,
		     uint64_t seed)
{
	for (size_t i = 0; i < count; i++)
		ppat_fill(buf + i * PPAT_SECTOR, first_lba + i, seed);
}

enum ppat_verdict ppat_check(const uint8_t *sec, uint64_t lba, uint64_t seed)
{
	uint64_t st;

	if (memcmp(sec, PPAT_MARKER, PPAT_MARKER_LEN) != 0)
		return PPAT_NO_MARKER;
	if (ppat_get64(sec + 8) != lba)
		return PPAT_WRONG_LBA;
	if (ppat_get64(sec + 16) != seed)
		return PPAT_WRONG_SEED;
	st = ppat_state(lba, seed);
	for (unsigned i = 0; i < PPAT_WORDS; i++)
		if (ppat_get64(sec + PPAT_FILL_OFF + 8 * i) != ppat_splitmix64(&st))
			return PPAT_BAD_FILL;
	return PPAT_OK;
}

int ppat_identify(const uint8_t *sec, uint64_t *lba, uint64_t *seed)
{
	uint64_t l = ppat_get64(sec + 8), s = ppat_get64(sec + 16);

	if (ppat_check(sec, l, s) != PPAT_OK)
		return 0;
	*lba = l;
	*seed = s;
	return 1;
}

void ppat_counter_init(struct ppat_counter *c)
{
	memset(c, 0, sizeof(*c));
}

static int ppat_is_marker(const uint8_t *p)
{
	return memcmp(p, PPAT_MARKER, PPAT_MARKER_LEN) == 0;
}

/*
 * Markers that start in the kept tail are looked for in tail + the head of
 * buf; markers that start in buf are looked for in buf. A marker cannot
 * overlap itself ("PPATTERN" has no border), so no occurrence is counted
 * twice.
 */
void ppat_counter_feed(struct ppat_counter *c, const uint8_t *buf, size_t len)
{
	const size_t keep = PPAT_MARKER_LEN - 1;
	uint8_t join[2 * (PPAT_MARKER_LEN - 1)];
	size_t head = len < keep ? len : keep;
	size_t jlen = c->tail_len + head;

	memcpy(join, c->tail, c->tail_len);
	memcpy(join + c->tail_len, buf, head);
	for (size_t s = 0; s < c->tail_len && s + PPAT_MARKER_LEN <= jlen; s++)
		c->count += ppat_is_marker(join + s);
	for (size_t i = 0; i + PPAT_MARKER_LEN <= len; i++)
		if (buf[i] == 'P')
			c->count += ppat_is_marker(buf + i);

	if (len >= keep) {
		memcpy(c->tail, buf + len - keep, keep);
		c->tail_len = keep;
	} else {
		size_t n = jlen < keep ? jlen : keep;

		memmove(c->tail, join + jlen - n, n);
		c->tail_len = n;
	}
}
