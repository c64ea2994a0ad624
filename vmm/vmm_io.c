/*
 * vmm_io.c - dispatch of trapped port accesses to their owner.
 *
 * A handful of ranges are ever claimed (PCI configuration, per IDE
 * channel its command block, control port and bus-master block, and the
 * ports the backend itself uses, so that no IDE block can be moved onto
 * them unseen), so a short array scanned linearly beats a 64 K-entry
 * table, in the manner of bhyve's vmm_ioport.c handlers indexed by port.
 */
#include "vmm.h"

#define LOG_PREFIX "io"
/* 1 PCI + 2 controllers x 2 channels x 3 blocks + the backend's own, with room. */
#define VMM_PORT_RANGES 32

struct vmm_port_range {
	uint16_t base;
	uint32_t count;    /* 0 marks a free slot */
	vmm_io_fn fn;
	void *ctx;
};

static struct vmm_port_range port_ranges[VMM_PORT_RANGES];
struct vmm_stats vmm_stats;

static bool range_overlaps(const struct vmm_port_range *r, uint32_t base, uint32_t count)
{
	return r->count && base < (uint32_t)r->base + r->count && r->base < base + count;
}

int vmm_port_claim(uint16_t base, uint32_t count, vmm_io_fn fn, void *ctx)
{
	struct vmm_port_range *free_slot = NULL;

	if (!count || (uint32_t)base + count > 0x10000)
		return PP_EINVAL;
	for (int i = 0; i < VMM_PORT_RANGES; i++) {
		if (range_overlaps(&port_ranges[i], base, count))
			return PP_EBUSY;
		if (!port_ranges[i].count && !free_slot)
			free_slot = &port_ranges[i];
	}
	if (!free_slot)
		return PP_ENOSPC;
	*free_slot = (struct vmm_port_range){ .base = base, .count = count, .fn = fn, .ctx = ctx };
	return fn ? hal_trap_ports(base, count, true) : PP_OK;
}

int vmm_port_release(uint16_t base, uint32_t count)
{
	for (int i = 0; i < VMM_PORT_RANGES; i++) {
		struct vmm_port_range *r = &port_ranges[i];

		if (r->count && r->base == base && r->count == count) {
			r->count = 0;
			return r->fn ? hal_trap_ports(base, count, false) : PP_OK;
		}
	}
	return PP_EINVAL;
}

void vmm_port_reset(void)
{
	for (int i = 0; i < VMM_PORT_RANGES; i++)
		if (port_ranges[i].count)
			vmm_port_release(port_ranges[i].base, port_ranges[i].count);
}

static void vmm_io_dispatch(struct hal_io_req *req)
{
	for (int i = 0; i < VMM_PORT_RANGES; i++) {
		const struct vmm_port_range *r = &port_ranges[i];

		if (r->count && r->fn && req->port >= r->base &&
		    (uint32_t)(req->port - r->base) < r->count) {
			r->fn(r->ctx, req);
			return;
		}
	}
	/* Trapped but unowned: behave like an undecoded ISA port. */
	vmm_stats.io_unclaimed++;
	if (req->dir == HAL_IO_IN)
		vmm_memset(req->data, 0xFF, (size_t)req->count * req->width);
}

void vmm_io(struct hal_io_req *req)
{
	vmm_stats.io_requests++;
	/* Recording on: the access is written after dispatch, with the value an IN got. */
	vmm_record_io_enter();
	vmm_io_dispatch(req);
	vmm_record_io(req);
}
