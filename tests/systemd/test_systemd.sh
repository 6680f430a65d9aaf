#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# restrack limits on systemd units, under the Debian guest's real systemd
# (make check-systemd).  Limits are declared in [X-Restrack] sections and
# applied by "restrack apply %n" from the ExecStartPre=+ that
# restrack-generator adds to the units that declare them.  Oracles: the workload's own
# count of /proc/self/fd and the errno it got (rt-hold), /proc/PID/fd of
# the main process, the wait status systemd reports, the cgroup files.
# TAP on stdout.
U=/etc/systemd/system
H=/usr/local/libexec/restrack-tests/rt-hold
R=/run/rt
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/units.sh"
tap_start $R 50

# wait_inactive UNIT: until it is no longer active or activating
wait_inactive() {
	local i s
	for i in $(seq 100); do
		s=$(systemctl is-active "$1")
		[ "$s" = active ] || [ "$s" = activating ] || return 0
		sleep 0.1
	done
	return 1
}
unit() {	# unit NAME: the unit file from stdin
	cat > "$U/$1"
}

sdver=$(systemctl --version | sed -n 's/^systemd \([0-9]*\).*/\1/p')
diag "systemd $sdver"
# systemd 257 spawns a unit's processes with clone3(CLONE_INTO_CGROUP):
# the child's copy of PID 1's descriptor table is charged to the unit's
# cgroup, within its limits (see the admin guide).  The limits here leave
# room for it: PID 1's count now, plus a margin.
p1=$(nfds 1)
FL=$((p1 + 32))		# a service's FilesMax
SL=$((p1 + 48))		# the slice's FilesMax
diag "PID 1 holds $p1 descriptors: FilesMax=$FL for services, $SL for the slice"

# --- a service over its files limit, policy deny ---
unit rt-files.service <<EOF
[Unit]
Description=restrack test: files limit, deny
[Service]
ExecStart=$H --files $((FL + 20)) --report $R/files.out --hold
[X-Restrack]
FilesMax=$FL
EOF
systemctl daemon-reload
systemctl start rt-files.service
wait_file $R/files.out
read -r _ opened total err _ < $R/files.out
eq "deny: the service's open gets EMFILE at its limit" "$err" EMFILE
eq "deny: it holds FilesMax=$FL descriptors (/proc/self/fd)" "$total" $FL
d=$(cgdir rt-files.service)
eq "deny: restrack.files.max of the unit's cgroup is $FL" "$(cat $d/restrack.files.max)" $FL
pid=$(prop MainPID rt-files.service)
eq "deny: files.current matches /proc/PID/fd of the main process" \
	"$(cat $d/restrack.files.current)" "$(nfds $pid)"
# rt-hold stops at its first EMFILE: exactly one refusal
check "deny: restrack.events counts the refusal" grep -qx "files.max 1" $d/restrack.events
check "deny: the service is still running" systemctl is-active -q rt-files.service
check "apply said what it set, in the unit's journal" \
	journal_has rt-files.service "rt-files.service: /system.slice/rt-files.service heap max files $FL policy deny"
restrack status > $R/status.out 2>&1
check "restrack status names the unit" grep -q "^rt-files.service .* $FL .*deny" $R/status.out
[ "$(sed -n 1p $R/status.out)" ] && sed 's/^/#   /' $R/status.out

# --- systemd keeps +restrack, across reload, restart, a new slice ---
check "+restrack in the root's and system.slice's subtree_control" \
	eval "has_restrack $cg && has_restrack $cg/system.slice"
systemctl daemon-reload
check "daemon-reload: +restrack stays in system.slice's subtree_control" has_restrack $cg/system.slice
eq "daemon-reload: the running unit keeps its limit" "$(cat $d/restrack.files.max)" $FL
rm -f $R/files.out
systemctl restart rt-files.service
wait_file $R/files.out
read -r _ opened total err _ < $R/files.out
eq "restart: the new cgroup has the limit again" "$(cat $(cgdir rt-files.service)/restrack.files.max)" $FL
eq "restart: the service gets EMFILE at FilesMax descriptors" "$err $total" "EMFILE $FL"
check "restart: +restrack stays in system.slice's subtree_control" has_restrack $cg/system.slice
systemctl daemon-reexec
check "daemon-reexec: +restrack stays in system.slice's subtree_control" has_restrack $cg/system.slice
eq "daemon-reexec: the running unit keeps its limit" "$(cat $(cgdir rt-files.service)/restrack.files.max)" $FL

