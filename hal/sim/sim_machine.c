/*
 * sim_machine.c - the simulated machine's core: guest RAM with its hidden
 * VMM region, the trap table, the hal_* functions the core calls, and the
 * guest-side entry points tests and replay use. The device models live in
 * sim_pci.c and sim_ide*.c behind sim_bus_*().
 */
#include <stdlib.h>
#include <string.h>
#include <x86intrin.h>

#include "sim_priv.h"

#define SIM_DEFAULT_RAM (32u << 20)
#define SIM_DEFAULT_VMM (8u << 20)
#define SIM_DEFAULT_BM 0xC000
#define SIM_IRQS 16

struct sim_machine {
	uint8_t *ram;
	size_t ram_size;
	uint64_t vmm_base;
	size_t vmm_size, vmm_used;
	uint8_t trap[0x10000 / 8];
	bool irq[SIM_IRQS];
	FILE *console, *record;
};

static struct sim_machine sim;

int sim_init(const struct sim_config *cfg)
{
	static const struct sim_config defaults;
	int rc;

	if (!cfg)
		cfg = &defaults;
	sim_fini();
	sim.ram_size = cfg->ram_size ? cfg->ram_size : SIM_DEFAULT_RAM;
	sim.vmm_size = cfg->vmm_size ? cfg->vmm_size : SIM_DEFAULT_VMM;
	sim.vmm_base = cfg->vmm_base ? cfg->vmm_base : sim.ram_size - sim.vmm_size;
	/* Bus masters see 32-bit addresses: RAM stays below 4 GiB. */
	if (sim.ram_size > 0xFFFFF000u || sim.vmm_base % 4096 || sim.vmm_size > sim.ram_size ||
	    sim.vmm_base > sim.ram_size - sim.vmm_size)
		return PP_EINVAL;
	sim.ram = calloc(1, sim.ram_size);
	if (!sim.ram)
		return PP_ENOMEM;
	memset(sim.ram + sim.vmm_base, SIM_CANARY, sim.vmm_size);
	sim.console = cfg->console ? cfg->console : stderr;
	sim.record = cfg->record;
	rc = sim_devices_init(cfg->bm_base ? cfg->bm_base : SIM_DEFAULT_BM, cfg->ide_native);
	if (rc)
		sim_fini();
	return rc;
}

void sim_fini(void)
{
	if (!sim.ram)
		return;
	sim_devices_fini();
	free(sim.ram);
	memset(&sim, 0, sizeof(sim));
}

int sim_disk_attach(unsigned channel, unsigned drive, const struct sim_disk_config *cfg)
{
	return sim_ide_attach(channel, drive, cfg);
}

uint8_t *sim_disk_data(unsigned channel, unsigned drive)
{
	return sim_ide_disk_data(channel, drive);
}

uint64_t sim_disk_sectors(unsigned channel, unsigned drive)
{
	return sim_ide_disk_sectors(channel, drive);
}

/* ---- memory ---- */

static bool sim_in_ram(uint64_t pa, size_t len)
{
	return pa <= sim.ram_size && len <= sim.ram_size - pa;
}

static bool sim_in_vmm(uint64_t pa, size_t len)
{
	return len && pa < sim.vmm_base + sim.vmm_size && sim.vmm_base < pa + len;
}

static int sim_guest_check(uint64_t gpa, size_t len)
{
	if (!sim_in_ram(gpa, len))
		return PP_EFAULT;
	if (sim_in_vmm(gpa, len))
		return PP_EACCES;
	return PP_OK;
}

int hal_gpa_map(uint64_t gpa, size_t len, void **out)
{
	int rc = sim_guest_check(gpa, len);

	if (rc == PP_OK)
		*out = sim.ram + gpa;
	return rc;
}

int hal_gpa_read(uint64_t gpa, void *buf, size_t len)
{
	int rc = sim_guest_check(gpa, len);

	if (rc == PP_OK)
		memcpy(buf, sim.ram + gpa, len);
	return rc;
}

int hal_gpa_write(uint64_t gpa, const void *buf, size_t len)
{
	int rc = sim_guest_check(gpa, len);

	if (rc == PP_OK)
		memcpy(sim.ram + gpa, buf, len);
	return rc;
}

/* The guest reaches its RAM exactly as the core does: same checks. */
int sim_guest_read(uint64_t gpa, void *buf, size_t len)
{
	return hal_gpa_read(gpa, buf, len);
}

int sim_guest_write(uint64_t gpa, const void *buf, size_t len)
{
	return hal_gpa_write(gpa, buf, len);
}

int sim_dma_read(uint64_t pa, void *buf, size_t len)
{
	if (!sim_in_ram(pa, len))
		return PP_EFAULT;
	memcpy(buf, sim.ram + pa, len);
	return PP_OK;
}

int sim_dma_write(uint64_t pa, const void *buf, size_t len)
{
	if (!sim_in_ram(pa, len))
		return PP_EFAULT;
	memcpy(sim.ram + pa, buf, len);
	return PP_OK;
}

