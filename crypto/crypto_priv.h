/*
 * crypto_priv.h - what the files of crypto/ share and the tests may call.
 * Not part of the public API (crypto.h); nothing outside crypto/ and
 * tests/crypto/ includes it.
 *
 * Key schedules in struct crypto_xts hold round keys in FIPS-197 byte
 * order: round key r is bytes 16r..16r+15 of the array (word i of
 * FIPS-197 5.2 stored little-endian, byte 0 first), which is what
 * AESENC/VAESENC load directly. dec[] is the Equivalent Inverse Cipher
 * schedule (FIPS-197 5.3.5): dec round r = InvMixColumns(enc round 14-r)
 * for r = 1..13, the first and last unchanged.
 */
#ifndef CRYPTO_PRIV_H
#define CRYPTO_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"

#define CRYPTO_AES_BLOCK 16
#define CRYPTO_AES256_ROUNDS 14
#define CRYPTO_SECTOR_BLOCKS (CRYPTO_SECTOR_SIZE / CRYPTO_AES_BLOCK)

/* XTS multiply-by-alpha reduction: x^128 = x^7 + x^2 + x + 1 (IEEE 1619 5.2). */
#define CRYPTO_XTS_POLY 0x87

/*
 * One implementation's sector loop: nsect sectors from src to dst (equal
 * or disjoint), tweaks lba, lba+1, ...; nsect >= 1.
 */
typedef void crypto_xts_fn(const struct crypto_xts *x, uint64_t lba, const uint8_t *src,
			   uint8_t *dst, size_t nsect);

/* ---- crypto_cpu.c: what the CPU and the OS (XCR0) allow ---- */
enum {
	CRYPTO_CPU_AESNI = 1u << 0,   /* AES-NI and SSE4.1 (legacy SSE encoding) */
	CRYPTO_CPU_VAES256 = 1u << 1, /* VAES+VPCLMULQDQ on ymm, AVX2, XCR0 SSE|AVX */
	CRYPTO_CPU_VAES512 = 1u << 2, /* the same on zmm, AVX-512 F/BW/VL, XCR0 opmask|ZMM */
};

/* Raw CPUID/XGETBV words the decision depends on (Intel SDM vol. 2A, CPUID). */
struct crypto_cpuid {
	uint32_t max_leaf;  /* CPUID.0:EAX */
	uint32_t l1_ecx;    /* CPUID.1:ECX */
	uint32_t l7_ebx;    /* CPUID.(7,0):EBX */
	uint32_t l7_ecx;    /* CPUID.(7,0):ECX */
	uint64_t xcr0;      /* XGETBV(0), only meaningful if CPUID.1:ECX.OSXSAVE */
};

/* Pure decision from raw words (table-tested); CRYPTO_CPU_* bits. */
uint32_t crypto_cpu_decode(const struct crypto_cpuid *c);
/* The same for the CPU this runs on; read once, then cached. */
uint32_t crypto_cpu_features(void);

/* ---- crypto_generic.c: constant-time portable AES and XTS ---- */
/* FIPS-197 5.2 key expansion of a 32-byte key into 60 words. */
void crypto_aes256_expand(uint32_t w[60], const uint8_t key[32]);
/* FIPS-197 5.3.5 decryption schedule from an encryption schedule. */
void crypto_aes256_dec_schedule(uint32_t dk[60], const uint32_t ek[60]);
/* SubWord (S-box on each byte of w) and its inverse, constant time. */
uint32_t crypto_aes_subword(uint32_t w);
uint32_t crypto_aes_inv_subword(uint32_t w);
/* nblocks blocks of ECB with an encryption schedule (tests, tweaks). */
void crypto_generic_ecb(const uint32_t ek[60], const uint8_t *src, uint8_t *dst, size_t nblocks,
			int decrypt);

crypto_xts_fn crypto_generic_encrypt, crypto_generic_decrypt;
crypto_xts_fn crypto_aesni_encrypt, crypto_aesni_decrypt;
crypto_xts_fn crypto_vaes256_encrypt, crypto_vaes256_decrypt;
crypto_xts_fn crypto_vaes512_encrypt, crypto_vaes512_decrypt;

/*
 * Whatever the compiler spills (round keys included) stays in dead stack
 * after a call returns. The dispatcher calls the path's burn function
 * right after the path, from the same depth, so that its zeroed frame
 * overlays the path's (libgcrypt's "burn stack"). Each burn uses the
 * path's widest stores; the depths cover the deepest frame with margin.
 * The sanitizer build spills far more. check_crypto_xts.c searches the
 * dead stack for round keys after every path.
 */
#ifdef __SANITIZE_ADDRESS__
#define CRYPTO_BURN_SIMD 8192
#define CRYPTO_BURN_GENERIC 8192
#else
#define CRYPTO_BURN_SIMD 512     /* measured: under 300 bytes with gcc 12 -O2 */
#define CRYPTO_BURN_GENERIC 4096 /* measured: about 2.8 KiB */
#endif

typedef void crypto_burn_fn(void);
crypto_burn_fn crypto_generic_burn, crypto_aesni_burn, crypto_vaes256_burn, crypto_vaes512_burn;

/* ---- crypto_xts.c ---- */
/* Zero n bytes with stores the compiler must keep. */
void crypto_wipe(void *p, size_t n);

/* Unaligned little-endian access; gcc turns these into plain moves. */
static inline uint64_t crypto_load64(const void *p)
{
	uint64_t v;

	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}

static inline void crypto_store64(void *p, uint64_t v)
{
	__builtin_memcpy(p, &v, sizeof(v));
}

static inline uint32_t crypto_load32(const void *p)
{
	uint32_t v;

	__builtin_memcpy(&v, p, sizeof(v));
	return v;
}

#endif /* CRYPTO_PRIV_H */
