/*
 * check_vtx_msrtab.c - parapass's decisions on the guest's MSR accesses
 * (hal/vtx/vtx_msrtab.c): INIT and start-up IPIs through the x2APIC ICR
 * reach only the sender itself (SDM vol. 3, 11.12.9: delivery mode, destination
 * mode, shorthand, 32-bit destination).
 */
#include <check.h>

#include "../../../hal/vtx/vtx_msrtab.c"

#define ICR(dest, shorthand, logical, mode, vec) \
	((uint64_t)(dest) << 32 | (uint64_t)(shorthand) << 18 | (uint64_t)(logical) << 11 | \
	 (uint64_t)(mode) << 8 | (vec) | (1u << 14))

struct icr_case {
	uint64_t icr;
	uint32_t self;
	bool allowed;
};

static const struct icr_case icr_cases[] = {
	{ ICR(0, 3, 0, 5, 0), 0, false },          /* the review's case: all-but-self, destination = self */
	{ ICR(0, 2, 0, 6, 0x10), 0, false },       /* SIPI to all including self */
	{ ICR(1, 0, 0, 5, 0), 0, false },          /* INIT to APIC 1 */
	{ ICR(0x100, 0, 0, 6, 0x10), 0x100, true }, /* a 32-bit x2APIC ID, not an 8-bit one */
	{ ICR(0x100, 0, 0, 6, 0x10), 0, false },   /* 0x100 is not APIC 0 */
	{ ICR(1, 0, 1, 5, 0), 1, false },          /* logical: may name others too */
	{ ICR(0, 1, 0, 5, 0), 7, true },           /* shorthand self */
	{ ICR(0, 0, 0, 5, 0), 0, true },           /* physical, to itself */
	{ ICR(0, 3, 0, 4, 2), 0, true },           /* NMI to the others: parked, they return to halt */
	{ ICR(5, 0, 0, 0, 0x30), 0, true },        /* a fixed interrupt */
	{ ICR(0, 3, 0, 0, 0xFD), 0, true },
};

START_TEST(test_icr)
{
	const struct icr_case *c = &icr_cases[_i];

	ck_assert_msg(vtx_icr_allowed(c->icr, c->self) == c->allowed, "ICR %llx self %x",
		      (unsigned long long)c->icr, c->self);
}
END_TEST

Suite *vtx_msrtab_suite(void)
{
	Suite *s = suite_create("vtx_msrtab");
	TCase *tc = tcase_create("icr");

	tcase_add_loop_test(tc, test_icr, 0, sizeof(icr_cases) / sizeof(icr_cases[0]));
	suite_add_tcase(s, tc);
	return s;
}
