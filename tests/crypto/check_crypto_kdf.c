/*
 * check_crypto_kdf.c - the key-file primitives of crypto/ (crypto_sha256.c,
 * crypto_gcm.c): published vectors (FIPS 180-4 examples, RFC 4231 HMAC,
 * RFC 7914 section 11 PBKDF2-HMAC-SHA-256, the GCM specification's AES-256
 * test cases 13-18), cross-checks against OpenSSL on random inputs, tag
 * checks that refuse every single-bit change, and no derived key or
 * plaintext left on the dead stack.
 */
#include <check.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "tests/crypto/crypto_test.h"

/* ---- SHA-256 ---- */
struct sha_case {
	const char *msg;
	size_t repeat;
	const char *digest;
};

/* FIPS 180-4 examples (NIST CSRC "Examples with intermediate values"). */
static const struct sha_case sha_cases[] = {
	{ "", 1, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" },
	{ "abc", 1, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
	{ "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", 1,
	  "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1" },
	{ "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqr"
	  "lmnopqrsmnopqrstnopqrstu", 1,
	  "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1" },
	{ "a", 1000000, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0" },
};

START_TEST(test_sha256_vectors)
{
	const struct sha_case *c = &sha_cases[_i];
	struct crypto_sha256 ctx;
	uint8_t got[32], want[32];

	ct_unhex(c->digest, want, 32);
	crypto_sha256_init(&ctx);
	for (size_t r = 0; r < c->repeat; r++)
		crypto_sha256_update(&ctx, c->msg, strlen(c->msg));
	crypto_sha256_final(&ctx, got);
	ck_assert_mem_eq(got, want, 32);
}
END_TEST

/* Every split of a message into two updates, every length 0..200, against OpenSSL. */
START_TEST(test_sha256_splits_openssl)
{
	uint8_t msg[200], want[32], got[32];
	uint64_t seed = 0x5A256;
	unsigned int wl;

	ct_fill(&seed, msg, sizeof(msg));
	for (size_t len = 0; len <= sizeof(msg); len++) {
		ck_assert_int_eq(EVP_Digest(msg, len, want, &wl, EVP_sha256(), NULL), 1);
		crypto_sha256(msg, len, got);
		ck_assert_mem_eq(got, want, 32);
		for (size_t cut = 0; cut <= len; cut += 7) {
			struct crypto_sha256 ctx;

			crypto_sha256_init(&ctx);
			crypto_sha256_update(&ctx, msg, cut);
			crypto_sha256_update(&ctx, msg + cut, len - cut);
			crypto_sha256_final(&ctx, got);
			ck_assert_mem_eq(got, want, 32);
		}
	}
}
END_TEST

/* ---- HMAC-SHA-256: RFC 4231 test cases 1, 2, 6 ---- */
struct hmac_case {
	uint8_t keybyte;
	size_t keylen;
	const char *key;  /* used instead of keybyte when non-NULL */
	const char *msg;
	const char *mac;
};

static const struct hmac_case hmac_cases[] = {
	{ 0x0b, 20, NULL, "Hi There",
	  "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7" },
	{ 0, 4, "Jefe", "what do ya want for nothing?",
	  "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843" },
	{ 0xaa, 131, NULL, "Test Using Larger Than Block-Size Key - Hash Key First",
	  "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54" },
};

START_TEST(test_hmac_rfc4231)
{
	const struct hmac_case *c = &hmac_cases[_i];
	uint8_t key[131], got[32], want[32];

	if (c->key)
		memcpy(key, c->key, c->keylen);
	else
		memset(key, c->keybyte, c->keylen);
	ct_unhex(c->mac, want, 32);
	crypto_hmac_sha256(key, c->keylen, c->msg, strlen(c->msg), got);
	ck_assert_mem_eq(got, want, 32);
}
END_TEST

START_TEST(test_hmac_openssl)
{
	static const size_t klens[] = { 0, 1, 32, 63, 64, 65, 200 };
	uint8_t key[200], msg[300], want[32], got[32];
	uint64_t seed = 0x4D4AC + (uint64_t)_i;
	unsigned int wl;

	ct_fill(&seed, key, sizeof(key));
	ct_fill(&seed, msg, sizeof(msg));
	for (size_t k = 0; k < sizeof(klens) / sizeof(klens[0]); k++) {
		size_t mlen = ct_rand(&seed) % sizeof(msg);

		ck_assert_ptr_nonnull(HMAC(EVP_sha256(), key, (int)klens[k], msg, mlen, want, &wl));
		crypto_hmac_sha256(key, klens[k], msg, mlen, got);
		ck_assert_mem_eq(got, want, 32);
	}
}
END_TEST

/* ---- PBKDF2-HMAC-SHA-256: RFC 7914 section 11 ---- */
struct pbkdf2_case {
	const char *pass, *salt;
	uint32_t iterations;
	const char *dk;  /* 64 bytes */
};

static const struct pbkdf2_case pbkdf2_cases[] = {
	{ "passwd", "salt", 1,
	  "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc"
	  "49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783" },
	{ "Password", "NaCl", 80000,
	  "4ddcd8f60b98be21830cee5ef22701f9641a4418d04c0414aeff08876b34ab56"
	  "a1d425a1225833549adb841b51c9b3176a272bdebba1d078478f62b397f33c8d" },
};

START_TEST(test_pbkdf2_rfc7914)
{
	const struct pbkdf2_case *c = &pbkdf2_cases[_i];
	uint8_t got[64], want[64];

	ct_unhex(c->dk, want, 64);
	ck_assert_int_eq(crypto_pbkdf2_sha256(c->pass, strlen(c->pass), c->salt, strlen(c->salt),
					      c->iterations, got, sizeof(got)),
			 CRYPTO_OK);
	ck_assert_mem_eq(got, want, 64);
}
END_TEST

/* Passphrase lengths around the block size, salt, count and output lengths around 32. */
START_TEST(test_pbkdf2_openssl)
{
	static const size_t plens[] = { 0, 1, 8, 63, 64, 65, 150 };
	static const size_t dklens[] = { 1, 31, 32, 33, 64, 100 };
	static const uint32_t iters[] = { 1, 2, 3, 17, 1000 };
	uint8_t pass[150], salt[40], want[100], got[100];
	uint64_t seed = 0xDF2 + (uint64_t)_i;
	size_t plen = plens[_i % 7], dklen = dklens[_i % 6], slen;
	uint32_t it = iters[_i % 5];

	ct_fill(&seed, pass, sizeof(pass));
	ct_fill(&seed, salt, sizeof(salt));
	slen = ct_rand(&seed) % sizeof(salt);
	ck_assert_int_eq(PKCS5_PBKDF2_HMAC((const char *)pass, (int)plen, salt, (int)slen, (int)it,
					   EVP_sha256(), (int)dklen, want),
			 1);
	memset(got, 0xEE, sizeof(got));
	ck_assert_int_eq(crypto_pbkdf2_sha256(pass, plen, salt, slen, it, got, dklen), CRYPTO_OK);
	ck_assert_mem_eq(got, want, dklen);
	if (dklen < sizeof(got))
		ck_assert_uint_eq(got[dklen], 0xEE); /* nothing past dklen */
}
END_TEST

START_TEST(test_pbkdf2_refuses_zero)
{
	uint8_t out[32];

	ck_assert_int_eq(crypto_pbkdf2_sha256("p", 1, "s", 1, 0, out, 32), CRYPTO_EINVAL);
	ck_assert_int_eq(crypto_pbkdf2_sha256("p", 1, "s", 1, 1, out, 0), CRYPTO_EINVAL);
}
END_TEST

/* ---- AES-256-GCM: the GCM specification (McGrew, Viega), test cases 13-18 ---- */
#define GCM_P "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72" \
	      "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255"
#define GCM_K "feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308"
#define GCM_A "feedfacedeadbeeffeedfacedeadbeefabaddad2"

struct gcm_case {
	const char *key, *iv, *aad, *pt, *ct, *tag;
	size_t ptlen;  /* bytes of pt used (the cases share one plaintext) */
};

static const struct gcm_case gcm_cases[] = {
	{ "0000000000000000000000000000000000000000000000000000000000000000",
	  "000000000000000000000000", "", "", "", "530f8afbc74536b9a963b4f1c4cb738b", 0 },
	{ "0000000000000000000000000000000000000000000000000000000000000000",
	  "000000000000000000000000", "", "00000000000000000000000000000000",
	  "cea7403d4d606b6e074ec5d3baf39d18", "d0d1c8a799996bf0265b98b5d48ab919", 16 },
	{ GCM_K, "cafebabefacedbaddecaf888", "", GCM_P,
	  "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
	  "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad",
	  "b094dac5d93471bdec1a502270e3cc6c", 64 },
	{ GCM_K, "cafebabefacedbaddecaf888", GCM_A, GCM_P,
	  "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
	  "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662",
	  "76fc6ece0f4e1768cddf8853bb2d551b", 60 },
	{ GCM_K, "cafebabefacedbad", GCM_A, GCM_P,
	  "c3762df1ca787d32ae47c13bf19844cbaf1ae14d0b976afac52ff7d79bba9de0"
	  "feb582d33934a4f0954cc2363bc73f7862ac430e64abe499f47c9b1f",
	  "3a337dbf46a792c45e454913fe2ea8f2", 60 },
	{ GCM_K,
	  "9313225df88406e555909c5aff5269aa6a7a9538534f7da1e4c303d2a318a728"
	  "c3c0c95156809539fcf0e2429a6b525416aedbf5a0de6a57a637b39b",
	  GCM_A, GCM_P,
	  "5a8def2f0c9e53f1f75d7853659e2a20eeb2b22aafde6419a058ab4f6f746bf4"
	  "0fc0c3b780f244452da3ebf1c5d82cdea2418997200ef82e44ae7e3f",
	  "a44a8266ee1c8eb0c8b5d4cf5ae9f19a", 60 },
};

START_TEST(test_gcm_spec_vectors)
{
	const struct gcm_case *c = &gcm_cases[_i];
	uint8_t key[32], iv[60], aad[20], pt[64], ct[64], tag[16], got[64], gtag[16];
	size_t ivlen = strlen(c->iv) / 2, alen = strlen(c->aad) / 2, n = c->ptlen;

	ct_unhex(c->key, key, 32);
	ct_unhex(c->iv, iv, ivlen);
	ct_unhex(c->aad, aad, alen);
	ct_unhex(c->pt, pt, strlen(c->pt) / 2);
	ct_unhex(c->ct, ct, n);
	ct_unhex(c->tag, tag, 16);
	ck_assert_int_eq(crypto_gcm_encrypt(key, iv, ivlen, aad, alen, pt, got, n, gtag), CRYPTO_OK);
	ck_assert_mem_eq(got, ct, n);
	ck_assert_mem_eq(gtag, tag, 16);
	memset(got, 0, sizeof(got));
	ck_assert_int_eq(crypto_gcm_decrypt(key, iv, ivlen, aad, alen, ct, got, n, tag), CRYPTO_OK);
	ck_assert_mem_eq(got, pt, n);
}
END_TEST

/* OpenSSL EVP_aes_256_gcm as the reference for any lengths. */
static void ref_gcm(const uint8_t *key, const uint8_t *iv, size_t ivlen, const uint8_t *aad,
		    size_t alen, const uint8_t *pt, uint8_t *ct, size_t len, uint8_t tag[16])
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int out;

	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL), 1);
	ck_assert_int_eq(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, (int)ivlen, NULL), 1);
	ck_assert_int_eq(EVP_EncryptInit_ex(c, NULL, NULL, key, iv), 1);
	if (alen)
		ck_assert_int_eq(EVP_EncryptUpdate(c, NULL, &out, aad, (int)alen), 1);
	if (len)
		ck_assert_int_eq(EVP_EncryptUpdate(c, ct, &out, pt, (int)len), 1);
	ck_assert_int_eq(EVP_EncryptFinal_ex(c, ct + len, &out), 1);
	ck_assert_int_eq(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag), 1);
	EVP_CIPHER_CTX_free(c);
}

