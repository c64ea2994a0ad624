/*
 * tg_mem.c - the BIOS memory maps as the guest sees them, and what a guest
 * gets from the memory they leave out.
 *
 * parapass hides its own memory from the INT 15h maps (E820, E801, 88h)
 * and from the guest's EPT. The guest cannot know where that memory is
 * from the maps, so it asks the hardware: the CMOS RAM size registers
 * (0x30/0x31: KiB above 1 MiB; 0x34/0x35: 64 KiB blocks above 16 MiB,
 * as the Bochs BIOS and SeaBIOS set them) give the RAM the machine has;
 * every byte of it above 1 MiB that E820 calls neither usable (1) nor
 * ACPI (3, 4) is "hidden". Without a hypervisor nothing is hidden; under
 * parapass its memory is. The guest then probes pages spread over every
 * hidden range, with a fault handler armed (tg_probe_*):
 *   - a read must fault or give all-zeros or all-ones (no hypervisor data);
 *   - a write must fault or not stick (read back differs);
 * values read are never printed (they could be a key if something is wrong).
 * A self-test first shows that the probe does see accessible memory (a page
 * of usable RAM sticks) and does catch a fault (a segment-limit #GP), so
 * the check can fail. The host side (tests/system) also requires that
 * something was hidden under parapass, so the check is never vacuous.
 */
#include "tg.h"

#define TG_MiB (1024u * 1024u)
#define TG_PAGE 4096u
#define TG_RANGES 16
#define TG_SAMPLES 32         /* pages probed per hidden range */
#define TG_ARENA_SIZE (4u * TG_MiB)
#define TG_ARENA_ALIGN 0x10000u
#define TG_E820_USABLE 1
#define TG_E820_ACPI 3
#define TG_E820_NVS 4
#define TG_SMALL_SEL 0x18     /* GDT data segment with a 4 KiB limit (tg_boot.S) */

/* Filled in real mode before .bss is cleared: must live in .data. */
struct tg_bootinfo tg_bootinfo __attribute__((section(".data")));

uint32_t tg_arena, tg_arena_size;

struct tg_range {
	uint32_t lo, hi;          /* [lo, hi) */
};
static struct tg_range tg_hidden[TG_RANGES];
static unsigned tg_nhidden;
static uint32_t tg_ram_top;

uint32_t tg_probe_read32_seg(uint16_t sel, uint32_t addr, uint32_t *fault);

static uint8_t tg_cmos(uint8_t reg)
{
	tg_outb(0x70, (uint8_t)(reg | 0x80)); /* bit 7: keep NMI masked */
	return tg_inb(0x71);
}

/* RAM size from the CMOS, the one source no INT 15h hook changes. */
static uint32_t tg_cmos_ram_top(void)
{
	uint32_t blocks = tg_cmos(0x34) | (uint32_t)tg_cmos(0x35) << 8;
	uint32_t kib = tg_cmos(0x30) | (uint32_t)tg_cmos(0x31) << 8;

	if (blocks)
		return 16 * TG_MiB + blocks * 0x10000u;
	return TG_MiB + kib * 1024u;
}

/* Remove [lo, hi) from the hidden set (splitting a range if needed). */
static void tg_hidden_cut(uint32_t lo, uint32_t hi)
{
	for (unsigned i = 0; i < tg_nhidden; i++) {
		struct tg_range *r = &tg_hidden[i];

		if (hi <= r->lo || lo >= r->hi)
			continue;
		if (lo > r->lo && hi < r->hi && tg_nhidden < TG_RANGES) {
			tg_hidden[tg_nhidden++] = (struct tg_range){ .lo = hi, .hi = r->hi };
			r->hi = lo;
		} else if (lo <= r->lo) {
			r->lo = hi < r->hi ? hi : r->hi;
		} else {
			r->hi = lo;
		}
	}
}

/* Drop the empty ranges cutting left behind. */
static void tg_hidden_compact(void)
{
	unsigned n = 0;

	for (unsigned i = 0; i < tg_nhidden; i++)
		if (tg_hidden[i].hi > tg_hidden[i].lo)
			tg_hidden[n++] = tg_hidden[i];
	tg_nhidden = n;
}

