#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Build a kernel generation's tree from Debian's linux-source tarball:
# tinyconfig plus the config fragments its description (kernels/$KERNEL.conf)
# lists, merged with the kernel's own merge_config.sh, built with the
# generation's LLVM, rustc and bindgen.
#
#   build-kernel.sh          build/linux-$KERNEL_LABEL, with CONFIG_FRAGMENTS
#   build-kernel.sh debug    build/linux-$KERNEL_LABEL-debug, with DEBUG_FRAGMENTS
#   build-kernel.sh bench    build/linux-$KERNEL_LABEL-bench, with BENCH_FRAGMENTS
#   build-kernel.sh bench-no-inline
#                            build/linux-$KERNEL_LABEL-bench-no-inline, with
#                            BENCH_NO_INLINE_FRAGMENTS
#
# KERNEL (from the Makefile, default its KERNEL) names the description.
# A tree is reused while its inputs are unchanged: the source package
# version, the config fragments and the toolchain versions are recorded in
# $KDIR/.ws-inputs after a successful build. Every built tree gets the
# compiler record $KDIR/rust-toolchain.toml that scripts/package-headers.sh
# writes into a packaged tree: which rustc out-of-tree modules need.
# A generation whose toolchain is another Debian release's (RUST_INSTALL=env)
# is configured and built inside that release's environment (KCONF_RUN).
set -eu
WS_TAG=kernel
# shellcheck source=scripts/lib.sh
. "$WS/scripts/lib.sh"
# shellcheck source=scripts/kernel-conf.sh
. "$WS/scripts/kernel-conf.sh"

: "${KERNEL:?run this through the top-level Makefile (make kernel KERNEL=...)}"
# The tools are named by the build folder's physical path: worktrees whose
# build/ is a link to the same folder then record the same inputs.
BUILD_DIR=$(cd -P "$BUILD_DIR" && pwd)
kconf_load "$KERNEL" || exit 1

case "${1:-}" in
"")
	WS_TAG=kernel-$KERNEL_LABEL
	KDIR=$KCONF_KDIR
	names=$CONFIG_FRAGMENTS ;;
debug | bench | bench-no-inline)
	WS_TAG=kernel-$KERNEL_LABEL-$1
	KDIR=$KCONF_KDIR-$1
	case "$1" in
	debug) names=$DEBUG_FRAGMENTS ;;
	bench) names=$BENCH_FRAGMENTS ;;
	bench-no-inline) names=$BENCH_NO_INLINE_FRAGMENTS ;;
	esac
	[ -n "$names" ] || die "$KCONF_FILE has no $1 kernel (BENCH_NO_INLINE_FRAGMENTS: a generation with CONFIG_RUST_INLINE_HELPERS)" ;;
*) die "usage: $0 [debug|bench|bench-no-inline]" ;;
esac
FRAGMENTS=""
for name in $names; do
	[ -f "$WS/configs/$name" ] || die "$KCONF_FILE names configs/$name, which does not exist"
	FRAGMENTS="$FRAGMENTS $WS/configs/$name"
done
TARBALL=$KCONF_TARBALL
STAMP=$KDIR/.ws-inputs
JOBS=$(nproc)

[ -f "$TARBALL" ] || die "$TARBALL not found: run 'make deps' (package $SOURCE_PACKAGE)"

# Kbuild's make, on the host or in the generation's Debian environment.
# shellcheck disable=SC2086 # the env-run.sh prefix, two words
kmake() { $KCONF_RUN make "$@"; }

export LIBCLANG_PATH="$KCONF_LIBCLANG_PATH"
set -- LLVM="$KCONF_LLVM" RUSTC="$KCONF_RUSTC" HOSTRUSTC="$KCONF_RUSTC" \
	RUSTDOC="$KCONF_RUSTDOC" CLIPPY_DRIVER="$KCONF_CLIPPY_DRIVER" \
	RUSTFMT="$KCONF_RUSTFMT" BINDGEN="$KCONF_BINDGEN"

# A fragment's option lines: "CONFIG_X=v" and "# CONFIG_X is not set".
OPTION_LINE='^(CONFIG_[A-Za-z0-9_]+=|# CONFIG_[A-Za-z0-9_]+ is not set$)'

