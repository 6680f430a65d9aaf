#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the Debian root filesystem of make check-systemd with Debian's
# mmdebstrap, straight from the archive (the suite and mirror are given to
# mmdebstrap; the host's apt sources are not touched), and pack it as an
# uncompressed initramfs (newc cpio): the kernel needs no block device or
# file system driver for it, and nothing is decompressed at boot.
# The result is cached under $CACHE/rootfs, keyed by suite, architecture,
# package list and this script; a key that changes builds a new one.
# FLAVOUR install (make check-install) adds initramfs-tools, so that a
# kernel package installed into it makes its own initrd, and is packed as a
# tar: check-install unpacks it, installs the package there and makes a
# disk image of it.  FLAVOUR containers (make check-containers) adds
# podman, crun, runc, containerd, uidmap and D-Bus (system and user: the
# systemd cgroup manager), and busybox-static for the containers' root
# file system; a tar too, made into a disk image.
# Usage: scripts/mkrootfs.sh SUITE [ARCH [install|containers]]   (prints the archive's path)
. "$(dirname "$0")/lib.sh"
suite=${1:?usage: $0 SUITE [ARCH]}
arch=${2:-x86_64}
flavour=${3:-}
case "$arch" in
x86_64) darch=amd64 ;;
arm64)	darch=arm64 ;;
*) die "unknown arch $arch" ;;
esac
mirror=${RESTRACK_MIRROR:-http://deb.debian.org/debian}
# systemd as PID 1, libcgroup's tools, and perl with its core modules
# (JSON::PP, the tests' JSON oracle: trixie's minbase has perl-base only);
# nothing else beyond minbase.
pkgs="systemd systemd-sysv cgroup-tools perl"
ext=cpio
case "$flavour" in
"") ;;
install) pkgs="$pkgs initramfs-tools zstd"; ext=tar ;;
containers)
	pkgs="$pkgs podman crun runc containerd uidmap dbus dbus-user-session libpam-systemd busybox-static"
	ext=tar ;;
*) die "unknown rootfs flavour $flavour" ;;
esac
command -v mmdebstrap >/dev/null || die "no mmdebstrap (scripts/setup.sh, or apt-get install mmdebstrap)"

key=$( { echo "$suite $darch $mirror $pkgs"; cat "$0"; } | sha1sum | cut -c1-12)
out=$CACHE/rootfs/$suite-$darch${flavour:+-$flavour}-$key.$ext
if [ -f "$out" ]; then
	echo "$out"
	exit 0
fi
mkdir -p "$CACHE/rootfs"
exec 7> "$CACHE/rootfs/lock-$suite-$darch"
flock 7
[ -f "$out" ] && { echo "$out"; exit 0; }

dir=$(mktemp -d "$CACHE/rootfs/tmp.XXXXXX")
trap 'rm -rf "$dir"' EXIT
say "mmdebstrap $suite/$darch from $mirror: $pkgs" >&2
t0=$(date +%s)
# Documentation, man pages and locales are left out: the guest is a test
# machine and the cpio is loaded into its memory on every boot.
mmdebstrap --variant=minbase --architectures="$darch" \
	--include="${pkgs// /,}" \
	--dpkgopt='path-exclude=/usr/share/man/*' \
	--dpkgopt='path-exclude=/usr/share/doc/*' \
	--dpkgopt='path-exclude=/usr/share/locale/*' \
	--dpkgopt='path-exclude=/usr/share/info/*' \
	--customize-hook='rm -rf "$1"/var/cache/apt/* "$1"/var/lib/apt/lists/*' \
	"$suite" "$dir/root" "$mirror" >&2
if [ "$ext" = tar ]; then
	tar -C "$dir/root" --numeric-owner -cf "$dir/rootfs.$ext" .
else
	(cd "$dir/root" && find . | cpio -o -H newc --quiet) > "$dir/rootfs.$ext"
fi
mv "$dir/rootfs.$ext" "$out"
say "rootfs $suite/$darch: $(du -m "$out" | cut -f1) MiB in $(( $(date +%s) - t0 ))s" >&2
echo "$out"
