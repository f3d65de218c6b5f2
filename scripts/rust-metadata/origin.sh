# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# Which kernel a set of rebuilt Rust metadata belongs to: make
# rust-metadata writes this record beside the crates (rust/$METADATA_ORIGIN,
# in its folder and its .deb), and the doctor compares it with the headers
# the files are found in (a plain folder can be copied into any):
#
#   release 7.3.4+deb13-amd64
#   version 7.3.4-1~bpo13+1
#   config  the sha256 of the .config the crates were built with
#
#   metadata_origin RELEASE VERSION CONFIG_SHA256   print the record
#   origin_field FILE NAME                          a field of a record

# shellcheck disable=SC2034 # read by the scripts that source this file
METADATA_ORIGIN=rust-metadata.origin

metadata_origin() {
	echo "# make rust-metadata: the kernel these Rust files were rebuilt for"
	echo "release $1"
	echo "version $2"
	echo "config $3"
}

origin_field() {
	sed -n "s/^$2 //p" "$1" | head -n 1
}
