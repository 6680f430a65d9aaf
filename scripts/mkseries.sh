#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make series: write out/series-LINE/, restrack for LINE as a git
# format-patch series with a cover letter, for review on a mailing list:
#
#   1 cgroup: the controller, its headers, Kconfig and admin guide, and the
#     fields it adds to mm_struct and files_struct
#   2 mm: the heap hooks
#   3 fs: the descriptor hooks
#   4 the system calls, /proc/tracker_status and their documentation
#   5 the selftests, under tools/testing/selftests/cgroup/restrack/
#
# The messages are patches/series/*.msg (first line: the subject).  The
# files of each patch are the content out/restrack-LINE.patch gives them,
# so that the series ends where the one patch does (scripts/check.sh checks
# that, and that each patch applies and is checkpatch clean; make
# check-series builds the tree after each).  out/series-LINE/states/ keeps
# the touched files after each patch (s0 pristine .. s5) and after the one
# patch (single), for scripts/series-check.sh.
# Usage: scripts/mkseries.sh LINE
. "$(dirname "$0")/lib.sh"
line=${1:?usage: $0 LINE}
src=$(pristine_tree "$line")
"$TOP/scripts/mkpatch.sh" "$line" > /dev/null
patch=$OUT/restrack-$line.patch
dest=$OUT/series-$line
msgs=$TOP/patches/series
selftests=tools/testing/selftests/cgroup/restrack

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The final content of every file the patch touches, and the pristine one.
files=$(sed -n 's|^+++ b/||p' "$patch" | sort -u)
mkdir -p "$work/pristine" "$work/final"
stage_patched "$patch" "$src" "$work/pristine" "$work/final"

# step_of FILE: the patch of the series that brings FILE to its final
# content (kernel/cgroup/Makefile: 1 adds restrack.o, 4 restrack_syscalls.o)
step_of() {
	case "$1" in
	include/linux/mm_types.h|include/linux/fdtable.h) echo 1 ;;
	kernel/cgroup/restrack_syscalls.c|include/uapi/linux/restrack.h|\
	Documentation/userspace-api/*) echo 4 ;;
	kernel/cgroup/*|include/linux/restrack*.h|Documentation/*|\
	MAINTAINERS|init/Kconfig|include/linux/cgroup_subsys.h) echo 1 ;;
	mm/*|kernel/fork.c|kernel/exit.c|fs/exec.c) echo 2 ;;
	fs/*) echo 3 ;;
	*) echo 4 ;;	# system call tables, syscalls.h, unistd.h, sys_ni.c
	esac
}
# fork, exit and exec hand both charges over; their hooks go with the heap
# hooks, which come first (as in patches/LINE/0002).

# state K: the tree after patch K, in $work/s$K (only the touched files)
state() {
	local k=$1 d=$work/s$1 f s
	rm -rf "$d"
	mkdir -p "$d"
	for f in $files; do
		s=$(step_of "$f")
		mkdir -p "$d/$(dirname "$f")"
		if [ "$s" -le "$k" ]; then
			cp "$work/final/$f" "$d/$f"
		elif [ -f "$work/pristine/$f" ]; then
			cp "$work/pristine/$f" "$d/$f"
		fi
		if [ "$k" -ge 1 ] && [ "$k" -lt 4 ]; then
			case "$f" in
			kernel/cgroup/Makefile)
				sed -i 's/ restrack_syscalls\.o//' "$d/$f" ;;
			MAINTAINERS)	# patch 4 adds the files it adds
				sed -i -e '\|^F:\tDocumentation/userspace-api/restrack\.rst$|d' \
				       -e '\|^F:\tinclude/uapi/linux/restrack\.h$|d' "$d/$f" ;;
			esac
		fi
		if [ "$k" -ge 5 ] && [ "$f" = MAINTAINERS ]; then
			sed -i 's|^F:\tkernel/cgroup/restrack\*$|&\nF:\ttools/testing/selftests/cgroup/restrack/|' "$d/$f"
		fi
	done
	# patch 5: the selftests and the one header of system call numbers
	if [ "$k" -ge 5 ]; then
		mkdir -p "$d/$selftests"
		cp "$TOP"/tests/selftests/*.[ch] "$TOP/tools/restrack/restrack_sys.h" \
			"$TOP/tests/seeded.h" "$d/$selftests/"
		sed -i 's|#include "\.\./seeded\.h"|#include "seeded.h"|' \
			"$d/$selftests"/*.c
		cp "$msgs/selftests.Makefile" "$d/$selftests/Makefile"
		printf '/test_restrack\n/test_syscalls\n/test_restrack_stress\n/test_overcommit\n' \
			> "$d/$selftests/.gitignore"
	fi
}

# diff_states A B: the diff from state A to state B, git style
diff_states() {
	local a=$work/s$1 b=$work/s$2 f
	for f in $( (cd "$b" && find . -type f; cd "$a" && find . -type f) |
		    sed 's|^\./||' | sort -u); do
		if [ ! -f "$a/$f" ]; then
			(cd "$b" && git diff --no-index --no-color -- /dev/null "$f") || true
		elif ! cmp -s "$a/$f" "$b/$f"; then
			echo "diff --git a/$f b/$f"
			diff -up --label "a/$f" --label "b/$f" "$a/$f" "$b/$f" || true
		fi
	done
}

rm -rf "$dest"
mkdir -p "$dest"
state 0
n=5
for k in $(seq 1 $n); do
	state "$k"
	msg=$(ls "$msgs"/000"$k"-*.msg)
	name=$(basename "$msg" .msg)
	body=$work/body$k
	diff_states $((k - 1)) "$k" > "$body"
	[ -s "$body" ] || die "patch $k of the series is empty"
	{
		echo "From: restrack developers <restrack@lists.invalid>"
		echo "Subject: [PATCH $k/$n] $(head -1 "$msg")"
		echo
		tail -n +3 "$msg" | sed "s/@LINE@/$line/g"
		echo
		echo "Signed-off-by: restrack developers <restrack@lists.invalid>"
		echo "---"
		git apply --stat --summary < "$body"
		echo
		cat "$body"
		echo "-- "
		echo "restrack"
	} > "$dest/$name.patch"
done
{
	echo "From: restrack developers <restrack@lists.invalid>"
	echo "Subject: [PATCH 0/$n] $(head -1 "$msgs/0000-cover-letter.msg")"
	echo
	tail -n +3 "$msgs/0000-cover-letter.msg" | sed "s/@LINE@/$line/g"
	echo
	for k in $(seq 1 $n); do
		echo "  $k/$n $(head -1 "$(ls "$msgs"/000"$k"-*.msg)")"
	done
	echo
	cat "$work"/body[1-$n] | git apply --stat --summary
	echo
	echo "-- "
	echo "restrack"
} > "$dest/0000-cover-letter.patch"
# The states after each patch, for scripts/series-check.sh
mkdir -p "$dest/states"
for k in $(seq 0 $n); do
	mv "$work/s$k" "$dest/states/s$k"
done
mkdir -p "$dest/states/single"
cp -a "$work/final/." "$dest/states/single/"
ls "$dest"/*.patch
