/*
 * xts_oracle_lib.c - the oracle's cipher and pattern counter (xts_oracle.h).
 * Deliberately independent of crypto/: if both shared a bug, a disk
 * encrypted by parapass would still "verify". OpenSSL's XTS follows IEEE
 * 1619-2007 section 5.1; the IV it takes is the tweak i as 16 bytes, which
 * dm-crypt's plain64 sets to the little-endian LBA, zero-padded.
 */
#define _GNU_SOURCE /* SEEK_DATA, SEEK_HOLE, memmem */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "xts_oracle.h"

/* Bytes read per pread while counting. */
#define XO_CHUNK (1u << 20)

int xo_key_check(const uint8_t key[XO_KEY_SIZE])
{
	/* IEEE 1619 requires Key1 != Key2; equal halves also betray a bad generator. */
	if (CRYPTO_memcmp(key, key + XO_KEY_SIZE / 2, XO_KEY_SIZE / 2) == 0)
		return XO_EKEY;
	return XO_OK;
}

void xo_tweak(uint64_t lba, uint8_t iv[16])
{
	for (int i = 0; i < 8; i++)
		iv[i] = (uint8_t)(lba >> (8 * i));
	memset(iv + 8, 0, 8);
}

int xo_crypt(const uint8_t key[XO_KEY_SIZE], int enc, uint64_t first_lba,
	     const uint8_t *in, uint8_t *out, size_t nsectors)
{
	EVP_CIPHER_CTX *ctx;
	uint8_t iv[16];
	int rc = XO_OK, outl;

	if (xo_key_check(key))
		return XO_EKEY;
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx)
		return XO_ECRYPTO;
	/* Expand the key once; each sector then only sets its IV. */
	if (EVP_CipherInit_ex(ctx, EVP_aes_256_xts(), NULL, key, NULL, enc ? 1 : 0) != 1)
		rc = XO_ECRYPTO;
	for (size_t s = 0; rc == XO_OK && s < nsectors; s++) {
		size_t off = s * XO_SECTOR;

		xo_tweak(first_lba + s, iv);
		if (EVP_CipherInit_ex(ctx, NULL, NULL, NULL, iv, -1) != 1 ||
		    EVP_CipherUpdate(ctx, out + off, &outl, in + off, XO_SECTOR) != 1 ||
		    outl != XO_SECTOR)
			rc = XO_ECRYPTO;
	}
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

uint64_t xo_count_mem(const uint8_t *buf, size_t n, const uint8_t *pat, size_t plen)
{
	const uint8_t *p = buf, *end = buf + n;
	uint64_t count = 0;

	if (plen == 0)
		return 0;
	while ((size_t)(end - p) >= plen) {
		const uint8_t *hit = memmem(p, (size_t)(end - p), pat, plen);

		if (!hit)
			break;
		count++;
		p = hit + 1; /* overlapping occurrences count too */
	}
	return count;
}

static int xo_pread_all(int fd, uint8_t *buf, size_t len, uint64_t off)
{
	while (len) {
		ssize_t got = pread(fd, buf, len, (off_t)off);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return XO_EIO;
		buf += got;
		len -= (size_t)got;
		off += (uint64_t)got;
	}
	return XO_OK;
}

/*
 * Count occurrences starting in [max(ws, *next), we - plen]; *next is the
 * first start position not yet counted, so overlapping windows count
 * nothing twice.
 */
static int xo_count_window(int fd, uint64_t ws, uint64_t we, const uint8_t *pat,
			   size_t plen, uint8_t *buf, uint64_t *next, uint64_t *count)
{
	uint64_t pos = ws > *next ? ws : *next;

	while (pos + plen <= we) {
		uint64_t len = we - pos;

		if (len > XO_CHUNK + plen - 1)
			len = XO_CHUNK + plen - 1;
		if (xo_pread_all(fd, buf, (size_t)len, pos))
			return XO_EIO;
		*count += xo_count_mem(buf, (size_t)len, pat, plen);
		pos += len - plen + 1;
	}
	if (pos > *next)
		*next = pos;
	return XO_OK;
}

static int xo_all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

int xo_count_fd(int fd, const uint8_t *pat, size_t plen, uint64_t *count)
{
	struct stat st;
	uint64_t size, off = 0, next = 0;
	uint8_t *buf;
	int rc = XO_OK;

	*count = 0;
	if (plen == 0 || plen > XO_CHUNK)
		return XO_EINVAL;
	if (fstat(fd, &st))
		return XO_EIO;
	size = (uint64_t)st.st_size;
	buf = malloc(XO_CHUNK + plen);
	if (!buf)
		return XO_EIO;
	if (xo_all_zero(pat, plen)) /* holes are full of it: scan everything */
		off = size, rc = xo_count_window(fd, 0, size, pat, plen, buf, &next, count);
	while (rc == XO_OK && off < size) {
		off_t d = lseek(fd, (off_t)off, SEEK_DATA), h;
		uint64_t ws, we;

		if (d < 0 && errno == ENXIO)
			break; /* only a hole is left */
		if (d < 0) { /* no SEEK_DATA here: one window over the file */
			rc = xo_count_window(fd, 0, size, pat, plen, buf, &next, count);
			break;
		}
		h = lseek(fd, d, SEEK_HOLE);
		if (h < 0) {
			rc = XO_EIO;
			break;
		}
		/* An occurrence that touches [d, h) starts in [d - plen + 1, h - 1]. */
		ws = (uint64_t)d >= plen - 1 ? (uint64_t)d - (plen - 1) : 0;
		we = (uint64_t)h + plen - 1 < size ? (uint64_t)h + plen - 1 : size;
		rc = xo_count_window(fd, ws, we, pat, plen, buf, &next, count);
		off = (uint64_t)h;
	}
	free(buf);
	return rc;
}
