/*
 * replay_header.c - everything in a trace before its first event: the
 * format version, provenance, machine facts, disks and the test key
 * (replay/FORMAT.md "Header"). Each section is a field table; after every
 * section and every list item the whole header is checked again with the
 * encoder's own rules (vmm_rec_header_invalid), so a bad value is reported
 * at the item that made it bad.
 */
#include <stddef.h>
#include <string.h>

#include "replay_priv.h"

#define HDR(m) offsetof(struct vmm_rec_header, m)
#define DISK(m) offsetof(struct vmm_rec_disk, m)
#define CHAN(m) offsetof(struct vmm_rec_channel, m)

static const char *const policy_words[] = {
	[VMM_REC_DENY] = "deny", [VMM_REC_PASS] = "pass", [VMM_REC_ENCRYPT] = "encrypt",
};
static const char *const content_words[] = {
	[VMM_REC_ZERO] = "zero", [VMM_REC_PATTERN] = "pattern", [VMM_REC_IMAGE] = "image",
};

static const struct rt_field prov_fields[] = {
	{ .key = "guest", .type = RT_STR, .off = HDR(guest) },
	{ .key = "driver", .type = RT_STR, .off = HDR(driver) },
	{ .key = "source", .type = RT_STR, .off = HDR(source) },
	{ .key = "date", .type = RT_STR, .off = HDR(date) },
	{ .key = "tool", .type = RT_STR, .off = HDR(tool) },
};

static const struct rt_field chan_fields[] = {
	{ .key = "channel", .type = RT_UINT, .size = 1, .max = 3, .required = true, .off = CHAN(channel) },
	{ .key = "cmd", .type = RT_UINT, .size = 2, .max = 0xFFFF, .required = true, .off = CHAN(cmd) },
	{ .key = "ctl", .type = RT_UINT, .size = 2, .max = 0xFFFF, .required = true, .off = CHAN(ctl) },
	{ .key = "irq", .type = RT_UINT, .size = 1, .max = 15, .required = true, .off = CHAN(irq) },
};

enum {
	DISK_CHANNEL, DISK_DRIVE, DISK_SECTORS, DISK_CYLS, DISK_HEADS, DISK_SPT, DISK_POLICY,
	DISK_CONTENT, DISK_SEED, DISK_PATH, DISK_SHA, DISK_MULTIPLE, DISK_OVERLAY,
};
static int hdr_overlay(struct replay_trace *t, void *obj);
static const struct rt_field disk_fields[] = {
	[DISK_CHANNEL] = { .key = "channel", .type = RT_UINT, .size = 1, .max = 3, .required = true,
			   .off = DISK(channel) },
	[DISK_DRIVE] = { .key = "drive", .type = RT_UINT, .size = 1, .max = 1, .required = true,
			 .off = DISK(drive) },
	[DISK_SECTORS] = { .key = "sectors", .type = RT_UINT, .size = 8, .max = 1ull << 48,
			   .required = true, .off = DISK(sectors) },
	[DISK_CYLS] = { .key = "cyls", .type = RT_UINT, .size = 2, .max = 0xFFFF, .off = DISK(cyls) },
	[DISK_HEADS] = { .key = "heads", .type = RT_UINT, .size = 2, .max = 16, .off = DISK(heads) },
	[DISK_SPT] = { .key = "spt", .type = RT_UINT, .size = 2, .max = 255, .off = DISK(spt) },
	[DISK_POLICY] = { .key = "policy", .type = RT_WORD, .max = VMM_REC_ENCRYPT,
			  .words = policy_words, .required = true, .off = DISK(policy) },
	[DISK_CONTENT] = { .key = "content", .type = RT_WORD, .max = VMM_REC_IMAGE,
			   .words = content_words, .required = true, .off = DISK(content) },
	[DISK_SEED] = { .key = "seed", .type = RT_UINT, .size = 8, .max = UINT64_MAX,
			.off = DISK(seed) },
	[DISK_PATH] = { .key = "path", .type = RT_STR, .off = DISK(image) },
	[DISK_SHA] = { .key = "sha256", .type = RT_HEX, .size = VMM_REC_SHA256_SIZE,
		       .off = DISK(sha256) },
	[DISK_MULTIPLE] = { .key = "multiple", .type = RT_UINT, .size = 1, .max = 128,
			    .off = DISK(multiple) },
	[DISK_OVERLAY] = { .key = "overlay", .type = RT_CALL, .call = hdr_overlay },
};

