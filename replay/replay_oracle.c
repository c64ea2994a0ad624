/*
 * replay_oracle.c - the independent oracle: OpenSSL's AES-256-XTS
 * (EVP_aes_256_xts, tweak = LE64(LBA): dm-crypt aes-xts-plain64) and
 * SHA-256, never crypto/. It builds the disks' initial plaintext, and
 * judges the mediated run's final disks: an encrypted disk must hold
 * exactly OpenSSL-XTS(expected plaintext) sector for sector, a plain one
 * the plaintext, a denied one what it started with; and no sector the
 * guest wrote may appear in the clear on an encrypted disk.
 */
#define _GNU_SOURCE /* asprintf */
#include <errno.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "hal/sim/sim.h"
#include "replay_engine_priv.h"

int rp_xts(bool enc, const uint8_t key[VMM_REC_KEY_SIZE], uint64_t lba, const uint8_t *in,
	   uint8_t *out, uint64_t nsect)
{
	EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
	int ok = x && EVP_CipherInit_ex(x, EVP_aes_256_xts(), NULL, key, NULL, enc);

	for (uint64_t s = 0; ok && s < nsect; s++) {
		uint8_t iv[16] = { 0 };
		uint64_t t = lba + s;
		int len;

		for (unsigned i = 0; i < 8; i++) /* plain64: little-endian, zero-padded */
			iv[i] = (uint8_t)(t >> (8 * i));
		ok = EVP_CipherInit_ex(x, NULL, NULL, NULL, iv, enc) &&
		     EVP_CipherUpdate(x, out + s * RP_SECTOR, &len, in + s * RP_SECTOR, RP_SECTOR);
	}
	EVP_CIPHER_CTX_free(x);
	return ok ? PP_OK : PP_EINVAL;
}

/* ---- Initial content ---- */

static int rp_image(struct rp_ctx *c, struct rp_disk *d, const struct vmm_rec_disk *hd)
{
	uint8_t md[32];
	unsigned mdlen = 0;
	char *path = NULL;
	FILE *f;
	size_t n;
	int rc;

	if (hd->image[0] == '/')
		path = strdup(hd->image);
	else if (asprintf(&path, "%s/%s", c->dir, hd->image) < 0)
		path = NULL;
	if (!path)
		return rp_fail(c, REPLAY_BADINPUT, "out of memory");
	f = fopen(path, "rb");
	if (!f) {
		rc = rp_fail(c, REPLAY_BADINPUT, "disk image %s: %s", path, strerror(errno));
		free(path);
		return rc;
	}
	n = fread(d->init, 1, d->sectors * RP_SECTOR, f);
	rc = n == d->sectors * RP_SECTOR && fgetc(f) == EOF;
	fclose(f);
	if (!rc) {
		rc = rp_fail(c, REPLAY_BADINPUT, "disk image %s: expected exactly %llu bytes (%llu sectors)",
			     path, (unsigned long long)(d->sectors * RP_SECTOR),
			     (unsigned long long)d->sectors);
		free(path);
		return rc;
	}
	if (!EVP_Digest(d->init, n, md, &mdlen, EVP_sha256(), NULL) || memcmp(md, hd->sha256, 32)) {
		rc = rp_fail(c, REPLAY_BADINPUT, "disk image %s: its SHA-256 is not the trace's", path);
		free(path);
		return rc;
	}
	free(path);
	return PP_OK;
}

int rp_load_disks(struct rp_ctx *c, const struct vmm_rec_header *h)
{
	for (unsigned i = 0; i < h->ndisks; i++) {
		const struct vmm_rec_disk *hd = &h->disk[i];
		struct rp_disk *d = &c->disk[i];

		d->ch = hd->channel;
		d->drv = hd->drive;
		d->policy = hd->policy;
		d->sectors = hd->sectors;
		if (d->sectors > (SIZE_MAX / 4) / RP_SECTOR)
			return rp_fail(c, REPLAY_BADINPUT, "disk %u: %llu sectors is too large to replay",
				       i, (unsigned long long)d->sectors);
		d->init = calloc(d->sectors, RP_SECTOR);
		d->expect = malloc(d->sectors * RP_SECTOR);
		if (!d->init || !d->expect)
			return rp_fail(c, REPLAY_BADINPUT, "disk %u: no memory for %llu sectors", i,
				       (unsigned long long)d->sectors);
		c->ndisks = i + 1;
		if (hd->content == VMM_REC_PATTERN)
			replay_pattern_fill(hd->seed, 0, d->init, d->sectors);
		else if (hd->content == VMM_REC_IMAGE && rp_image(c, d, hd))
			return -1;
		for (uint32_t k = 0; k < hd->nextents; k++) /* checked inside the disk by the reader */
			memcpy(d->init + hd->extents[k].lba * RP_SECTOR, hd->extents[k].data,
			       (size_t)hd->extents[k].nsect * RP_SECTOR);
	}
	return PP_OK;
}

/* ---- Sectors the guest wrote ---- */

static uint64_t rp_hash(const uint8_t *s)
{
	uint64_t h = 0x6A09E667F3BCC908ull;

	for (unsigned i = 0; i < RP_SECTOR; i += 8) {
		uint64_t w;

		memcpy(&w, s + i, 8);
		h = (h ^ w) * 0x9E3779B97F4A7C15ull;
		h ^= h >> 29;
	}
	h = (h ^ (h >> 32)) * 0xBF58476D1CE4E5B9ull;
	return (h ^ (h >> 31)) | 1; /* 0 marks an empty slot */
}

