/*
 * crypto_generic.c - portable constant-time AES-256 and XTS for CPUs
 * without AES-NI, and the key schedule every implementation uses.
 *
 * Bitsliced over 64-bit words, four blocks at once: q[b] holds bit b of
 * all 64 bytes, and the byte in row r, column c of block k sits at bit
 * 16r + 4c + k. Rows as 16-bit fields make MixColumns a set of word
 * rotations, columns as nibbles make ShiftRows a rotation inside each
 * field. Every step is a fixed sequence of AND/XOR/shift on words: no
 * table is indexed and no branch is taken on key or data.
 */
#include "crypto/crypto_priv.h"

#define GEN_PAR 4 /* blocks (and sectors for tweaks) per bitsliced pass */

typedef uint64_t gen_rk[CRYPTO_AES256_ROUNDS + 1][8];

static inline uint64_t rotr64(uint64_t x, unsigned n)
{
	return (x >> n) | (x << (64 - n));
}

static inline uint32_t rotr32(uint32_t x, unsigned n)
{
	return (x >> n) | (x << (32 - n));
}

/*
 * AES S-box on every byte of the planes: the depth-16, 128-gate circuit
 * of Boyar and Peralta ("A depth-16 circuit for the AES S-box", 2011),
 * which numbers bits from the top (U0 = bit 7). Its XNOR outputs are the
 * four complemented planes.
 */
