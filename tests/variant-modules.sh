#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the modules against another kernel of the generation (the debug
# kernel of make check-debug, the benchmark's kernels of make bench) from a
# copy of the sources, so that the workspace's own module builds stay as
# they are. Prints one result line (tests/lib/ktap.sh), "VARIANT: modules
# build against the VARIANT kernel".
#
# Usage: variant-modules.sh KDIR SRC VARIANT
set -eu
WS_TAG=${3:-}
# shellcheck source=scripts/lib.sh
. "$WS/scripts/lib.sh"

[ $# -eq 3 ] || die "usage: $0 KDIR SRC VARIANT"
KDIR=$1
SRC=$2
VARIANT=$3
log=$BUILD_DIR/logs/$KERNEL/build-$VARIANT.log
mkdir -p "$(dirname "$log")"
rm -rf "$SRC"
copy_sources "$SRC"
# BUILD_DIR: the workspace's, not the copy's own (it has none), for the
# tools it holds: a generation's toolchain in a Debian environment
# (build/envs, entered by scripts/env-run.sh), 6.1's private one.
name="$VARIANT: modules build against the $VARIANT kernel"
if make -C "$SRC" KDIR="$KDIR" BUILD_DIR="$BUILD_DIR" BINDGEN="$WS_BINDGEN" >"$log" 2>&1; then
	ok "$name"
else
	not_ok "$name" "see $log"
	grep -E '(^|: )(error|warning)' "$log" | head -n 5 | sed 's/^/  /' | diag_lines
fi
