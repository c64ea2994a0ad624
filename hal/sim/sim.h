/*
 * sim.h - the hosted simulated machine (hal/sim): what tests, the replay
 * engine and the parapass command use to build a machine and to act as
 * its guest. The core sees only hal.h; this header is for the hosted
 * programs that drive the simulation.
 *
 * The machine: guest RAM in a host buffer, with a VMM-owned region the
 * guest never reaches (as EPT hides it on vtx); PCI configuration
 * mechanism #1 at 0xCF8/0xCFC with a PIIX3-style IDE function (00:01.1,
 * 8086:7010, class 0x0101, prog-if 0x80); two IDE channels (0x1F0/0x3F6,
 * IRQ 14 and 0x170/0x376, IRQ 15), master and slave; bus-master registers
 * behind BAR4. Devices follow ATA8-ACS and the PIIX3 data sheet, not the
 * mediator's expectations. One machine per process (hal functions carry
 * no context); sim_fini() lets a test build another.
 */
#ifndef SIM_H
#define SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define SIM_CHANNELS 2
#define SIM_DRIVES 2
#define SIM_SECTOR 512

struct sim_config {
	size_t ram_size;      /* guest physical RAM in bytes; 0 = 32 MiB */
	uint64_t vmm_base;    /* VMM region inside RAM; 0 = the top vmm_size bytes */
	size_t vmm_size;      /* 0 = 8 MiB */
	uint16_t bm_base;     /* initial BAR4 (bus-master registers); 0 = 0xC000 */
	FILE *console;        /* hal_console_write() target; NULL = stderr */
	FILE *record;         /* hal_record_write() target; NULL = recording off */
	/*
	 * A native-capable IDE function: prog-if 0x8A with bits 0 and 2
	 * writable; a channel whose bit is set decodes BAR0/BAR1 (primary) or
	 * BAR2/BAR3 (secondary) and interrupts on the interrupt line register
	 * (0x3C, default 11). false = PIIX3 legacy only, prog-if 0x80 read-only.
	 */
	bool ide_native;
};

/* Build the machine: RAM zeroed, the VMM region filled with SIM_CANARY. */
int sim_init(const struct sim_config *cfg);
/* Tear it down: unmaps disks (their image files keep what was written). */
void sim_fini(void);
/* What VMM memory holds until the VMM writes it: tests look for leaks of it. */
#define SIM_CANARY 0xC5

struct sim_disk_config {
	uint64_t sectors;     /* capacity; an image file must hold exactly this */
	const char *path;     /* image file (shared mapping) or NULL for memory */
	bool atapi;           /* a minimal ATAPI CD-ROM instead of an ATA disk */
	bool no_lba48;        /* clear the 48-bit feature set in IDENTIFY */
	uint16_t cyls, heads, spt; /* default CHS geometry; 0 = derived (16/63) */
	uint8_t max_multiple; /* IDENTIFY word 47; 0 = 16; SIM_NO_MULTIPLE = none */
	uint32_t busy_polls;  /* status reads that still see BSY after a command */
	const char *model;    /* IDENTIFY model string; NULL = "PARAPASS SIM DISK" */
	bool no_hob_readback; /* reads ignore device control HOB, as Bochs 2.7's disks do */
};
#define SIM_NO_MULTIPLE 0xFF

/* Attach a disk at channel 0/1, drive 0 (master) / 1 (slave). */
int sim_disk_attach(unsigned channel, unsigned drive, const struct sim_disk_config *cfg);
/* The disk's contents (sectors * 512 bytes, live), or NULL if absent. */
uint8_t *sim_disk_data(unsigned channel, unsigned drive);
uint64_t sim_disk_sectors(unsigned channel, unsigned drive);
/* Change busy_polls of an attached disk (a drive spinning up from standby). */
int sim_disk_set_busy_polls(unsigned channel, unsigned drive, uint32_t polls);

/* ---- Acting as the guest ---- */
/*
 * Guest port I/O: trapped ports go to the core as a hal_io_req through
 * vmm_io(); the rest go straight to the device model.
 */
