#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check-debug: the in-VM suite on debug kernels.  x86_64 gets lockdep
# with RCU checking, sleep-in-atomic checks, list debugging, hung task
# detection, generic KASAN, UBSAN and kmemleak (scanned after the suites:
# restrack must leak nothing); arm64 the lock, RCU and sleep checks.  Any
# kernel report fails the run (scripts/tap-summary.sh).  Prints
# "N passed, N failed" last and exits non-zero on any failure.
# DEBUG_LINES (default 6.12) and DEBUG_ARCHES (default x86_64) select the
# matrix.
. "$(dirname "$0")/lib.sh"
DEBUG_LINES=${DEBUG_LINES:-6.12}
DEBUG_ARCHES=${DEBUG_ARCHES:-x86_64}
passed=0
failed=0
start=$(date +%s)
mkdir -p "$OUT"

elapsed() { echo "[$(( $(date +%s) - start ))s]"; }
fail() { failed=$((failed + 1)); echo "FAIL $(elapsed) $*"; }

for line in $DEBUG_LINES; do
	for arch in $DEBUG_ARCHES; do
		arch_setup "$arch"
		frags=$TOP/tests/config/debug.config
		[ -f "$TOP/tests/config/debug-$arch.config" ] &&
			frags="$frags $TOP/tests/config/debug-$arch.config"
		log=$OUT/build-$line-$arch-debug.log
		# The test initramfs comes with the normal kernel's headers.
		if ! { "$TOP/scripts/build-kernel.sh" "$line" "$arch" &&
		       "$TOP/scripts/mkinitramfs.sh" "$line" "$arch" &&
		       BUILD_TAG=debug RESTRACK_FRAGMENTS=$frags \
		       "$TOP/scripts/build-kernel.sh" "$line" "$arch"; } > "$log" 2>&1; then
			fail "$line/$arch: debug kernel build"; tail -40 "$log"
			continue
		fi
		echo "PASS $(elapsed) $line/$arch: debug kernel build"
		passed=$((passed + 1))
		out=$OUT/vm-$line-$arch-debug.out
		RESTRACK_KERNEL=$(build_dir "$line" "$arch")-debug/$KIMAGE \
			RESTRACK_APPEND="restrack.kmemleak=1" \
			RESTRACK_VM_TIMEOUT=${RESTRACK_VM_TIMEOUT:-2400} \
			"$TOP/scripts/run-vm.sh" "$line" "$arch" check > "$out" 2>&1 || true
		summary=$(tail -1 "$out")
		echo "VM $(elapsed) $line/$arch debug: $summary"
		# the reasons of failures, from scripts/tap-summary.sh
		grep -E "^(FAIL|SKIP|    )" "$out" || true
		read -r p f <<< "$(tap_counts "$summary")"
		if [ -z "$p" ] || [ "$p" = 0 ]; then
			fail "$line/$arch: debug VM run ran no test"
			continue
		fi
		passed=$((passed + p)); failed=$((failed + f))
	done
done

echo "check-debug took $(( $(date +%s) - start ))s"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
