#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# make rust-metadata KDIR=<Debian stock headers>: the Rust metadata that
# Debian's Rust-enabled kernels (CONFIG_RUST=y, 7.x) leave out of their
# linux-headers packages, rebuilt for exactly that kernel, checked, and
# packaged.
#
#   rust-metadata.sh KDIR
#
# 1. KDIR's .config says how the kernel was built: the rustc, bindgen and
#    GCC (their version texts), pahole and binutils (versions), and the
#    headers' Debian version. The Debian archive must have the same
#    linux-source version and those exact tools, or it stops, saying what
#    the archive has.
# 2. A Debian environment of that release with exactly those packages
#    (scripts/debian-env.sh), where each tool's version text is checked
#    against the configuration's.
# 3. The source unpacked under $BUILD_DIR/rust-metadata/RELEASE/src, KDIR's
#    .config (and Debian's .kernelvariables) applied, `make olddefconfig`
#    checked to change nothing (else it stops, naming the options), then
#    the kernel's own `make modules_prepare`, which builds the Rust crates.
# 4. The files Kbuild reads for an out-of-tree Rust module collected
#    (scripts/target.json, rust/lib*.rmeta, the proc macros rust/lib*.so,
#    the C helpers' bitcode with CONFIG_RUST_INLINE_HELPERS) and checked
#    (scripts/rust-metadata/verify.sh): every Rust export of the stock
#    Module.symvers under the same name, the same rustc cfg and target spec.
# 5. A .deb of them (scripts/rust-metadata/package.sh) and a plain folder.
#
# Cached per release: done again only when an input changes (the stock
# configuration, the versions, the packages, this script's format).
# Progress on stderr; the last lines name the folder and the .deb.
set -eu
WS_TAG=rust-metadata
# shellcheck source=scripts/lib.sh
. "$WS/scripts/lib.sh"
# shellcheck source=scripts/kernel-conf.sh
. "$WS/scripts/kernel-conf.sh"
# shellcheck source=scripts/rust-metadata/stock.sh
. "$WS/scripts/rust-metadata/stock.sh"
# shellcheck source=scripts/rust-metadata/archive.sh
. "$WS/scripts/rust-metadata/archive.sh"
# shellcheck source=scripts/rust-metadata/verify.sh
. "$WS/scripts/rust-metadata/verify.sh"
# shellcheck source=scripts/rust-metadata/bindgen-cmd.sh
. "$WS/scripts/rust-metadata/bindgen-cmd.sh"
# shellcheck source=scripts/rust-metadata/package.sh
. "$WS/scripts/rust-metadata/package.sh"
# shellcheck source=scripts/rust-metadata/origin.sh
. "$WS/scripts/rust-metadata/origin.sh"

