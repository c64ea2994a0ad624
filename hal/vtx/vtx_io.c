/*
 * vtx_io.c - I/O exits (SDM vol. 3, 27.2.1 table 27-5 and 27.2.5) turned
 * into hal_io_reqs for vmm_io(), and the I/O bitmaps behind
 * hal_trap_ports().
 *
 * A REP INS/OUTS is decoded into one request of up to VTX_IO_CHUNK bytes:
 * port, width, direction, count, and the data copied between the guest's
 * linear addresses (segment base, address size, direction flag, its page
 * tables) and a buffer in VMM memory. Memory is checked (and translated,
 * once) before the port is touched, so a fault never loses device data: a chunk stops at the first
 * inaccessible page and, if not even one item fits, the guest gets its
 * page fault. An unfinished REP is re-executed rather than completed here
 * (RIP is left on it), which also lets pending interrupts in between.
 */
#include "vtx_priv.h"

#define LOG_PREFIX "vtx"
#define RFLAGS_DF (1u << 10)

uint8_t vtx_io_bitmap[2][4096] __attribute__((aligned(4096)));
static uint8_t vtx_io_buf[VTX_IO_CHUNK] __attribute__((aligned(64)));

static void bitmap_set(uint32_t port, bool on)
{
	uint8_t *b = &vtx_io_bitmap[port >> 15][(port & 0x7FFF) >> 3];

	*b = on ? *b | (uint8_t)(1u << (port & 7)) : *b & (uint8_t)~(1u << (port & 7));
}

int hal_trap_ports(uint16_t base, uint32_t count, bool on)
{
	if ((uint32_t)base + count > 0x10000)
		return PP_EINVAL;
	for (uint32_t p = base; p < (uint32_t)base + count; p++)
		bitmap_set(p, on);
	return PP_OK;
}

/* The core's entry, timed for the profile; parapass's own ports never reach it. */
static void io_dispatch(struct hal_io_req *req)
{
	uint64_t t0 = hal_cycles();

	if (!vtx_port_io(req))
		vmm_io(req);
	vtx_prof.io_cycles += hal_cycles() - t0;
	vtx_prof.io_requests++;
	vtx_prof.io_items += req->count;
}

static void io_single(struct vtx_regs *r, uint16_t port, unsigned width, bool in)
{
	uint64_t mask = width == 4 ? 0xFFFFFFFFull : (1ull << (8 * width)) - 1;
	uint32_t val = (uint32_t)(r->rax & mask);
	struct hal_io_req req = { .port = port, .width = (uint8_t)width,
				  .dir = in ? HAL_IO_IN : HAL_IO_OUT, .count = 1, .data = &val };

	io_dispatch(&req);
	if (in)   /* a 32-bit IN zero-extends into RAX, narrower ones merge */
		r->rax = width == 4 ? val : (r->rax & ~mask) | (val & mask);
	vtx_skip_instr();
}

struct io_str {
	uint16_t port;
	unsigned w;
	bool in, rep, df;
	uint64_t amask, la;
	struct vtx_span span[VTX_SPAN_MAX];   /* the chunk's memory, translated once */
	unsigned nspan;
};

/* Shrink n until its memory is accessible; false after injecting the fault. */
static bool io_str_probe(struct io_str *s, uint32_t *n)
{
	enum vtx_access acc = s->in ? VTX_ACC_WRITE : VTX_ACC_READ;
	uint64_t lo = s->df ? s->la - (uint64_t)(*n - 1) * s->w : s->la, pf_la = 0;
	uint32_t pf_err = 0;
	size_t ok = vtx_guest_probe(lo, (size_t)*n * s->w, acc, s->span, &s->nspan, &pf_la, &pf_err);

	if (ok == (size_t)*n * s->w)
		return true;
	*n = s->df ? 0 : (uint32_t)(ok / s->w);
	if (!*n && s->df &&
	    vtx_guest_probe(s->la, s->w, acc, s->span, &s->nspan, &pf_la, &pf_err) == s->w)
		*n = 1;
	if (*n)
		return true;
	if (pf_err == ~0u) {
		LOG_WARN("string I/O on port 0x%x at %llx: not guest RAM; #GP injected", s->port,
			 (unsigned long long)pf_la);
		vtx_inject_exc(13, 0);
	} else {
		vtx_inject_pf(pf_la, pf_err);
	}
	return false;
}

