/*
 * crypto_vaes512.c - AES-256-XTS with VAES and VPCLMULQDQ on zmm
 * registers (AVX-512): four blocks per register, a whole 512-byte sector
 * (eight registers, 32 blocks) in flight at once.
 *
 * Tweaks: lane i of register r carries T * alpha^(4r+i), for 4r+i < 32
 * a 128-bit left shift of T by 4r+i bits (per-lane variable shifts) whose
 * carry-out is folded back with a carry-less multiply by 0x87 (IEEE 1619
 * 5.2). Every register comes straight from T: no serial chain of
 * doublings. The tweaks of four sectors are encrypted in one register.
 *
 * Round keys are broadcast from the context into a register each round
 * and never stored by this code; what the compiler spills (it does at
 * -O1) the dispatcher's burn scrubs.
 */
#include <immintrin.h>

#include "crypto/crypto_priv.h"

#define V512_TARGET target("avx512f,avx512bw,avx512vl,avx2,avx,vaes,vpclmulqdq,aes,pclmul")
#define V512_FN __attribute__((V512_TARGET, always_inline)) static inline
#define V512_REGS (CRYPTO_SECTOR_BLOCKS / 4) /* zmm per sector */
#define V512_SECTS 4                         /* sectors whose tweaks share a register */
#define XOR3 0x96                            /* vpternlog truth table of a ^ b ^ c */

V512_FN __m512i v512_rk(const uint32_t *sched, unsigned r)
{
	return _mm512_broadcast_i32x4(_mm_load_si128((const __m128i *)(const void *)(sched + 4 * r)));
}

/*
 * Combine a per-qword left shift with its carries: the bits leaving qword
 * 0 of a lane (in c's qword 0) enter qword 1; those leaving qword 1 are
 * reduced by x^128 = x^7 + x^2 + x + 1, which for shifts below 57 bits
 * stays inside qword 0.
 */
V512_FN __m512i v512_fold(__m512i shifted, __m512i c)
{
	const __m512i poly = _mm512_set1_epi64(CRYPTO_XTS_POLY);

	return _mm512_ternarylogic_epi64(shifted, _mm512_bslli_epi128(c, 8),
					 _mm512_clmulepi64_epi128(c, poly, 0x01), XOR3);
}

/*
 * w registers (a constant after inlining) through all 14 rounds. With out
 * non-NULL the last round also XORs out[j], the output tweak: the last
 * round ends in its key XOR, so key ^ tweak there takes one XOR off the
 * end of every chain.
 */
V512_FN void v512_crypt(__m512i *b, unsigned w, const uint32_t *sched, int decrypt,
			const __m512i *out)
{
	__m512i k = v512_rk(sched, 0);

#pragma GCC unroll 8
	for (unsigned j = 0; j < w; j++)
		b[j] = _mm512_xor_si512(b[j], k);
#pragma GCC unroll 13
	for (unsigned r = 1; r < CRYPTO_AES256_ROUNDS; r++) {
		k = v512_rk(sched, r);
#pragma GCC unroll 8
		for (unsigned j = 0; j < w; j++)
			b[j] = decrypt ? _mm512_aesdec_epi128(b[j], k) : _mm512_aesenc_epi128(b[j], k);
	}
	k = v512_rk(sched, CRYPTO_AES256_ROUNDS);
#pragma GCC unroll 8
	for (unsigned j = 0; j < w; j++) {
		__m512i kj = out ? _mm512_xor_si512(k, out[j]) : k;

		b[j] = decrypt ? _mm512_aesdeclast_epi128(b[j], kj) : _mm512_aesenclast_epi128(b[j], kj);
	}
}

/* One sector; t4 is its encrypted tweak in all four lanes. */
V512_FN void v512_sector(const uint32_t *sched, __m512i t4, const uint8_t *src, uint8_t *dst,
			 int decrypt)
{
	__m512i tw[V512_REGS], b[V512_REGS];

	/* Each register straight from T: no chain of multiplications to wait on. */
#pragma GCC unroll 8
	for (unsigned i = 0; i < V512_REGS; i++) {
		const __m512i sl = _mm512_add_epi64(_mm512_set_epi64(3, 3, 2, 2, 1, 1, 0, 0),
						    _mm512_set1_epi64(4 * i));
		/* Count 64 (lane 0 of register 0) shifts everything out: no carry. */
		const __m512i sr = _mm512_sub_epi64(_mm512_set1_epi64(64), sl);

		tw[i] = v512_fold(_mm512_sllv_epi64(t4, sl), _mm512_srlv_epi64(t4, sr));
	}
#pragma GCC unroll 8
	for (unsigned i = 0; i < V512_REGS; i++)
		b[i] = _mm512_xor_si512(_mm512_loadu_si512(src + 64 * i), tw[i]);
	v512_crypt(b, V512_REGS, sched, decrypt, tw);
#pragma GCC unroll 8
	for (unsigned i = 0; i < V512_REGS; i++)
		_mm512_storeu_si512(dst + 64 * i, b[i]);
}

V512_FN void v512_xts(const struct crypto_xts *x, uint64_t lba, const uint8_t *src,
		      uint8_t *dst, size_t nsect, int decrypt)
{
	const uint32_t *sched = decrypt ? x->dec : x->enc;
	const __m512i lane = _mm512_set_epi64(0, 3, 0, 2, 0, 1, 0, 0);
	const __m512i pick = _mm512_set_epi64(1, 0, 1, 0, 1, 0, 1, 0);

	if (nsect == 1) {
		/* A lone sector: its IV in every lane, so the tweak needs no permute. */
		__m512i t = _mm512_maskz_set1_epi64(0x55, (long long)lba);

		v512_crypt(&t, 1, x->twk, 0, NULL);
		v512_sector(sched, t, src, dst, decrypt);
		return;
	}
	while (nsect) {
		size_t n = nsect < V512_SECTS ? nsect : V512_SECTS;
		/* Lane j: LE64(lba + j) || 0^8, the plain64 IV of sector j. */
		__m512i t = _mm512_add_epi64(_mm512_maskz_set1_epi64(0x55, (long long)lba), lane);

		v512_crypt(&t, 1, x->twk, 0, NULL);
		for (size_t j = 0; j < n; j++) {
			__m512i idx = _mm512_add_epi64(pick, _mm512_set1_epi64((long long)(2 * j)));

			v512_sector(sched, _mm512_permutexvar_epi64(idx, t), src, dst, decrypt);
			src += CRYPTO_SECTOR_SIZE;
			dst += CRYPTO_SECTOR_SIZE;
		}
		lba += n;
		nsect -= n;
	}
}

__attribute__((V512_TARGET)) void crypto_vaes512_encrypt(const struct crypto_xts *x, uint64_t lba,
							 const uint8_t *src, uint8_t *dst,
							 size_t nsect)
{
	v512_xts(x, lba, src, dst, nsect, 0);
}

__attribute__((V512_TARGET)) void crypto_vaes512_decrypt(const struct crypto_xts *x, uint64_t lba,
							 const uint8_t *src, uint8_t *dst,
							 size_t nsect)
{
	v512_xts(x, lba, src, dst, nsect, 1);
}

__attribute__((V512_TARGET, noinline)) void crypto_vaes512_burn(void)
{
	__m512i pad[CRYPTO_BURN_SIMD / 64];

#pragma GCC unroll 1024
	for (unsigned i = 0; i < CRYPTO_BURN_SIMD / 64; i++)
		pad[i] = _mm512_setzero_si512();
	__asm__ __volatile__("" : : "r"(pad) : "memory");
}
