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

# A kernel report on a guest's console: panics, oopses, WARN()s (lockdep,
# RCU and refcount reports are WARNINGs), KASAN and sleep-in-atomic BUGs,
# UBSAN, kmemleak, hung tasks and RCU stalls, and a bare stack dump ("Call
# Trace:" on x86_64, "Call trace:" on arm64).  An awk regular expression.
KERNEL_REPORT_RE='(Kernel panic|BUG:|Oops|WARNING:|Call [Tt]race:|UBSAN:|unreferenced object|INFO: task .* blocked|rcu: INFO:|INFO: rcu_)'


# guest_overlay DIR BOOT_UNIT DESCRIPTION RUN_ARGS SCRIPT...: into DIR, what
# a Debian guest gets besides its packages (make check-systemd,
# check-install, check-containers): the generator and units as make
# install-systemd installs them, with the static tool in place of its
# build; rt-hold, the test runner tests/systemd/run.sh, started at boot on
# the console with RUN_ARGS, and the suites SCRIPT...; BOOT_UNIT.service
# (DESCRIPTION), a unit with FilesMax=200 enabled at boot, whose rt-hold
# reports in /run/BOOT_UNIT.out what it could open; no login prompt on the
# console.
guest_overlay() {
	local ov=$1 unit=$2 desc=$3 args=$4 libexec wants log
	shift 4
	libexec=$ov/usr/local/libexec/restrack-tests
	wants=$ov/etc/systemd/system/multi-user.target.wants
	rm -rf "$ov"
	mkdir -p "$ov/usr/local/sbin" "$libexec" "$wants"
	$TARGET_CC -static -O2 -Wall "$TOP/tests/systemd/rt-hold.c" -o "$libexec/rt-hold"
	install -m 755 "$TOP/tests/systemd/run.sh" "$@" "$libexec/"
	install -m 644 "$TOP/tests/tap.sh" "$TOP/tests/systemd/units.sh" "$libexec/"
	log=$(mktemp)
	make -s -C "$TOP/tools/restrack" install-systemd DESTDIR="$ov" PREFIX=/usr/local \
		SBINDIR=/usr/local/sbin > "$log" 2>&1 ||
		{ cat "$log"; rm -f "$log"; die "make install-systemd failed"; }
	rm -f "$log"
	$TARGET_CC -static -O2 -Wall -DRESTRACK_SBINDIR='"/usr/local/sbin"' \
		"$TOP"/tools/restrack/*.c -o "$ov/usr/local/sbin/restrack"
	cat > "$ov/etc/systemd/system/restrack-tests.service" <<UNIT
[Unit]
Description=restrack tests
After=multi-user.target
[Service]
Type=simple
ExecStart=/usr/local/libexec/restrack-tests/run.sh${args:+ $args}
StandardOutput=tty
StandardError=tty
TTYPath=/dev/$CONSOLE
TTYReset=no
TTYVHangup=no
UNIT
	ln -s ../restrack-tests.service "$wants/"
	cat > "$ov/etc/systemd/system/$unit.service" <<UNIT
[Unit]
Description=$desc
[Service]
ExecStart=/usr/local/libexec/restrack-tests/rt-hold --files 300 --report /run/$unit.out --hold
[Install]
WantedBy=multi-user.target
[X-Restrack]
FilesMax=200
UNIT
	ln -s "../$unit.service" "$wants/"
	# e2scrub_reap needs LVM tools the guests do not have
	for unit in "serial-getty@$CONSOLE.service" getty@tty1.service \
		    e2scrub_reap.service; do
		ln -s /dev/null "$ov/etc/systemd/system/$unit"
	done
	echo restrack-vm > "$ov/etc/hostname"
}

# guest_kernel LINE ARCH: the kernel of variant $BUILD_TAG for a Debian
# guest (make check-systemd, check-containers), its log in
# $OUT/$BUILD_TAG-kernel.log; with RESTRACK_SKIP_BUILD=1 the one built last
# time, without waiting for the machine's build lock (only when the kernel
# sources did not change).
guest_kernel() {
	local kernel log=$OUT/$BUILD_TAG-kernel.log
	kernel=$(build_dir "$1" "$2")-$BUILD_TAG/$KIMAGE
	mkdir -p "$OUT"		# for the guest's log too
	if [ -n "${RESTRACK_SKIP_BUILD:-}" ] && [ -f "$kernel" ]; then
		say "not rebuilding $kernel (RESTRACK_SKIP_BUILD)"
		return
	fi
	"$TOP/scripts/build-kernel.sh" "$1" "$2" > "$log" 2>&1 ||
		{ tail -30 "$log"; die "kernel build failed (log: $log)"; }
}

# guest_disk ROOT DISK SPARE_MIB: an ext4 image of the directory ROOT
# (mkfs.ext4 -d, no mount) with SPARE_MIB free, labelled root; ROOT is
# removed.
guest_disk() {
	rm -f "$2"
	truncate -s $(( $(du -sm "$1" | cut -f1) + $3 ))M "$2"
	mkfs.ext4 -q -F -L root -d "$1" "$2" || die "mkfs.ext4 -d $1 failed"
	rm -rf "$1"
}

# guest_results LOG LABEL SUITE...: the TAP results of a Debian guest's
# LOG (scripts/tap-summary.sh), which must report each SUITE; printed,
# their counts in guest_p and guest_f (a run without a summary counts as
# one failure), the summary line in guest_summary and the boot's time
# (boot_logged's line) in guest_boot.
guest_results() {
	local log=$1 label=$2 results list
	shift 2
	list=$(mktemp)
	printf '%s\n' "$@" > "$list"
	# (not tee /dev/stderr: when stderr is a file, that reopens and
	# truncates it)
	results=$(RESTRACK_SUITES=$list "$TOP/scripts/tap-summary.sh" "$log" "$label") || true
	rm -f "$list"
	printf '%s\n' "$results"
	guest_summary=$(tail -1 <<< "$results")
	read -r guest_p guest_f <<< "$(tap_counts "$guest_summary")"
	guest_p=${guest_p:-0}
	guest_f=${guest_f:-1}
	guest_boot=$(sed -n 's/^restrack-vm: host: booted \([0-9.]*s\).*/\1/p' "$log" | head -1)
}

