#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make patch: write out/restrack-LINE.patch for every line of LINES (default:
# every supported line) that has a source tree here, and say which lines
# were skipped for want of one.  Exits non-zero only if a line that has a
# tree fails.
. "$(dirname "$0")/lib.sh"
rc=0
for line in ${LINES:-$LINES_ALL}; do
	if ! has_tree "$line"; then
		echo "skipped $line: no source tree (scripts/setup.sh, or KSRC_${line//./_}=/path; see README)"
		continue
	fi
	"$TOP/scripts/mkpatch.sh" "$line" || { echo "FAILED $line" >&2; rc=1; }
done
exit $rc
