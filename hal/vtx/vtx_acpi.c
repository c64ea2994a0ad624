/*
 * vtx_acpi.c - what parapass needs from ACPI (ACPI 6.4, chapter 5).
 *
 * One CPU: parapass runs the guest on the boot processor only, so the
 * other processors' entries in the MADT are marked disabled before the
 * guest reads them. That only keeps a well-behaved OS from trying: what
 * stops a guest that sends INIT/SIPI anyway is vtx_smp.c, which parks
 * every other processor in VMX root operation before the guest runs.
 *
 * End of a run: the exit profile is printed when the guest powers off
 * through ACPI (SLP_EN written to PM1a_CNT, found in the FADT) or writes
 * to Bochs' and QEMU's shutdown port 0x8900. The write then goes on to
 * the hardware unchanged. Both ports are parapass's own (vtx_port.c),
 * claimed once the mediator has started.
 */
#include "vtx_priv.h"

#define LOG_PREFIX "vtx"
#define BOCHS_SHUTDOWN_PORT 0x8900
#define PM1_SLP_EN (1u << 13)

struct acpi_hdr {
	char sig[4];
	uint32_t len;
	uint8_t rev, checksum;
	char oem[6], table[8];
	uint32_t oem_rev, creator, creator_rev;
} __attribute__((packed));

static uint16_t acpi_pm1a_cnt;
static unsigned acpi_aps;        /* enabled processors besides this one, from the MADT */
static bool acpi_madt_seen;
static bool acpi_profile_done;

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
			acpi_aps++;
		*flags &= ~3u;   /* neither enabled nor online-capable */
		hidden++;
	}
	acpi_madt_seen = true;
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
	}
	vmm_memcpy(h->sig, "XCFG", 4);
	acpi_checksum(h);
}

/* FADT (5.2.9): PM1a_CNT_BLK at offset 64; a 16-bit I/O port on PC chipsets. */
static void acpi_fadt(const struct acpi_hdr *h)
{
	uint32_t blk = h->len >= 68 ? *(const uint32_t *)((const uint8_t *)h + 64) : 0;

	if (blk && blk < 0xFFFF)
		acpi_pm1a_cnt = (uint16_t)blk;
}

bool vtx_acpi_ap_count(unsigned *n)
{
	*n = acpi_aps;
	return acpi_madt_seen;
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
	if (acpi_pm1a_cnt)
		LOG_INFO("ACPI power-off register PM1a_CNT at port 0x%x", acpi_pm1a_cnt);
}

static void acpi_power_off(const char *why)
{
	if (acpi_profile_done)
		return;
	acpi_profile_done = true;
	vtx_prof_print(why);
	vtx_rec_stop();
	vtx_console_flush();
}

static void acpi_shutdown_port_io(struct hal_io_req *req)
{
	if (req->dir == HAL_IO_OUT)
		acpi_power_off("shutdown port");
	vtx_port_pass(req);
}

static void acpi_pm1_cnt_io(struct hal_io_req *req)
{
	uint32_t v = 0;

	if (req->dir == HAL_IO_OUT) {
		vmm_memcpy(&v, req->data, req->width);
		if ((req->port == acpi_pm1a_cnt && req->width >= 2 && (v & PM1_SLP_EN)) ||
		    (req->port == acpi_pm1a_cnt + 1u && (v & (PM1_SLP_EN >> 8))))
			acpi_power_off("ACPI power-off");
	}
	vtx_port_pass(req);
}

/*
 * Once the mediator has started (its claims come first): the registers
 * parapass watches become its own ports. Without PM1a_CNT parapass could
 * not see a sleep request; 0x8900 is only the emulators' shutdown port,
 * so a real device decoding there keeps it.
 */
void vtx_acpi_start(void)
{
	if (acpi_pm1a_cnt && vtx_port_own(acpi_pm1a_cnt, 2, acpi_pm1_cnt_io, "ACPI PM1a_CNT"))
		vtx_fatal("ACPI PM1a_CNT at port 0x%x is taken by a device", acpi_pm1a_cnt);
	vtx_port_own(BOCHS_SHUTDOWN_PORT, 1, acpi_shutdown_port_io, "emulator shutdown port");
}
