#!/bin/sh
# 15-vtx-hostile.sh - a hostile guest under parapass in Bochs: one run per
# attack of 15-vtx-hostile.S (its CASE), each judged from the guest's
# "PPVTX" lines and parapass's log. Every attack must fail in the guest,
# while parapass keeps the machine (no "halted" unless the case says so).
# VTX_CASES="bar8900 smp" runs only those.
#   bar8900  the IDE bus-master block moved onto port 0x8900, which
#            parapass owns: the claim fails, the controller is switched off
#   smp      two CPUs: INIT-SIPI-SIPI to the other one through the xAPIC's
#            ICR and the x2APIC's (shorthand all-but-self, destination the
#            BSP); parapass parked it in VMX root operation, it never runs
#            the guest's code
#   s3       ACPI S3 through PM1a_CNT: refused (Bochs would reset the CPUs and
#            resume the guest without parapass), the guest sees WAK_STS and
#            goes on; then S5 powers off
#   msr      WRMSR to Intel PT, DS_AREA, PEBS, DEBUGCTL's BTS, arch LBRs,
#            unknown MSRs, IA32_APIC_BASE over parapass's memory: #GP;
#            MISC_ENABLE says BTS/PEBS unavailable, CPUID has no DS
#   repins   REP INSW that overwrites its own page table part-way: the rest
#            lands where the translation pointed; parapass does not halt
#   task     a hardware task switch (JMP to a TSS): #GP(selector), not a halt
#   vmcall   the loader stub's boot-failure VMCALLs, called by the running
#            guest: #UD, not a halt
#   tf       twelve hidden-memory reads by BOUND, which faults (#BR) while
#            parapass steps it with TF: every window closes, no halt
#   iostr    REP INSD whose first dword crosses ES's 64 KiB limit: #GP;
#            one that ends at the limit wraps DI and goes on
#   residue  the guest searches all it can read (64 MiB machine) for the
#            key's first 16 bytes: GRUB's caches, the module, the boot
#            information were all wiped
set -eu
. "$(dirname "$0")/15-vtx-lib.inc"
vtx_workdir
HOSTILE=tests/system/15-vtx-hostile.S
CASES=${VTX_CASES:-bar8900 smp s3 msr repins task vmcall tf iostr residue}

# VAL = the guest's "PPVTX <label> XXXXXXXX" value, as a number.
vtx_value() {
	VAL=$(tr -d '\r' <"$VTX_LOG" | sed -n "s/^PPVTX $1 \([0-9A-F]*\)\$/\1/p" | tail -n 1)
	[ -n "$VAL" ] || vtx_fail "$CASE_NAME: the guest did not report '$1'"
	VAL=$((0x$VAL))
}

