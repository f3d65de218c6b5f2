#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Debian's stock kernel image, for a VM run of the kernel whose headers
# tests/lib/debian-headers.sh fetched: the linux-image-RELEASE-unsigned
# package of exactly the headers' version (the signed package only adds a
# Secure Boot signature, and pulls in the -unsigned one's contents through
# a different source package), fetched with `apt-get download` and unpacked
# with `dpkg -x` into $BUILD_DIR/debian-kernels/RELEASE; nothing is
# installed. Kept while its version is the one asked for. Several suites
# can ask at once, so the fetch holds a lock per release.
#
# Sourced (debian_kernel), or run:
#
#   tests/lib/debian-kernel.sh HEADERS_DIR|RELEASE [VERSION]
#
# prints the path of the image, ROOT/boot/vmlinuz-RELEASE. A headers tree
# (Debian's linux-headers-RELEASE, unpacked) gives both the release
# (include/config/kernel.release) and the package version
# (include/generated/package.h); with a bare RELEASE the version is apt's
# candidate unless VERSION is given. Progress lines go to stderr.

# shellcheck source=tests/lib/apt-lists.sh
. "$WS/tests/lib/apt-lists.sh"

# debian_kernel HEADERS_DIR|RELEASE [VERSION]: the path of the stock
# kernel image, fetched if needed; fails with a message on stderr naming
# the package when apt-get cannot fetch it.
debian_kernel() {
	local release version=${2:-} top=$BUILD_DIR/debian-kernels
	if [ -d "$1" ]; then
		release=$(cat "$1/include/config/kernel.release" 2>/dev/null) || {
			echo "debian-kernel: $1 has no include/config/kernel.release" >&2
			return 1
		}
		# " Debian 6.12.117-1~deb12u1": the version of the headers package.
		[ -n "$version" ] || version=$(sed -n \
			's/^#define LINUX_PACKAGE_ID " *Debian \([^ "]*\)".*/\1/p' \
			"$1/include/generated/package.h" 2>/dev/null)
	else
		release=$1
	fi
	mkdir -p "$top"
	(
		flock 9
		debian_kernel_unlocked "$release" "$version"
	) 9>"$top/$release.lock"
}

debian_kernel_unlocked() {
	local release=$1 version=$2 top=$BUILD_DIR/debian-kernels/$1
	local pkg=linux-image-$1-unsigned image=$top/root/boot/vmlinuz-$1
	local log=$BUILD_DIR/debian-kernels/apt-download-$1.log
	if [ -f "$top/.version" ] && [ -f "$image" ] &&
		{ [ -z "$version" ] || [ "$(cat "$top/.version")" = "$version" ]; }; then
		echo "$image"
		return
	fi
	if [ -z "$(debian_kernel_versions "$pkg")" ]; then
		# apt's lists may predate the package (a fresh machine).
		echo "[debian-kernel] apt-get update (no $pkg in apt's lists)" >&2
		apt_lists_update "$BUILD_DIR/debian-kernels/apt-update.log" || true
	fi
	if [ -z "$version" ]; then
		version=$(apt_cache policy "$pkg" 2>/dev/null | sed -n 's/^ *Candidate: //p')
		[ "$version" != "(none)" ] || version=
	fi
	if [ -z "$version" ] || ! debian_kernel_versions "$pkg" | grep -qxF "$version"; then
		echo "debian-kernel: apt-get cannot fetch $pkg${version:+ version $version}" \
			"(apt's lists have: $(debian_kernel_versions "$pkg" | paste -sd' ' | sed 's/^$/no version/'))" \
			"${version:+; the image must be of the version of the headers its modules are built against}" >&2
		return 1
	fi
	if [ -d "$top" ]; then
		chmod -R u+w "$top"
		rm -rf "$top"
	fi
	mkdir -p "$top/debs"
	: >"$log"
	echo "[debian-kernel] fetching $pkg $version with apt-get download" >&2
	if ! (cd "$top/debs" && WS_TAG=debian-kernel with_progress "$log" \
		apt-get download "$pkg=$version") >&2; then
		echo "debian-kernel: apt-get download $pkg=$version failed, see $log:" >&2
		tail -n 3 "$log" >&2
		return 1
	fi
	echo "[debian-kernel] unpacking $(cd "$top/debs" && echo *.deb)" >&2
	dpkg -x "$top"/debs/*.deb "$top/root" || return 1
	if [ ! -f "$image" ]; then
		echo "debian-kernel: $pkg $version has no /boot/vmlinuz-$release" >&2
		return 1
	fi
	echo "$version" >"$top/.version"
	echo "$image"
}

# debian_kernel_versions PACKAGE: the versions apt can fetch, one a line.
debian_kernel_versions() {
	apt_cache show "$1" 2>/dev/null | sed -n 's/^Version: //p'
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	set -eu
	WS_TAG=debian-kernel
	# shellcheck source=scripts/lib.sh
	. "$WS/scripts/lib.sh"
	case $# in
	1 | 2) ;;
	*) die "usage: $0 HEADERS_DIR|RELEASE [VERSION]" ;;
	esac
	debian_kernel "$@"
fi
