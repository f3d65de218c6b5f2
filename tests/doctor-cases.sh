#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Tests of scripts/doctor.sh (make doctor) on real cases, for each kernel
# generation of KERNELS (default: every one the workspace describes,
# kernels/*.conf) whose tree is built:
# `make doctor` on the workspace's kernel (every check ok, in under a
# second), Debian's stock headers (no Rust: MODVERSIONS), a tree of a
# generation the workspace does not know, rustup's rustc and the other
# generation's rustc against the kernel's, trees without rust/ or the target
# spec, a target spec the Rust metadata was not built for (and the E0461
# rustc then really gives), a read-only tree whose Makefile.build lacks
# --out-dir, a module checked against another release and against a kernel
# without Rust symbols.
#
# Each case asserts the diagnosis text. Output, one per line, labelled with
# the generation the case ran on ([any]: the case has none):
#   ok doctor: [6.1] <name> / not ok doctor: [6.1] <name> # <why>
#   ok doctor: [6.1] <name> # SKIP <why> / # <diagnostic>
# The exit status is always 0: the caller counts the "not ok" lines.
#
# Run with the Makefile's environment (WS, BUILD_DIR, DEFAULT_KDIR,
# WS_RUSTC, WS_BINDGEN, WS_LLVM, LIBCLANG_PATH). Downloads and fixtures are
# kept under $BUILD_DIR/doctor/ (the Debian packages are fetched once).
set -eu

: "${WS:?run this with the environment of the top-level Makefile}"
: "${BUILD_DIR:?run this with the environment of the top-level Makefile}"
: "${DEFAULT_KDIR:?run this with the environment of the top-level Makefile}"
: "${KERNEL_SERIES:?run this with the environment of the top-level Makefile}"
# The series of the workspace's default kernel (DEFAULT_KDIR), before
# use_generation loads the others.
DEFAULT_SERIES=$KERNEL_SERIES

DOCTOR=$WS/scripts/doctor.sh
FIX=$BUILD_DIR/doctor
# The workspace's toolchain, until use_generation picks a generation's.
RUSTC=${WS_RUSTC:-/usr/bin/rustc}
BINDGEN=${WS_BINDGEN:-$BUILD_DIR/tools/bin/bindgen}
LLVM=${WS_LLVM:--19}
export LIBCLANG_PATH=${LIBCLANG_PATH:-/usr/lib/llvm-19/lib}

# The workspace's reader of kernels/*.conf: kconf_labels, kconf_load.
# shellcheck source=scripts/kernel-conf.sh
. "$WS/scripts/kernel-conf.sh"
# debian_headers LABEL (shared with tests/dkms-cases.sh).
# shellcheck source=tests/lib/debian-headers.sh
. "$WS/tests/lib/debian-headers.sh"
# The module the module checks use: the first Rust module (modules_in,
# scripts/modules.sh), the smallest one (hello) as the folders are now.
# shellcheck source=scripts/modules.sh
. "$WS/scripts/modules.sh"
CHECKED_MODULE=$(modules_in --rust | head -n 1)

# --- results (the label is the generation the case runs on) ----------------------

# The suite's result lines (ok, not_ok, skip, diag_lines), each named
# "doctor: [generation] ..." through KTAP_PREFIX.
# shellcheck source=tests/lib/ktap.sh
. "$WS/tests/lib/ktap.sh"

# label LABEL: the generation the next results are about.
label() {
	LABEL=$1
	KTAP_PREFIX="doctor: [$LABEL] "
}
label any

# --- the generation under test ------------------------------------------------------

# use_generation LABEL: the tree and toolchain of that generation: LABEL,
# SERIES, GKDIR, RUSTC, BINDGEN, LLVM, LIBCLANG_PATH, SPEC (its target
# spec), METADATA (its Rust metadata files), RUN (the prefix of a command
# that runs in its Debian environment, scripts/env-run.sh, as Kbuild must
# there; empty: on the host).
# shellcheck disable=SC2031 # other generations are loaded in subshells
use_generation() {
	kconf_load "$1"
	label "$KERNEL_LABEL"
	SERIES=$KERNEL_SERIES
	GKDIR=$KCONF_KDIR
	RUSTC=$KCONF_RUSTC
	BINDGEN=$KCONF_BINDGEN
	LLVM=$KCONF_LLVM
	export LIBCLANG_PATH=$KCONF_LIBCLANG_PATH
	SPEC=$RUST_TARGET_SPEC
	METADATA=$RUST_METADATA
	RUN=$KCONF_RUN
}

# generation_rustc LABEL: the compiler of another generation.
generation_rustc() {
	(kconf_load "$1" && echo "$KCONF_RUSTC")
}