# run_case N [TIMEOUT [CPP-FLAGS...]]: the image of case N booted by parapass.
run_case() {
	n=$1 t=${2:-120}
	shift
	[ $# -gt 0 ] && shift
	vtx_prepare "$HOSTILE" -DCASE="$n" "$@"
	vtx_bochs corei7_skylake_x "$t"
	cp "$VTX_LOG" "$W/serial-$CASE_NAME.out"
	vtx_has "PPVTX start"
}

# The end every case but s3 has: the guest finished, parapass never halted.
run_end() {
	vtx_has "PPVTX end"
	vtx_lacks "parapass vtx: halted"
	[ "$VTX_RC" -eq 0 ] || vtx_fail "$CASE_NAME: Bochs ended with status $VTX_RC"
}

case_bar8900() {
	run_case 1
	vtx_has "ata0: cannot trap ports 0x1f0/0x3f6/0x8900: controller disabled"
	vtx_value "bar8900 command"
	[ $((VAL & 5)) -eq 0 ] || vtx_fail "bar8900: I/O or bus mastering still on (command $VAL)"
	vtx_value "bar8900 restored-signature"
	[ "$VAL" -eq $((0xAA55)) ] || vtx_fail "bar8900: the disk does not read back after the block returned"
	run_end
	echo "ok bar8900: the block on parapass's port was refused, the controller switched off"
}

case_smp() {
	VTX_CPUS=2 run_case 2
	vtx_has "MADT: 1 other processor(s) hidden"
	vtx_has "1 other processor(s) parked in VMX root operation"
	vtx_value "smp xapic-flag"
	[ "$VAL" -eq 0 ] || vtx_fail "smp: the AP ran the guest's code after xAPIC INIT/SIPI"
	vtx_value "smp x2apic-flag"
	[ "$VAL" -eq 0 ] || vtx_fail "smp: the AP ran the guest's code after x2APIC INIT/SIPI"
	run_end
	echo "ok smp: the parked AP ignored the guest's INIT/SIPI (xAPIC and x2APIC)"
}

case_s3() {
	run_case 3
	vtx_has "guest ACPI sleep (SLP_EN with a type other than S4/S5) (port 0xb004 value 0x2[4-7]0[0-9a-f]) refused"
	vtx_value "s3 pm1-status"
	[ $((VAL & 0x8000)) -ne 0 ] || vtx_fail "s3: no WAK_STS after the refused sleep"
	vtx_value "s3 pm1-status-cleared"
	[ $((VAL & 0x8000)) -eq 0 ] || vtx_fail "s3: WAK_STS stays set after the guest cleared it"
	vtx_has "exit profile (ACPI power-off)"
	n=$(tr -d '\r' <"$VTX_LOG" | grep -a -c "parapass starting" || true)
	[ "$n" = 1 ] || vtx_fail "s3: parapass started $n times (the machine was reset)"
	vtx_lacks "parapass vtx: halted"
	echo "ok s3: S3 refused, the guest went on, S5 powered off"
}

# vtx_want LABEL VALUE: the guest reported VALUE for LABEL.
vtx_want() {
	vtx_value "$1"
	[ "$VAL" -eq $(($2)) ] || vtx_fail "$CASE_NAME: $1 is $VAL, want $(($2))"
}

case_msr() {
	run_case 4
	for m in rtit-ctl rtit-output-base ds-area pebs-enable debugctl-bts lbr-ctl unknown \
		outside-bitmap apic-base-hidden; do
		vtx_want "msr $m-gp" 1
	done
	vtx_want "msr apic-base-same-gp" 0
	vtx_value "msr apic-base-now"
	[ $((VAL & 0xFFFFF000)) -eq $((0xFEE00000)) ] || vtx_fail "msr: the xAPIC moved to $VAL"
	vtx_want "msr misc-enable-bts-pebs-unavailable" 0x1800
	vtx_want "msr cpuid-ds" 0
	vtx_has "guest WRMSR of MSR 0x570 refused (#GP)"
	run_end
	echo "ok msr: PT, DS, PEBS, BTS, LBR_CTL, unknown MSRs and an APIC base over VMM memory refused"
}

# LBA 40 of the guest's plaintext: 256 zero bytes, 256 bytes of a5 (case repins).
repins_sector() {
	{ head -c 256 /dev/zero; head -c 256 /dev/zero | tr '\0' '\245'; } |
		dd of="$1" bs=512 seek=40 conv=notrunc 2>/dev/null
}

case_repins() {
	vtx_plain_hook() { repins_sector "$@"; }
	run_case 5
	unset -f vtx_plain_hook
	vtx_want "repins-pt landed" 1
	run_end
	echo "ok repins: REP INSW over its own page table completed, parapass kept running"
}

case_task() {
	run_case 6
	vtx_want "task-switch gp-count" 1
	vtx_want "task-switch gp-error" 0x18
	vtx_has "guest hardware task switch (JMP to selector 0x18) not emulated: #GP"
	run_end
	echo "ok task: JMP to a TSS gave the guest #GP(0x18); parapass kept running"
}

# The offset of a label in parapass's real-mode blob (vtx_boot.S), from the ELF.
blob_off() {
	elf="$ROOT/$O/vtx/parapass.elf"
	a=$(nm "$elf" | awk -v s="$1" '$3 == s { print $1 }')
	b=$(nm "$elf" | awk '$3 == "vtx_rm_blob" { print $1 }')
	[ -n "$a" ] && [ -n "$b" ] || vtx_fail "no $1 in $elf"
	echo $((0x${a#????????} - 0x${b#????????}))   # low halves: the shell's arithmetic is signed
}

case_vmcall() {
	make --no-print-directory O="$O" vtx >>"$W/make.log" 2>&1 || vtx_fail "make vtx"
	run_case 7 120 -DBOOT_FAIL_OFF="$(blob_off vtx_rm_boot_fail)" \
		-DBOOT_NOSIG_OFF="$(blob_off vtx_rm_boot_nosig)"
	vtx_want "vmcall-stub boot-fail-ud" 1
	vtx_want "vmcall-stub nosig-ud" 1
	vtx_lacks "INT 13h could not read the boot sector"
	run_end
	echo "ok vmcall: the loader's failure VMCALLs give the running guest #UD"
}

case_tf() {
	run_case 8
	vtx_want "tf-window br" 12
	vtx_want "tf-window db" 0
	vtx_has "guest read of hidden VMM memory"
	run_end
	echo "ok tf: twelve faulting steps over hidden memory, every window closed"
}

case_iostr() {
	run_case 9
	vtx_want "iostr wrap-gp" 1
	vtx_want "iostr fit-gp" 0
	vtx_want "iostr fit-di" 4
	run_end
	echo "ok iostr: an item across the 64 KiB limit gave #GP, one up to it wrapped DI"
}

case_residue() {
	make --no-print-directory O="$O" usb >>"$W/make.log" 2>&1 || vtx_fail "make usb"
	key=$O/usb/ci-test-key.bin
	set -- $(od -An -tx4 -N16 "$key")
	VTX_MEGS=64 run_case 10 240 -DKEY0=0x$1 -DKEY1=0x$2 -DKEY2=0x$3 -DKEY3=0x$4
	vtx_want "residue key-matches" 0
	vtx_value "residue bytes-scanned"
	[ "$VAL" -gt $((40 << 20)) ] || vtx_fail "residue: only $VAL bytes searched"
	run_end
	echo "ok residue: no copy of the key in the $((VAL >> 20)) MiB the guest can read"
}

for CASE_NAME in $CASES; do
	"case_$CASE_NAME"
done
echo "PASS 15-vtx-hostile: $CASES"
