/*
 * vtx_msr.c - RDMSR and WRMSR exits (SDM vol. 3, 26.1.3 and 25.6.9):
 * every MSR the policy table (vtx_msrtab.c) does not pass through exits
 * here. Denied ones give #GP, as on a CPU without them; the emulated ones
 * are answered below. Outside the bitmap's two ranges every MSR exits, so
 * the policy decides there too.
 */
#include "vtx_priv.h"

#define LOG_PREFIX "vtx"
#define LOG_MAX 16
#define MISC_BTS_UNAVAILABLE (1ull << 11)
#define MISC_PEBS_UNAVAILABLE (1ull << 12)

uint8_t vtx_msr_bitmap[4096] __attribute__((aligned(4096)));
static unsigned msr_denied;

void vtx_msr_init(void)
{
	vtx_msr_bitmap_build(vtx_msr_bitmap);
	/* Nothing may trace or sample into memory from root mode: off, whatever the firmware left. */
	vtx_wrmsr_safe(MSR_RTIT_CTL, 0);
	vtx_wrmsr_safe(MSR_PEBS_ENABLE, 0);
}

static void msr_deny(uint32_t msr, bool write)
{
	if (msr_denied++ < LOG_MAX)
		LOG_WARN("guest %s of MSR 0x%x refused (#GP)%s", write ? "WRMSR" : "RDMSR", msr,
			 msr_denied == LOG_MAX ? "; no more of these are logged" : "");
	vtx_inject_exc(13, 0);
}

static void msr_done(struct vtx_regs *r, bool write, uint64_t v)
{
	if (!write) {
		r->rax = (uint32_t)v;
		r->rdx = v >> 32;
	}
	vtx_skip_instr();
}

/* An MSR outside the bitmap the policy passes: executed here, its #GP the guest's. */
static bool msr_hw(uint32_t msr, bool write, uint64_t *v)
{
	return write ? vtx_wrmsr_safe(msr, *v) : vtx_rdmsr_safe(msr, v);
}

static bool msr_emul_read(uint32_t msr, uint64_t *v)
{
	switch (msr) {
	case MSR_FEATURE_CONTROL:
		*v = vtx_rdmsr(msr) & ~6ull;   /* locked, VMX off: as on a CPU without it */
		return true;
	case MSR_MISC_ENABLE:
		return vtx_rdmsr_safe(msr, v) && (*v |= MISC_BTS_UNAVAILABLE | MISC_PEBS_UNAVAILABLE, true);
	case MSR_DEBUGCTL:
		*v = vtx_vmread(GUEST_DEBUGCTL);
		return true;
	default:
		return false;
	}
}

static bool msr_emul_write(uint32_t msr, uint64_t v)
{
	uint64_t self;

	switch (msr) {
	case MSR_APIC_BASE:
		return vtx_msr_apic_base_ok(v, vtx_boot.image_base, vtx_boot.image_end) &&
		       vtx_wrmsr_safe(msr, v);
	case MSR_BIOS_UPDT_TRIG:
		return true;   /* a microcode update from the guest is ignored, as hypervisors do */
	case MSR_XFD:
		return vtx_wrmsr_safe(msr, v) && (vtx_simd_guest_xfd(v), true);
	case MSR_DEBUGCTL:
		if (!vtx_msr_debugctl_ok(v))
			return false;
		vtx_vmwrite(GUEST_DEBUGCTL, v);
		return true;
	case MSR_XSS:
		return vtx_msr_xss_ok(v, vtx_simd_xss_supported()) && vtx_wrmsr_safe(msr, v);
	case MSR_X2APIC_ICR:
		/* The x2APIC ID answers only in x2APIC mode, as the ICR does. */
		if (!vtx_rdmsr_safe(MSR_X2APIC_ID, &self))
			return false;
		if (vtx_icr_allowed(v, (uint32_t)self))
			return vtx_wrmsr_safe(msr, v);
		if (msr_denied++ < LOG_MAX)
			LOG_WARN("guest INIT/SIPI IPI (ICR %llx) to other processors dropped: "
				 "they are parked", (unsigned long long)v);
		return true;
	default:
		return false;
	}
}

static void msr_exit(struct vtx_regs *r, bool write)
{
	uint32_t msr = (uint32_t)r->rcx;
	uint64_t v = (r->rdx << 32) | (uint32_t)r->rax;
	bool ok;

	switch (vtx_msr_policy(msr, write)) {
	case VTX_MSR_PASS:
		ok = msr_hw(msr, write, &v);
		break;
	case VTX_MSR_EMUL:
		ok = write ? msr_emul_write(msr, v) : msr_emul_read(msr, &v);
		break;
	case VTX_MSR_DENY:
		msr_deny(msr, write);
		return;
	default:
		vtx_fatal("MSR 0x%x: no policy", msr);
	}
	if (ok)
		msr_done(r, write, v);
	else
		vtx_inject_exc(13, 0);
}

void vtx_msr_rdmsr(struct vtx_regs *r)
{
	msr_exit(r, false);
}

void vtx_msr_wrmsr(struct vtx_regs *r)
{
	msr_exit(r, true);
}
