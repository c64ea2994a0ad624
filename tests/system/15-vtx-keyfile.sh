#!/bin/bash
# 15-vtx-keyfile.sh - the key as a wrapped parapass key file (issue 7): at boot
# parapass asks for the passphrase on the serial console; a wrong one is
# refused and asked again, the right one unwraps the key, and the guest boots
# from a disk encrypted with it. The passphrase never appears in the log, and
# "record on" is refused (the trace would carry the protected disk's plaintext).
# bash for /dev/tcp: Bochs' COM1 is a TCP socket here, so the test can type.
set -eu
. "$(dirname "$0")/15-vtx-lib.inc"
vtx_workdir
vtx_prepare
make --no-print-directory O="$O" "$O/host/parapass" >>"$W/make.log" 2>&1 || vtx_fail "make parapass"
PP="$ROOT/$O/host/parapass"
printf 'correct horse\n' >"$W/pass"
"$PP" keygen "$W/k.ppkey" --passphrase-file "$W/pass" --iterations 1000 >/dev/null 2>&1 ||
	vtx_fail "parapass keygen"
"$PP" key-export --key "$W/k.ppkey" --passphrase-file "$W/pass" >"$W/k.raw" || vtx_fail "key-export"
"$ORACLE" encrypt --key "$W/k.raw" "$W/plain.img" "$W/disk.img" || vtx_fail "xts_oracle encrypt"
ISO="$W/keyfile.iso"
# "record on" too: with a passphrase-protected key it must be refused (no plaintext over COM2).
printf 'disk ata0-master encrypt key=0\nunconfigured pass\nrecord on\n' >"$W/keyfile.cfg"
hal/vtx/mkusb.sh "$O/vtx/parapass.elf" "$W/keyfile.cfg" "$W/k.ppkey" "$ISO" >/dev/null 2>&1 ||
	vtx_fail "mkusb with a key file"

port=$((15000 + $$ % 2000))
vtx_bochs_rc corei7_skylake_x "com1: enabled=1, mode=socket-server, dev=localhost:$port"
(cd "$W" && TERM=dumb exec timeout -s INT -k 10 240 bochs -q -f bochsrc -rc cmds -unlock \
	</dev/null >"$W/bochs.out" 2>&1) &
pid=$!
for _ in $(seq 100); do exec 3<>"/dev/tcp/127.0.0.1/$port" 2>/dev/null && break; sleep 0.2; done 2>/dev/null
VTX_LOG="$W/serial.out"
: >"$VTX_LOG"
buf="" typed=0
while :; do
	if ! IFS= read -r -t 2 -N 1 c <&3; then
		kill -0 "$pid" 2>/dev/null || break   # EOF or a quiet moment: is Bochs still there?
		continue
	fi
	printf '%s' "$c" >>"$VTX_LOG"
	buf="$buf$c"
	[ ${#buf} -le 200 ] || buf=${buf: -100}
	case "$buf" in
	*"passphrase for key 0: ")
		buf=""
		if [ $typed = 0 ]; then printf 'wrong horse\r' >&3; else printf 'correct horse\r' >&3; fi
		typed=$((typed + 1)) ;;
	*"parapass vtx: halted") kill -INT "$pid" 2>/dev/null || true ;;
	esac
done
VTX_RC=0
wait "$pid" || VTX_RC=$?
[ "$typed" = 2 ] || vtx_fail "asked for the passphrase $typed times, want 2"
vtx_has "key 0: wrong passphrase"
vtx_has "mediator started: 1 key(s)"
vtx_has "PPVTX write-readback OK"
vtx_has "PPVTX done"
vtx_lacks "horse"
vtx_has "record on refused: a key is passphrase-protected"
vtx_lacks "recording the guest's trapped accesses"
[ "$VTX_RC" -eq 0 ] || vtx_fail "Bochs ended with status $VTX_RC"
echo "PASS 15-vtx-keyfile: wrong passphrase refused, right one unwrapped the key, guest booted, recording refused"