/*
 * How many items this exit moves: the index's wrap and, outside 64-bit
 * mode, the segment's limit and kind (INS: ES; OUTS: the instruction's
 * segment, SDM 28.2.5). 0 after injecting #GP(0) or #SS(0) for the first.
 */
static uint32_t io_str_items(const struct io_str *s, uint64_t count, uint64_t idx, uint64_t info)
{
	unsigned seg = s->in ? VTX_ES : (info >> 15) & 7;
	uint32_t n = vtx_io_chunk_items(count, idx, s->amask, s->w, s->df);
	bool mode64 = vtx_guest_long_mode() && (vtx_vmread(VTX_SEG_AR(VTX_CS)) & (1u << 13));

	if (n && !mode64)
		n = vtx_io_seg_items(idx & s->amask, n, s->w, s->df, s->in,
				     (uint32_t)vtx_vmread(VTX_SEG_LIMIT(seg)),
				     (uint32_t)vtx_vmread(VTX_SEG_AR(seg)));
	if (!n)
		vtx_inject_exc(seg == VTX_SS ? 12 : 13, 0);
	return n;
}

/*
 * The port access happens between translating the chunk's memory and
 * copying to it: the copy goes through the spans (vtx_guest.c), so data
 * read from the device lands where it was meant to even if it overwrites
 * the guest's page tables on the way, and nothing can fail after the port
 * was touched.
 */
static void io_string(struct vtx_regs *r, struct io_str *s)
{
	uint64_t info = vtx_vmread(EXIT_INSTR_INFO);
	unsigned asz = (info >> 7) & 7;
	uint64_t *idx = s->in ? &r->rdi : &r->rsi, count;
	uint32_t n;
	struct hal_io_req req = { .port = s->port, .width = (uint8_t)s->w,
				  .dir = s->in ? HAL_IO_IN : HAL_IO_OUT, .data = vtx_io_buf };

	s->amask = asz == 0 ? 0xFFFFull : asz == 1 ? 0xFFFFFFFFull : ~0ull;
	s->la = vtx_vmread(GUEST_LINEAR_ADDR);
	s->df = vtx_vmread(GUEST_RFLAGS) & RFLAGS_DF;
	count = s->rep ? r->rcx & s->amask : 1;
	if (!count) {
		vtx_skip_instr();
		return;
	}
	n = io_str_items(s, count, *idx, info);
	if (!n || !io_str_probe(s, &n))
		return;
	req.count = n;
	if (!s->in) {
		vtx_guest_span_copy(s->span, s->nspan, vtx_io_buf, (size_t)n * s->w, VTX_ACC_READ);
		if (s->df)
			vtx_io_reverse(vtx_io_buf, n, s->w);
	}
	io_dispatch(&req);
	vtx_prof.io_string++;
	if (s->in) {
		if (s->df)
			vtx_io_reverse(vtx_io_buf, n, s->w);
		vtx_guest_span_copy(s->span, s->nspan, vtx_io_buf, (size_t)n * s->w, VTX_ACC_WRITE);
	}
	*idx = vtx_io_masked_add(*idx, s->df ? -(int64_t)n * s->w : (int64_t)n * s->w, s->amask);
	if (s->rep)
		r->rcx = vtx_io_masked_add(r->rcx, -(int64_t)n, s->amask);
	if (!s->rep || n == count)
		vtx_skip_instr();
}

void vtx_io_exit(struct vtx_regs *r)
{
	uint64_t q = vtx_vmread(EXIT_QUALIFICATION);
	struct io_str s = {
		.port = (uint16_t)(q >> 16), .w = (unsigned)(q & 7) + 1,
		.in = q & 8, .rep = q & 32,
	};

	if (s.w == 3 || s.w > 4)
		vtx_fatal("I/O exit with access size %u (qualification %llx)", s.w,
			  (unsigned long long)q);
	if (q & 16)
		io_string(r, &s);
	else
		io_single(r, s.port, s.w, s.in);
}
