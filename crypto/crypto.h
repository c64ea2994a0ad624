/*
 * crypto.h - AES-256-XTS over 512-byte sectors, the one cipher parapass
 * needs. Freestanding: includes only the compiler's stdint/stddef, calls
 * nothing outside this module.
 *
 * Format (dm-crypt "aes-xts-plain64"): data unit 512 bytes; tweak = the
 * absolute LBA as a 64-bit little-endian number zero-padded to 16 bytes;
 * of the 64-byte key the first 32 bytes are the data key and the last 32
 * the tweak key (IEEE P1619-2007). A disk written this way opens with
 *   cryptsetup open --type plain --cipher aes-xts-plain64 --key-size 512 \
 *       --key-file KEY DEV NAME
 *
 * Implementations, chosen at run time by CPUID (crypto_impl_force() pins
 * one for tests and benchmarks): VAES+VPCLMULQDQ on 512-bit (AVX-512) or
 * 256-bit (AVX2) vectors, AES-NI, and a portable constant-time fallback
 * that indexes no table with secret data.
 *
 * Inside the hypervisor the SIMD registers belong to the guest. Every
 * call into this module may use them: crypto/ is not built with
 * -mgeneral-regs-only, so gcc vectorizes even the portable code with SSE2,
 * and the fast paths use xmm, ymm and zmm0-31 and the opmask registers.
 * So bracket every call (setkey and wipe included) with hal_simd_begin()/
 * hal_simd_end(): the VT-x backend must XSAVE the guest's extended state
 * covering x87/SSE (XCR0 bits 0-1), AVX (bit 2) and, when the VAES-512
 * path may run, the AVX-512 state (bits 5-7), and XRSTOR it before the
 * next VM entry. It must also have CR4.OSFXSR and CR4.OSXSAVE set and
 * XCR0 enabling those components, or crypto_impl_best() will not offer
 * the paths that need them (CPUID alone is not trusted: crypto_cpu.c
 * checks XGETBV). After a call the vector registers may still hold round
 * keys and plaintext: XRSTOR of the guest state overwrites them, so the
 * guest must never be resumed without it. The hosted build needs none of
 * this. Stack: a call needs about 4.5 KiB on the portable path and under
 * 1 KiB on the others (each call scrubs the stack its path used).
 */
#ifndef CRYPTO_H
#define CRYPTO_H

#include <stddef.h>
#include <stdint.h>

#define CRYPTO_SECTOR_SIZE 512
#define CRYPTO_XTS_KEY_SIZE 64

/* Return codes: the same values as PP_EKEY / PP_ENOTSUP in hal/hal.h. */
#define CRYPTO_OK 0
#define CRYPTO_ENOTSUP (-8)
#define CRYPTO_EKEY (-9)

enum crypto_impl {
	CRYPTO_IMPL_AUTO = 0,  /* the fastest the CPU supports */
	CRYPTO_IMPL_GENERIC,   /* constant-time portable C */
	CRYPTO_IMPL_AESNI,     /* AES-NI on xmm */
	CRYPTO_IMPL_VAES256,   /* VAES + VPCLMULQDQ on ymm (AVX2) */
	CRYPTO_IMPL_VAES512,   /* VAES + VPCLMULQDQ on zmm (AVX-512) */
	CRYPTO_IMPL_COUNT
};

/*
 * Expanded keys of one XTS key. Opaque to callers; 16-byte aligned so the
 * SIMD paths load round keys directly.
 */
struct crypto_xts {
	uint32_t enc[60] __attribute__((aligned(16)));  /* data key, encryption schedule */
	uint32_t dec[60] __attribute__((aligned(16)));  /* data key, decryption schedule */
	uint32_t twk[60] __attribute__((aligned(16)));  /* tweak key, encryption schedule */
};

/*
 * Expand a 64-byte XTS key. CRYPTO_EKEY if its two halves are equal
 * (IEEE P1619 requires distinct keys; dm-crypt refuses them too); the
 * context is then wiped.
 */
int crypto_xts_setkey(struct crypto_xts *x, const uint8_t key[CRYPTO_XTS_KEY_SIZE]);

/*
 * Encrypt/decrypt nsect consecutive 512-byte sectors, the first at LBA
 * lba (tweak lba, lba+1, ...), from src to dst. src == dst works in place;
 * otherwise the buffers must not overlap. No alignment is required.
 */
