/*
 * tg_main.c - the test guest's order of events, check tally, exception
 * handling and the end of the run.
 */
#include "tg.h"

/* Bochs: 'D' on port 0x8900 breaks into the debugger, whose command file says quit. */
#define TG_BOCHS_PORT 0x8900

struct tg_idt_gate {
	uint16_t off_lo, sel;
	uint8_t zero, flags;
	uint16_t off_hi;
} __attribute__((packed));

struct tg_idt_ptr {
	uint16_t limit;
	uint32_t base;
} __attribute__((packed));

extern const uint32_t tg_exc_stubs[32];
extern const uint32_t tg_probe_fixups[];

static struct tg_idt_gate tg_idt[32] __attribute__((aligned(8)));
static uint32_t tg_pass, tg_fail, tg_skips;

void tg_idt_init(void)
{
	struct tg_idt_ptr ptr = { .limit = sizeof(tg_idt) - 1, .base = (uint32_t)tg_idt };

	for (int v = 0; v < 32; v++)
		tg_idt[v] = (struct tg_idt_gate){
			.off_lo = (uint16_t)tg_exc_stubs[v],
			.sel = 0x08,
			.flags = 0x8E, /* present, ring 0, 32-bit interrupt gate */
			.off_hi = (uint16_t)(tg_exc_stubs[v] >> 16),
		};
	__asm__ volatile("lidt %0" : : "m"(ptr));
}

/*
 * A fault on a probe instruction is an answer (the memory is not there);
 * anywhere else it is a guest bug or a hypervisor injecting what it
 * should not: report it as a failed check and end the run.
 */
void tg_exception(struct tg_frame *f)
{
	for (const uint32_t *p = tg_probe_fixups; p[0]; p += 2)
		if (f->eip == p[0]) {
			f->eip = p[1];
			f->edx = f->vector + 1;
			f->eax = 0;
			return;
		}
	tg_check("exception", false, "vector=%u error=0x%x eip=0x%08x eax=0x%x ecx=0x%x edx=0x%x",
		 f->vector, f->error, f->eip, f->eax, f->ecx, f->edx);
	tg_finish();
}

static void tg_report(const char *name, const char *verdict, const char *fmt, va_list ap)
{
	tg_printf("PPTG %s %s ", name, verdict);
	tg_vprintf(fmt, ap);
	tg_printf("\n");
}

void tg_check(const char *name, bool pass, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tg_report(name, pass ? "PASS" : "FAIL", fmt, ap);
	va_end(ap);
	if (pass)
		tg_pass++;
	else
		tg_fail++;
}

void tg_skip(const char *name, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	tg_report(name, "SKIP", fmt, ap);
	va_end(ap);
	tg_skips++;
}

void tg_finish(void)
{
	tg_printf("PPTG DONE pass=%u fail=%u skip=%u\n", tg_pass, tg_fail, tg_skips);
	tg_console_flush();
	tg_outb(TG_BOCHS_PORT, 'D');
	for (;;)
		__asm__ volatile("cli; hlt");
}

void tg_main(void);
void tg_main(void)
{
	uint64_t t0 = tg_rdtsc();

	tg_console_init();
	tg_idt_init();
	tg_printf("PPTG-INFO protected mode, boot drive 0x%x\n", tg_bootinfo.boot_drive);
	tg_mem_maps();
	tg_ata_run();
	tg_mem_hidden();
	/* With Bochs' clock sync=none the TSC counts instructions. */
	tg_printf("PPTG-INFO tsc-delta=0x%llx\n", tg_rdtsc() - t0);
	tg_finish();
}