START_TEST(test_gcm_openssl)
{
	static const size_t ivlens[] = { 12, 1, 16, 60 };
	uint8_t key[32], iv[60], aad[48], pt[300], ct[300], tag[16], got[300], gtag[16];
	uint64_t seed = 0x6C3 + (uint64_t)_i;
	size_t ivlen = ivlens[_i % 4], alen, len;

	ct_fill(&seed, key, sizeof(key));
	ct_fill(&seed, iv, sizeof(iv));
	ct_fill(&seed, aad, sizeof(aad));
	ct_fill(&seed, pt, sizeof(pt));
	alen = ct_rand(&seed) % sizeof(aad);
	len = _i < 40 ? (size_t)_i : ct_rand(&seed) % sizeof(pt);
	ref_gcm(key, iv, ivlen, aad, alen, pt, ct, len, tag);
	ck_assert_int_eq(crypto_gcm_encrypt(key, iv, ivlen, aad, alen, pt, got, len, gtag), CRYPTO_OK);
	ck_assert_mem_eq(got, ct, len);
	ck_assert_mem_eq(gtag, tag, 16);
	/* In place, as the key unwrap may use it. */
	memcpy(got, ct, len);
	ck_assert_int_eq(crypto_gcm_decrypt(key, iv, ivlen, aad, alen, got, got, len, tag), CRYPTO_OK);
	ck_assert_mem_eq(got, pt, len);
}
END_TEST

