/*
 * vtx_smp.c - the other processors, parked in VMX root operation.
 *
 * parapass runs its one guest on the boot processor. An application
 * processor (AP) the guest could start with INIT-SIPI-SIPI would run the
 * guest's code outside VMX: raw disk ports, VMM memory, key schedules.
 * Hiding the APs in the MADT (vtx_acpi.c) does not stop a guest that sends
 * the IPIs anyway, through the xAPIC's ICR (memory-mapped, not trapped)
 * or the x2APIC's. So before the guest runs, parapass starts every AP
 * itself (INIT, then SIPI twice, broadcast to all but itself: MP
 * initialization as in SDM vol. 3, 9.4.4.1), takes each one through a
 * trampoline below 1 MiB to long mode on parapass's page tables, puts it
 * in VMX root operation (VMXON with a region of its own) and leaves it in
 * CLI; HLT on a stack in VMM memory. There:
 *   - INIT is blocked: "INIT signals are blocked whenever a logical
 *     processor is in VMX root operation" (SDM vol. 3, 24.8);
 *   - SIPI is ignored: only a processor in the wait-for-SIPI state acts
 *     on one (SDM vol. 3, 9.4.2 and 26.6.2), and a parked AP never is;
 *   - an NMI returns to the halt (its own IDT); SMIs return by RSM.
 * Every AP the MADT lists as enabled must arrive, or parapass halts: one
 * left in wait-for-SIPI could be started by the guest.
 */
#include "vtx_priv.h"

#define LOG_PREFIX "vtx"
#define SMP_TRAMP 0x7000ull       /* must match AP_TRAMP in vtx_boot.S */
#define SMP_MAX 256
#define SMP_STACK 2048            /* must match the shift in vtx_ap_entry64 */
#define ICR_LO 0x300
#define ICR_HI 0x310
#define ICR_BUSY (1u << 12)
#define ICR_ALL_BUT_SELF (3u << 18)
#define ICR_INIT (0x500u | (1u << 14))   /* INIT, level assert */
#define ICR_SIPI 0x600u
#define MSR_APIC_BASE 0x1B
#define APIC_BASE_EXTD (1u << 10)
#define APIC_BASE_EN (1u << 11)
#define PIT_HZ 1193182u
#define SPIN_MAX 100000000u

extern const uint8_t vtx_ap_tramp[], vtx_ap_tramp_end[], vtx_ap_tramp_cr3[];
uint8_t vtx_ap_stacks[SMP_MAX][SMP_STACK] __attribute__((aligned(16)));
volatile uint32_t vtx_smp_arrived;   /* counted by vtx_ap_entry64, which picks the stack */
static uint8_t smp_vmxon[SMP_MAX][4096] __attribute__((aligned(4096)));
static volatile uint32_t smp_parked, smp_failed;

/* ---- on each AP, after vtx_ap_entry64: never returns ---- */
__attribute__((noreturn)) void vtx_smp_ap_main(uint32_t idx);
void vtx_smp_ap_main(uint32_t idx)
{
	uint64_t fc = vtx_rdmsr(MSR_FEATURE_CONTROL), pa;
	uint32_t *region = (uint32_t *)smp_vmxon[idx];
	uint8_t cf = 1, zf = 0;

	if (!(fc & 1))
		vtx_wrmsr(MSR_FEATURE_CONTROL, fc | 1 | 4);   /* as on the BSP (vtx_vmx.c) */
	if ((fc & 1) && !(fc & 4)) {
		__atomic_add_fetch(&smp_failed, 1, __ATOMIC_SEQ_CST);
		vtx_halt_forever();
	}
	vtx_write_cr0((vtx_read_cr0() | vtx_caps.cr0_fixed0) & vtx_caps.cr0_fixed1);
	vtx_write_cr4((vtx_read_cr4() | vtx_caps.cr4_fixed0 | (1u << 13)) & vtx_caps.cr4_fixed1);
	region[0] = (uint32_t)vtx_rdmsr(MSR_VMX_BASIC) & 0x7FFFFFFF;
	pa = vtx_virt_to_phys(region);
	__asm__ volatile("vmxon %2; setc %0; setz %1" : "=qm"(cf), "=qm"(zf) : "m"(pa) : "cc", "memory");
	__atomic_add_fetch(cf | zf ? &smp_failed : &smp_parked, 1, __ATOMIC_SEQ_CST);
	vtx_halt_forever();
	__builtin_unreachable();
}

