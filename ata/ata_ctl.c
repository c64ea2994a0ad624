/*
 * ata_ctl.c - controllers and channels: where their ports are (legacy or
 * native PCI mode, BAR4 for the bus master), trapping them, following the
 * guest when it moves them, and probing the drives at start-up.
 */
#include "ata_priv.h"

#define LOG_PREFIX "ata"
#define ATA_MAX_CTRL (ATA_MAX_CHANNELS / 2)

/* PCI configuration offsets (PCI Local Bus 3.0, 6.1; PCI IDE Controller Spec 1.0, 2). */
#define PCI_COMMAND 0x04
#define PCI_CMD_IO 0x01
#define PCI_CMD_MASTER 0x04
#define PCI_PROGIF 0x09
#define PCI_BAR(n) (0x10 + 4 * (n))

struct ata_ctrl {
	bool used;
	uint8_t bus, dev, fn;
	struct ata_chan *ch[2];
};

struct ata_stats ata_stats;
static struct ata_ctrl ata_ctrls[ATA_MAX_CTRL];

static const uint16_t ata_legacy_cmd[2] = { 0x1F0, 0x170 };
static const uint16_t ata_legacy_ctl[2] = { 0x3F6, 0x376 };

int ata_init(const struct ata_config *cfg)
{
	uint32_t size = cfg->bounce_size ? cfg->bounce_size : ATA_BOUNCE_DEFAULT;

	if (size % 0x10000 || size > ATA_BOUNCE_MAX)
		return PP_EINVAL;
	ata_fini();
	for (unsigned i = 0; i < ATA_MAX_CHANNELS; i++) {
		struct ata_chan *ch = &ata_chans[i];

		for (unsigned d = 0; d < ATA_DRIVES; d++) {
			ch->drive[d].pol = cfg->disk[i][d];
			if (ch->drive[d].pol.mode == ATA_DISK_ENCRYPT && !ch->drive[d].pol.key)
				return PP_EINVAL;
		}
		ch->idx = (uint8_t)i;
		ch->bounce_size = size;
	}
	return PP_OK;
}

/* Bounce buffer and shadow table of a channel that exists (VMM memory is never freed). */
static int ata_alloc(struct ata_chan *ch)
{
	if (ch->bounce)
		return PP_OK;
	ch->bounce = hal_dma_alloc(ch->bounce_size, 0x10000, &ch->bounce_phys);
	/* One shadow entry per 64 KiB: at most 4 KiB, so 4 KiB-aligned it cannot cross 64 KiB. */
	ch->sprd = hal_dma_alloc(ch->bounce_size / 0x10000 * 8, 4096, &ch->sprd_phys);
	return ch->bounce && ch->sprd ? PP_OK : PP_ENOMEM;
}

static void ata_release(struct ata_chan *ch)
{
	if (!ch->present)
		return;
	vmm_port_release(ch->cmd, 8);
	vmm_port_release(ch->ctl, 1);
	if (ch->bm)
		vmm_port_release(ch->bm, 8);
	ch->present = false;
}

void ata_fini(void)
{
	for (unsigned i = 0; i < ATA_MAX_CHANNELS; i++) {
		ata_release(&ata_chans[i]);
		ata_reset_state(&ata_chans[i]);
		vmm_memset(&ata_chans[i], 0, sizeof(ata_chans[i]));
	}
	vmm_memset(ata_ctrls, 0, sizeof(ata_ctrls));
	vmm_memset(&ata_stats, 0, sizeof(ata_stats));
}

static struct ata_ctrl *ata_find(uint8_t bus, uint8_t dev, uint8_t fn)
{
	for (unsigned i = 0; i < ATA_MAX_CTRL; i++) {
		struct ata_ctrl *c = &ata_ctrls[i];

		if (c->used && c->bus == bus && c->dev == dev && c->fn == fn)
			return c;
	}
	return NULL;
}

bool ata_controller_owned(uint8_t bus, uint8_t dev, uint8_t fn)
{
	return ata_find(bus, dev, fn) != NULL;
}

static uint32_t ata_cfg_read(const struct ata_ctrl *c, uint8_t off, unsigned width)
{
	return vmm_pci_read(c->bus, c->dev, c->fn, off, width);
}

/*
 * Where channel i's ports are now: legacy addresses unless the
 * programming interface puts the channel in native mode (bit 0 / bit 2),
 * where BAR0/1 (BAR2/3) hold them; the alternate status port is at +2 of
 * the native control block. BAR4 holds both channels' bus-master blocks.
 */
