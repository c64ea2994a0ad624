/*
 * tg_ata_tests.c - the ATA checks. Each round trip writes the pattern
 * (tg_pattern.h) to its own LBA range with one method and reads it back
 * with another, so that a mediator that encrypts and decrypts
 * inconsistently between paths (PIO width, REP or single, DMA layout,
 * LBA28/LBA48/CHS) fails here, and one that uses a wrong tweak fails the
 * host's check of the decrypted image. Test area map: README.md.
 */
#include "tg.h"
#include "tg_pattern.h"

#define TG_HIGH_BASE (1ull << 24)  /* LBAs past 2^24 need the LBA48 HOB or LBA28's head nibble */
#define TG_HIGH_SPAN 1024u         /* the high area is [2^24 - 1024, 2^24 + 1024) */
/* Offsets in the arena (tg_mem.c picks it: 4 MiB, 64 KiB aligned). */
#define TG_EXP_OFF 0x010000u       /* expected stream, up to 512 sectors */
#define TG_GOT_OFF 0x050000u       /* what came back */
#define TG_DMAW_OFF 0x100000u      /* DMA pieces for writes */
#define TG_DMAR_OFF 0x200000u      /* DMA pieces for reads */
#define TG_POISON 0xCC
#define TG_ER_IDNF 0x10

enum tg_way { TG_NONE, TG_PIO, TG_DMA };
enum tg_layout { TG_SG_A, TG_SG_B, TG_SG_C, TG_SG_D, TG_SG_E, TG_SG_F, TG_SG_G };

struct tg_method {
	uint8_t way;       /* enum tg_way */
	uint8_t xfer;      /* enum tg_xfer, PIO */
	uint8_t sg;        /* enum tg_layout, DMA */
	bool ext, chs, multiple;
};

struct tg_rt_case {
	const char *name;
	uint64_t lba;
	uint32_t count;
	bool high;         /* needs a disk that reaches past 2^24 + TG_HIGH_SPAN */
	struct tg_method w, r, v;  /* write, read back, optional second read */
};

/*
 * Scatter/gather layouts: pieces never cross a 64 KiB boundary (the
 * bus master cannot), some end exactly on one, some split a sector
 * between two PRD entries, and a 64 KiB piece is encoded as byte count 0.
 */
static const struct tg_sg_list tg_layouts[] = {
	[TG_SG_A] = { 3, { { 0x0000, 0x1000 }, { 0x2000, 0x3000 }, { 0x8000, 0x4000 } } },  /* 64 s */
	[TG_SG_B] = { 2, { { 0xE000, 0x2000 }, { 0x10000, 0x6000 } } },                   /* 64 s */
	[TG_SG_C] = { 3, { { 0x00000, 0x10000 }, { 0x10000, 0x10000 }, { 0x30000, 0x5800 } } }, /* 300 s */
	[TG_SG_D] = { 4, { { 0x00200, 0xFE00 }, { 0x10000, 0x8000 }, { 0x20000, 0x8000 },
			   { 0x30000, 0x5A00 } } },                                          /* 300 s */
	[TG_SG_E] = { 2, { { 0x0000, 0x0300 }, { 0x1000, 0x1D00 } } },                   /* 16 s, split */
	[TG_SG_F] = { 2, { { 0x00000, 0x10000 }, { 0x10000, 0x10000 } } },                /* 256 s */
	[TG_SG_G] = { 1, { { 0x0000, 0x1000 } } },                                        /* 8 s */
};

#define PIO(x, ...) { .way = TG_PIO, .xfer = (x), __VA_ARGS__ }
#define DMA(l, ...) { .way = TG_DMA, .sg = (l), __VA_ARGS__ }

