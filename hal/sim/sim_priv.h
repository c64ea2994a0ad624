/*
 * sim_priv.h - inside the simulated machine: how the machine core
 * (sim_machine.c: RAM, traps, the hal_* functions) and the device models
 * (PCI host bridge and PIIX3 IDE: sim_pci.c, sim_ide*.c) reach each other.
 */
#ifndef SIM_PRIV_H
#define SIM_PRIV_H

#include "hal/hal.h"
#include "sim.h"

/*
 * The I/O bus as the CPU (guest or VMM) drives it: every port, every
 * width. Unclaimed ports read all-ones. The string forms move count items
 * of width bytes; the IDE data port takes them in one step.
 */
uint32_t sim_bus_in(uint16_t port, unsigned width);
void sim_bus_out(uint16_t port, unsigned width, uint32_t val);
void sim_bus_ins(uint16_t port, unsigned width, void *buf, uint32_t count);
void sim_bus_outs(uint16_t port, unsigned width, const void *buf, uint32_t count);

/*
 * Physical memory as a bus master sees it: all of RAM, the VMM region
 * included (there is no IOMMU). PP_EFAULT for any byte outside RAM.
 */
int sim_dma_read(uint64_t pa, void *buf, size_t len);
int sim_dma_write(uint64_t pa, const void *buf, size_t len);

/* Drive an IRQ line (14, 15) from a device model. */
void sim_irq_set(unsigned irq, bool level);

/* Device-model life cycle, called by sim_init()/sim_fini()/sim_disk_attach(). */
int sim_devices_init(uint16_t bm_base, bool ide_native);
void sim_devices_fini(void);
int sim_ide_attach(unsigned channel, unsigned drive, const struct sim_disk_config *cfg);
uint8_t *sim_ide_disk_data(unsigned channel, unsigned drive);
uint64_t sim_ide_disk_sectors(unsigned channel, unsigned drive);

#endif /* SIM_PRIV_H */
