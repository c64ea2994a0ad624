/*
 * replay_input.c - positions in a trace's bytes, for messages: where its
 * text ends (a problem there means the trace was cut short, since the
 * encoder ends every line and every trace with an end record), and the
 * conversions between libyaml's marks, which count characters, and byte
 * offsets. Only a failing trace pays for a scan from its start.
 */
#include <string.h>

#include "replay_priv.h"

#define RT_SCAN_CHUNK 4096

static bool rt_is_newline(uint8_t c)
{
	return c == '\n';
}

static bool rt_is_text(uint8_t c)
{
	return c != ' ' && c != '\t' && c != '\r' && c != '\n';
}

/* Just past the last byte before end for which want() holds; 0 if none. */
static uint64_t rt_rscan(struct replay_trace *t, uint64_t end, bool (*want)(uint8_t))
{
	uint8_t buf[RT_SCAN_CHUNK];

	while (end) {
		size_t n = end < RT_SCAN_CHUNK ? (size_t)end : RT_SCAN_CHUNK;
		const uint8_t *p = t->mem ? t->mem + end - n : buf;

		if (!t->mem && (fseeko(t->file, (off_t)(end - n), SEEK_SET) ||
				fread(buf, 1, n, t->file) != n))
			return end;
		for (size_t i = n; i; i--)
			if (want(p[i - 1]))
				return end - n + i;
		end -= n;
	}
	return 0;
}

/*
 * t->tail: after the last text (a problem there means something is
 * missing), or the start of an unfinished last line, whichever is first.
 * Only a trace cut short is scanned further back than its last line break.
 */
void rt_input_tail(struct replay_trace *t)
{
	uint64_t line;

	t->tail = t->size;
	if (!t->size || t->size == UINT64_MAX)
		return;
	t->tail = rt_rscan(t, t->size, rt_is_text);
	line = rt_rscan(t, t->size, rt_is_newline);
	if (line != t->size && line < t->tail)
		t->tail = line;
	if (t->file)
		rewind(t->file);
}

/*
 * Walk the input from its start until stop bytes or chars characters
 * (UTF-8 lead bytes), whichever comes first; m gets the position reached.
 */
static void rt_walk(struct replay_trace *t, uint64_t stop, uint64_t chars, yaml_mark_t *m,
		    uint64_t *bytes)
{
	uint8_t buf[RT_SCAN_CHUNK];
	uint64_t done = 0;

	*m = (yaml_mark_t){ 0 };
	if (t->file && fseeko(t->file, 0, SEEK_SET))
		stop = 0;
	while (done < stop && m->index < chars) {
		size_t k = stop - done < RT_SCAN_CHUNK ? (size_t)(stop - done) : RT_SCAN_CHUNK;
		const uint8_t *p = t->mem ? t->mem + done : buf;
		size_t i;

		if (t->file && (k = fread(buf, 1, k, t->file)) == 0)
			break;
		for (i = 0; i < k; i++) {
			if ((p[i] & 0xC0) == 0x80)
				continue; /* a UTF-8 continuation byte: same character */
			if (m->index == chars)
				break;
			m->index++;
			m->column++;
			if (p[i] == '\n')
				m->line++, m->column = 0;
		}
		done += i;
		if (i < k)
			break;
	}
	*bytes = done;
}

bool rt_at_cut(struct replay_trace *t, const yaml_mark_t *m)
{
	yaml_mark_t at;
	uint64_t bytes;

	if (m->index >= t->tail) /* a character is at least a byte */
		return true;
	if (t->tail == UINT64_MAX || (!t->mem && !t->file))
		return false;
	/* Stopped by the byte limit first: the mark's character lies at or past it. */
	rt_walk(t, t->tail, m->index, &at, &bytes);
	return bytes >= t->tail;
}

yaml_mark_t rt_byte_mark(struct replay_trace *t, size_t off)
{
	yaml_mark_t m;
	uint64_t bytes;

	rt_walk(t, off, UINT64_MAX, &m, &bytes);
	return m;
}