# boot_logged LOG SECONDS QEMU...: run a guest for at most SECONDS, its
# console to stdout and to LOG, with the host's seconds from QEMU's start
# to the guest's "restrack-vm: booted" added as a line of its own.
boot_logged() {
	local log=$1 limit=$2 tq
	shift 2
	tq=$(date +%s.%N)
	timeout --foreground -k 10 "$limit" "$@" < /dev/null 2>&1 |
		tr -d '\r' | while IFS= read -r l; do
			printf '%s\n' "$l"
			case "$l" in
			"restrack-vm: booted"*)
				echo "restrack-vm: host: booted $(echo "$(date +%s.%N) - $tq" | bc | cut -c1-5)s after QEMU started" ;;
			esac
		done | tee "$log"
}

# tap_counts LINE: "P F" from an "N passed, N failed" line; empty if not one.
tap_counts() {
	echo "$1" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed.*/\1 \2/p'
}
say() { echo "== $*"; }

# Lines we patch.  6.13 has no Debian package; it is built from a tree given
# with KSRC.  7.3 comes from trixie-backports, fetched by scripts/setup.sh
# into the cache without changing the host's apt sources.
LINES_DEBIAN="6.1 6.12 7.3"
LINES_ALL="6.1 6.12 6.13 7.3"
LINE_NEWEST=${LINES_ALL##* }

# stage_patched PATCH SRC BEFORE AFTER: the files of SRC that PATCH
# touches, into BEFORE as they are and into AFTER with PATCH applied.
stage_patched() {
	local f
	for f in $(sed -n 's|^+++ b/||p' "$1" | sort -u); do
		[ -f "$2/$f" ] || continue
		mkdir -p "$3/$(dirname "$f")" "$4/$(dirname "$f")"
		cp "$2/$f" "$3/$f"
		cp "$2/$f" "$4/$f"
	done
	patch -s -p1 -d "$4" --no-backup-if-mismatch < "$1" ||
		die "$1 does not apply to $2"
}

# pristine_tree LINE: path of the unpacked, never-modified source of LINE.
# A tree given for the line wins: KSRC_<line> (KSRC_6_13=/path), or KSRC when
# one line is built; else Debian's source package; else the tree recorded in
# $CACHE/ksrc-<line> (scripts/ksrc.sh).
pristine_tree() {
	local line=$1 var tree=
	var=KSRC_${line//./_}
	if [ -n "${!var:-}" ]; then
		tree=${!var}
	elif [ -n "${KSRC:-}" ]; then
		tree=$KSRC
	elif [ -n "$(debian_tarball "$line")" ]; then
		debian_tree "$line"
		return
	elif [ -f "$CACHE/ksrc-$line" ]; then
		tree=$(cat "$CACHE/ksrc-$line")
	else
		die "no source tree for $line: run scripts/setup.sh, or give one with KSRC=/path (see README)"
	fi
	[ -f "$tree/Makefile" ] || die "$tree is not a kernel tree"
	case "$(kernel_version "$tree")" in
	"$line".*) ;;
	*) die "$tree is $(kernel_version "$tree"), not a $line tree" ;;
	esac
	echo "$tree"
}

