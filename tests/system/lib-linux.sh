#!/bin/sh
# lib-linux.sh - the real Linux guest (tests/guest/) under Bochs, with and
# without parapass: sourced by tests/system/50-linux-*.sh, scripts/demo.sh
# and scripts/bench-system.sh (POSIX sh). Issue 8; facts behind the Bochs
# settings: ../shared/notes/bochs.md and vtx.md. Executed directly (make
# check runs every tests/system/*.sh) it tests its own parsers and judges on
# made-up logs.
#
#   ll_init NAME            $LL_W = $O/system/NAME, fresh; $ROOT, absolute $O,
#                           tool paths; fails if bochs is missing
#   ll_build                make usb testtools parapass in $O (log: $LL_W/make.log);
#                           $LL_ISO / $LL_KEY: the make usb image and its CI test key
#   ll_guest dma|pio        tests/guest/mkguest.sh into $LL_W/guest, guest.env sourced
#   ll_encrypt              $LL_W/disk.img: guest.img encrypted by parapass crypt
#                           encrypt --raw-key $LL_KEY (the whole disk, MBR included)
#   ll_record_iso           $LL_ISO becomes a copy of the image with "record on"
#   ll_rc parapass|plain    $LL_W/bochsrc: the CD always in ata1-master; parapass
#                           boots from it, plain boots the (plaintext) disk
#   ll_run LIMIT            Bochs until the guest powers off, parapass halts or
#                           LIMIT seconds pass; progress lines on stdout;
#                           $LL_STATUS (0 = ended as it should), $LL_SECONDS
#   ll_judge_serial WL      every PPGUEST check passed (tests/guest/check-serial.sh)
#   ll_judge_parapass       parapass started, booted the guest through the mediator,
#                           printed its profile at the ACPI power-off, no error
#   ll_check_disk WL        the oracle's verdict on $LL_W/disk.img afterwards
#   ll_ticks                Bochs' tick count at the end of the run (instructions)
#   ll_profile LOG          the exit profile as $LL_P_* variables
#   ll_guest_figures LOG    the guest's own figures as $LL_G_* variables
#   ll_key_fingerprint KEY  parapass's fingerprint of a raw key (never the key)
#
# Failures are recorded with ll_fail and the script goes on, so one run
# reports everything that went wrong; ll_finish exits 1 if anything failed.
set -u

LL_FAILED=0
LL_PROGRESS=${LL_PROGRESS:-lines} # lines | quiet | demo (kernel lines too, a spinner on a tty)

ll_fail() {
	echo "FAIL: $*" >&2
	LL_FAILED=1
}

ll_say() {
	echo "${LL_NAME:-lib-linux}: $*"
}

