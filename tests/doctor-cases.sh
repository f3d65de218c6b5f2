#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Tests of scripts/doctor.sh (make doctor) on real cases: Debian's stock
# 6.12 headers (no Rust: MODVERSIONS), rustup's rustc against the 1.96-built
# kernel, trees without rust/ or scripts/target.json, a read-only tree whose
# Makefile.build lacks --out-dir, a module checked against another release
# and against a kernel without Rust symbols; and `make doctor` on the
# workspace's kernel: every check ok, in under a second.
#
# Each case asserts the diagnosis text. Output, one per line:
#   ok doctor: <name> / not ok doctor: <name> # <why> / # <diagnostic>
# The exit status is always 0: the caller counts the "not ok" lines.
#
# Run as root with the Makefile's environment (WS, BUILD_DIR, DEFAULT_KDIR,
# WS_RUSTC, WS_BINDGEN, WS_LLVM, LIBCLANG_PATH). Downloads and fixtures are
# kept under $BUILD_DIR/doctor/ (the Debian packages are fetched once).
set -eu

: "${WS:?run this with the environment of the top-level Makefile}"
: "${BUILD_DIR:?run this with the environment of the top-level Makefile}"
: "${DEFAULT_KDIR:?run this with the environment of the top-level Makefile}"

DOCTOR=$WS/scripts/doctor.sh
FIX=$BUILD_DIR/doctor
RUSTC=${WS_RUSTC:-/usr/bin/rustc}
BINDGEN=${WS_BINDGEN:-$BUILD_DIR/tools/bin/bindgen}
LLVM=${WS_LLVM:--19}
export LIBCLANG_PATH=${LIBCLANG_PATH:-/usr/lib/llvm-19/lib}

# The suite's result lines (tests/lib/ktap.sh), each named "doctor: ...".
# shellcheck source=tests/lib/ktap.sh
. "$WS/tests/lib/ktap.sh"
KTAP_PREFIX="doctor: "

# --- running the doctor -------------------------------------------------------