/* ---- on the BSP ---- */
/* Busy-wait us microseconds on the 8254's channel 2 (gate: port 0x61 bit 0, OUT2: bit 5). */
static void smp_udelay(uint32_t us)
{
	uint8_t p61 = hal_inb(0x61);

	while (us) {
		uint32_t chunk = us > 50000 ? 50000 : us;
		uint32_t ticks = (uint32_t)((uint64_t)chunk * PIT_HZ / 1000000u) + 1;

		hal_outb(0x61, (uint8_t)((p61 & ~0x02) | 0x01));
		hal_outb(0x43, 0xB0);   /* channel 2, lo/hi byte, mode 0 */
		hal_outb(0x42, (uint8_t)ticks);
		hal_outb(0x42, (uint8_t)(ticks >> 8));
		for (uint32_t i = 0; i < SPIN_MAX && !(hal_inb(0x61) & 0x20); i++)
			__asm__ volatile("pause");
		us -= chunk;
	}
	hal_outb(0x61, p61);
}

/* Broadcast an IPI to all processors but this one (SDM vol. 3, 11.6.1 and 11.12.9). */
static void smp_ipi(uint32_t icr)
{
	uint64_t base = vtx_rdmsr(MSR_APIC_BASE);
	volatile uint32_t *lapic = vtx_phys(base & 0xFFFFFF000ull);

	icr |= ICR_ALL_BUT_SELF;
	if (base & APIC_BASE_EXTD) {
		vtx_wrmsr(MSR_X2APIC_ICR, icr);
		return;
	}
	lapic[ICR_HI / 4] = 0;
	lapic[ICR_LO / 4] = icr;
	for (uint32_t i = 0; i < SPIN_MAX && (lapic[ICR_LO / 4] & ICR_BUSY); i++)
		__asm__ volatile("pause");
}

/* Wait up to ms milliseconds for want APs to report, in 1 ms steps. */
static void smp_wait(unsigned want, unsigned ms)
{
	for (unsigned t = 0; t < ms; t++) {
		if (__atomic_load_n(&smp_parked, __ATOMIC_SEQ_CST) +
		    __atomic_load_n(&smp_failed, __ATOMIC_SEQ_CST) >= want)
			return;
		smp_udelay(1000);
	}
}

/* The trampoline below 1 MiB (vtx_boot.S), and the tables the APs load in long mode. */
static void smp_tramp_setup(void)
{
	size_t size = (size_t)(vtx_ap_tramp_end - vtx_ap_tramp);
	uint64_t cr3 = vtx_read_cr3();

	VMM_ASSERT(size <= VTX_PAGE && cr3 < (4ull << 30));
	if (!vtx_is_guest_ram(SMP_TRAMP, VTX_PAGE))
		vtx_fatal("page %llx for the processors' start-up code is not RAM",
			  (unsigned long long)SMP_TRAMP);
	vtx_cpu_ap_tables();
	vmm_memcpy(vtx_phys(SMP_TRAMP), vtx_ap_tramp, size);
	*(uint32_t *)vtx_phys(SMP_TRAMP + (uint64_t)(vtx_ap_tramp_cr3 - vtx_ap_tramp)) = (uint32_t)cr3;
}

void vtx_smp_park(void)
{
	unsigned listed = vtx_acpi.aps;
	bool known = vtx_acpi.madt;
	uint32_t arrived;

	if (!(vtx_rdmsr(MSR_APIC_BASE) & APIC_BASE_EN)) {
		if (listed)
			vtx_fatal("the local APIC is off: cannot park the other processors");
		LOG_WARN("local APIC off: no other processor to park");
		return;
	}
	smp_tramp_setup();
	smp_ipi(ICR_INIT);
	smp_udelay(10000);
	smp_ipi(ICR_SIPI | (uint32_t)(SMP_TRAMP >> 12));
	smp_udelay(200);
	smp_ipi(ICR_SIPI | (uint32_t)(SMP_TRAMP >> 12));
	/* Those the MADT lists within 1 s; then a little longer for any it does not list. */
	smp_wait(listed, 1000);
	smp_wait(SMP_MAX + 1, known ? 20 : 200);
	vmm_memset(vtx_phys(SMP_TRAMP), 0, VTX_PAGE);
	arrived = __atomic_load_n(&vtx_smp_arrived, __ATOMIC_SEQ_CST);
	if (arrived > SMP_MAX)
		vtx_fatal("%u other processors: parapass parks at most %d", arrived, SMP_MAX);
	if (smp_failed)
		vtx_fatal("%u processor(s) could not enter VMX operation (VMXON failed)", smp_failed);
	if (smp_parked < listed)
		vtx_fatal("%u of the %u processor(s) the MADT lists did not start: the guest could "
			  "start them outside VMX", listed - smp_parked, listed);
	LOG_INFO("%u other processor(s) parked in VMX root operation (INIT blocked, SIPI ignored)",
		 smp_parked);
}
