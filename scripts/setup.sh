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
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
	dpkg --add-architecture arm64
	added_arch=1
fi

pkgs="linux-source-6.1 linux-source-6.12 build-essential bc bison flex
      libelf-dev libssl-dev cpio xz-utils kmod rsync file ccache sparse perl
      python3 busybox-static qemu-system-x86 qemu-system-arm
      gcc-aarch64-linux-gnu libc6-dev-arm64-cross mmdebstrap"
missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ] || [ -n "$added_arch" ]; then
	apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing
fi
# promtool, for the tests of restrack status --prometheus; not the server's
# recommends.
if ! command -v promtool >/dev/null; then
	apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends prometheus
fi
