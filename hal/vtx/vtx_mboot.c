/*
 * vtx_mboot.c - what GRUB hands over (multiboot2 specification, "Boot
 * information format"): the BIOS memory map, the configuration and key
 * modules, the ACPI root pointer, and whether UEFI firmware started us.
 *
 * The key module lies in memory that becomes the guest's: it is copied
 * into VMM memory (vtx_key.c) and its pages wiped at once, and so is the
 * configuration; the boot information itself is wiped once parsed.
 */
#include "vtx_priv.h"

#define LOG_PREFIX "vtx"

enum mb2_tag_type {
	MB2_END = 0, MB2_CMDLINE = 1, MB2_LOADER = 2, MB2_MODULE = 3, MB2_MEMINFO = 4,
	MB2_BOOTDEV = 5, MB2_MMAP = 6, MB2_EFI32 = 11, MB2_EFI64 = 12, MB2_ACPI_OLD = 14,
	MB2_ACPI_NEW = 15, MB2_EFI_MMAP = 17, MB2_EFI_BS = 18, MB2_EFI32_IH = 19,
	MB2_EFI64_IH = 20, MB2_LOAD_BASE = 21,
};

struct mb2_tag { uint32_t type, size; };
struct mb2_module { struct mb2_tag t; uint32_t start, end; char cmdline[]; };
struct mb2_bootdev { struct mb2_tag t; uint32_t biosdev, part, sub; };
struct mb2_mmap { struct mb2_tag t; uint32_t entry_size, entry_version; };
struct mb2_mmap_entry { uint64_t base, len; uint32_t type, zero; };
/* ACPI 6.4, 5.2.5.3: the RSDP; GRUB's tag holds a copy of it. */
struct acpi_rsdp {
	char sig[8];
	uint8_t checksum;
	char oem[6];
	uint8_t revision;
	uint32_t rsdt;
	uint32_t length;
	uint64_t xsdt;
} __attribute__((packed));

struct vtx_boot vtx_boot;

/*
 * The whole pages a key module lay in, wherever GRUB put them (it aligns
 * modules to pages, so the rest of the last page is slack): the later
 * scrub of usable RAM (vtx_mem.c) would miss memory of another type.
 */
static void mboot_wipe_pages(uint64_t start, uint64_t end)
{
	uint64_t a = start & ~(VTX_PAGE - 1), b = VTX_ALIGN_UP(end, VTX_PAGE);

	if (a >= 0x500 && !vtx_is_vmm(a, b - a))
		vmm_wipe(vtx_phys(a), b - a);
}

static int mboot_module(const struct mb2_module *m)
{
	uint8_t *p = vtx_phys(m->start);
	size_t len = m->end - m->start;

	if (m->end < m->start)
		return PP_EINVAL;
	if (!vmm_strcmp(m->cmdline, "config")) {
		if (len >= sizeof(vtx_boot.config) - vtx_boot.config_len) {
			LOG_ERR("configuration module too large (%zu bytes)", len);
			return PP_EINVAL;
		}
		vmm_memcpy(vtx_boot.config + vtx_boot.config_len, p, len);
		vtx_boot.config_len += len;
	} else if (!vmm_strcmp(m->cmdline, "key")) {
		int err = vtx_key_module(p, len);

		vmm_wipe(p, len);
		mboot_wipe_pages(m->start, m->end);
		return err;
	} else {
		LOG_WARN("module '%s' ignored (want 'config' or 'key')", m->cmdline);
	}
	vmm_wipe(p, len);
	return PP_OK;
}

static int mboot_mmap(const struct mb2_mmap *t)
{
	const uint8_t *p = (const uint8_t *)(t + 1), *end = (const uint8_t *)t + t->t.size;

	if (t->entry_size < sizeof(struct mb2_mmap_entry))
		return PP_EINVAL;
	for (; p + t->entry_size <= end; p += t->entry_size) {
		const struct mb2_mmap_entry *e = (const void *)p;

		if (vtx_boot.nmmap == VTX_MMAP_MAX) {
			LOG_ERR("more than %d memory map entries", VTX_MMAP_MAX);
			return PP_ENOSPC;
		}
		vtx_boot.mmap[vtx_boot.nmmap++] =
			(struct vtx_e820){ .base = e->base, .len = e->len, .type = e->type };
	}
	return PP_OK;
}

static void mboot_acpi(const struct mb2_tag *t)
{
	const struct acpi_rsdp *r = (const void *)(t + 1);

	if (t->size < sizeof(*t) + 20)
		return;
	vtx_boot.rsdt = r->rsdt;
	if (r->revision >= 2 && t->size >= sizeof(*t) + sizeof(*r))
		vtx_boot.xsdt = r->xsdt;
}

static int mboot_tag(const struct mb2_tag *t)
{
	switch (t->type) {
	case MB2_MODULE:
		return mboot_module((const struct mb2_module *)t);
	case MB2_MMAP:
		return mboot_mmap((const struct mb2_mmap *)t);
	case MB2_BOOTDEV:
		vtx_boot.have_bios_drive = true;
		vtx_boot.bios_drive = ((const struct mb2_bootdev *)t)->biosdev;
		return PP_OK;
	case MB2_ACPI_OLD:
	case MB2_ACPI_NEW:
		mboot_acpi(t);
		return PP_OK;
	case MB2_EFI32:
	case MB2_EFI64:
	case MB2_EFI_MMAP:
	case MB2_EFI_BS:
	case MB2_EFI32_IH:
	case MB2_EFI64_IH:
		vtx_boot.efi = true;
		return PP_OK;
	default:
		return PP_OK;  /* command line, loader name, framebuffer...: not needed */
	}
}

int vtx_mboot_parse(uint64_t mbi_phys)
{
	const uint8_t *mbi = vtx_phys(mbi_phys);
	uint32_t total = *(const uint32_t *)mbi;
	int first_err = PP_OK;

	/* Walk every tag even after an error, so that every key module is wiped. */
	for (uint32_t off = 8; off + sizeof(struct mb2_tag) <= total;) {
		const struct mb2_tag *t = (const void *)(mbi + off);
		int err;

		if (t->type == MB2_END || t->size < sizeof(*t))
			break;
		err = mboot_tag(t);
		if (err && !first_err)
			first_err = err;
		off += (t->size + 7) & ~7u;
	}
	if (!first_err && !vtx_boot.nmmap) {
		LOG_ERR("the boot loader gave no memory map");
		first_err = PP_EINVAL;
	}
	/* Everything needed is copied out; the information itself names the modules: gone too. */
	if (total >= 8 && !vtx_is_vmm(mbi_phys, total))
		vmm_wipe(vtx_phys(mbi_phys), total);
	return first_err;
}