static const struct tg_rt_case tg_rt_cases[] = {
	{ .name = "pio16-rep", .lba = 2048, .count = 8, .w = PIO(TG_REP16), .r = PIO(TG_REP16) },
	{ .name = "pio32-rep", .lba = 2056, .count = 8, .w = PIO(TG_REP32), .r = PIO(TG_REP32) },
	{ .name = "pio16-single", .lba = 2064, .count = 8, .w = PIO(TG_ONE16), .r = PIO(TG_ONE16) },
	{ .name = "pio32-single", .lba = 2072, .count = 8, .w = PIO(TG_ONE32), .r = PIO(TG_ONE32) },
	{ .name = "pio-multiple", .lba = 2080, .count = 20,
	  .w = PIO(TG_REP16, .multiple = true), .r = PIO(TG_REP32, .multiple = true) },
	{ .name = "pio-multiple-ext", .lba = 2100, .count = 12,
	  .w = PIO(TG_ONE32, .multiple = true, .ext = true), .r = PIO(TG_REP16, .multiple = true, .ext = true) },
	/* Count register 0 = 256 sectors (ATA8-ACS 7.36). */
	{ .name = "pio-count256", .lba = 2112, .count = 256, .w = PIO(TG_REP16), .r = DMA(TG_SG_F) },
	/* Starts at C2/H5/S38 and crosses into head 6; verified again by LBA. */
	{ .name = "chs", .lba = 2368, .count = 40, .w = PIO(TG_REP16, .chs = true),
	  .r = PIO(TG_ONE16, .chs = true), .v = PIO(TG_REP32) },
	{ .name = "dma", .lba = 2408, .count = 64, .w = DMA(TG_SG_A), .r = DMA(TG_SG_B) },
	{ .name = "lba48-pio", .lba = 2472, .count = 24, .w = PIO(TG_REP16, .ext = true),
	  .r = PIO(TG_REP32, .ext = true), .v = PIO(TG_REP16) },
	/* 300 sectors: the count needs the HOB byte. */
	{ .name = "lba48-dma300", .lba = 2496, .count = 300, .w = DMA(TG_SG_C, .ext = true),
	  .r = DMA(TG_SG_D, .ext = true) },
	{ .name = "cross-pio-dma", .lba = 2796, .count = 16, .w = PIO(TG_REP32), .r = DMA(TG_SG_E) },
	{ .name = "cross-dma-pio", .lba = 2812, .count = 16, .w = DMA(TG_SG_E), .r = PIO(TG_ONE16) },
	{ .name = "dma-count256", .lba = 2828, .count = 256, .w = DMA(TG_SG_F), .r = PIO(TG_REP16) },
	/* LBA28 across 2^24: the device carries into the head nibble; LBA48 reads it back. */
	{ .name = "hi-lba28-cross", .lba = TG_HIGH_BASE - 8, .count = 16, .high = true, .w = PIO(TG_REP16),
	  .r = PIO(TG_REP32, .ext = true) },
	{ .name = "hi-lba48-dma", .lba = TG_HIGH_BASE + 64, .count = 64, .high = true, .w = DMA(TG_SG_A, .ext = true),
	  .r = PIO(TG_ONE32, .ext = true), .v = DMA(TG_SG_B, .ext = true) },
};

static uint32_t tg_multi_block;  /* 0: the drive has no READ/WRITE MULTIPLE */

/*
 * After a failed command the channel may be left mid-transfer (DRQ set):
 * reset it so that one failure does not cascade into timeouts of every
 * later check. SRST also clears the MULTIPLE setting (ATA8-ACS 7.50): set it again.
 */
static void tg_channel_reset(void)
{
	struct tg_cmd set = { .op = 0xC6, .count = tg_multi_block };
	int rc = tg_ata_srst();

	if (!rc && tg_multi_block && tg_multi_block <= 16)
		rc = tg_ata_nodata(&set);
	tg_printf("PPTG-INFO channel reset after a failure: rc=%d st=0x%x\n", rc, tg_last.status);
}

static uint8_t tg_opcode(const struct tg_method *m, bool write)
{
	if (m->way == TG_DMA)
		return m->ext ? (write ? 0x35 : 0x25) : (write ? 0xCA : 0xC8);
	if (m->multiple)
		return m->ext ? (write ? 0x39 : 0x29) : (write ? 0xC5 : 0xC4);
	return m->ext ? (write ? 0x34 : 0x24) : (write ? 0x30 : 0x20);
}