ll_init() {
	LL_NAME=$1
	ROOT=$(cd "$(dirname "$0")/../.." && pwd)
	[ -f "$ROOT/tests/system/lib-linux.sh" ] || ROOT=$(cd "$(dirname "$0")/.." && pwd)
	O=${O:-build}
	case "$O" in /*) ;; *) O="$ROOT/$O" ;; esac
	LL_W="$O/system/$1"
	rm -rf "$LL_W"
	mkdir -p "$LL_W"
	XTS_ORACLE="$O/host/xts_oracle"
	PARAPASS="$O/host/parapass"
	LL_SERIAL="$LL_W/serial.out"
	LL_TRACE=""
	command -v bochs >/dev/null 2>&1 || { ll_fail "bochs is not installed (scripts/deps.sh)"; exit 1; }
}

ll_finish() {
	if [ "$LL_FAILED" != 0 ]; then
		echo "kept for inspection: $LL_W" >&2
		exit 1
	fi
}

ll_build() {
	make --no-print-directory -C "$ROOT" O="$O" usb testtools "$O/host/parapass" \
		>"$LL_W/make.log" 2>&1 || { tail -20 "$LL_W/make.log" >&2; ll_fail "make usb testtools parapass"; exit 1; }
	LL_ISO="$O/usb/parapass.iso"
	LL_KEY="$O/usb/ci-test-key.bin"
	LL_CFG="$O/usb/ci-test.cfg"
}

ll_guest() {
	"$ROOT/tests/guest/mkguest.sh" "$LL_W/guest" --workload "$1" >"$LL_W/mkguest.log" 2>&1 ||
		{ cat "$LL_W/mkguest.log" >&2; ll_fail "mkguest.sh"; exit 1; }
	# shellcheck disable=SC1091 # written by mkguest.sh
	. "$LL_W/guest/guest.env"
}

ll_encrypt() {
	cp "$LL_W/guest/guest.img" "$LL_W/disk.img"
	"$PARAPASS" crypt encrypt "$LL_W/disk.img" --raw-key "$LL_KEY" >"$LL_W/crypt.log" 2>&1 ||
		{ cat "$LL_W/crypt.log" >&2; ll_fail "parapass crypt encrypt"; exit 1; }
	if cmp -s -n 512 "$LL_W/disk.img" "$LL_W/guest/guest.img"; then
		ll_fail "set-up: the MBR is still plaintext after parapass crypt encrypt"
		exit 1
	fi
	sha256sum "$LL_W/disk.img" | cut -d' ' -f1 >"$LL_W/disk-initial.sha256"
}

# The same image with "record on" added to its configuration: the trace goes to COM2.
ll_record_iso() {
	{ cat "$LL_CFG"; echo "record on"; } >"$LL_W/record.cfg"
	"$ROOT/hal/vtx/mkusb.sh" "$O/vtx/parapass.elf" "$LL_W/record.cfg" "$LL_KEY" \
		"$LL_W/parapass-record.iso" >>"$LL_W/make.log" 2>&1 || { ll_fail "mkusb.sh (record on)"; exit 1; }
	LL_ISO="$LL_W/parapass-record.iso"
	LL_TRACE="$LL_W/trace.yaml"
}

# ll_rc parapass|plain [DISK]: DISK defaults to $LL_W/disk.img.
ll_rc() {
	case "$1" in
	parapass) boot=cdrom ;;
	plain) boot=disk ;;
	*) ll_fail "ll_rc: $1"; exit 2 ;;
	esac
	LL_DISK=${2:-$LL_W/disk.img}
	{
		echo "megs: 256"
		echo "romimage: file=/usr/share/bochs/BIOS-bochs-latest"
		echo "vgaromimage: file=/usr/share/vgabios/vgabios.bin"
		echo "display_library: term"
		echo "cpu: model=corei7_skylake_x, count=1, reset_on_triple_fault=0, ignore_bad_msrs=1"
		# sync=none: the TSC counts instructions, runs are exact and repeatable.
		echo "clock: sync=none, time0=946684800"
		echo "pci: enabled=1, chipset=i440fx"
		echo "ata0-master: type=disk, path=$LL_DISK, mode=flat"
		# The CD is there in both modes, so Linux probes the same devices.
		echo "ata1-master: type=cdrom, path=$LL_ISO, status=inserted"
		echo "boot: $boot"
		echo "com1: enabled=1, mode=file, dev=$LL_SERIAL"
		[ -n "$LL_TRACE" ] && echo "com2: enabled=1, mode=file, dev=$LL_TRACE"
		echo "port_e9_hack: enabled=1"
		echo "log: $LL_W/bochs.log"
		echo "panic: action=fatal"
		echo "speaker: enabled=0"
		echo "sound: driver=dummy"
	} >"$LL_W/bochsrc"
	printf 'c\nquit\n' >"$LL_W/bochs.cmds"
}

# What the run is doing, from the last line of interest in the serial log.
ll_phase() {
	[ -f "$LL_SERIAL" ] || { echo "firmware: GRUB loading parapass from the CD"; return; }
	tr -d '\r' <"$LL_SERIAL" | awk '
		/^parapass vtx: entering the guest/ { p = "guest firmware: GRUB from the encrypted disk" }
		/^parapass / && p == "" { p = "parapass starting" }
		/^PPGRUB loading/ { p = "GRUB: loading Linux and the initramfs" }
		/^\[ *[0-9]+\.[0-9]+\] Linux version/ { p = "Linux booting" }
		/^PPGUEST [a-z0-9-]+ (PASS|FAIL)/ { p = "workload: after " $2 }
		/^PPGUEST boot / { p = "workload: loading the ATA and ext4 modules" }
		/^PPGUEST DONE/ { p = "powering off" }
		/^parapass prof: exit profile/ { p = "parapass: exit profile" }
		END { print p == "" ? "firmware: GRUB loading parapass from the CD" : p }'
}

# Lines worth showing while Bochs runs; demo mode adds the key kernel lines.
ll_show_filter() {
	if [ "$LL_PROGRESS" = demo ]; then
		grep -a -E '^(PPGUEST|PPGRUB|parapass vtx: (mediator started|entering|guest:|hidden)|parapass ata: ata0-master)|Linux version|ata[12](\.00)?: (PATA|ATA-|ATAPI)|\[sda\] [0-9]+ 512-byte| sda: sda|Power down' |
			sed -e 's/^\[ *[0-9.]*\] //' -e 's/^\(Linux version [^ ]*\) .*/\1/'
	else
		grep -a -E '^(PPGUEST|PPGRUB)'
	fi
}

