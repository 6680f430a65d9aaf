#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# In-VM tests of the restrack tool (/bin/restrack, tools/restrack): run
# enforcing both limits under both policies, exit status pass-through and
# cleanup; status --json and --prometheus parsed back and compared with
# cgroupfs; the system call commands; errors and --help.  TAP on stdout.
# busybox sh and awk only.
cg=/sys/fs/cgroup
runp=$cg/restrack.run
T=/tmp/test_tool
. "$(dirname "$0")/tap.sh"
tap_start $T 66

# rt, has and one_line: tap.sh's
no_run_cgroups() { [ -z "$(find $runp -mindepth 1 -type d 2>/dev/null)" ]; }
cgv() { cat "$1/restrack.$2"; }
# ev FILE NAME: the count of event NAME in a restrack.events file
ev() { awk -v k="$2" '$1 == k { print $2 }' "$1"; }

# --- help and usage errors ---------------------------------------------------
rt --help
check "restrack --help lists run and status" \
	eval '[ $rc = 0 ] && has "^  run " $T/out && has "^  status " $T/out'
for c in run status register fetch cap reset deregister; do
	rt $c --help
	check "restrack $c --help" eval '[ $rc = 0 ] && has "^Usage: restrack $c" $T/out'
done
rt frobnicate
check "unknown command: exit 2, one line" \
	eval '[ $rc = 2 ] && one_line && has "unknown command .frobnicate." $T/err'
rt run --frob -- true
check "unknown option of run: exit 125" eval '[ $rc = 125 ] && one_line && has "unknown option .--frob." $T/err'
rt status --frob
check "unknown option of status: exit 2" eval '[ $rc = 2 ] && one_line && has "unknown option" $T/err'
rt run --heap 12Q -- true
check "bad size 12Q: exit 125" eval '[ $rc = 125 ] && one_line && has "bad heap size .12Q." $T/err'
rt run --heap -1 -- true
check "bad size -1: exit 125" eval '[ $rc = 125 ] && one_line && has "bad heap size .-1." $T/err'
rt run --heap 99999999999999999999 -- true
check "size overflow: exit 125, too large" eval '[ $rc = 125 ] && one_line && has "too large" $T/err'
rt run --files 1.5 -- true
check "bad file count: exit 125" eval '[ $rc = 125 ] && one_line && has "bad file count" $T/err'
rt run --policy maybe -- true
check "bad policy: exit 125" eval '[ $rc = 125 ] && one_line && has "deny or kill" $T/err'
rt run --heap 1M
check "run without a command: exit 125" eval '[ $rc = 125 ] && one_line'
rt fetch abc
check "pid not a number: exit 2" eval '[ $rc = 2 ] && one_line && has "not a process id" $T/err'
rt cap 1 12Q 3
check "cap with a bad size: exit 2" eval '[ $rc = 2 ] && one_line && has "bad heap quota" $T/err'
RESTRACK_CGROUP_ROOT=$T/nowhere rt status
check "cgroup v2 not mounted: exit 1" eval '[ $rc = 1 ] && one_line && has "cgroup v2 is not mounted" $T/err'
mkdir -p $T/fakecg
echo "cpu memory pids" > $T/fakecg/cgroup.controllers
RESTRACK_CGROUP_ROOT=$T/fakecg rt run -- touch $T/ran
check "kernel without restrack: exit 125, command not run" \
	eval '[ $rc = 125 ] && one_line && has "no restrack controller (CONFIG_CGROUP_RESTRACK)" $T/err && [ ! -e $T/ran ]'

# --- run ---------------------------------------------------------------------
rt run --heap 64M --files 100 -q -- cat /proc/self/cgroup
check "run starts the command inside a fresh cgroup" \
	eval '[ $rc = 0 ] && grep -q "^0::/restrack.run/run-[0-9]*$" $T/out && [ ! -s $T/err ]'
rt run --heap 64M --files 100 --policy kill -q -- sh -c \
	'd=/sys/fs/cgroup$(cut -d: -f3 /proc/self/cgroup); cat $d/restrack.heap.max $d/restrack.files.max $d/restrack.policy'