/* One overlay extent as read: its first sector and its payload. */
struct hdr_extent {
	uint64_t lba;
	const uint8_t *data;
	size_t len;
};

static const struct rt_field extent_fields[] = {
	{ .key = "lba", .type = RT_UINT, .size = 8, .max = 1ull << 48, .required = true,
	  .off = offsetof(struct hdr_extent, lba) },
	{ .key = "data", .type = RT_BIN, .secret = true, .required = true,
	  .off = offsetof(struct hdr_extent, data), .off2 = offsetof(struct hdr_extent, len) },
};

/* Append one extent's sectors to the disk's overlay buffer; its offset in *off. */
static int hdr_extent_add(struct replay_trace *t, unsigned d, const struct hdr_extent *x,
			  uint32_t n, uint64_t *off, yaml_mark_t *at)
{
	struct vmm_rec_extent *e;
	uint8_t *p;

	if (!x->len || x->len % 512)
		return rt_fail(t, at, "an overlay extent holds whole sectors: %zu bytes", x->len);
	if (n == VMM_REC_MAX_EXTENTS || x->len > VMM_REC_MAX_DATA - t->ext_bytes)
		return rt_fail(t, at, "overlays hold at most 4096 extents a disk and 32 MiB in all");
	e = realloc(t->ext[d], (n + 1) * sizeof(*e));
	if (e)
		t->ext[d] = e;
	p = e ? realloc(t->ext_data[d], *off + x->len) : NULL;
	if (!p)
		return t->err = PP_ENOMEM;
	t->ext_data[d] = p;
	memcpy(p + *off, x->data, x->len);
	e[n] = (struct vmm_rec_extent){ .lba = x->lba, .nsect = (uint32_t)(x->len / 512) };
	*off += x->len;
	t->ext_bytes += x->len;
	return PP_OK;
}

/* overlay: [{lba: N, data: !!binary B}, ...] of the disk being read (FORMAT.md "Overlay"). */
static int hdr_overlay(struct replay_trace *t, void *obj)
{
	struct vmm_rec_disk *disk = obj;
	unsigned d = t->hdr.ndisks;
	uint64_t off = 0;
	uint32_t n = 0, seen;
	yaml_mark_t start;
	int rc;

	if (t->ev.type != YAML_SEQUENCE_START_EVENT)
		return rt_expected(t, "a list of overlay extents [{lba: N, data: !!binary B}, ...]");
	while (!(rc = rt_pull(t)) && t->ev.type != YAML_SEQUENCE_END_EVENT) {
		struct hdr_extent x = { 0 };

		if ((rc = rt_map(t, extent_fields, 2, &x, "an overlay extent", &seen, &start)) ||
		    (rc = hdr_extent_add(t, d, &x, n, &off, &start)))
			return rc;
		n++;
	}
	for (uint32_t k = 0, at = 0; !rc && k < n; at += t->ext[d][k++].nsect * 512u)
		t->ext[d][k].data = t->ext_data[d] + at;
	disk->extents = t->ext[d];
	disk->nextents = n;
	return rc;
}

/* Which of seed, path, sha256 each kind of content takes (bits by field index). */
static const uint32_t content_keys[] = {
	[VMM_REC_ZERO] = 0,
	[VMM_REC_PATTERN] = 1u << DISK_SEED,
	[VMM_REC_IMAGE] = 1u << DISK_PATH | 1u << DISK_SHA,
};

struct key_section {
	bool test_key;
	uint8_t xts[VMM_REC_KEY_SIZE];
};

static const struct rt_field key_fields[] = {
	{ .key = "test-key", .type = RT_BOOL, .required = true,
	  .off = offsetof(struct key_section, test_key) },
	{ .key = "xts", .type = RT_HEX, .size = VMM_REC_KEY_SIZE, .secret = true, .required = true,
	  .off = offsetof(struct key_section, xts) },
};

