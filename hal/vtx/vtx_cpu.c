/*
 * vtx_cpu.c - parapass's own GDT, TSS and IDT in root mode (SDM vol. 3,
 * chapters 3, 6 and 8). An exception in root mode is a bug in parapass or
 * broken hardware: it is logged with the machine state and the CPU halts,
 * except an NMI (remembered and given to the guest) and the #GP of a probing
 * RDMSR/WRMSR (resumed at its fixup).
 */
#include "vtx_priv.h"

#define LOG_PREFIX "vtx"
#define VTX_SEL_CODE 0x08
#define VTX_SEL_DATA 0x10
#define VTX_SEL_TSS 0x18
#define VTX_IST_STACK 16384

struct vtx_tss {
	uint32_t rsvd0;
	uint64_t rsp[3];
	uint64_t rsvd1;
	uint64_t ist[7];
	uint64_t rsvd2;
	uint16_t rsvd3, iomap;
} __attribute__((packed));

struct vtx_idt_gate {
	uint16_t off0, sel;
	uint8_t ist, type;
	uint16_t off1;
	uint32_t off2, rsvd;
};

struct vtx_dtr {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed));

extern const uint64_t vtx_exc_stubs[32];

static uint64_t vtx_gdt[5] __attribute__((aligned(16))) = {
	[1] = 0x00AF9A000000FFFFull,   /* 64-bit code, DPL 0 */
	[2] = 0x00CF92000000FFFFull,   /* data */
};
static struct vtx_tss vtx_tss __attribute__((aligned(16)));
static struct vtx_idt_gate vtx_idt[32] __attribute__((aligned(16)));
static uint8_t vtx_ist_stack[VTX_IST_STACK] __attribute__((aligned(16)));
/* The parked processors' (vtx_smp.c): an NMI returns to the halt, anything else halts. */
static struct vtx_idt_gate vtx_ap_idt[32] __attribute__((aligned(16)));
struct vtx_dtr vtx_ap_gdtr, vtx_ap_idtr;   /* loaded by vtx_ap_entry64 */
extern char vtx_ap_nmi[], vtx_ap_halt[];
volatile bool vtx_nmi_pending;

static const char *const vtx_exc_names[32] = {
	[0] = "#DE", [1] = "#DB", [2] = "NMI", [3] = "#BP", [4] = "#OF", [5] = "#BR",
	[6] = "#UD", [7] = "#NM", [8] = "#DF", [10] = "#TS", [11] = "#NP", [12] = "#SS",
	[13] = "#GP", [14] = "#PF", [16] = "#MF", [17] = "#AC", [18] = "#MC", [19] = "#XM",
	[20] = "#VE", [21] = "#CP",
};

static void cpu_gdt_tss(void)
{
	uint64_t base = (uint64_t)(uintptr_t)&vtx_tss, limit = sizeof(vtx_tss) - 1;
	struct vtx_dtr gdtr = { .limit = sizeof(vtx_gdt) - 1, .base = (uint64_t)(uintptr_t)vtx_gdt };

	/* One IST stack for NMI, #DF and #MC: they may arrive on a bad stack. */
	vtx_tss.ist[0] = (uint64_t)(uintptr_t)(vtx_ist_stack + VTX_IST_STACK);
	vtx_tss.iomap = sizeof(vtx_tss);
	/* 64-bit available TSS descriptor (SDM vol. 3, 8.2.3): type 9, present. */
	vtx_gdt[3] = (limit & 0xFFFF) | (base & 0xFFFFFF) << 16 | 0x89ull << 40 |
		     ((limit >> 16) & 0xF) << 48 | ((base >> 24) & 0xFF) << 56;
	vtx_gdt[4] = base >> 32;
	__asm__ volatile("lgdt %0\n\t"
			 "pushq %1\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\tmov %2, %%ds\n\t"
			 "mov %2, %%es\n\t"
			 "mov %2, %%ss\n\t"
			 "ltr %w3"
			 : : "m"(gdtr), "i"(VTX_SEL_CODE), "r"(VTX_SEL_DATA), "r"(VTX_SEL_TSS)
			 : "rax", "memory");
}

