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
# Debian's stock one, booted with self-contained modules) is checked the
# same way: --modules-only does not ask whether Rust modules can be built
# against KDIR, only whether these fit it.
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
for ko in "$@"; do
	args+=(--module "$ko")
done
conf=$KDIR/include/config/auto.conf
# The clang that built KDIR (its modules were built with it); none for a
# GCC-built kernel.
clang=$(sed -n 's/^CONFIG_CLANG_VERSION=//p' "$conf")
llvm=/usr/lib/llvm-$((${clang:-${LLVM_VERSION}0000} / 10000))/bin/
! grep -qx 'CONFIG_CC_IS_GCC=y' "$conf" || llvm=
if out=$(KDIR=$KDIR LLVM=$llvm "$WS/scripts/doctor.sh" --quiet --modules-only "${args[@]}" 2>&1); then
	ok "$name"
else
	not_ok "$name" "$(echo "$out" | grep -m1 'PROBLEM' || echo "$out" | tail -n1)"
fi
