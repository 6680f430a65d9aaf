#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Keep the build source tree of LINE equal to pristine + out/restrack-LINE.patch
# while rewriting only the files whose content changes, so that kbuild
# rebuilds no more than it must.  The tree is a hard-linked copy of the
# pristine one; files are replaced by rename, never written in place.
# With --verify, change nothing: fail, naming the files, unless the tree
# equals pristine + the patch it was synced to (scripts/build-kernel.sh
# checks that after a build: nothing may have rewritten the tree under it).
# Usage: scripts/sync-tree.sh [--verify] LINE   (prints the tree's path)
. "$(dirname "$0")/lib.sh"
verify=
if [ "${1:-}" = --verify ]; then
	verify=1
	shift
fi
line=${1:?usage: $0 [--verify] LINE}
src=$(pristine_tree "$line")
patch=$OUT/restrack-$line.patch
tree=$(tree_dir "$line")
# --verify checks against the patch the tree was synced to (a copy kept in
# the tree): out/ may hold a newer one meanwhile (make patch).
[ -n "$verify" ] && [ -f "$tree/.restrack-patch" ] && patch=$tree/.restrack-patch
[ -f "$patch" ] || die "no $patch: run make patch"

if [ -n "$verify" ] && [ "$(cat "$tree/.restrack-base" 2>/dev/null)" != "$src" ]; then
	die "$tree is not a copy of $src"
fi
# put FILE: write FILE anew from stdin (rename), never through a hard link
# that a copy of the tree or the pristine tree may share.
put() {
	local tmp
	tmp=$(mktemp "$1.restrack-XXXXXX")
	cat > "$tmp"
	mv -f "$tmp" "$1"
}
# log TEXT: what this sync did, and who asked
log() {
	echo "$(date +%T.%N) $$ $*" >> "$tree/.restrack-sync.log"
}
if [ ! -f "$tree/.restrack-base" ] || [ "$(cat "$tree/.restrack-base")" != "$src" ]; then
	say "copying $src to $tree" >&2
	rm -rf "$tree"
	mkdir -p "$(dirname "$tree")"
	cp -al "$src" "$tree"
	rm -f "$tree/.restrack-files" "$tree/.restrack-base" "$tree/.restrack-sync.log"
	put "$tree/.restrack-base" <<< "$src"
	log "copied $src"
fi

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
files=$(sed -n 's|^+++ b/||p' "$patch" | sort -u)
declare -A in_patch
for f in $files; do
	in_patch[$f]=1
done
[ -n "$verify" ] ||
	log "sync to $patch ($(echo "$files" | wc -l) files, $(md5sum < "$patch" | cut -c1-12)) for $(tr '\0' ' ' < /proc/$PPID/cmdline)"
for f in $files; do
	if [ -f "$src/$f" ]; then
		mkdir -p "$stage/$(dirname "$f")"
		cp "$src/$f" "$stage/$f"
	fi
done
patch -s -p1 -d "$stage" --no-backup-if-mismatch < "$patch" >&2 ||
	die "$patch does not apply to $src"

differ=
replace() {	# replace FROM TO: atomically, breaking any hard link
	if [ -n "$verify" ]; then
		differ="$differ ${2#"$tree"/}"
		return
	fi
	log "${2#"$tree"/} <- $1"
	mkdir -p "$(dirname "$2")"
	put "$2" < "$1"
	chmod --reference="$1" "$2"
}
for f in $files; do
	cmp -s "$stage/$f" "$tree/$f" || replace "$stage/$f" "$tree/$f"
done
# Files a previous patch touched and this one does not: back to pristine.
if [ -f "$tree/.restrack-files" ]; then
	for f in $(cat "$tree/.restrack-files"); do
		[ -n "${in_patch[$f]:-}" ] && continue
		if [ -f "$src/$f" ]; then
			cmp -s "$src/$f" "$tree/$f" || replace "$src/$f" "$tree/$f"
		elif [ -n "$verify" ]; then
			[ ! -e "$tree/$f" ] || differ="$differ $f"
		elif [ -e "$tree/$f" ]; then
			log "$f removed"
			rm -f "$tree/$f"
		fi
	done
fi
if [ -n "$verify" ]; then
	[ -z "$differ" ] || die "$tree no longer matches $patch:$differ"
	echo "$tree"
	exit 0
fi
put "$tree/.restrack-files" <<< "$files"
put "$tree/.restrack-patch" < "$patch"
echo "$tree"