uint32_t sim_guest_in(uint16_t port, unsigned width);
void sim_guest_out(uint16_t port, unsigned width, uint32_t val);
void sim_guest_ins(uint16_t port, unsigned width, void *buf, uint32_t count);
void sim_guest_outs(uint16_t port, unsigned width, const void *buf, uint32_t count);
/*
 * The guest's own access to its RAM: PP_EFAULT outside RAM, PP_EACCES in
 * the VMM region (the guest cannot see it), as hal_gpa_read/write.
 */
int sim_guest_read(uint64_t gpa, void *buf, size_t len);
int sim_guest_write(uint64_t gpa, const void *buf, size_t len);
/* Level of the IRQ line (14 or 15) as the interrupt controller sees it. */
bool sim_irq_line(unsigned irq);

/* ---- A guest's ATA driver (sim_drv.c): polling, legacy ports, BAR4 at 0xC000 ---- */
#define SIM_DRV_PRDT 0x10000u  /* where sim_drv_prd() writes PRD tables */

uint16_t sim_drv_cmd(unsigned ch);  /* command block base of channel ch */
uint16_t sim_drv_ctl(unsigned ch);  /* alternate status / device control */
uint16_t sim_drv_bm(unsigned ch);   /* bus-master block */
uint8_t sim_drv_status(unsigned ch);
/* Poll alternate status until BSY clears; the status then (also on timeout). */
uint8_t sim_drv_wait(unsigned ch);
/* Select the drive, wait for BSY to clear, load a 28-bit, 48-bit or CHS taskfile. */
void sim_drv_tf28(unsigned ch, unsigned drv, uint32_t lba, uint32_t count);
void sim_drv_tf48(unsigned ch, unsigned drv, uint64_t lba, uint32_t count);
void sim_drv_tfchs(unsigned ch, unsigned drv, uint16_t cyl, uint8_t head, uint8_t sect,
		   uint8_t count);
void sim_drv_command(unsigned ch, uint8_t op);

/* How a PIO sector moves: one REP of 16- or 32-bit items, or one IN/OUT per item. */
enum sim_xfer { SIM_REP16, SIM_REP32, SIM_ONE16, SIM_ONE32 };
/*
 * The data phase of a PIO command already issued: nsect sectors in DRQ
 * blocks of blk, waiting for DRQ before each block. The final status.
 */
uint8_t sim_drv_pio_in(unsigned ch, void *buf, uint32_t nsect, uint32_t blk, enum sim_xfer x);
uint8_t sim_drv_pio_out(unsigned ch, const void *buf, uint32_t nsect, uint32_t blk,
			enum sim_xfer x);
/* READ/WRITE SECTORS (EXT when lba48), whole commands. The final status. */
uint8_t sim_drv_read(unsigned ch, unsigned drv, uint64_t lba, uint32_t n, void *buf, bool lba48,
		     enum sim_xfer x);
uint8_t sim_drv_write(unsigned ch, unsigned drv, uint64_t lba, uint32_t n, const void *buf,
		      bool lba48, enum sim_xfer x);
/*
 * Write a PRD table at SIM_DRV_PRDT for nbytes at guest address base, in
 * pieces of piece bytes, end bit on the last. The entry count (0 on error).
 */
unsigned sim_drv_prd(uint32_t base, uint32_t nbytes, uint32_t piece);
/*
 * A DMA command as Linux's ata_bmdma_setup/start issues it: PRD pointer,
 * direction, taskfile, command, start; wait for the interrupt bit, stop,
 * read status. The ATA status; *bm_status (if not NULL) gets the BM status.
 */
uint8_t sim_drv_dma(unsigned ch, unsigned drv, uint8_t op, uint64_t lba, uint32_t n, bool lba48,
		    uint8_t *bm_status);

/* ---- Inspection for tests ---- */
/* Raw host pointer to physical address pa (any RAM, VMM region included). */
uint8_t *sim_phys_ptr(uint64_t pa);
size_t sim_ram_size(void);
uint64_t sim_vmm_base(void);
size_t sim_vmm_size(void);
/* Bytes of the VMM region handed out by hal_dma_alloc() so far. */
size_t sim_vmm_used(void);
/* Whether guest accesses to port trap to the core. */
bool sim_port_trapped(uint16_t port);

#endif /* SIM_H */
