#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The workspace on a fresh host of another Debian release, as a new user
# would meet it: a minimal root filesystem of RELEASE (mmdebstrap minbase
# with make and git, from the archive the host's apt uses, and its
# -security suite), a fresh clone of this workspace's HEAD in it, and make
# TARGET... run there as root. Not part of make check (a fresh make check
# there takes most of an hour); the figures are in docs/generations.md.
#
#   sudo tests/debian-host.sh RELEASE [TARGET...]     (default: run)
#
# The root is build/hosts/RELEASE (kept: a second call reuses it and its
# build folder, after a git pull of HEAD). It is entered as the root of a
# mount namespace of its own (pivot_root, as a container runtime does),
# with its own /proc, /sys and /tmp and the host's /dev: unlike a bare
# chroot, where the kernel makes no user namespace, the workspace's
# environments and unprivileged test builds work there as on a real host.
# Needs root (mounts, pivot_root, mmdebstrap's root mode).
set -eu
WS=$(cd "$(dirname "$0")/.." && pwd)
export WS
BUILD_DIR=${BUILD_DIR:-$WS/build}
export BUILD_DIR
WS_TAG=host
# shellcheck source=scripts/lib.sh
. "$WS/scripts/lib.sh"
# shellcheck source=scripts/kernel-conf.sh
. "$WS/scripts/kernel-conf.sh"

[ $# -ge 1 ] || die "usage: $0 RELEASE [TARGET...]"
[ "$(id -u)" -eq 0 ] || die "$0 needs root (mounts and pivot_root): sudo $0 $*"
RELEASE=$1
shift
[ $# -ge 1 ] || set -- run
ROOT=$BUILD_DIR/hosts/$RELEASE
mkdir -p "$BUILD_DIR/hosts" "$BUILD_DIR/logs"

# The archive and security archive of the host's apt, by suite kind.
repos=$(kconf_host_repos)
host_release=$(kconf_host_release)
mirror=$(kconf_repo_uri "$repos" "$host_release")
security=$(kconf_repo_uri "$repos" "$host_release-security")
[ -n "$mirror" ] || die "no repository for $host_release in the host's apt configuration"

if [ ! -x "$ROOT/usr/bin/git" ]; then
	log=$BUILD_DIR/logs/host-$RELEASE.log
	rm -rf "$ROOT"
	step_start "making a minimal Debian $RELEASE host in $ROOT"
	security_line=""
	[ -z "$security" ] || security_line="deb $security $RELEASE-security main"
	with_progress "$log" run_mmdebstrap --variant=minbase --include=make,git \
		"$RELEASE" "$ROOT" "deb $mirror $RELEASE main" ${security_line:+"$security_line"} || {
		tail -n 15 "$log" >&2
		rm -rf "$ROOT"
		die "mmdebstrap could not make the $RELEASE root; full log: $log"
	}
	step_done
	# The certificate authorities this machine trusts (a proxy's own,
	# say), as a Debian host installed on it would have them.
	[ ! -f /etc/ssl/certs/ca-certificates.crt ] || {
		mkdir -p "$ROOT/etc/ssl/certs"
		cp /etc/ssl/certs/ca-certificates.crt "$ROOT/etc/ssl/certs/"
	}
fi

# A fresh clone of HEAD the first time, HEAD pulled into it later.
if [ ! -d "$ROOT/root/ws/.git" ]; then
	git clone -q "$WS" "$ROOT/root/ws"
else
	git -C "$ROOT/root/ws" pull -q --ff-only "$WS" HEAD
fi
say "workspace in $ROOT/root/ws at $(git -C "$ROOT/root/ws" log --oneline -1)"
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"

t0=$(now)
rc=0
# shellcheck disable=SC2016 # the inner shell expands them
unshare --mount --pid --fork --kill-child sh -c '
	set -eu
	root=$1
	shift
	mount --rbind "$root" "$root"
	mount -t proc proc "$root/proc"
	mount -t sysfs sys "$root/sys"
	mount --rbind /dev "$root/dev"
	mount -t tmpfs tmp "$root/tmp"
	mkdir -p "$root/.old-root"
	cd "$root"
	pivot_root . .old-root
	umount -l /.old-root
	cd /root/ws
	exec env -i HOME=/root TERM=dumb \
		PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin make "$@"
' debian-host "$ROOT" "$@" || rc=$?
say "make $* on Debian $RELEASE: exit status $rc, $(($(now) - t0)) s"
exit "$rc"
