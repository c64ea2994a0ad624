/*
 * vtx_walk.c - translation of a guest linear address through the guest's
 * own page tables, in every paging mode (Intel SDM vol. 3, chapter 4):
 * none (real mode, protected mode without paging), 32-bit (4 KiB and PSE
 * 4 MiB pages), PAE (PDPTEs from the VMCS, SDM 26.3.2.4), 4- and 5-level.
 *
 * Pure: the registers come in an environment and guest memory through its
 * map callback, which refuses anything but guest RAM, so the walk never
 * reads VMM memory and the hosted tests can run it on a synthetic memory.
 * It checks write and user permission as the CPU does for the access
 * (SDM 4.6) and sets accessed and dirty bits (SDM 4.8).
 */
#include "vtx_priv.h"

#define PG_P 0x1ull
#define PG_W 0x2ull
#define PG_U 0x4ull
#define PG_A 0x20ull
#define PG_D 0x40ull
#define PG_PS 0x80ull
#define PG_ADDR 0x000FFFFFFFFFF000ull
#define CR0_WP (1ull << 16)
#define CR0_PG (1ull << 31)
#define CR4_PSE (1ull << 4)
#define CR4_PAE (1ull << 5)
#define CR4_LA57 (1ull << 12)
#define EFER_LMA (1ull << 10)

struct walk {
	const struct vtx_walk_env *env;
	enum vtx_access acc;
	bool user, wp;
	uint32_t err;
};

/* Read one entry and check it; false = not present, protection, or not RAM. */
static bool walk_entry(struct walk *w, uint64_t pa, bool wide, uint64_t *out, void **where)
{
	uint64_t e = 0;
	void *p = w->env->map(pa, wide ? 8 : 4);

	if (!p)
		return false;
	vmm_memcpy(&e, p, wide ? 8 : 4);
	if (!(e & PG_P))
		return false;
	if ((w->acc == VTX_ACC_WRITE && !(e & PG_W) && (w->user || w->wp)) ||
	    (w->user && !(e & PG_U))) {
		w->err |= VTX_PF_P;
		return false;
	}
	*out = e;
	*where = p;
	return true;
}

/* Accessed on every level, dirty on the leaf of a write. */
static void walk_mark(const struct walk *w, void *where, uint64_t e, bool leaf)
{
	uint64_t set = PG_A | (leaf && w->acc == VTX_ACC_WRITE ? PG_D : 0);

	if ((e & set) != set)
		__atomic_fetch_or((uint32_t *)where, (uint32_t)set, __ATOMIC_SEQ_CST);
}

/* IA-32e (4/5 levels) and PAE's directory levels share the 64-bit entry format. */
static bool walk_wide(struct walk *w, uint64_t la, uint64_t table, int levels, uint64_t *gpa)
{
	for (int lvl = levels; lvl >= 1; lvl--) {
		unsigned shift = 12 + 9 * (unsigned)(lvl - 1);
		uint64_t e;
		void *where;
		bool leaf;

		if (!walk_entry(w, (table & PG_ADDR) + ((la >> shift) & 511) * 8, true, &e, &where))
			return false;
		leaf = lvl == 1 || ((lvl == 2 || lvl == 3) && (e & PG_PS));
		walk_mark(w, where, e, leaf);
		if (leaf) {
			uint64_t size = 1ull << shift;

			*gpa = (e & PG_ADDR & ~(size - 1)) | (la & (size - 1));
			return true;
		}
		table = e;
	}
	return false;
}

static bool walk_32(struct walk *w, uint64_t la, uint64_t *gpa)
{
	uint64_t pde, pte;
	void *where;
	bool big;

	if (!walk_entry(w, (w->env->cr3 & 0xFFFFF000) + ((la >> 22) & 1023) * 4, false, &pde, &where))
		return false;
	big = (pde & PG_PS) && (w->env->cr4 & CR4_PSE);
	walk_mark(w, where, pde, big);
	if (big) {
		/* PSE-36: PDE bits 20:13 are physical address bits 39:32 (SDM 4.3). */
		*gpa = (pde & 0xFFC00000) | ((pde >> 13) & 0xFF) << 32 | (la & 0x3FFFFF);
		return true;
	}
	if (!walk_entry(w, (pde & 0xFFFFF000) + ((la >> 12) & 1023) * 4, false, &pte, &where))
		return false;
	walk_mark(w, where, pte, true);
	*gpa = (pte & 0xFFFFF000) | (la & 0xFFF);
	return true;
}

bool vtx_walk(const struct vtx_walk_env *env, uint64_t la, enum vtx_access acc, uint64_t *gpa,
	      uint32_t *pf_error)
{
	struct walk w = { .env = env, .acc = acc, .user = env->cpl == 3, .wp = env->cr0 & CR0_WP };
	bool ok;

	if (!(env->cr0 & CR0_PG)) {
		*gpa = la & 0xFFFFFFFFull;
		return true;
	}
	if (env->efer & EFER_LMA) {
		ok = walk_wide(&w, la, env->cr3, (env->cr4 & CR4_LA57) ? 5 : 4, gpa);
	} else if (env->cr4 & CR4_PAE) {
		uint64_t pdpte = env->pdpte[(la >> 30) & 3];

		ok = (pdpte & PG_P) && walk_wide(&w, la & 0xFFFFFFFFull, pdpte, 2, gpa);
	} else {
		ok = walk_32(&w, la & 0xFFFFFFFFull, gpa);
	}
	if (!ok)
		*pf_error = w.err | (acc == VTX_ACC_WRITE ? VTX_PF_W : 0) | (w.user ? VTX_PF_U : 0);
	return ok;
}
