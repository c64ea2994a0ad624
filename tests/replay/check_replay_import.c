/*
 * check_replay_import.c - "parapass import qemu" on small hand-written
 * QEMU trace logs in the exact line format QEMU 7.2's log backend writes
 * (tests/guest/README.md): PIO reads become one ins record a sector with
 * the data cross-checked against the image; DMA gets a synthesized PRD
 * table, read data from the image plus earlier writes and write data from
 * a blklogwrites log; IDENTIFY data fills the header's geometry; overlays
 * carry exactly the initial sectors read; bad lines are "log:line: what
 * was expected". Imported traces replay through the mediator and pass.
 */
#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "replay/replay.h"

#define IMG_SECTORS 2048u
#define PRDT 0x2c4a000u

static char im_dir[] = "/tmp/check_import_XXXXXX";
static char im_img[300], im_log[300], im_wlog[300], im_out[300];
static uint8_t im_disk[IMG_SECTORS * 512];

static void im_setup(void)
{
	FILE *f;

	ck_assert_ptr_nonnull(mkdtemp(im_dir));
	snprintf(im_img, sizeof(im_img), "%s/disk.img", im_dir);
	snprintf(im_log, sizeof(im_log), "%s/qemu-trace.log", im_dir);
	snprintf(im_wlog, sizeof(im_wlog), "%s/wlog.bin", im_dir);
	snprintf(im_out, sizeof(im_out), "%s/trace.yaml", im_dir);
	replay_pattern_fill(7, 0, im_disk, IMG_SECTORS);
	f = fopen(im_img, "wb");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(im_disk, 512, IMG_SECTORS, f), IMG_SECTORS);
	fclose(f);
}

static void im_teardown(void)
{
	char cmd[320];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", im_dir);
	ck_assert_int_eq(system(cmd), 0);
}

/* ---- QEMU's lines ---- */

