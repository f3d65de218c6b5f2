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
#   kconf_host_generation  print the first label whose toolchain is the
#                        host's own (RUST_INSTALL=system)
#
# After kconf_load, besides the description's own fields (see
# kernels/*.conf), these hold what they imply:
#
#   KCONF_FILE           the description's path
#   KCONF_KDIR           the workspace's tree, build/linux-$KERNEL_LABEL
#   KCONF_TARBALL        Debian's source tarball, /usr/src/$SOURCE_PACKAGE.tar.xz
#   KCONF_TOOLCHAIN_DIR  build/toolchains/$KERNEL_LABEL (an environment's
#                        command wrappers, in bin/)
#   KCONF_RUST_PREFIX    the absolute folder with bin/rustc
#   KCONF_RUSTC KCONF_RUSTDOC KCONF_CLIPPY_DRIVER KCONF_RUSTFMT KCONF_BINDGEN
#   KCONF_LLVM           "-$LLVM_VERSION", as Kbuild's LLVM= takes it
#   KCONF_LIBCLANG_PATH  the libclang bindgen must load
#   KCONF_ENV            RUST_INSTALL=env on a host of another release: the
#                        name of the Debian environment (build/envs/NAME)
#                        its builds run in, through scripts/env-run.sh;
#                        empty when they run on the host
#   KCONF_ENV_ROOT       that environment's root folder
#   KCONF_ENV_PACKAGES   the packages it is made with
#   KCONF_RUN            "$WS/scripts/env-run.sh NAME", the prefix of a
#                        command that runs there (empty: on the host)
#   KCONF_DPKG_ADMIN     dpkg's database of the packages (the environment's)
#   KCONF_ENV_BINDGEN    in the environment, the path of bindgen (a Debian
#                        package's, or one cargo built there: /usr/local)
#
# RUST_INSTALL=env with DEBIAN_RELEASE the host's own release is
# RUST_INSTALL=$HOST_INSTALL (default system): the same packages installed
# on the host, or (HOST_INSTALL=env) an environment all the same, when
# they conflict with another generation's (6.1's rustc 1.63 and 6.12's
# rustc-web on Debian 12).

: "${WS:?kernel-conf.sh needs WS (the workspace folder)}"
: "${BUILD_DIR:?kernel-conf.sh needs BUILD_DIR}"

# The fields a description may set; cleared before each one is read so that
# nothing leaks from a previously loaded description.
KCONF_FIELDS="KERNEL_LABEL KERNEL_SERIES SOURCE_PACKAGE LLVM_VERSION
RUST_INSTALL RUST_PREFIX RUST_PACKAGES RUST_VERSION BINDGEN_SOURCE
BINDGEN_VERSION CARGO_PACKAGE DEBIAN_RELEASE DEBIAN_SUITES SOURCE_SUITE HOST_INSTALL STOCK_CHECK
CONFIG_FRAGMENTS DEBUG_FRAGMENTS BENCH_FRAGMENTS BENCH_NO_INLINE_FRAGMENTS
RUST_TARGET_SPEC RUST_METADATA
KERNEL_CRATE_HAS DEBIAN_HEADERS SELF_CONTAINED_REFUSAL"

# What a Debian environment has besides the generation's toolchain and
# source: what a kernel build runs (pahole, of dwarves: module BTF for a
# tree with DEBUG_INFO_BTF_MODULES, such as Debian's stock 7.3; openssl,
# which Kconfig probes for OPENSSL_SUPPORTS_ML_DSA, and libssl-dev, for
# the module signing tool of a stock configuration). With these, the
# generation's environment also serves make rust-metadata for the stock
# kernel of its release when the versions agree (scripts/rust-metadata.sh).
KCONF_ENV_BUILD_PACKAGES="make gcc libc6-dev bc bison flex libelf-dev cpio
python3 perl xz-utils kmod dwarves openssl libssl-dev"

# The host's Debian release (codename).
kconf_host_release() {
	# shellcheck disable=SC1091 # the host's own file
	(. /etc/os-release && echo "${VERSION_CODENAME:-}")
}

# The host apt's repositories, "SUITE URI" a line: by the codename their
# Release files give (a sources.list may say "stable"), and as the sources
# name them (a fresh system has no Release file yet).
kconf_host_repos() {
	# shellcheck disable=SC2016 # apt's own $(FIELD) placeholders
	{
		apt-get indextargets --format '$(RELEASE) $(REPO_URI)' 2>/dev/null || true
		apt-get indextargets --no-release-info --format '$(RELEASE) $(REPO_URI)' 2>/dev/null || true
	} | sort -u
}

