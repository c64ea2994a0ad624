/*
 * replay_import_disk.c - the disk an import keeps so that DMA transfers
 * get their payloads (QEMU's trace events carry none): the initial image
 * plus every write so far gives what a read returns, and the write
 * payloads come from QEMU's blklogwrites log (dm-log-writes format,
 * little-endian, log-sector-size 512: a super block {u64 magic
 * 0x6a736677736872, u64 version 1, u64 nr_entries, u32 sector size}, then
 * per entry a header sector {u64 sector, u64 nr_sectors, u64 flags, u64
 * data_len} and nr_sectors of data; flags 1 FLUSH, 2 FUA, 4 DISCARD, 8
 * MARK). Writes are logged in completion order; an IDE channel runs one
 * command at a time, so they follow the trace's commands in order.
 */
#include <errno.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "replay_import_priv.h"

#define WL_MAGIC 0x6a736677736872ull
#define WL_FLUSH 1u
#define WL_DISCARD 4u
#define WL_MARK 8u

static uint64_t imp_le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static void imp_bit_set(uint8_t *map, uint64_t i)
{
	map[i / 8] |= (uint8_t)(1u << (i % 8));
}

static bool imp_bit(const uint8_t *map, uint64_t i)
{
	return map[i / 8] & (1u << (i % 8));
}

/* (Re)load the initial image; the sectors-needed map survives from pass 1 to pass 2. */
int imp_disk_load(struct imp_ctx *x)
{
	FILE *f = fopen(x->o->image, "rb");
	unsigned mdlen = 0;
	long size;

	if (!f)
		return imp_fail(x, "%s: %s", x->o->image, strerror(errno));
	if (fseek(f, 0, SEEK_END) || (size = ftell(f)) <= 0 || size % IMP_SECTOR || fseek(f, 0, SEEK_SET)) {
		fclose(f);
		return imp_fail(x, "%s: expected a disk image of whole 512-byte sectors", x->o->image);
	}
	x->sectors = (uint64_t)size / IMP_SECTOR;
	free(x->disk);
	free(x->written);
	x->disk = malloc((size_t)size);
	x->written = calloc(x->sectors / 8 + 1, 1);
	if (!x->needed)
		x->needed = calloc(x->sectors / 8 + 1, 1);
	if (!x->disk || !x->written || !x->needed || fread(x->disk, 1, (size_t)size, f) != (size_t)size) {
		fclose(f);
		return imp_fail(x, "%s: cannot read %ld bytes", x->o->image, size);
	}
	fclose(f);
	if (!EVP_Digest(x->disk, (size_t)size, x->sha256, &mdlen, EVP_sha256(), NULL))
		return imp_fail(x, "OpenSSL cannot hash the image");
	return 0;
}

int imp_wlog_open(struct imp_ctx *x)
{
	uint8_t sb[IMP_SECTOR];
	size_t n;

	if (x->wlog)
		fclose(x->wlog);
	x->wlog = NULL;
	x->wl_next = 0;
	x->wl_pos = IMP_SECTOR;
	if (!x->o->writes)
		return 0;
	x->wlog = fopen(x->o->writes, "rb");
	if (!x->wlog)
		return imp_fail(x, "%s: %s", x->o->writes, strerror(errno));
	n = fread(sb, 1, sizeof(sb), x->wlog);
	x->wl_entries = n == sizeof(sb) ? imp_le64(sb + 16) : 0;
	if (n == 0) /* a run that wrote nothing leaves the log empty, without a super block */
		return 0;
	if (n != sizeof(sb) || imp_le64(sb) != WL_MAGIC || imp_le64(sb + 8) != 1 ||
	    (sb[24] | sb[25] << 8 | sb[26] << 16 | (uint32_t)sb[27] << 24) != IMP_SECTOR)
		return imp_fail(x, "%s: expected a blklogwrites log (dm-log-writes version 1, "
				"log-sector-size=512)", x->o->writes);
	return 0;
}

void imp_disk_close(struct imp_ctx *x)
{
	if (x->wlog)
		fclose(x->wlog);
	x->wlog = NULL;
	free(x->disk);
	free(x->written);
	free(x->needed);
	x->disk = x->written = x->needed = NULL;
}

int imp_disk_read(struct imp_ctx *x, uint64_t lba, uint32_t n, uint8_t *out)
{
	if (lba > x->sectors || n > x->sectors - lba)
		return imp_fail(x, "a read of LBA %llu + %u sectors beyond the %llu-sector image",
				(unsigned long long)lba, n, (unsigned long long)x->sectors);
	for (uint32_t i = 0; i < n; i++)
		if (!imp_bit(x->written, lba + i))
			imp_bit_set(x->needed, lba + i);
	if (out)
		memcpy(out, x->disk + lba * IMP_SECTOR, (size_t)n * IMP_SECTOR);
	return 0;
}

void imp_disk_write(struct imp_ctx *x, uint64_t lba, uint32_t n, const uint8_t *data)
{
	memcpy(x->disk + lba * IMP_SECTOR, data, (size_t)n * IMP_SECTOR);
	for (uint32_t i = 0; i < n; i++)
		imp_bit_set(x->written, lba + i);
}

