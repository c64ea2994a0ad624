/*
 * sim_bus.c - the I/O bus: every port access the CPU makes lands here and
 * goes to whichever device decodes the port (sim_pci_decode). Registers
 * are byte lanes: a wider access to anything but the IDE data port or
 * CONFIG_ADDRESS is split into byte accesses, as a PCI target sees one
 * cycle with several byte enables. Nothing decoding reads all-ones.
 */
#include "sim_ide_priv.h"

static uint8_t sim_bus_in8(uint16_t port)
{
	struct sim_rgn r;

	sim_pci_decode(port, &r);
	switch (r.kind) {
	case SIM_RGN_NONE:
	case SIM_RGN_CFADDR:  /* only a dword access reaches CONFIG_ADDRESS */
		return 0xFF;
	case SIM_RGN_CFDATA:
		return sim_pci_data_in(r.off);
	case SIM_RGN_IDE_CMD:
		if (r.off == SIM_REG_DATA) {
			uint8_t b;

			sim_ide_data_in(r.chan, &b, 1);
			return b;
		}
		return sim_ide_cmd_in(r.chan, r.off);
	case SIM_RGN_IDE_CTL:
		return sim_ide_ctl_in(r.chan);
	case SIM_RGN_BM:
		return sim_bm_in(r.chan, r.off);
	default:
		sim_ide_bug("bus region", r.kind);
	}
}

static void sim_bus_out8(uint16_t port, uint8_t val)
{
	struct sim_rgn r;

	sim_pci_decode(port, &r);
	switch (r.kind) {
	case SIM_RGN_NONE:
	case SIM_RGN_CFADDR:
		break;
	case SIM_RGN_CFDATA:
		sim_pci_data_out(r.off, val);
		break;
	case SIM_RGN_IDE_CMD:
		if (r.off == SIM_REG_DATA)
			sim_ide_data_out(r.chan, &val, 1);
		else
			sim_ide_cmd_out(r.chan, r.off, val);
		break;
	case SIM_RGN_IDE_CTL:
		sim_ide_ctl_out(r.chan, val);
		break;
	case SIM_RGN_BM:
		sim_bm_out(r.chan, r.off, val);
		break;
	default:
		sim_ide_bug("bus region", r.kind);
	}
}

/*
 * The two ports a wide access reaches as a whole: CONFIG_ADDRESS (only a
 * dword write latches it, PCI 3.0 3.2.2.3.2) and an IDE data port (a
 * 32-bit access moves two words, PIIX3 data sheet 2.7.2). *ch gets the
 * channel for the data port.
 */
static int sim_bus_wide(uint16_t port, unsigned width, unsigned *ch)
{
	struct sim_rgn r;

	sim_pci_decode(port, &r);
	if (r.kind == SIM_RGN_CFADDR && r.off == 0 && width == 4)
		return SIM_RGN_CFADDR;
	if (r.kind == SIM_RGN_IDE_CMD && r.off == SIM_REG_DATA) {
		*ch = r.chan;
		return SIM_RGN_IDE_CMD;
	}
	return SIM_RGN_NONE;
}

uint32_t sim_bus_in(uint16_t port, unsigned width)
{
	uint32_t v = 0;
	unsigned ch = 0;

	if (width != 1 && width != 2 && width != 4)
		return 0xFFFFFFFFu;
	switch (sim_bus_wide(port, width, &ch)) {
	case SIM_RGN_CFADDR:
		return sim_pci_addr_in();
	case SIM_RGN_IDE_CMD:
		sim_ide_data_in(ch, &v, width);  /* little-endian host: low byte first */
		return v;
	default:
		break;
	}
	for (unsigned i = 0; i < width; i++)
		v |= (uint32_t)sim_bus_in8((uint16_t)(port + i)) << (8 * i);
	return v;
}

void sim_bus_out(uint16_t port, unsigned width, uint32_t val)
{
	unsigned ch = 0;

	if (width != 1 && width != 2 && width != 4)
		return;
	switch (sim_bus_wide(port, width, &ch)) {
	case SIM_RGN_CFADDR:
		sim_pci_addr_out(val);
		return;
	case SIM_RGN_IDE_CMD:
		sim_ide_data_out(ch, &val, width);
		return;
	default:
		break;
	}
	for (unsigned i = 0; i < width; i++)
		sim_bus_out8((uint16_t)(port + i), (uint8_t)(val >> (8 * i)));
}

/* REP INS: a data port moves the whole string in one step (memcpy per block). */
void sim_bus_ins(uint16_t port, unsigned width, void *buf, uint32_t count)
{
	uint8_t *p = buf;
	unsigned ch = 0;

	if (width != 1 && width != 2 && width != 4)
		return;
	if (sim_bus_wide(port, width, &ch) == SIM_RGN_IDE_CMD) {
		sim_ide_data_in(ch, buf, (size_t)count * width);
		return;
	}
	for (uint32_t i = 0; i < count; i++, p += width) {
		uint32_t v = sim_bus_in(port, width);

		for (unsigned b = 0; b < width; b++)
			p[b] = (uint8_t)(v >> (8 * b));
	}
}

void sim_bus_outs(uint16_t port, unsigned width, const void *buf, uint32_t count)
{
	const uint8_t *p = buf;
	unsigned ch = 0;

	if (width != 1 && width != 2 && width != 4)
		return;
	if (sim_bus_wide(port, width, &ch) == SIM_RGN_IDE_CMD) {
		sim_ide_data_out(ch, buf, (size_t)count * width);
		return;
	}
	for (uint32_t i = 0; i < count; i++, p += width) {
		uint32_t v = 0;

		for (unsigned b = 0; b < width; b++)
			v |= (uint32_t)p[b] << (8 * b);
		sim_bus_out(port, width, v);
	}
}

int sim_devices_init(uint16_t bm_base, bool ide_native)
{
	int rc = sim_pci_init(bm_base, ide_native);

	if (rc == PP_OK)
		sim_ide_init();  /* native routing lives in sim_pci.c */
	return rc;
}

void sim_devices_fini(void)
{
	sim_ide_fini();
}
