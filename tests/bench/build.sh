#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Build misc-bench (main.rs and the modules it declares), the benchmark of
# the Rust misc device against its C twin (tests/bench/run.sh):
#
#   build.sh BINDIR WORKDIR        BINDIR/misc-bench, static: it measures
#                                  in the test VM and reports on the host
#   build.sh --unit-tests WORKDIR  WORKDIR/unit-tests: the host unit tests
#                                  of its pure parts (statistics, t
#                                  quantiles, section sizes, raw lines)
#
# It shares the misc device's ABI and system call modules with
# tests/modules/rust_misc (abi.sh writes WORKDIR/misc_abi.rs for abi.rs).
# Environment: BINDGEN, LIBCLANG_PATH (see abi.sh), RUSTC (default
# /usr/bin/rustc).
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
WS=$(cd "$HERE/../.." && pwd)
# shellcheck source=tests/lib/rust-program.sh
. "$WS/tests/lib/rust-program.sh"
# shellcheck source=tests/modules/rust_misc/abi.sh
. "$WS/tests/modules/rust_misc/abi.sh"

if [ "${1:-}" = --unit-tests ] && [ $# -eq 2 ]; then
	mkdir -p "$2"
	misc_abi_bindings "$2"
	rust_unit_tests "$HERE/main.rs" "$2/unit-tests"
elif [ $# -eq 2 ] && [ "${1#-}" = "$1" ]; then
	mkdir -p "$1" "$2"
	misc_abi_bindings "$2"
	rust_program "$HERE/main.rs" "$1/misc-bench"
else
	echo "usage: $0 BINDIR WORKDIR | $0 --unit-tests WORKDIR" >&2
	exit 2
fi
