/*
 * crypto_sha256.c - SHA-256 (FIPS 180-4 6.2), HMAC-SHA-256 (RFC 2104) and
 * PBKDF2-HMAC-SHA-256 (RFC 8018 5.2), freestanding, for the key file
 * unwrap in the hypervisor (vmm/vmm_key.c).
 *
 * SHA-256 is constant time by construction: only additions, rotations
 * and bitwise operations on the data, no table indexed by it and no
 * branch on it. Branches depend on lengths only, which are public.
 *
 * PBKDF2 runs its iterations on words: the HMAC key's inner and outer
 * states are computed once, and each iteration is exactly two
 * compressions of a block built in place (the previous U, then the fixed
 * padding of a 64 + 32 byte message), with no byte conversion between
 * them. That is what makes a calibrated iteration count affordable at
 * boot without OpenSSL.
 */
#include "crypto/crypto_priv.h"

/* FIPS 180-4 4.2.2: the first 32 bits of the cube roots of the first 64 primes. */
static const uint32_t sha_k[64] = {
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4,
	0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe,
	0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f,
	0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
	0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc,
	0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b,
	0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116,
	0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
	0xc67178f2,
};

/* FIPS 180-4 5.3.3: the initial hash value. */
static const uint32_t sha_h0[8] = {
	0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
	0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

#define SHA_PAD_WORDS 16
#define HMAC_IPAD 0x36
#define HMAC_OPAD 0x5c

static inline uint32_t ror(uint32_t x, unsigned n)
{
	return (x >> n) | (x << (32 - n));
}

static inline uint32_t load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void store_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* FIPS 180-4 6.2.2 on one block given as 16 big-endian words; w is clobbered. */
static void sha_compress(uint32_t h[8], uint32_t w[16])
{
	uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
	uint32_t e = h[4], f = h[5], g = h[6], k = h[7];

	for (unsigned t = 0; t < 64; t++) {
		uint32_t wt, t1, t2;

		if (t < 16) {
			wt = w[t];
		} else {
			/* The schedule in a ring of 16: W[t] replaces W[t-16]. */
			uint32_t w15 = w[(t - 15) & 15], w2 = w[(t - 2) & 15];
			uint32_t s0 = ror(w15, 7) ^ ror(w15, 18) ^ (w15 >> 3);
			uint32_t s1 = ror(w2, 17) ^ ror(w2, 19) ^ (w2 >> 10);

			wt = w[t & 15] += s1 + w[(t - 7) & 15] + s0;
		}
		t1 = k + (ror(e, 6) ^ ror(e, 11) ^ ror(e, 25)) + ((e & f) ^ (~e & g)) + sha_k[t] + wt;
		t2 = (ror(a, 2) ^ ror(a, 13) ^ ror(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
		k = g;
		g = f;
		f = e;
		e = d + t1;
		d = c;
		c = b;
		b = a;
		a = t1 + t2;
	}
	h[0] += a, h[1] += b, h[2] += c, h[3] += d;
	h[4] += e, h[5] += f, h[6] += g, h[7] += k;
}

static void sha_block(uint32_t h[8], const uint8_t *p)
{
	uint32_t w[16];

	for (unsigned i = 0; i < 16; i++)
		w[i] = load_be32(p + 4 * i);
	sha_compress(h, w);
	crypto_wipe(w, sizeof(w));
}

void crypto_sha256_init(struct crypto_sha256 *c)
{
	for (unsigned i = 0; i < 8; i++)
		c->h[i] = sha_h0[i];
	c->bytes = 0;
	c->fill = 0;
}

void crypto_sha256_update(struct crypto_sha256 *c, const void *data, size_t len)
{
	const uint8_t *p = data;

	c->bytes += len;
	if (c->fill) {
		size_t n = CRYPTO_SHA256_BLOCK - c->fill;

		if (n > len)
			n = len;
		__builtin_memcpy(c->buf + c->fill, p, n);
		c->fill += n, p += n, len -= n;
		if (c->fill < CRYPTO_SHA256_BLOCK)
			return;
		sha_block(c->h, c->buf);
		c->fill = 0;
	}
	for (; len >= CRYPTO_SHA256_BLOCK; p += CRYPTO_SHA256_BLOCK, len -= CRYPTO_SHA256_BLOCK)
		sha_block(c->h, p);
	__builtin_memcpy(c->buf, p, len);
	c->fill = len;
}

void crypto_sha256_final(struct crypto_sha256 *c, uint8_t out[CRYPTO_SHA256_SIZE])
{
	uint64_t bits = c->bytes * 8;

	/* FIPS 180-4 5.1.1: a one bit, zeros, then the length in 64 bits. */
	c->buf[c->fill++] = 0x80;
	if (c->fill > CRYPTO_SHA256_BLOCK - 8) {
		__builtin_memset(c->buf + c->fill, 0, CRYPTO_SHA256_BLOCK - c->fill);
		sha_block(c->h, c->buf);
		c->fill = 0;
	}
	__builtin_memset(c->buf + c->fill, 0, CRYPTO_SHA256_BLOCK - 8 - c->fill);
	store_be32(c->buf + 56, (uint32_t)(bits >> 32));
	store_be32(c->buf + 60, (uint32_t)bits);
	sha_block(c->h, c->buf);
	for (unsigned i = 0; i < 8; i++)
		store_be32(out + 4 * i, c->h[i]);
	crypto_wipe(c, sizeof(*c));
}

void crypto_sha256(const void *data, size_t len, uint8_t out[CRYPTO_SHA256_SIZE])
{
	struct crypto_sha256 c;

	crypto_sha256_init(&c);
	crypto_sha256_update(&c, data, len);
	crypto_sha256_final(&c, out);
}

/*
 * The HMAC key block xor pad, absorbed: the state after the first block
 * of H((K ^ pad) || m). RFC 2104 2: a key longer than a block is hashed.
 */
static void hmac_pad_state(struct crypto_sha256 *c, const uint8_t kb[CRYPTO_SHA256_BLOCK],
			   uint8_t pad)
{
	uint8_t blk[CRYPTO_SHA256_BLOCK];

	for (unsigned i = 0; i < CRYPTO_SHA256_BLOCK; i++)
		blk[i] = kb[i] ^ pad;
	crypto_sha256_init(c);
	crypto_sha256_update(c, blk, sizeof(blk));
	crypto_wipe(blk, sizeof(blk));
}

static void hmac_states(const void *key, size_t klen, struct crypto_sha256 *in,
			struct crypto_sha256 *out)
{
	uint8_t kb[CRYPTO_SHA256_BLOCK] = { 0 };

	if (klen > CRYPTO_SHA256_BLOCK)
		crypto_sha256(key, klen, kb);
	else if (klen)
		__builtin_memcpy(kb, key, klen);
	hmac_pad_state(in, kb, HMAC_IPAD);
	hmac_pad_state(out, kb, HMAC_OPAD);
	crypto_wipe(kb, sizeof(kb));
}

/* Finish H(ipad || m) in `in`, then H(opad || that) in `out`; both wiped. */
static void hmac_finish(struct crypto_sha256 *in, struct crypto_sha256 *out,
			uint8_t mac[CRYPTO_SHA256_SIZE])
{
	uint8_t inner[CRYPTO_SHA256_SIZE];

	crypto_sha256_final(in, inner);
	crypto_sha256_update(out, inner, sizeof(inner));
	crypto_sha256_final(out, mac);
	crypto_wipe(inner, sizeof(inner));
}

void crypto_hmac_sha256(const void *key, size_t klen, const void *msg, size_t mlen,
			uint8_t out[CRYPTO_SHA256_SIZE])
{
	struct crypto_sha256 in, outer;

	hmac_states(key, klen, &in, &outer);
	crypto_sha256_update(&in, msg, mlen);
	hmac_finish(&in, &outer, out);
}

/*
 * One HMAC of a 32-byte message given as words, from the absorbed key
 * states: u = HMAC(K, u). Each hash sees 64 + 32 bytes, so the padding
 * of the second block is fixed (FIPS 180-4 5.1.1: 768 bits).
 */
static void pbkdf2_step(const uint32_t ist[8], const uint32_t ost[8], uint32_t u[8])
{
	uint32_t h[8], w[SHA_PAD_WORDS];

	for (unsigned pass = 0; pass < 2; pass++) {
		const uint32_t *st = pass ? ost : ist;

		for (unsigned i = 0; i < 8; i++) {
			w[i] = u[i];
			h[i] = st[i];
		}
		w[8] = 0x80000000u;
		for (unsigned i = 9; i < 15; i++)
			w[i] = 0;
		w[15] = (CRYPTO_SHA256_BLOCK + CRYPTO_SHA256_SIZE) * 8;
		sha_compress(h, w);
		for (unsigned i = 0; i < 8; i++)
			u[i] = h[i];
	}
	crypto_wipe(h, sizeof(h));
	crypto_wipe(w, sizeof(w));
}

/* RFC 8018 5.2 step 3: T_i = U_1 ^ U_2 ^ ... ^ U_c, as words. */
static void pbkdf2_block(const struct crypto_sha256 *in0, const struct crypto_sha256 *out0,
			 const void *salt, size_t slen, uint32_t index, uint32_t iterations,
			 uint32_t t[8])
{
	struct crypto_sha256 in = *in0, out = *out0;
	uint8_t ib[4], u1[CRYPTO_SHA256_SIZE];
	uint32_t u[8];

	store_be32(ib, index);
	crypto_sha256_update(&in, salt, slen);
	crypto_sha256_update(&in, ib, sizeof(ib));
	hmac_finish(&in, &out, u1);
	for (unsigned i = 0; i < 8; i++)
		t[i] = u[i] = load_be32(u1 + 4 * i);
	for (uint32_t j = 1; j < iterations; j++) {
		pbkdf2_step(in0->h, out0->h, u);
		for (unsigned i = 0; i < 8; i++)
			t[i] ^= u[i];
	}
	crypto_wipe(u, sizeof(u));
	crypto_wipe(u1, sizeof(u1));
}

int crypto_pbkdf2_sha256(const void *pass, size_t plen, const void *salt, size_t slen,
			 uint32_t iterations, uint8_t *out, size_t dklen)
{
	struct crypto_sha256 in, outer;
	uint8_t tb[CRYPTO_SHA256_SIZE];
	uint32_t t[8];

	if (!iterations || !dklen || dklen / CRYPTO_SHA256_SIZE >= 0xFFFFFFFFu)
		return CRYPTO_EINVAL;
	hmac_states(pass, plen, &in, &outer);
	for (uint32_t index = 1; dklen; index++) {
		size_t n = dklen < CRYPTO_SHA256_SIZE ? dklen : CRYPTO_SHA256_SIZE;

		pbkdf2_block(&in, &outer, salt, slen, index, iterations, t);
		for (unsigned i = 0; i < 8; i++)
			store_be32(tb + 4 * i, t[i]);
		__builtin_memcpy(out, tb, n);
		out += n;
		dklen -= n;
	}
	crypto_wipe(&in, sizeof(in));
	crypto_wipe(&outer, sizeof(outer));
	crypto_wipe(t, sizeof(t));
	crypto_wipe(tb, sizeof(tb));
	return CRYPTO_OK;
}
