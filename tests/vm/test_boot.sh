#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# What a system that never mounts cgroup2 sees: /proc/self/cgroup as /init
# read it before mounting cgroup2 (/tmp/cgroup-at-boot).  restrack mounts
# the default hierarchy at its first system call, not at boot, since the
# first mount makes it visible there (a "0::/" line).  TAP on stdout.
T=/tmp/test_boot
. "$(dirname "$0")/tap.sh"
tap_start $T 2

check "/init saved /proc/self/cgroup before mounting cgroup2" \
	test -f /tmp/cgroup-at-boot
if grep -q '^0::' /tmp/cgroup-at-boot; then
	diag "$(cat /tmp/cgroup-at-boot)"
	result 1 "no cgroup2 line in /proc/self/cgroup before cgroup2 is mounted"
else
	result 0 "no cgroup2 line in /proc/self/cgroup before cgroup2 is mounted"
fi
tap_end