void crypto_xts_encrypt(const struct crypto_xts *x, uint64_t lba, const void *src, void *dst,
			size_t nsect);
void crypto_xts_decrypt(const struct crypto_xts *x, uint64_t lba, const void *src, void *dst,
			size_t nsect);

/* Zero the expanded keys so that the compiler cannot drop the stores. */
void crypto_xts_wipe(struct crypto_xts *x);

/* Whether this CPU (and its enabled XCR0 state) can run impl. */
int crypto_impl_supported(enum crypto_impl impl);
/* The fastest supported implementation. */
enum crypto_impl crypto_impl_best(void);
/*
 * Pin the implementation every later call uses (CRYPTO_IMPL_AUTO = best).
 * CRYPTO_ENOTSUP if the CPU cannot run it; the choice is then unchanged.
 */
int crypto_impl_force(enum crypto_impl impl);
/* The implementation calls use now. */
enum crypto_impl crypto_impl_active(void);
/* "generic", "aesni", "vaes256", "vaes512" ("auto" for CRYPTO_IMPL_AUTO). */
const char *crypto_impl_name(enum crypto_impl impl);

/*
 * ==== Key-file primitives (issue 7; crypto_sha256.c, crypto_gcm.c) ====
 * What vmm/vmm_key.c needs to unwrap a passphrase-wrapped key inside the
 * hypervisor, where OpenSSL is not: SHA-256 (FIPS 180-4), HMAC-SHA-256
 * (RFC 2104), PBKDF2-HMAC-SHA-256 (RFC 8018 5.2) and AES-256-GCM (NIST
 * SP 800-38D) on the constant-time portable AES. Not on the disk path,
 * so not fast, but constant time where secrets flow. The same rules as
 * above: freestanding, and bracket calls with hal_simd_begin()/end().
 */
#define CRYPTO_EINVAL (-1)  /* the same value as PP_EINVAL */

#define CRYPTO_SHA256_SIZE 32
#define CRYPTO_SHA256_BLOCK 64
#define CRYPTO_GCM_KEY_SIZE 32
#define CRYPTO_GCM_TAG_SIZE 16

struct crypto_sha256 {
	uint32_t h[8];
	uint64_t bytes;                   /* message bytes so far */
	uint8_t buf[CRYPTO_SHA256_BLOCK]; /* a partial block */
	size_t fill;
};

void crypto_sha256_init(struct crypto_sha256 *c);
void crypto_sha256_update(struct crypto_sha256 *c, const void *data, size_t len);
/* Write the digest, then wipe the context. */
void crypto_sha256_final(struct crypto_sha256 *c, uint8_t out[CRYPTO_SHA256_SIZE]);
void crypto_sha256(const void *data, size_t len, uint8_t out[CRYPTO_SHA256_SIZE]);
void crypto_hmac_sha256(const void *key, size_t klen, const void *msg, size_t mlen,
			uint8_t out[CRYPTO_SHA256_SIZE]);
/*
 * dklen bytes derived from pass and salt with iterations rounds.
 * CRYPTO_EINVAL for iterations or dklen of 0. Wipes its intermediates.
 */
int crypto_pbkdf2_sha256(const void *pass, size_t plen, const void *salt, size_t slen,
			 uint32_t iterations, uint8_t *out, size_t dklen);

/*
 * AES-256-GCM with a 16-byte tag; any IV length from 1 byte (12 is the
 * fast and recommended one). src == dst works in place. CRYPTO_EINVAL
 * for an empty IV or more than 2^32 - 2 blocks of data.
 */
int crypto_gcm_encrypt(const uint8_t key[CRYPTO_GCM_KEY_SIZE], const uint8_t *iv, size_t ivlen,
		       const void *aad, size_t alen, const void *src, void *dst, size_t len,
		       uint8_t tag[CRYPTO_GCM_TAG_SIZE]);
/*
 * Checks the tag in constant time before decrypting anything: on a
 * mismatch it returns CRYPTO_EKEY and dst is not written.
 */
int crypto_gcm_decrypt(const uint8_t key[CRYPTO_GCM_KEY_SIZE], const uint8_t *iv, size_t ivlen,
		       const void *aad, size_t alen, const void *src, void *dst, size_t len,
		       const uint8_t tag[CRYPTO_GCM_TAG_SIZE]);
/* ==== end of the key-file primitives ==== */

#endif /* CRYPTO_H */