/* The next log entry's header; false at the end of the log. */
static bool imp_wlog_entry(struct imp_ctx *x, uint64_t *sector, uint64_t *nsect, uint64_t *flags,
			   uint64_t *skip)
{
	uint8_t h[IMP_SECTOR];

	if (!x->wlog || fseek(x->wlog, (long)x->wl_pos, SEEK_SET) ||
	    fread(h, 1, sizeof(h), x->wlog) != sizeof(h))
		return false;
	*sector = imp_le64(h);
	*nsect = imp_le64(h + 8);
	*flags = imp_le64(h + 16);
	/* Data of a MARK (data_len bytes) follows in whole sectors; writes carry nr_sectors. */
	*skip = *nsect + (imp_le64(h + 24) + IMP_SECTOR - 1) / IMP_SECTOR;
	return true;
}

int imp_wlog_take(struct imp_ctx *x, uint64_t lba, uint32_t n, uint8_t *out)
{
	uint64_t need = lba, end = lba + n, sector, nsect, flags, skip;

	if (!x->o->writes)
		return imp_fail(x, "a write of LBA %llu + %u sectors: its data is only in the write "
				"log (--writes)", (unsigned long long)lba, n);
	while (need < end) {
		if (!imp_wlog_entry(x, &sector, &nsect, &flags, &skip))
			return imp_fail(x, "the write log ends before the write of LBA %llu + %u sectors",
					(unsigned long long)lba, n);
		if (flags & WL_DISCARD)
			return imp_fail(x, "write log entry %llu is a DISCARD: not imported",
					(unsigned long long)x->wl_next);
		if (!(flags & (WL_FLUSH | WL_MARK)) || nsect) {
			if (sector != need || nsect > end - need)
				return imp_fail(x, "write log entry %llu writes LBA %llu + %llu sectors; the "
						"trace writes LBA %llu + %u here", (unsigned long long)x->wl_next,
						(unsigned long long)sector, (unsigned long long)nsect,
						(unsigned long long)lba, n);
			if (fread(out + (need - lba) * IMP_SECTOR, IMP_SECTOR, nsect, x->wlog) != nsect)
				return imp_fail(x, "the write log is cut inside entry %llu",
						(unsigned long long)x->wl_next);
			need += nsect;
		}
		x->wl_pos += (1 + skip) * IMP_SECTOR;
		x->wl_next++;
	}
	return 0;
}

int imp_wlog_end(struct imp_ctx *x)
{
	uint64_t sector, nsect, flags, skip;

	while (imp_wlog_entry(x, &sector, &nsect, &flags, &skip)) {
		if (!(flags & (WL_FLUSH | WL_MARK)) && !x->cut)
			return imp_fail(x, "the write log holds a write the trace does not show: entry "
					"%llu, LBA %llu + %llu sectors", (unsigned long long)x->wl_next,
					(unsigned long long)sector, (unsigned long long)nsect);
		x->wl_pos += (1 + skip) * IMP_SECTOR;
		x->wl_next++;
	}
	return 0;
}

static bool imp_zero(const uint8_t *s)
{
	for (unsigned i = 0; i < IMP_SECTOR; i++)
		if (s[i])
			return false;
	return true;
}

/* Runs of wanted sectors, gaps up to gap merged; the count, extents filled if ext. */
static uint32_t imp_runs(const struct imp_ctx *x, uint64_t gap, struct vmm_rec_extent *ext)
{
	uint32_t n = 0;
	uint64_t last = 0;

	for (uint64_t s = 0; s < x->sectors; s++) {
		if (!imp_bit(x->needed, s) || imp_zero(x->disk + s * IMP_SECTOR))
			continue;
		if (n && s - last <= gap + 1) {
			if (ext)
				ext[n - 1].nsect = (uint32_t)(s - ext[n - 1].lba + 1);
		} else {
			if (ext)
				ext[n] = (struct vmm_rec_extent){ .lba = s, .nsect = 1,
								  .data = x->disk + s * IMP_SECTOR };
			n++;
		}
		last = s;
	}
	return n;
}

int imp_overlay(struct imp_ctx *x, struct vmm_rec_extent **ext, uint32_t *n)
{
	uint64_t gap = 0, bytes = 0;

	while (imp_runs(x, gap, NULL) > VMM_REC_MAX_EXTENTS)
		gap = gap ? gap * 2 : 1;
	*n = imp_runs(x, gap, NULL);
	*ext = calloc(*n ? *n : 1, sizeof(**ext));
	if (!*ext)
		return imp_fail(x, "out of memory");
	imp_runs(x, gap, *ext);
	for (uint32_t i = 0; i < *n; i++)
		bytes += (uint64_t)(*ext)[i].nsect * IMP_SECTOR;
	if (bytes > VMM_REC_MAX_DATA)
		return imp_fail(x, "the trace reads %llu bytes of initial content: more than an "
				"overlay holds (32 MiB); import with the image", (unsigned long long)bytes);
	return 0;
}
