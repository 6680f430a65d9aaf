# SPDX-License-Identifier: GPL-2.0
# Common settings for the restrack build and test scripts.  Sourced, not run.

set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${RESTRACK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/restrack}
OUT=$TOP/out
JOBS=${JOBS:-$(nproc)}
export CCACHE_DIR=${CCACHE_DIR:-$CACHE/ccache}
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-8G}

die() { echo "restrack: $*" >&2; exit 1; }
say() { echo "== $*"; }

# Lines we patch.  6.13 has no Debian package; it is built from KSRC.
LINES_DEBIAN="6.1 6.12"

# pristine_tree LINE: path of the unpacked, never-modified source of LINE.
# KSRC overrides (required for lines Debian does not package).
pristine_tree() {
	local line=$1
	if [ -n "${KSRC:-}" ]; then
		[ -f "$KSRC/Makefile" ] || die "KSRC=$KSRC is not a kernel tree"
		echo "$KSRC"
		return
	fi
	local tarball=/usr/src/linux-source-$line.tar.xz
	local dir=$CACHE/src/linux-source-$line
	[ -f "$tarball" ] || die "no $tarball: apt-get install linux-source-$line (see .ci/run)"
	# Re-unpack when Debian ships a new upstream release of the line.
	local stamp
	stamp=$(stat -c %Y-%s "$tarball")
	if [ ! -f "$dir/.restrack-stamp" ] || [ "$(cat "$dir/.restrack-stamp")" != "$stamp" ]; then
		say "unpacking $tarball" >&2
		rm -rf "$dir"
		mkdir -p "$CACHE/src"
		tar -C "$CACHE/src" -xf "$tarball"
		echo "$stamp" > "$dir/.restrack-stamp"
	fi
	echo "$dir"
}

# kernel_version TREE: "6.1.192" etc.
kernel_version() {
	make -s -C "$1" kernelversion 2>/dev/null
}

# Per-arch settings.
arch_setup() {
	case "$1" in
	x86_64)
		KARCH=x86_64; CROSS=; KIMAGE=arch/x86/boot/bzImage
		QEMU=qemu-system-x86_64; QEMU_ARGS="-M pc -cpu max"
		CONSOLE=ttyS0; TARGET_CC=gcc
		;;
	arm64)
		KARCH=arm64; CROSS=aarch64-linux-gnu-; KIMAGE=arch/arm64/boot/Image
		QEMU=qemu-system-aarch64; QEMU_ARGS="-M virt -cpu cortex-a57"
		CONSOLE=ttyAMA0; TARGET_CC=aarch64-linux-gnu-gcc
		;;
	*) die "unknown arch $1 (x86_64 or arm64)" ;;
	esac
}

# Every line/arch pair gets its own source copy, build and initramfs.
tree_dir()  { echo "$CACHE/tree/$1"; }
build_dir() { echo "$CACHE/build/$1-$2"; }