# known_series: the series of every generation, newest first: "6.12, 6.1".
# shellcheck disable=SC2031 # each generation is loaded in a subshell
known_series() {
	local label
	for label in $(kconf_labels); do
		(kconf_load "$label" && echo "$KERNEL_SERIES")
	done | sort -t. -k1,1nr -k2,2nr | paste -sd, | sed 's/,/, /g'
}

# unknown_series: a series next to this generation's that no description
# has (the next patchlevels, in turn), for a tree the doctor must refuse.
unknown_series() {
	local major=${SERIES%%.*} minor=${SERIES#*.}
	while :; do
		minor=$((minor + 1))
		[ -n "$(kconf_find "$major.$minor")" ] || break
	done
	echo "$major.$minor"
}

# The toolchain variables as make and Kbuild take them.
toolchain_vars() {
	echo "LLVM=$LLVM RUSTC=$RUSTC HOSTRUSTC=$RUSTC BINDGEN=$BINDGEN LIBCLANG_PATH=$LIBCLANG_PATH"
}

# tree_built: the generation's tree is built (Module.symvers comes last),
# with every Rust metadata file its description lists.
tree_built() {
	local f
	for f in include/config/auto.conf Module.symvers $METADATA; do
		[ -f "$GKDIR/$f" ] || return 1
	done
}

# --- running the doctor -------------------------------------------------------

# doctor KDIR [ARGS...]: run it with the generation's toolchain; sets OUT
# and RC. DOCTOR_AS, when set, is a command prefix (another user).
doctor() {
	local kdir=$1
	shift
	RC=0
	OUT=$(${DOCTOR_AS:-} env WS="${DOCTOR_WS:-$WS}" KDIR="$kdir" DEFAULT_KDIR="$DEFAULT_KDIR" \
		RUSTC="$RUSTC" BINDGEN="$BINDGEN" LLVM="$LLVM" LIBCLANG_PATH="$LIBCLANG_PATH" \
		"$DOCTOR" "$@" 2>&1) || RC=$?
}

# expect_problem NAME TEXT...: the doctor failed and printed each TEXT (fixed
# strings); the first one is shown as a diagnostic.
expect_problem() {
	local name=$1 text
	shift
	if [ "$RC" -eq 0 ]; then
		not_ok "$name" "doctor exited 0"
		echo "$OUT" | diag_lines
		return
	fi
	for text in "$@"; do
		if ! has_line "$text"; then
			not_ok "$name" "no line with: $text"
			echo "$OUT" | diag_lines
			return
		fi
	done
	ok "$name"
	grep -F -m 1 -- "${1#=}" <<<"$OUT" | diag_lines
}

# has_line TEXT: OUT has a line containing TEXT; =TEXT: a line that is TEXT.
has_line() {
	case $1 in
	=*) grep -qxF -- "${1#=}" <<<"$OUT" ;;
	*) grep -qF -- "$1" <<<"$OUT" ;;
	esac
}

# expect_ok NAME TEXT: the doctor passed and printed TEXT.
expect_ok() {
	if [ "$RC" -eq 0 ] && grep -qF -- "$2" <<<"$OUT"; then
		ok "$1"
		grep -F -m 1 -- "$2" <<<"$OUT" | diag_lines
	else
		not_ok "$1" "exit $RC, or no line with: $2"
		echo "$OUT" | diag_lines
	fi
}

# --- fixtures -------------------------------------------------------------------

# fresh DIR: an empty DIR (made writable first, it may be a read-only fixture).
fresh() {
	if [ -d "$1" ]; then
		chmod -R u+w "$1"
		rm -rf "$1"
	fi
	mkdir -p "$1"
}

# small_tree DIR: the parts of the generation's kernel an out-of-tree build
# reads, copied (the Rust metadata and target spec symlinked): a headers
# tree in small.
small_tree() {
	local dir=$1 f
	fresh "$dir"
	for f in Makefile .config include/config/auto.conf include/config/kernel.release \
		Module.symvers scripts/Makefile.build scripts/min-tool-version.sh \
		arch/x86/Makefile; do
		mkdir -p "$dir/$(dirname "$f")"
		cp "$GKDIR/$f" "$dir/$f"
	done
	mkdir -p "$dir/rust" "$dir/$(dirname "$SPEC")"
	ln -s "$GKDIR/$SPEC" "$dir/$SPEC"
	for f in $METADATA; do
		mkdir -p "$dir/${f%/*}"
		ln -s "$GKDIR/$f" "$dir/$f"
	done
}