static void bs_sbox(uint64_t q[8])
{
	uint64_t u0 = q[7], u1 = q[6], u2 = q[5], u3 = q[4];
	uint64_t u4 = q[3], u5 = q[2], u6 = q[1], u7 = q[0];
	uint64_t t1, t2, t3, t4, t5, t6, t7, t8, t9, t10, t11, t12, t13, t14;
	uint64_t t15, t16, t17, t18, t19, t20, t21, t22, t23, t24, t25, t26, t27;
	uint64_t m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12, m13, m14, m15;
	uint64_t m16, m17, m18, m19, m20, m21, m22, m23, m24, m25, m26, m27, m28;
	uint64_t m29, m30, m31, m32, m33, m34, m35, m36, m37, m38, m39, m40, m41;
	uint64_t m42, m43, m44, m45, m46, m47, m48, m49, m50, m51, m52, m53, m54;
	uint64_t m55, m56, m57, m58, m59, m60, m61, m62, m63;
	uint64_t l0, l1, l2, l3, l4, l5, l6, l7, l8, l9, l10, l11, l12, l13, l14;
	uint64_t l15, l16, l17, l18, l19, l20, l21, l22, l23, l24, l25, l26, l27;
	uint64_t l28, l29;

	/* Top linear layer. */
	t1 = u0 ^ u3; t2 = u0 ^ u5; t3 = u0 ^ u6; t4 = u3 ^ u5; t5 = u4 ^ u6;
	t6 = t1 ^ t5; t7 = u1 ^ u2; t8 = u7 ^ t6; t9 = u7 ^ t7; t10 = t6 ^ t7;
	t11 = u1 ^ u5; t12 = u2 ^ u5; t13 = t3 ^ t4; t14 = t6 ^ t11;
	t15 = t5 ^ t11; t16 = t5 ^ t12; t17 = t9 ^ t16; t18 = u3 ^ u7;
	t19 = t7 ^ t18; t20 = t1 ^ t19; t21 = u6 ^ u7; t22 = t7 ^ t21;
	t23 = t2 ^ t22; t24 = t2 ^ t10; t25 = t20 ^ t17; t26 = t3 ^ t16;
	t27 = t1 ^ t12;

	/* Shared middle: inversion in GF(2^8) over a tower field. */
	m1 = t13 & t6; m2 = t23 & t8; m3 = t14 ^ m1; m4 = t19 & u7;
	m5 = m4 ^ m1; m6 = t3 & t16; m7 = t22 & t9; m8 = t26 ^ m6;
	m9 = t20 & t17; m10 = m9 ^ m6; m11 = t1 & t15; m12 = t4 & t27;
	m13 = m12 ^ m11; m14 = t2 & t10; m15 = m14 ^ m11; m16 = m3 ^ m2;
	m17 = m5 ^ t24; m18 = m8 ^ m7; m19 = m10 ^ m15; m20 = m16 ^ m13;
	m21 = m17 ^ m15; m22 = m18 ^ m13; m23 = m19 ^ t25; m24 = m22 ^ m23;
	m25 = m22 & m20; m26 = m21 ^ m25; m27 = m20 ^ m21; m28 = m23 ^ m25;
	m29 = m28 & m27; m30 = m26 & m24; m31 = m20 & m23; m32 = m27 & m31;
	m33 = m27 ^ m25; m34 = m21 & m22; m35 = m24 & m34; m36 = m24 ^ m25;
	m37 = m21 ^ m29; m38 = m32 ^ m33; m39 = m23 ^ m30; m40 = m35 ^ m36;
	m41 = m38 ^ m40; m42 = m37 ^ m39; m43 = m37 ^ m38; m44 = m39 ^ m40;
	m45 = m42 ^ m41;
	m46 = m44 & t6; m47 = m40 & t8; m48 = m39 & u7; m49 = m43 & t16;
	m50 = m38 & t9; m51 = m37 & t17; m52 = m42 & t15; m53 = m45 & t27;
	m54 = m41 & t10; m55 = m44 & t13; m56 = m40 & t23; m57 = m39 & t19;
	m58 = m43 & t3; m59 = m38 & t22; m60 = m37 & t20; m61 = m42 & t1;
	m62 = m45 & t4; m63 = m41 & t2;

	/* Bottom linear layer, with the affine map of FIPS-197 5.1.1. */
	l0 = m61 ^ m62; l1 = m50 ^ m56; l2 = m46 ^ m48; l3 = m47 ^ m55;
	l4 = m54 ^ m58; l5 = m49 ^ m61; l6 = m62 ^ l5; l7 = m46 ^ l3;
	l8 = m51 ^ m59; l9 = m52 ^ m53; l10 = m53 ^ l4; l11 = m60 ^ l2;
	l12 = m48 ^ m51; l13 = m50 ^ l0; l14 = m52 ^ m61; l15 = m55 ^ l1;
	l16 = m56 ^ l0; l17 = m57 ^ l1; l18 = m58 ^ l8; l19 = m63 ^ l4;
	l20 = l0 ^ l1; l21 = l1 ^ l7; l22 = l3 ^ l12; l23 = l18 ^ l2;
	l24 = l15 ^ l9; l25 = l6 ^ l10; l26 = l7 ^ l9; l27 = l8 ^ l10;
	l28 = l11 ^ l14; l29 = l11 ^ l17;

	q[7] = l6 ^ l24;
	q[6] = ~(l16 ^ l26);
	q[5] = ~(l19 ^ l28);
	q[4] = l6 ^ l21;
	q[3] = l20 ^ l22;
	q[2] = l25 ^ l29;
	q[1] = ~(l13 ^ l27);
	q[0] = ~(l6 ^ l23);
}

/*
 * Inverse of the affine map of FIPS-197 5.1.1 (b'_i = b_{i+2} + b_{i+5} +
 * b_{i+7} + {05}_i). With S = A o inv, InvS = A^-1 o S o A^-1, so the
 * inverse S-box reuses the forward circuit.
 */
static void bs_inv_affine(uint64_t q[8])
{
	uint64_t o[8];

	for (unsigned i = 0; i < 8; i++)
		o[i] = q[(i + 2) & 7] ^ q[(i + 5) & 7] ^ q[(i + 7) & 7];
	for (unsigned i = 0; i < 8; i++)
		q[i] = o[i];
	q[0] = ~q[0];
	q[2] = ~q[2];
}

