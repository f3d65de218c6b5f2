# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# The doctor's output: one line per check, problems with indented details.
# Reads QUIET, counts PROBLEMS (both set by scripts/doctor.sh). Named
# doctor_*: its own format, not the test suite's result lines (ok, skip...
# of tests/lib/ktap.sh).

# doctor_ok WHAT: a check that passed.
doctor_ok() {
	[ "$QUIET" = 1 ] || printf 'doctor: ok   %s\n' "$1"
}

# doctor_skip WHAT: a check that could not apply here, and why.
doctor_skip() {
	[ "$QUIET" = 1 ] || printf 'doctor: skip %s\n' "$1"
}

# doctor_problem SUMMARY [DETAIL...]: details are indented under the
# summary; the last ones are usually "fix: ...".
doctor_problem() {
	PROBLEMS=$((PROBLEMS + 1))
	printf 'doctor: PROBLEM %s\n' "$1"
	shift
	local line
	for line in "$@"; do
		printf '  %s\n' "$line"
	done
}
