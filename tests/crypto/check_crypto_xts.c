/*
 * check_crypto_xts.c - AES-256-XTS (aes-xts-plain64) through the public
 * API, for every implementation this CPU can run: the IEEE 1619-2007
 * vectors, OpenSSL cross-checks, round trips, in place, unaligned
 * buffers, key rules.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto/crypto.h"
#include "tests/crypto/crypto_test.h"

#define SECT CRYPTO_SECTOR_SIZE
#define FIRST_IMPL CRYPTO_IMPL_GENERIC

/*
 * IEEE 1619-2007 Annex B, vectors 10-14: XTS-AES-256, one 512-byte data
 * unit of bytes 00..ff twice, the data unit sequence number as tweak.
 */
static const char ieee_key[] =
	"2718281828459045235360287471352662497757247093699959574966967627"
	"3141592653589793238462643383279502884197169399375105820974944592";

static const struct ieee_vector {
	uint64_t dusn;
	const char *ctx;
} ieee_vectors[] = {
	{
		.dusn = 0xffull,
		.ctx =
			"1c3b3a102f770386e4836c99e370cf9bea00803f5e482357a4ae12d414a3e63b"
			"5d31e276f8fe4a8d66b317f9ac683f44680a86ac35adfc3345befecb4bb188fd"
			"5776926c49a3095eb108fd1098baec70aaa66999a72a82f27d848b21d4a741b0"
			"c5cd4d5fff9dac89aeba122961d03a757123e9870f8acf1000020887891429ca"
			"2a3e7a7d7df7b10355165c8b9a6d0a7de8b062c4500dc4cd120c0f7418dae3d0"
			"b5781c34803fa75421c790dfe1de1834f280d7667b327f6c8cd7557e12ac3a0f"
			"93ec05c52e0493ef31a12d3d9260f79a289d6a379bc70c50841473d1a8cc81ec"
			"583e9645e07b8d9670655ba5bbcfecc6dc3966380ad8fecb17b6ba02469a020a"
			"84e18e8f84252070c13e9f1f289be54fbc481457778f616015e1327a02b140f1"
			"505eb309326d68378f8374595c849d84f4c333ec4423885143cb47bd71c5edae"
			"9be69a2ffeceb1bec9de244fbe15992b11b77c040f12bd8f6a975a44a0f90c29"
			"a9abc3d4d893927284c58754cce294529f8614dcd2aba991925fedc4ae74ffac"
			"6e333b93eb4aff0479da9a410e4450e0dd7ae4c6e2910900575da401fc07059f"
			"645e8b7e9bfdef33943054ff84011493c27b3429eaedb4ed5376441a77ed4385"
			"1ad77f16f541dfd269d50d6a5f14fb0aab1cbb4c1550be97f7ab4066193c4caa"
			"773dad38014bd2092fa755c824bb5e54c4f36ffda9fcea70b9c6e693e148c151",
	},
	{
		.dusn = 0xffffull,
		.ctx =
			"77a31251618a15e6b92d1d66dffe7b50b50bad552305ba0217a610688eff7e11"
			"e1d0225438e093242d6db274fde801d4cae06f2092c728b2478559df58e837c2"
			"469ee4a4fa794e4bbc7f39bc026e3cb72c33b0888f25b4acf56a2a9804f1ce6d"
			"3d6e1dc6ca181d4b546179d55544aa7760c40d06741539c7e3cd9d2f6650b201"
			"3fd0eeb8c2b8e3d8d240ccae2d4c98320a7442e1c8d75a42d6e6cfa4c2eca179"
			"8d158c7aecdf82490f24bb9b38e108bcda12c3faf9a21141c3613b58367f922a"
			"aa26cd22f23d708dae699ad7cb40a8ad0b6e2784973dcb605684c08b8d6998c6"
			"9aac049921871ebb65301a4619ca80ecb485a31d744223ce8ddc2394828d6a80"
			"470c092f5ba413c3378fa6054255c6f9df4495862bbb3287681f931b687c888a"
			"bf844dfc8fc28331e579928cd12bd2390ae123cf03818d14dedde5c0c24c8ab0"
			"18bfca75ca096f2d531f3d1619e785f1ada437cab92e980558b3dce1474afb75"
			"bfedbf8ff54cb2618e0244c9ac0d3c66fb51598cd2db11f9be39791abe447c63"
			"094f7c453b7ff87cb5bb36b7c79efb0872d17058b83b15ab0866ad8a58656c5a"
			"7e20dbdf308b2461d97c0ec0024a2715055249cf3b478ddd4740de654f75ca68"
			"6e0d7345c69ed50cdc2a8b332b1f8824108ac937eb050585608ee734097fc090"
			"54fbff89eeaeea791f4a7ab1f9868294a4f9e27b42af8100cb9d59cef9645803",
	},
	{
		.dusn = 0xffffffull,
		.ctx =
			"e387aaa58ba483afa7e8eb469778317ecf4cf573aa9d4eac23f2cdf914e4e200"
			"a8b490e42ee646802dc6ee2b471b278195d60918ececb44bf79966f83faba049"
			"9298ebc699c0c8634715a320bb4f075d622e74c8c932004f25b41e361025b5a8"
			"7815391f6108fc4afa6a05d9303c6ba68a128a55705d415985832fdeaae6c8e1"
			"9110e84d1b1f199a2692119edc96132658f09da7c623efcec712537a3d94c0bf"
			"5d7e352ec94ae5797fdb377dc1551150721adf15bd26a8efc2fcaad56881fa9e"
			"62462c28f30ae1ceaca93c345cf243b73f542e2074a705bd2643bb9f7cc79bb6"
			"e7091ea6e232df0f9ad0d6cf502327876d82207abf2115cdacf6d5a48f6c1879"
			"a65b115f0f8b3cb3c59d15dd8c769bc014795a1837f3901b5845eb491adfefe0"
			"97b1fa30a12fc1f65ba22905031539971a10f2f36c321bb51331cdefb39e3964"
			"c7ef079994f5b69b2edd83a71ef549971ee93f44eac3938fcdd61d01fa71799d"
			"a3a8091c4c48aa9ed263ff0749df95d44fef6a0bb578ec69456aa5408ae32c7a"
			"f08ad7ba8921287e3bbee31b767be06a0e705c864a769137df28292283ea81a2"
			"480241b44d9921cdbec1bc28dc1fda114bd8e5217ac9d8ebafa720e9da4f9ace"
			"231cc949e5b96fe76ffc21063fddc83a6b8679c00d35e09576a875305bed5f36"
			"ed242c8900dd1fa965bc950dfce09b132263a1eef52dd6888c309f5a7d712826",
	},
	{
		.dusn = 0xffffffffull,
		.ctx =
			"bf53d2dade78e822a4d949a9bc6766b01b06a8ef70d26748c6a7fc36d80ae4c5"
			"520f7c4ab0ac8544424fa405162fef5a6b7f229498063618d39f0003cb5fb8d1"
			"c86b643497da1ff945c8d3bedeca4f479702a7a735f043ddb1d6aaade3c4a0ac"
			"7ca7f3fa5279bef56f82cd7a2f38672e824814e10700300a055e1630b8f1cb0e"
			"919f5e942010a416e2bf48cb46993d3cb6a51c19bacf864785a00bc2ecff15d3"
			"50875b246ed53e68be6f55bd7e05cfc2b2ed6432198a6444b6d8c247fab941f5"
			"69768b5c429366f1d3f00f0345b96123d56204c01c63b22ce78baf116e525ed9"
			"0fdea39fa469494d3866c31e05f295ff21fea8d4e6e13d67e47ce722e9698a1c"
			"1048d68ebcde76b86fcf976eab8aa9790268b7068e017a8b9b749409514f1053"
			"027fd16c3786ea1bac5f15cb79711ee2abe82f5cf8b13ae73030ef5b9e4457e7"
			"5d1304f988d62dd6fc4b94ed38ba831da4b7634971b6cd8ec325d9c61c00f1df"
			"73627ed3745a5e8489f3a95c69639c32cd6e1d537a85f75cc844726e8a72fc00"
			"77ad22000f1d5078f6b866318c668f1ad03d5a5fced5219f2eabbd0aa5c0f460"
			"d183f04404a0d6f469558e81fab24a167905ab4c7878502ad3e38fdbe62a4155"
			"6cec37325759533ce8f25f367c87bb5578d667ae93f9e2fd99bcbc5f2fbba88c"
			"f6516139420fcff3b7361d86322c4bd84c82f335abb152c4a93411373aaa8220",
	},
	{
		.dusn = 0xffffffffffull,
		.ctx =
			"64497e5a831e4a932c09be3e5393376daa599548b816031d224bbf50a818ed23"
			"50eae7e96087c8a0db51ad290bd00c1ac1620857635bf246c176ab463be30b80"
			"8da548081ac847b158e1264be25bb0910bbc92647108089415d45fab1b3d2604"
			"e8a8eff1ae4020cfa39936b66827b23f371b92200be90251e6d73c5f86de5fd4"
			"a950781933d79a28272b782a2ec313efdfcc0628f43d744c2dc2ff3dcb66999b"
			"50c7ca895b0c64791eeaa5f29499fb1c026f84ce5b5c72ba1083cddb5ce45434"
			"631665c333b60b11593fb253c5179a2c8db813782a004856a1653011e93fb6d8"
			"76c18366dd8683f53412c0c180f9c848592d593f8609ca736317d356e13e2bff"
			"3a9f59cd9aeb19cd482593d8c46128bb32423b37a9adfb482b99453fbe25a41b"
			"f6feb4aa0bef5ed24bf73c762978025482c13115e4015aac992e5613a3b5c2f6"
			"85b84795cb6e9b2656d8c88157e52c42f978d8634c43d06fea928f2822e465aa"
			"6576e9bf419384506cc3ce3c54ac1a6f67dc66f3b30191e698380bc999b05abc"
			"e19dc0c6dcc2dd001ec535ba18deb2df1a101023108318c75dc98611a09dc48a"
			"0acdec676fabdf222f07e026f059b672b56e5cbc8e1d21bbd867dd9272120546"
			"81d70ea737134cdfce93b6f82ae22423274e58a0821cc5502e2d0ab4585e94de"
			"6975be5e0b4efce51cd3e70c25a1fbbbd609d273ad5b0d59631c531f6a0a57b9",
	},
};

