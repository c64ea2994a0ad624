/*
 * check_replay_prof.c - the profiler's machine-readable output: the
 * --json object and the Chrome trace-event (Perfetto) file parse as JSON
 * (RFC 8259, checked by a small recursive-descent walker here), and the
 * fields read back agree with the result and with each other.
 */
#define _GNU_SOURCE /* open_memstream */
#include <check.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "replay/replay.h"

/* ---- A JSON walker: true if s holds exactly one JSON value ---- */

struct jw {
	const char *p;
	unsigned depth;
};

static bool jw_value(struct jw *w);

static void jw_ws(struct jw *w)
{
	while (*w->p == ' ' || *w->p == '\n' || *w->p == '\t' || *w->p == '\r')
		w->p++;
}

static bool jw_string(struct jw *w)
{
	if (*w->p++ != '"')
		return false;
	while (*w->p != '"') {
		if ((unsigned char)*w->p < 0x20)
			return false;
		if (*w->p++ != '\\')
			continue;
		if (*w->p == 'u') {
			for (int i = 1; i <= 4; i++)
				if (!isxdigit((unsigned char)w->p[i]))
					return false;
			w->p += 5;
		} else if (strchr("\"\\/bfnrt", *w->p) && *w->p) {
			w->p++;
		} else {
			return false;
		}
	}
	w->p++;
	return true;
}

static bool jw_number(struct jw *w)
{
	const char *start = w->p;

	if (*w->p == '-')
		w->p++;
	if (!isdigit((unsigned char)*w->p) || (w->p[0] == '0' && isdigit((unsigned char)w->p[1])))
		return false;
	while (isdigit((unsigned char)*w->p))
		w->p++;
	if (*w->p == '.') {
		if (!isdigit((unsigned char)*++w->p))
			return false;
		while (isdigit((unsigned char)*w->p))
			w->p++;
	}
	if (*w->p == 'e' || *w->p == 'E') {
		w->p++;
		if (*w->p == '+' || *w->p == '-')
			w->p++;
		if (!isdigit((unsigned char)*w->p))
			return false;
		while (isdigit((unsigned char)*w->p))
			w->p++;
	}
	return w->p > start;
}

static bool jw_members(struct jw *w, char close, bool object)
{
	w->p++;
	jw_ws(w);
	if (*w->p == close)
		return w->p++, true;
	for (;;) {
		jw_ws(w);
		if (object) {
			if (!jw_string(w))
				return false;
			jw_ws(w);
			if (*w->p++ != ':')
				return false;
		}
		if (!jw_value(w))
			return false;
		jw_ws(w);
		if (*w->p == close)
			return w->p++, true;
		if (*w->p++ != ',')
			return false;
	}
}

static bool jw_value(struct jw *w)
{
	bool ok;

	jw_ws(w);
	if (++w->depth > 64)
		return false;
	switch (*w->p) {
	case '{':
		ok = jw_members(w, '}', true);
		break;
	case '[':
		ok = jw_members(w, ']', false);
		break;
	case '"':
		ok = jw_string(w);
		break;
	case 't':
		ok = !strncmp(w->p, "true", 4) && (w->p += 4);
		break;
	case 'f':
		ok = !strncmp(w->p, "false", 5) && (w->p += 5);
		break;
	case 'n':
		ok = !strncmp(w->p, "null", 4) && (w->p += 4);
		break;
	default:
		ok = jw_number(w);
	}
	w->depth--;
	return ok;
}

static bool json_valid(const char *s)
{
	struct jw w = { .p = s };

	if (!jw_value(&w))
		return false;
	jw_ws(&w);
	return *w.p == '\0';
}

/* The number after "key": (the first occurrence). */
static unsigned long long json_num(const char *s, const char *key)
{
	char k[64];
	const char *p;

	snprintf(k, sizeof(k), "\"%s\": ", key);
	p = strstr(s, k);
	ck_assert_msg(p, "no %s", key);
	return strtoull(p + strlen(k), NULL, 10);
}

