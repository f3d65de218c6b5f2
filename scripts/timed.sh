#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Run a command and record its wall time and CPU time as a part of make
# check (the table at the end of its report, see part_time in
# scripts/lib.sh).
#
#   scripts/timed.sh NAME COMMAND [ARG...]
#
# Exits with COMMAND's status; records nothing when WS_TIMES is not set.
set -eu
# shellcheck source=scripts/lib.sh
. "$WS/scripts/lib.sh"

[ $# -ge 2 ] || die "usage: $0 NAME COMMAND [ARG...]"
name=$1
shift
t0=$(now)
rc=0
"$@" || rc=$?
[ -n "${WS_TIMES:-}" ] || exit "$rc"
# The CPU time of the command and of every process it waited for: this
# shell's children's user and system time, the second line of `times`
# ("0m12.34s 0m5.67s"; written to a file: in a subshell, $(times) would
# count the subshell's children, none).
tf=$(mktemp)
times >"$tf"
cpu=$(awk 'NR == 2 {
	for (i = 1; i <= 2; i++) { split($i, t, "m"); sub(/s$/, "", t[2]); s += t[1] * 60 + t[2] }
	printf "%d\n", s + 0.5
}' "$tf")
rm -f "$tf"
part_time "$name" "$t0" "$cpu"
exit "$rc"
