#!/bin/sh
# mkguest.sh - build the parapass test guest: a bootable MBR disk image
# with GRUB, Debian's Linux 6.1 kernel and a busybox initramfs whose /init
# (init.sh) runs a disk workload on that same disk. From Debian packages
# only; no root mounts, no loop devices. See tests/guest/README.md.
#
#   mkguest.sh OUTDIR [--size-mib N] [--workload dma|pio|boot] [--append ARGS]
#
# --size-mib   whole image, default 48 (at least 45); rounded up to whole
#              16x63 cylinders for Bochs
# --workload   the GRUB default entry (all three entries are always there)
# --append     extra kernel command line arguments for every entry
#
# Writes OUTDIR/guest.img, vmlinuz, initrd.gz, grub.cfg, ppwork and
# guest.env (layout, command lines, sizes, checksum; shell syntax).
# Downloads go to $PP_CACHE (default build/cache/ in the repository): a
# second run works offline. PP_KERNEL_PKG=linux-image-6.1.0-N-amd64 pins
# the kernel; otherwise the newest one in the cache is used, or the one
# linux-image-amd64 depends on is downloaded.
set -eu

REPO=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$REPO/tests/guest
CACHE=${PP_CACHE:-$REPO/build/cache}
EPOCH=946684800 # every timestamp in the image: 2000-01-01, for reproducible bytes

# Partition layout, in 512-byte sectors (MBR, DOS label).
P1_LBA=2048
P1_SECTORS=40960 # 20 MiB ext2 /boot: kernel (8 MiB), initrd, grub.cfg
P2_SECTORS=32768 # 16 MiB raw: the pattern area
P3_MIN=16384     # 8 MiB at least, for the guest's own mke2fs
CYL=1008         # 16 heads x 63 sectors (Bochs wants whole cylinders)
SEED=1
DMA_PPSIZE=3072 # KiB per pattern phase (two phases, plus a file of half that)
PIO_PPSIZE=256

# insmod order (../shared/notes/qemu.md); checked against each module's
# own "depends:" below, so a kernel that needs more fails loudly here.
MODULES="scsi_common scsi_mod libata ata_piix crct10dif_common crct10dif_generic
crc-t10dif crc64 crc64_rocksoft_generic crc64-rocksoft t10-pi sd_mod crc16 mbcache
jbd2 crc32c_generic ext4"

GRUB_MODS="biosdisk part_msdos ext2 normal linux echo ls halt serial terminal configfile"
WARN="-std=gnu11 -Wall -Wextra -Werror -Wmissing-prototypes -Wstrict-prototypes -Wshadow
-Wpointer-arith -Wcast-align -Wwrite-strings -Wvla -Wundef -Wimplicit-fallthrough -Wformat=2"

say() { echo "mkguest: $*" >&2; }
die() { echo "mkguest: error: $*" >&2; exit 1; }

usage() {
	echo "usage: $0 OUTDIR [--size-mib N] [--workload dma|pio|boot] [--append ARGS]" >&2
	exit 2
}

OUT= SIZE_MIB=48 WORKLOAD=dma APPEND=
while [ $# -gt 0 ]; do
	case "$1" in
	--size-mib) [ $# -ge 2 ] || usage; SIZE_MIB=$2; shift 2 ;;
	--workload) [ $# -ge 2 ] || usage; WORKLOAD=$2; shift 2 ;;
	--append) [ $# -ge 2 ] || usage; APPEND=$2; shift 2 ;;
	-*) usage ;;
	*) [ -z "$OUT" ] || usage; OUT=$1; shift ;;
	esac
done
[ -n "$OUT" ] || usage
case "$SIZE_MIB" in '' | *[!0-9]*) usage ;; esac
case "$WORKLOAD" in dma | pio | boot) ;; *) usage ;; esac
for t in apt-get dpkg-deb tar busybox modinfo cpio gzip mke2fs debugfs sfdisk grub-mkimage gcc; do
	command -v "$t" >/dev/null || die "$t missing: run scripts/deps.sh as root"
done

BASE_CMDLINE="console=ttyS0 panic=-1${APPEND:+ $APPEND}"
CMDLINE_DMA="$BASE_CMDLINE workload=dma ppsize=$DMA_PPSIZE ppseed=$SEED"
CMDLINE_PIO="$BASE_CMDLINE workload=pio libata.dma=0 ppsize=$PIO_PPSIZE ppseed=$SEED"
CMDLINE_BOOT="$BASE_CMDLINE workload=boot"

