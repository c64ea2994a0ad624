/*
 * vtx_mtrr.c - the memory type the firmware's MTRRs give a physical range
 * (SDM vol. 3, 12.11). With EPT the CPU ignores the MTRRs for guest
 * accesses and takes the type from the EPT entry instead (SDM 29.3.7), so
 * the identity map must carry these types or device memory would be
 * cached. Pure: the MTRR values come in a struct, so hosted tests run it.
 */
#include "vtx_priv.h"

/* Which of the 88 fixed-range entries (8 x 64K, 16 x 16K, 64 x 4K) covers pa < 1 MiB. */
static unsigned mtrr_fixed_index(uint64_t pa)
{
	if (pa < 0x80000)
		return (unsigned)(pa >> 16);
	if (pa < 0xC0000)
		return 8 + (unsigned)((pa - 0x80000) >> 14);
	return 24 + (unsigned)((pa - 0xC0000) >> 12);
}

/* Overlapping variable ranges (SDM 12.11.4.1): UC wins, WT beats WB, else undefined -> UC. */
static int mtrr_combine(int a, int b)
{
	if (a < 0 || a == b)
		return b;
	if (a == VTX_MT_UC || b == VTX_MT_UC)
		return VTX_MT_UC;
	if ((a == VTX_MT_WT && b == VTX_MT_WB) || (a == VTX_MT_WB && b == VTX_MT_WT))
		return VTX_MT_WT;
	return VTX_MT_UC;
}

static int mtrr_fixed_type(const struct vtx_mtrr *m, uint64_t base, uint64_t size)
{
	int t = m->fixed[mtrr_fixed_index(base)];

	if (base + size > 0x100000)
		return -1;   /* straddles the fixed and variable worlds: split */
	for (uint64_t a = base; a < base + size; a += VTX_PAGE)
		if (m->fixed[mtrr_fixed_index(a)] != t)
			return -1;
	return t;
}

int vtx_mtrr_type(const struct vtx_mtrr *m, uint64_t base, uint64_t size)
{
	int t = -1;

	if (!m->enabled)
		return VTX_MT_UC;
	if (m->fixed_enabled && base < 0x100000)
		return mtrr_fixed_type(m, base, size);
	for (unsigned i = 0; i < m->nvar; i++) {
		uint64_t mask = m->var[i].mask & m->addr_mask & ~(VTX_PAGE - 1);
		uint64_t vb = m->var[i].base & mask, hi = mask & ~(size - 1);

		if ((base & hi) != (vb & hi))
			continue;              /* no address of the range matches */
		if (mask & (size - 1))
			return -1;             /* the MTRR is finer than the range: split */
		t = mtrr_combine(t, m->var[i].type);
	}
	return t < 0 ? m->def_type : t;
}