#define NVEC (sizeof(ieee_vectors) / sizeof(ieee_vectors[0]))

static const uint64_t test_lbas[] = {
	0, 1, 0xFFFFFFFFull, 0x100000000ull, 0xFFFFFFFFFFFFull,
	UINT64_MAX - 1, /* plain64 wraps: lba+1 is 0 */
};

#define NLBA (sizeof(test_lbas) / sizeof(test_lbas[0]))
#define MAX_RUN 256

static uint8_t *xalloc(size_t n)
{
	uint8_t *p = malloc(n);

	ck_assert_ptr_nonnull(p);
	return p;
}

START_TEST(test_ieee_vectors)
{
	uint8_t key[CRYPTO_XTS_KEY_SIZE], pt[SECT], ct[SECT], got[SECT];
	struct crypto_xts x;

	if (!ct_use_impl(_i, "ieee_vectors"))
		return;
	ct_unhex(ieee_key, key, sizeof(key));
	ck_assert_int_eq(crypto_xts_setkey(&x, key), CRYPTO_OK);
	for (int i = 0; i < SECT; i++)
		pt[i] = (uint8_t)i;
	for (size_t v = 0; v < NVEC; v++) {
		ct_unhex(ieee_vectors[v].ctx, ct, sizeof(ct));
		crypto_xts_encrypt(&x, ieee_vectors[v].dusn, pt, got, 1);
		ck_assert_msg(!memcmp(got, ct, SECT), "%s: vector %zu encrypt",
			      crypto_impl_name(_i), 10 + v);
		crypto_xts_decrypt(&x, ieee_vectors[v].dusn, ct, got, 1);
		ck_assert_msg(!memcmp(got, pt, SECT), "%s: vector %zu decrypt",
			      crypto_impl_name(_i), 10 + v);
	}
	crypto_xts_wipe(&x);
}
END_TEST

