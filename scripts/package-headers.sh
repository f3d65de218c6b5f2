#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Package a built kernel tree as a headers-only tree that can build
# out-of-tree Rust modules, the way distributions ship
# /usr/src/linux-headers-*, plus what Rust modules need and distributions
# leave out:
#
#   scripts/target.json    the rustc target spec the kernel was built for
#                          (rust/target.json on 6.1)
#   rust/*.rmeta           metadata of core, kernel and the crates it uses
#   rust/lib*.so           the kernel's proc macros (module!, vtable, ...;
#                          pin_init's and zerocopy's on later kernels)
#   rust/helpers/*.bc      the C helpers' bitcode, with
#                          CONFIG_RUST_INLINE_HELPERS
# (the generation's RUST_TARGET_SPEC and RUST_METADATA, kernels/*.conf)
#   rust-toolchain.toml    which rustc built them: modules need that exact one
#
# Usage: package-headers.sh [--rustc RUSTC] KDIR DEST
#
# KDIR is a built kernel tree with CONFIG_RUST=y; DEST is created (and
# replaced when it exists). RUSTC (default: rustc on PATH) is the compiler
# recorded; it must be the one that built KDIR. The C part is the kernel's
# own file list for headers packages, as `make bindeb-pkg` uses it:
# scripts/package/install-extmod-build (6.8+), or the deploy_kernel_headers
# function of scripts/package/builddeb before that; the result does not
# depend on where it is placed.
#
# Both are run directly, not through the kernel's Makefile: a
# make run in KDIR without exactly the toolchain variables it was built with
# re-runs Kconfig, which then turns CONFIG_RUST off in KDIR itself.
set -eu

