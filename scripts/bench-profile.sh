#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The profile part of make bench (scripts/bench.sh): turn what the kprof
# QEMU plugin (tests/bench/kprof.c) counted in one boot of each kernel into
# the instructions each loop's iteration costs in each function, and split
# the difference between the kernels into what ran in code the patch
# changed (restrack's functions, the functions they call, and functions
# whose instructions differ between the two vmlinux files: the hooks'
# callers) and what ran in code it did not change (the allocators' and
# RCU's state at the time: the modes of make bench's rounds).
#
# Usage: scripts/bench-profile.sh DIR ARCH PRISTINE-BUILD PATCHED-BUILD
# DIR holds profile-{pristine,patched}.{txt,log}.  Prints, per window,
# "profile CONFIG LOOP CHANGED OTHER" (instructions per iteration, patched
# minus unpatched), and writes the functions behind each to DIR/profile.md;
# then, per window only the patched kernel has, "extra LOOP INSTRUCTIONS
# RESTRACK'S GUEST-NS" (per iteration).
. "$(dirname "$0")/lib.sh"
dir=${1:?usage: $0 DIR ARCH PRISTINE-BUILD PATCHED-BUILD}
arch_setup "${2:?}"
pristine=${3:?}
patched=${4:?}

# Per kernel: "WINDOW FUNCTION INSTRUCTIONS", a function's clones
# (.constprop.0, .isra.0, .cold) counted as the function.
per_function() {	# build txt
	{
		awk '$2 ~ /^[tTwW]$/ { print $1, "S", $3 }' "$1/System.map"
		awk '{ print $2, "P", $1, $3 }' "$2"
	} | sort -k1,1 -k2,2r | awk '
		$2 == "S" { f = $3; sub(/\..*/, "", f); next }
		{ n[$3 " " (f == "" ? "?" : f)] += $4 }
		END { for (k in n) print k, n[k] }'
}

