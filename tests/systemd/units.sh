# SPDX-License-Identifier: GPL-2.0
# Helpers of the Debian guest's suites about units and their cgroups,
# sourced after tests/tap.sh.  bash.
cg=/sys/fs/cgroup

# prop PROPERTY UNIT: systemctl show's value
prop() { systemctl show -P "$1" "$2"; }
# cgdir UNIT: the unit's cgroup directory
cgdir() { echo "$cg$(prop ControlGroup "$1")"; }
# nfds PID: its open descriptors, from /proc/PID/fd
nfds() { ls "/proc/$1/fd" 2>/dev/null | wc -l; }
has_restrack() { grep -qw restrack "$1/cgroup.subtree_control"; }
# journal_has UNIT TEXT: this boot's journal of UNIT says TEXT
journal_has() { journalctl -q -b -u "$1" --no-pager | grep -qF -- "$2"; }
# wait_file FILE: until it has a line (10 s at most)
wait_file() {
	local i
	for i in $(seq 100); do
		[ -s "$1" ] && return 0
		sleep 0.1
	done
	return 1
}
