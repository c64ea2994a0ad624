/*
 * vtx_mem.c - memory in root mode: parapass's own page tables, its heap,
 * and guest physical memory as hal.h offers it to the core.
 *
 * All VMM memory is the image GRUB loaded (vtx.ld): code, data, tables,
 * stacks and the heap below live in one 2 MiB-aligned physical range, so
 * EPT and the guest's memory map hide exactly [image_base, image_end).
 * Root mode identity-maps physical memory (1 GiB pages where the CPU has
 * them, else 2 MiB), so a guest physical address is a pointer; the
 * image itself runs at VTX_VIRT_BASE.
 */
#include "vtx_priv.h"

#define LOG_PREFIX "vtx"
#ifndef VTX_HEAP_MIB
#define VTX_HEAP_MIB 12   /* two channels' 2 MiB bounce buffers with room to spare */
#endif
#define VTX_PT_POOL 80    /* page-table pages: 64 GiB with 2 MiB pages */
#define PTE_P 0x1ull
#define PTE_W 0x2ull
#define PTE_PS 0x80ull
#define PTE_ADDR 0x000FFFFFFFFFF000ull

/* Page-aligned only: a larger alignment would push the multiboot header out of the first 32 KiB. */
static uint8_t vtx_heap[VTX_HEAP_MIB << 20] __attribute__((aligned(4096)));
static size_t vtx_heap_used;
static uint64_t vtx_pt_pool[VTX_PT_POOL][512] __attribute__((aligned(4096)));
static unsigned vtx_pt_used;
static uint64_t vtx_map_top;

uint64_t vtx_virt_to_phys(const void *p)
{
	uint64_t v = (uint64_t)(uintptr_t)p;

	if (v >= VTX_VIRT_BASE)
		return v - VTX_VIRT_BASE + vtx_boot.image_base;
	return v;
}

static void *heap_alloc(size_t size, size_t align)
{
	uintptr_t base = (uintptr_t)vtx_heap;
	size_t at = VTX_ALIGN_UP(base + vtx_heap_used, align) - base;

	if (at > sizeof(vtx_heap) || size > sizeof(vtx_heap) - at)
		return NULL;
	vtx_heap_used = at + size;
	return vtx_heap + at;
}

void *vtx_alloc_page(void)
{
	void *p = heap_alloc(VTX_PAGE, VTX_PAGE);

	if (!p)
		vtx_fatal("VMM heap exhausted (%d MiB): rebuild with a larger VTX_HEAP_MIB",
			  VTX_HEAP_MIB);
	return p;
}

void *hal_dma_alloc(size_t size, size_t align, uint32_t *phys)
{
	void *p;
	uint64_t pa;

	if (!align || (align & (align - 1)) || align > 65536)
		return NULL;
	p = heap_alloc(size, align);
	if (!p)
		return NULL;
	pa = vtx_virt_to_phys(p);
	/* The image sits below 3 GiB (multiboot header), so this holds; checked anyway. */
	VMM_ASSERT(pa + size <= 0x100000000ull);
	*phys = (uint32_t)pa;
	return p;
}

static uint64_t *pt_page(void)
{
	if (vtx_pt_used == VTX_PT_POOL)
		vtx_fatal("page-table pool exhausted mapping %llu GiB",
			  (unsigned long long)(vtx_map_top >> 30));
	return vtx_pt_pool[vtx_pt_used++];
}

static bool ram_type(uint32_t type)
{
	return type == 1 || type == 3 || type == 4;   /* RAM, ACPI reclaimable, ACPI NVS */
}

uint64_t vtx_phys_top(void)
{
	uint64_t top = 4ull << 30;

	for (unsigned i = 0; i < vtx_boot.nmmap; i++) {
		const struct vtx_e820 *e = &vtx_boot.mmap[i];

		if (ram_type(e->type) && e->base + e->len > top)
			top = e->base + e->len;
	}
	return VTX_ALIGN_UP(top, VTX_1G);
}

/*
 * Root-mode page tables: identity map [0, top) and the image at
 * VTX_VIRT_BASE. Host accesses then follow the MTRRs, so device memory
 * stays uncached.
 */
