#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The report of a run: the result lines of each FILE (host suites, VM
# runs), labelled, numbered into KTAP (tests/lib/ktap.sh), and the totals.
#
#   tests/ktap-report.sh [--show] FILE[:LABEL]...
#
#   FILE[:LABEL]  result lines; with LABEL ("6.12", "6.12 headers"), each
#                 name is printed as "[LABEL] NAME"
#   --show        for make run: each module's kernel log and the failures
#                 only, then the same totals line
#
# The last line is "N passed, N failed[, N skipped]"; the exit status is 1
# when anything failed (or nothing ran).
set -eu
WS_TAG=report
# shellcheck source=scripts/lib.sh
. "$WS/scripts/lib.sh"

SHOW=0
if [ "${1:-}" = --show ]; then
	SHOW=1
	shift
fi
[ $# -gt 0 ] || die "usage: $0 [--show] FILE[:LABEL]..."

labelled=$(mktemp)
report=$(mktemp)
trap 'rm -f "$labelled" "$report"' EXIT
for arg in "$@"; do
	file=${arg%%:*}
	label=
	[ "$arg" = "$file" ] || label=${arg#*:}
	if [ -f "$file" ]; then
		ktap_label "$file" "$label" >>"$labelled"
	else
		echo "not ok ${label:+[$label] }results: $file exists # missing" >>"$labelled"
	fi
done

status=0
ktap_report "$labelled" >"$report" || status=$?
if [ "$SHOW" -eq 1 ]; then
	# "# [L] NAME log: LINE" -> "  [L] NAME.ko  LINE"
	sed -n 's/^# \(.*\) log: /  \1.ko  /p' "$report"
	grep -E '^not ok |^# .*VM run: ' "$report" || true
	tail -n 1 "$report"
else
	cat "$report"
fi
exit "$status"
