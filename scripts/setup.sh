#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install the Debian packages restrack's build and tests need (as root).
# linux-source-6.12 is in bookworm's security suite and in bookworm-backports;
# the backports suite is added so that either source serves.
set -euo pipefail
[ "$(id -u)" = 0 ] || { echo "setup.sh: run as root" >&2; exit 1; }

bp=/etc/apt/sources.list.d/restrack-backports.sources
if ! grep -rqs "bookworm-backports" /etc/apt/sources.list /etc/apt/sources.list.d/; then
	cat > "$bp" <<SRC
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
fi

# The arm64 guest's busybox comes from the arm64 package (mkinitramfs.sh).
added_arch=
if ! grep -qx arm64 <<< "$(dpkg --print-foreign-architectures)"; then
	dpkg --add-architecture arm64
	added_arch=1
fi

pkgs="linux-source-6.1 linux-source-6.12 build-essential bc bison flex
      libelf-dev libssl-dev cpio xz-utils kmod rsync file ccache sparse perl
      python3 busybox-static qemu-system-x86 qemu-system-arm tmux
      gcc-aarch64-linux-gnu libc6-dev-arm64-cross mmdebstrap stress-ng
      debhelper"
missing=
for p in $pkgs; do
	case "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" in
	*"ok installed") ;;
	*) missing="$missing $p" ;;
	esac
done
if [ -n "$missing" ] || [ -n "$added_arch" ]; then
	apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing
fi
# promtool (package prometheus), for the tests of restrack status
# --prometheus, which fail without it; not the server's
# recommends.
if ! command -v promtool >/dev/null; then
	apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends prometheus
fi

# linux-source-7.3 is in trixie-backports.  Fetch the package with a private
# apt configuration into the cache and unpack it there: the host's sources
# and release stay as they are.  Re-fetched when the archive has a newer
# version.
cache=${RESTRACK_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/restrack}
fetch_source() {	# fetch_source SUITE PACKAGE
	local suite=$1 pkg=$2 apt=$cache/apt-$1 ver
	local -a opt
	mkdir -p "$apt/lists/partial" "$apt/archives/partial"
	echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian $suite main" \
		> "$apt/sources.list"
	opt=(-o "Dir::Etc::SourceList=$apt/sources.list" -o Dir::Etc::SourceParts=/dev/null
	     -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt"
	     -o "Dir::Cache::Archives=$apt/archives" -o APT::Sandbox::User=root)
	apt-get "${opt[@]}" -q update >/dev/null
	ver=$(apt-cache "${opt[@]}" show "$pkg" | sed -n 's/^Version: //p' | sort -V | tail -1)
	[ -n "$ver" ] || { echo "setup.sh: no $pkg in $suite" >&2; exit 1; }
	if [ "$(cat "$cache/deb/$pkg/.version" 2>/dev/null)" != "$ver" ]; then
		(cd "$apt/archives" && rm -f ./*.deb && apt-get "${opt[@]}" -q download "$pkg=$ver")
		rm -rf "$cache/deb/$pkg"
		mkdir -p "$cache/deb/$pkg"
		dpkg-deb -x "$apt"/archives/"$pkg"_*.deb "$cache/deb/$pkg"
		rm -f "$apt"/archives/*.deb
		echo "$ver" > "$cache/deb/$pkg/.version"
	fi
}
fetch_source trixie-backports linux-source-7.3
