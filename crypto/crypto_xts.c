/*
 * crypto_xts.c - the public API: key setup and wipe, and the dispatch of
 * each call to the implementation chosen by CPUID (or pinned by
 * crypto_impl_force()).
 */
#include "crypto/crypto_priv.h"

static const struct crypto_impl_desc {
	const char *name;
	uint32_t needs; /* CRYPTO_CPU_* bits; 0 for the portable code */
	crypto_xts_fn *encrypt, *decrypt;
	crypto_burn_fn *burn;
} impls[CRYPTO_IMPL_COUNT] = {
	[CRYPTO_IMPL_AUTO] = { .name = "auto" },
	[CRYPTO_IMPL_GENERIC] = {
		.name = "generic",
		.encrypt = crypto_generic_encrypt,
		.decrypt = crypto_generic_decrypt,
		.burn = crypto_generic_burn,
	},
	[CRYPTO_IMPL_AESNI] = {
		.name = "aesni",
		.needs = CRYPTO_CPU_AESNI,
		.encrypt = crypto_aesni_encrypt,
		.decrypt = crypto_aesni_decrypt,
		.burn = crypto_aesni_burn,
	},
	[CRYPTO_IMPL_VAES256] = {
		.name = "vaes256",
		.needs = CRYPTO_CPU_VAES256,
		.encrypt = crypto_vaes256_encrypt,
		.decrypt = crypto_vaes256_decrypt,
		.burn = crypto_vaes256_burn,
	},
	[CRYPTO_IMPL_VAES512] = {
		.name = "vaes512",
		.needs = CRYPTO_CPU_VAES512,
		.encrypt = crypto_vaes512_encrypt,
		.decrypt = crypto_vaes512_decrypt,
		.burn = crypto_vaes512_burn,
	},
};

/* enum crypto_impl; CRYPTO_IMPL_AUTO until the first call resolves it. */
static int impl_active;

void crypto_wipe(void *p, size_t n)
{
	/* Volatile stores: neither dropped as dead nor turned into a memset call. */
	volatile uint8_t *b = p;

	while (n && ((uintptr_t)b & 7)) {
		*b++ = 0;
		n--;
	}
	for (; n >= 8; n -= 8, b += 8)
		*(volatile uint64_t *)(uintptr_t)b = 0;
	while (n--)
		*b++ = 0;
}

int crypto_impl_supported(enum crypto_impl impl)
{
	if ((unsigned)impl >= CRYPTO_IMPL_COUNT)
		return 0;
	if (impl == CRYPTO_IMPL_AUTO)
		return 1;
	if (!impls[impl].encrypt)
		return 0;
	return (crypto_cpu_features() & impls[impl].needs) == impls[impl].needs;
}

enum crypto_impl crypto_impl_best(void)
{
	/* The enum lists implementations slowest first. */
	for (int i = CRYPTO_IMPL_COUNT - 1; i > CRYPTO_IMPL_GENERIC; i--)
		if (crypto_impl_supported((enum crypto_impl)i))
			return (enum crypto_impl)i;
	return CRYPTO_IMPL_GENERIC;
}

int crypto_impl_force(enum crypto_impl impl)
{
	if ((unsigned)impl >= CRYPTO_IMPL_COUNT || !crypto_impl_supported(impl))
		return CRYPTO_ENOTSUP;
	if (impl == CRYPTO_IMPL_AUTO)
		impl = crypto_impl_best();
	__atomic_store_n(&impl_active, (int)impl, __ATOMIC_RELAXED);
	return CRYPTO_OK;
}

enum crypto_impl crypto_impl_active(void)
{
	int impl = __atomic_load_n(&impl_active, __ATOMIC_RELAXED);

	if (impl == CRYPTO_IMPL_AUTO) {
		impl = (int)crypto_impl_best();
		__atomic_store_n(&impl_active, impl, __ATOMIC_RELAXED);
	}
	return (enum crypto_impl)impl;
}

const char *crypto_impl_name(enum crypto_impl impl)
{
	if ((unsigned)impl >= CRYPTO_IMPL_COUNT)
		return "?";
	return impls[impl].name;
}

int crypto_xts_setkey(struct crypto_xts *x, const uint8_t key[CRYPTO_XTS_KEY_SIZE])
{
	const size_t half = CRYPTO_XTS_KEY_SIZE / 2;
	uint8_t diff = 0;

	/* IEEE 1619 5.1 wants Key1 != Key2; compare without an early exit. */
	for (size_t i = 0; i < half; i++)
		diff |= key[i] ^ key[half + i];
	if (!diff) {
		crypto_xts_wipe(x);
		return CRYPTO_EKEY;
	}
	crypto_aes256_expand(x->enc, key);
	crypto_aes256_expand(x->twk, key + half);
	crypto_aes256_dec_schedule(x->dec, x->enc);
	crypto_generic_burn();
	__asm__ __volatile__("" : : : "memory");
	return CRYPTO_OK;
}

void crypto_xts_wipe(struct crypto_xts *x)
{
	crypto_wipe(x, sizeof(*x));
}

/* The path and its burn are called from the same depth (see crypto_priv.h). */
void crypto_xts_encrypt(const struct crypto_xts *x, uint64_t lba, const void *src, void *dst,
			size_t nsect)
{
	const struct crypto_impl_desc *d = &impls[crypto_impl_active()];

	if (!nsect)
		return;
	d->encrypt(x, lba, src, dst, nsect);
	d->burn();
	/* Keeps the burn from becoming a tail call made from a shallower depth. */
	__asm__ __volatile__("" : : : "memory");
}

void crypto_xts_decrypt(const struct crypto_xts *x, uint64_t lba, const void *src, void *dst,
			size_t nsect)
{
	const struct crypto_impl_desc *d = &impls[crypto_impl_active()];

	if (!nsect)
		return;
	d->decrypt(x, lba, src, dst, nsect);
	d->burn();
	__asm__ __volatile__("" : : : "memory");
}
