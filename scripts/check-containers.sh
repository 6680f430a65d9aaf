#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check-containers: restrack limits on OCI containers.  Boots the
# patched kernel (the "containers" variant of tests/config/variants) into a
# Debian trixie guest with its own podman, crun, runc and containerd
# (scripts/mkrootfs.sh SUITE x86_64 containers), from an ext4 disk image
# made with mkfs.ext4 -d (root=/dev/vda, no initrd: a runtime pivot_roots
# into the container's root, which an initramfs root cannot do).  The
# guest runs tests/systemd/test_containers.sh; the containers' root file
# system is a directory it makes there (podman run --rootfs DIR), so that
# nothing is pulled.  Prints "N passed, N failed" and exits non-zero on a
# failure.
#
# SUITE (default trixie; bookworm has podman 4.3), LINE (default 6.12),
# x86_64 only.  RESTRACK_SKIP_BUILD=1 boots the kernel built last time
# without waiting for the machine's build lock; RESTRACK_APPEND adds to
# the guest kernel's command line.
. "$(dirname "$0")/lib.sh"
line=${LINE:-6.12}
arch=${ARCH:-x86_64}
suites=${SUITES:-${SUITE:-trixie}}
[ "$arch" = x86_64 ] || die "check-containers: x86_64 only for now (ARCH=$arch)"
command -v mkfs.ext4 >/dev/null || die "no mkfs.ext4: apt-get install e2fsprogs"
arch_setup "$arch"
start=$(date +%s)

export BUILD_TAG=containers
obj=$(build_dir "$line" "$arch")-$BUILD_TAG
kernel=$obj/$KIMAGE
guest_kernel "$line" "$arch"
say "kernel $kernel ($(( $(date +%s) - start ))s)"

# The overlay (guest_overlay in lib.sh): the tool, the generator, the
# runner with test_containers.sh, and rt-boot.service, a unit with limits.
ov=$obj/containers-overlay
guest_overlay "$ov" rt-boot "restrack test: limits of a unit started at boot" \
	test_containers "$TOP/tests/systemd/test_containers.sh"
ln -s /dev/null "$ov/etc/systemd/system/systemd-modules-load.service"

total_passed=0
total_failed=0
for suite in $suites; do
	t0=$(date +%s)
	tarball=$("$TOP/scripts/mkrootfs.sh" "$suite" "$arch" containers)
	root=$obj/containers-$suite
	rm -rf "$root"
	mkdir -p "$root"
	tar -C "$root" --numeric-owner -xf "$tarball"
	cp -a "$ov/." "$root/"
	disk=$obj/containers-$suite.ext4
	guest_disk "$root" "$disk" 1536
	say "disk $disk ($(( $(date +%s) - t0 ))s)"

	log=$OUT/vm-containers-$suite-$line-$arch.log
	qemu=( "$QEMU" $QEMU_ARGS -m 2G -smp 2 -nographic -no-reboot
		-kernel "$kernel" -drive "file=$disk,if=virtio,format=raw"
		-append "root=/dev/vda rw console=$CONSOLE panic=-1 oops=panic loglevel=5 systemd.show_status=false ${RESTRACK_APPEND:-}" )
	say "booting $suite on $line/$arch, log in $log"
	set +e
	boot_logged "$log" "${RESTRACK_VM_TIMEOUT:-1500}" "${qemu[@]}"
	set -e
	guest_results "$log" "$suite/$line/$arch" test_containers
	total_passed=$((total_passed + guest_p))
	total_failed=$((total_failed + guest_f))
	say "$suite: $guest_summary; boot $guest_boot, $(( $(date +%s) - t0 ))s"
done
say "check-containers: $suites on $line/$arch in $(( $(date +%s) - start ))s"
echo "$total_passed passed, $total_failed failed"
[ "$total_failed" = 0 ]
