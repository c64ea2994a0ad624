/*
 * vmm_record.c - the one trace encoder: YAML text (replay/FORMAT.md) with
 * its own base64, written through a sink. Freestanding: it runs inside the
 * hypervisor, where the sink is the serial port, as well as in hosted
 * tools. Text is staged in the encoder's buffer and handed to the sink at
 * least at every event's end, so a capture cut short ends near an event
 * boundary and the reader calls it truncated.
 */
#include "vmm.h"

enum enc_state {
	ENC_NEW = 0,    /* nothing written */
	ENC_EVENTS,     /* header written, between events */
	ENC_DATA,       /* inside an event, payload bytes still expected */
	ENC_CLOSE,      /* inside an event, payload complete */
	ENC_DONE,       /* end record written */
};

static const char *const rec_kind_names[VMM_REC_KINDS] = {
	[VMM_REC_IN] = "in",
	[VMM_REC_OUT] = "out",
	[VMM_REC_INS] = "ins",
	[VMM_REC_OUTS] = "outs",
	[VMM_REC_DMA_START] = "dma-start",
	[VMM_REC_DMA_DONE] = "dma-done",
	[VMM_REC_IRQ] = "irq",
	[VMM_REC_END] = "end",
};

static const char *const rec_policy_names[] = {
	[VMM_REC_DENY] = "deny", [VMM_REC_PASS] = "pass", [VMM_REC_ENCRYPT] = "encrypt",
};

static const char *const rec_content_names[] = {
	[VMM_REC_ZERO] = "zero", [VMM_REC_PATTERN] = "pattern", [VMM_REC_IMAGE] = "image",
};

const char *vmm_rec_kind_name(unsigned kind)
{
	return kind < VMM_REC_KINDS ? rec_kind_names[kind] : NULL;
}

/* ---- Staging and the sink ---- */

static void enc_flush(struct vmm_rec_enc *e)
{
	if (e->len)
		e->sink(e->sink_ctx, e->buf, e->len);
	e->len = 0;
}

/* Room for n more bytes (n well below the buffer size). */
static char *enc_room(struct vmm_rec_enc *e, size_t n)
{
	if (e->len + n > sizeof(e->buf))
		enc_flush(e);
	return e->buf + e->len;
}

static void enc_puts(struct vmm_rec_enc *e, const char *s)
{
	size_t n = vmm_strlen(s);

	while (n) {
		size_t k = sizeof(e->buf) - e->len;

		if (!k) {
			enc_flush(e);
			continue;
		}
		k = k < n ? k : n;
		vmm_memcpy(e->buf + e->len, s, k);
		e->len += k;
		s += k;
		n -= k;
	}
}

/* Numbers without vmm_snprintf: the event path runs once per trapped access. */
static void enc_num(struct vmm_rec_enc *e, uint64_t v, bool hex)
{
	static const char digits[] = "0123456789abcdef";
	char tmp[24], *p = enc_room(e, sizeof(tmp));
	unsigned base = hex ? 16 : 10, n = 0;

	do {
		tmp[n++] = digits[v % base];
		v /= base;
	} while (v);
	if (hex) {
		*p++ = '0';
		*p++ = 'x';
		e->len += 2;
	}
	e->len += n;
	while (n)
		*p++ = tmp[--n];
}

/* key is the separator and name, e.g. ", width: "; then the number. */
static void enc_field(struct vmm_rec_enc *e, const char *key, uint64_t v, bool hex)
{
	enc_puts(e, key);
	enc_num(e, v, hex);
}

/*
 * One UTF-8 sequence at s: its code point and length, or -1 if it is not
 * valid UTF-8 (overlong, surrogate, beyond U+10FFFF, cut short).
 */
