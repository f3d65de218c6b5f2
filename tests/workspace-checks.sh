#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host checks of make check that do not depend on the kernel generation, run
# once: the host unit tests of the test programs' pure parts, and shellcheck
# on every shell script. Prints result lines (tests/lib/ktap.sh). Run
# through the top-level Makefile (make check).
set -eu
WS_TAG=workspace
# shellcheck source=scripts/lib.sh
. "$WS/scripts/lib.sh"

LOG_DIR=$BUILD_DIR/logs
mkdir -p "$LOG_DIR"

# The host unit tests of the test programs' pure parts (the fuzzer's model,
# its RNG, the ioctl encoding, the benchmark's statistics...): each test
# folder's build.sh (and tests/bench/build.sh)
# --unit-tests, built by the rustc that builds the programs; one result
# line per #[test].
for build in "$WS"/tests/modules/*/build.sh "$WS"/tests/tools/*/build.sh \
	"$WS"/tests/bench/build.sh; do
	[ -x "$build" ] || continue
	rel=$(dirname "${build#"$WS"/}")
	work=$BUILD_DIR/unit-tests/$(basename "$rel")
	log=$LOG_DIR/unit-tests-$(basename "$rel").log
	rm -f "$work/unit-tests"
	if ! BINDGEN=$WS_PROGRAMS_BINDGEN RUSTC=$WS_PROGRAMS_RUSTC \
		LIBCLANG_PATH=$WS_PROGRAMS_LIBCLANG_PATH "$build" --unit-tests "$work" >"$log" 2>&1; then
		not_ok "unit tests: $rel build with rustc --test" "see $log"
		grep -E '^(error|warning)' "$log" | head -n 5 | diag_lines
		continue
	fi
	ok "unit tests: $rel build with rustc --test"
	status=0
	"$work/unit-tests" --test-threads 1 >"$log" 2>&1 || status=$?
	ran=0
	while read -r _ test _ outcome; do
		ran=$((ran + 1))
		case "$outcome" in
		ok) ok "unit test: $rel: $test" ;;
		ignored) skip "unit test: $rel: $test" "#[ignore]" ;;
		*) not_ok "unit test: $rel: $test" "$outcome, see $log" ;;
		esac
	done < <(grep -E '^test .* \.\.\. ' "$log")
	if [ "$status" -ne 0 ] || [ "$ran" -eq 0 ]; then
		not_ok "unit tests: $rel all ran and passed" "exit status $status, $ran tests; see $log"
	fi
done

mapfile -t scripts < <(cd "$WS" && grep -rlE '^#!/bin/(ba)?sh|shellcheck shell=(ba)?sh' \
	.ci scripts tests kernels | sort)
if out=$(cd "$WS" && shellcheck -x "${scripts[@]}" 2>&1); then
	ok "shellcheck: ${#scripts[@]} shell scripts are clean"
else
	not_ok "shellcheck: ${#scripts[@]} shell scripts are clean" "see shellcheck output below"
	echo "$out" | grep -E '^In ' | head -n 5 | sed 's/^/  /' | diag_lines
fi
