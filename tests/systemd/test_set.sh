#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# restrack set under the Debian guest's systemd, like systemctl
# set-property: the limits on the running unit's cgroup at once, a drop-in
# in /etc/systemd/system.control (or /run's with --runtime) that the
# generator reads at the daemon-reload set runs, so that a restart keeps
# them; a slice too; the --runtime drop-in removed and daemon-reload: the
# next start has no limit.  Oracles: restrack.*.max of the cgroups,
# systemctl show's DropInPaths, the generator's drop-in.  TAP.
U=/etc/systemd/system
R=/run/rts
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/units.sh"
tap_start $R 17
# systemd 257 spawns into the unit's cgroup with PID 1's descriptors: a
# FilesMax= must exceed them (restrack(8)) or the unit cannot start
p1=$(nfds 1)
F1=$((p1 + 32))
F2=$((p1 + 24))
FS=$((p1 + 64))
diag "PID 1 holds $p1 descriptors: --files $F1, $F2, $FS for the slice"
ctl=/etc/systemd/system.control
rctl=/run/systemd/system.control
gen=/run/systemd/generator
lim() { local d; d=$(cgdir "$1"); echo "$(cat $d/restrack.heap.max 2>/dev/null) $(cat $d/restrack.files.max 2>/dev/null)"; }

for u in rts rts2; do
	printf '[Service]\nExecStart=/bin/sleep 600\n' > $U/$u.service
done
printf '[Service]\nSlice=rts.slice\nExecStart=/bin/sleep 600\n' > $U/rts3.service
systemctl daemon-reload
systemctl start rts.service rts2.service rts3.service

# --- persistent ---
restrack set rts.service --heap 64M --files $F1 > $R/out 2> $R/err
eq "set: exit 0" "$?" 0
eq "set: restrack.heap.max and files.max of the running unit at once" "$(lim rts.service)" "67108864 $F1"
check "set: the drop-in in $ctl/rts.service.d/50-restrack.conf, read by systemd" \
	eval '[ -f $ctl/rts.service.d/50-restrack.conf ] && prop DropInPaths rts.service | grep -q $ctl/rts.service.d/50-restrack.conf'
check "set: daemon-reload ran the generator: it wrote the unit's apply drop-in" \
	grep -q "restrack apply %n" $gen/rts.service.d/zz-restrack.conf
systemctl restart rts.service
eq "set: systemctl restart keeps the limits (new cgroup)" "$(lim rts.service)" "67108864 $F1"
restrack set rts.service --policy kill > $R/out 2> $R/err
rc=$?
check "set --policy: the sizes kept, the policy at once" \
	eval '[ $rc = 0 ] && [ "$(lim rts.service)" = "67108864 $F1" ] && [ "$(cat $(cgdir rts.service)/restrack.policy)" = kill ]'
restrack set rts.service --heap max --files max > $R/out 2> $R/err
eq "set max: the limits lifted at once" "$(lim rts.service)" "max max"
systemctl restart rts.service
eq "set max: and after a restart" "$(lim rts.service)" "max max"

# --- --runtime ---
restrack set rts2.service --files $F2 --runtime > $R/out 2> $R/err
eq "set --runtime: exit 0" "$?" 0
eq "set --runtime: files.max of the running unit at once" "$(lim rts2.service)" "max $F2"
check "set --runtime: the drop-in in $rctl, none in $ctl" \
	eval '[ -f $rctl/rts2.service.d/50-restrack.conf ] && [ ! -e $ctl/rts2.service.d ]'
systemctl restart rts2.service
eq "set --runtime: systemctl restart keeps the limit" "$(lim rts2.service)" "max $F2"
rm $rctl/rts2.service.d/50-restrack.conf
systemctl daemon-reload
eq "--runtime drop-in removed, daemon-reload: the running unit keeps its limit" "$(lim rts2.service)" "max $F2"
systemctl restart rts2.service
eq "... and the next start has none (apply lifts it)" "$(lim rts2.service)" "max max"

# --- a slice ---
restrack set rts.slice --files $FS > $R/out 2> $R/err
eq "set SLICE: exit 0" "$?" 0
eq "set SLICE: the slice's files.max at once" "$(cat $cg/rts.slice/restrack.files.max)" $FS
systemctl restart rts3.service
check "set SLICE: a restart of a unit in it keeps the slice's limit, and the unit gets apply" \
	eval '[ "$(cat $cg/rts.slice/restrack.files.max)" = $FS ] && grep -q "restrack apply %n" $gen/rts3.service.d/zz-restrack.conf'

if [ "$failed" != 0 ]; then
	sed 's/^/# err: /' $R/err
	for u in rts rts2 rts3; do
		journalctl -q -b -u $u.service --no-pager | tail -6 | sed "s/^/# journal: /"
	done
fi
systemctl stop rts.service rts2.service rts3.service
rm -rf $ctl/rts.service.d $ctl/rts.slice.d $rctl/rts2.service.d
systemctl daemon-reload
tap_end