static uint32_t tg_clip32(uint64_t v)
{
	return v > 0xFFFFF000ull ? 0xFFFFF000u : (uint32_t)v;
}

static void tg_print_maps(void)
{
	const struct tg_bootinfo *bi = &tg_bootinfo;

	for (uint32_t i = 0; i < bi->e820_count && i < TG_E820_MAX; i++)
		tg_printf("PPTG-INFO e820 base=0x%016llx len=0x%016llx type=%u\n",
			  bi->e820[i].base, bi->e820[i].len, bi->e820[i].type);
	tg_printf("PPTG-INFO e801 ok=%u ax=0x%x bx=0x%x cx=0x%x dx=0x%x\n", bi->e801_ok,
		  bi->e801_ax, bi->e801_bx, bi->e801_cx, bi->e801_dx);
	tg_printf("PPTG-INFO int15-88 ok=%u kib=0x%x\n", bi->mem88_ok, bi->mem88);
	tg_printf("PPTG-INFO cmos ram-top=0x%08x\n", tg_ram_top);
}

/* The arena: TG_ARENA_SIZE bytes of usable RAM at or above 2 MiB, 64 KiB aligned. */
static void tg_pick_arena(void)
{
	const struct tg_bootinfo *bi = &tg_bootinfo;

	for (uint32_t i = 0; i < bi->e820_count && i < TG_E820_MAX && !tg_arena; i++) {
		const struct tg_e820 *e = &bi->e820[i];
		uint32_t lo, hi;

		if (e->type != TG_E820_USABLE || e->base >= 0xF0000000ull)
			continue;
		lo = tg_clip32(e->base < 2 * TG_MiB ? 2 * TG_MiB : e->base);
		lo = (lo + TG_ARENA_ALIGN - 1) & ~(TG_ARENA_ALIGN - 1);
		hi = tg_clip32(e->base + e->len);
		if (hi > lo && hi - lo >= TG_ARENA_SIZE) {
			tg_arena = lo;
			tg_arena_size = TG_ARENA_SIZE;
		}
	}
}

void tg_mem_maps(void)
{
	const struct tg_bootinfo *bi = &tg_bootinfo;
	uint32_t usable = 0;

	tg_ram_top = tg_cmos_ram_top();
	tg_print_maps();
	tg_hidden[0] = (struct tg_range){ .lo = TG_MiB, .hi = tg_ram_top };
	tg_nhidden = tg_ram_top > TG_MiB;
	for (uint32_t i = 0; i < bi->e820_count && i < TG_E820_MAX; i++) {
		const struct tg_e820 *e = &bi->e820[i];

		if (e->type == TG_E820_USABLE)
			usable++;
		if (e->type == TG_E820_USABLE || e->type == TG_E820_ACPI || e->type == TG_E820_NVS)
			tg_hidden_cut(tg_clip32(e->base), tg_clip32(e->base + e->len));
	}
	tg_hidden_compact();
	tg_pick_arena();
	tg_check("e820-map", bi->e820_status == 0 && usable >= 2 && tg_arena,
		 "status=%u entries=%u usable=%u arena=0x%08x", bi->e820_status, bi->e820_count,
		 usable, tg_arena);
	if (!tg_arena)
		tg_finish(); /* nowhere to put DMA buffers: nothing else can run */
}

/* 1 if [lo, hi) meets a hidden range. */
static bool tg_meets_hidden(uint32_t lo, uint32_t hi)
{
	for (unsigned i = 0; i < tg_nhidden; i++)
		if (lo < tg_hidden[i].hi && hi > tg_hidden[i].lo)
			return true;
	return false;
}

