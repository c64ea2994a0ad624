/*
 * vtx_bios.c - the guest's start as from power-on, through the BIOS.
 *
 * parapass takes 1 KiB from the top of conventional memory (the BIOS data
 * area's base-memory size at 0x413 shrinks, as option ROMs do) for a
 * real-mode blob (vtx_boot.S): an INT 15h hook that exits with VMCALL,
 * and a loader that reads the boot sector of the configured drive with
 * INT 13h - through the trapped ATA ports, so through the mediator - and
 * jumps to 0:7C00 with DL set. The memory map the hook returns (E820h,
 * E801h, 88h) excludes parapass's memory and marks the blob reserved.
 * Other INT 15h functions go on to the BIOS's own handler.
 */
#include "vtx_priv.h"

#define LOG_PREFIX "vtx"
#define BDA_BASE_KIB 0x413
#define IVT_INT15 (0x15 * 4)
#define SMAP 0x534D4150u
#define RFLAGS_CF 1u
#define GUEST_MAP_MAX (VTX_MMAP_MAX + 8)

extern const uint8_t vtx_rm_blob[], vtx_rm_blob_end[], vtx_rm_int15[], vtx_rm_int15_iret[],
	vtx_rm_int15_chain[], vtx_rm_int15_orig[], vtx_rm_drive[], vtx_rm_boot[],
	vtx_rm_boot_ok[], vtx_rm_boot_fail[], vtx_rm_boot_nosig[];

static uint32_t bios_stub;   /* physical address of the blob; its segment is bios_stub >> 4 */
static uint8_t bios_drive;
static bool bios_loading = true;   /* the loader runs; the boot sector has not started */
static struct vtx_e820 bios_map[GUEST_MAP_MAX];
static unsigned bios_nmap;
static struct vtx_legacy_mem bios_legacy;

static uint16_t blob_off(const uint8_t *label)
{
	return (uint16_t)(label - vtx_rm_blob);
}

int vtx_bios_init(uint8_t boot_drive)
{
	uint16_t *base_kib = vtx_phys(BDA_BASE_KIB);
	uint32_t *ivt15 = vtx_phys(IVT_INT15);
	size_t size = (size_t)(vtx_rm_blob_end - vtx_rm_blob);
	struct vtx_range hide[2];
	uint8_t *stub;
	uint64_t top = (uint64_t)*base_kib << 10;

	VMM_ASSERT(size <= 1024);
	/* Below both the BDA's figure and the end of usable low RAM in the firmware's map. */
	for (unsigned i = 0; i < vtx_boot.nmmap; i++)
		if (vtx_boot.mmap[i].type == VTX_E820_RAM && vtx_boot.mmap[i].base == 0 &&
		    vtx_boot.mmap[i].len < top)
			top = vtx_boot.mmap[i].len & ~1023ull;
	if (top < (64u << 10) || top > (640u << 10))
		vtx_fatal("base memory of %llu KiB: not a BIOS machine?", (unsigned long long)(top >> 10));
	bios_stub = (uint32_t)top - 1024;
	*base_kib = (uint16_t)(bios_stub >> 10);
	bios_drive = boot_drive;
	stub = vtx_phys(bios_stub);
	vmm_memcpy(stub, vtx_rm_blob, size);
	vmm_memcpy(stub + blob_off(vtx_rm_int15_orig), ivt15, 4);
	stub[blob_off(vtx_rm_drive)] = boot_drive;
	*ivt15 = (bios_stub >> 4) << 16 | blob_off(vtx_rm_int15);

	hide[0] = (struct vtx_range){ bios_stub, bios_stub + 1024 };
	hide[1] = (struct vtx_range){ vtx_boot.image_base, vtx_boot.image_end };
	if (vtx_e820_build(vtx_boot.mmap, vtx_boot.nmmap, hide, 2, bios_map, GUEST_MAP_MAX,
			   &bios_nmap))
		vtx_fatal("guest memory map: more than %d entries", GUEST_MAP_MAX);
	bios_legacy = vtx_e820_legacy(bios_map, bios_nmap);
	for (unsigned i = 0; i < bios_nmap; i++)
		LOG_INFO("  guest map %016llx-%016llx %s", (unsigned long long)bios_map[i].base,
			 (unsigned long long)(bios_map[i].base + bios_map[i].len),
			 bios_map[i].type == VTX_E820_RAM ? "usable" : "not usable");
	LOG_INFO("INT 15h hooked at %04x:%04x (E820h %u entries, E801h %u KiB + %u x 64 KiB, "
		 "88h %u KiB)", bios_stub >> 4, blob_off(vtx_rm_int15), bios_nmap,
		 bios_legacy.e801_low_kib, bios_legacy.e801_high_64k, bios_legacy.ext_kib);
	return PP_OK;
}

