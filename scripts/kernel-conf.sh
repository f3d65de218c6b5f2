# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh disable=SC2034 # the variables are for the sourcing script
#
# The one reader of the kernel generation descriptions, kernels/*.conf.
# Sourced by the workspace scripts (and by the Makefile through
# kconf_print_make); needs WS and BUILD_DIR.
#
#   kconf_load LABEL     read kernels/LABEL.conf (fails when there is none)
#   kconf_find SERIES    print the description whose KERNEL_SERIES is
#                        SERIES ("6.1"), nothing when no generation matches
#   kconf_labels         print the label of every description
#
# After kconf_load, besides the description's own fields (see
# kernels/*.conf), these hold what they imply:
#
#   KCONF_FILE           the description's path
#   KCONF_KDIR           the workspace's tree, build/linux-$KERNEL_LABEL
#   KCONF_TARBALL        Debian's source tarball, /usr/src/$SOURCE_PACKAGE.tar.xz
#   KCONF_TOOLCHAIN_DIR  build/toolchains/$KERNEL_LABEL (private installs)
#   KCONF_RUST_PREFIX    the absolute folder with bin/rustc
#   KCONF_RUSTC KCONF_RUSTDOC KCONF_CLIPPY_DRIVER KCONF_RUSTFMT KCONF_BINDGEN
#   KCONF_LLVM           "-$LLVM_VERSION", as Kbuild's LLVM= takes it
#   KCONF_LIBCLANG_PATH  the libclang bindgen must load

: "${WS:?kernel-conf.sh needs WS (the workspace folder)}"
: "${BUILD_DIR:?kernel-conf.sh needs BUILD_DIR}"

# The fields a description may set; cleared before each one is read so that
# nothing leaks from a previously loaded description.
KCONF_FIELDS="KERNEL_LABEL KERNEL_SERIES SOURCE_PACKAGE LLVM_VERSION
RUST_INSTALL RUST_PREFIX RUST_PACKAGES RUST_VERSION BINDGEN_SOURCE
CONFIG_FRAGMENTS DEBUG_FRAGMENTS RUST_TARGET_SPEC RUST_METADATA"

kconf_labels() {
	for f in "$WS"/kernels/*.conf; do
		[ -f "$f" ] || continue
		f=${f##*/}
		echo "${f%.conf}"
	done
}

kconf_load() {
	KCONF_FILE=$WS/kernels/$1.conf
	if [ ! -f "$KCONF_FILE" ]; then
		printf 'error: no kernel generation "%s": no %s (known:%s)\n' \
			"$1" "$KCONF_FILE" "$(kconf_labels | tr '\n' ' ' | sed 's/^/ /;s/ $//')" >&2
		return 1
	fi
	# shellcheck disable=SC2086 # a list of names
	unset $KCONF_FIELDS
	# shellcheck disable=SC1090 # one of kernels/*.conf
	. "$KCONF_FILE"
	for field in KERNEL_LABEL KERNEL_SERIES SOURCE_PACKAGE LLVM_VERSION \
		RUST_INSTALL RUST_PREFIX BINDGEN_SOURCE CONFIG_FRAGMENTS; do
		eval "[ -n \"\${$field:-}\" ]" || {
			echo "error: $KCONF_FILE sets no $field" >&2
			return 1
		}
	done
	[ "$KERNEL_LABEL" = "$1" ] || {
		echo "error: $KCONF_FILE: KERNEL_LABEL=$KERNEL_LABEL, not $1 as its name says" >&2
		return 1
	}
	DEBUG_FRAGMENTS=${DEBUG_FRAGMENTS:-$CONFIG_FRAGMENTS}
	RUST_VERSION=${RUST_VERSION:-}

	KCONF_KDIR=$BUILD_DIR/linux-$KERNEL_LABEL
	KCONF_TARBALL=/usr/src/$SOURCE_PACKAGE.tar.xz
	KCONF_TOOLCHAIN_DIR=$BUILD_DIR/toolchains/$KERNEL_LABEL
	case "$RUST_PREFIX" in
	/*) KCONF_RUST_PREFIX=$RUST_PREFIX ;;
	*) KCONF_RUST_PREFIX=$BUILD_DIR/$RUST_PREFIX ;;
	esac
	KCONF_RUSTC=$KCONF_RUST_PREFIX/bin/rustc
	KCONF_RUSTDOC=$KCONF_RUST_PREFIX/bin/rustdoc
	KCONF_CLIPPY_DRIVER=$KCONF_RUST_PREFIX/bin/clippy-driver
	KCONF_RUSTFMT=$KCONF_RUST_PREFIX/bin/rustfmt
	case "$BINDGEN_SOURCE" in
	cargo:*) KCONF_BINDGEN=$BUILD_DIR/tools/bin/bindgen ;;
	deb:*) KCONF_BINDGEN=$KCONF_TOOLCHAIN_DIR/usr/bin/bindgen ;;
	*)
		echo "error: $KCONF_FILE: BINDGEN_SOURCE=$BINDGEN_SOURCE is neither cargo:CRATE@VERSION nor deb:PACKAGE" >&2
		return 1 ;;
	esac
	KCONF_LLVM=-$LLVM_VERSION
	KCONF_LIBCLANG_PATH=/usr/lib/llvm-$LLVM_VERSION/lib
}

kconf_find() {
	for label in $(kconf_labels); do
		# shellcheck disable=SC1090 # one of kernels/*.conf
		if [ "$(KERNEL_SERIES= && . "$WS/kernels/$label.conf" && echo "$KERNEL_SERIES")" = "$1" ]; then
			echo "$WS/kernels/$label.conf"
			return 0
		fi
	done
}

# kconf_print_make LABEL: the derived values as make assignments, one word
# each (paths have no spaces), for the Makefile's $(eval).
kconf_print_make() {
	kconf_load "$1" || return 1
	for var in KCONF_FILE KERNEL_LABEL KERNEL_SERIES LLVM_VERSION KCONF_KDIR \
		KCONF_RUST_PREFIX KCONF_RUSTC KCONF_RUSTDOC KCONF_CLIPPY_DRIVER \
		KCONF_RUSTFMT KCONF_BINDGEN KCONF_LLVM KCONF_LIBCLANG_PATH; do
		eval "echo \"$var:=\$$var\""
	done
}
