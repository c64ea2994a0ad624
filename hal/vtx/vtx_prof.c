/*
 * vtx_prof.c - the exit profile: exits and cycles by reason, and how much
 * of that the core's vmm_io() took. Under Bochs with "clock: sync=none"
 * the TSC counts instructions, so these are exact, repeatable figures.
 */
#include "vtx_priv.h"

#define LOG_PREFIX "prof"

struct vtx_prof vtx_prof;

static const char *const vtx_exit_names[VTX_EXIT_REASONS] = {
	[0] = "exception/NMI", [1] = "external interrupt", [2] = "triple fault",
	[3] = "INIT", [4] = "SIPI", [7] = "interrupt window", [8] = "NMI window",
	[9] = "task switch", [10] = "CPUID", [11] = "GETSEC", [12] = "HLT", [13] = "INVD",
	[14] = "INVLPG", [18] = "VMCALL", [19] = "VMCLEAR", [20] = "VMLAUNCH",
	[21] = "VMPTRLD", [22] = "VMPTRST", [23] = "VMREAD", [24] = "VMRESUME",
	[25] = "VMWRITE", [26] = "VMXOFF", [27] = "VMXON", [28] = "CR access",
	[29] = "MOV DR", [30] = "I/O", [31] = "RDMSR", [32] = "WRMSR",
	[33] = "bad guest state", [34] = "MSR loading", [37] = "monitor trap flag",
	[48] = "EPT violation", [49] = "EPT misconfig", [50] = "INVEPT", [53] = "INVVPID",
	[54] = "WBINVD", [55] = "XSETBV", [58] = "INVPCID", [63] = "XSAVES", [64] = "XRSTORS",
};

void vtx_prof_print(const char *why)
{
	uint64_t total = 0, cyc = 0;

	for (unsigned i = 0; i < VTX_EXIT_REASONS; i++) {
		total += vtx_prof.exits[i];
		cyc += vtx_prof.cycles[i];
	}
	LOG_INFO("exit profile (%s): %llu exits, %llu cycles in the exit handler", why,
		 (unsigned long long)total, (unsigned long long)cyc);
	for (unsigned i = 0; i < VTX_EXIT_REASONS; i++) {
		if (!vtx_prof.exits[i])
			continue;
		LOG_INFO("  exit %2u %-20s %10llu exits %14llu cycles %8llu/exit", i,
			 vtx_exit_names[i] ? vtx_exit_names[i] : "other",
			 (unsigned long long)vtx_prof.exits[i],
			 (unsigned long long)vtx_prof.cycles[i],
			 (unsigned long long)(vtx_prof.cycles[i] / vtx_prof.exits[i]));
	}
	LOG_INFO("  vmm_io: %llu requests (%llu string, %llu items), %llu cycles",
		 (unsigned long long)vtx_prof.io_requests, (unsigned long long)vtx_prof.io_string,
		 (unsigned long long)vtx_prof.io_items, (unsigned long long)vtx_prof.io_cycles);
	LOG_INFO("  mediator: %llu accesses, %llu commands, %llu denied, %llu cycles "
		 "(crypto %llu, copy %llu, device %llu)",
		 (unsigned long long)ata_stats.invocations, (unsigned long long)ata_stats.commands,
		 (unsigned long long)ata_stats.denied, (unsigned long long)ata_stats.cyc_total,
		 (unsigned long long)ata_stats.cyc_crypto, (unsigned long long)ata_stats.cyc_copy,
		 (unsigned long long)ata_stats.cyc_device);
	/* What moved, so a run can be judged per sector and per MiB (tests/system/lib-linux.sh). */
	LOG_INFO("  sectors: pio-in %llu pio-out %llu dma-in %llu dma-out %llu dma-commands %llu "
		 "encrypted %llu decrypted %llu",
		 (unsigned long long)ata_stats.pio_sectors_in, (unsigned long long)ata_stats.pio_sectors_out,
		 (unsigned long long)ata_stats.dma_sectors_in, (unsigned long long)ata_stats.dma_sectors_out,
		 (unsigned long long)ata_stats.dma_commands,
		 (unsigned long long)ata_stats.sectors_encrypted,
		 (unsigned long long)ata_stats.sectors_decrypted);
	LOG_INFO("  guest extended-state saves %llu, hidden-memory accesses %llu, "
		 "cycles since start %llu",
		 (unsigned long long)vtx_prof.simd_saves, (unsigned long long)vtx_ept_hidden_hits,
		 (unsigned long long)(hal_cycles() - vtx_prof.start_tsc));
}