static void bs_inv_sbox(uint64_t q[8])
{
	bs_inv_affine(q);
	bs_sbox(q);
	bs_inv_affine(q);
}

/* FIPS-197 5.1.2: row r of each block rotates left by r columns. */
static void bs_shift_rows(uint64_t q[8])
{
	for (unsigned i = 0; i < 8; i++) {
		uint64_t x = q[i];

		q[i] = (x & 0x000000000000FFFFull) |
		       ((x >> 4) & 0x000000000FFF0000ull) | ((x << 12) & 0x00000000F0000000ull) |
		       ((x >> 8) & 0x000000FF00000000ull) | ((x << 8) & 0x0000FF0000000000ull) |
		       ((x >> 12) & 0x000F000000000000ull) | ((x << 4) & 0xFFF0000000000000ull);
	}
}

/* FIPS-197 5.3.1: the rotation the other way. */
static void bs_inv_shift_rows(uint64_t q[8])
{
	for (unsigned i = 0; i < 8; i++) {
		uint64_t x = q[i];

		q[i] = (x & 0x000000000000FFFFull) |
		       ((x << 4) & 0x00000000FFF00000ull) | ((x >> 12) & 0x00000000000F0000ull) |
		       ((x >> 8) & 0x000000FF00000000ull) | ((x << 8) & 0x0000FF0000000000ull) |
		       ((x >> 4) & 0x0FFF000000000000ull) | ((x << 12) & 0xF000000000000000ull);
	}
}

/* Multiply every byte by {02} (FIPS-197 4.2.1) on planes. */
static void bs_xtime(uint64_t o[8], const uint64_t t[8])
{
	uint64_t hi = t[7];

	o[7] = t[6];
	o[6] = t[5];
	o[5] = t[4];
	o[4] = t[3] ^ hi;
	o[3] = t[2] ^ hi;
	o[2] = t[1];
	o[1] = t[0] ^ hi;
	o[0] = hi;
}

/*
 * FIPS-197 5.1.3: a'_r = 2(a_r + a_{r+1}) + a_{r+1} + a_{r+2} + a_{r+3}.
 * Row r+1 of the same column is the word rotated right by 16.
 */
static void bs_mix_columns(uint64_t q[8])
{
	uint64_t t[8], x[8];

	for (unsigned i = 0; i < 8; i++)
		t[i] = q[i] ^ rotr64(q[i], 16);
	bs_xtime(x, t);
	for (unsigned i = 0; i < 8; i++)
		q[i] ^= x[i] ^ t[i] ^ rotr64(t[i], 32);
}

/*
 * FIPS-197 5.3.3 factored as MixColumns after multiplying by
 * {05}+{04}x^2 (Daemen and Rijmen, The Design of Rijndael, 4.1.3):
 * a_r += 4(a_r + a_{r+2}), then MixColumns.
 */
static void bs_inv_mix_columns(uint64_t q[8])
{
	uint64_t w[8], x2[8], x4[8];

	for (unsigned i = 0; i < 8; i++)
		w[i] = q[i] ^ rotr64(q[i], 32);
	bs_xtime(x2, w);
	bs_xtime(x4, x2);
	for (unsigned i = 0; i < 8; i++)
		q[i] ^= x4[i];
	bs_mix_columns(q);
}

static void bs_add_round_key(uint64_t q[8], const uint64_t rk[8])
{
	for (unsigned i = 0; i < 8; i++)
		q[i] ^= rk[i];
}

/* Exchange bit n-offset positions of a (mask << n) with those of b (mask). */
static inline void swapmove(uint64_t *a, uint64_t *b, uint64_t mask, unsigned n)
{
	uint64_t t = ((*a >> n) ^ *b) & mask;

	*b ^= t;
	*a ^= t << n;
}

/*
 * 8x8 bit transpose across the words: exchanges the word index with the
 * bit-in-byte index. Its own inverse.
 */
