#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host checks of make check that do not depend on the kernel generation, run
# once: the host unit tests of the test programs' pure parts, rustfmt on
# them, shellcheck on every shell script, the report's format, the module
# folders against the top-level Kbuild's list, and the README's commands
# and links (tests/readme-commands.sh). Prints result lines
# (tests/lib/ktap.sh). Run through the top-level Makefile (make check).
set -eu
WS_TAG=workspace
# shellcheck source=scripts/lib.sh
. "$WS/scripts/lib.sh"

LOG_DIR=$BUILD_DIR/logs
mkdir -p "$LOG_DIR"

# run_unit_tests REL BINARY LOG [PROGRAM]: one result line per #[test] of
# BINARY, the host unit tests of the folder REL (of its program PROGRAM
# when it has several).
run_unit_tests() {
	name=$1${4:+ ($4)}
	status=0
	"$2" --test-threads 1 >"$3" 2>&1 || status=$?
	ran=0
	while read -r _ test _ outcome; do
		ran=$((ran + 1))
		case "$outcome" in
		ok) ok "unit test: $name: $test" ;;
		ignored) skip "unit test: $name: $test" "#[ignore]" ;;
		*) not_ok "unit test: $name: $test" "$outcome, see $3" ;;
		esac
	done < <(grep -E '^test .* \.\.\. ' "$3")
	if [ "$status" -ne 0 ] || [ "$ran" -eq 0 ]; then
		not_ok "unit tests: $name all ran and passed" "exit status $status, $ran tests; see $3"
	fi
}

