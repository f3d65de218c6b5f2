#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host-side checks of `make check`, run before the VM: the modules build
# from clean with no compiler or clippy warnings, the Rust sources follow the
# kernel's rustfmt settings, the shell scripts pass shellcheck, and modinfo
# shows each module's metadata. Leaves the modules built for the VM.
#
# Prints result lines (tests/lib/ktap.sh: ok NAME / not ok NAME # WHY /
# # DIAGNOSTIC); tests/ktap-report.sh labels and numbers them into KTAP.
# Run through the top-level Makefile (make check).
set -eu
WS_TAG=host
# shellcheck source=scripts/lib.sh
. "$WS/scripts/lib.sh"

KDIR=$DEFAULT_KDIR
LOG_DIR=$BUILD_DIR/logs/$KERNEL
mkdir -p "$LOG_DIR"


# A compiler diagnostic: rustc's and clippy's "warning: ..." or
# "warning[E0...]: ..." lines, clang's "file:line:col: warning: ...".
DIAGNOSTIC='(^|: )(warning|error)(\[[^]]*\])?: '

# build_check NAME LOG [MAKE ARGS...]: a clean build without diagnostics.
build_check() {
	local name=$1 log=$2
	shift 2
	make -s -C "$WS" KDIR="$KDIR" clean >/dev/null 2>&1 || true
	if ! make -C "$WS" KDIR="$KDIR" "$@" modules >"$log" 2>&1; then
		not_ok "$name" "build failed, see $log"
		grep -E "$DIAGNOSTIC" "$log" | head -n 5 | sed 's/^/  /' | diag_lines
	elif grep -qE "$DIAGNOSTIC" "$log"; then
		not_ok "$name" "$(grep -cE "$DIAGNOSTIC" "$log") diagnostics, see $log"
		grep -E "$DIAGNOSTIC" "$log" | head -n 5 | sed 's/^/  /' | diag_lines
	else
		ok "$name"
	fi
}

build_check "build: clippy (make CLIPPY=1) reports nothing" "$LOG_DIR/build-clippy.log" CLIPPY=1
build_check "build: modules build with no warnings" "$LOG_DIR/build.log"

for kbuild in "$WS"/modules/*/Kbuild; do
	dir=$(dirname "$kbuild")
	[ -f "$dir/bindings_helper.h" ] || continue
	name=$(basename "$dir")
	gen=$dir/bindings_generated.rs
	if [ -f "$gen" ] && [ -z "$(git -C "$WS" ls-files "$gen")" ] &&
		git -C "$WS" check-ignore -q "$gen"; then
		ok "build: $name bindings generated at build time, ignored by git"
	else
		not_ok "build: $name bindings generated at build time, ignored by git" \
			"$gen missing, tracked or not ignored"
	fi
done

# rustfmt with the kernel's own settings; it follows `mod` declarations from
# the crate roots. Generated files are not formatted, as in the kernel.
# Every .rs of modules/ is named: a crate root's name need not be the
# module's (a composite module's is not), and files selected by a kernel
# generation's --cfg are checked on every generation.
mapfile -t crates < <(find "$WS/modules" -name '*.rs' ! -name bindings_generated.rs | sort)
# The test programs: every .rs under tests/ (modules of a crate root are
# checked from it and on their own alike).
mapfile -t -O "${#crates[@]}" crates < <(find "$WS/tests" -name '*.rs' | sort)
if out=$("$WS_RUSTFMT" --check --config-path "$KDIR/.rustfmt.toml" "${crates[@]}" 2>&1); then
	ok "rustfmt: sources follow the kernel's .rustfmt.toml"
else
	not_ok "rustfmt: sources follow the kernel's .rustfmt.toml" "run: $WS_RUSTFMT --config-path $KDIR/.rustfmt.toml FILES"
	echo "$out" | grep '^Diff in' | head -n 5 | sed 's/^/  /' | diag_lines
fi

# The host unit tests of the test programs' pure parts (the fuzzer's model,
# its RNG, the ioctl encoding...): each test folder's build.sh
# --unit-tests, built by the rustc that builds the programs; one result
# line per #[test].
for build in "$WS"/tests/modules/*/build.sh "$WS"/tests/tools/*/build.sh; do
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

# What modinfo shows for each module.
for kbuild in "$WS"/modules/*/Kbuild; do
	name=$(basename "$(dirname "$kbuild")")
	ko=$(dirname "$kbuild")/$name.ko
	if [ ! -f "$ko" ]; then
		not_ok "modinfo: $name.ko has license, description and author" "$ko not built"
		continue
	fi
	license=$(modinfo -F license "$ko")
	description=$(modinfo -F description "$ko")
	author=$(modinfo -F author "$ko")
	if [ "$license" = GPL ] && [ -n "$description" ] && [ -n "$author" ]; then
		ok "modinfo: $name.ko has license, description and author"
		diag "  $name: $description (license $license)"
	else
		not_ok "modinfo: $name.ko has license, description and author" \
			"license '$license', description '$description', author '$author'"
	fi
done

# The headers cases, in the same line format (tests/doctor-cases.sh covers
# every generation in one run: make check runs it once).
status=0
"$WS/tests/headers-cases.sh" || status=$?
[ "$status" -eq 0 ] || not_ok "headers-cases.sh ran to completion" "exit status $status"
