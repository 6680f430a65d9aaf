#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# restrack run from inside a service under the Debian guest's systemd:
# the command's cgroup goes below the service's, so the service's
# TasksMax=5 still holds (with the service's own processes) and run's own
# --files limit too; nothing is left behind; where the service's cgroup is
# not delegated and has a limit of its own, run refuses and runs nothing
# (exit 125).  From a scope like a login session's (not delegated, no
# limit of its own) the command runs in a delegated transient scope of the
# same slice, whose TasksMax= still holds; systemd-run failing is 125.
# Oracles: the command's own count of fork() and open() successes and the
# errno that stopped them (perl), /proc/PID/cgroup, pids.current, the
# cgroup tree.
# TAP.
U=/etc/systemd/system
R=/run/rtr
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/units.sh"
tap_start $R 24

# The command: fork children that sleep until one fork fails, then open
# /dev/null until one open fails; "forked N ERRNO opened M ERRNO CGROUP".
cat > $R/load.pl <<'EOF2'
use POSIX ();
my ($n, $ferr, $m, $oerr) = (0, "-", 0, "-");
for (1 .. 10) {
	my $p = fork;
	if (!defined $p) { $ferr = ($!{EAGAIN} ? "EAGAIN" : "$!"); last }
	if (!$p) { sleep 60; POSIX::_exit(0) }
	$n++;
}
my @fh;
for (1 .. 200) {
	open(my $f, "<", "/dev/null") or do { $oerr = ($!{EMFILE} ? "EMFILE" : "$!"); last };
	push @fh, $f; $m++;
}
@fh = ();
open(my $c, "<", "/proc/self/cgroup"); my $cg = <$c>; chomp $cg; $cg =~ s/^0:://;
open(my $o, ">", $ARGV[0]); print $o "forked $n $ferr opened $m $oerr $cg\n"; close $o;
sleep 2 if $ARGV[1];
EOF2

# --- a delegated service with TasksMax=5 runs restrack run ---
# It stays (sleep) so that its cgroup can be looked at after the run.
cat > $U/rtr-del.service <<EOF2
[Service]
TasksMax=5
Delegate=yes
ExecStart=/bin/sh -c 'restrack run --files 20 -- perl $R/load.pl $R/del.out 1 2> $R/del.err; echo \$? > $R/del.rc; cat /proc/self/cgroup > $R/del.after; exec sleep 600'
EOF2
systemctl daemon-reload
systemctl start rtr-del.service
wait_file $R/del.after
scg=$(prop ControlGroup rtr-del.service)
diag "rtr-del.service: cgroup $scg, subtree_control '$(cat $cg$scg/cgroup.subtree_control)', below: $(find $cg$scg -mindepth 1 -type d | tr '\n' ' ')"
diag "rtr-del: $(cat $R/del.out 2>/dev/null); restrack: $(tr '\n' ' ' < $R/del.err 2>/dev/null)"
read -r _ forked ferr _ opened oerr cgp < $R/del.out
# sh, restrack, perl: room for 2 more of the 5 tasks
eq "TasksMax=5: the command forks 2 children, the sixth task fails with EAGAIN" "$forked $ferr" "2 EAGAIN"
eq "run's --files 20 holds: the command's open fails with EMFILE" "$oerr" EMFILE
check "run's --files 20: it opened fewer than 20" test "$opened" -lt 20
check "the command ran below the service's cgroup (/proc/PID/cgroup)" \
	eval 'case "$cgp" in "$scg"/run-*) true ;; *) false ;; esac'
eq "the command exited 0 and restrack passed it on" "$(cat $R/del.rc)" 0
eq "after the run the service's shell is back in its cgroup" "$(sed -n 's/^0:://p' $R/del.after)" "$scg"
check "nothing left behind: no cgroup below the service's" \
	eval '[ -n "$scg" ] && [ -d $cg$scg ] && [ -z "$(find $cg$scg -mindepth 1 -type d)" ]'
check "nothing left behind: restrack not enabled in the service's cgroup" \
	eval '[ -f $cg$scg/cgroup.subtree_control ] && ! has_restrack $cg$scg'
check "nothing left behind: no restrack.run at the root" test ! -e $cg/restrack.run
eq "pids.current of the service is 1 (its sleep): no task of the command left" \
	"$(cat $cg$scg/pids.current)" 1
systemctl stop rtr-del.service

