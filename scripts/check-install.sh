#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check-install: the patched kernel as a Debian package, installed and
# booted the way users install kernels.  Builds the packages of the test
# kernel with the kernel's bindeb-pkg (scripts/build-deb.sh, CONFIG=test:
# the "install" variant of tests/config/variants), unpacks a Debian root
# file system with initramfs-tools (scripts/mkrootfs.sh SUITE x86_64
# install), installs linux-image and linux-headers there with dpkg -i in a
# chroot, so that the package's postinst has the guest's initramfs-tools
# make /boot/initrd.img-<release>, makes an ext4 disk image of it
# (mkfs.ext4 -d, no mount), and boots QEMU (TCG) from the installed
# /boot/vmlinuz-<release> and /boot/initrd.img-<release> with
# root=/dev/vda.  The guest runs tests/systemd/test_install.sh.  Prints
# "N passed, N failed" (the host's checks of the installation and the
# guest's) and exits non-zero on a failure.
#
# SUITE=bookworm|trixie (default bookworm), SUITES="bookworm trixie";
# LINE (default 6.12), x86_64 only.  RESTRACK_SKIP_BUILD=1 installs the
# packages built last time without waiting for the machine's build lock;
# RESTRACK_APPEND adds to the guest kernel's command line.
. "$(dirname "$0")/lib.sh"
line=${LINE:-6.12}
arch=${ARCH:-x86_64}
suites=${SUITES:-${SUITE:-bookworm}}
[ "$arch" = x86_64 ] || die "check-install: x86_64 only for now (ARCH=$arch)"
[ "$(id -u)" = 0 ] || die "check-install: run as root (dpkg -i in a chroot)"
arch_setup "$arch"
command -v mkfs.ext4 >/dev/null || die "no mkfs.ext4: apt-get install e2fsprogs"
start=$(date +%s)

mkdir -p "$OUT"
debs=$OUT/deb-$line-$arch-test
if [ -n "${RESTRACK_SKIP_BUILD:-}" ] && [ -f "$debs/release" ]; then
	say "not rebuilding the packages in $debs (RESTRACK_SKIP_BUILD)"
else
	CONFIG=test "$TOP/scripts/build-deb.sh" "$line" "$arch" > "$OUT/install-deb.log" 2>&1 ||
		{ tail -30 "$OUT/install-deb.log"; die "make deb CONFIG=test failed (log: $OUT/install-deb.log)"; }
fi
krel=$(cat "$debs/release")
image=$(ls "$debs/linux-image-${krel}_"*.deb)
headers=$(ls "$debs/linux-headers-${krel}_"*.deb)
say "packages of $krel ($(( $(date +%s) - start ))s): $(cd "$debs" && echo *.deb)"

# What the image gets besides the package (guest_overlay in lib.sh): the
# tool, the generator, the test runner with test_install.sh, and
# rt-install.service, a unit with limits enabled at boot.
obj=$(build_dir "$line" "$arch")-install
ov=$obj/install-overlay
guest_overlay "$ov" rt-install \
	"restrack test: limits of a unit started at boot on the installed kernel" \
	test_install "$TOP/tests/systemd/test_install.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

total_passed=0
total_failed=0
for suite in $suites; do
	t0=$(date +%s)
	p=0
	f=0
	host() {	# host DESC CMD...: one of the host's checks
		if "${@:2}"; then
			echo "ok $suite/$line/$arch: host: $1"
			p=$((p + 1))
		else
			echo "FAIL $suite/$line/$arch: host: $1"
			f=$((f + 1))
		fi
	}
	tarball=$("$TOP/scripts/mkrootfs.sh" "$suite" "$arch" install)
	root=$obj/install-$suite
	rm -rf "$root"
	mkdir -p "$root"
	tar -C "$root" --numeric-owner -xf "$tarball"
	cp "$image" "$headers" "$root/tmp/"
	# dpkg -i in a chroot with /proc, /sys and /dev, in a mount namespace
	# of its own: the mounts go with it
	log=$OUT/install-dpkg-$suite.log
	rc=0
	# shellcheck disable=SC2016
	unshare --mount --propagation private sh -c '
		mount -t proc proc "$1/proc" && mount -t sysfs sys "$1/sys" &&
		mount --bind /dev "$1/dev" &&
		chroot "$1" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
			dpkg -i "/tmp/${2##*/}" "/tmp/${3##*/}"' sh "$root" "$image" "$headers" \
		> "$log" 2>&1 || rc=$?
	host "dpkg -i linux-image-$krel linux-headers-$krel: exit $rc" [ "$rc" = 0 ]
	[ "$rc" = 0 ] || sed 's/^/    /' "$log" | tail -20
	rm -f "$root/tmp/"*.deb
	host "the package's postinst ran update-initramfs (log: $log)" \
		grep -q "update-initramfs: Generating /boot/initrd.img-$krel" "$log"
	host "/boot/vmlinuz-$krel and /boot/config-$krel installed" \
		test -f "$root/boot/vmlinuz-$krel" -a -f "$root/boot/config-$krel"
	host "the package has /lib/modules/$krel with configs.ko and modules.dep" \
		test -f "$root/lib/modules/$krel/kernel/kernel/configs.ko" -a -f "$root/lib/modules/$krel/modules.dep"
	initrd=$root/boot/initrd.img-$krel
	chroot "$root" lsinitramfs "/boot/initrd.img-$krel" > "$tmp/initrd.list" 2>&1 || true
	host "initramfs-tools made /boot/initrd.img-$krel, with its init and modules.dep" \
		eval "[ -f '$initrd' ] && grep -qx init '$tmp/initrd.list' && grep -Eq '^(usr/)?lib/modules/$krel/modules.dep\$' '$tmp/initrd.list'"
	# the kernel and initrd the guest's boot loader would load, copied out
	kernel=$obj/install-$suite.vmlinuz
	cp "$root/boot/vmlinuz-$krel" "$kernel"
	cp "$initrd" "$obj/install-$suite.initrd" 2>/dev/null || : > "$obj/install-$suite.initrd"
	cp -a "$ov/." "$root/"
	disk=$obj/install-$suite.ext4
	guest_disk "$root" "$disk" 1024
	say "disk $disk: $(du -m "$disk" | cut -f1) MiB used ($(( $(date +%s) - t0 ))s)"

	vlog=$OUT/vm-install-$suite-$line-$arch.log
	qemu=( "$QEMU" $QEMU_ARGS -m 1G -smp 2 -nographic -no-reboot
		-kernel "$kernel" -initrd "$obj/install-$suite.initrd"
		-drive "file=$disk,if=virtio,format=raw"
		-append "root=/dev/vda rw console=$CONSOLE panic=-1 oops=panic loglevel=5 systemd.show_status=false restrack.release=$krel ${RESTRACK_APPEND:-}" )
	say "booting $suite from the installed /boot/vmlinuz-$krel, log in $vlog"
	set +e
	boot_logged "$vlog" "${RESTRACK_VM_TIMEOUT:-900}" "${qemu[@]}"
	set -e
	guest_results "$vlog" "$suite/$line/$arch" test_install
	p=$((p + guest_p))
	f=$((f + guest_f))
	summary=$guest_summary
	total_passed=$((total_passed + p))
	total_failed=$((total_failed + f))
	say "$suite: $p passed, $f failed (guest: $summary); boot $guest_boot, $(( $(date +%s) - t0 ))s"
done
say "check-install: $suites on $line/$arch ($krel) in $(( $(date +%s) - start ))s"
echo "$total_passed passed, $total_failed failed"
[ "$total_failed" = 0 ]
