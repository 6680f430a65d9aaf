# SPDX-License-Identifier: GPL-2.0
# The TAP helpers of the shell suites (tests/vm/test_tool.sh,
# tests/systemd/test_*.sh, and the tool's host tests,
# tools/restrack/tests/run.sh), sourced by them.
# POSIX sh: busybox ash in the test initramfs, bash in the Debian guest,
# the host's sh.
#
#   tap_start DIR [PLAN]  empties the suite's scratch directory DIR and
#                       prints the plan, if there is one
#   result ST DESC...   "ok" when ST is 0, else "not ok"
#   check DESC CMD...   ok when CMD succeeds; when not, shows DIR/out and
#                       DIR/err, what the suite's last command printed
#   eq DESC GOT WANT    ok when GOT is WANT, else shows both
#   tap_end             the count; true when all PLAN ran and passed
#   tap_summary         "N passed, N failed" (the last line make check
#                       reads); true when none failed
#   rt ARGS...          the tool ($RT_TOOL, else restrack) with stdout in
#                       DIR/out, stderr in DIR/err, its status in $rc
#   has TEXT FILE       FILE has TEXT;  one_line: DIR/err is one line
n=0
failed=0
tap_plan=0
tap_dir=

tap_start() {
	tap_dir=$1
	tap_plan=${2:-}
	rm -rf "$tap_dir"
	mkdir -p "$tap_dir"
	[ -z "$tap_plan" ] || echo "1..$tap_plan"
}

result() {
	local st=$1
	shift
	n=$((n + 1))
	if [ "$st" = 0 ]; then
		echo "ok $n $*"
	else
		echo "not ok $n $*"
		failed=$((failed + 1))
	fi
}

diag() { echo "# $*"; }

check() {
	local d=$1 f
	shift
	if "$@"; then
		result 0 "$d"
		return
	fi
	result 1 "$d"
	for f in "$tap_dir/out" "$tap_dir/err"; do
		[ -s "$f" ] && sed "s/^/# $(basename "$f"): /" "$f" | head -20
	done
}

eq() {
	if [ "$2" = "$3" ]; then
		result 0 "$1"
	else
		result 1 "$1"
		diag "got '$2', want '$3'"
	fi
}

tap_end() {
	[ "$n" = "$tap_plan" ] || diag "planned $tap_plan, ran $n"
	echo "# $n tests, $failed failed"
	[ "$failed" = 0 ] && [ "$n" = "$tap_plan" ]
}

tap_summary() {
	echo "$((n - failed)) passed, $failed failed"
	[ "$failed" = 0 ]
}

rt() { ${RT_TOOL:-restrack} "$@" > "$tap_dir/out" 2> "$tap_dir/err"; rc=$?; }
has() { grep -q -- "$1" "$2"; }
one_line() { [ "$(wc -l < "$tap_dir/err")" = 1 ]; }
