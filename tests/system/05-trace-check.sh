#!/bin/sh
# 05-trace-check.sh - "parapass trace-check" as scripts use it: exit 0 and
# one summary line per valid trace; exit 2 and a file:line:col message for
# a bad one, the valid ones in the same call still summarised; exit 2 for
# no arguments. Traces: the fuzzer's seed corpus (tests/fuzz/corpus/trace).
set -eu

REPO=$(cd "$(dirname "$0")/../.." && pwd)
P=$REPO/${O:-build}/host/parapass
C=$REPO/tests/fuzz/corpus/trace
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT

fail() { echo "05-trace-check: FAIL: $*" >&2; exit 1; }

"$P" trace-check "$C/allkinds.yaml" "$C/minimal.yaml" >"$D/out" || fail "valid traces refused"
grep -qx "$C/allkinds.yaml: ok: 6 events (in 1, out 1, ins 1, outs 0, dma-start 1, dma-done 1, irq 1), payload 32 bytes" "$D/out" ||
	fail "allkinds summary: $(cat "$D/out")"
grep -q "^$C/minimal.yaml: ok: 0 events " "$D/out" || fail "minimal summary: $(cat "$D/out")"

rc=0
"$P" trace-check "$C/minimal.yaml" "$C/truncated.yaml" "$C/bad_kinds.yaml" >"$D/out" 2>"$D/err" || rc=$?
[ "$rc" -eq 2 ] || fail "bad traces: exit $rc, want 2"
grep -q "^$C/minimal.yaml: ok: " "$D/out" || fail "the valid trace of a mixed call was not summarised"
grep -q "truncated.yaml:7:1: .*: the trace is truncated$" "$D/err" || fail "truncation: $(cat "$D/err")"
grep -q "bad_kinds.yaml:6:5: expected one event kind key in this mapping, got several$" "$D/err" ||
	fail "bad kinds: $(cat "$D/err")"

rc=0
"$P" trace-check 2>/dev/null || rc=$?
[ "$rc" -eq 2 ] || fail "no arguments: exit $rc, want 2"
rc=0
"$P" trace-check "$D/missing.yaml" 2>"$D/err" || rc=$?
[ "$rc" -eq 2 ] || fail "missing file: exit $rc, want 2"
grep -q "missing.yaml: No such file" "$D/err" || fail "missing file: $(cat "$D/err")"
echo "05-trace-check: ok"