static void bs_transpose(uint64_t w[8])
{
	for (unsigned j = 0; j < 8; j += 2)
		swapmove(&w[j], &w[j + 1], 0x5555555555555555ull, 1);
	for (unsigned j = 0; j < 8; j++)
		if (!(j & 2))
			swapmove(&w[j], &w[j + 2], 0x3333333333333333ull, 2);
	for (unsigned j = 0; j < 4; j++)
		swapmove(&w[j], &w[j + 4], 0x0F0F0F0F0F0F0F0Full, 4);
}

/* Byte j of x to byte 2j of the result. */
static inline uint64_t spread32(uint32_t x)
{
	uint64_t v = x;

	v = (v | (v << 16)) & 0x0000FFFF0000FFFFull;
	return (v | (v << 8)) & 0x00FF00FF00FF00FFull;
}

static inline uint32_t gather32(uint64_t v)
{
	v &= 0x00FF00FF00FF00FFull;
	v = (v | (v >> 8)) & 0x0000FFFF0000FFFFull;
	return (uint32_t)(v | (v >> 16));
}

/*
 * Four blocks to planes. Byte i of block k first goes to word
 * 4*bit2(i) + k, byte slot 2*(i mod 4) + bit3(i); the transpose then
 * swaps word index and bit index, which leaves it at bit
 * 16*(i mod 4) + 4*(i div 4) + k = 16r + 4c + k of plane b.
 */
static void bs_load(uint64_t q[8], const uint8_t in[64])
{
	for (unsigned k = 0; k < GEN_PAR; k++) {
		const uint8_t *b = in + 16 * k;

		q[k] = spread32(crypto_load32(b)) | spread32(crypto_load32(b + 8)) << 8;
		q[4 + k] = spread32(crypto_load32(b + 4)) | spread32(crypto_load32(b + 12)) << 8;
	}
	bs_transpose(q);
}

static void bs_store(uint8_t out[64], uint64_t q[8])
{
	bs_transpose(q);
	for (unsigned k = 0; k < GEN_PAR; k++) {
		uint8_t *b = out + 16 * k;
		uint32_t v[4] = { gather32(q[k]), gather32(q[4 + k]),
				  gather32(q[k] >> 8), gather32(q[4 + k] >> 8) };

		__builtin_memcpy(b, v, sizeof(v));
	}
}

static void bs_encrypt(uint64_t q[8], const gen_rk rk)
{
	bs_add_round_key(q, rk[0]);
	for (unsigned r = 1; r < CRYPTO_AES256_ROUNDS; r++) {
		bs_sbox(q);
		bs_shift_rows(q);
		bs_mix_columns(q);
		bs_add_round_key(q, rk[r]);
	}
	bs_sbox(q);
	bs_shift_rows(q);
	bs_add_round_key(q, rk[CRYPTO_AES256_ROUNDS]);
}

/* FIPS-197 5.3: the straightforward inverse, on the encryption schedule. */
static void bs_decrypt(uint64_t q[8], const gen_rk rk)
{
	bs_add_round_key(q, rk[CRYPTO_AES256_ROUNDS]);
	for (unsigned r = CRYPTO_AES256_ROUNDS - 1; r > 0; r--) {
		bs_inv_shift_rows(q);
		bs_inv_sbox(q);
		bs_add_round_key(q, rk[r]);
		bs_inv_mix_columns(q);
	}
	bs_inv_shift_rows(q);
	bs_inv_sbox(q);
	bs_add_round_key(q, rk[0]);
}

/* Round keys to planes, each repeated for the four block lanes. */
static void bs_expand_keys(gen_rk rk, const uint32_t ek[60])
{
	uint8_t four[64];

	for (unsigned r = 0; r <= CRYPTO_AES256_ROUNDS; r++) {
		for (unsigned k = 0; k < GEN_PAR; k++)
			__builtin_memcpy(four + 16 * k, ek + 4 * r, 16);
		bs_load(rk[r], four);
	}
	crypto_wipe(four, sizeof(four));
}

