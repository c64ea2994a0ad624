#!/bin/sh
# pattern.sh - check the guest workload's sector pattern in a disk image.
# Builds the host tool ppscan (ppscan_main.c + pattern.c) with gcc into
# ${O:-build}/guest-tools/ when its sources are newer, then runs it.
#
#   pattern.sh verify IMAGE PART COUNT [SEED]   first COUNT sectors of MBR
#                                               partition PART hold the pattern
#   pattern.sh count IMAGE [--none]             markers and pattern sectors
#                                               anywhere; --none: fail on any
#   pattern.sh guest IMAGE GUEST_ENV dma|pio    after a full workload run on a
#                                               (decrypted) image: verify the
#                                               area the run wrote, then count
#
# Exit status: 0 as expected, 1 not as expected, 2 bad usage or input.
set -eu

REPO=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$REPO/tests/guest
TOOLS=$REPO/${O:-build}/guest-tools
PPSCAN=$TOOLS/ppscan

build_ppscan() {
	for src in "$HERE/ppscan_main.c" "$HERE/pattern.c" "$HERE/pattern.h"; do
		if [ ! -x "$PPSCAN" ] || [ "$src" -nt "$PPSCAN" ]; then
			mkdir -p "$TOOLS"
			gcc -std=gnu11 -O2 -Wall -Wextra -Werror -Wshadow -Wformat=2 -I"$REPO" \
				-o "$PPSCAN.tmp" "$HERE/ppscan_main.c" "$HERE/pattern.c"
			mv "$PPSCAN.tmp" "$PPSCAN"
			return
		fi
	done
}

build_ppscan
[ $# -ge 1 ] || exec "$PPSCAN"
case "$1" in
guest)
	[ $# -eq 4 ] || { echo "usage: $0 guest IMAGE GUEST_ENV dma|pio" >&2; exit 2; }
	# shellcheck disable=SC1090 # written by mkguest.sh
	. "$3"
	case "$4" in
	dma) n=$DMA_PATTERN_SECTORS ;;
	pio) n=$PIO_PATTERN_SECTORS ;;
	*) echo "pattern.sh: workload $4: dma or pio" >&2; exit 2 ;;
	esac
	"$PPSCAN" verify "$2" 2 "$n" "$SEED"
	exec "$PPSCAN" count "$2"
	;;
*) exec "$PPSCAN" "$@" ;;
esac
