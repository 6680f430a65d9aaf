#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# restrack-generator under the Debian guest's systemd: only the services
# that declare [X-Restrack] limits (or sit in a slice that does) get a
# drop-in, whose "restrack apply" runs before their own ExecStartPre=;
# daemon-reload picks up a new declaration; with the binary gone, only the
# declared services fail.  Oracles: what the unit's own ExecStartPre= could
# open (rt-hold's count of /proc/self/fd, the errno it got), the
# ExecStartPre= list systemd shows, the generator's output directory, the
# units' results.  TAP.
U=/etc/systemd/system
G=/run/systemd/generator
H=/usr/local/libexec/restrack-tests/rt-hold
R=/run/rtg
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/units.sh"
tap_start $R 15

p1=$(nfds 1)
FL=$((p1 + 32))
diag "PID 1 holds $p1 descriptors: FilesMax=$FL"
# pre UNIT: the command lines of its ExecStartPre=, one a line
pre() { systemctl show -p ExecStartPre "$1" | grep -o 'argv\[\]=[^;]*' | sed 's/^argv\[\]=//; s/ *$//'; }

# --- a declared service with an ExecStartPre= of its own ---
cat > $U/rtg-pre.service <<EOF2
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStartPre=-$H --files $((FL + 20)) --heap 314572800 --report $R/pre.out
ExecStart=$H --files 4 --report $R/main.out
[X-Restrack]
HeapMax=200M
FilesMax=$FL
EOF2
# --- one without declarations ---
cat > $U/rtg-plain.service <<EOF2
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStartPre=$H --files 2 --report $R/plain-pre.out
ExecStart=$H --files $((FL + 20)) --report $R/plain.out
EOF2
systemctl daemon-reload
pre rtg-pre.service > $R/out
diag "rtg-pre ExecStartPre: $(tr '\n' '|' < $R/out)"
eq "declared: restrack apply is its first ExecStartPre=, its own after" \
	"$(tr '\n' '|' < $R/out)" "/usr/local/sbin/restrack apply rtg-pre.service|$H --files $((FL + 20)) --heap 314572800 --report $R/pre.out|"
systemctl start rtg-pre.service
read -r _ opened total err _ heap < $R/pre.out
eq "declared: its own ExecStartPre= already runs limited (EMFILE at FilesMax=$FL)" "$err $total" "EMFILE $FL"
eq "declared: its own ExecStartPre= gets ENOMEM for 300M under HeapMax=200M" "$heap" ENOMEM
pre rtg-plain.service > $R/out
eq "undeclared: no ExecStartPre= added (systemctl show)" "$(cat $R/out)" "$H --files 2 --report $R/plain-pre.out"
check "undeclared: no drop-in in the generator's directory" test ! -e $G/rtg-plain.service.d
check "only declared services got a drop-in" \
	eval '[ -z "$(cd $G && ls -d *.d 2>/dev/null | grep -v "^rt" | grep -v -x rt-boot.service.d)" ]'
ls -d $G/*.service.d 2>/dev/null | sed 's|^|# generated: |'
systemctl start rtg-plain.service
read -r _ opened total err _ < $R/plain.out
eq "undeclared: it runs unlimited" "$opened $err" "$((FL + 20)) -"

# --- daemon-reload picks up a new declaration ---
systemctl stop rtg-plain.service
mkdir -p $U/rtg-plain.service.d
printf '[X-Restrack]\nFilesMax=%s\n' $FL > $U/rtg-plain.service.d/limits.conf
check "before daemon-reload: still nothing added" test ! -e $G/rtg-plain.service.d
systemctl daemon-reload
pre rtg-plain.service > $R/out
eq "after daemon-reload: restrack apply comes first" "$(head -1 $R/out)" "/usr/local/sbin/restrack apply rtg-plain.service"
systemctl start rtg-plain.service 2>/dev/null	# fails: rt-hold got EMFILE
read -r _ opened total err _ < $R/plain.out
eq "after daemon-reload: the new drop-in's limit applies" "$err $total" "EMFILE $FL"
systemctl stop rtg-plain.service rtg-pre.service

# --- the binary gone: only the declared services fail ---
cat > $U/rtg-other.service <<EOF2
[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/true
EOF2
systemctl daemon-reload
mv /usr/local/sbin/restrack /usr/local/sbin/restrack.away
rm -f $R/pre.out $R/main.out
check "binary gone: an undeclared service starts" systemctl start rtg-other.service
check "binary gone: a declared service is refused" eval '! systemctl start rtg-pre.service 2>/dev/null'
check "binary gone: the declared one ran none of its own commands" \
	eval '[ ! -e $R/pre.out ] && [ ! -e $R/main.out ]'
systemctl daemon-reload 2>/dev/null
systemctl stop rtg-other.service
check "binary gone, after daemon-reload: undeclared services still start" systemctl start rtg-other.service
# no generator: declared services start unlimited (restrack(8), fail-open)
diag "binary gone, after daemon-reload: rtg-pre ExecStartPre: $(pre rtg-pre.service | tr '\n' '|')"
mv /usr/local/sbin/restrack.away /usr/local/sbin/restrack
systemctl daemon-reload
systemctl stop rtg-other.service rtg-pre.service 2>/dev/null
check "binary back, after daemon-reload: the declared service has its hook again" \
	eval '[ "$(pre rtg-pre.service | head -1)" = "/usr/local/sbin/restrack apply rtg-pre.service" ]'
if [ "$failed" != 0 ]; then
	for u in rtg-pre rtg-plain rtg-other; do
		journalctl -q -b -u $u.service --no-pager | tail -6 | sed "s/^/# journal: /"
	done
fi
tap_end
