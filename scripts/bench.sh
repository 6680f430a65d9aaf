#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make bench: the cost of restrack against the unpatched kernel of the same
# line and configuration (scripts/build-kernel.sh, BUILD_TAG=pristine).
#
# Primary figure: QEMU TCG with -icount shift=0,sleep=off, where a guest
# nanosecond is one executed instruction, so the figures repeat from run to
# run whatever the host's load.  One boot of the unpatched kernel, one of the
# patched kernel (controller off, on one level down, on three levels down
# with limits), one -smp 4 boot of the patched kernel (four workers charging
# one cgroup).  Secondary figure: wall-clock time of alternating boots of
# the two kernels (unpatched, patched, unpatched, ...; KVM when /dev/kvm is
# usable), median and range.  tests/bench/bench.c has the loops.
#
# Under -icount the rounds of a loop fall into modes (where the allocators
# and RCU stand when a round starts), a few percent apart.  So one more
# -icount boot of each kernel runs every loop once per configuration under
# the kprof QEMU plugin (tests/bench/kprof.c), which counts the kernel's
# instructions by function; scripts/bench-profile.sh splits the difference
# into code the patch changed and code it did not (the modes).
#
# Prints a table per line and arch and checks the targets (instruction-count
# ratios against the unpatched kernel, in changed code when the profile
# ran, else of the lowest rounds): off <= 1.005 on every loop; on1 and on3
# <= 1.03 on every loop but the bare descriptor pair (dup+close), whose
# cost exact per-level counters set: in changed code at most 40
# instructions a pair at one level (56 on arm64) and 16 more for each
# further level (20 on arm64), from the profile; /proc/tracker_status
# with 10,000 registrations <= 11x with 1,000, register+deregister >=
# 5,000 round trips per second.  Exits non-zero when one is missed or a
# boot fails.  Each table also replaces its block in docs/performance.md
# (BENCH_DOC=0: not).  BENCH_REUSE=1 judges the logs of the last run
# again, without building or booting.
# LINES (default 6.12 and the newest line), ARCHES (default x86_64); BENCH_SCALE (percent of
# the default iterations, 50), BENCH_ROUNDS (best of, 11), BENCH_PAIRS
# (wall-clock boot pairs, 2; 0 skips them), BENCH_PROFILE_SCALE (percent of
# the default iterations in the profile boots, 10); BENCH_FRAGMENTS, config
# fragments for both kernels (default tests/config/distro.config: jump
# labels and -O2, as distributions build; empty: make check's kernels as
# they are), built apart from make check's, in build directories tagged
# "bench-" and "pristine-" with the fragments' names.  BENCH_BUILD=0 boots
# the kernels built last time instead of (re)building them.
. "$(dirname "$0")/lib.sh"
LINES=${LINES:-6.12 $LINE_NEWEST}
ARCHES=${ARCHES:-x86_64}
# fragments named relative to the repository, as the README writes them
frags=
variant=
for f in ${BENCH_FRAGMENTS-tests/config/distro.config}; do
	case "$f" in
	/*) ;;
	*) f=$TOP/$f ;;
	esac
	[ -f "$f" ] || die "BENCH_FRAGMENTS: no $f"
	frags="$frags $f"
	variant=$variant${variant:++}$(basename "$f" .config)
done
BENCH_FRAGMENTS=${frags# }
scale=${BENCH_SCALE:-50}
rounds=${BENCH_ROUNDS:-11}
pairs=${BENCH_PAIRS:-2}
pscale=${BENCH_PROFILE_SCALE:-10}
start=$(date +%s)
bad=0
summary=$OUT/bench/summary.md
mkdir -p "$OUT/bench"
: > "$summary"
kprof=$OUT/bench/kprof.so
gcc -O2 -shared -fPIC -o "$kprof" "$TOP/tests/bench/kprof.c" || die "cannot build the kprof plugin"

elapsed() { echo "[$(( $(date +%s) - start ))s]"; }

# boot LOG KERNEL MODE SMP QEMU-OPTIONS: one bench boot; fails unless the
# guest finished, no loop failed and the kernel reported nothing.
boot() {
	local log=$1 kernel=$2 mode=$3 smp=$4 opts=$5
	say "$(elapsed) $(basename "$log" .log)"
	# tsc=reliable: the watchdog judges the TSC by jiffies, which lag
	# behind under a loaded host or in the long -icount registration runs
	RESTRACK_KERNEL=$kernel RESTRACK_SMP=$smp RESTRACK_MEM=2G \
	RESTRACK_QEMU_OPTS=$opts RESTRACK_VM_TIMEOUT=${RESTRACK_VM_TIMEOUT:-1800} \
	RESTRACK_APPEND="norandmaps tsc=reliable restrack.bench_verbose restrack.bench_scale=${BOOT_SCALE:-$scale} restrack.bench_rounds=$rounds ${BENCH_APPEND:-}" \
		"$TOP/scripts/run-vm.sh" "$line" "$arch" "$mode" > "$log" 2>&1 || true
	if ! grep -q "^restrack-vm: done" "$log" || grep -q "^bench: FAIL" "$log" ||
	   grep -Eq "(WARNING|BUG|Oops|Kernel panic|kernel BUG)" "$log"; then
		echo "FAIL $(basename "$log"): the guest did not finish cleanly:"
		grep -E "^bench: FAIL|WARNING|BUG|Oops|panic|timed out" "$log" | head -20
		bad=1
		return 1
	fi
}

# profile KIND BUILD: one boot of a kernel under the kprof plugin, which
# counts the kernel instructions of each loop's run in each configuration
# (scripts/bench-profile.sh makes figures of them).
profile() {
	local kind=$1 build=$2 p open close
	case "$arch" in
	x86_64) p=__x64_sys_ ;;
	arm64) p=__arm64_sys_ ;;
	esac
	open=$(awk -v s="${p}sched_get_priority_max" '$3 == s { print $1 }' "$build/System.map")
	close=$(awk -v s="${p}sched_get_priority_min" '$3 == s { print $1 }' "$build/System.map")
	[ -n "$open" ] && [ -n "$close" ] || { echo "FAIL: no ${p}sched_get_priority_* in $build/System.map"; return 1; }
	BOOT_SCALE=$pscale BENCH_APPEND="${BENCH_APPEND:-} restrack.bench_profile" \
		boot "$dir/profile-$kind.log" "$build/$KIMAGE" bench 1 \
		"-icount shift=0,sleep=off -plugin $kprof,start=$open,end=$close,out=$dir/profile-$kind.txt"
}

# The wall-clock boots use KVM when a guest boots with it here (nested
# KVM may open and still fail), TCG without -icount else.
wall_accel() {
	if [ "$arch" = "$(uname -m)" ] && [ -w /dev/kvm ] &&
	   RESTRACK_KERNEL=$patched RESTRACK_QEMU_OPTS="-accel kvm" RESTRACK_VM_TIMEOUT=30 \
		"$TOP/scripts/run-vm.sh" "$line" "$arch" none > "$dir/kvm-probe.log" 2>&1; then
		echo kvm
	else
		echo tcg
	fi
}

# doc_write LINE ARCH TABLE VERDICT: the table of LINE/ARCH into
# docs/performance.md, in place of that block between its markers, or as a
# new block before the end of the results.
doc_write() {
	local doc=$TOP/docs/performance.md body
	local begin="<!-- make bench: $1 $2 -->" end="<!-- end of make bench: $1 $2 -->"
	body=$(mktemp)
	{
		echo "$begin"
		echo "#### $1 $2 ($(kernel_version "$(pristine_tree "$1")"))"
		echo
		echo "Written by \`make bench\` on $(cut -d' ' -f1 "$dir/run-info") at" \
		     "$(cut -d' ' -f2 "$dir/run-info")$judged: BENCH_SCALE=$scale" \
		     "BENCH_ROUNDS=$rounds BENCH_PAIRS=$pairs BENCH_PROFILE_SCALE=$pscale" \
		     "BENCH_FRAGMENTS=\"${BENCH_FRAGMENTS//$TOP\//}\"; targets: ${4%%;*}."
		sed '1{/^### /d}' "$3"
		echo "$end"
	} > "$body"
	awk -v begin="$begin" -v end="$end" -v body="$body" \
	    -v last="<!-- make bench: end of results -->" '
		function put(   l) { while ((getline l < body) > 0) print l; done = 1 }
		$0 == begin { skip = 1; put(); next }
		skip { if ($0 == end) skip = 0; next }
		$0 == last && !done { put(); print "" }
		{ print }' "$doc" > "$doc.new" && mv "$doc.new" "$doc"
	rm -f "$body"
}

for line in $LINES; do
for arch in $ARCHES; do
	arch_setup "$arch"
	dir=$OUT/bench/$line-$arch
	obj=$(build_dir "$line" "$arch")
	if [ "${BENCH_REUSE:-0}" = 1 ]; then
		[ -f "$dir/accel" ] || { echo "FAIL $line/$arch: no run to judge in $dir"; bad=1; continue; }
		accel=$(cat "$dir/accel")
		judged=" (judged again at $(git -C "$TOP" describe --always --dirty))"
	else
		judged=
		rm -rf "$dir"
		mkdir -p "$dir"
		echo "$(date -u +%F) $(git -C "$TOP" describe --always --dirty)" > "$dir/run-info"
		say "$(elapsed) building $line/$arch, patched and pristine"
		if [ "${BENCH_BUILD:-1}" = 0 ]; then
			:
		elif ! "$TOP/scripts/build-kernel.sh" "$line" "$arch" > "$dir/build.log" 2>&1 ||
		   ! "$TOP/scripts/mkinitramfs.sh" "$line" "$arch" >> "$dir/build.log" 2>&1 ||
		   { [ -n "$variant" ] && ! BUILD_TAG=bench-$variant RESTRACK_FRAGMENTS=$BENCH_FRAGMENTS \
			"$TOP/scripts/build-kernel.sh" "$line" "$arch" >> "$dir/build.log" 2>&1; } ||
		   ! BUILD_TAG=pristine${variant:+-$variant} RESTRACK_FRAGMENTS=$BENCH_FRAGMENTS \
			"$TOP/scripts/build-kernel.sh" "$line" "$arch" > "$dir/build-pristine.log" 2>&1; then
			echo "FAIL $line/$arch: build"; tail -20 "$dir"/build*.log; bad=1; continue
		fi
		patched_build=$obj${variant:+-bench-$variant}
		pristine_build=$obj-pristine${variant:+-$variant}
		patched=$patched_build/$KIMAGE
		pristine=$pristine_build/$KIMAGE
		icount="-icount shift=0,sleep=off"
		boot "$dir/icount-pristine.log" "$pristine" bench 2 "$icount" || continue
		boot "$dir/icount-patched.log" "$patched" bench 2 "$icount" || continue
		boot "$dir/icount-smp4.log" "$patched" bench-smp 4 "$icount" || continue
	# stress-ng, where mkinitramfs.sh made its overlay (the host's arch)
	if [ -f "$obj/restrack-stressng.cpio.gz" ]; then
		boot "$dir/macro-pristine.log" "$pristine" bench-macro 2 "$icount" || continue
		boot "$dir/macro-patched.log" "$patched" bench-macro 2 "$icount" || continue
	fi
		if profile pristine "$pristine_build" && profile patched "$patched_build"; then
			"$TOP/scripts/bench-profile.sh" "$dir" "$arch" "$pristine_build" "$patched_build" \
				> "$dir/profile.out" || bad=1
		fi
		accel=$(wall_accel)
		# Under a loaded TCG the guest's TSC calibration against the PIT
		# fails now and then, and the clock runs 16x off: one given frequency
		# (the host's; any fixed one keeps the ratios) for every boot.
		khz=$(awk '/^cpu MHz/ { printf "%d", $4 * 1000; exit }' /proc/cpuinfo)
		for i in $(seq 1 "$pairs"); do
			BENCH_APPEND="${BENCH_APPEND:-} restrack.bench_loops_only tsc_early_khz=${khz:-1000000}" \
				boot "$dir/wall-pristine-$i.log" "$pristine" bench 2 "-accel $accel" || break
			BENCH_APPEND="${BENCH_APPEND:-} restrack.bench_loops_only tsc_early_khz=${khz:-1000000}" \
				boot "$dir/wall-patched-$i.log" "$patched" bench 2 "-accel $accel" || break
		done
		echo "$accel" > "$dir/accel"
	fi

	# The table, and the targets.
	{
		for f in "$dir"/*.log; do
			sed -n "s|^bench: |$(basename "$f" .log) |p" "$f"
		done
		cat "$dir/profile.out" 2> /dev/null || true
	} | awk -v line="$line" -v arch="$arch" -v accel="$accel" \
		-v pairs="$pairs" -v rounds="$rounds" -v scale="$scale" \
		-v out="$dir/verdict" -v frags="${BENCH_FRAGMENTS:+ + }${BENCH_FRAGMENTS//$TOP\//}" '
	function median(a, n,   i, j, t) {
		for (i = 1; i <= n; i++)
			for (j = i + 1; j <= n; j++)
				if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	function r(x) { return sprintf("%.3f", x) }
	# rounds: the spread of the icount figures, highest over lowest round
	$2 == "round" && $3 >= 0 && $1 ~ /^icount-p/ && $4 == "off" {
		k = $1 SUBSEP $5
		if (!(k in rlo) || $6 < rlo[k]) rlo[k] = $6
		if (!(k in rhi) || $6 > rhi[k]) rhi[k] = $6
	}
	$2 == "clocksource" && $1 ~ /^wall/ && $3 !~ /^tsc/ { coarse = $3 }
	# scripts/bench-profile.sh: instructions an iteration costs more in
	# the code the patch changed, and in the code it did not change
	$1 == "profile" { pch[$2, $3] = $4; pot[$2, $3] = $5; next }
	$1 == "extra" { xin[$2] = $3; xrt[$2] = $4; xns[$2] = $5; next }
	$2 != "result" { next }
	{ src = $1; cfg = $3; loop = $4; v = $5 }
	src == "icount-pristine" && cfg == "off" { base[loop] = v; order[++nl] = loop }
	src == "icount-pristine" { pic[cfg, loop] = v }
	src == "icount-patched" { ic[cfg, loop] = v }
	src == "icount-patched" && cfg == "root" { sys[loop] = v }
	src == "icount-smp4" { smp[cfg] = v }
	src == "macro-pristine" && cfg == "off" { mbase[loop] = v; morder[++nm] = loop }
	src == "macro-patched" { mac[cfg, loop] = v }
	src ~ /^wall-pristine/ && cfg == "off" { wp[loop, ++nwp[loop]] = v }
	src ~ /^wall-patched/ { w[cfg, loop, ++nw[cfg, loop]] = v }
	END {
		printf "### %s %s\n\n", line, arch
		printf "Kernels: tinyconfig + tests/config/restrack.config + tests/config/%s.config%s, with and without the patch.  ", arch, frags
		printf "Primary: QEMU TCG `-icount shift=0,sleep=off` (guest ns = instructions), lowest of %d rounds (each in a fresh process), %d%% of the iterations.  ", rounds, scale
		printf "Ratios against the unpatched kernel; off: root cgroup, no cgroup has the controller; on1: one level down; on3: three levels down with limits.  "
		printf "Round spread: highest over lowest counted round, off, the larger of the two kernels.  "
		printf "Profile: one run of each loop per configuration on each kernel, its kernel instructions counted by function (tests/bench/kprof.c); changed: 1 + what the iteration costs more in functions the patch changed (restrack'"'"'s, what they call, the hooks'"'"' callers), over the unpatched figure; other: the difference in unchanged functions (allocator and RCU state), in %% of it.  "
		printf "The targets are checked on the changed-code ratios when the profile ran, else on the lowest rounds.  "
		printf "Wall: %s, %d alternating boot pairs, median ratio [range].\n\n", accel, pairs
		printf "| loop | unpatched (instructions) | off | on1 | on3 | round spread | changed: off | on1 | on3 | other: on3 | wall off | wall on3 |\n"
		printf "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"
		fails = 0
		for (i = 1; i <= nl; i++) {
			l = order[i]
			off = ic["off", l] / base[l]; on1 = ic["on1", l] / base[l]; on3 = ic["on3", l] / base[l]
			# the checked figures: changed code when profiled, else the rounds
			prof = ("on3", l) in pch
			coff = prof ? r(1 + pch["off", l] / base[l]) + 0 : off
			con3 = prof ? r(1 + pch["on3", l] / base[l]) + 0 : on3
			con1 = prof ? r(1 + pch["on1", l] / base[l]) + 0 : on1
			# the bare descriptor pair has per-level targets (below)
			bare = l == "dup+close"
			mark_off = coff <= 1.005 ? "" : " ✗"
			mark_on1 = bare || con1 <= 1.03 ? "" : " ✗"
			mark_on3 = bare || con3 <= 1.03 ? "" : " ✗"
			if (mark_off != "") { fails++; miss = miss sprintf("%s off %.3f > 1.005; ", l, coff) }
			if (mark_on1 != "") { fails++; miss = miss sprintf("%s on1 %.3f > 1.03; ", l, con1) }
			if (mark_on3 != "") { fails++; miss = miss sprintf("%s on3 %.3f > 1.03; ", l, con3) }
			rounds_cells = sprintf("%s%s | %s%s | %s%s", r(off), prof ? "" : mark_off, r(on1), prof ? "" : mark_on1, r(on3), prof ? "" : mark_on3)
			prof_cells = "n/a | n/a | n/a | n/a"
			if (prof)
				prof_cells = sprintf("%s%s | %s%s | %s%s | %+.1f%%", r(coff), mark_off,
					r(con1), mark_on1, r(con3), mark_on3, 100 * pot["on3", l] / base[l])
			wo = "n/a"; w3 = "n/a"
			n = nwp[l]
			if (coarse != "") {
				wo = w3 = "n/a (" coarse " clock)"
			} else if (n > 0 && nw["off", l] > 0) {
				delete a; for (k = 1; k <= n; k++) a[k] = wp[l, k]; mp = median(a, n)
				lo = 1e30; hi = 0; for (k = 1; k <= n; k++) { if (a[k] < lo) lo = a[k]; if (a[k] > hi) hi = a[k] }
				split("", b); m = nw["off", l]; for (k = 1; k <= m; k++) b[k] = w["off", l, k]
				mo = median(b, m)
				wo = sprintf("%.3f [%.2f–%.2f]", mo / mp, b[1] / hi, b[m] / lo)
				split("", b); m = nw["on3", l]; for (k = 1; k <= m; k++) b[k] = w["on3", l, k]
				if (m > 0) { mo = median(b, m); w3 = sprintf("%.3f [%.2f–%.2f]", mo / mp, b[1] / hi, b[m] / lo) }
			}
			sp = "n/a"
			k1 = "icount-pristine" SUBSEP l; k2 = "icount-patched" SUBSEP l
			if ((k1 in rlo) && (k2 in rlo)) {
				s1 = rhi[k1] / rlo[k1] - 1; s2 = rhi[k2] / rlo[k2] - 1
				sp = sprintf("%.1f%%", 100 * (s1 > s2 ? s1 : s2))
			}
			printf "| %s | %.0f | %s | %s | %s | %s | %s |\n", l, base[l], rounds_cells, sp, prof_cells, wo, w3
		}
		if (smp["off"] > 0) {
			t1 = smp["on1"] / smp["off"]; t3 = smp["on3"] / smp["off"]
			mark = t3 >= 1 / 1.03 ? "" : " ✗"
			if (mark != "") { fails++; miss = miss sprintf("smp4 on3 throughput %.3f of off < 1/1.03; ", t3) }
			printf "| 4 workers, -smp 4: throughput vs off | %.0f ops/s | 1 | %s | %s%s | | | | | | | |\n", smp["off"], r(t1), r(t3), mark
		}
		rd = sys["register+deregister"]; t1k = sys["tracker_status_1k"]; t10k = sys["tracker_status_10k"]
		printf "\n"
		# what exact counters at every level cost a dup+close pair
		l = "dup+close"
		lim1 = arch == "arm64" ? 56 : 40; limlv = arch == "arm64" ? 20 : 16
		if (("on1", l) in pch && ("on3", l) in pch) {
			i1 = pch["on1", l]; lv = (pch["on3", l] - pch["on1", l]) / 2
			m1 = i1 <= lim1 ? "" : " ✗"; mlv = lv <= limlv ? "" : " ✗"
			if (m1 != "") { fails++; miss = miss sprintf("dup+close %.1f instructions at one level > %d; ", i1, lim1) }
			if (mlv != "") { fails++; miss = miss sprintf("dup+close %.1f instructions a further level > %d; ", lv, limlv) }
			printf "- dup+close, instructions a pair costs more in changed code: %.1f at one level%s (target <= %d), %.1f for each further level%s (target <= %d; on3 is %.1f)\n", i1, m1, lim1, lv, mlv, limlv, pch["on3", l]
		} else {
			fails++; miss = miss "no profile of dup+close for its per-level targets; "
		}
		if (rd > 0) {
			mark = rd >= 5000 ? "" : " ✗ (target >= 5000)"
			if (mark != "") { fails++; miss = miss sprintf("register+deregister %.0f/s < 5000/s; ", rd) }
			printf "- register+deregister: %.0f round trips per second of guest time%s\n", rd, mark
			f0 = sys["register+deregister_first"]; f1 = sys["register+deregister_first_favordynmods"]
			if (f0 > 0)
				printf "  (one round trip after a second without migrations: %.0f guest ns%s)\n", f0, (f1 > 0 ? sprintf(", %.0f with the hierarchy mounted with favordynmods", f1) : "")
			if (xin["register+deregister"] > 0)
				printf "  (profile: a round trip runs %.0f kernel instructions, %.0f of them in restrack'"'"'s functions, in %.0f guest ns)\n", xin["register+deregister"], xrt["register+deregister"], xns["register+deregister"]
			mk = sys["cgroup_mkdir+rmdir"]; mp = sys["cgroup_mkdir+rmdir_plain"]; mi = sys["migrate_in+out"]
			if (mk > 0 && mp > 0 && mi > 0)
				printf "  (guest ns each: a round trip %.0f; from user space, a cgroup made and removed in restrack/ %.0f, the same without the controller %.0f, a process moved in and out %.0f)\n", 1e9 / rd, 1e9 / mk, 1e9 / mp, 1e9 / mi
		}
		if (t1k > 0) {
			q = t10k / t1k
			mark = q <= 11 ? "" : " ✗ (target <= 11x)"
			if (mark != "") { fails++; miss = miss sprintf("tracker_status 10k/1k %.1fx > 11x; ", q) }
			printf "- /proc/tracker_status read: %.0f instructions with 1,000 registrations, %.0f with 10,000: %.1fx%s\n", t1k, t10k, q, mark
		}
		if (nl == 0 || !(rd > 0) || !(t1k > 0)) { fails++; miss = miss "figures missing; " }
		printf "\n"
		# what a user would use instead, in the same boots (not checked)
		if (("memcg3", order[1]) in ic) {
			printf "Against the peers (lowest rounds, ratios against the unpatched kernel'"'"'s off): memcg3, three levels down with memory.max and pids.max at each, without restrack; both3, the same with restrack'"'"'s limits; rlimit, the root cgroup with RLIMIT_DATA and RLIMIT_NOFILE set.  restrack / memcg: what on3 costs over off (in changed code, from the profile, where it ran) over what memcg3 costs over off (lowest rounds), on the patched kernel (below 1: restrack'"'"'s exact limits cost less than memcg'"'"'s accounting three levels deep; where memcg'"'"'s cost is within 0.2%% of the loop, both in instructions).\n\n"
			printf "| loop | unpatched: memcg3 | rlimit | patched: on3 | memcg3 | both3 | rlimit | restrack / memcg |\n"
			printf "|---|---:|---:|---:|---:|---:|---:|---:|\n"
			for (i = 1; i <= nl; i++) {
				l = order[i]
				# restrack'"'"'s own cost from the profile where it ran (its
				# changed code: the rounds'"'"' modes are as large), memcg'"'"'s
				# from the rounds (its code is the same in both kernels)
				rc = ("on3", l) in pch ? pch["on3", l] : ic["on3", l] - ic["off", l]
				mc = ic["memcg3", l] - ic["off", l]
				if (mc > 0.002 * base[l])
					rel = sprintf("%.2f%s", rc / mc, rc > mc ? " (more)" : "")
				else
					rel = sprintf("memcg %+.0f, restrack %+.0f instructions%s", mc, rc, rc > 0.002 * base[l] ? " (more)" : "")
				printf "| %s | %s | %s | %s | %s | %s | %s | %s |\n", l,
					r(pic["memcg3", l] / base[l]), r(pic["rlimit", l] / base[l]),
					r(ic["on3", l] / base[l]), r(ic["memcg3", l] / base[l]),
					r(ic["both3", l] / base[l]), r(ic["rlimit", l] / base[l]), rel
			}
			printf "\n"
		}
		# programs nobody here wrote (a goal, shown, not checked)
		if (nm > 0) {
			printf "Real programs: Debian'"'"'s stress-ng, one stressor at a time with a fixed number of bogo operations, the whole run in guest ns (instructions), lowest of 3; goal: on3 at most 1.01.\n\n"
			printf "| stress-ng | unpatched (instructions) | off | on3 |\n|---|---:|---:|---:|\n"
			for (i = 1; i <= nm; i++) {
				l = morder[i]
				m3 = mac["on3", l] / mbase[l]
				printf "| %s | %.0f | %s | %s%s |\n", substr(l, 7), mbase[l],
					r(mac["off", l] / mbase[l]), r(m3), m3 <= 1.01 ? "" : " (over the goal)"
			}
			printf "\n"
		} else {
			printf "Real programs: not run (no stress-ng overlay: apt-get install stress-ng; the host'"'"'s architecture only).\n\n"
		}
		print (fails ? "MISSED " miss : "MET") > out
	}' > "$dir/table.md"
	cat "$dir/table.md" | tee -a "$summary"
	verdict=$(cat "$dir/verdict")
	[ "${BENCH_DOC:-1}" = 0 ] || doc_write "$line" "$arch" "$dir/table.md" "$verdict"
	echo "$line/$arch targets: $verdict"
	[ "$verdict" = MET ] || bad=1
done
done

echo "bench took $(( $(date +%s) - start ))s; tables in $summary"
[ "$bad" = 0 ]
