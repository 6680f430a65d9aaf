#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Boot the kernel of LINE/ARCH under QEMU (TCG) with the test initramfs and
# run MODE (check, fuzz, faults, stressng, run, bench, shell) in it.  For check, turn the guest's TAP
# output into the exit status and print "N passed, N failed".  A guest that
# hangs or panics fails within RESTRACK_VM_TIMEOUT seconds.
# RESTRACK_KERNEL boots another kernel image with the same initramfs,
# RESTRACK_INITRD another initramfs (a test binary appended for a try),
# RESTRACK_APPEND adds to its command line, and RESTRACK_BASELINE names the
# log of a baseline run (see tap-summary.sh).  RESTRACK_QEMU_OPTS adds QEMU
# options (-icount, -accel), RESTRACK_SMP and RESTRACK_MEM size the guest.
# RESTRACK_FUZZ=SECONDS adds the fuzzer to check (mode fuzz runs only it,
# 60 s by default) and RESTRACK_FUZZ_SEED fixes its seed; the fuzzer's time
# is added to the timeout.  RESTRACK_STRESS_SEED fixes the stress test's
# seed in check (make check STRESS_SEED=N); RESTRACK_APPEND=restrack.faults=1
# adds the fault-injection suite to check (debug kernels), and
# restrack.stressng=1 the stress-ng suite (mode stressng runs only it): both
# boot the initramfs with the stress-ng overlay of mkinitramfs.sh appended.
# The console shows kernel warnings (loglevel=5):
# tap-summary.sh fails the run on any report.
# Usage: scripts/run-vm.sh LINE ARCH [MODE]
. "$(dirname "$0")/lib.sh"
line=${1:?usage: $0 LINE ARCH [MODE]}
arch=${2:?usage: $0 LINE ARCH [MODE]}
mode=${3:-check}
arch_setup "$arch"
obj=$(build_dir "$line" "$arch")
kernel=${RESTRACK_KERNEL:-$obj/$KIMAGE}
initrd=${RESTRACK_INITRD:-$obj/restrack-initramfs.cpio.gz}
[ -f "$kernel" ] || die "no $kernel: run scripts/build-kernel.sh $line $arch"
[ -f "$initrd" ] || die "no $initrd: run scripts/mkinitramfs.sh $line $arch"

log=$OUT/vm-$line-$arch-$mode${RESTRACK_KERNEL:+-alt}.log
mkdir -p "$OUT"
timeout=${RESTRACK_VM_TIMEOUT:-900}
append="${RESTRACK_APPEND:-}${RESTRACK_STRESS_SEED:+ restrack.stress_seed=$RESTRACK_STRESS_SEED}"
fuzz=${RESTRACK_FUZZ:-}
[ "$mode" = fuzz ] && fuzz=${fuzz:-60}
if [ -n "$fuzz" ]; then
	case "$fuzz" in *[!0-9]*|"") die "RESTRACK_FUZZ=$fuzz: seconds, please" ;; esac
	append="$append restrack.fuzz=$fuzz${RESTRACK_FUZZ_SEED:+ restrack.fuzz_seed=$RESTRACK_FUZZ_SEED}"
	timeout=$((timeout + fuzz + 120))
fi
# The stress-ng lane: the initramfs and the overlay, one after the other
# (the kernel unpacks concatenated archives), in a file of this run's.
case "$mode $append " in
stressng*|bench-macro*|*" restrack.stressng=1 "*)
	[ -f "$obj/restrack-stressng.cpio.gz" ] ||
		die "no $obj/restrack-stressng.cpio.gz: stress-ng is not installed, or not for $arch"
	stressng_initrd=$OUT/initrd-$line-$arch-stressng.cpio.gz
	cat "$initrd" "$obj/restrack-stressng.cpio.gz" > "$stressng_initrd"
	initrd=$stressng_initrd ;;
esac
qemu=( "$QEMU" $QEMU_ARGS ${RESTRACK_QEMU_OPTS:-} -m "${RESTRACK_MEM:-1G}"
	-smp "${RESTRACK_SMP:-2}" -nographic -no-reboot
	-kernel "$kernel" -initrd "$initrd"
	-append "console=$CONSOLE panic=-1 oops=panic loglevel=5 restrack.mode=$mode $append" )

if [ "$mode" = shell ]; then
	exec "${qemu[@]}"
fi

say "booting $line/$arch ($mode), log in $log"
set +e
timeout --foreground -k 10 "$timeout" "${qemu[@]}" < /dev/null 2>&1 |
	tr -d '\r' | tee "$log"
rc=${PIPESTATUS[0]}
set -e
[ "$rc" = 124 ] && echo "restrack: guest timed out after ${timeout}s"

# The suites the guest must report: the initramfs' list, and the fuzzer's.
suites=$(mktemp)
trap 'rm -f "$suites"' EXIT
case "$mode" in
check)	cat "$obj/restrack-suites" > "$suites"
	[ -z "$fuzz" ] || echo fuzz >> "$suites"
	case " $append " in *" restrack.faults=1 "*) echo faults >> "$suites" ;; esac
	case " $append " in *" restrack.stressng=1 "*) echo stressng >> "$suites" ;; esac ;;
fuzz)	echo fuzz > "$suites" ;;
faults)	echo faults > "$suites" ;;
stressng) echo stressng > "$suites" ;;
esac
case "$mode" in
check|fuzz|faults|stressng)
	RESTRACK_SUITES=$suites \
	"$TOP/scripts/tap-summary.sh" "$log" "$line/$arch" ${RESTRACK_BASELINE:-} ;;
upstream) "$TOP/scripts/tap-summary.sh" "$log" "$line/$arch" ${RESTRACK_BASELINE:-} ;;
*) grep -q "^restrack-vm: done" "$log" ;;
esac
