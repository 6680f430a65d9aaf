#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The Debian guest's first suite: rt-boot.service, a unit of the image
# with an [X-Restrack] FilesMax=200 and enabled in multi-user.target (made
# by scripts/check-systemd.sh), got its limit with the cgroup systemd
# created at boot, as after every reboot.  Then the unit stops and restrack
# is disabled again, so that test_libcgroup finds it enabled nowhere.
# Oracles: the workload's own count of /proc/self/fd and the errno it got
# (rt-hold), the cgroup files, the unit's journal.  TAP.
R=/run/rt-boot
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/units.sh"
tap_start $R 5

d=$(cgdir rt-boot.service)
check "boot: rt-boot.service reported what it opened" wait_file /run/rt-boot.out
read -r _ opened total err _ < /run/rt-boot.out
eq "boot: its open gets EMFILE at FilesMax=200 descriptors" "$err $total" "EMFILE 200"
eq "boot: restrack.files.max of its cgroup is 200" "$(cat $d/restrack.files.max)" 200
check "boot: apply logged it in the unit's journal" \
	journal_has rt-boot.service "rt-boot.service: /system.slice/rt-boot.service heap max files 200 policy deny"

systemctl stop rt-boot.service
echo -restrack > $cg/system.slice/cgroup.subtree_control
echo -restrack > $cg/cgroup.subtree_control
check "stopped, restrack is enabled nowhere again" \
	eval "! grep -rlw restrack $cg --include=cgroup.subtree_control"
tap_end
