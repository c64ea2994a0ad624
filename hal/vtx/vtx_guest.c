/*
 * vtx_guest.c - the guest as the exit handlers see it: its linear
 * addresses (translated by vtx_walk.c from its VMCS state), copies to and
 * from them, instruction completion, event injection and a dump of its
 * state for post-mortems.
 */
#include "vtx_priv.h"

#define LOG_PREFIX "vtx"
#define CR0_PE 0x1ull
#define EFER_LMA (1ull << 10)

uint64_t vtx_gpr_get(const struct vtx_regs *r, unsigned n)
{
	const uint64_t *g = &r->rax;

	VMM_ASSERT(n < 16);
	if (n == 4)
		return vtx_vmread(GUEST_RSP);
	/* struct order: rax rcx rdx rbx rbp rsi rdi r8..r15 = SDM order without RSP */
	return g[n < 4 ? n : n - 1];
}

void vtx_gpr_set(struct vtx_regs *r, unsigned n, uint64_t v)
{
	uint64_t *g = &r->rax;

	VMM_ASSERT(n < 16);
	if (n == 4)
		vtx_vmwrite(GUEST_RSP, v);
	else
		g[n < 4 ? n : n - 1] = v;
}

unsigned vtx_guest_cpl(void)
{
	return (vtx_vmread(VTX_SEG_AR(VTX_SS)) >> 5) & 3;   /* SDM 24.4.1: CPL = SS.DPL */
}

bool vtx_guest_long_mode(void)
{
	return vtx_vmread(GUEST_EFER) & EFER_LMA;
}

static void *guest_map(uint64_t gpa, size_t len)
{
	if (!vtx_is_guest_ram(gpa, len)) {
		LOG_WARN("guest page table entry at %llx is not guest RAM", (unsigned long long)gpa);
		return NULL;
	}
	return vtx_phys(gpa);
}

bool vtx_guest_translate(uint64_t la, enum vtx_access acc, uint64_t *gpa, uint32_t *pf_error)
{
	struct vtx_walk_env env = {
		.cr0 = vtx_vmread(GUEST_CR0), .cr4 = vtx_vmread(GUEST_CR4),
		.efer = vtx_vmread(GUEST_EFER), .cpl = vtx_guest_cpl(), .map = guest_map,
	};

	if (env.cr0 & (1ull << 31)) {
		env.cr3 = vtx_vmread(GUEST_CR3);
		for (unsigned i = 0; i < 4; i++)
			env.pdpte[i] = vtx_vmread(GUEST_PDPTE0 + 2 * i);
	}
	return vtx_walk(&env, la, acc, gpa, pf_error);
}

/* Copy page by page; PP_EFAULT at an unmapped page or memory that is not guest RAM. */
static int guest_copy(uint64_t la, void *buf, size_t len, enum vtx_access acc)
{
	uint8_t *p = buf;

	while (len) {
		size_t n = VTX_PAGE - (la & (VTX_PAGE - 1));
		uint64_t gpa;
		uint32_t err;

		if (n > len)
			n = len;
		if (!vtx_guest_translate(la, acc, &gpa, &err) || !vtx_is_guest_ram(gpa, n))
			return PP_EFAULT;
		if (acc == VTX_ACC_WRITE)
			vmm_memcpy(vtx_phys(gpa), p, n);
		else
			vmm_memcpy(p, vtx_phys(gpa), n);
		la += n;
		p += n;
		len -= n;
	}
	return PP_OK;
}

int vtx_guest_copy_in(void *dst, uint64_t la, size_t len)
{
	return guest_copy(la, dst, len, VTX_ACC_READ);
}

int vtx_guest_copy_out(uint64_t la, const void *src, size_t len)
{
	return guest_copy(la, (void *)(uintptr_t)src, len, VTX_ACC_WRITE);
}

/*
 * How many bytes from la on are accessible (see vtx_priv.h), and where
 * they are: one span of guest physical memory per page. Copies through the
 * spans never translate again, so a REP INS that overwrites the guest's
 * own page tables part-way still lands where the translation said when the
 * instruction began, as on a CPU whose TLB holds the old entries (SDM vol.
 * 3, 4.10.2.3: a processor may use cached translations until flushed).
 */
