#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Write out/restrack-LINE.patch: one self-contained patch against a pristine
# LINE tree, made of the edits of existing files in patches/LINE/*.patch and
# patches/common/*.patch (re-made against LINE's tree, so that its line
# numbers and context are LINE's), the
# new files of this repository (kernel/, include/, Documentation/) and the new
# files whose content depends on the line, in patches/LINE/files/ (a whole
# file, or F.diff: the edit of the shared file F for that line).
# Usage: scripts/mkpatch.sh LINE
. "$(dirname "$0")/lib.sh"
line=${1:?usage: $0 LINE}
[ -d "$TOP/patches/$line" ] || die "no patches/$line"
mkdir -p "$OUT"
out=$OUT/restrack-$line.patch
# private temporary files: two runs may write the same patch at once
tmp=$(mktemp "$out.XXXXXX")
body=$(mktemp "$out.body.XXXXXX")
trap 'rm -f "$tmp" "$body"' EXIT

cd "$TOP"
new_files=$(git ls-files --cached --others --exclude-standard -- kernel include Documentation | sort -u)

# rebase PATCH: PATCH as a diff against the pristine tree of the line.
rebase() {
	local src stage f
	src=$(pristine_tree "$line")
	stage=$(mktemp -d)
	stage_patched "$1" "$src" "$stage/a" "$stage/b"
	for f in $(sed -n 's|^+++ b/||p' "$1"); do
		echo "diff --git a/$f b/$f"
		diff -up --label "a/$f" --label "b/$f" "$stage/a/$f" "$stage/b/$f" || true
	done
	rm -rf "$stage"
}

# line_file F: new file F with patches/LINE/files/F.diff applied.
line_file() {
	local stage
	stage=$(mktemp -d)
	mkdir -p "$stage/$(dirname "$1")"
	cp "$1" "$stage/$1"
	patch -s -d "$stage/$(dirname "$1")" --no-backup-if-mismatch -p1 \
		< "$TOP/patches/$line/files/$1.diff" ||
		die "patches/$line/files/$1.diff does not apply"
	(cd "$stage" && git diff --no-index --no-color -- /dev/null "$1") || true
	rm -rf "$stage"
}

{
	# Edits first, then the new files.
	for p in $(line_patches "$line"); do
		case "$p" in
		*/patches/common/*) rebase "$p" ;;
		*) cat "$p" ;;
		esac
	done
	for f in $new_files; do
		# patches/LINE/files/F replaces F for its line, F.diff edits it
		[ -e "$TOP/patches/$line/files/$f" ] && continue
		if [ -e "$TOP/patches/$line/files/$f.diff" ]; then
			line_file "$f"
			continue
		fi
		git diff --no-index --no-color -- /dev/null "$f" || true
	done
	# New files whose content differs per line: patches/LINE/files/.
	if [ -d "$TOP/patches/$line/files" ]; then
		(cd "$TOP/patches/$line/files" && for f in $(find . -type f ! -name '*.diff' | sed 's|^\./||' | sort); do
			git diff --no-index --no-color -- /dev/null "$f" || true
		done)
	fi
} > "$body"

{
	cat <<HDR
From: restrack developers <restrack@lists.invalid>
Subject: [PATCH] cgroup: add restrack, a heap and file descriptor controller

restrack puts per-cgroup hard limits on the heap (data_vm, what
RLIMIT_DATA counts) and on the open file descriptors of processes, with
hierarchical usage, watermarks, events and a deny or kill policy.
Unlike RLIMIT_DATA and RLIMIT_NOFILE the limits cover a whole cgroup,
so they cannot be escaped by forking.

The controller lives in kernel/cgroup/restrack.c; mm/ and fs/ call one
hook each where data_vm or the open descriptor bitmap changes.  The
hooks are a static branch while no cgroup has the controller enabled.

This is the $line.y version of the series.

Signed-off-by: restrack developers <restrack@lists.invalid>
---
HDR
	git apply --stat --summary < "$body"
	echo
	cat "$body"
	echo "-- "
	echo "restrack"
} > "$tmp"
chmod 644 "$tmp"
mv "$tmp" "$out"
echo "$out"
