#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The report of a run: the result lines of each FILE (host suites, VM
# runs), labelled, numbered into KTAP (tests/lib/ktap.sh), and the totals.
#
#   tests/ktap-report.sh [--show] [--times FILE] FILE[:LABEL]...
#
#   FILE[:LABEL]  result lines; with LABEL ("6.12", "6.12 headers"), each
#                 name is printed as "[LABEL] NAME"
#   --show        for make run: each module's kernel log and the failures
#                 only, then the same totals line
#   --times FILE  the wall time of each part of the run, as part_time
#                 (scripts/lib.sh) recorded them in FILE ("SECONDS<tab>NAME
#                 [<tab>CPU SECONDS]" lines; FILE.t0, when there, holds the
#                 run's start, FILE.cpu the CPU seconds of all of it), as
#                 diagnostic lines before the totals
#
# The last two lines are kselftest's "# Totals: pass:N fail:N skip:N" and
# "N passed, N failed[, N skipped]", always the last (CI reads it); the exit
# status is 1 when anything failed (or nothing ran).
set -eu
WS_TAG=report
# shellcheck source=scripts/lib.sh
. "$WS/scripts/lib.sh"

SHOW=0
TIMES=
while [ $# -gt 0 ]; do
	case "$1" in
	--show) SHOW=1 ;;
	--times) TIMES=$2; shift ;;
	*) break ;;
	esac
	shift
done
[ $# -gt 0 ] || die "usage: $0 [--show] [--times FILE] FILE[:LABEL]..."

labelled=$(mktemp)
report=$(mktemp)
trap 'rm -f "$labelled" "$report" "$report.times"' EXIT
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

# times_table: the parts' wall times (longest first, with their CPU time
# when it was recorded) and the run's (with the CPU time of all of it when
# TIMES.cpu has it), as diagnostic lines.
times_table() {
	[ -s "$TIMES" ] || return 0
	echo "# Wall time of each part, longest first (parts that ran side by side overlap):"
	sort -t "$(printf '\t')" -k1,1nr "$TIMES" | while IFS="$(printf '\t')" read -r secs name cpu; do
		printf '# %6d s  %s%s\n' "$secs" "$name" "${cpu:+ ($cpu s of CPU)}"
	done
	if [ -f "$TIMES.t0" ]; then
		t=$(($(now) - $(cat "$TIMES.t0")))
		cpu=$(cat "$TIMES.cpu" 2>/dev/null || true)
		printf '# %6d s  the whole run (%d min %d s%s)\n' "$t" $((t / 60)) $((t % 60)) \
			"${cpu:+; $cpu s of CPU, $((cpu * 100 / (t > 0 ? t : 1) / $(nproc)))% of $(nproc) cores}"
	fi
}

status=0
ktap_report "$labelled" >"$report" || status=$?
if [ -n "$TIMES" ]; then
	# Before the closing lines (the totals), which stay last.
	closing=$(grep -cE '^(# Totals: |[0-9]+ passed, )' "$report" || true)
	{
		head -n "-$closing" "$report"
		times_table
		tail -n "$closing" "$report"
	} >"$report.times"
	mv "$report.times" "$report"
fi
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