static const char *tg_method_name(const struct tg_method *m, char *buf)
{
	static const char *const xfers[] = { "rep16", "rep32", "one16", "one32" };
	char *p = buf;
	const char *s = m->way == TG_DMA ? "dma-sg" : m->way == TG_PIO ? "pio-" : "none";

	while (*s)
		*p++ = *s++;
	if (m->way == TG_DMA)
		*p++ = (char)('A' + m->sg);
	for (s = m->way == TG_PIO ? xfers[m->xfer & 3] : ""; *s;)
		*p++ = *s++;
	for (s = m->ext ? "+ext" : m->chs ? "+chs" : ""; *s;)
		*p++ = *s++;
	for (s = m->multiple ? "+mult" : ""; *s;)
		*p++ = *s++;
	*p = 0;
	return buf;
}

static uint32_t tg_sg_total(const struct tg_sg_list *sg)
{
	uint32_t t = 0;

	for (unsigned i = 0; i < sg->n; i++)
		t += sg->e[i].len;
	return t;
}

/* Copy the stream into the pieces (scatter) or back out of them (gather). */
static void tg_sg_copy(const struct tg_sg_list *sg, uint32_t area, uint8_t *stream, bool scatter)
{
	for (unsigned i = 0; i < sg->n; i++) {
		uint8_t *piece = (uint8_t *)(area + sg->e[i].off);

		if (scatter)
			memcpy(piece, stream, sg->e[i].len);
		else
			memcpy(stream, piece, sg->e[i].len);
		stream += sg->e[i].len;
	}
}

/* One transfer of count sectors at lba by method m, from or into stream. */
static int tg_do(const struct tg_method *m, bool write, uint64_t lba, uint32_t count, uint8_t *stream)
{
	struct tg_cmd c = { .op = tg_opcode(m, write), .count = count, .lba = lba, .ext = m->ext,
			    .chs = m->chs, .xfer = m->xfer, .block = m->multiple ? tg_multi_block : 1 };
	const struct tg_sg_list *sg = &tg_layouts[m->sg];
	uint32_t area = tg_arena + (write ? TG_DMAW_OFF : TG_DMAR_OFF);
	int rc;

	if (!write)
		memset(stream, TG_POISON, count * TG_SECTOR);
	if (m->way == TG_PIO)
		return write ? tg_ata_pio_out(&c, stream) : tg_ata_pio_in(&c, stream);
	if (tg_sg_total(sg) != count * TG_SECTOR) {
		tg_last = (struct tg_ata_last){ .stage = "guest bug: layout size" };
		return TG_EPROTO;
	}
	if (write)
		tg_sg_copy(sg, area, stream, true);
	else
		for (unsigned i = 0; i < sg->n; i++)
			memset((void *)(area + sg->e[i].off), TG_POISON, sg->e[i].len);
	rc = tg_ata_dma(&c, write, area, sg);
	if (!write)
		tg_sg_copy(sg, area, stream, false);
	return rc;
}

/* Index of the first sector of got that differs from exp, or -1. */
static int tg_first_bad(const uint8_t *exp, const uint8_t *got, uint32_t count)
{
	for (uint32_t i = 0; i < count; i++)
		if (memcmp(exp + i * TG_SECTOR, got + i * TG_SECTOR, TG_SECTOR))
			return (int)i;
	return -1;
}

