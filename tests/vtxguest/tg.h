/*
 * tg.h - the parapass test guest: a bare-metal 32-bit protected-mode
 * program (no paging, interrupts off) that boots from its own disk and
 * drives the PIIX3 IDE controller itself. One header for its few files.
 *
 * Reporting: one line per check on COM1 (and port 0xE9),
 *   PPTG <check> PASS|FAIL|SKIP <detail>
 * then "PPTG DONE pass=N fail=M skip=K". Lines "PPTG-WROTE <lba> <n>"
 * list every sector range written with the pattern (tg_pattern.h), so the
 * host can check the disk image afterwards; "PPTG-INFO" lines are notes.
 */
#ifndef TG_H
#define TG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- Port I/O ---- */
static inline void tg_outb(uint16_t p, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(p)); }
static inline void tg_outw(uint16_t p, uint16_t v) { __asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(p)); }
static inline void tg_outl(uint16_t p, uint32_t v) { __asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(p)); }
static inline uint8_t tg_inb(uint16_t p) { uint8_t v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(p)); return v; }
static inline uint16_t tg_inw(uint16_t p) { uint16_t v; __asm__ volatile("inw %1, %0" : "=a"(v) : "Nd"(p)); return v; }
static inline uint32_t tg_inl(uint16_t p) { uint32_t v; __asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(p)); return v; }

static inline uint64_t tg_rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* ---- What the real-mode stage found (tg_boot.S fills it) ---- */
#define TG_E820_MAX 32
struct tg_e820 {
	uint64_t base, len;
	uint32_t type, ext;
} __attribute__((packed));

struct tg_bootinfo {
	uint32_t e820_count;
	uint32_t e820_status;     /* 0 ok, else the step that failed */
	uint16_t e801_ax, e801_bx, e801_cx, e801_dx;
	uint16_t e801_ok;         /* 1 if INT 15h E801 returned without CF */
	uint16_t mem88;           /* INT 15h AH=88h: KiB above 1 MiB */
	uint16_t mem88_ok;
	uint8_t boot_drive;       /* DL at entry */
	uint8_t pad;
	struct tg_e820 e820[TG_E820_MAX];
} __attribute__((packed));
extern struct tg_bootinfo tg_bootinfo;

/* ---- Console and checks (tg_main.c, tg_console.c) ---- */
void tg_console_init(void);
void tg_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void tg_vprintf(const char *fmt, va_list ap);
/* Wait until the UART has sent every byte (before ending the machine). */
void tg_console_flush(void);
/* Report one check; fmt/... is the detail. */
void tg_check(const char *name, bool pass, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void tg_skip(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Stop the machine now: final line, flush, Bochs' 0x8900 'D', then hlt. */
__attribute__((noreturn)) void tg_finish(void);

void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);

/* ---- Exceptions and probes (tg_boot.S, tg_main.c) ---- */
struct tg_frame {
	uint32_t edi, esi, ebp, esp0, ebx, edx, ecx, eax; /* pushal */
	uint32_t vector, error;
	uint32_t eip, cs, eflags;
};
void tg_idt_init(void);
void tg_exception(struct tg_frame *f);
/*
 * One 32-bit access that survives a fault: *fault is 0, or the exception
 * vector + 1 if the access faulted (then the read returns 0).
 */
uint32_t tg_probe_read32(uint32_t addr, uint32_t *fault);
void tg_probe_write32(uint32_t addr, uint32_t val, uint32_t *fault);

/* ---- Memory (tg_mem.c) ---- */
/* Print the BIOS memory maps and check them; pick a DMA arena. */
void tg_mem_maps(void);
/* Physical address of the DMA/scratch arena (64 KiB aligned, in usable RAM). */
extern uint32_t tg_arena, tg_arena_size;
/* Probe memory the maps hide (the hypervisor's). */
void tg_mem_hidden(void);

/* ---- ATA primitives (tg_ata.c) ---- */
#define TG_ST_ERR 0x01
#define TG_ST_DRQ 0x08
#define TG_ST_DF 0x20
#define TG_ST_BSY 0x80
#define TG_ER_ABRT 0x04

struct tg_ide {
	uint16_t cmd, ctl, bm;      /* primary channel: command block, control, bus master */
	uint8_t bus, dev, fn;
};
extern struct tg_ide tg_ide;

struct tg_disk {
	uint16_t cyls, heads, spt;  /* IDENTIFY words 1, 3, 6 */
	uint32_t lba28_total;       /* words 60-61 */
	uint64_t lba48_total;       /* words 100-103, if word 83 bit 10 */
	bool lba48, dma;
	uint8_t multi_max;          /* word 47 bits 7:0; 0 = no READ/WRITE MULTIPLE */
	char model[41];
};
extern struct tg_disk tg_disk;

enum tg_xfer { TG_REP16, TG_REP32, TG_ONE16, TG_ONE32 };

struct tg_cmd {
	uint8_t op, feat;
	uint32_t count;             /* sectors: 1..256 (LBA28, CHS) or 1..65536 (EXT) */
	uint64_t lba;
	bool ext;                   /* LBA48 taskfile: HOB bytes first */
	bool chs;                   /* address lba as cylinder/head/sector */
	enum tg_xfer xfer;          /* PIO data port access */
	uint32_t block;             /* PIO sectors per DRQ block (MULTIPLE); 0 = 1 */
};

/* One scatter/gather piece of a DMA buffer: off from the area's base, len <= 64 KiB. */
struct tg_sg {
	uint32_t off, len;
};
#define TG_SG_MAX 8
struct tg_sg_list {
	unsigned n;
	struct tg_sg e[TG_SG_MAX];
};

/* Status after the last command, for messages. */
struct tg_ata_last {
	uint8_t status, error, bm;
	const char *stage;          /* where it went wrong, or "ok" */
};
extern struct tg_ata_last tg_last;

/* Results: 0 ok, else the command failed (tg_last says how). */
#define TG_EDEV (-1)     /* ERR or DF set */
#define TG_ETIME (-2)    /* BSY never cleared, no DRQ, or no DMA completion */
#define TG_EPROTO (-3)   /* DRQ where none belonged, or missing */
#define TG_EBM (-4)      /* bus-master error bit */

/* The most status polls one wait needed so far (bounded by a timeout in tg_ata.c). */
extern uint32_t tg_ata_polls_max;

int tg_pci_find_ide(void);
int tg_ata_identify(void);
int tg_ata_nodata(const struct tg_cmd *c);
int tg_ata_pio_in(const struct tg_cmd *c, void *buf);
int tg_ata_pio_out(const struct tg_cmd *c, const void *buf);
/* DMA between the device and the pieces of sg at area + off (physical). */
int tg_ata_dma(const struct tg_cmd *c, bool to_device, uint32_t area, const struct tg_sg_list *sg);
/* Software reset of the channel (device control SRST), then wait for the drive. */
int tg_ata_srst(void);
/* Start a PIO read and take only the first sectors: for reset-mid-command tests. */
int tg_ata_pio_in_partial(const struct tg_cmd *c, void *buf, uint32_t sectors);

/* ---- ATA checks (tg_ata_tests.c) ---- */
void tg_ata_run(void);

#endif /* TG_H */
