/*
 * vtx_pcitab.c - what parapass lets the guest write to the host bridge's
 * PCIEXBAR (Intel 3-series and later, Q35: device 0:0.0, offset 60h, 64
 * bits; bit 0 enables the window, bits 2:1 its length, the upper bits its
 * base). The window is the PCI ECAM space the ACPI MCFG table names, which
 * EPT hides (vtx_acpi.c); moved or enabled anywhere else, it would give the
 * guest memory-mapped configuration access that vmm/ never sees, to move
 * the IDE controller's BARs. Pure, so the hosted tests check it.
 */
#include "vtx_priv.h"

/* The 64-bit register after a write of width bytes at byte at (0-7) of it. */
uint64_t vtx_pci_merge64(uint64_t cur, unsigned at, unsigned width, uint32_t val)
{
	for (unsigned i = 0; i < width && at + i < 8; i++) {
		uint64_t sh = 8ull * (at + i);

		cur = (cur & ~(0xFFull << sh)) | (uint64_t)((val >> (8 * i)) & 0xFF) << sh;
	}
	return cur;
}

/* Allowed: switching the window off, or it as it was at start-up (where EPT hides it). */
bool vtx_pciexbar_ok(uint64_t init, uint64_t cur, unsigned at, unsigned width, uint32_t val)
{
	uint64_t next = vtx_pci_merge64(cur, at, width, val);

	return !(next & 1) || next == init;
}
