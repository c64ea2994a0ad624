/*
 * crypto_vaes256.c - AES-256-XTS with VAES and VPCLMULQDQ on ymm
 * registers, for CPUs with AVX2 but no AVX-512 (Zen 3, Alder Lake): two
 * blocks per register, eight registers (16 blocks) in flight. With only
 * 16 ymm registers, data and tweaks of 16 blocks fill the file, so each
 * round key is broadcast into a register at use, never kept or stored;
 * spills (tweaks) are scrubbed by the dispatcher's burn.
 *
 * Tweaks: lane i of register r carries T * alpha^(2r+i); the first is T
 * times alpha^0..1, the others the first times alpha^(2r), and each
 * following group of 16 blocks the previous times alpha^16, a per-lane
 * shift whose carry-out folds back by a carry-less multiply with 0x87
 * (IEEE 1619 5.2).
 */
#include <immintrin.h>

#include "crypto/crypto_priv.h"

#define V256_TARGET target("avx2,avx,vaes,vpclmulqdq,aes,pclmul")
#define V256_FN __attribute__((V256_TARGET, always_inline)) static inline
#define V256_W 8 /* ymm registers in flight */
#define V256_GROUP (2 * V256_W)
#define V256_SECTS 4 /* sectors whose tweaks are encrypted together */

_Static_assert(CRYPTO_SECTOR_BLOCKS % V256_GROUP == 0, "groups must tile a sector");

V256_FN __m256i v256_rk(const uint32_t *sched, unsigned r)
{
	return _mm256_broadcastsi128_si256(
		_mm_load_si128((const __m128i *)(const void *)(sched + 4 * r)));
}

/* Shifted lanes plus carries: qword 0's into qword 1, qword 1's reduced by 0x87. */
V256_FN __m256i v256_fold(__m256i shifted, __m256i c)
{
	const __m256i poly = _mm256_set1_epi64x(CRYPTO_XTS_POLY);

	return _mm256_xor_si256(_mm256_xor_si256(shifted, _mm256_bslli_epi128(c, 8)),
				_mm256_clmulepi64_epi128(c, poly, 0x01));
}

/* Every lane times alpha^s, 0 < s <= 56 (a constant after inlining). */
V256_FN __m256i v256_mul_alpha_n(__m256i t, unsigned s)
{
	return v256_fold(_mm256_slli_epi64(t, s), _mm256_srli_epi64(t, 64 - s));
}

/* T in both lanes to T, T * alpha. */
V256_FN __m256i v256_first_tweaks(__m256i t2)
{
	const __m256i sl = _mm256_set_epi64x(1, 1, 0, 0);
	const __m256i sr = _mm256_set_epi64x(63, 63, 64, 64);

	return v256_fold(_mm256_sllv_epi64(t2, sl), _mm256_srlv_epi64(t2, sr));
}

/* w registers (a constant after inlining) through all 14 rounds. */
V256_FN void v256_crypt(__m256i *b, unsigned w, const uint32_t *sched, int decrypt)
{
	__m256i k = v256_rk(sched, 0);

#pragma GCC unroll 8
	for (unsigned j = 0; j < w; j++)
		b[j] = _mm256_xor_si256(b[j], k);
#pragma GCC unroll 13
	for (unsigned r = 1; r < CRYPTO_AES256_ROUNDS; r++) {
		k = v256_rk(sched, r);
#pragma GCC unroll 8
		for (unsigned j = 0; j < w; j++)
			b[j] = decrypt ? _mm256_aesdec_epi128(b[j], k) : _mm256_aesenc_epi128(b[j], k);
	}
	k = v256_rk(sched, CRYPTO_AES256_ROUNDS);
#pragma GCC unroll 8
	for (unsigned j = 0; j < w; j++)
		b[j] = decrypt ? _mm256_aesdeclast_epi128(b[j], k) : _mm256_aesenclast_epi128(b[j], k);
}

/* One sector; t2 is its encrypted tweak in both lanes. */
V256_FN void v256_sector(const uint32_t *sched, __m256i t2, const uint8_t *src, uint8_t *dst,
			 int decrypt)
{
	__m256i tw[V256_W], b[V256_W];

	tw[0] = v256_first_tweaks(t2);
#pragma GCC unroll 8
	for (unsigned i = 1; i < V256_W; i++)
		tw[i] = v256_mul_alpha_n(tw[0], 2 * i);
	for (unsigned g = 0; g < CRYPTO_SECTOR_BLOCKS; g += V256_GROUP) {
		const __m256i_u *s = (const __m256i_u *)(const void *)(src + 16 * g);
		__m256i_u *d = (__m256i_u *)(void *)(dst + 16 * g);

		if (g) {
#pragma GCC unroll 8
			for (unsigned i = 0; i < V256_W; i++)
				tw[i] = v256_mul_alpha_n(tw[i], V256_GROUP);
		}
#pragma GCC unroll 8
		for (unsigned i = 0; i < V256_W; i++)
			b[i] = _mm256_xor_si256(_mm256_loadu_si256(s + i), tw[i]);
		v256_crypt(b, V256_W, sched, decrypt);
#pragma GCC unroll 8
		for (unsigned i = 0; i < V256_W; i++)
			_mm256_storeu_si256(d + i, _mm256_xor_si256(b[i], tw[i]));
	}
}

V256_FN void v256_xts(const struct crypto_xts *x, uint64_t lba, const uint8_t *src,
		      uint8_t *dst, size_t nsect, int decrypt)
{
	const uint32_t *sched = decrypt ? x->dec : x->enc;

	while (nsect) {
		size_t n = nsect < V256_SECTS ? nsect : V256_SECTS;
		/* Sector j's plain64 IV in lane j % 2 of t[j / 2]. */
		__m256i t[2] = {
			_mm256_set_epi64x(0, (long long)(lba + 1), 0, (long long)lba),
			_mm256_set_epi64x(0, (long long)(lba + 3), 0, (long long)(lba + 2)),
		};

		v256_crypt(t, 2, x->twk, 0);
		for (size_t j = 0; j < n; j++) {
			__m256i pair = j < 2 ? t[0] : t[1];
			__m256i t2 = (j & 1) ? _mm256_permute4x64_epi64(pair, 0xEE)
					     : _mm256_permute4x64_epi64(pair, 0x44);

			v256_sector(sched, t2, src, dst, decrypt);
			src += CRYPTO_SECTOR_SIZE;
			dst += CRYPTO_SECTOR_SIZE;
		}
		lba += n;
		nsect -= n;
	}
}

__attribute__((V256_TARGET)) void crypto_vaes256_encrypt(const struct crypto_xts *x, uint64_t lba,
							 const uint8_t *src, uint8_t *dst,
							 size_t nsect)
{
	v256_xts(x, lba, src, dst, nsect, 0);
}

__attribute__((V256_TARGET)) void crypto_vaes256_decrypt(const struct crypto_xts *x, uint64_t lba,
							 const uint8_t *src, uint8_t *dst,
							 size_t nsect)
{
	v256_xts(x, lba, src, dst, nsect, 1);
}

__attribute__((V256_TARGET, noinline)) void crypto_vaes256_burn(void)
{
	__m256i pad[CRYPTO_BURN_SIMD / 32];

#pragma GCC unroll 1024
	for (unsigned i = 0; i < CRYPTO_BURN_SIMD / 32; i++)
		pad[i] = _mm256_setzero_si256();
	__asm__ __volatile__("" : : "r"(pad) : "memory");
}
