/*
 * replay_import.c - "parapass import qemu": a QEMU trace log (-trace
 * 'ide_*' -trace 'bmdma_*', the "log" backend; format strings in QEMU's
 * trace-events, lines as tests/guest/README.md shows them) becomes a
 * trace. Two passes over the log: the first learns what the header must
 * say (geometry and multiple count from the guest's IDENTIFY data, the
 * channels used, the sectors of initial content the trace reads), the
 * second writes the trace with the one encoder. Lines of other trace
 * events or messages are skipped; a malformed ide_/bmdma_ line is bad
 * input, reported as "log:line: what was expected".
 */
#define _GNU_SOURCE /* getline */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "replay_import_priv.h"

int imp_fail(struct imp_ctx *x, const char *fmt, ...)
{
	va_list ap;
	int n = 0;

	if (x->failed)
		return -1;
	x->failed = true;
	if (x->lineno)
		n = snprintf(x->err, x->errlen, "%s:%llu: ", x->o->log, (unsigned long long)x->lineno);
	if (n < 0 || (size_t)n >= x->errlen)
		n = 0;
	va_start(ap, fmt);
	vsnprintf(x->err + n, x->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

/* ---- One line ---- */

/* The hex number after key in s (key ends in "0x"). */
static bool imp_hex(const char *s, const char *key, uint64_t max, uint64_t *v)
{
	const char *p = strstr(s, key);
	char *end;

	if (!p)
		return false;
	p += strlen(key);
	if (!((*p >= '0' && *p <= '9') || ((*p | 0x20) >= 'a' && (*p | 0x20) <= 'f')))
		return false;
	errno = 0;
	*v = strtoull(p, &end, 16);
	return !errno && *v <= max && (*end == '\0' || *end == ';' || *end == ' ');
}

enum imp_kind { IMP_IGNORE, IMP_PORT_IN, IMP_PORT_OUT, IMP_DATA_IN, IMP_DATA_OUT, IMP_BM_IN,
		IMP_BM_OUT, IMP_ADDR_IN, IMP_ADDR_OUT, IMP_EXEC, IMP_REFUSE };

static const struct {
	const char *name;
	uint8_t kind, width;
} imp_events[] = {
	{ "ide_ioport_read", IMP_PORT_IN, 1 }, { "ide_ioport_write", IMP_PORT_OUT, 1 },
	{ "ide_status_read", IMP_PORT_IN, 1 }, { "ide_ctrl_write", IMP_PORT_OUT, 1 },
	{ "ide_data_readw", IMP_DATA_IN, 2 }, { "ide_data_writew", IMP_DATA_OUT, 2 },
	{ "ide_data_readl", IMP_DATA_IN, 4 }, { "ide_data_writel", IMP_DATA_OUT, 4 },
	{ "bmdma_read", IMP_BM_IN, 1 }, { "bmdma_write", IMP_BM_OUT, 1 },
	{ "bmdma_addr_read", IMP_ADDR_IN, 4 }, { "bmdma_addr_write", IMP_ADDR_OUT, 4 },
	{ "ide_exec_cmd", IMP_EXEC, 0 },
	/* QEMU's own work, not guest accesses: LBAs and resets it logs for itself. */
	{ "ide_reset", IMP_IGNORE, 0 }, { "bmdma_reset", IMP_IGNORE, 0 },
	{ "ide_sector_read", IMP_IGNORE, 0 }, { "ide_sector_write", IMP_IGNORE, 0 },
	{ "ide_dma_cb", IMP_IGNORE, 0 }, { "bmdma_cmd_writeb", IMP_IGNORE, 0 },
	{ "ide_bus_reset_aio", IMP_IGNORE, 0 }, { "ide_cancel_dma_sync_buffered", IMP_IGNORE, 0 },
	{ "ide_cancel_dma_sync_remaining", IMP_IGNORE, 0 },
	/* Other controllers' bus masters and ATAPI devices are not imported. */
	{ "bmdma_read_cmd646", IMP_REFUSE, 0 }, { "bmdma_write_cmd646", IMP_REFUSE, 0 },
	{ "bmdma_read_via", IMP_REFUSE, 0 }, { "bmdma_write_via", IMP_REFUSE, 0 },
	{ "ide_atapi_", IMP_REFUSE, 0 },
};

static int imp_event(struct imp_ctx *x, unsigned i, const char *name, int len, const char *args)
{
	uint64_t port = 0, v = 0;
	bool in = imp_events[i].kind & 1; /* the *_IN kinds are odd */
	uint8_t w = imp_events[i].width;

	switch (imp_events[i].kind) {
	case IMP_PORT_IN:
	case IMP_PORT_OUT:
	case IMP_DATA_IN:
	case IMP_DATA_OUT:
		if (!imp_hex(args, "@ 0x", 0xFFFF, &port) || !imp_hex(args, "val 0x", (1ull << 8 * w) - 1, &v))
			return imp_fail(x, "expected '@ 0xPORT' and 'val 0xVALUE' (%u bytes) in %s",
					w, imp_events[i].name);
		return imp_access(x, in, (uint16_t)port, w, (uint32_t)v);
	case IMP_BM_IN:
	case IMP_BM_OUT:
		if (!imp_hex(args, "b 0x", 3, &port) || !imp_hex(args, " : 0x", 0xFF, &v))
			return imp_fail(x, "expected 'readb|writeb 0xOFFSET : 0xVALUE' with an offset "
					"of 0 to 3 in %s", imp_events[i].name);
		return imp_access(x, in, imp_bm_port(x, (unsigned)port), 1, (uint32_t)v);
	case IMP_ADDR_IN:
	case IMP_ADDR_OUT:
		if (!imp_hex(args, "data: 0x", UINT32_MAX, &v))
			return imp_fail(x, "expected 'data: 0xADDRESS' below 4 GiB in %s",
					imp_events[i].name);
		return imp_access(x, in, imp_bm_port(x, 4), 4, (uint32_t)v);
	case IMP_EXEC: /* a cross-check: the command byte the guest just wrote */
		if (!imp_hex(args, "cmd 0x", 0xFF, &v) || !x->ch[x->last_ch].active ||
		    x->ch[x->last_ch].op != v)
			return imp_fail(x, "ide_exec_cmd without a matching write of the command "
					"register before it");
		return 0;
	case IMP_REFUSE:
		return imp_fail(x, "%.*s: only the PIIX IDE function with ATA disks is imported",
				len > 64 ? 64 : len, name);
	default:
		return 0;
	}
}

/* "PID@SEC.USEC:" in front of the event name (the log backend's timestamps) goes. */
static char *imp_skip_stamp(char *s)
{
	char *p = s;

	while (*p >= '0' && *p <= '9')
		p++;
	if (p == s || *p != '@')
		return s;
	for (p++; (*p >= '0' && *p <= '9') || *p == '.'; p++)
		;
	return *p == ':' ? p + 1 : s;
}

static int imp_line(struct imp_ctx *x, char *s)
{
	size_t n = strlen(s), len;
	char *args;

	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
	s = imp_skip_stamp(s);
	if (strncmp(s, "ide_", 4) && strncmp(s, "bmdma_", 6))
		return 0; /* another trace event or a message */
	args = s + strcspn(s, " ");
	len = (size_t)(args - s);
	for (unsigned i = 0; i < sizeof(imp_events) / sizeof(imp_events[0]); i++) {
		size_t k = strlen(imp_events[i].name);

		if (k == len ? !strncmp(s, imp_events[i].name, k) :
			       imp_events[i].name[k - 1] == '_' && !strncmp(s, imp_events[i].name, k))
			return imp_event(x, i, s, (int)len, args);
	}
	return imp_fail(x, "unknown QEMU trace event '%.*s': expected an ide_* or bmdma_* event of "
			"QEMU 7.2's PIIX IDE", (int)(len > 64 ? 64 : len), s);
}

/* ---- Passes ---- */

static int imp_pass(struct imp_ctx *x)
{
	int rc = 0;

	x->log = fopen(x->o->log, "r");
	if (!x->log)
		return imp_fail(x, "%s: %s", x->o->log, strerror(errno));
	memset(x->ch, 0, sizeof(x->ch));
	for (unsigned i = 0; i < IMP_CHANNELS; i++) {
		x->ch[i].heads = (uint8_t)(x->heads ? x->heads : 16);
		x->ch[i].spt = (uint8_t)(x->spt ? x->spt : 63);
	}
	x->run.open = false;
	x->lineno = x->events = x->commands = 0;
	x->last_ch = 0;
	x->cut = false;
	while (!rc && getline(&x->line, &x->line_cap, x->log) >= 0) {
		x->lineno++;
		rc = imp_line(x, x->line);
	}
	if (rc >= 0 && !ferror(x->log))
		rc = imp_flush(x);
	else if (rc >= 0)
		rc = imp_fail(x, "%s: read error", x->o->log);
	fclose(x->log);
	x->log = NULL;
	x->lineno = 0;
	if (rc < 0)
		return -1;
	return imp_wlog_end(x);
}

/* ---- The header ---- */

/* path as seen from the folder dir (both made absolute); NULL if either is not there. */
static char *imp_relpath(const char *path, const char *dir)
{
	char *a = realpath(path, NULL), *b = realpath(dir, NULL), *rel = NULL;
	size_t i = 0, common, ups = 0, lb;

	if (a && b) {
		lb = strlen(b);
		while (i < lb && a[i] == b[i])
			i++;
		if (i == lb && a[i] == '/') { /* path lies inside dir */
			common = i + 1;
		} else {
			while (i && a[i - 1] != '/')
				i--;
			common = i;
		}
		/* One "../" for every component of dir past the common part. */
		for (const char *p = common < lb ? b + common : ""; *p; p++)
			ups += *p != '/' && (p[1] == '/' || !p[1]);
		rel = malloc(3 * ups + strlen(a + common) + 1);
		if (rel) {
			rel[0] = '\0';
			while (ups--)
				strcat(rel, "../");
			strcat(rel, a + common);
		}
	}
	free(a);
	free(b);
	return rel;
}

/* The importer's default TEST KEY: SHA-256 of a fixed phrase, twice; it protects nothing. */
static int imp_default_key(uint8_t key[VMM_REC_KEY_SIZE])
{
	static const char phrase[] = "parapass import qemu: TEST KEY, protects nothing #";
	char buf[sizeof(phrase) + 1];
	unsigned n;

	for (unsigned half = 0; half < 2; half++) {
		snprintf(buf, sizeof(buf), "%s%u", phrase, half);
		if (!EVP_Digest(buf, strlen(buf), key + 32 * half, &n, EVP_sha256(), NULL))
			return -1;
	}
	return 0;
}

static bool imp_all_zero(const struct imp_ctx *x)
{
	for (uint64_t i = 0; i < x->sectors * IMP_SECTOR; i++)
		if (x->disk[i])
			return false;
	return true;
}

static int imp_disk_header(struct imp_ctx *x, struct vmm_rec_disk *d, char **path,
			   struct vmm_rec_extent **ext)
{
	char *copy;

	*d = (struct vmm_rec_disk){
		.channel = 0, .drive = 0, .sectors = x->sectors, .policy = x->o->policy,
		.cyls = x->cyls, .heads = x->heads, .spt = x->spt, .multiple = x->multiple,
	};
	if (x->o->overlay)
		return imp_overlay(x, ext, &d->nextents) ? -1 : (d->extents = *ext, 0);
	if (imp_all_zero(x))
		return 0;
	copy = strdup(x->o->out ? x->o->out : "./trace");
	*path = copy ? imp_relpath(x->o->image, dirname(copy)) : NULL;
	free(copy);
	if (!*path)
		return imp_fail(x, "%s: cannot name the image relative to the trace", x->o->image);
	d->content = VMM_REC_IMAGE;
	d->image = *path;
	memcpy(d->sha256, x->sha256, sizeof(d->sha256));
	return 0;
}

static void imp_sink(void *ctx, const void *buf, size_t len)
{
	fwrite(buf, 1, len, ctx);
}

static int imp_header(struct imp_ctx *x, char **path, struct vmm_rec_extent **ext)
{
	struct vmm_rec_header h = {
		.version = VMM_REC_VERSION, .guest = x->o->guest, .driver = x->o->driver,
		.source = x->o->source ? x->o->source : "qemu", .date = x->o->date,
		.tool = "parapass import qemu", .prog_if = 0x80,
		.bm_base = x->o->bm_base ? x->o->bm_base : 0xC040, .ndisks = 1,
		.has_key = true, .test_key = true,
	};
	int rc;

	for (unsigned i = 0; i < IMP_CHANNELS; i++)
		if (i == 0 || x->ch[i].used)
			h.channel[h.nchannels++] = (struct vmm_rec_channel){
				.channel = (uint8_t)i, .cmd = i ? 0x170 : 0x1F0, .ctl = i ? 0x376 : 0x3F6,
				.irq = (uint8_t)(14 + i),
			};
	if (imp_disk_header(x, &h.disk[0], path, ext))
		return -1;
	if (x->o->key)
		memcpy(h.key, x->o->key, sizeof(h.key));
	else if (imp_default_key(h.key))
		return imp_fail(x, "OpenSSL cannot make the test key");
	vmm_rec_enc_init(&x->enc, imp_sink, x->out);
	rc = vmm_rec_enc_header(&x->enc, &h);
	memset(h.key, 0, sizeof(h.key));
	return rc ? imp_fail(x, "the encoder refused the header: %s",
			     vmm_rec_header_invalid(&h) ? vmm_rec_header_invalid(&h) : "a key problem") : 0;
}

/* Pass 2: the trace itself. */
static int imp_write(struct imp_ctx *x)
{
	char *path = NULL;
	struct vmm_rec_extent *ext = NULL;
	bool bad;
	int rc;

	x->out = x->o->out ? fopen(x->o->out, "w") : stdout;
	if (!x->out)
		return imp_fail(x, "%s: %s", x->o->out, strerror(errno));
	x->emit = true;
	rc = imp_disk_load(x) || imp_wlog_open(x) || imp_header(x, &path, &ext) || imp_pass(x);
	if (!rc && vmm_rec_enc_end(&x->enc))
		rc = imp_fail(x, "internal error: the end record was refused");
	free(path);
	free(ext);
	bad = ferror(x->out);
	if (x->out != stdout)
		bad |= fclose(x->out) != 0;
	else
		bad |= fflush(stdout) != 0;
	if (!rc && bad)
		rc = imp_fail(x, "%s: write error", x->o->out ? x->o->out : "stdout");
	if (rc && x->o->out)
		remove(x->o->out);
	return rc ? -1 : 0;
}

int replay_import_qemu(const struct replay_import_opts *o, char *err, size_t errlen)
{
	struct imp_ctx *x = calloc(1, sizeof(*x));
	int rc;

	if (!x) {
		snprintf(err, errlen, "out of memory");
		return PP_ENOMEM;
	}
	x->o = o;
	x->err = err;
	x->errlen = errlen;
	err[0] = '\0';
	x->payload = malloc(VMM_REC_MAX_DATA);
	rc = x->payload ? 0 : imp_fail(x, "out of memory");
	/* Pass 1 learns the header; pass 2 writes the trace. */
	if (!rc)
		rc = imp_disk_load(x) || imp_wlog_open(x) || imp_pass(x);
	if (!rc && (o->policy > VMM_REC_ENCRYPT))
		rc = imp_fail(x, "policy must be encrypt, pass or deny");
	if (!rc)
		rc = imp_write(x);
	imp_disk_close(x);
	free(x->line);
	free(x->payload);
	free(x);
	return rc ? PP_EINVAL : PP_OK;
}
