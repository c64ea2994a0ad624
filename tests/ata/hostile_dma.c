/*
 * hostile_dma.c - hostile-guest cases against the bus-master path: PRD
 * tables, engine start/stop orders, BAR4. Listed and run by check_ata_hostile.c.
 */
#define _GNU_SOURCE
#include <string.h>

#include "hostile.h"

/* ---- DMA table and buffer attacks ---- */

void dma_count_exceeds_prd_total(void)
{
	hx_stage(10, 8);
	sim_drv_prd(FX_BUF, 4 * 512, 4096);
	hx_aborted(0, sim_drv_dma(0, 0, 0xCA, 10, 8, false, NULL));
	ck_assert(hx_disk_zero(0, 10, 8));
}

void dma_read_count_exceeds_prd(void)
{
	memset(hx_rbuf, 0x3C, 8 * 512);
	hx_put(FX_BUF, hx_rbuf, 8 * 512);
	sim_drv_prd(FX_BUF, 4 * 512, 4096);
	hx_aborted(0, sim_drv_dma(0, 0, 0xC8, 10, 8, false, NULL));
	ck_assert_int_eq(sim_guest_read(FX_BUF, hx_wbuf, 8 * 512), 0);
	ck_assert_mem_eq(hx_wbuf, hx_rbuf, 8 * 512); /* nothing copied in */
}

void dma_larger_than_bounce(void)
{
	/* The machine runs with a 1 MiB bounce buffer (see the loop's config). */
	hx_stage(0, 4096);
	sim_drv_prd(FX_BUF, 4096 * 512, 65536);
	hx_aborted(0, sim_drv_dma(0, 0, 0x35, 0, 4096, true, NULL));
	ck_assert(hx_disk_zero(0, 0, 4096));
}

static void dma_bad_entry(uint32_t addr, uint32_t len)
{
	hx_stage(20, 1);
	hx_prd_entry(SIM_DRV_PRDT, addr, len, true);
	hx_aborted(0, sim_drv_dma(0, 0, 0xC8, 20, len / 512 ? len / 512 : 1, false, NULL));
	hx_prd_entry(SIM_DRV_PRDT, addr, len, true);
	hx_aborted(0, sim_drv_dma(0, 0, 0xCA, 20, len / 512 ? len / 512 : 1, false, NULL));
}

void dma_prd_entry_in_vmm(void)
{
	dma_bad_entry((uint32_t)sim_vmm_base() + 0x1000, 512);
}

void dma_prd_entry_straddles_vmm(void)
{
	dma_bad_entry((uint32_t)sim_vmm_base() - 512, 1024);
}

void dma_prd_entry_outside_ram(void)
{
	dma_bad_entry((uint32_t)sim_ram_size() + 0x10000, 512);
}

void dma_prd_entry_crosses_64k(void)
{
	dma_bad_entry(FX_BUF + 0x10000 - 256, 512);
}

void dma_prd_odd_address(void)
{
	dma_bad_entry(FX_BUF + 1, 512);
}

void dma_prd_table_in_vmm(void)
{
	uint16_t bm = sim_drv_bm(0);

	hx_stage(20, 1);
	/* The guest cannot even write a table there; point at VMM memory anyway. */
	hx_dma_issue(bm, (uint32_t)sim_vmm_base(), 0, 20, 1, 0xCA);
	hx_aborted(0, hx_dma_finish(bm, 0));
}

void dma_prd_table_hits_64k(void)
{
	uint16_t bm = sim_drv_bm(0);

	/* The last slot before a 64 KiB boundary, without the end bit: the table ends. */
	hx_stage(20, 2);
	hx_prd_entry(0x1FFF8, FX_BUF, 512, false);
	hx_dma_issue(bm, 0x1FFF8, 0, 20, 2, 0xCA);
	hx_aborted(0, hx_dma_finish(bm, 0));
	ck_assert(hx_disk_zero(0, 20, 2));
}

void dma_start_without_command(void)
{
	uint16_t bm = sim_drv_bm(0);

	hx_stage(30, 1);
	sim_drv_prd(FX_BUF, 512, 512);
	sim_guest_out((uint16_t)(bm + 4), 4, SIM_DRV_PRDT);
	sim_guest_out(bm, 1, 1);
	ck_assert_int_eq(sim_guest_in((uint16_t)(bm + 2), 1) & 0x01, 0); /* engine not active */
	sim_guest_out(bm, 1, 0);
	ck_assert(hx_disk_zero(0, 30, 1));
}

void dma_start_twice(void)
{
	uint16_t bm = sim_drv_bm(0);

	hx_stage(31, 2);
	sim_drv_prd(FX_BUF, 1024, 512);
	ck_assert_int_eq(sim_drv_dma(0, 0, 0xCA, 31, 2, false, NULL) & ERR, 0);
	sim_guest_out(bm, 1, 1); /* again, no command */
	sim_guest_out(bm, 1, 1);
	sim_guest_out(bm, 1, 0);
	fx_assert_disk_cipher(0, 0, 31, hx_wbuf, 2);
}

void dma_direction_mismatch(void)
{
	uint16_t bm = sim_drv_bm(0);

	hx_stage(40, 1);
	sim_drv_prd(FX_BUF, 512, 512);
	/* A write with the engine set to write memory. */
	hx_dma_issue(bm, SIM_DRV_PRDT, 0x08, 40, 1, 0xCA);
	hx_aborted(0, hx_dma_finish(bm, 0x08));
	ck_assert(hx_disk_zero(0, 40, 1));
}

