#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Who uses a slice's budget (issue 31), under the Debian guest's systemd:
# rtst.slice declares FilesMax=1000 in a drop-in ([X-Restrack], applied by
# the generator's "restrack apply" when its services start); rtst-a.service
# holds 10 descriptors and 64 MiB of mapped heap, rtst-b.service 990
# descriptors: the slice is full.  restrack status --all lists the slice
# and both services, --processes each process, --sort and top put them in
# heap and files order, --depth 1 hides what is deeper, the Prometheus
# output has their unit labels, --json --watch writes one document a line,
# and restrack-exporter.service (installed, not enabled) serves /metrics
# on loopback only.
# Oracles: /proc/PID/fd and VmData in /proc/PID/status of the holders (the
# slice's usage is their sum: nothing else runs in it), cgroup.procs,
# /proc/net/tcp*, perl's JSON::PP.  Exact values throughout.
# The Prometheus text is also printed as "restrack-prom: " lines with a
# checksum: scripts/check-systemd.sh runs the host's promtool on it (the
# guest has none).  TAP.
U=/etc/systemd/system
H=/usr/local/libexec/restrack-tests/rt-hold
R=/run/rtst
. "$(dirname "$0")/tap.sh"
. "$(dirname "$0")/units.sh"
tap_start $R 24