[ $# -eq 1 ] || die "usage: $0 KDIR (make rust-metadata KDIR=<Debian's linux-headers-RELEASE>)"
[ -d "$1" ] || die "KDIR=$1: no such folder; give Debian's /usr/src/linux-headers-RELEASE"
KDIR=$(cd "$1" && pwd)
need_tools dpkg-deb:dpkg mmdebstrap:mmdebstrap nm:binutils

# How the metadata is made, as a number: raised when a change here changes
# what is built or collected, so that older results are made again.
FORMAT=3

stock_read "$KDIR"
say "$STOCK_RELEASE (Debian $STOCK_VERSION): $STOCK_RUSTC_TEXT, $STOCK_BINDGEN_TEXT, $STOCK_CC_TEXT"
if [ -f "$KDIR/rust/libkernel.rmeta" ]; then
	say "$KDIR already has Rust metadata (rust/libkernel.rmeta): nothing to do"
	exit 0
fi

TOP=$BUILD_DIR/rust-metadata/$STOCK_RELEASE
SOURCE_PACKAGE=linux-source-$STOCK_SERIES
mkdir -p "$TOP" "$BUILD_DIR/logs"
LOG=$BUILD_DIR/logs/rust-metadata-$STOCK_RELEASE.log
: >"$LOG"

# --- 1. the archive has the source and the tools ------------------------------
step_start "reading the Debian archive's $STOCK_SUITES"
trap archive_close EXIT
# shellcheck disable=SC2086 # one word per suite
archive_open $STOCK_SUITES
# pick PACKAGE UPSTREAM WHAT [--components]: PACKAGE=VERSION of the newest version whose
# upstream version is UPSTREAM, or stop saying what the archive has.
pick() {
	p_version=$(archive_upstream "$1" "$2" ${4:+"$4"})
	[ -n "$p_version" ] ||
		die "$STOCK_RELEASE was built with $3, but the Debian archive ($STOCK_SUITES) has no" \
			"$1 $2: it has $(archive_versions "$1" | paste -sd' ' | sed 's/^$/no version of it/');" \
			"the metadata cannot be rebuilt with the same tools"
	echo "$1=$p_version"
}
have=$(archive_versions "$SOURCE_PACKAGE" | paste -sd' ')
echo " $have " | grep -qF " $STOCK_VERSION " ||
	die "the stock headers of $STOCK_RELEASE are Debian $STOCK_VERSION, but the Debian archive" \
		"($STOCK_SUITES) has $SOURCE_PACKAGE ${have:-in no version}: the same kernel source" \
		"cannot be had, so its Rust metadata cannot be rebuilt"
rustc=$(pick rustc "$STOCK_RUSTC_UP" "$STOCK_RUSTC_TEXT")
rust_src=rust-src=${rustc#rustc=}
bindgen=$(pick bindgen "$STOCK_BINDGEN_UP" "$STOCK_BINDGEN_TEXT")
gcc=$STOCK_GCC_PACKAGE=$STOCK_GCC_VERSION
archive_versions "$STOCK_GCC_PACKAGE" | grep -qxF "$STOCK_GCC_VERSION" ||
	die "$STOCK_RELEASE was built with $STOCK_CC_TEXT, but the Debian archive ($STOCK_SUITES)" \
		"has $STOCK_GCC_PACKAGE $(archive_versions "$STOCK_GCC_PACKAGE" | paste -sd' ' | sed 's/^$/in no version/')"
tools="$rustc $rust_src $bindgen $gcc"
# pahole and the assembler: Kconfig records their versions, which
# olddefconfig would otherwise change.
[ -z "$STOCK_PAHOLE_UP" ] || tools="$tools $(pick dwarves "$STOCK_PAHOLE_UP" "pahole $STOCK_PAHOLE_UP")"
[ -z "$STOCK_BINUTILS_UP" ] || tools="$tools $(pick binutils "$STOCK_BINUTILS_UP" "binutils $STOCK_BINUTILS_UP" --components)"
archive_close
trap - EXIT
step_done

# --- 2. the environment ----------------------------------------------------------
# The pinned tools and source, with what a kernel build runs
# (kernel-conf.sh's list: with openssl, which Kconfig probes for
# CONFIG_OPENSSL_SUPPORTS_ML_DSA, and libssl-dev, for sign-file).
# (Those of the build packages pinned above are left out of the list.)
build_packages=$(for p in $KCONF_ENV_BUILD_PACKAGES; do
	case " $tools " in *" $p="*) ;; *) echo "$p" ;; esac
done | paste -sd' ')
PACKAGES="$tools $SOURCE_PACKAGE=$STOCK_VERSION $build_packages"

# env_has NAME PACKAGE[=VERSION]...: the environment build/envs/NAME is
# complete (its inputs are recorded) and has each PACKAGE installed, at
# exactly VERSION when one is given.
env_has() {
	eh_admin=$BUILD_DIR/envs/$1/var/lib/dpkg
	[ -f "$BUILD_DIR/envs/$1.inputs" ] && [ -d "$eh_admin" ] || return 1
	shift
	for eh_pkg; do
		eh_got=$(dpkg-query --admindir="$eh_admin" -W -f='${db:Status-Abbrev}${Version}' \
			"${eh_pkg%%=*}" 2>/dev/null) || return 1
		case $eh_pkg in
		*=*) [ "$eh_got" = "ii ${eh_pkg#*=}" ] || return 1 ;;
		*) case $eh_got in "ii "*) ;; *) return 1 ;; esac ;;
		esac
	done
}