void dma_stop_before_done(void)
{
	uint16_t bm = sim_drv_bm(0);

	hx_stage(41, 4);
	sim_drv_prd(FX_BUF, 4 * 512, 4096);
	hx_dma_issue(bm, SIM_DRV_PRDT, 0, 41, 4, 0xCA);
	sim_guest_out(bm, 1, 0x01);
	sim_guest_out(bm, 1, 0x00); /* stopped at once: whatever landed is ciphertext */
	sim_drv_wait(0);
	sim_drv_status(0);
}

void dma_prd_rewritten_after_start(void)
{
	uint16_t bm = sim_drv_bm(0);
	uint8_t before[512];

	fx_pattern(hx_wbuf, 50, 1, 1);
	fx_oracle(true, fx_test_key, 50, hx_wbuf, sim_disk_data(0, 0) + 50 * 512, 1);
	memset(hx_rbuf, 0x11, 512);
	hx_put(FX_BUF, hx_rbuf, 512);
	hx_put(FX_BUF + 0x8000, hx_rbuf, 512);
	hx_prd_entry(SIM_DRV_PRDT, FX_BUF, 512, true);
	hx_dma_issue(bm, SIM_DRV_PRDT, 0x08, 50, 1, 0xC8);
	sim_guest_out(bm, 1, 0x09);
	/* Now point the (already validated) entry elsewhere before completion is seen. */
	hx_prd_entry(SIM_DRV_PRDT, FX_BUF + 0x8000, 512, true);
	sim_guest_in((uint16_t)(bm + 2), 1);
	sim_guest_out(bm, 1, 0x08);
	sim_drv_wait(0);
	ck_assert_int_eq(sim_drv_status(0) & ERR, 0);
	ck_assert_int_eq(sim_guest_read(FX_BUF, hx_rbuf, 512), 0);
	ck_assert_mem_eq(hx_rbuf, hx_wbuf, 512);           /* data went where the table said at start */
	ck_assert_int_eq(sim_guest_read(FX_BUF + 0x8000, before, 512), 0);
	ck_assert_uint_eq(before[0], 0x11);           /* not to the rewritten target */
}

void dma_read_error_no_copy(void)
{
	memset(hx_rbuf, 0x22, 8 * 512);
	hx_put(FX_BUF, hx_rbuf, 8 * 512);
	sim_drv_prd(FX_BUF, 8 * 512, 4096);
	ck_assert_int_eq(sim_drv_dma(0, 0, 0xC8, 8190, 8, false, NULL) & ERR, ERR); /* past the end */
	ck_assert_int_eq(sim_guest_read(FX_BUF, hx_wbuf, 8 * 512), 0);
	ck_assert_mem_eq(hx_wbuf, hx_rbuf, 8 * 512);
}

/* ---- bus-master registers and PCI ---- */

void prdt_readback_is_guests(void)
{
	uint16_t bm = sim_drv_bm(0);

	hx_stage(240, 1);
	sim_drv_prd(FX_BUF, 512, 512);
	ck_assert_int_eq(sim_drv_dma(0, 0, 0xCA, 240, 1, false, NULL) & ERR, 0);
	ck_assert_uint_eq(sim_guest_in((uint16_t)(bm + 4), 4), SIM_DRV_PRDT);
}

void bm_bar_moved(void)
{
	fx_pci_write(0x20, 4, 0xD001); /* BAR4 to 0xD000 */
	ck_assert(sim_port_trapped(0xD000));
	ck_assert(!sim_port_trapped(0xC000));
	hx_stage(250, 2);
	sim_drv_prd(FX_BUF, 1024, 512);
	hx_dma_issue(0xD000, SIM_DRV_PRDT, 0, 250, 2, 0xCA);
	ck_assert_int_eq(hx_dma_finish(0xD000, 0) & ERR, 0);
	fx_assert_disk_cipher(0, 0, 250, hx_wbuf, 2);
	fx_pci_write(0x20, 4, 0xC001);
}

void bm_bar_moved_onto_taskfile(void)
{
	uint32_t cmdreg;

	fx_pci_write(0x20, 4, 0x1F1); /* BAR4 over the command block: cannot be trapped separately */
	cmdreg = fx_pci_read(0x04, 2);
	ck_assert_uint_eq(cmdreg & 0x05, 0); /* I/O decode and bus mastering switched off */
	fx_pci_write(0x20, 4, 0xC001);
	fx_pci_write(0x04, 2, 0x0005);
}

/* BAR4 at 0: its block is not trapped there, so bus mastering must be off. */
void bm_bar_zero(void)
{
	fx_pci_write(0x20, 4, 0x0001);
	ck_assert_uint_eq(fx_pci_read(0x04, 2) & 0x04, 0);
	fx_pci_write(0x04, 2, 0x0005); /* the guest turns it on again: refused again */
	ck_assert_uint_eq(fx_pci_read(0x04, 2) & 0x04, 0);
	fx_pci_write(0x20, 4, 0xC001);
	fx_pci_write(0x04, 2, 0x0005);
	ck_assert_uint_eq(fx_pci_read(0x04, 2) & 0x05, 0x05);
}
