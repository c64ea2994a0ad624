#!/bin/sh
# check-serial.sh - judge a guest run by its serial console log.
#
#   check-serial.sh SERIAL_LOG EXPECTED_CHECKS
#
# Prints the PPGUEST lines and passes (exit 0) only if there is no FAIL
# line and the run ended with "PPGUEST DONE pass=EXPECTED_CHECKS fail=0"
# (18 checks for the dma and pio workloads, 1 for workload=boot). Used by
# capture-qemu.sh, tests/system/10-qemu-guest.sh and any other runner.
set -eu

[ $# -eq 2 ] || { echo "usage: $0 SERIAL_LOG EXPECTED_CHECKS" >&2; exit 2; }
[ -f "$1" ] || { echo "check-serial: no log $1" >&2; exit 2; }

# The console ends lines with CR LF; kernel lines may be interleaved.
lines=$(tr -d '\r' <"$1" | grep -a '^PPGUEST ' || true)
[ -n "$lines" ] && echo "$lines"
done_line=$(echo "$lines" | grep '^PPGUEST DONE ' | tail -n 1)
fails=$(echo "$lines" | grep -c '^PPGUEST [^ ]* FAIL' || true)
case "$done_line" in
"PPGUEST DONE pass=$2 fail=0 "*) ;;
"") echo "check-serial: FAIL: no PPGUEST DONE line in $1" >&2; exit 1 ;;
*) echo "check-serial: FAIL: want pass=$2 fail=0, got: $done_line" >&2; exit 1 ;;
esac
[ "$fails" -eq 0 ] || { echo "check-serial: FAIL: $fails failed checks" >&2; exit 1; }
echo "check-serial: PASS ($2 checks)"
