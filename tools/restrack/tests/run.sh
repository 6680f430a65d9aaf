#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Host tests of restrack (make check): the library's parsing and formatting
# (test_lib), then the command against a fake cgroup tree: status as a
# table, sorted and cut at a depth, JSON and NDJSON parsed back by python3
# and Prometheus text parsed back and by promtool check metrics (Debian's
# prometheus package: a failure without it), every number compared with
# the fake files; the exporter asked over HTTP; top on a tmux terminal;
# usage errors and exit codes; make install and install-systemd with
# DESTDIR and PREFIX.  Ends with "N passed, N failed".
cd "$(dirname "$0")/.." || exit 1
tool=$PWD/restrack
T=$PWD/tests/tmp
RT_TOOL=$tool
. ../../tests/tap.sh
if [ -n "$KEEP" ]; then
	tap_dir=$T
	mkdir -p "$T"
else
	tap_start "$T"
fi

# Debian's python3 when there, whatever python3 is first in PATH otherwise
py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3

# --- library unit tests ---
./tests/test_lib > "$T/lib.tap"
while read -r line; do
	case "$line" in
	"ok "*) result 0 "lib: ${line#ok * - }" ;;
	"not ok "*) result 1 "lib: ${line#not ok * - }" ;;
	esac
done < "$T/lib.tap"
check "lib: the test program ran to its end" grep -q '^1\.\.[0-9]' "$T/lib.tap"

# --- a fake cgroup tree ---
fake=$T/cg
mkcg() {	# mkcg PATH HEAP HMAX HPEAK FILES FMAX FPEAK POLICY EVENTS(3) LOCAL(3)
	d=$fake$1
	mkdir -p "$d"
	echo "$2" > "$d/restrack.heap.current"; echo "$3" > "$d/restrack.heap.max"
	echo "$4" > "$d/restrack.heap.peak"; echo "$5" > "$d/restrack.files.current"
	echo "$6" > "$d/restrack.files.max"; echo "$7" > "$d/restrack.files.peak"
	echo "$8" > "$d/restrack.policy"
	printf 'heap.max %s\nfiles.max %s\nkill %s\n' "$9" "${10}" "${11}" > "$d/restrack.events"
	printf 'heap.max %s\nfiles.max %s\nkill %s\n' "${12}" "${13}" "${14}" > "$d/restrack.events.local"
}
mkdir -p "$fake"
echo "cpu memory pids restrack" > "$fake/cgroup.controllers"
echo "restrack" > "$fake/cgroup.subtree_control"
mkcg /restrack 4096 max 8192 3 max 5 deny 0 0 1 0 0 0
mkcg /restrack/58 4096 67108864 8192 3 16 5 kill 0 0 1 0 0 1
mkcg /restrack/59 0 max 0 0 max 0 deny 0 0 0 0 0 0
mkcg /system.slice 0 max 0 0 max 0 deny 0 0 0 0 0 0
mkcg /system.slice/web.service 1610612736 3221225472 2147483648 17 max 40 deny 7 0 0 7 0 0
mkcg '/odd "name"\x' 1 2 3 4 5 6 deny 9223372036854775807 0 0 0 0 0
mkcg /idle 0 max 0 0 max 0 deny 0 0 0 0 0 0
mkdir -p "$fake/nocontroller/deeper"
mkcg /nocontroller/deeper 1 1 1 1 1 1 kill 0 0 0 0 0 0
cat > "$T/tracker" << 'EOF'
PID COMMAND HEAP_MIB HEAP_CAP_MIB FILES FILE_CAP POLICY CGROUP
58 sleep 0 64 3 16 kill /restrack/58
59 my_prog 0 max 0 max deny /restrack/59
EOF
# kernel log records, as /dev/kmsg gives them (RESTRACK_KMSG: for tests)
cat > "$T/kmsg" << 'EOF'
6,100,5000000,-;restrack: files.max of /system.slice/web.service: killed process 812 (nginx), usage 1000, max 1000
 SUBSYSTEM=cgroup
6,101,6000000,-;restrack: heap.max of /restrack/58: killed 3 processes, usage 73400320, max 67108864
6,102,7000000,-;restrack: files.max of /system.slice/web.service: killed process 813 (nginx: worker), usage 17, max 16
6,103,7500000,-;restrack: files.max of /gone: killed process 9 (x), usage 1, max 1
4,104,8000000,-;restrack: heap.max of /restrack/59: went over
6,105,9000000,-;other: files.max of /restrack/59: killed process 9 (x), usage 1, max 1
EOF
export RESTRACK_CGROUP_ROOT="$fake" RESTRACK_TRACKER_STATUS="$T/tracker" RESTRACK_KMSG="$T/kmsg"

rt status
check "status: exit 0, nothing on stderr" eval '[ $rc = 0 ] && [ ! -s "$T/err" ]'
check "status: header" grep -q '^CGROUP  *HEAP  *MAX  *PEAK  *FILES  *MAX  *PEAK  *POLICY  *EVENTS$' "$T/out"
check "status: limited cgroup in human units" \
	grep -q '^/restrack/58  *4K  *64M  *8K  *3  *16  *5  *kill  *kill=1$' "$T/out"
check "status: registered cgroup without limits" grep -q '^/restrack/59 .* deny  *-$' "$T/out"
check "status: a unit shows as its name" grep -q '^web.service  *1.5G  *3G  *2G  *17  *max  *40  *deny  *heap.max=7$' "$T/out"
check "status: no unlimited, unregistered cgroup" eval '! grep -q "^/idle\|^/restrack \|^/system.slice " "$T/out"'
check "status: the last kill of a cgroup, the newest of the log, below its line" \
	eval 'grep -A1 "^web.service " "$T/out" | tail -1 | grep -q "^ *last kill: [0-9-]* [0-9:]* files.max: process 813 (nginx: worker), usage 17, max 16$"'
check "status: a kill of several processes" \
	eval 'grep -A1 "^/restrack/58 " "$T/out" | tail -1 | grep -q "^ *last kill: .* heap.max: 3 processes, usage 73400320, max 67108864$"'
check "status: no last kill where the log has none, nor from other lines" \
	eval '[ "$(grep -c "last kill:" "$T/out")" = 2 ]'
RESTRACK_KMSG=$T/none rt status
check "status: the log unreadable: no last kill, no error" \
	eval '[ $rc = 0 ] && [ ! -s "$T/err" ] && ! grep -q "last kill" "$T/out"'
rt status
check "status: registered processes" eval 'grep -q "^ *58 sleep  *\/restrack\/58$" "$T/out" && grep -q "^ *59 my_prog  *\/restrack\/59$" "$T/out"'

# --- status --all, units and cgroups, --processes ---
rt status --all
check "status --all: unlimited cgroups too, and only where restrack is" \
	eval '[ $rc = 0 ] && grep -q "^/idle " "$T/out" && grep -q "^system.slice " "$T/out" && grep -q "^/restrack " "$T/out" && ! grep -q "^/nocontroller " "$T/out"'
rt status system.slice
check "status UNIT: the slice and what is below it, nothing else" \
	eval '[ $rc = 0 ] && grep -q "^system.slice " "$T/out" && grep -q "^web.service " "$T/out" && ! grep -q "^/restrack\|^/idle" "$T/out"'
rt status /idle
check "status CGROUP: that cgroup, limited or not" \
	eval '[ $rc = 0 ] && grep -q "^/idle " "$T/out" && [ "$(grep -c "^[/a-z]" "$T/out")" = 1 ]'
rt status "$fake/idle"
check "status CGROUP: a path in the mount works too" \
	eval '[ $rc = 0 ] && grep -q "^/idle " "$T/out"'
rt status nosuch.service
check "status UNIT: no such unit, exit 1" \
	eval '[ $rc = 1 ] && one_line && has "no cgroup for unit nosuch.service" "$T/err"'
rt status extra
check "status CGROUP: no such cgroup, exit 1" \
	eval '[ $rc = 1 ] && one_line && has "no cgroup /extra" "$T/err"'
rt status --json --processes
check "status --processes with --json: a usage error" \
	eval '[ $rc = 2 ] && one_line && has "is a table" "$T/err"'
sleep 1000 &
sp=$!
# until the child has become sleep (5 s at most)
i=0
while [ $i -lt 500 ] && ! tr '\0' ' ' < /proc/$sp/cmdline | grep -q '^sleep 1000'; do
	sleep 0.01
	i=$((i + 1))