# --- the same service, without the declaration ---
unit rt-files.service <<EOF
[Unit]
Description=restrack test: files limit removed
[Service]
ExecStart=$H --files $((FL + 20)) --report $R/files.out --hold
EOF
systemctl daemon-reload
restrack apply rt-files.service 2> $R/apply.err
eq "declaration removed: restrack apply lifts the running unit's limit" \
	"$(cat $(cgdir rt-files.service)/restrack.files.max)" max
rm -f $R/files.out
systemctl restart rt-files.service
wait_file $R/files.out
read -r _ opened total err _ < $R/files.out
eq "declaration removed: after restart the service opens all it asks for" "$opened $err" "$((FL + 20)) -"
eq "declaration removed: its new cgroup has no limit" \
	"$(cat $(cgdir rt-files.service)/restrack.files.max)" max
systemctl stop rt-files.service

# --- policy kill ---
unit rt-kill.service <<EOF
[Unit]
Description=restrack test: files limit, kill
[Service]
ExecStart=$H --files $((FL + 20))
[X-Restrack]
FilesMax=$FL
Policy=kill
EOF
systemctl daemon-reload
systemctl start rt-kill.service
wait_inactive rt-kill.service
eq "kill: systemctl show -P Result says signal" "$(prop Result rt-kill.service)" signal
eq "kill: the main process died of signal 9 (ExecMainStatus)" "$(prop ExecMainStatus rt-kill.service)" 9
systemctl status rt-kill.service > $R/kill.status 2>&1
check "kill: systemctl status says status=9/KILL" grep -q "status=9/KILL" $R/kill.status
grep -m1 "status=9" $R/kill.status | sed 's/^/#  /'

# --- a FilesMax below PID 1's descriptor count ---
unit rt-low.service <<EOF
[Service]
ExecStart=$H --files 10
[X-Restrack]
FilesMax=4
EOF
systemctl daemon-reload
systemctl start rt-low.service 2>/dev/null
wait_inactive rt-low.service
if [ "$sdver" -ge 255 ]; then
	# the spawn copies PID 1's table into the unit's cgroup: refused
	eq "FilesMax=4 < PID 1's $p1 descriptors: systemd $sdver cannot spawn (Result)" \
		"$(prop Result rt-low.service)" resources
	check "FilesMax=4: the journal says Too many open files" \
		journal_has rt-low.service "Failed to spawn"
else
	# fork, then a move into the cgroup, never refused: the service runs
	eq "FilesMax=4 < PID 1's $p1 descriptors: systemd $sdver spawns, the service hits EMFILE" \
		"$(prop Result rt-low.service)" exit-code
	eq "FilesMax=4: the main process ran and exited 1" "$(prop ExecMainStatus rt-low.service)" 1
fi

# --- heap, policy deny ---
unit rt-heap.service <<EOF
[Service]
Type=oneshot
ExecStart=$H --heap 67108864 --report $R/heap.out
[X-Restrack]
HeapMax=32M
EOF
systemctl daemon-reload
systemctl start rt-heap.service
eq "heap deny: a 64M mapping under HeapMax=32M gets ENOMEM" "$(awk '{print $6}' $R/heap.out)" ENOMEM
eq "heap deny: Result is exit-code (the workload saw the error)" "$(prop Result rt-heap.service)" exit-code

# --- a slice's limit caps the sum of its services ---
unit rt.slice <<EOF
[Unit]
Description=restrack test slice
[X-Restrack]
FilesMax=$SL
EOF
unit rt-a.service <<EOF
[Service]
Slice=rt.slice
ExecStart=$H --files 4 --report $R/a.out --hold
EOF
unit rt-b.service <<EOF
[Service]
Slice=rt.slice
ExecStart=$H --files $((SL + 20)) --report $R/b.out --hold
EOF
systemctl daemon-reload
systemctl start rt-a.service
wait_file $R/a.out
systemctl start rt-b.service
wait_file $R/b.out
read -r _ aopened atotal aerr _ < $R/a.out
read -r _ bopened btotal berr _ < $R/b.out
eq "slice: the first service got all it asked for" "$aopened $aerr" "4 -"
eq "slice: the second one gets EMFILE" "$berr" EMFILE
eq "slice: together they held $SL, the slice's FilesMax" "$((atotal + btotal))" $SL
eq "slice: restrack.files.max of rt.slice is $SL" "$(cat $cg/rt.slice/restrack.files.max)" $SL
apid=$(prop MainPID rt-a.service)
bpid=$(prop MainPID rt-b.service)
eq "slice: files.current of rt.slice is the sum of /proc/PID/fd" \
	"$(cat $cg/rt.slice/restrack.files.current)" "$(( $(nfds $apid) + $(nfds $bpid) ))"
