#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install the workspace's modules with DKMS (Debian's dkms 3.0): a copy of
# the sources with a generated dkms.conf (scripts/dkms-conf.sh) in
# <source tree>/rust-oot-modules-VERSION, then `dkms add`, `dkms build` and
# `dkms install` for one kernel. VERSION is `git describe --always --dirty`;
# a version DKMS already has is removed first.
#
#   scripts/dkms-install.sh [--source-only] [--kernel RELEASE] [--kdir TREE]
#                           [--root DIR]
#
# --source-only    only the copy with its dkms.conf, then print the dkms
#                  commands that would follow (make dkms-source)
# --kernel RELEASE the kernel to build for (default: TREE's release, else
#                  the running kernel's)
# --kdir TREE      its headers or build tree (dkms --kernelsourcedir;
#                  default: DKMS's, /lib/modules/RELEASE/build, or
#                  DIR/lib/modules/RELEASE/build with --root)
# --root DIR       a private root instead of the system: the source tree
#                  DIR/usr/src, DKMS's tree DIR/var/lib/dkms, the modules
#                  installed into DIR/lib/modules (dkms --sourcetree,
#                  --dkmstree, --installtree, --no-depmod, then `depmod -b
#                  DIR RELEASE`); a signing key DKMS makes goes to
#                  DIR/var/lib/dkms too. Nothing outside DIR is written.
#
# Run through the top-level Makefile (make dkms-source, make dkms-install).
set -eu
WS_TAG=dkms
# shellcheck source=scripts/lib.sh
. "$WS/scripts/lib.sh"

PACKAGE=rust-oot-modules
SOURCE_ONLY=
RELEASE=
KSRC=
ROOT=
usage() {
	die "usage: $0 [--source-only] [--kernel RELEASE] [--kdir TREE] [--root DIR]"
}
while [ $# -gt 0 ]; do
	case "$1" in
	--source-only) SOURCE_ONLY=1 ;;
	--kernel) RELEASE=$2; shift ;;
	--kdir)
		[ -e "$2" ] || die "--kdir $2: no such folder"
		[ -d "$2" ] || die "--kdir $2: not a folder (a file)"
		KSRC=$(cd "$2" && pwd)
		shift ;;
	--root)
		[ ! -e "$2" ] || [ -d "$2" ] || die "--root $2: not a folder (a file)"
		mkdir -p "$2"
		ROOT=$(cd "$2" && pwd -P)
		shift ;;
	*) usage ;;
	esac
	shift
done
if [ -z "$RELEASE" ]; then
	if [ -n "$KSRC" ]; then
		RELEASE=$(cat "$KSRC/include/config/kernel.release") ||
			die "--kdir $KSRC has no include/config/kernel.release: give --kernel RELEASE"
	else
		RELEASE=$(uname -r)
	fi
fi
VERSION=$(git -C "$WS" describe --always --dirty 2>/dev/null) ||
	die "$WS is not a git clone: the DKMS version is its git describe"

DKMS=(dkms)
if [ -n "$ROOT" ]; then
	DKMS+=(--sourcetree "$ROOT/usr/src" --dkmstree "$ROOT/var/lib/dkms"
		--installtree "$ROOT/lib/modules")
	[ -n "$KSRC" ] || KSRC=$ROOT/lib/modules/$RELEASE/build
	mkdir -p "$ROOT/usr/src" "$ROOT/var/lib/dkms" "$ROOT/lib/modules"
	# dkms reads these from its environment (else /var/lib/dkms/mok.*).
	export mok_signing_key=$ROOT/var/lib/dkms/mok.key
	export mok_certificate=$ROOT/var/lib/dkms/mok.pub
fi
SOURCE_TREE=$ROOT/usr/src
DKMS_TREE=$ROOT/var/lib/dkms
KERNEL_ARGS=(-k "$RELEASE")
[ -z "$KSRC" ] || KERNEL_ARGS+=(--kernelsourcedir "$KSRC")

# The copy DKMS builds from: what git tracks (no build outputs, no build/).
if [ -d "$DKMS_TREE/$PACKAGE/$VERSION" ]; then
	say "removing $PACKAGE/$VERSION, which DKMS already has"
	as_root "${DKMS[@]}" remove "$PACKAGE/$VERSION" --all
fi
SRC=$SOURCE_TREE/$PACKAGE-$VERSION
as_root rm -rf "$SRC"
as_root mkdir -p "$SRC"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
copy_sources "$tmp/src"
"$WS/scripts/dkms-conf.sh" --build-dir "$BUILD_DIR" --version "$VERSION" >"$tmp/src/dkms.conf"
as_root cp -R "$tmp/src/." "$SRC/"
say "sources and dkms.conf in $SRC"

[ -z "$ROOT" ] || DKMS+=(--no-depmod)
if [ -n "$SOURCE_ONLY" ]; then
	echo "Then, as root:"
	echo "  ${DKMS[*]} add $PACKAGE/$VERSION"
	echo "  ${DKMS[*]} build $PACKAGE/$VERSION ${KERNEL_ARGS[*]}"
	echo "  ${DKMS[*]} install $PACKAGE/$VERSION ${KERNEL_ARGS[*]}"
	[ -z "$ROOT" ] || echo "  depmod -b $ROOT $RELEASE"
	exit 0
fi

# The DKMS build is what it would be on its own (dkms autoinstall): nothing
# of the make running this script (its variables, its jobserver) leaks in.
unset MAKEFLAGS MAKELEVEL MFLAGS MAKEOVERRIDES
step_start "dkms add, build and install of $PACKAGE/$VERSION for $RELEASE"
as_root "${DKMS[@]}" add "$PACKAGE/$VERSION"
as_root "${DKMS[@]}" build "$PACKAGE/$VERSION" "${KERNEL_ARGS[@]}"
as_root "${DKMS[@]}" install "$PACKAGE/$VERSION" "${KERNEL_ARGS[@]}"
if [ -n "$ROOT" ]; then
	as_root depmod -b "$ROOT" "$RELEASE"
	say "modules.dep made by $(depmod -V | head -n1) in $ROOT/lib/modules/$RELEASE"
fi
step_done
