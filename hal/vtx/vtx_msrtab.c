/*
 * vtx_msrtab.c - what parapass decides about the guest's MSR accesses,
 * without touching one: pure, so the hosted tests check it.
 *
 * The x2APIC interrupt command register (SDM vol. 3, 11.12.9): INIT and
 * start-up IPIs may only reach this processor. The others are parked in
 * VMX root operation, where INIT is blocked and SIPI ignored (vtx_smp.c);
 * dropping them here as well keeps a guest from relying on that alone.
 */
#include "vtx_priv.h"

#define ICR_MODE(v) (((v) >> 8) & 7)
#define ICR_LOGICAL (1ull << 11)
#define ICR_SHORTHAND(v) (((v) >> 18) & 3)
#define ICR_MODE_INIT 5
#define ICR_MODE_SIPI 6
#define ICR_SELF 1

bool vtx_icr_allowed(uint64_t icr, uint32_t self_id)
{
	unsigned mode = ICR_MODE(icr);

	if (mode != ICR_MODE_INIT && mode != ICR_MODE_SIPI)
		return true;
	if (ICR_SHORTHAND(icr) == ICR_SELF)
		return true;
	/* No shorthand: a physical destination that is this processor's x2APIC ID. */
	return !ICR_SHORTHAND(icr) && !(icr & ICR_LOGICAL) && (uint32_t)(icr >> 32) == self_id;
}
