#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Regenerate patches/LINE/ from a development tree made by scripts/devtree.sh,
# after editing hooks there.  Usage: scripts/refresh-patches.sh LINE
. "$(dirname "$0")/lib.sh"
line=${1:?usage: $0 LINE}
dev=$CACHE/dev/$line
[ -d "$dev/.git" ] || die "no $dev: run scripts/devtree.sh $line first"
dst=$TOP/patches/$line
rm -f "$dst"/*.patch
mkdir -p "$dst"
cd "$dev"
gen() {
	local name=$1; shift
	git diff --no-color -- "$@" > "$dst/$name"
	[ -s "$dst/$name" ] || rm -f "$dst/$name"
}
# Shared by every line: one line of context and no blob ids, so that it
# applies to each (make check applies it to all of them).
git diff --no-color -U1 -- init/Kconfig kernel/cgroup/Makefile \
	include/linux/cgroup_subsys.h MAINTAINERS | grep -v '^index ' \
	> "$TOP/patches/common/0001-cgroup-register-restrack.patch"
gen 0002-mm-restrack-heap-hooks.patch include/linux/mm_types.h mm kernel/fork.c \
	kernel/exit.c fs/exec.c
gen 0003-fs-restrack-fd-hooks.patch include/linux/fdtable.h fs/file.c
gen 0004-restrack-syscalls.patch arch include/uapi include/linux/syscalls.h \
	kernel/sys_ni.c scripts/syscall.tbl fs/proc
# Anything else the tree changed must land in a named patch above.
left=$(git status --porcelain --untracked-files=no | awk '{print $2}' | while read -r f; do
	grep -qs "^+++ b/$f\$" "$dst"/*.patch "$TOP"/patches/common/*.patch || echo "$f"; done)
[ -z "$left" ] || die "changes not captured in patches/$line: $left"
ls "$dst"
