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

# show_summary REPORT: one line per module that was loaded (it has log
# lines), "[L] NAME" with its results (those named "[L] NAME: ..." or
# "[L] NAME /dev/...: ...") and how many lines it logged.
show_summary() {
	awk '
	function key(text) {
		sub(/ # .*/, "", text)
		if (text ~ /^\[[^]]*\] /) {
			label = substr(text, 1, index(text, "] "))
			text = substr(text, length(label) + 2)
		} else
			label = ""
		split(text, word, /[: ]/)
		return (label == "" ? "" : label " ") word[1]
	}
	/^# .* log: / {
		k = key(substr($0, 3, index($0, " log: ") - 3))
		if (!(k in lines))
			order[n++] = k
		lines[k]++
		next
	}
	/^(not )?ok [0-9]+ - / {
		k = key(substr($0, index($0, " - ") + 3))
		if ($1 == "not") failed[k]++
		else if ($0 ~ / # SKIP/) skipped[k]++
		else passed[k]++
	}
	END {
		if (n) print "Summary:"
		for (i = 0; i < n; i++) {
			k = order[i]
			printf "  %-24s %d passed, %d failed%s, %d lines logged\n", k,
				passed[k], failed[k], skipped[k] ? ", " skipped[k] " skipped" : "", lines[k]
		}
	}' "$1"
}

status=0
ktap_report "$labelled" >"$report" || status=$?
if [ "$SHOW" -eq 1 ]; then
	# "# [L] NAME log: LINE" -> "  [L] NAME.ko  LINE": the lines each
	# module logged itself (tests/guest/lib.sh keeps the kernel's other
	# lines of the same moments apart, as "NAME meanwhile:").
	sed -n 's/^# \(.*\) log: /  \1.ko  /p' "$report"
	grep -E '^not ok |^# .*VM run: ' "$report" || true
	show_summary "$report"
	tail -n 1 "$report"
else
	cat "$report"
fi
exit "$status"
