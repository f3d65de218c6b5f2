#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kernel's own usr/gen_init_cpio, for the initramfs a VM boots with:
# KDIR's (else the workspace's kernel's, $DEFAULT_KDIR) when it runs on the
# host; a tree built in a Debian environment of a newer release has one
# that needs that release's glibc (and a headers tree, such as Debian's,
# has none): then the same source compiled by the host's cc, once, into
# build/tools/bin.
#
#   tests/vm/gen-init-cpio.sh KDIR    prints the path of the program
set -eu
WS_TAG=vm
# shellcheck source=scripts/lib.sh
. "$WS/scripts/lib.sh"

[ $# -eq 1 ] || die "usage: $0 KDIR"
runs_here() { "$1" 2>&1 | grep -q '^Usage'; }
for tree in "$1" "$DEFAULT_KDIR"; do
	if [ -x "$tree/usr/gen_init_cpio" ] && runs_here "$tree/usr/gen_init_cpio"; then
		echo "$tree/usr/gen_init_cpio"
		exit 0
	fi
done
prog=$BUILD_DIR/tools/bin/gen_init_cpio
if ! runs_here "$prog"; then
	src=""
	for tree in "$1" "$DEFAULT_KDIR"; do
		[ -f "$tree/usr/gen_init_cpio.c" ] && src=$tree/usr/gen_init_cpio.c && break
	done
	[ -n "$src" ] || die "no usr/gen_init_cpio.c in $1 or $DEFAULT_KDIR: run 'make kernel'"
	mkdir -p "$BUILD_DIR/tools/bin"
	cc -O2 -o "$prog.tmp" "$src" || die "compiling $src with the host's cc failed"
	mv "$prog.tmp" "$prog"
fi
echo "$prog"
