# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Debian's stock kernel headers, for the tests that need a real kernel
# without Rust (tests/doctor-cases.sh, tests/dkms-cases.sh,
# tests/stock-cases.sh): the newest linux-headers package of a generation
# (its description's DEBIAN_HEADERS), with its -common and linux-kbuild
# packages (what installing it brings), fetched with `apt-get download` and
# unpacked once under $BUILD_DIR/doctor/debian-LABEL; nothing is installed.
# make check runs those scripts at the same time, so the fetch holds a lock
# per generation.

# shellcheck source=tests/lib/apt-lists.sh
. "$WS/tests/lib/apt-lists.sh"
# kconf_load, for the descriptions' DEBIAN_HEADERS.
# shellcheck source=scripts/kernel-conf.sh
. "$WS/scripts/kernel-conf.sh"

# debian_headers LABEL: the headers folder of Debian's newest stock
# headers of generation LABEL (kernels/LABEL.conf's DEBIAN_HEADERS names
# the packages), fetched if needed; fails when apt-get cannot fetch them.
# The absolute include in its Makefile is
# pointed at the unpacked -common folder.
debian_headers() {
	local dir=$BUILD_DIR/doctor
	mkdir -p "$dir"
	(
		flock 9
		debian_headers_unlocked "$1"
	) 9>"$dir/debian-$1.lock"
}

# debian_headers_known LABEL: the generation's description names Debian's
# stock headers (DEBIAN_HEADERS) and the host's apt lists such a package
# (a Debian 13 host has no 6.1 headers: they are Debian 12's); when not,
# the callers skip their cases, saying so (DEBIAN_HEADERS_WHY).
# shellcheck disable=SC2034 # read by the callers
debian_headers_known() {
	local re
	re=$(debian_headers_re "$1")
	if [ -z "$re" ]; then
		DEBIAN_HEADERS_WHY="kernels/$1.conf names no Debian stock headers (DEBIAN_HEADERS)"
		return 1
	fi
	if [ -z "$(newest_debian_headers "$re")" ]; then
		mkdir -p "$BUILD_DIR/doctor"
		apt_lists_update "$BUILD_DIR/doctor/apt-update.log" || true
		if [ -z "$(newest_debian_headers "$re")" ]; then
			DEBIAN_HEADERS_WHY="the host's apt lists no package of kernels/$1.conf's DEBIAN_HEADERS ($re): not this Debian release's"
			return 1
		fi
	fi
}

# debian_headers_re LABEL: the description's DEBIAN_HEADERS.
debian_headers_re() {
	(kconf_load "$1" >/dev/null && echo "${DEBIAN_HEADERS:-}")
}

debian_headers_unlocked() {
	local label=$1 dir=$BUILD_DIR/doctor name deb hdir re
	local top=$dir/debian-$label
	local stamp=$top/.headers-dir
	if [ -f "$stamp" ] && [ -d "$(cat "$stamp")" ]; then
		cat "$stamp"
		return
	fi
	re=$(debian_headers_re "$label")
	[ -n "$re" ] || return 1
	name=$(newest_debian_headers "$re")
	if [ -z "$name" ]; then
		apt_lists_update "$dir/apt-update.log" || true
		name=$(newest_debian_headers "$re")
	fi
	[ -n "$name" ] || return 1
	if [ -d "$top" ]; then
		chmod -R u+w "$top"
		rm -rf "$top"
	fi
	mkdir -p "$top/debs"
	# shellcheck disable=SC2046 # package names are words
	(cd "$top/debs" && apt-get download "$name" $(headers_depends "$name")) \
		>"$dir/apt-download-$label.log" 2>&1 || return 1
	for deb in "$top"/debs/*.deb; do
		dpkg -x "$deb" "$top/root"
	done
	hdir=$top/root/usr/src/$name
	sed -i "s|^include /usr/src/|include $top/root/usr/src/|" "$hdir/Makefile"
	echo "$hdir" >"$stamp"
	echo "$hdir"
}

# headers_depends PACKAGE: the -common and linux-kbuild packages it needs.
headers_depends() {
	apt_cache depends "$1" 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-\(headers\|kbuild\)-[^ ]*\)$/\1/p' | sort -u
}

# newest_debian_headers REGEX: the newest package name matching REGEX, from
# apt's lists.
newest_debian_headers() {
	apt_cache search --names-only "$1" 2>/dev/null | awk '{ print $1 }' | sort -V | tail -n 1
}