# New serial lines since the last call (count in $LL_SEEN), filtered, with the elapsed time.
ll_show_new() {
	[ -f "$LL_SERIAL" ] || return 0
	tr -d '\r' <"$LL_SERIAL" >"$LL_W/serial.now"
	n=$(wc -l <"$LL_W/serial.now")
	[ "$n" -gt "$LL_SEEN" ] || return 0
	t=$(($(date +%s) - LL_T0))
	tail -n +"$((LL_SEEN + 1))" "$LL_W/serial.now" | head -n "$((n - LL_SEEN))" | ll_show_filter |
		while IFS= read -r l; do printf '%s[%3ds] %s\n' "$LL_CLEAR" "$t" "$l"; done
	LL_SEEN=$n
}

ll_run() {
	limit=$1
	rm -f "$LL_SERIAL" "$LL_W/bochs.out"
	[ -n "$LL_TRACE" ] && rm -f "$LL_TRACE"
	LL_T0=$(date +%s)
	LL_SEEN=0
	LL_CLEAR=""
	spin=0
	[ "$LL_PROGRESS" = demo ] && [ -t 1 ] && LL_CLEAR=$(printf '\r\033[K')
	(cd "$LL_W" && TERM=dumb exec timeout -s INT -k 10 "$limit" bochs -q -f bochsrc \
		-rc bochs.cmds -unlock </dev/null >"$LL_W/bochs.out" 2>&1) &
	pid=$!
	halted=0
	while kill -0 "$pid" 2>/dev/null; do
		if [ "$halted" = 0 ] && grep -a -q "parapass vtx: halted" "$LL_SERIAL" 2>/dev/null; then
			halted=1 # parapass never ends a run itself
			sleep 1
			kill -INT "$pid" 2>/dev/null || true
		fi
		[ "$LL_PROGRESS" = quiet ] || ll_show_new
		if [ -n "$LL_CLEAR" ]; then
			spin=$(((spin + 1) % 4))
			printf '\r[%3ds] %s %s ' "$(($(date +%s) - LL_T0))" \
				"$(echo '|/-\' | cut -c$((spin + 1)))" "$(ll_phase)"
		fi
		sleep 1
	done
	rc=0
	wait "$pid" || rc=$?
	[ "$LL_PROGRESS" = quiet ] || ll_show_new
	[ -n "$LL_CLEAR" ] && printf '%s' "$LL_CLEAR"
	LL_SECONDS=$(($(date +%s) - LL_T0))
	# An ACPI power-off ends Bochs with status 1 and says so; 0 is the 0x8900 'D' exit.
	LL_STATUS=$rc
	if [ "$rc" = 1 ] && grep -a -q "ACPI control: soft power off" "$LL_W/bochs.out"; then
		LL_STATUS=0
	fi
	[ "$halted" = 1 ] && LL_STATUS=125
	case "$LL_STATUS" in
	0) ;;
	124) ll_fail "Bochs still running after ${limit}s (timeout)" ;;
	125) ll_fail "parapass halted" ;;
	*) ll_fail "Bochs ended with status $rc without an ACPI power-off" ;;
	esac
}

