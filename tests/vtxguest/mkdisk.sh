#!/bin/sh
# mkdisk.sh TG_BIN OUT.img [small] - the test guest's disk, plaintext:
# the guest image from LBA 0, zeros elsewhere. Sparse: only the guest's
# sectors take space. Default 16646 cylinders x 16 heads x 63 sectors
# (8.0 GiB; whole cylinders, as Bochs wants) so the high test area around
# LBA 2^24 exists; "small" makes 8 cylinders (3.9 MiB), which skips the
# high checks. Layout: tests/vtxguest/README.md.
set -eu

bin=${1:?usage: mkdisk.sh TG_BIN OUT.img [small]}
img=${2:?usage: mkdisk.sh TG_BIN OUT.img [small]}
cyls=16646
[ "${3:-}" = small ] && cyls=8

rm -f "$img"
dd if="$bin" of="$img" bs=512 conv=notrunc status=none
truncate -s $((cyls * 16 * 63 * 512)) "$img"