# link_farm DIR: the generation's whole tree as symlinks, but with its own
# copy of the target spec (for a real module build against a changed spec;
# nothing is written into the tree itself).
link_farm() {
	local dir=$1 e spec_dir=${SPEC%/*} links=()
	fresh "$dir"
	for e in "$GKDIR"/* "$GKDIR"/.config "$GKDIR"/.version "$GKDIR"/.rustfmt.toml; do
		[ -e "$e" ] && [ "${e##*/}" != "$spec_dir" ] && links+=("$e")
	done
	ln -s -t "$dir" "${links[@]}"
	mkdir -p "$dir/$spec_dir"
	links=()
	for e in "$GKDIR/$spec_dir"/* "$GKDIR/$spec_dir"/.[!.]*; do
		[ -e "$e" ] && [ "${e##*/}" != "${SPEC##*/}" ] && links+=("$e")
	done
	[ ${#links[@]} -eq 0 ] || ln -s -t "$dir/$spec_dir" "${links[@]}"
	cp "$GKDIR/$SPEC" "$dir/$SPEC"
}

# change_spec FILE: a different target spec rustc still accepts (frame
# pointers always kept), replacing FILE (a copy, never the tree's).
change_spec() {
	local spec
	spec=$(sed 's/"frame-pointer": *"may-omit"/"frame-pointer": "always"/' "$1")
	rm -f "$1"
	printf '%s\n' "$spec" >"$1"
	grep -q '"frame-pointer": "always"' "$1"
}

# with_kconfig HEADERS DIR: HEADERS (by symlinks) plus the init/Kconfig of
# the generation's source, so the doctor reads the real `depends on`.
with_kconfig() {
	local src=$1 dir=$2 f links=()
	fresh "$dir"
	for f in "$src"/* "$src"/.config "$src"/.kernelvariables; do
		[ ! -e "$f" ] || links+=("$f")
	done
	ln -s -t "$dir" "${links[@]}"
	mkdir -p "$dir/init"
	cp "$GKDIR/init/Kconfig" "$dir/init/Kconfig"
}

# as_unprivileged CMD...: run CMD as a user without any capability, to
# whom the workspace is hidden (it cannot write a read-only tree).
# shellcheck source=tests/lib/unprivileged.sh
. "$WS/tests/lib/unprivileged.sh"

# --- cases without a generation ----------------------------------------------------

case_no_kdir() {
	doctor "$FIX/no-such-tree"
	expect_problem "a KDIR that does not exist is named, with a fix" \
		"KDIR=$FIX/no-such-tree does not exist" "fix: pass KDIR="
}

# make_default_kdir RUNNING_KDIR [MAKE ARGS...]: `make doctor` with no KDIR
# in the environment (nor in ARGS, unless given there), RUNNING_KDIR
# standing for the running kernel's /lib/modules/$(uname -r)/build; sets
# OUT and RC.
make_default_kdir() {
	local running=$1
	shift
	RC=0
	OUT=$(env -u KDIR -u MAKEFLAGS -u MAKELEVEL make --no-print-directory -s -C "$WS" \
		doctor RUNNING_KDIR="$running" "$@" 2>&1) || RC=$?
}

# expect_first_line NAME LINE: OUT starts with LINE.
expect_first_line() {
	if [ "$(head -n 1 <<<"$OUT")" = "$2" ]; then
		ok "$1"
	else
		not_ok "$1" "the first line is not: $2"
		echo "$OUT" | head -n 5 | diag_lines
	fi
}

case_default_kdir_missing() {
	make_default_kdir "$FIX/no-such-tree"
	expect_first_line "no KDIR, the running kernel has no tree: the workspace's kernel, said in one line" \
		"make: KDIR=$DEFAULT_KDIR: the workspace's Linux $DEFAULT_SERIES kernel: the running kernel has no built tree at $FIX/no-such-tree (KDIR=... picks another)"
}

# case_default_kdir_rust_off HEADERS: the running kernel is Debian's stock one.
case_default_kdir_rust_off() {
	make_default_kdir "$1"
	expect_first_line "no KDIR, the running kernel's tree has Rust off (${1##*/}): the workspace's kernel" \
		"make: KDIR=$DEFAULT_KDIR: the workspace's Linux $DEFAULT_SERIES kernel: the running kernel's tree $1 has no CONFIG_RUST=y (KDIR=... picks another)"
}

