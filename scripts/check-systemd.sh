#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check-systemd: boot the patched kernel into a Debian root filesystem
# with its real systemd and libcgroup's tools (cgroup-tools), and test
# restrack there: limits declared in [X-Restrack] sections of units and
# applied by "restrack apply" from the drop-ins of restrack-generator, and
# cgcreate/cgset/cgget/cgexec/cgconfigparser.  Prints the boot time, the
# whole run's time and "N passed, N failed"; exits non-zero on a failure.
#
# SUITE=bookworm|trixie picks the Debian release (systemd 252 / 257,
# libcgroup 2.0.2 / 3.1); SUITES="bookworm trixie" runs both.  LINE
# (default 6.12) and ARCH (x86_64) pick the kernel, built with
# tests/config/systemd.config in a build directory of its own
# (BUILD_TAG=systemd).  The root filesystem comes from mmdebstrap
# (scripts/mkrootfs.sh) and is cached; RESTRACK_MODE=shell boots it to a
# root shell on the console instead.
. "$(dirname "$0")/lib.sh"
line=${LINE:-6.12}
arch=${ARCH:-x86_64}
suites=${SUITES:-${SUITE:-bookworm}}
mode=${RESTRACK_MODE:-check}
[ "$arch" = x86_64 ] || die "check-systemd: x86_64 only for now (ARCH=$arch)"
arch_setup "$arch"
start=$(date +%s)

command -v mmdebstrap >/dev/null || {
	[ "$(id -u)" = 0 ] || die "no mmdebstrap: apt-get install mmdebstrap"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q mmdebstrap
}

export BUILD_TAG=systemd
obj=$(build_dir "$line" "$arch")-$BUILD_TAG
kernel=$obj/$KIMAGE
# RESTRACK_SKIP_BUILD=1 boots the kernel built last time (guest_kernel)
guest_kernel "$line" "$arch"
say "kernel $kernel ($(( $(date +%s) - start ))s)"

# The overlay (guest_overlay in lib.sh): the tool, the tests and the
# units, appended to the cached rootfs as a second cpio (the kernel unpacks
# them in order).  rt-boot.service is a unit with limits started at boot:
# tests/systemd/test_boot.sh checks them, the case of every reboot.  The
# kernel has no modules to load.
ov=$obj/systemd-overlay
guest_overlay "$ov" rt-boot "restrack test: limits of a unit started at boot" \
	"" "$TOP"/tests/systemd/test_*.sh
ln -s /dev/null "$ov/etc/systemd/system/systemd-modules-load.service"
if [ "$mode" = shell ]; then
	mkdir -p "$ov/etc/systemd/system/serial-getty@$CONSOLE.service.d"
	rm "$ov/etc/systemd/system/serial-getty@$CONSOLE.service"
	printf '[Service]\nExecStart=\nExecStart=-/sbin/agetty --autologin root --noclear %%I 115200 vt220\n' \
		> "$ov/etc/systemd/system/serial-getty@$CONSOLE.service.d/autologin.conf"
fi
(cd "$ov" && find . | cpio -o -H newc --quiet) > "$obj/systemd-overlay.cpio"

total_passed=0
total_failed=0
for suite in $suites; do
	t0=$(date +%s)
	rootfs=$("$TOP/scripts/mkrootfs.sh" "$suite" "$arch")
	initrd=$obj/systemd-$suite.cpio
	cat "$rootfs" "$obj/systemd-overlay.cpio" > "$initrd"
	log=$OUT/vm-systemd-$suite-$line-$arch.log
	qemu=( "$QEMU" $QEMU_ARGS -m 2G -smp 2 -nographic -no-reboot
		-kernel "$kernel" -initrd "$initrd"
		-append "console=$CONSOLE panic=-1 oops=panic loglevel=5 rdinit=/sbin/init systemd.show_status=false restrack.mode=$mode" )
	if [ "$mode" = shell ]; then
		exec "${qemu[@]}"
	fi
	say "booting $suite on $line/$arch, log in $log"
	set +e
	boot_logged "$log" "${RESTRACK_VM_TIMEOUT:-1200}" "${qemu[@]}"
	set -e
	tv=$(( $(date +%s) - t0 ))
	guest_results "$log" "$suite/$line/$arch" test_boot test_libcgroup \
		test_systemd test_generator test_run test_set test_slice \
		test_killlog test_status
	p=$guest_p
	f=$guest_f
	summary=$guest_summary
	# test_status prints its Prometheus text for promtool, which the guest
	# lacks: checked here, the copy first (checksum and line count)
	prom=$OUT/vm-systemd-$suite-status.prom
	sed -n 's/^restrack-prom: //p' "$log" > "$prom"
	sum=$(sed -n 's/^restrack-prom-sum: //p' "$log" | tail -1)
	if ! command -v promtool > /dev/null; then
		echo "FAIL $suite/$line/$arch: host: no promtool (scripts/setup.sh installs prometheus)"
		f=$((${f:-0} + 1))
	elif [ -z "$sum" ] || [ "$sum" != "$(sha256sum < "$prom" | cut -d' ' -f1) $(wc -l < "$prom")" ]; then
		echo "FAIL $suite/$line/$arch: host: test_status's Prometheus text did not arrive whole (sum '$sum')"
		f=$((${f:-0} + 1))
	elif promtool check metrics < "$prom" > "$prom.out" 2>&1; then
		echo "ok $suite/$line/$arch: host: promtool check metrics on test_status's status --prometheus --all"
		p=$((${p:-0} + 1))
	else
		echo "FAIL $suite/$line/$arch: host: promtool check metrics on test_status's status --prometheus --all:"
		sed 's/^/    /' "$prom.out" | head -20
		f=$((${f:-0} + 1))
	fi
	total_passed=$((total_passed + ${p:-0}))
	total_failed=$((total_failed + ${f:-1}))
	say "$suite: $p passed, $f failed (guest: $summary, and promtool on the host); boot $guest_boot, guest run ${tv}s"
done
say "check-systemd: $suites on $line/$arch in $(( $(date +%s) - start ))s"
echo "$total_passed passed, $total_failed failed"
[ "$total_failed" = 0 ]
