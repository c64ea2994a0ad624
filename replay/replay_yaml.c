/*
 * replay_yaml.c - the reader's dealings with libyaml: pulling events one at
 * a time (the trace is never a tree), messages that say where and what
 * was expected, and the field-table parser that turns one YAML mapping
 * into one C struct for the header and for every event.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "replay_priv.h"

#define RT_BINARY_TAG "tag:yaml.org,2002:binary"

int rt_fail(struct replay_trace *t, const yaml_mark_t *m, const char *fmt, ...)
{
	va_list ap;
	int n, k;

	n = snprintf(t->msg, sizeof(t->msg), "%s:%zu:%zu: ", t->name, m->line + 1, m->column + 1);
	if (n < 0 || (size_t)n >= sizeof(t->msg))
		n = 0;
	va_start(ap, fmt);
	k = vsnprintf(t->msg + n, sizeof(t->msg) - (size_t)n, fmt, ap);
	va_end(ap);
	/*
	 * Whatever was expected, the input stopped first, or stopped in the
	 * middle of the line where the problem is: the encoder ends every
	 * line, so that is a trace cut short.
	 */
	if (k >= 0 && (size_t)n + (size_t)k < sizeof(t->msg) && !strstr(fmt, "truncated") &&
	    rt_at_cut(t, m))
		snprintf(t->msg + n + k, sizeof(t->msg) - (size_t)(n + k), ": the trace is truncated");
	t->err = PP_EINVAL;
	return PP_EINVAL;
}

int rt_pull(struct replay_trace *t)
{
	if (t->err)
		return t->err;
	if (t->have_ev)
		yaml_event_delete(&t->ev);
	t->have_ev = false;
	if (!yaml_parser_parse(&t->parser, &t->ev)) {
		const yaml_parser_t *p = &t->parser;

		if (p->error == YAML_MEMORY_ERROR) {
			snprintf(t->msg, sizeof(t->msg), "%s: out of memory", t->name);
			return t->err = PP_ENOMEM;
		}
		if (p->error == YAML_READER_ERROR && t->file && ferror(t->file)) {
			snprintf(t->msg, sizeof(t->msg), "%s: read error", t->name);
			return t->err = PP_EIO;
		}
		if (p->error == YAML_READER_ERROR) {
			yaml_mark_t m = rt_byte_mark(t, p->problem_offset);

			return rt_fail(t, &m, "malformed input: %s (byte 0x%02x)",
				       p->problem ? p->problem : "error", (unsigned)p->problem_value & 0xFF);
		}
		if (p->context)
			return rt_fail(t, &p->problem_mark, "malformed YAML: %s, %s at %zu:%zu",
				       p->problem ? p->problem : "error", p->context,
				       p->context_mark.line + 1, p->context_mark.column + 1);
		return rt_fail(t, &p->problem_mark, "malformed YAML: %s",
			       p->problem ? p->problem : "error");
	}
	t->have_ev = true;
	return PP_OK;
}

/* What the current event is, for "got ..." (never a secret's value). */
static void rt_describe(const yaml_event_t *ev, bool secret, char *buf, size_t n)
{
	switch (ev->type) {
	case YAML_SCALAR_EVENT: {
		const char *v = (const char *)ev->data.scalar.value;
		size_t len = ev->data.scalar.length;
		bool printable = len <= 40;

		for (size_t i = 0; i < len && printable; i++)
			printable = v[i] >= 0x20 && v[i] < 0x7f;
		if (printable && !secret)
			snprintf(buf, n, "'%.*s'", (int)len, v);
		else
			snprintf(buf, n, "a scalar of %zu characters", len);
		break;
	}
	case YAML_MAPPING_START_EVENT:
		snprintf(buf, n, "a mapping");
		break;
	case YAML_SEQUENCE_START_EVENT:
		snprintf(buf, n, "a sequence");
		break;
	case YAML_MAPPING_END_EVENT:
		snprintf(buf, n, "the end of the mapping");
		break;
	case YAML_SEQUENCE_END_EVENT:
		snprintf(buf, n, "the end of the sequence");
		break;
	case YAML_ALIAS_EVENT:
		snprintf(buf, n, "an alias (traces use no anchors or aliases)");
		break;
	case YAML_DOCUMENT_START_EVENT:
		snprintf(buf, n, "another document");
		break;
	case YAML_DOCUMENT_END_EVENT:
	case YAML_STREAM_END_EVENT:
		snprintf(buf, n, "the end of the file");
		break;
	default:
		snprintf(buf, n, "YAML event %d", (int)ev->type);
		break;
	}
}

