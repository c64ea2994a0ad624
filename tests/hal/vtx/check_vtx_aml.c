/*
 * check_vtx_aml.c - the sleep types parapass reads from the DSDT and the
 * PM1 control writes it lets through (hal/vtx/vtx_aml.c, ACPI 6.4 7.4.2,
 * 20.2 and 4.8.3.2.1): \_Sx packages as iasl encodes them (Bochs', QEMU's,
 * a real board's), references that are not definitions, bad encodings;
 * SLP_EN with S3's type refused in every access width, S4/S5 allowed.
 */
#include <check.h>

#include "../../../hal/vtx/vtx_aml.c"

struct aml_case {
	const char *what;
	const uint8_t *aml;
	size_t len;
	char state;
	int rc;
	uint8_t a, b;
};

#define AML(...) (const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ })

static const struct aml_case aml_cases[] = {
	/* Bochs' acpi-dsdt.dsl: Name (\_S3, Package (0x04) { 0x01, 0x01, Zero, Zero }) */
	{ "bochs S3", AML(0x10, 0x08, 0x5C, '_', 'S', '3', '_', 0x12, 0x06, 0x04, 0x01, 0x01, 0x00, 0x00),
	  '3', PP_OK, 1, 1 },
	{ "bochs S5", AML(0x08, 0x5C, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00),
	  '5', PP_OK, 0, 0 },
	/* a board: Name (_S5, Package () { 0x07, 0x07 }) with BytePrefix */
	{ "byte prefix", AML(0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x02, 0x0A, 0x07, 0x0A, 0x07),
	  '5', PP_OK, 7, 7 },
	{ "word and one", AML(0x08, '_', 'S', '4', '_', 0x12, 0x07, 0x02, 0x0B, 0x06, 0x00, 0x01),
	  '4', PP_OK, 6, 1 },
	/* a two-byte PkgLength (lead 0x40) */
	{ "long pkglength", AML(0x08, '_', 'S', '5', '_', 0x12, 0x46, 0x00, 0x04, 0x0A, 0x05, 0x0A,
				0x03, 0x00, 0x00),
	  '5', PP_OK, 5, 3 },
	/* one element: SLP_TYPb is SLP_TYPa */
	{ "one element", AML(0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x01, 0x0A, 0x07), '5', PP_OK, 7, 7 },
	/* Store (_S5_, Local0) is a reference: the definition comes after */
	{ "reference first", AML(0x70, '_', 'S', '5', '_', 0x12, 0x04, 0x01, 0x0A, 0x03, 0x60,
				 0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x02, 0x0A, 0x07, 0x00),
	  '5', PP_OK, 7, 0 },
	{ "missing", AML(0x08, '_', 'S', '3', '_', 0x12, 0x04, 0x01, 0x01), '5', PP_EINVAL, 0, 0 },
	{ "not a package", AML(0x08, '_', 'S', '5', '_', 0x0A, 0x07, 0x00, 0x00), '5', PP_EINVAL, 0, 0 },
	{ "truncated", AML(0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x02, 0x0C, 0x07), '5', PP_EINVAL, 0, 0 },
	{ "bad element", AML(0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x02, 0x0D, 0x07, 0x00),
	  '5', PP_EINVAL, 0, 0 },
};

START_TEST(test_sleep_type)
{
	const struct aml_case *c = &aml_cases[_i];
	uint8_t typ[2] = { 0xEE, 0xEE };

	ck_assert_msg(vtx_aml_sleep_type(c->aml, c->len, c->state, typ) == c->rc, "%s", c->what);
	if (c->rc == PP_OK) {
		ck_assert_msg(typ[0] == c->a && typ[1] == c->b, "%s: got %u %u", c->what, typ[0], typ[1]);
	}
}
END_TEST

struct pm1_case {
	unsigned off, width;
	uint32_t v;
	bool ok;
};

/* Allowed: types 0 (S5) and 6, as a mask (bit n = type n). */
#define ALLOWED ((1u << 0) | (1u << 6))

static const struct pm1_case pm1_cases[] = {
	{ 0, 2, 0x2000 | 1 << 10 | 1, false },      /* S3 (type 1) with SCI_EN */
	{ 0, 4, 0x2000 | 1 << 10, false },           /* the same as a dword */
	{ 1, 1, 0x20 | 1 << 2, false },              /* the high byte alone */
	{ 0, 2, 0x2000 | 0 << 10, true },            /* S5 */
	{ 1, 1, 0x20 | 6 << 2, true },               /* type 6 */
	{ 0, 2, 1 << 10 | 1, true },                 /* SLP_TYP without SLP_EN: no sleep yet */
	{ 0, 1, 0xFF, true },                        /* the low byte has no SLP_EN */
	{ 1, 1, 0x1C, true },                        /* SLP_TYP 7 without SLP_EN */
	{ 0, 2, 0x2000 | 7 << 10, false },
	{ 1, 2, 0x0024, false },                     /* an odd word: its low byte is the high byte */
};

START_TEST(test_pm1_write)
{
	const struct pm1_case *c = &pm1_cases[_i];

	ck_assert_msg(vtx_pm1_cnt_write_ok(c->off, c->width, c->v, ALLOWED) == c->ok,
		      "off %u width %u value %x", c->off, c->width, c->v);
}
END_TEST

Suite *vtx_aml_suite(void)
{
	Suite *s = suite_create("vtx_aml");
	TCase *tc = tcase_create("sleep");

	tcase_add_loop_test(tc, test_sleep_type, 0, sizeof(aml_cases) / sizeof(aml_cases[0]));
	tcase_add_loop_test(tc, test_pm1_write, 0, sizeof(pm1_cases) / sizeof(pm1_cases[0]));
	suite_add_tcase(s, tc);
	return s;
}
