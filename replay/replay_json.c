/*
 * replay_json.c - machine-readable output: a replay's outcome and profile
 * as one JSON object (RFC 8259), and the Chrome trace-event format
 * (the "JSON Object Format" of the Trace Event Format document, which
 * ui.perfetto.dev and chrome://tracing open): one complete event ("X")
 * per ATA command on the engine's clock, a thread per channel, and
 * counters ("C") for the payload moved and the mediator's phases.
 */
#include <string.h>

#include "ata/ata.h"
#include "replay_engine_priv.h"

/* A JSON string: quotes, backslashes and control characters escaped. */
static void rp_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch < 0x20)
			fprintf(f, "\\u%04x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

static void rp_json_u(FILE *f, const char *key, uint64_t v, bool comma)
{
	fprintf(f, "\"%s\": %llu%s", key, (unsigned long long)v, comma ? ", " : "");
}

static void rp_json_ops(FILE *f, const struct replay_result *r)
{
	bool first = true;

	fprintf(f, "\"commands_by_type\": [");
	for (unsigned op = 0; op < 256; op++) {
		const struct replay_op_stat *s = &r->op[op];
		char hex[8];

		if (!s->count)
			continue;
		snprintf(hex, sizeof(hex), "0x%02x", op);
		fprintf(f, "%s{\"op\": \"%s\", \"name\": ", first ? "" : ", ", hex);
		rp_json_str(f, rp_op_name((uint8_t)op));
		fprintf(f, ", ");
		rp_json_u(f, "count", s->count, true);
		rp_json_u(f, "bytes", s->bytes, true);
		rp_json_u(f, "invocations", s->invocations, true);
		rp_json_u(f, "p50_ns", s->p50, true);
		rp_json_u(f, "p90_ns", s->p90, true);
		rp_json_u(f, "p99_ns", s->p99, true);
		rp_json_u(f, "max_ns", s->max, false);
		fputc('}', f);
		first = false;
	}
	fputc(']', f);
}

static void rp_json_profile(FILE *f, const struct replay_result *r)
{
	double pio = r->pio_sectors ? (double)r->pio_invocations / (double)r->pio_sectors : 0;
	double dma = r->dma_commands ? (double)r->dma_invocations / (double)r->dma_commands : 0;
	double mbs = r->engine_ns ? (double)r->payload * 1e3 / (double)r->engine_ns : 0;

	fprintf(f, "\"time_ns\": {");
	rp_json_u(f, "engine", r->engine_ns, true);
	rp_json_u(f, "reader", r->reader_ns, true);
	rp_json_u(f, "total", r->total_ns, false);
	fprintf(f, "}, \"mediator\": {");
	rp_json_u(f, "invocations", r->med_invocations, true);
	rp_json_u(f, "total_ns", r->med_ns, true);
	rp_json_u(f, "decode_ns", r->decode_ns, true);
	rp_json_u(f, "copy_ns", r->copy_ns, true);
	rp_json_u(f, "crypto_ns", r->crypto_ns, true);
	rp_json_u(f, "device_ns", r->device_ns, false);
	fprintf(f, "}, \"pio\": {");
	rp_json_u(f, "sectors", r->pio_sectors, true);
	rp_json_u(f, "invocations", r->pio_invocations, true);
	fprintf(f, "\"invocations_per_sector\": %.4f}, \"dma\": {", pio);
	rp_json_u(f, "commands", r->dma_commands, true);
	rp_json_u(f, "invocations", r->dma_invocations, true);
	rp_json_u(f, "bytes", r->dma_bytes, true);
	fprintf(f, "\"invocations_per_command\": %.4f}, \"payload_mb_s\": %.3f, ", dma, mbs);
	fprintf(f, "\"latency_ns\": {");
	rp_json_u(f, "p50", r->cmd_p50, true);
	rp_json_u(f, "p90", r->cmd_p90, true);
	rp_json_u(f, "p99", r->cmd_p99, true);
	rp_json_u(f, "max", r->cmd_max, false);
	fprintf(f, "}, ");
	rp_json_ops(f, r);
}

void replay_report_json(FILE *f, const char *path, const struct replay_result *r)
{
	static const char *const words[] = {
		[REPLAY_PASS] = "pass", [REPLAY_MISMATCH] = "mismatch", [REPLAY_BADINPUT] = "bad-input",
	};

	fprintf(f, "{\"trace\": ");
	rp_json_str(f, path);
	fprintf(f, ", \"status\": \"%s\", \"exit\": %d, \"message\": ", words[r->status], r->status);
	rp_json_str(f, r->msg);
	fprintf(f, ", ");
	rp_json_u(f, "event", r->event, true);
	rp_json_u(f, "line", r->line, true);
	rp_json_u(f, "events", r->events, true);
	rp_json_u(f, "commands", r->commands, true);
	rp_json_u(f, "payload_bytes", r->payload, true);
	rp_json_u(f, "checked_sectors", r->checked_sectors, true);
	rp_json_u(f, "written_sectors", r->written_sectors, true);
	fprintf(f, "\"matched_by_meaning\": {");
	rp_json_u(f, "polls_added", r->polls_added, true);
	rp_json_u(f, "transitional", r->transitional, true);
	rp_json_u(f, "dma_held", r->dma_held, true);
	rp_json_u(f, "floating", r->floating, true);
	rp_json_u(f, "identity", r->identity, true);
	rp_json_u(f, "device_model", r->model, false);
	fprintf(f, "}, \"device_model_first\": ");
	rp_json_str(f, r->model_first);
	fprintf(f, ", ");
	rp_json_profile(f, r);
	fputc('}', f);
}

/* ---- Chrome trace events ---- */

static double rp_us(const struct rp_ctx *c, uint64_t cyc)
{
	return (double)rp_cyc_ns(c, cyc) / 1e3;
}

int rp_perfetto_open(struct rp_ctx *c, const char *path)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return rp_fail(c, REPLAY_BADINPUT, "%s: cannot create the trace-event file", path);
	c->prof.perfetto = f;
	fprintf(f, "{\"displayTimeUnit\": \"ns\", \"otherData\": {\"clock\": \"replay engine CPU "
		   "time\", \"trace\": ");
	rp_json_str(f, c->path);
	fprintf(f, "}, \"traceEvents\": [\n{\"name\": \"process_name\", \"ph\": \"M\", \"pid\": 1, "
		   "\"args\": {\"name\": ");
	rp_json_str(f, c->path);
	fprintf(f, "}}");
	for (unsigned i = 0; i < VMM_REC_MAX_CHANNELS; i++)
		if (c->ch[i].listed)
			fprintf(f, ",\n{\"name\": \"thread_name\", \"ph\": \"M\", \"pid\": 1, \"tid\": %u, "
				   "\"args\": {\"name\": \"ata%u\"}}", i, i);
	return PP_OK;
}

