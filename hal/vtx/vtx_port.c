/*
 * vtx_port.c - the I/O ports parapass itself owns: the console (COM1 and
 * port 0xE9 for the log, COM2 while recording), the ACPI registers it
 * watches (vtx_acpi.c) and the emulators' shutdown port 0x8900.
 *
 * They are claimed through vmm_port_claim(), in the same range table as
 * the IDE controller's blocks, after vmm_start(): a claim that overlaps
 * one of them then fails. So when the guest moves an IDE block (a native
 * command block, or the bus-master block) onto a port parapass owns,
 * ata/ cannot trap it there and switches the controller off, rather than
 * letting it decode at a port whose accesses go straight to the hardware
 * and never reach the mediator. Ports parapass shares with the guest (the
 * COM1 console, 0xE9) are only reserved, not trapped: the guest's console
 * output costs no exits. The trapped ones are handed to their owner here,
 * before vmm_io(), so that they never enter a trace.
 */
#include "vtx_priv.h"

#define LOG_PREFIX "vtx"
#define VTX_PORTS_MAX 12

struct vtx_port {
	uint16_t base;
	uint8_t count;
	vtx_port_fn fn;
	const char *what;
};

static struct vtx_port vtx_ports[VTX_PORTS_MAX];
static unsigned vtx_nports;

/* The core's view of the claim: the same handler, were vmm_io() ever to route one here. */
static void port_claimed_io(void *ctx, struct hal_io_req *req)
{
	const struct vtx_port *p = ctx;

	p->fn(req);
}

void vtx_port_absent(struct hal_io_req *req)
{
	if (req->dir == HAL_IO_IN)
		vmm_memset(req->data, 0xFF, (size_t)req->count * req->width);
}

int vtx_port_own(uint16_t base, uint8_t count, vtx_port_fn fn, const char *what)
{
	struct vtx_port *p;
	int err;

	if (vtx_nports == VTX_PORTS_MAX)
		return PP_ENOSPC;
	p = &vtx_ports[vtx_nports];
	*p = (struct vtx_port){ .base = base, .count = count, .fn = fn, .what = what };
	err = vmm_port_claim(base, count, fn ? port_claimed_io : NULL, p);
	if (err) {
		LOG_WARN("port 0x%x-0x%x (%s) cannot be claimed (error %d): %s", base,
			 base + count - 1u, what, err,
			 err == PP_EBUSY ? "an IDE controller decodes there" : "range table full");
		return err;
	}
	vtx_nports++;
	return PP_OK;
}

bool vtx_port_io(struct hal_io_req *req)
{
	for (unsigned i = 0; i < vtx_nports; i++) {
		const struct vtx_port *p = &vtx_ports[i];

		if (p->fn && req->port >= p->base && req->port - p->base < p->count) {
			p->fn(req);
			return true;
		}
	}
	return false;
}

/* The access as the guest made it, straight to the hardware. */
void vtx_port_pass(struct hal_io_req *req)
{
	if (req->dir == HAL_IO_OUT)
		hal_outs(req->port, req->width, req->data, req->count);
	else
		hal_ins(req->port, req->width, req->data, req->count);
}
