#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A declared slice's limits are on its cgroup before the first process of
# any unit in it, scopes and transient units included, though no service of
# the slice ever started: restrack-slice@SLICE.service (the generator's)
# runs "restrack apply --create SLICE" before systemd starts the slice,
# again when the slice starts again, and when it fails only the slice's
# units are refused.  Oracles: what the scope's first process could open
# (rt-hold's count of /proc/self/fd and the errno it got), the slice's
# cgroup files, the units' states and start times, their journals.  TAP.
U=/etc/systemd/system
G=/run/systemd/generator
H=/usr/local/libexec/restrack-tests/rt-hold
R=/run/rtsl
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/units.sh"
tap_start $R 24
os() { echo "restrack-slice@$1.service"; }
# scope SLICE REPORT [systemd-run options]: rt-hold opening 64, in a new scope
scope() {
	local s=$1 r=$2
	shift 2
	systemd-run -q --scope --slice="$s" "$@" -- $H --files 64 --report "$r" \
		> /dev/null 2>> $R/err
}
created() { journalctl -q -b -u "$(os "$1")" --no-pager | grep -c "created its cgroup"; }

printf '[Unit]\nDescription=restrack test: a declared slice\n[X-Restrack]\nFilesMax=24\n' > $U/rtsl.slice
# like user.slice: declared, its sessions in a child slice that is not
printf '[X-Restrack]\nFilesMax=16\n' > $U/rtsess.slice
# declared in a drop-in only, no unit file (like user-1000.slice.d/); a
# service is spawned by PID 1, which systemd 257 does with a copy of its
# descriptors: the limit must leave room for them (restrack(8))
FSV=$(( $(nfds 1) + 20 ))
mkdir -p $U/rtsvc.slice.d
printf '[X-Restrack]\nFilesMax=%d\n' $FSV > $U/rtsvc.slice.d/limits.conf
printf '[X-Restrack]\nFilesMax=20\nHeapMax=12Q\n' > $U/rtsbad.slice
systemctl daemon-reload

# --- what the generator wrote, and what systemd made of it ---
check "generator: rtsl.slice requires its oneshot" \
	eval 'systemctl show -P Requires rtsl.slice | grep -qw "$(os rtsl.slice)"'
check "generator: the oneshot is ordered before the slice, in -.slice" \
	eval 'systemctl show -P Before "$(os rtsl.slice)" | grep -qw rtsl.slice && [ "$(prop Slice "$(os rtsl.slice)")" = -.slice ]'
eq "before: no unit of rtsl.slice ever started, no cgroup" \
	"$(systemctl is-active rtsl.slice) $(test -e $cg/rtsl.slice && echo exists)" "inactive "

# --- the first unit of the slice is a scope ---
scope rtsl.slice $R/a.out
read -r _ opened total err _ < $R/a.out
eq "scope, first unit of the slice: EMFILE at FilesMax=24 (/proc/self/fd)" "$err $total" "EMFILE 24"
diag "the scope opened $opened of 64 before EMFILE"
eq "scope: restrack.files.max of rtsl.slice is 24" "$(cat $cg/rtsl.slice/restrack.files.max)" 24
check "oneshot: it found no cgroup of the slice, created it, and systemd took it over" \
	journal_has "$(os rtsl.slice)" "rtsl.slice: not started yet: created its cgroup /rtsl.slice"
t_os=$(prop ExecMainExitTimestampMonotonic "$(os rtsl.slice)")
t_sl=$(prop ActiveEnterTimestampMonotonic rtsl.slice)
diag "oneshot exited at ${t_os}us, slice active at ${t_sl}us"
check "oneshot: done before systemd started the slice" eval '[ "$t_os" -gt 0 ] && [ "$t_os" -le "$t_sl" ]'
eq "oneshot: active (exited), the slice active" \
	"$(systemctl is-active "$(os rtsl.slice)") $(prop SubState "$(os rtsl.slice)") $(systemctl is-active rtsl.slice)" "active exited active"
scope rtsl.slice $R/b.out
read -r _ opened total err _ < $R/b.out
eq "a second scope: still EMFILE at 24, the oneshot not run again" "$err $total $(created rtsl.slice)" "EMFILE 24 1"

