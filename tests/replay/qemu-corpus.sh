#!/bin/sh
# qemu-corpus.sh - the corpus traces too big to commit, made at test time
# and replayed: the test guest (Debian's Linux 6.1, ata_piix) runs its whole
# disk workload in QEMU in DMA mode (about 15 MiB moved, LBA48 transfers of
# 512 KiB) and in PIO mode (libata.dma=0, READ/WRITE MULTIPLE (EXT)); each
# capture is imported with its disk image and replayed with the profile.
# Part of "make check-replay" (REPLAY_QEMU=0 leaves it out).
#
#   O=build-x tests/replay/qemu-corpus.sh [OUTDIR]     (default $O/replay-corpus)
#
# Needs the packages of scripts/deps.sh and, once, the network for the
# kernel package (tests/guest/mkguest.sh caches it in $PP_CACHE).
set -eu

REPO=$(cd "$(dirname "$0")/../.." && pwd)
O=${O:-build}
P=$REPO/$O/host/parapass
OUT=${1:-$REPO/$O/replay-corpus}

say() { echo "qemu-corpus: $*" >&2; }
fail() { echo "qemu-corpus: FAIL: $*" >&2; exit 1; }
[ -x "$P" ] || { say "build $P first: make O=$O"; exit 2; }
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

for mode in dma pio; do
	cap=$OUT/cap-$mode
	t0=$(date +%s)
	"$REPO/tests/guest/capture-qemu.sh" "$mode" "$cap" || fail "$mode capture"
	# shellcheck disable=SC1091 # written by mkguest.sh
	. "$cap/guest/guest.env"
	"$P" import qemu "$cap/qemu-trace.log" --image "$cap/disk-initial.img" \
		--writes "$cap/wlog.bin" --guest "Linux $KVER (Debian), test guest $mode workload" \
		--driver ata_piix --source "qemu tcg, PIIX3 IDE" -o "$OUT/qemu-linux-$mode-full.yaml" ||
		fail "$mode import"
	"$P" replay --profile "$OUT/qemu-linux-$mode-full.yaml" || fail "$mode replay"
	say "$mode: captured, imported and replayed in $(($(date +%s) - t0)) s;" \
		"trace $(stat -c %s "$OUT/qemu-linux-$mode-full.yaml") bytes"
done