size_t vtx_guest_probe(uint64_t la, size_t len, enum vtx_access acc, struct vtx_span *sp,
		       unsigned *nsp, uint64_t *pf_la, uint32_t *pf_error)
{
	size_t ok = 0;

	*nsp = 0;
	while (ok < len) {
		size_t n = VTX_PAGE - ((la + ok) & (VTX_PAGE - 1));
		uint64_t gpa;

		*pf_error = 0;
		if (!vtx_guest_translate(la + ok, acc, &gpa, pf_error)) {
			*pf_la = la + ok;
			break;
		}
		if (n > len - ok)
			n = len - ok;
		if (!vtx_is_guest_ram(gpa, n) || *nsp == VTX_SPAN_MAX) {
			*pf_la = la + ok;
			*pf_error = ~0u;   /* not a page fault: not memory the guest owns */
			break;
		}
		sp[(*nsp)++] = (struct vtx_span){ .gpa = gpa, .len = (uint32_t)n };
		ok += n;
	}
	return ok;
}

/* The first len bytes of the spans (probed: guest RAM) to or from buf. */
void vtx_guest_span_copy(const struct vtx_span *sp, unsigned nsp, void *buf, size_t len,
			 enum vtx_access acc)
{
	uint8_t *p = buf;

	for (unsigned i = 0; i < nsp && len; i++) {
		size_t n = sp[i].len < len ? sp[i].len : len;

		if (acc == VTX_ACC_WRITE)
			vmm_memcpy(vtx_phys(sp[i].gpa), p, n);
		else
			vmm_memcpy(p, vtx_phys(sp[i].gpa), n);
		p += n;
		len -= n;
	}
	VMM_ASSERT(!len);   /* callers copy no more than they probed */
}

/* ---- completing instructions and injecting events (SDM 24.8.3, 26.6) ---- */
void vtx_skip_instr(void)
{
	uint64_t rip = vtx_vmread(GUEST_RIP) + vtx_vmread(EXIT_INSTR_LEN);
	uint64_t cs_ar = vtx_vmread(VTX_SEG_AR(VTX_CS));
	uint64_t intr = vtx_vmread(GUEST_INTERRUPTIBILITY);

	if (!(vtx_guest_long_mode() && (cs_ar & (1u << 13))))
		rip &= (cs_ar & (1u << 14)) ? 0xFFFFFFFFull : 0xFFFFull;
	vtx_vmwrite(GUEST_RIP, rip);
	/* The instruction completed: STI/MOV SS blocking ends, a single step traps. */
	if (intr & 3)
		vtx_vmwrite(GUEST_INTERRUPTIBILITY, intr & ~3ull);
	if (vtx_vmread(GUEST_RFLAGS) & (1u << 8))
		vtx_vmwrite(GUEST_PENDING_DBG, vtx_vmread(GUEST_PENDING_DBG) | (1u << 14));
}

void vtx_inject_exc(unsigned vector, int64_t error)
{
	uint32_t info = vector | (3u << 8) | (1u << 31);   /* hardware exception */
	bool pe = vtx_vmread(GUEST_CR0) & CR0_PE;

	/* Real mode delivers no error code (SDM 26.2.1.3 with unrestricted guest). */
	if (error >= 0 && pe) {
		info |= 1u << 11;
		vtx_vmwrite(ENTRY_EXC_ERRCODE, (uint64_t)error);
	}
	vtx_vmwrite(ENTRY_INTR_INFO, info);
}

void vtx_inject_pf(uint64_t la, uint32_t error)
{
	__asm__ volatile("mov %0, %%cr2" : : "r"(la));   /* VM entry does not load CR2 */
	vtx_inject_exc(14, error);
}

void vtx_event_reinject(void)
{
	uint64_t vect = vtx_vmread(IDT_VECT_INFO);

	if (!(vect & (1u << 31)) || (vtx_vmread(ENTRY_INTR_INFO) & (1u << 31)))
		return;
	vtx_vmwrite(ENTRY_INTR_INFO, vect & ~(1ull << 12));
	if (vect & (1u << 11))
		vtx_vmwrite(ENTRY_EXC_ERRCODE, vtx_vmread(IDT_VECT_ERRCODE));
	vtx_vmwrite(ENTRY_INSTR_LEN, vtx_vmread(EXIT_INSTR_LEN));
}