# kconf_repo_uri REPOS SUITE: the address of SUITE in REPOS (lines of
# kconf_host_repos), nothing when the host's apt has no such suite.
kconf_repo_uri() {
	printf '%s\n' "$1" | awk -v s="$2" '$1 == s { print $2; exit }'
}

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
	if [ "${RUST_INSTALL:-}" = env ]; then
		RUST_PREFIX=${RUST_PREFIX:-toolchains/$KERNEL_LABEL}
		for field in DEBIAN_RELEASE DEBIAN_SUITES; do
			eval "[ -n \"\${$field:-}\" ]" || {
				echo "error: $KCONF_FILE: RUST_INSTALL=env needs $field" >&2
				return 1
			}
		done
		if [ "$(kconf_host_release)" = "$DEBIAN_RELEASE" ]; then
			RUST_INSTALL=${HOST_INSTALL:-system}
			[ "$RUST_INSTALL" != system ] || RUST_PREFIX=/usr
		fi
	fi
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
	BENCH_FRAGMENTS=${BENCH_FRAGMENTS:-$CONFIG_FRAGMENTS performance.config}
	BENCH_NO_INLINE_FRAGMENTS=${BENCH_NO_INLINE_FRAGMENTS:-}
	RUST_VERSION=${RUST_VERSION:-}
	KERNEL_CRATE_HAS=${KERNEL_CRATE_HAS:-}

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
	KCONF_ENV=""
	KCONF_ENV_ROOT=""
	KCONF_RUN=""
	KCONF_DPKG_ADMIN=/var/lib/dpkg
	KCONF_ENV_PACKAGES=""
	KCONF_ENV_BINDGEN=""
	case "$BINDGEN_SOURCE" in
	cargo:*) KCONF_BINDGEN=$BUILD_DIR/tools/bin/bindgen ;;
	deb:*)
		case "$RUST_INSTALL" in
		system) KCONF_BINDGEN=/usr/bin/${BINDGEN_SOURCE#deb:} ;;
		env) KCONF_BINDGEN=$KCONF_RUST_PREFIX/bin/bindgen ;;
		esac ;;
	*)
		echo "error: $KCONF_FILE: BINDGEN_SOURCE=$BINDGEN_SOURCE is neither cargo:CRATE@VERSION nor deb:PACKAGE" >&2
		return 1 ;;
	esac
	KCONF_LLVM=-$LLVM_VERSION
	KCONF_LIBCLANG_PATH=/usr/lib/llvm-$LLVM_VERSION/lib
	if [ "$RUST_INSTALL" = env ]; then
		KCONF_ENV=kernel-$KERNEL_LABEL
		KCONF_ENV_ROOT=$BUILD_DIR/envs/$KCONF_ENV
		KCONF_RUN="$WS/scripts/env-run.sh $KCONF_ENV"
		KCONF_DPKG_ADMIN=$KCONF_ENV_ROOT/var/lib/dpkg
		KCONF_TARBALL=$KCONF_ENV_ROOT$KCONF_TARBALL
		KCONF_ENV_PACKAGES="$RUST_PACKAGES clang-$LLVM_VERSION lld-$LLVM_VERSION
llvm-$LLVM_VERSION libclang-$LLVM_VERSION-dev $KCONF_ENV_BUILD_PACKAGES
$SOURCE_PACKAGE${SOURCE_SUITE:+/$SOURCE_SUITE}"
		# bindgen: the release's package, or built there from crates.io
		# by the release's cargo (a host-built one would need the host's
		# glibc; ca-certificates: crates.io is reached over TLS); the
		# workspace runs it through the wrapper beside rustc.
		case "$BINDGEN_SOURCE" in
		deb:*)
			KCONF_ENV_PACKAGES="$KCONF_ENV_PACKAGES ${BINDGEN_SOURCE#deb:}"
			KCONF_ENV_BINDGEN=/usr/bin/${BINDGEN_SOURCE#deb:} ;;
		cargo:*)
			KCONF_ENV_PACKAGES="$KCONF_ENV_PACKAGES ca-certificates ${CARGO_PACKAGE:?$KCONF_FILE: a cargo: BINDGEN_SOURCE in an environment needs CARGO_PACKAGE}"
			KCONF_ENV_BINDGEN=/usr/local/bin/bindgen ;;
		esac
		KCONF_BINDGEN=$KCONF_RUST_PREFIX/bin/bindgen
	fi
}

# kconf_rust_package NAME: the loaded description's RUST_PACKAGES has NAME
# (rust-analyzer: the generation brings its own, of its compiler's release).
kconf_rust_package() {
	for pkg in $RUST_PACKAGES; do
		[ "$pkg" != "$1" ] || return 0
	done
	return 1
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

# kconf_host_generation: the first generation whose toolchain is the host
# release's own (RUST_INSTALL=system: neither in an environment nor a
# environment's, such as 6.1's 1.63); it builds the test programs.
kconf_host_generation() {
	for label in $(kconf_labels); do
		kconf_load "$label" || return 1
		[ "$RUST_INSTALL" != system ] || {
			echo "$label"
			return 0
		}
	done
	echo "error: no generation's toolchain is the host's own (RUST_INSTALL=system): none builds the test programs" >&2
	return 1
}

# kconf_print_make LABEL: the derived values as make assignments, one word
# each (paths have no spaces), for the Makefile's $(eval).
kconf_print_make() {
	kconf_load "$1" || return 1
	for var in KCONF_FILE KERNEL_LABEL KERNEL_SERIES LLVM_VERSION KCONF_KDIR \
		KCONF_RUST_PREFIX KCONF_RUSTC KCONF_RUSTDOC KCONF_CLIPPY_DRIVER \
		KCONF_RUSTFMT KCONF_BINDGEN KCONF_LLVM KCONF_LIBCLANG_PATH KCONF_ENV \
		STOCK_CHECK; do
		eval "echo \"$var:=\$$var\""
	done
}