static int rt_expected_secret(struct replay_trace *t, const char *what, bool secret)
{
	char got[64];

	rt_describe(&t->ev, secret, got, sizeof(got));
	return rt_fail(t, &t->ev.start_mark, "expected %s, got %s", what, got);
}

int rt_expected(struct replay_trace *t, const char *what)
{
	return rt_expected_secret(t, what, false);
}

int rt_expect(struct replay_trace *t, yaml_event_type_t type, const char *what)
{
	int rc = rt_pull(t);

	if (!rc && t->ev.type != type)
		rc = rt_expected(t, what);
	return rc;
}

int rt_skip(struct replay_trace *t)
{
	unsigned depth = 0;
	int rc = PP_OK;

	do {
		switch (t->ev.type) {
		case YAML_MAPPING_START_EVENT:
		case YAML_SEQUENCE_START_EVENT:
			depth++;
			break;
		case YAML_MAPPING_END_EVENT:
		case YAML_SEQUENCE_END_EVENT:
			if (!depth)
				return rt_expected(t, "a value");
			depth--;
			break;
		case YAML_SCALAR_EVENT:
			break;
		default:
			return rt_expected(t, "a value");
		}
		if (depth)
			rc = rt_pull(t);
	} while (!rc && depth);
	return rc;
}

static bool rt_is_plain(const yaml_event_t *ev)
{
	return ev->type == YAML_SCALAR_EVENT && ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
}

/* Decimal or 0x hex, no sign, no spaces; false on anything else or overflow. */
static bool rt_parse_u64(const char *s, size_t len, uint64_t *out)
{
	unsigned base = 10;
	uint64_t v = 0;
	size_t i = 0;

	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		base = 16, i = 2;
	if (i == len)
		return false;
	for (; i < len; i++) {
		unsigned c = (unsigned char)s[i], d;

		if (c >= '0' && c <= '9')
			d = c - '0';
		else if (base == 16 && (c | 0x20) >= 'a' && (c | 0x20) <= 'f')
			d = (c | 0x20) - 'a' + 10;
		else
			return false;
		if (v > (UINT64_MAX - d) / base)
			return false;
		v = v * base + d;
	}
	*out = v;
	return true;
}

int rt_uint(struct replay_trace *t, uint64_t max, uint64_t *out)
{
	char what[96];

	if (rt_is_plain(&t->ev) &&
	    rt_parse_u64((const char *)t->ev.data.scalar.value, t->ev.data.scalar.length, out) &&
	    *out <= max)
		return PP_OK;
	snprintf(what, sizeof(what), "an unsigned integer (decimal or 0x hex) up to %llu",
		 (unsigned long long)max);
	return rt_expected(t, what);
}

/* ---- Field tables ---- */

static void rt_store(void *obj, uint16_t off, unsigned size, uint64_t v)
{
	uint8_t *p = (uint8_t *)obj + off;

	switch (size) {
	case 1: {
		uint8_t x = (uint8_t)v;
		memcpy(p, &x, 1);
		break;
	}
	case 2: {
		uint16_t x = (uint16_t)v;
		memcpy(p, &x, 2);
		break;
	}
	case 4: {
		uint32_t x = (uint32_t)v;
		memcpy(p, &x, 4);
		break;
	}
	default:
		memcpy(p, &v, 8);
		break;
	}
}

static int rt_word(struct replay_trace *t, const struct rt_field *f, void *obj)
{
	char what[128];
	int n = snprintf(what, sizeof(what), "one of");

	if (rt_is_plain(&t->ev)) {
		for (unsigned i = 0; i <= f->max; i++) {
			if (!strcmp((const char *)t->ev.data.scalar.value, f->words[i])) {
				rt_store(obj, f->off, 1, i);
				return PP_OK;
			}
		}
	}
	for (unsigned i = 0; i <= f->max && n > 0 && (size_t)n < sizeof(what); i++)
		n += snprintf(what + n, sizeof(what) - (size_t)n, "%s %s", i ? "," : "", f->words[i]);
	return rt_expected(t, what);
}

