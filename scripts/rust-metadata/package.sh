# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# The Debian package of rebuilt Rust metadata (scripts/rust-metadata.sh):
# linux-rust-metadata-RELEASE, of the headers' own version, depending on
# exactly that linux-headers-RELEASE, with the files where Kbuild looks
# for them in /usr/src/linux-headers-RELEASE/. Made by dpkg-deb from a
# folder, as any user (files owned by root in the package).
#
#   deb_file_name KDIR RELEASE VERSION
#   deb_build KDIR RELEASE VERSION FILES DEB
#
# FILES holds the files by their path in the headers folder (rust/...,
# scripts/target.json). Debian's headers folder links scripts/ to the
# linux-kbuild package's folder (../../lib/linux-kbuild-X/scripts), so
# the target spec goes where that link leads, and the package depends on
# that linux-kbuild package of the same version too.

deb_package_name() {
	echo "linux-rust-metadata-$1"
}

deb_file_name() {
	# The version without its epoch, as Debian names its files.
	echo "$(deb_package_name "$2")_${3#*:}_$(dpkg --print-architecture).deb"
}

# deb_place KDIR RELEASE PATH: where the headers' PATH (rust/x, scripts/x)
# is on an installed system, without the leading /.
deb_place() {
	dp_dir=${3%%/*}
	dp_headers=/usr/src/linux-headers-$2
	if [ -L "$1/$dp_dir" ]; then
		dp_link=$(readlink "$1/$dp_dir")
		case $dp_link in
		/*) dp_real=$dp_link ;;
		*) dp_real=$(realpath -m -s "$dp_headers/$dp_link") ;;
		esac
		echo "${dp_real#/}/${3#*/}"
	else
		echo "${dp_headers#/}/$3"
	fi
}

deb_build() {
	db_kdir=$1 db_release=$2 db_version=$3 db_files=$4 db_deb=$5
	db_root=$db_deb.root
	rm -rf "$db_root"
	mkdir -p "$db_root/DEBIAN"
	db_depends="linux-headers-$db_release (= $db_version)"
	for db_rel in $(cd "$db_files" && find . -type f | sed 's|^\./||' | LC_ALL=C sort); do
		db_to=$(deb_place "$db_kdir" "$db_release" "$db_rel")
		mkdir -p "$db_root/$(dirname "$db_to")"
		cp "$db_files/$db_rel" "$db_root/$db_to"
		case $db_to in
		usr/lib/linux-kbuild-*/*)
			db_kbuild=${db_to#usr/lib/}
			db_kbuild=${db_kbuild%%/*}
			case $db_depends in
			*"$db_kbuild "*) ;;
			*) db_depends="$db_depends, $db_kbuild (= $db_version)" ;;
			esac ;;
		esac
	done
	chmod -R u=rwX,go=rX "$db_root"
	(cd "$db_root" && find usr -type f -exec md5sum {} + | LC_ALL=C sort -k2) >"$db_root/DEBIAN/md5sums"
	cat >"$db_root/DEBIAN/control" <<EOT
Package: $(deb_package_name "$db_release")
Version: $db_version
Architecture: $(dpkg --print-architecture)
Maintainer: make rust-metadata (built locally) <root@localhost>
Installed-Size: $(du -sk "$db_root/usr" | cut -f1)
Depends: $db_depends
Section: kernel
Priority: optional
Description: Rust metadata for building modules for Linux $db_release
 The Rust metadata that Debian's linux-headers-$db_release leaves out:
 the rustc target spec, the kernel crates' metadata (rust/*.rmeta) and
 their proc macros (rust/*.so), rebuilt from linux-source $db_version
 with the stock configuration and the compiler it names, and checked to
 export every Rust symbol of the stock Module.symvers under the same
 name. Out-of-tree Rust modules build against the headers with it, using
 $(stock_config RUSTC_VERSION_TEXT).
EOT
	# zstd: the 190 MB of metadata in about a second (50 MB); dpkg-deb's
	# default, xz, took 70 s for 38 MB. Every dpkg since Debian 12 reads it.
	dpkg-deb --root-owner-group -Zzstd -z9 --build "$db_root" "$db_deb" >/dev/null ||
		die "dpkg-deb could not build $db_deb"
	rm -rf "$db_root"
}