void rp_perfetto_cmd(struct rp_ctx *c, const struct rp_chan *ch, unsigned idx, uint64_t cyc)
{
	FILE *f = c->prof.perfetto;
	double end = rp_us(c, ch->t_start + cyc);

	fprintf(f, ",\n{\"name\": ");
	rp_json_str(f, rp_op_name(ch->op));
	fprintf(f, ", \"cat\": \"ata\", \"ph\": \"X\", \"pid\": 1, \"tid\": %u, \"ts\": %.3f, "
		   "\"dur\": %.3f, \"args\": {\"op\": \"0x%02x\", \"event\": %llu, \"bytes\": %llu, "
		   "\"invocations\": %llu, \"crypto_us\": %.3f, \"copy_us\": %.3f, \"device_us\": "
		   "%.3f}}", idx, rp_us(c, ch->t_start), rp_us(c, cyc), ch->op,
		(unsigned long long)ch->ev_start, (unsigned long long)ch->bytes,
		(unsigned long long)ch->inv, rp_us(c, ata_stats.cyc_crypto - ch->cyc_crypto),
		rp_us(c, ata_stats.cyc_copy - ch->cyc_copy),
		rp_us(c, ata_stats.cyc_device - ch->cyc_device));
	fprintf(f, ",\n{\"name\": \"payload\", \"ph\": \"C\", \"pid\": 1, \"ts\": %.3f, \"args\": "
		   "{\"MiB\": %.4f}}", end, (double)c->prof.payload / 1048576.0);
	fprintf(f, ",\n{\"name\": \"mediator\", \"ph\": \"C\", \"pid\": 1, \"ts\": %.3f, \"args\": "
		   "{\"crypto_us\": %.3f, \"copy_us\": %.3f, \"device_us\": %.3f, \"all_us\": %.3f}}",
		end, rp_us(c, ata_stats.cyc_crypto), rp_us(c, ata_stats.cyc_copy),
		rp_us(c, ata_stats.cyc_device), rp_us(c, ata_stats.cyc_total));
}

int rp_perfetto_close(struct rp_ctx *c)
{
	FILE *f = c->prof.perfetto;
	int bad;

	fprintf(f, "\n]}\n");
	bad = ferror(f);
	bad |= fclose(f);
	c->prof.perfetto = NULL;
	return bad ? PP_EIO : PP_OK;
}