static struct vtx_idt_gate cpu_gate(uint64_t off, uint8_t ist)
{
	return (struct vtx_idt_gate){
		.off0 = (uint16_t)off, .sel = VTX_SEL_CODE, .ist = ist,
		.type = 0x8E,   /* present, DPL 0, 64-bit interrupt gate */
		.off1 = (uint16_t)(off >> 16), .off2 = (uint32_t)(off >> 32),
	};
}

static void cpu_idt(void)
{
	struct vtx_dtr idtr = { .limit = sizeof(vtx_idt) - 1, .base = (uint64_t)(uintptr_t)vtx_idt };

	for (unsigned v = 0; v < 32; v++)
		vtx_idt[v] = cpu_gate(vtx_exc_stubs[v], (v == 2 || v == 8 || v == 18) ? 1 : 0);
	__asm__ volatile("lidt %0" : : "m"(idtr));
}

/*
 * The parked processors share this GDT (no TSS loaded: their IDT uses no
 * IST) and get an IDT of their own, all in VMM memory, so that nothing
 * they use lies in memory the guest owns.
 */
void vtx_cpu_ap_tables(void)
{
	for (unsigned v = 0; v < 32; v++)
		vtx_ap_idt[v] = cpu_gate((uint64_t)(uintptr_t)(v == 2 ? vtx_ap_nmi : vtx_ap_halt), 0);
	vtx_ap_gdtr = (struct vtx_dtr){ .limit = 3 * 8 - 1, .base = (uint64_t)(uintptr_t)vtx_gdt };
	vtx_ap_idtr = (struct vtx_dtr){ .limit = sizeof(vtx_ap_idt) - 1,
					.base = (uint64_t)(uintptr_t)vtx_ap_idt };
}

void vtx_cpu_init(void)
{
	cpu_gdt_tss();
	cpu_idt();
}

uint64_t vtx_host_gdt_base(void)
{
	return (uint64_t)(uintptr_t)vtx_gdt;
}

uint64_t vtx_host_idt_base(void)
{
	return (uint64_t)(uintptr_t)vtx_idt;
}

uint64_t vtx_host_tss_base(void)
{
	return (uint64_t)(uintptr_t)&vtx_tss;
}

void vtx_exception(struct vtx_exc_frame *f)
{
	const char *name = f->vector < 32 && vtx_exc_names[f->vector] ? vtx_exc_names[f->vector]
								      : "reserved";
	uint64_t rip = f->rip;

	if (f->vector == 2) {
		vtx_nmi_pending = true;
		return;
	}
	if (f->vector == 13 && (rip == (uint64_t)(uintptr_t)vtx_rdmsr_insn ||
				rip == (uint64_t)(uintptr_t)vtx_wrmsr_insn)) {
		f->rip = (uint64_t)(uintptr_t)vtx_msr_fixup;
		return;
	}
	LOG_ERR("exception %s (vector %u) in parapass, error 0x%llx",
		name, (unsigned)f->vector, (unsigned long long)f->error);
	LOG_ERR("rip %016llx cs %llx rflags %llx rsp %016llx ss %llx cr2 %llx cr3 %llx",
		(unsigned long long)rip, (unsigned long long)f->cs,
		(unsigned long long)f->rflags, (unsigned long long)f->rsp,
		(unsigned long long)f->ss, (unsigned long long)vtx_read_cr2(),
		(unsigned long long)vtx_read_cr3());
	LOG_ERR("rax %llx rbx %llx rcx %llx rdx %llx rsi %llx rdi %llx rbp %llx",
		(unsigned long long)f->r.rax, (unsigned long long)f->r.rbx,
		(unsigned long long)f->r.rcx, (unsigned long long)f->r.rdx,
		(unsigned long long)f->r.rsi, (unsigned long long)f->r.rdi,
		(unsigned long long)f->r.rbp);
	hal_panic();
}
