#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check: for every line and arch, the patch applies to a pristine tree
# (git apply and patch -p1) and is checkpatch --strict clean, restrack.c is
# sparse clean, the kernel builds, and the in-VM suite passes.  Prints
# "N passed, N failed" last and exits non-zero on any failure.
# LINES and ARCHES select the matrix.  By default: the Debian lines (6.1,
# 6.12, 7.3), plus 6.13 when a 6.13 tree is configured, each on x86_64, and
# the newest line on arm64 too, so that a run from cold caches (18 kernel
# builds for the whole matrix) fits CI's 90 minutes; ARCHES="x86_64 arm64"
# (make check-full) runs every line on both.  KSRC=/tree with one line, or
# KSRC_<line>=/tree, tests a tree of your own.
. "$(dirname "$0")/lib.sh"
if [ -z "${LINES:-}" ]; then
	LINES=$LINES_DEBIAN
	if configured_tree 6.13; then
		LINES="$LINES 6.13"
	else
		echo "NOTE 6.13 not tested: Debian has no 6.13 source; give a tree with" \
		     "'make check KSRC_6_13=/path/to/linux-6.13.y' or record one with" \
		     "'scripts/ksrc.sh 6.13 /path' (README)"
	fi
fi
[ -z "${KSRC:-}" ] || [ "$(echo $LINES | wc -w)" = 1 ] ||
	die "KSRC names one tree: use it with one line (LINES=6.13 KSRC=…), or KSRC_<line>"
# line_arches LINE: the architectures make check runs LINE on.
line_arches() {
	if [ -n "${ARCHES:-}" ]; then
		echo "$ARCHES"
	elif [ "$1" = "$LINE_NEWEST" ]; then
		echo "x86_64 arm64"
	else
		echo x86_64
	fi
}
passed=0
failed=0
start=$(date +%s)

elapsed() { echo "[$(( $(date +%s) - start ))s]"; }
pass() { passed=$((passed + 1)); echo "PASS $(elapsed) $*"; }
fail() { failed=$((failed + 1)); echo "FAIL $(elapsed) $*"; }
# check NAME CMD...: one host-side check.
check() {
	local name=$1; shift
	if "$@" > "$OUT/check.log" 2>&1; then pass "$name"; else fail "$name"; tail -30 "$OUT/check.log"; fi
}

apply_check() {	# apply_check LINE: dry-run both tools on the pristine tree
	local src patch=$OUT/restrack-$1.patch
	src=$(pristine_tree "$1")
	(cd "$src" && git apply --check "$patch") &&
		patch -p1 --dry-run -s -d "$src" < "$patch"
}

checkpatch() {	# zero errors and zero warnings, --strict
	local src out
	src=$(pristine_tree "$1")
	out=$("$src/scripts/checkpatch.pl" --strict --no-tree \
		"$OUT/restrack-$1.patch" 2>&1) || true
	echo "$out"
	# not "echo | grep -q": under pipefail grep's early exit can fail echo
	grep -q "total: 0 errors, 0 warnings, 0 checks" <<< "$out" ||
	grep -q "has no obvious style problems" <<< "$out"
}

sparse_check() {	# sparse on the controller, no warnings
	local out
	out=$(BUILD_TAG= "$TOP/scripts/build-kernel.sh" "$1" "$2" C=2 kernel/cgroup/restrack.o kernel/cgroup/restrack_syscalls.o 2>&1)
	echo "$out"
	! echo "$out" | grep -E "restrack[a-z_]*\.[ch].*(warning|error)"
}

mkdir -p "$OUT"

# The tool's host tests: parsing, formatting, JSON and Prometheus output.
tool_summary=$(make -s -C "$TOP/tools/restrack" check 2>&1 | tee "$OUT/tool-check.log" | tail -1) || true
read -r p f <<< "$(tap_counts "$tool_summary")"
if [ -z "$p" ] || [ "$p" = 0 ]; then
	fail "tools/restrack: host tests did not run"; tail -20 "$OUT/tool-check.log"
else
	echo "HOST $(elapsed) tools/restrack: $tool_summary"
	passed=$((passed + p)); failed=$((failed + f))
	[ "$f" = 0 ] || grep "^not ok" "$OUT/tool-check.log"
fi

