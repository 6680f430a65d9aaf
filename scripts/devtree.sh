#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Make a git-versioned copy of the pristine LINE tree with patches/LINE/
# applied, to edit hooks in; scripts/refresh-patches.sh turns the edits back
# into patches/LINE/.  Never built.  Usage: scripts/devtree.sh LINE
. "$(dirname "$0")/lib.sh"
line=${1:?usage: $0 LINE}
src=$(pristine_tree "$line")
dev=$CACHE/dev/$line
if [ ! -d "$dev/.git" ]; then
	rm -rf "$dev"
	mkdir -p "$CACHE/dev"
	cp -a "$src" "$dev"
	# Debian's tarball ignores everything (/*): force-add.
	git -C "$dev" init -q
	git -C "$dev" add -f -A .
	git -C "$dev" -c user.name=restrack -c user.email=restrack@lists.invalid \
		commit -q -m pristine
fi
git -C "$dev" checkout -q -f .
for p in $(line_patches "$line"); do
	git -C "$dev" apply "$p"
done
echo "$dev"
