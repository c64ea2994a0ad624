/*
 * xts_oracle.h - the test side's independent view of a parapass disk:
 * AES-256-XTS with 512-byte data units and tweak = LE64(lba) || 0^8
 * (dm-crypt's aes-xts-plain64), computed by OpenSSL's EVP_aes_256_xts and
 * nothing of the project's crypto/, plus a byte-string counter that skips
 * the holes of sparse images. Used by the xts_oracle tool and its suite.
 */
#ifndef XTS_ORACLE_H
#define XTS_ORACLE_H

#include <stddef.h>
#include <stdint.h>

#define XO_SECTOR 512
#define XO_KEY_SIZE 64  /* data key (first half) || tweak key (second half) */

/* Error codes: 0 or negative. */
enum {
	XO_OK = 0,
	XO_EKEY = -1,    /* equal key halves: XTS is then not a tweakable cipher */
	XO_ECRYPTO = -2, /* OpenSSL refused */
	XO_EIO = -3,     /* read, write or seek failed */
	XO_EINVAL = -4,  /* bad argument */
};

/* 0 if the 64-byte key is usable for XTS, XO_EKEY if its halves are equal. */
int xo_key_check(const uint8_t key[XO_KEY_SIZE]);

/*
 * Encrypt (enc != 0) or decrypt nsectors sectors from in to out (they may
 * be the same buffer); the first has LBA first_lba, the next first_lba + 1
 * and so on, each its own XTS data unit.
 */
int xo_crypt(const uint8_t key[XO_KEY_SIZE], int enc, uint64_t first_lba,
	     const uint8_t *in, uint8_t *out, size_t nsectors);

/* The 16-byte IV (tweak input) of sector lba: LE64(lba) then eight zeros. */
void xo_tweak(uint64_t lba, uint8_t iv[16]);

/* Occurrences of pat (plen >= 1) in buf, overlapping ones included. */
uint64_t xo_count_mem(const uint8_t *buf, size_t n, const uint8_t *pat, size_t plen);

/*
 * Occurrences of pat in the whole file open on fd, read with pread. Holes
 * (SEEK_DATA/SEEK_HOLE) read as zeros and are only scanned where an
 * occurrence could touch data, so an 8 GiB sparse image costs what its
 * data costs; a pattern of zeros only is counted the slow way.
 */
int xo_count_fd(int fd, const uint8_t *pat, size_t plen, uint64_t *count);

#endif /* XTS_ORACLE_H */
