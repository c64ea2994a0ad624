#!/bin/sh
# 15-vtx-qemu-neg.sh - QEMU's TCG has no VMX. Booted as a USB stick with
# SeaBIOS and with OVMF (UEFI), parapass names what is missing (VT-x; under
# UEFI also the unsupported boot path) and halts; the guest disk is untouched.
set -eu
. "$(dirname "$0")/15-vtx-lib.inc"
vtx_workdir
vtx_prepare
before=$(vtx_sum "$W/disk.img")
for fw in bios ovmf; do
	vtx_qemu "$fw" 240
	vtx_has "missing CPU feature: VT-x"
	vtx_has "parapass vtx: halted"
	if [ "$fw" = ovmf ]; then
		vtx_has "started by UEFI firmware: this boot path is not supported yet"
	else
		vtx_lacks "started by UEFI firmware"
	fi
	vtx_lacks "entering the guest"
	[ "$(vtx_sum "$W/disk.img")" = "$before" ] || vtx_fail "$fw: the guest disk changed"
	cp "$VTX_LOG" "$W/serial-$fw.out"
	echo "ok QEMU $fw: VT-x missing, halted, disk untouched"
done
echo "PASS 15-vtx-qemu-neg"