#define NFIELDS(f) (unsigned)(sizeof(f) / sizeof((f)[0]))

/* The header as far as read is still valid; else blame the item at mark. */
static int hdr_check(struct replay_trace *t, const yaml_mark_t *mark)
{
	const char *why = vmm_rec_header_invalid(&t->hdr);

	return why ? rt_fail(t, mark, "invalid header: %s", why) : PP_OK;
}

static int hdr_provenance(struct replay_trace *t, void *obj)
{
	yaml_mark_t start;
	uint32_t seen;
	int rc = rt_map(t, prov_fields, NFIELDS(prov_fields), obj, "the provenance", &seen, &start);

	return rc ? rc : hdr_check(t, &start);
}

static int hdr_channels(struct replay_trace *t, void *obj)
{
	struct vmm_rec_header *h = obj;
	yaml_mark_t start;
	uint32_t seen;
	int rc;

	if (t->ev.type != YAML_SEQUENCE_START_EVENT)
		return rt_expected(t, "a list of channels");
	while (!(rc = rt_pull(t)) && t->ev.type != YAML_SEQUENCE_END_EVENT) {
		if (h->nchannels == VMM_REC_MAX_CHANNELS)
			return rt_expected(t, "at most 4 channels");
		rc = rt_map(t, chan_fields, NFIELDS(chan_fields), &h->channel[h->nchannels],
			    "a channel", &seen, &start);
		h->nchannels++;
		if (rc || (rc = hdr_check(t, &start)))
			return rc;
	}
	return rc;
}

static const struct rt_field machine_fields[] = {
	{ .key = "prog-if", .type = RT_UINT, .size = 1, .max = 0xFF, .required = true,
	  .off = HDR(prog_if) },
	{ .key = "bm-base", .type = RT_UINT, .size = 2, .max = 0xFFFF, .required = true,
	  .off = HDR(bm_base) },
	{ .key = "channels", .type = RT_CALL, .call = hdr_channels, .required = true },
};

static int hdr_machine(struct replay_trace *t, void *obj)
{
	yaml_mark_t start;
	uint32_t seen;

	return rt_map(t, machine_fields, NFIELDS(machine_fields), obj, "the machine", &seen, &start);
}

static int hdr_disk(struct replay_trace *t, struct vmm_rec_disk *d)
{
	yaml_mark_t start;
	uint32_t seen, extra;
	int rc = rt_map(t, disk_fields, NFIELDS(disk_fields), d, "a disk", &seen, &start);

	if (rc)
		return rc;
	extra = (seen ^ content_keys[d->content]) &
		(content_keys[VMM_REC_PATTERN] | content_keys[VMM_REC_IMAGE]);
	for (unsigned i = DISK_SEED; i <= DISK_SHA; i++) {
		if (!(extra & (1u << i)))
			continue;
		if (seen & (1u << i))
			return rt_fail(t, &start, "key '%s' does not go with content: %s",
				       disk_fields[i].key, content_words[d->content]);
		return rt_fail(t, &start, "expected a mapping key '%s' for content: %s",
			       disk_fields[i].key, content_words[d->content]);
	}
	return PP_OK;
}

static int hdr_disks(struct replay_trace *t, void *obj)
{
	struct vmm_rec_header *h = obj;
	yaml_mark_t start;
	int rc;

	if (t->ev.type != YAML_SEQUENCE_START_EVENT)
		return rt_expected(t, "a list of disks");
	while (!(rc = rt_pull(t)) && t->ev.type != YAML_SEQUENCE_END_EVENT) {
		if (h->ndisks == VMM_REC_MAX_DISKS)
			return rt_expected(t, "at most 8 disks");
		start = t->ev.start_mark;
		rc = hdr_disk(t, &h->disk[h->ndisks]);
		h->ndisks++;
		if (rc || (rc = hdr_check(t, &start)))
			return rc;
	}
	return rc;
}

