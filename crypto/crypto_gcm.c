/*
 * crypto_gcm.c - AES-256-GCM (NIST SP 800-38D) for the key file unwrap,
 * freestanding, on the constant-time bitsliced AES of crypto_generic.c.
 *
 * GHASH multiplies bit by bit (SP 800-38D 6.3, Algorithm 1) with masks
 * instead of branches, so neither the hash subkey H nor the data steer a
 * branch or an address: slow (128 steps a block), but the key file is a
 * few blocks. Decryption checks the tag before it produces any plaintext
 * (SP 800-38D 7.2 step 8 returns FAIL and nothing else).
 */
#include "crypto/crypto_priv.h"

#define GCM_BATCH 16         /* counter blocks per call into the bitsliced AES */
#define GCM_R 0xE100000000000000ull  /* SP 800-38D 6.3: R = 11100001 || 0^120 */
#define GCM_MAX_BLOCKS 0xFFFFFFFEull /* SP 800-38D 5.2.1.1: len(P) <= 2^39 - 256 bits */

/* A 128-bit block as two big-endian halves: hi holds bytes 0-7 (bits 0-63). */
struct gcm_block {
	uint64_t hi, lo;
};

struct gcm_ctx {
	uint32_t ek[60];
	struct gcm_block h;   /* hash subkey E_K(0^128) */
	struct gcm_block y;   /* running GHASH */
	uint8_t j0[CRYPTO_AES_BLOCK];
};

static inline uint64_t load_be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static inline void store_be64(uint8_t *p, uint64_t v)
{
	for (unsigned i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (56 - 8 * i));
}

/* X * H in GF(2^128), bit 0 the most significant bit of byte 0 (6.3). */
static struct gcm_block gcm_mul(struct gcm_block x, struct gcm_block h)
{
	struct gcm_block z = { 0, 0 }, v = h;

	for (unsigned i = 0; i < 128; i++) {
		uint64_t word = i < 64 ? x.hi : x.lo;
		uint64_t take = 0 - ((word >> (63 - (i & 63))) & 1);
		uint64_t carry = 0 - (v.lo & 1);

		z.hi ^= v.hi & take;
		z.lo ^= v.lo & take;
		v.lo = (v.lo >> 1) | (v.hi << 63);
		v.hi = (v.hi >> 1) ^ (GCM_R & carry);
	}
	return z;
}

/* GHASH over data, zero-padded to whole blocks (6.4 with the padding of 7.1). */
static void gcm_hash(struct gcm_ctx *g, const uint8_t *p, size_t len)
{
	while (len) {
		uint8_t blk[CRYPTO_AES_BLOCK] = { 0 };
		size_t n = len < CRYPTO_AES_BLOCK ? len : CRYPTO_AES_BLOCK;

		__builtin_memcpy(blk, p, n);
		g->y.hi ^= load_be64(blk);
		g->y.lo ^= load_be64(blk + 8);
		g->y = gcm_mul(g->y, g->h);
		p += n;
		len -= n;
	}
}

/* The block [a]_64 || [b]_64 that closes a GHASH (7.1 step 5). */
static void gcm_hash_lengths(struct gcm_ctx *g, uint64_t abytes, uint64_t cbytes)
{
	g->y.hi ^= abytes * 8;
	g->y.lo ^= cbytes * 8;
	g->y = gcm_mul(g->y, g->h);
}

/* 7.1 steps 1-2: the hash subkey and the pre-counter block J0. */
static void gcm_setup(struct gcm_ctx *g, const uint8_t *key, const uint8_t *iv, size_t ivlen)
{
	uint8_t zero[CRYPTO_AES_BLOCK] = { 0 }, hb[CRYPTO_AES_BLOCK];

	crypto_aes256_expand(g->ek, key);
	crypto_generic_ecb(g->ek, zero, hb, 1, 0);
	g->h.hi = load_be64(hb);
	g->h.lo = load_be64(hb + 8);
	g->y.hi = g->y.lo = 0;
	if (ivlen == 12) {
		__builtin_memcpy(g->j0, iv, 12);
		g->j0[12] = g->j0[13] = g->j0[14] = 0;
		g->j0[15] = 1;
	} else {
		gcm_hash(g, iv, ivlen);
		gcm_hash_lengths(g, 0, ivlen);
		store_be64(g->j0, g->y.hi);
		store_be64(g->j0 + 8, g->y.lo);
		g->y.hi = g->y.lo = 0;
	}
	crypto_wipe(hb, sizeof(hb));
}