static int rt_str(struct replay_trace *t, const struct rt_field *f, void *obj)
{
	const yaml_event_t *ev = &t->ev;
	char *s;

	if (ev->type != YAML_SCALAR_EVENT || ev->data.scalar.length > VMM_REC_MAX_STR ||
	    memchr(ev->data.scalar.value, 0, ev->data.scalar.length))
		return rt_expected(t, "a string of at most 256 bytes");
	if (t->nstrs == RT_MAX_STRS)
		return rt_expected(t, "fewer strings in the header");
	s = strdup((const char *)ev->data.scalar.value);
	if (!s)
		return t->err = PP_ENOMEM;
	t->strs[t->nstrs++] = s;
	memcpy((uint8_t *)obj + f->off, &s, sizeof(s));
	return PP_OK;
}

static int rt_hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static int rt_hex(struct replay_trace *t, const struct rt_field *f, void *obj)
{
	const char *s = (const char *)t->ev.data.scalar.value;
	uint8_t *out = (uint8_t *)obj + f->off;
	char what[64];

	snprintf(what, sizeof(what), "%u hex digits", 2u * f->size);
	if (t->ev.type != YAML_SCALAR_EVENT || t->ev.data.scalar.length != 2u * f->size)
		return rt_expected_secret(t, what, f->secret);
	for (unsigned i = 0; i < f->size; i++) {
		int hi = rt_hexval(s[2 * i]), lo = rt_hexval(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return rt_expected_secret(t, what, f->secret);
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return PP_OK;
}

static int rt_bin(struct replay_trace *t, const struct rt_field *f, void *obj)
{
	const yaml_event_t *ev = &t->ev;
	size_t n = ev->data.scalar.length, len, bad, need = n / 4 * 3 + 3;
	const uint8_t *data;

	if (ev->type != YAML_SCALAR_EVENT || !ev->data.scalar.tag ||
	    strcmp((const char *)ev->data.scalar.tag, RT_BINARY_TAG))
		return rt_expected_secret(t, "a !!binary scalar", true);
	/* Twice the base64 of the largest payload leaves room for line breaks. */
	if (n > 2 * ((size_t)VMM_REC_MAX_DATA / 3 * 4 + 4))
		return rt_expected_secret(t, "a payload of at most 32 MiB", true);
	if (need > t->data_cap) {
		uint8_t *p = realloc(t->data, need);

		if (!p)
			return t->err = PP_ENOMEM;
		t->data = p;
		t->data_cap = need;
	}
	if (rt_b64_decode((const char *)ev->data.scalar.value, n, t->data, &len, &bad)) {
		if (bad == n)
			return rt_fail(t, &ev->start_mark, "bad base64 in the payload: its %zu "
				       "characters end inside a group of 4", n);
		return rt_fail(t, &ev->start_mark, "bad base64 in the payload at character %zu of %zu",
			       bad + 1, n);
	}
	if (len > VMM_REC_MAX_DATA)
		return rt_expected_secret(t, "a payload of at most 32 MiB", true);
	data = t->data;
	memcpy((uint8_t *)obj + f->off, &data, sizeof(data));
	memcpy((uint8_t *)obj + f->off2, &len, sizeof(len));
	return PP_OK;
}

static int rt_prd_entry(struct replay_trace *t, struct vmm_rec_prd *e)
{
	uint64_t v;
	int rc = rt_pull(t);

	if (!rc)
		rc = rt_uint(t, UINT32_MAX, &v);
	if (rc)
		return rc;
	e->addr = (uint32_t)v;
	rc = rt_pull(t);
	if (!rc)
		rc = rt_uint(t, UINT32_MAX, &v);
	if (rc)
		return rc;
	e->ctl = (uint32_t)v;
	return rt_expect(t, YAML_SEQUENCE_END_EVENT, "the end of a PRD entry [addr, ctl]");
}

static int rt_prd(struct replay_trace *t, const struct rt_field *f, void *obj)
{
	uint32_t n = 0;
	const struct vmm_rec_prd *prd;
	int rc;

	if (t->ev.type != YAML_SEQUENCE_START_EVENT)
		return rt_expected(t, "a PRD list [[addr, ctl], ...]");
	while (!(rc = rt_pull(t)) && t->ev.type != YAML_SEQUENCE_END_EVENT) {
		if (t->ev.type != YAML_SEQUENCE_START_EVENT)
			return rt_expected(t, "a PRD entry [addr, ctl]");
		if (n == VMM_REC_MAX_PRD)
			return rt_expected(t, "at most 8192 PRD entries");
		if (n == t->prd_cap) {
			size_t cap = t->prd_cap ? 2 * t->prd_cap : 64;
			struct vmm_rec_prd *p = realloc(t->prd, cap * sizeof(*p));

			if (!p)
				return t->err = PP_ENOMEM;
			t->prd = p;
			t->prd_cap = cap;
		}
		rc = rt_prd_entry(t, &t->prd[n++]);
		if (rc)
			return rc;
	}
	prd = t->prd;
	memcpy((uint8_t *)obj + f->off, &prd, sizeof(prd));
	memcpy((uint8_t *)obj + f->off2, &n, sizeof(n));
	return rc;
}

static int rt_value(struct replay_trace *t, const struct rt_field *f, void *obj)
{
	uint64_t v;
	int rc;

	switch (f->type) {
	case RT_UINT:
		rc = rt_uint(t, f->max, &v);
		if (!rc)
			rt_store(obj, f->off, f->size, v);
		return rc;
	case RT_BOOL:
		if (rt_is_plain(&t->ev) && (!strcmp((const char *)t->ev.data.scalar.value, "true") ||
					    !strcmp((const char *)t->ev.data.scalar.value, "false"))) {
			rt_store(obj, f->off, 1, t->ev.data.scalar.value[0] == 't');
			return PP_OK;
		}
		return rt_expected(t, "true or false");
	case RT_WORD:
		return rt_word(t, f, obj);
	case RT_STR:
		return rt_str(t, f, obj);
	case RT_HEX:
		return rt_hex(t, f, obj);
	case RT_BIN:
		return rt_bin(t, f, obj);
	case RT_PRD:
		return rt_prd(t, f, obj);
	case RT_CALL:
		return f->call(t, obj);
	default:
		return rt_fail(t, &t->ev.start_mark, "internal: field type %u", f->type);
	}
}

/* "expected one of the keys a, b, c" for an unknown or missing key. */
static void rt_keys(const struct rt_field *f, unsigned nf, char *buf, size_t n)
{
	size_t len = 0;

	buf[0] = '\0';
	for (unsigned i = 0; i < nf && len < n; i++) {
		int k = snprintf(buf + len, n - len, "%s%s", i ? ", " : "", f[i].key);

		if (k < 0)
			break;
		len += (size_t)k;
	}
}

static int rt_find(const struct rt_field *f, unsigned nf, const char *key)
{
	for (unsigned i = 0; i < nf; i++)
		if (f[i].key[0] == key[0] && !strcmp(f[i].key, key))
			return (int)i;
	return -1;
}

int rt_map(struct replay_trace *t, const struct rt_field *f, unsigned nf, void *obj,
	   const char *what, uint32_t *seen, yaml_mark_t *start)
{
	char keys[320], buf[400];
	int rc;

	*seen = 0;
	if (t->ev.type != YAML_MAPPING_START_EVENT)
		return rt_expected(t, what);
	*start = t->ev.start_mark;
	while (!(rc = rt_pull(t)) && t->ev.type != YAML_MAPPING_END_EVENT) {
		const char *key = (const char *)t->ev.data.scalar.value;
		int i = t->ev.type == YAML_SCALAR_EVENT ? rt_find(f, nf, key) : -1;

		if (i < 0) {
			bool ext = t->ev.type == YAML_SCALAR_EVENT && !strncmp(key, "x-", 2);

			if (ext && !(rc = rt_pull(t)) && !(rc = rt_skip(t)))
				continue;
			if (ext)
				return rc;
			rt_keys(f, nf, keys, sizeof(keys));
			snprintf(buf, sizeof(buf), "a key of %s (%s)", what, keys);
			return rt_expected(t, buf);
		}
		if (*seen & (1u << i))
			return rt_fail(t, &t->ev.start_mark, "key '%s' given twice", f[i].key);
		*seen |= 1u << i;
		if ((rc = rt_pull(t)) || (rc = rt_value(t, &f[i], obj)))
			return rc;
	}
	/* Missing keys are reported where the mapping ends: that is where they lack. */
	for (unsigned i = 0; !rc && i < nf; i++)
		if (f[i].required && !(*seen & (1u << i)))
			rc = rt_fail(t, &t->ev.start_mark, "expected a mapping key '%s' in %s",
				     f[i].key, what);
	return rc;
}
