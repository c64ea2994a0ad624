/*
 * tg_ata.c - the guest's own IDE driver: PCI discovery of the PIIX3 IDE
 * function, IDENTIFY, the taskfile (LBA28, LBA48 with HOB, CHS), PIO data
 * in and out with four kinds of data-port access, and bus-master DMA.
 * Polling only: the CPU runs with interrupts off, the device's INTRQ is
 * left enabled because Bochs sets the bus-master interrupt bit only when
 * it raises INTRQ. Protocol per ATA8-ACS and ATA/ATAPI-6 section 9 (PIO
 * data-in, data-out, non-data, DMA classes), bus master per the PIIX
 * datasheet / SFF-8038i.
 */
#include "tg.h"

#define TG_PCI_ADDR 0xCF8
#define TG_PCI_DATA 0xCFC
#define TG_BM_CMD 0
#define TG_BM_STATUS 2
#define TG_BM_PRD 4
#define TG_BM_START 0x01
#define TG_BM_TO_MEM 0x08   /* bus master writes memory: a device read */
#define TG_BMS_ACTIVE 0x01
#define TG_BMS_ERR 0x02
#define TG_BMS_IRQ 0x04
#define TG_PRD_EOT 0x8000
/*
 * Status polls before giving up. Each is a trapped access under parapass,
 * about 30 us of Bochs time, so a timeout must be short; the most any
 * command needed is printed at the end (tg_ata_polls_max) to keep this
 * bound honest.
 */
#define TG_SPIN 100000
#define TG_PRD_AREA_OFF 0x0   /* PRD table at the arena's start (64 KiB aligned) */

uint32_t tg_ata_polls_max;
struct tg_ide tg_ide;
struct tg_disk tg_disk;
struct tg_ata_last tg_last;

struct tg_prd {
	uint32_t addr;
	uint16_t bytes;             /* 0 means 64 KiB */
	uint16_t flags;
} __attribute__((packed));

static uint32_t tg_pci_read(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off)
{
	tg_outl(TG_PCI_ADDR, 0x80000000u | (uint32_t)bus << 16 | (uint32_t)dev << 11 |
			     (uint32_t)fn << 8 | (off & 0xFC));
	return tg_inl(TG_PCI_DATA);
}

static void tg_pci_write16(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off, uint16_t v)
{
	tg_outl(TG_PCI_ADDR, 0x80000000u | (uint32_t)bus << 16 | (uint32_t)dev << 11 |
			     (uint32_t)fn << 8 | (off & 0xFC));
	tg_outw((uint16_t)(TG_PCI_DATA + (off & 2)), v);
}

static void tg_pci_use(uint8_t bus, uint8_t dev, uint8_t fn, uint32_t id)
{
	uint32_t cls = tg_pci_read(bus, dev, fn, 0x08);
	uint32_t bar4 = tg_pci_read(bus, dev, fn, 0x20);
	uint16_t cmd = (uint16_t)tg_pci_read(bus, dev, fn, 0x04);
	bool native = (cls >> 8) & 0x01;  /* prog-if bit 0: primary channel in native mode */

	tg_ide = (struct tg_ide){ .cmd = 0x1F0, .ctl = 0x3F6, .bm = (uint16_t)(bar4 & 0xFFFC),
				  .bus = bus, .dev = dev, .fn = fn };
	if (native) {
		tg_ide.cmd = (uint16_t)(tg_pci_read(bus, dev, fn, 0x10) & 0xFFFC);
		tg_ide.ctl = (uint16_t)((tg_pci_read(bus, dev, fn, 0x14) & 0xFFFC) + 2);
	}
	/* I/O space and bus mastering on (PCI 3.0 section 6.2.2). */
	if ((cmd & 0x05) != 0x05)
		tg_pci_write16(bus, dev, fn, 0x04, cmd | 0x05);
	tg_check("pci-ide", (bar4 & 1) && tg_ide.bm,
		 "id=%04x:%04x at %02x:%02x.%u class=0x%06x bar4=0x%x cmd=0x%x->0x%x native=%u",
		 id & 0xFFFF, id >> 16, bus, dev, fn, cls >> 8, bar4, cmd,
		 (uint16_t)tg_pci_read(bus, dev, fn, 0x04), native);
}

