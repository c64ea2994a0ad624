#!/bin/sh
# deps.sh - make sure every Debian package parapass needs is installed.
# As root, installs what is missing with apt-get; otherwise prints the
# exact apt-get line and fails. Fast when nothing is missing (one dpkg-query).
set -eu

PKGS="gcc make pkg-config binutils libyaml-dev check libsubunit-dev libssl-dev openssl
clang libclang-rt-dev
bochs bochs-term bochsbios vgabios qemu-system-x86 qemu-utils ovmf
grub-pc-bin grub-efi-amd64-bin grub-common xorriso mtools
e2fsprogs fdisk busybox-static cpio kmod
libc6-dev"

missing=""
for p in $PKGS; do
	s=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	case "$s" in
	*" installed") ;;
	*) missing="$missing $p" ;;
	esac
done
[ -z "$missing" ] && exit 0

line="apt-get install -y --no-install-recommends$missing"
if [ "$(id -u)" -ne 0 ]; then
	echo "parapass needs these Debian packages:$missing" >&2
	echo "run as root:  apt-get update && $line" >&2
	exit 1
fi
echo "deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >&2
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing >&2