/*
 * An exception exit (SDM 28.2.2): the exception goes to the guest as it
 * would have without the intercept - with its error code, CR2 for #PF,
 * DR6 for #DB (neither is written by the exit), the instruction length
 * for software exceptions (INT3, INTO, INT1). If it hit while another
 * event was being delivered, that delivery is redone instead and the
 * hardware meets the exception again, now without an exit (SDM 28.2.4).
 */
void vtx_exc_reinject(void)
{
	uint32_t info = (uint32_t)vtx_vmread(EXIT_INTR_INFO), type = (info >> 8) & 7;
	uint64_t q = vtx_vmread(EXIT_QUALIFICATION);

	if (vtx_vmread(IDT_VECT_INFO) & (1u << 31)) {
		vtx_event_reinject();
		return;
	}
	if ((info & 0xFF) == 14)
		__asm__ volatile("mov %0, %%cr2" : : "r"(q));
	if ((info & 0xFF) == 1)
		__asm__ volatile("mov %%dr6, %%rax; or %0, %%rax; mov %%rax, %%dr6"
				 : : "r"(q & 0x600F) : "rax");
	if ((info & (1u << 12)) && (info & 0xFF) != 8)   /* a fault in IRET: NMIs blocked again */
		vtx_vmwrite(GUEST_INTERRUPTIBILITY, vtx_vmread(GUEST_INTERRUPTIBILITY) | 8);
	if (info & (1u << 11))
		vtx_vmwrite(ENTRY_EXC_ERRCODE, vtx_vmread(EXIT_INTR_ERRCODE));
	if (type == 4 || type == 5 || type == 6)
		vtx_vmwrite(ENTRY_INSTR_LEN, vtx_vmread(EXIT_INSTR_LEN));
	vtx_vmwrite(ENTRY_INTR_INFO, info & ~(1u << 12));
}

void vtx_load_pdptes(void)
{
	uint64_t cr3 = vtx_vmread(GUEST_CR3) & 0xFFFFFFE0ull, pdpte[4] = { 0 };

	if (hal_gpa_read(cr3, pdpte, sizeof(pdpte)))
		LOG_WARN("guest PDPT at %llx is not guest RAM", (unsigned long long)cr3);
	for (unsigned i = 0; i < 4; i++)
		vtx_vmwrite(GUEST_PDPTE0 + 2 * i, pdpte[i]);
}

void vtx_dump_guest(const struct vtx_regs *r, const char *why)
{
	static const char segs[] = "ECSDFGLT";

	LOG_ERR("guest state (%s): rip %llx rsp %llx rflags %llx cr0 %llx cr3 %llx cr4 %llx "
		"efer %llx", why, (unsigned long long)vtx_vmread(GUEST_RIP),
		(unsigned long long)vtx_vmread(GUEST_RSP), (unsigned long long)vtx_vmread(GUEST_RFLAGS),
		(unsigned long long)vtx_vmread(GUEST_CR0), (unsigned long long)vtx_vmread(GUEST_CR3),
		(unsigned long long)vtx_vmread(GUEST_CR4), (unsigned long long)vtx_vmread(GUEST_EFER));
	for (unsigned s = VTX_ES; s <= VTX_TR; s++)
		LOG_ERR("  %cS sel %04llx base %llx limit %llx ar %llx", segs[s],
			(unsigned long long)vtx_vmread(VTX_SEG_SEL(s)),
			(unsigned long long)vtx_vmread(VTX_SEG_BASE(s)),
			(unsigned long long)vtx_vmread(VTX_SEG_LIMIT(s)),
			(unsigned long long)vtx_vmread(VTX_SEG_AR(s)));
	LOG_ERR("  interruptibility %llx activity %llx exit qualification %llx idt-vectoring %llx",
		(unsigned long long)vtx_vmread(GUEST_INTERRUPTIBILITY),
		(unsigned long long)vtx_vmread(GUEST_ACTIVITY),
		(unsigned long long)vtx_vmread(EXIT_QUALIFICATION),
		(unsigned long long)vtx_vmread(IDT_VECT_INFO));
	if (r)
		LOG_ERR("  rax %llx rbx %llx rcx %llx rdx %llx rsi %llx rdi %llx rbp %llx",
			(unsigned long long)r->rax, (unsigned long long)r->rbx,
			(unsigned long long)r->rcx, (unsigned long long)r->rdx,
			(unsigned long long)r->rsi, (unsigned long long)r->rdi,
			(unsigned long long)r->rbp);
}