/* Bus 0 only: the PIIX3 sits there on every machine this guest targets. */
int tg_pci_find_ide(void)
{
	for (uint8_t dev = 0; dev < 32; dev++) {
		for (uint8_t fn = 0; fn < 8; fn++) {
			uint32_t id = tg_pci_read(0, dev, fn, 0x00);

			if ((id & 0xFFFF) == 0xFFFF) {
				if (fn == 0)
					break;
				continue;
			}
			if ((tg_pci_read(0, dev, fn, 0x08) >> 16) == 0x0101) {
				if (id != 0x70108086)
					tg_printf("PPTG-INFO IDE controller is not a PIIX3 (id 0x%08x)\n", id);
				tg_pci_use(0, dev, fn, id);
				return 0;
			}
			if (fn == 0 && !(tg_pci_read(0, dev, 0, 0x0C) & 0x00800000))
				break; /* single-function device */
		}
	}
	tg_check("pci-ide", false, "no IDE controller (class 0x0101) on bus 0");
	return -1;
}

static uint8_t tg_alt_status(void)
{
	return tg_inb(tg_ide.ctl);
}

/* Poll the alternate status (no INTRQ side effect) until (st & mask) == want. */
static int tg_wait(uint8_t mask, uint8_t want, const char *stage)
{
	uint8_t st = 0;

	for (uint32_t i = 0; i < TG_SPIN; i++) {
		st = tg_alt_status();
		if ((st & mask) == want) {
			if (i > tg_ata_polls_max)
				tg_ata_polls_max = i;
			return 0;
		}
	}
	tg_last = (struct tg_ata_last){ .status = st, .error = tg_inb(tg_ide.cmd + 1), .stage = stage };
	return TG_ETIME;
}

/* Read the status register (clears INTRQ) and judge the end of a command. */
static int tg_end_status(const char *stage)
{
	uint8_t st = tg_inb(tg_ide.cmd + 7);

	tg_last = (struct tg_ata_last){ .status = st, .error = tg_inb(tg_ide.cmd + 1), .stage = stage };
	if (st & (TG_ST_ERR | TG_ST_DF))
		return TG_EDEV;
	if (st & TG_ST_DRQ)
		return TG_EPROTO;
	tg_last.stage = "ok";
	return 0;
}

/* Write the taskfile and the command (ATA8-ACS 4.2: HOB bytes go first for EXT). */
static int tg_issue(const struct tg_cmd *c)
{
	uint16_t p = tg_ide.cmd;
	uint8_t dev = 0xE0, sect = (uint8_t)c->lba, lo = (uint8_t)(c->lba >> 8), hi = (uint8_t)(c->lba >> 16);

	if (c->chs) {
		uint32_t lba = (uint32_t)c->lba, per_cyl = (uint32_t)tg_disk.heads * tg_disk.spt;
		uint32_t cyl = lba / per_cyl;

		dev = (uint8_t)(0xA0 | (lba / tg_disk.spt) % tg_disk.heads);
		sect = (uint8_t)(lba % tg_disk.spt + 1);
		lo = (uint8_t)cyl;
		hi = (uint8_t)(cyl >> 8);
	} else if (!c->ext) {
		dev = (uint8_t)(0xE0 | ((c->lba >> 24) & 0x0F));
	}
	if (tg_wait(TG_ST_BSY | TG_ST_DRQ, 0, "not ready before select"))
		return TG_ETIME;
	tg_outb(p + 6, dev);
	if (tg_wait(TG_ST_BSY | TG_ST_DRQ, 0, "not ready after select"))
		return TG_ETIME;
	if (c->ext) {
		tg_outb(p + 1, 0);
		tg_outb(p + 2, (uint8_t)(c->count >> 8));
		tg_outb(p + 3, (uint8_t)(c->lba >> 24));
		tg_outb(p + 4, (uint8_t)(c->lba >> 32));
		tg_outb(p + 5, (uint8_t)(c->lba >> 40));
	}
	tg_outb(p + 1, c->feat);
	tg_outb(p + 2, (uint8_t)c->count);
	tg_outb(p + 3, sect);
	tg_outb(p + 4, lo);
	tg_outb(p + 5, hi);
	tg_outb(p + 7, c->op);
	return 0;
}

int tg_ata_nodata(const struct tg_cmd *c)
{
	int rc = tg_issue(c);

	if (rc)
		return rc;
	tg_alt_status(); /* 400 ns before BSY is valid (ATA8-ACS 4.15) */
	if (tg_wait(TG_ST_BSY, 0, "busy after command"))
		return TG_ETIME;
	return tg_end_status("non-data end");
}

