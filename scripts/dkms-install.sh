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
# Root: the system's trees (no --root) are root's, so dkms and the copy
# into /usr/src run through sudo (as_root). A private root is the caller's:
# nothing runs through sudo. DKMS 3.0 still insists on uid 0 for `dkms
# install` (a check of `id -u`, whatever the trees), so that one runs in a
# user namespace where the caller is root (unshare --map-root-user): it
# passes the check and can write nothing the caller cannot.
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

need_tools dkms:dkms
[ -z "$ROOT" ] || need_tools depmod:kmod

DKMS=(dkms)
# privileged COMMAND...: root's for the system's trees, the caller's for a
# private root.
privileged() {
	if [ -z "$ROOT" ]; then as_root "$@"; else "$@"; fi
}
# dkms_install ARGS...: `dkms install`, which wants uid 0 (see above).
dkms_install() {
	if [ -z "$ROOT" ]; then
		as_root "${DKMS[@]}" install "$@"
	else
		unshare --user --map-root-user "${DKMS[@]}" install "$@"
	fi
}
if [ -n "$ROOT" ]; then
	DKMS+=(--sourcetree "$ROOT/usr/src" --dkmstree "$ROOT/var/lib/dkms"
		--installtree "$ROOT/lib/modules")
	[ -n "$KSRC" ] || KSRC=$ROOT/lib/modules/$RELEASE/build
	mkdir -p "$ROOT/usr/src" "$ROOT/var/lib/dkms" "$ROOT/lib/modules"
	# dkms reads these from its environment (else /var/lib/dkms/mok.*).
	export mok_signing_key=$ROOT/var/lib/dkms/mok.key
	export mok_certificate=$ROOT/var/lib/dkms/mok.pub
	# Else dkms runs depmod on the system's tree (also for `dkms remove`).
	DKMS+=(--no-depmod)
fi
SOURCE_TREE=$ROOT/usr/src
DKMS_TREE=$ROOT/var/lib/dkms
KERNEL_ARGS=(-k "$RELEASE")
[ -z "$KSRC" ] || KERNEL_ARGS+=(--kernelsourcedir "$KSRC")

# The copy DKMS builds from: what git tracks (no build outputs, no build/).
if [ -d "$DKMS_TREE/$PACKAGE/$VERSION" ]; then
	say "removing $PACKAGE/$VERSION, which DKMS already has"
	privileged "${DKMS[@]}" remove "$PACKAGE/$VERSION" --all
fi
SRC=$SOURCE_TREE/$PACKAGE-$VERSION
privileged rm -rf "$SRC"
privileged mkdir -p "$SRC"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
copy_sources "$tmp/src"
"$WS/scripts/dkms-conf.sh" --build-dir "$BUILD_DIR" --version "$VERSION" >"$tmp/src/dkms.conf"
privileged cp -R "$tmp/src/." "$SRC/"
say "sources and dkms.conf in $SRC"

if [ -n "$SOURCE_ONLY" ]; then
	if [ -z "$ROOT" ]; then
		echo "Then, as root:"
		install=("${DKMS[@]}")
	else
		echo "Then (dkms install checks for uid 0, hence unshare):"
		install=(unshare --user --map-root-user "${DKMS[@]}")
	fi
	echo "  ${DKMS[*]} add $PACKAGE/$VERSION"
	echo "  ${DKMS[*]} build $PACKAGE/$VERSION ${KERNEL_ARGS[*]}"
	echo "  ${install[*]} install $PACKAGE/$VERSION ${KERNEL_ARGS[*]}"
	[ -z "$ROOT" ] || echo "  depmod -b $ROOT $RELEASE"
	exit 0
fi

# The DKMS build is what it would be on its own (dkms autoinstall): nothing
# of the make running this script (its variables, its jobserver) leaks in.
unset MAKEFLAGS MAKELEVEL MFLAGS MAKEOVERRIDES
step_start "dkms add, build and install of $PACKAGE/$VERSION for $RELEASE"
privileged "${DKMS[@]}" add "$PACKAGE/$VERSION"
privileged "${DKMS[@]}" build "$PACKAGE/$VERSION" "${KERNEL_ARGS[@]}"
dkms_install "$PACKAGE/$VERSION" "${KERNEL_ARGS[@]}"
if [ -n "$ROOT" ]; then
	depmod -b "$ROOT" "$RELEASE"
	say "modules.dep made by $(depmod -V | head -n1) in $ROOT/lib/modules/$RELEASE"
fi
step_done
