/*
 * sim_pci.c - PCI configuration mechanism #1 (PCI Local Bus 3.0, 3.2.2.3.2)
 * and the three functions of an i440FX/PIIX3 machine on bus 0: the host
 * bridge 00:00.0, the PIIX3 ISA bridge 00:01.0 and its IDE function
 * 00:01.1. The IDE function's command register, programming interface and
 * BARs decide which ports the IDE channels and the bus master answer.
 *
 * The machine starts as a PC BIOS leaves it (the Bochs BIOS and SeaBIOS do
 * this): I/O space and bus mastering enabled, both channels' IDE decode
 * enabled in IDETIM (PIIX3 data sheet 2.3.11), BAR4 assigned.
 */
#include <string.h>

#include "sim_ide_priv.h"

#define SIM_PCI_ENABLE 0x80000000u
/* CONFIG_ADDRESS bits 30:24 and 1:0 are reserved and read back as 0. */
#define SIM_PCI_ADDR_MASK 0x80FFFFFCu
#define SIM_IRQ_NONE 0xFFu

enum { SIM_PCI_HOST, SIM_PCI_ISA, SIM_PCI_IDE, SIM_PCI_NFN };

/* Configuration header offsets (PCI 3.0, 6.1) and PIIX3 IDE registers. */
enum {
	SIM_CFG_COMMAND = 0x04,
	SIM_CFG_PROGIF = 0x09,
	SIM_CFG_BAR0 = 0x10,
	SIM_CFG_BAR4 = 0x20,
	SIM_CFG_INTLINE = 0x3C,
	SIM_CFG_INTPIN = 0x3D,
	SIM_CFG_IDETIM = 0x40,  /* primary 0x40-0x41, secondary 0x42-0x43 */
	SIM_CMD_IO = 0x0001,
	SIM_CMD_BM = 0x0004,
	SIM_IDETIM_DECODE = 0x80, /* bit 15 of IDETIM: the high byte's bit 7 */
};

struct sim_pci_ident {
	uint8_t dev, fn;
	uint16_t vendor, device, command, status;
	uint32_t class_rev;     /* class code << 8 | revision */
	uint8_t header;
	uint8_t rw_lo, rw_hi;   /* device-specific registers that are plain R/W */
};

static const struct sim_pci_ident sim_pci_ident[SIM_PCI_NFN] = {
	/* 82441FX PMC: PAM and SMRAM registers are chipset R/W state. */
	[SIM_PCI_HOST] = { .dev = 0, .fn = 0, .vendor = 0x8086, .device = 0x1237,
			   .command = 0x0006, .status = 0x0280, .class_rev = 0x06000002,
			   .header = 0x00, .rw_lo = 0x50, .rw_hi = 0x7F },
	/* PIIX3 function 0: multifunction header, so scanners look at 01.1. */
	[SIM_PCI_ISA] = { .dev = 1, .fn = 0, .vendor = 0x8086, .device = 0x7000,
			  .command = 0x0007, .status = 0x0200, .class_rev = 0x06010000,
			  .header = 0x80, .rw_lo = 0x4C, .rw_hi = 0x83 },
	/* PIIX3 IDE: IDETIM and SIDETIM (0x40-0x44) are R/W. */
	[SIM_PCI_IDE] = { .dev = 1, .fn = 1, .vendor = 0x8086, .device = 0x7010,
			  .command = 0x0005, .status = 0x0280, .class_rev = 0x01018000,
			  .header = 0x00, .rw_lo = 0x40, .rw_hi = 0x44 },
};

struct sim_pci_fn {
	uint8_t cfg[256];
	uint8_t wmask[256];
};

static struct {
	uint32_t addr;
	bool native;
	struct sim_pci_fn fn[SIM_PCI_NFN];
} pci;

static void sim_pci_put(uint8_t *p, unsigned off, uint32_t val, unsigned width)
{
	for (unsigned i = 0; i < width; i++)
		p[off + i] = (uint8_t)(val >> (8 * i));
}

static uint32_t sim_pci_get(const uint8_t *p, unsigned off, unsigned width)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < width; i++)
		v |= (uint32_t)p[off + i] << (8 * i);
	return v;
}

