#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check-containers' suite (scripts/check-containers.sh), in a Debian
# guest with podman, crun, runc and containerd: restrack limits set on a
# container through the OCI runtime spec's linux.resources.unified map
# (podman run --cgroup-conf restrack.files.max=N), with both runtimes and
# both of podman's cgroup managers, rootful and rootless, and with
# containerd's ctr from a spec.  The setup is the one the admin guide
# gives ("Limit a container"): restrack set machine.slice
# --subtree-control yes, crun's systemd sub-cgroup turned off in
# containers.conf, +restrack in the cgroupfs manager's parent.  The
# containers' root file system is a directory made here (busybox and
# rt-hold, both static): nothing is pulled.
# Oracles: what the workload got (rt-hold's report: descriptors from its
# /proc/self/fd, the errno that stopped it, whether its mapping failed),
# the container's exit status (137: SIGKILL), podman's state of a
# bystander container, the cgroup files read from the host and from inside,
# the kernel's log of kills.  TAP.
R=/run/rt-containers
T=/usr/local/libexec/restrack-tests
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/units.sh"
tap_start $R 46
ctr=/srv/ctr

# mkroot DIR: the containers' root file system
mkroot() {
	mkdir -p "$1/bin" "$1/proc" "$1/sys" "$1/dev" "$1/tmp" "$1/etc"
	cp /bin/busybox $T/rt-hold "$1/bin/"
	for c in sh cat echo sleep ls mkdir; do ln -sf busybox "$1/bin/$c"; done
	echo 'root:x:0:0:root:/:/bin/sh' > "$1/etc/passwd"
	echo 'root:x:0:' > "$1/etc/group"
}
mkroot $ctr
diag "podman $(podman --version 2>&1 | awk '{print $3}'), crun $(crun --version 2>&1 | awk 'NR==1 {print $3}'), runc $(runc --version 2>&1 | awk 'NR==1 {print $3}')"

# pr ARGS...: podman run of the test root, output in $R/out, status in $rc;
# as the user tester (rootless) with PR_AS=ur
pr() {
	${PR_AS:-} podman run --rm --network none "$@" > $R/out 2> $R/err
	rc=$?
}
show() { sed 's/^/# /' $R/out $R/err | head -"${1:-10}"; }
# report: rt-hold's line without the count of descriptors it opened
report() { cut -d' ' -f3- $R/out; }
klog_has() { dmesg | grep -q "restrack: files.max of $1: killed process"; }
running() { [ "$(podman inspect -f '{{.State.Running}}' "$1" 2>/dev/null)" = true ]; }

# --- setup, as the admin guide gives it ---------------------------------------
rt set machine.slice --subtree-control yes
check "setup: restrack set machine.slice --subtree-control yes" eval '[ $rc = 0 ]'
mkdir -p /etc/containers/containers.conf.d
printf '[containers]\nannotations = ["run.oci.systemd.subgroup="]\n' \
	> /etc/containers/containers.conf.d/50-restrack.conf
mkdir -p $cg/libpod_parent
echo +restrack > $cg/libpod_parent/cgroup.subtree_control
check "setup: +restrack in the cgroupfs manager's parent, /libpod_parent" has_restrack $cg/libpod_parent

# --- a bystander: a container that must outlive the others' kills ---
podman run -d --name bystander --network none --cgroup-conf restrack.files.max=77 \
	--rootfs $ctr /bin/sleep 3600 > $R/out 2> $R/err
id=$(cat $R/out)
bcg=$cg/machine.slice/libpod-$id.scope
check "bystander: started in machine.slice (crun, systemd), machine.slice has +restrack" \
	eval 'running bystander && has_restrack $cg/machine.slice && [ -d $bcg ]'
eq "bystander: its scope's restrack.files.max, set by crun from --cgroup-conf" \
	"$(cat $bcg/restrack.files.max 2>&1)" 77
rt status
check "restrack status names the container's scope, and its limit" \
	eval '[ $rc = 0 ] && grep -Eq "^libpod-$id\.scope +[0-9.KM]+ +max +[0-9.KM]+ +[0-9]+ +77 " $R/out'
rt status --json
check "restrack status --json: the path /machine.slice/libpod-ID.scope, unit libpod-ID.scope" \
	eval 'grep -q "\"path\": \"/machine.slice/libpod-$id.scope\"" $R/out && grep -q "\"unit\": \"libpod-$id.scope\"" $R/out'