ll_judge_serial() {
	ll_has "^PPGRUB loading $1"
	"$ROOT/tests/guest/check-serial.sh" "$LL_SERIAL" 18 >"$LL_W/check-serial.log" 2>&1 ||
		{ tail -n 3 "$LL_W/check-serial.log" >&2; ll_fail "the guest's checks (check-serial.sh)"; }
}

ll_has() {
	tr -d '\r' <"$LL_SERIAL" | grep -a -q -e "$1" || ll_fail "no '$1' in the serial log"
}

ll_judge_parapass() {
	ll_has "parapass vtx: VMX checks passed"
	ll_has "parapass ata: ata0-master: encrypt"
	ll_has "parapass vtx: mediator started"
	ll_has "boot sector of drive 0x80 read through INT 13h"
	ll_has "parapass prof: exit profile (ACPI power-off)"
	if tr -d '\r' <"$LL_SERIAL" | grep -a -E '^parapass [a-z]+: (error|panic)|exception in root mode|^parapass vtx: halted' >&2; then
		ll_fail "parapass reported an error"
	fi
}

# The disk afterwards, by the independent OpenSSL oracle: decrypted, the
# pattern is where the guest wrote it, partition 1 (read only, by GRUB) is
# unchanged, the host's e2fsck accepts the file system the guest made;
# raw, the pattern's marker occurs nowhere.
ll_check_disk() {
	img=$LL_W/disk.img dec=$LL_W/disk-decrypted.img
	"$XTS_ORACLE" decrypt --key "$LL_KEY" "$img" "$dec" || { ll_fail "xts_oracle decrypt"; return; }
	if O=$O "$ROOT/tests/guest/pattern.sh" guest "$dec" "$LL_W/guest/guest.env" "$1" >"$LL_W/pattern.log" 2>&1; then
		LL_VERIFY=$(sed -n 's/^ppscan: verify .*ok=\([0-9]*\) bad=0$/\1/p' "$LL_W/pattern.log")
		echo "oracle: decrypted, the $LL_VERIFY pattern sectors are where the guest wrote them"
	else
		cat "$LL_W/pattern.log" >&2
		ll_fail "decrypted image: the pattern is not where the guest wrote it"
	fi
	if O=$O "$ROOT/tests/guest/pattern.sh" count "$img" --none >"$LL_W/raw-count.log" 2>&1; then
		echo "oracle: raw image, pattern marker found 0 times"
	else
		cat "$LL_W/raw-count.log" >&2
		ll_fail "the raw image holds the plaintext pattern marker"
	fi
	# Partition 1 is only ever read (GRUB, no Linux mount): byte for byte the original.
	off=$((P1_LBA * 512)) len=$((P1_SECTORS * 512))
	cmp -s -i "$off:$off" -n "$len" "$dec" "$LL_W/guest/guest.img" ||
		ll_fail "decrypted partition 1 differs from the guest's /boot"
	dd if="$dec" of="$LL_W/p3.img" bs=512 skip="$P3_LBA" count="$P3_SECTORS" status=none
	if e2fsck -fn "$LL_W/p3.img" >"$LL_W/e2fsck.log" 2>&1; then
		echo "oracle: decrypted partition 3 passes e2fsck -fn"
	else
		ll_fail "e2fsck -fn of decrypted partition 3 (see $LL_W/e2fsck.log)"
	fi
	rm -f "$LL_W/p3.img"
}