check "the command sees its limits in place" \
	eval '[ $rc = 0 ] && [ "$(echo $(cat $T/out))" = "67108864 100 kill" ]'
rt run -- sh -c 'exit 3'
check "exit status 3 passes through" eval '[ $rc = 3 ] && has "exited with status 3" $T/err'
rt run -q -- sh -c 'kill -TERM $$'
check "killed by SIGTERM: exit 143" eval '[ $rc = 143 ]'

open7='exec 3</dev/null 4</dev/null 5</dev/null 6</dev/null 7</dev/null 8</dev/null 9</dev/null; echo opened'
rt run --files 8 -- sh -c "$open7"
check "files deny: the command gets EMFILE" \
	eval '[ $rc != 0 ] && [ $rc != 137 ] && ! has opened $T/out && has "Too many open files" $T/err'
# The shell's exec stops at its first failed redirection: one refusal.
check "files deny: the report counts the files.max event" \
	eval 'grep -q "files peak 8 (max 8), events heap.max 0, files.max 1, kill 0" $T/err'
rt run --files 16 -- sh -c "$open7"
check "files under the limit: all opened" eval '[ $rc = 0 ] && has opened $T/out'
rt run --files 8 --policy kill -- sh -c "$open7"
check "files kill: SIGKILL, exit 137" \
	eval '[ $rc = 137 ] && ! has opened $T/out && has "killed by signal 9 (SIGKILL) for going over a limit" $T/err && has "kill 1$" $T/err'

dd16='dd if=/dev/zero of=/dev/null bs=16M count=1'
rt run --heap 4M -- $dd16
check "heap deny: the command gets ENOMEM" \
	eval '[ $rc != 0 ] && [ $rc != 137 ] && grep -qi "memory" $T/err'
# The C library's malloc() tries mmap(), then brk(), then mmap() again:
# how many refusals that makes is the library's business.
check "heap deny: the report counts the heap.max event" \
	eval 'grep -q "(max 4M), files peak [0-9]* (max max), events heap.max [1-9][0-9]*, files.max 0, kill 0" $T/err'
rt run --heap 64M -- $dd16
check "heap under the limit: dd works, peak above 16M" \
	eval '[ $rc = 0 ] && awk "/heap peak/ { v = \$5; u = substr(v, length(v)); exit !(u == \"M\" && v + 0 >= 16 && v + 0 < 64) }" $T/err'
rt run --heap 4M --policy kill -- $dd16
check "heap kill: SIGKILL, exit 137" \
	eval '[ $rc = 137 ] && has "killed by signal 9" $T/err && has "heap.max [1-9][0-9]*, files.max 0, kill 1$" $T/err'

rt run --files 3 --policy kill -q -- true
check "a limit below what restrack's child holds before exec: it still runs" \
	eval '[ $rc = 0 ] && [ ! -s $T/err ]'
rt run --heap 1G -- /no/such/command
check "command not found: exit 127" eval '[ $rc = 127 ] && one_line && has "/no/such/command: command not found" $T/err'
rt run -- /dev/null
check "command not executable: exit 126" eval '[ $rc = 126 ] && one_line'

# The command says it got the signal and exits 7: a restrack that died of
# SIGTERM itself would give 143 and no word from the command.
restrack run -q -- sh -c 'trap "echo got TERM; exit 7" TERM; sleep 30 & wait' > $T/out 2> $T/err &
p=$!
sleep 1
t0=$(date +%s)
kill -TERM $p
wait $p
rc=$?
check "SIGTERM to restrack goes to the command, whose status it returns" \
	eval '[ $rc = 7 ] && has "got TERM" $T/out && [ $(( $(date +%s) - t0 )) -lt 10 ]'
t0=$(date +%s)
rt run -q -- sh -c 'sleep 60 & exit 0'
check "what the command leaves behind is killed with its cgroup" \
	eval '[ $rc = 0 ] && [ $(( $(date +%s) - t0 )) -lt 10 ] && no_run_cgroups'
