/* Temporary: weak stand-ins for core symbols that have not landed yet. */
#include "vtx_priv.h"
__attribute__((weak)) struct ata_stats ata_stats;
void vtx_entry_failed(uint64_t rflags);
void vtx_entry_failed(uint64_t rflags) { (void)rflags; hal_panic(); }
void vtx_exit_handler(struct vtx_regs *r) { (void)r; hal_panic(); }
int hal_trap_ports(uint16_t base, uint32_t count, bool on) { (void)base; (void)count; (void)on; return 0; }
void hal_simd_begin(void) {}
void hal_simd_end(void) {}
