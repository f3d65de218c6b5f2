#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Before the VM boots: each module's vermagic and Rust symbols must fit the
# kernel that boots (make doctor's module checks, scripts/doctor.sh).
#
#   tests/vm/check-modules.sh KDIR MODULE.ko...
#
# Prints one result line.
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
# The clang that built KDIR (its modules were built with it).
clang=$(sed -n 's/^CONFIG_CLANG_VERSION=//p' "$KDIR/include/config/auto.conf")
llvm=/usr/lib/llvm-$((${clang:-${LLVM_VERSION}0000} / 10000))/bin/
if out=$(KDIR=$KDIR RUSTC=$WS_RUSTC BINDGEN=$WS_BINDGEN LLVM=$llvm \
	"$WS/scripts/doctor.sh" --quiet "${args[@]}" 2>&1); then
	ok "$name"
else
	not_ok "$name" "$(echo "$out" | grep -m1 PROBLEM || echo "$out" | tail -n1)"
fi
