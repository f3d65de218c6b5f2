#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make doctor: can Rust modules be built against KDIR with this toolchain,
# and can a given .ko load into the target kernel? One line per check:
#
#   doctor: ok   <what was checked>
#   doctor: PROBLEM <what is wrong>
#     <details>
#     fix: <what to do>
#
# Exit status 1 when any check found a problem, 0 otherwise.
#
# Input, from the environment (the top-level Makefile passes all of it):
#   KDIR           kernel tree to check (required)
#   DEFAULT_KDIR   the workspace's own kernel (only changes the advice given)
#   RUSTC          rustc that Kbuild would run (default: rustc)
#   BINDGEN        bindgen that modules would run (default: bindgen)
#   LIBCLANG_PATH  where bindgen loads libclang from (used as it is)
#   LLVM           LLVM= given to Kbuild: 1, -19 or /prefix/ (empty: gcc)
#
# Options:
#   --module FILE.ko   also check that module against the target kernel:
#                      vermagic and the Rust symbols it needs (repeatable)
#   --release STRING   target kernel release for --module (default: KDIR's
#                      include/config/kernel.release)
#   --modules-only     KDIR and the --module checks only, not the toolchain:
#                      whether built modules fit that kernel, which a
#                      machine without a Rust toolchain can tell too
#                      (tests/vm/check-modules.sh, beside every VM run)
#   --quiet            print only problems (what runs before every build)
#
# KDIR's generation (VERSION.PATCHLEVEL) selects its description in
# kernels/*.conf: the Rust metadata files and target spec to expect, the
# compiler to advise. The checks live in scripts/doctor/, one file per
# concern. They read files, run `--version`-style queries and one tiny
# rustc compile, so the doctor stays well under a second on a healthy tree.
set -eu

SELF=${0##*/}
DOCTOR_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/doctor
WS=${WS:-$(cd "$DOCTOR_DIR/../.." && pwd)}
BUILD_DIR=${BUILD_DIR:-$WS/build}

QUIET=0
MODULES_ONLY=0
RELEASE=
MODULES=()
PROBLEMS=0

KDIR=${KDIR:-}
DEFAULT_KDIR=${DEFAULT_KDIR:-}
RUSTC=${RUSTC:-rustc}
BINDGEN=${BINDGEN:-bindgen}
LLVM=${LLVM:-}

# What the checks learn about KDIR, for the later ones.
KREL=                 # include/config/kernel.release
CONF=/nonexistent     # the config file read (auto.conf, else .config)
KDIR_OK=0             # KDIR has a .config
RUST_ON=0             # CONFIG_RUST=y
RUSTC_OK=0            # RUSTC is the compiler that built KDIR
GEN_CONF=             # KDIR's kernels/*.conf, empty when unknown

# shellcheck source=scripts/doctor/output.sh
. "$DOCTOR_DIR/output.sh"
# shellcheck source=scripts/doctor/util.sh
. "$DOCTOR_DIR/util.sh"
# shellcheck source=scripts/doctor/generation.sh
. "$DOCTOR_DIR/generation.sh"
# shellcheck source=scripts/doctor/kdir.sh
. "$DOCTOR_DIR/kdir.sh"
# shellcheck source=scripts/doctor/rust-config.sh
. "$DOCTOR_DIR/rust-config.sh"
# shellcheck source=scripts/rust-metadata/origin.sh
. "$WS/scripts/rust-metadata/origin.sh"
# shellcheck source=scripts/doctor/metadata.sh
. "$DOCTOR_DIR/metadata.sh"
# shellcheck source=scripts/doctor/rustc.sh
. "$DOCTOR_DIR/rustc.sh"
# shellcheck source=scripts/doctor/target-spec.sh
. "$DOCTOR_DIR/target-spec.sh"
# shellcheck source=scripts/doctor/llvm.sh
. "$DOCTOR_DIR/llvm.sh"
# shellcheck source=scripts/doctor/out-dir.sh
. "$DOCTOR_DIR/out-dir.sh"
# shellcheck source=scripts/doctor/module.sh
. "$DOCTOR_DIR/module.sh"

usage() {
	if [ "${1:-0}" = 0 ]; then
		sed -n '3,/^set -eu/{/^set -eu/d;s/^# \{0,1\}//;p}' "$0"
	else
		echo "usage: $SELF [--quiet] [--module FILE.ko]... [--release STRING] [--modules-only] (KDIR etc. from the environment; --help)" >&2
	fi
	exit "${1:-0}"
}

parse_args() {
	while [ $# -gt 0 ]; do
		case $1 in
		--module) [ $# -ge 2 ] || usage 2; MODULES+=("$2"); shift ;;
		--release) [ $# -ge 2 ] || usage 2; RELEASE=$2; shift ;;
		--quiet) QUIET=1 ;;
		--modules-only) MODULES_ONLY=1 ;;
		-h | --help) usage 0 ;;
		*) echo "$SELF: unknown argument '$1'" >&2; usage 2 ;;
		esac
		shift
	done
}

main() {
	parse_args "$@"
	if [ -d "$KDIR" ]; then
		KDIR=$(cd "$KDIR" && pwd)
	fi
	check_kdir
	if [ "$KDIR_OK" = 1 ] && [ "$MODULES_ONLY" = 0 ]; then
		check_generation
		check_rust_config
		if [ "$RUST_ON" = 1 ]; then
			check_metadata
			check_rustc
			check_target_spec
			check_bindgen
			check_clang
			check_out_dir
		else
			doctor_skip "Rust metadata, rustc, target spec, bindgen, clang, --out-dir: KDIR has no Rust support"
		fi
	fi
	[ -n "$RELEASE" ] || RELEASE=$KREL
	local ko
	for ko in "${MODULES[@]}"; do
		check_module "$ko"
	done
	if [ "$PROBLEMS" -gt 0 ]; then
		printf 'doctor: %d problem(s) with KDIR=%s\n' "$PROBLEMS" "$KDIR"
		exit 1
	fi
}

main "$@"