# The host unit tests of the test programs' pure parts (the fuzzer's model,
# its RNG, the ioctl encoding, the benchmark's statistics...): each test
# folder's build.sh (and tests/bench/build.sh)
# --unit-tests, built by the rustc that builds the programs into
# WORK/unit-tests (WORK/unit-tests-PROGRAM for a folder of several
# programs); one result line per #[test].
for build in $(modules_program_builds) "$WS"/tests/bench/build.sh; do
	rel=$(dirname "${build#"$WS"/}")
	work=$BUILD_DIR/unit-tests/$(basename "$rel")
	log=$LOG_DIR/unit-tests-$(basename "$rel").log
	rm -f "$work"/unit-tests*
	if ! BINDGEN=$WS_PROGRAMS_BINDGEN RUSTC=$WS_PROGRAMS_RUSTC \
		LIBCLANG_PATH=$WS_PROGRAMS_LIBCLANG_PATH "$build" --unit-tests "$work" >"$log" 2>&1; then
		not_ok "unit tests: $rel build with rustc --test" "see $log"
		grep -E '^(error|warning)' "$log" | head -n 5 | diag_lines
		continue
	fi
	ok "unit tests: $rel build with rustc --test"
	for bin in "$work"/unit-tests*; do
		program=${bin##*/unit-tests}
		program=${program#-}
		run_unit_tests "$rel" "$bin" "$LOG_DIR/unit-tests-$(basename "$rel")${program:+-$program}.log" "$program"
	done
done

# rustfmt on the userspace programs (every .rs under tests/; modules of a
# crate root are checked from it and on their own alike), with the rustfmt
# of the compiler that builds them and the kernel's .rustfmt.toml.
rustfmt=$(dirname "$WS_PROGRAMS_RUSTC")/rustfmt
mapfile -t programs < <(find "$WS/tests" -name '*.rs' | sort)
if out=$("$rustfmt" --check --config-path "$DEFAULT_KDIR/.rustfmt.toml" "${programs[@]}" 2>&1); then
	ok "rustfmt: the test programs follow the kernel's .rustfmt.toml"
else
	not_ok "rustfmt: the test programs follow the kernel's .rustfmt.toml" \
		"run: $rustfmt --config-path $DEFAULT_KDIR/.rustfmt.toml FILES"
	echo "$out" | grep -E '^(Diff in|error)' | head -n 5 | sed 's/^/  /' | diag_lines
fi

mapfile -t scripts < <(cd "$WS" && grep -rlE '^#!/bin/(ba)?sh|shellcheck shell=(ba)?sh' \
	.ci scripts tests kernels | sort)
# Again only the scripts that changed since they passed (with what they
# source): tests/lib/shellcheck-changed.sh.
if out=$(cd "$WS" && tests/lib/shellcheck-changed.sh "$BUILD_DIR/shellcheck/passed.list" \
	"${scripts[@]}" 2>&1); then
	ok "shellcheck: ${#scripts[@]} shell scripts are clean"
	echo "$out" | sed -n 's/^checked \(.*\)/shellcheck: checked \1, the others unchanged since they passed/p' |
		diag_lines
else
	not_ok "shellcheck: ${#scripts[@]} shell scripts are clean" "see shellcheck output below"
	echo "$out" | grep -E '^In ' | head -n 5 | sed 's/^/  /' | diag_lines
fi

# make run's view of a run (tests/ktap-report.sh --show): each module's own
# log lines, not what else the kernel logged meanwhile, the failures, then
# one summary line per module and the totals.
sample=$(mktemp)
cat >"$sample" <<'SAMPLE'
ok m: insmod
# m log: m: Hello
# m meanwhile: clocksource: Switched to clocksource tsc
not ok m: read returns 0 # got -14
ok m /dev/m: open
ok n: insmod
# n log: n: Bye
end
SAMPLE
status=0
out=$("$WS/tests/ktap-report.sh" --show "$sample:L" 2>&1) || status=$?
rm -f "$sample"
show_has() { printf '%s\n' "$out" | grep -qE "$1"; }
if [ "$status" -eq 1 ] && show_has '^  \[L\] m\.ko  m: Hello$' && ! show_has clocksource &&
	show_has '^not ok [0-9]+ - \[L\] m: read returns 0 # got -14$' &&
	show_has '^  \[L\] m +2 passed, 1 failed, 1 lines logged$' &&
	show_has '^  \[L\] n +1 passed, 0 failed, 1 lines logged$' &&
	[ "$(printf '%s\n' "$out" | tail -n 1)" = "3 passed, 1 failed" ]; then
	ok "make run's view: module lines only, failures, a summary per module, totals"
else
	not_ok "make run's view: module lines only, failures, a summary per module, totals" \
		"exit status $status (1 expected); it printed:"
	printf '%s\n' "$out" | diag_lines
fi

# make check's table of times (part_time, scripts/timed.sh, and
# tests/ktap-report.sh --times): each part recorded with its seconds of
# wall and CPU time (part one runs a child process until it has used 1.5 s
# of CPU, by its own /proc/PID/stat: its CPU time counts; a loop for 2 s
# of wall time got less than 1 s of CPU beside the rest of make check),
# the whole run's with its CPU time, the table before the closing lines,
# which stay last.
tdir=$(mktemp -d)
printf 'ok a\nnot ok b # broken\n' >"$tdir/results"
status=0
# shellcheck disable=SC2016 # for the inner bash
WS_TIMES=$tdir/times "$WS/scripts/timed.sh" "part one" \
	bash -c 'while read -r -a stat </proc/$$/stat && [ $((stat[13] + stat[14])) -lt 150 ]; do :; done' ||
	status=$?
WS_TIMES=$tdir/times "$WS/scripts/timed.sh" "part two" false || status=$((status + $?))
echo $(($(now) - 90)) >"$tdir/times.t0"
echo 180 >"$tdir/times.cpu"
out=$("$WS/tests/ktap-report.sh" --times "$tdir/times" "$tdir/results" 2>&1) || true
rm -rf "$tdir"
name="make check's table of times: each part with its CPU time, the whole run, then the totals last"
if [ "$status" -eq 1 ] && printf '%s\n' "$out" | grep -qE '^# +[1-9][0-9]* s  part one \([1-9][0-9]* s of CPU\)$' &&
	printf '%s\n' "$out" | grep -qE '^# +[0-9]+ s  part two \(0 s of CPU\)$' &&
	printf '%s\n' "$out" | grep -qE '^# +9[0-9] s  the whole run \(1 min 3[0-9] s; 180 s of CPU, [0-9]+% of [0-9]+ cores\)$' &&
	[ "$(printf '%s\n' "$out" | tail -n 1)" = "1 passed, 1 failed" ]; then
	ok "$name"
else
	not_ok "$name" "timed.sh statuses $status (1 expected: false's); the report:"
	printf '%s\n' "$out" | diag_lines
fi

# make check's report (tests/ktap-report.sh): KTAP numbering, the parts'
# times, kselftest's totals line, then the closing line that CI reads,
# always the last.
sample=$(mktemp)
printf '%s\n' 'ok a' 'not ok b # why' 'ok c # SKIP why' '# note' >"$sample"
printf '3\tpart a\n' >"$sample.times"
status=0
out=$("$WS/tests/ktap-report.sh" --times "$sample.times" "$sample:L" 2>&1) || status=$?
rm -f "$sample" "$sample.times"
expected='KTAP version 1
1..3
ok 1 - [L] a
not ok 2 - [L] b # why
ok 3 - [L] c # SKIP why
# [L] note
# Wall time of each part, longest first (parts that ran side by side overlap):
#      3 s  part a
# Totals: pass:1 fail:1 skip:1
1 passed, 1 failed, 1 skipped'
result "report: KTAP numbering, the times, '# Totals: pass:N fail:N skip:N', then 'N passed, N failed, N skipped' last" \
	"exit status $status (1 expected); it printed: $(printf '%s' "$out" | tr '\n' '|')" \
	test "$status" -eq 1 -a "$out" = "$expected"

# Every module folder is one the top-level Kbuild builds, and every folder
# it lists is a module folder (scripts/modules.sh: the tests find the
# modules by their folders, Kbuild builds those it lists).
folders=$(modules_in | sed 's|^|modules/|' | LC_ALL=C sort | paste -sd' ')
listed=$(modules_listed | cut -d' ' -f1 | LC_ALL=C sort -u | paste -sd' ')
result "modules: the top-level Kbuild lists every module folder ($folders)" \
	"it lists: $listed" test -n "$folders" -a "$listed" = "$folders"

# Long steps (kernel builds, cargo install, apt-get) run through
# with_progress (scripts/lib.sh): a line with the time and the log's last
# line while they run, and the command's exit status kept.
three_steps() {
	for i in 1 2 3; do
		echo "step $i"
		sleep 1
	done
	return 3
}
plog=$(mktemp)
status=0
out=$(WS_PROGRESS_EVERY=1 WS_TAG=t with_progress "$plog" three_steps) || status=$?
if [ "$status" -eq 3 ] && printf '%s\n' "$out" | grep -qE '^\[t\]   \.\.\. [0-9]+ s: step [0-9]$' &&
	[ "$(head -n 1 "$plog")" = "step 1" ]; then
	ok "long steps: progress lines while the command runs, its exit status kept"
else
	not_ok "long steps: progress lines while the command runs, its exit status kept" \
		"exit status $status (3 expected); it printed:"
	printf '%s\n' "$out" | diag_lines
fi
rm -f "$plog"

# The README's commands, run or listed as not run, and the links of the
# README and docs/ (tests/readme-commands.sh).
"$WS/tests/readme-commands.sh"