# --- a login-session-like scope in a child slice of a declared one ---
scope rtsess-u1000.slice $R/sess.out -p TasksMax=infinity
read -r _ opened total err _ < $R/sess.out
eq "session-like scope (TasksMax=infinity) in rtsess-u1000.slice: EMFILE at rtsess.slice's 16" "$err $total" "EMFILE 16"
eq "session-like scope: the limit is on rtsess.slice, restrack enabled down to its parent only" \
	"$(cat $cg/rtsess.slice/restrack.files.max) $(has_restrack $cg/rtsess.slice || echo none-below)" "16 none-below"

# --- a transient service ---
# (no --wait: it needs D-Bus, which the guest does not have)
systemd-run -q --unit=rtsvc-run --slice=rtsvc.slice -- $H --files $((FSV + 16)) --report $R/svc.out > $R/svc.log 2>&1
wait_file $R/svc.out
opened= total= err=
[ -e $R/svc.out ] && read -r _ opened total err _ < $R/svc.out
eq "transient service (systemd-run --slice=) in a slice declared by a drop-in only: EMFILE at $FSV" "$err $total" "EMFILE $FSV"

# --- the oneshot fails: only the slice's units are refused ---
scope rtsbad.slice $R/bad.out
check "bad declaration: the scope in the slice is refused, its command never ran" \
	eval '[ ! -e $R/bad.out ]'
eq "bad declaration: the oneshot failed, the slice is not started" \
	"$(systemctl is-failed "$(os rtsbad.slice)") $(systemctl is-active rtsbad.slice)" "failed inactive"
check "bad declaration: the oneshot's journal says why" journal_has "$(os rtsbad.slice)" "bad HeapMax=12Q"
scope rtsok.slice $R/ok.out
read -r _ opened total err _ < $R/ok.out
eq "bad declaration: a scope in an undeclared slice still runs, unlimited" "$opened $err" "64 -"
systemctl reset-failed "$(os rtsbad.slice)" 2>/dev/null

# --- the oneshot cannot be stopped by hand (it would stop the slice) ---
check "systemctl stop of the oneshot is refused, the slice stays" \
	eval '! systemctl stop "$(os rtsl.slice)" 2>/dev/null && systemctl is-active -q rtsl.slice'

# --- as after a reboot: daemon-reload, the slice stopped, started again ---
systemctl daemon-reload
systemctl stop rtsl.slice
eq "slice stopped: its cgroup gone, the oneshot stopped with it (PartOf=)" \
	"$(test -e $cg/rtsl.slice && echo exists) $(systemctl is-active "$(os rtsl.slice)")" " inactive"
scope rtsl.slice $R/c.out
read -r _ opened total err _ < $R/c.out
eq "started again by a scope: EMFILE at 24" "$err $total" "EMFILE 24"
eq "started again: the oneshot ran again, on a new cgroup" "$(created rtsl.slice)" 2
systemctl restart rtsl.slice
scope rtsl.slice $R/d.out
read -r _ opened total err _ < $R/d.out
eq "systemctl restart of the slice: EMFILE at 24" "$err $total" "EMFILE 24"

# --- restrack set on a slice that is not started ---
restrack set rtset.slice --files 12 > $R/out 2> $R/err
eq "set SLICE, not started: exit 0" "$?" 0
scope rtset.slice $R/set.out
read -r _ opened total err _ < $R/set.out
eq "set SLICE: its first scope gets EMFILE at 12" "$err $total" "EMFILE 12"
restrack set rtset.slice --files 14 > $R/out 2> $R/err
eq "set SLICE, running: files.max at once, the oneshot not rerun" \
	"$(cat $cg/rtset.slice/restrack.files.max) $(created rtset.slice)" "14 1"

if [ "$failed" != 0 ]; then
	sed 's/^/# err: /' $R/err
	for s in rtsl rtsess rtsvc rtsbad rtset; do
		journalctl -q -b -u "$(os $s.slice)" -u $s.slice --no-pager | tail -6 | sed "s/^/# journal: /"
	done
fi
systemctl stop rtsl.slice rtsess.slice rtsvc.slice rtsok.slice rtset.slice 2>/dev/null
rm -rf $U/rtsl.slice $U/rtsess.slice $U/rtsvc.slice.d $U/rtsbad.slice
rm -rf /etc/systemd/system.control/rtset.slice.d
systemctl daemon-reload
tap_end