# Per kernel: "FUNCTION SIGNATURE" for the functions named in $2, and
# "CALLEE FUNCTION CALLER" for the functions restrack's code calls (a
# spinlock's call is restrack's cost, though its code did not change, in
# a window where a restrack function that calls it ran).  The
# signature is the function's instructions without their addresses, offsets,
# constants, register numbers and padding (a field that moved inside a
# structure is the same code).  No {n,} in the regular expressions: mawk.
signatures() {	# build functions-file
	"${CROSS}objdump" -d --no-show-raw-insn "$1/vmlinux" | awk -v want="$2" '
		BEGIN { while ((getline l < want) > 0) w[l] = 1 }
		/^[0-9a-f]+ <.*>:$/ {
			f = $2; gsub(/[<>:]/, "", f); sub(/\..*/, "", f)
			cur = (f in w) ? f : ""
			next
		}
		cur ~ /restrack/ && /<[^+>]*>$/ {
			# a function restrack calls (or jumps to): its cost too
			t = $0; sub(/.*</, "", t); sub(/>$/, "", t); sub(/\..*/, "", t)
			if (t !~ /restrack/)
				callee[t " " cur] = 1
		}
		cur != "" && /^ *[0-9a-f]+:\t/ {
			sub(/^ *[0-9a-f]+:\t/, "")
			sub(/ *<.*>$/, ""); sub(/ *#.*$/, "")
			if ($0 ~ /nop|int3|data16|^udf/)
				next	# padding
			gsub(/(0x)?[0-9a-f][0-9a-f][0-9a-f][0-9a-f]+/, "A")
			gsub(/0x[0-9a-f]+/, "N"); gsub(/[0-9]+/, "N")
			sig[cur] = sig[cur] ";" $0
		}
		END {
			for (f in sig) print f, length(sig[f]) ":" sig[f]
			for (f in callee) print "CALLEE", f
		}'
}

per_function "$pristine" "$dir/profile-pristine.txt" > "$dir/profile-pristine.fn"
per_function "$patched" "$dir/profile-patched.txt" > "$dir/profile-patched.fn"
cat "$dir"/profile-*.fn | awk '{ print $2 }' | sort -u > "$dir/profile.functions"
signatures "$pristine" "$dir/profile.functions" > "$dir/profile-pristine.sig"
signatures "$patched" "$dir/profile.functions" > "$dir/profile-patched.sig"

# The windows, in order: "bench: profile window W CONFIG LOOP ITERATIONS".
sed -n 's/^bench: profile window //p' "$dir/profile-patched.log" > "$dir/profile.windows"
cmp -s "$dir/profile.windows" \
	<(sed -n 's/^bench: profile window //p' "$dir/profile-pristine.log") ||
	die "the two profile boots ran different windows"

awk -v md="$dir/profile.md" '
	# Did a restrack function that calls f run in window w?
	function called(f, w,   c, n, i) {
		n = split(callers[f], c, " ")
		for (i = 1; i <= n; i++)
			if (b[w, c[i]] > 0)
				return 1
		return 0
	}
	FILENAME ~ /windows$/ { cfg[$1] = $2; loop[$1] = $3; it[$1] = $4; nw = $1 + 1; next }
	FILENAME ~ /pristine.sig$/ { s0[$1] = $2; next }
	FILENAME ~ /patched.sig$/ && $1 == "CALLEE" { callers[$2] = callers[$2] " " $3; next }
	FILENAME ~ /patched.sig$/ { s1[$1] = $2; next }
	FILENAME ~ /pristine.fn$/ { a[$1, $2] += $3; fn[$1, $2] = 1; next }
	FILENAME ~ /patched.fn$/ { b[$1, $2] += $3; fn[$1, $2] = 1; next }
	END {
		print "Instructions per iteration by function, patched minus unpatched (changed: code the patch changed, other: unchanged code)\n" > md
		for (w = 0; w < nw; w++) {
			ch = 0; ot = 0; list = ""
			for (k in fn) {
				split(k, p, SUBSEP)
				if (p[1] != w) continue
				f = p[2]; d = (b[k] - a[k]) / it[w]
				# a function in one kernel only (inlined in the other)
				# changed; one objdump names by an alias in both (memset)
				# cannot be told apart: counted as unchanged
				changed = f ~ /restrack/ || called(f, w) || ((f in s0) != (f in s1)) ||
					((f in s0) && s0[f] != s1[f])
				if (changed) ch += d; else ot += d
				if (d >= 0.5 || d <= -0.5)
					list = list sprintf("%s%s %+.1f", list == "" ? "" : ", ", f (changed ? "" : " (other)"), d)
			}
			printf "profile %s %s %.1f %.1f\n", cfg[w], loop[w], ch, ot
			printf "- %s %s: changed %+.1f, other %+.1f: %s\n", loop[w], cfg[w], ch, ot, list > md
		}
	}' "$dir/profile.windows" "$dir/profile-pristine.sig" "$dir/profile-patched.sig" \
	"$dir/profile-pristine.fn" "$dir/profile-patched.fn"

# The windows only the patched kernel has ("bench: profile extra W CONFIG
# LOOP ITERATIONS NS": the system calls, NS guest ns an iteration): where an
# iteration's instructions go, the functions of 500 or more in profile.md,
# and "extra LOOP INSTRUCTIONS RESTRACK'S NS" on the output.
sed -n 's/^bench: profile extra //p' "$dir/profile-patched.log" |
while read -r w cfg loop it ns; do
	awk -v w="$w" -v it="$it" '$1 == w { printf "%.0f %s\n", $3 / it, $2 }' \
		"$dir/profile-patched.fn" | sort -rn | awk -v md="$dir/profile.md" \
		-v loop="$loop" -v cfg="$cfg" -v ns="$ns" '
		{ t += $1; if ($2 ~ /restrack/) r += $1 }
		$1 >= 500 { list = list sprintf("%s%s %d", list == "" ? "" : ", ", $2, $1) }
		END {
			printf "extra %s %d %d %d\n", loop, t, r, ns
			printf "- %s %s, patched kernel only: %d instructions (%d guest ns), %d in restrack functions: %s\n", loop, cfg, t, ns, r, list >> md
		}'
done