# baseline_log LINE ARCH: the upstream selftests' log on the kernel built
# with CONFIG_CGROUP_RESTRACK=n.  Kept beside that kernel and reused while
# neither the kernel nor the upstream test binaries change.
baseline_log() {
	local dir kernel log key
	dir=$(build_dir "$1" "$2")-norestrack
	kernel=$dir/$KIMAGE
	log=$dir/upstream-baseline.log
	key=$(cat "$kernel" "$(build_dir "$1" "$2")"/initramfs/{init,tests/upstream/*} | sha1sum)
	if [ ! -f "$log" ] || [ "$(cat "$log.key" 2>/dev/null)" != "$key" ]; then
		RESTRACK_KERNEL=$kernel "$TOP/scripts/run-vm.sh" "$1" "$2" upstream > /dev/null || true
		cp "$OUT/vm-$1-$2-upstream-alt.log" "$log"
		# Only a run that finished is a baseline to keep: a crash
		# would excuse the patched kernel's failures next time too.
		if grep -q "^restrack-vm: done" "$log"; then
			echo "$key" > "$log.key"
		else
			rm -f "$log.key"
		fi
	fi
	echo "$log"
}

# on_baseline LINE ARCH LOG own|upstream: judge the suites of the log of
# the CONFIG_CGROUP_RESTRACK=n kernel.  "own": restrack's tests that run
# there too (what the patch must not change, such as the overcommit
# accounting) must pass.  "upstream": the upstream selftests must pass but
# for the failures tests/upstream-known-failures lists (with the reason)
# for the line.
on_baseline() {
	local log=$OUT/vm-$1-$2-norestrack-$4.log known summary p f what
	known=$(mktemp)
	if [ "$4" = own ]; then
		what="own tests"
	else
		what="upstream selftests"
		awk -v line="$1" '$1 == line { split($2, w, "/"); print "# suite: upstream/" w[1]; print "not ok 0 " w[2] }' \
			"$TOP/tests/upstream-known-failures" > "$known"
	fi
	# A kernel report outside every suite (at boot, between suites)
	# counts once, with the own tests.
	awk -v which="$4" -v report="$KERNEL_REPORT_RE" '
	     /^# suite: / { own = ($3 == "upstream/test_overcommit")
			    keep = which == "own" ? own : ($3 ~ /^upstream\// && !own)
			    insuite = 1 }
	     keep || /^restrack-vm: done/ { print }
	     !insuite && which == "own" && $0 ~ report { print }
	     /^# suite-exit: / { keep = 0; insuite = 0 }' "$3" > "$log"
	"$TOP/scripts/tap-summary.sh" "$log" "$1/$2 (CONFIG_CGROUP_RESTRACK=n)" "$known" > "$log.out" || true
	rm -f "$known"
	summary=$(tail -1 "$log.out")
	echo "VM $(elapsed) $1/$2 CONFIG_CGROUP_RESTRACK=n, $what: $summary"
	grep -E "^(FAIL|SKIP|    )" "$log.out" || true
	read -r p f <<< "$(tap_counts "$summary")"
	if [ -z "$p" ] || [ "$p" = 0 ]; then
		fail "$1/$2: $what did not run on the CONFIG_CGROUP_RESTRACK=n kernel"
		return
	fi
	passed=$((passed + p)); failed=$((failed + f))
}

for line in $LINES; do
	check "$line: make patch" "$TOP/scripts/mkpatch.sh" "$line" || continue
	check "$line: patch applies to pristine $line tree (git apply, patch -p1)" apply_check "$line"
	check "$line: checkpatch --strict" checkpatch "$line"
	check "$line: the series applies in order, 1-5 checkpatch clean, 1-4 = the patch, its selftests build" \
		"$TOP/scripts/series-check.sh" "$line"
	for arch in $(line_arches "$line"); do
		arch_setup "$arch"
		if ! "$TOP/scripts/build-kernel.sh" "$line" "$arch" > "$OUT/build-$line-$arch.log" 2>&1; then
			fail "$line/$arch: kernel build"; tail -40 "$OUT/build-$line-$arch.log"; continue
		fi
		pass "$line/$arch: kernel build"
		check "$line/$arch: sparse" sparse_check "$line" "$arch"
		if ! "$TOP/scripts/mkinitramfs.sh" "$line" "$arch" > "$OUT/initramfs-$line-$arch.log" 2>&1; then
			fail "$line/$arch: initramfs"; tail -40 "$OUT/initramfs-$line-$arch.log"; continue
		fi
		# Baseline for the upstream selftests: the same tree with the
		# controller compiled out, booted with the same initramfs.
		baseline=
		if BUILD_TAG=norestrack "$TOP/scripts/build-kernel.sh" "$line" "$arch" \
			> "$OUT/build-$line-$arch-norestrack.log" 2>&1; then
			pass "$line/$arch: kernel build with CONFIG_CGROUP_RESTRACK=n"
			baseline=$(baseline_log "$line" "$arch")
			on_baseline "$line" "$arch" "$baseline" own
			on_baseline "$line" "$arch" "$baseline" upstream
		else
			fail "$line/$arch: kernel build with CONFIG_CGROUP_RESTRACK=n"
			tail -40 "$OUT/build-$line-$arch-norestrack.log"
		fi
		check "$line/$arch: kernel build with CONFIG_CGROUPS=n" \
			env BUILD_TAG=nocgroups "$TOP/scripts/build-kernel.sh" "$line" "$arch" vmlinux
		out=$OUT/vm-$line-$arch.out
		RESTRACK_BASELINE=$baseline "$TOP/scripts/run-vm.sh" "$line" "$arch" check > "$out" 2>&1 || true
		summary=$(tail -1 "$out")
		echo "VM $(elapsed) $line/$arch: $summary"
		# what failed and why (scripts/tap-summary.sh), skips too
		grep -E "^(FAIL|SKIP|    )" "$out" || true
		read -r p f <<< "$(tap_counts "$summary")"
		if [ -z "$p" ]; then fail "$line/$arch: VM run"; continue; fi
		passed=$((passed + p)); failed=$((failed + f))
		[ "$p" -gt 0 ] || fail "$line/$arch: VM ran no test"
	done
done

echo "check took $(( $(date +%s) - start ))s"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
