#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# A root filesystem of another Debian release under the build folder, for
# the tools the host's release does not ship (or ships in another version):
# made by mmdebstrap from the Debian archive the host's apt already uses,
# with the suites and packages asked for, and reused while those inputs are
# unchanged.
#
#   debian-env.sh NAME SUITE[,SUITE...] PACKAGE...
#
# The first SUITE is the release (trixie, sid...), the others are added
# beside it (trixie-backports); a PACKAGE may name its suite as apt takes it
# (rust-analyzer/trixie-backports). The root is $BUILD_DIR/envs/NAME; its
# path is printed on stdout, progress on stderr.
#
# No root needed: mmdebstrap writes a tarball (unshare mode for a normal
# user), which is unpacked as the caller, so every file of the root belongs
# to whoever runs the workspace and `rm -rf build` removes it. A program of
# the root runs on the host through the root's own dynamic loader, whatever
# the host's glibc (the rust-analyzer wrapper scripts/install-deps.sh
# writes).
set -eu
WS_TAG="env"
# shellcheck source=scripts/lib.sh
. "$WS/scripts/lib.sh"

# Standard output is the root's path alone: the progress lines go to stderr.
exec 3>&1 1>&2

[ $# -ge 3 ] || die "usage: $0 NAME SUITE[,SUITE...] PACKAGE..."
ENV_NAME=$1
SUITES=$(echo "$2" | tr ',' ' ')
shift 2
PACKAGES=$*
RELEASE=${SUITES%% *}

ROOT=$BUILD_DIR/envs/$ENV_NAME
STAMP=$BUILD_DIR/envs/$ENV_NAME.inputs
LOG=$BUILD_DIR/logs/env-$ENV_NAME.log
mkdir -p "$BUILD_DIR/envs" "$BUILD_DIR/logs"

# What the root is made of. The archive's address is not an input: any
# mirror serves the same packages.
inputs=$(
	echo "suites: $SUITES"
	echo "packages: $PACKAGES"
	echo "architecture: $(dpkg --print-architecture)"
	echo "script: $(sha256sum "$0" | cut -d' ' -f1)"
)

# One maker at a time per root (make check's parallel parts may all ask).
exec 9>"$BUILD_DIR/envs/.$ENV_NAME.lock"
flock 9

if [ -f "$STAMP" ] && [ -d "$ROOT" ] && [ "$(cat "$STAMP")" = "$inputs" ]; then
	echo "$ROOT" >&3
	exit 0
fi

command -v mmdebstrap >/dev/null 2>&1 ||
	die "mmdebstrap is missing (Debian package mmdebstrap; make deps installs it)"

# The Debian archive of the host's apt configuration: the address of the
# repository that serves the host's own release (not its security suite).
host_release=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
# shellcheck disable=SC2016 # apt's own $(FIELD) placeholders
mirror=$(apt-get indextargets --format '$(RELEASE) $(REPO_URI)' 2>/dev/null |
	awk -v r="$host_release" '$1 == r { print $2; exit }')
[ -n "$mirror" ] || die "cannot tell the Debian archive from the host's apt" \
	"configuration (no repository for '$host_release' in apt-get indextargets;" \
	"run 'apt-get update' first)"

set --
for suite in $SUITES; do
	set -- "$@" "deb $mirror $suite main"
done

# Made in a temporary folder and moved into place when complete: an
# interrupted run leaves nothing that looks finished, and the next run
# starts again.
step_start "making the Debian $RELEASE environment '$ENV_NAME' ($PACKAGES) in $ROOT"
rm -f "$STAMP"
rm -rf "$ROOT" "$ROOT.tmp"
mkdir -p "$ROOT.tmp/root"
: >"$LOG"
# shellcheck disable=SC2086 # one word per package
if ! with_progress "$LOG" mmdebstrap --variant=apt --format=tar \
	--skip=output/dev --include="$(echo $PACKAGES | tr ' ' ',')" \
	"$RELEASE" "$ROOT.tmp/root.tar" "$@"; then
	tail -n 15 "$LOG" >&2
	rm -rf "$ROOT.tmp"
	die "mmdebstrap could not make the $RELEASE environment from $mirror" \
		"(suites: $SUITES; packages: $PACKAGES); full log: $LOG"
fi
# Owned by the caller, and writable by them (a read-only folder of the
# root would stop a later rm -rf).
if ! tar -xf "$ROOT.tmp/root.tar" -C "$ROOT.tmp/root" --no-same-owner \
	--exclude='./dev/*' 2>>"$LOG" || ! chmod -R u+w "$ROOT.tmp/root"; then
	rm -rf "$ROOT.tmp"
	die "unpacking the $RELEASE environment failed; see $LOG"
fi
rm -f "$ROOT.tmp/root.tar"
mv "$ROOT.tmp/root" "$ROOT"
rmdir "$ROOT.tmp"
printf '%s\n' "$inputs" >"$STAMP"
step_done
echo "$ROOT" >&3
