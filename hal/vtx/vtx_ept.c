/*
 * vtx_ept.c - the guest's physical address space (SDM vol. 3, 29.3): an
 * identity map of all RAM and device memory with the MTRRs' memory types,
 * except VMM memory, which is not mapped at all.
 *
 * A guest access to VMM memory exits (EPT violation). It is logged with
 * the guest state and answered as a bus with nothing behind it would:
 * reads see all-ones and writes vanish. For that the page is mapped, for
 * one instruction, to a scratch page of 0xFF bytes, then hidden again and
 * the scratch refilled, so no instruction needs decoding and the guest
 * never sees a byte of parapass. The one instruction is stepped with the
 * monitor trap flag (SDM 26.7.2) or, on CPUs without it (Bochs), with
 * RFLAGS.TF and a #DB intercept; a single step of the guest's own is
 * passed on to it.
 */
#include "vtx_priv.h"

#define LOG_PREFIX "vtx"
#define EPT_RWX 0x7ull
#define EPT_PS 0x80ull
#define EPT_ADDR 0x000FFFFFFFFFF000ull
#define EPT_LOG_MAX 8
#define EPT_SLOTS 16  /* entries open at once: up to four per page an instruction touches */
#define EPT_BLOCK_MAX 8
#define RFLAGS_TF (1u << 8)

uint64_t vtx_ept_hidden_hits;
static uint64_t *ept_pml4, ept_top;
static int ept_leaf_max;   /* highest level a leaf may sit at: 3 = 1 GiB, 2 = 2 MiB */
static struct vtx_mtrr ept_mtrr;
static uint8_t *ept_scratch;
/* Entries opened for one step; spare page tables stand in for a hidden 2 MiB entry. */
static struct { uint64_t *e; } ept_slot[EPT_SLOTS];
static uint64_t *ept_spare[EPT_SLOTS];
static bool ept_spare_used[EPT_SLOTS];
static bool ept_stepping, ept_guest_tf;
/* Never mapped: VMM memory first, then what vtx_ept_block() adds (PCI ECAM). */
static struct { struct vtx_range r; const char *what; } ept_blocked[EPT_BLOCK_MAX];
static unsigned ept_nblocked;

static void mtrr_read(struct vtx_mtrr *m)
{
	uint64_t def = vtx_rdmsr(MSR_MTRR_DEF_TYPE), cap = vtx_rdmsr(MSR_MTRRCAP);
	unsigned bits = vtx_cpuid(0x80000000, 0).a >= 0x80000008 ? vtx_cpuid(0x80000008, 0).a & 0xFF : 36;

	m->enabled = def & (1u << 11);
	m->fixed_enabled = (def & (1u << 10)) && (cap & (1u << 8));
	m->def_type = def & 0xFF;
	m->addr_mask = ((1ull << bits) - 1);
	for (unsigned i = 0; m->fixed_enabled && i < 11; i++) {
		uint32_t msr = i == 0 ? MSR_MTRR_FIX64K : i < 3 ? MSR_MTRR_FIX16K + i - 1
							   : MSR_MTRR_FIX4K + i - 3;
		uint64_t v = vtx_rdmsr(msr);

		for (unsigned b = 0; b < 8; b++)
			m->fixed[i * 8 + b] = (uint8_t)(v >> (8 * b));
	}
	m->nvar = 0;
	for (unsigned i = 0; i < (cap & 0xFF) && i < VTX_MTRR_VAR_MAX; i++) {
		uint64_t base = vtx_rdmsr(MSR_MTRR_PHYSBASE0 + 2 * i);
		uint64_t mask = vtx_rdmsr(MSR_MTRR_PHYSBASE0 + 2 * i + 1);

		if (mask & (1u << 11))
			m->var[m->nvar++] = (struct vtx_mtrr_var){ .base = base, .mask = mask,
								   .type = base & 0xFF };
	}
}

static void ept_map(uint64_t *table, int level, uint64_t tbase, uint64_t lo, uint64_t hi);