static void tg_roundtrip(const struct tg_rt_case *t)
{
	uint8_t *exp = (uint8_t *)(tg_arena + TG_EXP_OFF), *got = (uint8_t *)(tg_arena + TG_GOT_OFF);
	uint64_t lba = t->lba;
	char wn[32], rn[32];
	int rc, bad = -1;

	for (uint32_t i = 0; i < t->count; i++)
		tg_pattern_fill(exp + i * TG_SECTOR, lba + i);
	rc = tg_do(&t->w, true, lba, t->count, exp);
	if (!rc)
		tg_printf("PPTG-WROTE %u %u\n", (uint32_t)lba, t->count);
	if (!rc) {
		rc = tg_do(&t->r, false, lba, t->count, got);
		bad = rc ? -1 : tg_first_bad(exp, got, t->count);
	}
	if (!rc && bad < 0 && t->v.way != TG_NONE) {
		rc = tg_do(&t->v, false, lba, t->count, got);
		bad = rc ? -1 : tg_first_bad(exp, got, t->count);
	}
	tg_check(t->name, !rc && bad < 0,
		 "lba=%u n=%u w=%s r=%s rc=%d st=0x%x err=0x%x bm=0x%x stage=%s bad-sector=%d",
		 (uint32_t)lba, t->count, tg_method_name(&t->w, wn), tg_method_name(&t->r, rn), rc,
		 tg_last.status, tg_last.error, tg_last.bm, tg_last.stage, bad);
	if (rc)
		tg_channel_reset();
}

/* Without MULTIPLE support the device must refuse both the mode and the command. */
static void tg_multiple_absent(const struct tg_rt_case *t)
{
	struct tg_cmd set = { .op = 0xC6, .count = 8 };
	struct tg_cmd rd = { .op = t->r.ext ? 0x29 : 0xC4, .count = 1, .lba = t->lba, .ext = t->r.ext };
	int rs = tg_ata_nodata(&set);
	uint8_t es = tg_last.error;
	int rr = tg_ata_nodata(&rd);

	tg_check(t->name, rs == TG_EDEV && (es & TG_ER_ABRT) && rr == TG_EDEV && (tg_last.error & TG_ER_ABRT),
		 "drive reports no multiple: set-multiple rc=%d err=0x%x, read-multiple rc=%d err=0x%x",
		 rs, es, rr, tg_last.error);
}

/* SET MULTIPLE MODE with the largest power of two up to 8 the drive allows. */
static void tg_multiple_setup(void)
{
	struct tg_cmd set = { .op = 0xC6 };

	if (!tg_disk.multi_max)
		return;
	for (tg_multi_block = 8; tg_multi_block > tg_disk.multi_max; tg_multi_block /= 2)
		;
	set.count = tg_multi_block;
	if (tg_ata_nodata(&set)) {
		tg_printf("PPTG-INFO SET MULTIPLE MODE %u failed st=0x%x err=0x%x\n", tg_multi_block,
			  tg_last.status, tg_last.error);
		tg_multi_block = 0xFFFF; /* the multiple cases then fail, loudly */
	}
}

static void tg_run_roundtrips(void)
{
	bool high_ok = tg_disk.lba48 && tg_disk.lba48_total >= TG_HIGH_BASE + TG_HIGH_SPAN;

	tg_multiple_setup();
	for (unsigned i = 0; i < sizeof(tg_rt_cases) / sizeof(tg_rt_cases[0]); i++) {
		const struct tg_rt_case *t = &tg_rt_cases[i];

		if (t->high && !high_ok)
			tg_skip(t->name, "disk has 0x%llx sectors, needs 0x%llx (see README)",
				tg_disk.lba48_total, TG_HIGH_BASE + TG_HIGH_SPAN);
		else if (t->w.multiple && !tg_disk.multi_max)
			tg_multiple_absent(t);
		else
			tg_roundtrip(t);
	}
}

/* ---- Error paths: the device (or the mediator for it) must refuse, and nothing moves. */
enum tg_err_at { TG_AT_LBA, TG_AT_END28, TG_AT_END48 };

struct tg_err_case {
	const char *name;
	uint8_t op, feat;
	uint32_t count;
	uint8_t at;        /* enum tg_err_at */
	uint64_t lba;      /* TG_AT_LBA */
	bool ext, dma;
	uint8_t want;      /* error register: any of these bits */
};

