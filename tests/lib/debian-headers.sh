# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Debian's stock kernel headers, for the tests that need a real kernel
# without Rust (tests/doctor-cases.sh, tests/dkms-cases.sh): the newest
# linux-headers package of a series, with its -common and linux-kbuild
# packages (what installing it brings), fetched with `apt-get download` and
# unpacked once under $BUILD_DIR/doctor/debian-SERIES; nothing is installed.
# make check runs those two scripts at the same time, so the fetch holds a
# lock per series.

# shellcheck source=tests/lib/apt-lists.sh
. "$WS/tests/lib/apt-lists.sh"

# debian_headers SERIES: the headers folder of Debian's newest stock
# headers of SERIES (6.12.*+debN-amd64, 6.1.0-N-amd64), fetched if needed;
# fails when apt-get cannot fetch them. The absolute include in its
# Makefile is pointed at the unpacked -common folder.
debian_headers() {
	local dir=$BUILD_DIR/doctor
	mkdir -p "$dir"
	(
		flock 9
		debian_headers_unlocked "$1"
	) 9>"$dir/debian-$1.lock"
}

debian_headers_unlocked() {
	local series=$1 dir=$BUILD_DIR/doctor name deb hdir
	local top=$dir/debian-$series
	local stamp=$top/.headers-dir
	if [ -f "$stamp" ] && [ -d "$(cat "$stamp")" ]; then
		cat "$stamp"
		return
	fi
	name=$(newest_debian_headers "$series")
	if [ -z "$name" ]; then
		apt_lists_update "$dir/apt-update.log" || true
		name=$(newest_debian_headers "$series")
	fi
	[ -n "$name" ] || return 1
	if [ -d "$top" ]; then
		chmod -R u+w "$top"
		rm -rf "$top"
	fi
	mkdir -p "$top/debs"
	# shellcheck disable=SC2046 # package names are words
	(cd "$top/debs" && apt-get download "$name" $(headers_depends "$name")) \
		>"$dir/apt-download-$series.log" 2>&1 || return 1
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
	apt-cache depends "$1" 2>/dev/null |
		sed -n 's/^ *Depends: \(linux-\(headers\|kbuild\)-[^ ]*\)$/\1/p' | sort -u
}

# newest_debian_headers SERIES: the package name, from apt's lists.
newest_debian_headers() {
	local re
	case $1 in
	6.12) re='^linux-headers-6\.12\.[0-9]+\+deb[0-9]+-amd64$' ;;
	*) re="^linux-headers-${1//./\\.}\\.0-[0-9]+-amd64\$" ;;
	esac
	apt-cache search --names-only "$re" 2>/dev/null | awk '{ print $1 }' | sort -V | tail -n 1
}