done
echo $sp > "$fake/system.slice/web.service/cgroup.procs"
echo 999999999 >> "$fake/system.slice/web.service/cgroup.procs"
rt status --processes web.service
sfds=$(ls /proc/$sp/fd | wc -l)
skb=$(awk '/^VmData:/ { print $2 }' /proc/$sp/status)
kill $sp; wait $sp 2> /dev/null
check "status --processes UNIT: its process, with its descriptors and command; a gone one left out" \
	eval '[ $rc = 0 ] && grep -q "^/system.slice/web.service: heap 1.5G, files 17$" "$T/out" && grep -q "^ *$sp  *[0-9.]*[KMG]  *0%  *$sfds  *[0-9]*%  *sleep 1000$" "$T/out" && ! grep -q 999999999 "$T/out"'
check "status --processes: the heap is VmData ($skb kB)" \
	eval 'awk -v pid=$sp -v kb=$skb "\$1 == pid { v = \$2 + 0; u = substr(\$2, length(\$2)); if (u == \"M\") v *= 1024; ok = v >= kb * 0.95 && v <= kb * 1.05 } END { exit !ok }" "$T/out"'

# --- status --sort, --depth ---
cat > "$T/order.py" << 'PY'
# order.py KEY FILE: the cgroups of the JSON document in FILE, in KEY order?
import json, sys
key, doc = sys.argv[1], json.load(open(sys.argv[2]))
cg = doc["cgroups"]
paths = [c["path"] for c in cg]
if key == "name":
    want = sorted(paths)
else:
    want = [c["path"] for c in sorted(cg, key=lambda c: (-c[key]["current"], c["path"]))]
assert paths == want, (paths, want)
print(len(paths))
PY
for k in heap files name; do
	rt status --all --sort $k --json
	check "status --sort $k: largest first (name: by path), every cgroup" \
		eval '[ $rc = 0 ] && [ "$($py "$T/order.py" $k "$T/out")" = 8 ]'
done
rt status --all --sort=heap
check "status --sort heap: the table, web.service first, then /restrack" \
	eval '[ $rc = 0 ] && grep -v "last kill" "$T/out" | sed -n 2p | grep -q "^web.service " && grep -v "last kill" "$T/out" | sed -n 3p | grep -q "^/restrack "'
rt status --all -s files
check "status -s files: web.service (17 files), /odd (4), then /restrack (3)" \
	eval '[ $rc = 0 ] && [ "$(grep -v "last kill" "$T/out" | sed -n "2,4p" | cut -d" " -f1 | tr "\n" " ")" = "web.service /odd /restrack " ]'
rt status --all --depth 1 --json
check "status --all --depth 1: the top level only" \
	eval '[ $rc = 0 ] && [ "$($py -c "import json,sys; print(sum(c[\"path\"].count(\"/\") != 1 for c in json.load(open(sys.argv[1]))[\"cgroups\"]), len(json.load(open(sys.argv[1]))[\"cgroups\"]))" "$T/out")" = "0 4" ]'
rt status system.slice --depth 0
check "status UNIT --depth 0: the unit alone" \
	eval '[ $rc = 0 ] && grep -q "^system.slice " "$T/out" && ! grep -q "^web.service " "$T/out"'
rt status system.slice -d 1 --sort heap
check "status UNIT -d 1: and its children, sorted" \
	eval '[ $rc = 0 ] && grep -v "last kill" "$T/out" | sed -n 2p | grep -q "^web.service " && grep -v "last kill" "$T/out" | sed -n 3p | grep -q "^system.slice "'
rt status --depth 1
check "status --depth 1 without --all: the limited or registered ones of the top level" \
	eval '[ $rc = 0 ] && grep -q "^/odd" "$T/out" && ! grep -q "^/restrack/\|^web.service" "$T/out"'
rt status --all --sort heap --processes system.slice
check "status --sort with --processes: each cgroup's processes once, under the topmost" \
	eval '[ $rc = 0 ] && [ "$(grep -c "^/system.slice.*: heap" "$T/out")" = 1 ] && grep -q "^/system.slice: heap 0, files 0$" "$T/out"'

rt status --json
cp "$T/out" "$T/json"
check "status --json: exit 0" eval '[ $rc = 0 ] && [ ! -s "$T/err" ]'
cat > "$T/check_json.py" << 'EOF'
import json, os, sys
fake = sys.argv[1]
doc = json.load(open(sys.argv[2]))
assert doc["version"] == 1, "version"
assert set(doc) == {"version", "cgroups", "processes"}, sorted(doc)
paths = [c["path"] for c in doc["cgroups"]]
want = ["/nocontroller/deeper", '/odd "name"\\x', "/restrack/58", "/restrack/59",
        "/system.slice/web.service"]
assert paths == want, paths
def num(path, name):
    s = open(os.path.join(fake + path, "restrack." + name)).read().strip()
    return None if s == "max" else int(s)
def events(path, name):
    return {l.split()[0]: int(l.split()[1])
            for l in open(os.path.join(fake + path, name)) if l.strip()}
for c in doc["cgroups"]:
    p = c["path"]
    assert set(c) == {"path", "unit", "policy", "heap", "files", "events",
                      "events_local", "last_kill", "processes"}, sorted(c)
    for r in ("heap", "files"):
        for f in ("current", "max", "peak"):
            v = c[r][f]
            assert v is None or type(v) is int, (p, r, f, v)
            assert v == num(p, r + "." + f), (p, r, f, v)
    assert c["events"] == events(p, "restrack.events"), p
    assert c["events_local"] == events(p, "restrack.events.local"), p
    assert c["policy"] == open(fake + p + "/restrack.policy").read().strip()
    assert c["unit"] == ("web.service" if p.endswith(".service") else None)
byp = {c["path"]: c for c in doc["cgroups"]}
import re
k = byp["/system.slice/web.service"]["last_kill"]
assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", k.pop("time")), k
assert k == {"boot_usec": 7000000, "limit": "files.max", "pid": 813,
             "command": "nginx: worker", "processes": 1, "usage": 17, "max": 16}, k
k = byp["/restrack/58"]["last_kill"]
k.pop("time")
assert k == {"boot_usec": 6000000, "limit": "heap.max", "pid": None,
             "command": None, "processes": 3, "usage": 73400320,
             "max": 67108864}, k
assert byp["/restrack/59"]["last_kill"] is None
assert byp["/restrack/58"]["processes"] == [{"pid": 58, "command": "sleep"}]
assert byp["/restrack/59"]["processes"] == [{"pid": 59, "command": "my_prog"}]
assert byp["/restrack/58"]["heap"]["max"] == 64 << 20
assert byp["/restrack/59"]["heap"]["max"] is None
assert doc["processes"] == [
    {"pid": 58, "command": "sleep", "cgroup": "/restrack/58"},
    {"pid": 59, "command": "my_prog", "cgroup": "/restrack/59"}], doc["processes"]
EOF
check "status --json: parsed by python3, every number equals the files" \
	$py "$T/check_json.py" "$fake" "$T/json"