/* Real mode as the BIOS leaves it, at the loader (unrestricted guest, SDM 26.3.1.2). */
void vtx_bios_guest_state(void)
{
	for (unsigned s = VTX_ES; s <= VTX_GS; s++) {
		uint16_t sel = s == VTX_CS ? (uint16_t)(bios_stub >> 4) : 0;

		vtx_vmwrite(VTX_SEG_SEL(s), sel);
		vtx_vmwrite(VTX_SEG_BASE(s), (uint64_t)sel << 4);
		vtx_vmwrite(VTX_SEG_LIMIT(s), 0xFFFF);
		vtx_vmwrite(VTX_SEG_AR(s), s == VTX_CS ? 0x9B : 0x93);
	}
	vtx_vmwrite(VTX_SEG_SEL(VTX_LDTR), 0);
	vtx_vmwrite(VTX_SEG_BASE(VTX_LDTR), 0);
	vtx_vmwrite(VTX_SEG_LIMIT(VTX_LDTR), 0xFFFF);
	vtx_vmwrite(VTX_SEG_AR(VTX_LDTR), 0x10000);   /* unusable */
	vtx_vmwrite(VTX_SEG_SEL(VTX_TR), 0);
	vtx_vmwrite(VTX_SEG_BASE(VTX_TR), 0);
	vtx_vmwrite(VTX_SEG_LIMIT(VTX_TR), 0xFFFF);
	vtx_vmwrite(VTX_SEG_AR(VTX_TR), 0x8B);        /* busy 32-bit TSS, as VM entry wants */
	vtx_vmwrite(GUEST_GDTR_BASE, 0);
	vtx_vmwrite(GUEST_GDTR_LIMIT, 0xFFFF);
	vtx_vmwrite(GUEST_IDTR_BASE, 0);
	vtx_vmwrite(GUEST_IDTR_LIMIT, 0x3FF);
	vtx_vmwrite(CR0_SHADOW, 0x10);                /* ET: real mode, caches on */
	vtx_vmwrite(GUEST_CR0, (0x10 | vtx_caps.cr0_fixed0) & vtx_caps.cr0_fixed1 & ~0x80000001ull);
	vtx_vmwrite(CR4_SHADOW, 0);
	vtx_vmwrite(GUEST_CR4, vtx_caps.cr4_fixed0);
	vtx_vmwrite(GUEST_CR3, 0);
	vtx_vmwrite(GUEST_DR7, 0x400);
	vtx_vmwrite(GUEST_RSP, 0x7C00);
	vtx_vmwrite(GUEST_RIP, blob_off(vtx_rm_boot));
	vtx_vmwrite(GUEST_RFLAGS, 0x2);
	vtx_vmwrite(GUEST_DEBUGCTL, 0);
	vtx_vmwrite(GUEST_PAT, 0x0007040600070406ull);   /* the PAT's power-on value */
	vtx_vmwrite(GUEST_EFER, 0);
	vtx_vmwrite(GUEST_SYSENTER_CS, 0);
	vtx_vmwrite(GUEST_SYSENTER_ESP, 0);
	vtx_vmwrite(GUEST_SYSENTER_EIP, 0);
	vtx_vmwrite(GUEST_INTERRUPTIBILITY, 0);
	vtx_vmwrite(GUEST_ACTIVITY, 0);
	vtx_vmwrite(GUEST_PENDING_DBG, 0);
	for (unsigned i = 0; i < 4; i++)
		vtx_vmwrite(GUEST_PDPTE0 + 2 * i, 0);
}

