#!/bin/sh
# capture-qemu.sh - run the test guest in QEMU (TCG) and capture its ATA
# traffic: QEMU's ide_*/bmdma_* trace events and a blklogwrites log of every
# write's payload, for the record/replay importer (issue 5).
#
#   capture-qemu.sh MODE OUTDIR
#
# MODE dma      Linux's ata_piix workload with bus-master DMA (MWDMA2)
#      pio      the small workload with libata.dma=0 (PIO, READ/WRITE MULTIPLE)
#      seabios  SeaBIOS int13 loading GRUB, GRUB loading the kernel and the
#               initramfs; /init powers off at once (workload=boot), so the
#               capture ends when the kernel starts: libata is a module and
#               is never loaded, so Linux itself touches no ATA port
# dma and pio boot with -kernel/-initrd so that their trace holds Linux's
# traffic only, not the 10 MiB the BIOS would read in PIO to load it.
#
# OUTDIR gets: disk-initial.img (the disk before the run, untouched),
# disk.img (after it), qemu-trace.log, wlog.bin (dm-log-writes format),
# serial.log, capture.env (what ran, times, sizes, checksums) and guest/
# (mkguest.sh output). Pass = QEMU ends by itself, every PPGUEST check
# passes, and for dma/pio the pattern is on disk where the guest wrote it.
set -eu

REPO=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$REPO/tests/guest

usage() {
	echo "usage: $0 dma|pio|seabios OUTDIR" >&2
	exit 2
}
[ $# -eq 2 ] || usage
MODE=$1
OUT=$2
case "$MODE" in
dma) WL=dma LIMIT=300 EXPECT=18 ;;
pio) WL=pio LIMIT=900 EXPECT=18 ;;
seabios) WL=boot LIMIT=1200 EXPECT=1 ;;
*) usage ;;
esac

say() { echo "capture-qemu: $*" >&2; }
fail() { echo "capture-qemu: FAIL: $*" >&2; exit 1; }

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
"$HERE/mkguest.sh" "$OUT/guest" --workload "$WL"
# shellcheck disable=SC1091 # written by mkguest.sh
. "$OUT/guest/guest.env"
rm -f "$OUT/qemu-trace.log" "$OUT/wlog.bin" "$OUT/serial.log" "$OUT/capture.env"
cp "$OUT/guest/guest.img" "$OUT/disk-initial.img"
cp "$OUT/guest/guest.img" "$OUT/disk.img"
: >"$OUT/wlog.bin"

# The disk behind blklogwrites (../shared/notes/qemu.md), the only device on
# the primary channel; -nodefaults keeps QEMU's CD-ROM off the secondary.
set -- -machine pc -accel tcg -m 256 -nodefaults -display none -no-reboot \
	-serial "file:$OUT/serial.log" \
	-blockdev "driver=file,filename=$OUT/disk.img,node-name=base" \
	-blockdev "driver=file,filename=$OUT/wlog.bin,node-name=logf" \
	-blockdev "driver=blklogwrites,file=base,log=logf,log-sector-size=512,node-name=lw" \
	-device ide-hd,drive=lw,bus=ide.0,unit=0 \
	-trace 'ide_*' -trace 'bmdma_*' -D "$OUT/qemu-trace.log"
case "$MODE" in
dma) set -- "$@" -kernel "$OUT/guest/vmlinuz" -initrd "$OUT/guest/initrd.gz" -append "$CMDLINE_DMA" ;;
pio) set -- "$@" -kernel "$OUT/guest/vmlinuz" -initrd "$OUT/guest/initrd.gz" -append "$CMDLINE_PIO" ;;
seabios) set -- "$@" -boot c ;;
esac

say "$MODE: running QEMU (limit $LIMIT s)"
T0=$(date +%s.%N)
rc=0
timeout -k 10 "$LIMIT" qemu-system-x86_64 "$@" </dev/null || rc=$?
WALL=$(echo "$(date +%s.%N) $T0" | awk '{printf "%.1f", $1 - $2}')
[ "$rc" -eq 0 ] || fail "QEMU exit status $rc after $WALL s (124: time limit)"

"$HERE/check-serial.sh" "$OUT/serial.log" "$EXPECT" || fail "guest checks (see $OUT/serial.log)"
[ "$(sha256sum <"$OUT/disk-initial.img" | cut -d' ' -f1)" = "$IMG_SHA256" ] ||
	fail "disk-initial.img is not the image mkguest.sh made"
if [ "$MODE" != seabios ]; then
	"$HERE/pattern.sh" guest "$OUT/disk.img" "$OUT/guest/guest.env" "$MODE" ||
		fail "pattern not on disk where the guest wrote it"
	# The host's e2fsck agrees with the guest about the file system it made.
	dd if="$OUT/disk.img" of="$OUT/p3.img" bs=512 skip="$P3_LBA" count="$P3_SECTORS" status=none
	e2fsck -fn "$OUT/p3.img" >"$OUT/e2fsck.log" 2>&1 || fail "e2fsck of partition 3 (see $OUT/e2fsck.log)"
	rm -f "$OUT/p3.img"
fi

# What the trace holds: ATA commands by opcode (ACS-3 table 206 names in README).
TRACE_BYTES=$(stat -c %s "$OUT/qemu-trace.log")
TRACE_LINES=$(wc -l <"$OUT/qemu-trace.log")
CMDS=$(sed -n 's/^ide_exec_cmd .*cmd 0x\([0-9a-f]*\).*/\1/p' "$OUT/qemu-trace.log" |
	sort | uniq -c | awk '{printf "%s0x%s:%s", s, $2, $1; s=" "}')
cat >"$OUT/capture.env" <<ENV
# capture.env - written by tests/guest/capture-qemu.sh; shell syntax
MODE=$MODE
QEMU_VERSION='$(qemu-system-x86_64 --version | head -n 1)'
QEMU_ARGS='$(echo "$@" | sed "s|$OUT/||g")'
WALL_SECONDS=$WALL
TRACE_BYTES=$TRACE_BYTES
TRACE_LINES=$TRACE_LINES
WLOG_BYTES=$(stat -c %s "$OUT/wlog.bin")
ATA_COMMANDS='$CMDS'
DISK_INITIAL_SHA256=$IMG_SHA256
DISK_FINAL_SHA256=$(sha256sum <"$OUT/disk.img" | cut -d' ' -f1)
GUEST_DONE='$(tr -d '\r' <"$OUT/serial.log" | grep -a '^PPGUEST DONE' | tail -n 1)'
ENV
say "$MODE: PASS in $WALL s; trace $TRACE_BYTES bytes ($TRACE_LINES lines), write log" \
	"$(stat -c %s "$OUT/wlog.bin") bytes; commands $CMDS"