static int32_t utf8_decode(const unsigned char *s, unsigned *len)
{
	unsigned n = s[0] >= 0xF0 ? 3 : s[0] >= 0xE0 ? 2 : 1;
	uint32_t cp = s[0] & (0x3F >> n);
	static const uint32_t min[] = { 0, 0x80, 0x800, 0x10000 };

	if (s[0] < 0xC2 || s[0] > 0xF4)
		return -1;
	for (unsigned i = 1; i <= n; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return -1;
		cp = cp << 6 | (s[i] & 0x3F);
	}
	if (cp < min[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
		return -1;
	*len = n + 1;
	return (int32_t)cp;
}

/* What YAML lets stand unescaped in a double-quoted scalar (YAML 1.1, 5.1). */
static bool yaml_printable(uint32_t cp)
{
	return (cp >= 0x20 && cp <= 0x7E && cp != '"' && cp != '\\') ||
	       (cp >= 0xA0 && cp <= 0xD7FF) || (cp >= 0xE000 && cp <= 0xFFFD && cp != 0xFEFF) ||
	       cp >= 0x10000;
}

/* \xNN, \uNNNN or \UNNNNNNNN: the shortest escape that holds cp. */
static void enc_escape(struct vmm_rec_enc *e, uint32_t cp)
{
	static const char hexd[] = "0123456789abcdef";
	unsigned digits = cp < 0x100 ? 2 : cp < 0x10000 ? 4 : 8;
	char *p = enc_room(e, 2 + digits);

	*p++ = '\\';
	*p++ = digits == 2 ? 'x' : digits == 4 ? 'u' : 'U';
	for (unsigned i = digits; i--;)
		*p++ = hexd[(cp >> (4 * i)) & 15];
	e->len += 2 + digits;
}

/*
 * A double-quoted YAML scalar: valid UTF-8 that YAML calls printable goes
 * through as it is, the rest is escaped, and a byte that is not UTF-8 at
 * all becomes the code point of the same value, so the text always parses.
 */
static void enc_str(struct vmm_rec_enc *e, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	enc_puts(e, "\"");
	while (*s) {
		unsigned len = 1;
		int32_t cp = *s < 0x80 ? *s : utf8_decode(s, &len);

		if (cp < 0) {
			enc_escape(e, *s);
		} else if (yaml_printable((uint32_t)cp)) {
			vmm_memcpy(enc_room(e, len), s, len);
			e->len += len;
		} else if (cp == '"' || cp == '\\') {
			char *p = enc_room(e, 2);

			p[0] = '\\';
			p[1] = (char)cp;
			e->len += 2;
		} else {
			enc_escape(e, (uint32_t)cp);
		}
		s += len;
	}
	enc_puts(e, "\"");
}

static void enc_hexbytes(struct vmm_rec_enc *e, const uint8_t *b, size_t n)
{
	static const char hexd[] = "0123456789abcdef";

	enc_puts(e, "\"");
	for (size_t i = 0; i < n; i++) {
		char *p = enc_room(e, 2);

		p[0] = hexd[b[i] >> 4];
		p[1] = hexd[b[i] & 15];
		e->len += 2;
	}
	enc_puts(e, "\"");
}

/* ---- base64 (RFC 4648 section 4), streamed: up to 2 bytes wait for a third ---- */

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void b64_quad(char *p, const uint8_t *s)
{
	uint32_t v = (uint32_t)s[0] << 16 | (uint32_t)s[1] << 8 | s[2];

	p[0] = b64_alphabet[v >> 18];
	p[1] = b64_alphabet[(v >> 12) & 63];
	p[2] = b64_alphabet[(v >> 6) & 63];
	p[3] = b64_alphabet[v & 63];
}

static void b64_feed(struct vmm_rec_enc *e, const uint8_t *s, size_t n)
{
	while (e->b64_n && e->b64_n < 3 && n) {
		e->b64_tail[e->b64_n++] = *s++;
		n--;
	}
	if (e->b64_n == 3) {
		b64_quad(enc_room(e, 4), e->b64_tail);
		e->len += 4;
		e->b64_n = 0;
	}
	while (n >= 3) {
		size_t room = (sizeof(e->buf) - e->len) / 4, k = n / 3;

		if (!room) {
			enc_flush(e);
			continue;
		}
		k = k < room ? k : room;
		for (size_t i = 0; i < k; i++, s += 3, e->len += 4)
			b64_quad(e->buf + e->len, s);
		n -= 3 * k;
	}
	while (n--)
		e->b64_tail[e->b64_n++] = *s++;
}

static void b64_finish(struct vmm_rec_enc *e)
{
	char *p;

	if (!e->b64_n)
		return;
	p = enc_room(e, 4);
	for (unsigned i = e->b64_n; i < 3; i++)
		e->b64_tail[i] = 0;
	b64_quad(p, e->b64_tail);
	p[3] = '=';
	if (e->b64_n == 1)
		p[2] = '=';
	e->len += 4;
	e->b64_n = 0;
}


/* ---- Header ---- */

void vmm_rec_enc_init(struct vmm_rec_enc *e, vmm_rec_sink_fn sink, void *ctx)
{
	vmm_memset(e, 0, sizeof(*e));
	e->sink = sink;
	e->sink_ctx = ctx;
	e->state = ENC_NEW;
}

static void enc_prov(struct vmm_rec_enc *e, const char *key, const char *val)
{
	if (!val)
		return;
	enc_puts(e, "  ");
	enc_puts(e, key);
	enc_puts(e, ": ");
	enc_str(e, val);
	enc_puts(e, "\n");
}

static void enc_machine(struct vmm_rec_enc *e, const struct vmm_rec_header *h)
{
	enc_field(e, "machine:\n  prog-if: ", h->prog_if, true);
	enc_field(e, "\n  bm-base: ", h->bm_base, true);
	enc_puts(e, h->nchannels ? "\n  channels:\n" : "\n  channels: []\n");
	for (unsigned i = 0; i < h->nchannels; i++) {
		const struct vmm_rec_channel *c = &h->channel[i];

		enc_field(e, "    - {channel: ", c->channel, false);
		enc_field(e, ", cmd: ", c->cmd, true);
		enc_field(e, ", ctl: ", c->ctl, true);
		enc_field(e, ", irq: ", c->irq, false);
		enc_puts(e, "}\n");
	}
}

/* Overlay extents, one a line inside the disk's flow mapping. */
static void enc_overlay(struct vmm_rec_enc *e, const struct vmm_rec_disk *d)
{
	enc_puts(e, ", overlay: [");
	for (uint32_t k = 0; k < d->nextents; k++) {
		enc_field(e, k ? ",\n      {lba: " : "\n      {lba: ", d->extents[k].lba, false);
		enc_puts(e, ", data: !!binary '");
		b64_feed(e, d->extents[k].data, (size_t)d->extents[k].nsect * 512);
		b64_finish(e);
		enc_puts(e, "'}");
	}
	enc_puts(e, "]");
}

static void enc_disk(struct vmm_rec_enc *e, const struct vmm_rec_disk *d)
{
	enc_field(e, "  - {channel: ", d->channel, false);
	enc_field(e, ", drive: ", d->drive, false);
	enc_field(e, ", sectors: ", d->sectors, false);
	if (d->cyls || d->heads || d->spt) { /* else the replay derives it */
		enc_field(e, ", cyls: ", d->cyls, false);
		enc_field(e, ", heads: ", d->heads, false);
		enc_field(e, ", spt: ", d->spt, false);
	}
	if (d->multiple)
		enc_field(e, ", multiple: ", d->multiple, false);
	enc_puts(e, ", policy: ");
	enc_puts(e, rec_policy_names[d->policy]);
	enc_puts(e, ", content: ");
	enc_puts(e, rec_content_names[d->content]);
	if (d->content == VMM_REC_PATTERN)
		enc_field(e, ", seed: ", d->seed, true);
	if (d->content == VMM_REC_IMAGE) {
		enc_puts(e, ", path: ");
		enc_str(e, d->image);
		enc_puts(e, ", sha256: ");
		enc_hexbytes(e, d->sha256, sizeof(d->sha256));
	}
	if (d->nextents)
		enc_overlay(e, d);
	enc_puts(e, "}\n");
}

int vmm_rec_enc_header(struct vmm_rec_enc *e, const struct vmm_rec_header *h)
{
	if (e->state != ENC_NEW)
		return PP_EINVAL;
	if (h->has_key && !h->test_key)
		return PP_EKEY;
	if (vmm_rec_header_invalid(h))
		return PP_EINVAL;
	enc_puts(e, "# parapass trace: replay/FORMAT.md\n%YAML 1.1\n---\n");
	enc_field(e, "parapass-trace: ", h->version, false);
	enc_puts(e, "\nprovenance:");
	if (!h->guest && !h->driver && !h->source && !h->date && !h->tool)
		enc_puts(e, " {}");
	enc_puts(e, "\n");
	enc_prov(e, "guest", h->guest);
	enc_prov(e, "driver", h->driver);
	enc_prov(e, "source", h->source);
	enc_prov(e, "date", h->date);
	enc_prov(e, "tool", h->tool);
	enc_machine(e, h);
	enc_puts(e, h->ndisks ? "disks:\n" : "disks: []\n");
	for (unsigned i = 0; i < h->ndisks; i++)
		enc_disk(e, &h->disk[i]);
	if (h->has_key) {
		enc_puts(e, "key: {test-key: true, xts: ");
		enc_hexbytes(e, h->key, sizeof(h->key));
		enc_puts(e, "}\n");
	}
	enc_puts(e, "events:\n");
	enc_flush(e);
	e->state = ENC_EVENTS;
	return PP_OK;
}

/* ---- Events: one flow mapping per line ---- */

static void enc_prd(struct vmm_rec_enc *e, const struct vmm_rec_prd *prd, uint32_t n)
{
	enc_puts(e, ", prd: [");
	for (uint32_t i = 0; i < n; i++) {
		enc_field(e, i ? ", [" : "[", prd[i].addr, true);
		enc_field(e, ", ", prd[i].ctl, true);
		enc_puts(e, "]");
	}
	enc_puts(e, "]");
}

static int enc_fields(struct vmm_rec_enc *e, const struct vmm_rec_event *ev)
{
	enc_puts(e, "  - {");
	enc_puts(e, rec_kind_names[ev->kind]);
	switch (ev->kind) {
	case VMM_REC_IN:
	case VMM_REC_OUT:
		enc_field(e, ": ", ev->port, true);
		enc_field(e, ", width: ", ev->width, false);
		enc_field(e, ", value: ", ev->value, true);
		break;
	case VMM_REC_INS:
	case VMM_REC_OUTS:
		enc_field(e, ": ", ev->port, true);
		enc_field(e, ", width: ", ev->width, false);
		enc_field(e, ", count: ", ev->count, false);
		break;
	case VMM_REC_DMA_START:
		enc_field(e, ": ", ev->channel, false);
		enc_field(e, ", prdt: ", ev->prdt, true);
		enc_puts(e, ev->write ? ", write: true" : ", write: false");
		enc_field(e, ", bytes: ", ev->bytes, false);
		if (ev->synthesized)
			enc_puts(e, ", synthesized: true");
		enc_prd(e, ev->prd, ev->nprd);
		break;
	case VMM_REC_DMA_DONE:
		enc_field(e, ": ", ev->channel, false);
		enc_puts(e, ev->write ? ", write: true" : ", write: false");
		enc_field(e, ", status: ", ev->status, true);
		enc_field(e, ", bytes: ", ev->bytes, false);
		break;
	case VMM_REC_IRQ:
		enc_field(e, ": ", ev->irq, false);
		enc_field(e, ", level: ", ev->level, false);
		break;
	default: /* a kind vmm_rec_event_invalid() knows and this switch does not */
		return PP_EINVAL;
	}
	return PP_OK;
}

int vmm_rec_enc_event_begin(struct vmm_rec_enc *e, const struct vmm_rec_event *ev)
{
	if (e->state != ENC_EVENTS || ev->kind == VMM_REC_END || vmm_rec_event_invalid(ev))
		return PP_EINVAL;
	if (enc_fields(e, ev)) {
		e->len = 0; /* drop the half-written line */
		return PP_EINVAL;
	}
	/* Single-quoted: libyaml scans a quoted scalar 2.5 times faster than a plain one. */
	if (ev->len)
		enc_puts(e, ", data: !!binary '");
	e->data_left = (uint32_t)ev->len;
	e->data_open = ev->len != 0;
	e->state = ev->len ? ENC_DATA : ENC_CLOSE;
	return PP_OK;
}

int vmm_rec_enc_data(struct vmm_rec_enc *e, const void *buf, size_t len)
{
	if (e->state != ENC_DATA || len > e->data_left)
		return PP_EINVAL;
	b64_feed(e, buf, len);
	e->data_left -= (uint32_t)len;
	if (!e->data_left)
		e->state = ENC_CLOSE;
	return PP_OK;
}

int vmm_rec_enc_event_end(struct vmm_rec_enc *e)
{
	if (e->state != ENC_CLOSE)
		return PP_EINVAL;
	if (e->data_open) {
		b64_finish(e);
		enc_puts(e, "'");
	}
	enc_puts(e, "}\n");
	enc_flush(e);
	e->events++;
	e->state = ENC_EVENTS;
	return PP_OK;
}

int vmm_rec_enc_event(struct vmm_rec_enc *e, const struct vmm_rec_event *ev)
{
	int rc;

	if (ev->len && !ev->data)
		return PP_EINVAL;
	rc = vmm_rec_enc_event_begin(e, ev);
	if (!rc && ev->len)
		rc = vmm_rec_enc_data(e, ev->data, ev->len);
	return rc ? rc : vmm_rec_enc_event_end(e);
}

int vmm_rec_enc_end(struct vmm_rec_enc *e)
{
	if (e->state != ENC_EVENTS)
		return PP_EINVAL;
	enc_field(e, "  - {end: ", e->events, false);
	enc_puts(e, "}\n...\n");
	enc_flush(e);
	e->state = ENC_DONE;
	return PP_OK;
}