# The environment of the workspace's generation of this series (made by
# make deps for its kernel: the same release's toolchain and source) is
# used when it has every one of those packages at those versions, as it
# does while the archive's versions are the ones the stock kernel was
# built with; else one of the metadata's own, with exactly those.
gen_env=$(conf=$(kconf_find "$STOCK_SERIES") && [ -n "$conf" ] &&
	kconf_load "$(basename "$conf" .conf)" && echo "$KCONF_ENV") || gen_env=""
# shellcheck disable=SC2086 # one word per package
if [ -n "$gen_env" ] && env_has "$gen_env" $PACKAGES; then
	ENV_NAME=$gen_env
	say "build/envs/$ENV_NAME, the $STOCK_SERIES generation's environment, has every package at its pinned version: using it"
else
	ENV_NAME=rust-metadata-$STOCK_RELEASE
	# shellcheck disable=SC2086 # one word per package
	"$WS/scripts/debian-env.sh" "$ENV_NAME" "$(echo "$STOCK_SUITES" | tr ' ' ',')" $PACKAGES >/dev/null
fi
export WS_ENV_BINDS="$KDIR"
RUN="$WS/scripts/env-run.sh $ENV_NAME"
# in_env COMMAND...: COMMAND in the environment, as Debian's build ran
# it: without the workspace's LIBCLANG_PATH (the Makefile exports its
# default generation's, /usr/lib/llvm-19/lib), which would point the
# release's bindgen at a libclang it does not have (unstable's is 21's:
# Kconfig then finds Rust unavailable and drops CONFIG_RUST).
in_env() {
	env -u LIBCLANG_PATH "$WS/scripts/env-run.sh" "$ENV_NAME" "$@"
}
# The tools' own words must be the configuration's, to the letter.
check_text() {
	[ "$2" = "$3" ] || die "the environment's $1 says '$2', $STOCK_RELEASE was built by '$3'"
}
check_text rustc "$(in_env rustc --version)" "$STOCK_RUSTC_TEXT"
check_text bindgen "$(in_env bindgen --version)" "$STOCK_BINDGEN_TEXT"
cc=${STOCK_CC_TEXT%% *}
check_text "$cc" "$(in_env "$cc" --version | head -n 1)" "$STOCK_CC_TEXT"
say "the $ENV_NAME environment has $STOCK_RUSTC_TEXT, $STOCK_BINDGEN_TEXT, $STOCK_CC_TEXT"

# --- cache ---------------------------------------------------------------------------
inputs=$(
	echo "format: $FORMAT"
	echo "release: $STOCK_RELEASE $STOCK_VERSION"
	echo "packages: $PACKAGES"
	echo "config: $(sha256sum <"$KDIR/.config" | cut -d' ' -f1)"
	echo "symvers: $(sha256sum <"$KDIR/Module.symvers" | cut -d' ' -f1)"
)
FILES=$TOP/files
DEB=$TOP/$(deb_file_name "$KDIR" "$STOCK_RELEASE" "$STOCK_VERSION")
if [ -f "$TOP/inputs" ] && [ "$(cat "$TOP/inputs")" = "$inputs" ] && [ -d "$FILES" ] && [ -f "$DEB" ]; then
	cat "$TOP/verify.log"
	say "up to date: $FILES, $DEB"
	exit 0
fi
rm -f "$TOP/inputs"

# --- 3. the source, configured as the stock kernel, and its Rust crates --------
SRC=$TOP/src/$SOURCE_PACKAGE
step_start "unpacking $SOURCE_PACKAGE $STOCK_VERSION"
rm -rf "$TOP/src"
mkdir -p "$TOP/src"
in_env tar -xf "/usr/src/$SOURCE_PACKAGE.tar.xz" -C "$TOP/src"
[ -f "$SRC/Makefile" ] || die "/usr/src/$SOURCE_PACKAGE.tar.xz has no $SOURCE_PACKAGE/Makefile"
step_done

# Debian's .kernelvariables (the compiler's name, the release) is read by
# its Makefile from the build folder, as in Debian's own build.
cp "$KDIR/.config" "$SRC/.config"
[ ! -f "$KDIR/.kernelvariables" ] || cp "$KDIR/.kernelvariables" "$SRC/.kernelvariables"
step_start "make olddefconfig (the stock .config must come out unchanged)"
with_progress "$LOG" in_env make -C "$SRC" olddefconfig ||
	die "make olddefconfig failed; see $LOG"
