#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Make a kernel tree's scripts/Makefile.build pass `--out-dir` to rustc.
#
# Without it (the layout of 6.1.0 to 6.4 trees before the upstream fix),
# rustc writes its temporary files into the current directory, which during
# an out-of-tree build is the kernel tree: building as a normal user against
# a root-owned /lib/modules/$(uname -r)/build fails with "Permission denied".
# The fix adds `--out-dir $(dir $@)` before `--emit=dep-info=$(depfile)` in
# the `rust_common_cmd` definition.
#
# Usage: patch-out-dir.sh [--check] KDIR
#
#   --check   only report: exit 0 when --out-dir is there, 1 when the tree
#             needs the patch; change nothing
#
# Exit status: 0 patched or nothing to do, 1 needs the patch (--check) or
# cannot write the file, 2 a layout this script does not recognise (it then
# changes nothing). The original is kept as scripts/Makefile.build.orig.
set -eu

CHECK=0
if [ "${1:-}" = --check ]; then
	CHECK=1
	shift
fi
if [ $# -ne 1 ]; then
	echo "usage: $0 [--check] KDIR" >&2
	exit 2
fi
FILE=$1/scripts/Makefile.build
BACKUP=$FILE.orig

say() {
	echo "patch-out-dir: $*"
}
refuse() {
	say "$FILE: $*; not patching it (patch by hand: add '--out-dir \$(dir \$@)' to rustc's arguments in rust_common_cmd)" >&2
	exit 2
}

[ -f "$FILE" ] || refuse "no such file"

# The `rust_common_cmd = \` definition, up to its first line without a
# trailing backslash.
block=$(awk '
	/^rust_common_cmd[ \t]*=/ { inside = 1 }
	inside { print; if ($0 !~ /\\$/) exit }
' "$FILE")
[ -n "$block" ] || refuse "no rust_common_cmd definition"

case "$block" in
*--out-dir*)
	say "ok: $FILE passes --out-dir to rustc"
	exit 0 ;;
esac

# shellcheck disable=SC2016 # a make expression, not a shell one
anchor='--emit=dep-info=$(depfile)'
if [ "$(printf '%s\n' "$block" | grep -cF -- "$anchor")" -ne 1 ]; then
	refuse "rust_common_cmd does not have exactly one '$anchor'"
fi

if [ "$CHECK" -eq 1 ]; then
	say "needs the patch: $FILE does not pass --out-dir to rustc (run: $0 $1)"
	exit 1
fi

[ -w "$FILE" ] || [ "$(id -u)" -eq 0 ] || {
	say "cannot write $FILE: run as root" >&2
	exit 1
}
[ -e "$BACKUP" ] || cp -p "$FILE" "$BACKUP"
tmp=$FILE.tmp.$$
awk -v anchor="$anchor" '
	/^rust_common_cmd[ \t]*=/ { inside = 1 }
	inside && index($0, anchor) {
		i = index($0, anchor)
		$0 = substr($0, 1, i - 1) "--out-dir $(dir $@) " substr($0, i)
	}
	{ print }
	inside && $0 !~ /\\$/ { inside = 0 }
' "$FILE" >"$tmp"
cat "$tmp" >"$FILE"
rm -f "$tmp"
say "patched $FILE (original kept as $BACKUP)"