static void ata_locate(const struct ata_ctrl *c, unsigned i, uint16_t *cmd, uint16_t *ctl,
		       uint16_t *bm)
{
	uint8_t progif = (uint8_t)ata_cfg_read(c, PCI_PROGIF, 1);
	uint32_t bar4 = ata_cfg_read(c, PCI_BAR(4), 4);

	if (progif & (1u << (2 * i))) {
		*cmd = (uint16_t)(ata_cfg_read(c, PCI_BAR(2 * i), 4) & 0xFFFC);
		*ctl = (uint16_t)((ata_cfg_read(c, PCI_BAR(2 * i + 1), 4) & 0xFFFC) + 2);
	} else {
		*cmd = ata_legacy_cmd[i];
		*ctl = ata_legacy_ctl[i];
	}
	*bm = (bar4 & 1) && (bar4 & 0xFFF0) ? (uint16_t)((bar4 & 0xFFF0) + 8 * i) : 0;
}

/* Trap a channel where it is. Any failure leaves it untrapped, which the caller must not allow. */
static int ata_claim(struct ata_chan *ch, uint16_t cmd, uint16_t ctl, uint16_t bm)
{
	int rc;

	ch->cmd = cmd, ch->ctl = ctl, ch->bm = bm;
	if (!cmd || ctl < 2)
		return PP_EINVAL;
	rc = vmm_port_claim(cmd, 8, ata_io_cmd, ch);
	if (!rc && (rc = vmm_port_claim(ctl, 1, ata_io_ctl, ch)))
		vmm_port_release(cmd, 8);
	if (!rc && bm && (rc = vmm_port_claim(bm, 8, ata_io_bm, ch))) {
		vmm_port_release(cmd, 8);
		vmm_port_release(ctl, 1);
	}
	ch->present = rc == PP_OK;
	return rc;
}

/* Switch off what the guest must not have: I/O decoding, or only bus mastering. */
static void ata_disable(struct ata_ctrl *c, uint32_t bits)
{
	uint32_t pcmd = ata_cfg_read(c, PCI_COMMAND, 2);

	if (pcmd & bits)
		vmm_pci_write(c->bus, c->dev, c->fn, PCI_COMMAND, 2, pcmd & ~bits);
}

/*
 * (Re)trap both channels. If the guest moved a block where it cannot be
 * trapped (onto another claimed range), the controller's I/O decoding and
 * bus mastering are switched off: unmediated access must never happen.
 * Without a bus-master block to trap (BAR4 unassigned), bus mastering
 * stays off: its registers would decode at a place nobody watches.
 */
static void ata_map(struct ata_ctrl *c)
{
	bool no_bm = false;

	for (unsigned i = 0; i < 2; i++) {
		uint16_t cmd, ctl, bm;
		struct ata_chan *ch = c->ch[i];

		ata_locate(c, i, &cmd, &ctl, &bm);
		no_bm |= !bm;
		if (ch->present && ch->cmd == cmd && ch->ctl == ctl && ch->bm == bm)
			continue;
		ata_release(ch);
		if (ata_claim(ch, cmd, ctl, bm)) {
			LOG_ERR("ata%u: cannot trap ports 0x%x/0x%x/0x%x: controller disabled",
				ch->idx, cmd, ctl, bm);
			ata_disable(c, PCI_CMD_IO | PCI_CMD_MASTER);
		}
	}
	if (no_bm)
		ata_disable(c, PCI_CMD_MASTER);
}

void ata_controller_changed(uint8_t bus, uint8_t dev, uint8_t fn)
{
	struct ata_ctrl *c = ata_find(bus, dev, fn);

	if (c)
		ata_map(c);
}

/* Wait (bounded) for BSY to clear; the status then, or 0xFF when nothing answers. */
static uint8_t ata_settle(struct ata_chan *ch)
{
	uint8_t st = ata_altstatus(ch);

	for (int i = 0; i < ATA_SPIN && (st & ATA_BSY) && st != 0xFF; i++)
		st = ata_altstatus(ch);
	return st;
}

/* Does the selected device show the previous contents when HOB is set (ATA8-ACS 6.2.4)? */
static bool ata_probe_hob(struct ata_chan *ch)
{
	uint8_t v;

	ata_out(ch, ATA_REG_LBAL, 0x5A);
	ata_out(ch, ATA_REG_LBAL, 0xA5);
	hal_outb(ch->ctl, 0x08 | ATA_CTL_HOB);
	v = ata_in(ch, ATA_REG_LBAL);
	hal_outb(ch->ctl, 0x08);
	return v == 0x5A;
}