# The running kernel is this generation's Rust kernel: make picks its
# tree, and the tree's own toolchain with it (every doctor check ok).
case_default_kdir_running() {
	local name="no KDIR, the running kernel's tree has CONFIG_RUST=y: it is KDIR, with its toolchain"
	make_default_kdir "$GKDIR"
	expect_first_line "$name: said in one line" \
		"make: KDIR=$GKDIR: the running kernel's tree, which has CONFIG_RUST=y (KDIR=... picks another)"
	if [ "$RC" -eq 0 ] && grep -q "^doctor: ok   KDIR is a Linux $SERIES tree: generation $LABEL " <<<"$OUT"; then
		ok "$name: the doctor passes"
	else
		not_ok "$name: the doctor passes" "exit $RC"
		echo "$OUT" | diag_lines
	fi
	make_default_kdir "$FIX/no-such-tree" KDIR="$GKDIR"
	if grep -q '^make: KDIR=' <<<"$OUT"; then
		not_ok "KDIR given: no line about choosing it" "make printed: $(grep -m1 '^make: KDIR=' <<<"$OUT")"
	else
		ok "KDIR given: no line about choosing it"
	fi
}

# --- cases per generation ------------------------------------------------------------

# children_cpu_ms VAR: set VAR to the user and system CPU time of this
# shell's finished children so far, in milliseconds (the second line of
# bash's `times`, which must run in this shell, not in a subshell).
children_cpu_ms() {
	local line m1 s1 m2 s2
	times >"$FIX/.times"
	line=$(tail -n 1 "$FIX/.times")
	read -r m1 s1 m2 s2 <<<"$(echo "$line" | tr 'ms' '  ')"
	printf -v "$1" '%s' $((m1 * 60000 + $(sec_ms "$s1") + m2 * 60000 + $(sec_ms "$s2")))
}

