/*
 * vtx_acpi.c - what parapass needs from ACPI (ACPI 6.4, chapter 5).
 *
 * One CPU: parapass runs the guest on the boot processor only, so the
 * other processors' entries in the MADT are marked disabled before the
 * guest reads them. That only keeps a well-behaved OS from trying: what
 * stops a guest that sends INIT/SIPI anyway is vtx_smp.c, which parks
 * every other processor in VMX root operation before the guest runs.
 *
 * The FADT and DSDT say where the sleep registers are and which sleep
 * types mean S4 and S5; vtx_sleep.c watches those registers.
 */
#include "vtx_priv.h"

#define LOG_PREFIX "vtx"

struct acpi_hdr {
	char sig[4];
	uint32_t len;
	uint8_t rev, checksum;
	char oem[6], table[8];
	uint32_t oem_rev, creator, creator_rev;
} __attribute__((packed));

#define PCIEXBAR 0x60
#define PCIEXBAR_BASE 0x7FFFC000000ull   /* bits 42:26 */

struct vtx_acpi vtx_acpi;
static uint64_t acpi_pciexbar_init;

static const struct acpi_hdr *acpi_table(uint64_t pa)
{
	const struct acpi_hdr *h = vtx_phys(pa);

	if (!pa || pa + sizeof(*h) > (4ull << 30) || h->len < sizeof(*h) || h->len > (1u << 20))
		return NULL;
	return h;
}

static void acpi_checksum(struct acpi_hdr *h)
{
	uint8_t sum = 0;

	h->checksum = 0;
	for (uint32_t i = 0; i < h->len; i++)
		sum = (uint8_t)(sum + ((const uint8_t *)h)[i]);
	h->checksum = (uint8_t)-sum;
}

/* The boot processor's x2APIC ID (CPUID 0Bh, SDM vol. 3, 11.12.8), its 8-bit ID without the leaf. */
static uint32_t acpi_bsp_x2apic_id(void)
{
	if (vtx_cpuid(0, 0).a >= 0xB && vtx_cpuid(0xB, 0).b)
		return vtx_cpuid(0xB, 0).d;
	return vtx_cpuid(1, 0).b >> 24;
}

/*
 * MADT (5.2.12): Local APIC (type 0, 8-bit IDs) and Local x2APIC (type 9,
 * 32-bit IDs) entries of the other processors. Those the firmware enabled
 * are counted first: vtx_smp.c must find each of them parked.
 */
static void acpi_madt(struct acpi_hdr *h)
{
	uint8_t *p = (uint8_t *)h + 44, *end = (uint8_t *)h + h->len;
	uint32_t bsp8 = vtx_cpuid(1, 0).b >> 24, bsp32 = acpi_bsp_x2apic_id();
	unsigned hidden = 0;

	for (; p + 2 <= end && p[1] >= 2 && p + p[1] <= end; p += p[1]) {
		uint32_t *flags = NULL;
		bool bsp = false;

		if (p[0] == 0 && p[1] >= 8 && p[3] != 0xFF) {
			bsp = p[3] == bsp8;
			flags = (uint32_t *)(p + 4);
		} else if (p[0] == 9 && p[1] >= 16) {
			bsp = *(uint32_t *)(p + 4) == bsp32;
			flags = (uint32_t *)(p + 8);
		}
		if (!flags || bsp || !(*flags & 3))
			continue;
		if (*flags & 1)
			vtx_acpi.aps++;
		*flags &= ~3u;   /* neither enabled nor online-capable */
		hidden++;
	}
	vtx_acpi.madt = true;
	acpi_checksum(h);
	LOG_INFO("MADT: %u other processor(s) hidden; the guest runs on one CPU", hidden);
}

/*
 * MCFG (PCI Firmware 3.2, 4.1.2): the memory-mapped configuration (ECAM)
 * windows. A guest writing there could move the IDE controller's BARs or
 * change its mode unseen by vmm/, which watches 0xCF8/0xCFC: EPT keeps the
 * windows out (reads all-ones, writes dropped) and the table is renamed so
 * the OS uses the I/O ports, as on a chipset without ECAM.
 */
static void acpi_mcfg(struct acpi_hdr *h)
{
	for (uint32_t off = 44; off + 16 <= h->len; off += 16) {
		const uint8_t *e = (const uint8_t *)h + off;
		uint64_t base = *(const uint64_t *)e;
		uint8_t first = e[10], last = e[11];

		if (last < first || vtx_ept_block(base + ((uint64_t)first << 20),
						  base + (((uint64_t)last + 1) << 20), "PCI ECAM window"))
			vtx_fatal("MCFG entry %llx buses %u-%u cannot be hidden", (unsigned long long)base,
				  first, last);
		LOG_INFO("PCI ECAM window %llx buses %u-%u hidden; the guest uses ports 0xCF8/0xCFC",
			 (unsigned long long)base, first, last);
		if (!vtx_acpi.mcfg_base && e[8] == 0 && e[9] == 0)   /* segment 0 */
			vtx_acpi.mcfg_base = base;
	}
	vmm_memcpy(h->sig, "XCFG", 4);
	acpi_checksum(h);
}

/* An I/O port from a 32-bit FADT block address; 0 if there is none or it is not a port. */
static uint16_t acpi_port(const struct acpi_hdr *h, uint32_t off)
{
	uint32_t blk = h->len >= off + 4 ? *(const uint32_t *)((const uint8_t *)h + off) : 0;

	return blk < 0xFFFF ? (uint16_t)blk : 0;
}

