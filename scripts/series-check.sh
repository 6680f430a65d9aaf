#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Check the series of LINE (scripts/mkseries.sh): its patches apply in order
# to a pristine tree (git apply), each is checkpatch --strict clean, and
# after the first four the tree is exactly what out/restrack-LINE.patch
# makes it (the selftests of patch 5 only add files), and the selftests
# build with the line's kselftest Makefile.  make check runs this for
# every line.
# With ARCH, also build the tree after each patch (bisectable), in a tree
# and build directory of their own (make check-series LINE=… ARCH=…).
# Usage: scripts/series-check.sh LINE [ARCH]
. "$(dirname "$0")/lib.sh"
line=${1:?usage: $0 LINE [ARCH]}
arch=${2:-}
src=$(pristine_tree "$line")
dest=$OUT/series-$line
"$TOP/scripts/mkseries.sh" "$line" > /dev/null
patches=$(ls "$dest"/000[1-9]-*.patch)
n=$(echo "$patches" | wc -l)

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
cp -a "$dest/states/s0/." "$stage/"
k=0
for p in $patches; do
	k=$((k + 1))
	(cd "$stage" && git apply --whitespace=error-all "$p") || die "patch $k/$n does not apply: $p"
	diff -r "$stage" "$dest/states/s$k" > /dev/null ||
		die "after patch $k/$n the tree is not what mkseries.sh meant"
	out=$("$src/scripts/checkpatch.pl" --strict --no-tree -q "$p" 2>&1) ||
		die "checkpatch --strict, patch $k/$n: $out"
	if [ "$k" = 4 ] && ! diff -r "$stage" "$dest/states/single" > /dev/null; then
		diff -r "$stage" "$dest/states/single" | head -20
		die "after patch 4/$n the tree differs from out/restrack-$line.patch's"
	fi
done
# The selftests of the last patch build with the line's kselftest lib.mk
# and harness, as make -C tools/testing/selftests would build them (on the
# host's uapi headers: the tests carry what they need of restrack's).
st=tools/testing/selftests
mkdir -p "$stage/kst/$st/cgroup"
cp "$src/$st"/{lib.mk,kselftest.h,kselftest_harness.h} "$stage/kst/$st/"
cp -r "$stage/$st/cgroup/restrack" "$stage/kst/$st/cgroup/"
out=$(make -s -C "$stage/kst/$st/cgroup/restrack" KHDR_INCLUDES= 2>&1) ||
	die "the selftests of patch $n/$n do not build: $out"
# newer lib.mk names what it compiles even under -s
out=$(printf '%s\n' "$out" | grep -v '^ *CC ' || true)
[ -z "$out" ] || die "the selftests of patch $n/$n build with warnings: $out"
echo "series $line: $n patches apply in order, 1-$n checkpatch clean, 1-4 = out/restrack-$line.patch, the selftests build"
[ -n "$arch" ] || exit 0

# The tree after each patch: a hard-linked copy of the pristine one whose
# touched files are rewritten (never through a link) before each build.
arch_setup "$arch"
tree=$CACHE/tree/$line-series$WS
if [ "$(cat "$tree/.restrack-base" 2>/dev/null)" != "$src" ]; then
	rm -rf "$tree"
	mkdir -p "$(dirname "$tree")"
	cp -al "$src" "$tree"
	echo "$src" > "$tree/.restrack-base"
fi
for k in $(seq 1 "$n"); do
	s=$dest/states/s$k
	(cd "$dest/states/s0" && find . -type f; cd "$s" && find . -type f) |
	sed 's|^\./||' | sort -u | while read -r f; do
		rm -f "$tree/$f"
		if [ -f "$s/$f" ]; then
			mkdir -p "$tree/$(dirname "$f")"
			cp "$s/$f" "$tree/$f"
		fi
	done
	say "series $line/$arch: building after patch $k/$n"
	RESTRACK_TREE=$tree BUILD_TAG=series "$TOP/scripts/build-kernel.sh" \
		"$line" "$arch" > /dev/null || die "the tree does not build after patch $k/$n"
done
echo "series $line/$arch: the tree builds after each of the $n patches"