/*
 * Every run length 1..256 once, each at one of the LBAs in turn, with a
 * fresh random key: our ciphertext equals OpenSSL's, and we decrypt
 * OpenSSL's ciphertext back.
 */
START_TEST(test_openssl_cross)
{
	uint8_t key[CRYPTO_XTS_KEY_SIZE];
	uint8_t *pt = xalloc(MAX_RUN * SECT), *ref = xalloc(MAX_RUN * SECT);
	uint8_t *got = xalloc(MAX_RUN * SECT);
	uint64_t seed = 0x5EED0000u + (uint64_t)_i;
	struct crypto_xts x;

	if (!ct_use_impl(_i, "openssl_cross"))
		goto out;
	for (size_t n = 1; n <= MAX_RUN; n++) {
		uint64_t lba = test_lbas[n % NLBA];

		ct_test_key(&seed, key);
		ct_fill(&seed, pt, n * SECT);
		ck_assert_int_eq(crypto_xts_setkey(&x, key), CRYPTO_OK);
		ct_ref_xts(key, 1, lba, pt, ref, n);
		crypto_xts_encrypt(&x, lba, pt, got, n);
		ck_assert_msg(!memcmp(got, ref, n * SECT), "%s: encrypt lba %llu n %zu",
			      crypto_impl_name(_i), (unsigned long long)lba, n);
		crypto_xts_decrypt(&x, lba, ref, got, n);
		ck_assert_msg(!memcmp(got, pt, n * SECT), "%s: decrypt lba %llu n %zu",
			      crypto_impl_name(_i), (unsigned long long)lba, n);
	}
	crypto_xts_wipe(&x);
out:
	free(pt);
	free(ref);
	free(got);
}
END_TEST