static void tg_xfer_in(enum tg_xfer x, void *buf, uint32_t bytes)
{
	uint16_t port = tg_ide.cmd;
	uint32_t n;

	switch (x) {
	case TG_REP16:
		n = bytes / 2;
		__asm__ volatile("rep insw" : "+D"(buf), "+c"(n) : "d"(port) : "memory");
		break;
	case TG_REP32:
		n = bytes / 4;
		__asm__ volatile("rep insl" : "+D"(buf), "+c"(n) : "d"(port) : "memory");
		break;
	case TG_ONE16:
		for (n = 0; n < bytes / 2; n++)
			((volatile uint16_t *)buf)[n] = tg_inw(port);
		break;
	case TG_ONE32:
		for (n = 0; n < bytes / 4; n++)
			((volatile uint32_t *)buf)[n] = tg_inl(port);
		break;
	default:
		tg_check("guest-bug", false, "tg_xfer_in kind %d", x);
		tg_finish();
	}
}

static void tg_xfer_out(enum tg_xfer x, const void *buf, uint32_t bytes)
{
	uint16_t port = tg_ide.cmd;
	uint32_t n;

	switch (x) {
	case TG_REP16:
		n = bytes / 2;
		__asm__ volatile("rep outsw" : "+S"(buf), "+c"(n) : "d"(port) : "memory");
		break;
	case TG_REP32:
		n = bytes / 4;
		__asm__ volatile("rep outsl" : "+S"(buf), "+c"(n) : "d"(port) : "memory");
		break;
	case TG_ONE16:
		for (n = 0; n < bytes / 2; n++)
			tg_outw(port, ((const volatile uint16_t *)buf)[n]);
		break;
	case TG_ONE32:
		for (n = 0; n < bytes / 4; n++)
			tg_outl(port, ((const volatile uint32_t *)buf)[n]);
		break;
	default:
		tg_check("guest-bug", false, "tg_xfer_out kind %d", x);
		tg_finish();
	}
}

/* Wait for a data block: BSY clear, then status (clears INTRQ) must show DRQ and no ERR. */
static int tg_block_ready(const char *stage)
{
	uint8_t st;

	tg_alt_status();
	if (tg_wait(TG_ST_BSY, 0, stage))
		return TG_ETIME;
	st = tg_inb(tg_ide.cmd + 7);
	tg_last = (struct tg_ata_last){ .status = st, .error = tg_inb(tg_ide.cmd + 1), .stage = stage };
	if (st & (TG_ST_ERR | TG_ST_DF))
		return TG_EDEV;
	return (st & TG_ST_DRQ) ? 0 : TG_EPROTO;
}

int tg_ata_pio_in_partial(const struct tg_cmd *c, void *buf, uint32_t sectors)
{
	uint32_t block = c->block ? c->block : 1;
	int rc = tg_issue(c);

	for (uint32_t done = 0; !rc && done < sectors; done += block) {
		uint32_t n = sectors - done < block ? sectors - done : block;

		rc = tg_block_ready("data-in block");
		if (!rc)
			tg_xfer_in(c->xfer, (uint8_t *)buf + done * 512u, n * 512u);
	}
	return rc;
}

int tg_ata_pio_in(const struct tg_cmd *c, void *buf)
{
	int rc = tg_ata_pio_in_partial(c, buf, c->count);

	if (rc)
		return rc;
	tg_alt_status();
	if (tg_wait(TG_ST_BSY, 0, "busy after data-in"))
		return TG_ETIME;
	return tg_end_status("data-in end");
}

int tg_ata_pio_out(const struct tg_cmd *c, const void *buf)
{
	uint32_t block = c->block ? c->block : 1;
	int rc = tg_issue(c);

	for (uint32_t done = 0; !rc && done < c->count; done += block) {
		uint32_t n = c->count - done < block ? c->count - done : block;

		rc = tg_block_ready("data-out block");
		if (!rc)
			tg_xfer_out(c->xfer, (const uint8_t *)buf + done * 512u, n * 512u);
	}
	if (rc)
		return rc;
	tg_alt_status();
	if (tg_wait(TG_ST_BSY, 0, "busy after data-out"))
		return TG_ETIME;
	return tg_end_status("data-out end");
}

/* The PRD table (SFF-8038i section 2): one entry per piece, EOT on the last. */
static void tg_prd_build(uint32_t area, const struct tg_sg_list *sg)
{
	volatile struct tg_prd *prd = (volatile struct tg_prd *)(tg_arena + TG_PRD_AREA_OFF);

	for (unsigned i = 0; i < sg->n; i++) {
		prd[i].addr = area + sg->e[i].off;
		prd[i].bytes = (uint16_t)sg->e[i].len; /* 65536 wraps to 0 = 64 KiB */
		prd[i].flags = i + 1 == sg->n ? TG_PRD_EOT : 0;
	}
}