cat > "$T/check_prom.py" << 'EOF'
# check_prom.py FAKE PROM JSON: a strict reader of the Prometheus text
# format (version 0.0.4); every series is the one the cgroups of the JSON
# document (the same selection) give by the rules of restrack(8): labels
# cgroup and unit, registration and run cgroups folded per parent.
import json, math, os, re, sys
fake, text = sys.argv[1], open(sys.argv[2]).read()
cgroups = [c["path"] for c in json.load(open(sys.argv[3]))["cgroups"]]
assert text.endswith("\n")
help_, type_, series = {}, {}, {}
name_re = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
for line in text.splitlines():
    if line.startswith("# HELP "):
        n, h = line[7:].split(" ", 1)
        assert name_re.fullmatch(n) and h and n not in help_, line
        help_[n] = h
        continue
    if line.startswith("# TYPE "):
        n, t = line[7:].split(" ")
        assert t in ("gauge", "counter") and n not in type_, line
        type_[n] = t
        continue
    assert not line.startswith("#") and line, line
    m = name_re.match(line)
    n, rest = m.group(0), line[m.end():]
    labels = {}
    if rest.startswith("{"):
        rest = rest[1:]
        while True:
            m = re.match(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"', rest)
            assert m, line
            v = re.sub(r'\\(.)', lambda e: "\n" if e.group(1) == "n" else e.group(1), m.group(2))
            labels[m.group(1)] = v
            rest = rest[m.end():]
            if rest[0] == "}":
                rest = rest[1:]
                break
            assert rest[0] == ",", line
            rest = rest[1:]
    assert rest.startswith(" ") and " " not in rest[1:], "timestamp or junk: " + line
    value = float(rest[1:])
    assert n in help_ and n in type_, "no HELP/TYPE: " + line
    if type_[n] == "counter":
        assert n.endswith("_total") and value >= 0, line
    key = (n, tuple(sorted(labels.items())))
    assert key not in series, "duplicate: " + line
    series[key] = value

# the frozen schema
metrics = {"restrack_heap_bytes": "heap.current", "restrack_heap_limit_bytes": "heap.max",
           "restrack_heap_peak_bytes": "heap.peak", "restrack_open_fds": "files.current",
           "restrack_open_fds_limit": "files.max", "restrack_open_fds_peak": "files.peak",
           "restrack_cgroups": None}
assert set(type_) == set(metrics) | {"restrack_events_total"}, sorted(type_)
assert all(type_[m] == "gauge" for m in metrics)
assert type_["restrack_events_total"] == "counter"

def num(path, name):
    s = open(fake + path + "/restrack." + name).read().strip()
    return math.inf if s == "max" else float(s)
def events(path):
    return {x.split()[0]: float(x.split()[1]) for x in open(fake + path + "/restrack.events")}
units = (".service", ".scope", ".slice", ".socket", ".mount", ".swap")
def fold(path):
    comps = path.split("/")[1:]
    for i, c in enumerate(comps):
        if re.fullmatch(r"run-[0-9]+", c):
            star = "run-*"
        elif i and comps[i - 1] == "restrack" and re.fullmatch(r"[0-9]+", c):
            star = "*"
        else:
            continue
        label = "/" + "/".join(comps[:i] + [star])
        return (label, i + 1 < len(comps))
    return (path, False)
def unit(label):
    for c in reversed(label.split("/")):
        if any(c.endswith(u) and len(c) > len(u) for u in units):
            return c
    return None
want = {}
for p in cgroups:
    label, below = fold(p)
    if below:
        continue
    w = want.setdefault(label, {"n": 0, "ev": {}})
    w["n"] += 1
    for m, f in metrics.items():
        if f is None:
            continue
        v = num(p, f)
        if f.endswith("current"):
            w[m] = w.get(m, 0) + v
        else:
            w[m] = max(w.get(m, 0), v)
    for e, v in events(p).items():
        w["ev"][e] = w["ev"].get(e, 0) + v
got = set()
for (n, labels), v in series.items():
    l = dict(labels)
    label = l.pop("cgroup")
    u = l.pop("unit", None)
    assert u == unit(label), (label, u)
    assert label in want, label
    got.add(label)
    w = want[label]
    if n == "restrack_events_total":
        e = l.pop("event")
        assert v == w["ev"][e], (n, label, e, v)
    elif n == "restrack_cgroups":
        assert v == w["n"], (n, label, v)
    else:
        assert v == w[n], (n, label, v, w[n])
    assert not l, l
assert got == set(want), (got, set(want))
assert len(series) == len(want) * (len(metrics) + 3), len(series)
print(" ".join(sorted(want)))
EOF
rt status --prometheus
cp "$T/out" "$T/prom"
check "status --prometheus: exit 0" eval '[ $rc = 0 ] && [ ! -s "$T/err" ]'
rt status --json
check "status --prometheus: parsed back, every value equals the files, registrations folded" \
	eval '$py "$T/check_prom.py" "$fake" "$T/prom" "$T/out" > "$T/labels" && [ "$(cat "$T/labels")" = "/nocontroller/deeper /odd \"name\"\\x /restrack/* /system.slice/web.service" ]'
check "status --prometheus: unlimited is +Inf" \
	grep -q '^restrack_heap_limit_bytes{cgroup="/restrack/\*"} +Inf$' "$T/prom"
check "status --prometheus: a unit label where the cgroup is a unit, none elsewhere" \
	eval 'grep -q "^restrack_open_fds{cgroup=\"/system.slice/web.service\",unit=\"web.service\"} 17$" "$T/prom" && grep -q "^restrack_open_fds{cgroup=\"/restrack/\*\"} 3$" "$T/prom"'
check "status --prometheus: the two registrations are one series, counted" \
	grep -q '^restrack_cgroups{cgroup="/restrack/\*"} 2$' "$T/prom"
# Not a skip: without promtool the output would go unchecked (setup.sh
# installs Debian's prometheus package, which has it).
check "status --prometheus: promtool check metrics (Debian package prometheus)" \
	eval 'command -v promtool > /dev/null && promtool check metrics < "$T/prom" > "$T/out" 2> "$T/err"'

# many registrations and run cgroups: one series per parent, whatever the
# number of pids; units from the nearest ancestor
fold=$T/cgfold
cp -r "$fake" "$fold"
mkcg_in() { (fake=$fold; mkcg "$@"); }
for p in 100 101 102; do
	mkcg_in /user.slice/user-1000.slice/session-3.scope/run-$p $((p * 4096)) 1073741824 $((p * 8192)) $p 1000 $((p + 1)) deny 1 2 3 1 2 3
	mkcg_in /system.slice/batch.service/run-$p 4096 max 4096 1 max 1 deny 0 0 0 0 0 0
	mkcg_in /restrack/$p 4096 max 4096 1 max 1 deny 0 0 0 0 0 0
done
mkcg_in /user.slice/user-1000.slice/session-3.scope/run-101/inner 4096 max 4096 1 max 1 deny 5 5 5 5 5 5
mkcg_in /system.slice/web.service/worker 4096 max 4096 1 5 1 deny 0 0 0 0 0 0
RESTRACK_CGROUP_ROOT=$fold rt status --all --prometheus
cp "$T/out" "$T/prom2"
RESTRACK_CGROUP_ROOT=$fold rt status --all --json
check "status --all --prometheus: run-PID and restrack/PID folded per parent, sums and largest values" \
	eval '$py "$T/check_prom.py" "$fold" "$T/prom2" "$T/out" > "$T/labels"'
check "status --all --prometheus: no series names a pid" \
	eval '! grep -q "run-[0-9]\|/restrack/[0-9]" "$T/prom2" && grep -q "^restrack_cgroups{cgroup=\"/user.slice/user-1000.slice/session-3.scope/run-\*\",unit=\"session-3.scope\"} 3$" "$T/prom2"'
check "status --all --prometheus: the usage of run-* is the sum, the limit the largest" \
	eval 'grep -q "^restrack_open_fds{cgroup=\"/user.slice/user-1000.slice/session-3.scope/run-\*\",unit=\"session-3.scope\"} 303$" "$T/prom2" && grep -q "^restrack_heap_limit_bytes{cgroup=\"/system.slice/batch.service/run-\*\",unit=\"batch.service\"} +Inf$" "$T/prom2"'
check "status --all --prometheus: a cgroup below a unit gets that unit" \
	grep -q '^restrack_open_fds_limit{cgroup="/system.slice/web.service/worker",unit="web.service"} 5$' "$T/prom2"
check "status --all --prometheus: promtool check metrics" \
	eval 'command -v promtool > /dev/null && promtool check metrics < "$T/prom2" > "$T/out" 2> "$T/err"'
n1=$(grep -c "^restrack_" "$T/prom2")
mkcg_in /restrack/103 4096 max 4096 1 max 1 deny 0 0 0 0 0 0
mkcg_in /user.slice/user-1000.slice/session-3.scope/run-103 4096 max 4096 1 max 1 deny 0 0 0 0 0 0
RESTRACK_CGROUP_ROOT=$fold rt status --all --prometheus
check "status --prometheus: a new registration or run adds no series" \
	eval '[ $rc = 0 ] && [ "$(grep -c "^restrack_" "$T/out")" = "$n1" ]'

# --- exporter: GET /metrics over HTTP ---
# listen ADDR: start the exporter, $ep its pid, $eaddr the address it says
listen() {
	: > "$T/exp.err"
	"$tool" exporter --listen "$1" > "$T/exp.out" 2> "$T/exp.err" &
	ep=$!
	i=0
	while [ $i -lt 300 ] && ! grep -q "serving" "$T/exp.err"; do
		sleep 0.01
		i=$((i + 1))
	done
	eaddr=$(sed -n 's|.*serving http://\([^/]*\)/metrics.*|\1|p' "$T/exp.err")
}
cat > "$T/http.py" << 'PY'
# http.py HOST:PORT METHOD PATH [VERSION]: the answer, head and body, raw
import socket, sys
host, port = sys.argv[1].rsplit(":", 1)
s = socket.create_connection((host.strip("[]"), int(port)), timeout=10)
ver = sys.argv[4] if len(sys.argv) > 4 else "HTTP/1.1"
s.sendall(("%s %s %s\r\nHost: x\r\n\r\n" % (sys.argv[2], sys.argv[3], ver)).encode())
data = b""
while True:
    b = s.recv(65536)
    if not b:
        break
    data += b
sys.stdout.buffer.write(data)
PY
listen :0
check "exporter --listen :0: loopback, says where" \
	eval 'kill -0 $ep && grep -q "^restrack: exporter: serving http://127\.0\.0\.1:[0-9]*/metrics$" "$T/exp.err"'
$py "$T/http.py" "$eaddr" GET /metrics > "$T/resp"
tr -d '\r' < "$T/resp" | sed '1,/^$/d' > "$T/body"
check "exporter: GET /metrics: 200, the exposition's content type and length" \
	eval 'head -1 "$T/resp" | grep -q "^HTTP/1.1 200 OK" && grep -q "^Content-Type: text/plain; version=0.0.4; charset=utf-8" "$T/resp" && grep -q "^Content-Length: $(wc -c < "$T/body")" "$T/resp"'
rt status --all --prometheus
check "exporter: the body is status --all --prometheus" cmp -s "$T/body" "$T/out"
check "exporter: promtool check metrics on what it serves" \
	eval 'command -v promtool > /dev/null && promtool check metrics < "$T/body" > "$T/out" 2> "$T/err"'
echo 5 > "$fake/restrack/58/restrack.files.current"
$py "$T/http.py" "$eaddr" GET /metrics HTTP/1.0 > "$T/resp"
echo 3 > "$fake/restrack/58/restrack.files.current"
check "exporter: HTTP/1.0, and a fresh snapshot per request" \
	eval 'head -1 "$T/resp" | grep -q " 200 " && grep -q "^restrack_open_fds{cgroup=\"/restrack/\*\"} 5" "$T/resp"'
$py "$T/http.py" "$eaddr" HEAD /metrics > "$T/resp"
check "exporter: HEAD: the head alone" \
	eval 'head -1 "$T/resp" | grep -q " 200 " && ! grep -q "^restrack_" "$T/resp"'
for r in "GET /nope|404" "POST /metrics|405" "GET /metrics HTTP/2.0|400" "GET /metrics junk|400"; do
	# shellcheck disable=SC2086
	$py "$T/http.py" "$eaddr" ${r%|*} > "$T/resp" 2>&1
	check "exporter: ${r%|*}: ${r#*|}" eval 'head -1 "$T/resp" | grep -q "^HTTP/1.1 ${r#*|} "'
done
check "exporter: still serving after them" eval 'kill -0 $ep && $py "$T/http.py" "$eaddr" GET /metrics | head -1 | grep -q " 200 "'
kill $ep; wait $ep 2> /dev/null
listen 127.0.0.1:0
check "exporter --listen 127.0.0.1:0: no warning on loopback" \
	eval 'kill -0 $ep && ! grep -q network "$T/exp.err"'
kill $ep; wait $ep 2> /dev/null
listen 0.0.0.0:0
check "exporter --listen 0.0.0.0:0: the network only when named, and said" \
	eval 'kill -0 $ep && grep -q "serving http://0\.0\.0\.0:[0-9]*/metrics to the network, without authentication" "$T/exp.err"'
kill $ep; wait $ep 2> /dev/null

# --- top: through a pseudo-terminal (tmux), what the screen shows ---
rt top -b -n 2 --delay 0.05
check "top -b -n 2: two refreshes, no screen control, largest heap first" \
	eval '[ $rc = 0 ] && [ "$(grep -c "^restrack top .* sorted by heap$" "$T/out")" = 2 ] && ! grep -q "$(printf "\033")" "$T/out" && [ "$(grep -A1 "^CGROUP " "$T/out" | grep -c "^web.service ")" = 2 ]'
rt top -n 1 --sort name system.slice
check "top UNIT --sort name -n 1 to a pipe: the unit and below, by name" \
	eval '[ $rc = 0 ] && [ "$(sed -n "4,5p" "$T/out" | cut -d" " -f1 | tr "\n" " ")" = "system.slice web.service " ]'
# the screen: tmux's own server (-L), 100x30, top refreshing every 3 s
# (events show for one interval: 3 s, to be seen on a loaded machine)
tm() { tmux -L "restrack-test-$$" -f /dev/null "$@"; }
screen() {	# screen WANT [CONDITION]: until the screen shows WANT and
		# CONDITION holds of it (10 s at most)
	i=0
	while [ $i -lt 200 ]; do
		tm capture-pane -p -t top > "$T/screen" 2> /dev/null
		grep -q -- "$1" "$T/screen" && eval "${2:-true}" && return 0
		sleep 0.05
		i=$((i + 1))
	done
	return 1
}
rows() { grep -A3 "^CGROUP " "$T/screen" | sed 1d | cut -d" " -f1 | tr "\n" " "; }
check "top: tmux is installed (scripts/setup.sh)" eval "command -v tmux > /dev/null"
tm new-session -d -s top -x 100 -y 30 \
	"RESTRACK_CGROUP_ROOT='$fake' RESTRACK_TRACKER_STATUS='$T/tracker' '$tool' top --delay 3; echo exited \$?; sleep 30"
check "top on a terminal: the header with the keys, largest heap first" \
	eval 'screen "sorted by heap  (h heap, f files, n name, q quit)" "[ \"\$(rows)\" = \"web.service /restrack /restrack/58 \" ]"'
tm send-keys -t top f
check "top: f sorts by open files" \
	eval 'screen "sorted by files" "[ \"\$(rows)\" = \"web.service /odd /restrack \" ]"'
tm send-keys -t top n
check "top: n sorts by name (the tree)" \
	eval 'screen "sorted by name" "[ \"\$(rows)\" = \"/idle /nocontroller/deeper /odd \" ]"'
tm send-keys -t top h
# written whole (rename), as the kernel's files are read: never empty
printf 'heap.max 9\nfiles.max 0\nkill 1\n' > "$T/ev" && mv "$T/ev" "$fake/system.slice/web.service/restrack.events"
check "top: the events of the interval, as they come" \
	eval 'screen "^web.service .* heap.max+2 kill+1$" "grep -q \"sorted by heap\" \"\$T/screen\""'
check "top: the columns: heap, peak, limit, files, peak, limit" \
	eval 'grep -q "^web.service  *1.5G  *2G  *3G  *17  *40  *max " "$T/screen"'
check "top: the next interval, no new events" \
	eval 'screen "^web.service .*max -$"'
printf 'heap.max 7\nfiles.max 0\nkill 0\n' > "$T/ev" && mv "$T/ev" "$fake/system.slice/web.service/restrack.events"
tm send-keys -t top q
check "top: q quits, exit 0" eval 'screen "^exited 0$"'
tm kill-server 2> /dev/null

rt status --json --watch 0.05 -n 3
cp "$T/out" "$T/ndjson"
check "status --json --watch: one line per interval (NDJSON)" \
	eval '[ $rc = 0 ] && [ $(wc -l < "$T/ndjson") = 3 ] && [ $(grep -c "^{\"version\":1,.*}$" "$T/ndjson") = 3 ]'
check "status --json --watch: each line read by json.loads, the same document as --json" \
	$py -c '
import json, sys
def notime(d):
    for c in d["cgroups"]:
        if c["last_kill"]: c["last_kill"].pop("time")
    return d
docs = [json.loads(l) for l in open(sys.argv[2])]
assert len(docs) == 3 and all(notime(d) == notime(json.load(open(sys.argv[1]))) for d in docs)
' "$T/json" "$T/ndjson"
rt status --json -w web.service -n 2
check "status --json -w UNIT: the interval is optional, the unit is not taken for it" \
	eval '[ $rc = 0 ] && [ $(wc -l < "$T/out") = 2 ] && $py -c "import sys,json; [json.loads(l) for l in sys.stdin]" < "$T/out"'
rt status --prometheus -o "$T/x.prom"
check "status -o: the file, and no temporary left" \
	eval '[ $rc = 0 ] && cmp -s "$T/x.prom" "$T/prom" && [ $(ls "$T" | grep -c "x\.prom") = 1 ]'
RESTRACK_TRACKER_STATUS=$T/none rt status --json
check "status without tracker_status: only limited cgroups" \
	eval '[ $rc = 0 ] && ! grep -q "/restrack/59" "$T/out" && grep -q "\"processes\": \[\]$" "$T/out"'

# --- apply: [X-Restrack] of a unit and its slices, from a fake systemctl ---
A=$T/apply
mkdir -p "$A/units/web.service.d" "$A/state"
ufake=$A/cg
mkdir -p "$ufake/app.slice/app-web.slice/web.service"
echo "cpu memory pids restrack" > "$ufake/cgroup.controllers"
: > "$ufake/cgroup.subtree_control"
for d in app.slice app.slice/app-web.slice app.slice/app-web.slice/web.service; do
	: > "$ufake/$d/cgroup.subtree_control"
	: > "$ufake/$d/cgroup.procs"
	for f in restrack.policy restrack.heap.max restrack.files.max; do
		echo init > "$ufake/$d/$f"
	done
done
echo 1234 > "$ufake/app.slice/app-web.slice/web.service/cgroup.procs"
# systemctl show -p ... -- UNIT...: one block per unit, from $UNITS
cat > "$A/systemctl" << 'SH'
#!/bin/sh
if [ "$1" = daemon-reload ]; then echo reload >> "$UNITS/../reloads"; exit 0; fi
[ "$1" = show ] || exit 1
shift 4
first=1
for u in "$@"; do
	[ $first = 1 ] || echo
	first=0
	case "$u" in
	web|web.service) id=web.service; cg=/app.slice/app-web.slice/web.service ;;
	app-web.slice) id=$u; cg=/app.slice/app-web.slice ;;
	app.slice) id=$u; cg=/app.slice ;;
	idle|idle.service) id=idle.service; cg= ;;
	new.slice|new-sub.slice) id=$u; cg= ;;
	*) echo "Id=$u"; echo "LoadState=not-found"; echo "ControlGroup="; continue ;;
	esac
	echo "Id=$id"
	echo "LoadState=loaded"
	echo "ControlGroup=$cg"
	f=$UNITS/$id
	if [ -f "$f" ]; then echo "FragmentPath=$f"; else echo "FragmentPath="; fi
	echo "DropInPaths=$(ls "$f.d"/*.conf 2>/dev/null | tr '\n' ' ' | sed 's/ $//')"