check "no cgroup left behind by any run" no_run_cgroups

mkdir -p $cg/tt_busy
sh -c "echo \$\$ > $cg/tt_busy/cgroup.procs; exec sleep 1000" &
busy=$!
sleep 0.2
rt run --parent /tt_busy -- touch $T/ran
check "--parent holding processes: refused (exit 125), restrack not enabled there" \
	eval '[ $rc = 125 ] && one_line && has "holds processes" $T/err && ! grep -qw restrack $cg/tt_busy/cgroup.subtree_control && [ ! -e $T/ran ]'
kill $busy
wait $busy 2> /dev/null
rmdir $cg/tt_busy
rt run --parent tt_par/sub --files 32 -q -- cat /proc/self/cgroup
check "--parent: created below it, and removed" \
	eval '[ $rc = 0 ] && grep -q "^0::/tt_par/sub/run-[0-9]*$" $T/out && [ -z "$(find $cg/tt_par/sub -mindepth 1 -type d)" ]'
rmdir $cg/tt_par/sub $cg/tt_par

# --- unprivileged ------------------------------------------------------------
sleep 1000 &
victim=$!
# start-stop-daemon needs the uid in /etc/passwd; the guest has none
made_passwd=
if ! grep -q "^nobody:" /etc/passwd 2> /dev/null; then
	mkdir -p /etc
	[ -e /etc/passwd ] || made_passwd=1
	echo "nobody:x:65534:65534:nobody:/:/bin/false" >> /etc/passwd
fi
nobody() { start-stop-daemon -S -c 65534:65534 -x /bin/restrack -- "$@" > $T/out 2> $T/err; rc=$?; }
nobody register $victim
check "register without privilege: exit 1, needs CAP_SYS_RESOURCE" \
	eval '[ $rc = 1 ] && one_line && has "needs CAP_SYS_RESOURCE" $T/err'
nobody run --heap 8M -- true
check "run without privilege: exit 125, one line" \
	eval '[ $rc = 125 ] && one_line && has "permission denied" $T/err && no_run_cgroups'
[ -n "$made_passwd" ] && rm -f /etc/passwd

# --- the system calls ----------------------------------------------------------
rt fetch $victim
check "fetch of an unregistered process: exit 1, in words" \
	eval '[ $rc = 1 ] && one_line && has "not registered" $T/err'
rt register $victim
check "register" eval '[ $rc = 0 ] && grep -q "^0::/restrack/$victim$" /proc/$victim/cgroup'
rt register $victim
check "register twice: already registered" eval '[ $rc = 1 ] && has "already registered" $T/err'
rt fetch $victim
check "fetch prints the cgroup's files" \
	eval '[ $rc = 0 ] && [ "$(cat $T/out)" = "pid $victim heap $(( $(cgv $cg/restrack/$victim heap.current) >> 20 ))M files $(cgv $cg/restrack/$victim files.current)" ]'
rt cap $victim 64M 16
check "cap sets the limits" \
	eval '[ $rc = 0 ] && [ $(cgv $cg/restrack/$victim heap.max) = 67108864 ] && [ $(cgv $cg/restrack/$victim files.max) = 16 ]'
rt cap $victim 64M 16
check "cap twice: reset first" eval '[ $rc = 1 ] && has "reset first" $T/err'

# --- status ------------------------------------------------------------------
grep -qw restrack $cg/cgroup.subtree_control || echo +restrack > $cg/cgroup.subtree_control
mkdir -p $cg/tt/a $cg/tt/b $cg/tt/idle
echo +restrack > $cg/tt/cgroup.subtree_control
echo 8M > $cg/tt/a/restrack.heap.max
echo 20 > $cg/tt/a/restrack.files.max
echo kill > $cg/tt/a/restrack.policy
echo 4 > $cg/tt/b/restrack.files.max
sh -c "echo \$\$ > $cg/tt/a/cgroup.procs; exec sleep 1000" &
pa=$!
sh -c "echo \$\$ > $cg/tt/b/cgroup.procs; exec sleep 1000" &
pb=$!
sleep 0.3
sh -c "echo \$\$ > $cg/tt/b/cgroup.procs; $open7" > /dev/null 2>&1

