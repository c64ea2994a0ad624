/*
 * vtx_msrtab.c - what parapass decides about the guest's MSR accesses,
 * without touching one: pure, so the hosted tests check it.
 *
 * Many MSRs keep acting after a VM exit, in VMX root operation, where
 * parapass runs on an identity map of physical memory: Intel PT writes
 * its trace to physical addresses (RTIT_OUTPUT_BASE, ToPA; even in
 * non-root operation, without EPT), PEBS and BTS write records through
 * the DS save area (IA32_DS_AREA, PEBS_ENABLE), an xAPIC page moved over
 * parapass's memory (IA32_APIC_BASE) shadows it for parapass's own
 * accesses, XRSTORS restores PT state from memory when IA32_XSS allows
 * it, architectural LBRs record parapass's branches (IA32_LBR_CTL is not
 * cleared on exit). So every MSR exits (the bitmap is all ones) except
 * those in the table below, which are harmless to pass through: they
 * only change the guest's own view, VMX switches them (SDM vol. 3, 27.3
 * and 28.3), or they steer power and frequency. Some are answered by
 * parapass (vtx_msr.c); every other MSR, read or write, gives #GP, as on
 * a processor without it (SDM vol. 4 for the numbers).
 */
#include "vtx_priv.h"

#define ICR_MODE(v) (((v) >> 8) & 7)
#define ICR_LOGICAL (1ull << 11)
#define ICR_SHORTHAND(v) (((v) >> 18) & 3)
#define ICR_MODE_INIT 5
#define ICR_MODE_SIPI 6
#define ICR_SELF 1
#define P VTX_MSR_PASS
#define E VTX_MSR_EMUL
#define D VTX_MSR_DENY

struct vtx_msr_rule {
	uint32_t first, last;
	uint8_t rd, wr;      /* enum vtx_msr_act */
};

/* Sorted, disjoint. Not listed, so #GP: RTIT_* 0x560-0x58F, DS_AREA 0x600, PEBS_* 0x3F1-0x3F7,
 * PERF_CAPABILITIES 0x345, arch LBR 0x14CE-0x16FF, SMRR, SMM_MONITOR_CTL, SGX, UMWAIT_CONTROL. */
static const struct vtx_msr_rule vtx_msr_rules[] = {
	{ 0x10, 0x10, P, P },               /* TSC: parapass only profiles with it */
	{ 0x17, 0x17, P, D },               /* PLATFORM_ID */
	{ 0x1B, 0x1B, P, E },               /* APIC_BASE: not over VMM memory */
	{ 0x2A, 0x2A, P, D },               /* EBL_CR_POWERON */
	{ 0x33, 0x35, P, D },               /* TEST_CTRL (split-lock #AC), SMI_COUNT, thread count */
	{ 0x3A, 0x3A, E, D },               /* FEATURE_CONTROL: VMX reads as off */
	{ 0x3B, 0x3B, P, P },               /* TSC_ADJUST */
	{ 0x40, 0x49, P, P },               /* legacy LBR from-IPs, SPEC_CTRL, PRED_CMD */
	{ 0x60, 0x6F, P, P },               /* legacy LBR to-IPs */
	{ 0x79, 0x79, D, E },               /* BIOS_UPDT_TRIG: microcode update ignored */
	{ 0x8B, 0x8B, P, P },               /* BIOS_SIGN_ID (microcode revision) */
	{ 0xC1, 0xC8, P, P },               /* PMC0-7 */
	{ 0xCD, 0xCE, P, D },               /* FSB_FREQ, PLATFORM_INFO */
	{ 0xE2, 0xE2, P, D },               /* PKG_CST_CONFIG_CONTROL */
	{ 0xE4, 0xE4, P, D },               /* PMG_IO_CAPTURE_BASE */
	{ 0xE7, 0xE8, P, P },               /* MPERF, APERF */
	{ 0xFE, 0xFE, P, D },               /* MTRRCAP */
	{ 0x10A, 0x10B, P, P },             /* ARCH_CAPABILITIES, FLUSH_CMD */
	{ 0x10F, 0x10F, P, P },             /* TSX_FORCE_ABORT */
	{ 0x122, 0x123, P, P },             /* TSX_CTRL, MCU_OPT_CTRL */
	{ 0x140, 0x140, P, P },             /* MISC_FEATURES_ENABLES (CPUID faulting: CPL > 0) */
	{ 0x174, 0x176, P, P },             /* SYSENTER_*: guest state in the VMCS */
	{ 0x179, 0x17B, P, P },             /* MCG_CAP, MCG_STATUS, MCG_CTL */
	{ 0x186, 0x18D, P, P },             /* PERFEVTSEL0-7 (no PEBS: see above) */
	{ 0x198, 0x19C, P, P },             /* PERF_STATUS/CTL, clock modulation, thermal */
	{ 0x1A0, 0x1A0, E, P },             /* MISC_ENABLE: reads BTS and PEBS unavailable */
	{ 0x1A2, 0x1A2, P, D },             /* TEMPERATURE_TARGET */
	{ 0x1A4, 0x1A4, P, P },             /* MISC_FEATURE_CONTROL (prefetchers) */
	{ 0x1A6, 0x1A7, P, P },             /* OFFCORE_RSP */
	{ 0x1AA, 0x1AA, P, P },             /* MISC_PWR_MGMT */
	{ 0x1AD, 0x1AF, P, D },             /* TURBO_RATIO_LIMIT */
	{ 0x1B0, 0x1B2, P, P },             /* ENERGY_PERF_BIAS, PACKAGE_THERM_* */
	{ 0x1C4, 0x1C4, P, E },             /* XFD: parapass's XSAVE must not fault (vtx_simd.c) */
	{ 0x1C5, 0x1C5, P, P },             /* XFD_ERR */
	{ 0x1C8, 0x1C9, P, P },             /* LBR_SELECT, LASTBRANCH_TOS */
	{ 0x1D9, 0x1D9, E, E },             /* DEBUGCTL: in the VMCS, no BTS */
	{ 0x1DD, 0x1DE, P, P },             /* LER_FROM/TO */
	{ 0x1FC, 0x1FC, P, P },             /* POWER_CTL */
	{ 0x200, 0x2FF, P, P },             /* MTRRs, PAT, MCi_CTL2 (README: types not followed) */
	{ 0x309, 0x30B, P, P },             /* FIXED_CTR0-2 */
	{ 0x38D, 0x392, P, P },             /* FIXED_CTR_CTRL, PERF_GLOBAL_* */
	{ 0x3F8, 0x3FE, P, D },             /* C-state residency counters */
	{ 0x400, 0x47F, P, P },             /* machine-check banks */
	{ 0x4C1, 0x4C8, P, P },             /* full-width PMCs */
	{ 0x606, 0x67F, P, P },             /* RAPL power limits and energy counters */
	{ 0x680, 0x69F, P, P },             /* LBR from-IPs */
	{ 0x6A0, 0x6A8, P, P },             /* CET: off in root mode (host CR4.CET = 0) */
	{ 0x6C0, 0x6DF, P, P },             /* LBR to-IPs */
	{ 0x6E0, 0x6E1, P, P },             /* TSC_DEADLINE, PKRS (off in root mode) */
	{ 0x770, 0x777, P, P },             /* HWP */
	{ 0x800, 0x82F, P, P },             /* x2APIC registers of this processor */
	{ 0x830, 0x830, P, E },             /* x2APIC ICR: INIT/SIPI only to itself */
	{ 0x831, 0x8FF, P, P },
	{ 0xDA0, 0xDA0, P, E },             /* XSS: no PT, LBR, ... state for XRSTORS */
	{ 0xDC0, 0xDDF, P, P },             /* LBR_INFO */
	{ 0xC0000080, 0xC0000084, P, P },   /* EFER (loaded and saved by VMX), STAR..FMASK */
	{ 0xC0000100, 0xC0000103, P, P },   /* FS/GS/KERNEL_GS base, TSC_AUX */
};

