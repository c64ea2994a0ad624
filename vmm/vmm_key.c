/*
 * vmm_key.c - the hypervisor's side of the key file: check it, and unwrap
 * the disk key with the passphrase typed at boot, without libc or
 * OpenSSL (crypto_sha256.c, crypto_gcm.c do the work).
 *
 * The file (layout in vmm.h, format in cli/KEYFILE.md) is checked field
 * by field before its checksum, so that a damaged version or KDF byte is
 * named rather than reported as a checksum mismatch. The SHA-256 over the
 * whole file is what separates "damaged" from "wrong passphrase": with an
 * intact checksum, a GCM tag that fails means the passphrase derived the
 * wrong wrapping key. The checksum has no secret, so it protects against
 * accidents only; an attacker who edits the file and fixes the checksum
 * still meets the tag, which binds the header too (bytes 0-47 are the
 * additional data), and sees "wrong passphrase".
 *
 * Everything derived from the passphrase is wiped before returning, and
 * the caller's key buffer holds a key only on success.
 */
#include "crypto/crypto.h"
#include "vmm.h"

static const char *const key_fault_text[VMM_KEY_FAULT_COUNT] = {
	[VMM_KEY_OK] = "ok",
	[VMM_KEY_FOREIGN] = "not a parapass key file (no key-file magic; a raw 64-byte key?)",
	[VMM_KEY_VERSION] = "key-file version not supported by this build",
	[VMM_KEY_TRUNCATED] = "key file truncated (shorter than 160 bytes)",
	[VMM_KEY_TRAILING] = "key file has trailing bytes (longer than 160 bytes)",
	[VMM_KEY_KDF] = "key file names an unknown KDF (damaged?)",
	[VMM_KEY_CIPHER] = "key file names an unknown or mismatched cipher (damaged?)",
	[VMM_KEY_ITERATIONS] = "key file iteration count out of range (damaged?)",
	[VMM_KEY_KEYLEN] = "key file key length is not 64 (damaged?)",
	[VMM_KEY_CHECKSUM] = "key file checksum mismatch: the file is damaged",
	[VMM_KEY_PASSPHRASE] = "wrong passphrase",
	[VMM_KEY_WEAK] = "the key in the file has equal halves: not an XTS key",
};

const char *vmm_key_fault_str(unsigned fault)
{
	if (fault >= VMM_KEY_FAULT_COUNT)
		return "unknown key-file fault";
	return key_fault_text[fault];
}

static uint32_t key_le(const uint8_t *p, unsigned n)
{
	uint32_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

/* The fields that need no checksum to judge, in the order of enum vmm_key_fault. */
static unsigned key_check_fields(const uint8_t *f, size_t len, struct vmm_key_info *info)
{
	size_t mlen = len < 8 ? len : 8;

	if (vmm_memcmp(f, VMM_KEY_MAGIC, mlen))
		return VMM_KEY_FOREIGN;
	if (len < VMM_KEY_OFF_VERSION + 2)
		return VMM_KEY_TRUNCATED;
	info->version = (uint16_t)key_le(f + VMM_KEY_OFF_VERSION, 2);
	if (info->version != VMM_KEY_FORMAT_VERSION)
		return VMM_KEY_VERSION;
	if (len < VMM_KEY_FILE_SIZE)
		return VMM_KEY_TRUNCATED;
	if (len > VMM_KEY_FILE_SIZE)
		return VMM_KEY_TRAILING;
	info->kdf = f[VMM_KEY_OFF_KDF];
	info->cipher = f[VMM_KEY_OFF_CIPHER];
	info->iterations = key_le(f + VMM_KEY_OFF_ITER, 4);
	switch (info->kdf) {
	case VMM_KEY_KDF_NONE:
		if (info->cipher != VMM_KEY_CIPHER_NONE)
			return VMM_KEY_CIPHER;
		if (info->iterations)
			return VMM_KEY_ITERATIONS;
		break;
	case VMM_KEY_KDF_PBKDF2_SHA256:
		if (info->cipher != VMM_KEY_CIPHER_AES256_GCM)
			return VMM_KEY_CIPHER;
		if (info->iterations < VMM_KEY_ITER_MIN || info->iterations > VMM_KEY_ITER_MAX)
			return VMM_KEY_ITERATIONS;
		break;
	default:
		return VMM_KEY_KDF;
	}
	if (key_le(f + VMM_KEY_OFF_KEYLEN, 4) != 64)
		return VMM_KEY_KEYLEN;
	return VMM_KEY_OK;
}

int vmm_key_parse(const void *file, size_t len, struct vmm_key_info *info)
{
	uint8_t sum[CRYPTO_SHA256_SIZE], diff = 0;

	vmm_memset(info, 0, sizeof(*info));
	info->fault = (uint8_t)key_check_fields(file, len, info);
	if (info->fault != VMM_KEY_OK)
		return PP_EINVAL;
	hal_simd_begin();
	crypto_sha256(file, VMM_KEY_OFF_SUM, sum);
	hal_simd_end();
	for (unsigned i = 0; i < CRYPTO_SHA256_SIZE; i++)
		diff |= sum[i] ^ ((const uint8_t *)file)[VMM_KEY_OFF_SUM + i];
	if (diff) {
		info->fault = VMM_KEY_CHECKSUM;
		return PP_EINVAL;
	}
	return PP_OK;
}

/* PBKDF2 the wrapping key, then open the GCM box into key. */
static int key_open(const uint8_t *f, uint32_t iterations, const char *pass, size_t plen,
		    uint8_t key[64])
{
	uint8_t kek[CRYPTO_GCM_KEY_SIZE];
	int err;

	hal_simd_begin();
	err = crypto_pbkdf2_sha256(pass, plen, f + VMM_KEY_OFF_SALT, VMM_KEY_SALT_LEN, iterations,
				   kek, sizeof(kek));
	if (!err)
		err = crypto_gcm_decrypt(kek, f + VMM_KEY_OFF_NONCE, VMM_KEY_NONCE_LEN, f,
					 VMM_KEY_AAD_LEN, f + VMM_KEY_OFF_KEY, key, 64,
					 f + VMM_KEY_OFF_TAG);
	hal_simd_end();
	vmm_wipe(kek, sizeof(kek));
	return err;
}

int vmm_key_unwrap(const void *file, size_t len, const char *pass, size_t plen,
		   uint8_t key[64], struct vmm_key_info *info)
{
	const uint8_t *f = file;
	struct vmm_key_info local;
	uint8_t diff = 0;

	if (!info)
		info = &local;
	vmm_memset(key, 0, 64);
	if (vmm_key_parse(file, len, info))
		return PP_EINVAL;
	if (info->kdf == VMM_KEY_KDF_NONE) {
		vmm_memcpy(key, f + VMM_KEY_OFF_KEY, 64);
	} else if (key_open(f, info->iterations, pass ? pass : "", pass ? plen : 0, key)) {
		vmm_wipe(key, 64);
		info->fault = VMM_KEY_PASSPHRASE;
		return PP_EKEY;
	}
	/* IEEE 1619 5.1: Key1 != Key2; compared without an early exit. */
	for (unsigned i = 0; i < 32; i++)
		diff |= key[i] ^ key[32 + i];
	if (!diff) {
		vmm_wipe(key, 64);
		info->fault = VMM_KEY_WEAK;
		return PP_EINVAL;
	}
	return PP_OK;
}
