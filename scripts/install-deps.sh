#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Install what the workspace needs and is missing: Debian packages (kernel
# source, Rust and LLVM toolchains, QEMU, busybox) and the pinned bindgen-cli
# from crates.io. Idempotent and quiet when everything is already there.
set -eu
WS_TAG=deps
# shellcheck source=scripts/lib.sh
. "$WS/scripts/lib.sh"

# bindgen-cli version: 6.12 needs >= 0.65.1 (scripts/min-tool-version.sh) and
# passes `--rust-target 1.68`, which 0.69 accepts as it is.
BINDGEN_CLI_VERSION=0.69.5

PACKAGES="
linux-source-$KERNEL_SERIES
rustc-web rust-web-src rust-web-clippy rustfmt-web
clang-$LLVM_VERSION lld-$LLVM_VERSION llvm-$LLVM_VERSION libclang-$LLVM_VERSION-dev
make gcc libc6-dev flex bison bc libelf-dev libssl-dev cpio xz-utils kmod file
qemu-system-x86 busybox-static shellcheck git
"

missing=""
for pkg in $PACKAGES; do
	status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
	[ "$status" = "install ok installed" ] || missing="$missing $pkg"
done

if [ -n "$missing" ]; then
	step_start "installing Debian packages:$missing"
	mkdir -p "$BUILD_DIR/logs"
	log=$BUILD_DIR/logs/apt.log
	# shellcheck disable=SC2086 # one word per package
	if ! { as_root apt-get update -q &&
		as_root env DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -q --no-install-recommends $missing; } >"$log" 2>&1; then
		tail -n 20 "$log" >&2
		die "apt-get failed; full log: $log"
	fi
	step_done
fi

# cargo builds bindgen; rustup's cargo is on a fresh machine of this kind,
# otherwise fall back to Debian's cargo for rustc-web.
if ! command -v cargo >/dev/null 2>&1; then
	step_start "installing Debian's cargo-web (no cargo on PATH)"
	as_root env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q --no-install-recommends cargo-web >/dev/null
	step_done
fi

have=$("$WS_BINDGEN" --version 2>/dev/null || true)
if [ "$have" != "bindgen $BINDGEN_CLI_VERSION" ]; then
	step_start "building bindgen-cli $BINDGEN_CLI_VERSION into $BUILD_DIR/tools"
	mkdir -p "$BUILD_DIR/tools"
	# From / so that rust-toolchain.toml (no cargo of its own) plays no part:
	# the host's default toolchain builds this host tool.
	cd /
	cargo install --quiet --locked --force --root "$BUILD_DIR/tools" \
		"bindgen-cli@$BINDGEN_CLI_VERSION"
	step_done
fi

[ -x "$WS_RUSTC" ] || die "$WS_RUSTC missing after install: check rust-toolchain.toml's path"
