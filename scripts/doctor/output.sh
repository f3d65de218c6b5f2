# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The doctor's output: one line per check, problems with indented details.
# Reads QUIET, counts PROBLEMS (both set by scripts/doctor.sh).

ok() {
	[ "$QUIET" = 1 ] || printf 'doctor: ok   %s\n' "$1"
}

skip() {
	[ "$QUIET" = 1 ] || printf 'doctor: skip %s\n' "$1"
}

# problem SUMMARY [DETAIL...]: details are indented under the summary; the
# last ones are usually "fix: ...".
problem() {
	PROBLEMS=$((PROBLEMS + 1))
	printf 'doctor: PROBLEM %s\n' "$1"
	shift
	local line
	for line in "$@"; do
		printf '  %s\n' "$line"
	done
}