/* Each listed LBA with the run lengths around every batch boundary. */
START_TEST(test_openssl_lbas)
{
	static const size_t runs[] = { 1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 33 };
	uint8_t key[CRYPTO_XTS_KEY_SIZE];
	uint8_t *pt = xalloc(33 * SECT), *ref = xalloc(33 * SECT), *got = xalloc(33 * SECT);
	uint64_t seed = 0x1BA00000u + (uint64_t)_i;
	struct crypto_xts x;

	if (!ct_use_impl(_i, "openssl_lbas"))
		goto out;
	for (size_t l = 0; l < NLBA; l++) {
		for (size_t r = 0; r < sizeof(runs) / sizeof(runs[0]); r++) {
			size_t n = runs[r];

			ct_test_key(&seed, key);
			ct_fill(&seed, pt, n * SECT);
			ck_assert_int_eq(crypto_xts_setkey(&x, key), CRYPTO_OK);
			ct_ref_xts(key, 1, test_lbas[l], pt, ref, n);
			crypto_xts_encrypt(&x, test_lbas[l], pt, got, n);
			ck_assert_msg(!memcmp(got, ref, n * SECT), "%s: lba %llu n %zu",
				      crypto_impl_name(_i), (unsigned long long)test_lbas[l], n);
		}
	}
	crypto_xts_wipe(&x);
out:
	free(pt);
	free(ref);
	free(got);
}
END_TEST

START_TEST(test_roundtrip_and_in_place)
{
	const size_t n = 37;
	uint8_t key[CRYPTO_XTS_KEY_SIZE];
	uint8_t *pt = xalloc(n * SECT), *ct = xalloc(n * SECT), *buf = xalloc(n * SECT);
	uint64_t seed = 0xC0FFEEu + (uint64_t)_i;
	struct crypto_xts x;

	if (!ct_use_impl(_i, "roundtrip_and_in_place"))
		goto out;
	ct_test_key(&seed, key);
	ct_fill(&seed, pt, n * SECT);
	ck_assert_int_eq(crypto_xts_setkey(&x, key), CRYPTO_OK);
	crypto_xts_encrypt(&x, 12345, pt, ct, n);
	ck_assert(memcmp(ct, pt, n * SECT));
	/* Out of place left the source alone; decrypt(encrypt(x)) = x. */
	crypto_xts_decrypt(&x, 12345, ct, buf, n);
	ck_assert(!memcmp(buf, pt, n * SECT));
	/* In place gives the same bytes as out of place, both ways. */
	memcpy(buf, pt, n * SECT);
	crypto_xts_encrypt(&x, 12345, buf, buf, n);
	ck_assert(!memcmp(buf, ct, n * SECT));
	crypto_xts_decrypt(&x, 12345, buf, buf, n);
	ck_assert(!memcmp(buf, pt, n * SECT));
	/* A different LBA gives a different ciphertext. */
	crypto_xts_encrypt(&x, 12346, pt, buf, 1);
	ck_assert(memcmp(buf, ct, SECT));
	crypto_xts_wipe(&x);
out:
	free(pt);
	free(ct);
	free(buf);
}
END_TEST