static const struct tg_err_case tg_err_cases[] = {
	/* 0x05 is reserved in ATA8-ACS table 8: deny-by-default must answer ABRT. */
	{ .name = "err-unknown-opcode", .op = 0x05, .count = 1, .want = TG_ER_ABRT },
	/* DOWNLOAD MICROCODE (subcommand 7, no data sent): denied by policy. */
	{ .name = "err-denied-microcode", .op = 0x92, .feat = 0x07, .count = 0, .want = TG_ER_ABRT },
	/* DATA SET MANAGEMENT / TRIM: denied unless configured; ABRT before any DRQ. */
	{ .name = "err-denied-trim", .op = 0x06, .feat = 0x01, .count = 1, .ext = true, .want = TG_ER_ABRT },
	{ .name = "err-lba28-past-end", .op = 0x20, .count = 1, .at = TG_AT_END28,
	  .want = TG_ER_ABRT | TG_ER_IDNF },
	{ .name = "err-lba48-past-end", .op = 0x24, .count = 1, .at = TG_AT_END48, .ext = true,
	  .want = TG_ER_ABRT | TG_ER_IDNF },
	/* Only the HOB byte makes this LBA invalid: a dropped HOB would read LBA 2048. */
	{ .name = "err-lba48-hob", .op = 0x24, .count = 1, .lba = (1ull << 40) + 2048, .ext = true,
	  .want = TG_ER_ABRT | TG_ER_IDNF },
	{ .name = "err-write-past-end", .op = 0x30, .count = 1, .at = TG_AT_END28,
	  .want = TG_ER_ABRT | TG_ER_IDNF },
	{ .name = "err-dma-past-end", .op = 0x25, .count = 8, .at = TG_AT_END48, .ext = true, .dma = true,
	  .want = TG_ER_ABRT | TG_ER_IDNF },
};

static bool tg_poison_intact(uint32_t addr, uint32_t len)
{
	const uint8_t *p = (const uint8_t *)addr;

	for (uint32_t i = 0; i < len; i++)
		if (p[i] != TG_POISON)
			return false;
	return true;
}

/*
 * PIO cases are issued as non-data commands on purpose: if a device
 * wrongly accepted one (DRQ), no data is sent or taken; the check fails
 * and a reset clears the channel.
 */
static void tg_error_case(const struct tg_err_case *e)
{
	struct tg_cmd c = { .op = e->op, .feat = e->feat, .count = e->count, .lba = e->lba, .ext = e->ext };
	const struct tg_sg_list *sg = &tg_layouts[TG_SG_G];
	uint32_t area = tg_arena + TG_DMAR_OFF;
	bool intact = true;
	int rc;

	if (e->at == TG_AT_END28)
		c.lba = tg_disk.lba28_total;
	else if (e->at == TG_AT_END48)
		c.lba = tg_disk.lba48_total;
	if (e->dma) {
		memset((void *)area, TG_POISON, tg_sg_total(sg));
		rc = tg_ata_dma(&c, false, area, sg);
		intact = tg_poison_intact(area, tg_sg_total(sg));
	} else {
		rc = tg_ata_nodata(&c);
	}
	tg_check(e->name, rc == TG_EDEV && (tg_last.error & e->want) && intact,
		 "op=0x%02x lba=0x%llx rc=%d st=0x%x err=0x%x bm=0x%x buffer-intact=%u", e->op, c.lba, rc,
		 tg_last.status, tg_last.error, tg_last.bm, intact);
	if (rc != TG_EDEV)
		tg_channel_reset();
}