done
SH
chmod +x "$A/systemctl"
printf '[Unit]\nDescription=web\n[Service]\nExecStart=/bin/true\n[X-Restrack]\nHeapMax=64M\nFilesMax=16\n' > "$A/units/web.service"
printf '[X-Restrack]\nPolicy=kill\n' > "$A/units/web.service.d/10-policy.conf"
printf '[X-Restrack]\nFilesMax=32\n' > "$A/units/app.slice"
printf '[Unit]\nDescription=no limits\n' > "$A/units/app-web.slice"
ua() {
	RESTRACK_CGROUP_ROOT=$ufake RESTRACK_SYSTEMCTL=${SYSTEMCTL:-$A/systemctl} \
	UNITS=$A/units RESTRACK_STATE_DIR=$A/state \
		"$tool" apply "$@" > "$T/out" 2> "$T/err"
	rc=$?
}
cgv() {
	echo "$(cat "$ufake/$1/restrack.policy") $(cat "$ufake/$1/restrack.heap.max") $(cat "$ufake/$1/restrack.files.max")"
}
W=app.slice/app-web.slice/web.service
ua --dry-run web
check "apply --dry-run: exit 0, writes nothing" \
	eval '[ $rc = 0 ] && [ "$(cgv $W)" = "init init init" ] && [ ! -s "$ufake/cgroup.subtree_control" ]'
