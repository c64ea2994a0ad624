#!/bin/sh
# 20-bochs-baseline.sh - the project's test guest on a plaintext disk in
# plain Bochs (no parapass): the baseline for 21 and the test of the guest
# itself. Pass = every required PPTG check passes AND the disk afterwards
# holds exactly what the guest says it wrote, in both test areas.
set -eu
# shellcheck source=tests/system/lib-bochs.sh
. "$(dirname "$0")/lib-bochs.sh"
bx_init baseline

BX_DISK="$BX_TMP/tg.img"
BX_BOOT=disk
"$ROOT/tests/vtxguest/mkdisk.sh" "$TG_BIN" "$BX_DISK"
bx_rc "$BX_TMP/bochsrc"
bx_run "$BX_TMP/bochsrc" 120 "$BX_TMP/bochs.out"
[ "$BX_STATUS" = 0 ] || bx_fail "bochs ended with status $BX_STATUS"
tg_judge "$BX_SERIAL" || true
tg_check_area "$BX_DISK" "$TG_LOW_FIRST" "$TG_LOW_COUNT" "$BX_SERIAL" || true
tg_check_area "$BX_DISK" "$TG_HIGH_FIRST" "$TG_HIGH_COUNT" "$BX_SERIAL" || true
bx_markers "$BX_SERIAL" | grep -a '^PPTG-INFO tsc-delta' || true
if [ "$BX_FAILED" != 0 ]; then
	bx_explain
	exit 1
fi
echo "PASS: test guest baseline in plain Bochs (${BX_SECONDS}s)"
