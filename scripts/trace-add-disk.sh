#!/bin/sh
# trace-add-disk.sh - give a trace that parapass recorded over COM2 the disk
# it lacks, so that "parapass replay" can run it.
#
#   trace-add-disk.sh TRACE PLAIN_IMAGE TEST_KEY [OUT]
#
# parapass cannot know a disk's plaintext at boot, so hal/vtx writes
# "disks: []" and no key (hal/vtx/README.md, "Recording"). This step names
# the disk the guest booted from: ata0-master, the image's size and the
# 16-head, 63-sector geometry Bochs gives a flat image, policy encrypt,
# content the plaintext image (path relative to OUT's folder, its SHA-256)
# and the 64-byte raw key it was encrypted with, marked as a test key
# (replay/FORMAT.md, "Disks" and "Key"). Only for test keys: the key's hex
# ends up in the trace. Nothing else changes; OUT defaults to TRACE
# (rewritten in place). The result passes "parapass trace-check".
set -eu

die() { echo "trace-add-disk: $*" >&2; exit 2; }

[ $# -eq 3 ] || [ $# -eq 4 ] || die "usage: $0 TRACE PLAIN_IMAGE TEST_KEY [OUT]"
trace=$1 image=$2 key=$3 out=${4:-$1}
[ -r "$trace" ] && [ -r "$image" ] && [ -r "$key" ] || die "cannot read $trace, $image or $key"
[ "$(wc -c <"$key")" -eq 64 ] || die "$key: want one raw 64-byte test key"
bytes=$(wc -c <"$image")
[ $((bytes % 512)) -eq 0 ] && [ "$bytes" -gt 0 ] || die "$image: not a whole number of sectors"
sectors=$((bytes / 512))
# A trace straight from the recorder: no disks, no key, yet.
head -n 40 "$trace" | grep -q '^disks: \[\]$' || die "$trace: no 'disks: []' line in its header"
if head -n 40 "$trace" | grep -q '^key:'; then die "$trace: already has a key"; fi

# The image's path as seen from OUT's folder (the replay resolves it there).
outdir=$(cd "$(dirname "$out")" && pwd)
imgabs=$(cd "$(dirname "$image")" && pwd)/$(basename "$image")
case "$imgabs" in
"$outdir"/*) rel=${imgabs#"$outdir"/} ;;
*) rel=$(realpath --relative-to="$outdir" "$imgabs") ;;
esac
sum=$(sha256sum "$image" | cut -d' ' -f1)
hex=$(od -An -v -tx1 "$key" | tr -d ' \n')
disk="  - {channel: 0, drive: 0, sectors: $sectors, cyls: $((sectors / 1008)), heads: 16, spt: 63,"
disk="$disk policy: encrypt, content: image, path: \"$rel\", sha256: \"$sum\"}"

tmp="$out.tmp.$$"
trap 'rm -f "$tmp"' EXIT INT TERM
# Only the header changes: the first "disks: []" and the line before the first "events:".
awk -v disk="$disk" -v hex="$hex" '
	!body && $0 == "disks: []" { print "disks:"; print disk; next }
	!body && $0 == "events:" { printf "key: {test-key: true, xts: \"%s\"}\n", hex; body = 1 }
	{ print }' "$trace" >"$tmp"
mv "$tmp" "$out"
trap - EXIT INT TERM
echo "trace-add-disk: $out: ata0-master, $sectors sectors, encrypt, content $rel (sha256 ${sum%"${sum#????????????????}"}...), test key"
