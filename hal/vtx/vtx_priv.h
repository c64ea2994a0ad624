/*
 * vtx_priv.h - what the files of hal/vtx share: CPU access helpers, VMCS
 * field encodings (Intel SDM vol. 3, appendix B), the guest register frame
 * the exit stub builds, and the functions one file offers the others.
 * Nothing outside hal/vtx includes it.
 */
#ifndef VTX_PRIV_H
#define VTX_PRIV_H

#include "../../vmm/vmm.h"

#define VTX_PAGE 4096ull
#define VTX_2M (2ull << 20)
#define VTX_1G (1ull << 30)
#define VTX_ALIGN_UP(x, a) (((x) + (a) - 1) & ~((uint64_t)(a) - 1))
#define VTX_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Where the image runs: -mcmodel=kernel wants the top 2 GiB (vtx.ld). */
#define VTX_VIRT_BASE 0xFFFFFFFF80000000ull

/* ---- CPU helpers ---- */
struct vtx_cpuid { uint32_t a, b, c, d; };

static inline struct vtx_cpuid vtx_cpuid(uint32_t leaf, uint32_t sub)
{
	struct vtx_cpuid r;

	__asm__ volatile("cpuid" : "=a"(r.a), "=b"(r.b), "=c"(r.c), "=d"(r.d) : "a"(leaf), "c"(sub));
	return r;
}

static inline uint64_t vtx_rdmsr(uint32_t msr)
{
	uint32_t lo, hi;

	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (uint64_t)hi << 32 | lo;
}

static inline void vtx_wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

static inline void vtx_xsetbv(uint32_t xcr, uint64_t v)
{
	__asm__ volatile("xsetbv" : : "c"(xcr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)));
}