check "slice: a new slice keeps +restrack in the root's subtree_control" has_restrack $cg
# apply enables restrack down to each service's parent, the slice: who
# uses the slice's budget shows
eq "slice: restrack below the slice: each service's files.current is its /proc/PID/fd" \
	"$(cat $cg/rt.slice/rt-a.service/restrack.files.current 2>&1) $(cat $cg/rt.slice/rt-b.service/restrack.files.current 2>&1)" \
	"$(nfds $apid) $(nfds $bpid)"
# A scope runs no ExecStartPre=: the slice's limit, applied before the
# slice started (restrack-slice@rt.slice.service), covers it.
systemctl stop rt-b.service
systemd-run -q --scope --slice=rt.slice $H --files $((SL + 20)) --report $R/scope.out
read -r _ sopened stotal serr _ < $R/scope.out
eq "scope: a scope in the slice gets EMFILE" "$serr" EMFILE
eq "scope: with rt-a it held $SL, the slice's FilesMax" "$((atotal + stotal))" $SL
systemctl stop rt-a.service

# --- register and deregister a unit's process ---
unit rt-reg.service <<EOF
[Service]
ExecStart=$H --hold
EOF
systemctl daemon-reload
systemctl start rt-reg.service
sleep 0.5
pid=$(prop MainPID rt-reg.service)
home=$(prop ControlGroup rt-reg.service)
check "register: the unit's main process registers" restrack register $pid
eq "register: it moved out to restrack/PID" "$(sed -n 's/^0:://p' /proc/$pid/cgroup)" "/restrack/$pid"
check "register: restrack cap works on it" restrack cap $pid 64M 100
check "register: restrack fetch reports it" eval "restrack fetch $pid | grep -q '^pid $pid heap'"
check "deregister: succeeds" restrack deregister $pid
eq "deregister: back in its unit's cgroup" "$(sed -n 's/^0:://p' /proc/$pid/cgroup)" "$home"
check "deregister: systemd still sees the unit running" systemctl is-active -q rt-reg.service
systemctl stop rt-reg.service
check "stop: the unit's process is gone" eval "! kill -0 $pid 2>/dev/null"

# --- bad declarations: reported, applied nowhere, the unit refused ---
# A service without limits keeps rtbad.slice's cgroup while the bad unit
# fails; the slice's own, valid, declaration comes after it started.
unit rt-keep.service <<EOF
[Service]
Slice=rtbad.slice
ExecStart=$H --hold
EOF
systemctl daemon-reload
systemctl start rt-keep.service
diag "rt-keep: $(systemctl is-active rt-keep.service) in $(prop ControlGroup rt-keep.service); root: $(cat $cg/cgroup.subtree_control); rtbad.slice: $(ls $cg/rtbad.slice | grep -c restrack) restrack files"
unit rtbad.slice <<EOF
[X-Restrack]
FilesMax=$((SL + 50))
EOF
unit rt-bad.service <<EOF
[Service]
Slice=rtbad.slice
ExecStart=$H --report $R/bad.out --hold
[X-Restrack]
HeapMax=12Q
EOF
unit rt-neg.service <<EOF
[Service]
ExecStart=$H --report $R/neg.out --hold
[X-Restrack]
FilesMax=-1
EOF
systemctl daemon-reload
check "bad HeapMax=12Q: systemctl start fails" eval "! systemctl start rt-bad.service 2>/dev/null"
eq "bad HeapMax=12Q: Result is exit-code" "$(prop Result rt-bad.service)" exit-code
check "bad HeapMax=12Q: the service never ran" test ! -e $R/bad.out
check "bad HeapMax=12Q: the journal says why" journal_has rt-bad.service "bad HeapMax=12Q"
eq "bad HeapMax=12Q: nothing applied, not even the slice's valid FilesMax" \
	"$(cat $cg/rtbad.slice/restrack.files.max) $(ls /run/restrack/applied/rtbad.slice 2>&1 >/dev/null | grep -c 'No such')" "max 1"
for f in $cg/rtbad.slice/restrack.* $cg/rtbad.slice/rt-bad.service/restrack.*; do
	[ -f "$f" ] && diag "$f: $(tr '\n' ' ' < $f)"
done
systemctl stop rt-keep.service
check "bad FilesMax=-1: systemctl start fails" eval "! systemctl start rt-neg.service 2>/dev/null"
check "bad FilesMax=-1: the journal says why" journal_has rt-neg.service "bad FilesMax=-1"

# on a failure, what systemd said of the test units
if [ "$failed" != 0 ]; then
	for u in rt-files rt-kill rt-low rt-heap rt-a rt-b rt-bad rt-neg; do
		journalctl -q -b -u $u.service --no-pager | tail -8 | sed "s/^/# journal: /"
	done
fi
tap_end
