# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# Copies of a root filesystem that holds Debian's headers (usr/src/linux-
# headers-RELEASE and its -common folder, unpacked with dpkg -x), for the
# tests that give such a tree to another user or change what is in it
# (tests/stock-cases.sh, tests/stock-rust-cases.sh).
#
#   headers_root_copy FROM TO HEADERS   prints the copy's headers folder
#
# HEADERS is the headers folder in FROM. The copy is made of hard links
# where possible (the callers mount it read-only or only add files to it);
# the headers' Makefile, which names the root by absolute path, is a file
# of the copy's own, pointed at TO.
headers_root_copy() {
	hrc_headers=$2/usr/src/${3##*/usr/src/}
	rm -rf "$2"
	cp -al "$1" "$2" 2>/dev/null || { rm -rf "$2" && cp -a "$1" "$2"; }
	rm "$hrc_headers/Makefile"
	sed "s|$1/|$2/|" "$3/Makefile" >"$hrc_headers/Makefile"
	echo "$hrc_headers"
}
