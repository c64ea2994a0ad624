/*
 * crypto_cpu.c - which implementations this CPU can run: CPUID for the
 * instructions, XGETBV for whether the OS (or the hypervisor, which sets
 * CR4.OSXSAVE and XCR0 itself) saves the registers they use. A feature
 * the CPU has but XCR0 does not enable faults with #UD, so both must
 * agree (Intel SDM vol. 1, 13.2 and 15.2).
 */
#include "crypto/crypto_priv.h"

/* CPUID.1:ECX */
#define CPU_L1_PCLMUL (1u << 1)
#define CPU_L1_SSE41 (1u << 19)
#define CPU_L1_AES (1u << 25)
#define CPU_L1_OSXSAVE (1u << 27)
#define CPU_L1_AVX (1u << 28)
/* CPUID.(7,0):EBX */
#define CPU_L7B_AVX2 (1u << 5)
#define CPU_L7B_AVX512F (1u << 16)
#define CPU_L7B_AVX512BW (1u << 30)
#define CPU_L7B_AVX512VL (1u << 31)
/* CPUID.(7,0):ECX */
#define CPU_L7C_VAES (1u << 9)
#define CPU_L7C_VPCLMUL (1u << 10)
/* XCR0 state components */
#define CPU_XCR0_SSE (1u << 1)
#define CPU_XCR0_AVX (1u << 2)
#define CPU_XCR0_AVX512 (7u << 5) /* opmask, ZMM_Hi256, Hi16_ZMM */

#define CPU_CACHED (1u << 31)

/* What each implementation needs: every listed bit must be set. */
static const struct cpu_need {
	uint32_t feature;
	uint32_t l1_ecx, l7_ebx, l7_ecx;
	uint64_t xcr0;
} cpu_needs[] = {
	{
		/* Legacy SSE encoding: needs CR4.OSFXSR, always set in long mode. */
		.feature = CRYPTO_CPU_AESNI,
		.l1_ecx = CPU_L1_AES | CPU_L1_SSE41,
	},
	{
		.feature = CRYPTO_CPU_VAES256,
		.l1_ecx = CPU_L1_AES | CPU_L1_SSE41 | CPU_L1_PCLMUL | CPU_L1_OSXSAVE | CPU_L1_AVX,
		.l7_ebx = CPU_L7B_AVX2,
		.l7_ecx = CPU_L7C_VAES | CPU_L7C_VPCLMUL,
		.xcr0 = CPU_XCR0_SSE | CPU_XCR0_AVX,
	},
	{
		.feature = CRYPTO_CPU_VAES512,
		.l1_ecx = CPU_L1_AES | CPU_L1_SSE41 | CPU_L1_PCLMUL | CPU_L1_OSXSAVE | CPU_L1_AVX,
		.l7_ebx = CPU_L7B_AVX2 | CPU_L7B_AVX512F | CPU_L7B_AVX512BW | CPU_L7B_AVX512VL,
		.l7_ecx = CPU_L7C_VAES | CPU_L7C_VPCLMUL,
		.xcr0 = CPU_XCR0_SSE | CPU_XCR0_AVX | CPU_XCR0_AVX512,
	},
};

uint32_t crypto_cpu_decode(const struct crypto_cpuid *c)
{
	/* Leaf 7 is garbage below max leaf 7; XCR0 is unreadable without OSXSAVE. */
	uint32_t l7_ebx = c->max_leaf >= 7 ? c->l7_ebx : 0;
	uint32_t l7_ecx = c->max_leaf >= 7 ? c->l7_ecx : 0;
	uint64_t xcr0 = (c->l1_ecx & CPU_L1_OSXSAVE) ? c->xcr0 : 0;
	uint32_t f = 0;

	if (c->max_leaf < 1)
		return 0;
	for (size_t i = 0; i < sizeof(cpu_needs) / sizeof(cpu_needs[0]); i++) {
		const struct cpu_need *n = &cpu_needs[i];

		if ((c->l1_ecx & n->l1_ecx) == n->l1_ecx && (l7_ebx & n->l7_ebx) == n->l7_ebx &&
		    (l7_ecx & n->l7_ecx) == n->l7_ecx && (xcr0 & n->xcr0) == n->xcr0)
			f |= n->feature;
	}
	return f;
}

static void cpu_cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	__asm__ __volatile__("cpuid"
			     : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3])
			     : "a"(leaf), "c"(sub));
}

static uint64_t cpu_xgetbv0(void)
{
	uint32_t lo, hi;

	__asm__ __volatile__("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
	return (uint64_t)hi << 32 | lo;
}

static uint32_t cpu_features_read(void)
{
	struct crypto_cpuid c = { 0 };
	uint32_t r[4];

	cpu_cpuid(0, 0, r);
	c.max_leaf = r[0];
	if (c.max_leaf >= 1) {
		cpu_cpuid(1, 0, r);
		c.l1_ecx = r[2];
	}
	if (c.max_leaf >= 7) {
		cpu_cpuid(7, 0, r);
		c.l7_ebx = r[1];
		c.l7_ecx = r[2];
	}
	/* XGETBV is #UD unless the OS set CR4.OSXSAVE. */
	if (c.l1_ecx & CPU_L1_OSXSAVE)
		c.xcr0 = cpu_xgetbv0();
	return crypto_cpu_decode(&c);
}

uint32_t crypto_cpu_features(void)
{
	/* Racing first calls compute the same value: a benign race, kept atomic. */
	static uint32_t cached;
	uint32_t f = __atomic_load_n(&cached, __ATOMIC_RELAXED);

	if (!(f & CPU_CACHED)) {
		f = cpu_features_read() | CPU_CACHED;
		__atomic_store_n(&cached, f, __ATOMIC_RELAXED);
	}
	return f & ~CPU_CACHED;
}
