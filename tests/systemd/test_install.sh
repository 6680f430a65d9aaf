#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check-install's suite, in a Debian guest booted from the kernel
# package that dpkg -i installed (scripts/check-install.sh): the running
# kernel is the package's, from its /boot and the initrd initramfs-tools
# made, with the root on the virtio disk; systemd reached multi-user.target;
# the controller, a module of the package, the system calls and
# /proc/tracker_status work; and rt-install.service, a unit of the image
# with an [X-Restrack] FilesMax=200 enabled at boot, runs limited.
# Oracles: the package database, the mount table, the kernel's own config
# (/proc/config.gz from the package's configs.ko), the cgroup files, the
# workload's count of /proc/self/fd and its errno (rt-hold), the unit's
# journal.  TAP.
R=/run/rt-install
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/units.sh"
tap_start $R 17
want=$(sed -n 's/.*restrack.release=\([^ ]*\).*/\1/p' /proc/cmdline)
krel=$(uname -r)

# --- the package and the boot --------------------------------------------------
eq "boot: runs the packaged release" "$krel" "$want"
eq "boot: linux-image-$krel is installed (dpkg)" \
	"$(dpkg-query -W -f='${Status}' "linux-image-$krel" 2>&1)" "install ok installed"
eq "boot: root is the ext4 of the virtio disk" "$(findmnt -n -o SOURCE,FSTYPE /)" "/dev/vda ext4"
# initramfs-tools' init makes /run/initramfs before it mounts the root
check "boot: through initramfs-tools' initrd (/run/initramfs)" test -d /run/initramfs
eq "boot: multi-user.target is active" "$(systemctl is-active multi-user.target)" active
state=$(systemctl is-system-running)
eq "boot: the system is running, no unit failed" "$state" running
[ "$state" = running ] || systemctl --failed --no-legend --plain | sed 's/^/# failed: /'
check "modprobe configs (the package's module)" modprobe configs
check "its /proc/config.gz has CONFIG_CGROUP_RESTRACK=y" \
	eval 'zcat /proc/config.gz | grep -qx CONFIG_CGROUP_RESTRACK=y'
check "restrack is in cgroup.controllers" grep -qw restrack $cg/cgroup.controllers

# --- the system calls and /proc/tracker_status ---------------------------------
check "/proc/tracker_status: its header" \
	eval '[ "$(head -1 /proc/tracker_status)" = "PID COMMAND HEAP_MIB HEAP_CAP_MIB FILES FILE_CAP POLICY CGROUP" ]'
sleep 1000 &
v=$!
rt register $v
check "register: the process moves to /restrack/$v" \
	eval '[ $rc = 0 ] && grep -qx "0::/restrack/$v" /proc/$v/cgroup'
rt cap $v 64M 16
check "resource_cap: heap.max 64M, files.max 16" \
	eval '[ $rc = 0 ] && [ "$(cat $cg/restrack/$v/restrack.heap.max) $(cat $cg/restrack/$v/restrack.files.max)" = "67108864 16" ]'
rt fetch $v
check "fetch: the cgroup's usage" \
	eval '[ $rc = 0 ] && [ "$(cat $R/out)" = "pid $v heap $(( $(cat $cg/restrack/$v/restrack.heap.current) >> 20 ))M files $(cat $cg/restrack/$v/restrack.files.current)" ]'
line=$(awk -v p=$v '$1 == p' /proc/tracker_status)
# resource_cap() sets the course project's policy, kill
eq "/proc/tracker_status: the registered process, its caps and policy" \
	"$(echo "$line" | awk '{ print $1, $2, $4, $6, $7, $8 }')" "$v sleep 64 16 kill /restrack/$v"
rt deregister $v
check "deregister: gone from /proc/tracker_status" \
	eval '[ $rc = 0 ] && ! awk -v p=$v "\$1 == p" /proc/tracker_status | grep -q .'
kill $v

# --- a unit with limits, started at boot ---------------------------------------
u=$(cgdir rt-install.service)
if wait_file /run/rt-install.out; then
	read -r _ opened total err _ < /run/rt-install.out
else
	diag "rt-install.service wrote no report: $(systemctl is-active rt-install.service)"
fi
eq "unit: its open gets EMFILE at FilesMax=200 descriptors" "${err:-} ${total:-}" "EMFILE 200"
events=$(sed -n 's/^files.max //p' "$u/restrack.events" 2>/dev/null)
check "unit: files.max is 200 and restrack.events counts the refusal ($events)" \
	eval '[ "$(cat $u/restrack.files.max)" = 200 ] && [ "${events:-0}" -ge 1 ]'
tap_end