# has_tree LINE: a tree of LINE can be had (given, Debian's, or recorded).
has_tree() {
	local var=KSRC_${1//./_}
	[ -n "${!var:-}" ] || [ -n "${KSRC:-}" ] ||
		[ -n "$(debian_tarball "$1")" ] || [ -f "$CACHE/ksrc-$1" ]
}

# The 6.13 tree, if one is configured (KSRC_6_13 or scripts/ksrc.sh).
configured_tree() {
	local var=KSRC_${1//./_}
	[ -n "${!var:-}" ] || [ -f "$CACHE/ksrc-$1" ]
}

# debian_tarball LINE: Debian's source tarball of LINE, installed or
# fetched into the cache by scripts/setup.sh; empty if neither.
debian_tarball() {
	local f
	for f in "/usr/src/linux-source-$1.tar.xz" \
		 "$CACHE/deb/linux-source-$1/usr/src/linux-source-$1.tar.xz"; do
		[ -f "$f" ] && { echo "$f"; return; }
	done
	true
}

debian_tree() {
	local line=$1
	local tarball
	tarball=$(debian_tarball "$line")
	local dir=$CACHE/src/linux-source-$line
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

# line_patches LINE: the patches of LINE in order.  patches/common/ holds
# those every line shares (written with little context, so that they apply
# to each); a file of the same name in patches/LINE/ replaces one.
line_patches() {
	local name
	for name in $(cd "$TOP/patches" && ls common "$1" | grep '\.patch$' | sort -u); do
		if [ -f "$TOP/patches/$1/$name" ]; then
			echo "$TOP/patches/$1/$name"
		else
			echo "$TOP/patches/common/$name"
		fi
	done
}

# build_lock: take the machine-wide kernel build lock, first come first
# served (flock alone lets a newcomer overtake a build that has waited for
# long): each waiter queues a ticket and takes the lock in ticket order.
# Held on fd 8 until the calling script exits.
build_lock() {
	local q=$CACHE/build-queue ticket first t
	mkdir -p "$q"
	ticket=$q/$(date +%s%N)-$$
	: > "$ticket"
	# shellcheck disable=SC2064
	trap "rm -f '$ticket'" EXIT
	while :; do
		first=
		for t in $(ls "$q" | sort); do
			# a ticket whose process is gone is dropped
			if kill -0 "${t##*-}" 2>/dev/null; then first=$t; break; fi
			rm -f "$q/$t"
		done
		[ "$first" = "${ticket##*/}" ] && break
		sleep 1
	done
	exec 8> "$CACHE/lock-build"
	flock 8
	rm -f "$ticket"
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
# variant_fragments TAG ARCH: the fragments of kernel variant TAG ("" is
# the test kernel) from tests/config/variants, each followed by its
# -ARCH.config where one exists.
variant_fragments() {
	local tag=${1:-test} arch=$2 row f
	row=$(awk -v t="$tag" '{ sub(/#.*/, "") }
		NF && ($1 == t || ($1 ~ /\*$/ && index(t, substr($1, 1, length($1) - 1)) == 1)) {
			$1 = ""; print; found = 1; exit
		}
		END { exit !found }' "$TOP/tests/config/variants") ||
		die "no kernel variant $tag in tests/config/variants"
	for f in $row; do
		[ "$f" = - ] && continue
		echo "$TOP/tests/config/$f"
		[ ! -f "$TOP/tests/config/${f%.config}-$arch.config" ] ||
			echo "$TOP/tests/config/${f%.config}-$arch.config"
	done
}

# RESTRACK_WS=NAME gives a second work tree of the repository its own trees,
# build directories and line locks, so that it can build and boot beside this
# one; pristine sources and ccache stay shared.
WS=${RESTRACK_WS:+-$RESTRACK_WS}
tree_dir()  { echo "$CACHE/tree/$1$WS"; }
build_dir() { echo "$CACHE/build/$1-$2$WS"; }
