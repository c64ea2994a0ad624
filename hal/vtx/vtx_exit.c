/*
 * vtx_exit.c - the VM-exit dispatcher: one table indexed by basic exit
 * reason (SDM vol. 3, appendix C) with a bounds check, in the manner of
 * ACRN's vmexit.c. A reason without a handler is logged with the guest
 * state and halts; nothing is skipped silently.
 *
 * Handled here: CPUID (VMX and what the MSR policy denies hidden), CR0/CR4
 * writes that touch bits VMX fixes, XSETBV, VMCALL, INVD, VMX
 * instructions (#UD: the guest sees no VMX), INIT/SIPI and triple fault.
 */
#include "vtx_priv.h"

#define LOG_PREFIX "vtx"
#define VTX_HC_PROFILE 0x50505046u   /* "PPPF" in EAX: print the exit profile */
#define CR0_PE 0x1ull
#define CR0_NW (1ull << 29)
#define CR0_CD (1ull << 30)
#define CR0_PG (1ull << 31)
#define CR4_PAE (1ull << 5)
#define CR4_VMXE (1ull << 13)
#define EFER_LME (1ull << 8)
#define EFER_LMA (1ull << 10)
#define ENTRY_IA32E (1u << 9)

enum vtx_exit_reason {
	EXIT_EXCEPTION = 0, EXIT_TRIPLE_FAULT = 2, EXIT_INIT = 3, EXIT_SIPI = 4, EXIT_TASK_SWITCH = 9,
	EXIT_CPUID = 10, EXIT_GETSEC = 11, EXIT_INVD = 13, EXIT_VMCALL = 18,
	EXIT_VMCLEAR = 19, EXIT_VMLAUNCH, EXIT_VMPTRLD, EXIT_VMPTRST, EXIT_VMREAD,
	EXIT_VMRESUME, EXIT_VMWRITE, EXIT_VMXOFF, EXIT_VMXON, EXIT_CR = 28, EXIT_IO = 30,
	EXIT_RDMSR = 31, EXIT_WRMSR = 32, EXIT_BAD_GUEST = 33, EXIT_BAD_MSR_LOAD = 34,
	EXIT_MTF = 37, EXIT_MCE_ENTRY = 41, EXIT_EPT_VIOLATION = 48, EXIT_EPT_MISCONFIG = 49,
	EXIT_INVEPT = 50, EXIT_INVVPID = 53, EXIT_XSETBV = 55, EXIT_VMFUNC = 59,
};

typedef void (*vtx_exit_fn)(struct vtx_regs *r);

static void exit_ud(struct vtx_regs *r)
{
	(void)r;
	vtx_inject_exc(6, -1);
}

static __attribute__((noreturn)) void exit_stop(struct vtx_regs *r, const char *why)
{
	vtx_dump_guest(r, why);
	vtx_prof_print(why);
	vtx_fatal("guest stopped: %s", why);
}

static void exit_triple_fault(struct vtx_regs *r)
{
	exit_stop(r, "triple fault (the guest reset itself or crashed)");
}

static void exit_init(struct vtx_regs *r)
{
	exit_stop(r, "INIT signal (the guest runs on one CPU; a reset by INIT is not emulated)");
}

/*
 * Hardware task switches always exit (SDM vol. 3, 26.2; qualification in
 * 28.2.1) and parapass does not emulate them (64-bit OSes cannot use them;
 * 32-bit ones use them for #DF). A CALL, JMP or IRET to a task gets
 * #GP(selector), as an invalid TSS would give: the guest sees its
 * instruction fail. An event delivered through a task gate could not be
 * delivered: #DF, as for a fault during delivery; for #DF itself the
 * guest is stopped, as by the triple fault the hardware would then take.
 */
static void exit_task_switch(struct vtx_regs *r)
{
	static const char *const src[] = { "CALL", "IRET", "JMP", "task gate" };
	uint64_t q = vtx_vmread(EXIT_QUALIFICATION), vect = vtx_vmread(IDT_VECT_INFO);
	unsigned source = (q >> 30) & 3;
	uint16_t sel = (uint16_t)q;
	static unsigned logged;

	if (logged++ < 8)
		LOG_WARN("guest hardware task switch (%s to selector 0x%x) not emulated: %s", src[source],
			 sel, source != 3 ? "#GP" : (vect & 0xFF) == 8 ? "guest stopped" : "#DF");
	if (source != 3)
		vtx_inject_exc(13, sel & 0xFFFC);
	else if ((vect & (1u << 31)) && (vect & 0xFF) == 8)
		exit_stop(r, "double fault through a task gate (a hardware task switch; not emulated)");
	else
		vtx_inject_exc(8, 0);
}

static void exit_unexpected(struct vtx_regs *r)
{
	exit_stop(r, "unexpected exit");
}