# ---- the kernel package: cached .deb, downloaded only when missing ----

# The linux-image-6.1.0-N-amd64 that Debian's linux-image-amd64 points at.
kernel_pkg_name() {
	_p=$(apt-cache show --no-all-versions linux-image-amd64 2>/dev/null |
		sed -n 's/^Depends:.*\(linux-image-6\.1\.0-[0-9]*-amd64\).*/\1/p' | head -n 1)
	if [ -z "$_p" ] && [ "$(id -u)" -eq 0 ]; then
		say "apt lists do not know linux-image-amd64: apt-get update"
		apt-get update -q >&2
		_p=$(apt-cache show --no-all-versions linux-image-amd64 2>/dev/null |
			sed -n 's/^Depends:.*\(linux-image-6\.1\.0-[0-9]*-amd64\).*/\1/p' | head -n 1)
	fi
	[ -n "$_p" ] || die "cannot resolve linux-image-amd64 (apt-get update as root?)"
	echo "$_p"
}

# Prints the path of the kernel .deb in the cache, downloading it if needed.
kernel_deb() {
	mkdir -p "$CACHE/deb"
	_glob="${PP_KERNEL_PKG:-linux-image-6.1.0-*-amd64}_*_amd64.deb"
	# shellcheck disable=SC2086 # the glob is meant to expand
	_deb=$(ls "$CACHE"/deb/$_glob 2>/dev/null | sort -V | tail -n 1)
	if [ -n "$_deb" ]; then
		echo "$_deb"
		return
	fi
	_pkg=${PP_KERNEL_PKG:-$(kernel_pkg_name)}
	say "downloading $_pkg (about 70 MB) into $CACHE/deb"
	_tmp=$(mktemp -d "$CACHE/deb/.dl.XXXXXX")
	# Root's apt drops to _apt, which cannot write here: stay root.
	(cd "$_tmp" && apt-get download -q -o APT::Sandbox::User=root "$_pkg" >&2) ||
		{ rm -rf "$_tmp"; die "apt-get download $_pkg failed"; }
	mv "$_tmp"/*.deb "$CACHE/deb/"
	rmdir "$_tmp"
	# shellcheck disable=SC2086
	ls "$CACHE"/deb/${_pkg}_*_amd64.deb | sort -V | tail -n 1
}

# Extracts vmlinuz and the module folders we need, once per package.
kernel_tree() {
	_kdir=$CACHE/linux/$(basename "$1" .deb)
	if [ ! -f "$_kdir/.done" ]; then
		say "extracting $(basename "$1")"
		mkdir -p "$CACHE/linux"
		_x=$(mktemp -d "$_kdir.tmp.XXXXXX") # private: another build may extract too
		dpkg-deb --fsys-tarfile "$1" | tar -x -C "$_x" --wildcards \
			'./boot/vmlinuz-*' './lib/modules/*/modules.order' \
			'./lib/modules/*/modules.builtin' \
			'./lib/modules/*/kernel/drivers/ata/*' './lib/modules/*/kernel/drivers/scsi/*' \
			'./lib/modules/*/kernel/fs/ext4/*' './lib/modules/*/kernel/fs/jbd2/*' \
			'./lib/modules/*/kernel/fs/mbcache.ko' './lib/modules/*/kernel/lib/*' \
			'./lib/modules/*/kernel/crypto/*' './lib/modules/*/kernel/block/*'
		touch "$_x/.done"
		if [ -f "$_kdir/.done" ]; then
			rm -rf "$_x" # the other build finished first
		else
			rm -rf "$_kdir"
			mv "$_x" "$_kdir"
		fi
	fi
	echo "$_kdir"
}

# Copies the modules into the initramfs in insmod order, writing that order
# to etc/ppguest/modules, and fails if one depends on a later or absent one.
stage_modules() { # kdir kver stage
	_src=$1/lib/modules/$2
	_loaded=" "
	: >"$3/etc/ppguest/modules"
	for _m in $MODULES; do
		_f=$(cd "$_src" && find kernel -name "$_m.ko")
		[ -n "$_f" ] && [ "$(echo "$_f" | wc -l)" -eq 1 ] || die "module $_m: found '$_f'"
		for _d in $(modinfo -F depends "$_src/$_f" | tr ',' ' '); do
			case "$_loaded" in
			*" $(echo "$_d" | tr - _) "*) ;;
			*) die "module $_m needs $_d, which is not loaded before it" ;;
			esac
		done
		mkdir -p "$3/lib/modules/$2/$(dirname "$_f")"
		cp "$_src/$_f" "$3/lib/modules/$2/$_f"
		echo "$_f" >>"$3/etc/ppguest/modules"
		_loaded="$_loaded$(echo "$_m" | tr - _) "
	done
	busybox depmod -b "$3" "$2"
}

# ---- initramfs ----

# One newc cpio entry (SVR4 "070701", all fields 8 hex digits), for the
# console node: the kernel opens /dev/console before /init runs, and a
# hand-made entry needs no mknod and so no root.
cpio_console() {
	printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
		0x7fff0001 0x2180 0 0 1 "$EPOCH" 0 0 0 5 1 12 0
	printf 'dev/console\000\000\000' # 110 + 12 name bytes, padded to 124
	printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
		0 0 0 0 1 0 0 0 0 0 0 11 0
	printf 'TRAILER!!!\000\000\000\000' # 110 + 11, padded to 124
}

build_initramfs() { # kdir kver stage initrd
	rm -rf "$3"
	mkdir -p "$3/bin" "$3/dev" "$3/proc" "$3/sys" "$3/mnt" "$3/tmp" "$3/etc/ppguest"
	cp /bin/busybox "$3/bin/busybox"
	# Applet links; bin/busybox itself is in the list and must stay a file.
	for _a in $(/bin/busybox --list-full); do
		[ "$_a" = bin/busybox ] && continue
		mkdir -p "$3/$(dirname "$_a")"
		ln -sf /bin/busybox "$3/$_a"
	done
	[ -f "$3/bin/busybox" ] && [ ! -L "$3/bin/busybox" ] || die "busybox was overwritten"
	# shellcheck disable=SC2086 # WARN is a word list
	gcc $WARN -static -O2 -s -I"$REPO" -o "$3/bin/ppwork" \
		"$HERE/ppwork_main.c" "$HERE/pattern.c"
	cp "$HERE/init.sh" "$3/init"
	chmod 755 "$3/init" "$3/bin/ppwork"
	stage_modules "$1" "$2" "$3"
	find "$3" -exec touch -h -d "@$EPOCH" {} +
	(
		cd "$3"
		find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --reproducible --quiet
		cpio_console
	) | gzip -n -9 >"$4"
}

# ---- the disk ----

write_grub_cfg() { # file default
	cat >"$1" <<CFG
serial --unit=0 --speed=115200
terminal_input serial
terminal_output serial
set timeout=0
set default=$2
menuentry 'parapass guest, DMA workload' --id dma {
	echo 'PPGRUB loading dma'
	linux /boot/vmlinuz $CMDLINE_DMA
	initrd /boot/initrd.gz
}
menuentry 'parapass guest, PIO workload' --id pio {
	echo 'PPGRUB loading pio'
	linux /boot/vmlinuz $CMDLINE_PIO
	initrd /boot/initrd.gz
}
menuentry 'parapass guest, kernel start only' --id boot {
	echo 'PPGRUB loading boot'
	linux /boot/vmlinuz $CMDLINE_BOOT
	initrd /boot/initrd.gz
}
CFG
}

# p1: ext2 made from a folder (mke2fs -d), fixed UUID, hash seed and times.
build_p1() { # work
	rm -rf "$1/p1root" "$1/p1.img"
	mkdir -p "$1/p1root/boot/grub"
	cp "$OUT/vmlinuz" "$OUT/initrd.gz" "$1/p1root/boot/"
	cp "$OUT/grub.cfg" "$1/p1root/boot/grub/grub.cfg"
	find "$1/p1root" -exec touch -h -d "@$EPOCH" {} +
	E2FSPROGS_FAKE_TIME=$EPOCH mke2fs -q -F -t ext2 -L ppboot \
		-U 70706775-6573-7442-6f6f-740000000001 \
		-E hash_seed=70706775-6573-7448-6173-680000000001,root_owner=0:0 \
		-d "$1/p1root" "$1/p1.img" "$((P1_SECTORS / 2))k" >/dev/null
	# mke2fs -d copies each file's ctime, which touch cannot set: pin it.
	(cd "$1/p1root" && find . -mindepth 1) | sed "s|^\.\(.*\)|sif \1 ctime @$EPOCH|" |
		debugfs -w -f - "$1/p1.img" >/dev/null 2>&1
}

build_disk() { # work image
	grub-mkimage -O i386-pc -o "$1/core.img" -p '(hd0,msdos1)/boot/grub' $GRUB_MODS
	_core=$(( ($(stat -c %s "$1/core.img") + 511) / 512 ))
	[ "$_core" -lt "$P1_LBA" ] || die "core.img ($_core sectors) does not fit before LBA $P1_LBA"
	rm -f "$2"
	truncate -s $((IMG_SECTORS * 512)) "$2"
	printf 'label: dos\nlabel-id: 0x70706775\nunit: sectors\n%s\n%s\n%s\n' \
		"start=$P1_LBA, size=$P1_SECTORS, type=83, bootable" \
		"start=$P2_LBA, size=$P2_SECTORS, type=da" \
		"start=$P3_LBA, size=$P3_SECTORS, type=83" | sfdisk -q "$2"
	dd if="$1/p1.img" of="$2" bs=512 seek="$P1_LBA" conv=notrunc status=none
	# boot.img's code only (440 bytes) keeps the partition table; it jumps
	# to LBA 1, where core.img's default block list expects itself.
	dd if=/usr/lib/grub/i386-pc/boot.img of="$2" bs=440 count=1 conv=notrunc status=none
	dd if="$1/core.img" of="$2" bs=512 seek=1 conv=notrunc status=none
}

write_env() { # file
	cat >"$1" <<ENV
# guest.env - written by tests/guest/mkguest.sh; shell syntax
KVER='$KVER'
KERNEL_DEB='$(basename "$DEB")'
IMG_SECTORS=$IMG_SECTORS
P1_LBA=$P1_LBA
P1_SECTORS=$P1_SECTORS
P2_LBA=$P2_LBA
P2_SECTORS=$P2_SECTORS
P3_LBA=$P3_LBA
P3_SECTORS=$P3_SECTORS
SEED=$SEED
DMA_PPSIZE=$DMA_PPSIZE
PIO_PPSIZE=$PIO_PPSIZE
# sectors at the start of partition 2 that a full run leaves holding the pattern
DMA_PATTERN_SECTORS=$((DMA_PPSIZE * 4))
PIO_PATTERN_SECTORS=$((PIO_PPSIZE * 4))
CMDLINE_DMA='$CMDLINE_DMA'
CMDLINE_PIO='$CMDLINE_PIO'
CMDLINE_BOOT='$CMDLINE_BOOT'
DEFAULT_WORKLOAD=$WORKLOAD
IMG_SHA256=$(sha256sum "$OUT/guest.img" | cut -d' ' -f1)
ENV
}

T0=$(date +%s)
IMG_SECTORS=$(( (SIZE_MIB * 2048 + CYL - 1) / CYL * CYL ))
P2_LBA=$((P1_LBA + P1_SECTORS))
P3_LBA=$((P2_LBA + P2_SECTORS))
P3_SECTORS=$((IMG_SECTORS - P3_LBA))
[ "$P3_SECTORS" -ge "$P3_MIN" ] || die "--size-mib $SIZE_MIB leaves partition 3 too small (45 at least)"

mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
WORK=$OUT/work
mkdir -p "$WORK"
DEB=$(kernel_deb)
KDIR=$(kernel_tree "$DEB")
KVER=$(basename "$(echo "$KDIR"/lib/modules/*)")
cp "$KDIR/boot/vmlinuz-$KVER" "$OUT/vmlinuz"
build_initramfs "$KDIR" "$KVER" "$WORK/initramfs" "$OUT/initrd.gz"
cp "$WORK/initramfs/bin/ppwork" "$OUT/ppwork"
write_grub_cfg "$OUT/grub.cfg" "$WORKLOAD"
build_p1 "$WORK"
build_disk "$WORK" "$OUT/guest.img.tmp"
mv "$OUT/guest.img.tmp" "$OUT/guest.img"
write_env "$OUT/guest.env"
say "$OUT/guest.img: $((IMG_SECTORS / 2048)) MiB, kernel $KVER, default workload $WORKLOAD," \
	"initrd $(( $(stat -c %s "$OUT/initrd.gz") / 1024 )) KiB, $(( $(date +%s) - T0 )) s"
