#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# make run: restrack at work, step by step, in the guest.
cg=/sys/fs/cgroup
step() { echo; echo "### $*"; }
show() { echo "\$ $*"; sh -c "$*"; }

step "restrack is a cgroup v2 controller"
show "cat $cg/cgroup.controllers"
show "echo +restrack > $cg/cgroup.subtree_control"
show "mkdir $cg/demo"
show "ls $cg/demo | grep restrack"

step "A shell in the cgroup: its heap (VmData) and descriptors are counted"
show "echo \$\$ > $cg/demo/cgroup.procs; grep VmData /proc/\$\$/status; ls /proc/\$\$/fd | wc -l; cat $cg/demo/restrack.heap.current $cg/demo/restrack.files.current"

step "files.max = 8: the 9th descriptor fails with EMFILE (policy deny)"
show "echo 8 > $cg/demo/restrack.files.max"
show "sh -c 'echo \$\$ > $cg/demo/cgroup.procs; exec 3</dev/null 4</dev/null 5</dev/null 6</dev/null 7</dev/null 8</dev/null 9</dev/null && echo opened all'"
show "cat $cg/demo/restrack.events"

step "heap.max = 4M: a 16 MiB allocation fails with ENOMEM, nothing else happens"
show "echo max > $cg/demo/restrack.files.max; echo 4M > $cg/demo/restrack.heap.max"
show "sh -c 'echo \$\$ > $cg/demo/cgroup.procs; dd if=/dev/zero bs=16M count=1 of=/dev/null'"
show "cat $cg/demo/restrack.events"

step "policy kill: the same allocation now kills the process"
show "echo kill > $cg/demo/restrack.policy"
show "sh -c 'echo \$\$ > $cg/demo/cgroup.procs; dd if=/dev/zero bs=16M count=1 of=/dev/null'; echo exit status \$?"
show "cat $cg/demo/restrack.events $cg/demo/restrack.heap.peak"

step "Usage is back to 0 once the processes are gone"
show "cat $cg/demo/restrack.heap.current $cg/demo/restrack.files.current"
show "rmdir $cg/demo"

step "The course-project system calls: register a process, watch it, cap it"
sleep 1000 &
victim=$!
show "restrack register $victim; cat /proc/$victim/cgroup; cat /proc/tracker_status"
show "restrack fetch $victim"
show "restrack cap $victim 64M 16; cat /proc/tracker_status"
show "restrack cap $victim 64M 16"
show "restrack reset $victim; restrack deregister $victim; cat /proc/$victim/cgroup"
kill $victim

step "A registered process that goes over its heap quota is killed"
mkfifo /tmp/go
sh -c 'read x < /tmp/go; dd if=/dev/zero bs=128M count=1 of=/dev/null' &
p=$!
show "restrack register $p; restrack cap $p 64M max; grep -w $p /proc/tracker_status"
echo go > /tmp/go
wait $p
echo "exit status $? (137: SIGKILL)"
sleep 1
show "cat /proc/tracker_status; ls $cg/restrack"
