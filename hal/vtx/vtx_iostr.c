/*
 * vtx_iostr.c - the arithmetic of REP INS/OUTS (SDM vol. 2, INS/OUTS and
 * REP): how many items one exit moves, how the count and index registers
 * advance under a 16-, 32- or 64-bit address size, and the item order
 * when the direction flag walks memory downwards. Pure, so the hosted
 * tests check it.
 */
#include "vtx_priv.h"

/* Reverse the order of n items of width w (DF=1 walks memory downwards). */
void vtx_io_reverse(uint8_t *buf, uint32_t n, unsigned w)
{
	if (n < 2)
		return;
	for (uint32_t i = 0, j = n - 1; i < j; i++, j--) {
		uint8_t t[4];

		vmm_memcpy(t, buf + i * w, w);
		vmm_memcpy(buf + i * w, buf + j * w, w);
		vmm_memcpy(buf + j * w, t, w);
	}
}

uint64_t vtx_io_masked_add(uint64_t old, int64_t delta, uint64_t amask)
{
	/* A 32-bit address size writes ECX/ESI/EDI whole (zero-extended); 16-bit keeps the rest. */
	if (amask == 0xFFFFull)
		return (old & ~amask) | ((old + (uint64_t)delta) & amask);
	return (old + (uint64_t)delta) & amask;
}

/*
 * Items of this chunk: bounded by the buffer, the count and the index
 * register's wrap. 0 if the first item itself straddles the wrap (a 16-bit
 * index at 0xFFFE with 4-byte items): the CPU faults on that (the item
 * crosses the segment limit, or the 4 GiB or canonical boundary).
 */
uint32_t vtx_io_chunk_items(uint64_t count, uint64_t index, uint64_t amask, unsigned w, bool df)
{
	uint64_t n = VTX_IO_CHUNK / w, at = index & amask, room;

	if (count < n)
		n = count;
	if (at > amask - (w - 1))
		return 0;
	/* Items after the first before the index wraps (downwards to 0, upwards to amask). */
	room = df ? at / w : (amask - at - (w - 1)) / w;
	return (uint32_t)(room < n ? room + 1 : n);
}

/*
 * Items of this chunk inside the segment (SDM vol. 3, 5.3 and 3.4.5.1):
 * offsets off, off -/+ w, ... must lie within the limit, below it for an
 * expand-down data segment (down to limit+1, up to 0xFFFF or 0xFFFFFFFF by
 * its B flag). INS writes ES, so it needs a writable data segment; OUTS
 * reads, so a data segment or a readable code segment. 0 if the first item
 * is already outside: the caller injects #GP(0), or #SS(0) for SS.
 */
uint32_t vtx_io_seg_items(uint64_t off, uint32_t n, unsigned w, bool df, bool write, uint32_t limit,
			  uint32_t ar)
{
	bool code = ar & 8, expand_down = !code && (ar & 4);
	uint64_t lo = expand_down ? (uint64_t)limit + 1 : 0;
	uint64_t hi = expand_down ? ((ar & (1u << 14)) ? 0xFFFFFFFFull : 0xFFFFull) : limit;
	uint64_t room;

	if ((ar & (1u << 16)) || (write && (code || !(ar & 2))) || (!write && code && !(ar & 2)))
		return 0;   /* unusable, or the wrong kind of segment */
	if (off < lo || off > hi || hi - off < w - 1)
		return 0;
	room = df ? (off - lo) / w : (hi - off - (w - 1)) / w;   /* after the first item */
	return room < n ? (uint32_t)room + 1 : n;
}
