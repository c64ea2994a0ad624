#!/bin/sh
# 40-replay-cli.sh - "parapass replay" and "parapass import qemu" as scripts
# use them: exit 0 and a pass line for a good trace; exit 1 naming the
# event and its line for an altered one; exit 2 with file:line:col for a
# truncated one (bad input wins over a mismatch); --json and --trace-out
# say what they should; an import of a hand-written QEMU log
# replays; a bad log is exit 2 with log:line.
set -eu

REPO=$(cd "$(dirname "$0")/../.." && pwd)
P=$REPO/${O:-build}/host/parapass
T=$REPO/traces
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT

fail() { echo "40-replay-cli: FAIL: $*" >&2; exit 1; }
status() { rc=0; "$@" >"$D/out" 2>"$D/err" || rc=$?; echo "$rc"; }

[ "$(status "$P" replay "$T/sim-pio.yaml")" = 0 ] || fail "sim-pio: $(cat "$D/out" "$D/err")"
grep -q "^$T/sim-pio.yaml: pass: .* events, .* commands" "$D/out" || fail "pass line: $(cat "$D/out")"

# The first settled status 0x50 (the next line writes) becomes 0x51.
L=$(awk '/^  - \{in: 0x1f7, width: 1, value: 0x50\}/ {s = NR; next} s && /^  - \{out/ {print s; exit} {s = 0}' \
	"$T/sim-pio.yaml")
sed "${L}s/value: 0x50}/value: 0x51}/" "$T/sim-pio.yaml" >"$D/bad.yaml"
[ "$(status "$P" replay "$D/bad.yaml")" = 1 ] || fail "altered status: $(cat "$D/err")"
grep -q "bad.yaml: mismatch: event [0-9]* (line $L): in 0x1f7 (status): expected 0x51, got 0x50$" \
	"$D/err" || fail "mismatch message: $(cat "$D/err")"

head -c 20000 "$T/sim-dma.yaml" >"$D/cut.yaml"
[ "$(status "$P" replay "$T/sim-busy.yaml" "$D/cut.yaml" "$D/bad.yaml")" = 2 ] ||
	fail "bad input must win: $(cat "$D/err")"
grep -q "cut.yaml: bad input: .*cut.yaml:[0-9]*:[0-9]*: .*the trace is truncated$" "$D/err" ||
	fail "truncated: $(cat "$D/err")"
grep -q "sim-busy.yaml: pass: " "$D/out" || fail "the good trace of a mixed call: $(cat "$D/out")"
[ "$(status "$P" replay)" = 2 ] || fail "no trace: exit status"

# Machine-readable output.
"$P" replay --json --trace-out "$D/pf.json" "$T/sim-dma.yaml" "$T/sim-pio.yaml" >"$D/json" ||
	fail "--json"
# (their JSON syntax is checked by the replay_prof suite's walker)
grep -q '^{"parapass-replay": 1, "traces": \[$' "$D/json" || fail "JSON head: $(head -c 200 "$D/json")"
[ "$(grep -c '"status": "pass", "exit": 0' "$D/json")" = 2 ] || fail "JSON: two passes"
n=1
for t in sim-dma sim-pio; do
	cmds=$(grep "$t.yaml" "$D/json" | sed -n 's/.*"events": [0-9]*, "commands": \([0-9]*\),.*/\1/p')
	[ -n "$cmds" ] && [ "$(grep -c '"ph": "X"' "$D/pf-$n.json")" = "$cmds" ] ||
		fail "pf-$n.json: one complete event per command ($cmds)"
	n=$((n + 1))
done

# An import of a hand-written QEMU log (READ SECTORS of LBA 1) replays.
head -c 1048576 /dev/zero >"$D/disk.img"
printf 'parapass\0' | dd of="$D/disk.img" bs=1 seek=512 conv=notrunc status=none
{
	for r in '6 0xe0' '2 0x01' '3 0x01' '4 0x00' '5 0x00' '7 0x20'; do
		set -- $r
		echo "ide_ioport_write IDE PIO wr @ 0x1f$1 (Reg); val $2; bus 0x1 IDEState 0x2"
	done
	echo "ide_exec_cmd IDE exec cmd: bus 0x1; state 0x2; cmd 0x20"
	echo "ide_ioport_read IDE PIO rd @ 0x1f7 (Status); val 0x58; bus 0x1 IDEState 0x2"
	for w in 0x6170 0x6172 0x6170 0x7373; do
		echo "ide_data_readw IDE PIO rd @ 0x1f0 (Data: Word); val $w; bus 0x1; IDEState 0x2"
	done
	n=4
	while [ $n -lt 256 ]; do
		echo "ide_data_readw IDE PIO rd @ 0x1f0 (Data: Word); val 0x0000; bus 0x1; IDEState 0x2"
		n=$((n + 1))
	done
	echo "ide_ioport_read IDE PIO rd @ 0x1f7 (Status); val 0x50; bus 0x1 IDEState 0x2"
} >"$D/qemu.log"
[ "$(status "$P" import qemu "$D/qemu.log" --image "$D/disk.img" -o "$D/imp.yaml")" = 0 ] ||
	fail "import: $(cat "$D/err")"
grep -q 'path: "disk.img"' "$D/imp.yaml" || fail "image path relative to the trace"
[ "$(status "$P" replay "$D/imp.yaml")" = 0 ] || fail "imported trace: $(cat "$D/err")"
sed 's/val 0x7373/val 0x7374/' "$D/qemu.log" >"$D/wrong.log"
[ "$(status "$P" import qemu "$D/wrong.log" --image "$D/disk.img" -o "$D/w.yaml")" = 2 ] ||
	fail "import of data the image does not hold"
grep -q "wrong.log:[0-9]*: PIO data of LBA 1 is not the image's" "$D/err" || fail "$(cat "$D/err")"
[ "$(status "$P" import qemu "$D/qemu.log")" = 2 ] || fail "import without --image"
echo "40-replay-cli: ok"