/* ---- INT 15h: the caller's FLAGS (CF = error) sit at SS:SP+4 of the INT frame ---- */
static void int15_return(bool error)
{
	uint64_t at = vtx_vmread(VTX_SEG_BASE(VTX_SS)) + ((vtx_vmread(GUEST_RSP) + 4) & 0xFFFF);
	uint16_t flags = 0;

	if (vtx_guest_copy_in(&flags, at, 2) == PP_OK) {
		flags = error ? flags | RFLAGS_CF : flags & ~RFLAGS_CF;
		vtx_guest_copy_out(at, &flags, 2);
	}
	vtx_vmwrite(GUEST_RIP, blob_off(vtx_rm_int15_iret));
}

static void int15_e820(struct vtx_regs *r)
{
	uint32_t idx = (uint32_t)r->rbx;
	uint64_t at = vtx_vmread(VTX_SEG_BASE(VTX_ES)) + (r->rdi & 0xFFFF);
	struct { uint64_t base, len; uint32_t type; } __attribute__((packed)) e;

	if (idx >= bios_nmap || (uint32_t)r->rcx < 20) {
		r->rax = (r->rax & ~0xFF00ull) | 0x8600;   /* AH = 86h: function failed */
		int15_return(true);
		return;
	}
	e.base = bios_map[idx].base;
	e.len = bios_map[idx].len;
	e.type = bios_map[idx].type;
	if (vtx_guest_copy_out(at, &e, sizeof(e))) {
		int15_return(true);
		return;
	}
	r->rax = SMAP;
	r->rcx = sizeof(e);
	r->rbx = idx + 1 < bios_nmap ? idx + 1 : 0;
	int15_return(false);
}

static void int15(struct vtx_regs *r)
{
	uint32_t eax = (uint32_t)r->rax;
	uint16_t ax = (uint16_t)eax;

	if (eax == 0xE820 && (uint32_t)r->rdx == SMAP) {
		int15_e820(r);
	} else if (ax == 0xE801 || ax == 0xE881) {
		/* E881h answers the same in 32-bit registers; E801h leaves the upper halves. */
		uint64_t keep = ax == 0xE801 ? ~0xFFFFull : ~0xFFFFFFFFull;

		r->rax = (r->rax & keep) | bios_legacy.e801_low_kib;
		r->rcx = (r->rcx & keep) | bios_legacy.e801_low_kib;
		r->rbx = (r->rbx & keep) | bios_legacy.e801_high_64k;
		r->rdx = (r->rdx & keep) | bios_legacy.e801_high_64k;
		int15_return(false);
	} else if ((ax >> 8) == 0x88) {
		r->rax = (r->rax & ~0xFFFFull) | bios_legacy.ext_kib;
		int15_return(false);
	} else {
		vtx_vmwrite(GUEST_RIP, blob_off(vtx_rm_int15_chain));   /* the BIOS's own handler */
	}
}

/*
 * The loader's three VMCALLs count only while it runs, before the boot
 * sector does: the stub stays in guest memory, and a guest jumping to
 * boot_fail later must get the #UD any unknown VMCALL gets, not stop the
 * machine. The INT 15h hook is the guest's for good.
 */
bool vtx_bios_vmcall(struct vtx_regs *r)
{
	uint64_t cs = vtx_vmread(VTX_SEG_BASE(VTX_CS)), rip = vtx_vmread(GUEST_RIP);

	if (cs != bios_stub || vtx_vmread(GUEST_CR0) & 1)
		return false;
	if (rip == blob_off(vtx_rm_int15)) {
		int15(r);
	} else if (!bios_loading) {
		return false;
	} else if (rip == blob_off(vtx_rm_boot_ok)) {
		LOG_INFO("guest: boot sector of drive 0x%x read through INT 13h; starting it at 0:7c00",
			 bios_drive);
		bios_loading = false;
		vtx_skip_instr();
	} else if (rip == blob_off(vtx_rm_boot_fail)) {
		vtx_prof_print("boot failed");
		vtx_fatal("guest: INT 13h could not read the boot sector of drive 0x%x (status %02llx)",
			  bios_drive, (unsigned long long)((r->rax >> 8) & 0xFF));
	} else if (rip == blob_off(vtx_rm_boot_nosig)) {
		vtx_prof_print("boot failed");
		vtx_fatal("guest: drive 0x%x has no boot signature 55aa in its first sector "
			  "(wrong key, wrong drive, or not bootable)", bios_drive);
	} else {
		return false;
	}
	return true;
}