/*
 * Any one-bit change to the tag, ciphertext, AAD or IV is refused, and
 * the output buffer is left as it was: no unauthenticated plaintext.
 */
START_TEST(test_gcm_refuses_every_bit_flip)
{
	uint8_t key[32], iv[12], aad[16], pt[64], ct[64], tag[16], out[64];
	uint64_t seed = 0xF11Bu;
	uint8_t *parts[] = { tag, ct, aad, iv };
	const size_t sizes[] = { sizeof(tag), sizeof(ct), sizeof(aad), sizeof(iv) };

	ct_fill(&seed, key, sizeof(key));
	ct_fill(&seed, iv, sizeof(iv));
	ct_fill(&seed, aad, sizeof(aad));
	ct_fill(&seed, pt, sizeof(pt));
	ck_assert_int_eq(crypto_gcm_encrypt(key, iv, 12, aad, 16, pt, ct, 64, tag), CRYPTO_OK);
	for (size_t p = 0; p < 4; p++) {
		for (size_t bit = 0; bit < 8 * sizes[p]; bit++) {
			parts[p][bit / 8] ^= (uint8_t)(1u << (bit % 8));
			memset(out, 0x5C, sizeof(out));
			ck_assert_int_eq(crypto_gcm_decrypt(key, iv, 12, aad, 16, ct, out, 64, tag),
					 CRYPTO_EKEY);
			for (size_t i = 0; i < sizeof(out); i++)
				ck_assert_uint_eq(out[i], 0x5C);
			parts[p][bit / 8] ^= (uint8_t)(1u << (bit % 8));
		}
	}
	/* A wrong key too; and the untouched message still opens. */
	key[31] ^= 1;
	ck_assert_int_eq(crypto_gcm_decrypt(key, iv, 12, aad, 16, ct, out, 64, tag), CRYPTO_EKEY);
	key[31] ^= 1;
	ck_assert_int_eq(crypto_gcm_decrypt(key, iv, 12, aad, 16, ct, out, 64, tag), CRYPTO_OK);
	ck_assert_mem_eq(out, pt, 64);
}
END_TEST