/*
 * Source and destination at every offset 0..15 within a guarded buffer:
 * same result as aligned, and not a byte written outside dst.
 */
START_TEST(test_unaligned)
{
	const size_t n = 9, len = n * SECT, pad = 64;
	uint8_t key[CRYPTO_XTS_KEY_SIZE];
	uint8_t *pt = xalloc(len), *want = xalloc(len), *src = xalloc(len + pad);
	uint8_t *dst = xalloc(len + 2 * pad);
	uint64_t seed = 0xA11Cu + (uint64_t)_i;
	struct crypto_xts x;

	if (!ct_use_impl(_i, "unaligned"))
		goto out;
	ct_test_key(&seed, key);
	ct_fill(&seed, pt, len);
	ck_assert_int_eq(crypto_xts_setkey(&x, key), CRYPTO_OK);
	ct_ref_xts(key, 1, 77, pt, want, n);
	for (size_t off = 0; off < 16; off++) {
		uint8_t *s = src + off, *d = dst + pad + (15 - off);

		memcpy(s, pt, len);
		memset(dst, 0xEE, len + 2 * pad);
		crypto_xts_encrypt(&x, 77, s, d, n);
		ck_assert_msg(!memcmp(d, want, len), "%s: offset %zu", crypto_impl_name(_i), off);
		for (uint8_t *g = dst; g < dst + len + 2 * pad; g++)
			if (g < d || g >= d + len)
				ck_assert_msg(*g == 0xEE, "%s: wrote outside dst", crypto_impl_name(_i));
		crypto_xts_decrypt(&x, 77, d, d, n);
		ck_assert(!memcmp(d, pt, len));
	}
	crypto_xts_wipe(&x);
out:
	free(pt);
	free(want);
	free(src);
	free(dst);
}
END_TEST

/* Every implementation the CPU has produces the same bytes. */
START_TEST(test_impls_agree)
{
	const size_t n = 70;
	uint8_t key[CRYPTO_XTS_KEY_SIZE];
	uint8_t *pt = xalloc(n * SECT), *first = xalloc(n * SECT), *got = xalloc(n * SECT);
	uint64_t seed = 0xA6EEu;
	struct crypto_xts x;
	int have_first = 0;

	ct_test_key(&seed, key);
	ct_fill(&seed, pt, n * SECT);
	ck_assert_int_eq(crypto_xts_setkey(&x, key), CRYPTO_OK);
	for (int i = FIRST_IMPL; i < CRYPTO_IMPL_COUNT; i++) {
		if (!ct_use_impl(i, "impls_agree"))
			continue;
		crypto_xts_encrypt(&x, 0xFFFFFFF0ull, pt, got, n);
		if (have_first)
			ck_assert_msg(!memcmp(got, first, n * SECT), "%s differs", crypto_impl_name(i));
		memcpy(first, got, n * SECT);
		have_first = 1;
	}
	ck_assert(have_first);
	crypto_xts_wipe(&x);
	free(pt);
	free(first);
	free(got);
}
END_TEST