for runtime in crun runc; do
	for mgr in systemd cgroupfs; do
		w="$runtime/$mgr"
		o=(--runtime $runtime --cgroup-manager $mgr)
		pr "${o[@]}" --cgroup-conf restrack.files.max=50 \
			--cgroup-conf restrack.heap.max=512M --rootfs $ctr \
			/bin/rt-hold --total 100 --heap 1073741824
		eq "$w: deny: EMFILE at files.max 50, a 1 GiB mmap ENOMEM at heap.max 512M (exit $rc)" \
			"$rc $(report)" "1 50 EMFILE heap ENOMEM"
		[ "$rc" = 1 ] || show
		pr "${o[@]}" --cgroup-conf restrack.files.max=50 \
			--cgroup-conf restrack.heap.max=512M --rootfs $ctr \
			/bin/rt-hold --total 40 --heap 268435456
		eq "$w: within the limits: 40 descriptors, 256 MiB (exit $rc)" "$rc $(report)" "0 40 - heap OK"
		pr "${o[@]}" --cgroup-conf restrack.files.max=50 \
			--cgroup-conf restrack.heap.max=512M --rootfs $ctr \
			/bin/sh -c 'cat /proc/self/cgroup /sys/fs/cgroup/restrack.files.max /sys/fs/cgroup/restrack.heap.max /sys/fs/cgroup/restrack.policy; echo 100 > /sys/fs/cgroup/restrack.files.max || echo refused'
		eq "$w: inside, its own cgroup namespace: its limits, and no write to them" \
			"$(tr '\n' ' ' < $R/out)" "0::/ 50 536870912 deny refused "
		podman run --name killed --network none "${o[@]}" --cgroup-conf restrack.files.max=50 \
			--cgroup-conf restrack.policy=kill --rootfs $ctr \
			/bin/rt-hold --total 100 > $R/out 2> $R/err
		rc=$?
		eq "$w: kill: over files.max 50 the container dies of SIGKILL (137)" "$rc" 137
		[ "$rc" = 137 ] || show
		cid=$(podman inspect -f '{{.Id}}' killed 2>/dev/null)
		podman rm -f killed > /dev/null 2>&1
		if [ $mgr = systemd ]; then kcg=/machine.slice/libpod-$cid.scope; else kcg=/libpod_parent/libpod-$cid; fi
		check "$w: kill: the kernel's log names that container's cgroup, $kcg" klog_has "$kcg"
		check "$w: kill: the bystander container lives on" running bystander
	done
done

# --- crun's own sub-cgroup: why containers.conf turns it off ---
pr --annotation run.oci.systemd.subgroup=container --cgroup-conf restrack.files.max=50 \
	--rootfs $ctr /bin/true
check "crun/systemd with its 'container' sub-cgroup: refused (126), crun names the controller" \
	eval '[ $rc = 126 ] && grep -q "controller .restrack. is not available" $R/err'

# --- a privileged container: cgroupfs is writable, the limits are not ---
pr --privileged --cgroup-conf restrack.files.max=50 --rootfs $ctr /bin/sh -c \
	'cat /sys/fs/cgroup/restrack.files.max; echo 100 > /sys/fs/cgroup/restrack.files.max && echo raised; mkdir /sys/fs/cgroup/sub && echo $$ > /sys/fs/cgroup/sub/cgroup.procs && cat /proc/self/cgroup /sys/fs/cgroup/restrack.files.max'
eq "privileged: writes to its own limit are refused (nsdelegate); it can only move below it" \
	"$(tr '\n' ' ' < $R/out)" "50 0::/sub 50 "
check "privileged: ... refused with EPERM" grep -q "Operation not permitted" $R/err

# --- rootless: podman as a user, through the user's systemd ---
useradd -m -s /bin/bash tester
u=$(id -u tester)
loginctl enable-linger tester
for i in $(seq 100); do [ -S /run/user/$u/bus ] && break; sleep 0.2; done
ug=$cg/user.slice/user-$u.slice/user@$u.service
ur() {
	runuser -u tester -- env XDG_RUNTIME_DIR=/run/user/$u \
		DBUS_SESSION_BUS_ADDRESS=unix:path=/run/user/$u/bus "$@"
}
mkroot /home/tester/ctr
chown -R tester: /home/tester/ctr
rt set user.slice --subtree-control yes
rt2=$rc
rt set user-$u.slice --subtree-control yes
check "rootless setup: restrack set user.slice and user-$u.slice --subtree-control yes" \
	eval '[ $rt2 = 0 ] && [ $rc = 0 ] && has_restrack $cg/user.slice && has_restrack $cg/user.slice/user-$u.slice'
# the user's own part, in the cgroups their systemd delegates to them
ur systemctl --user start user.slice
ur sh -c "echo +restrack > $ug/cgroup.subtree_control && echo +restrack > $ug/user.slice/cgroup.subtree_control"
check "rootless setup: the user enables restrack in user@$u.service and its user.slice" \
	eval 'has_restrack $ug && has_restrack $ug/user.slice'
PR_AS=ur pr --cgroup-conf restrack.files.max=50 \
	--cgroup-conf restrack.heap.max=512M --rootfs /home/tester/ctr \
	/bin/rt-hold --total 100 --heap 1073741824
eq "rootless: deny: EMFILE at files.max 50, ENOMEM at heap.max 512M (exit $rc)" \
	"$rc $(report)" "1 50 EMFILE heap ENOMEM"
[ "$rc" = 1 ] || show
PR_AS=ur pr --cgroup-conf restrack.files.max=50 \
	--cgroup-conf restrack.policy=kill --rootfs /home/tester/ctr \
	/bin/rt-hold --total 100
