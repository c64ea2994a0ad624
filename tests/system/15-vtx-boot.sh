#!/bin/sh
# 15-vtx-boot.sh - parapass boots under Bochs' VT-x (corei7_skylake_x), its
# checks pass, and a guest boots from an encrypted disk through INT 13h:
# the boot sector and the rest of the program are decrypted on the way in,
# a sector the guest writes reaches the disk as ciphertext of what it
# wrote, the INT 15h map hides parapass's memory, which reads all-ones and
# keeps no write, and the exit profile is printed at the end of the run.
set -eu
. "$(dirname "$0")/15-vtx-lib.inc"
vtx_workdir
vtx_prepare
before=$(vtx_sum "$W/disk.img")
vtx_bochs corei7_skylake_x 240
[ "$VTX_RC" -eq 0 ] || vtx_fail "Bochs ended with status $VTX_RC (0 = the guest's 'D' to port 0x8900)"
vtx_has "VMX checks passed"
vtx_has "mediator started"
vtx_has "boot sector of drive 0x80 read through INT 13h"
vtx_has "PPVTX hello: stage 2 read through INT 13h"
vtx_has "PPVTX write-readback OK"
vtx_has "PPVTX done"
hidden=$(tr -d '\r' <"$VTX_LOG" | sed -n 's/^parapass vtx: hidden \([0-9a-f]*\)-.*/\1/p')
[ -n "$hidden" ] || vtx_fail "parapass did not say which memory it hides"
seen=$(tr -d '\r' <"$VTX_LOG" | sed -n 's/^PPVTX hidden \([0-9A-F]*\)$/\1/p' | tr 'A-F' 'a-f' | sed 's/^0*//')
[ "$seen" = "$hidden" ] || vtx_fail "the guest's E820 map names reserved $seen, parapass hides $hidden"
vtx_has "PPVTX hidden-read FFFFFFFF"
vtx_has "PPVTX hidden-after-write FFFFFFFF"
vtx_has "guest read of hidden VMM memory"
vtx_has "guest write of hidden VMM memory"
vtx_lacks "guest state (access to hidden memory)"   # no guest registers for a guest-made event
vtx_has "exit profile (guest request)"
vtx_has "exit profile (shutdown port)"
vtx_lacks "parapass vtx: error: exception"

# The disk: only LBA 8 changed, it is ciphertext, and it decrypts to the pattern.
[ "$(vtx_sum "$W/disk.img")" != "$before" ] || vtx_fail "the guest's write never reached the disk"
printf PPVX >"$W/pattern"
n=$("$ORACLE" find "$W/disk.img" "$W/pattern") || vtx_fail "xts_oracle find"
[ "$n" = 0 ] || vtx_fail "plaintext pattern found $n times on the raw disk"
"$ORACLE" decrypt --key "$KEY" "$W/disk.img" "$W/dec.img"
dd if="$W/dec.img" bs=512 skip=8 count=1 2>/dev/null | head -c 4 | grep -q PPVX ||
	vtx_fail "LBA 8 does not decrypt to the guest's pattern"
cmp -s -n 4096 "$W/dec.img" "$W/plain.img" || vtx_fail "LBA 0-7 changed"
exits=$(tr -d '\r' <"$VTX_LOG" | sed -n 's/^parapass prof: exit profile (shutdown port): \([0-9]*\) exits.*/\1/p')
echo "PASS 15-vtx-boot: guest booted from the encrypted disk through parapass ($exits exits)"