# doctor KDIR [ARGS...]: run it with the workspace's toolchain; sets OUT and
# RC. DOCTOR_AS, when set, is a command prefix (another user).
doctor() {
	local kdir=$1
	shift
	RC=0
	OUT=$(${DOCTOR_AS:-} env KDIR="$kdir" DEFAULT_KDIR="$DEFAULT_KDIR" \
		RUSTC="$RUSTC" BINDGEN="$BINDGEN" LLVM="$LLVM" \
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

# small_tree DIR: the parts of the workspace's kernel an out-of-tree build
# reads, copied (the big Rust metadata symlinked): a headers tree in small.
small_tree() {
	local dir=$1 f
	fresh "$dir"
	for f in Makefile .config include/config/auto.conf include/config/kernel.release \
		Module.symvers scripts/Makefile.build scripts/min-tool-version.sh \
		scripts/target.json arch/x86/Makefile; do
		mkdir -p "$dir/$(dirname "$f")"
		cp "$DEFAULT_KDIR/$f" "$dir/$f"
	done
	mkdir -p "$dir/rust"
	for f in "$DEFAULT_KDIR"/rust/*.rmeta "$DEFAULT_KDIR"/rust/libmacros.so; do
		ln -s "$f" "$dir/rust/${f##*/}"
	done
}

# debian_headers: unpack Debian's newest linux-headers-6.12.*-amd64 with its
# -common and linux-kbuild packages (what installing it brings) under
# $FIX/debian once; prints the headers folder. The absolute include in its
# Makefile is pointed at the unpacked -common folder.
debian_headers() {
	local top=$FIX/debian stamp=$FIX/debian/.headers-dir name ver deb hdir
	if [ -f "$stamp" ] && [ -d "$(cat "$stamp")" ]; then
		cat "$stamp"
		return
	fi
	name=$(newest_debian_headers)
	if [ -z "$name" ]; then
		apt-get update >"$FIX/apt-update.log" 2>&1 || true
		name=$(newest_debian_headers)
	fi
	[ -n "$name" ] || return 1
	ver=${name#linux-headers-}
	ver=${ver%-amd64}
	fresh "$top"
	mkdir -p "$top/debs"
	(cd "$top/debs" && apt-get download "$name" "linux-headers-$ver-common" \
		"linux-kbuild-$ver") >"$FIX/apt-download.log" 2>&1 || return 1
	for deb in "$top"/debs/*.deb; do
		dpkg -x "$deb" "$top/root"
	done
	hdir=$top/root/usr/src/$name
	sed -i "s|^include /usr/src/|include $top/root/usr/src/|" "$hdir/Makefile"
	echo "$hdir" >"$stamp"
	echo "$hdir"
}

newest_debian_headers() {
	apt-cache search --names-only '^linux-headers-6\.12\.[0-9]+\+deb[0-9]+-amd64$' 2>/dev/null |
		awk '{ print $1 }' | sort -V | tail -n 1
}

# with_kconfig HEADERS DIR: HEADERS (by symlinks) plus the init/Kconfig of
# the workspace's 6.12 source, so the doctor reads the real `depends on`.
with_kconfig() {
	local src=$1 dir=$2 f
	fresh "$dir"
	for f in "$src"/* "$src"/.config "$src"/.kernelvariables; do
		[ ! -e "$f" ] || ln -s "$f" "$dir/${f##*/}"
	done
	mkdir -p "$dir/init"
	cp "$DEFAULT_KDIR/init/Kconfig" "$dir/init/Kconfig"
}

# as_unprivileged CMD...: run CMD as a user who cannot write root's files:
# `nobody` when we are root, else ourselves (the fixture is made read-only).
as_unprivileged() {
	if [ "$(id -u)" -eq 0 ]; then
		setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
	else
		"$@"
	fi
}

# --- the cases ------------------------------------------------------------------

case_default_kernel() {
	local name="make doctor on the workspace's kernel: every check ok, in under 1 s"
	local t0 t1 ms
	if [ ! -f "$DEFAULT_KDIR/include/config/auto.conf" ]; then
		not_ok "$name" "$DEFAULT_KDIR is not built (make kernel)"
		return
	fi
	t0=$(date +%s%N)
	RC=0
	OUT=$(make --no-print-directory -s -C "$WS" doctor KDIR="$DEFAULT_KDIR" 2>&1) || RC=$?
	t1=$(date +%s%N)
	ms=$(((t1 - t0) / 1000000))
	local oks
	oks=$(grep -c '^doctor: ok ' <<<"$OUT" || true)
	if [ "$RC" -ne 0 ] || grep -q PROBLEM <<<"$OUT"; then
		not_ok "$name" "exit $RC"
		echo "$OUT" | diag_lines
	elif [ "$oks" -lt 7 ]; then
		not_ok "$name" "only $oks ok lines"
		echo "$OUT" | diag_lines
	elif [ "$ms" -ge 1000 ]; then
		not_ok "$name" "took $ms ms"
	else
		ok "$name"
		echo "  $oks checks ok in $ms ms" | diag_lines
	fi
}

case_no_kdir() {
	doctor "$FIX/no-such-tree"
	expect_problem "a KDIR that does not exist is named, with a fix" \
		"KDIR=$FIX/no-such-tree does not exist" "fix: pass KDIR="
}

case_debian_headers() {
	local hdir=$1
	doctor "$hdir"
	expect_problem "Debian's stock headers ${hdir##*/}: RUST off because of MODVERSIONS" \
		"depends on !MODVERSIONS   [MODVERSIONS=y]" \
		"CONFIG_RUST is off in KDIR's config (CONFIG_HAVE_RUST=y)" \
		"KDIR has no init/Kconfig" \
		"rustc was missing at configure time (CONFIG_RUSTC_VERSION=0)"
	with_kconfig "$hdir" "$FIX/debian-kconfig"
	doctor "$FIX/debian-kconfig"
	expect_problem "Debian's config read with 6.12's init/Kconfig: MODVERSIONS, no rustc" \
		"depends on !MODVERSIONS   [MODVERSIONS=y]" \
		"from $FIX/debian-kconfig/init/Kconfig: config RUST" \
		"depends on RUST_IS_AVAILABLE   [RUST_IS_AVAILABLE=n]" \
		"depends on !CALL_PADDING || RUSTC_VERSION >= 108100   [CALL_PADDING=y RUSTC_VERSION=0]"
}

case_rustup_rustc() {
	local name="rustup's stable rustc against the kernel's is stopped before rustc runs"
	local stable home=${RUSTUP_HOME:-$HOME/.rustup}
	stable=$(find "$home"/toolchains/ -path '*/stable-*/bin/rustc' 2>/dev/null | head -n 1)
	if [ -z "$stable" ]; then
		ok "$name # SKIP no rustup stable toolchain in $home"
		return
	fi
	local have want
	have=$("$stable" --version)
	want=$(sed -n 's/^CONFIG_RUSTC_VERSION_TEXT=//p' "$DEFAULT_KDIR/include/config/auto.conf" |
		sed 's/^"\(.*\)"$/\1/')
	if [ "$have" = "$want" ]; then
		ok "$name # SKIP rustup's stable is the kernel's ($have)"
		return
	fi
	# check-kdir is what `make modules` runs before Kbuild.
	RC=0
	OUT=$(make --no-print-directory -s -C "$WS" check-kdir KDIR="$DEFAULT_KDIR" \
		RUSTC="$stable" 2>&1) || RC=$?
	expect_problem "$name" \
		"rustc is not the one that built KDIR: modules would fail with E0514" \
		"RUSTC=$stable is: $have" \
		"KDIR was built by: $want (from CONFIG_RUSTC_VERSION_TEXT)" \
		"fix: pass RUSTC="
	case_rmeta_rustc "$stable"
}

# Without CONFIG_RUSTC_VERSION_TEXT (older kernels), the compiler recorded
# in rust/libcore.rmeta is the reference.
case_rmeta_rustc() {
	local stable=$1 have want dir=$FIX/no-version-text
	small_tree "$dir"
	sed -i '/^CONFIG_RUSTC_VERSION_TEXT=/d' "$dir/.config" "$dir/include/config/auto.conf"
	have=$("$stable" --version)
	want=$("$RUSTC" --version)
	RUSTC=$stable doctor "$dir"
	expect_problem "tree without CONFIG_RUSTC_VERSION_TEXT: rustc compared with rust/libcore.rmeta" \
		"KDIR was built by: $want (from rust/libcore.rmeta)" \
		"RUSTC=$stable is: $have"
}

case_no_rust_dir() {
	small_tree "$FIX/no-rust"
	rm -rf "$FIX/no-rust/rust"
	doctor "$FIX/no-rust"
	expect_problem "headers tree without rust/: each file named, package-headers.sh" \
		"Rust metadata missing in KDIR: rust/libcore.rmeta rust/libcompiler_builtins.rmeta rust/libkernel.rmeta" \
		"rust/libmacros.so" "KDIR has no rust/ folder at all" "scripts/package-headers.sh"
}

case_no_target_json() {
	small_tree "$FIX/no-target-json"
	rm "$FIX/no-target-json/scripts/target.json"
	doctor "$FIX/no-target-json"
	expect_problem "tree without scripts/target.json: named alone" \
		"=doctor: PROBLEM Rust metadata missing in KDIR: scripts/target.json" \
		"scripts/package-headers.sh"
}

case_out_dir() {
	local dir=$FIX/no-out-dir
	small_tree "$dir"
	sed -i 's/--out-dir .*--emit/--emit/' "$dir/scripts/Makefile.build"
	if grep -v '^[[:space:]]*#' "$dir/scripts/Makefile.build" | grep -q -- '--out-dir'; then
		not_ok "read-only tree without --out-dir" "could not remove --out-dir from the fixture"
		return
	fi
	doctor "$dir"
	expect_ok "writable tree without --out-dir is fine (rustc writes there)" \
		"scripts/Makefile.build lacks --out-dir, but KDIR is writable"
	[ "$(id -u)" -eq 0 ] || chmod a-w "$dir"
	# nobody may not reach the workspace (say, under /root): use copies.
	local stage='' doctor=$DOCTOR user
	if ! as_unprivileged test -r "$dir/.config" -a -x "$DOCTOR"; then
		stage=$(mktemp -d)
		chmod 755 "$stage"
		cp "$DOCTOR" "$stage/doctor.sh"
		cp -r "$dir" "$stage/tree"
		doctor=$stage/doctor.sh
		dir=$stage/tree
	fi
	DOCTOR=$doctor DOCTOR_AS=as_unprivileged doctor "$dir"
	user=$(as_unprivileged id -un)
	expect_problem "read-only tree without --out-dir (as $user): patch-out-dir.sh" \
		"KDIR's scripts/Makefile.build lacks --out-dir and KDIR is not writable by $user" \
		"scripts/patch-out-dir.sh"
	chmod u+w "$dir"
	[ -z "$stage" ] || rm -rf "$stage"
}

# module_copy: a copy of modules/hello/hello.ko, built against the
# workspace's 6.12 kernel (kept from the last run while the workspace's
# modules are being rebuilt; built from a copy of the source when neither
# exists). Prints its path.
module_copy() {
	local ko=$WS/modules/hello/hello.ko copy=$FIX/ko/hello.ko
	mkdir -p "$FIX/ko"
	if [ -f "$ko" ]; then
		cp "$ko" "$copy.tmp" && mv "$copy.tmp" "$copy"
	elif [ ! -f "$copy" ]; then
		build_hello "$FIX/hello-build" || return 1
		cp "$FIX/hello-build/hello.ko" "$copy"
	fi
	echo "$copy"
}

# build_hello DIR: build modules/hello out of a copy in DIR, with the
# toolchain the Makefile passes to Kbuild.
build_hello() {
	fresh "$1"
	cp "$WS/modules/hello/Kbuild" "$WS/modules/hello/hello.rs" "$1/"
	make -C "$DEFAULT_KDIR" M="$1" LLVM="$LLVM" RUSTC="$RUSTC" HOSTRUSTC="$RUSTC" \
		BINDGEN="$BINDGEN" modules >"$1/build.log" 2>&1
}

case_vermagic() {
	local ko=$1 release=$2 built
	built=$(modinfo -F vermagic "$ko" | cut -d' ' -f1)
	doctor "$DEFAULT_KDIR" --module "$ko" --release "$release"
	expect_problem "module built for $built checked against release $release" \
		"hello.ko was built for $built, not for the target kernel $release" \
		"Invalid module format"
}

case_rust_symbols() {
	local ko=$1 hdir=$2
	doctor "$hdir" --module "$ko"
	expect_problem "module with Rust symbols against Debian's Module.symvers: kernel without Rust" \
		"Rust symbols (e.g. _R" "that KDIR's Module.symvers does not export" \
		"the target kernel was built without Rust"
}

main() {
	mkdir -p "$FIX"
	case_default_kernel
	case_no_kdir

	local hdir='' ko=''
	if ! hdir=$(debian_headers); then
		hdir=
		not_ok "Debian's stock headers" "apt-get could not fetch linux-headers-6.12.*-amd64, see $FIX/apt-download.log"
	fi
	[ -z "$hdir" ] || case_debian_headers "$hdir"

	if [ -f "$DEFAULT_KDIR/include/config/auto.conf" ]; then
		case_rustup_rustc
		case_no_rust_dir
		case_no_target_json
		case_out_dir
	else
		not_ok "fixtures from the workspace's kernel" "$DEFAULT_KDIR is not built (make kernel)"
	fi

	if ! ko=$(module_copy); then
		not_ok "module checks" "modules/hello/hello.ko is not built (make)"
		return
	fi
	local release=${hdir##*/linux-headers-}
	[ -n "$hdir" ] || release=6.1.0-99-amd64
	case_vermagic "$ko" "$release"
	[ -z "$hdir" ] || case_rust_symbols "$ko" "$hdir"
}

main
exit 0
