#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The Debian guest's test runner (restrack-tests.service): waits for the
# boot to finish, reports its time, runs the suites with the framing
# scripts/tap-summary.sh reads, and reboots (QEMU runs with -no-reboot).
# Usage: run.sh [SUITE...]   (the suites named, else all of them)
T=/usr/local/libexec/restrack-tests
echo "restrack-vm: $(uname -r) $(uname -m), $(. /etc/os-release; echo "$PRETTY_NAME"), systemd $(systemctl --version | sed -n 's/^systemd \([0-9]*\).*/\1/p')"
systemctl is-system-running --wait > /dev/null
echo "restrack-vm: system state $(systemctl is-system-running)"
systemctl --failed --no-legend --plain | sed 's/^/restrack-vm: failed unit: /'
echo "restrack-vm: booted: $(systemd-analyze time | head -1)"
echo "restrack-vm: cgroup.controllers: $(cat /sys/fs/cgroup/cgroup.controllers)"

run_suite() {
	local name=$1 t0 rc
	shift
	echo "# suite: $name"
	t0=$(date +%s)
	"$@"
	rc=$?
	echo "# suite-exit: $name $rc $(( $(date +%s) - t0 ))s"
}
case "$(sed -n 's/.*restrack.mode=\([a-z]*\).*/\1/p' /proc/cmdline)" in
shell)	exit 0 ;;
esac
# named suites only (make check-install: test_install)
if [ $# -gt 0 ]; then
	for s; do
		run_suite "$s" "$T/$s.sh"
	done
	echo "restrack-vm: done"
	systemctl reboot -ff
	exit 0
fi
# the unit of the image started at boot first, then libcgroup: it looks
# at the root while nothing has restrack enabled
run_suite test_boot $T/test_boot.sh
run_suite test_libcgroup $T/test_libcgroup.sh
run_suite test_systemd $T/test_systemd.sh
run_suite test_generator $T/test_generator.sh
run_suite test_run $T/test_run.sh
run_suite test_set $T/test_set.sh
run_suite test_slice $T/test_slice.sh
# needs a kernel that logs kills (restrack: files.max of ...: killed ...)
run_suite test_killlog $T/test_killlog.sh
# a slice with two services: status, top, Prometheus, the exporter's unit
run_suite test_status $T/test_status.sh
echo "restrack-vm: done"
systemctl reboot -ff
