#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Build the userspace tests of /dev/rust-misc (the crate roots main.rs and
# stress.rs in this folder, and the modules of this folder they declare;
# rustc finds those itself) as static binaries that run inside the test VM:
#
#   tests/rust_misc/build.sh OUTDIR
#
# writes OUTDIR/misc_abi.rs (bindgen's translation of abi.h, hence of
# modules/rust_misc/rust_misc.h), which abi.rs includes, and the programs
# OUTDIR/rust-misc-test (main.rs: every rule of the device, one check
# each) and OUTDIR/rust-misc-stress (stress.rs: the model-checked fuzzer,
# the multi-process stress test and the fault-injection loader).
#
# Environment: BINDGEN (default: the workspace's pinned bindgen under
# build/tools/bin), LIBCLANG_PATH (default /usr/lib/llvm-19/lib), RUSTC
# (default /usr/bin/rustc, Debian's rustc with the x86_64 glibc std).
set -eu

if [ $# -ne 1 ] || [ -z "$1" ]; then
	echo "usage: $0 OUTDIR" >&2
	exit 2
fi

HERE=$(cd "$(dirname "$0")" && pwd)
WS=$(cd "$HERE/../.." && pwd)
mkdir -p "$1"
OUT=$(cd "$1" && pwd)

BINDGEN=${BINDGEN:-$WS/build/tools/bin/bindgen}
RUSTC=${RUSTC:-/usr/bin/rustc}
LIBCLANG_PATH=${LIBCLANG_PATH:-/usr/lib/llvm-19/lib}
export LIBCLANG_PATH

ABI_RS=$OUT/misc_abi.rs

# Only the compiler reads the result: skip formatting it.
"$BINDGEN" --formatter=none \
	--allowlist-var 'RUST_MISC_.*' \
	--allowlist-type rust_misc_stats \
	--with-derive-default --with-derive-partialeq \
	--output "$ABI_RS" \
	"$HERE/abi.h"

# build SOURCE BINARY: one static program, with the ABI file.
build() {
	bin=$OUT/$2
	RUST_MISC_ABI_RS=$ABI_RS "$RUSTC" --edition 2021 -O -D warnings \
		-C target-feature=+crt-static -C strip=debuginfo \
		--crate-type bin --crate-name "$(echo "$2" | tr - _)" \
		-o "$bin" "$HERE/$1"

	# It runs in a VM without a C library: it must not need a dynamic
	# loader.
	case $(file -b "$bin") in
	*"statically linked"* | *"static-pie linked"*) ;;
	*)
		echo "error: $bin is not statically linked:" >&2
		file "$bin" >&2
		exit 1
		;;
	esac
}

build main.rs rust-misc-test
build stress.rs rust-misc-stress