# sec_ms S.FFF: milliseconds.
sec_ms() {
	local int=${1%.*} frac=${1#*.}000
	echo $((10#$int * 1000 + 10#${frac:0:3}))
}

case_workspace_kernel() {
	local name="make doctor on the workspace's $LABEL kernel: every check ok, in under 1 s of CPU"
	local t0 t1 c0 c1 ms wall oks
	# CPU time (user and system, of make, the doctor and everything they
	# run), not wall time: make check runs other jobs beside this one.
	children_cpu_ms c0
	t0=$(date +%s%N)
	RC=0
	# shellcheck disable=SC2046 # the variables are words without spaces
	OUT=$(make --no-print-directory -s -C "$WS" doctor KDIR="$GKDIR" $(toolchain_vars) 2>&1) || RC=$?
	t1=$(date +%s%N)
	children_cpu_ms c1
	ms=$((c1 - c0))
	wall=$(((t1 - t0) / 1000000))
	oks=$(grep -c '^doctor: ok ' <<<"$OUT" || true)
	if [ "$RC" -ne 0 ] || grep -q PROBLEM <<<"$OUT"; then
		not_ok "$name" "exit $RC"
		echo "$OUT" | diag_lines
	elif [ "$oks" -lt 9 ]; then
		not_ok "$name" "only $oks ok lines"
		echo "$OUT" | diag_lines
	elif ! grep -q "^doctor: ok   KDIR is a Linux $SERIES tree: generation $LABEL " <<<"$OUT"; then
		not_ok "$name" "generation $LABEL not recognised"
		echo "$OUT" | diag_lines
	elif [ "$ms" -ge 1000 ]; then
		not_ok "$name" "took $ms ms of CPU ($wall ms wall)"
	else
		ok "$name"
		echo "  $oks checks ok in $ms ms of CPU ($wall ms wall)" | diag_lines
	fi
}

# A tree of a generation without a description: from the release, then
# from the Makefile when the tree has no kernel.release.
case_unknown_generation() {
	local other dir=$FIX/unknown-$LABEL known
	other=$(unknown_series)
	known=$(known_series)
	small_tree "$dir"
	echo "$other.0-ws" >"$dir/include/config/kernel.release"
	doctor "$dir"
	expect_problem "a Linux $other tree (copy of $LABEL's, kernel.release edited): unsupported, generations named" \
		"KDIR is a Linux $other tree (from include/config/kernel.release): the workspace supports Linux $known only" \
		"fix: pass KDIR=/path/to/a built tree of a supported generation"
	rm "$dir/include/config/kernel.release"
	sed -i -e "s/^VERSION = .*/VERSION = ${other%%.*}/" -e "s/^PATCHLEVEL = .*/PATCHLEVEL = ${other#*.}/" "$dir/Makefile"
	doctor "$dir"
	expect_problem "a Linux $other tree without kernel.release: its Makefile's VERSION, PATCHLEVEL read" \
		"KDIR is a Linux $other tree (from Makefile): the workspace supports Linux"
}

# case_debian_headers HEADERS: Debian's stock config has Rust off; read
# with the generation's own init/Kconfig too when its tree is built.
case_debian_headers() {
	local hdir=$1 want_rustc records_rustc=0
	doctor "$hdir"
	# Before 6.11 a config records no rustc version (CONFIG_RUSTC_VERSION),
	# only RUST_IS_AVAILABLE: the doctor says which, from the config.
	grep -q '^CONFIG_RUSTC_VERSION=' "$hdir/.config" && records_rustc=1
	if [ "$records_rustc" = 0 ]; then
		want_rustc="RUST_IS_AVAILABLE=n: Kconfig found no usable Rust toolchain at configure time"
	else
		want_rustc="rustc was missing at configure time (CONFIG_RUSTC_VERSION=0)"
	fi
	expect_problem "Debian's stock headers ${hdir##*/}: RUST off because of MODVERSIONS" \
		"depends on !MODVERSIONS   [MODVERSIONS=y]" \
		"CONFIG_RUST is off in KDIR's config (CONFIG_HAVE_RUST=y)" \
		"KDIR has no init/Kconfig" "$want_rustc" \
		"doctor: ok   KDIR is a Linux $SERIES tree: generation $LABEL"
	expect_problem "Debian's stock headers ${hdir##*/}: the fix names the self-contained build" \
		"make SELF_CONTAINED=1 KDIR=$hdir"
	tree_built || return 0
	with_kconfig "$hdir" "$FIX/debian-kconfig-$LABEL"
	doctor "$FIX/debian-kconfig-$LABEL"
	# The rustc version's own `depends on` of config RUST, when the
	# generation's Kconfig has it and the config records a version (0:
	# no rustc); else the reason the config gives.
	local extra=$want_rustc padding="depends on !CALL_PADDING || RUSTC_VERSION >= 108100"
	if [ "$records_rustc" = 1 ] && grep -qxF "	$padding" "$GKDIR/init/Kconfig" &&
		grep -qx 'CONFIG_CALL_PADDING=y' "$hdir/.config"; then
		extra="$padding   [CALL_PADDING=y RUSTC_VERSION=0]"
	fi
	expect_problem "Debian's config read with $LABEL's init/Kconfig: MODVERSIONS, no rustc" \
		"depends on !MODVERSIONS   [MODVERSIONS=y]" \
		"from $FIX/debian-kconfig-$LABEL/init/Kconfig: config RUST" \
		"depends on RUST_IS_AVAILABLE   [RUST_IS_AVAILABLE=n]" "$extra"
}

# The rustc recorded for the tree: the config's, else rust/libcore.rmeta's.
tree_rustc() {
	local text
	text=$(sed -n 's/^CONFIG_RUSTC_VERSION_TEXT=//p' "$GKDIR/include/config/auto.conf" |
		sed 's/^"\(.*\)"$/\1/')
	if [ -n "$text" ]; then
		printf '%s\tCONFIG_RUSTC_VERSION_TEXT\n' "$text"
	else
		printf '%s\trust/libcore.rmeta\n' "$("$RUSTC" --version)"
	fi
}

# fix_rustc: the compiler the doctor advises for the tree: the one its
# rust-toolchain.toml records, else the generation's.
fix_rustc() {
	local path
	path=$(sed -n 's/^path *= *"\(.*\)"[[:space:]]*$/\1/p' "$GKDIR/rust-toolchain.toml" 2>/dev/null)
	if [ -n "$path" ]; then
		echo "$path/bin/rustc"
	else
		echo "$RUSTC"
	fi
}

case_rustup_rustc() {
	local name="rustup's stable rustc against the kernel's is stopped before rustc runs"
	local stable home=${RUSTUP_HOME:-$HOME/.rustup}
	stable=$(find "$home"/toolchains/ -path '*/stable-*/bin/rustc' 2>/dev/null | head -n 1)
	if [ -z "$stable" ]; then
		skip "$name" "no rustup stable toolchain in $home"
		return
	fi
	local have want where
	have=$("$stable" --version)
	IFS=$'\t' read -r want where < <(tree_rustc)
	if [ "$have" = "$want" ]; then
		skip "$name" "rustup's stable is the kernel's ($have)"
		return
	fi
	# check-kdir is what `make modules` runs before Kbuild.
	RC=0
	# shellcheck disable=SC2046 # the variables are words without spaces
	OUT=$(make --no-print-directory -s -C "$WS" check-kdir KDIR="$GKDIR" \
		$(toolchain_vars) RUSTC="$stable" 2>&1) || RC=$?
	expect_problem "$name" \
		"rustc is not the one that built KDIR: modules would fail with E0514" \
		"RUSTC=$stable is: $have" \
		"KDIR was built by: $want (from $where) [KDIR is a $LABEL tree]" \
		"fix: pass RUSTC=$(fix_rustc) ("
	case_rmeta_rustc "$stable" "$where"
}

# Without CONFIG_RUSTC_VERSION_TEXT (6.1, or a config edited), the compiler
# recorded in rust/libcore.rmeta is the reference.
case_rmeta_rustc() {
	local stable=$1 where=$2 have want dir=$FIX/no-version-text-$LABEL
	local name="tree without CONFIG_RUSTC_VERSION_TEXT: rustc compared with rust/libcore.rmeta"
	if [ "$where" = rust/libcore.rmeta ]; then
		skip "$name" "the $LABEL config has none: the case above is this one"
		return
	fi
	small_tree "$dir"
	sed -i '/^CONFIG_RUSTC_VERSION_TEXT=/d' "$dir/.config" "$dir/include/config/auto.conf"
	have=$("$stable" --version)
	want=$("$RUSTC" --version)
	RUSTC=$stable doctor "$dir"
	expect_problem "$name" \
		"KDIR was built by: $want (from rust/libcore.rmeta)" \
		"RUSTC=$stable is: $have"
}

# The tree of this generation with the compiler of another one.
case_cross_generation() {
	local other_label=$1 other_rustc
	other_rustc=$(generation_rustc "$other_label")
	local name="a $LABEL tree with $other_label's rustc: both generations named, $LABEL's compiler advised"
	if [ ! -x "$other_rustc" ]; then
		skip "$name" "$other_label's compiler $other_rustc is not installed"
		return
	fi
	local want where
	IFS=$'\t' read -r want where < <(tree_rustc)
	RUSTC=$other_rustc doctor "$GKDIR"
	expect_problem "$name" \
		"generations mixed: a $LABEL tree with $other_label's compiler" \
		"rustc is not the one that built KDIR: modules would fail with E0514" \
		"RUSTC=$other_rustc is: $("$other_rustc" --version) [the compiler of generation $other_label]" \
		"KDIR was built by: $want (from $where) [KDIR is a $LABEL tree]" \
		"fix: pass RUSTC=$(fix_rustc) (" \
		"=doctor: skip target spec: not checked, RUSTC is not the compiler that built KDIR (see above)"
}

case_no_rust_dir() {
	local dir=$FIX/no-rust-$LABEL gone=$METADATA first
	small_tree "$dir"
	rm -rf "$dir/rust"
	# 6.1's target spec is in rust/ too.
	case $SPEC in rust/*) gone="$SPEC $gone" ;; esac
	first=$(echo "$gone" | tr '\n' ' ' | cut -d' ' -f1-3)
	doctor "$dir"
	expect_problem "headers tree without rust/: each file named, package-headers.sh" \
		"Rust metadata missing in KDIR: $first" \
		"rust/libmacros.so" "KDIR has no rust/ folder at all" "scripts/package-headers.sh"
}

case_no_target_spec() {
	local dir=$FIX/no-target-spec-$LABEL
	small_tree "$dir"
	rm "$dir/$SPEC"
	doctor "$dir"
	expect_problem "tree without $SPEC: named alone" \
		"=doctor: PROBLEM Rust metadata missing in KDIR: $SPEC" \
		"scripts/package-headers.sh"
}

# A target spec other than the one the metadata was built for: the doctor
# names both triples (as rustc records them); Kbuild then really fails with
# E0461 on the same tree, and builds with the unchanged spec.
case_target_spec() {
	local dir=$FIX/other-spec-$LABEL
	small_tree "$dir"
	change_spec "$dir/$SPEC"
	doctor "$dir"
	expect_problem "$SPEC changed after the metadata was built: both triples named, E0461 foretold" \
		"KDIR's Rust metadata was built for another target spec than its $SPEC: modules would fail with E0461" \
		"rust/libcore.rmeta was built for:  target-" \
		"$SPEC now yields:" \
		"fix: rebuild the kernel's Rust metadata with this $SPEC" \
		"or restore the $SPEC the metadata was built with"
	local was now
	was=$(sed -n 's/^  rust\/libcore.rmeta was built for: *//p' <<<"$OUT")
	now=$(sed -n "s|^  $SPEC now yields: *||p" <<<"$OUT")
	if [ -n "$was" ] && [ -n "$now" ] && [ "$was" != "$now" ]; then
		ok "the changed $SPEC yields another triple than the metadata's: $now, not $was"
	else
		not_ok "the changed $SPEC yields another triple than the metadata's" "'$now' vs '$was'"
	fi
	doctor "$GKDIR"
	expect_ok "the tree's own $SPEC: rust/libcore.rmeta loads" \
		"rust/libcore.rmeta was built for $SPEC as it is now"
	spec_kbuild_proof
}

# spec_kbuild_proof: a module built by Kbuild against the whole tree with
# the changed spec (a link farm) fails with rustc's E0461 for `core`; with
# the spec unchanged, the same build compiles the module.
spec_kbuild_proof() {
	local name="Kbuild with the changed $SPEC: rustc fails with E0461, as the doctor said"
	local farm=$FIX/spec-farm-$LABEL mod=$FIX/spec-module-$LABEL log
	link_farm "$farm"
	fresh "$mod"
	echo 'obj-m := ws_spec_probe.o' >"$mod/Kbuild"
	printf '// SPDX-License-Identifier: GPL-2.0\n\n//! Loads the core crate for the target spec, nothing more.\n' >"$mod/ws_spec_probe.rs"
	log=$mod/unchanged.log
	# shellcheck disable=SC2046 # the variables are words without spaces
	$RUN make -C "$farm" M="$mod" $(toolchain_vars) ws_spec_probe.o >"$log" 2>&1 || true
	if [ ! -f "$mod/ws_spec_probe.o" ] || grep -q E0461 "$log"; then
		not_ok "$name" "the unchanged spec does not build either (see $log)"
		diag_lines <"$log"
		return
	fi
	change_spec "$farm/$SPEC"
	rm -f "$mod/ws_spec_probe.o"
	log=$mod/changed.log
	# shellcheck disable=SC2046 # the variables are words without spaces
	if $RUN make -C "$farm" M="$mod" $(toolchain_vars) ws_spec_probe.o >"$log" 2>&1; then
		not_ok "$name" "the build succeeded"
	elif grep -q 'error\[E0461\]: couldn.t find crate .core. with expected target triple' "$log"; then
		ok "$name"
		grep -m 1 -A 5 'E0461' "$log" | diag_lines
	else
		not_ok "$name" "no E0461 for core (see $log)"
		diag_lines <"$log"
	fi
}

case_out_dir() {
	local dir=$FIX/no-out-dir-$LABEL
	small_tree "$dir"
	sed -i 's/--out-dir .*--emit/--emit/' "$dir/scripts/Makefile.build"
	if grep -v '^[[:space:]]*#' "$dir/scripts/Makefile.build" | grep -q -- '--out-dir'; then
		not_ok "read-only tree without --out-dir" "could not remove --out-dir from the fixture"
		return
	fi
	doctor "$dir"
	expect_ok "writable tree without --out-dir is fine (rustc writes there)" \
		"scripts/Makefile.build lacks --out-dir, but KDIR is writable"
	# The unprivileged user cannot reach the workspace: the doctor and the
	# tree, made read-only, are copied outside it.
	local stage user
	stage=$(mktemp -d)
	chmod 755 "$stage"
	cp -r "$WS/scripts" "$WS/kernels" "$stage/"
	cp -r "$dir" "$stage/tree"
	chmod -R a+rX "$stage"
	chmod a-w "$stage/tree"
	DOCTOR=$stage/scripts/doctor.sh DOCTOR_WS=$stage DOCTOR_AS=as_unprivileged doctor "$stage/tree"
	user=$(as_unprivileged id -un)
	expect_problem "read-only tree without --out-dir (as $user): patch-out-dir.sh" \
		"KDIR's scripts/Makefile.build lacks --out-dir and KDIR is not writable by $user" \
		"scripts/patch-out-dir.sh"
	chmod u+w "$stage/tree"
	rm -rf "$stage"
}

# generation_module: modules/$CHECKED_MODULE built against the generation's tree,
# from a copy under $FIX (never the workspace's own .ko, which make check
# may be rebuilding meanwhile), again only when the tree or the sources are
# newer; prints its path.
generation_module() {
	local copy=$FIX/ko-$LABEL/$CHECKED_MODULE.ko
	mkdir -p "$FIX/ko-$LABEL"
	if [ ! -f "$copy" ] || [ "$copy" -ot "$GKDIR/vmlinux" ] ||
		[ -n "$(find "$WS/Kbuild" "$WS/modules/$CHECKED_MODULE" "$WS/modules/common" "$WS/kernels" \
			\( -name "*.rs" -o -name Kbuild -o -name "*.conf" \) \
			-newer "$copy" -print -quit)" ]; then
		build_module "$FIX/module-build-$LABEL" || return 1
		cp "$FIX/module-build-$LABEL/modules/$CHECKED_MODULE/$CHECKED_MODULE.ko" "$copy"
	fi
	echo "$copy"
}

# build_module DIR: build modules/$CHECKED_MODULE from a copy in DIR (with the
# top-level Kbuild, which gives it its kernel generation, listing it
# alone), with the generation's toolchain.
build_module() {
	fresh "$1"
	# The top-level Kbuild reads the generation's description (its kernel
	# crate's capabilities) through scripts/kernel-conf.sh.
	git -C "$WS" ls-files -z "modules/$CHECKED_MODULE" modules/common \
		scripts/kernel-conf.sh kernels |
		(cd "$WS" && cpio -0pdm --quiet "$1")
	{
		grep -v '^obj-m' "$WS/Kbuild"
		echo "obj-m += modules/$CHECKED_MODULE/"
	} >"$1/Kbuild"
	# shellcheck disable=SC2046 # the variables are words without spaces
	$RUN make -C "$GKDIR" M="$1" $(toolchain_vars) modules >"$1/build.log" 2>&1
}

case_vermagic() {
	local ko=$1 release=$2 built
	built=$(modinfo -F vermagic "$ko" | cut -d' ' -f1)
	doctor "$GKDIR" --module "$ko" --release "$release"
	expect_problem "module built for $built checked against release $release" \
		"$CHECKED_MODULE.ko was built for $built, not for the target kernel $release" \
		"Invalid module format"
}

# case_modules_only KO: --modules-only checks the module against KDIR and
# nothing of the toolchain: it passes with RUSTC and BINDGEN pointing
# nowhere, which the full doctor reports.
case_modules_only() {
	local name="--modules-only: the module against KDIR, no toolchain check (RUSTC and BINDGEN missing)"
	RUSTC=/nonexistent/rustc BINDGEN=/nonexistent/bindgen doctor "$GKDIR" --modules-only --module "$1"
	if [ "$RC" -eq 0 ] && has_line "$CHECKED_MODULE.ko vermagic matches release" &&
		! grep -qiE 'rustc|bindgen' <<<"$OUT"; then
		ok "$name"
	else
		not_ok "$name" "exit $RC, no vermagic line, or a toolchain line"
		echo "$OUT" | diag_lines
	fi
}

case_rust_symbols() {
	local ko=$1 hdir=$2
	doctor "$hdir" --module "$ko"
	expect_problem "module with Rust symbols against Debian's ${hdir##*/} Module.symvers: kernel without Rust" \
		"Rust symbols (e.g. _R" "that KDIR's Module.symvers does not export" \
		"the target kernel was built without Rust"
}

# run_generation LABEL: every case for that generation.
run_generation() {
	local hdir='' ko='' other
	use_generation "$1"
	if ! debian_headers_known "$LABEL"; then
		skip "cases on Debian's stock headers" "$DEBIAN_HEADERS_WHY"
	elif ! hdir=$(debian_headers "$LABEL"); then
		hdir=
		not_ok "Debian's stock headers" "apt-get could not fetch Debian's $LABEL headers, see $BUILD_DIR/doctor/apt-download-$LABEL.log"
	fi
	[ -z "$hdir" ] || case_debian_headers "$hdir"
	[ -z "$hdir" ] || case_default_kdir_rust_off "$hdir"
	if ! tree_built; then
		if [ "$GKDIR" = "$DEFAULT_KDIR" ]; then
			not_ok "cases on the workspace's kernel" "$GKDIR is not built (make kernel)"
		else
			skip "cases on the $LABEL kernel" "$GKDIR is not built"
		fi
		return
	fi
	case_workspace_kernel
	case_default_kdir_running
	case_unknown_generation

	case_rustup_rustc
	for other in $(kconf_labels); do
		[ "$other" = "$LABEL" ] || case_cross_generation "$other"
	done
	case_no_rust_dir
	case_no_target_spec
	case_target_spec
	case_out_dir

	if ! ko=$(generation_module); then
		not_ok "module checks" "no module built against $GKDIR (see $FIX/module-build-$LABEL/build.log)"
		return
	fi
	local release=${hdir##*/linux-headers-}
	[ -n "$hdir" ] || release=5.10.0-99-amd64
	case_vermagic "$ko" "$release"
	case_modules_only "$ko"
	[ -z "$hdir" ] || case_rust_symbols "$ko" "$hdir"
}

main() {
	local label
	mkdir -p "$FIX"
	case_no_kdir
	case_default_kdir_missing
	# The generations of KERNELS (make check's, all by default).
	for label in $(echo "${KERNELS:-$(kconf_labels)}" | tr ' ' '\n' | sort -t. -k1,1nr -k2,2nr); do
		run_generation "$label"
	done
}

main
exit 0
