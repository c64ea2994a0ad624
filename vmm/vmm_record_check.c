/*
 * vmm_record_check.c - what may be in a trace: the rules the encoder
 * checks before it writes and the reader checks after it parses, kept in
 * one place so that the two can never disagree (replay/FORMAT.md).
 * Freestanding.
 */
#include "vmm.h"

/* ---- What may be in a trace ---- */

static bool rec_width_ok(unsigned w)
{
	return w == 1 || w == 2 || w == 4;
}

static const char *rec_dma_invalid(const struct vmm_rec_event *ev)
{
	if (ev->channel >= VMM_REC_MAX_CHANNELS)
		return "channel must be below 4";
	if (ev->bytes > VMM_REC_MAX_DATA)
		return "bytes exceeds 32 MiB, the largest ATA transfer";
	if (ev->kind == VMM_REC_DMA_START && (!ev->nprd || ev->nprd > VMM_REC_MAX_PRD))
		return "a PRD table holds 1 to 8192 entries";
	if (ev->kind == VMM_REC_DMA_START && !ev->prd)
		return "prd is missing";
	/* Payload: what the guest wrote (start of a write), what it must read (end of a read). */
	if ((ev->kind == VMM_REC_DMA_START) == ev->write) {
		if (ev->len != ev->bytes)
			return "payload length does not match bytes";
	} else if (ev->len) {
		return "payload not allowed here (writes carry it at dma-start, reads at dma-done)";
	}
	return NULL;
}

const char *vmm_rec_event_invalid(const struct vmm_rec_event *ev)
{
	switch (ev->kind) {
	case VMM_REC_IN:
	case VMM_REC_OUT:
		if (!rec_width_ok(ev->width))
			return "width must be 1, 2 or 4";
		if (ev->width < 4 && ev->value >> (8 * ev->width))
			return "value does not fit in width bytes";
		return ev->len ? "payload not allowed in a single port access" : NULL;
	case VMM_REC_INS:
	case VMM_REC_OUTS:
		if (!rec_width_ok(ev->width))
			return "width must be 1, 2 or 4";
		if (!ev->count || ev->count > VMM_REC_MAX_DATA / ev->width)
			return "count must be 1 .. 32 MiB / width";
		return ev->len != (size_t)ev->count * ev->width ?
			       "payload length does not match count * width" : NULL;
	case VMM_REC_DMA_START:
	case VMM_REC_DMA_DONE:
		return rec_dma_invalid(ev);
	case VMM_REC_IRQ:
		if (ev->irq > 15)
			return "irq must be 0 .. 15";
		return ev->len ? "payload not allowed in an irq record" : NULL;
	case VMM_REC_END:
		return ev->len ? "payload not allowed in the end record" : NULL;
	default:
		return "unknown event kind";
	}
}

static const char *rec_str_invalid(const char *s)
{
	return s && vmm_strlen(s) > VMM_REC_MAX_STR ? "a string exceeds 256 bytes" : NULL;
}

/* Overlay extents: inside the disk, ascending and apart; *bytes adds their size. */
static const char *rec_extents_invalid(const struct vmm_rec_disk *d, uint64_t *bytes)
{
	uint64_t next = 0;

	if (d->nextents > VMM_REC_MAX_EXTENTS)
		return "at most 4096 overlay extents a disk";
	for (uint32_t k = 0; k < d->nextents; k++) {
		const struct vmm_rec_extent *x = &d->extents[k];

		if (!x->nsect || !x->data)
			return "an overlay extent holds at least one sector";
		if (x->lba < next || x->lba > d->sectors || x->nsect > d->sectors - x->lba)
			return "overlay extents lie inside the disk, ascending and apart";
		next = x->lba + x->nsect;
		*bytes += (uint64_t)x->nsect * 512;
	}
	return *bytes > VMM_REC_MAX_DATA ? "overlays hold at most 32 MiB in a trace" : NULL;
}

static const char *rec_disk_invalid(const struct vmm_rec_header *h, unsigned i)
{
	const struct vmm_rec_disk *d = &h->disk[i];

	if (d->channel >= VMM_REC_MAX_CHANNELS || d->drive > 1)
		return "a disk needs channel 0 .. 3 and drive 0 or 1";
	for (unsigned j = 0; j < i; j++)
		if (h->disk[j].channel == d->channel && h->disk[j].drive == d->drive)
			return "two disks on the same channel and drive";
	if (!d->sectors || d->sectors > (1ull << 48))
		return "sectors must be 1 .. 2^48 (LBA48)";
	if (d->heads > 16 || d->spt > 255)
		return "geometry: heads 0 .. 16, spt 0 .. 255";
	if (d->multiple & (d->multiple - 1))
		return "multiple: a power of two up to 128, or 0 for off";
	if (d->policy > VMM_REC_ENCRYPT)
		return "policy must be encrypt, pass or deny";
	if (d->content > VMM_REC_IMAGE)
		return "content must be zero, pattern or image";
	if (d->content == VMM_REC_IMAGE && (!d->image || !d->image[0]))
		return "an image disk needs a path";
	return rec_str_invalid(d->image);
}

const char *vmm_rec_header_invalid(const struct vmm_rec_header *h)
{
	const char *const strs[] = { h->guest, h->driver, h->source, h->date, h->tool };
	const char *why;
	uint64_t bytes = 0;

	if (h->version != VMM_REC_VERSION)
		return "unsupported trace format version (this parapass reads version 1)";
	for (unsigned i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		if ((why = rec_str_invalid(strs[i])))
			return why;
	if (h->nchannels > VMM_REC_MAX_CHANNELS || h->ndisks > VMM_REC_MAX_DISKS)
		return "at most 4 channels and 8 disks";
	for (unsigned i = 0; i < h->nchannels; i++) {
		if (h->channel[i].channel >= VMM_REC_MAX_CHANNELS || h->channel[i].irq > 15)
			return "a channel needs channel 0 .. 3 and irq 0 .. 15";
		for (unsigned j = 0; j < i; j++)
			if (h->channel[j].channel == h->channel[i].channel)
				return "a channel is listed twice";
	}
	for (unsigned i = 0; i < h->ndisks; i++)
		if ((why = rec_disk_invalid(h, i)) || (why = rec_extents_invalid(&h->disk[i], &bytes)))
			return why;
	if (h->has_key && !h->test_key)
		return "a trace only ever carries a test key (test-key: true)";
	return NULL;
}
