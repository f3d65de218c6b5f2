# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# How the test folders' build.sh scripts compile their Rust programs (std
# only, no cargo): the same rustc, edition and lints for every program.
# Sourced; RUSTC is the compiler (the one that builds the kernel's Rust:
# Debian's, with the x86_64 glibc std).

RUSTC=${RUSTC:-/usr/bin/rustc}

# rust_program ROOT BINARY [RUSTC ARGS...]: a static program that runs in the
# test VM, which has no C library and no dynamic loader.
rust_program() {
	rp_root=$1
	rp_bin=$2
	shift 2
	"$RUSTC" --edition 2021 -O -D warnings \
		-C target-feature=+crt-static -C strip=debuginfo \
		--crate-type bin --crate-name "$(basename "$rp_bin" | tr - _)" \
		-o "$rp_bin" "$@" "$rp_root"
	case $(file -b "$rp_bin") in
	*"statically linked"* | *"static-pie linked"*) ;;
	*)
		echo "error: $rp_bin is not statically linked:" >&2
		file "$rp_bin" >&2
		return 1
		;;
	esac
}

# rust_unit_tests ROOT BINARY [RUSTC ARGS...]: the #[test] functions of the
# crate of ROOT, as a host program (libtest). Code only main() reaches is
# dead in a test build, hence -A dead_code.
rust_unit_tests() {
	rp_root=$1
	rp_bin=$2
	shift 2
	"$RUSTC" --edition 2021 --test -D warnings -A dead_code \
		--crate-name "$(basename "$rp_bin" | tr - _)" \
		-o "$rp_bin" "$@" "$rp_root"
}
