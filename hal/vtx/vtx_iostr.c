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

/* Items of this chunk: bounded by the buffer, the count and the index register's wrap. */
uint32_t vtx_io_chunk_items(uint64_t count, uint64_t index, uint64_t amask, unsigned w, bool df)
{
	uint64_t n = VTX_IO_CHUNK / w, room;

	if (count < n)
		n = count;
	room = df ? (index & amask) / w + 1 : ((amask - (index & amask)) + 1) / w;
	if (room && room < n)
		n = room;
	return (uint32_t)n;
}