check "apply --dry-run: says what it would set" \
	has "dry run: web.service: /app.slice/app-web.slice/web.service heap 64M files 16 policy kill" "$T/err"
ua web
check "apply: exit 0" test $rc = 0
check "apply: the unit's limits, its drop-in overriding the unit file" \
	eval '[ "$(cgv $W)" = "kill 67108864 16" ]'
check "apply: the slice above gets its own declaration" \
	eval '[ "$(cgv app.slice)" = "deny max 32" ]'
check "apply: an undeclared slice is left alone" \
	eval '[ "$(cgv app.slice/app-web.slice)" = "init init init" ]'
check "apply: restrack enabled from the root down to the unit's parent" \
	eval 'grep -qx +restrack "$ufake/cgroup.subtree_control" &&
	      grep -qx +restrack "$ufake/app.slice/cgroup.subtree_control" &&
	      grep -qx +restrack "$ufake/app.slice/app-web.slice/cgroup.subtree_control" &&
	      [ ! -s "$ufake/$W/cgroup.subtree_control" ]'
check "apply: one line per limited unit on stderr" \
	eval '[ "$(wc -l < "$T/err")" = 2 ] && has "^restrack: apply: app.slice: /app.slice heap max files 32 policy deny$" "$T/err"'
check "apply: the units it limited are recorded" \
	eval '[ -e "$A/state/web.service" ] && [ -e "$A/state/app.slice" ] && [ ! -e "$A/state/app-web.slice" ]'
ua -q web
check "apply -q: nothing on stderr" eval '[ $rc = 0 ] && [ ! -s "$T/err" ]'
# the declaration removed: the limits it set are lifted
rm -r "$A/units/web.service.d"
printf '[Unit]\nDescription=web\n' > "$A/units/web.service"
ua web
check "apply: a removed declaration lifts the unit's limits" \
	eval '[ $rc = 0 ] && [ "$(cgv $W)" = "deny max max" ] && [ ! -e "$A/state/web.service" ]'
check "apply: ... and says so" has "web.service: declaration removed: lifting the limits" "$T/err"
sed -i /restrack/d "$ufake/app.slice/cgroup.subtree_control" "$ufake/app.slice/app-web.slice/cgroup.subtree_control"
ua web
check "apply again: only the slice is still declared: one line, exit 0" eval '[ $rc = 0 ] && [ "$(wc -l < "$T/err")" = 1 ]'
check "apply: an undeclared unit below a declared slice: restrack enabled down to the unit's parent, so that status shows its usage" \
	eval 'grep -qx +restrack "$ufake/app.slice/cgroup.subtree_control" &&
	      grep -qx +restrack "$ufake/app.slice/app-web.slice/cgroup.subtree_control"'
sed -i /restrack/d "$ufake/app.slice/app-web.slice/cgroup.subtree_control"
echo 99 > "$ufake/app.slice/app-web.slice/cgroup.procs"
ua web
check "apply: ... an undeclared parent with processes: the slice's limit still set, exit 0, says why the unit is not shown" \
	eval '[ $rc = 0 ] && [ "$(cgv app.slice)" = "deny max 32" ] && [ ! -s "$ufake/app.slice/app-web.slice/cgroup.subtree_control" ] &&
	      has "web.service: restrack not enabled in .*app-web.slice (it holds processes)" "$T/err"'
: > "$ufake/app.slice/app-web.slice/cgroup.procs"
# bad declarations: reported with file and line, nothing written
for bad in "HeapMax=12Q|bad HeapMax=12Q" "FilesMax=-1|bad FilesMax=-1" \
	"Policy=maybe|bad Policy=maybe" "HeapMax=99999999999999999999|bad HeapMax=99999999999999999999: too large" \
	"Files=3|unknown key Files=" "FilesMax|not Key=Value" \
	"SubtreeControl=maybe|bad SubtreeControl=maybe: expected yes or no"; do
	decl=${bad%%|*}
	printf '[Unit]\nDescription=web\n[X-Restrack]\nFilesMax=7\n%s\n' "$decl" > "$A/units/web.service"
	echo init > "$ufake/app.slice/restrack.files.max"
	ua web
	check "apply: bad declaration $decl: exit 1, applied nowhere" \
		eval '[ $rc = 1 ] && [ "$(cgv $W)" = "deny max max" ] && [ "$(cat "$ufake/app.slice/restrack.files.max")" = init ]'
	check "apply: bad declaration $decl: file, line and reason" \
		eval 'has "web.service: $A/units/web.service:5: ${bad#*|}" "$T/err" && has "bad declaration: no limit applied" "$T/err"'
