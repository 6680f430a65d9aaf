#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the test initramfs of LINE/ARCH: static busybox, tests/vm/init, the
# restrack selftests, the fuzzer and the upstream cgroup selftests of the same tree, all
# statically linked against the uapi headers of the patched kernel.
# When the host has stress-ng and ARCH is the host's, also the stress-ng
# overlay of make check-debug (restrack-stressng.cpio.gz, see below).
# Usage: scripts/mkinitramfs.sh LINE ARCH
. "$(dirname "$0")/lib.sh"
line=${1:?usage: $0 LINE ARCH}
arch=${2:?usage: $0 LINE ARCH}
arch_setup "$arch"
obj=$(build_dir "$line" "$arch")
tree=$(tree_dir "$line")
# The line's tree and build directory are scripts/build-kernel.sh's: wait
# for a build of the line to finish.
exec 9> "$CACHE/lock-$line$WS"
flock 9
hdr=$obj/usr/include
[ -d "$hdr/linux" ] || die "no $hdr: build the kernel first"

case "$arch" in
x86_64) busybox=/bin/busybox ;;
arm64)	busybox=$CACHE/busybox-arm64/bin/busybox
	if [ ! -x "$busybox" ]; then
		# busybox-static is not co-installable across architectures:
		# unpack the arm64 package instead of installing it.
		d=$(mktemp -d)
		(cd "$d" && apt-get download busybox-static:arm64 >/dev/null) ||
			die "cannot download busybox-static:arm64 (dpkg --add-architecture arm64; apt-get update)"
		dpkg-deb -x "$d"/busybox-static_*.deb "$CACHE/busybox-arm64"
		rm -rf "$d"
	fi ;;
esac
case "$(file -L "$busybox")" in
*"statically linked"*) ;;
*) die "$busybox is not static (apt-get install busybox-static)" ;;
esac

root=$obj/initramfs
rm -rf "$root"
mkdir -p "$root"/{bin,dev,proc,sys,tmp,tests/upstream,tests/fuzz,tests/faults}
cp "$busybox" "$root/bin/busybox"
cp "$TOP/tests/vm/init" "$root/init"
chmod 755 "$root/init"
mknod -m 600 "$root/dev/console" c 5 1

# The tests run on kselftest_harness.h, the line's own (restrack_harness.h).
cflags="-static -O2 -Wall -pthread -isystem $hdr -I $TOP/tools/restrack"
cflags+=" -I $tree/tools/testing/selftests"
# The helpers every test links, the fuzzer and the fault-injection suite
# too: the .c files of tests/selftests that are not a test
# (restrack_test.h lists them).
helpers=()
for src in "$TOP"/tests/selftests/*.c; do
	case "$src" in */test_*.c) ;; *) helpers+=("$src") ;; esac
done
for src in "$TOP"/tests/selftests/test_*.c; do
	[ -e "$src" ] || continue
	name=$(basename "$src" .c)
	dest=$root/tests/$name
	# Tests of what the patch must not change run on both kernels, with
	# the upstream selftests (see the baseline in scripts/check.sh).
	[ "$name" = test_overcommit ] && dest=$root/tests/upstream/$name
	$TARGET_CC $cflags -I "$TOP/tests/selftests" "$src" \
		"${helpers[@]}" -o "$dest"
done
$TARGET_CC $cflags -I "$TOP/tests/selftests" "$TOP/tests/bench/bench.c" \
	"${helpers[@]}" -o "$root/tests/bench"
# The fuzzer runs when asked (restrack.fuzz=, tests/vm/init), not as a suite.
$TARGET_CC $cflags -I "$TOP/tests/selftests" "$TOP/tests/fuzz/restrack_fuzz.c" \
	"${helpers[@]}" -o "$root/tests/fuzz/restrack_fuzz"
# So does the fault-injection suite (restrack.faults=1, debug kernels).
$TARGET_CC $cflags -I "$TOP/tests/selftests" "$TOP/tests/faults/restrack_faults.c" \
	"${helpers[@]}" -o "$root/tests/faults/restrack_faults"
$TARGET_CC $cflags "$TOP/tests/faults/exec_image.c" \
	-o "$root/tests/faults/restrack_faults_exec"
$TARGET_CC $cflags "$TOP"/tools/restrack/*.c -o "$root/bin/restrack"
for f in "$TOP"/tests/vm/*.sh; do
	[ -e "$f" ] && install -m 755 "$f" "$root/tests/"
done
install -m 644 "$TOP/tests/tap.sh" "$root/tests/"

# Upstream cgroup selftests: proof that the patch breaks nothing around it.
up=$tree/tools/testing/selftests/cgroup
uplib=("$up/cgroup_util.c")
# 6.16 and later keep cgroup_util in lib/
[ -f "$up/lib/cgroup_util.c" ] && uplib=("$up/lib/cgroup_util.c" -I "$up/lib/include")
for name in test_core test_kill test_pids; do
	[ -f "$up/$name.c" ] || continue
	$TARGET_CC $cflags -w -I "$tree/tools/testing/selftests" \
		"$up/$name.c" "${uplib[@]}" -o "$root/tests/upstream/$name"
done

# The suites the guest must report (scripts/tap-summary.sh): a suite that
# vanishes fails the run.
(cd "$root/tests" && ls test_* upstream/test_* 2>/dev/null) > "$obj/restrack-suites"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$obj/restrack-initramfs.cpio.gz"
echo "$obj/restrack-initramfs.cpio.gz"

# The stress-ng lane (tests/stress, make check-debug and make stressng):
# Debian's stress-ng is dynamically linked, so it comes with the libraries
# ldd lists and the dynamic loader, at their paths, in an overlay of its own
# (32 MiB unpacked, 11 MiB compressed) that scripts/run-vm.sh appends to the
# initramfs only for that lane: make check's guests do without.  Only for
# the host's architecture (ldd runs the host's loader); arm64 would need
# stress-ng:arm64 and its libraries unpacked (docs/testing.md).
over=$obj/initramfs-stressng
rm -rf "$over" "$obj/restrack-stressng.cpio.gz"
host_arch=$(uname -m)
[ "$host_arch" = aarch64 ] && host_arch=arm64
stressng=$(command -v stress-ng || true)
if [ -n "$stressng" ] && [ "$arch" = "$host_arch" ]; then
	mkdir -p "$over/bin" "$over/tests/stress"
	cp -L "$stressng" "$over/bin/stress-ng"
	for lib in $(ldd "$stressng" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }
					       $1 ~ /^\// { print $1 }'); do
		mkdir -p "$over$(dirname "$lib")"
		cp -L "$lib" "$over$lib"
	done
	$TARGET_CC $cflags -I "$TOP/tests/selftests" \
		"$TOP/tests/stress/restrack_stressng.c" "${helpers[@]}" \
		-o "$over/tests/stress/restrack_stressng"
	(cd "$over" && find . | cpio -o -H newc --quiet | gzip -1) > "$obj/restrack-stressng.cpio.gz"
	echo "$obj/restrack-stressng.cpio.gz"
fi