static int hdr_key(struct replay_trace *t, void *obj)
{
	struct vmm_rec_header *h = obj;
	struct key_section k = { 0 };
	yaml_mark_t start;
	uint32_t seen;
	int rc = rt_map(t, key_fields, NFIELDS(key_fields), &k, "the key", &seen, &start);

	if (!rc && !k.test_key)
		rc = rt_fail(t, &start, "a trace only ever carries a test key: expected 'test-key: true'");
	if (!rc) {
		h->has_key = h->test_key = true;
		memcpy(h->key, k.xts, sizeof(h->key));
	}
	memset(&k, 0, sizeof(k));
	return rc;
}

/* The header's sections; "events" ends the header and must come last. */
enum { SEC_PROV, SEC_MACHINE, SEC_DISKS, SEC_KEY, SEC_EVENTS };
static const struct rt_field sections[] = {
	[SEC_PROV] = { .key = "provenance", .type = RT_CALL, .call = hdr_provenance },
	[SEC_MACHINE] = { .key = "machine", .type = RT_CALL, .call = hdr_machine, .required = true },
	[SEC_DISKS] = { .key = "disks", .type = RT_CALL, .call = hdr_disks, .required = true },
	[SEC_KEY] = { .key = "key", .type = RT_CALL, .call = hdr_key },
	[SEC_EVENTS] = { .key = "events", .type = RT_CALL, .required = true },
};

static int hdr_version(struct replay_trace *t)
{
	uint64_t v;
	int rc;

	if ((rc = rt_expect(t, YAML_STREAM_START_EVENT, "a YAML stream")) ||
	    (rc = rt_expect(t, YAML_DOCUMENT_START_EVENT, "a YAML document")) ||
	    (rc = rt_expect(t, YAML_MAPPING_START_EVENT, "a trace (a mapping, first key 'parapass-trace')")))
		return rc;
	if ((rc = rt_pull(t)))
		return rc;
	if (t->ev.type != YAML_SCALAR_EVENT ||
	    strcmp((const char *)t->ev.data.scalar.value, "parapass-trace"))
		return rt_expected(t, "the mapping key 'parapass-trace' first");
	if ((rc = rt_pull(t)) || (rc = rt_uint(t, UINT32_MAX, &v)))
		return rc;
	if (v != VMM_REC_VERSION)
		return rt_fail(t, &t->ev.start_mark,
			       "unsupported trace format version %llu (this parapass reads version %u)",
			       (unsigned long long)v, VMM_REC_VERSION);
	t->hdr.version = (uint32_t)v;
	return PP_OK;
}

static int hdr_section(struct replay_trace *t, uint32_t *seen)
{
	const char *key = (const char *)t->ev.data.scalar.value;

	for (unsigned i = 0; i < NFIELDS(sections); i++) {
		if (strcmp(key, sections[i].key))
			continue;
		if (*seen & (1u << i))
			return rt_fail(t, &t->ev.start_mark, "key '%s' given twice", key);
		*seen |= 1u << i;
		if (i == SEC_EVENTS)
			return PP_OK;
		return rt_pull(t) ?: sections[i].call(t, &t->hdr);
	}
	if (!strncmp(key, "x-", 2))
		return rt_pull(t) ?: rt_skip(t);
	return rt_expected(t, "a header key (provenance, machine, disks, key, events)");
}

int rt_header(struct replay_trace *t)
{
	uint32_t seen = 0;
	yaml_mark_t events;
	int rc = hdr_version(t);

	while (!rc && !(seen & (1u << SEC_EVENTS))) {
		if ((rc = rt_pull(t)))
			break;
		if (t->ev.type != YAML_SCALAR_EVENT) {
			rc = rt_expected(t, "a header key, and the key 'events' last");
			break;
		}
		rc = hdr_section(t, &seen);
	}
	if (rc)
		return rc;
	events = t->ev.start_mark;
	for (unsigned i = 0; i < NFIELDS(sections); i++)
		if (sections[i].required && !(seen & (1u << i)))
			return rt_fail(t, &events, "expected a mapping key '%s' before 'events'",
				       sections[i].key);
	if ((rc = rt_expect(t, YAML_SEQUENCE_START_EVENT, "the list of events")))
		return rc;
	return hdr_check(t, &events);
}
