# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh disable=SC2034 # the variables are for the sourcing script
#
# What a Debian stock headers tree says about how its kernel was built,
# for scripts/rust-metadata.sh. stock_read KDIR sets:
#
#   STOCK_RELEASE     include/config/kernel.release (7.3.4+deb13-amd64)
#   STOCK_SERIES      its VERSION.PATCHLEVEL (7.3)
#   STOCK_VERSION     the Debian package version of the headers
#                     (7.3.4-1~bpo13+1, from include/generated/package.h)
#   STOCK_RUSTC_TEXT  CONFIG_RUSTC_VERSION_TEXT  (rustc 1.85.1 (...) (...))
#   STOCK_RUSTC_UP    its version (1.85.1)
#   STOCK_BINDGEN_TEXT, STOCK_BINDGEN_UP    the same for bindgen
#   STOCK_CC_TEXT     CONFIG_CC_VERSION_TEXT (x86_64-linux-gnu-gcc-14
#                     (Debian 14.2.0-19) 14.2.0)
#   STOCK_GCC_PACKAGE, STOCK_GCC_VERSION    gcc-14, 14.2.0-19
#   STOCK_PAHOLE_UP   pahole's version as dwarves numbers it (1.30)
#   STOCK_BINUTILS_UP the assembler's version as Kconfig records it (2.44;
#                     2.47.50 for a snapshot such as 2.47.50.20261021)
#   STOCK_DEBIAN      the Debian release number in the kernel release (13)
#   STOCK_SUITES      the suites with its packages (trixie trixie-backports)
#
# and stops (die) when the tree is not one this can rebuild metadata for.

# stock_config NAME: CONFIG_NAME's value in the stock .config, unquoted.
stock_config() {
	sed -n "s/^CONFIG_$1=//p" "$STOCK_KDIR/.config" | sed 's/^"\(.*\)"$/\1/'
}

# stock_codename NUMBER: the codename of Debian release NUMBER; the newest
# one, not released yet, is built in unstable (sid).
stock_codename() {
	case $1 in
	12) echo bookworm ;;
	13) echo trixie ;;
	14) echo forky ;;
	*) return 1 ;;
	esac
}

stock_read() {
	STOCK_KDIR=$1
	[ -f "$STOCK_KDIR/.config" ] ||
		die "$STOCK_KDIR has no .config: give a kernel headers tree (/usr/src/linux-headers-RELEASE)"
	STOCK_RELEASE=$(cat "$STOCK_KDIR/include/config/kernel.release" 2>/dev/null) ||
		die "$STOCK_KDIR has no include/config/kernel.release: not a prepared headers tree"
	STOCK_SERIES=$(echo "$STOCK_RELEASE" | cut -d. -f1-2)
	[ "$(stock_config RUST)" = y ] ||
		die "Rust is off in $STOCK_RELEASE (no CONFIG_RUST=y in $STOCK_KDIR/.config):" \
			"there is no Rust metadata to rebuild; build self-contained modules instead:" \
			"make SELF_CONTAINED=1 KDIR=$STOCK_KDIR (docs/debian-stock.md)"
	# " Debian 7.3.4-1~bpo13+1"
	STOCK_VERSION=$(sed -n 's/^#define LINUX_PACKAGE_ID " *Debian \([^ "]*\)".*/\1/p' \
		"$STOCK_KDIR/include/generated/package.h" 2>/dev/null)
	[ -n "$STOCK_VERSION" ] ||
		die "$STOCK_KDIR is no Debian headers tree (no Debian version in include/generated/package.h):" \
			"only Debian's stock kernels are rebuilt from Debian's linux-source"

	STOCK_RUSTC_TEXT=$(stock_config RUSTC_VERSION_TEXT)
	STOCK_RUSTC_UP=$(echo "$STOCK_RUSTC_TEXT" | sed -n 's/^rustc \([0-9][0-9.]*\) .*/\1/p')
	STOCK_BINDGEN_TEXT=$(stock_config BINDGEN_VERSION_TEXT)
	STOCK_BINDGEN_UP=$(echo "$STOCK_BINDGEN_TEXT" | sed -n 's/^bindgen \([0-9][0-9.]*\)$/\1/p')
	STOCK_CC_TEXT=$(stock_config CC_VERSION_TEXT)
	# x86_64-linux-gnu-gcc-14 (Debian 14.2.0-19) 14.2.0
	STOCK_GCC_PACKAGE=$(echo "$STOCK_CC_TEXT" | sed -n 's/^[a-z0-9_]*-linux-gnu-\(gcc-[0-9]*\) (Debian [^)]*).*/\1/p')
	STOCK_GCC_VERSION=$(echo "$STOCK_CC_TEXT" | sed -n 's/^[^ ]* (Debian \([^)]*\)).*/\1/p')
	if [ -z "$STOCK_RUSTC_UP" ] || [ -z "$STOCK_BINDGEN_UP" ]; then
		die "$STOCK_RELEASE's .config names no rustc or bindgen version" \
			"(CONFIG_RUSTC_VERSION_TEXT='$STOCK_RUSTC_TEXT', CONFIG_BINDGEN_VERSION_TEXT='$STOCK_BINDGEN_TEXT')"
	fi
	if [ -z "$STOCK_GCC_PACKAGE" ] || [ -z "$STOCK_GCC_VERSION" ]; then
		die "$STOCK_RELEASE was built by '$STOCK_CC_TEXT': only kernels built by Debian's GCC" \
			"(x86_64-linux-gnu-gcc-N (Debian VERSION)) are rebuilt here"
	fi
	# PAHOLE_VERSION 130 is dwarves 1.30; AS_VERSION 24400 is binutils 2.44.
	STOCK_PAHOLE_UP=$(stock_config PAHOLE_VERSION | awk '$1 > 0 { printf "%d.%d\n", $1 / 100, $1 % 100 }')
	# (scripts/as-version.sh: 2.44 is 24400, a snapshot 2.47.50.20261021
	# 24750.)
	STOCK_BINUTILS_UP=$(stock_config AS_VERSION | awk '$1 > 0 {
		printf "%d.%d", $1 / 10000, $1 / 100 % 100
		if ($1 % 100) printf ".%d", $1 % 100
		print "" }')

	# 7.3.4+deb13-amd64: Debian 13's; a ~bpo13 version comes from its backports.
	STOCK_DEBIAN=$(echo "$STOCK_RELEASE" | sed -n 's/.*+deb\([0-9]*\)-.*/\1/p')
	codename=$(stock_codename "${STOCK_DEBIAN:-0}") ||
		die "$STOCK_RELEASE names no Debian release this knows (+debNN, NN of 12 to 14)"
	case $STOCK_VERSION in
	*~bpo*) STOCK_SUITES="$codename $codename-backports" ;;
	*) STOCK_SUITES="$codename" ;;
	esac
	# Unstable's kernels are named after the release in the making.
	[ "$codename" != forky ] || STOCK_SUITES="sid"
	STOCK_SUITES=${RUST_METADATA_SUITES:-$STOCK_SUITES}
}
