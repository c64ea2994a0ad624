#!/bin/sh
# 50-linux-dma.sh - issue 8: a real Linux guest boots from a fully encrypted
# disk under parapass in Bochs (emulated VT-x) and runs its DMA workload.
#
# Set-up: the guest disk built from Debian packages (tests/guest/mkguest.sh:
# GRUB in the MBR, Linux 6.1, busybox initramfs whose /init runs the
# workload), the whole disk, MBR included, encrypted by "parapass crypt
# encrypt --raw-key" with the CI test key "make usb" generated; the make usb
# image (disk ata0-master encrypt key=0, unconfigured pass) on the CD.
# The run: Bochs' BIOS boots the CD, GRUB loads parapass, parapass reads the
# guest's MBR through INT 13h and the mediator, GRUB reads Linux from the
# encrypted disk, Linux's ata_piix drives it with bus-master DMA.
# Pass = all 18 PPGUEST checks pass inside the guest AND, after the run, the
# image decrypted by the OpenSSL oracle (xts_oracle) holds the pattern where
# the guest wrote it, partition 1 unchanged and partition 3 a sound ext2,
# AND the pattern's marker occurs nowhere in the raw image.
set -eu
# shellcheck source=tests/system/lib-linux.sh
. "$(dirname "$0")/lib-linux.sh"
ll_init linux-dma
ll_build
ll_guest dma
ll_encrypt
ll_rc parapass
ll_say "Bochs: parapass boots Linux from the encrypted disk (DMA workload)"
ll_run 900
ll_judge_serial dma
ll_judge_parapass
ll_check_disk dma
ll_profile "$LL_SERIAL"
ll_say "parapass: ${LL_P_EXITS:-?} exits, ${LL_P_S_encrypted:-?} sectors encrypted," \
	"${LL_P_S_decrypted:-?} decrypted, ${LL_P_S_dma_commands:-?} DMA commands"
ll_finish
ll_say "PASS (${LL_SECONDS}s of Bochs)"
