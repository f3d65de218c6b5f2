#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Install what the kernel generations of kernels/*.conf need and is
# missing: each one's Debian source package, its LLVM, its Rust toolchain
# and its bindgen, plus the tools the workspace itself runs (QEMU,
# busybox...). Idempotent and quiet when everything is already there.
#
#   [DEPS_KERNELS="6.12 ..."] [DEPS_PROGRAMS=LABEL] scripts/install-deps.sh
#       [--bench | --rust-analyzer]
#
# DEPS_KERNELS: the generations (labels) to install for, default all of
# them (make deps, make check); make kernel and make run ask for theirs
# only, with the default generation, whose bindgen makes the test
# programs' bindings. DEPS_PROGRAMS: the generation whose rustc builds the
# test programs (the host release's own), when it is not one of
# DEPS_KERNELS: its Rust packages only, not what builds its kernel.
# --bench: also what make bench needs (gnuplot-nox draws its chart).
# --rust-analyzer: also the rust-analyzer that checks the project
# `make rust-analyzer` writes (tests/rust-analyzer-cases.sh): Debian's
# packaged one, from Debian 13's backports (a root filesystem of that
# release made by scripts/debian-env.sh under build/envs), run through
# build/tools/bin/rust-analyzer.
#
# A generation's Rust toolchain is either installed normally
# (RUST_INSTALL=system) or comes from a Debian environment of its release
# (RUST_INSTALL=env: the toolchain, LLVM and source package in a root
# filesystem of DEBIAN_RELEASE under build/envs, made by
# scripts/debian-env.sh; see install_env below). bindgen comes from
# crates.io (cargo:CRATE@VERSION, built into build/tools, or in the
# environment) or from a Debian package (deb:PACKAGE).
set -eu
WS_TAG=deps
# shellcheck source=scripts/lib.sh
. "$WS/scripts/lib.sh"
# shellcheck source=scripts/kernel-conf.sh
. "$WS/scripts/kernel-conf.sh"

BENCH=0
RUST_ANALYZER=0
case "${1:-}" in
--bench) BENCH=1 ;;
--rust-analyzer) RUST_ANALYZER=1 ;;
"") ;;
*) die "usage: $0 [--bench | --rust-analyzer]" ;;
esac

# The rust-analyzer of --rust-analyzer: Debian's package of it in the
# release and suites below (newer than the rustc 1.96 sources it reads:
# rust-analyzer follows the language, a release older than the sources
# would not know some of their syntax).
RUST_ANALYZER_SUITES=trixie,trixie-backports
RUST_ANALYZER_PACKAGE=rust-analyzer/trixie-backports

KERNEL_LABELS=${DEPS_KERNELS:-$(kconf_labels)}

LOG=$BUILD_DIR/logs/apt.log
mkdir -p "$BUILD_DIR/logs"

apt_updated=""
apt_update() {
	[ -z "$apt_updated" ] || return 0
	as_root apt-get update -q >>"$LOG" 2>&1 || {
		tail -n 20 "$LOG" >&2
		die "apt-get update failed; full log: $LOG"
	}
	apt_updated=1
}

