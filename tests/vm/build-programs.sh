#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the guest's test programs: those of each module's test folder
# (tests/modules/NAME/build.sh) and the generic tools (tests/tools/NAME/
# build.sh, such as module-load), each when one of its inputs changed (its
# folder, tests/lib, the headers of modules/NAME).
#
#   tests/vm/build-programs.sh BINDIR WORKDIR
#
# Every program lands in BINDIR (the guest's /tests/bin); WORKDIR/NAME holds
# each folder's intermediate files. Prints one result line per folder that
# has a build.sh. Run through the top-level Makefile.
set -eu
WS_TAG=vm
# shellcheck source=scripts/lib.sh
. "$WS/scripts/lib.sh"

[ $# -eq 2 ] || die "usage: $0 BINDIR WORKDIR"
BIN=$1
WORK=$2
mkdir -p "$BIN" "$WORK"

for build in $(modules_program_builds); do
	dir=$(dirname "$build")
	name=$(basename "$dir")
	rel=${dir#"$WS"/}
	stamp=$WORK/$name/.built
	# Of the module's folder, its headers (its userspace interface, such
	# as rust_misc.h): not its build outputs, rebuilt by every make check.
	inputs=("$dir" "$WS/tests/lib")
	[ ! -d "$WS/modules/$name" ] || inputs+=("$WS/modules/$name")
	if [ -f "$stamp" ] && [ -z "$(find "${inputs[@]}" -newer "$stamp" \
		\( ! -path "$WS/modules/*" -o -name '*.h' \) -print -quit)" ]; then
		ok "programs: $rel builds (unchanged)"
		continue
	fi
	step_start "building the programs of $rel"
	log=$WORK/$name.log
	rm -f "$stamp"
	if BINDGEN=$WS_PROGRAMS_BINDGEN RUSTC=$WS_PROGRAMS_RUSTC \
		LIBCLANG_PATH=$WS_PROGRAMS_LIBCLANG_PATH "$build" "$BIN" "$WORK/$name" >"$log" 2>&1; then
		touch "$stamp"
		ok "programs: $rel builds"
		step_done
	else
		not_ok "programs: $rel builds" "see $log"
		grep -E '^(error|warning)' "$log" | head -n 5 | diag_lines
		say "building the programs of $rel: FAILED, see $log" >&2
	fi
done