# options FILE: the option lines (set or not set), sorted.
options() {
	grep -E '^(CONFIG_|# CONFIG_.* is not set$)' "$1" | LC_ALL=C sort
}
options "$KDIR/.config" >"$TOP/config.stock"
options "$SRC/.config" >"$TOP/config.rebuilt"
changed=$(LC_ALL=C comm -3 "$TOP/config.stock" "$TOP/config.rebuilt" |
	sed -n 's/^\t*\(# \)\{0,1\}\(CONFIG_[A-Za-z0-9_]*\).*/\2/p' | LC_ALL=C sort -u | paste -sd' ')
[ -z "$changed" ] ||
	die "make olddefconfig changes the stock configuration here (options: $changed; the lines" \
		"are in $TOP/config.stock and config.rebuilt): the environment's tools are not" \
		"those the kernel was configured with, so the metadata would not be the kernel's"
step_done

step_start "make modules_prepare (the Rust crates; about 2 minutes on 2 cores)"
with_progress "$LOG" in_env make -C "$SRC" -j"${RUST_METADATA_JOBS:-2}" modules_prepare || {
	tail -n 15 "$LOG" >&2
	die "make modules_prepare failed; full log: $LOG"
}
step_done
check_text "kernel release" "$(cat "$SRC/include/config/kernel.release")" "$STOCK_RELEASE"

# --- 4. the files, checked ---------------------------------------------------------
# Their lines are kept in verify.log, said again when the result is reused.
step_start "checking the rebuilt metadata against the stock tree"
rm -f "$TOP/verify.log"
if ! (verify_exports "$KDIR" "$SRC" && verify_rustc_cfg "$KDIR" "$SRC" &&
	verify_target "$KDIR" "$SRC" "$RUN") >"$TOP/verify.log.tmp"; then
	cat "$TOP/verify.log.tmp"
	exit 1
fi
mv "$TOP/verify.log.tmp" "$TOP/verify.log"
cat "$TOP/verify.log"
step_done

# What Kbuild reads for an out-of-tree Rust module: the target spec
# (arch/x86/Makefile's --target), the crates' metadata and proc macros
# (scripts/Makefile.build's -L $(objtree)/rust/ --extern ...), and with
# CONFIG_RUST_INLINE_HELPERS the helpers' bitcode linked into each module.
rm -rf "$FILES"
mkdir -p "$FILES/rust" "$FILES/scripts"
cp "$SRC/scripts/target.json" "$FILES/scripts/"
cp "$SRC"/rust/lib*.rmeta "$SRC"/rust/lib*.so "$FILES/rust/"
# And the kernel's bindgen command line, for modules with bindings of
# their own (its paths pointed into the headers' two folders).
bindgen_cmd_for_headers "$KDIR" "$SRC" "$FILES/rust/bindings/.bindings_generated.rs.cmd"
if grep -qx 'CONFIG_RUST_INLINE_HELPERS=y' "$SRC/include/config/auto.conf"; then
	mkdir -p "$FILES/rust/helpers"
	cp "$SRC/rust/helpers/helpers_module.bc" "$FILES/rust/helpers/"
fi
# Which kernel they were rebuilt for, which the doctor compares with the
# headers they end up in (a plain folder can be copied anywhere).
metadata_origin "$STOCK_RELEASE" "$STOCK_VERSION" "$(sha256sum <"$KDIR/.config" | cut -d' ' -f1)" \
	>"$FILES/rust/$METADATA_ORIGIN"
say "collected $(find "$FILES" -type f | wc -l) files, $(du -sm "$FILES" | cut -f1) MiB, in $FILES"

# --- 5. the package ------------------------------------------------------------------
step_start "packaging $(basename "$DEB")"
deb_build "$KDIR" "$STOCK_RELEASE" "$STOCK_VERSION" "$FILES" "$DEB"
step_done

printf '%s\n' "$inputs" >"$TOP/inputs"
say "folder: $FILES (copy its contents into $KDIR)"
say "package: $DEB (dpkg -i; it needs linux-headers-$STOCK_RELEASE $STOCK_VERSION)"