static void sim_pci_header(struct sim_pci_fn *f, const struct sim_pci_ident *id)
{
	sim_pci_put(f->cfg, 0x00, id->vendor, 2);
	sim_pci_put(f->cfg, 0x02, id->device, 2);
	sim_pci_put(f->cfg, SIM_CFG_COMMAND, id->command, 2);
	sim_pci_put(f->cfg, 0x06, id->status, 2);
	sim_pci_put(f->cfg, 0x08, id->class_rev, 4);
	f->cfg[0x0E] = id->header;
	f->wmask[0x0D] = 0xF8;  /* latency timer: low bits hardwired */
	for (unsigned r = id->rw_lo; r && r <= id->rw_hi; r++)
		f->wmask[r] = 0xFF;
}

/*
 * The IDE function. BAR4 holds 16 bytes of bus-master registers: bit 0
 * reads 1 (I/O), bits 31:4 are writable as in common PCI emulations, so
 * sizing with all-ones reads 0xFFFFFFF1; only addresses below 64 KiB
 * decode. The native-capable variant adds BAR0-3 and makes prog-if bits 0
 * and 2 writable (PCI IDE Controller Specification 1.0, 2.0).
 */
static void sim_pci_ide_setup(struct sim_pci_fn *f, uint16_t bm_base, bool native)
{
	static const uint32_t bar_size[4] = { 8, 4, 8, 4 };

	sim_pci_put(f->wmask, SIM_CFG_COMMAND, SIM_CMD_IO | SIM_CMD_BM, 2);
	sim_pci_put(f->cfg, SIM_CFG_BAR4, (uint32_t)(bm_base & 0xFFF0) | 1, 4);
	sim_pci_put(f->wmask, SIM_CFG_BAR4, 0xFFFFFFF0u, 4);
	f->wmask[SIM_CFG_INTLINE] = 0xFF;
	sim_pci_put(f->cfg, SIM_CFG_IDETIM, 0x8000, 2);
	sim_pci_put(f->cfg, SIM_CFG_IDETIM + 2, 0x8000, 2);
	if (!native)
		return;
	f->cfg[SIM_CFG_PROGIF] = 0x8A;  /* both channels programmable, legacy for now */
	f->wmask[SIM_CFG_PROGIF] = 0x05;
	f->cfg[SIM_CFG_INTPIN] = 1;     /* INTA#, used by native-mode channels */
	f->cfg[SIM_CFG_INTLINE] = 11;   /* as a BIOS would route it */
	for (unsigned b = 0; b < 4; b++) {
		sim_pci_put(f->cfg, SIM_CFG_BAR0 + 4 * b, 1, 4);
		sim_pci_put(f->wmask, SIM_CFG_BAR0 + 4 * b, ~(bar_size[b] - 1), 4);
	}
}

int sim_pci_init(uint16_t bm_base, bool native)
{
	memset(&pci, 0, sizeof(pci));
	pci.native = native;
	for (unsigned i = 0; i < SIM_PCI_NFN; i++)
		sim_pci_header(&pci.fn[i], &sim_pci_ident[i]);
	sim_pci_ide_setup(&pci.fn[SIM_PCI_IDE], bm_base, native);
	return PP_OK;
}

uint32_t sim_pci_addr_in(void)
{
	return pci.addr;
}

void sim_pci_addr_out(uint32_t val)
{
	pci.addr = val & SIM_PCI_ADDR_MASK;
}

/* The function CONFIG_ADDRESS selects, or NULL: no config cycle, or nobody answers. */
static struct sim_pci_fn *sim_pci_target(void)
{
	unsigned bus = (pci.addr >> 16) & 0xFF, dev = (pci.addr >> 11) & 0x1F;
	unsigned fn = (pci.addr >> 8) & 0x7;

	if (!(pci.addr & SIM_PCI_ENABLE) || bus)
		return NULL;
	for (unsigned i = 0; i < SIM_PCI_NFN; i++)
		if (sim_pci_ident[i].dev == dev && sim_pci_ident[i].fn == fn)
			return &pci.fn[i];
	return NULL;
}

uint8_t sim_pci_data_in(unsigned off)
{
	const struct sim_pci_fn *f = sim_pci_target();

	/* Master abort: an absent function reads all-ones. */
	return f ? f->cfg[(pci.addr & 0xFC) + off] : 0xFF;
}

