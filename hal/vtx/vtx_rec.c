/*
 * vtx_rec.c - "record on" in the configuration: the guest-side trace
 * (replay/FORMAT.md) streamed over COM2 through hal_record_write(), so
 * that it never mixes with the log on COM1. The header carries what the
 * hypervisor knows of the machine: the IDE function's programming
 * interface, bus-master base and channels. It lists no disks: parapass
 * cannot know their plaintext at boot; whoever replays the trace adds
 * them. No key is ever recorded. The end record is written at power-off
 * (ACPI or port 0x8900) or when parapass halts.
 */
#include "vtx_priv.h"
#include "../../vmm/vmm_record.h"

#define LOG_PREFIX "vtx"

/* The first IDE function on bus 0 (class 01h, subclass 01h), as vmm_pci_init() finds it. */
static bool rec_find_ide(uint8_t *dev, uint8_t *fn)
{
	for (uint8_t d = 0; d < 32; d++)
		for (uint8_t f = 0; f < 8; f++)
			if (vmm_pci_read(0, d, f, 0, 2) != 0xFFFF &&
			    (vmm_pci_read(0, d, f, 8, 4) >> 16) == 0x0101) {
				*dev = d;
				*fn = f;
				return true;
			}
	return false;
}

/* PCI IDE Controller Specification 1.0, 2: compatibility or native mode per channel. */
static void rec_channels(struct vmm_rec_header *h, uint8_t dev, uint8_t fn)
{
	static const struct vmm_rec_channel legacy[2] = {
		{ .channel = 0, .irq = 14, .cmd = 0x1F0, .ctl = 0x3F6 },
		{ .channel = 1, .irq = 15, .cmd = 0x170, .ctl = 0x376 },
	};

	for (uint8_t c = 0; c < 2; c++) {
		struct vmm_rec_channel ch = legacy[c];

		if (h->prog_if & (1u << (2 * c))) {
			ch.cmd = (uint16_t)(vmm_pci_read(0, dev, fn, (uint8_t)(0x10 + 8 * c), 4) & 0xFFFC);
			ch.ctl = (uint16_t)((vmm_pci_read(0, dev, fn, (uint8_t)(0x14 + 8 * c), 4) & 0xFFFC) + 2);
			ch.irq = (uint8_t)(vmm_pci_read(0, dev, fn, 0x3C, 1) & 15);
		}
		h->channel[h->nchannels++] = ch;
	}
}

void vtx_rec_start(const struct vmm_config *cfg)
{
	struct vmm_rec_header h = {
		.version = VMM_REC_VERSION, .source = "parapass hal/vtx",
		.tool = "parapass-vtx", .driver = "the guest's own",
	};
	uint8_t dev, fn;
	int err;

	if (!cfg->record)
		return;
	/*
	 * The trace holds the plaintext the guest reads and writes, on a serial
	 * line: for tests. A passphrase-protected key means a protected disk in
	 * use, whose plaintext must not leave the machine, so no recording. Raw
	 * keys and TEST key files are not protected either (whoever has the
	 * stick has them), which is what tests use.
	 */
	if (vtx_keys_wrapped()) {
		LOG_ERR("record on refused: a key is passphrase-protected, and the trace would carry "
			"its disk's plaintext over COM2; recording is for test keys");
		return;
	}
	if (rec_find_ide(&dev, &fn)) {
		h.prog_if = (uint8_t)(vmm_pci_read(0, dev, fn, 9, 1));
		h.bm_base = (uint16_t)(vmm_pci_read(0, dev, fn, 0x20, 4) & 0xFFFC);
		rec_channels(&h, dev, fn);
	}
	vtx_console_claim_rec();
	err = vmm_record_start(&h, NULL, NULL);
	if (err)
		LOG_WARN("recording not started (error %d)", err);
	else
		LOG_WARN("recording the guest's trapped accesses to COM2: the trace holds the "
			 "plaintext the guest reads and writes (tests only)");
}

void vtx_rec_stop(void)
{
	if (vmm_record_active())
		vmm_record_stop();
}