/* After starting: poll BM status for the interrupt (or error) bit, then stop the engine. */
static int tg_dma_wait(uint8_t dir)
{
	uint16_t bm = tg_ide.bm;
	uint8_t bst = 0;
	int i, rc;

	for (i = 0; i < TG_SPIN; i++) {
		bst = tg_inb(bm + TG_BM_STATUS);
		if (bst & (TG_BMS_IRQ | TG_BMS_ERR))
			break;
	}
	if (i < TG_SPIN && (uint32_t)i > tg_ata_polls_max)
		tg_ata_polls_max = (uint32_t)i;
	tg_outb(bm + TG_BM_CMD, dir); /* stop: clear START */
	rc = tg_wait(TG_ST_BSY, 0, "busy after DMA");
	if (!rc)
		rc = tg_end_status("DMA end");
	tg_last.bm = bst;
	tg_outb(bm + TG_BM_STATUS, bst | TG_BMS_IRQ | TG_BMS_ERR); /* write 1 to clear */
	if (i == TG_SPIN) {
		tg_last.stage = "no DMA completion";
		return TG_ETIME;
	}
	if (!rc && (bst & TG_BMS_ERR)) {
		tg_last.stage = "bus-master error";
		return TG_EBM;
	}
	return rc;
}

int tg_ata_dma(const struct tg_cmd *c, bool to_device, uint32_t area, const struct tg_sg_list *sg)
{
	uint16_t bm = tg_ide.bm;
	uint8_t dir = to_device ? 0 : TG_BM_TO_MEM;
	int rc;

	tg_prd_build(area, sg);
	tg_outb(bm + TG_BM_CMD, 0);
	tg_outb(bm + TG_BM_STATUS, tg_inb(bm + TG_BM_STATUS) | TG_BMS_IRQ | TG_BMS_ERR);
	tg_outl(bm + TG_BM_PRD, tg_arena + TG_PRD_AREA_OFF);
	tg_outb(bm + TG_BM_CMD, dir);
	/* Command, then START, as libata's bmdma_setup/bmdma_start do. */
	rc = tg_issue(c);
	if (rc)
		return rc;
	tg_outb(bm + TG_BM_CMD, dir | TG_BM_START);
	return tg_dma_wait(dir);
}

int tg_ata_srst(void)
{
	tg_outb(tg_ide.ctl, 0x04);  /* SRST */
	for (int i = 0; i < 8; i++) /* >= 5 us with SRST set (ATA8-ACS 11.2) */
		tg_alt_status();
	tg_outb(tg_ide.ctl, 0x00);
	for (int i = 0; i < 8; i++)
		tg_alt_status();
	if (tg_wait(TG_ST_BSY, 0, "busy after SRST"))
		return TG_ETIME;
	tg_outb(tg_ide.cmd + 6, 0xE0);
	return tg_wait(TG_ST_BSY | TG_ST_DRQ, 0, "not ready after SRST");
}

static void tg_id_string(const uint16_t *id, unsigned first, unsigned words, char *out)
{
	unsigned n = 0;

	for (unsigned i = 0; i < words; i++) {
		out[n++] = (char)(id[first + i] >> 8); /* ATA strings: byte-swapped words */
		out[n++] = (char)id[first + i];
	}
	while (n && out[n - 1] == ' ')
		n--;
	out[n] = 0;
}

int tg_ata_identify(void)
{
	uint16_t id[256];
	struct tg_cmd c = { .op = 0xEC, .count = 1, .xfer = TG_REP16 };
	int rc = tg_ata_pio_in(&c, id);

	if (!rc) {
		tg_disk = (struct tg_disk){
			.cyls = id[1], .heads = id[3], .spt = id[6],
			.lba28_total = id[60] | (uint32_t)id[61] << 16,
			.lba48 = (id[83] >> 10) & 1,
			.dma = (id[49] >> 8) & 1,
			.multi_max = (uint8_t)id[47],
		};
		if (tg_disk.lba48)
			tg_disk.lba48_total = id[100] | (uint64_t)id[101] << 16 |
					      (uint64_t)id[102] << 32 | (uint64_t)id[103] << 48;
		tg_id_string(id, 27, 20, tg_disk.model);
	}
	tg_check("identify", !rc && tg_disk.lba28_total && tg_disk.heads && tg_disk.spt && tg_disk.dma,
		 "model=\"%s\" chs=%u/%u/%u lba28=0x%x lba48=%u total48=0x%llx dma=%u multi=%u st=0x%x",
		 tg_disk.model, tg_disk.cyls, tg_disk.heads, tg_disk.spt, tg_disk.lba28_total,
		 tg_disk.lba48, tg_disk.lba48_total, tg_disk.dma, tg_disk.multi_max, tg_last.status);
	return rc;
}