/* ---- key schedule (FIPS-197 5.2), constant time through the circuit ---- */

/* The four bytes of w as four lanes of one plane set. */
static uint32_t subword_planes(uint32_t w, int inverse)
{
	uint64_t q[8];
	uint32_t out = 0;

	for (unsigned b = 0; b < 8; b++) {
		q[b] = 0;
		for (unsigned j = 0; j < 4; j++)
			q[b] |= (uint64_t)((w >> (8 * j + b)) & 1) << j;
	}
	if (inverse)
		bs_inv_sbox(q);
	else
		bs_sbox(q);
	for (unsigned b = 0; b < 8; b++)
		for (unsigned j = 0; j < 4; j++)
			out |= (uint32_t)((q[b] >> j) & 1) << (8 * j + b);
	crypto_wipe(q, sizeof(q));
	return out;
}

uint32_t crypto_aes_subword(uint32_t w)
{
	return subword_planes(w, 0);
}

uint32_t crypto_aes_inv_subword(uint32_t w)
{
	return subword_planes(w, 1);
}

void crypto_aes256_expand(uint32_t w[60], const uint8_t key[32])
{
	uint32_t rcon = 1;

	for (unsigned i = 0; i < 8; i++)
		w[i] = crypto_load32(key + 4 * i);
	for (unsigned i = 8; i < 60; i++) {
		uint32_t t = w[i - 1];

		if (i % 8 == 0) {
			/* RotWord on a little-endian word is a right rotation. */
			t = crypto_aes_subword(rotr32(t, 8)) ^ rcon;
			rcon <<= 1; /* at most {40} for AES-256: no reduction */
		} else if (i % 8 == 4) {
			t = crypto_aes_subword(t);
		}
		w[i] = w[i - 8] ^ t;
	}
}

/* {02} times each byte of a column word. */
static inline uint32_t xtime32(uint32_t c)
{
	return ((c & 0x7F7F7F7Fu) << 1) ^ (((c >> 7) & 0x01010101u) * 0x1Bu);
}

/* InvMixColumns of one column (byte r = row r), as bs_inv_mix_columns. */
static uint32_t inv_mix_column(uint32_t c)
{
	uint32_t t;

	c ^= xtime32(xtime32(c ^ rotr32(c, 16)));
	t = c ^ rotr32(c, 8);
	return xtime32(t) ^ t ^ rotr32(t, 16) ^ c;
}

void crypto_aes256_dec_schedule(uint32_t dk[60], const uint32_t ek[60])
{
	const unsigned last = 4 * CRYPTO_AES256_ROUNDS;

	for (unsigned j = 0; j < 4; j++) {
		dk[j] = ek[last + j];
		dk[last + j] = ek[j];
	}
	for (unsigned r = 1; r < CRYPTO_AES256_ROUNDS; r++)
		for (unsigned j = 0; j < 4; j++)
			dk[4 * r + j] = inv_mix_column(ek[4 * (CRYPTO_AES256_ROUNDS - r) + j]);
}

/* ---- ECB and XTS on the bitsliced core ---- */

static void gen_blocks4(const gen_rk rk, const uint8_t in[64], uint8_t out[64], int decrypt)
{
	uint64_t q[8];

	bs_load(q, in);
	if (decrypt)
		bs_decrypt(q, rk);
	else
		bs_encrypt(q, rk);
	bs_store(out, q);
	crypto_wipe(q, sizeof(q));
}

void crypto_generic_ecb(const uint32_t ek[60], const uint8_t *src, uint8_t *dst, size_t nblocks,
			int decrypt)
{
	gen_rk rk;
	uint8_t buf[64];

	bs_expand_keys(rk, ek);
	while (nblocks) {
		size_t n = nblocks < GEN_PAR ? nblocks : GEN_PAR;

		__builtin_memset(buf, 0, sizeof(buf));
		__builtin_memcpy(buf, src, n * CRYPTO_AES_BLOCK);
		gen_blocks4(rk, buf, buf, decrypt);
		__builtin_memcpy(dst, buf, n * CRYPTO_AES_BLOCK);
		src += n * CRYPTO_AES_BLOCK;
		dst += n * CRYPTO_AES_BLOCK;
		nblocks -= n;
	}
	crypto_wipe(rk, sizeof(rk));
	crypto_wipe(buf, sizeof(buf));
}