static void L(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void L(FILE *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	fputc('\n', f);
}

static void io_w(FILE *f, unsigned port, unsigned v)
{
	L(f, "ide_ioport_write IDE PIO wr @ 0x%x (Reg); val 0x%02x; bus 0x55d0be0 IDEState 0x55d0c68",
	  port, v);
}

static void io_r(FILE *f, unsigned port, unsigned v)
{
	L(f, "ide_ioport_read IDE PIO rd @ 0x%x (Status); val 0x%02x; bus 0x55d0be0 IDEState 0x55d0c68",
	  port, v);
}

static void alt_r(FILE *f, unsigned v)
{
	L(f, "ide_status_read IDE PIO rd @ 0x3f6 (Alt Status); val 0x%02x; bus 0x55d0be0; IDEState "
	  "0x55d0c68", v);
}

static void bm_w(FILE *f, unsigned off, unsigned v)
{
	L(f, "bmdma_write bmdma: writeb 0x%x : 0x%02x", off, v);
	if (off == 0)
		L(f, "bmdma_cmd_writeb val: 0x%08x", v);
}

static void bm_r(FILE *f, unsigned off, unsigned v)
{
	L(f, "bmdma_read bmdma: readb 0x%x : 0x%02x", off, v);
}

/* Select the master, load an LBA28 taskfile, write the command. */
static void cmd28(FILE *f, uint32_t lba, unsigned n, unsigned op)
{
	io_w(f, 0x1f6, 0xe0 | (lba >> 24));
	io_r(f, 0x1f7, 0x50);
	io_w(f, 0x1f2, n & 0xff);
	io_w(f, 0x1f3, lba & 0xff);
	io_w(f, 0x1f4, (lba >> 8) & 0xff);
	io_w(f, 0x1f5, (lba >> 16) & 0xff);
	io_w(f, 0x1f7, op);
	L(f, "ide_exec_cmd IDE exec cmd: bus 0x55d0be0; state 0x55d0c68; cmd 0x%02x", op);
}

/* READ SECTORS as SeaBIOS does it: status, 256 words a sector, status. */
static void pio_read(FILE *f, uint32_t lba, unsigned n, const uint8_t *disk)
{
	cmd28(f, lba, n, 0x20);
	for (unsigned s = 0; s < n; s++) {
		const uint8_t *p = disk + (size_t)(lba + s) * 512;

		io_r(f, 0x1f7, 0x58);
		for (unsigned w = 0; w < 256; w++)
			L(f, "ide_data_readw IDE PIO rd @ 0x1f0 (Data: Word); val 0x%04x; bus 0x55d0be0; "
			  "IDEState 0x55d0c68", p[2 * w] | p[2 * w + 1] << 8);
	}
	alt_r(f, 0x50);
	io_r(f, 0x1f7, 0x50);
}

/* A DMA command as Linux's ata_bmdma_setup/start and its interrupt handler issue it. */
static void dma(FILE *f, uint32_t lba, unsigned n, bool write)
{
	unsigned dir = write ? 0x00 : 0x08;

	L(f, "bmdma_addr_write data: 0x%016x", PRDT);
	bm_w(f, 0, dir);
	bm_r(f, 2, 0x00);
	bm_w(f, 2, 0x06);
	cmd28(f, lba, n, write ? 0xca : 0xc8);
	alt_r(f, 0x58);
	bm_w(f, 0, dir | 1);
	L(f, "ide_dma_cb IDEState 0x55d0c68; sector_num=%u n=%u cmd=DMA %s", lba, n,
	  write ? "WRITE" : "READ");
	bm_r(f, 2, 0x04);
	bm_w(f, 0, dir);
	alt_r(f, 0x50);
	io_r(f, 0x1f7, 0x50);
}

/* A blklogwrites log: super block, then one entry per write (and a FLUSH). */
static void wlog(const uint32_t *lba, const unsigned *n, unsigned count, const uint8_t *data)
{
	FILE *f = fopen(im_wlog, "wb");
	uint8_t sec[512] = { 0 };
	uint64_t sb[3] = { 0x6a736677736872ull, 1, count + 1 };

	ck_assert_ptr_nonnull(f);
	memcpy(sec, sb, sizeof(sb));
	sec[24] = 0x00, sec[25] = 0x02; /* sector size 512 */
	fwrite(sec, 1, 512, f);
	for (unsigned i = 0; i < count; i++) {
		uint64_t h[4] = { lba[i], n[i], 0, 0 };

		memset(sec, 0, sizeof(sec));
		memcpy(sec, h, sizeof(h));
		fwrite(sec, 1, 512, f);
		fwrite(data, 512, n[i], f);
		data += 512 * n[i];
	}
	memset(sec, 0, sizeof(sec));
	sec[16] = 1; /* FLUSH */
	fwrite(sec, 1, 512, f);
	fclose(f);
}

static int im_import(struct replay_import_opts *o, char *err, size_t n)
{
	o->log = im_log;
	o->image = im_img;
	o->out = im_out;
	o->policy = VMM_REC_ENCRYPT;
	return replay_import_qemu(o, err, n);
}

static void im_replays(const char *path)
{
	static const struct replay_opts none;
	struct replay_result *r = malloc(sizeof(*r));

	ck_assert_msg(replay_run(path, &none, r) == REPLAY_PASS, "%s", r->msg);
	free(r);
}

/* Every event of the imported trace, with the count of each kind. */
static void im_read(uint64_t kinds[VMM_REC_KINDS], void (*each)(const struct vmm_rec_event *))
{
	struct replay_trace *t;
	struct vmm_rec_event ev;

	ck_assert_msg(!replay_trace_open(im_out, &t), "%s", replay_trace_error(t));
	memset(kinds, 0, sizeof(uint64_t) * VMM_REC_KINDS);
	while (!replay_trace_next(t, &ev) && ev.kind != VMM_REC_END) {
		kinds[ev.kind]++;
		if (each)
			each(&ev);
	}
	ck_assert_msg(ev.kind == VMM_REC_END, "%s", replay_trace_error(t));
	replay_trace_close(t);
}

/* ---- PIO ---- */

static void pio_event(const struct vmm_rec_event *ev)
{
	static unsigned sector;

	if (ev->kind != VMM_REC_INS)
		return;
	/* One REP INSW a sector, as SeaBIOS, GRUB and Linux move them; the image's data. */
	ck_assert_uint_eq(ev->port, 0x1f0);
	ck_assert_uint_eq(ev->width, 2);
	ck_assert_uint_eq(ev->count, 256);
	ck_assert_mem_eq(ev->data, im_disk + (5 + sector++ % 3) * 512, 512);
}

START_TEST(test_import_pio_read)
{
	struct replay_import_opts o = { 0 };
	uint64_t kinds[VMM_REC_KINDS];
	char err[512];
	FILE *f = fopen(im_log, "w");

	ck_assert_ptr_nonnull(f);
	L(f, "ide_reset IDEstate 0x55d0c68");
	pio_read(f, 5, 3, im_disk);
	fclose(f);
	ck_assert_msg(!im_import(&o, err, sizeof(err)), "%s", err);
	im_read(kinds, pio_event);
	ck_assert_uint_eq(kinds[VMM_REC_INS], 3);
	ck_assert_uint_eq(kinds[VMM_REC_OUT], 6);
	ck_assert_uint_eq(kinds[VMM_REC_IN], 1 + 3 + 2);
	ck_assert_uint_eq(kinds[VMM_REC_DMA_START], 0);
	im_replays(im_out);
}
END_TEST

/* ---- DMA ---- */

static uint8_t im_wdata[16 * 512];

static void dma_event(const struct vmm_rec_event *ev)
{
	static unsigned done;

	if (ev->kind == VMM_REC_DMA_START) {
		ck_assert(ev->synthesized);
		ck_assert_uint_eq(ev->prdt, PRDT);       /* the guest's table address */
		ck_assert_uint_eq(ev->nprd, 1);
		ck_assert_uint_eq(ev->prd[0].addr, 0x01000000);
		ck_assert_uint_eq(ev->prd[0].ctl, VMM_REC_PRD_EOT | ev->bytes);
		if (ev->write)
			ck_assert_mem_eq(ev->data, im_wdata, ev->len);
	}
	if (ev->kind == VMM_REC_DMA_DONE && !ev->write) {
		/* first the image's sectors, then the same LBAs after the write */
		const uint8_t *want = done++ ? im_wdata : im_disk + 100 * 512;

		ck_assert_uint_eq(ev->bytes, 8 * 512);
		ck_assert_mem_eq(ev->data, want, ev->len);
	}
}

START_TEST(test_import_dma)
{
	static const uint32_t lba[] = { 100 };
	static const unsigned n[] = { 8 };
	struct replay_import_opts o = { .writes = im_wlog };
	uint64_t kinds[VMM_REC_KINDS];
	char err[512];
	FILE *f = fopen(im_log, "w");

	ck_assert_ptr_nonnull(f);
	replay_pattern_fill(99, 0, im_wdata, 8);
	wlog(lba, n, 1, im_wdata);
	dma(f, 100, 8, false);
	dma(f, 100, 8, true);
	dma(f, 100, 8, false);
	fclose(f);
	ck_assert_msg(!im_import(&o, err, sizeof(err)), "%s", err);
	im_read(kinds, dma_event);
	ck_assert_uint_eq(kinds[VMM_REC_DMA_START], 3);
	ck_assert_uint_eq(kinds[VMM_REC_DMA_DONE], 3);
	im_replays(im_out);
}
END_TEST

/* ---- Header facts ---- */

static void identify(FILE *f)
{
	uint16_t id[256] = { [0] = 0x0040, [1] = 2, [3] = 16, [6] = 64, [47] = 0x8010, [49] = 0x0300,
			     [59] = 0x0110, [60] = IMG_SECTORS, [83] = 0x0400, [86] = 0x0400,
			     [100] = IMG_SECTORS };

	cmd28(f, 0, 0, 0xec);
	io_r(f, 0x1f7, 0x58);
	for (unsigned w = 0; w < 128; w++) /* Linux reads IDENTIFY data 32 bits at a time */
		L(f, "ide_data_readl IDE PIO rd @ 0x1f0 (Data: Long); val 0x%08x; bus 0x55d0be0; "
		  "IDEState 0x55d0c68", id[2 * w] | (unsigned)id[2 * w + 1] << 16);
	io_r(f, 0x1f7, 0x50);
}

START_TEST(test_import_overlay_and_identify)
{
	struct replay_import_opts o = { .overlay = true, .guest = "hand-written", .driver = "test" };
	struct replay_trace *t;
	const struct vmm_rec_disk *d;
	char err[512];
	FILE *f = fopen(im_log, "w");

	ck_assert_ptr_nonnull(f);
	identify(f);
	pio_read(f, 40, 2, im_disk);
	pio_read(f, 7, 1, im_disk);
	fclose(f);
	ck_assert_msg(!im_import(&o, err, sizeof(err)), "%s", err);
	ck_assert_msg(!replay_trace_open(im_out, &t), "%s", replay_trace_error(t));
	d = &replay_trace_header(t)->disk[0];
	ck_assert_str_eq(replay_trace_header(t)->source, "qemu");
	ck_assert_str_eq(replay_trace_header(t)->guest, "hand-written");
	ck_assert_uint_eq(replay_trace_header(t)->bm_base, 0xc040);
	ck_assert_uint_eq(d->sectors, IMG_SECTORS);
	ck_assert_uint_eq(d->cyls, 2);
	ck_assert_uint_eq(d->heads, 16);
	ck_assert_uint_eq(d->spt, 64);
	ck_assert_uint_eq(d->multiple, 16);
	ck_assert_uint_eq(d->content, VMM_REC_ZERO);
	/* Exactly the initial sectors read: 7 and 40-41; nothing of the rest of the image. */
	ck_assert_uint_eq(d->nextents, 2);
	ck_assert_uint_eq(d->extents[0].lba, 7);
	ck_assert_uint_eq(d->extents[0].nsect, 1);
	ck_assert_uint_eq(d->extents[1].lba, 40);
	ck_assert_uint_eq(d->extents[1].nsect, 2);
	ck_assert_mem_eq(d->extents[1].data, im_disk + 40 * 512, 1024);
	replay_trace_close(t);
	im_replays(im_out);
}
END_TEST

/* Timestamps of the log backend and lines of other events or messages. */
START_TEST(test_import_stamps_and_noise)
{
	struct replay_import_opts o = { 0 };
	uint64_t kinds[VMM_REC_KINDS];
	char err[512];
	FILE *f = fopen(im_log, "w");

	ck_assert_ptr_nonnull(f);
	L(f, "qemu-system-x86_64: warning: host doesn't support requested feature");
	L(f, "1234@1700000000.000001:ide_ioport_write IDE PIO wr @ 0x1f6 (Device/Head); val 0xa0; "
	     "bus 0x1 IDEState 0x2");
	L(f, "pic_set_irq irq 14 level 1");
	L(f, "1234@1700000000.000002:ide_ioport_read IDE PIO rd @ 0x1f7 (Status); val 0x50; bus 0x1 "
	     "IDEState 0x2");
	fclose(f);
	ck_assert_msg(!im_import(&o, err, sizeof(err)), "%s", err);
	im_read(kinds, NULL);
	ck_assert_uint_eq(kinds[VMM_REC_OUT], 1);
	ck_assert_uint_eq(kinds[VMM_REC_IN], 1);
}
END_TEST

/* --commands N: a clean cut once the N-th command has ended, with an end record. */
START_TEST(test_import_cut)
{
	struct replay_import_opts o = { .max_commands = 1 };
	uint64_t kinds[VMM_REC_KINDS];
	char err[512];
	FILE *f = fopen(im_log, "w");

	ck_assert_ptr_nonnull(f);
	pio_read(f, 5, 1, im_disk);
	pio_read(f, 6, 1, im_disk);
	fclose(f);
	ck_assert_msg(!im_import(&o, err, sizeof(err)), "%s", err);
	im_read(kinds, NULL);
	ck_assert_uint_eq(kinds[VMM_REC_INS], 1);
	ck_assert_uint_eq(kinds[VMM_REC_OUT], 6); /* nothing of the second command */
	im_replays(im_out);
}
END_TEST

/* ---- Bad input: "log:line: what was expected" ---- */

struct bad_log {
	const char *lines;  /* the log after one good line */
	const char *why;
};

static const struct bad_log bad_logs[] = {
	{ "ide_ioport_write IDE PIO wr @ 0x1f2 (Sector Count); bus 0x1 IDEState 0x2\n",
	  ":2: expected '@ 0xPORT' and 'val 0xVALUE' (1 bytes) in ide_ioport_write" },
	{ "ide_frobnicate IDEState 0x2\n", ":2: unknown QEMU trace event 'ide_frobnicate'" },
	{ "ide_ioport_write IDE PIO wr @ 0x80 (Nothing); val 0x01; bus 0x1 IDEState 0x2\n",
	  ":2: port 0x80: expected a port of the IDE channels" },
	{ "ide_exec_cmd IDE exec cmd: bus 0x1; state 0x2; cmd 0xc8\n",
	  ":2: ide_exec_cmd without a matching write of the command register" },
	{ "bmdma_addr_write data: 0x0000000100000000\n", ":2: expected 'data: 0xADDRESS' below 4 GiB" },
	{ "bmdma_read bmdma: readb 0x9 : 0x00\n", ":2: expected 'readb|writeb 0xOFFSET : 0xVALUE'" },
	{ "ide_atapi_cmd IDEState: 0x2; cmd: 0x28\n", ":2: ide_atapi_cmd: only the PIIX IDE function" },
	{ "ide_data_readw IDE PIO rd @ 0x1f0 (Data: Word); val 0x12345; bus 0x1; IDEState 0x2\n",
	  ":2: expected '@ 0xPORT' and 'val 0xVALUE' (2 bytes) in ide_data_readw" },
};

START_TEST(test_import_bad_line)
{
	struct replay_import_opts o = { 0 };
	char err[512], want[600];
	FILE *f = fopen(im_log, "w");

	ck_assert_ptr_nonnull(f);
	io_r(f, 0x1f7, 0x50);
	fputs(bad_logs[_i].lines, f);
	fclose(f);
	unlink(im_out);
	ck_assert_int_eq(im_import(&o, err, sizeof(err)), PP_EINVAL);
	snprintf(want, sizeof(want), "%s%s", im_log, bad_logs[_i].why);
	ck_assert_msg(!strncmp(err, want, strlen(want)), "got: %s\nwant: %s", err, want);
	ck_assert_int_ne(access(im_out, F_OK), 0); /* no half-written trace is left */
}
END_TEST

/* Payloads that cannot be right: named with the line of the access that needs them. */
START_TEST(test_import_bad_payloads)
{
	static const uint32_t lba[] = { 300 };
	static const unsigned n[] = { 8 };
	struct replay_import_opts o = { 0 };
	static uint8_t other[IMG_SECTORS * 512];
	char err[512];
	FILE *f = fopen(im_log, "w");

	/* A DMA write without the write log. */
	dma(f, 100, 8, true);
	fclose(f);
	ck_assert_int_eq(im_import(&o, err, sizeof(err)), PP_EINVAL);
	ck_assert_msg(strstr(err, "its data is only in the write log (--writes)"), "%s", err);
	/* A write log that writes elsewhere. */
	replay_pattern_fill(3, 0, im_wdata, 8);
	wlog(lba, n, 1, im_wdata);
	o.writes = im_wlog;
	ck_assert_int_eq(im_import(&o, err, sizeof(err)), PP_EINVAL);
	ck_assert_msg(strstr(err, "write log entry 0 writes LBA 300 + 8 sectors; the trace writes "
			      "LBA 100 + 8 here"), "%s", err);
	/* PIO data that is not the image's. */
	replay_pattern_fill(8, 0, other, 16);
	f = fopen(im_log, "w");
	pio_read(f, 3, 1, other);
	fclose(f);
	o.writes = NULL;
	ck_assert_int_eq(im_import(&o, err, sizeof(err)), PP_EINVAL);
	ck_assert_msg(strstr(err, "PIO data of LBA 3 is not the image's") && strstr(err, ".log:"),
		      "%s", err);
}
END_TEST

/*
 * A status the recording shows and neither hal/sim run gets: from QEMU,
 * a difference of the device model (counted, named, tolerated); in a
 * trace recorded on hal/sim itself, a mismatch.
 */
START_TEST(test_device_model_scope)
{
	static const struct replay_opts none;
	struct replay_import_opts o = { 0 };
	struct replay_result *r = malloc(sizeof(*r));
	char err[512], *text, *at;
	size_t len;
	FILE *f = fopen(im_log, "w");

	cmd28(f, 0, 0, 0xe5);     /* CHECK POWER MODE */
	io_r(f, 0x1f7, 0x41);     /* the recording's device refused it */
	io_w(f, 0x1f6, 0xe0);
	fclose(f);
	ck_assert_msg(!im_import(&o, err, sizeof(err)), "%s", err);
	ck_assert_int_eq(replay_run(im_out, &none, r), REPLAY_PASS);
	ck_assert_uint_eq(r->model, 1);
	ck_assert_msg(strstr(r->model_first, "in 0x1f7 (status): expected 0x41, got 0x50"), "%s",
		      r->model_first);
	f = fopen(im_out, "rb");
	fseek(f, 0, SEEK_END);
	len = (size_t)ftell(f);
	rewind(f);
	text = malloc(len);
	ck_assert_uint_eq(fread(text, 1, len, f), len);
	fclose(f);
	at = strstr(text, "source: \"qemu\"");
	ck_assert_ptr_nonnull(at);
	memcpy(at, "source: \"sim\" ", 14);
	f = fopen(im_out, "wb");
	fwrite(text, 1, len, f);
	fclose(f);
	ck_assert_int_eq(replay_run(im_out, &none, r), REPLAY_MISMATCH);
	ck_assert_msg(strstr(r->msg, "expected 0x41, got 0x50"), "%s", r->msg);
	free(text);
	free(r);
}
END_TEST

Suite *replay_import_suite(void)
{
	Suite *s = suite_create("replay_import");
	TCase *tc = tcase_create("qemu");

	tcase_set_timeout(tc, 60);
	tcase_add_unchecked_fixture(tc, im_setup, im_teardown);
	tcase_add_test(tc, test_import_pio_read);
	tcase_add_test(tc, test_import_dma);
	tcase_add_test(tc, test_import_overlay_and_identify);
	tcase_add_test(tc, test_import_stamps_and_noise);
	tcase_add_test(tc, test_import_cut);
	tcase_add_loop_test(tc, test_import_bad_line, 0, sizeof(bad_logs) / sizeof(bad_logs[0]));
	tcase_add_test(tc, test_import_bad_payloads);
	tcase_add_test(tc, test_device_model_scope);
	suite_add_tcase(s, tc);
	return s;
}
