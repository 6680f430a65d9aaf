#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the patched kernel of LINE for ARCH, out of tree, with ccache.
# The config is tinyconfig plus the fragments of the variant BUILD_TAG
# names in tests/config/variants (the test kernel without it), in a build
# directory of its own; the build fails if a requested symbol did not
# stick.  RESTRACK_FRAGMENTS="f…" gives the extra fragments instead of the
# table (make bench's variants).
# BUILD_TAG=pristine[-…] builds the unpatched tree of the line instead, with
# the same fragments minus the restrack symbols: the baseline of make bench.
# That tree is only read (O=), never synced, patched or built in place.
# RESTRACK_TREE=DIR builds DIR as it is instead of pristine + the patch
# (scripts/series-check.sh: the tree after each patch of the series).
# RESTRACK_BASE_CONFIG=FILE starts from FILE, a whole .config (make deb:
# the user's), instead of tinyconfig, and adds RESTRACK_FRAGMENTS only.
# Usage: scripts/build-kernel.sh LINE ARCH [make targets…]
. "$(dirname "$0")/lib.sh"
line=${1:?usage: $0 LINE ARCH}
arch=${2:?usage: $0 LINE ARCH}
shift 2
arch_setup "$arch"

# One build of a line at a time: the tree is synced to the patch and
# built under the line's lock, so another run cannot rewrite it meanwhile.
# And one kernel build on the machine at a time, whatever the line or work
# tree: two at once only slow each other down.
mkdir -p "$CACHE"
exec 9> "$CACHE/lock-$line$WS"
flock 9
build_lock
obj=$(build_dir "$line" "$arch")${BUILD_TAG:+-$BUILD_TAG}
mkdir -p "$obj"
rm -f "$obj/.restrack-kconfig"
base=${RESTRACK_BASE_CONFIG:-}
frags="$TOP/tests/config/restrack.config $TOP/tests/config/$arch.config"
if [ -n "$base" ]; then
	frags=${RESTRACK_FRAGMENTS:?RESTRACK_BASE_CONFIG needs RESTRACK_FRAGMENTS}
elif [ -n "${RESTRACK_FRAGMENTS+set}" ]; then
	frags="$frags $RESTRACK_FRAGMENTS"
else
	frags="$frags $(variant_fragments "${BUILD_TAG:-}" "$arch" | tr '\n' ' ')"
fi
case "${BUILD_TAG:-}" in
pristine*)
	tree=$(pristine_tree "$line")
	# The same configuration without the symbols the patch adds.
	grep -hv RESTRACK $frags > "$obj/pristine.config"
	frags=$obj/pristine.config
	;;
*)
	if [ -n "${RESTRACK_TREE:-}" ]; then
		tree=$RESTRACK_TREE	# a tree of the caller's (series-check.sh)
	else
		"$TOP/scripts/mkpatch.sh" "$line" >/dev/null
		tree=$("$TOP/scripts/sync-tree.sh" "$line")
	fi
	;;
esac
kmake() {
	make -C "$tree" O="$obj" ARCH="$KARCH" CROSS_COMPILE="$CROSS" \
		CC="ccache ${CROSS}gcc" HOSTCC="ccache gcc" -j"$JOBS" -s "$@"
}

# The symbols the fragments ask for, and whether .config has them: the last
# fragment that names a symbol decides it.  A symbol the line's Kconfig does
# not define (PROC_SYSCTL is gone in 7.x) is not asked for there.
kconfig_symbols() {
	[ -s "$obj/.restrack-kconfig" ] ||
		grep -rhoE --include='Kconfig*' '^[[:space:]]*(menu)?config [A-Za-z0-9_]+' "$tree" |
		awk '{ print "CONFIG_" $2 }' | sort -u > "$obj/.restrack-kconfig"
	cat "$obj/.restrack-kconfig"
}
config_missing() {
	awk -v known=<(kconfig_symbols) '
		BEGIN { while ((getline s < known) > 0) have[s] = 1 }
		/^CONFIG_[A-Za-z0-9_]+=/ { sym = $0; sub(/=.*/, "", sym); if (sym in have) want[sym] = $0 }
		/^# CONFIG_[A-Za-z0-9_]+ is not set/ { if ($2 in have) want[$2] = "n" }
		END { for (s in want) print s, want[s] }' $frags |
	while read -r sym val; do
		if [ "$val" = n ]; then
			grep -q "^$sym=" "$obj/.config" && echo "$sym=n"
		else
			grep -qx "$val" "$obj/.config" || echo "$val"
		fi
	done | tr '\n' ' '
}

# Regenerate .config when a fragment changed, or when it lost a symbol
# (kbuild's syncconfig drops symbols a Kconfig file no longer defines).
sum=$(cat $base $frags | sha1sum | cut -c1-40)
if [ ! -f "$obj/.config" ] || [ "$(cat "$obj/.restrack-config" 2>/dev/null)" != "$sum" ] ||
   [ -n "$(config_missing)" ]; then
	say "configuring $line/$arch${BUILD_TAG:+ ($BUILD_TAG)}"
	if [ -n "$base" ]; then
		cp "$base" "$obj/.config"
	else
		kmake tinyconfig >/dev/null
	fi
	(cd "$tree" && ARCH=$KARCH CROSS_COMPILE=$CROSS \
		scripts/kconfig/merge_config.sh -m -O "$obj" "$obj/.config" $frags >/dev/null)
	kmake olddefconfig >/dev/null
	missing=$(config_missing)
	[ -z "$missing" ] || die "config symbols did not stick for $line/$arch:$missing"
	echo "$sum" > "$obj/.restrack-config"
fi

say "building $line/$arch${BUILD_TAG:+ ($BUILD_TAG)} in $obj"
if [ $# -gt 0 ]; then
	kmake "$@"
else
	kmake "$(basename "$KIMAGE")" headers
	missing=$(config_missing)
	[ -z "$missing" ] || die "the build changed .config of $line/$arch:$missing"
	# What was built is pristine + patch: nothing rewrote the tree meanwhile.
	[ -n "${RESTRACK_TREE:-}" ] ||
		"$TOP/scripts/sync-tree.sh" --verify "$line" >/dev/null
	echo "$obj/$KIMAGE"
fi
