#!/bin/sh
# 15-vtx-bochs-neg.sh - on Bochs CPU models that lack a feature parapass needs,
# it names what is missing and halts before any guest code runs, and the
# encrypted guest disk is untouched (same hash before and after).
#   core2_penryn_t9600:  VMX without EPT (bochs.md)
#   corei5_lynnfield_750: EPT but no unrestricted guest
set -eu
. "$(dirname "$0")/15-vtx-lib.inc"
vtx_workdir
vtx_prepare
before=$(vtx_sum "$W/disk.img")
for case in "core2_penryn_t9600|missing CPU feature: EPT" \
	    "corei5_lynnfield_750|missing CPU feature: unrestricted guest"; do
	model=${case%%|*} want=${case#*|}
	vtx_bochs "$model" 180
	vtx_has "$want"
	vtx_has "this CPU lacks what parapass needs"
	vtx_has "parapass vtx: halted"
	vtx_lacks "entering the guest"
	vtx_lacks "PPVTX"
	[ "$(vtx_sum "$W/disk.img")" = "$before" ] || vtx_fail "$model: the guest disk changed"
	cp "$VTX_LOG" "$W/serial-$model.out"
	echo "ok $model: $want, halted, disk untouched"
done
echo "PASS 15-vtx-bochs-neg"