START_TEST(test_gcm_refuses_empty_iv)
{
	uint8_t key[32] = { 0 }, tag[16], buf[16] = { 0 };

	ck_assert_int_eq(crypto_gcm_encrypt(key, buf, 0, NULL, 0, buf, buf, 16, tag), CRYPTO_EINVAL);
	ck_assert_int_eq(crypto_gcm_decrypt(key, buf, 0, NULL, 0, buf, buf, 16, tag), CRYPTO_EINVAL);
}
END_TEST

/*
 * Neither the derived key nor the unwrapped plaintext may outlive a call
 * on the stack: paint the stack, run PBKDF2 and a GCM decryption from a
 * frame, then search the dead frames below for either.
 */
#define KDF_STACK_PROBE 32768

static __attribute__((noinline)) void kdf_stack_paint(void)
{
	volatile uint8_t pad[KDF_STACK_PROBE];

	for (size_t i = 0; i < sizeof(pad); i++)
		pad[i] = 0xCC;
}

static __attribute__((noinline)) void kdf_stack_run(uint8_t *dk, const uint8_t *ct,
						     const uint8_t *tag, uint8_t *pt)
{
	static const uint8_t iv[12] = { 1, 2, 3 };

	ck_assert_int_eq(crypto_pbkdf2_sha256("stack test passphrase", 21, "salt", 4, 3, dk, 32),
			 CRYPTO_OK);
	ck_assert_int_eq(crypto_gcm_decrypt(dk, iv, 12, NULL, 0, ct, pt, 64, tag), CRYPTO_OK);
}