/* 6.5 GCTR from inc32(J0): the keystream XORed onto len bytes. */
static void gcm_ctr(struct gcm_ctx *g, const uint8_t *src, uint8_t *dst, size_t len)
{
	uint8_t ks[GCM_BATCH * CRYPTO_AES_BLOCK];
	uint32_t ctr = (uint32_t)load_be64(g->j0 + 8);

	while (len) {
		size_t nblk = (len + CRYPTO_AES_BLOCK - 1) / CRYPTO_AES_BLOCK, n;

		if (nblk > GCM_BATCH)
			nblk = GCM_BATCH;
		for (size_t b = 0; b < nblk; b++) {
			uint8_t *c = ks + b * CRYPTO_AES_BLOCK;

			__builtin_memcpy(c, g->j0, 12);
			ctr++;  /* inc32 wraps modulo 2^32 */
			c[12] = (uint8_t)(ctr >> 24), c[13] = (uint8_t)(ctr >> 16);
			c[14] = (uint8_t)(ctr >> 8), c[15] = (uint8_t)ctr;
		}
		crypto_generic_ecb(g->ek, ks, ks, nblk, 0);
		n = nblk * CRYPTO_AES_BLOCK < len ? nblk * CRYPTO_AES_BLOCK : len;
		for (size_t i = 0; i < n; i++)
			dst[i] = src[i] ^ ks[i];
		src += n, dst += n, len -= n;
	}
	crypto_wipe(ks, sizeof(ks));
}

/* 7.1 steps 5-6: T = E_K(J0) ^ GHASH(A || C || lengths). */
static void gcm_tag(struct gcm_ctx *g, const uint8_t *aad, size_t alen, const uint8_t *c,
		    size_t clen, uint8_t tag[CRYPTO_GCM_TAG_SIZE])
{
	uint8_t ej0[CRYPTO_AES_BLOCK];

	gcm_hash(g, aad, alen);
	gcm_hash(g, c, clen);
	gcm_hash_lengths(g, alen, clen);
	crypto_generic_ecb(g->ek, g->j0, ej0, 1, 0);
	store_be64(tag, g->y.hi ^ load_be64(ej0));
	store_be64(tag + 8, g->y.lo ^ load_be64(ej0 + 8));
	crypto_wipe(ej0, sizeof(ej0));
}

static int gcm_check_args(size_t ivlen, size_t len)
{
	if (!ivlen || (uint64_t)len > GCM_MAX_BLOCKS * CRYPTO_AES_BLOCK)
		return CRYPTO_EINVAL;
	return CRYPTO_OK;
}

static void gcm_done(struct gcm_ctx *g)
{
	crypto_wipe(g, sizeof(*g));
	/* The bitsliced round keys and states spill below us: scrub them. */
	crypto_generic_burn();
	__asm__ __volatile__("" : : : "memory");
}

int crypto_gcm_encrypt(const uint8_t key[CRYPTO_GCM_KEY_SIZE], const uint8_t *iv, size_t ivlen,
		       const void *aad, size_t alen, const void *src, void *dst, size_t len,
		       uint8_t tag[CRYPTO_GCM_TAG_SIZE])
{
	struct gcm_ctx g;

	if (gcm_check_args(ivlen, len))
		return CRYPTO_EINVAL;
	gcm_setup(&g, key, iv, ivlen);
	gcm_ctr(&g, src, dst, len);
	gcm_tag(&g, aad, alen, dst, len, tag);
	gcm_done(&g);
	return CRYPTO_OK;
}

int crypto_gcm_decrypt(const uint8_t key[CRYPTO_GCM_KEY_SIZE], const uint8_t *iv, size_t ivlen,
		       const void *aad, size_t alen, const void *src, void *dst, size_t len,
		       const uint8_t tag[CRYPTO_GCM_TAG_SIZE])
{
	struct gcm_ctx g;
	uint8_t want[CRYPTO_GCM_TAG_SIZE], diff = 0;

	if (gcm_check_args(ivlen, len))
		return CRYPTO_EINVAL;
	gcm_setup(&g, key, iv, ivlen);
	gcm_tag(&g, aad, alen, src, len, want);
	/* 7.2 step 8, without an early exit: the time says nothing about where they differ. */
	for (unsigned i = 0; i < CRYPTO_GCM_TAG_SIZE; i++)
		diff |= want[i] ^ tag[i];
	crypto_wipe(want, sizeof(want));
	if (diff) {
		gcm_done(&g);
		return CRYPTO_EKEY;
	}
	gcm_ctr(&g, src, dst, len);
	gcm_done(&g);
	return CRYPTO_OK;
}
