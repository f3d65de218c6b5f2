#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Run a command and record its wall time as a part of make check (the
# table at the end of its report, see part_time in scripts/lib.sh).
#
#   scripts/timed.sh NAME COMMAND [ARG...]
#
# Exits with COMMAND's status; records nothing when WS_TIMES is not set.
set -eu
# shellcheck source=scripts/lib.sh
. "$WS/scripts/lib.sh"

[ $# -ge 2 ] || die "usage: $0 NAME COMMAND [ARG...]"
name=$1
shift
t0=$(now)
rc=0
"$@" || rc=$?
part_time "$name" "$t0"
exit "$rc"
