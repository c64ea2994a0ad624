/*
 * vmm_pci.c - PCI configuration mechanism #1 (PCI Local Bus 3.0, 3.2.2.3.2).
 *
 * vmm/ owns ports 0xCF8-0xCFF: the guest's accesses pass through, but a
 * write that may move an IDE controller's ports (command register,
 * programming interface, BARs) is reported to ata/ so that the traps
 * follow; otherwise the guest could move the controller out from under
 * the mediator. parapass's own configuration accesses restore the
 * guest's address register afterwards.
 */
#include "vmm.h"

#define LOG_PREFIX "pci"
#define PCI_ENABLE 0x80000000u

static uint32_t pci_cf8; /* the guest's view of the address register */

/* Registers a backend watches (vmm_pci_watch): the host bridge's PCIEXBAR on vtx. */
#define VMM_PCI_WATCH_MAX 4
static struct pci_watch {
	uint8_t bus, dev, fn, off, len;
	vmm_pci_veto_fn veto;
} pci_watch[VMM_PCI_WATCH_MAX];
static unsigned pci_nwatch;

static uint32_t pci_addr(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off)
{
	return PCI_ENABLE | (uint32_t)bus << 16 | (uint32_t)(dev & 31) << 11 |
	       (uint32_t)(fn & 7) << 8 | (off & 0xFC);
}

uint32_t vmm_pci_read(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off, unsigned width)
{
	uint16_t port = (uint16_t)(VMM_PCI_DATA_PORT + (off & (4 - width)));
	uint32_t v;

	hal_outl(VMM_PCI_ADDR_PORT, pci_addr(bus, dev, fn, off));
	v = width == 4 ? hal_inl(port) : width == 2 ? hal_inw(port) : hal_inb(port);
	hal_outl(VMM_PCI_ADDR_PORT, pci_cf8);
	return v;
}

void vmm_pci_write(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off, unsigned width, uint32_t val)
{
	uint16_t port = (uint16_t)(VMM_PCI_DATA_PORT + (off & (4 - width)));

	hal_outl(VMM_PCI_ADDR_PORT, pci_addr(bus, dev, fn, off));
	if (width == 4)
		hal_outl(port, val);
	else if (width == 2)
		hal_outw(port, (uint16_t)val);
	else
		hal_outb(port, (uint8_t)val);
	hal_outl(VMM_PCI_ADDR_PORT, pci_cf8);
}

/* Does a configuration write at [off, off+len) touch what places an IDE controller's ports? */
static bool pci_moves_ports(uint8_t off, unsigned len)
{
	static const uint8_t spans[][2] = {
		{ 0x04, 0x06 }, /* command: I/O decode, bus master */
		{ 0x09, 0x0A }, /* programming interface: legacy/native */
		{ 0x10, 0x24 }, /* BAR0-BAR4 */
	};

	for (unsigned i = 0; i < sizeof(spans) / sizeof(spans[0]); i++)
		if (off < spans[i][1] && spans[i][0] < off + len)
			return true;
	return false;
}

int vmm_pci_watch(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off, uint8_t len,
		  vmm_pci_veto_fn veto)
{
	if (pci_nwatch == VMM_PCI_WATCH_MAX || !len || !veto)
		return pci_nwatch == VMM_PCI_WATCH_MAX ? PP_ENOSPC : PP_EINVAL;
	pci_watch[pci_nwatch++] = (struct pci_watch){ .bus = bus, .dev = dev, .fn = fn, .off = off,
						      .len = len, .veto = veto };
	return PP_OK;
}

/* Does a backend refuse the guest's write at [off, off+width) of bus:dev.fn? */
static bool pci_vetoed(uint8_t bus, uint8_t dev, uint8_t fn, uint8_t off, unsigned width, uint32_t v)
{
	for (unsigned i = 0; i < pci_nwatch; i++) {
		const struct pci_watch *w = &pci_watch[i];

		if (w->bus == bus && w->dev == dev && w->fn == fn && off < w->off + w->len &&
		    w->off < off + width && !w->veto(bus, dev, fn, off, width, v)) {
			LOG_WARN("guest write of %x to %02x:%02x.%x offset 0x%x refused", v, bus, dev,
				 fn, off);
			return true;
		}
	}
	return false;
}

static void pci_data_write(uint16_t port, unsigned width, uint32_t v)
{
	uint8_t bus = (uint8_t)(pci_cf8 >> 16), dev = (pci_cf8 >> 11) & 31, fn = (pci_cf8 >> 8) & 7;
	uint8_t off = (uint8_t)((pci_cf8 & 0xFC) + (port - VMM_PCI_DATA_PORT));

	if ((pci_cf8 & PCI_ENABLE) && pci_vetoed(bus, dev, fn, off, width, v))
		return;
	if (width == 4)
		hal_outl(port, v);
	else if (width == 2)
		hal_outw(port, (uint16_t)v);
	else
		hal_outb(port, (uint8_t)v);
	if ((pci_cf8 & PCI_ENABLE) && pci_moves_ports(off, width) &&
	    ata_controller_owned(bus, dev, fn))
		ata_controller_changed(bus, dev, fn);
}

static void pci_io(void *ctx, struct hal_io_req *req)
{
	uint8_t *p = req->data;

	(void)ctx;
	vmm_stats.pci_accesses++;
	for (uint32_t i = 0; i < req->count; i++, p += req->width) {
		uint32_t v = 0;

		/* Only a dword access at 0xCF8 is the address register; 0xCF9 is reset control. */
		if (req->port == VMM_PCI_ADDR_PORT && req->width == 4) {
			if (req->dir == HAL_IO_OUT) {
				vmm_memcpy(&pci_cf8, p, 4);
				hal_outl(req->port, pci_cf8);
			} else {
				vmm_memcpy(p, &pci_cf8, 4);
			}
		} else if (req->dir == HAL_IO_OUT) {
			vmm_memcpy(&v, p, req->width);
			if (req->port >= VMM_PCI_DATA_PORT)
				pci_data_write(req->port, req->width, v);
			else if (req->width == 2)
				hal_outw(req->port, (uint16_t)v);
			else
				hal_outb(req->port, (uint8_t)v);
		} else {
			v = req->width == 4 ? hal_inl(req->port) :
			    req->width == 2 ? hal_inw(req->port) : hal_inb(req->port);
			vmm_memcpy(p, &v, req->width);
		}
	}
}

int vmm_pci_init(void)
{
	int found = 0, rc;

	pci_cf8 = hal_inl(VMM_PCI_ADDR_PORT);
	for (uint8_t dev = 0; dev < 32; dev++) {
		for (uint8_t fn = 0; fn < 8; fn++) {
			if (vmm_pci_read(0, dev, fn, 0x00, 2) == 0xFFFF) {
				if (fn == 0)
					break;
				continue;
			}
			if (vmm_pci_read(0, dev, fn, 0x0A, 2) == 0x0101) {
				LOG_INFO("IDE controller at 00:%02x.%x", dev, fn);
				rc = ata_controller_attach(0, dev, fn);
				if (rc)
					return rc;
				found++;
			}
			if (fn == 0 && !(vmm_pci_read(0, dev, 0, 0x0E, 1) & 0x80))
				break; /* single-function device */
		}
	}
	if (!found)
		LOG_WARN("no IDE controller on bus 0");
	return vmm_port_claim(VMM_PCI_ADDR_PORT, 8, pci_io, NULL);
}