int vtx_ept_block(uint64_t base, uint64_t end, const char *what)
{
	/* One slot stays free for VMM memory, added by vtx_ept_build(). */
	if (ept_nblocked + 1 >= EPT_BLOCK_MAX || (base | end) & (VTX_PAGE - 1) || base >= end)
		return PP_EINVAL;
	ept_blocked[ept_nblocked++] = (typeof(ept_blocked[0])){ { base, end }, what };
	return PP_OK;
}

/* 1: [a, a+size) wholly blocked, -1: partly, 0: not at all; *what names the range. */
static int ept_blocked_in(uint64_t a, uint64_t size, const char **what)
{
	for (unsigned i = 0; i < ept_nblocked; i++) {
		const struct vtx_range *r = &ept_blocked[i].r;

		if (a >= r->end || a + size <= r->base)
			continue;
		*what = ept_blocked[i].what;
		return a >= r->base && a + size <= r->end ? 1 : -1;
	}
	return 0;
}

/* One entry covering [a, a+size): hidden, a leaf with the MTRR type, or a table. */
static void ept_entry(uint64_t *e, int level, uint64_t a)
{
	uint64_t size = 1ull << (12 + 9 * (level - 1));
	const char *what;
	int blocked = ept_blocked_in(a, size, &what), type;
	uint64_t *sub;

	if (blocked > 0) {
		*e = 0;   /* wholly blocked: not present */
		return;
	}
	if (!blocked && level <= ept_leaf_max) {
		type = vtx_mtrr_type(&ept_mtrr, a, size);
		if (type >= 0) {
			*e = a | EPT_RWX | (uint64_t)type << 3 | (level > 1 ? EPT_PS : 0);
			return;
		}
	}
	VMM_ASSERT(level > 1);
	sub = vtx_alloc_page();
	*e = vtx_virt_to_phys(sub) | EPT_RWX;
	ept_map(sub, level - 1, a, a, a + size);
}

static void ept_map(uint64_t *table, int level, uint64_t tbase, uint64_t lo, uint64_t hi)
{
	uint64_t size = 1ull << (12 + 9 * (level - 1));

	for (unsigned i = 0; i < 512; i++) {
		uint64_t a = tbase + i * size;

		if (a >= hi || a + size <= lo)
			continue;
		if (!table[i])
			ept_entry(&table[i], level, a);
		else if (!(table[i] & EPT_PS) && level > 1)
			ept_map(vtx_phys(table[i] & EPT_ADDR), level - 1, a, lo, hi);
	}
}

int vtx_ept_build(void)
{
	/* VMM memory goes first, so that it is what a lookup names. */
	for (unsigned i = ept_nblocked++; i > 0; i--)
		ept_blocked[i] = ept_blocked[i - 1];
	ept_blocked[0].r = (struct vtx_range){ vtx_boot.image_base, vtx_boot.image_end };
	ept_blocked[0].what = "VMM memory";
	mtrr_read(&ept_mtrr);
	ept_leaf_max = vtx_caps.ept_1g ? 3 : 2;
	ept_top = vtx_phys_top();
	if (vtx_caps.ept_1g) {
		/* 1 GiB pages make device memory above RAM cheap to map: take the whole width. */
		uint64_t width = ept_mtrr.addr_mask + 1;

		ept_top = width > (512ull << 30) ? 512ull << 30 : width;
	}
	ept_pml4 = vtx_alloc_page();
	ept_scratch = vtx_alloc_page();
	vmm_memset(ept_scratch, 0xFF, VTX_PAGE);
	for (unsigned i = 0; i < EPT_SLOTS; i++)
		ept_spare[i] = vtx_alloc_page();
	ept_map(ept_pml4, 4, 0, 0, ept_top);
	LOG_INFO("EPT: identity map of %llu GiB with MTRR types (%s pages), VMM memory hidden",
		 (unsigned long long)(ept_top >> 30), vtx_caps.ept_1g ? "1 GiB" : "2 MiB");
	return PP_OK;
}

