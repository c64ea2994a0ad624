#!/bin/sh
# 10-qemu-guest.sh - the test guest is sound on its own, before it ever runs
# under parapass: build it (tests/guest/mkguest.sh; fast with a warm cache)
# and boot it in QEMU (TCG) the way a machine would, SeaBIOS -> GRUB from
# the image's MBR -> Linux, running the DMA workload with no capture.
#
# Pass = QEMU ends by itself within the time limit, GRUB ran its entry,
# every PPGUEST check passes, the pattern is on disk where the guest wrote
# it and nowhere in the image before the run, and the host's e2fsck agrees
# with the file system the guest made. Output under ${O:-build}/system/.
set -eu

REPO=$(cd "$(dirname "$0")/../.." && pwd)
GUEST=$REPO/tests/guest
OUT=$REPO/${O:-build}/system/qemu-guest
LIMIT=150

fail() { echo "10-qemu-guest: FAIL: $*" >&2; exit 1; }

T0=$(date +%s)
mkdir -p "$OUT"
"$GUEST/mkguest.sh" "$OUT/guest" --workload dma
# shellcheck disable=SC1091 # written by mkguest.sh
. "$OUT/guest/guest.env"
"$GUEST/pattern.sh" count "$OUT/guest/guest.img" --none ||
	fail "the fresh image already holds the pattern marker"
cp "$OUT/guest/guest.img" "$OUT/disk.img"
rm -f "$OUT/serial.log"

T1=$(date +%s)
rc=0
timeout -k 10 "$LIMIT" qemu-system-x86_64 -machine pc -accel tcg -m 256 -nodefaults \
	-display none -no-reboot -serial "file:$OUT/serial.log" \
	-drive "file=$OUT/disk.img,format=raw,if=ide,index=0" </dev/null || rc=$?
T2=$(date +%s)
[ "$rc" -eq 0 ] || fail "QEMU exit status $rc after $((T2 - T1)) s (124: over $LIMIT s)"
tr -d '\r' <"$OUT/serial.log" | grep -q '^PPGRUB loading dma' ||
	fail "GRUB did not run its dma entry (see $OUT/serial.log)"
"$GUEST/check-serial.sh" "$OUT/serial.log" 18 || fail "guest checks (see $OUT/serial.log)"
"$GUEST/pattern.sh" guest "$OUT/disk.img" "$OUT/guest/guest.env" dma ||
	fail "pattern not where the guest wrote it"
dd if="$OUT/disk.img" of="$OUT/p3.img" bs=512 skip="$P3_LBA" count="$P3_SECTORS" status=none
e2fsck -fn "$OUT/p3.img" >"$OUT/e2fsck.log" 2>&1 || fail "e2fsck of partition 3 (see $OUT/e2fsck.log)"
rm -f "$OUT/p3.img"
echo "10-qemu-guest: PASS (build $((T1 - T0)) s, QEMU $((T2 - T1)) s)"
