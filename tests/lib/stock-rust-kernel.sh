# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# Debian's stock Rust-enabled kernel of a generation (7.3: Debian 13's
# backports), for tests/stock-rust-cases.sh: its headers (linux-headers-
# RELEASE, -common, linux-kbuild-VERSION, and linux-base-RELEASE which
# they depend on) and its image (linux-binary-RELEASE: usr/lib/modules/
# RELEASE/vmlinuz), fetched with `apt-get download` from the suites of the
# generation's description (DEBIAN_SUITES), read with a private apt state
# (scripts/rust-metadata/archive.sh: the host's apt lists another release),
# and unpacked with `dpkg -x` into $BUILD_DIR/stock-rust/RELEASE/root.
# Nothing is installed. Kept while the release is the archive's newest.
#
#   stock_rust_kernel LABEL   sets STOCK_ROOT, STOCK_HEADERS (the headers
#                             folder in it) and STOCK_IMAGE (the vmlinuz)
#   stock_rust_with_metadata ROOT  then: STOCK_TREE, those headers with the
#                             package of make rust-metadata, in a copy
#
# The headers' Makefile names its -common folder and its own folder by
# absolute paths (/usr/src/...): pointed at the private root, as a user's
# copy elsewhere than / would be.

# shellcheck source=scripts/rust-metadata/archive.sh
. "$WS/scripts/rust-metadata/archive.sh"

# stock_rust_with_metadata ROOT: a copy of STOCK_ROOT at ROOT (made anew,
# of hard links where possible: sed -i and dpkg -x's tar replace a file
# rather than write into it, so STOCK_ROOT's files are never changed)
# with the package that make rust-metadata made for the stock headers
# unpacked into it (dpkg -x), where installing it would put its files;
# sets STOCK_TREE, the headers folder there, which Kbuild builds Rust
# modules against. Fails (with a message) when there is no package or
# dpkg -x fails.
stock_rust_with_metadata() {
	srk_release=$(cat "$STOCK_HEADERS/include/config/kernel.release")
	srk_deb=$(find "$BUILD_DIR/rust-metadata/$srk_release" -maxdepth 1 -name '*.deb' 2>/dev/null | head -n 1)
	if [ -z "$srk_deb" ]; then
		echo "no package of make rust-metadata in $BUILD_DIR/rust-metadata/$srk_release" >&2
		return 1
	fi
	STOCK_TREE=$1/usr/src/${STOCK_HEADERS##*/usr/src/}
	rm -rf "$1" && mkdir -p "$(dirname "$1")" &&
		{ cp -al "$STOCK_ROOT" "$1" 2>/dev/null || { rm -rf "$1" && cp -a "$STOCK_ROOT" "$1"; }; } &&
		sed -i "s|$STOCK_ROOT/|$1/|" "$STOCK_TREE/Makefile" &&
		dpkg -x "$srk_deb" "$1"
}

stock_rust_kernel() {
	srk_suites=$(kconf_load "$1" >/dev/null && echo "${DEBIAN_SUITES:-}")
	[ -n "$srk_suites" ] || die "kernels/$1.conf names no DEBIAN_SUITES: no stock kernel to fetch"
	srk_series=$(kconf_load "$1" >/dev/null && echo "$KERNEL_SERIES")
	# shellcheck disable=SC2086 # one word per suite
	archive_open $srk_suites
	# The newest release of the series in its plain (-amd64) flavour.
	srk_headers=$(archive_apt_cache pkgnames "linux-headers-$srk_series." |
		grep -E "^linux-headers-$srk_series\.[0-9]+\+deb[0-9]+-$(dpkg --print-architecture)\$" | sort -V | tail -n 1)
	[ -n "$srk_headers" ] || die "the archive's $srk_suites have no linux-headers-$srk_series.*-$(dpkg --print-architecture)"
	srk_release=${srk_headers#linux-headers-}
	srk_version=$(archive_versions "$srk_headers" | head -n 1)
	# linux-kbuild-7.3.4+deb13: the release without its flavour.
	srk_kbuild=linux-kbuild-${srk_release%-*}
	srk_common=linux-headers-${srk_release%-*}-common
	srk_top=$BUILD_DIR/stock-rust/$srk_release
	STOCK_ROOT=$srk_top/root
	STOCK_HEADERS=$STOCK_ROOT/usr/src/$srk_headers
	STOCK_IMAGE=$STOCK_ROOT/usr/lib/modules/$srk_release/vmlinuz
	if [ "$(cat "$srk_top/.version" 2>/dev/null)" != "$srk_version" ]; then
		rm -rf "$srk_top"
		mkdir -p "$srk_top/debs"
		say "fetching $srk_headers $srk_version, $srk_common, $srk_kbuild, linux-base-$srk_release, linux-binary-$srk_release"
		(cd "$srk_top/debs" && APT_CONFIG=$ARCHIVE_STATE/apt.conf apt-get -q download \
			"$srk_headers=$srk_version" "$srk_common=$srk_version" "$srk_kbuild=$srk_version" \
			"linux-base-$srk_release=$srk_version" "linux-binary-$srk_release=$srk_version") \
			>"$srk_top/download.log" 2>&1 ||
			die "apt-get download failed; see $srk_top/download.log"
		for srk_deb in "$srk_top"/debs/*.deb; do
			dpkg -x "$srk_deb" "$STOCK_ROOT"
		done
		sed -i "s|^KBUILD_OUTPUT=/usr/src/|KBUILD_OUTPUT=$STOCK_ROOT/usr/src/|;s|^include /usr/src/|include $STOCK_ROOT/usr/src/|" \
			"$STOCK_HEADERS/Makefile"
		echo "$srk_version" >"$srk_top/.version"
	fi
	archive_close
	[ -f "$STOCK_IMAGE" ] || die "linux-binary-$srk_release has no usr/lib/modules/$srk_release/vmlinuz"
}