uint64_t vtx_ept_pointer(void)
{
	/* Paging-structure memory type, 4-level walk (SDM 24.6.11). */
	return vtx_virt_to_phys(ept_pml4) | (3u << 3) | (vtx_caps.ept_wb ? 6 : 0);
}

/* The first empty entry on gpa's walk, and its level (1 = 4 KiB, 2 = 2 MiB). */
static uint64_t *ept_hole(uint64_t gpa, int *level)
{
	uint64_t *t = ept_pml4;

	for (*level = 4;; (*level)--) {
		uint64_t *e = &t[(gpa >> (12 + 9 * (*level - 1))) & 511];

		if (!*e)
			return e;
		VMM_ASSERT(*level > 1 && !(*e & EPT_PS));
		t = vtx_phys(*e & EPT_ADDR);
	}
}

/* Free slots and spare tables; the one instruction being stepped needs at most 4 of each a page. */
static bool ept_room(void)
{
	unsigned slots = 0, spares = 0;

	for (unsigned i = 0; i < EPT_SLOTS; i++) {
		slots += !ept_slot[i].e;
		spares += !ept_spare_used[i];
	}
	return slots >= 4 && spares >= 3;
}

static void ept_open(uint64_t *e, uint64_t val)
{
	unsigned i;

	for (i = 0; i < EPT_SLOTS && ept_slot[i].e; i++)
		;
	VMM_ASSERT(i < EPT_SLOTS);   /* ept_room() was checked */
	ept_slot[i].e = e;
	*e = val;
}

/* Every page opened for stepping hidden again, the spare tables and the scratch page reset. */
static void ept_hide_all(void)
{
	for (unsigned i = 0; i < EPT_SLOTS; i++) {
		if (ept_slot[i].e)
			*ept_slot[i].e = 0;
		ept_slot[i].e = NULL;
	}
	for (unsigned i = 0; i < EPT_SLOTS; i++) {
		if (ept_spare_used[i])
			vmm_memset(ept_spare[i], 0, VTX_PAGE);
		ept_spare_used[i] = false;
	}
	vmm_memset(ept_scratch, 0xFF, VTX_PAGE);
	vtx_invept();
}

static uint64_t *ept_spare_take(void)
{
	unsigned i;

	for (i = 0; i < EPT_SLOTS && ept_spare_used[i]; i++)
		;
	VMM_ASSERT(i < EPT_SLOTS);   /* ept_room() was checked */
	ept_spare_used[i] = true;
	return ept_spare[i];
}

/*
 * Without the monitor trap flag the step is RFLAGS.TF and a #DB intercept.
 * Every other exception is intercepted too while it lasts: if the stepped
 * instruction faults, its #DB never comes, and delivering the fault
 * through the guest's IDT would push our TF into its frame and leave the
 * page open (vtx_exit.c reinjects it once the window is closed).
 */
static void ept_step_start(void)
{
	uint64_t rflags = vtx_vmread(GUEST_RFLAGS);

	ept_stepping = true;
	if (vtx_caps.mtf) {
		vtx_set_mtf(true);
		return;
	}
	ept_guest_tf = rflags & RFLAGS_TF;
	vtx_vmwrite(GUEST_RFLAGS, rflags | RFLAGS_TF);
	vtx_vmwrite(EXCEPTION_BITMAP, ~(1u << 18));   /* all but #MC */
}

/*
 * Map gpa's page to the scratch page and step the guest over one
 * instruction. A hole above the 4 KiB level is filled with spare tables.
 * Windows a previous step left open (its instruction cleared TF, or no
 * exit came since) are closed first when room runs out.
 */
static void ept_hidden_step(uint64_t gpa)
{
	int level;
	uint64_t *e;

	if (!ept_room())
		ept_hide_all();
	e = ept_hole(gpa, &level);
	while (level > 1) {
		uint64_t *spare = ept_spare_take();

		ept_open(e, vtx_virt_to_phys(spare) | EPT_RWX);
		level--;
		e = &spare[(gpa >> (12 + 9 * (level - 1))) & 511];
	}
	ept_open(e, vtx_virt_to_phys(ept_scratch) | EPT_RWX | (uint64_t)VTX_MT_WB << 3);
	vtx_invept();
	if (!ept_stepping)
		ept_step_start();
}

