#!/bin/sh
# 15-vtx-record.sh - "record on": parapass streams the guest's trapped accesses
# over COM2 in the trace format (replay/FORMAT.md) while the test guest runs;
# the trace ends with its end record (flushed before the power-off) and
# passes parapass trace-check. The log on COM1 is unchanged.
set -eu
. "$(dirname "$0")/15-vtx-lib.inc"
vtx_workdir
vtx_prepare
make --no-print-directory O="$O" "$O/host/parapass" >>"$W/make.log" 2>&1 || vtx_fail "make parapass"
printf 'disk ata0-master encrypt key=0\nunconfigured pass\nrecord on\n' >"$W/rec.cfg"
ISO="$W/rec.iso"
hal/vtx/mkusb.sh "$O/vtx/parapass.elf" "$W/rec.cfg" "$KEY" "$ISO" >/dev/null 2>&1 || vtx_fail "mkusb"
VTX_LOG="$W/serial.out"
vtx_bochs_rc corei7_skylake_x "com1: enabled=1, mode=file, dev=$VTX_LOG
com2: enabled=1, mode=file, dev=$W/trace.yaml"
rm -f "$VTX_LOG"
(cd "$W" && TERM=dumb exec timeout -s INT -k 10 240 bochs -q -f bochsrc -rc cmds -unlock \
	</dev/null >"$W/bochs.out" 2>&1) &
vtx_watch $!
[ "$VTX_RC" -eq 0 ] || vtx_fail "Bochs ended with status $VTX_RC"
vtx_has "recording the guest's trapped accesses to COM2"
vtx_has "PPVTX done"
out=$("$ROOT/$O/host/parapass" trace-check "$W/trace.yaml") || vtx_fail "trace-check: $out"
echo "$out" | grep -q "ins [1-9]" || vtx_fail "no REP INS in the trace: $out"
echo "PASS 15-vtx-record: $out"
