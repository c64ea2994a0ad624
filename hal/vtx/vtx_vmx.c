/*
 * vtx_vmx.c - VMX: what the CPU must offer, VMXON, the one VMCS and its
 * host state and controls (Intel SDM vol. 3, chapters 24-26 and appendix A).
 *
 * Every feature is checked before use and each missing one is named; the
 * caller halts if any is missing. Every VMX instruction's CF/ZF is checked
 * and a failure names the instruction, the field and the VM-instruction
 * error (SDM 30.4), then halts.
 */
#include "vtx_priv.h"

#define LOG_PREFIX "vtx"

/* Controls (SDM 24.6, 24.7, 24.8) */
#define PROC_MTF (1u << 27)
#define PROC_IO_BITMAPS (1u << 25)
#define PROC_MSR_BITMAPS (1u << 28)
#define PROC_SECONDARY (1u << 31)
#define PROC2_EPT (1u << 1)
#define PROC2_RDTSCP (1u << 3)
#define PROC2_UNRESTRICTED (1u << 7)
#define PROC2_INVPCID (1u << 12)
#define PROC2_XSAVES (1u << 20)
#define EXIT_SAVE_DEBUG (1u << 2)
#define EXIT_HOST_64 (1u << 9)
#define EXIT_SAVE_PAT (1u << 18)
#define EXIT_LOAD_PAT (1u << 19)
#define EXIT_SAVE_EFER (1u << 20)
#define EXIT_LOAD_EFER (1u << 21)
#define ENTRY_LOAD_DEBUG (1u << 2)
#define ENTRY_LOAD_PAT (1u << 14)
#define ENTRY_LOAD_EFER (1u << 15)
#define VTX_EXIT_STACK 32768

struct vtx_caps vtx_caps;
static uint8_t vtx_exit_stack[VTX_EXIT_STACK] __attribute__((aligned(16)));
static void *vtx_vmxon_region, *vtx_vmcs;
static unsigned vtx_missing;

extern char vtx_exit_entry[];

/* ---- checked VMX instructions ---- */
static __attribute__((noreturn)) void vmx_fail(const char *insn, uint32_t field, bool valid)
{
	/* ZF: VMfailValid, the error number is in the current VMCS (SDM 30.4). */
	uint64_t err = 0;

	if (valid)
		__asm__ volatile("vmread %1, %0" : "=r"(err) : "r"((uint64_t)VM_INSTR_ERROR) : "cc");
	vtx_fatal("%s failed (field 0x%x): %s, VM-instruction error %llu", insn, field,
		  valid ? "VMfailValid" : "VMfailInvalid", (unsigned long long)err);
}

uint64_t vtx_vmread(uint32_t field)
{
	uint64_t v;
	uint8_t cf, zf;

	__asm__ volatile("vmread %3, %0; setc %1; setz %2"
			 : "=r"(v), "=qm"(cf), "=qm"(zf) : "r"((uint64_t)field) : "cc");
	if (cf | zf)
		vmx_fail("VMREAD", field, zf);
	return v;
}

void vtx_vmwrite(uint32_t field, uint64_t val)
{
	uint8_t cf, zf;

	__asm__ volatile("vmwrite %3, %2; setc %0; setz %1"
			 : "=qm"(cf), "=qm"(zf) : "r"((uint64_t)field), "rm"(val) : "cc");
	if (cf | zf)
		vmx_fail("VMWRITE", field, zf);
}

static void vmx_insn_pa(const char *name, uint64_t pa)
{
	uint8_t cf, zf;

	if (name[3] == 'O')
		__asm__ volatile("vmxon %2; setc %0; setz %1" : "=qm"(cf), "=qm"(zf) : "m"(pa) : "cc", "memory");
	else if (name[3] == 'C')
		__asm__ volatile("vmclear %2; setc %0; setz %1" : "=qm"(cf), "=qm"(zf) : "m"(pa) : "cc", "memory");
	else
		__asm__ volatile("vmptrld %2; setc %0; setz %1" : "=qm"(cf), "=qm"(zf) : "m"(pa) : "cc", "memory");
	if (cf | zf)
		vmx_fail(name, 0, zf);
}

