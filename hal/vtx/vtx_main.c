/*
 * vtx_main.c - start-up in the order the hardware demands: console, CPU
 * tables, boot information (keys out of guest memory first), page tables,
 * feature checks, VMXON, memory hiding, the core (vmm_start), the guest's
 * real-mode set-up, VM entry. Any failure names its cause and halts: the
 * guest never runs unprotected.
 */
#include "vtx_priv.h"

#define LOG_PREFIX "vtx"

__attribute__((noreturn)) void vtx_main(uint64_t mbi_phys, uint64_t load_base);

void vtx_fatal(const char *fmt, ...)
{
	char line[200];
	va_list ap;

	va_start(ap, fmt);
	vmm_vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	LOG_ERR("%s", line);
	LOG_ERR("the guest is not started or stopped: halting");
	hal_panic();
}

/* The four mem* functions gcc may call (vtx_priv.h). */
void *memcpy(void *d, const void *s, size_t n)
{
	return vmm_memcpy(d, s, n);
}

void *memset(void *d, int c, size_t n)
{
	return vmm_memset(d, c, n);
}

void *memmove(void *d, const void *s, size_t n)
{
	uint8_t *dp = d;
	const uint8_t *sp = s;

	if (dp <= sp || dp >= sp + n)
		return vmm_memcpy(d, s, n);
	while (n--)
		dp[n] = sp[n];
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	return vmm_memcmp(a, b, n);
}

static void main_log_map(void)
{
	static const char *const types[] = { "?", "usable", "reserved", "ACPI", "NVS", "bad" };

	for (unsigned i = 0; i < vtx_boot.nmmap; i++) {
		const struct vtx_e820 *e = &vtx_boot.mmap[i];

		LOG_INFO("  firmware map %016llx-%016llx %s", (unsigned long long)e->base,
			 (unsigned long long)(e->base + e->len),
			 e->type < 6 ? types[e->type] : "other");
	}
}

/* Refuse to go on unless every check passed; say which boot path is missing. */
static void main_checks(void)
{
	int err = vtx_vmx_check();

	if (vtx_boot.efi)
		LOG_ERR("started by UEFI firmware: this boot path is not supported yet "
			"(parapass loads the guest through the BIOS's INT 13h); boot in legacy BIOS/CSM mode");
	if (err)
		vtx_fatal("this CPU lacks what parapass needs (above): VT-x with EPT, unrestricted "
			  "guest, I/O bitmaps and true controls");
	if (vtx_boot.efi)
		vtx_fatal("UEFI boot path not supported");
	LOG_INFO("VMX checks passed: VMX, EPT%s, unrestricted guest, I/O and MSR bitmaps, "
		 "true controls, INS/OUTS information%s", vtx_caps.ept_1g ? " (1 GiB pages)" : "",
		 vtx_caps.mtf ? ", monitor trap flag" : "");
}

static void main_config(struct vmm_config *cfg)
{
	vmm_config_defaults(cfg);
	if (!vtx_boot.config_len)
		LOG_WARN("no configuration module: every disk is denied to the guest");
	if (vmm_config_parse(cfg, vtx_boot.config, vtx_boot.config_len))
		vtx_fatal("configuration rejected (line named above)");
	vmm_log_set_level((enum vmm_log_level)cfg->log_level);
	if (!vtx_boot.nkeysrc)
		LOG_WARN("no key module: disks configured 'encrypt' cannot be used");
}

static void main_start_core(const struct vmm_config *cfg)
{
	int err = vmm_start(cfg, vtx_boot.keys, vtx_boot.nkeys);

	vmm_wipe(vtx_boot.keys, sizeof(vtx_boot.keys));
	if (err)
		vtx_fatal("the mediator did not start (error %d): the disks would be unprotected", err);
	LOG_INFO("mediator started: %zu key(s)", vtx_boot.nkeys);
}

void vtx_main(uint64_t mbi_phys, uint64_t load_base)
{
	struct vmm_config cfg;
	int err;

	vtx_prof.start_tsc = hal_cycles();
	vtx_boot.image_base = load_base;
	vtx_boot.image_end = load_base + (uint64_t)(vtx_image_end - vtx_image_start);
	vtx_console_init();
	vtx_cpu_init();
	LOG_INFO("parapass starting: image at %llx-%llx (%llu KiB)",
		 (unsigned long long)vtx_boot.image_base, (unsigned long long)vtx_boot.image_end,
		 (unsigned long long)((vtx_boot.image_end - vtx_boot.image_base) >> 10));
	err = vtx_mboot_parse(mbi_phys);
	if (err)
		vtx_fatal("boot information rejected (error %d)", err);
	main_log_map();
	vtx_mem_init();
	LOG_INFO("long mode, own page tables, GDT/TSS/IDT: OK");
	main_checks();
	main_config(&cfg);
	vtx_mem_scrub();
	vtx_simd_init();
	vtx_keys_unwrap();
	vtx_acpi_init();
	vtx_smp_park();
	vtx_vmx_on();
	vtx_ept_build();
	vtx_msr_init();
	vtx_vmcs_setup();
	main_start_core(&cfg);
	vtx_acpi_start();
	vtx_acpi_pci_start();
	vtx_console_claim();
	vtx_rec_start(&cfg);
	vtx_bios_init(cfg.boot_drive);
	vtx_bios_guest_state();
	LOG_INFO("hidden %llx-%llx: VMM memory, absent from the guest's map and EPT",
		 (unsigned long long)vtx_boot.image_base, (unsigned long long)vtx_boot.image_end);
	LOG_INFO("entering the guest (real mode, unrestricted guest) after %llu cycles of set-up",
		 (unsigned long long)(hal_cycles() - vtx_prof.start_tsc));
	vtx_prof.guest_started = true;
	vtx_vmx_launch();
}