# install_env: for the generation's Debian environment (made below, beside
# the others; remade when its packages change), in
# $KCONF_TOOLCHAIN_DIR/bin, the commands the
# scripts and Kbuild name (rustc, rustdoc, clippy-driver, rustfmt,
# bindgen): each runs the environment's own program there
# (scripts/env-run.sh; directly when already inside it). A bindgen from
# crates.io is built there by the release's cargo (env_bindgen).
install_env() {
	dir=$KCONF_TOOLCHAIN_DIR
	# (A toolchain unpacked there by an older workspace goes.)
	rm -rf "${dir:?}/usr" "$dir/.ws-packages"
	mkdir -p "$dir/bin"
	# rust-analyzer too when the environment has one (RUST_PACKAGES).
	tools="rustc rustdoc clippy-driver rustfmt bindgen"
	[ ! -x "$KCONF_ENV_ROOT/usr/bin/rust-analyzer" ] || tools="$tools rust-analyzer"
	for tool in $tools; do
		path=/usr/bin/$tool
		[ "$tool" != bindgen ] || path=$KCONF_ENV_BINDGEN
		cat >"$dir/bin/$tool.new" <<EOT
#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Written by scripts/install-deps.sh: Debian $DEBIAN_RELEASE's $path,
# run in the Debian environment $KCONF_ENV of the build folder this file
# is in (three levels up, links followed: a copy's build/toolchains may
# link to the workspace's). Inside it already (a Kbuild run there calls
# this): the program itself, without the workspace's scripts, which a
# build of another copy of the sources (DKMS's, a test's) does not bind.
[ "\${WS_ENV:-}" != '$KCONF_ENV' ] || exec $path "\$@"
BUILD_DIR=\$(cd -P "\$(dirname "\$0")/../../.." && pwd)
# The workspace that runs it (the Makefile exports WS), else the one that
# wrote this file.
[ -x "\${WS:-}/scripts/env-run.sh" ] || WS='$WS'
export WS BUILD_DIR
exec "\$WS/scripts/env-run.sh" '$KCONF_ENV' $path "\$@"
EOT
		chmod +x "$dir/bin/$tool.new"
		replace_if_changed "$dir/bin/$tool"
	done
}

# env_bindgen: a cargo:CRATE@VERSION bindgen of a generation built in its
# environment (into its /usr/local, with the release's cargo and libclang),
# when that version is not there yet. Its crates.io downloads are cached
# in the environment too (CARGO_HOME), not in the caller's home. cargo
# trusts the certificates the host trusts (a copy of its bundle): a
# network whose proxy has a certificate authority of its own, installed
# on the host, works there too.
env_bindgen() {
	crate=${BINDGEN_SOURCE#cargo:}
	[ "$(LIBCLANG_PATH=$KCONF_LIBCLANG_PATH "$KCONF_BINDGEN" --version 2>/dev/null || true)" != "bindgen ${crate#*@}" ] ||
		return 0
	step_start "building $crate in the Debian $DEBIAN_RELEASE environment $KCONF_ENV"
	cargo_log=$BUILD_DIR/logs/cargo-install-${crate%@*}-$KERNEL_LABEL.log
	: >"$cargo_log"
	host_ca=/etc/ssl/certs/ca-certificates.crt
	env_ca=/var/cache/cargo-home/host-ca-certificates.crt
	mkdir -p "$KCONF_ENV_ROOT/var/cache/cargo-home"
	if [ -f "$host_ca" ]; then
		cp "$host_ca" "$KCONF_ENV_ROOT$env_ca"
	else
		env_ca=/etc/ssl/certs/ca-certificates.crt
	fi
	# shellcheck disable=SC2086 # the prefix's words
	with_progress "$cargo_log" $KCONF_RUN env CARGO_HOME=/var/cache/cargo-home \
		CARGO_HTTP_CAINFO="$env_ca" cargo install --locked --force --root /usr/local "$crate" || {
		tail -n 20 "$cargo_log" >&2
		die "cargo install $crate in $KCONF_ENV failed; full log: $cargo_log"
	}
	step_done
}

# ensure_suite SUITE: the host's apt has SUITE (a generation of the host's
# own release whose source package is in its backports, say), else a
# source of it is added, from the archive of the host's release
# (/etc/apt/sources.list.d/rust-oot-SUITE.list), and apt's lists updated.
ensure_suite() {
	repos=$(kconf_host_repos)
	if [ -n "$(kconf_repo_uri "$repos" "$1")" ]; then
		return 0
	fi
	uri=$(kconf_repo_uri "$repos" "$(kconf_host_release)")
	[ -n "$uri" ] || die "cannot tell the Debian archive from the host's apt configuration" \
		"(no repository for $(kconf_host_release)); add $1 to it by hand"
	say "adding $1 ($uri) to the host's apt sources: $KCONF_FILE takes $SOURCE_PACKAGE from it"
	echo "deb $uri $1 main" | as_root tee "/etc/apt/sources.list.d/rust-oot-$1.list" >/dev/null
	apt_updated=""
	apt_update
}

# check_rust: the generation's rustc runs, is the described version and has
# the standard library sources the kernel builds core and alloc from.
check_rust() {
	have=$("$KCONF_RUSTC" --version 2>&1) ||
		die "$KCONF_RUSTC does not run: $have"
	case "$have" in
	"rustc $RUST_VERSION"*) ;;
	*) die "$KCONF_RUSTC is $have, $KCONF_FILE wants rustc $RUST_VERSION" ;;
	esac
	sysroot=$KCONF_ENV_ROOT$("$KCONF_RUSTC" --print sysroot)
	for crate in core alloc; do
		[ -f "$sysroot/lib/rustlib/src/rust/library/$crate/src/lib.rs" ] ||
			die "$KCONF_RUSTC: no $crate sources in $sysroot/lib/rustlib/src/rust/library (rust-src)"
	done
}

