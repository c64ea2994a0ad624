/*
 * vtx_aml.c - the little AML parapass reads, and what it lets through the
 * ACPI sleep registers. Pure, so the hosted tests check it.
 *
 * A sleep state's SLP_TYP values are in the DSDT as a package named \_Sx
 * (ACPI 6.4, 7.4.2): Name (_S5, Package () { SLP_TYPa, SLP_TYPb, ... }),
 * encoded as NameOp 08h, the NameString ("_S5_", maybe after a root or
 * parent prefix), PackageOp 12h, PkgLength, NumElements, then integers:
 * ZeroOp 00h, OneOp 01h, OnesOp FFh, or BytePrefix 0Ah / WordPrefix 0Bh /
 * DWordPrefix 0Ch / QWordPrefix 0Eh and the value (ACPI 6.4, 20.2).
 *
 * Setting SLP_EN in PM1x_CNT (4.8.3.2.1) puts the machine in the sleep
 * state SLP_TYP names. In S1-S3 memory keeps power and the firmware
 * resumes the OS through its waking vector, with the processors reset:
 * the guest would run on without parapass, VMX or EPT. Only the types of
 * S4 and S5 go through: the machine loses power (memory too), and
 * whatever runs next boots from scratch.
 */
#include "vtx_priv.h"

#define AML_NAME_OP 0x08
#define AML_PACKAGE_OP 0x12
#define PM1_SLP_EN (1u << 13)
#define PM1_SLP_TYP(v) (((v) >> 10) & 7)

/* One integer object at p (< end); its length in *used, 0 if it is not one. */
static uint64_t aml_integer(const uint8_t *p, const uint8_t *end, size_t *used)
{
	static const uint8_t size[] = { [0x0A] = 1, [0x0B] = 2, [0x0C] = 4, [0x0E] = 8 };
	uint64_t v = 0;
	size_t n;

	*used = 0;
	if (p >= end)
		return 0;
	if (*p == 0x00 || *p == 0x01 || *p == 0xFF) {
		*used = 1;
		return *p;
	}
	n = *p < sizeof(size) ? size[*p] : 0;
	if (!n || (size_t)(end - p) < n + 1)
		return 0;
	for (size_t i = n; i > 0; i--)
		v = v << 8 | p[i];
	*used = n + 1;
	return v;
}

/* The package after "_Sx_" at p: PkgLength, NumElements, SLP_TYPa, SLP_TYPb. */
static int aml_sleep_package(const uint8_t *p, const uint8_t *end, uint8_t typ[2])
{
	size_t lead, used;
	uint64_t a, b;

	if (end - p < 3 || p[0] != AML_PACKAGE_OP)
		return PP_EINVAL;
	lead = p[1] >> 6;   /* bytes of PkgLength after its lead byte */
	p += 2 + lead;
	if (p + 1 >= end)
		return PP_EINVAL;
	a = aml_integer(p + 1, end, &used);
	if (!used)
		return PP_EINVAL;
	b = a;
	if (p[0] >= 2) {
		b = aml_integer(p + 1 + used, end, &used);
		if (!used)
			return PP_EINVAL;
	}
	typ[0] = (uint8_t)(a & 7);
	typ[1] = (uint8_t)(b & 7);
	return PP_OK;
}

int vtx_aml_sleep_type(const uint8_t *aml, size_t len, char state, uint8_t typ[2])
{
	const uint8_t name[4] = { '_', 'S', (uint8_t)state, '_' };

	for (size_t i = 1; i + 4 < len; i++) {
		uint8_t before = aml[i - 1];

		if (vmm_memcmp(aml + i, name, 4))
			continue;
		/* NameOp, or NameOp and a root or parent prefix: a definition, not a reference. */
		if (before != AML_NAME_OP && !((before == '\\' || before == '^') && i >= 2 &&
					       aml[i - 2] == AML_NAME_OP))
			continue;
		if (!aml_sleep_package(aml + i + 4, aml + len, typ))
			return PP_OK;
	}
	return PP_EINVAL;
}

bool vtx_pm1_cnt_write_ok(unsigned off, unsigned width, uint32_t v, uint8_t allowed)
{
	uint32_t cnt;

	if (off == 0 && width == 1)
		return true;   /* the low byte holds neither SLP_TYP nor SLP_EN */
	cnt = off == 0 ? v : (v & 0xFF) << 8;
	return !(cnt & PM1_SLP_EN) || (allowed & (1u << PM1_SLP_TYP(cnt)));
}
