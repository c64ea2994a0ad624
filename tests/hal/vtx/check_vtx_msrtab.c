/*
 * check_vtx_msrtab.c - parapass's decisions on the guest's MSR accesses
 * (hal/vtx/vtx_msrtab.c): the MSRs that act in root mode are never passed
 * through (Intel PT, DS/PEBS, arch LBR, APIC base, DEBUGCTL, XSS, XFD);
 * anything unknown is denied; the bitmap (SDM vol. 3, 25.6.9) traps
 * exactly what the policy does not pass; the table is sorted. INIT and
 * start-up IPIs through the x2APIC ICR reach only the sender itself
 * (SDM vol. 3, 11.12.9: delivery mode, destination mode, shorthand,
 * 32-bit destination). APIC base, DEBUGCTL and XSS values.
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

#define DENY VTX_MSR_DENY
#define PASS VTX_MSR_PASS
#define EMUL VTX_MSR_EMUL

struct policy_case {
	uint32_t msr;
	enum vtx_msr_act rd, wr;
};

static const struct policy_case policy_cases[] = {
	{ 0x570, DENY, DENY },        /* RTIT_CTL */
	{ 0x560, DENY, DENY },        /* RTIT_OUTPUT_BASE */
	{ 0x561, DENY, DENY },        /* RTIT_OUTPUT_MASK_PTRS */
	{ 0x580, DENY, DENY },        /* RTIT_ADDR0_A */
	{ 0x600, DENY, DENY },        /* DS_AREA */
	{ 0x3F1, DENY, DENY },        /* PEBS_ENABLE */
	{ 0x345, DENY, DENY },        /* PERF_CAPABILITIES */
	{ 0x14CE, DENY, DENY },       /* arch LBR_CTL */
	{ 0x9B, DENY, DENY },         /* SMM_MONITOR_CTL */
	{ 0x1F2, DENY, DENY },        /* SMRR_PHYSBASE */
	{ 0xE1, DENY, DENY },         /* UMWAIT_CONTROL */
	{ 0x480, DENY, DENY },        /* VMX_BASIC */
	{ 0x493, DENY, DENY },
	{ 0x3A, EMUL, DENY },         /* FEATURE_CONTROL */
	{ 0x1B, PASS, EMUL },         /* APIC_BASE */
	{ 0x1D9, EMUL, EMUL },        /* DEBUGCTL */
	{ 0xDA0, PASS, EMUL },        /* XSS */
	{ 0x1C4, PASS, EMUL },        /* XFD */
	{ 0x830, PASS, EMUL },        /* x2APIC ICR */
	{ 0x1A0, EMUL, PASS },        /* MISC_ENABLE */
	{ 0x79, DENY, EMUL },         /* BIOS_UPDT_TRIG */
	{ 0x10, PASS, PASS },         /* TSC */
	{ 0x6E0, PASS, PASS },        /* TSC_DEADLINE */
	{ 0x80B, PASS, PASS },        /* x2APIC EOI */
	{ 0x277, PASS, PASS },        /* PAT */
	{ 0x48, PASS, PASS },         /* SPEC_CTRL */
	{ 0xC0000080, PASS, PASS },   /* EFER */
	{ 0xC0000102, PASS, PASS },   /* KERNEL_GS_BASE */
	{ 0xC0000104, DENY, DENY },
	{ 0xC0010000, DENY, DENY },   /* AMD's */
	{ 0x40000000, DENY, DENY },   /* hypervisor range */
	{ 0x12345, DENY, DENY },
	{ 0xFFFFFFFF, DENY, DENY },
	{ 0, DENY, DENY },            /* P5_MC_ADDR */
};

START_TEST(test_policy)
{
	const struct policy_case *c = &policy_cases[_i];

	ck_assert_msg(vtx_msr_policy(c->msr, false) == c->rd, "RDMSR %x", c->msr);
	ck_assert_msg(vtx_msr_policy(c->msr, true) == c->wr, "WRMSR %x", c->msr);
}
END_TEST

START_TEST(test_table_sorted)
{
	for (size_t i = 0; i < sizeof(vtx_msr_rules) / sizeof(vtx_msr_rules[0]); i++) {
		const struct vtx_msr_rule *r = &vtx_msr_rules[i];

		ck_assert_msg(r->first <= r->last, "rule %zu", i);
		ck_assert_msg(i == 0 || vtx_msr_rules[i - 1].last < r->first, "rule %zu overlaps", i);
		/* Passing is only possible where the bitmap reaches; elsewhere every MSR exits. */
		ck_assert_msg((r->rd != PASS && r->wr != PASS) ||
			      (vtx_msr_in_bitmap(r->first) && vtx_msr_in_bitmap(r->last)), "rule %zu", i);
	}
}
END_TEST

