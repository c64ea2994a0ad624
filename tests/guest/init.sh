#!/bin/sh
# init.sh - /init of the parapass test guest (packed by mkguest.sh).
#
# Loads the ATA, SCSI disk and ext4 modules, runs the disk workload on
# /dev/sda and powers off. Every check prints one line on the console:
#   PPGUEST <check> PASS|FAIL <details>
# and the run ends with
#   PPGUEST DONE pass=N fail=M ms=T
# Details carry the guest's own timings (ms from a monotonic clock, and
# for pattern I/O the time spent in read/write/fsync alone, us=, kibps=),
# so runs under QEMU, Bochs and parapass can be compared.
#
# Kernel command line options read here:
#   workload=dma|pio|boot  dma (default) and pio run the same steps; boot
#                          only reports that the kernel started (SeaBIOS
#                          capture: no Linux disk traffic at all)
#   libata.dma=N           forwarded to insmod libata by hand: insmod, unlike
#                          the kernel, ignores module options on the command line
#   ppsize=KIB             pattern bytes per phase (default 3072 dma, 256 pio)
#   ppseed=N               pattern seed (default 1)
PATH=/bin:/sbin:/usr/bin:/usr/sbin
export PATH
set -o pipefail

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /mnt /tmp

PASS=0
FAIL=0
T_START=$(ppwork now)

report() { # name rc details
	if [ "$2" -eq 0 ]; then
		PASS=$((PASS + 1))
		echo "PPGUEST $1 PASS $3"
	else
		FAIL=$((FAIL + 1))
		echo "PPGUEST $1 FAIL $3"
	fi
}

# step NAME CMD...: runs CMD, reports its status, wall time and output.
step() {
	_n=$1
	shift
	_t0=$(ppwork now)
	_out=$("$@" 2>&1)
	_rc=$?
	_t1=$(ppwork now)
	_out=$(echo $_out | cut -c1-160)
	report "$_n" "$_rc" "ms=$((_t1 - _t0))${_out:+ $_out}"
	return "$_rc"
}

finish() {
	sync
	# A step skipped after an earlier failure is a failure too.
	_missing=$((EXPECT - PASS - FAIL))
	[ $_missing -gt 0 ] && report skipped 1 "checks=$_missing"
	echo "PPGUEST DONE pass=$PASS fail=$FAIL ms=$(($(ppwork now) - T_START))"
	poweroff -f
	sleep 5
	echo "PPGUEST poweroff failed"
	exit 1
}

WL=dma SIZE= SEED=1 LDMA=
for a in $(cat /proc/cmdline); do
	case "$a" in
	workload=*) WL=${a#workload=} ;;
	ppsize=*) SIZE=${a#ppsize=} ;;
	ppseed=*) SEED=${a#ppseed=} ;;
	libata.dma=*) LDMA=${a#libata.dma=} ;;
	esac
done
EXPECT=18 # checks a full run reports; boot reports 1
case "$WL" in
dma) : "${SIZE:=3072}" ;;
pio) : "${SIZE:=256}" ;;
boot)
	EXPECT=1
	report boot 0 "uptime=$(cut -d' ' -f1 /proc/uptime) kernel=$(uname -r)"
	finish
	;;
*)
	report workload 1 "unknown workload=$WL"
	finish
	;;
esac
report boot 0 "workload=$WL ppsize=$SIZE ppseed=$SEED uptime=$(cut -d' ' -f1 /proc/uptime) kernel=$(uname -r)"

load_modules() {
	while read -r m; do
		case "$m" in
		*/libata.ko) insmod "/lib/modules/$(uname -r)/$m" ${LDMA:+dma=$LDMA} || return 1 ;;
		*) insmod "/lib/modules/$(uname -r)/$m" || return 1 ;;
		esac
	done </etc/ppguest/modules
}

wait_disk() {
	i=0
	while [ ! -b /dev/sda3 ]; do
		i=$((i + 1))
		[ $i -gt 200 ] && { echo "no /dev/sda3 after 20 s"; return 1; }
		sleep 0.1
	done
}

step modules load_modules || finish
step disk wait_disk || finish
# The kernel's probe messages stay in dmesg; the console keeps to ours.
echo 4 >/proc/sys/kernel/printk

# The transfer mode libata chose must be the one asked for: a PIO run that
# silently used DMA (or the reverse) would capture the wrong traffic.
# libata's transport class shows the mode in force (Debian's 6.1 does not
# print "configured for" at the default log level).
XFER=$(cat /sys/class/ata_device/dev1.0/xfer_mode 2>/dev/null)
case "$WL:$XFER" in
dma:*DMA*|pio:*PIO*) report xfer 0 "mode=$XFER" ;;
*) report xfer 1 "mode=${XFER:-unknown} for workload=$WL" ;;
esac

N=$((SIZE * 2))                         # sectors per pattern phase
P2=$(cat /sys/class/block/sda2/start)   # absolute LBA of partition 2
P2SIZE=$(cat /sys/class/block/sda2/size)
[ $((2 * N)) -le "$P2SIZE" ]
report layout $? "p2_lba=$P2 p2_sectors=$P2SIZE pattern_sectors=$((2 * N))"

flush_caches() { # device: later reads must come from the disk
	blockdev --flushbufs "$1" && echo 3 >/proc/sys/vm/drop_caches
}

# pattern_phase NAME OFF MODE: write N sectors at OFF in sda2, read back.
pattern_phase() {
	_lba=$((P2 + $2))
	_want=$(ppwork gen "$_lba" "$N" "$SEED" | md5sum | cut -d' ' -f1)
	_det=$(ppwork write /dev/sda2 "$2" "$_lba" "$N" "$SEED" "$3" 2>&1)
	report "$1-write" $? "lba=$_lba $_det"
	flush_caches /dev/sda2
	_got=$(ppwork read /dev/sda2 "$2" "$_lba" "$N" "$SEED" "$3" 2>/tmp/det |
		md5sum | cut -d' ' -f1)
	report "$1-read" $? "lba=$_lba $(cat /tmp/det)"
	[ "$_got" = "$_want" ]
	report "$1-md5" $? "md5=$_got want=$_want"
}

pattern_phase odirect 0 direct
pattern_phase buffered "$N" buffered

# The file system phase: files whose sums are taken before they reach the
# disk are read back after an unmount and a read-only mount.
FILES="pattern.bin init"
ppwork gen 4294967296 "$SIZE" "$SEED" >/tmp/pattern.bin   # LBA field >= 2^32: file data
cp /init /tmp/init
SUMS=$(cd /tmp && md5sum $FILES)

copy_files() {
	for f in $FILES; do cp "/tmp/$f" /mnt/ || return 1; done
	[ "$(cd /mnt && md5sum $FILES)" = "$SUMS" ]
}
check_sums() {
	[ "$(cd /mnt && md5sum $FILES)" = "$SUMS" ] || { echo "sums differ"; return 1; }
	echo "$SUMS" | cut -d' ' -f1 | tr '\n' ' '
}

# One inode per 32 KiB keeps the inode tables (and the PIO capture) small.
step mke2fs sh -c 'mke2fs -i 32768 -L ppdata /dev/sda3 >/dev/null' &&
	step mount-rw mount -t ext2 /dev/sda3 /mnt &&
	step copy copy_files
step sync-umount sh -c 'sync && umount /mnt'
flush_caches /dev/sda3
step mount-ro mount -t ext2 -o ro /dev/sda3 /mnt &&
	step ro-md5 check_sums
step umount umount /mnt
blockdev --flushbufs /dev/sda
finish