int vtx_mem_init(void)
{
	bool gb = vtx_cpuid(0x80000001, 0).d & (1u << 26);
	uint64_t *pml4 = pt_page(), *pdpt = pt_page(), *hi_pdpt = pt_page(), *hi_pd = pt_page();
	uint64_t img = vtx_boot.image_end - vtx_boot.image_base;

	vtx_map_top = vtx_phys_top();
	if (vtx_map_top > (512ull << 30)) {
		LOG_WARN("physical memory above 512 GiB is not mapped");
		vtx_map_top = 512ull << 30;
	}
	for (uint64_t g = 0; g < vtx_map_top >> 30; g++) {
		uint64_t *pd;

		if (gb) {
			pdpt[g] = g << 30 | PTE_P | PTE_W | PTE_PS;
			continue;
		}
		pd = pt_page();
		for (uint64_t m = 0; m < 512; m++)
			pd[m] = (g << 30 | m << 21) | PTE_P | PTE_W | PTE_PS;
		pdpt[g] = vtx_virt_to_phys(pd) | PTE_P | PTE_W;
	}
	for (uint64_t m = 0; m < img >> 21; m++)
		hi_pd[m] = (vtx_boot.image_base + (m << 21)) | PTE_P | PTE_W | PTE_PS;
	hi_pdpt[510] = vtx_virt_to_phys(hi_pd) | PTE_P | PTE_W;
	pml4[0] = vtx_virt_to_phys(pdpt) | PTE_P | PTE_W;
	pml4[511] = vtx_virt_to_phys(hi_pdpt) | PTE_P | PTE_W;
	vtx_write_cr3(vtx_virt_to_phys(pml4));
	return PP_OK;
}

bool vtx_is_vmm(uint64_t pa, uint64_t len)
{
	return pa < vtx_boot.image_end && pa + len > vtx_boot.image_base;
}

/* Every byte of [pa, pa+len) lies in RAM the firmware reported (or the first MiB). */
bool vtx_is_guest_ram(uint64_t pa, uint64_t len)
{
	uint64_t end = pa + len;

	if (end < pa || end > vtx_map_top || vtx_is_vmm(pa, len))
		return false;
	while (pa < end) {
		uint64_t next = pa < 0x100000 ? 0x100000 : pa;

		for (unsigned i = 0; next == pa && i < vtx_boot.nmmap; i++) {
			const struct vtx_e820 *e = &vtx_boot.mmap[i];

			if (ram_type(e->type) && pa >= e->base && pa < e->base + e->len)
				next = e->base + e->len;
		}
		if (next == pa)
			return false;
		pa = next;
	}
	return true;
}

static int gpa_check(uint64_t gpa, size_t len)
{
	if (vtx_is_vmm(gpa, len))
		return PP_EACCES;
	return vtx_is_guest_ram(gpa, len) ? PP_OK : PP_EFAULT;
}

int hal_gpa_read(uint64_t gpa, void *buf, size_t len)
{
	int err = gpa_check(gpa, len);

	if (!err)
		vmm_memcpy(buf, vtx_phys(gpa), len);
	return err;
}

int hal_gpa_write(uint64_t gpa, const void *buf, size_t len)
{
	int err = gpa_check(gpa, len);

	if (!err)
		vmm_memcpy(vtx_phys(gpa), buf, len);
	return err;
}

int hal_gpa_map(uint64_t gpa, size_t len, void **out)
{
	int err = gpa_check(gpa, len);

	if (!err)
		*out = vtx_phys(gpa);
	return err;
}

/*
 * GRUB read the key file through its disk cache and the BIOS's bounce
 * buffers, all in memory the guest will own: zero every usable byte below
 * 4 GiB (GRUB never runs above) except the BIOS data area and VMM memory.
 */
static uint64_t scrub(uint64_t a, uint64_t b)
{
	void *d;
	uint64_t n;

	a = VTX_ALIGN_UP(a, 8);   /* 8 bytes a store: Bochs counts every REP step */
	b &= ~7ull;
	if (a >= b)
		return 0;
	d = vtx_phys(a);
	n = (b - a) / 8;
	__asm__ volatile("rep stosq" : "+D"(d), "+c"(n) : "a"(0ull) : "memory");
	return b - a;
}

void vtx_mem_scrub(void)
{
	uint64_t total = 0, ib = vtx_boot.image_base, ie = vtx_boot.image_end;

	for (unsigned i = 0; i < vtx_boot.nmmap; i++) {
		const struct vtx_e820 *e = &vtx_boot.mmap[i];
		uint64_t a = e->base < 0x500 ? 0x500 : e->base;
		uint64_t b = e->base + e->len > (4ull << 30) ? (4ull << 30) : e->base + e->len;

		if (e->type != VTX_E820_RAM)
			continue;
		total += scrub(a, b < ib ? b : ib);
		total += scrub(a > ie ? a : ie, b);
	}
	LOG_INFO("scrubbed %llu MiB of boot-loader memory", (unsigned long long)(total >> 20));
}