done
# an empty value resets the key
printf '[X-Restrack]\nFilesMax=7\nFilesMax=\nHeapMax=1G\n' > "$A/units/web.service"
ua web
check "apply: an empty value resets the key" eval '[ $rc = 0 ] && [ "$(cgv $W)" = "deny 1073741824 max" ]'
# a section of another name is not ours
printf '[X-Other]\nFilesMax=7\n[Service]\nFilesMax=9\n' > "$A/units/web.service"
ua web
check "apply: keys outside [X-Restrack] are not read" eval '[ $rc = 0 ] && [ "$(cgv $W)" = "deny max max" ]'
ua nosuch.service
check "apply: a unit that is not loaded: exit 1" \
	eval '[ $rc = 1 ] && one_line && has "nosuch.service: unit not loaded" "$T/err"'
ua
check "apply: no unit: usage error, exit 2" eval '[ $rc = 2 ] && has "no unit given" "$T/err"'
ua a b
check "apply: two units: usage error, exit 2" eval '[ $rc = 2 ] && has "too many arguments" "$T/err"'
SYSTEMCTL=/bin/false ua web
check "apply: systemctl failing: exit 1" eval '[ $rc = 1 ] && has "show web failed" "$T/err"'
# a process in the parent: no controller can be enabled there
printf '[X-Restrack]\nFilesMax=7\n' > "$A/units/web.service"
sed -i /restrack/d "$ufake/app.slice/app-web.slice/cgroup.subtree_control"
echo 99 > "$ufake/app.slice/app-web.slice/cgroup.procs"
ua web
check "apply: a parent with processes: exit 1, says which" \
	eval '[ $rc = 1 ] && has "cannot enable restrack in .*app-web.slice: it holds processes" "$T/err"'
# --create: a slice systemd has not started yet (restrack-slice@.service)
printf '[X-Restrack]\nFilesMax=8\n' > "$A/units/new-sub.slice"
ua --create web.service
check "apply --create of a service: usage error, exit 2" eval '[ $rc = 2 ] && has "web.service is not a slice" "$T/err"'
ua new-sub.slice
check "apply of a slice not started, without --create: exit 1, says so" \
	eval '[ $rc = 1 ] && has "new-sub.slice has no cgroup of its own: it is not running" "$T/err" && [ ! -e "$ufake/new.slice" ]'
# new.slice as the kernel makes a cgroup (a fake tree gets no files by mkdir)
mkdir "$ufake/new.slice" && : > "$ufake/new.slice/cgroup.subtree_control" && : > "$ufake/new.slice/cgroup.procs"
ua --create new-sub.slice
check "apply --create: creates the cgroups systemd will give the slice, restrack enabled above it" \
	eval '[ -d "$ufake/new.slice/new-sub.slice" ] && grep -qx +restrack "$ufake/new.slice/cgroup.subtree_control" &&
	      has "new-sub.slice: not started yet: created its cgroup /new.slice/new-sub.slice" "$T/err"'
# the kernel would have given it its files
for f in restrack.policy restrack.heap.max restrack.files.max; do echo init > "$ufake/new.slice/new-sub.slice/$f"; done
ua --create new-sub.slice
check "apply --create of a slice whose cgroup exists: its limits, nothing created" \
	eval '[ $rc = 0 ] && [ "$(cgv new.slice/new-sub.slice)" = "deny max 8" ] && ! has "created" "$T/err" && [ -e "$A/state/new-sub.slice" ]'
rm -r "$ufake/new.slice"
# SubtreeControl=yes: restrack in the slice's own subtree_control as well,
# for the scopes a container runtime starts there
printf '[X-Restrack]\nSubtreeControl=yes\n' > "$A/units/app-web.slice"
printf '[Unit]\nDescription=web\n' > "$A/units/web.service"
ua app-web.slice
check "apply: SubtreeControl=yes, the slice holding a process: exit 1, says which" \
	eval '[ $rc = 1 ] && has "cannot enable restrack in .*app-web.slice: it holds processes" "$T/err"'
: > "$ufake/app.slice/app-web.slice/cgroup.procs"
sed -i /restrack/d "$ufake/cgroup.subtree_control" "$ufake/app.slice/cgroup.subtree_control"
ua app-web.slice
check "apply: SubtreeControl=yes: restrack from the root down to the slice itself" \
	eval '[ $rc = 0 ] && grep -qx +restrack "$ufake/cgroup.subtree_control" &&
	      grep -qx +restrack "$ufake/app.slice/cgroup.subtree_control" &&
	      grep -qx +restrack "$ufake/app.slice/app-web.slice/cgroup.subtree_control" &&
	      [ ! -s "$ufake/$W/cgroup.subtree_control" ]'
check "apply: SubtreeControl=yes: says so" \
	has "app-web.slice: /app.slice/app-web.slice heap max files max policy deny, restrack in its subtree_control" "$T/err"
printf '[X-Restrack]\nSubtreeControl=yes\nSubtreeControl=\n' > "$A/units/app-web.slice"
sed -i /restrack/d "$ufake/app.slice/app-web.slice/cgroup.subtree_control"
ua app-web.slice
check "apply: SubtreeControl= empty is no: restrack down to the slice's parent only" \
	eval '[ $rc = 0 ] && [ ! -s "$ufake/app.slice/app-web.slice/cgroup.subtree_control" ]'
printf '[Unit]\nDescription=no limits\n' > "$A/units/app-web.slice"
rm -f "$A/state/app-web.slice"

# --- set: a drop-in in system.control, daemon-reload, apply ---
: > "$ufake/app.slice/app-web.slice/cgroup.procs"
printf '[Unit]\nDescription=web\n[X-Restrack]\nFilesMax=7\n' > "$A/units/web.service"
us() {
	RESTRACK_CGROUP_ROOT=$ufake RESTRACK_SYSTEMCTL=${SYSTEMCTL:-$A/systemctl} \
	UNITS=$A/units RESTRACK_STATE_DIR=$A/state RESTRACK_CONTROL_DIR=$A/units \
	RESTRACK_RUNTIME_CONTROL_DIR=${RUNTIME:-$A/rundir} \
		"$tool" set "$@" > "$T/out" 2> "$T/err"
	rc=$?
}
rm -f "$A/reloads"
us web --heap 64M --files 16
check "set: exit 0, the limits on the running unit's cgroup at once" \
	eval '[ $rc = 0 ] && [ "$(cgv $W)" = "deny 67108864 16" ]'
check "set: the drop-in UNIT.d/50-restrack.conf with the keys given" \
	eval '[ "$(grep -v "^#" "$A/units/web.service.d/50-restrack.conf")" = "$(printf "[X-Restrack]\nHeapMax=64M\nFilesMax=16")" ]'
check "set: systemctl daemon-reload ran, once" eval '[ "$(cat "$A/reloads")" = reload ]'
check "set: says what it wrote, and what apply set" \
	eval 'has "^restrack: set: web.service: HeapMax=64M FilesMax=16 in $A/units/web.service.d/50-restrack.conf$" "$T/err" && has "web.service: /app.slice/app-web.slice/web.service heap 64M files 16 policy deny" "$T/err"'
us web.service --policy kill
check "set again: the keys not given are kept" \
	eval '[ $rc = 0 ] && [ "$(cgv $W)" = "kill 67108864 16" ] && [ "$(grep -c = "$A/units/web.service.d/50-restrack.conf")" = 3 ]'
us web --heap max --files infinity --policy deny
check "set max: lifts the limits" eval '[ $rc = 0 ] && [ "$(cgv $W)" = "deny max max" ]'
RUNTIME=$A/units us app-web.slice --files 50 --runtime
check "set --runtime SLICE: the runtime directory, the slice's cgroup at once" \
	eval '[ $rc = 0 ] && [ -f "$A/units/app-web.slice.d/50-restrack.conf" ] && [ "$(cgv app.slice/app-web.slice)" = "deny max 50" ]'
RUNTIME=$A/units us app-web.slice --subtree-control yes --runtime
check "set --subtree-control yes: SubtreeControl=yes kept beside FilesMax=, restrack in the slice's subtree_control at once" \
	eval '[ $rc = 0 ] && [ "$(grep -v "^#" "$A/units/app-web.slice.d/50-restrack.conf")" = "$(printf "[X-Restrack]\nFilesMax=50\nSubtreeControl=yes")" ] &&
	      grep -qx +restrack "$ufake/app.slice/app-web.slice/cgroup.subtree_control"'