static const struct vtx_msr_rule *msr_rule(uint32_t msr)
{
	size_t lo = 0, hi = VTX_ARRAY_SIZE(vtx_msr_rules);

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		const struct vtx_msr_rule *r = &vtx_msr_rules[mid];

		if (msr < r->first)
			hi = mid;
		else if (msr > r->last)
			lo = mid + 1;
		else
			return r;
	}
	return NULL;
}

enum vtx_msr_act vtx_msr_policy(uint32_t msr, bool write)
{
	const struct vtx_msr_rule *r = msr_rule(msr);

	if (!r)
		return VTX_MSR_DENY;
	return (enum vtx_msr_act)(write ? r->wr : r->rd);
}

/* SDM vol. 3, 25.6.9: read bitmaps for 0-1FFFh and C0000000h-C0001FFFh, then the write ones. */
static void msr_bitmap_clear(uint8_t *bm, uint32_t msr, bool write)
{
	unsigned off = (msr >= 0xC0000000u ? 1024 : 0) + (write ? 2048 : 0);
	uint32_t i = msr & 0x1FFF;

	bm[off + i / 8] &= (uint8_t)~(1u << (i % 8));
}

bool vtx_msr_in_bitmap(uint32_t msr)
{
	return msr <= 0x1FFF || (msr >= 0xC0000000u && msr <= 0xC0001FFFu);
}

void vtx_msr_bitmap_build(uint8_t bm[4096])
{
	vmm_memset(bm, 0xFF, 4096);
	for (size_t i = 0; i < VTX_ARRAY_SIZE(vtx_msr_rules); i++) {
		const struct vtx_msr_rule *r = &vtx_msr_rules[i];

		for (uint32_t m = r->first; m <= r->last && vtx_msr_in_bitmap(m); m++) {
			if (r->rd == VTX_MSR_PASS)
				msr_bitmap_clear(bm, m, false);
			if (r->wr == VTX_MSR_PASS)
				msr_bitmap_clear(bm, m, true);
		}
	}
}

/* The x2APIC ICR (SDM vol. 3, 11.12.9): INIT and start-up IPIs only to this processor. */
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

/* IA32_APIC_BASE (SDM vol. 3, 11.4.4): an enabled xAPIC page may not cover [vmm_base, vmm_end). */
bool vtx_msr_apic_base_ok(uint64_t v, uint64_t vmm_base, uint64_t vmm_end)
{
	uint64_t base = v & 0x000FFFFFFFFFF000ull;

	return !(v & (1u << 11)) || base + VTX_PAGE <= vmm_base || base >= vmm_end;
}

/*
 * IA32_DEBUGCTL (SDM vol. 3, 18.4.1): LBR, BTF, bus-lock detection and
 * the freeze bits; TR/BTS/BTINT/BTS_OFF_* (6-10) would write branch
 * records through the DS save area, and the CPU reports BTS unavailable.
 */
bool vtx_msr_debugctl_ok(uint64_t v)
{
	return !(v & ~(uint64_t)0xF807);
}

/* IA32_XSS (SDM vol. 1, 13.2): CET state only; PT (8), LBR (15) and the rest stay off. */
bool vtx_msr_xss_ok(uint64_t v, uint64_t supported)
{
	return !(v & ~(supported & VTX_XSS_ALLOWED));
}