eq "rootless: kill: over files.max 50 the container dies of SIGKILL (137)" "$rc" 137
[ "$rc" = 137 ] || show
check "rootless: the kernel's log names a scope of the user's" \
	eval 'dmesg | grep -q "restrack: files.max of /user.slice/user-$u.slice/user@$u.service/user.slice/libpod-"'
PR_AS=ur pr --cgroup-conf restrack.files.max=50 --rootfs /home/tester/ctr \
	/bin/sh -c 'echo 100 > /sys/fs/cgroup/restrack.files.max || echo refused; cat /sys/fs/cgroup/restrack.files.max'
eq "rootless: inside, its limit, which it cannot raise" "$(tr '\n' ' ' < $R/out)" "refused 50 "
check "rootless: the bystander container lives on" running bystander

# --- containerd: ctr with an OCI spec carrying linux.resources.unified ---
diag "containerd: $(systemctl is-active containerd) $(ctr version 2>&1 | sed -n 's/^ *Version: *//p' | head -1)"
mkdir -p $R/bundle
(cd $R/bundle && runc spec) 2> $R/err
# spec-M.json and kill-M.json for each cgroup manager M: ctr takes the
# cgroup from the spec's linux.cgroupsPath (with --config, not --cgroup)
perl -MJSON::PP -e '
	my ($dir, $root) = @ARGV;
	my $j = JSON::PP->new->pretty->canonical;
	local $/; open my $f, "<", "$dir/config.json" or die; my $s = $j->decode(<$f>);
	$s->{root} = { path => $root, readonly => JSON::PP::true };
	$s->{process}{terminal} = JSON::PP::false;
	for my $m ("cgroupfs", "systemd") {
		$s->{linux}{cgroupsPath} = $m eq "systemd" ? "machine.slice:rt:ctr-$m" : "/restrack-ctr/ctr-$m";
		$s->{process}{args} = [ "/bin/rt-hold", "--total", "100", "--heap", "1073741824" ];
		$s->{linux}{resources}{unified} = { "restrack.files.max" => "50", "restrack.heap.max" => "512M" };
		open my $o, ">", "$dir/spec-$m.json" or die; print $o $j->encode($s); close $o;
		$s->{process}{args} = [ "/bin/rt-hold", "--total", "100" ];
		$s->{linux}{resources}{unified}{"restrack.policy"} = "kill";
		open $o, ">", "$dir/kill-$m.json" or die; print $o $j->encode($s); close $o;
	}' $R/bundle $ctr
for m in cgroupfs systemd; do
	if [ $m = systemd ]; then
		# (which ctr wants given, though the spec's is the one used)
		opt=(--runc-systemd-cgroup --cgroup machine.slice:rt:ctr-$m)
		kcg=/machine.slice/rt-ctr-$m.scope
	else
		opt=()
		kcg=/restrack-ctr/ctr-$m
	fi
	timeout 60 ctr run --rm --config $R/bundle/spec-$m.json "${opt[@]}" ctr-$m > $R/out 2> $R/err
	rc=$?
	eq "containerd ctr ($m): deny: EMFILE at files.max 50, ENOMEM at heap.max 512M (exit $rc)" \
		"$rc $(report)" "1 50 EMFILE heap ENOMEM"
	[ "$rc" = 1 ] || show
	timeout 60 ctr run --rm --config $R/bundle/kill-$m.json "${opt[@]}" ctr-$m > $R/out 2> $R/err
	rc=$?
	check "containerd ctr ($m): kill: SIGKILL (137) in $kcg, by the kernel's log" \
		eval '[ $rc = 137 ] && klog_has $kcg'
	[ "$rc" = 137 ] && klog_has $kcg || { diag "exit $rc"; dmesg | grep "restrack:" | tail -2 | sed 's/^/# /'; show; }
done
podman rm -f bystander > /dev/null 2>&1

# --- restrack broken: containers that ask for no limit still run ---
# machine.slice only wants its oneshot (SubtreeControl=yes declares no
# limit): with the tool gone the oneshot fails, and the slice starts.
systemctl stop machine.slice
mv /usr/local/sbin/restrack /usr/local/sbin/restrack.off
pr --rootfs $ctr /bin/echo ran
eq "restrack's tool gone: a container without restrack limits runs (exit $rc)" "$rc $(cat $R/out)" "0 ran"
eq "... while machine.slice's oneshot failed" \
	"$(systemctl is-failed restrack-slice@machine.slice.service) $(systemctl is-active machine.slice)" "failed active"
[ "$rc" = 0 ] || { show; systemctl status --no-pager machine.slice restrack-slice@machine.slice.service 2>&1 | sed 's/^/# /' | head -30; cat /run/systemd/generator/machine.slice.d/zz-restrack.conf | sed 's/^/# /'; }
mv /usr/local/sbin/restrack.off /usr/local/sbin/restrack
tap_end
