#!/bin/sh
# 50-linux-pio.sh - issue 8: the same as 50-linux-dma.sh in PIO mode: the
# guest's GRUB entry adds libata.dma=0 (init.sh hands it to insmod libata)
# and runs the smaller workload (ppsize 256 KiB per phase), so every sector
# Linux moves passes the mediator's PIO path, DRQ block by DRQ block.
# Pass = all 18 PPGUEST checks pass, the transfer mode is a PIO mode (the
# guest's xfer check), and the oracle's checks of the disk afterwards hold
# as in the DMA run.
set -eu
# shellcheck source=tests/system/lib-linux.sh
. "$(dirname "$0")/lib-linux.sh"
ll_init linux-pio
ll_build
ll_guest pio
ll_encrypt
ll_rc parapass
ll_say "Bochs: parapass boots Linux from the encrypted disk (PIO workload, libata.dma=0)"
ll_run 900
ll_judge_serial pio
ll_judge_parapass
ll_check_disk pio
ll_profile "$LL_SERIAL"
[ "${LL_P_S_dma_commands:-1}" = 0 ] || ll_fail "the PIO run made ${LL_P_S_dma_commands:-?} DMA commands"
ll_say "parapass: ${LL_P_EXITS:-?} exits, ${LL_P_S_encrypted:-?} sectors encrypted," \
	"${LL_P_S_decrypted:-?} decrypted, ${LL_P_S_pio_in:-?} in and ${LL_P_S_pio_out:-?} out by PIO"
ll_finish
ll_say "PASS (${LL_SECONDS}s of Bochs)"