rt status --json
cp $T/out $T/json
check "status --json" eval '[ $rc = 0 ] && [ ! -s $T/err ]'
# A JSON parser: prints "PATH VALUE" per scalar, e.g. .cgroups[0].heap.max 8388608
cat > $T/json.awk << 'EOF'
function fail(m) { print "json: " m " at token " pos ": " tok[pos] > "/dev/stderr"; bad = 1; exit 1 }
function value(path,   t, k, i) {
	t = tok[pos]
	if (t == "{") {
		pos++
		if (tok[pos] == "}") { pos++; return }
		for (;;) {
			k = tok[pos]
			if (substr(k, 1, 1) != "\"") fail("key expected")
			pos++
			if (tok[pos] != ":") fail(": expected")
			pos++
			value(path "." substr(k, 2))
			if (tok[pos] == ",") { pos++; continue }
			if (tok[pos] == "}") { pos++; return }
			fail(", or } expected")
		}
	}
	if (t == "[") {
		pos++
		if (tok[pos] == "]") { pos++; print path " []"; return }
		for (i = 0; ; i++) {
			value(path "[" i "]")
			if (tok[pos] == ",") { pos++; continue }
			if (tok[pos] == "]") { pos++; return }
			fail(", or ] expected")
		}
	}
	if (substr(t, 1, 1) == "\"") { print path " " t "\""; pos++; return }
	if (substr(t, 1, 1) == "#") { print path " " substr(t, 2); pos++; return }
	if (t == "null" || t == "true" || t == "false") { print path " " t; pos++; return }
	fail("value expected")
}
{ text = text $0 "\n" }
END {
	L = length(text); i = 1; nt = 0
	while (i <= L) {
		c = substr(text, i, 1)
		if (c == " " || c == "\t" || c == "\n") { i++; continue }
		if (index("{}[]:,", c)) { tok[++nt] = c; i++; continue }
		if (c == "\"") {
			s = "\""; j = i + 1
			while (j <= L && (d = substr(text, j, 1)) != "\"") {
				if (d == "\\") { s = s d substr(text, j + 1, 1); j += 2 }
				else { s = s d; j++ }
			}
			if (j > L) { pos = nt; fail("unterminated string") }
			tok[++nt] = s; i = j + 1; continue
		}
		if (match(substr(text, i), /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?/)) {
			tok[++nt] = "#" substr(text, i, RLENGTH); i += RLENGTH; continue
		}
		w = substr(text, i, 5)
		if (w ~ /^null/ || w ~ /^true/) { tok[++nt] = substr(w, 1, 4); i += 4; continue }
		if (w == "false") { tok[++nt] = w; i += 5; continue }
		pos = nt; fail("bad character " c)
	}
	tok[nt + 1] = "(end)"
	pos = 1
	value("")
	if (pos <= nt) fail("trailing data")
}
EOF
awk -f $T/json.awk $T/json > $T/flat 2> $T/err
rc=$?
check "status --json parses as JSON, version 1" eval '[ $rc = 0 ] && grep -qx "\.version 1" $T/flat'
# jv CGROUP KEY: the value of KEY of the cgroups[] entry with path CGROUP
jv() {
	awk -v p="\"$1\"" -v k="$2" '
		$2 == p && $1 ~ /^\.cgroups\[[0-9]+\]\.path$/ { pre = $1; sub(/\.path$/, "", pre) }
		{ v[$1] = $2 }
		END { if (pre != "" && ((pre "." k) in v)) print v[pre "." k]; else print "(none)" }' $T/flat
}
# same_as_cgroupfs CGROUP: every number of its JSON entry equals cgroupfs
same_as_cgroupfs() {
	d=$cg$1
	for r in heap files; do
		for f in current max peak; do
			want=$(cgv $d $r.$f)
			[ "$want" = max ] && want=null
			got=$(jv $1 $r.$f)
			[ "$got" = "$want" ] || { diag "$1 $r.$f: json $got, cgroupfs $want"; return 1; }
		done
	done
	for e in heap.max files.max kill; do
		[ "$(jv $1 "events.$e")" = "$(ev $d/restrack.events $e)" ] &&
		[ "$(jv $1 "events_local.$e")" = "$(ev $d/restrack.events.local $e)" ] ||
			{ diag "$1 event $e differs"; return 1; }
	done
	[ "$(jv $1 policy)" = "\"$(cgv $d policy)\"" ] || { diag "$1 policy differs"; return 1; }
}
check "json /tt/a: every number equals cgroupfs" same_as_cgroupfs /tt/a
check "json /tt/b: every number equals cgroupfs, files.max event counted" \
	eval 'same_as_cgroupfs /tt/b && [ "$(jv /tt/b events.files.max)" -ge 1 ] && [ "$(jv /tt/b heap.max)" = null ]'
