#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Count the TAP results of a VM log.  Each suite must report results, as many
# as its plan announces if it prints one, and exit 0 (4: all skipped); a suite
# that crashed, one without results, a kernel oops or a guest that never
# finished all count as failures.  Skips are reported, never counted as passes.
#
# With BASELINE, the log of the same upstream suites on the kernel built with
# CONFIG_CGROUP_RESTRACK=n, an upstream test that fails there too is not the
# patch's doing: it is reported as a skip (never as a pass).  restrack's own
# tests that run with the upstream ones (test_overcommit) are never excused.
# Usage: scripts/tap-summary.sh LOG LABEL [BASELINE]  (prints "N passed, N failed")
# RESTRACK_SUITES names the file of the suites the guest must report, one
# a line (written by scripts/mkinitramfs.sh); one that is missing fails.
. "$(dirname "$0")/lib.sh"	# KERNEL_REPORT_RE
log=${1:?}; label=${2:-vm}; baseline=${3:-/dev/null}
suites=${RESTRACK_SUITES:-/dev/null}
awk -v label="$label" -v baseline="$baseline" -v suites="$suites" \
    -v report="$KERNEL_REPORT_RE" '
BEGIN {
	# restrack'"'"'s own suites among the upstream ones: never excused
	own["upstream/test_overcommit"] = 1
	while ((getline l < suites) > 0)
		if (l != "") expected[l] = 1
	while ((getline l < baseline) > 0) {
		if (l ~ /^# suite: /) { split(l, w, " "); bsuite = w[3] }
		else if (l ~ /^not ok [0-9]+ /) { n = l; sub(/^not ok [0-9]+ /, "", n); basefail[bsuite "/" n] = 1 }
	}
}
function endsuite() {
	if (suite == "") return
	if (seen == 0) { printf "FAIL %s: %s reported no result\n", label, suite; failed++ }
	else if (plan >= 0 && seen != plan) { printf "FAIL %s: %s planned %d results, printed %d\n", label, suite, plan, seen; failed++ }
	suite = ""
}
/^# suite: / { endsuite(); reported[$3] = 1; suite = $3; plan = -1; seen = 0; bad = 0; basebad = 0; ndiag = 0; next }
/^# suite-exit: / {
	if ($4 != 0 && $4 != 4 && !bad && !basebad) { printf "FAIL %s: %s exited with status %s\n", label, $3, $4; failed++ }
	endsuite(); next
}
suite != "" && /^1\.\.[0-9]+/ { if (plan < 0) plan = substr($1, 4) + 0; next }
# the diagnostics since the last result: the reasons of a failure
suite != "" && /^# / { if (ndiag < 20) diags[ndiag++] = $0; next }
suite != "" && /^ok [0-9]+/ {
	seen++; ndiag = 0
	if ($0 ~ /# *SKIP/) { skipped++; printf "SKIP %s: %s: %s\n", label, suite, $0 }
	else passed++
	next
}
suite != "" && /^not ok [0-9]+/ {
	seen++; n = $0; sub(/^not ok [0-9]+ /, "", n)
	if (!(suite in own) && (suite "/" n) in basefail) {
		skipped++; basebad++
		printf "SKIP %s: %s: %s (fails without restrack too)\n", label, suite, $0
	} else {
		bad++; failed++; printf "FAIL %s: %s: %s\n", label, suite, $0
		for (i = 0; i < ndiag; i++)
			printf "    %s\n", diags[i]
	}
	ndiag = 0
	next
}
# The fault-injection suite fails allocations on purpose, and where the
# kernel warns of a failed allocation (warn_alloc(): vmalloc() of a kernel
# stack whose vm_struct the injection refused) that warning and its stack
# dump are what the kernel does, not a report: noted, counted, not failed.
# Anywhere else, and any other report in that suite, fails.
suite == "faults" && /(vmalloc error|page allocation failure): / { allocwarn = NR; next }
allocwarn && NR - allocwarn <= 4 && /Call [Tt]race:/ {
	allocwarn = 0; allocwarns++
	if (allocwarns == 1) printf "NOTE %s: faults: a warning of an injected allocation failure (warn_alloc), expected\n", label
	next
}
# Any kernel report (KERNEL_REPORT_RE, scripts/lib.sh) fails the run.  The
# guest console shows warnings (loglevel=5, scripts/run-vm.sh).
$0 ~ report {
	reports++
	if (reports <= 20) printf "FAIL %s: kernel: %s\n", label, $0
	if (reports == 1) failed++
}
# The guest was asked to scan for leaks (restrack.kmemleak=1, debug
# kernels) and could not: a detector that is off finds nothing.
/^restrack-vm: kmemleak: not available/ {
	printf "FAIL %s: kmemleak was asked for and is not available\n", label
	failed++
}
/^restrack-vm: done/ { done = 1 }
END {
	endsuite()
	for (x in expected)
		if (!(x in reported)) { printf "FAIL %s: suite %s did not run\n", label, x; failed++ }
	if (!done) { printf "FAIL %s: guest did not finish the suite\n", label; failed++ }
	if (allocwarns > 1) printf "NOTE %s: faults: %d warnings of injected allocation failures in all\n", label, allocwarns
	printf "%d passed, %d failed", passed, failed
	if (skipped) printf ", %d skipped", skipped
	printf "\n"
	exit failed ? 1 : 0
}' "$log"
