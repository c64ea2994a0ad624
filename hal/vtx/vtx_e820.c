/*
 * vtx_e820.c - the memory map the guest sees through INT 15h: the
 * firmware's map (as GRUB passed it) with parapass's memory and the
 * real-mode stub cut out of usable RAM and reported reserved, so that
 * neither the OS nor the PCI resource allocator (which places BARs in
 * holes) ever uses them. Also the older interfaces' figures: E801h (KiB
 * from 1 to 16 MiB and 64 KiB blocks above) and 88h (KiB above 1 MiB),
 * both counting only RAM contiguous from 1 MiB, as BIOSes do.
 * Pure, so the hosted tests check it (ACPI 6.4, 15 "System Address Map").
 */
#include "vtx_priv.h"

static int e820_emit(struct vtx_e820 *out, unsigned max, unsigned *n, uint64_t a, uint64_t b,
		     uint32_t type)
{
	if (a >= b)
		return PP_OK;
	if (*n == max)
		return PP_ENOSPC;
	out[(*n)++] = (struct vtx_e820){ .base = a, .len = b - a, .type = type };
	return PP_OK;
}

/* Usable [a, b) minus every hidden range, emitted piece by piece (ranges sorted). */
static int e820_cut(struct vtx_e820 *out, unsigned max, unsigned *n, uint64_t a, uint64_t b,
		    const struct vtx_range *hide, unsigned nhide)
{
	for (unsigned i = 0; i < nhide && a < b; i++) {
		if (hide[i].end <= a || hide[i].base >= b)
			continue;
		if (e820_emit(out, max, n, a, hide[i].base, VTX_E820_RAM))
			return PP_ENOSPC;
		a = hide[i].end;
	}
	return e820_emit(out, max, n, a, b, VTX_E820_RAM);
}

int vtx_e820_build(const struct vtx_e820 *in, unsigned nin, const struct vtx_range *hide,
		   unsigned nhide, struct vtx_e820 *out, unsigned max, unsigned *nout)
{
	unsigned n = 0;

	for (unsigned i = 1; i < nhide; i++)
		VMM_ASSERT(hide[i - 1].end <= hide[i].base);
	for (unsigned i = 0; i < nin; i++) {
		int err = in[i].type == VTX_E820_RAM
			? e820_cut(out, max, &n, in[i].base, in[i].base + in[i].len, hide, nhide)
			: e820_emit(out, max, &n, in[i].base, in[i].base + in[i].len, in[i].type);

		if (err)
			return err;
	}
	for (unsigned i = 0; i < nhide; i++)
		if (e820_emit(out, max, &n, hide[i].base, hide[i].end, VTX_E820_RESERVED))
			return PP_ENOSPC;
	/* Sorted by address, as callers of E820h expect; n is small. */
	for (unsigned i = 1; i < n; i++)
		for (unsigned j = i; j > 0 && out[j - 1].base > out[j].base; j--) {
			struct vtx_e820 t = out[j];

			out[j] = out[j - 1];
			out[j - 1] = t;
		}
	*nout = n;
	return PP_OK;
}

/* End of the usable RAM that runs without a gap from 1 MiB. */
static uint64_t e820_contig_end(const struct vtx_e820 *m, unsigned n)
{
	uint64_t end = 0x100000;
	bool grew = true;

	while (grew) {
		grew = false;
		for (unsigned i = 0; i < n; i++)
			if (m[i].type == VTX_E820_RAM && m[i].base <= end &&
			    m[i].base + m[i].len > end) {
				end = m[i].base + m[i].len;
				grew = true;
			}
	}
	return end;
}

struct vtx_legacy_mem vtx_e820_legacy(const struct vtx_e820 *m, unsigned n)
{
	uint64_t end = e820_contig_end(m, n), low = end < (16ull << 20) ? end : 16ull << 20;
	uint64_t high = end < (4ull << 30) ? end : 4ull << 30;
	uint64_t kib = (end - 0x100000) >> 10;
	struct vtx_legacy_mem r = {
		.e801_low_kib = (uint16_t)((low - 0x100000) >> 10),
		.e801_high_64k = (uint16_t)(high > (16ull << 20) ? (high - (16ull << 20)) >> 16 : 0),
		.ext_kib = (uint16_t)(kib > 0xFFFF ? 0xFFFF : kib),
	};
	return r;
}
