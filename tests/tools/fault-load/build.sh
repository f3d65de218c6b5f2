#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Build fault-load (fault_load.rs), the guest's allocation-failure loader
# for any module (tests/guest/debug.sh):
#
#   build.sh BINDIR WORKDIR        BINDIR/fault-load, static, for the VM
#   build.sh --unit-tests WORKDIR  WORKDIR/unit-tests, its host unit tests
#
# Environment: RUSTC (default /usr/bin/rustc).
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
WS=$(cd "$HERE/../../.." && pwd)
# shellcheck source=tests/lib/rust-program.sh
. "$WS/tests/lib/rust-program.sh"

if [ "${1:-}" = --unit-tests ] && [ $# -eq 2 ]; then
	mkdir -p "$2"
	rust_unit_tests "$HERE/fault_load.rs" "$2/unit-tests"
elif [ $# -eq 2 ] && [ "${1#-}" = "$1" ]; then
	mkdir -p "$1" "$2"
	rust_program "$HERE/fault_load.rs" "$1/fault-load"
else
	echo "usage: $0 BINDIR WORKDIR | $0 --unit-tests WORKDIR" >&2
	exit 2
fi