/*
 * Where the access came from, and nothing more: the guest's registers may
 * hold its data (a key, a sector being copied), and this is guest-triggered.
 */
static void ept_log_hidden(uint64_t gpa, uint64_t q, const char *what)
{
	vtx_ept_hidden_hits++;
	if (vtx_ept_hidden_hits > EPT_LOG_MAX)
		return;
	LOG_WARN("guest %s of hidden %s at %llx (access %llu, linear %llx, cs:rip %llx:%llx): it "
		 "reads all-ones, writes are dropped%s", (q & 4) ? "fetch" : (q & 2) ? "write" : "read",
		 what, (unsigned long long)gpa, (unsigned long long)vtx_ept_hidden_hits,
		 (q & (1u << 7)) ? (unsigned long long)vtx_vmread(GUEST_LINEAR_ADDR) : 0ull,
		 (unsigned long long)vtx_vmread(VTX_SEG_SEL(VTX_CS)),
		 (unsigned long long)vtx_vmread(GUEST_RIP),
		 vtx_ept_hidden_hits == EPT_LOG_MAX ? " (no more of these are logged)" : "");
}

void vtx_ept_violation(struct vtx_regs *r)
{
	uint64_t gpa = vtx_vmread(GUEST_PHYS_ADDR), q = vtx_vmread(EXIT_QUALIFICATION);
	const char *what = NULL;

	if (!ept_blocked_in(gpa & ~(VTX_PAGE - 1), VTX_PAGE, &what)) {
		if (gpa < ept_top || (q & 0x38)) {
			vtx_dump_guest(r, "EPT violation outside hidden memory");
			vtx_fatal("EPT violation at %llx, qualification %llx", (unsigned long long)gpa,
				  (unsigned long long)q);
		}
		/* Device memory above what was mapped: map its region now. */
		LOG_INFO("EPT: mapping %llx on demand", (unsigned long long)gpa);
		ept_map(ept_pml4, 4, 0, gpa & ~(VTX_PAGE - 1), (gpa & ~(VTX_PAGE - 1)) + VTX_PAGE);
		vtx_invept();
		return;
	}
	ept_log_hidden(gpa, q, what);
	ept_hidden_step(gpa);
}

bool vtx_ept_stepping(void)
{
	return ept_stepping;
}

/* The window closes: pages hidden, the step's MTF or TF and intercepts off. */
void vtx_ept_close(void)
{
	if (!ept_stepping)
		return;
	ept_hide_all();
	ept_stepping = false;
	if (vtx_caps.mtf) {
		vtx_set_mtf(false);
		return;
	}
	vtx_vmwrite(EXCEPTION_BITMAP, 0);
	if (!ept_guest_tf)
		vtx_vmwrite(GUEST_RFLAGS, vtx_vmread(GUEST_RFLAGS) & ~(uint64_t)RFLAGS_TF);
}

/*
 * Any exit but the step's own (MTF, #DB, another exception of the
 * stepped instruction) or a further EPT violation of it ends the window:
 * the instruction is over, or cleared TF itself (POPF, IRET).
 */
void vtx_ept_exit_begin(uint32_t reason)
{
	if (ept_stepping && reason != VTX_EXIT_EPT_VIOLATION && reason != VTX_EXIT_MTF &&
	    reason != VTX_EXIT_EXCEPTION)
		vtx_ept_close();
}

/* The stepped instruction is done (MTF exit, or the #DB of our TF): hide the page again. */
void vtx_ept_step_done(void)
{
	bool guest_tf = ept_guest_tf && !vtx_caps.mtf;

	vtx_ept_close();
	if (!guest_tf)
		return;
	/* The guest was single-stepping itself: its trap is due now (DR6.BS, SDM 17.3.1.4). */
	__asm__ volatile("mov %%dr6, %%rax; or $0x4000, %%rax; mov %%rax, %%dr6" : : : "rax");
	vtx_inject_exc(1, -1);
}