START_TEST(test_zero_sectors_writes_nothing)
{
	uint8_t key[CRYPTO_XTS_KEY_SIZE], buf[SECT];
	uint64_t seed = 7;
	struct crypto_xts x;

	if (!ct_use_impl(_i, "zero_sectors"))
		return;
	ct_test_key(&seed, key);
	ck_assert_int_eq(crypto_xts_setkey(&x, key), CRYPTO_OK);
	memset(buf, 0x5A, sizeof(buf));
	crypto_xts_encrypt(&x, 3, buf, buf, 0);
	crypto_xts_decrypt(&x, 3, buf, buf, 0);
	for (size_t i = 0; i < sizeof(buf); i++)
		ck_assert_uint_eq(buf[i], 0x5A);
}
END_TEST

static int all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		if (b[i])
			return 0;
	return 1;
}

START_TEST(test_equal_halves_refused)
{
	uint8_t key[CRYPTO_XTS_KEY_SIZE];
	struct crypto_xts x;
	uint64_t seed = 99;

	ct_fill(&seed, key, CRYPTO_XTS_KEY_SIZE / 2);
	memcpy(key + CRYPTO_XTS_KEY_SIZE / 2, key, CRYPTO_XTS_KEY_SIZE / 2);
	memset(&x, 0xA5, sizeof(x));
	ck_assert_int_eq(crypto_xts_setkey(&x, key), CRYPTO_EKEY);
	ck_assert(all_zero(&x, sizeof(x)));
	/* One differing bit in the last byte is enough. */
	key[CRYPTO_XTS_KEY_SIZE - 1] ^= 0x80;
	ck_assert_int_eq(crypto_xts_setkey(&x, key), CRYPTO_OK);
	ck_assert(!all_zero(&x, sizeof(x)));
}
END_TEST

START_TEST(test_wipe_zeroes_context)
{
	uint8_t key[CRYPTO_XTS_KEY_SIZE];
	struct crypto_xts x;
	uint64_t seed = 100;

	ct_test_key(&seed, key);
	ck_assert_int_eq(crypto_xts_setkey(&x, key), CRYPTO_OK);
	ck_assert(!all_zero(x.enc, sizeof(x.enc)));
	ck_assert(!all_zero(x.dec, sizeof(x.dec)));
	ck_assert(!all_zero(x.twk, sizeof(x.twk)));
	crypto_xts_wipe(&x);
	ck_assert(all_zero(&x, sizeof(x)));
}
END_TEST

START_TEST(test_force_and_names)
{
	static const char *const names[CRYPTO_IMPL_COUNT] = {
		[CRYPTO_IMPL_AUTO] = "auto", [CRYPTO_IMPL_GENERIC] = "generic",
		[CRYPTO_IMPL_AESNI] = "aesni", [CRYPTO_IMPL_VAES256] = "vaes256",
		[CRYPTO_IMPL_VAES512] = "vaes512",
	};
	enum crypto_impl best = crypto_impl_best();

	for (int i = 0; i < CRYPTO_IMPL_COUNT; i++)
		ck_assert_str_eq(crypto_impl_name(i), names[i]);
	ck_assert(crypto_impl_supported(CRYPTO_IMPL_GENERIC));
	ck_assert(crypto_impl_supported(best));
	for (int i = best + 1; i < CRYPTO_IMPL_COUNT; i++)
		ck_assert(!crypto_impl_supported(i));
	printf("NOTICE crypto: best implementation on this CPU: %s\n", crypto_impl_name(best));
	ck_assert_int_eq(crypto_impl_force(CRYPTO_IMPL_GENERIC), CRYPTO_OK);
	ck_assert_int_eq(crypto_impl_active(), CRYPTO_IMPL_GENERIC);
	ck_assert_int_eq(crypto_impl_force(CRYPTO_IMPL_COUNT), CRYPTO_ENOTSUP);
	ck_assert_int_eq(crypto_impl_active(), CRYPTO_IMPL_GENERIC);
	ck_assert_int_eq(crypto_impl_force(CRYPTO_IMPL_AUTO), CRYPTO_OK);
	ck_assert_int_eq(crypto_impl_active(), best);
	for (int i = FIRST_IMPL; i < CRYPTO_IMPL_COUNT; i++)
		if (!crypto_impl_supported(i)) {
			ck_assert_int_eq(crypto_impl_force(i), CRYPTO_ENOTSUP);
			ck_assert_int_eq(crypto_impl_active(), best);
		}
}
END_TEST

