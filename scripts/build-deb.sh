#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make deb: Debian packages of the patched kernel of LINE for ARCH, made by
# the kernel's own bindeb-pkg (linux-image-<release> and
# linux-headers-<release>, <release> ending in -restrack), into
# out/deb-<line>-<arch>/.  The tree is pristine + the patch, built out of
# tree with ccache under the machine's build lock (scripts/build-kernel.sh,
# BUILD_TAG=deb: $CACHE/build/<line>-<arch>-deb).
#
# CONFIG=FILE is the configuration to start from (a .config, or Debian's
# compressed config.*.xz of linux-config-<line>); by default the running
# kernel's /boot/config-$(uname -r).  CONFIG_CGROUP_RESTRACK=y is added, and
# the build fails if olddefconfig did not keep it.  Key files a
# distribution's configuration names and this machine lacks
# (CONFIG_SYSTEM_TRUSTED_KEYS="debian/certs/...") are left out, as the
# Debian kernel handbook does for a custom kernel.
# CONFIG=test is the kernel of make check-install instead: tinyconfig and
# the fragments of the "install" variant (tests/config/variants),
# release <version>-restrack-test, into out/deb-<line>-<arch>-test/.
# Prints the directory of the packages.
# Usage: scripts/build-deb.sh LINE ARCH   (CONFIG in the environment)
. "$(dirname "$0")/lib.sh"
line=${1:?usage: $0 LINE ARCH}
arch=${2:?usage: $0 LINE ARCH}
arch_setup "$arch"
command -v dpkg-buildpackage >/dev/null ||
	die "no dpkg-buildpackage: apt-get install dpkg-dev debhelper (scripts/setup.sh)"
command -v dh_testdir >/dev/null ||
	die "no debhelper (bindeb-pkg needs it): apt-get install debhelper (scripts/setup.sh)"

config=${CONFIG:-/boot/config-$(uname -r)}
if [ "$config" = test ]; then
	export BUILD_TAG=install
	unset RESTRACK_BASE_CONFIG RESTRACK_FRAGMENTS
	localversion=-restrack-test
	dest=$OUT/deb-$line-$arch-test
else
	[ -f "$config" ] || die "no configuration $config: give one with CONFIG=FILE (on Debian, linux-config-$line has /usr/src/linux-config-$line/config.*.xz), or CONFIG=test for the test kernel"
	export BUILD_TAG=deb
	localversion=-restrack
	dest=$OUT/deb-$line-$arch
	obj=$(build_dir "$line" "$arch")-$BUILD_TAG
	mkdir -p "$obj"
	case "$config" in
	*.xz) xz -dc "$config" ;;
	*.gz) gzip -dc "$config" ;;
	*) cat "$config" ;;
	esac > "$obj/base.config.new"
	grep -q '^CONFIG_' "$obj/base.config.new" ||
		{ rm -f "$obj/base.config.new"; die "$config is not a kernel configuration"; }
	# Certificates a distribution builds in from its own packaging tree
	# (Debian: debian/certs/debian-uefi-certs.pem) are not here: leave
	# them out rather than fail in certs/.
	for sym in SYSTEM_TRUSTED_KEYS SYSTEM_REVOCATION_KEYS; do
		f=$(sed -n "s/^CONFIG_$sym=\"\\(.*\\)\"\$/\\1/p" "$obj/base.config.new")
		[ -n "$f" ] || continue
		case "$f" in /*) ;; *) f=$(pristine_tree "$line")/$f ;; esac
		[ -f "$f" ] && continue
		say "CONFIG_$sym names $f, which is not here: left out" >&2
		sed -i "s/^CONFIG_$sym=.*/CONFIG_$sym=\"\"/" "$obj/base.config.new"
	done
	# written only when it changed: build-kernel.sh reconfigures then
	cmp -s "$obj/base.config.new" "$obj/base.config" ||
		mv "$obj/base.config.new" "$obj/base.config"
	rm -f "$obj/base.config.new"
	printf 'CONFIG_CGROUPS=y\nCONFIG_CGROUP_RESTRACK=y\n' > "$obj/restrack-deb.config"
	export RESTRACK_BASE_CONFIG=$obj/base.config RESTRACK_FRAGMENTS=$obj/restrack-deb.config
	say "make deb $line/$arch from $config" >&2
fi
obj=$(build_dir "$line" "$arch")-$BUILD_TAG

# bindeb-pkg leaves the packages in the build directory's parent, shared
# with the other builds: they are moved out by their release's name.
t0=$(date +%s)
DEB_BUILD_OPTIONS=terse "$TOP/scripts/build-kernel.sh" "$line" "$arch" \
	LOCALVERSION="$localversion" KDEB_COMPRESS=xz bindeb-pkg >&2
krel=$(cat "$obj/include/config/kernel.release")
pkgver=$(dpkg-parsechangelog -l "$obj/debian/changelog" -S Version)
grep -qx 'CONFIG_CGROUP_RESTRACK=y' "$obj/.config" ||
	die "CONFIG_CGROUP_RESTRACK=y is not in $obj/.config"
parent=$(dirname "$obj")
ls "$parent/linux-image-${krel}_"*.deb >/dev/null 2>&1 ||
	die "bindeb-pkg made no linux-image-${krel}_*.deb in $parent"
rm -rf "$dest"
mkdir -p "$dest"
for f in "$parent/linux-image-${krel}_"*.deb "$parent/linux-image-${krel}-dbg_"*.deb \
	 "$parent/linux-headers-${krel}_"*.deb; do
	[ -f "$f" ] && mv "$f" "$dest/"
done
# linux-libc-dev would replace the distribution's headers of the C
# library: not wanted on a machine that only changes its kernel.
rm -f "$parent/linux-libc-dev_${pkgver}_"*.deb "$parent/linux-upstream_${pkgver}_"*.buildinfo \
	"$parent/linux-upstream_${pkgver}_"*.changes
echo "$krel" > "$dest/release"
say "packages of $krel in $dest ($(( $(date +%s) - t0 ))s):" >&2
(cd "$dest" && ls -s --block-size=K ./*.deb) >&2
echo "$dest"
