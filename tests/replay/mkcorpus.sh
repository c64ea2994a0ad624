#!/bin/sh
# mkcorpus.sh - regenerate the committed trace corpus (traces/, see its
# README): the synthetic sim_drv traces, and prefixes of QEMU captures of
# the test guest built from Debian packages (SeaBIOS int13, Linux 6.1's
# ata_piix in DMA and in PIO mode), each cut at a command boundary and
# imported with the initial sectors it reads as an overlay, so that no
# disk image is committed. Every trace is replayed before it is kept.
#
#   O=build-x tests/replay/mkcorpus.sh [TRACES_DIR]
#
# Needs the packages of scripts/deps.sh, and the network once for the
# kernel package (then $PP_CACHE, default build/cache). Captures go to
# $O/replay-capture/ (the SeaBIOS one is about 600 MB of QEMU log).
set -eu

REPO=$(cd "$(dirname "$0")/../.." && pwd)
O=${O:-build}
P=$REPO/$O/host/parapass
T=${1:-$REPO/traces}
CAP=$REPO/$O/replay-capture

say() { echo "mkcorpus: $*" >&2; }
[ -x "$P" ] || { say "build $P first: make O=$O"; exit 2; }
mkdir -p "$T"

"$P" trace-synth "$T"

# import MODE NAME COMMANDS GUEST DRIVER: a prefix of the capture of MODE.
import() {
	mode=$1 name=$2 commands=$3 guest=$4 driver=$5
	qemu=$(sed -n "s/^QEMU_VERSION='QEMU emulator version \([^ ]*\).*/\1/p" "$CAP/$mode/capture.env")
	"$P" import qemu "$CAP/$mode/qemu-trace.log" --image "$CAP/$mode/disk-initial.img" \
		--writes "$CAP/$mode/wlog.bin" --overlay --commands "$commands" \
		--guest "$guest" --driver "$driver" --source "qemu $qemu tcg, PIIX3 IDE" \
		--date "$(date -u -r "$CAP/$mode/capture.env" +%Y-%m-%dT%H:%M:%SZ)" -o "$T/$name"
	"$P" replay "$T/$name"
}

for mode in seabios dma pio; do
	say "capturing $mode"
	"$REPO/tests/guest/capture-qemu.sh" "$mode" "$CAP/$mode"
done
# shellcheck disable=SC1091 # written by mkguest.sh
. "$CAP/dma/guest/guest.env"
SEABIOS=$(dpkg-query -W -f '${Version}' seabios)
GRUB=$(dpkg-query -W -f '${Version}' grub-pc-bin)

# SeaBIOS probes the disk and loads GRUB's boot sector, diskboot and the first 127 sectors of core.img.
import seabios qemu-seabios-int13.yaml 6 "SeaBIOS $SEABIOS booting GRUB $GRUB (i386-pc) from disk" int13
# Linux probes, reads the partition table, then the first O_DIRECT writes (4 KiB, 64 KiB).
import dma qemu-linux-dma.yaml 11 "Linux $KVER (Debian), test guest DMA workload" "ata_piix (MWDMA2)"
# PIO (libata.dma=0): READ/WRITE MULTIPLE, then a 376-sector WRITE MULTIPLE EXT (LBA48).
import pio qemu-linux-pio.yaml 12 "Linux $KVER (Debian), test guest PIO workload" \
	"ata_piix (libata.dma=0, multiple 16)"
ls -l "$T"/*.yaml >&2