/* CPUID as the hardware answers, minus VMX and what the controls do not support. */
static void exit_cpuid(struct vtx_regs *r)
{
	uint32_t leaf = (uint32_t)r->rax, sub = (uint32_t)r->rcx;
	struct vtx_cpuid c = vtx_cpuid(leaf, sub);
	uint64_t cr4 = vtx_vmread(GUEST_CR4);

	switch (leaf) {
	case 1:
		c.c &= ~((1u << 5) | (1u << 6));   /* VMX, SMX */
		/* DTES64, PDCM, DS: no debug store, so no BTS or PEBS (vtx_msrtab.c) */
		c.c &= ~((1u << 2) | (1u << 15));
		c.d &= ~(1u << 21);
		/* OSXSAVE mirrors the guest's CR4, not parapass's (SDM vol. 2, CPUID). */
		c.c = (cr4 & (1u << 18)) ? c.c | (1u << 27) : c.c & ~(1u << 27);
		break;
	case 7:
		if (sub == 0) {
			if (!vtx_caps.invpcid)
				c.b &= ~(1u << 10);
			c.b &= ~(1u << 25);  /* Intel PT: it writes to physical addresses */
			c.c &= ~(1u << 5);   /* WAITPKG: no "enable user wait" control */
			c.c = (cr4 & (1u << 22)) ? c.c | (1u << 4) : c.c & ~(1u << 4);  /* OSPKE */
			c.d &= ~(1u << 19);  /* architectural LBRs: not cleared on exit */
		}
		break;
	case 0xD:
		if (sub == 1) {
			if (!vtx_caps.xsaves)
				c.a &= ~(1u << 3);
			c.c &= (uint32_t)VTX_XSS_ALLOWED;   /* the XSS bits the MSR policy allows */
			c.d = 0;
		}
		break;
	case 0x14:   /* Intel PT's leaf, and architectural LBR's: hidden features */
	case 0x1C:
		c = (struct vtx_cpuid){ 0, 0, 0, 0 };
		break;
	case 0x80000001:
		if (!vtx_caps.rdtscp)
			c.d &= ~(1u << 27);
		break;
	default:
		break;
	}
	r->rax = c.a;
	r->rbx = c.b;
	r->rcx = c.c;
	r->rdx = c.d;
	vtx_skip_instr();
}

/* ---- CR access (SDM 27.2.1 table 27-3) ---- */
static bool cr0_write(uint64_t v)
{
	uint64_t old = vtx_vmread(CR0_SHADOW), efer = vtx_vmread(GUEST_EFER);
	uint32_t entry = (uint32_t)vtx_vmread(ENTRY_CONTROLS);

	if ((v >> 32) || ((v & CR0_PG) && !(v & CR0_PE)) || ((v & CR0_NW) && !(v & CR0_CD)))
		return false;
	if ((v & CR0_PG) && !(old & CR0_PG) && (efer & EFER_LME)) {
		if (!(vtx_vmread(GUEST_CR4) & CR4_PAE))
			return false;
		efer |= EFER_LMA;   /* entering IA-32e mode (SDM 10.8.5) */
		entry |= ENTRY_IA32E;
	} else if (!(v & CR0_PG) && (old & CR0_PG) && (efer & EFER_LMA)) {
		efer &= ~EFER_LMA;
		entry &= ~ENTRY_IA32E;
	}
	vtx_vmwrite(GUEST_EFER, efer);
	vtx_vmwrite(ENTRY_CONTROLS, entry);
	vtx_vmwrite(CR0_SHADOW, v);
	vtx_vmwrite(GUEST_CR0, ((v | vtx_caps.cr0_fixed0) & vtx_caps.cr0_fixed1 & ~(CR0_PE | CR0_PG)) |
				       (v & (CR0_PE | CR0_PG)));
	if ((v & CR0_PG) && !(efer & EFER_LMA) && (vtx_vmread(GUEST_CR4) & CR4_PAE))
		vtx_load_pdptes();
	return true;
}

static bool cr4_write(uint64_t v)
{
	if (v & CR4_VMXE || (v & ~vtx_caps.cr4_fixed1 & ~CR4_VMXE))
		return false;   /* no VMX in the guest; reserved bits fault as on hardware */
	vtx_vmwrite(CR4_SHADOW, v);
	vtx_vmwrite(GUEST_CR4, (v | vtx_caps.cr4_fixed0) & vtx_caps.cr4_fixed1);
	if ((vtx_vmread(GUEST_CR0) & CR0_PG) && !vtx_guest_long_mode() && (v & CR4_PAE))
		vtx_load_pdptes();
	return true;
}

static void exit_cr(struct vtx_regs *r)
{
	uint64_t q = vtx_vmread(EXIT_QUALIFICATION);
	unsigned cr = q & 15, type = (q >> 4) & 3;
	uint64_t v = vtx_gpr_get(r, (q >> 8) & 15);
	bool ok;

	switch (type) {
	case 0:   /* MOV to CR */
		if (cr == 0)
			ok = cr0_write(v);
		else if (cr == 4)
			ok = cr4_write(v);
		else
			exit_stop(r, "MOV to a CR parapass does not intercept");
		break;
	case 3:   /* LMSW: PE, MP, EM, TS; it can set PE but not clear it */
		v = (q >> 16) & 0xF;
		ok = cr0_write((vtx_vmread(CR0_SHADOW) & ~0xEull) | v |
			       (vtx_vmread(CR0_SHADOW) & CR0_PE));
		break;
	default:
		exit_stop(r, "CR read or CLTS exit that the controls never ask for");
	}
	if (ok)
		vtx_skip_instr();
	else
		vtx_inject_exc(13, 0);
}