# --- a service that does not delegate its cgroup ---
cat > $U/rtr-nodel.service <<EOF2
[Service]
Type=oneshot
RemainAfterExit=yes
TasksMax=5
ExecStart=/bin/sh -c 'restrack run -- touch $R/nodel.ran 2> $R/nodel.err; echo \$? > $R/nodel.rc'
EOF2
systemctl daemon-reload
systemctl start rtr-nodel.service
eq "not delegated: run exits 125" "$(cat $R/nodel.rc)" 125
check "not delegated: the command did not run" test ! -e $R/nodel.ran
check "not delegated: one line says why and what to do" \
	eval '[ "$(wc -l < $R/nodel.err)" = 1 ] && grep -q "Delegate=yes" $R/nodel.err'
sed 's/^/# /' $R/nodel.err
systemctl stop rtr-nodel.service

# --- a scope like a login session: not delegated, no limits of its own ---
# logind makes session-N.scope with TasksMax=infinity (the user's slice
# limits it); systemd-run --scope would add DefaultTasksMax= otherwise.
# The slice allows 4 tasks: the caller (restrack run itself, exec'd by
# systemd-run), its copy in the transient scope, perl and one child.
cat > $U/rt-sess.slice <<EOF2
[Slice]
TasksMax=4
EOF2
systemctl daemon-reload
sl=$cg/rt.slice/rt-sess.slice
systemd-run --scope --quiet --slice=rt-sess.slice -p TasksMax=infinity -- \
	restrack run --files 20 -- perl $R/load.pl $R/sess.out > $R/sess.stdout 2> $R/sess.err
echo $? > $R/sess.rc
diag "session-like scope: $(cat $R/sess.out 2>/dev/null); restrack: $(tr '\n' ' ' < $R/sess.err)"
read -r _ forked ferr _ opened oerr cgp < $R/sess.out
eq "session-like scope: run exits 0, the command's status" "$(cat $R/sess.rc)" 0
eq "session-like scope: the slice's TasksMax=4 stops the second fork (EAGAIN)" "$forked $ferr" "1 EAGAIN"
check "session-like scope: run's --files 20 holds (EMFILE below 20)" \
	eval '[ "$oerr" = EMFILE ] && [ "$opened" -lt 20 ]'
check "session-like scope: the command ran in a delegated scope of the caller's slice" \
	eval 'case "$cgp" in /rt.slice/rt-sess.slice/run-*.scope/run-*) true ;; *) false ;; esac'
for i in $(seq 50); do
	[ -z "$(find $sl -mindepth 1 -type d 2>/dev/null)" ] && break
	sleep 0.1
done
check "session-like scope: nothing left in the slice after" \
	eval '[ -d $sl ] && [ -z "$(find $sl -mindepth 1 -type d)" ] && [ "$(cat $sl/pids.current)" = 0 ]'
check "session-like scope: no transient unit left" \
	eval '[ -z "$(systemctl list-units --all --no-legend --plain "run-*.scope" | grep -v "^$")" ]'

# --- a scope with a limit of its own: refused, nothing run ---
systemd-run --scope --quiet --slice=rt-sess.slice -p TasksMax=5 -- \
	restrack run -- touch $R/own.ran > $R/out 2> $R/own.err
eq "scope with its own TasksMax=5: run exits 125" "$?" 125
check "scope with its own TasksMax=5: the command did not run" test ! -e $R/own.ran
check "scope with its own TasksMax=5: one line naming the limit and Delegate=yes" \
	eval '[ "$(wc -l < $R/own.err)" = 1 ] && grep -q "TasksMax= (pids.max 5)" $R/own.err && grep -q "Delegate=yes" $R/own.err'
sed 's/^/# /' $R/own.err

# --- systemd-run failing: 125, never a status the command could have ---
RESTRACK_SYSTEMD_RUN=/bin/false systemd-run --scope --quiet --slice=rt-sess.slice \
	-p TasksMax=infinity -- restrack run -- touch $R/fail.ran > $R/out 2> $R/fail.err
eq "systemd-run failing (exit 1): run exits 125" "$?" 125
check "systemd-run failing: the command did not run, run says so" \
	eval '[ ! -e $R/fail.ran ] && grep -q "failed (exit status 1): the command did not run" $R/fail.err'
if [ "$failed" != 0 ]; then
	for u in rtr-del rtr-nodel; do
		journalctl -q -b -u $u.service --no-pager | tail -6 | sed "s/^/# journal: /"
	done
fi
tap_end
