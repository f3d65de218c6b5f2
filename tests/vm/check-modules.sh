#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Before the VM boots: each module's vermagic and Rust symbols must fit the
# kernel that boots (make doctor's module checks, scripts/doctor.sh
# --modules-only: not its toolchain checks, which the doctor made before
# the modules were built).
#
#   tests/vm/check-modules.sh KDIR MODULE.ko...
#
# Prints one result line. A kernel without Rust (CONFIG_RUST off, such as
# Debian's stock one, booted with self-contained modules) is one the doctor
# finds Rust modules cannot be built against: that verdict does not concern
# loading these modules, so there only the problems naming one of them
# count.
set -eu
WS_TAG=vm
# shellcheck source=scripts/lib.sh
. "$WS/scripts/lib.sh"

[ $# -ge 1 ] || die "usage: $0 KDIR MODULE.ko..."
KDIR=$1
shift
name="doctor: the modules' vermagic and Rust symbols fit the VM kernel"
if [ $# -eq 0 ]; then
	not_ok "$name" "no module was built"
	exit 0
fi
args=()
kos=()
for ko in "$@"; do
	args+=(--module "$ko")
	kos+=(-e "${ko##*/}")
done
conf=$KDIR/include/config/auto.conf
# The clang that built KDIR (its modules were built with it); none for a
# GCC-built kernel.
clang=$(sed -n 's/^CONFIG_CLANG_VERSION=//p' "$conf")
llvm=/usr/lib/llvm-$((${clang:-${LLVM_VERSION}0000} / 10000))/bin/
! grep -qx 'CONFIG_CC_IS_GCC=y' "$conf" || llvm=
if out=$(KDIR=$KDIR RUSTC=$WS_RUSTC BINDGEN=$WS_BINDGEN LLVM=$llvm \
	"$WS/scripts/doctor.sh" --quiet --modules-only "${args[@]}" 2>&1); then
	ok "$name"
	exit 0
fi
problems=$(echo "$out" | grep 'PROBLEM' || true)
if [ -n "$problems" ] && ! grep -qx 'CONFIG_RUST=y' "$conf"; then
	mine=$(echo "$problems" | grep -F "${kos[@]}" || true)
	if [ -z "$mine" ]; then
		ok "$name"
		echo "$problems" | sed 's/^doctor: PROBLEM /doctor, not counted (KDIR has no Rust): /;s/;.*//' | diag_lines
		exit 0
	fi
	problems=$mine
fi
not_ok "$name" "$(echo "$problems" | head -n 1 | grep . || echo "$out" | tail -n1)"