src_version=$(dpkg-query --admindir="$KCONF_DPKG_ADMIN" -W -f='${Version}' "$SOURCE_PACKAGE")
inputs=$(
	echo "source: $SOURCE_PACKAGE $src_version"
	# The options, not the comments: rewording a fragment rebuilds nothing.
	# shellcheck disable=SC2086 # a list of paths without spaces
	echo "options: $(grep -hE "$OPTION_LINE" $FRAGMENTS | sha256sum | cut -d' ' -f1)"
	echo "rustc: $("$KCONF_RUSTC" --version)"
	# clang, and pahole (Kconfig records its version: a module build
	# warns when it differs from the kernel's), in one entry into the
	# environment.
	# shellcheck disable=SC2016,SC2086 # the inner shell's; the env-run.sh prefix, two words
	$KCONF_RUN sh -c 'echo "clang: $("clang$1" --version | head -n1)"
		echo "pahole: $(pahole --version 2>/dev/null || echo none)"' sh "$KCONF_LLVM"
	echo "bindgen: $("$KCONF_BINDGEN" --version)"
	echo "libclang: $LIBCLANG_PATH"
	echo "make args: $*"
)

# The compiler record, in the format of scripts/package-headers.sh.
write_record() {
	write_toolchain_record "$KCONF_RUSTC" >"$KDIR/rust-toolchain.toml"
}

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
		write_record
		say "up to date: $KDIR ($(sed -n 's/^source: //p' "$STAMP"))"
		exit 0
	fi
	say "the tree's .config lost$lost since it was built (a make run in it" \
		"without the toolchain variables?): reconfiguring and rebuilding"
fi

T0=$(now)
source_line="$SOURCE_PACKAGE $src_version"
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
# What Kconfig says (the options the fragments override...) goes to a log.
conflog=$BUILD_DIR/logs/$WS_TAG-config.log
mkdir -p "$BUILD_DIR/logs"
# shellcheck disable=SC2086 # a list of paths without spaces
if ! { kmake -C "$KDIR" -s "$@" tinyconfig &&
	(cd "$KDIR" && $KCONF_RUN ./scripts/kconfig/merge_config.sh -m .config $FRAGMENTS) &&
	kmake -C "$KDIR" -s "$@" olddefconfig; } >"$conflog" 2>&1; then
	tail -n 20 "$conflog" >&2
	die "configuring failed; full log: $conflog"
fi
dropped=$(dropped_options)
if [ -n "$dropped" ]; then
	for opt in $dropped; do
		echo "  dropped by Kconfig: $opt (now: $(grep -E "^(# )?${opt%%=*}[= ]" "$KDIR/.config" || echo unset))" >&2
	done
	case "$dropped" in
	*CONFIG_RUST=y*)
		echo "  CONFIG_RUST needs rustc, bindgen and libclang that scripts/rust_is_available.sh accepts:" >&2
		kmake -C "$KDIR" -s "$@" rustavailable >&2 || true ;;
	esac
	die "Kconfig dropped options of the config fragments; the kernel is not built"
fi
step_done

step_start "building Linux $src_version with LLVM$KCONF_LLVM and $("$KCONF_RUSTC" --version | cut -d' ' -f1-2), $JOBS jobs (3 to 10 min on 2 cores)"
log=$BUILD_DIR/logs/$WS_TAG-build.log
: >"$log"
if ! with_progress "$log" kmake -C "$KDIR" -j"$JOBS" "$@" all; then
	tail -n 40 "$log" >&2
	die "kernel build failed; full log: $log"
fi
# Host program the test harness uses to pack the initramfs.
kmake -C "$KDIR" -s "$@" usr/gen_init_cpio >>"$log" 2>&1 ||
	die "building usr/gen_init_cpio failed; see $log"
# Kbuild configures again when a tool's version output changes between
# the steps (Kconfig reads them): a compiler that stopped running there
# drops CONFIG_RUST as silently as olddefconfig would.
lost=$(dropped_options)
[ -z "$lost" ] || die "Kconfig dropped$lost while the kernel was built" \
	"(a tool of the toolchain stopped running?); see $log; the tree is not marked built"
step_done

write_record
printf '%s\n' "$inputs" >"$STAMP"
say "kernel ready in $(($(now) - T0)) s: $KDIR"