# vmdata PID: bytes, from /proc/PID/status
vmdata() { echo $(( $(awk '/^VmData:/ { print $2 }' "/proc/$1/status") * 1024 )); }
# fmt BYTES: a size as restrack prints it (restrack(8), SIZES: binary
# units, one decimal at most, rounded to the nearest tenth)
fmt() {
	awk -v b="$1" 'BEGIN {
		if (b == 0) { print "0"; exit }
		split("B K M G T P E", un, " ")
		u = 0
		while (u < 6 && b >= 2 ^ (10 * (u + 1))) u++
		for (;;) {
			unit = 2 ^ (10 * u); t = int((b * 10 + unit / 2) / unit)
			if (t < 10240 || u == 6) break
			u++
		}
		if (u == 0 || t % 10 == 0) printf "%d%s\n", int(t / 10), un[u + 1]
		else printf "%d.%d%s\n", int(t / 10), t % 10, un[u + 1]
	}'
}
# col TABLE NAME N: column N of NAME's line in TABLE
col() { awk -v n="$2" -v c="$3" '$1 == n { print $c; exit }' "$1"; }
# before FILE X Y: X's line comes before Y's (both present)
before() { awk -v x="$2" -v y="$3" '$1 == x && !sx { sx = NR } $1 == y && !sy { sy = NR } END { exit !(sx && sy && sx < sy) }' "$1"; }
# names FILE: the first words of a status table's lines, to its end
names() { awk 'NF == 0 { exit } { print $1 }' "$1" | tr '\n' ' '; }
# procs_ok OUT UNIT: the --processes table of UNIT in OUT has exactly the
# processes of its cgroup.procs, each with /proc's descriptor count and
# VmData (as restrack prints sizes); "PID FILES HEAP" lines compared
procs_ok() {
	local out=$1 unit=$2 pid want got
	want=$(for pid in $(sort -n "$(cgdir "$unit")/cgroup.procs"); do
		echo "$pid $(nfds "$pid") $(fmt "$(vmdata "$pid")")"
	done)
	got=$(awk -v p="$(prop ControlGroup "$unit"):" '
		$1 == p { on = 1; next }
		on && /^$/ { on = 0 }
		on && $1 ~ /^[0-9]+$/ { print $1, $4, $2 }' "$out" | sort -n)
	[ "$got" = "$want" ] && [ -n "$want" ] && return 0
	diag "$unit: got '$(echo $got)', want '$(echo $want)'"
	return 1
}

mkdir -p $U/rtst.slice.d
printf '[X-Restrack]\nFilesMax=1000\n' > $U/rtst.slice.d/limits.conf
cat > $U/rtst-a.service <<EOF2
[Service]
Slice=rtst.slice
ExecStart=$H --total 10 --heap 67108864 --report $R/a.out --hold
EOF2
cat > $U/rtst-b.service <<EOF2
[Service]
Slice=rtst.slice
ExecStart=$H --total 990 --report $R/b.out --hold
EOF2
cat > $U/rtst-c.service <<EOF2
[Service]
Slice=rtst-sub.slice
ExecStart=$H --total 5 --report $R/c.out --hold
EOF2
systemctl daemon-reload
systemctl start rtst-a.service
wait_file $R/a.out
systemctl start rtst-b.service
wait_file $R/b.out
diag "a: $(cat $R/a.out 2>&1) b: $(cat $R/b.out 2>&1)"
pa=$(prop MainPID rtst-a.service)
pb=$(prop MainPID rtst-b.service)
fa=$(nfds $pa)
fb=$(nfds $pb)
ha=$(vmdata $pa)
hb=$(vmdata $pb)
diag "a: pid $pa, $fa descriptors, VmData $ha; b: pid $pb, $fb descriptors, VmData $hb"
scg=$cg/rtst.slice

eq "the slice's drop-in applied: files.max 1000 on rtst.slice" "$(cat $scg/restrack.files.max 2>&1)" 1000
eq "the holders: 10 and 990 descriptors in /proc/PID/fd" "$fa $fb" "10 990"

# --- status --all ---
restrack status --all > $R/out 2> $R/err
rc=$?
check "status --all: rtst.slice, rtst-a.service and rtst-b.service listed" \
	eval '[ $rc = 0 ] && grep -q "^rtst.slice " $R/out && grep -q "^rtst-a.service " $R/out && grep -q "^rtst-b.service " $R/out'
cp $R/out $R/all
eq "status --all: FILES of each service is its /proc/PID/fd count, the slice's their sum" \
	"$(col $R/all rtst-a.service 5) $(col $R/all rtst-b.service 5) $(col $R/all rtst.slice 5)" \
	"$fa $fb $((fa + fb))"
eq "status --all: the slice's FILES MAX is 1000, HEAP of a its VmData" \
	"$(col $R/all rtst.slice 6) $(col $R/all rtst-a.service 2)" "1000 $(fmt $ha)"
restrack status --all --json > $R/json 2> $R/err
perl -MJSON::PP -e '
	local $/; my $d = decode_json(<STDIN>);
	for my $c (@{$d->{cgroups}}) {
		next unless $c->{path} =~ m{^/rtst\.slice(/rtst-[ab]\.service)?$};
		printf "%s %d %d\n", $c->{unit}, $c->{heap}{current}, $c->{files}{current};
	}' < $R/json | sort > $R/got
printf '%s\n' "rtst-a.service $ha $fa" "rtst-b.service $hb $fb" "rtst.slice $((ha + hb)) $((fa + fb))" | sort > $R/want
check "status --all --json: heap.current in bytes = VmData, files.current = /proc/PID/fd, the slice's the sums" \
	cmp -s $R/got $R/want
[ "$failed" = 0 ] || { sed 's/^/# got: /' $R/got; sed 's/^/# want: /' $R/want; }

# --- --processes ---
restrack status --processes rtst-a.service > $R/out 2> $R/err
rc=$?
check "status --processes rtst-a.service: its processes, descriptors = /proc/PID/fd, VmData = /proc/PID/status" \
	eval '[ $rc = 0 ] && procs_ok $R/out rtst-a.service'
restrack status --processes rtst-b.service > $R/out 2> $R/err
rc=$?
check "status --processes rtst-b.service: the same" \
	eval '[ $rc = 0 ] && procs_ok $R/out rtst-b.service'
restrack status --processes rtst.slice > $R/out 2> $R/err
rc=$?
check "status --processes rtst.slice: names the process holding 990 descriptors, and its command line" \
	eval '[ $rc = 0 ] && awk -v p=$pb -v c="$H --total 990 --report" "\$1 == p && \$4 == 990 && index(\$0, c) { x = 1 } END { exit !x }" $R/out'
check "status --processes rtst.slice: both processes, under the slice, with 1% and 99% of its files" \
	eval 'awk -v a=$pa -v b=$pb "\$1 == a && \$5 == \"1%\" { x++ } \$1 == b && \$5 == \"99%\" { x++ } END { exit x != 2 }" $R/out'

# --- --sort, --depth (below, with a deeper cgroup) ---
restrack status --all --sort files > $R/out 2> $R/err
check "status --sort files: rtst-b.service (990) before rtst-a.service (10)" \
	before $R/out rtst-b.service rtst-a.service
restrack status --all --sort heap > $R/out 2> $R/err
check "status --sort heap: rtst-a.service (64M) before rtst-b.service" \
	before $R/out rtst-a.service rtst-b.service

# --- Prometheus ---
restrack status --prometheus --all > $R/prom 2> $R/err
check "status --prometheus --all: open fds with cgroup and unit labels, exact, for both services and the slice" \
	eval 'grep -qx "restrack_open_fds{cgroup=\"/rtst.slice/rtst-a.service\",unit=\"rtst-a.service\"} $fa" $R/prom &&
	      grep -qx "restrack_open_fds{cgroup=\"/rtst.slice/rtst-b.service\",unit=\"rtst-b.service\"} $fb" $R/prom &&
	      grep -qx "restrack_open_fds{cgroup=\"/rtst.slice\",unit=\"rtst.slice\"} $((fa + fb))" $R/prom &&
	      grep -qx "restrack_heap_bytes{cgroup=\"/rtst.slice/rtst-a.service\",unit=\"rtst-a.service\"} $ha" $R/prom'
if command -v promtool > /dev/null; then
	check "promtool check metrics (in the guest)" eval 'promtool check metrics < $R/prom > $R/out 2> $R/err'
else
	# the host checks it: the text, then its checksum and line count
	sed 's/^/restrack-prom: /' $R/prom
	echo "restrack-prom-sum: $(sha256sum < $R/prom | cut -d" " -f1) $(wc -l < $R/prom)"
	check "the Prometheus text printed for the host's promtool (restrack-prom: lines)" test -s $R/prom
fi

# --- --json --watch: NDJSON ---
timeout 2.5 restrack status --json --watch 1 > $R/nd 2> $R/err
nl=$(wc -l < $R/nd)
diag "status --json --watch 1 for 2.5 s: $nl lines"
check "status --json --watch 1 for 2.5 s: 2 or 3 lines, each a whole JSON document with the slice at 1000 files" \
	eval '[ "$nl" = 2 -o "$nl" = 3 ] && [ "$(tail -c 1 $R/nd | od -An -c | tr -d " ")" = "\\n" ] &&
	      perl -MJSON::PP -ne "my \$d = decode_json(\$_); my (\$s) = grep { \$_->{path} eq q{/rtst.slice} } @{\$d->{cgroups}};
		\$n++ if \$s && \$s->{files}{current} == $((fa + fb)); END { exit(\$n != $nl) }" $R/nd'

# --- top ---
restrack top --batch -n 1 > $R/out 2> $R/err
rc=$?
check "top --batch -n 1: both services, rtst-a.service (heap 64M) first, FILES exact" \
	eval '[ $rc = 0 ] && before $R/out rtst-a.service rtst-b.service && [ "$(col $R/out rtst-a.service 5) $(col $R/out rtst-b.service 5)" = "$fa $fb" ]'
restrack top --batch -n 1 --sort files > $R/out 2> $R/err
check "top --batch -n 1 --sort files: rtst-b.service first" \
	before $R/out rtst-b.service rtst-a.service

# --- restrack-exporter.service ---
eu=/usr/local/lib/systemd/system/restrack-exporter.service
check "restrack-exporter.service installed by make install-systemd, not enabled" \
	eval '[ -f $eu ] && [ "$(systemctl is-enabled restrack-exporter.service 2>&1)" = disabled ]'
systemctl start restrack-exporter.service
if [ -e /proc/net/tcp ]; then
	# until it listens (10 s at most); 9808 is 2650 in /proc/net/tcp
	for i in $(seq 100); do
		grep -q ':2650 00000000:0000 0A' /proc/net/tcp /proc/net/tcp6 2> /dev/null && break
		sleep 0.1
	done
	check "restrack-exporter.service: its sandbox runs restrack exporter, which serves loopback" \
		journal_has restrack-exporter.service "restrack: exporter: serving http://127.0.0.1:9808/metrics"
	check "restrack-exporter.service: active, listening on 127.0.0.1:9808 and nothing else" \
		eval '[ "$(systemctl is-active restrack-exporter.service)" = active ] &&
		      [ "$(cat /proc/net/tcp /proc/net/tcp6 2> /dev/null | awk "\$2 ~ /:2650\$/ && \$4 == \"0A\" { print \$2 }")" = 0100007F:2650 ]'
	perl -MIO::Socket::INET -e '
		my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1:9808", Timeout => 10) or die "connect: $!\n";
		print $s "GET /metrics HTTP/1.0\r\nHost: localhost\r\n\r\n";
		local $/; print <$s>;' 2> $R/err | tr -d '\r' > $R/http
	check "GET /metrics: 200, the services' series with their unit labels" \
		eval 'head -1 $R/http | grep -q "^HTTP/1.[01] 200" &&
		      grep -q "^restrack_open_fds{cgroup=\"/rtst.slice/rtst-b.service\",unit=\"rtst-b.service\"} $fb$" $R/http &&
		      grep -q "^restrack_open_fds{cgroup=\"/rtst.slice/rtst-a.service\",unit=\"rtst-a.service\"} $fa$" $R/http'
else
	# a kernel built before tests/config/systemd.config had CONFIG_INET:
	# no AF_INET socket at all, the exporter gets as far as socket()
	for i in $(seq 100); do
		journal_has restrack-exporter.service "listening on 127.0.0.1:9808: Address family not supported" && break
		sleep 0.1
	done
	check "restrack-exporter.service: its sandbox runs restrack exporter, up to its socket (no TCP/IP in this kernel)" \
		journal_has restrack-exporter.service "restrack: exporter: listening on 127.0.0.1:9808: Address family not supported by protocol"
	why="this kernel has no TCP/IP (CONFIG_INET): rebuild it with tests/config/systemd.config"
	result 0 "restrack-exporter.service: listening on 127.0.0.1:9808 and nothing else # SKIP $why"
	result 0 "GET /metrics: 200, the services' series with their unit labels # SKIP $why"
fi
[ "$failed" = 0 ] || journalctl -q -b -u restrack-exporter.service --no-pager | tail -6 | sed "s/^/# journal: /"
systemctl stop restrack-exporter.service

# --- --depth: rtst-c.service in rtst-sub.slice, two levels below ---
systemctl stop rtst-b.service
systemctl start rtst-c.service
wait_file $R/c.out
restrack status --depth 2 rtst.slice > $R/out 2> $R/err
rc=$?
check "status --depth 2 rtst.slice: rtst-c.service (in rtst-sub.slice) shows" \
	eval '[ $rc = 0 ] && grep -q "^rtst-c.service " $R/out'
restrack status --depth 1 rtst.slice > $R/out 2> $R/err
eq "status --depth 1 rtst.slice: the slice and its children, rtst-c.service hidden" \
	"$(names $R/out)" "CGROUP rtst.slice rtst-a.service rtst-sub.slice "
restrack status --depth 0 rtst.slice > $R/out 2> $R/err
eq "status --depth 0 rtst.slice: the slice alone" "$(names $R/out)" "CGROUP rtst.slice "

if [ "$failed" != 0 ]; then
	sed 's/^/# err: /' $R/err
	for u in rtst-a rtst-b rtst-c; do
		journalctl -q -b -u $u.service --no-pager | tail -6 | sed "s/^/# journal: /"
	done
fi
systemctl stop rtst-a.service rtst-c.service
rm -rf $U/rtst.slice.d $U/rtst-a.service $U/rtst-b.service $U/rtst-c.service
systemctl daemon-reload
tap_end
