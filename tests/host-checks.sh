#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host-side checks of `make check` for one kernel generation (KERNEL), run
# before its VM runs: the modules build from clean with no compiler or
# clippy warnings (CLIPPY=1, then the Rust objects again without clippy),
# the Rust sources follow that kernel's rustfmt settings, modinfo shows
# each module's metadata, then the headers cases
# (tests/headers-cases.sh). Leaves the modules built for the VM. (What does
# not depend on the generation is in tests/workspace-checks.sh.)
#
# Prints result lines (tests/lib/ktap.sh: ok NAME / not ok NAME # WHY /
# # DIAGNOSTIC); tests/ktap-report.sh labels and numbers them into KTAP.
# Run through the top-level Makefile (make check).
set -eu
WS_TAG=host
# shellcheck source=scripts/lib.sh
. "$WS/scripts/lib.sh"

need_tools modinfo:kmod
KDIR=$DEFAULT_KDIR
LOG_DIR=$BUILD_DIR/logs/$KERNEL
mkdir -p "$LOG_DIR"


# A compiler diagnostic: rustc's and clippy's "warning: ..." or
# "warning[E0...]: ..." lines, clang's "file:line:col: warning: ...".
DIAGNOSTIC='(^|: )(warning|error)(\[[^]]*\])?: '

# build_check NAME LOG [--incremental] [MAKE ARGS...]: a build without
# diagnostics, from clean, or with --incremental on what the last one
# built. (`make clean` itself, on a built tree, is checked by
# tests/readme-commands.sh: the outputs go, the sources and build/ stay.)
build_check() {
	local name=$1 log=$2
	shift 2
	if [ "${1:-}" = --incremental ]; then
		shift
	else
		make -s -C "$WS" KDIR="$KDIR" clean >/dev/null 2>&1 || true
	fi
	if ! make -j"$(nproc)" -C "$WS" KDIR="$KDIR" "$@" modules >"$log" 2>&1; then
		not_ok "$name" "build failed, see $log"
		grep -E "$DIAGNOSTIC" "$log" | head -n 5 | sed 's/^/  /' | diag_lines
	elif grep -qE "$DIAGNOSTIC" "$log"; then
		not_ok "$name" "$(grep -cE "$DIAGNOSTIC" "$log") diagnostics, see $log"
		grep -E "$DIAGNOSTIC" "$log" | head -n 5 | sed 's/^/  /' | diag_lines
	else
		ok "$name"
	fi
}

# From clean with clippy (every object: clang's warnings on the C files,
# rustc's and clippy's on the Rust ones), then the normal build, which the
# VM tests: Kbuild compiles every Rust object again (rustc instead of
# clippy-driver is another command line), the C objects stay.
build_check "build: clippy (make CLIPPY=1) reports nothing" "$LOG_DIR/build-clippy.log" CLIPPY=1
build_check "build: modules build with no warnings (the Rust objects again, without clippy)" \
	"$LOG_DIR/build.log" --incremental
clippy_objs=$(sed -n 's/^ *CLIPPY \[M\] //p' "$LOG_DIR/build-clippy.log" | sort)
rustc_objs=$(sed -n 's/^ *RUSTC \[M\] //p' "$LOG_DIR/build.log" | sort)
result "build: the normal build compiled each Rust object clippy checked again ($(echo "$clippy_objs" | grep -c .))" \
	"clippy: $(echo "$clippy_objs" | tr '\n' ' '); rustc: $(echo "$rustc_objs" | tr '\n' ' ')" \
	test -n "$clippy_objs" -a "$clippy_objs" = "$rustc_objs"

for name in $(modules_in); do
	dir=$WS/modules/$name
	[ -f "$dir/bindings_helper.h" ] || continue
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
# (The userspace programs under tests/ are built by the default
# generation's compiler: tests/workspace-checks.sh formats them once.)
# A rustfmt older than today's syntax (c"..." literals, Rust 1.77: 6.1's
# 1.63) cannot parse the files only today's kernel crates build (selected
# by --cfg ws_has_miscdevice...): the test programs' rustfmt checks them
# all then, with KDIR's settings.
mapfile -t crates < <(find "$WS/modules" -name '*.rs' ! -name bindings_generated.rs | sort)
rustfmt=$WS_RUSTFMT
if ! printf 'const C: &core::ffi::CStr = c"x";\n' | "$rustfmt" --edition 2021 >/dev/null 2>&1; then
	rustfmt=$(dirname "$WS_PROGRAMS_RUSTC")/rustfmt
fi
if out=$("$rustfmt" --check --config-path "$KDIR/.rustfmt.toml" "${crates[@]}" 2>&1); then
	ok "rustfmt: modules follow the kernel's .rustfmt.toml"
else
	not_ok "rustfmt: modules follow the kernel's .rustfmt.toml" "run: $rustfmt --config-path $KDIR/.rustfmt.toml FILES"
	echo "$out" | grep '^Diff in' | head -n 5 | sed 's/^/  /' | diag_lines
fi

# The C sources (the C twins, rust_misc's C helpers and headers) with the
# kernel's own style checker, as a patch to the kernel would be checked.
mapfile -t csources < <(cd "$WS" && git ls-files 'modules/*.c' 'modules/*.h')
if out=$(cd "$WS" && perl "$KDIR/scripts/checkpatch.pl" --no-tree -f -q --terse \
	"${csources[@]}" 2>&1); then
	ok "checkpatch: ${#csources[@]} C files follow the kernel's coding style"
else
	not_ok "checkpatch: ${#csources[@]} C files follow the kernel's coding style" \
		"run: $KDIR/scripts/checkpatch.pl --no-tree -f FILES"
	echo "$out" | grep -E ': (ERROR|WARNING|CHECK):' | head -n 5 | sed 's/^/  /' | diag_lines
fi

# What modinfo shows for each module.
for name in $(modules_in); do
	ko=$WS/modules/$name/$name.ko
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
