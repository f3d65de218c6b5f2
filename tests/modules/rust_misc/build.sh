#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Build the userspace tests of the misc device of modules/rust_misc (the
# crate roots main.rs and stress.rs in this folder, and the modules they
# declare; rustc finds those itself):
#
#   build.sh BINDIR WORKDIR        the programs, static, for the test VM
#   build.sh --unit-tests WORKDIR  WORKDIR/unit-tests: the host unit tests
#                                  of the pure parts (model, RNG, ioctl
#                                  encoding), rustc --test
#
# WORKDIR gets misc_abi.rs (abi.sh: bindgen's translation of abi.h, hence
# of modules/rust_misc/rust_misc.h), which abi.rs includes. BINDIR gets
# rust-misc-test (main.rs: every rule of the device, one check each) and
# rust-misc-stress (stress.rs: the model-checked fuzzer and the
# multi-process stress test). Both take the device to test as an option
# (default /dev/rust-misc).
#
# Environment: BINDGEN (default: the workspace's pinned bindgen under
# build/tools/bin), LIBCLANG_PATH (default /usr/lib/llvm-19/lib), RUSTC
# (default /usr/bin/rustc).
set -eu

HERE=$(cd "$(dirname "$0")" && pwd)
WS=$(cd "$HERE/../../.." && pwd)
# shellcheck source=tests/lib/rust-program.sh
. "$WS/tests/lib/rust-program.sh"

UNIT=0
if [ "${1:-}" = --unit-tests ] && [ $# -eq 2 ]; then
	UNIT=1
	WORK=$2
elif [ $# -eq 2 ] && [ "${1#-}" = "$1" ]; then
	BIN=$1
	WORK=$2
	mkdir -p "$BIN"
else
	echo "usage: $0 BINDIR WORKDIR | $0 --unit-tests WORKDIR" >&2
	exit 2
fi
mkdir -p "$WORK"

# shellcheck source=tests/modules/rust_misc/abi.sh
. "$HERE/abi.sh"
misc_abi_bindings "$WORK"

if [ "$UNIT" -eq 1 ]; then
	# stress.rs declares the model, the RNG and the ABI modules.
	rust_unit_tests "$HERE/stress.rs" "$WORK/unit-tests"
else
	rust_program "$HERE/main.rs" "$BIN/rust-misc-test"
	rust_program "$HERE/stress.rs" "$BIN/rust-misc-stress"
fi