#define VTX_READ_CR(n)                                                  \
	static inline uint64_t vtx_read_cr##n(void)                     \
	{                                                               \
		uint64_t v;                                             \
		__asm__ volatile("mov %%cr" #n ", %0" : "=r"(v));       \
		return v;                                               \
	}                                                               \
	static inline void vtx_write_cr##n(uint64_t v)                  \
	{                                                               \
		__asm__ volatile("mov %0, %%cr" #n : : "r"(v) : "memory"); \
	}
VTX_READ_CR(0)
VTX_READ_CR(2)
VTX_READ_CR(3)
VTX_READ_CR(4)
#undef VTX_READ_CR

static inline void vtx_halt_forever(void)
{
	for (;;)
		__asm__ volatile("cli; hlt");
}

/* Physical memory is identity-mapped in root mode (vtx_mem.c). */
static inline void *vtx_phys(uint64_t pa)
{
	uintptr_t v = (uintptr_t)pa;

	/* Opaque to gcc, which otherwise takes low constant addresses for NULL arithmetic. */
	__asm__("" : "+r"(v));
	return (void *)v;
}
uint64_t vtx_virt_to_phys(const void *p);

/* MSRs (SDM vol. 4) */
enum {
	MSR_FEATURE_CONTROL = 0x3A,
	MSR_APIC_BASE = 0x1B,
	MSR_BIOS_UPDT_TRIG = 0x79,
	MSR_MISC_ENABLE = 0x1A0,
	MSR_XFD = 0x1C4,
	MSR_DEBUGCTL = 0x1D9,
	MSR_PEBS_ENABLE = 0x3F1,
	MSR_RTIT_CTL = 0x570,
	MSR_XSS = 0xDA0,
	MSR_MTRRCAP = 0xFE,
	MSR_MTRR_PHYSBASE0 = 0x200,
	MSR_MTRR_FIX64K = 0x250,
	MSR_MTRR_FIX16K = 0x258,
	MSR_MTRR_FIX4K = 0x268,
	MSR_PAT = 0x277,
	MSR_MTRR_DEF_TYPE = 0x2FF,
	MSR_VMX_BASIC = 0x480,
	MSR_VMX_CR0_FIXED0 = 0x486,
	MSR_VMX_CR0_FIXED1 = 0x487,
	MSR_VMX_CR4_FIXED0 = 0x488,
	MSR_VMX_CR4_FIXED1 = 0x489,
	MSR_VMX_PROCBASED2 = 0x48B,
	MSR_VMX_EPT_VPID_CAP = 0x48C,
	MSR_VMX_TRUE_PINBASED = 0x48D,
	MSR_VMX_TRUE_PROCBASED = 0x48E,
	MSR_VMX_TRUE_EXIT = 0x48F,
	MSR_VMX_TRUE_ENTRY = 0x490,
	MSR_VMX_LAST = 0x493,
	MSR_X2APIC_ID = 0x802,
	MSR_X2APIC_ICR = 0x830,
	MSR_EFER = 0xC0000080,
};

/* ---- VMCS field encodings (SDM vol. 3, appendix B) ---- */
enum vtx_vmcs_field {
	GUEST_ES_SEL = 0x0800, GUEST_CS_SEL = 0x0802, GUEST_SS_SEL = 0x0804,
	GUEST_DS_SEL = 0x0806, GUEST_FS_SEL = 0x0808, GUEST_GS_SEL = 0x080A,
	GUEST_LDTR_SEL = 0x080C, GUEST_TR_SEL = 0x080E,
	HOST_ES_SEL = 0x0C00, HOST_CS_SEL = 0x0C02, HOST_SS_SEL = 0x0C04,
	HOST_DS_SEL = 0x0C06, HOST_FS_SEL = 0x0C08, HOST_GS_SEL = 0x0C0A, HOST_TR_SEL = 0x0C0C,
	IO_BITMAP_A = 0x2000, IO_BITMAP_B = 0x2002, MSR_BITMAP = 0x2004,
	EPT_POINTER = 0x201A, XSS_EXIT_BITMAP = 0x202C,
	GUEST_PHYS_ADDR = 0x2400,
	VMCS_LINK_PTR = 0x2800, GUEST_DEBUGCTL = 0x2802, GUEST_PAT = 0x2804,
	GUEST_EFER = 0x2806, GUEST_PDPTE0 = 0x280A,
	HOST_PAT = 0x2C00, HOST_EFER = 0x2C02,
	PIN_CONTROLS = 0x4000, PROC_CONTROLS = 0x4002, EXCEPTION_BITMAP = 0x4004,
	CR3_TARGET_COUNT = 0x400A, EXIT_CONTROLS = 0x400C, EXIT_MSR_STORE_COUNT = 0x400E,
	EXIT_MSR_LOAD_COUNT = 0x4010, ENTRY_CONTROLS = 0x4012, ENTRY_MSR_LOAD_COUNT = 0x4014,
	ENTRY_INTR_INFO = 0x4016, ENTRY_EXC_ERRCODE = 0x4018, ENTRY_INSTR_LEN = 0x401A,
	PROC_CONTROLS2 = 0x401E,
	VM_INSTR_ERROR = 0x4400, EXIT_REASON = 0x4402, EXIT_INTR_INFO = 0x4404,
	EXIT_INTR_ERRCODE = 0x4406, IDT_VECT_INFO = 0x4408, IDT_VECT_ERRCODE = 0x440A,
	EXIT_INSTR_LEN = 0x440C, EXIT_INSTR_INFO = 0x440E,
	GUEST_ES_LIMIT = 0x4800, GUEST_GDTR_LIMIT = 0x4810, GUEST_IDTR_LIMIT = 0x4812,
	GUEST_ES_AR = 0x4814, GUEST_INTERRUPTIBILITY = 0x4824, GUEST_ACTIVITY = 0x4826,
	GUEST_SYSENTER_CS = 0x482A, HOST_SYSENTER_CS = 0x4C00,
	CR0_MASK = 0x6000, CR4_MASK = 0x6002, CR0_SHADOW = 0x6004, CR4_SHADOW = 0x6006,
	PF_ERRCODE_MASK = 0x4006, PF_ERRCODE_MATCH = 0x4008,
	EXIT_QUALIFICATION = 0x6400, GUEST_LINEAR_ADDR = 0x640A,
	GUEST_CR0 = 0x6800, GUEST_CR3 = 0x6802, GUEST_CR4 = 0x6804, GUEST_ES_BASE = 0x6806,
	GUEST_GDTR_BASE = 0x6816, GUEST_IDTR_BASE = 0x6818, GUEST_DR7 = 0x681A,
	GUEST_RSP = 0x681C, GUEST_RIP = 0x681E, GUEST_RFLAGS = 0x6820,
	GUEST_PENDING_DBG = 0x6822, GUEST_SYSENTER_ESP = 0x6824, GUEST_SYSENTER_EIP = 0x6826,
	HOST_CR0 = 0x6C00, HOST_CR3 = 0x6C02, HOST_CR4 = 0x6C04, HOST_FS_BASE = 0x6C06,
	HOST_GS_BASE = 0x6C08, HOST_TR_BASE = 0x6C0A, HOST_GDTR_BASE = 0x6C0C,
	HOST_IDTR_BASE = 0x6C0E, HOST_SYSENTER_ESP = 0x6C10, HOST_SYSENTER_EIP = 0x6C12,
	HOST_RSP = 0x6C14, HOST_RIP = 0x6C16,
};
/* Segment n (0 ES, 1 CS, 2 SS, 3 DS, 4 FS, 5 GS, 6 LDTR, 7 TR): fields step by 2. */
#define VTX_SEG_SEL(n) (GUEST_ES_SEL + 2 * (n))
#define VTX_SEG_LIMIT(n) (GUEST_ES_LIMIT + 2 * (n))
#define VTX_SEG_AR(n) (GUEST_ES_AR + 2 * (n))
#define VTX_SEG_BASE(n) (GUEST_ES_BASE + 2 * (n))
enum { VTX_ES, VTX_CS, VTX_SS, VTX_DS, VTX_FS, VTX_GS, VTX_LDTR, VTX_TR };

/* Checked VMX instructions (vtx_vmx.c): a failure names the field and halts. */
uint64_t vtx_vmread(uint32_t field);
void vtx_vmwrite(uint32_t field, uint64_t val);

/* ---- The guest's general registers, as the exit stub pushes them ---- */
struct vtx_regs {
	uint64_t rax, rcx, rdx, rbx, rbp, rsi, rdi;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
};
/* Register n in the SDM's encoding (0 RAX .. 15 R15; 4 = RSP lives in the VMCS). */
uint64_t vtx_gpr_get(const struct vtx_regs *r, unsigned n);
void vtx_gpr_set(struct vtx_regs *r, unsigned n, uint64_t v);

/* ---- Boot (vtx_boot.S, vtx_mboot.c) ---- */
struct vtx_range { uint64_t base, end; };
#define VTX_MMAP_MAX 256   /* UEFI maps run to a few hundred entries */
#define VTX_E820_RAM 1
#define VTX_E820_RESERVED 2
struct vtx_e820 { uint64_t base, len; uint32_t type; };

struct vtx_boot {
	uint64_t image_base, image_end;    /* physical, 2 MiB aligned: all VMM memory */
	struct vtx_e820 mmap[VTX_MMAP_MAX];
	unsigned nmmap;
	bool efi;                          /* started by UEFI firmware */
	bool have_bios_drive;
	uint32_t bios_drive;               /* the drive GRUB came from, for the log */
	uint64_t rsdt, xsdt;               /* ACPI root tables from the RSDP copy, 0 if none */
	char config[4096];
	size_t config_len;
	uint8_t keys[VMM_MAX_KEYS * CRYPTO_XTS_KEY_SIZE];   /* filled by vtx_keys_unwrap() */
	size_t nkeys;
	struct vtx_keysrc {
		uint8_t data[VMM_KEY_FILE_SIZE];   /* a raw 64-byte key or a key file */
		uint16_t len;
	} keysrc[VMM_MAX_KEYS];
	unsigned nkeysrc;
};
extern struct vtx_boot vtx_boot;
extern char vtx_image_start[], vtx_image_end[];
/* Parse the multiboot2 information: memory map, modules (copied, then wiped). */
int vtx_mboot_parse(uint64_t mbi_phys);

/* ---- Console (vtx_console.c) ---- */
void vtx_console_init(void);
/* After vmm_start(): COM1 and port 0xE9 become parapass's ports; COM2 too while recording. */
void vtx_console_claim(void);
void vtx_console_claim_rec(void);
void vtx_console_flush(void);
/* The next key typed on COM1 or the PS/2 keyboard (polled; waits), '\n' for Enter. */
char vtx_console_getc(void);
/* Text on the VGA screen's last line, where a BIOS machine has one. */
void vtx_console_screen(const char *s);

/* ---- Keys (vtx_key.c) ---- */
/* A "key" module: raw 64-byte keys or a parapass key file, kept for vtx_keys_unwrap(). */
int vtx_key_module(const uint8_t *p, size_t len);
/* Raw keys as they are; key files unwrapped, asking for the passphrase if they need one. */
void vtx_keys_unwrap(void);
/* Whether any key came from a passphrase-protected key file: a machine in real use. */
bool vtx_keys_wrapped(void);

/* ---- CPU tables (vtx_cpu.c) ---- */
void vtx_cpu_init(void);
/* The GDT and IDT the parked processors load (vtx_smp.c). */
void vtx_cpu_ap_tables(void);
uint64_t vtx_host_gdt_base(void);
uint64_t vtx_host_idt_base(void);
uint64_t vtx_host_tss_base(void);
/* The exception frame vtx_boot.S builds before calling vtx_exception(). */
struct vtx_exc_frame {
	struct vtx_regs r;
	uint64_t vector, error, rip, cs, rflags, rsp, ss;
};
void vtx_exception(struct vtx_exc_frame *f);
/* Set while an NMI hit root mode; the exit path re-injects it. */
extern volatile bool vtx_nmi_pending;
/* rdmsr/wrmsr that return false instead of faulting (fixups in vtx_boot.S). */
bool vtx_rdmsr_safe(uint32_t msr, uint64_t *v);
bool vtx_wrmsr_safe(uint32_t msr, uint64_t v);
extern char vtx_rdmsr_insn[], vtx_wrmsr_insn[], vtx_msr_fixup[];

/* ---- Memory (vtx_mem.c) ---- */
int vtx_mem_init(void);
bool vtx_is_vmm(uint64_t pa, uint64_t len);
/* Whether [pa, pa+len) is memory the guest owns (RAM or firmware tables, not VMM). */
bool vtx_is_guest_ram(uint64_t pa, uint64_t len);
/* Zero-filled, page-aligned VMM memory that is never freed. */
void *vtx_alloc_page(void);
/* Wipe what the boot loader left in guest RAM (it may hold copies of the key). */
void vtx_mem_scrub(void);
uint64_t vtx_phys_top(void);

/* ---- The guest's memory map (vtx_e820.c, pure) ---- */
struct vtx_legacy_mem {
	uint16_t e801_low_kib;    /* E801h AX/CX: KiB from 1 to 16 MiB */
	uint16_t e801_high_64k;   /* E801h BX/DX: 64 KiB blocks from 16 MiB to 4 GiB */
	uint16_t ext_kib;         /* 88h AX: KiB above 1 MiB, at most 0xFFFF */
};
/* The firmware map minus the hidden ranges (sorted, disjoint), which become reserved. */
int vtx_e820_build(const struct vtx_e820 *in, unsigned nin, const struct vtx_range *hide,
		   unsigned nhide, struct vtx_e820 *out, unsigned max, unsigned *nout);
struct vtx_legacy_mem vtx_e820_legacy(const struct vtx_e820 *m, unsigned n);

/* ---- Memory types (vtx_mtrr.c, pure) ---- */
enum { VTX_MT_UC = 0, VTX_MT_WC = 1, VTX_MT_WT = 4, VTX_MT_WP = 5, VTX_MT_WB = 6 };
#define VTX_MTRR_VAR_MAX 32
struct vtx_mtrr_var { uint64_t base, mask; uint8_t type; };
struct vtx_mtrr {
	bool enabled, fixed_enabled;
	uint8_t def_type;
	uint8_t fixed[88];        /* 8 x 64 KiB, 16 x 16 KiB, 64 x 4 KiB below 1 MiB */
	unsigned nvar;            /* valid variable ranges only */
	struct vtx_mtrr_var var[VTX_MTRR_VAR_MAX];
	uint64_t addr_mask;       /* physical address bits the CPU implements */
};
/* The type of [base, base+size) (size a power of two, base aligned), -1 if not uniform. */
int vtx_mtrr_type(const struct vtx_mtrr *m, uint64_t base, uint64_t size);

/* ---- VMX (vtx_vmx.c, vtx_ept.c) ---- */
struct vtx_caps {
	uint32_t pin, proc, proc2, exit, entry;  /* controls we will set */
	uint64_t cr0_fixed0, cr0_fixed1, cr4_fixed0, cr4_fixed1;
	uint64_t ept_cap;
	bool ept_1g, ept_wb, mtf, invept_single;
	bool xsaves, rdtscp, invpcid;
};
extern struct vtx_caps vtx_caps;
/* Check every feature parapass needs; log each one missing. PP_ENOTSUP if any. */
int vtx_vmx_check(void);
int vtx_vmx_on(void);
void vtx_vmcs_setup(void);
__attribute__((noreturn)) void vtx_vmx_launch(void);
void vtx_invept(void);
void vtx_set_mtf(bool on);
uint64_t vtx_cr0_mask(void);
uint64_t vtx_cr4_mask(void);
void vtx_entry_failed(uint64_t rflags);
int vtx_ept_build(void);
/* Keep [base, end) (page aligned) out of the guest too; before vtx_ept_build(). */
int vtx_ept_block(uint64_t base, uint64_t end, const char *what);
uint64_t vtx_ept_pointer(void);
/* An EPT violation: hidden memory answers all-ones and drops writes. */
void vtx_ept_violation(struct vtx_regs *r);
/* The one-instruction step after such an access is over: hide the page again. */
bool vtx_ept_stepping(void);
void vtx_ept_step_done(void);
/* The step ends without its own exit (a fault, or TF cleared): pages hidden, step state off. */
void vtx_ept_close(void);
/* At every exit: any but the step's own closes the window. */
void vtx_ept_exit_begin(uint32_t reason);
/* Basic exit reasons other files name (SDM vol. 3, appendix C). */
enum { VTX_EXIT_EXCEPTION = 0, VTX_EXIT_MTF = 37, VTX_EXIT_EPT_VIOLATION = 48 };
extern uint64_t vtx_ept_hidden_hits;

/* ---- Guest page walk (vtx_walk.c, pure) ---- */
enum vtx_access { VTX_ACC_READ = 0, VTX_ACC_WRITE = 1 };
#define VTX_PF_P 1u   /* page-fault error code bits (SDM 4.7) */
#define VTX_PF_W 2u
#define VTX_PF_U 4u
struct vtx_walk_env {
	uint64_t cr0, cr3, cr4, efer, pdpte[4];
	unsigned cpl;
	/* A pointer to [gpa, gpa+len) if it is guest RAM, else NULL. */
	void *(*map)(uint64_t gpa, size_t len);
};
bool vtx_walk(const struct vtx_walk_env *env, uint64_t la, enum vtx_access acc, uint64_t *gpa,
	      uint32_t *pf_error);

/* ---- MSR decisions (vtx_msrtab.c, pure) ---- */
enum vtx_msr_act {
	VTX_MSR_DENY = 0,   /* #GP: the default */
	VTX_MSR_PASS,       /* clear in the bitmap: the guest's access reaches the MSR */
	VTX_MSR_EMUL,       /* answered by parapass (vtx_msr.c) */
};
#define VTX_XSS_ALLOWED ((1ull << 11) | (1ull << 12))   /* CET_U, CET_S */
enum vtx_msr_act vtx_msr_policy(uint32_t msr, bool write);
/* Whether the MSR bitmap covers msr; those outside always exit. */
bool vtx_msr_in_bitmap(uint32_t msr);
/* All ones except the MSRs the policy passes through. */
void vtx_msr_bitmap_build(uint8_t bm[4096]);
/* May the guest write this x2APIC ICR value? INIT/SIPI only to itself (self_id: its x2APIC ID). */
bool vtx_icr_allowed(uint64_t icr, uint32_t self_id);
bool vtx_msr_apic_base_ok(uint64_t v, uint64_t vmm_base, uint64_t vmm_end);
bool vtx_msr_debugctl_ok(uint64_t v);
bool vtx_msr_xss_ok(uint64_t v, uint64_t supported);

/* ---- PCI decisions (vtx_pcitab.c, pure) ---- */
uint64_t vtx_pci_merge64(uint64_t cur, unsigned at, unsigned width, uint32_t val);
/* May a write change PCIEXBAR (init: its start-up value, cur: now) to what it would become? */
bool vtx_pciexbar_ok(uint64_t init, uint64_t cur, unsigned at, unsigned width, uint32_t val);

/* ---- String I/O arithmetic (vtx_iostr.c, pure) ---- */
#define VTX_IO_CHUNK 65536   /* bytes one exit moves at most */
void vtx_io_reverse(uint8_t *buf, uint32_t n, unsigned w);
uint64_t vtx_io_masked_add(uint64_t old, int64_t delta, uint64_t amask);
uint32_t vtx_io_chunk_items(uint64_t count, uint64_t index, uint64_t amask, unsigned w, bool df);
/* Items from offset off within a segment of this limit and access rights; 0: fault. */
uint32_t vtx_io_seg_items(uint64_t off, uint32_t n, unsigned w, bool df, bool write, uint32_t limit,
			  uint32_t ar);

/* ---- Guest state and memory (vtx_guest.c) ---- */
/*
 * Translate a guest linear address for access; on a fault fills *pf_error
 * (page-fault error code) and returns false.
 */
bool vtx_guest_translate(uint64_t la, enum vtx_access acc, uint64_t *gpa, uint32_t *pf_error);
int vtx_guest_copy_in(void *dst, uint64_t la, size_t len);
int vtx_guest_copy_out(uint64_t la, const void *src, size_t len);
/* Guest physical memory behind a linear range, a page at a time. */
struct vtx_span { uint64_t gpa; uint32_t len; };
#define VTX_SPAN_MAX (VTX_IO_CHUNK / VTX_PAGE + 1)
/*
 * Bytes accessible from la on, translated once into sp[*nsp] (at most
 * VTX_SPAN_MAX); when short, *pf_la and *pf_error (~0u: not RAM) say why.
 */
size_t vtx_guest_probe(uint64_t la, size_t len, enum vtx_access acc, struct vtx_span *sp,
		       unsigned *nsp, uint64_t *pf_la, uint32_t *pf_error);
/* Copy len probed bytes through the spans, without translating again. */
void vtx_guest_span_copy(const struct vtx_span *sp, unsigned nsp, void *buf, size_t len,
			 enum vtx_access acc);
unsigned vtx_guest_cpl(void);
bool vtx_guest_long_mode(void);
/* Advance RIP past the instruction that exited. */
void vtx_skip_instr(void);
/* Inject a hardware exception (vector, error code or -1 for none). */
void vtx_inject_exc(unsigned vector, int64_t error);
void vtx_inject_pf(uint64_t la, uint32_t error);
/* Log every piece of guest state a post-mortem needs. */
void vtx_dump_guest(const struct vtx_regs *r, const char *why);
/* Re-inject an event whose delivery the exit interrupted (SDM 27.2.4). */
void vtx_event_reinject(void);
/* Give the guest the exception that caused an exception exit (or redo the delivery it hit). */
void vtx_exc_reinject(void);
/* Load the PDPTEs for PAE paging after an emulated CR0/CR4 write (SDM 26.3.2.4). */
void vtx_load_pdptes(void);

/* ---- Exits (vtx_exit.c, vtx_io.c, vtx_bios.c) ---- */
void vtx_exit_handler(struct vtx_regs *r);
void vtx_io_exit(struct vtx_regs *r);
extern uint8_t vtx_io_bitmap[2][4096];
/* MSRs (vtx_msr.c): the bitmap, RDMSR and WRMSR exits. */
extern uint8_t vtx_msr_bitmap[4096];
void vtx_msr_init(void);
void vtx_msr_rdmsr(struct vtx_regs *r);
void vtx_msr_wrmsr(struct vtx_regs *r);
/* Guest-visible real-mode set-up: stubs, IVT hook, memory map. */
int vtx_bios_init(uint8_t boot_drive);
void vtx_bios_guest_state(void);
/* VMCALL from the INT 15h hook or the boot stub; false if RIP is not ours. */
bool vtx_bios_vmcall(struct vtx_regs *r);
/* ACPI (vtx_acpi.c): hide the application processors, find the sleep registers. */
struct vtx_acpi {
	bool madt;              /* a MADT was found */
	unsigned aps;           /* enabled processors besides this one, from the MADT */
	uint16_t pm1_cnt[2];    /* PM1a_CNT, PM1b_CNT ports; 0: none */
	uint16_t pm1a_sts;      /* PM1a_EVT_BLK, whose first half is the status register */
	uint16_t smi_cmd;
	uint8_t s4bios_req;     /* the SMI_CMD value that asks for S4BIOS; 0: none */
	uint8_t sleep_ok[2];    /* SLP_TYP values (bit n = type n) that may go through: S4, S5 */
	uint64_t mcfg_base;     /* the ECAM window of PCI segment 0; 0: no MCFG */
};
extern struct vtx_acpi vtx_acpi;
void vtx_acpi_init(void);
/* After vmm_start(): claim the ACPI ports parapass watches (vtx_sleep.c). */
void vtx_acpi_start(void);
/* After vmm_start(): keep the guest from moving the ECAM window (PCIEXBAR). */
void vtx_acpi_pci_start(void);

/* ---- AML and sleep decisions (vtx_aml.c, pure) ---- */
/* SLP_TYPa/b of \_S<state> in AML; PP_EINVAL if there is no such package. */
int vtx_aml_sleep_type(const uint8_t *aml, size_t len, char state, uint8_t typ[2]);
/* A write of width bytes at offset off (0, 1) of PM1x_CNT: not a sleep, or an allowed type. */
bool vtx_pm1_cnt_write_ok(unsigned off, unsigned width, uint32_t v, uint8_t allowed);

/* ---- Other processors (vtx_smp.c): parked in VMX root operation before the guest runs ---- */
void vtx_smp_park(void);

/* ---- Ports parapass owns (vtx_port.c): claimed in vmm/'s table, served before vmm_io() ---- */
typedef void (*vtx_port_fn)(struct hal_io_req *req);
/*
 * Claim [base, base+count) for fn, trapped; fn NULL only reserves it (the
 * guest keeps its direct access, no exit). PP_EBUSY if a device (the IDE
 * controller) has it.
 */
int vtx_port_own(uint16_t base, uint8_t count, vtx_port_fn fn, const char *what);
/* true if the access was to a port parapass owns, and it has been served. */
bool vtx_port_io(struct hal_io_req *req);
/* Serve an access as if nothing decoded the port: reads all-ones, writes dropped. */
void vtx_port_absent(struct hal_io_req *req);
/* Serve an access as the guest made it, on the hardware. */
void vtx_port_pass(struct hal_io_req *req);

/* ---- Recording (vtx_rec.c): the trace over COM2 when the configuration says "record on" ---- */
void vtx_rec_start(const struct vmm_config *cfg);
void vtx_rec_stop(void);

/* ---- Extended state (vtx_simd.c) ---- */
int vtx_simd_init(void);
void vtx_simd_before_entry(void);
/* XSETBV from the guest: validate and record. false = inject #GP. */
bool vtx_simd_guest_xsetbv(uint32_t xcr, uint64_t v);
uint64_t vtx_simd_guest_xcr0(void);
/* The guest wrote IA32_XFD: kept, and cleared around parapass's XSAVE/XRSTOR. */
void vtx_simd_guest_xfd(uint64_t v);
uint64_t vtx_simd_xss_supported(void);

/* ---- Profile (vtx_prof.c) ---- */
#define VTX_EXIT_REASONS 80
struct vtx_prof {
	uint64_t exits[VTX_EXIT_REASONS], cycles[VTX_EXIT_REASONS];
	uint64_t io_cycles, io_requests, io_items, io_string;
	uint64_t simd_saves;
	uint64_t start_tsc;
	bool guest_started;
};
extern struct vtx_prof vtx_prof;
void vtx_prof_print(const char *why);

/* ---- Start-up glue with the core (vtx_main.c) ---- */
/* gcc may emit calls to these even with -ffreestanding. */
void *memcpy(void *d, const void *s, size_t n);
void *memset(void *d, int c, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);
__attribute__((noreturn)) void vtx_fatal(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

#endif /* VTX_PRIV_H */