rm -r "$A/units/app-web.slice.d"
sed -i /restrack/d "$ufake/app.slice/app-web.slice/cgroup.subtree_control"
printf '[X-Restrack]\nFilesMax=3\n' > "$A/units/web.service.d/90-local.conf"
us web --files 20
check "set: a drop-in sorting after it wins: exit 1, named" \
	eval '[ $rc = 1 ] && has "overrides it ($A/units/web.service.d/90-local.conf)" "$T/err"'
rm "$A/units/web.service.d/90-local.conf"
us web --files 20 --runtime
check "set --runtime: hidden by the persistent drop-in of the same name: exit 1, said" \
	eval '[ $rc = 1 ] && has "does not read $A/rundir/web.service.d/50-restrack.conf" "$T/err"'
us idle --files 5
check "set on a unit that is not running: exit 0, the drop-in only" \
	eval '[ $rc = 0 ] && has "idle.service is not running" "$T/err" && [ -f "$A/units/idle.service.d/50-restrack.conf" ]'
SYSTEMCTL=/bin/false us web --files 20
check "set: daemon-reload failing: exit 1" eval '[ $rc = 1 ] && has "daemon-reload failed" "$T/err"'
rm -r "$A/units/web.service.d" "$A/units/idle.service.d"

# --- errors and exit codes ---
rt
check "no command: usage on stderr, exit 2" eval '[ $rc = 2 ] && has "^Usage: restrack" "$T/err"'
for c in run status top exporter apply set register fetch cap reset deregister; do
	rt $c --help
	check "$c --help" eval '[ $rc = 0 ] && has "^Usage: restrack $c" "$T/out" && [ ! -s "$T/err" ]'
	rt help $c
	check "help $c" eval '[ $rc = 0 ] && has "^Usage: restrack $c" "$T/out"'
done
rt --help
check "--help" eval '[ $rc = 0 ] && has "^  run " "$T/out" && has "^  status " "$T/out" && has "^  apply " "$T/out"'
# usage errors: ARGS | message
while IFS='|' read -r args msg; do
	# shellcheck disable=SC2086
	rt $args
	check "usage error: restrack $args" \
		eval '[ $rc = 2 ] && one_line && has "$msg" "$T/err"'
done << 'EOF'
frobnicate|unknown command 'frobnicate'
--frob|unknown option '--frob'
status --json --prometheus|exclude each other
status --watch 0|bad interval '0'
status -n 0|bad count '0'
status --sort cpu|bad sort 'cpu'
status --sort|needs heap, files or name
status --depth x|bad depth 'x'
status -d -1|bad depth '-1'
top --delay 0|bad interval '0'
top -n 0|bad count '0'
top --frob|unknown option '--frob'
exporter --listen x:y|bad address 'x:y'
exporter --listen 1:99999|bad address '1:99999'
exporter --listen|needs an address
exporter --frob|unknown option '--frob'
fetch abc|'abc' is not a process id
fetch 0|'0' is not a process id
fetch -5|'-5' is not a process id
register|missing argument
register 1 2|too many arguments
cap 1 12Q 3|bad heap quota '12Q'
cap 1 512K 3|bad heap quota '512K': not a whole number of MiB
cap 1 1.5M 3|bad heap quota '1.5M': not a whole number of MiB
cap 1 1M x|bad file quota 'x'
set|no unit given
set web.service|nothing to set
set x.slice --subtree-control maybe|needs yes or no
set web.service --heap 12Q|bad heap size '12Q'
set web.service --policy maybe|deny or kill
set a/b --files 1|bad unit name 'a/b'
set a b --files 1|too many arguments
EOF
# run's usage errors exit 125, as env(1)'s: never a status CMD could have
while IFS='|' read -r args msg; do
	# shellcheck disable=SC2086
	rt $args
	check "usage error: restrack $args (exit 125)" \
		eval '[ $rc = 125 ] && one_line && has "$msg" "$T/err"'
done << 'EOF'
run --frob -- true|unknown option '--frob'
run --heap 12Q -- true|bad heap size '12Q'
run --heap -1 -- true|bad heap size '-1'
run --heap 99999999999999999999 -- true|too large
run --heap=1.5 -- true|bad heap size '1.5'
run --files -1 -- true|bad file count '-1'
run --files 1K -- true|bad file count '1K'
run --policy maybe -- true|deny or kill
run --heap|needs a size
run --heap 1M|no command to run
EOF
RESTRACK_TRACKER_STATUS=$T/none rt fetch 1
check "fetch on a kernel without the system calls: exit 1" \
	eval '[ $rc = 1 ] && one_line && has "no restrack system calls" "$T/err"' 
RESTRACK_CGROUP_ROOT=$T/nowhere rt status
check "cgroup v2 not mounted: exit 1" eval '[ $rc = 1 ] && one_line && has "cgroup v2 is not mounted" "$T/err"'
mkdir -p "$T/nocg"
echo "cpu memory" > "$T/nocg/cgroup.controllers"
RESTRACK_CGROUP_ROOT=$T/nocg rt status
check "kernel without restrack: exit 1" \
	eval '[ $rc = 1 ] && one_line && has "this kernel has no restrack controller (CONFIG_CGROUP_RESTRACK)" "$T/err"'
RESTRACK_CGROUP_ROOT=$T/nocg rt run -- touch "$T/ran"
check "run on a kernel without restrack: exit 125, command not run" \
	eval '[ $rc = 125 ] && one_line && [ ! -e "$T/ran" ]'
rt run -- touch "$T/ran"
check "run on a fake tree: refused, not cgroup v2, exit 125, command not run" \
	eval '[ $rc = 125 ] && one_line && has "not a cgroup v2 file system" "$T/err" && [ ! -e "$T/ran" ]'

# --- generate: drop-ins only for the services that declare limits ---
G=$T/gen
mkdir -p "$G/etc/a.service.d" "$G/lib" "$G/out" "$G/st" "$G/etc/x.service.d"
printf '[Service]\nExecStartPre=/bin/pre %%n\nExecStartPre=/bin/two \\\n  lines\nExecStart=/bin/true\n' > "$G/lib/a.service"
printf '[X-Restrack]\nHeapMax=200M\nFilesMax=1000\n' > "$G/etc/a.service.d/limits.conf"
printf '[Service]\nExecStartPre=/bin/pre\nExecStart=/bin/true\n' > "$G/lib/plain.service"
printf '[Service]\nExecCondition=/bin/cond\nExecStart=/bin/true\n[X-Restrack]\nFilesMax=9\n' > "$G/lib/cond.service"
printf '[Service]\nSlice=rt-sub.slice\nExecStart=/bin/true\n' > "$G/lib/inslice.service"
printf '[X-Restrack]\nFilesMax=100\n' > "$G/etc/rt.slice"
printf '[X-Restrack]\nSubtreeControl=yes\n' > "$G/etc/ctr.slice"
printf '[Service]\nSlice=ctr.slice\nExecStart=/bin/true\n' > "$G/lib/inctr.service"
touch "$G/st/ctr.slice"		# applied before: still only wants its oneshot
printf '[X-Restrack]\nFilesMax=100\n' > "$G/etc/-.slice"
printf '[X-Restrack]\nFilesMax=100\n' > "$G/lib/masked.slice"
ln -s /dev/null "$G/etc/masked.slice"
printf '[Service]\nExecStart=/bin/true\n[X-Restrack]\nHeapMax=12Q\n' > "$G/lib/bad@.service"
printf '[Service]\nExecStart=/bin/true\n[X-Restrack]\nHeapMax=1M\n' > "$G/lib/masked.service"
ln -s /dev/null "$G/etc/masked.service"
ln -s "$G/lib/a.service" "$G/etc/alias.service"
printf '[Service]\nExecStart=/bin/true\n' > "$G/lib/was.service"
touch "$G/st/was.service"
printf '[Service]\nExecStart=/bin/true\n[X-Restrack]\nFilesMax=1\n' > "$G/lib/x.service"
printf '[X-Restrack]\nFilesMax=\n' > "$G/etc/x.service.d/off.conf"
RESTRACK_UNIT_PATH=$G/etc:$G/lib RESTRACK_STATE_DIR=$G/st "$tool" generate "$G/out" "$G/e" "$G/l" > "$T/out" 2> "$T/err"
rc=$?
gd() { cat "$G/out/$1.d/zz-restrack.conf" 2>/dev/null; }
check "generate: exit 0; a bad declaration named on stderr" \
	eval '[ $rc = 0 ] && one_line && has "bad@.service: .*bad HeapMax=12Q" "$T/err"'
