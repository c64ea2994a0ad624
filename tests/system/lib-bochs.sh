#!/bin/sh
# lib-bochs.sh - shell helpers for running Bochs headless in system tests,
# sourced by tests/system/2x-bochs-*.sh (POSIX sh). Facts behind the
# settings: ../shared/notes/bochs.md. Executed directly (make check runs
# every tests/system/*.sh) it tests its own judge on made-up logs.
#
#   bx_init NAME            temp dir $BX_TMP (kept if PP_KEEP=1 or on failure),
#                           $ROOT, absolute $O, tool paths; fails if bochs is missing
#   bx_rc FILE              write a bochsrc from BX_DISK, BX_CDROM (optional),
#                           BX_BOOT (disk|cdrom), BX_CPU, BX_MEGS, BX_SERIAL, BX_LOG
#   bx_run RC SECONDS OUT   run Bochs until the guest stops it (0x8900 'D') or
#                           SECONDS pass (status 124); stdout/stderr to OUT
#   bx_markers LOG          the PPTG lines of a serial log, without CRs
#   tg_judge LOG            every required test-guest check passed, none failed
#                           or was skipped, and the DONE tally agrees
#   tg_expected OUT FIRST COUNT LOG
#                           the plaintext the guest left in sectors
#                           [FIRST, FIRST+COUNT): zeros plus the pattern of
#                           every PPTG-WROTE range
#   tg_check_area IMG FIRST COUNT LOG [KEY]
#                           IMG's sectors there (decrypted with KEY if given)
#                           equal tg_expected and hold the marker once per
#                           written sector
# shellcheck disable=SC2034  # TG_* areas are used by the scripts that source this
set -u

# Test-guest disk areas (tests/vtxguest/README.md): low and around LBA 2^24.
TG_LOW_FIRST=2048
TG_LOW_COUNT=2048
TG_HIGH_FIRST=$(((1 << 24) - 1024))
TG_HIGH_COUNT=2048
# Every check the guest must report as PASS: a missing one fails the run.
TG_REQUIRED="e820-map pci-ide identify set-xfer-mode pio16-rep pio32-rep pio16-single
pio32-single pio-multiple pio-multiple-ext pio-count256 chs dma lba48-pio lba48-dma300
cross-pio-dma cross-dma-pio dma-count256 hi-lba28-cross hi-lba48-dma srst-mid-pio
err-unknown-opcode err-denied-microcode err-denied-trim err-lba28-past-end err-lba48-past-end
err-lba48-hob err-write-past-end err-dma-past-end err-recovery flush mem-e801-88h
mem-probe-selftest mem-hidden"

# Record a failure and go on (scripts report every failure, then exit 1 at the end).
bx_fail() {
	echo "FAIL: $*" >&2
	BX_FAILED=1
}

