#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Build one of the workspace's kernels from Debian's linux-source tarball:
# tinyconfig plus config fragments merged with the kernel's own
# merge_config.sh, built with LLVM and the workspace's rustc.
#
#   build-kernel.sh          the default kernel, $DEFAULT_KDIR:
#                            configs/qemu-rust.config
#   build-kernel.sh debug    the debug kernel, $DEFAULT_KDIR-debug:
#                            configs/qemu-rust.config + configs/debug.config
#
# A tree is reused while its inputs are unchanged: the source package
# version, the config fragments and the toolchain versions are recorded in
# $KDIR/.ws-inputs after a successful build.
set -eu
WS_TAG=kernel
# shellcheck source=scripts/lib.sh
. "$WS/scripts/lib.sh"

FRAGMENTS=$WS/configs/qemu-rust.config
KDIR=$DEFAULT_KDIR
case "${1:-}" in
"") ;;
debug)
	WS_TAG=kernel-debug
	KDIR=$DEFAULT_KDIR-debug
	FRAGMENTS="$FRAGMENTS $WS/configs/debug.config" ;;
*) die "usage: $0 [debug]" ;;
esac
TARBALL=/usr/src/linux-source-$KERNEL_SERIES.tar.xz
STAMP=$KDIR/.ws-inputs
JOBS=$(nproc)

[ -f "$TARBALL" ] || die "$TARBALL not found: run 'make deps' (package linux-source-$KERNEL_SERIES)"

set -- LLVM="$WS_LLVM" RUSTC="$WS_RUSTC" HOSTRUSTC="$WS_RUSTC" \
	RUSTDOC="$WS_RUSTDOC" CLIPPY_DRIVER="$WS_CLIPPY_DRIVER" RUSTFMT="$WS_RUSTFMT" \
	BINDGEN="$WS_BINDGEN"

src_version=$(dpkg-query -W -f='${Version}' "linux-source-$KERNEL_SERIES")
inputs=$(
	echo "source: linux-source-$KERNEL_SERIES $src_version"
	# shellcheck disable=SC2086 # a list of paths without spaces
	echo "fragment: $(cat $FRAGMENTS | sha256sum | cut -d' ' -f1)"
	echo "rustc: $("$WS_RUSTC" --version)"
	echo "clang: $("clang$WS_LLVM" --version | head -n1)"
	echo "bindgen: $("$WS_BINDGEN" --version)"
	echo "make args: $*"
)

# The fragments' lines missing from the tree's .config: "CONFIG_X=v" must be
# there as it is, "# CONFIG_X is not set" must not be set.
dropped_options() {
	# shellcheck disable=SC2086 # a list of paths without spaces
	cat $FRAGMENTS | while IFS= read -r line; do
		case "$line" in
		CONFIG_*=*) grep -qxF "$line" "$KDIR/.config" || printf ' %s' "$line" ;;
		"# CONFIG_"*" is not set")
			opt=${line#\# }
			opt=${opt%% *}
			! grep -q "^$opt=" "$KDIR/.config" || printf ' %s' "$opt=n" ;;
		esac
	done
}

# Up to date: same inputs, and the configuration is still whole (a make
# run in the tree without the same toolchain variables makes Kconfig drop
# RUST again, silently).
if [ -f "$STAMP" ] && [ -f "$KDIR/arch/x86/boot/bzImage" ] &&
	[ "$(cat "$STAMP")" = "$inputs" ]; then
	lost=$(dropped_options)
	if [ -z "$lost" ]; then
		say "up to date: $KDIR ($(sed -n 's/^source: //p' "$STAMP"))"
		exit 0
	fi
	say "the tree's .config lost$lost since it was built (a make run in it" \
		"without the toolchain variables?): reconfiguring and rebuilding"
fi

T0=$(now)
source_line="linux-source-$KERNEL_SERIES $src_version"
if [ "$(cat "$KDIR/.ws-source" 2>/dev/null)" != "$source_line" ]; then
	step_start "unpacking $TARBALL into $KDIR"
	rm -rf "$KDIR" "$KDIR.tmp"
	mkdir -p "$KDIR.tmp"
	tar -xf "$TARBALL" -C "$KDIR.tmp" --strip-components=1
	echo "$source_line" >"$KDIR.tmp/.ws-source"
	mv "$KDIR.tmp" "$KDIR"
	step_done
fi
rm -f "$STAMP"

step_start "configuring: tinyconfig +$(for f in $FRAGMENTS; do printf ' %s' "${f##*/}"; done)"
make -C "$KDIR" -s "$@" tinyconfig
# shellcheck disable=SC2086 # a list of paths without spaces
(cd "$KDIR" && ./scripts/kconfig/merge_config.sh -m -Q .config $FRAGMENTS >/dev/null)
make -C "$KDIR" -s "$@" olddefconfig
dropped=$(dropped_options)
if [ -n "$dropped" ]; then
	for opt in $dropped; do
		echo "  dropped by Kconfig: $opt (now: $(grep -E "^(# )?${opt%%=*}[= ]" "$KDIR/.config" || echo unset))" >&2
	done
	case "$dropped" in
	*CONFIG_RUST=y*)
		echo "  CONFIG_RUST needs rustc, bindgen and libclang that scripts/rust_is_available.sh accepts:" >&2
		make -C "$KDIR" -s "$@" rustavailable >&2 || true ;;
	esac
	die "Kconfig dropped options of the config fragments; the kernel is not built"
fi
step_done

step_start "building Linux $src_version with LLVM$WS_LLVM and $("$WS_RUSTC" --version | cut -d' ' -f1-2), $JOBS jobs (3 to 10 min on 2 cores)"
log=$BUILD_DIR/logs/$WS_TAG-build.log
mkdir -p "$BUILD_DIR/logs"
if ! make -C "$KDIR" -j"$JOBS" "$@" all >"$log" 2>&1; then
	tail -n 40 "$log" >&2
	die "kernel build failed; full log: $log"
fi
# Host program the test harness uses to pack the initramfs.
make -C "$KDIR" -s "$@" usr/gen_init_cpio >>"$log" 2>&1 ||
	die "building usr/gen_init_cpio failed; see $log"
step_done

printf '%s\n' "$inputs" >"$STAMP"
say "kernel ready in $(($(now) - T0)) s: $KDIR"