void *hal_dma_alloc(size_t size, size_t align, uint32_t *phys)
{
	uint64_t start;

	if (!align || align & (align - 1) || align > 0x10000)
		return NULL;
	start = (sim.vmm_base + sim.vmm_used + align - 1) & ~(uint64_t)(align - 1);
	if (start + size > sim.vmm_base + sim.vmm_size)
		return NULL;
	sim.vmm_used = start + size - sim.vmm_base;
	*phys = (uint32_t)start;
	return sim.ram + start;
}

uint8_t *sim_phys_ptr(uint64_t pa)
{
	return pa < sim.ram_size ? sim.ram + pa : NULL;
}

size_t sim_ram_size(void)
{
	return sim.ram_size;
}

uint64_t sim_vmm_base(void)
{
	return sim.vmm_base;
}

size_t sim_vmm_size(void)
{
	return sim.vmm_size;
}

size_t sim_vmm_used(void)
{
	return sim.vmm_used;
}

/* ---- traps and guest port I/O ---- */

int hal_trap_ports(uint16_t base, uint32_t count, bool on)
{
	if ((uint32_t)base + count > 0x10000)
		return PP_EINVAL;
	for (uint32_t p = base; p < (uint32_t)base + count; p++) {
		if (on)
			sim.trap[p / 8] |= (uint8_t)(1u << (p % 8));
		else
			sim.trap[p / 8] &= (uint8_t)~(1u << (p % 8));
	}
	return PP_OK;
}

bool sim_port_trapped(uint16_t port)
{
	return sim.trap[port / 8] & (1u << (port % 8));
}

static void sim_trap(uint16_t port, unsigned width, uint8_t dir, void *buf, uint32_t count)
{
	struct hal_io_req req = {
		.port = port, .width = (uint8_t)width, .dir = dir, .count = count, .data = buf,
	};

	vmm_io(&req);
}

uint32_t sim_guest_in(uint16_t port, unsigned width)
{
	uint32_t v = 0;

	if (!sim_port_trapped(port))
		return sim_bus_in(port, width);
	sim_trap(port, width, HAL_IO_IN, &v, 1);
	return v;
}

void sim_guest_out(uint16_t port, unsigned width, uint32_t val)
{
	if (!sim_port_trapped(port))
		sim_bus_out(port, width, val);
	else
		sim_trap(port, width, HAL_IO_OUT, &val, 1);
}

void sim_guest_ins(uint16_t port, unsigned width, void *buf, uint32_t count)
{
	if (!sim_port_trapped(port))
		sim_bus_ins(port, width, buf, count);
	else
		sim_trap(port, width, HAL_IO_IN, buf, count);
}

void sim_guest_outs(uint16_t port, unsigned width, const void *buf, uint32_t count)
{
	if (!sim_port_trapped(port))
		sim_bus_outs(port, width, buf, count);
	else /* the core only reads an OUT request's data */
		sim_trap(port, width, HAL_IO_OUT, (void *)(uintptr_t)buf, count);
}

/* ---- the hal's device port I/O: straight to the bus ---- */

uint8_t hal_inb(uint16_t port)
{
	return (uint8_t)sim_bus_in(port, 1);
}

uint16_t hal_inw(uint16_t port)
{
	return (uint16_t)sim_bus_in(port, 2);
}

uint32_t hal_inl(uint16_t port)
{
	return sim_bus_in(port, 4);
}

void hal_outb(uint16_t port, uint8_t val)
{
	sim_bus_out(port, 1, val);
}

void hal_outw(uint16_t port, uint16_t val)
{
	sim_bus_out(port, 2, val);
}

void hal_outl(uint16_t port, uint32_t val)
{
	sim_bus_out(port, 4, val);
}

void hal_ins(uint16_t port, unsigned width, void *buf, uint32_t count)
{
	sim_bus_ins(port, width, buf, count);
}

void hal_outs(uint16_t port, unsigned width, const void *buf, uint32_t count)
{
	sim_bus_outs(port, width, buf, count);
}

/* ---- extended state: the host process owns its registers ---- */

void hal_simd_begin(void)
{
}

void hal_simd_end(void)
{
}

/* ---- IRQs, time, console, recorder ---- */

void sim_irq_set(unsigned irq, bool level)
{
	if (irq < SIM_IRQS)
		sim.irq[irq] = level;
}

bool sim_irq_line(unsigned irq)
{
	return irq < SIM_IRQS && sim.irq[irq];
}

uint64_t hal_cycles(void)
{
	return __rdtsc();
}

void hal_console_write(const char *s, size_t len)
{
	fwrite(s, 1, len, sim.console ? sim.console : stderr);
}

void hal_record_write(const void *buf, size_t len)
{
	if (sim.record)
		fwrite(buf, 1, len, sim.record);
}

void hal_panic(void)
{
	fflush(NULL);
	abort();
}