/* E801 and 88h describe memory from 1 MiB up: none of it may be hidden memory. */
static void tg_check_small_maps(void)
{
	const struct tg_bootinfo *bi = &tg_bootinfo;
	uint32_t kib = bi->e801_cx ? bi->e801_cx : bi->e801_ax;
	uint32_t blk = bi->e801_cx ? bi->e801_dx : bi->e801_bx;
	bool bad = false;

	if (bi->e801_ok) {
		bad |= tg_meets_hidden(TG_MiB, TG_MiB + kib * 1024u);
		bad |= blk && tg_meets_hidden(16 * TG_MiB, tg_clip32(16ull * TG_MiB + blk * 0x10000ull));
	}
	if (bi->mem88_ok)
		bad |= tg_meets_hidden(TG_MiB, TG_MiB + bi->mem88 * 1024u);
	tg_check("mem-e801-88h", (bi->e801_ok || bi->mem88_ok) && !bad,
		 "e801=%u int88=%u claim-hidden=%u", bi->e801_ok, bi->mem88_ok, bad);
}

/* The probe sees RAM that is there, and survives a fault. */
static void tg_probe_selftest(void)
{
	uint32_t addr = tg_arena + tg_arena_size - TG_PAGE, fault_w, fault_r, fault_gp;
	uint32_t magic = 0xC0DE5EED ^ addr, got;

	tg_probe_write32(addr, magic, &fault_w);
	got = tg_probe_read32(addr, &fault_r);
	(void)tg_probe_read32_seg(TG_SMALL_SEL, 2 * TG_PAGE, &fault_gp);
	tg_check("mem-probe-selftest", !fault_w && !fault_r && got == magic && fault_gp == 13 + 1,
		 "ram-sticks=%u limit-fault-vector=%d", got == magic, (int)fault_gp - 1);
}

struct tg_probe_tally {
	uint32_t pages, faults, ones, zeros, data, stuck;
	uint32_t first_bad;
};

static void tg_probe_page(uint32_t page, struct tg_probe_tally *t)
{
	static const uint32_t offs[] = { 0, 0x7FC, 0xFFC };
	uint32_t fault, v, old, back, magic = 0x5A5AC3C3 ^ page;

	t->pages++;
	for (unsigned i = 0; i < sizeof(offs) / sizeof(offs[0]); i++) {
		v = tg_probe_read32(page + offs[i], &fault);
		if (fault)
			t->faults++;
		else if (v == 0xFFFFFFFFu)
			t->ones++;
		else if (v == 0)
			t->zeros++;
		else if (t->data++ == 0 && !t->stuck)
			t->first_bad = page + offs[i];
	}
	old = tg_probe_read32(page + 0x400, &fault);
	tg_probe_write32(page + 0x400, magic, &fault);
	back = tg_probe_read32(page + 0x400, &fault);
	if (!fault && back == magic) {
		if (t->stuck++ == 0 && !t->data)
			t->first_bad = page + 0x400;
		tg_probe_write32(page + 0x400, old, &fault); /* put it back: keep the host alive to report */
	}
}

void tg_mem_hidden(void)
{
	struct tg_probe_tally t = { 0 };
	uint32_t bytes = 0;

	tg_check_small_maps();
	tg_probe_selftest();
	for (unsigned i = 0; i < tg_nhidden; i++) {
		struct tg_range *r = &tg_hidden[i];
		uint32_t lo = (r->lo + TG_PAGE - 1) & ~(TG_PAGE - 1), pages;

		if (r->hi <= lo + TG_PAGE - 1)
			continue;
		pages = (r->hi - lo) / TG_PAGE;
		bytes += r->hi - r->lo;
		/* A halt right after this line means the hypervisor stopped the machine. */
		tg_printf("PPTG-INFO hidden 0x%08x-0x%08x probing %u of %u pages\n", r->lo, r->hi,
			  pages < TG_SAMPLES ? pages : TG_SAMPLES, pages);
		for (uint32_t s = 0; s < TG_SAMPLES && s < pages; s++) {
			uint32_t idx = pages <= TG_SAMPLES ? s : s * ((pages - 1) / (TG_SAMPLES - 1));

			tg_probe_page(lo + idx * TG_PAGE, &t);
		}
	}
	tg_check("mem-hidden", t.data == 0 && t.stuck == 0,
		 "hidden-bytes=0x%x ranges=%u pages=%u faults=%u ones=%u zeros=%u data=%u stuck=%u first-bad=0x%08x",
		 bytes, tg_nhidden, t.pages, t.faults, t.ones, t.zeros, t.data, t.stuck, t.first_bad);
}