static void exit_xsetbv(struct vtx_regs *r)
{
	if (vtx_guest_cpl() != 0 ||
	    !vtx_simd_guest_xsetbv((uint32_t)r->rcx, (r->rdx << 32) | (uint32_t)r->rax)) {
		vtx_inject_exc(13, 0);
		return;
	}
	vtx_skip_instr();
}

static void exit_invd(struct vtx_regs *r)
{
	(void)r;
	__asm__ volatile("wbinvd" : : : "memory");   /* INVD would drop parapass's own writes */
	vtx_skip_instr();
}

static void exit_vmcall(struct vtx_regs *r)
{
	if (vtx_bios_vmcall(r))
		return;
	if ((uint32_t)r->rax == VTX_HC_PROFILE) {
		vtx_prof_print("guest request");
		vtx_skip_instr();
		return;
	}
	vtx_inject_exc(6, -1);   /* as VMCALL outside VMX operation */
}

static void exit_ept_violation(struct vtx_regs *r)
{
	vtx_ept_violation(r);
}

static void exit_mtf(struct vtx_regs *r)
{
	if (!vtx_ept_stepping())
		exit_stop(r, "monitor trap exit nobody asked for");
	vtx_ept_step_done();
}

/*
 * Exceptions are intercepted only during the TF step over a hidden-memory
 * access (vtx_ept.c): its #DB ends the step; any other exception is the
 * stepped instruction's fault, which closes the window and goes to the
 * guest. Never a halt: whatever arrives is given back to the guest.
 */
static void exit_exception(struct vtx_regs *r)
{
	uint32_t info = (uint32_t)vtx_vmread(EXIT_INTR_INFO);

	(void)r;
	if ((info & 0xFF) == 1 && vtx_ept_stepping()) {
		vtx_ept_step_done();
		return;
	}
	vtx_ept_close();
	vtx_exc_reinject();
}

static void exit_bad_guest(struct vtx_regs *r)
{
	exit_stop(r, "VM entry failed: invalid guest state (SDM 26.3.1)");
}

static const vtx_exit_fn vtx_exit_table[VTX_EXIT_REASONS] = {
	[EXIT_EXCEPTION] = exit_exception, [EXIT_TRIPLE_FAULT] = exit_triple_fault, [EXIT_INIT] = exit_init,
	[EXIT_TASK_SWITCH] = exit_task_switch,
	[EXIT_CPUID] = exit_cpuid, [EXIT_GETSEC] = exit_ud, [EXIT_INVD] = exit_invd,
	[EXIT_VMCALL] = exit_vmcall, [EXIT_VMCLEAR] = exit_ud, [EXIT_VMLAUNCH] = exit_ud,
	[EXIT_VMPTRLD] = exit_ud, [EXIT_VMPTRST] = exit_ud, [EXIT_VMREAD] = exit_ud,
	[EXIT_VMRESUME] = exit_ud, [EXIT_VMWRITE] = exit_ud, [EXIT_VMXOFF] = exit_ud,
	[EXIT_VMXON] = exit_ud, [EXIT_CR] = exit_cr, [EXIT_IO] = vtx_io_exit,
	[EXIT_RDMSR] = vtx_msr_rdmsr, [EXIT_WRMSR] = vtx_msr_wrmsr, [EXIT_BAD_GUEST] = exit_bad_guest,
	[EXIT_MTF] = exit_mtf, [EXIT_EPT_VIOLATION] = exit_ept_violation,
	[EXIT_INVEPT] = exit_ud, [EXIT_INVVPID] = exit_ud, [EXIT_XSETBV] = exit_xsetbv,
	[EXIT_VMFUNC] = exit_ud,
};

/* An NMI that hit root mode belongs to the guest: deliver it when nothing else is. */
static void exit_nmi(void)
{
	if (!vtx_nmi_pending || (vtx_vmread(ENTRY_INTR_INFO) & (1u << 31)) ||
	    (vtx_vmread(GUEST_INTERRUPTIBILITY) & 0xB))
		return;
	vtx_nmi_pending = false;
	vtx_vmwrite(ENTRY_INTR_INFO, 2 | (2u << 8) | (1u << 31));
}

void vtx_exit_handler(struct vtx_regs *r)
{
	uint64_t t0 = hal_cycles();
	uint32_t reason = (uint32_t)vtx_vmread(EXIT_REASON) & 0xFFFF;
	vtx_exit_fn fn = reason < VTX_EXIT_REASONS ? vtx_exit_table[reason] : NULL;

	if (!fn) {
		LOG_ERR("unhandled VM exit, reason %u", reason);
		exit_unexpected(r);
	}
	vtx_ept_exit_begin(reason);
	fn(r);
	if (reason == EXIT_EPT_VIOLATION)
		vtx_event_reinject();
	exit_nmi();
	vtx_simd_before_entry();
	vtx_prof.exits[reason]++;
	vtx_prof.cycles[reason] += hal_cycles() - t0;
}
