/*
 * replay_b64.c - base64 decoding for trace payloads (RFC 4648 section 4).
 * Payloads are most of a DMA trace's bytes, so groups of four alphabet
 * characters go through one table look-up each on a fast path; line
 * breaks, padding and errors take the slow path one character at a time.
 */
#include "replay_priv.h"

enum { B64_PAD = 0x40, B64_SPACE = 0x80, B64_BAD = 0xFF };

/* Built at compile time from the alphabet: no initialisation, no global state. */
#define B64_R(c) (uint8_t)( \
	(c) >= 'A' && (c) <= 'Z' ? (c) - 'A' : \
	(c) >= 'a' && (c) <= 'z' ? (c) - 'a' + 26 : \
	(c) >= '0' && (c) <= '9' ? (c) - '0' + 52 : \
	(c) == '+' ? 62 : (c) == '/' ? 63 : (c) == '=' ? B64_PAD : \
	(c) == ' ' || (c) == '\n' || (c) == '\r' || (c) == '\t' ? B64_SPACE : B64_BAD)
#define B64_R4(c) B64_R(c), B64_R((c) + 1), B64_R((c) + 2), B64_R((c) + 3)
#define B64_R16(c) B64_R4(c), B64_R4((c) + 4), B64_R4((c) + 8), B64_R4((c) + 12)
#define B64_R64(c) B64_R16(c), B64_R16((c) + 16), B64_R16((c) + 32), B64_R16((c) + 48)

static const uint8_t b64_val[256] = {
	B64_R64(0), B64_R64(64), B64_R64(128), B64_R64(192),
};

/* Whole groups of four alphabet characters; stops at anything else. */
static size_t b64_fast(const uint8_t *s, size_t n, uint8_t *out, size_t *o)
{
	size_t i = 0, k = *o;

	for (; i + 4 <= n; i += 4, k += 3) {
		uint32_t a = b64_val[s[i]], b = b64_val[s[i + 1]];
		uint32_t c = b64_val[s[i + 2]], d = b64_val[s[i + 3]];
		uint32_t v;

		if ((a | b | c | d) & 0xC0)
			break;
		v = a << 18 | b << 12 | c << 6 | d;
		out[k] = (uint8_t)(v >> 16);
		out[k + 1] = (uint8_t)(v >> 8);
		out[k + 2] = (uint8_t)v;
	}
	*o = k;
	return i;
}

int rt_b64_decode(const char *src, size_t n, uint8_t *out, size_t *outlen, size_t *bad)
{
	const uint8_t *s = (const uint8_t *)src;
	uint32_t group = 0;
	unsigned q = 0, pad = 0;
	bool ended = false;
	size_t i = 0, o = 0;

	while (i < n) {
		uint8_t c;

		if (!q && !ended)
			i += b64_fast(s + i, n - i, out, &o);
		if (i == n)
			break;
		c = b64_val[s[i]];
		if (c == B64_SPACE) {
			i++;
			continue;
		}
		/* After padding only more padding may finish the group, then nothing. */
		if (c == B64_BAD || ended || (c == B64_PAD ? q < 2 : pad)) {
			*bad = i;
			return -1;
		}
		pad += c == B64_PAD;
		group = group << 6 | (c == B64_PAD ? 0 : c);
		i++;
		if (++q < 4)
			continue;
		out[o++] = (uint8_t)(group >> 16);
		if (pad < 2)
			out[o++] = (uint8_t)(group >> 8);
		if (!pad)
			out[o++] = (uint8_t)group;
		ended = pad;
		q = 0;
		group = 0;
	}
	if (q) {
		*bad = n;
		return -1;
	}
	*outlen = o;
	return 0;
}
