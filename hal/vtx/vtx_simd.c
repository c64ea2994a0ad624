/*
 * vtx_simd.c - the SIMD registers belong to the guest (DESIGN.md,
 * "Encryption"). VMX switches neither them nor XCR0 (SDM vol. 3, 27.5),
 * so on the first hal_simd_begin() of an exit parapass widens XCR0 to
 * what crypto/ may use (x87, SSE, AVX, AVX-512) plus what the guest
 * enabled, XSAVEs everything, and before the next VM entry XRSTORs it and
 * puts back the guest's XCR0. CPUs without XSAVE use FXSAVE (AES-NI only).
 *
 * Before the first entry the guest gets every component in its initial
 * state, so that no key schedule left by vmm_start() reaches it.
 */
#include "vtx_priv.h"

#define LOG_PREFIX "vtx"
#define XCR0_X87 0x1ull
#define XCR0_SSE 0x2ull
#define XCR0_AVX 0x4ull
#define XCR0_AVX512 0xE0ull   /* opmask, ZMM_Hi256, Hi16_ZMM: all or none */
#define XCR0_MPX 0x18ull
#define VTX_XSAVE_AREA 16384

static uint8_t vtx_xsave_area[VTX_XSAVE_AREA] __attribute__((aligned(64)));
static bool vtx_use_xsave, vtx_saved;
static uint64_t vtx_xcr0_supported, vtx_xcr0_host, vtx_xcr0_guest = XCR0_X87, vtx_xcr0_now;
/*
 * The guest's IA32_XFD (SDM vol. 1, 13.14): with a component's bit set,
 * XRSTOR of it raises #NM, and in root mode that would halt parapass. So
 * XFD is 0 while parapass saves and restores the guest's state, and the
 * guest's value (its writes exit, vtx_msr.c) goes back before the entry.
 */
static uint64_t vtx_xfd_guest;

static void xcr0_set(uint64_t v)
{
	if (vtx_use_xsave && v != vtx_xcr0_now) {
		vtx_xsetbv(0, v);
		vtx_xcr0_now = v;
	}
}

int vtx_simd_init(void)
{
	struct vtx_cpuid c1 = vtx_cpuid(1, 0);
	uint64_t cr4 = vtx_read_cr4() | (1u << 9) | (1u << 10);   /* OSFXSR, OSXMMEXCPT */

	vtx_use_xsave = c1.c & (1u << 26);
	if (vtx_use_xsave)
		cr4 |= 1u << 18;   /* OSXSAVE */
	vtx_write_cr4(cr4);
	vtx_write_cr0((vtx_read_cr0() & ~0xCull) | 0x2);   /* EM=0, TS=0, MP=1 */
	if (vtx_use_xsave) {
		struct vtx_cpuid d = vtx_cpuid(0xD, 0);

		vtx_xcr0_supported = (uint64_t)d.d << 32 | d.a;
		vtx_xcr0_host = vtx_xcr0_supported & (XCR0_X87 | XCR0_SSE | XCR0_AVX | XCR0_AVX512);
		if ((vtx_xcr0_host & XCR0_AVX512) != XCR0_AVX512)
			vtx_xcr0_host &= ~XCR0_AVX512;
		/* ECX: the area every supported component needs. */
		if (d.c > VTX_XSAVE_AREA)
			vtx_fatal("XSAVE area of %u bytes exceeds %u", d.c, VTX_XSAVE_AREA);
		vtx_xcr0_now = ~0ull;
		xcr0_set(vtx_xcr0_host);
	}
	/* A zeroed area restores every component to its initial state (SDM 13.8). */
	vmm_memset(vtx_xsave_area, 0, sizeof(vtx_xsave_area));
	if (!vtx_use_xsave) {
		*(uint16_t *)vtx_xsave_area = 0x37F;            /* FCW */
		*(uint32_t *)(vtx_xsave_area + 24) = 0x1F80;    /* MXCSR */
	}
	vtx_saved = true;
	LOG_INFO("guest extended state: %s, parapass XCR0 %llx, cipher %s",
		 vtx_use_xsave ? "XSAVE" : "FXSAVE", (unsigned long long)vtx_xcr0_host,
		 crypto_impl_name(crypto_impl_best()));
	return PP_OK;
}

void hal_simd_begin(void)
{
	uint64_t rfbm;

	if (vtx_saved)
		return;
	vtx_saved = true;
	vtx_prof.simd_saves++;
	if (!vtx_use_xsave) {
		__asm__ volatile("fxsave64 %0" : "=m"(vtx_xsave_area));
		return;
	}
	rfbm = vtx_xcr0_host | vtx_xcr0_guest;
	xcr0_set(rfbm);
	if (vtx_xfd_guest)
		vtx_wrmsr(MSR_XFD, 0);
	__asm__ volatile("xsave64 %0" : "=m"(vtx_xsave_area)
			 : "a"((uint32_t)rfbm), "d"((uint32_t)(rfbm >> 32)) : "memory");
}

void hal_simd_end(void)
{
	/* The guest's state comes back once, before the next VM entry. */
}

void vtx_simd_before_entry(void)
{
	uint64_t rfbm = vtx_xcr0_host | vtx_xcr0_guest;

	if (vtx_saved) {
		if (vtx_use_xsave) {
			xcr0_set(rfbm);
			__asm__ volatile("xrstor64 %0" : : "m"(vtx_xsave_area),
					 "a"((uint32_t)rfbm), "d"((uint32_t)(rfbm >> 32)) : "memory");
			if (vtx_xfd_guest)
				vtx_wrmsr(MSR_XFD, vtx_xfd_guest);
		} else {
			__asm__ volatile("fxrstor64 %0" : : "m"(vtx_xsave_area) : "memory");
		}
		vtx_saved = false;
	}
	xcr0_set(vtx_xcr0_guest);
}

/* XSETBV rules (SDM vol. 2, XSETBV; vol. 1, 13.3): anything else is #GP. */
bool vtx_simd_guest_xsetbv(uint32_t xcr, uint64_t v)
{
	if (!vtx_use_xsave || xcr != 0 || !(v & XCR0_X87) || (v & ~vtx_xcr0_supported) ||
	    ((v & XCR0_AVX) && !(v & XCR0_SSE)) ||
	    ((v & XCR0_AVX512) && ((v & XCR0_AVX512) != XCR0_AVX512 || !(v & XCR0_AVX))) ||
	    ((v & XCR0_MPX) && (v & XCR0_MPX) != XCR0_MPX))
		return false;
	vtx_xcr0_guest = v;
	vtx_xcr0_now = ~0ull;   /* forces the XSETBV before entry */
	return true;
}

uint64_t vtx_simd_guest_xcr0(void)
{
	return vtx_xcr0_guest;
}

void vtx_simd_guest_xfd(uint64_t v)
{
	vtx_xfd_guest = v;
}

/* Supervisor state components IA32_XSS may enable (CPUID.(EAX=0DH,ECX=1):EDX:ECX). */
uint64_t vtx_simd_xss_supported(void)
{
	struct vtx_cpuid c = vtx_cpuid(0xD, 1);

	return vtx_use_xsave ? (uint64_t)c.d << 32 | c.c : 0;
}
