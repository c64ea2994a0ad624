#!/bin/sh
# build.sh OUTDIR - build the parapass test guest: OUTDIR/tg.elf (with
# symbols, for debugging) and OUTDIR/tg.bin (the raw image: boot sector
# first, then what it loads). gcc, as, ld and objcopy only.
set -eu

out=${1:?usage: build.sh OUTDIR}
src=$(cd "$(dirname "$0")" && pwd)
CC=${CC:-gcc}
mkdir -p "$out"

# 32-bit, freestanding, no SSE (never enabled), no PIC, no libgcc: a
# 64-bit division would be an undefined __udivdi3 and fail the link.
cflags="-std=gnu11 -m32 -march=i686 -O2 -g -ffreestanding -nostdinc
	-isystem $($CC -m32 -print-file-name=include) -fno-pic -fno-pie
	-fno-stack-protector -fno-asynchronous-unwind-tables -fcf-protection=none
	-mgeneral-regs-only -Wall -Wextra -Werror -Wmissing-prototypes
	-Wstrict-prototypes -Wshadow -Wpointer-arith -Wwrite-strings -Wvla
	-Wundef -Wimplicit-fallthrough -Wformat=2"

objs=""
for f in "$src"/tg_boot.S "$src"/tg_*.c; do
	o="$out/$(basename "$f" | sed 's/\.[cS]$/.o/')"
	# shellcheck disable=SC2086
	$CC $cflags -c "$f" -o "$o"
	objs="$objs $o"
done
# shellcheck disable=SC2086
ld -m elf_i386 -nostdlib --no-warn-rwx-segments -T "$src/tg.ld" -o "$out/tg.elf" $objs
objcopy -O binary "$out/tg.elf" "$out/tg.bin"
size=$(stat -c %s "$out/tg.bin")
if [ $((size % 512)) -ne 0 ] || [ "$size" -gt 65536 ]; then
	echo "build.sh: tg.bin is $size bytes: want whole sectors, at most 64 KiB" >&2
	exit 1
fi
echo "build.sh: $out/tg.bin ($((size / 512)) sectors)"
