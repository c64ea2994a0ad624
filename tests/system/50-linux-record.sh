#!/bin/sh
# 50-linux-record.sh - issue 8, record mode: the Linux guest's run under
# parapass with "record on", then the same run replayed on hal/sim.
#
# The make usb configuration plus "record on" streams every trapped access
# and DMA transfer over COM2 (replay/FORMAT.md) to $LL_W/trace.yaml while
# the guest boots from the encrypted disk and runs its workload. The header
# parapass writes has no disk (it cannot know the plaintext):
# scripts/trace-add-disk.sh names it - the plaintext guest image with its
# SHA-256, policy encrypt, the CI test key marked as a test key. Then
# "parapass replay --save-disk" runs the trace through vmm/ and ata/ on
# hal/sim, starting from that plaintext encrypted by OpenSSL - the very
# image Bochs started from, checked here - and writes the disk it ends with.
# Pass = the guest's 18 checks and the oracle's disk checks pass in Bochs,
# the trace is valid, the replay passes (every read matches, the oracle
# accepts the final disk) AND its final image equals, byte for byte, the
# image Bochs left. The trace is the corpus entry traces/README.md names
# (too large to commit: this script regenerates it), and so is its first
# part, cut by ll_trace_prefix into a self-contained trace under 1 MiB
# (traces/bochs-parapass-grub.yaml is one), which must replay too.
#
# PP_WORKLOAD=pio records the PIO workload instead (a smaller trace).
set -eu
# shellcheck source=tests/system/lib-linux.sh
. "$(dirname "$0")/lib-linux.sh"
wl=${PP_WORKLOAD:-dma}
ll_init linux-record
ll_build
ll_guest "$wl"
ll_encrypt
cp "$LL_W/disk.img" "$LL_W/disk-initial.img"
ll_record_iso
ll_rc parapass
ll_say "Bochs: parapass boots Linux from the encrypted disk, recording to COM2 ($wl workload)"
ll_run 1500
ll_judge_serial "$wl"
ll_judge_parapass
ll_has "recording the guest's trapped accesses to COM2"
ll_check_disk "$wl"

# The replay starts from OpenSSL's encryption of the plaintext: the same image Bochs started from.
"$XTS_ORACLE" encrypt --key "$LL_KEY" "$LL_W/guest/guest.img" "$LL_W/oracle-initial.img"
cmp -s "$LL_W/oracle-initial.img" "$LL_W/disk-initial.img" ||
	ll_fail "parapass crypt and the OpenSSL oracle encrypted the guest image differently"
rm -f "$LL_W/oracle-initial.img"

if [ -s "$LL_TRACE" ] && "$PARAPASS" trace-check "$LL_TRACE" >"$LL_W/trace-check.log" 2>&1; then
	ll_say "trace: $(sed 's/^[^:]*: //' "$LL_W/trace-check.log") ($(($(wc -c <"$LL_TRACE") / 1048576)) MiB)"
	# The corpus entry traces/bochs-parapass-grub.yaml is this prefix of such a run.
	prefix="$LL_W/bochs-parapass-grub.yaml"
	ll_trace_prefix "$LL_TRACE" "$LL_W/guest/guest.img" "$LL_KEY" "$prefix" 448
	if "$PARAPASS" replay "$prefix" >"$LL_W/replay-prefix.log" 2>&1 &&
		[ "$(wc -c <"$prefix")" -lt 1048576 ]; then
		ll_say "prefix: $(sed 's/^[^:]*: //' "$LL_W/replay-prefix.log" | head -n 1 | cut -d';' -f1)," \
			"$(($(wc -c <"$prefix") / 1024)) KiB, self-contained"
	else
		cat "$LL_W/replay-prefix.log" >&2
		ll_fail "the trace's self-contained prefix does not replay (or is not under 1 MiB)"
	fi
	"$ROOT/scripts/trace-add-disk.sh" "$LL_TRACE" "$LL_W/guest/guest.img" "$LL_KEY"
	if "$PARAPASS" replay --save-disk "$LL_W/replayed.img" "$LL_TRACE" >"$LL_W/replay.log" 2>&1; then
		ll_say "replay: $(sed 's/^[^:]*: //' "$LL_W/replay.log" | head -n 1)"
	else
		tail -n 5 "$LL_W/replay.log" >&2
		ll_fail "parapass replay of the recorded trace"
	fi
	if [ -f "$LL_W/replayed.img" ] && cmp "$LL_W/replayed.img" "$LL_W/disk.img" >"$LL_W/cmp.log" 2>&1; then
		ll_say "replay: the final image equals the one Bochs left, byte for byte" \
			"(sha256 $(sha256sum "$LL_W/disk.img" | cut -c1-16)...)"
	else
		head -n 3 "$LL_W/cmp.log" >&2
		ll_fail "the replayed disk differs from the disk Bochs left"
	fi
else
	cat "$LL_W/trace-check.log" >&2 2>/dev/null || true
	ll_fail "no valid trace on COM2"
fi
ll_finish
ll_say "PASS (${LL_SECONDS}s of Bochs)"