static bool bitmap_bit(const uint8_t *bm, uint32_t msr, bool write)
{
	unsigned off = (msr >= 0xC0000000u ? 1024 : 0) + (write ? 2048 : 0);

	return bm[off + (msr & 0x1FFF) / 8] & (1u << (msr & 7));
}

/* Every MSR the bitmap covers exits unless the policy passes it. */
START_TEST(test_bitmap)
{
	static uint8_t bm[4096];
	const uint32_t bases[] = { 0, 0xC0000000u };

	vtx_msr_bitmap_build(bm);
	for (unsigned b = 0; b < 2; b++) {
		for (uint32_t m = bases[b]; m <= bases[b] + 0x1FFF; m++) {
			ck_assert_msg(bitmap_bit(bm, m, false) == (vtx_msr_policy(m, false) != PASS),
				      "read bit of %x", m);
			ck_assert_msg(bitmap_bit(bm, m, true) == (vtx_msr_policy(m, true) != PASS),
				      "write bit of %x", m);
		}
	}
}
END_TEST

#define VMM_B 0x0EE00000ull
#define VMM_E 0x0FC00000ull

struct value_case {
	int kind;   /* 0 APIC base, 1 DEBUGCTL, 2 XSS */
	uint64_t v, supported;
	bool ok;
};

static const struct value_case value_cases[] = {
	{ 0, 0xFEE00900, 0, true },                    /* the usual place, enabled, BSP */
	{ 0, 0xFEE00D00, 0, true },                    /* x2APIC mode */
	{ 0, VMM_B | 0x900, 0, false },                /* onto VMM memory */
	{ 0, (VMM_E - 0x1000) | 0x800, 0, false },     /* its last page */
	{ 0, VMM_E | 0x800, 0, true },                 /* just above */
	{ 0, (VMM_B - 0x1000) | 0x800, 0, true },      /* just below */
	{ 0, VMM_B | 0x100, 0, true },                 /* disabled: decodes nothing */
	{ 0, 0x10000000000ull | VMM_B | 0x800, 0, true },   /* above 4 GiB, not VMM memory */
	{ 1, 0x1, 0, true },                           /* LBR */
	{ 1, 0x3, 0, true },                           /* LBR, BTF */
	{ 1, 0xF800, 0, true },                        /* freeze bits, RTM */
	{ 1, 0x40, 0, false },                         /* TR */
	{ 1, 0x80, 0, false },                         /* BTS */
	{ 1, 0x100, 0, false },                        /* BTINT */
	{ 1, 0x600, 0, false },                        /* BTS_OFF_OS/USR */
	{ 1, 0x10000, 0, false },                      /* reserved */
	{ 2, 0, 0x1900, true },
	{ 2, 0x1800, 0x1900, true },                   /* CET_U, CET_S */
	{ 2, 0x100, 0x1900, false },                   /* PT */
	{ 2, 0x8000, 0x9900, false },                  /* LBR */
	{ 2, 0x800, 0x0100, false },                   /* CET_U where the CPU has none */
};

START_TEST(test_values)
{
	const struct value_case *c = &value_cases[_i];
	bool ok = c->kind == 0 ? vtx_msr_apic_base_ok(c->v, VMM_B, VMM_E) :
		  c->kind == 1 ? vtx_msr_debugctl_ok(c->v) : vtx_msr_xss_ok(c->v, c->supported);

	ck_assert_msg(ok == c->ok, "kind %d value %llx", c->kind, (unsigned long long)c->v);
}
END_TEST

Suite *vtx_msrtab_suite(void)
{
	Suite *s = suite_create("vtx_msrtab");
	TCase *tc = tcase_create("msr");

	tcase_add_loop_test(tc, test_icr, 0, sizeof(icr_cases) / sizeof(icr_cases[0]));
	tcase_add_loop_test(tc, test_policy, 0, sizeof(policy_cases) / sizeof(policy_cases[0]));
	tcase_add_test(tc, test_table_sorted);
	tcase_add_test(tc, test_bitmap);
	tcase_add_loop_test(tc, test_values, 0, sizeof(value_cases) / sizeof(value_cases[0]));
	suite_add_tcase(s, tc);
	return s;
}