# Every generation's packages, and the workspace's own tools. dwarves
# (pahole): Kconfig reads its version, and Debian's stock configuration
# (DEBUG_INFO_BTF) needs it unchanged for the self-contained builds.
PACKAGES="make gcc libc6-dev flex bison bc libelf-dev libssl-dev cpio xz-utils
kmod file qemu-system-x86 busybox-static shellcheck git dkms dwarves"
[ "$BENCH" -eq 0 ] || PACKAGES="$PACKAGES gnuplot-nox"
# mmdebstrap makes the Debian 13 root of the rust-analyzer; uidmap lets a
# normal user's mmdebstrap map the root's users (unshare mode).
[ "$RUST_ANALYZER" -eq 0 ] || PACKAGES="$PACKAGES mmdebstrap uidmap"
for label in $KERNEL_LABELS; do
	kconf_load "$label" || exit 1
	case "$RUST_INSTALL" in
	env)
		# Made by mmdebstrap (uidmap: a normal user's unshare mode).
		PACKAGES="$PACKAGES mmdebstrap uidmap"
		continue ;;
	system)
		[ -z "${SOURCE_SUITE:-}" ] || ensure_suite "$SOURCE_SUITE"
		PACKAGES="$PACKAGES $RUST_PACKAGES"
		case "$BINDGEN_SOURCE" in
		deb:*) PACKAGES="$PACKAGES ${BINDGEN_SOURCE#deb:}" ;;
		esac ;;
	esac
	PACKAGES="$PACKAGES $SOURCE_PACKAGE clang-$LLVM_VERSION lld-$LLVM_VERSION
llvm-$LLVM_VERSION libclang-$LLVM_VERSION-dev"
done
PROGRAMS_ONLY=${DEPS_PROGRAMS:-}
case " $KERNEL_LABELS " in *" $PROGRAMS_ONLY "*) PROGRAMS_ONLY="" ;; esac
if [ -n "$PROGRAMS_ONLY" ]; then
	kconf_load "$PROGRAMS_ONLY" || exit 1
	[ "$RUST_INSTALL" = system ] ||
		die "DEPS_PROGRAMS=$PROGRAMS_ONLY: its toolchain is not the host's own (RUST_INSTALL=$RUST_INSTALL)"
	PACKAGES="$PACKAGES $RUST_PACKAGES"
fi
# The packaged rust-analyzer (Debian 13's backports) loads the test
# programs' standard library with `cargo metadata` on their compiler's
# sysroot: without that compiler's cargo (CARGO_PACKAGE of the programs'
# generation) it types nothing of std ("type annotations needed"). Not
# needed where the programs' generation has a rust-analyzer of its own
# (a Debian 13 host's 1.85, which reads the sysroot without cargo).
if [ "$RUST_ANALYZER" -eq 1 ] && [ -n "${DEPS_PROGRAMS:-}" ]; then
	kconf_load "$DEPS_PROGRAMS" || exit 1
	kconf_rust_package rust-analyzer || [ -z "${CARGO_PACKAGE:-}" ] ||
		PACKAGES="$PACKAGES $CARGO_PACKAGE"
fi

# cargo_install CRATE@VERSION: build a host tool into build/tools, from /
# so that rust-toolchain.toml (no cargo of its own) plays no part: the
# host's default toolchain builds it (RUSTC=... in the environment picks
# another compiler).
cargo_install() {
	(cd / && exec cargo install --locked --force --root "$BUILD_DIR/tools" "$1")
}