bx_init() {
	ROOT=$(cd "$(dirname "$0")/../.." && pwd)
	O=${O:-build}
	case "$O" in /*) ;; *) O="$ROOT/$O" ;; esac
	XTS_ORACLE="$O/host/xts_oracle"
	TG_PATTERN="$O/host/tg_pattern"
	TG_BIN="$O/vtxguest/tg.bin"
	BX_FAILED=0
	BX_TMP=$(mktemp -d "${TMPDIR:-/tmp}/pp-$1.XXXXXX")
	trap 'bx_cleanup' EXIT
	trap 'exit 130' INT TERM
	command -v bochs >/dev/null 2>&1 || { bx_fail "bochs is not installed (scripts/deps.sh)"; exit 1; }
	for f in "$XTS_ORACLE" "$TG_PATTERN" "$TG_BIN"; do
		[ -e "$f" ] || { bx_fail "$f missing: make O=... testtools"; exit 1; }
	done
	BX_MEGS=${BX_MEGS:-256}
	BX_CPU=${BX_CPU:-corei7_skylake_x}
	BX_BOOT=${BX_BOOT:-disk}
	BX_CDROM=${BX_CDROM:-}
	BX_SERIAL="$BX_TMP/serial.out"
	BX_LOG="$BX_TMP/bochs.log"
}

bx_cleanup() {
	if [ "${PP_KEEP:-0}" = 1 ] || [ "$BX_FAILED" != 0 ]; then
		echo "kept for inspection: $BX_TMP" >&2
	else
		rm -rf "$BX_TMP"
	fi
}

bx_rc() {
	{
		echo "megs: $BX_MEGS"
		echo "romimage: file=/usr/share/bochs/BIOS-bochs-latest"
		echo "vgaromimage: file=/usr/share/vgabios/vgabios.bin"
		echo "display_library: term"
		echo "cpu: model=$BX_CPU, count=1, reset_on_triple_fault=0, ignore_bad_msrs=1"
		# sync=none: the TSC counts instructions, runs are repeatable.
		echo "clock: sync=none, time0=946684800"
		echo "pci: enabled=1, chipset=i440fx"
		echo "ata0-master: type=disk, path=$BX_DISK, mode=flat"
		[ -n "$BX_CDROM" ] && echo "ata1-master: type=cdrom, path=$BX_CDROM, status=inserted"
		echo "boot: $BX_BOOT"
		echo "com1: enabled=1, mode=file, dev=$BX_SERIAL"
		echo "port_e9_hack: enabled=1"
		echo "log: $BX_LOG"
		echo "panic: action=fatal"
		# Debian's ALSA plugin aborts without a sound card: keep every sound driver dummy.
		echo "speaker: enabled=0, mode=none"
		echo "sound: waveoutdrv=dummy, waveindrv=dummy, midioutdrv=dummy"
	} >"$1"
}

# Status: Bochs' own (0 after the guest's 'D' and the command file's quit), 124 on
# timeout, 125 when stopped because parapass halted (it never ends a run itself).
bx_run() {
	rc_file=$1 secs=$2 out=$3
	printf 'c\nquit\n' >"$BX_TMP/bochs.cmds"
	rm -f "$BX_SERIAL"
	t0=$(date +%s.%N)
	TERM=dumb timeout -s INT -k 10 "$secs" bochs -q -f "$rc_file" -rc "$BX_TMP/bochs.cmds" -unlock \
		</dev/null >"$out" 2>&1 &
	pid=$!
	halted=0
	while kill -0 "$pid" 2>/dev/null; do
		if [ "$halted" = 0 ] && grep -a -q "parapass vtx: halted" "$BX_SERIAL" 2>/dev/null; then
			halted=1
			sleep 1
			kill -INT "$pid" 2>/dev/null || true
		fi
		sleep 1
	done
	BX_STATUS=0
	wait "$pid" || BX_STATUS=$?
	[ "$halted" = 1 ] && BX_STATUS=125
	BX_SECONDS=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
	echo "bochs: status $BX_STATUS after ${BX_SECONDS}s"
}

bx_markers() {
	tr -d '\r' <"$1" | grep -a '^PPTG'
}

# Say what went wrong, briefly, from the logs of a failed run.
bx_explain() {
	echo "--- last serial lines:" >&2
	tr -d '\r' <"$BX_SERIAL" 2>/dev/null | tail -n 25 >&2
	echo "--- Bochs errors and panics:" >&2
	grep -a -E '^[0-9]+[ep]\[' "$BX_LOG" 2>/dev/null | tail -n 10 >&2
}

tg_judge() {
	log=$1
	bx_markers "$log" >"$BX_TMP/markers" || true
	done_line=$(grep -a '^PPTG DONE ' "$BX_TMP/markers" | tail -n 1)
	[ -n "$done_line" ] || { bx_fail "the guest never reported PPTG DONE"; return 1; }
	pass=$(echo "$done_line" | sed -n 's/.* pass=\([0-9]*\).*/\1/p')
	fail=$(echo "$done_line" | sed -n 's/.* fail=\([0-9]*\).*/\1/p')
	skip=$(echo "$done_line" | sed -n 's/.* skip=\([0-9]*\).*/\1/p')
	npass=$(grep -a -c '^PPTG [a-z0-9-]* PASS' "$BX_TMP/markers" || true)
	bad=0
	grep -a -E '^PPTG [a-z0-9-]+ (FAIL|SKIP)' "$BX_TMP/markers" >&2 && bad=1
	[ "$fail" = 0 ] && [ "$skip" = 0 ] && [ "$npass" = "$pass" ] || bad=1
	for c in $TG_REQUIRED; do
		grep -a -q "^PPTG $c PASS" "$BX_TMP/markers" || { echo "missing: $c" >&2; bad=1; }
	done
	[ "$bad" = 0 ] || { bx_fail "test guest: $done_line (PASS lines: $npass)"; return 1; }
	echo "test guest: $done_line"
}