/* The SLP_TYP values of S4 and S5 (vtx_aml.c), which alone may go through SLP_EN. */
static void acpi_dsdt(const struct acpi_hdr *h)
{
	const uint8_t *aml = (const uint8_t *)h + sizeof(*h);
	size_t len = h->len - sizeof(*h);
	uint8_t s4[2], s5[2];

	if (vtx_aml_sleep_type(aml, len, '5', s5)) {
		LOG_WARN("no \\_S5 package in the DSDT: every ACPI sleep request will be refused");
		return;
	}
	vtx_acpi.sleep_ok[0] = (uint8_t)(1u << s5[0]);
	vtx_acpi.sleep_ok[1] = (uint8_t)(1u << s5[1]);
	if (!vtx_aml_sleep_type(aml, len, '4', s4)) {
		vtx_acpi.sleep_ok[0] |= (uint8_t)(1u << s4[0]);
		vtx_acpi.sleep_ok[1] |= (uint8_t)(1u << s4[1]);
	}
	LOG_INFO("ACPI sleep types allowed (S4, S5): PM1a mask %x, PM1b mask %x; S1-S3 refused",
		 vtx_acpi.sleep_ok[0], vtx_acpi.sleep_ok[1]);
}

/*
 * FADT (5.2.9): the PM1 control and status blocks and the SMI command
 * port, 16-bit I/O ports on PC chipsets; the DSDT (X_DSDT at 140 if set).
 */
static void acpi_fadt(const struct acpi_hdr *h)
{
	const uint8_t *f = (const uint8_t *)h;
	uint64_t dsdt = h->len >= 44 ? *(const uint32_t *)(f + 40) : 0;

	vtx_acpi.smi_cmd = acpi_port(h, 48);
	vtx_acpi.s4bios_req = h->len > 54 ? f[54] : 0;
	vtx_acpi.pm1a_sts = acpi_port(h, 56);
	vtx_acpi.pm1_cnt[0] = acpi_port(h, 64);
	vtx_acpi.pm1_cnt[1] = acpi_port(h, 68);
	if (h->len >= 148 && *(const uint64_t *)(f + 140))
		dsdt = *(const uint64_t *)(f + 140);
	h = acpi_table(dsdt);
	if (h && !vmm_memcmp(h->sig, "DSDT", 4))
		acpi_dsdt(h);
	else
		LOG_WARN("no DSDT: every ACPI sleep request will be refused");
}

void vtx_acpi_init(void)
{
	uint64_t root = vtx_boot.xsdt ? vtx_boot.xsdt : vtx_boot.rsdt;
	unsigned esz = vtx_boot.xsdt ? 8 : 4;
	const struct acpi_hdr *rt = acpi_table(root);

	if (!rt) {
		LOG_WARN("no ACPI tables: cannot hide other processors or see power-off");
		return;
	}
	for (uint32_t off = sizeof(*rt); off + esz <= rt->len; off += esz) {
		uint64_t pa = 0;
		struct acpi_hdr *t;

		vmm_memcpy(&pa, (const uint8_t *)rt + off, esz);
		t = (struct acpi_hdr *)acpi_table(pa);
		if (!t)
			continue;
		if (!vmm_memcmp(t->sig, "APIC", 4))
			acpi_madt(t);
		else if (!vmm_memcmp(t->sig, "MCFG", 4))
			acpi_mcfg(t);
		else if (!vmm_memcmp(t->sig, "FACP", 4))
			acpi_fadt(t);
	}
	if (vtx_acpi.pm1_cnt[0])
		LOG_INFO("ACPI power-off register PM1a_CNT at port 0x%x", vtx_acpi.pm1_cnt[0]);
}

static uint64_t acpi_pciexbar(void)
{
	return vmm_pci_read(0, 0, 0, PCIEXBAR, 4) | (uint64_t)vmm_pci_read(0, 0, 0, PCIEXBAR + 4, 4) << 32;
}

static bool acpi_pciexbar_veto(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off, unsigned width,
			       uint32_t val)
{
	(void)bus, (void)dev, (void)fn;
	return off >= PCIEXBAR &&
	       vtx_pciexbar_ok(acpi_pciexbar_init, acpi_pciexbar(), off - PCIEXBAR, width, val);
}

/*
 * After vmm_start(): where the ECAM window the MCFG names is an Intel host
 * bridge's PCIEXBAR (0:0.0 offset 60h, enabled, same base), the guest may
 * switch it off or leave it, never move or enable it elsewhere, where EPT
 * would not hide it (vtx_pcitab.c).
 */
void vtx_acpi_pci_start(void)
{
	uint64_t v;

	if (!vtx_acpi.mcfg_base)
		return;
	v = acpi_pciexbar();
	if (vmm_pci_read(0, 0, 0, 0, 2) != 0x8086 || !(v & 1) ||
	    (v & PCIEXBAR_BASE) != (vtx_acpi.mcfg_base & PCIEXBAR_BASE)) {
		LOG_WARN("no PCIEXBAR at 00:00.0 offset 0x60 holds the MCFG window: a chipset "
			 "register that moves it is not watched");
		return;
	}
	acpi_pciexbar_init = v;
	if (vmm_pci_watch(0, 0, 0, PCIEXBAR, 8, acpi_pciexbar_veto))
		vtx_fatal("PCIEXBAR cannot be watched");
	LOG_INFO("PCIEXBAR %llx at 00:00.0 offset 0x60 watched: the ECAM window stays where it is "
		 "hidden", (unsigned long long)v);
}
