#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Record the source tree of a line Debian does not package, so that make
# check tests it without KSRC on every call.  The tree stays where it is and
# is never modified.  Usage: scripts/ksrc.sh LINE /path/to/tree
. "$(dirname "$0")/lib.sh"
line=${1:?usage: $0 LINE TREE}
tree=$(cd "${2:?usage: $0 LINE TREE}" && pwd)
KSRC=$tree pristine_tree "$line" >/dev/null
mkdir -p "$CACHE"
echo "$tree" > "$CACHE/ksrc-$line"
echo "$line: $tree ($(kernel_version "$tree"))"
