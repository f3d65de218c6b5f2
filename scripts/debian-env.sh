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
# user; root mode for root, which also works inside a chroot, where no
# user namespace can be made), which is unpacked as the caller, so every file of the root belongs
# to whoever runs the workspace and `rm -rf build` removes it. A program of
# the root runs on the host through the root's own dynamic loader, whatever
# the host's glibc (the rust-analyzer wrapper scripts/install-deps.sh
# writes).
set -eu
WS_TAG="env"
# shellcheck source=scripts/lib.sh
. "$WS/scripts/lib.sh"
# shellcheck source=scripts/kernel-conf.sh
. "$WS/scripts/kernel-conf.sh"

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

# How a root is made, as a number: raised when a change to this script
# changes what a root holds (not for its messages), so that roots made the
# old way are made again.
ENV_FORMAT=1

# What the root is made of. The archive's address is not an input: any
# mirror serves the same packages.
inputs=$(
	echo "suites: $SUITES"
	echo "packages: $PACKAGES"
	echo "architecture: $(dpkg --print-architecture)"
	echo "format: $ENV_FORMAT"
)
up_to_date() {
	[ -f "$STAMP" ] && [ -d "$ROOT" ] && [ "$(cat "$STAMP")" = "$inputs" ]
}
if up_to_date; then
	echo "$ROOT" >&3
	exit 0
fi

# One maker at a time per root (make check's parallel parts may all ask),
# and not while a command runs in it: scripts/env-run.sh holds this lock
# shared for as long as its command runs.
exec 9>"$BUILD_DIR/envs/.$ENV_NAME.lock"
if ! flock -n 9; then
	say "waiting for the commands running in the environment '$ENV_NAME' to end"
	flock 9
fi
if up_to_date; then
	echo "$ROOT" >&3
	exit 0
fi

command -v mmdebstrap >/dev/null 2>&1 ||
	die "mmdebstrap is missing (Debian package mmdebstrap; make deps installs it)"

# The Debian archive of the host's apt configuration: the address of the
# repository that serves the host's own release, and of each suite of the
# host beside it (its -security, say). A suite of the environment is
# fetched from the host's suite of the same kind (bookworm-security from
# where trixie-security comes), else from the release's archive.
host_release=$(kconf_host_release)
host_repos=$(kconf_host_repos)
mirror=$(kconf_repo_uri "$host_repos" "$host_release")
[ -n "$mirror" ] || die "cannot tell the Debian archive from the host's apt" \
	"configuration (no repository for '$host_release' in apt-get indextargets;" \
	"run 'apt-get update' first)"

# suite_uri SUITE: where the host's apt would fetch a suite of its kind.
suite_uri() {
	su_kind=${1#"$RELEASE"}
	su_uri=""
	[ -z "$su_kind" ] ||
		su_uri=$(kconf_repo_uri "$host_repos" "$host_release$su_kind")
	echo "${su_uri:-$mirror}"
}

set --
for suite in $SUITES; do
	set -- "$@" "deb $(suite_uri "$suite") $suite main"
done

# archive_names PREFIX: the names of the packages the archive's suites
# have that start with PREFIX, read with apt from a private state folder
# (no root, nothing of the host's apt touched).
archive_names() {
	an_prefix=$1
	an_tmp=$(mktemp -d)
	mkdir -p "$an_tmp/lists/partial" "$an_tmp/cache/archives/partial"
	for an_suite in $SUITES; do
		echo "deb $(suite_uri "$an_suite") $an_suite main"
	done >"$an_tmp/sources.list"
	set -- -o Dir::Etc::SourceList="$an_tmp/sources.list" \
		-o Dir::Etc::SourceParts=/nonexistent -o Dir::State::Lists="$an_tmp/lists" \
		-o Dir::Cache="$an_tmp/cache" -o Dir::State::status=/dev/null \
		-o Debug::NoLocking=1
	if apt-get "$@" -qq update >/dev/null 2>&1; then
		apt-cache "$@" pkgnames "$an_prefix" 2>/dev/null | sort -V | tr '\n' ' '
	fi
	rm -rf "$an_tmp"
}

# explain_failure: the reason of a failed mmdebstrap, from its log, when it
# is one of those a user can act on: the archive cannot be reached, or it
# no longer has a package (a backports suite moved on to a newer kernel).
explain_failure() {
	if grep -qE "Temporary failure resolving|Could not resolve|Failed to fetch|Could not connect|Connection failed|Network is unreachable" "$LOG"; then
		die "the Debian archive $mirror cannot be reached from here (see $LOG):" \
			"the $RELEASE environment needs it; nothing was made, the next run starts again"
	fi
	gone=$(sed -n "s/.*Unable to locate package \([^ ]*\).*/\1/p;s/.*Package '\([^']*\)' has no installation candidate.*/\1/p" "$LOG" | sort -u | tr '\n' ' ')
	[ -n "$gone" ] || return 0
	has=""
	for pkg in $gone; do
		pkg=${pkg%%/*}
		prefix=$(echo "$pkg" | sed 's/[0-9.]*$//')
		names=$(archive_names "$prefix")
		if [ -n "$names" ]; then
			has="$has${has:+; }it has ${names% }"
		else
			has="$has${has:+; }it has no $prefix* package"
		fi
	done
	die "the Debian archive ($mirror, suites: $SUITES) has no package ${gone% }" \
		"($has); the generation's description" \
		"(kernels/*.conf) names a version the archive no longer serves: add a" \
		"description for the version it has (or a suite that still has it)"
}

# Made in a temporary folder and moved into place when complete: an
# interrupted run leaves nothing that looks finished, and the next run
# starts again.
step_start "making the Debian $RELEASE environment '$ENV_NAME' ($PACKAGES) in $ROOT"
rm -f "$STAMP"
rm -rf "$ROOT" "$ROOT.tmp"
mkdir -p "$ROOT.tmp/root"
: >"$LOG"
# (Without this script's descriptors, 3 and the lock's 9: lib.sh.)
# shellcheck disable=SC2086 # one word per package
if ! with_progress "$LOG" run_mmdebstrap --variant=apt --format=tar --skip=output/dev \
	--include="$(echo $PACKAGES | tr ' ' ',')" "$RELEASE" "$ROOT.tmp/root.tar" "$@"; then
	tail -n 15 "$LOG" >&2
	rm -rf "$ROOT.tmp"
	explain_failure
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