check "json /restrack/$victim: every number equals cgroupfs" same_as_cgroupfs /restrack/$victim
check "json lists the registered process, in its cgroup too" \
	eval 'grep -q "^\.processes\[[0-9]*\]\.pid $victim$" $T/flat && [ "$(jv /restrack/$victim "processes[0].pid")" = $victim ] && [ "$(jv /restrack/$victim "processes[0].command")" = "\"sleep\"" ]'
check "json leaves out cgroups without limits or registrations" \
	eval '! grep -q "\.path \"/tt\"$" $T/flat && ! grep -q "\.path \"/tt/idle\"$" $T/flat && ! grep -q "\.path \"/restrack.run" $T/flat'

rt status --prometheus
cp $T/out $T/prom
check "status --prometheus" eval '[ $rc = 0 ] && [ ! -s $T/err ]'
# A text-format parser: checks every line, prints "NAME{LABELS} VALUE".
cat > $T/prom.awk << 'EOF'
function fail(m) { print "prometheus: line " NR ": " m ": " $0 > "/dev/stderr"; bad = 1 }
/^# HELP / {
	if ($3 !~ /^[a-zA-Z_:][a-zA-Z0-9_:]*$/ || NF < 4) fail("bad HELP")
	if ($3 in help) fail("second HELP"); help[$3] = 1; next
}
/^# TYPE / {
	if (NF != 4 || $4 !~ /^(gauge|counter|untyped)$/) fail("bad TYPE")
	if ($3 in type) fail("second TYPE"); if ($3 in seen) fail("TYPE after samples")
	type[$3] = $4; next
}
/^#/ { next }
{
	line = $0
	if (!match(line, /^[a-zA-Z_:][a-zA-Z0-9_:]*/)) { fail("bad metric name"); next }
	name = substr(line, 1, RLENGTH); rest = substr(line, RLENGTH + 1); labels = ""
	if (substr(rest, 1, 1) == "{") {
		rest = substr(rest, 2)
		for (;;) {
			if (!match(rest, /^[a-zA-Z_][a-zA-Z0-9_]*="/)) { fail("bad label"); next }
			lab = substr(rest, 1, RLENGTH); rest = substr(rest, RLENGTH + 1)
			while ((c = substr(rest, 1, 1)) != "\"") {
				if (c == "") { fail("unterminated label value"); next }
				if (c == "\\") {
					if (substr(rest, 2, 1) !~ /^[\\"n]$/) { fail("bad escape"); next }
					lab = lab substr(rest, 1, 2); rest = substr(rest, 3)
				} else { lab = lab c; rest = substr(rest, 2) }
			}
			labels = labels (labels == "" ? "" : ",") lab "\""
			rest = substr(rest, 2)
			c = substr(rest, 1, 1); rest = substr(rest, 2)
			if (c == "}") break
			if (c != ",") { fail("bad label separator"); next }
		}
	}
	if (substr(rest, 1, 1) != " ") { fail("no value"); next }
	rest = substr(rest, 2)
	if (rest !~ /^([-+]?[0-9]+(\.[0-9]+)?([eE][-+]?[0-9]+)?|[-+]?Inf|NaN)$/) { fail("bad value or a timestamp"); next }
	if (!(name in help) || !(name in type)) fail("no HELP or TYPE before the sample")
	if (type[name] == "counter" && (name !~ /_total$/ || rest ~ /^-/)) fail("bad counter")
	key = name "{" labels "}"
	if (key in series) fail("duplicate series")
	series[key] = 1; seen[name] = 1
	print key " " rest
}
END { exit bad }
EOF
awk -f $T/prom.awk $T/prom > $T/series 2> $T/err
rc=$?
check "prometheus text: every line well-formed, HELP and TYPE, no timestamps" \
	eval '[ $rc = 0 ] && [ -s $T/series ] && [ ! -s $T/err ]'
# pv METRIC CGROUP [EVENT]: its value
pv() {
	k="$1{cgroup=\"$2\"${3:+,event=\"$3\"}}"
	awk -v k="$k" '$1 == k { print $2; f = 1 } END { if (!f) print "(none)" }' $T/series
}
prom_same() {
	d=$cg$1
	for m in heap_bytes:heap.current heap_limit_bytes:heap.max heap_peak_bytes:heap.peak \
		 open_fds:files.current open_fds_limit:files.max open_fds_peak:files.peak; do
		want=$(cgv $d ${m#*:})
		[ "$want" = max ] && want=+Inf
		got=$(pv restrack_${m%%:*} $1)
		[ "$got" = "$want" ] || { diag "$1 ${m%%:*}: $got, cgroupfs $want"; return 1; }
	done
	for e in heap.max files.max kill; do
		got=$(pv restrack_events_total $1 $e)
		[ "$got" = "$(ev $d/restrack.events $e)" ] || { diag "$1 event $e: $got"; return 1; }
	done
}
check "prometheus /tt/a and /tt/b: every value equals cgroupfs" \
	eval 'prom_same /tt/a && prom_same /tt/b && [ "$(pv restrack_heap_limit_bytes /tt/b)" = +Inf ]'

rt status
check "status table: limits in human units, registered process" \
	eval '[ $rc = 0 ] && grep -q "^/tt/a  *[0-9.]*[0-9BKMG]*  *8M .* 20 .* kill " $T/out && grep -q "^ *$victim sleep  *\/restrack\/$victim$" $T/out'
rt status --watch 0.2 -n 3
check "status --watch to a pipe: one snapshot per interval" \
	eval '[ $rc = 0 ] && [ $(grep -c "^CGROUP " $T/out) = 3 ]'
rt status --json --watch 0.1 --iterations 2
check "status --json --watch: one document per interval" \
	eval '[ $rc = 0 ] && [ $(grep -c "^{\"version\":1,.*}$" $T/out) = 2 ]'
rt status --prometheus -o $T/restrack.prom
check "status -o FILE: written, no temporary left" \
	eval '[ $rc = 0 ] && [ ! -s $T/out ] && has "^restrack_open_fds_limit{cgroup=\"/tt/a\"} 20$" $T/restrack.prom && [ "$(ls $T | grep -c "restrack.prom")" = 1 ]'

rt reset $victim
check "reset lifts the quotas" eval '[ $rc = 0 ] && [ $(cgv $cg/restrack/$victim heap.max) = max ]'
rt deregister $victim
check "deregister: gone from status" \
	eval '[ $rc = 0 ] && ! grep -q "^$victim " /proc/tracker_status && ! restrack status --json | grep -q "\"pid\": $victim"'

kill $victim $pa $pb 2> /dev/null
wait 2> /dev/null
for d in $cg/tt/a $cg/tt/b $cg/tt/idle $cg/tt; do
	rmdir $d 2> /dev/null || { sleep 0.5; rmdir $d; }
done
check "no test cgroup left" eval '[ ! -d $cg/tt ] && no_run_cgroups && [ ! -d $runp ]'

rm -rf $T
tap_end