# Bochs' tick count when the run ended (the prefix of its "quit_sim" log line):
# with clock: sync=none, the instructions of the whole run.
ll_ticks() {
	sed -n 's/^0*\([0-9][0-9]*\)i\[SIM *\] quit_sim called.*/\1/p' "$LL_W/bochs.log" | tail -n 1
}

# ll_trace_prefix TRACE PLAIN KEY OUT MAX_SECTORS: a small, self-contained
# prefix of a trace recorded by hal/vtx (disks: [], no key): the events up
# to the first ata0-master command that would take the sectors read past
# MAX_SECTORS, or that is not a PIO/DMA read in CHS or LBA28 addressing
# (a write, LBA48), cut before that command's write and closed with its end
# record; the disk is content zero plus an overlay of exactly the sectors
# the prefix reads, taken from the plaintext image (replay/FORMAT.md,
# "Overlay"), with the test key. So no image needs to travel with it.
ll_trace_prefix() {
	trace=$1 plain=$2 key=$3 out=$4 max=$5
	grep -q '^disks: \[\]$' "$trace" || { ll_fail "$trace: not a trace as hal/vtx writes it"; return 1; }
	# Pass 1: ATA8-ACS taskfile decoding of channel 0's commands (the
	# 16-head, 63-sector geometry Bochs gives a flat image for CHS).
	awk -v max="$max" '
		function num(s) { return s ~ /^0x/ ? strtonum_(substr(s, 3)) : s + 0 }
		function strtonum_(h,   i, v) { v = 0; h = tolower(h)
			for (i = 1; i <= length(h); i++) v = v * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1
			return v }
		/^events:/ { ev = 1; next }
		!ev || !/^  - \{/ { next }
		{ n++ }
		/^  - \{out: 0x1f[2-7],/ {
			port = $3; sub(/,$/, "", port); v = $NF; sub(/\}$/, "", v); v = num(v)
			if (port != "0x1f7") { tf[port] = v; next }
			if (and_(tf["0x1f6"], 16)) next                      # the slave: not ours
			cnt = tf["0x1f2"] ? tf["0x1f2"] : 256
			if (v != 32 && v != 33 && v != 196 && v != 200) { if (v == 236 || v == 145 || v == 239 || v == 198) next; cut = n - 1; exit }
			if (and_(tf["0x1f6"], 64))
				lba = and_(tf["0x1f6"], 15) * 16777216 + tf["0x1f5"] * 65536 + tf["0x1f4"] * 256 + tf["0x1f3"]
			else
				lba = ((tf["0x1f5"] * 256 + tf["0x1f4"]) * 16 + and_(tf["0x1f6"], 15)) * 63 + tf["0x1f3"] - 1
			if (total + cnt > max) { cut = n - 1; exit }
			total += cnt; printf "R %d %d\n", lba, cnt
		}
		/^  - \{dma-start:/ { cut = n - 1; exit }            # PIO only: no guest memory to lay out
		function and_(a, b,   r, p) { r = 0; for (p = 1; a > 0 && b > 0; p *= 2) { if (a % 2 && b % 2) r += p; a = int(a / 2); b = int(b / 2) } return r }
		END { printf "CUT %d %d\n", cut ? cut : n, total }' "$trace" >"$out.ranges"
	cut=$(sed -n 's/^CUT \([0-9]*\) .*/\1/p' "$out.ranges")
	# Overlay extents: the ranges read, sorted and merged (extents lie apart).
	grep '^R ' "$out.ranges" | sort -k2,2n | awk '
		{ a = $2; b = $2 + $3 }
		NR > 1 && a <= e { if (b > e) e = b; next }
		NR > 1 { print s, e - s }
		{ s = a; e = b }
		END { if (NR) print s, e - s }' >"$out.extents"
	sectors=$(($(wc -c <"$plain") / 512))
	hex=$(od -An -v -tx1 "$key" | tr -d ' \n')
	{
		# What hal/vtx cannot know about the guest goes into the provenance.
		sed -n '1,/^disks: \[\]$/p' "$trace" | sed '$d' | sed 's/^provenance:$/provenance:\
  guest: "parapass INT 13h boot stub, then GRUB 2.06 i386-pc (Debian) through the Bochs BIOS"/'
		printf 'disks:\n  - {channel: 0, drive: 0, sectors: %s, cyls: %s, heads: 16, spt: 63, policy: encrypt, content: zero, overlay: [' \
			"$sectors" "$((sectors / 1008))"
		sep=""
		while read -r l c; do
			printf '%s\n      {lba: %s, data: !!binary '\''%s'\''}' "$sep" "$l" \
				"$(dd if="$plain" bs=512 skip="$l" count="$c" status=none | base64 -w0)"
			sep=,
		done <"$out.extents"
		printf ']}\n'
		printf 'key: {test-key: true, xts: "%s"}\n' "$hex"
		printf 'x-prefix: "the first %s events of a hal/vtx recording (tests/system/50-linux-record.sh)"\n' "$cut"
		echo "events:"
		sed -n '/^events:$/,$p' "$trace" | sed -n "2,$((cut + 1))p"
		echo "  - {end: $cut}"
		echo "..."
	} >"$out"
	rm -f "$out.ranges" "$out.extents"
}

# ll_profile LOG: parapass's exit profile (hal/vtx/vtx_prof.c) as variables.
ll_profile() {
	# Zeros first: a run that never reached its profile still has figures to print.
	LL_P_EXITS=0 LL_P_HANDLER=0 LL_P_MED_ACC=0 LL_P_MED_CMDS=0 LL_P_MED_DENIED=0 LL_P_MED_CYC=0
	LL_P_CRYPTO_CYC=0 LL_P_S_pio_in=0 LL_P_S_pio_out=0 LL_P_S_dma_in=0 LL_P_S_dma_out=0
	LL_P_S_dma_commands=0 LL_P_S_encrypted=0 LL_P_S_decrypted=0 LL_P_X_I_O=0 LL_P_REASONS=""
	eval "$(tr -d '\r' <"$1" | awk '
		/^parapass prof: exit profile/ {
			sub(/.*: /, ""); printf "LL_P_EXITS=%s\nLL_P_HANDLER=%s\n", $1, $3 }
		/^parapass prof:   exit +[0-9]+ / {
			n = $5; for (i = 6; $(i + 1) != "exits"; i++) n = n "_" $i
			gsub(/[^A-Za-z0-9_]/, "_", n)
			printf "LL_P_X_%s=%s\n", n, $(i); reasons = reasons " " n }
		/^parapass prof:   vmm_io:/ {
			printf "LL_P_IO_REQ=%s\nLL_P_IO_STRING=%s\nLL_P_IO_CYC=%s\n", $4, substr($6, 2), $10 }
		/^parapass prof:   mediator:/ {
			printf "LL_P_MED_ACC=%s\nLL_P_MED_CMDS=%s\nLL_P_MED_DENIED=%s\n", $4, $6, $8
			printf "LL_P_MED_CYC=%s\nLL_P_CRYPTO_CYC=%.0f\n", $10, $13 + 0 }
		/^parapass prof:   sectors:/ {
			for (i = 4; i < NF; i += 2) { k = $i; gsub(/[^a-z]/, "_", k); printf "LL_P_S_%s=%s\n", k, $(i + 1) } }
		/^parapass prof:   guest extended-state/ { printf "LL_P_TOTAL_CYC=%s\n", $NF }
		END { printf "LL_P_REASONS=\"%s\"\n", reasons }')"
}

# ll_guest_figures LOG: DONE line and per-phase timings (us= for the pattern I/O).
ll_guest_figures() {
	eval "$(tr -d '\r' <"$1" | awk '
		/^PPGUEST DONE / { for (i = 3; i <= NF; i++) { split($i, kv, "="); printf "LL_G_DONE_%s=%s\n", kv[1], kv[2] } }
		/^PPGUEST [a-z]+-(write|read) PASS/ {
			n = $2; gsub(/-/, "_", n)
			for (i = 4; i <= NF; i++) { split($i, kv, "="); if (kv[1] == "us" || kv[1] == "bytes") printf "LL_G_%s_%s=%s\n", n, kv[1], kv[2] } }')"
}

# parapass's key fingerprint (cli_key_fingerprint: HMAC-SHA256 keyed with
# the key over "parapass key fingerprint v1", first 8 bytes). Only for the
# generated test keys of these runs: the key's hex passes through openssl's
# command line.
ll_key_fingerprint() {
	hex=$(od -An -v -tx1 "$1" | tr -d ' \n')
	printf 'parapass key fingerprint v1' | openssl dgst -sha256 -mac HMAC -macopt "hexkey:$hex" |
		sed 's/.*= *//' | cut -c1-16
}

# ---- run directly: the parsers and judges on made-up logs ----
ll_selftest_fail() {
	echo "lib-linux selftest: $*" >&2
	exit 1
}

ll_selftest() {
	LL_W=$(mktemp -d "${TMPDIR:-/tmp}/pp-liblinux.XXXXXX")
	trap 'rm -rf "$LL_W"' EXIT
	cat >"$LL_W/log" <<'EOF'
PPGUEST odirect-write PASS lba=43008 sectors=6144 bytes=3145728 us=3221 kibps=953741 bad=0
PPGUEST odirect-read PASS lba=43008 sectors=6144 bytes=3145728 us=5071 kibps=605797 bad=0
PPGUEST DONE pass=18 fail=0 ms=572
parapass prof: exit profile (ACPI power-off): 104416 exits, 147763390 cycles in the exit handler
parapass prof:   exit 10 CPUID                      3595 exits         626051 cycles      174/exit
parapass prof:   exit 48 EPT violation                 7 exits           1000 cycles      142/exit
parapass prof:   exit 30 I/O                      100717 exits      147021218 cycles     1459/exit
parapass prof:   vmm_io: 100717 requests (21548 string, 2836692 items), 102810202 cycles
parapass prof:   mediator: 99579 accesses, 838 commands, 0 denied, 90981241 cycles (crypto 64601752, copy 0, device 3320476)
parapass prof:   sectors: pio-in 21600 pio-out 0 dma-in 15744 dma-out 15520 dma-commands 700 encrypted 15520 decrypted 37344
parapass prof:   guest extended-state saves 21699, hidden-memory accesses 0, cycles since start 8781578093
EOF
	ll_profile "$LL_W/log"
	ll_guest_figures "$LL_W/log"
	for kv in "LL_P_EXITS 104416" "LL_P_X_I_O 100717" "LL_P_X_EPT_violation 7" "LL_P_X_CPUID 3595" \
		"LL_P_IO_STRING 21548" "LL_P_MED_CYC 90981241" "LL_P_CRYPTO_CYC 64601752" \
		"LL_P_MED_CMDS 838" "LL_P_S_dma_in 15744" "LL_P_S_encrypted 15520" \
		"LL_P_S_decrypted 37344" "LL_P_TOTAL_CYC 8781578093" "LL_G_DONE_ms 572" \
		"LL_G_DONE_pass 18" "LL_G_odirect_read_us 5071" "LL_G_odirect_write_bytes 3145728"; do
		set -- $kv
		eval "got=\${$1:-unset}"
		[ "$got" = "$2" ] || ll_selftest_fail "$1=$got, want $2"
	done
	[ "$LL_P_REASONS" = " CPUID EPT_violation I_O" ] || ll_selftest_fail "reasons: '$LL_P_REASONS'"
	# Known answer: 64 bytes of ASCII '0', HMAC-SHA256 computed with Python's hmac module.
	printf '%064d' 0 >"$LL_W/key"
	fp=$(ll_key_fingerprint "$LL_W/key")
	[ "$fp" = 085769f30681f1c2 ] || ll_selftest_fail "fingerprint $fp, want 085769f30681f1c2"
	# The phase follows the log.
	LL_SERIAL=$LL_W/serial
	: >"$LL_SERIAL"
	[ "$(ll_phase)" = "firmware: GRUB loading parapass from the CD" ] || ll_selftest_fail "phase at start: $(ll_phase)"
	printf 'parapass vtx: VMX checks passed\r\nparapass vtx: entering the guest (real mode)\r\n' >>"$LL_SERIAL"
	[ "$(ll_phase)" = "guest firmware: GRUB from the encrypted disk" ] || ll_selftest_fail "phase: $(ll_phase)"
	printf 'PPGUEST boot PASS x\r\nPPGUEST odirect-write PASS y\r\n' >>"$LL_SERIAL"
	[ "$(ll_phase)" = "workload: after odirect-write" ] || ll_selftest_fail "phase: $(ll_phase)"
	ll_selftest_prefix
	echo "lib-linux.sh: parser self-test passed"
}

# A made-up hal/vtx trace: a CHS read of LBA 0 (C0 H0 S1), an LBA28 read of
# LBA 100-101, one of 1008-1009 (CHS C1 H0 S1 would be the same), then a
# WRITE SECTORS: the prefix stops before the write's command, the overlay
# holds exactly those sectors of the image.
ll_selftest_prefix() {
	t=$LL_W/vtx.yaml
	{
		printf '%s\n' "parapass-trace: 1" "provenance:" '  source: "parapass hal/vtx"' "machine:" \
			"  prog-if: 0x80" "  bm-base: 0xc000" "  channels:" \
			"    - {channel: 0, cmd: 0x1f0, ctl: 0x3f6, irq: 14}" "disks: []" "events:"
		for cmd in "1 1 0 0 0xa0 0x20" "2 100 0 0 0xe0 0x20" "2 0xf0 3 0 0xe0 0xc4" "1 5 0 0 0xe0 0x30"; do
			set -- $cmd
			for p in "0x1f2 $1" "0x1f3 $2" "0x1f4 $3" "0x1f5 $4" "0x1f6 $5" "0x1f7 $6"; do
				set -- $p
				echo "  - {out: $1, width: 1, value: $2}"
			done
			echo "  - {in: 0x1f7, width: 1, value: 0x50}"
		done
		echo "  - {end: 28}"
	} >"$t"
	awk 'BEGIN { for (i = 0; i < 1100 * 512; i++) printf "%c", 65 + int(i / 512) % 26 }' >"$LL_W/plain.img"
	ll_trace_prefix "$t" "$LL_W/plain.img" "$LL_W/key" "$LL_W/prefix.yaml" 100 ||
		ll_selftest_fail "ll_trace_prefix refused the made-up trace"
	grep -q '^  - {end: 26}$' "$LL_W/prefix.yaml" || ll_selftest_fail "prefix: not cut before the write"
	[ "$(grep -c '^  - {[io][nu]t\?: ' "$LL_W/prefix.yaml")" = 26 ] || ll_selftest_fail "prefix: events kept"
	ext=$(sed -n 's/^ *{lba: \([0-9]*\), data: !!binary .\([^'\'']*\).}.*/\1 \2/p' "$LL_W/prefix.yaml" |
		while read -r l d; do echo "$l:$(echo "$d" | base64 -d | wc -c):$(echo "$d" | base64 -d | head -c 1)"; done |
		tr '\n' ' ')
	[ "$ext" = "0:512:A 100:1024:W 1008:1024:U " ] || ll_selftest_fail "prefix overlay: $ext"
	grep -q '^key: {test-key: true, xts: "30303030' "$LL_W/prefix.yaml" || ll_selftest_fail "prefix: key"
}

case "$(basename "$0")" in
lib-linux.sh) set -e; ll_selftest ;;
esac