/* T * alpha in GF(2^128), T as little-endian words lo, hi (IEEE 1619 5.2). */
static inline void gen_mul_alpha(uint64_t t[2])
{
	uint64_t carry = t[1] >> 63;

	t[1] = (t[1] << 1) | (t[0] >> 63);
	t[0] = (t[0] << 1) ^ (CRYPTO_XTS_POLY & (0 - carry));
}

/* One 512-byte sector, four blocks per pass; t is its encrypted tweak. */
static void gen_sector(const gen_rk rk, uint64_t t[2], const uint8_t *src, uint8_t *dst,
		       int decrypt)
{
	uint64_t tw[2 * GEN_PAR];
	uint8_t buf[64];

	for (unsigned g = 0; g < CRYPTO_SECTOR_BLOCKS / GEN_PAR; g++) {
		for (unsigned j = 0; j < GEN_PAR; j++) {
			tw[2 * j] = t[0];
			tw[2 * j + 1] = t[1];
			gen_mul_alpha(t);
		}
		for (unsigned j = 0; j < 2 * GEN_PAR; j++)
			crypto_store64(buf + 8 * j, crypto_load64(src + 8 * j) ^ tw[j]);
		gen_blocks4(rk, buf, buf, decrypt);
		for (unsigned j = 0; j < 2 * GEN_PAR; j++)
			crypto_store64(dst + 8 * j, crypto_load64(buf + 8 * j) ^ tw[j]);
		src += 64;
		dst += 64;
	}
	crypto_wipe(tw, sizeof(tw));
	crypto_wipe(buf, sizeof(buf));
}

static void gen_xts(const struct crypto_xts *x, uint64_t lba, const uint8_t *src, uint8_t *dst,
		    size_t nsect, int decrypt)
{
	struct {
		gen_rk data, tweak;
		uint8_t tw[64];
		uint64_t t[2];
	} s;

	bs_expand_keys(s.data, x->enc);
	bs_expand_keys(s.tweak, x->twk);
	while (nsect) {
		size_t n = nsect < GEN_PAR ? nsect : GEN_PAR;

		/* The tweaks of up to four sectors in one pass. */
		for (unsigned j = 0; j < GEN_PAR; j++) {
			crypto_store64(s.tw + 16 * j, lba + j);
			crypto_store64(s.tw + 16 * j + 8, 0);
		}
		gen_blocks4(s.tweak, s.tw, s.tw, 0);
		for (size_t j = 0; j < n; j++) {
			s.t[0] = crypto_load64(s.tw + 16 * j);
			s.t[1] = crypto_load64(s.tw + 16 * j + 8);
			gen_sector(s.data, s.t, src, dst, decrypt);
			src += CRYPTO_SECTOR_SIZE;
			dst += CRYPTO_SECTOR_SIZE;
		}
		lba += n;
		nsect -= n;
	}
	crypto_wipe(&s, sizeof(s));
}

void crypto_generic_encrypt(const struct crypto_xts *x, uint64_t lba, const uint8_t *src,
			    uint8_t *dst, size_t nsect)
{
	gen_xts(x, lba, src, dst, nsect, 0);
}

void crypto_generic_decrypt(const struct crypto_xts *x, uint64_t lba, const uint8_t *src,
			    uint8_t *dst, size_t nsect)
{
	gen_xts(x, lba, src, dst, nsect, 1);
}

__attribute__((noinline)) void crypto_generic_burn(void)
{
	uint64_t pad[CRYPTO_BURN_GENERIC / 8];

	crypto_wipe(pad, sizeof(pad));
}