/*
 * Round keys must not outlive a call on the stack. Paint the stack below
 * this frame, run the cipher from a frame at the same depth, then look
 * through that dead stack, from another frame at the same depth, for any
 * 16-byte round key of the context (which itself lives on the heap).
 */
#define STACK_PROBE 16384

static __attribute__((noinline)) void stack_paint(void)
{
	volatile uint8_t pad[STACK_PROBE];

	for (size_t i = 0; i < sizeof(pad); i++)
		pad[i] = 0xCC;
}

static __attribute__((noinline)) void stack_run(const struct crypto_xts *x, uint8_t *buf,
						size_t n)
{
	crypto_xts_encrypt(x, 5, buf, buf, n);
	crypto_xts_decrypt(x, 5, buf, buf, n);
}

static __attribute__((noinline)) size_t stack_key_hits(const struct crypto_xts *x)
{
	uint8_t pad[STACK_PROBE];
	const uint32_t *sched[] = { x->enc, x->dec, x->twk };
	size_t hits = 0;

	/* The asm may write pad: reading what the dead frames left is defined. */
	__asm__ __volatile__("" : : "r"(pad) : "memory");
	for (size_t s = 0; s < 3; s++)
		for (size_t r = 0; r <= 14; r++)
			for (size_t i = 0; i + 16 <= sizeof(pad); i += 4)
				hits += !memcmp(pad + i, sched[s] + 4 * r, 16);
	return hits;
}

START_TEST(test_no_round_keys_left_on_stack)
{
	uint8_t key[CRYPTO_XTS_KEY_SIZE], *buf = xalloc(9 * SECT);
	struct crypto_xts *x = (struct crypto_xts *)(void *)xalloc(sizeof(*x));
	uint64_t seed = 0x57ACu;
	size_t hits;

	if (!ct_use_impl(_i, "no_round_keys_left_on_stack"))
		goto out;
	ct_test_key(&seed, key);
	ct_fill(&seed, buf, 9 * SECT);
	/* The test's own helpers may leave key bytes: paint before setkey. */
	stack_paint();
	ck_assert_int_eq(crypto_xts_setkey(x, key), CRYPTO_OK);
	ck_assert_uint_eq(stack_key_hits(x), 0); /* setkey left none */
	stack_paint();
	stack_run(x, buf, 1);
	stack_run(x, buf, 9);
	hits = stack_key_hits(x);
	ck_assert_msg(hits == 0, "%s: %zu round keys on the stack", crypto_impl_name(_i), hits);
	crypto_xts_wipe(x);
out:
	free(x);
	free(buf);
}
END_TEST

Suite *crypto_xts_suite(void)
{
	Suite *s = suite_create("crypto_xts");
	TCase *tc = tcase_create("per_impl");
	TCase *api = tcase_create("api");

	/* The portable path is slow under the sanitizers. */
	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, test_ieee_vectors, FIRST_IMPL, CRYPTO_IMPL_COUNT);
	tcase_add_loop_test(tc, test_openssl_cross, FIRST_IMPL, CRYPTO_IMPL_COUNT);
	tcase_add_loop_test(tc, test_openssl_lbas, FIRST_IMPL, CRYPTO_IMPL_COUNT);
	tcase_add_loop_test(tc, test_roundtrip_and_in_place, FIRST_IMPL, CRYPTO_IMPL_COUNT);
	tcase_add_loop_test(tc, test_unaligned, FIRST_IMPL, CRYPTO_IMPL_COUNT);
	tcase_add_loop_test(tc, test_zero_sectors_writes_nothing, FIRST_IMPL, CRYPTO_IMPL_COUNT);
	tcase_add_loop_test(tc, test_no_round_keys_left_on_stack, FIRST_IMPL, CRYPTO_IMPL_COUNT);
	tcase_add_test(tc, test_impls_agree);
	suite_add_tcase(s, tc);
	tcase_add_test(api, test_equal_halves_refused);
	tcase_add_test(api, test_wipe_zeroes_context);
	tcase_add_test(api, test_force_and_names);
	suite_add_tcase(s, api);
	return s;
}