void sim_pci_data_out(unsigned off, uint8_t val)
{
	struct sim_pci_fn *f = sim_pci_target();
	unsigned reg = (pci.addr & 0xFC) + off;

	if (!f)
		return;
	f->cfg[reg] = (uint8_t)((f->cfg[reg] & ~f->wmask[reg]) | (val & f->wmask[reg]));
	/* Native mode or the interrupt line may have moved a channel's IRQ. */
	if (f == &pci.fn[SIM_PCI_IDE])
		sim_ide_irq_update();
}

static const uint8_t *sim_pci_ide_cfg(void)
{
	return pci.fn[SIM_PCI_IDE].cfg;
}

static bool sim_pci_native(unsigned ch)
{
	return pci.native && (sim_pci_ide_cfg()[SIM_CFG_PROGIF] & (1u << (2 * ch)));
}

bool sim_pci_bm_enabled(void)
{
	return sim_pci_ide_cfg()[SIM_CFG_COMMAND] & SIM_CMD_BM;
}

unsigned sim_pci_ide_irq(unsigned ch)
{
	uint8_t line = sim_pci_ide_cfg()[SIM_CFG_INTLINE];

	if (!sim_pci_native(ch))
		return 14 + ch;
	return line < 16 ? line : SIM_IRQ_NONE;
}

/* Command block and control port of a channel: legacy or from BAR0-3. */
static void sim_pci_ide_ports(unsigned ch, uint32_t *cmd, uint32_t *ctl)
{
	static const uint16_t legacy_cmd[SIM_CHANNELS] = { 0x1F0, 0x170 };
	static const uint16_t legacy_ctl[SIM_CHANNELS] = { 0x3F6, 0x376 };
	const uint8_t *cfg = sim_pci_ide_cfg();

	if (!sim_pci_native(ch)) {
		*cmd = legacy_cmd[ch];
		*ctl = legacy_ctl[ch];
		return;
	}
	*cmd = sim_pci_get(cfg, SIM_CFG_BAR0 + 8 * ch, 4) & ~7u;
	/* The control block BAR covers 4 bytes; the register sits at +2. */
	*ctl = (sim_pci_get(cfg, SIM_CFG_BAR0 + 8 * ch + 4, 4) & ~3u) + 2;
}

static bool sim_pci_decode_ide(uint16_t port, struct sim_rgn *r)
{
	const uint8_t *cfg = sim_pci_ide_cfg();
	uint32_t cmd, ctl, bm;

	if (!(cfg[SIM_CFG_COMMAND] & SIM_CMD_IO))
		return false;
	for (unsigned ch = 0; ch < SIM_CHANNELS; ch++) {
		if (!(cfg[SIM_CFG_IDETIM + 2 * ch + 1] & SIM_IDETIM_DECODE))
			continue;
		sim_pci_ide_ports(ch, &cmd, &ctl);
		if (port >= cmd && port < cmd + 8) {
			*r = (struct sim_rgn){ .kind = SIM_RGN_IDE_CMD, .chan = (uint8_t)ch,
					       .off = (uint8_t)(port - cmd) };
			return true;
		}
		if (port == ctl) {
			*r = (struct sim_rgn){ .kind = SIM_RGN_IDE_CTL, .chan = (uint8_t)ch };
			return true;
		}
	}
	bm = sim_pci_get(cfg, SIM_CFG_BAR4, 4) & ~0xFu;
	if (port >= bm && port < bm + 16) {
		*r = (struct sim_rgn){ .kind = SIM_RGN_BM, .chan = (uint8_t)((port - bm) / 8),
				       .off = (uint8_t)((port - bm) % 8) };
		return true;
	}
	return false;
}

void sim_pci_decode(uint16_t port, struct sim_rgn *r)
{
	*r = (struct sim_rgn){ .kind = SIM_RGN_NONE };
	if (port >= 0xCF8 && port <= 0xCFB)
		*r = (struct sim_rgn){ .kind = SIM_RGN_CFADDR, .off = (uint8_t)(port - 0xCF8) };
	else if (port >= 0xCFC && port <= 0xCFF)
		*r = (struct sim_rgn){ .kind = SIM_RGN_CFDATA, .off = (uint8_t)(port - 0xCFC) };
	else
		sim_pci_decode_ide(port, r);
}
