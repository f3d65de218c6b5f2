# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# The ABI of modules/rust_misc/rust_misc.h for userspace Rust programs:
# bindgen's translation of abi.h, which abi.rs includes through the
# environment variable RUST_MISC_ABI_RS. Sourced by this folder's build.sh
# and by every other program that declares abi.rs (tests/bench/build.sh).
#
# misc_abi_bindings WORKDIR: write WORKDIR/misc_abi.rs (WORKDIR exists) and export
# RUST_MISC_ABI_RS naming it. Environment: BINDGEN (default: the
# workspace's pinned bindgen under build/tools/bin), LIBCLANG_PATH (default
# /usr/lib/llvm-19/lib). WS is the workspace.
misc_abi_bindings() {
	# Absolute: abi.rs includes it from wherever its crate is.
	mab_out=$(cd "$1" && pwd)/misc_abi.rs
	BINDGEN=${BINDGEN:-$WS/build/tools/bin/bindgen}
	LIBCLANG_PATH=${LIBCLANG_PATH:-/usr/lib/llvm-19/lib}
	export LIBCLANG_PATH
	# Only the compiler reads the result: skip formatting it.
	"$BINDGEN" --formatter=none \
		--allowlist-var 'RUST_MISC_.*' \
		--allowlist-type rust_misc_stats \
		--with-derive-default --with-derive-partialeq \
		--output "$mab_out" \
		"$WS/tests/modules/rust_misc/abi.h"
	RUST_MISC_ABI_RS=$mab_out
	export RUST_MISC_ABI_RS
}