# build_tool CRATE@VERSION: cargo_install it, with progress and a log.
# rustup's cargo is on a fresh machine of this kind, otherwise fall back
# to Debian's cargo for rustc-web.
build_tool() {
	if ! command -v cargo >/dev/null 2>&1; then
		step_start "installing Debian's cargo-web (no cargo on PATH)"
		apt_update
		with_progress "$LOG" as_root env DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -q --no-install-recommends cargo-web ||
			die "apt-get install cargo-web failed; full log: $LOG"
		step_done
	fi
	step_start "building $1 into $BUILD_DIR/tools"
	mkdir -p "$BUILD_DIR/tools"
	cargo_log=$BUILD_DIR/logs/cargo-install-${1%@*}.log
	: >"$cargo_log"
	with_progress "$cargo_log" cargo_install "$1" || {
		tail -n 20 "$cargo_log" >&2
		die "cargo install $1 failed; full log: $cargo_log"
	}
	step_done
}

# cargo_bindgen_to_build: the crate (CRATE@VERSION) of the loaded
# generation's bindgen when it comes from crates.io and is not built yet
# in that version; nothing otherwise.
cargo_bindgen_to_build() {
	case "$BINDGEN_SOURCE" in cargo:*) ;; *) return 0 ;; esac
	cbtb_crate=${BINDGEN_SOURCE#cargo:}
	[ "$("$KCONF_BINDGEN" --version 2>/dev/null || true)" = "bindgen ${cbtb_crate#*@}" ] ||
		echo "$cbtb_crate"
}

# early_crates: the bindgen crates (CRATE@VERSION) of the host-run
# generations that come from crates.io and are not built yet, one per line.
early_crates() {
	for label in $KERNEL_LABELS; do
		kconf_load "$label" || exit 1
		[ "$RUST_INSTALL" != env ] || continue
		cargo_bindgen_to_build
	done | sort -u
}

# bindgen from crates.io is built by a cargo that needs none of the other
# packages (rustup's, or Debian's cargo-web, installed first when there is
# no cargo): on a fresh machine it builds while apt-get installs them and
# the environments are made (once: started before the first).
early_builds=""
early_started=""
start_early_builds() {
	[ -z "$early_started" ] || return 0
	command -v cargo >/dev/null 2>&1 || return 0
	early_started=1
	for crate in $(early_crates); do
		build_tool "$crate" &
		early_builds="$early_builds $!"
	done
}

# One dpkg-query for all of them (make run asks on every edit).
# shellcheck disable=SC2016,SC2086 # dpkg-query's own ${fields}; one word per package
installed=" $(dpkg-query -W -f='${Package} ${Status}\n' $PACKAGES 2>/dev/null |
	awk '$2 == "install" && $3 == "ok" && $4 == "installed" { printf "%s ", $1 }' || true)"
missing=""
for pkg in $PACKAGES; do
	case " $missing $installed" in *" $pkg "*) continue ;; esac
	missing="$missing $pkg"
done

# apt_install PACKAGE...: install them, as one step with progress.
apt_install() {
	step_start "installing Debian packages: $*"
	apt_update
	with_progress "$LOG" as_root env DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -q --no-install-recommends "$@" || {
		tail -n 20 "$LOG" >&2
		die "apt-get install failed; full log: $LOG"
	}
	step_done
}

# The Debian environments need only mmdebstrap and uidmap of the host's
# packages, an early build only a cargo: those first, then the
# environments (each mostly downloads and dpkg's unpacking in its own
# root, one core at most) side by side with the rest of the host's
# packages and the early builds. On a fresh machine this takes make
# run's apt-get install (about 45 s), and CI's bindgen build (70 s), off
# the way to the kernel builds. Each environment says what it makes and logs
# to its own build/logs/env-NAME.log; a failed one has said why, and the
# others are waited for (nothing is left running).
first=""
rest=""
for pkg in $missing; do
	case $pkg in
	mmdebstrap | uidmap) first="$first $pkg" ;;
	*) rest="$rest $pkg" ;;
	esac