/*
 * Before the guest runs: is the drive there, ATA or ATAPI, and with what
 * geometry and block size (IDENTIFY DEVICE, ATA8-ACS 7.16; an ATAPI device
 * aborts it and shows its signature 14h/EBh, 9.12).
 */
static void ata_probe_drive(struct ata_chan *ch, unsigned d)
{
	struct ata_drive *dr = &ch->drive[d];
	uint16_t id[256];
	uint8_t st;

	ata_out(ch, ATA_REG_DEVICE, (uint8_t)(0xA0 | d << 4));
	/* 0xFF: nothing drives the bus. An ATAPI device may read 0x00 here: ask anyway. */
	if (ata_settle(ch) == 0xFF)
		return;
	ata_out(ch, ATA_REG_CMD, 0xEC);
	st = ata_settle(ch);
	if ((st & (ATA_BSY | ATA_DRQ | ATA_ERR)) == ATA_DRQ) {
		hal_ins(ch->cmd, 2, id, 256);
		ata_identify_fixup(dr, id);
		dr->present = true;
		ata_settle(ch); /* leave it idle: the guest finds it as the BIOS left it */
		dr->hob_readback = ata_probe_hob(ch);
	} else if ((st & ATA_ERR) && ata_in(ch, ATA_REG_LBAM) == 0x14 &&
		   ata_in(ch, ATA_REG_LBAH) == 0xEB) {
		dr->present = dr->atapi = true;
	}
	ata_in(ch, ATA_REG_CMD); /* acknowledge INTRQ */
}

int ata_controller_attach(uint8_t bus, uint8_t dev, uint8_t fn)
{
	struct ata_ctrl *c;
	unsigned slot = 0;

	if (ata_find(bus, dev, fn))
		return PP_EBUSY;
	while (slot < ATA_MAX_CTRL && ata_ctrls[slot].used)
		slot++;
	if (slot == ATA_MAX_CTRL)
		return PP_ENOSPC;
	c = &ata_ctrls[slot];
	*c = (struct ata_ctrl){ .used = true, .bus = bus, .dev = dev, .fn = fn,
				.ch = { &ata_chans[2 * slot], &ata_chans[2 * slot + 1] } };
	for (unsigned i = 0; i < 2; i++)
		if (ata_alloc(c->ch[i]))
			return PP_ENOMEM;
	ata_map(c);
	for (unsigned i = 0; i < 2; i++) {
		struct ata_chan *ch = c->ch[i];

		if (!ch->present)
			continue;
		for (unsigned d = 0; d < ATA_DRIVES; d++)
			ata_probe_drive(ch, d);
		ch->devctl = 0x08; /* bit 3 is set by convention (ATA-3 and before) */
		hal_outb(ch->ctl, ch->devctl);
		ata_out(ch, ATA_REG_DEVICE, 0xA0);
		LOG_INFO("ata%u: ports 0x%x/0x%x bus master 0x%x, master %s, slave %s", ch->idx,
			 ch->cmd, ch->ctl, ch->bm,
			 ch->drive[0].present ? (ch->drive[0].atapi ? "ATAPI" : "ATA") : "none",
			 ch->drive[1].present ? (ch->drive[1].atapi ? "ATAPI" : "ATA") : "none");
	}
	return PP_OK;
}

static const char *const ata_mode_names[] = {
	[ATA_DISK_DENY] = "deny", [ATA_DISK_PASS] = "pass", [ATA_DISK_ENCRYPT] = "encrypt",
};

int ata_check_config(void)
{
	int rc = PP_OK;

	for (unsigned i = 0; i < ATA_MAX_CHANNELS; i++) {
		for (unsigned d = 0; d < ATA_DRIVES; d++) {
			const struct ata_drive *dr = &ata_chans[i].drive[d];

			if (dr->present)
				LOG_INFO("ata%u-%s: %s", i, d ? "slave" : "master",
					 ata_mode_names[dr->pol.mode]);
			if (dr->pol.mode != ATA_DISK_ENCRYPT || (dr->present && !dr->atapi))
				continue;
			LOG_ERR("ata%u-%s is configured encrypt but %s", i, d ? "slave" : "master",
				dr->present ? "is an ATAPI device" : "no ATA disk answers there");
			rc = PP_EIO;
		}
	}
	return rc;
}