void vtx_invept(void)
{
	struct { uint64_t eptp, rsvd; } desc = { vtx_ept_pointer(), 0 };
	uint64_t type = vtx_caps.invept_single ? 1 : 2;
	uint8_t cf, zf;

	__asm__ volatile("invept %2, %3; setc %0; setz %1"
			 : "=qm"(cf), "=qm"(zf) : "m"(desc), "r"(type) : "cc", "memory");
	if (cf | zf)
		vmx_fail("INVEPT", 0, zf);
}

/* ---- feature checks ---- */
static void missing(const char *what)
{
	LOG_ERR("missing CPU feature: %s", what);
	vtx_missing++;
}

/* Allowed-0/allowed-1 settings of a control MSR (SDM A.3): want, or report. */
static uint32_t control(uint32_t msr, uint32_t want, uint32_t optional, const char *names)
{
	uint64_t caps = vtx_rdmsr(msr);
	uint32_t must = (uint32_t)caps, may = (uint32_t)(caps >> 32);

	if ((want & may) != want) {
		LOG_ERR("VMX controls MSR 0x%x lacks 0x%x (%s)", msr, want & ~may, names);
		missing(names);
	}
	return (must | want | (optional & may)) & may;
}

static bool feature_control_ok(void)
{
	uint64_t fc = vtx_rdmsr(MSR_FEATURE_CONTROL);

	if (!(fc & 1)) {
		/* Unlocked: the firmware left the choice to us (SDM 23.7). */
		vtx_wrmsr(MSR_FEATURE_CONTROL, fc | 1 | 4);
		return true;
	}
	if (!(fc & 4)) {
		missing("VT-x is disabled by the firmware (IA32_FEATURE_CONTROL locked, VMX off): "
			"enable Intel Virtualization Technology in the firmware setup");
		return false;
	}
	return true;
}

static void check_ept(void)
{
	uint64_t ept = vtx_rdmsr(MSR_VMX_EPT_VPID_CAP);

	vtx_caps.ept_cap = ept;
	vtx_caps.ept_1g = ept & (1ull << 17);
	vtx_caps.ept_wb = ept & (1ull << 14);
	vtx_caps.invept_single = ept & (1ull << 25);
	if (!(ept & (1ull << 6)))
		missing("EPT 4-level page walk (IA32_VMX_EPT_VPID_CAP bit 6)");
	if (!(ept & ((1ull << 14) | (1ull << 8))))
		missing("EPT paging-structure memory type WB or UC (IA32_VMX_EPT_VPID_CAP bits 14/8)");
	if (!(ept & (1ull << 20)) || !(ept & ((1ull << 25) | (1ull << 26))))
		missing("INVEPT (IA32_VMX_EPT_VPID_CAP bits 20, 25/26)");
}