static unsigned json_count(const char *s, const char *needle)
{
	unsigned n = 0;

	for (const char *p = s; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

/* ---- The walker itself can fail ---- */

static const char *const not_json[] = {
	"{\"a\": 1,}", "[1 2]", "{\"a\" 1}", "\"tab\there\"", "01", "{\"a\": tru}", "[1.]", "{} {}",
};

START_TEST(test_walker_refuses)
{
	ck_assert_msg(!json_valid(not_json[_i]), "%s", not_json[_i]);
	ck_assert(json_valid("{\"a\": [1, -2.5e3, \"x\\u00e9\", true, null, {}]}"));
}
END_TEST

/* ---- The replay's JSON ---- */

static char pf_dir[] = "/tmp/check_prof_XXXXXX";
static char pf_trace[300];

static void pf_setup(void)
{
	char err[256];

	ck_assert_ptr_nonnull(mkdtemp(pf_dir));
	snprintf(pf_trace, sizeof(pf_trace), "%s/sim-dma.yaml", pf_dir);
	ck_assert_msg(!replay_synth("dma", pf_trace, err, sizeof(err)), "%s", err);
}

static void pf_teardown(void)
{
	char cmd[320];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", pf_dir);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(test_report_json)
{
	struct replay_opts o = { 0 };
	struct replay_result *r = malloc(sizeof(*r));
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	ck_assert_int_eq(replay_run(pf_trace, &o, r), REPLAY_PASS);
	replay_report_json(f, pf_trace, r);
	fclose(f);
	ck_assert_msg(json_valid(text), "%s", text);
	ck_assert_uint_eq(json_num(text, "events"), r->events);
	ck_assert_uint_eq(json_num(text, "commands"), r->commands);
	ck_assert_uint_eq(json_num(text, "payload_bytes"), r->payload);
	ck_assert_uint_eq(json_num(text, "exit"), 0);
	/* The phases add up to the mediator's total (decode is what is left). */
	ck_assert_uint_le(r->copy_ns + r->crypto_ns + r->device_ns, r->med_ns);
	ck_assert_uint_gt(r->crypto_ns, 0);
	ck_assert_uint_eq(r->dma_commands, 4);
	ck_assert_uint_le(r->op[0xC8].p50, r->op[0xC8].p99);
	ck_assert_uint_le(r->cmd_p90, r->cmd_max);
	ck_assert_uint_eq(json_count(text, "\"op\": "), 6); /* IDENTIFY, 4 DMA, FLUSH */
	free(text);
	free(r);
}
END_TEST

START_TEST(test_trace_events_json)
{
	char out[320], *text;
	struct replay_opts o = { .trace_out = out };
	struct replay_result *r = malloc(sizeof(*r));
	FILE *f;
	long len;

	snprintf(out, sizeof(out), "%s/perfetto.json", pf_dir);
	ck_assert_int_eq(replay_run(pf_trace, &o, r), REPLAY_PASS);
	f = fopen(out, "r");
	ck_assert_ptr_nonnull(f);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)len + 1);
	ck_assert_uint_eq(fread(text, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	ck_assert_msg(json_valid(text), "not JSON: %.300s", text);
	ck_assert_ptr_nonnull(strstr(text, "\"traceEvents\": ["));
	ck_assert_uint_eq(json_count(text, "\"ph\": \"X\""), r->commands); /* one a command */
	ck_assert_uint_eq(json_count(text, "\"ph\": \"C\""), 2 * r->commands);
	ck_assert_ptr_nonnull(strstr(text, "\"name\": \"READ DMA EXT\""));
	free(text);
	free(r);
}
END_TEST

Suite *replay_prof_suite(void)
{
	Suite *s = suite_create("replay_prof");
	TCase *tw = tcase_create("walker"), *tc = tcase_create("json");

	tcase_add_loop_test(tw, test_walker_refuses, 0, sizeof(not_json) / sizeof(not_json[0]));
	suite_add_tcase(s, tw);
	tcase_set_timeout(tc, 60);
	tcase_add_unchecked_fixture(tc, pf_setup, pf_teardown);
	tcase_add_test(tc, test_report_json);
	tcase_add_test(tc, test_trace_events_json);
	suite_add_tcase(s, tc);
	return s;
}
