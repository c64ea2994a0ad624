#!/bin/sh
# mkusb.sh ELF CONFIG KEY OUT.iso - the bootable parapass image.
#
# grub-mkrescue builds a hybrid image with both BIOS (i386-pc) and UEFI
# (x86_64-efi) GRUB: it boots as a CD and, written raw to a stick, as a USB
# disk. GRUB loads parapass with multiboot2 and hands it the configuration
# and the key as modules named "config" and "key" (hal/vtx/README.md).
# Serial console on COM1 at 115200 8N1, no menu delay.
set -eu
[ $# -eq 4 ] || { echo "usage: $0 ELF CONFIG KEY OUT.iso" >&2; exit 2; }
elf=$1 cfg=$2 key=$3 out=$4
for f in "$elf" "$cfg" "$key"; do
	[ -r "$f" ] || { echo "mkusb: cannot read $f" >&2; exit 2; }
done
# A parapass key file (160 bytes, "parapass keygen") or 1-4 raw 64-byte XTS keys.
ksize=$(wc -c <"$key")
kmagic=$(head -c 8 "$key" | od -An -tx1 | tr -d ' \n')
if [ "$ksize" -eq 160 ] && [ "$kmagic" = 8950504b45590d0a ]; then
	:
elif [ "$ksize" -eq 0 ] || [ $((ksize % 64)) -ne 0 ] || [ "$ksize" -gt 256 ]; then
	echo "mkusb: $key holds $ksize bytes; want a parapass key file or 1-4 raw 64-byte keys" >&2
	exit 2
fi

case "$out" in /*) ;; *) out="$PWD/$out" ;; esac   # xorriso runs elsewhere
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
root=$tmp/iso
mkdir -p "$root/boot/grub" "$(dirname "$out")"
# GRUB loads every section without an address: strip them (debug info stays in ELF).
strip -o "$root/boot/parapass.elf" "$elf"
cp "$cfg" "$root/boot/parapass.cfg"
cp "$key" "$root/boot/parapass.key"
cat >"$root/boot/grub/grub.cfg" <<'EOF'
serial --unit=0 --speed=115200 --word=8 --parity=no --stop=1
terminal_input serial console
terminal_output serial console
set timeout=0
set default=0
menuentry "parapass" {
	echo "grub: loading parapass"
	multiboot2 /boot/parapass.elf
	module2 /boot/parapass.cfg config
	module2 /boot/parapass.key key
	boot
}
EOF
rm -f "$out.tmp"   # xorriso will not write over an old image
grub-mkrescue --locales= --fonts= --themes= -o "$out.tmp" "$root" 2>"$tmp/log" || {
	cat "$tmp/log" >&2
	exit 1
}
mv "$out.tmp" "$out"
echo "mkusb: $out ($(wc -c <"$out") bytes)"