int vtx_vmx_check(void)
{
	uint64_t basic;
	uint64_t may2;

	vtx_missing = 0;
	if (!(vtx_cpuid(1, 0).c & (1u << 5))) {
		missing("VT-x (CPUID.1:ECX.VMX[bit 5] = 0: no VMX, or hidden by a hypervisor)");
		return PP_ENOTSUP;
	}
	if (!feature_control_ok())
		return PP_ENOTSUP;
	basic = vtx_rdmsr(MSR_VMX_BASIC);
	if (!(basic & (1ull << 55)))
		missing("VMX true controls (IA32_VMX_BASIC bit 55)");
	if (!(basic & (1ull << 54)))
		missing("INS/OUTS instruction information on VM exit (IA32_VMX_BASIC bit 54)");
	if (vtx_missing)
		return PP_ENOTSUP;
	vtx_caps.pin = control(MSR_VMX_TRUE_PINBASED, 0, 0, "pin-based controls");
	vtx_caps.proc = control(MSR_VMX_TRUE_PROCBASED, PROC_IO_BITMAPS | PROC_MSR_BITMAPS | PROC_SECONDARY,
				0, "I/O bitmaps, MSR bitmaps, secondary controls");
	vtx_caps.mtf = (vtx_rdmsr(MSR_VMX_TRUE_PROCBASED) >> 32) & PROC_MTF;
	/* Clear everything the true controls let us clear: no CR3, INVLPG or HLT exits. */
	may2 = vtx_rdmsr(MSR_VMX_PROCBASED2) >> 32;
	if (!(may2 & PROC2_EPT))
		missing("EPT (secondary processor-based control bit 1)");
	if (!(may2 & PROC2_UNRESTRICTED))
		missing("unrestricted guest (secondary processor-based control bit 7)");
	vtx_caps.proc2 = control(MSR_VMX_PROCBASED2, 0,
				 PROC2_EPT | PROC2_UNRESTRICTED | PROC2_RDTSCP | PROC2_INVPCID | PROC2_XSAVES,
				 "secondary controls");
	vtx_caps.rdtscp = vtx_caps.proc2 & PROC2_RDTSCP;
	vtx_caps.invpcid = vtx_caps.proc2 & PROC2_INVPCID;
	vtx_caps.xsaves = vtx_caps.proc2 & PROC2_XSAVES;
	/* DR7 and DEBUGCTL round-trip through the VMCS (DEBUGCTL writes exit: vtx_msr.c). */
	vtx_caps.exit = control(MSR_VMX_TRUE_EXIT, EXIT_HOST_64 | EXIT_SAVE_EFER | EXIT_LOAD_EFER |
				EXIT_SAVE_PAT | EXIT_LOAD_PAT, EXIT_SAVE_DEBUG,
				"exit: 64-bit host, save/load EFER and PAT");
	vtx_caps.entry = control(MSR_VMX_TRUE_ENTRY, ENTRY_LOAD_EFER | ENTRY_LOAD_PAT, ENTRY_LOAD_DEBUG,
				 "entry: load EFER and PAT");
	if (may2 & PROC2_EPT)
		check_ept();
	vtx_caps.cr0_fixed0 = vtx_rdmsr(MSR_VMX_CR0_FIXED0);
	vtx_caps.cr0_fixed1 = vtx_rdmsr(MSR_VMX_CR0_FIXED1);
	vtx_caps.cr4_fixed0 = vtx_rdmsr(MSR_VMX_CR4_FIXED0);
	vtx_caps.cr4_fixed1 = vtx_rdmsr(MSR_VMX_CR4_FIXED1);
	return vtx_missing ? PP_ENOTSUP : PP_OK;
}

/* ---- VMXON and the VMCS ---- */
static void *vmx_region(void)
{
	uint32_t *p = vtx_alloc_page();

	p[0] = (uint32_t)vtx_rdmsr(MSR_VMX_BASIC) & 0x7FFFFFFF;   /* revision (SDM 24.2) */
	return p;
}

int vtx_vmx_on(void)
{
	/* CR0/CR4 must satisfy the fixed bits in VMX operation (SDM 23.8). */
	vtx_write_cr0((vtx_read_cr0() | vtx_caps.cr0_fixed0) & vtx_caps.cr0_fixed1);
	vtx_write_cr4((vtx_read_cr4() | vtx_caps.cr4_fixed0 | (1u << 13)) & vtx_caps.cr4_fixed1);
	vtx_vmxon_region = vmx_region();
	vtx_vmcs = vmx_region();
	vmx_insn_pa("VMXON", vtx_virt_to_phys(vtx_vmxon_region));
	vmx_insn_pa("VMCLEAR", vtx_virt_to_phys(vtx_vmcs));
	vmx_insn_pa("VMPTRLD", vtx_virt_to_phys(vtx_vmcs));
	return PP_OK;
}

static void vmcs_host(void)
{
	static const struct { uint32_t field; uint16_t sel; } sels[] = {
		{ HOST_CS_SEL, 0x08 }, { HOST_SS_SEL, 0x10 }, { HOST_DS_SEL, 0x10 },
		{ HOST_ES_SEL, 0x10 }, { HOST_FS_SEL, 0 }, { HOST_GS_SEL, 0 }, { HOST_TR_SEL, 0x18 },
	};

	for (unsigned i = 0; i < VTX_ARRAY_SIZE(sels); i++)
		vtx_vmwrite(sels[i].field, sels[i].sel);
	vtx_vmwrite(HOST_CR0, vtx_read_cr0());
	vtx_vmwrite(HOST_CR3, vtx_read_cr3());
	vtx_vmwrite(HOST_CR4, vtx_read_cr4());
	vtx_vmwrite(HOST_FS_BASE, 0);
	vtx_vmwrite(HOST_GS_BASE, 0);
	vtx_vmwrite(HOST_TR_BASE, vtx_host_tss_base());
	vtx_vmwrite(HOST_GDTR_BASE, vtx_host_gdt_base());
	vtx_vmwrite(HOST_IDTR_BASE, vtx_host_idt_base());
	vtx_vmwrite(HOST_SYSENTER_CS, 0);
	vtx_vmwrite(HOST_SYSENTER_ESP, 0);
	vtx_vmwrite(HOST_SYSENTER_EIP, 0);
	vtx_vmwrite(HOST_EFER, vtx_rdmsr(MSR_EFER));
	vtx_vmwrite(HOST_PAT, vtx_rdmsr(MSR_PAT));
	vtx_vmwrite(HOST_RSP, (uint64_t)(uintptr_t)(vtx_exit_stack + VTX_EXIT_STACK));
	vtx_vmwrite(HOST_RIP, (uint64_t)(uintptr_t)vtx_exit_entry);
}

