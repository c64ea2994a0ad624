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
	LOG_ERR("the guest is not started: halting");
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

void vtx_main(uint64_t mbi_phys, uint64_t load_base)
{
	int err;

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
	vtx_fatal("milestone a: nothing more to do");
}
