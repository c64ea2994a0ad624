#!/bin/sh
# 21-bochs-testguest.sh - the test guest booted by parapass from an
# encrypted disk, under Bochs' emulated VT-x (issue 6, item 5).
#
# Set-up: a fresh test key (xts_oracle genkey), parapass.cfg
# "disk ata0-master encrypt key=0", a parapass ISO made with those by
# hal/vtx/mkusb.sh, and the guest's disk encrypted by xts_oracle where the
# guest reads (its code and both test areas). Bochs boots the ISO as
# ata1-master; parapass boots the guest from ata0-master.
# Pass = every required PPTG check passes (as in the baseline)
#   AND the guest saw hidden memory (INT 15h map short of the CMOS RAM),
#       covering the image range parapass logs, if it logs one
#   AND both test areas, decrypted by xts_oracle, hold exactly what the
#       guest wrote (zeros elsewhere), the guest's code sectors unchanged
#   AND the pattern's marker occurs nowhere in the raw image.
set -eu
# shellcheck source=tests/system/lib-bochs.sh
. "$(cd "$(dirname "$0")/../.." && pwd)/tests/system/lib-bochs.sh"
bx_init testguest

VTX_ELF="$O/vtx/parapass.elf"
[ -e "$VTX_ELF" ] || { bx_fail "$VTX_ELF missing: make O=... vtx"; exit 1; }

# ---- set-up: key, configuration, ISO, encrypted disk ----
key="$BX_TMP/test-key.bin"
"$XTS_ORACLE" genkey "$key"
printf '# 21-bochs-testguest: the test guest disk, encrypted with a generated test key\n%s\n%s\n' \
	'disk ata0-master encrypt key=0' 'unconfigured pass' >"$BX_TMP/parapass.cfg"
"$ROOT/hal/vtx/mkusb.sh" "$VTX_ELF" "$BX_TMP/parapass.cfg" "$key" "$BX_TMP/parapass.iso" >/dev/null

disk="$BX_TMP/tg.img"
"$ROOT/tests/vtxguest/mkdisk.sh" "$TG_BIN" "$disk"
code_sectors=$(($(stat -c %s "$TG_BIN") / 512))
# The guest only ever reads [0, 4096) and the high area; the rest stays sparse zeros.
for r in "0 $((TG_LOW_FIRST + TG_LOW_COUNT))" "$TG_HIGH_FIRST $TG_HIGH_COUNT"; do
	# shellcheck disable=SC2086  # two numbers
	set -- $r
	"$XTS_ORACLE" encrypt --key "$key" --image --first-lba "$1" --sectors "$2" "$disk" "$disk"
done
if dd if="$disk" bs=512 count=1 status=none | cmp -s -n 512 - "$TG_BIN"; then
	bx_fail "set-up: the boot sector is still plaintext"
	exit 1
fi

# ---- the run ----
BX_DISK="$disk"
BX_CDROM="$BX_TMP/parapass.iso"
BX_BOOT=cdrom
bx_rc "$BX_TMP/bochsrc"
bx_run "$BX_TMP/bochsrc" 300 "$BX_TMP/bochs.out"
[ "$BX_STATUS" = 0 ] || bx_fail "bochs ended with status $BX_STATUS (124: timeout, 125: parapass halted)"
tg_judge "$BX_SERIAL" || true

# ---- parapass's memory was hidden from the guest ----
hidden=$(bx_markers "$BX_SERIAL" | sed -n 's/^PPTG mem-hidden PASS hidden-bytes=\(0x[0-9a-f]*\) .*/\1/p')
if [ -z "$hidden" ] || [ $((hidden)) -eq 0 ]; then
	bx_fail "the guest found no hidden memory: parapass's memory is in its INT 15h map"
fi
# parapass names what it hides ("hidden LO-HI"), else its image ("image at LO-HI").
image=$(tr -d '\r' <"$BX_SERIAL" | sed -n 's/^parapass vtx: hidden \([0-9a-f]*\)-\([0-9a-f]*\).*/\1 \2/p' | head -n 1)
[ -n "$image" ] || image=$(tr -d '\r' <"$BX_SERIAL" |
	sed -n 's/.*parapass starting: image at \([0-9a-f]*\)-\([0-9a-f]*\).*/\1 \2/p' | head -n 1)
if [ -n "$image" ]; then
	# shellcheck disable=SC2086  # two hex numbers
	set -- $image
	lo=$((0x$1)) hi=$((0x$2)) covered=0
	for g in $(bx_markers "$BX_SERIAL" | sed -n 's/^PPTG-INFO hidden \(0x[0-9a-f]*\)-\(0x[0-9a-f]*\) .*/\1:\2/p'); do
		[ $((${g%:*})) -le "$lo" ] && [ $((${g#*:})) -ge "$hi" ] && covered=1
	done
	[ "$covered" = 1 ] || bx_fail "parapass's image $1-$2 is not inside any range the guest probed"
	echo "memory: parapass image $1-$2 hidden from the guest and probed"
else
	echo "memory: parapass named no hidden range; relying on hidden-bytes=$hidden"
fi

# ---- the disk afterwards ----
tg_check_area "$disk" "$TG_LOW_FIRST" "$TG_LOW_COUNT" "$BX_SERIAL" "$key" || true
tg_check_area "$disk" "$TG_HIGH_FIRST" "$TG_HIGH_COUNT" "$BX_SERIAL" "$key" || true
dd if="$disk" of="$BX_TMP/code.bin" bs=512 count="$code_sectors" status=none
"$XTS_ORACLE" decrypt --key "$key" "$BX_TMP/code.bin" "$BX_TMP/code.plain"
cmp -s "$BX_TMP/code.plain" "$TG_BIN" || bx_fail "the guest's own sectors changed on disk"
"$TG_PATTERN" marker "$BX_TMP/marker.bin"
raw=$("$XTS_ORACLE" find "$disk" "$BX_TMP/marker.bin")
[ "$raw" = 0 ] || bx_fail "the raw image holds the plaintext marker $raw times"
echo "disk: raw image holds no plaintext marker"

tr -d '\r' <"$BX_SERIAL" | grep -a -v '^PPTG' | tail -n 15
if [ "$BX_FAILED" != 0 ]; then
	bx_explain
	exit 1
fi
echo "PASS: test guest under parapass on an encrypted disk (${BX_SECONDS}s)"
