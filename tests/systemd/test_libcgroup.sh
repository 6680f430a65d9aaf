#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# restrack through libcgroup's own tools (Debian's cgroup-tools) in the
# Debian guest: cgcreate, cgset, cgget, cgexec, cgconfigparser, cgdelete.
# Runs after test_boot and before test_systemd, while restrack is enabled
# nowhere, to see
# what a nested cgcreate does without +restrack at the root (libcgroup
# before 3.2) and that the documented workaround works.  Oracles: the
# cgroup files and the workload's own count of /proc/self/fd.  TAP.
H=/usr/local/libexec/restrack-tests/rt-hold
R=/run/rtcg
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/units.sh"
tap_start $R 17

ver=$(dpkg-query -W -f '${Version}' cgroup-tools)
diag "cgroup-tools $ver"

# --- nested cgcreate, and the workaround libcgroup < 3.2 needs ---
check "restrack is enabled nowhere yet" eval "! has_restrack $cg"
cgcreate -g restrack:/rtp/rtq > $R/nested.out 2>&1
st=$?
if [ -e $cg/rtp/rtq/restrack.files.max ]; then
	diag "libcgroup $ver: nested cgcreate without +restrack at the root works (status $st)"
else
	diag "libcgroup $ver: nested cgcreate without +restrack at the root: status $st, no restrack files in rtp/rtq (needs the workaround)"
	sed 's/^/#   /' $R/nested.out | head -5
fi
cgdelete -r -g restrack:/rtp 2>/dev/null || rmdir $cg/rtp/rtq $cg/rtp 2>/dev/null
# the workaround: enable restrack at the root first
echo +restrack > $cg/cgroup.subtree_control
check "workaround: nested cgcreate -g restrack:/rtp/rtq after +restrack at the root" \
	cgcreate -g restrack:/rtp/rtq
check "workaround: rtp/rtq has the restrack files" test -e $cg/rtp/rtq/restrack.files.max
check "workaround: restrack is enabled in rtp for rtq" has_restrack $cg/rtp
check "cgdelete -r -g restrack:/rtp removes both" \
	eval "cgdelete -r -g restrack:/rtp && test ! -e $cg/rtp"

# --- cgcreate, cgset, cgget, cgexec ---
check "cgcreate -g restrack:/rtx" cgcreate -g restrack:/rtx
check "cgset -r restrack.files.max=8 rtx" cgset -r restrack.files.max=8 rtx
eq "the cgroup file says 8" "$(cat $cg/rtx/restrack.files.max)" 8
cgset -r restrack.heap.max=64M rtx
eq "cgset -r restrack.heap.max=64M: the kernel parses the suffix" \
	"$(cat $cg/rtx/restrack.heap.max)" 67108864
cgexec -g restrack:rtx $H --files 20 --report $R/x.out
read -r _ opened total err _ < $R/x.out
eq "cgexec -g restrack:rtx: the command gets EMFILE at 8 descriptors" "$err $total" "EMFILE 8"
check "restrack.events counts it, once" grep -qx "files.max 1" $cg/rtx/restrack.events
cgget -r restrack.heap.current rtx > $R/get.out
eq "cgget -r restrack.heap.current rtx reads the file" \
	"$(sed -n 's/^restrack.heap.current: //p' $R/get.out)" "$(cat $cg/rtx/restrack.heap.current)"
cgget -r restrack.files.max rtx > $R/get.out
eq "cgget -r restrack.files.max rtx" "$(sed -n 's/^restrack.files.max: //p' $R/get.out)" 8
check "cgdelete -g restrack:/rtx" eval "cgdelete -g restrack:/rtx && test ! -e $cg/rtx"

# --- cgconfig.conf loaded by cgconfigparser ---
cat > $R/cgconfig.conf <<EOF
group rtweb {
	restrack {
		restrack.policy = kill;
		restrack.files.max = 8;
		restrack.heap.max = 268435456;
	}
}
EOF
check "cgconfigparser -l cgconfig.conf" cgconfigparser -l $R/cgconfig.conf
eq "cgconfig.conf: limits and policy set" \
	"$(cat $cg/rtweb/restrack.files.max $cg/rtweb/restrack.heap.max $cg/rtweb/restrack.policy | tr '\n' ' ')" \
	"8 268435456 kill "
cgexec -g restrack:rtweb $H --files 20
st=$?
eq "cgconfig.conf: under kill the command dies of SIGKILL (status 137)" "$st" 137
cgdelete -g restrack:/rtweb
rmdir $cg/rtweb 2>/dev/null

tap_end
