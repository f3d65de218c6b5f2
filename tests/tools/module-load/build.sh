#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Build the guest's module loaders, for any module (tests/guest/debug.sh):
# fault-load (fault_load.rs), the allocation-failure loads, and load-cycles
# (load_cycles.rs), the load/unload cycles.
#
#   build.sh BINDIR WORKDIR        BINDIR/fault-load and load-cycles, static
#   build.sh --unit-tests WORKDIR  WORKDIR/unit-tests-*, their host unit tests
#
# Environment: RUSTC (default /usr/bin/rustc).
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
WS=$(cd "$HERE/../../.." && pwd)
# shellcheck source=tests/lib/rust-program.sh
. "$WS/tests/lib/rust-program.sh"

if [ "${1:-}" = --unit-tests ] && [ $# -eq 2 ]; then
	mkdir -p "$2"
	rust_unit_tests "$HERE/fault_load.rs" "$2/unit-tests-fault-load"
	rust_unit_tests "$HERE/load_cycles.rs" "$2/unit-tests-load-cycles"
elif [ $# -eq 2 ] && [ "${1#-}" = "$1" ]; then
	mkdir -p "$1" "$2"
	rust_program "$HERE/fault_load.rs" "$1/fault-load"
	rust_program "$HERE/load_cycles.rs" "$1/load-cycles"
else
	echo "usage: $0 BINDIR WORKDIR | $0 --unit-tests WORKDIR" >&2
	exit 2
fi