static bool rp_zero(const uint8_t *s)
{
	static const uint8_t zero[RP_SECTOR];

	return !memcmp(s, zero, RP_SECTOR);
}

static bool rp_wset_has(const struct rp_ctx *c, uint64_t h)
{
	for (size_t i = h & (c->wcap - 1);; i = (i + 1) & (c->wcap - 1)) {
		if (c->wset[i] == h)
			return true;
		if (!c->wset[i])
			return false;
	}
}

static void rp_wset_put(uint64_t *set, size_t cap, uint64_t h)
{
	size_t i = h & (cap - 1);

	while (set[i] && set[i] != h)
		i = (i + 1) & (cap - 1);
	set[i] = h;
}

int rp_written(struct rp_ctx *c, const uint8_t *sector)
{
	uint64_t h;

	if (rp_zero(sector))
		return PP_OK;
	h = rp_hash(sector);
	if (c->wcap && rp_wset_has(c, h))
		return PP_OK;
	if ((c->wcount + 1) * 2 > c->wcap) { /* keep it at most half full */
		size_t cap = c->wcap ? c->wcap * 2 : 1024;
		uint64_t *set = calloc(cap, sizeof(*set));

		if (!set)
			return PP_ENOMEM;
		for (size_t i = 0; i < c->wcap; i++)
			if (c->wset[i])
				rp_wset_put(set, cap, c->wset[i]);
		free(c->wset);
		c->wset = set;
		c->wcap = cap;
	}
	rp_wset_put(c->wset, c->wcap, h);
	c->wcount++;
	return PP_OK;
}

/* ---- The final disks ---- */

static const char *rp_disk_name(const struct rp_disk *d, char *buf, size_t n)
{
	snprintf(buf, n, "ata%u-%s", d->ch, d->drv ? "slave" : "master");
	return buf;
}

/* An encrypted disk: ciphertext of the expected plaintext, and none of what was written in the clear. */
static int rp_check_encrypted(struct rp_ctx *c, const struct rp_disk *d, const uint8_t *disk)
{
	enum { CHUNK = 2048 };
	uint8_t *want = malloc(CHUNK * RP_SECTOR);
	char name[32];

	if (!want)
		return rp_fail(c, REPLAY_BADINPUT, "out of memory");
	for (uint64_t s = 0; s < d->sectors; s += CHUNK) {
		uint64_t n = d->sectors - s < CHUNK ? d->sectors - s : CHUNK, k = 0;

		if (rp_xts(true, c->key, s, d->expect + s * RP_SECTOR, want, n)) {
			free(want);
			return rp_fail(c, REPLAY_BADINPUT, "OpenSSL refused the trace's key");
		}
		while (k < n && !memcmp(disk + (s + k) * RP_SECTOR, want + k * RP_SECTOR, RP_SECTOR))
			k++;
		if (k == n)
			continue;
		free(want);
		return rp_fail(c, REPLAY_MISMATCH,
			       "disk %s sector %llu is not OpenSSL-XTS of the expected plaintext%s",
			       rp_disk_name(d, name, sizeof(name)), (unsigned long long)(s + k),
			       memcmp(disk + (s + k) * RP_SECTOR, d->expect + (s + k) * RP_SECTOR,
				      RP_SECTOR) ? "" : ": it holds the plaintext");
	}
	free(want);
	for (uint64_t s = 0; c->wcap && s < d->sectors; s++) {
		const uint8_t *got = disk + s * RP_SECTOR;

		if (!rp_zero(got) && rp_wset_has(c, rp_hash(got)))
			return rp_fail(c, REPLAY_MISMATCH,
				       "disk %s sector %llu holds in the clear a sector the guest wrote",
				       rp_disk_name(d, name, sizeof(name)), (unsigned long long)s);
	}
	return PP_OK;
}

int rp_check_disks(struct rp_ctx *c)
{
	char name[32];

	c->evno = c->line = 0; /* a disk mismatch belongs to no event */
	for (unsigned i = 0; i < c->ndisks; i++) {
		const struct rp_disk *d = &c->disk[i];
		const uint8_t *disk = sim_disk_data(d->ch, d->drv);
		const uint8_t *want = d->policy == VMM_REC_DENY ? d->init : d->expect;

		if (!disk)
			return rp_fail(c, REPLAY_BADINPUT, "disk %u is not on the simulated machine", i);
		if (d->policy == VMM_REC_ENCRYPT) {
			if (rp_check_encrypted(c, d, disk))
				return -1;
		} else {
			for (uint64_t s = 0; s < d->sectors; s++)
				if (memcmp(disk + s * RP_SECTOR, want + s * RP_SECTOR, RP_SECTOR))
					return rp_fail(c, REPLAY_MISMATCH,
						       "disk %s (%s) sector %llu differs from the %s",
						       rp_disk_name(d, name, sizeof(name)),
						       d->policy == VMM_REC_DENY ? "deny" : "pass",
						       (unsigned long long)s,
						       d->policy == VMM_REC_DENY ? "initial content" :
										  "expected plaintext");
		}
		c->r->checked_sectors += d->sectors;
	}
	c->r->written_sectors = c->wcount;
	return PP_OK;
}
