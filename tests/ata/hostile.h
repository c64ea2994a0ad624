/*
 * hostile.h - the hostile-guest catalogue's cases (hostile_dma.c,
 * hostile_cmd.c) and the helpers they share (check_ata_hostile.c, which
 * lists and runs them all).
 */
#ifndef HOSTILE_H
#define HOSTILE_H

#include "ata_fixture.h"

#define ERR 0x01
#define ABRT 0x04

extern uint8_t hx_wbuf[4096 * 512], hx_rbuf[4096 * 512];

uint8_t hx_error(unsigned ch);
void hx_aborted(unsigned ch, uint8_t st);
void hx_put(uint32_t gpa, const void *p, size_t n);
void hx_prd_entry(uint32_t at, uint32_t addr, uint32_t len, bool eot);
void hx_stage(uint64_t lba, uint32_t n);
void hx_srst(unsigned ch);
void hx_dma_issue(uint16_t bm, uint32_t prdt, uint8_t dir, uint32_t lba, uint32_t n, uint8_t op);
uint8_t hx_dma_finish(uint16_t bm, uint8_t dir);
bool hx_disk_zero(unsigned ch, uint64_t lba, uint32_t n);

/* The cases, by name. */
void n(void);
void dma_count_exceeds_prd_total(void);
void dma_read_count_exceeds_prd(void);
void dma_larger_than_bounce(void);
void dma_prd_entry_in_vmm(void);
void dma_prd_table_in_vmm(void);
void dma_prd_entry_straddles_vmm(void);
void dma_prd_entry_outside_ram(void);
void dma_prd_entry_crosses_64k(void);
void dma_prd_odd_address(void);
void dma_prd_table_hits_64k(void);
void dma_start_without_command(void);
void dma_start_twice(void);
void dma_direction_mismatch(void);
void dma_stop_before_done(void);
void dma_prd_rewritten_after_start(void);
void dma_read_error_no_copy(void);
void cmd_while_busy(void);
void cmd_during_data_phase(void);
void pio_write_past_end(void);
void dma_read_past_end(void);
void lba28_wrap(void);
void lba48_wrap(void);
void lba48_huge_count(void);
void lba48_stale_hob(void);
void lba_changed_after_pio_command(void);
void lba_changed_before_dma_start(void);
void drive_switched_mid_command(void);
void srst_mid_pio_write(void);
void srst_mid_pio_read(void);
void srst_with_dma_armed(void);
void device_reset_to_disk(void);
void interleaved_channels_pio(void);
void interleaved_dma_and_pio(void);
void unknown_opcodes(void);
void download_microcode(void);
void security_commands(void);
void trusted_send_receive(void);
void write_long(void);
void queued_dma(void);
void set_max_address(void);
void trim_not_allowed(void);
void packet_to_disk(void);
void data_write_when_idle(void);
void data_read_when_idle(void);
void pio_read_overrun(void);
void pio_write_overrun(void);
void wide_write_reaches_command(void);
void multiple_without_set_multiple(void);
void set_multiple_invalid(void);
void chs_sector_zero(void);
void chs_head_out_of_range(void);
void rep_outs_across_blocks(void);
void byte_reads_of_data_port(void);
void prdt_readback_is_guests(void);
void bm_bar_moved(void);
void bm_bar_moved_onto_taskfile(void);
void srst_desync_selected_drive(void);
void diagnostic_desync_selected_drive(void);
void hob_left_set_lba28(void);
void hob_left_set_init_params(void);
void init_params_then_srst(void);
void shadow_written_while_busy(void);
void slow_drive_at_data_out(void);
void bm_bar_zero(void);

#endif /* HOSTILE_H */
