#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the modules against the debug kernel (make check-debug) from a copy
# of the sources, so that the workspace's own module builds stay as they
# are. Prints one result line (tests/lib/ktap.sh).
#
# Usage: debug-modules.sh KDIR SRC
set -eu
WS_TAG=debug
# shellcheck source=scripts/lib.sh
. "$WS/scripts/lib.sh"

KDIR=$1
SRC=$2
log=$BUILD_DIR/logs/$KERNEL/build-debug.log
rm -rf "$SRC"
copy_sources "$SRC"
# BUILD_DIR: the workspace's, not the copy's own (it has none), for the
# tools it holds: a generation's toolchain in a Debian environment
# (build/envs, entered by scripts/env-run.sh), 6.1's private one.
if make -C "$SRC" KDIR="$KDIR" BUILD_DIR="$BUILD_DIR" BINDGEN="$WS_BINDGEN" >"$log" 2>&1; then
	ok "debug: modules build against the debug kernel"
else
	not_ok "debug: modules build against the debug kernel" "see $log"
	grep -E '(^|: )(error|warning)' "$log" | head -n 5 | sed 's/^/  /' | diag_lines
fi