done
[ -z "$missing" ] || start_early_builds
command -v cargo >/dev/null 2>&1 || [ -z "$(early_crates)" ] ||
	first="$first cargo-web"
# shellcheck disable=SC2086 # one word per package
[ -z "$first" ] || apt_install $first
start_early_builds
env_pids=""
env_failed=0
for label in $KERNEL_LABELS; do
	kconf_load "$label" || exit 1
	[ "$RUST_INSTALL" = env ] || continue
	# shellcheck disable=SC2086 # one word per package
	"$WS/scripts/debian-env.sh" "$KCONF_ENV" "$(echo $DEBIAN_SUITES | tr ' ' ',')" \
		$KCONF_ENV_PACKAGES >/dev/null &
	env_pids="$env_pids $!"
done
if [ "$RUST_ANALYZER" -eq 1 ]; then
	"$WS/scripts/debian-env.sh" rust-analyzer "$RUST_ANALYZER_SUITES" \
		"$RUST_ANALYZER_PACKAGE" >/dev/null &
	env_pids="$env_pids $!"
fi
# In a subshell: a failure is counted once the environments are waited for.
# shellcheck disable=SC2086 # one word per package
[ -z "$rest" ] || (apt_install $rest) || env_failed=1
for pid in $env_pids $early_builds; do
	wait "$pid" || env_failed=1
done
[ "$env_failed" -eq 0 ] || exit 1

for label in $KERNEL_LABELS; do
	kconf_load "$label" || exit 1
	case "$RUST_INSTALL" in
	system) ;;
	env) install_env ;;
	*) die "$KCONF_FILE: RUST_INSTALL=$RUST_INSTALL is neither system nor env" ;;
	esac
	check_rust

	case "$RUST_INSTALL:$BINDGEN_SOURCE" in
	env:cargo:*) env_bindgen ;;
	*:cargo:*)
		crate=$(cargo_bindgen_to_build)
		[ -z "$crate" ] || build_tool "$crate" ;;
	*:deb:*)
		have=$(LIBCLANG_PATH=$KCONF_LIBCLANG_PATH "$KCONF_BINDGEN" --version 2>&1) ||
			die "$KCONF_BINDGEN does not run: $have"
		[ -z "${BINDGEN_VERSION:-}" ] || [ "$have" = "bindgen $BINDGEN_VERSION" ] ||
			die "$KCONF_BINDGEN is $have, $KCONF_FILE wants bindgen $BINDGEN_VERSION" ;;
	esac
done
if [ -n "$PROGRAMS_ONLY" ]; then
	kconf_load "$PROGRAMS_ONLY" || exit 1
	check_rust
fi

# rust-analyzer: the environment (made once, reused while its inputs are
# unchanged) and a wrapper that runs its binary with its own libraries.
if [ "$RUST_ANALYZER" -eq 1 ]; then
	root=$("$WS/scripts/debian-env.sh" rust-analyzer "$RUST_ANALYZER_SUITES" \
		"$RUST_ANALYZER_PACKAGE")
	mkdir -p "$BUILD_DIR/tools/bin"
	cat >"$BUILD_DIR/tools/bin/rust-analyzer.tmp" <<EOT
#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Written by scripts/install-deps.sh: Debian's rust-analyzer
# ($RUST_ANALYZER_PACKAGE) from the Debian root filesystem below, run
# through that root's own dynamic loader and libraries (it is built for a
# newer glibc than the host's may be). Only this process: what it starts
# (rustc, the proc-macro server of the sysroot) runs with the host's.
root='$root'
exec "\$root/lib64/ld-linux-x86-64.so.2" \\
	--library-path "\$root/usr/lib/x86_64-linux-gnu" \\
	"\$root/usr/bin/rust-analyzer" "\$@"
EOT
	chmod +x "$BUILD_DIR/tools/bin/rust-analyzer.tmp"
	mv "$BUILD_DIR/tools/bin/rust-analyzer.tmp" "$BUILD_DIR/tools/bin/rust-analyzer"
fi