/*
 * CR0/CR4 bits VMX fixes (SDM A.7, A.8) are owned by parapass: the guest
 * reads its own value from the shadow, and writes that change them exit.
 * With unrestricted guest, PE and PG are the guest's own.
 */
uint64_t vtx_cr0_mask(void)
{
	return ((vtx_caps.cr0_fixed0 & ~0x80000001ull) | ~vtx_caps.cr0_fixed1) & 0xFFFFFFFFull;
}

uint64_t vtx_cr4_mask(void)
{
	return (vtx_caps.cr4_fixed0 | ~vtx_caps.cr4_fixed1) & 0xFFFFFFFFull;
}

void vtx_vmcs_setup(void)
{
	vmcs_host();
	vtx_vmwrite(PIN_CONTROLS, vtx_caps.pin);
	vtx_vmwrite(PROC_CONTROLS, vtx_caps.proc);
	vtx_vmwrite(PROC_CONTROLS2, vtx_caps.proc2);
	vtx_vmwrite(EXIT_CONTROLS, vtx_caps.exit);
	vtx_vmwrite(ENTRY_CONTROLS, vtx_caps.entry);
	vtx_vmwrite(EXCEPTION_BITMAP, 0);
	vtx_vmwrite(PF_ERRCODE_MASK, 0);    /* with #PF intercepted (vtx_ept.c): every #PF */
	vtx_vmwrite(PF_ERRCODE_MATCH, 0);
	vtx_vmwrite(CR3_TARGET_COUNT, 0);
	vtx_vmwrite(EXIT_MSR_STORE_COUNT, 0);
	vtx_vmwrite(EXIT_MSR_LOAD_COUNT, 0);
	vtx_vmwrite(ENTRY_MSR_LOAD_COUNT, 0);
	vtx_vmwrite(ENTRY_INTR_INFO, 0);
	vtx_vmwrite(IO_BITMAP_A, vtx_virt_to_phys(vtx_io_bitmap[0]));
	vtx_vmwrite(IO_BITMAP_B, vtx_virt_to_phys(vtx_io_bitmap[1]));
	vtx_vmwrite(MSR_BITMAP, vtx_virt_to_phys(vtx_msr_bitmap));
	vtx_vmwrite(EPT_POINTER, vtx_ept_pointer());
	if (vtx_caps.xsaves)
		vtx_vmwrite(XSS_EXIT_BITMAP, 0);
	vtx_vmwrite(VMCS_LINK_PTR, ~0ull);
	vtx_vmwrite(CR0_MASK, vtx_cr0_mask());
	vtx_vmwrite(CR4_MASK, vtx_cr4_mask());
}

void vtx_set_mtf(bool on)
{
	vtx_caps.proc = on ? vtx_caps.proc | PROC_MTF : vtx_caps.proc & ~PROC_MTF;
	vtx_vmwrite(PROC_CONTROLS, vtx_caps.proc);
}

/* VMLAUNCH or VMRESUME fell through (SDM 30.3): say why and halt. */
void vtx_entry_failed(uint64_t rflags)
{
	uint64_t err = (rflags & 0x40) ? vtx_vmread(VM_INSTR_ERROR) : 0;

	LOG_ERR("VM entry failed: %s, VM-instruction error %llu (SDM 30.4: 7 = bad control "
		"fields, 8 = bad host state)", (rflags & 0x40) ? "VMfailValid" : "VMfailInvalid",
		(unsigned long long)err);
	if (rflags & 0x40)
		vtx_dump_guest(NULL, "failed VM entry");
	hal_panic();
}