static __attribute__((noinline)) size_t kdf_stack_hits(const uint8_t *a, const uint8_t *b)
{
	uint8_t pad[KDF_STACK_PROBE];
	size_t hits = 0;

	__asm__ __volatile__("" : : "r"(pad) : "memory");
	for (size_t i = 0; i + 16 <= sizeof(pad); i++)
		hits += !memcmp(pad + i, a, 16) + !memcmp(pad + i, a + 16, 16) +
			!memcmp(pad + i, b, 16) + !memcmp(pad + i, b + 48, 16);
	return hits;
}

START_TEST(test_no_secrets_left_on_stack)
{
	static const uint8_t iv[12] = { 1, 2, 3 };
	uint8_t *dk = malloc(32), *pt = malloc(64), *ct = malloc(64), *tag = malloc(16);
	uint64_t seed = 0x57AC2u;

	ck_assert_ptr_nonnull(dk);
	ck_assert_ptr_nonnull(pt);
	ck_assert_ptr_nonnull(ct);
	ck_assert_ptr_nonnull(tag);
	ck_assert_int_eq(crypto_pbkdf2_sha256("stack test passphrase", 21, "salt", 4, 3, dk, 32),
			 CRYPTO_OK);
	ct_fill(&seed, pt, 64);
	ck_assert_int_eq(crypto_gcm_encrypt(dk, iv, 12, NULL, 0, pt, ct, 64, tag), CRYPTO_OK);
	memset(pt, 0, 64);
	kdf_stack_paint();
	kdf_stack_run(dk, ct, tag, pt);
	ck_assert_uint_eq(kdf_stack_hits(dk, pt), 0);
	free(dk), free(pt), free(ct), free(tag);
}
END_TEST

Suite *crypto_kdf_suite(void)
{
	Suite *s = suite_create("crypto_kdf");
	TCase *sha = tcase_create("sha256_hmac");
	TCase *kdf = tcase_create("pbkdf2");
	TCase *gcm = tcase_create("gcm");

	tcase_add_loop_test(sha, test_sha256_vectors, 0, sizeof(sha_cases) / sizeof(sha_cases[0]));
	tcase_add_test(sha, test_sha256_splits_openssl);
	tcase_add_loop_test(sha, test_hmac_rfc4231, 0, sizeof(hmac_cases) / sizeof(hmac_cases[0]));
	tcase_add_loop_test(sha, test_hmac_openssl, 0, 8);
	suite_add_tcase(s, sha);

	tcase_set_timeout(kdf, 60);
	tcase_add_loop_test(kdf, test_pbkdf2_rfc7914, 0,
			    sizeof(pbkdf2_cases) / sizeof(pbkdf2_cases[0]));
	tcase_add_loop_test(kdf, test_pbkdf2_openssl, 0, 42);
	tcase_add_test(kdf, test_pbkdf2_refuses_zero);
	tcase_add_test(kdf, test_no_secrets_left_on_stack);
	suite_add_tcase(s, kdf);

	tcase_add_loop_test(gcm, test_gcm_spec_vectors, 0, sizeof(gcm_cases) / sizeof(gcm_cases[0]));
	tcase_add_loop_test(gcm, test_gcm_openssl, 0, 60);
	tcase_add_test(gcm, test_gcm_refuses_every_bit_flip);
	tcase_add_test(gcm, test_gcm_refuses_empty_iv);
	suite_add_tcase(s, gcm);
	return s;
}