usage() {
	echo "usage: $0 [--rustc RUSTC] KDIR DEST" >&2
	exit 2
}
RUSTC=rustc
if [ "${1:-}" = --rustc ]; then
	[ $# -ge 2 ] || usage
	RUSTC=$2
	shift 2
fi
[ $# -eq 2 ] || usage

die() {
	echo "package-headers: error: $*" >&2
	exit 1
}

[ -e "$1" ] || die "KDIR=$1 does not exist: give a built kernel tree"
[ -d "$1" ] || die "KDIR=$1 is not a directory: give a built kernel tree"
KDIR=$(cd "$1" && pwd)
DEST=$2
[ ! -e "$DEST" ] || [ -d "$DEST" ] || die "DEST=$DEST is not a directory: give a folder to create (or replace)"

config() { # config NAME: the value of CONFIG_NAME in KDIR's auto.conf
	sed -n "s/^CONFIG_$1=//p" "$KDIR/include/config/auto.conf" | tr -d '"'
}

if [ ! -f "$KDIR/Module.symvers" ] || [ ! -f "$KDIR/include/config/auto.conf" ]; then
	die "$KDIR is not a built kernel tree (Module.symvers or include/config/auto.conf missing)"
fi

# What Rust metadata the tree's generation has: its description in
# kernels/*.conf (RUST_TARGET_SPEC, RUST_METADATA), matched by the tree's
# VERSION.PATCHLEVEL.
WS=${WS:-$(cd "$(dirname "$0")/.." && pwd)}
BUILD_DIR=${BUILD_DIR:-$WS/build}
# shellcheck source=scripts/kernel-conf.sh
. "$WS/scripts/kernel-conf.sh"
series=$(cut -d. -f1-2 "$KDIR/include/config/kernel.release")
conf=$(kconf_find "$series")
[ -n "$conf" ] || die "$KDIR is Linux $series: the workspace describes only$(kconf_labels | sed 's/^/ /' | tr -d '\n') (kernels/*.conf)"
conf=${conf##*/}
kconf_load "${conf%.conf}" || exit 1
[ "$(config RUST)" = y ] || die "$KDIR has no CONFIG_RUST=y: there is no Rust metadata to package"
if [ -x "$KDIR/scripts/package/install-extmod-build" ]; then
	C_PART=install-extmod-build
elif grep -q '^deploy_kernel_headers ()' "$KDIR/scripts/package/builddeb" 2>/dev/null; then
	C_PART=builddeb
else
	die "$KDIR has neither scripts/package/install-extmod-build (6.8+) nor" \
		"deploy_kernel_headers in scripts/package/builddeb (up to 6.7)"
fi

# The compiler record must name the compiler that built the metadata.
built_by=$(config RUSTC_VERSION_TEXT)
have=$("$RUSTC" --version 2>/dev/null) || die "cannot run RUSTC=$RUSTC"
[ -z "$built_by" ] || [ "$have" = "$built_by" ] ||
	die "RUSTC=$RUSTC is '$have' but $KDIR was built by '$built_by'"
rustc_path=$(command -v "$RUSTC")
toolchain_dir=$(cd "$(dirname "$rustc_path")/.." && pwd)

t0=$(date +%s)
rm -rf "$DEST"
mkdir -p "$DEST"
DEST=$(cd "$DEST" && pwd)

echo "package-headers: $KDIR -> $DEST"
echo "package-headers: C headers and build scripts ($C_PART)..."
# What the kernel's Makefile would export to it. An O= build tree links its
# sources as `source`; CC = HOSTCC: keep the tree's host programs as built.
srctree=$KDIR
[ -L "$KDIR/source" ] && srctree=$(cd "$KDIR/source" && pwd)
srcarch=
for dir in "$KDIR"/arch/*/include/generated; do
	[ -d "$dir" ] && srcarch=${dir#"$KDIR"/arch/} && srcarch=${srcarch%%/*}
done
[ -n "$srcarch" ] || die "no arch/*/include/generated in $KDIR: is it prepared?"
config_sum=$(cksum <"$KDIR/include/config/auto.conf")
case $C_PART in
install-extmod-build)
	(cd "$KDIR" && env srctree="$srctree" SRCARCH="$srcarch" CC=cc HOSTCC=cc MAKE=make \
		"$srctree/scripts/package/install-extmod-build" "$DEST") ;;
builddeb)
	# Up to 6.7 the file list of the headers package is the function
	# deploy_kernel_headers of builddeb (`make bindeb-pkg`), which runs in
	# the build tree and keeps its lists in ./debian: run that function as
	# it is, in a throwaway root, then keep its usr/src/linux-headers-*.
	# Its lists are files of KDIR's debian/ with fixed names: one packaging
	# of a tree at a time (a lock on KDIR itself, held to the end of the
	# subshell), or one run removes them while another reads them (make
	# check's headers and DKMS cases package the same tree side by side:
	# "tar: debian/hdrobjfiles: Cannot stat").
	pkgroot=$DEST.pkgroot
	(
		exec 8<"$KDIR"
		flock 8
		debian_dir_existed=0
		[ ! -d "$KDIR/debian" ] || debian_dir_existed=1
		cd "$KDIR"
		mkdir -p debian
		eval "$(sed -n '/^deploy_kernel_headers ()/,/^}/p' "$srctree/scripts/package/builddeb")"
		# shellcheck disable=SC2317 # called by deploy_kernel_headers
		is_enabled() { grep -q "^$1=y" include/config/auto.conf; }
		# shellcheck disable=SC2034 # read by deploy_kernel_headers
		version=$(cat include/config/kernel.release) SRCARCH=$srcarch KCONFIG_CONFIG=.config
		deploy_kernel_headers "$pkgroot"
		[ "$debian_dir_existed" = 1 ] || rmdir debian
	)
	rmdir "$DEST"
	mv "$pkgroot"/usr/src/linux-headers-* "$DEST"
	rm -rf "$pkgroot" ;;
esac
[ "$(cksum <"$KDIR/include/config/auto.conf")" = "$config_sum" ] ||
	die "$KDIR/include/config/auto.conf changed while packaging"
# Distributions ship the configuration beside it.
cp "$KDIR/.config" "$DEST/.config"

echo "package-headers: Rust build metadata added:"
for rel in $RUST_TARGET_SPEC $RUST_METADATA; do
	[ -f "$KDIR/$rel" ] || die "$KDIR/$rel missing: is the kernel fully built?"
	mkdir -p "$DEST/$(dirname "$rel")"
	cp "$KDIR/$rel" "$DEST/$rel"
	printf '  %-32s %6s KiB\n' "$rel" "$(($(wc -c <"$KDIR/$rel") / 1024))"
done

cat >"$DEST/rust-toolchain.toml" <<EOT
# The Rust compiler that built this kernel's Rust metadata (rust/*.rmeta,
# rust/lib*.so); out-of-tree Rust modules must be built by the same one:
#   $have
# rustup and the workspace Makefile read \`path\` (the folder with bin/rustc).
[toolchain]
path = "$toolchain_dir"
EOT
echo "  rust-toolchain.toml              $toolchain_dir/bin/rustc ($have)"

full=$(du -sk "$KDIR/" | cut -f1)
packaged=$(du -sk "$DEST" | cut -f1)
echo "package-headers: $((packaged / 1024)) MiB, build tree $((full / 1024)) MiB" \
	"($((full / packaged))x smaller), in $(($(date +%s) - t0)) s"