check "generate: the declared service's apply comes first, its own ExecStartPre= lines after" \
	eval '[ "$(gd a.service | grep ^ExecStartPre)" = "$(printf "ExecStartPre=\nExecStartPre=+/usr/local/sbin/restrack apply %%n\nExecStartPre=/bin/pre %%n\nExecStartPre=/bin/two    lines")" ]'
check "generate: with ExecCondition=, apply is the first condition, failing with 255" \
	eval '[ "$(gd cond.service | grep ^Exec)" = "$(printf "ExecCondition=\nExecCondition=+/usr/local/sbin/restrack apply --condition %%n\nExecCondition=/bin/cond")" ]'
check "generate: a service in a slice below a declaring slice gets it" \
	eval 'gd inslice.service | grep -qx "ExecStartPre=+/usr/local/sbin/restrack apply %n"'
check "generate: a template with a bad declaration gets it (apply refuses it)" \
	eval 'gd bad@.service | grep -q "restrack apply %n"'
check "generate: a service limited before gets it (apply lifts its limits)" \
	eval 'gd was.service | grep -q "restrack apply %n"'
check "generate: nothing for undeclared, masked, aliased or reset services, -.slice or a masked slice" \
	eval '[ "$(cd "$G/out" && ls | tr "\n" " ")" = "a.service.d bad@.service.d cond.service.d ctr.slice.d inslice.service.d restrack-slice@.service rt.slice.d was.service.d " ]'
check "generate: a slice declaring SubtreeControl=yes alone wants its oneshot: a failure does not stop it" \
	eval '[ "$(grep -v "^#" "$G/out/ctr.slice.d/zz-restrack.conf")" = "$(printf "[Unit]\nWants=restrack-slice@ctr.slice.service\nAfter=restrack-slice@ctr.slice.service")" ]'
check "generate: ... and its services, which declare nothing, get no apply" \
	eval '[ ! -e "$G/out/inctr.service.d" ]'
check "generate: a declaring slice requires its oneshot, ordered after it" \
	eval '[ "$(grep -v "^#" "$G/out/rt.slice.d/zz-restrack.conf")" = "$(printf "[Unit]\nRequires=restrack-slice@rt.slice.service\nAfter=restrack-slice@rt.slice.service")" ]'
check "generate: the oneshot applies the slice before systemd starts it, from -.slice" \
	eval 'grep -qx "ExecStart=/usr/local/sbin/restrack apply --create %i" "$G/out/restrack-slice@.service" &&
	      grep -qx "Before=%i" "$G/out/restrack-slice@.service" && grep -qx "PartOf=%i" "$G/out/restrack-slice@.service" &&
	      grep -qx "DefaultDependencies=no" "$G/out/restrack-slice@.service" && grep -qx "Slice=-.slice" "$G/out/restrack-slice@.service" &&
	      grep -qx "RemainAfterExit=yes" "$G/out/restrack-slice@.service" && grep -qx "RefuseManualStop=yes" "$G/out/restrack-slice@.service"'
ln -s "$tool" "$G/restrack-generator"
mkdir -p "$G/out2"
RESTRACK_UNIT_PATH=$G/etc:$G/lib RESTRACK_STATE_DIR=$G/st "$G/restrack-generator" "$G/out2" "$G/e" "$G/l" > "$T/out" 2> "$T/err"
rc=$?
check "restrack-generator (argv[0]) writes the same drop-ins" \
	eval '[ $rc = 0 ] && diff -r "$G/out" "$G/out2" > /dev/null'
rt generate
check "generate without a directory: exit 2" eval '[ $rc = 2 ] && one_line'

# --- install ---
make -s install DESTDIR="$T/dest" PREFIX=/opt/rt > "$T/out" 2> "$T/err"
check "make install honours DESTDIR and PREFIX" \
	eval '[ -x "$T/dest/opt/rt/sbin/restrack" ] && [ -f "$T/dest/opt/rt/share/man/man8/restrack.8" ]'
make -s install-systemd DESTDIR="$T/dest" PREFIX=/opt/rt > "$T/out" 2> "$T/err"
check "make install-systemd: the generator is a link to the installed restrack" \
	eval '[ "$(readlink "$T/dest/opt/rt/lib/systemd/system-generators/restrack-generator")" = /opt/rt/sbin/restrack ]'
check "make install-systemd: no drop-in for every service any more" \
	eval '[ ! -e "$T/dest/etc/systemd/system/service.d" ]'
U=$T/dest/opt/rt/lib/systemd/system
check "make install-systemd: restrack-textfile.service and .timer, the installed restrack in ExecStart=" \
	eval '[ -f "$U/restrack-textfile.timer" ] && grep -qx "ExecStart=/opt/rt/sbin/restrack status --all --prometheus -o /var/lib/prometheus/node-exporter/restrack.prom" "$U/restrack-textfile.service" && ! grep -q @ "$U/restrack-textfile.service"'
check "make install-systemd: restrack-exporter.service, loopback only, the installed restrack, enabled with multi-user.target" \
	eval 'grep -qx "ExecStart=/opt/rt/sbin/restrack exporter --listen 127.0.0.1:9808" "$U/restrack-exporter.service" && grep -qx "IPAddressDeny=any" "$U/restrack-exporter.service" && grep -qx "IPAddressAllow=localhost" "$U/restrack-exporter.service" && grep -qx "WantedBy=multi-user.target" "$U/restrack-exporter.service" && ! grep -q @ "$U/restrack-exporter.service"'
check "make install-systemd: enables nothing (no .wants links)" \
	eval '[ -z "$(find "$T/dest" -name "*.wants")" ]'
check "restrack-textfile.timer: every 15 s, enabled with timers.target" \
	eval 'grep -qx "OnUnitActiveSec=15s" "$U/restrack-textfile.timer" && grep -qx "WantedBy=timers.target" "$U/restrack-textfile.timer"'
# what the service runs, run here: the file written whole, by rename
mkdir -p "$T/nodeexp"
cmd=$(sed -n "s|^ExecStart=/opt/rt/sbin/restrack ||p" "$U/restrack-textfile.service" | sed "s|/var/lib/prometheus/node-exporter|$T/nodeexp|")
# shellcheck disable=SC2086
check "restrack-textfile.service's command: restrack.prom for the collector, no temporary left, promtool passes" \
	eval '"$tool" $cmd && [ "$(ls "$T/nodeexp")" = restrack.prom ] && command -v promtool > /dev/null && promtool check metrics < "$T/nodeexp/restrack.prom" > "$T/out" 2> "$T/err"'
if command -v systemd-analyze > /dev/null; then
	mkdir -p "$T/units"
	sed "s|/opt/rt/sbin/restrack|$tool|" "$U/restrack-textfile.service" > "$T/units/restrack-textfile.service"
	sed "s|/opt/rt/sbin/restrack|$tool|" "$U/restrack-exporter.service" > "$T/units/restrack-exporter.service"
	cp "$U/restrack-textfile.timer" "$T/units/"
	check "systemd-analyze verify: the three units" \
		eval 'systemd-analyze verify --man=no "$T/units/restrack-textfile.service" "$T/units/restrack-textfile.timer" "$T/units/restrack-exporter.service" > "$T/out" 2> "$T/err" && [ ! -s "$T/err" ]'
fi
make -s uninstall DESTDIR="$T/dest" PREFIX=/opt/rt > "$T/out" 2> "$T/err"
check "make uninstall removes the units too" eval '[ ! -e "$U/restrack-textfile.service" ] && [ ! -e "$U/restrack-textfile.timer" ] && [ ! -e "$U/restrack-exporter.service" ]'
if command -v man > /dev/null; then
	check "the man page renders without warnings" \
		eval 'MANWIDTH=80 man --warnings -l restrack.8 > "$T/out" 2> "$T/err" && [ ! -s "$T/err" ] && grep -q "restrack status --json" "$T/out"'
fi

[ -n "$KEEP" ] || rm -rf "$T"
tap_summary
