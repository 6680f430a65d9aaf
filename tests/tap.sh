# SPDX-License-Identifier: GPL-2.0
# The TAP helpers of the shell suites (tests/vm/test_tool.sh,
# tests/systemd/test_*.sh), sourced by them from their own directory.
# POSIX sh: busybox ash in the test initramfs, bash in the Debian guest.
#
#   tap_start DIR PLAN  empties the suite's scratch directory DIR and
#                       prints the plan
#   result ST DESC...   "ok" when ST is 0, else "not ok"
#   check DESC CMD...   ok when CMD succeeds; when not, shows DIR/out and
#                       DIR/err, what the suite's last command printed
#   eq DESC GOT WANT    ok when GOT is WANT, else shows both
#   tap_end             the count; true when all PLAN ran and passed
n=0
failed=0
tap_plan=0
tap_dir=

tap_start() {
	tap_dir=$1
	tap_plan=$2
	rm -rf "$tap_dir"
	mkdir -p "$tap_dir"
	echo "1..$tap_plan"
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
