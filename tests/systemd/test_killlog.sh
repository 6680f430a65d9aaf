#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A kill leaves a trace: a declared unit (FilesMax=PID 1's descriptors
# + 16, Policy=kill: systemd 257 spawns into the unit's cgroup) whose
# child opens descriptors until it is killed; the kernel logs the kill at
# KERN_INFO ("restrack: files.max of /system.slice/rtk.service: killed
# process PID (perl), usage N, max FK"), journalctl -k shows it, and
# restrack status UNIT shows it as the unit's last kill (table and JSON)
# while the unit's cgroup exists (its shell stays).  Needs a kernel that
# logs kills: on one that does not, checks 2-5 fail, as they should.
# Oracles: the child's own pid and exit status, restrack.events, the
# kernel log.  TAP.
U=/etc/systemd/system
R=/run/rtk
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/units.sh"
tap_start $R 5
FK=$(( $(nfds 1) + 16 ))
diag "PID 1 holds $(nfds 1) descriptors: FilesMax=$FK"

cat > $R/open.pl <<'EOF2'
open(my $o, ">", $ARGV[0]); print $o "$$\n"; close $o;
my @fh;
for (1 .. 1000) { open(my $f, "<", "/dev/null") or last; push @fh, $f }
EOF2
cat > $U/rtk.service <<EOF2
[Service]
ExecStart=/bin/sh -c 'perl $R/open.pl $R/pid; echo \$? > $R/rc; exec sleep 600'
[X-Restrack]
FilesMax=$FK
Policy=kill
EOF2
systemctl daemon-reload
systemctl start rtk.service
wait_file $R/rc
pid=$(cat $R/pid)
ucg=$(cgdir rtk.service)
path=$(prop ControlGroup rtk.service)
check "the unit's child was killed for going over FilesMax=$FK (137, kill 1 in restrack.events)" \
	eval '[ "$(cat $R/rc)" = 137 ] && grep -qx "kill 1" $ucg/restrack.events'
want="restrack: files.max of $path: killed process $pid (perl), usage "
for i in $(seq 50); do
	journalctl -k -b -q --no-pager | grep -qF "$want" && break
	sleep 0.1
done
journalctl -k -b -q --no-pager | grep -F "restrack:" | tail -3 | sed 's/^/# journal -k: /'
check "journalctl -k has the kill: limit, cgroup, pid, command, usage and max" \
	eval 'journalctl -k -b -q --no-pager | grep -F "$want" | grep -q ", max ${FK}\$"'
restrack status rtk.service > $R/out 2> $R/err
sed 's/^/# status: /' $R/out
check "restrack status UNIT: a last kill line below the unit" \
	eval 'grep -A1 "^rtk.service " $R/out | tail -1 | grep -q "^ *last kill: [0-9-]* [0-9:]* files.max: process $pid (perl), usage [0-9]*, max ${FK}\$"'
restrack status --json rtk.service > $R/json 2> $R/err
check "restrack status --json UNIT: last_kill with the pid, command, limit and max" \
	perl -MJSON::PP -e '
		my $doc = decode_json(do { local $/; open(my $f, "<", $ARGV[0]) or die; <$f> });
		my ($c) = grep { $_->{unit} && $_->{unit} eq "rtk.service" } @{$doc->{cgroups}};
		my $k = $c->{last_kill} or exit 1;
		exit !($k->{pid} == $ARGV[1] && $k->{command} eq "perl" &&
		       $k->{limit} eq "files.max" && $k->{max} == $ARGV[2] &&
		       $k->{processes} == 1 && $k->{time} =~ /^\d{4}-\d\d-\d\dT/);' $R/json "$pid" "$FK"
check "the unit still runs: its cgroup, where status found the kill, exists" \
	eval '[ "$(prop ActiveState rtk.service)" = active ] && [ -d $ucg ]'
systemctl stop rtk.service
rm -f $U/rtk.service
systemctl daemon-reload
tap_end
