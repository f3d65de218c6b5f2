#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host-side checks of `make check`, run before the VM: the modules build
# from clean with no compiler or clippy warnings, the Rust sources follow the
# kernel's rustfmt settings, the shell scripts pass shellcheck, and modinfo
# shows each module's metadata. Leaves the modules built for the VM.
#
# Prints one result per line in the guest's format (ok NAME / not ok NAME #
# why / # diagnostic); tests/run-vm.sh numbers them into the KTAP report.
# Run through the top-level Makefile (make check).
set -eu
WS_TAG=host
# shellcheck source=scripts/lib.sh
. "$WS/scripts/lib.sh"

KDIR=$DEFAULT_KDIR
LOG_DIR=$BUILD_DIR/logs
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
		grep -E "$DIAGNOSTIC" "$log" | head -n 5 | sed 's/^/#   /'
	elif grep -qE "$DIAGNOSTIC" "$log"; then
		not_ok "$name" "$(grep -cE "$DIAGNOSTIC" "$log") diagnostics, see $log"
		grep -E "$DIAGNOSTIC" "$log" | head -n 5 | sed 's/^/#   /'
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
crates=()
for kbuild in "$WS"/modules/*/Kbuild; do
	name=$(basename "$(dirname "$kbuild")")
	crates+=("$(dirname "$kbuild")/$name.rs")
done
crates+=("$WS/tests/rust_misc/main.rs" "$WS/tests/rust_misc/stress.rs")
if out=$("$WS_RUSTFMT" --check --config-path "$KDIR/.rustfmt.toml" "${crates[@]}" 2>&1); then
	ok "rustfmt: sources follow the kernel's .rustfmt.toml"
else
	not_ok "rustfmt: sources follow the kernel's .rustfmt.toml" "run: $WS_RUSTFMT --config-path $KDIR/.rustfmt.toml FILES"
	echo "$out" | grep '^Diff in' | head -n 5 | sed 's/^/#   /'
fi

mapfile -t scripts < <(cd "$WS" && grep -rlE '^#!/bin/(ba)?sh|shellcheck shell=sh' \
	.ci scripts tests | sort)
if out=$(cd "$WS" && shellcheck -x "${scripts[@]}" 2>&1); then
	ok "shellcheck: ${#scripts[@]} shell scripts are clean"
else
	not_ok "shellcheck: ${#scripts[@]} shell scripts are clean" "see shellcheck output below"
	echo "$out" | grep -E '^In ' | head -n 5 | sed 's/^/#   /'
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
		echo "#   $name: $description (license $license)"
	else
		not_ok "modinfo: $name.ko has license, description and author" \
			"license '$license', description '$description', author '$author'"
	fi
done

# The other host-side suites, in the same line format.
for suite in headers-cases doctor-cases; do
	[ -x "$WS/tests/$suite.sh" ] || continue
	status=0
	"$WS/tests/$suite.sh" || status=$?
	[ "$status" -eq 0 ] || not_ok "$suite.sh ran to completion" "exit status $status"
done
