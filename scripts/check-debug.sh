#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make check-debug: the in-VM suite on debug kernels.  x86_64 gets lockdep
# with RCU checking, sleep-in-atomic checks, list debugging, hung task
# detection, generic KASAN, UBSAN and kmemleak (scanned after the suites:
# restrack must leak nothing); arm64 the lock, RCU and sleep checks.  Both
# run the fault-injection suite (tests/faults: every allocation of
# restrack's paths failed in turn) and the stress-ng suite after the
# others.  Any
# kernel report fails the run (scripts/tap-summary.sh).  Prints
# "N passed, N failed" last and exits non-zero on any failure.
# DEBUG_LINES (default: LINES, else 6.12) and DEBUG_ARCHES (default x86_64)
# select the matrix.  The fuzzer (tests/fuzz) runs after the suites for
# FUZZ_SECONDS (default 90; 0: not at all), with FUZZ_SEED if given.
# DEBUG_MODE=fuzz runs only the fuzzer (make fuzz), DEBUG_MODE=faults only
# the fault-injection suite (make faults), DEBUG_MODE=stressng only the
# stress-ng suite (make stressng).  The stress-ng suite (tests/stress:
# Debian's stress-ng in capped cgroups) runs after the fault-injection
# suite where mkinitramfs.sh made its overlay: stress-ng installed, on the
# host's architecture; elsewhere a NOTE says it did not run.
. "$(dirname "$0")/lib.sh"
DEBUG_LINES=${DEBUG_LINES:-${LINES:-6.12}}
DEBUG_ARCHES=${DEBUG_ARCHES:-x86_64}
DEBUG_MODE=${DEBUG_MODE:-check}
FUZZ_SECONDS=${FUZZ_SECONDS:-90}
[ "$FUZZ_SECONDS" = 0 ] && FUZZ_SECONDS=
case "$DEBUG_MODE" in
check|fuzz|faults|stressng) ;;
*) die "DEBUG_MODE=$DEBUG_MODE: check, fuzz, faults or stressng" ;;
esac
[ "$DEBUG_MODE" = fuzz ] && [ -z "$FUZZ_SECONDS" ] && die "make fuzz needs SECONDS > 0"
passed=0
failed=0
start=$(date +%s)
mkdir -p "$OUT"

elapsed() { echo "[$(( $(date +%s) - start ))s]"; }
fail() { failed=$((failed + 1)); echo "FAIL $(elapsed) $*"; }

for line in $DEBUG_LINES; do
	for arch in $DEBUG_ARCHES; do
		arch_setup "$arch"
		log=$OUT/build-$line-$arch-debug.log
		# The test initramfs comes with the normal kernel's headers.
		if ! { "$TOP/scripts/build-kernel.sh" "$line" "$arch" &&
		       "$TOP/scripts/mkinitramfs.sh" "$line" "$arch" &&
		       BUILD_TAG=debug \
		       "$TOP/scripts/build-kernel.sh" "$line" "$arch"; } > "$log" 2>&1; then
			fail "$line/$arch: debug kernel build"; tail -40 "$log"
			continue
		fi
		echo "PASS $(elapsed) $line/$arch: debug kernel build"
		passed=$((passed + 1))
		out=$OUT/vm-$line-$arch-debug-$DEBUG_MODE.out
		append="restrack.kmemleak=1 restrack.faults=1"
		if [ "$DEBUG_MODE" = fuzz ] || [ "$DEBUG_MODE" = faults ]; then
			:
		elif [ -f "$(build_dir "$line" "$arch")/restrack-stressng.cpio.gz" ]; then
			append="$append restrack.stressng=1"
		elif [ "$DEBUG_MODE" = stressng ]; then
			fail "$line/$arch: no stress-ng overlay (apt-get install stress-ng; the host's architecture only)"
			continue
		elif [ "$DEBUG_MODE" = check ]; then
			echo "NOTE $line/$arch: stress-ng suite not run (stress-ng not installed, or not the host's architecture)"
		fi
		RESTRACK_KERNEL=$(build_dir "$line" "$arch")-debug/$KIMAGE \
			RESTRACK_APPEND="$append" \
			RESTRACK_VM_TIMEOUT=${RESTRACK_VM_TIMEOUT:-2400} \
			RESTRACK_FUZZ=$FUZZ_SECONDS RESTRACK_FUZZ_SEED=${FUZZ_SEED:-} \
			"$TOP/scripts/run-vm.sh" "$line" "$arch" "$DEBUG_MODE" > "$out" 2>&1 || true
		summary=$(tail -1 "$out")
		echo "VM $(elapsed) $line/$arch debug: $summary"
		# the fuzzer's seed and figures, stress-ng's runs, the fault totals
		grep -E "^# (seed |fuzz: |stressng: |faults: [0-9]+ calls)" "$out" || true
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