/* A reset in the middle of a PIO read: what was read is right, and the next read works. */
static void tg_srst_mid_pio(void)
{
	const struct tg_rt_case *t = &tg_rt_cases[1];
	struct tg_cmd c = { .op = 0x20, .count = t->count, .lba = t->lba, .xfer = TG_REP16 };
	uint8_t *exp = (uint8_t *)(tg_arena + TG_EXP_OFF), *got = (uint8_t *)(tg_arena + TG_GOT_OFF);
	int rp, rs, rr, bad_part, bad = -1;

	for (uint32_t i = 0; i < t->count; i++)
		tg_pattern_fill(exp + i * TG_SECTOR, t->lba + i);
	memset(got, TG_POISON, t->count * TG_SECTOR);
	rp = tg_ata_pio_in_partial(&c, got, 2);
	bad_part = tg_first_bad(exp, got, 2);
	rs = tg_ata_srst();
	rr = tg_do(&(struct tg_method)PIO(TG_REP16), false, t->lba, t->count, got);
	if (!rr)
		bad = tg_first_bad(exp, got, t->count);
	tg_check("srst-mid-pio", !rp && bad_part < 0 && !rs && !rr && bad < 0,
		 "partial rc=%d bad=%d, srst rc=%d, reread rc=%d bad=%d st=0x%x", rp, bad_part, rs, rr, bad,
		 tg_last.status);
}

/* After the errors the channel still works: region A reads back by PIO. */
static void tg_recovery(void)
{
	const struct tg_rt_case *t = &tg_rt_cases[0];
	uint8_t *exp = (uint8_t *)(tg_arena + TG_EXP_OFF), *got = (uint8_t *)(tg_arena + TG_GOT_OFF);
	int rc, bad = -1;

	for (uint32_t i = 0; i < t->count; i++)
		tg_pattern_fill(exp + i * TG_SECTOR, t->lba + i);
	rc = tg_do(&(struct tg_method)PIO(TG_REP32), false, t->lba, t->count, got);
	if (!rc)
		bad = tg_first_bad(exp, got, t->count);
	tg_check("err-recovery", !rc && bad < 0, "lba=%u rc=%d bad-sector=%d st=0x%x",
		 (uint32_t)t->lba, rc, bad, tg_last.status);
}

static void tg_simple(const char *name, const struct tg_cmd *c)
{
	int rc = tg_ata_nodata(c);

	tg_check(name, !rc, "op=0x%02x feat=0x%02x count=0x%x rc=%d st=0x%x err=0x%x", c->op, c->feat,
		 c->count, rc, tg_last.status, tg_last.error);
}

/*
 * Does the device give back the "previous contents" of an LBA48 taskfile
 * when the guest sets HOB in device control (ATA8-ACS 6.2.4)? Bochs 2.7
 * does not (its register reads ignore HOB); a mediator that reads the
 * LBA48 address back from the device must then know better. A note, not a
 * check: it describes the device, not parapass.
 */
static void tg_hob_probe(void)
{
	uint16_t p = tg_ide.cmd;
	uint8_t lo, hi;

	tg_outb(p + 6, 0xE0);
	tg_outb(p + 3, 0x5A);  /* previous contents */
	tg_outb(p + 3, 0x21);  /* current */
	tg_outb(tg_ide.ctl, 0x80);
	hi = tg_inb(p + 3);
	tg_outb(tg_ide.ctl, 0x00);
	lo = tg_inb(p + 3);
	tg_printf("PPTG-INFO device HOB read-back %s (LBA low: HOB=1 reads 0x%02x, HOB=0 reads 0x%02x)\n",
		  hi == 0x5A && lo == 0x21 ? "works" : "MISSING", hi, lo);
}

void tg_ata_run(void)
{
	if (tg_pci_find_ide() || tg_ata_identify())
		return;
	tg_hob_probe();
	/* Multiword DMA mode 2, as Linux's ata_piix picks on Bochs. */
	tg_simple("set-xfer-mode", &(struct tg_cmd){ .op = 0xEF, .feat = 0x03, .count = 0x22 });
	tg_run_roundtrips();
	tg_srst_mid_pio();
	for (unsigned i = 0; i < sizeof(tg_err_cases) / sizeof(tg_err_cases[0]); i++)
		tg_error_case(&tg_err_cases[i]);
	tg_recovery();
	tg_simple("flush", &(struct tg_cmd){ .op = tg_disk.lba48 ? 0xEA : 0xE7 });
	tg_printf("PPTG-INFO max-status-polls=%u\n", tg_ata_polls_max);
}