tg_expected() {
	out=$1 first=$2 count=$3 log=$4
	rm -f "$out"
	truncate -s $((count * 512)) "$out"
	bx_markers "$log" | sed -n 's/^PPTG-WROTE \([0-9]*\) \([0-9]*\)$/\1 \2/p' |
	while read -r lba n; do
		[ "$lba" -ge "$first" ] && [ $((lba + n)) -le $((first + count)) ] || continue
		"$TG_PATTERN" range "$BX_TMP/range.bin" "$lba" "$n"
		dd if="$BX_TMP/range.bin" of="$out" bs=512 seek=$((lba - first)) conv=notrunc status=none
	done
}

tg_check_area() {
	img=$1 first=$2 count=$3 log=$4 key=${5:-}
	area="$BX_TMP/area-$first.bin"
	dd if="$img" of="$area" bs=512 skip="$first" count="$count" status=none
	if [ -n "$key" ]; then
		"$XTS_ORACLE" decrypt --key "$key" --first-lba "$first" "$area" "$area.plain"
		mv "$area.plain" "$area"
	fi
	tg_expected "$BX_TMP/expect-$first.bin" "$first" "$count" "$log"
	cmp -s "$area" "$BX_TMP/expect-$first.bin" ||
		{ bx_fail "sectors $first+$count differ from what the guest wrote"; return 1; }
	"$TG_PATTERN" marker "$BX_TMP/marker.bin"
	want=$(bx_markers "$log" | awk -v f="$first" -v c="$count" \
		'$1 == "PPTG-WROTE" && $2 >= f && $2 + $3 <= f + c { s += $3 } END { print s + 0 }')
	got=$("$XTS_ORACLE" find "$area" "$BX_TMP/marker.bin")
	[ "$want" -gt 0 ] && [ "$got" = "$want" ] ||
		{ bx_fail "sectors $first+$count: $got pattern sectors, want $want (> 0)"; return 1; }
	echo "disk: sectors $first+$count hold the $want sectors the guest wrote, zeros elsewhere"
}

# ---- run directly: the judge must fail what it should fail ----
bx_selftest_case() {
	want=$1 what=$2
	printf '%b' "$3" >"$BX_TMP/fake.log"
	if tg_judge "$BX_TMP/fake.log" >/dev/null 2>&1; then got=pass; else got=fail; fi
	BX_FAILED=0
	[ "$got" = "$want" ] || { echo "lib-bochs selftest: $what: judged $got, want $want" >&2; exit 1; }
}

bx_selftest() {
	BX_FAILED=0
	BX_TMP=$(mktemp -d "${TMPDIR:-/tmp}/pp-libbochs.XXXXXX")
	trap 'rm -rf "$BX_TMP"' EXIT
	all=""
	n=0
	for c in $TG_REQUIRED; do
		all="${all}PPTG $c PASS detail\r\n"
		n=$((n + 1))
	done
	bx_selftest_case pass "all required checks" "${all}PPTG DONE pass=$n fail=0 skip=0\r\n"
	bx_selftest_case fail "no DONE line" "$all"
	bx_selftest_case fail "a FAIL line" "${all}PPTG extra FAIL x\r\nPPTG DONE pass=$n fail=1 skip=0\r\n"
	bx_selftest_case fail "a SKIP" "${all}PPTG extra SKIP x\r\nPPTG DONE pass=$n fail=0 skip=1\r\n"
	bx_selftest_case fail "tally disagrees" "${all}PPTG DONE pass=$((n + 1)) fail=0 skip=0\r\n"
	bx_selftest_case fail "a required check missing" \
		"$(printf '%b' "$all" | grep -v 'mem-hidden')\r\nPPTG DONE pass=$((n - 1)) fail=0 skip=0\r\n"
	echo "lib-bochs.sh: judge self-test passed (6 cases)"
}

case "$(basename "$0")" in
lib-bochs.sh) set -e; bx_selftest ;;
esac
