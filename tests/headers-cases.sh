#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Building against an installed headers tree, as `make check` tests it:
#
# 1. package the default kernel as a headers-only tree with its Rust build
#    metadata (scripts/package-headers.sh), at least 5x smaller than the
#    build tree;
# 2. place it elsewhere, root-owned and read-only, and build every module
#    there as the unprivileged user nobody (last; the .ko files are then
#    copied to build/headers/modules for tests/run-vm.sh to test in the VM);
# 3. the --out-dir case: on a copy of that tree without `--out-dir` in
#    scripts/Makefile.build (the 6.1.0-6.4 layout) the same build fails with
#    rustc's own error about creating its files in the read-only tree;
#    scripts/patch-out-dir.sh fixes it, keeps a backup, is a no-op the
#    second time and refuses a layout it does not know.
#
# Where nobody works: the clone may live in a home directory that other
# users cannot enter (mode 0700 or 0750), so nothing nobody uses may be
# under the workspace. The trees, a copy of the sources and the tools that
# the build runs (bindgen, and the compiler when nobody cannot run it where
# it is) are staged in a folder of their own under ${TMPDIR:-/tmp}, removed
# at exit. The workspace's build folder is made private (0700) first, so
# that a path into it fails here wherever the clone lives, as it would in
# such a home.
#
# Prints results in the guest's line format (see tests/host-checks.sh).
set -eu
WS_TAG=headers
# shellcheck source=scripts/lib.sh
. "$WS/scripts/lib.sh"
# shellcheck source=tests/lib/nobody.sh
. "$WS/tests/lib/nobody.sh"

KDIR=$DEFAULT_KDIR
# The generation's Rust files (RUST_TARGET_SPEC, RUST_METADATA).
# shellcheck source=scripts/kernel-conf.sh
. "$WS/scripts/kernel-conf.sh"
kconf_load "$KERNEL"
H=$BUILD_DIR/headers-$KERNEL
LOG_DIR=$BUILD_DIR/logs/$KERNEL
RELEASE=$(cat "$KDIR/include/config/kernel.release")
STAGING=$H/staging
mkdir -p "$LOG_DIR"
chmod 0700 "$BUILD_DIR"

# make_read_only DIR: root-owned, nothing writable.
make_read_only() {
	chown -R 0:0 "$1"
	chmod -R a-w "$1"
}

# remove DIR: also when it was made read-only.
remove() {
	if [ -e "$1" ]; then
		chmod -R u+w "$1"
		rm -rf "$1"
	fi
}

# build_as_nobody KDIR LOG: build the workspace's modules from a copy owned
# by nobody, the way a user builds against /lib/modules/$(uname -r)/build.
build_as_nobody() {
	as_nobody make -j"$(nproc)" -C "$SRC" KDIR="$1" BINDGEN="$BINDGEN" >"$2" 2>&1
}

# --- nobody's folder ---------------------------------------------------------
remove "$H"
mkdir -p "$H"
NOBODY_DIR=$(mktemp -d "${TMPDIR:-/tmp}/ws-headers.XXXXXX")
trap 'remove "$NOBODY_DIR"' EXIT
chmod 0755 "$NOBODY_DIR"
RELOCATED=$NOBODY_DIR/relocated/usr/src/linux-headers-$RELEASE
NO_OUT_DIR=$NOBODY_DIR/no-out-dir/linux-headers-$RELEASE
SRC=$NOBODY_DIR/src
TOOLS=$NOBODY_DIR/tools

result "headers: the workspace's build folder is private: nobody cannot enter it" \
	"nobody can enter $BUILD_DIR" as_nobody sh -c "! cd '$BUILD_DIR' 2>/dev/null"

# The tools the build runs, where nobody can run them: bindgen, and the
# compiler (recorded in the packaged tree) when nobody cannot run it in place.
mkdir -p "$TOOLS/bin"
cp "$WS_BINDGEN" "$TOOLS/bin/bindgen"
BINDGEN=$TOOLS/bin/bindgen
RUSTC=$WS_RUSTC
if ! as_nobody "$RUSTC" --version >/dev/null 2>&1; then
	# Hard links where possible: the private toolchains are 500 MiB.
	toolchain=$(dirname "$(dirname "$RUSTC")")
	cp -al "$toolchain" "$TOOLS/rust" 2>/dev/null || cp -a "$toolchain" "$TOOLS/rust"
	RUSTC=$TOOLS/rust/bin/${RUSTC##*/}
fi
chmod -R a+rX "$TOOLS"
diag "nobody's folder: $NOBODY_DIR (compiler $RUSTC)"

# kbuild_as_nobody KDIR LOG: Kbuild itself, without the workspace's Makefile
# (and so without its doctor), with the toolchain that Makefile would pass.
kbuild_as_nobody() {
	as_nobody make -C "$1" M="$SRC" LLVM="/usr/lib/llvm-$LLVM_VERSION/bin/" \
		RUSTC="$RUSTC" HOSTRUSTC="$RUSTC" BINDGEN="$BINDGEN" \
		LIBCLANG_PATH="$LIBCLANG_PATH" modules >"$2" 2>&1
}

# --- 1. package ---------------------------------------------------------------
pkg_log=$LOG_DIR/package-headers.log
if "$WS/scripts/package-headers.sh" --rustc "$RUSTC" "$KDIR" "$STAGING" >"$pkg_log" 2>&1; then
	missing=""
	for f in $RUST_TARGET_SPEC $RUST_METADATA rust-toolchain.toml Module.symvers \
		.config include/config/auto.conf scripts/Makefile.build; do
		[ -f "$STAGING/$f" ] || missing="$missing $f"
	done
	if grep -qxF "path = \"$(dirname "$(dirname "$RUSTC")")\"" "$STAGING/rust-toolchain.toml" &&
		[ -z "$missing" ]; then
		ok "headers: package the kernel with its Rust build metadata"
	else
		not_ok "headers: package the kernel with its Rust build metadata" \
			"missing:${missing:- the compiler record}"
	fi
	sed -n 's/^  /#   /p' "$pkg_log"
else
	not_ok "headers: package the kernel with its Rust build metadata" "failed, see $pkg_log"
fi

full=$(du -sk "$KDIR/" | cut -f1)
packaged=$(du -sk "$STAGING" | cut -f1)
if [ $((packaged * 5)) -le "$full" ]; then
	ok "headers: packaged tree is at least 5x smaller than the build tree"
else
	not_ok "headers: packaged tree is at least 5x smaller than the build tree" \
		"$packaged KiB against $full KiB"
fi
diag "packaged $((packaged / 1024)) MiB, build tree $((full / 1024)) MiB: $((full / packaged))x smaller"

# --- 2. relocated, read-only, built as nobody ---------------------------------
mkdir -p "$(dirname "$RELOCATED")"
cp -a "$STAGING" "$RELOCATED"
make_read_only "$NOBODY_DIR/relocated"
result "headers: relocated to another path, root-owned and read-only" \
	"nobody can write into $RELOCATED" \
	as_nobody sh -c "! touch '$RELOCATED/x' 2>/dev/null && [ -z \"\$(find '$RELOCATED' ! -type l -perm /222 -print -quit)\" ]"

# A copy of the workspace's sources owned by nobody.
copy_sources "$SRC"
chown -R $NOBODY:$NOBODY "$SRC"

# --- 3. --out-dir ---------------------------------------------------------------
PATCH=$WS/scripts/patch-out-dir.sh
MB=$NO_OUT_DIR/scripts/Makefile.build

result "out-dir: --check accepts the tree as it is" "see its output" \
	"$PATCH" --check "$RELOCATED"

mkdir -p "$(dirname "$NO_OUT_DIR")"
cp -a "$STAGING" "$NO_OUT_DIR"
# shellcheck disable=SC2016 # make expressions
sed -i 's/--out-dir $(dir $@) //' "$MB"
cp -p "$MB" "$H/Makefile.build.unpatched"
make_read_only "$NOBODY_DIR/no-out-dir"

out=$("$PATCH" --check "$NO_OUT_DIR" 2>&1) && status=0 || status=$?
result "out-dir: --check reports a tree without --out-dir" \
	"exit $status: $out" test "$status" -eq 1 -a -n "$(echo "$out" | grep 'needs the patch')"

# Through the workspace's Makefile the doctor stops the build before rustc.
log=$LOG_DIR/build-nobody-unpatched.log
if build_as_nobody "$NO_OUT_DIR" "$log"; then
	not_ok "out-dir: unpatched read-only tree: make stops at the doctor" "the build passed"
elif grep -qF "KDIR's scripts/Makefile.build lacks --out-dir and KDIR is not writable by nobody" "$log"; then
	ok "out-dir: unpatched read-only tree: make stops at the doctor"
else
	not_ok "out-dir: unpatched read-only tree: make stops at the doctor" \
		"failed without the doctor's --out-dir diagnosis, see $log"
fi

# Kbuild run directly (make -C KDIR M=...), as the kernel's documentation
# has it: rustc itself fails to create its files in the tree, the current
# directory of an external module build. Depending on its version, rustc
# first fails on its temporary directory ("couldn't create a temp dir",
# since 1.7x with the path, which must then be in the tree) or on its
# output ("could not write output to NAME.rcgu.o", a path relative to the
# current directory, which must then be the tree: make's "Entering
# directory" line names it).
log=$LOG_DIR/kbuild-nobody-unpatched.log
name="out-dir: unpatched read-only tree: rustc cannot create its files in the tree"
if kbuild_as_nobody "$NO_OUT_DIR" "$log"; then
	not_ok "$name" "the build passed"
elif line=$(grep -m1 "^error: couldn't create a temp dir: Permission denied" "$log"); then
	if [ "$line" != "${line#* at path }" ] && [ "${line#* at path \""$NO_OUT_DIR"/}" = "$line" ]; then
		not_ok "$name" "rustc's path is not in the tree: $line"
	else
		ok "$name"
		diag "  $line"
	fi
elif line=$(grep -m1 -E "^error: could not write output to [^/ ]+: Permission denied" "$log"); then
	if grep -qxF "make: Entering directory '$NO_OUT_DIR'" "$log"; then
		ok "$name"
		diag "  $line (in $NO_OUT_DIR)"
	else
		not_ok "$name" "the build did not run in the tree: $line"
	fi
else
	not_ok "$name" "no rustc error about its files in the tree, see $log"
	grep -m3 -E 'error|denied' "$log" | diag_lines
fi

out=$("$PATCH" "$NO_OUT_DIR" 2>&1) && status=0 || status=$?
result "out-dir: patch applied, original kept as Makefile.build.orig" \
	"exit $status: $out" sh -c "[ $status -eq 0 ] && grep -qF -- '--out-dir' '$MB' &&
		cmp -s '$MB.orig' '$H/Makefile.build.unpatched'"

log=$LOG_DIR/build-nobody-patched.log
result "out-dir: patched read-only tree: the build as nobody passes" \
	"see $log" build_as_nobody "$NO_OUT_DIR" "$log"

before=$(cksum <"$MB")
out=$("$PATCH" "$NO_OUT_DIR" 2>&1) && status=0 || status=$?
result "out-dir: a second run is a no-op" "exit $status: $out" \
	test "$status" -eq 0 -a "$(cksum <"$MB")" = "$before" -a -n "$(echo "$out" | grep '^patch-out-dir: ok')"

# A layout it does not know: no rust_common_cmd definition.
odd=$H/odd-layout
mkdir -p "$odd/scripts"
sed 's/^rust_common_cmd =/rust_cmd_common =/' "$H/Makefile.build.unpatched" >"$odd/scripts/Makefile.build"
before=$(cksum <"$odd/scripts/Makefile.build")
out=$("$PATCH" "$odd" 2>&1) && status=0 || status=$?
result "out-dir: refuses an unrecognised layout and changes nothing" \
	"exit $status: $out" \
	test "$status" -eq 2 -a "$(cksum <"$odd/scripts/Makefile.build")" = "$before" -a -n "$(echo "$out" | grep 'not patching')"

# --- 2, continued: the build for the VM tests ---------------------------------
as_nobody make -s -C "$SRC" KDIR="$RELOCATED" clean >/dev/null 2>&1
log=$LOG_DIR/build-nobody-relocated.log
built=()
if build_as_nobody "$RELOCATED" "$log"; then
	mapfile -t built < <(find "$SRC/modules" -name '*.ko' | sort)
fi
# For the VM run (tests/run-vm.sh --modules build/headers/modules): each
# module folder's .ko and Kbuild (which names it a module).
for ko in "${built[@]}"; do
	rel=${ko#"$SRC"/modules/}
	mkdir -p "$H/modules/$(dirname "$rel")"
	cp "$ko" "$(dirname "$ko")/Kbuild" "$H/modules/$(dirname "$rel")/"
done
if [ ${#built[@]} -eq "$(modules_in | wc -l)" ]; then
	ok "headers: modules build as user nobody against the read-only relocated tree"
	diag "built: ${built[*]#"$SRC"/}"
else
	not_ok "headers: modules build as user nobody against the read-only relocated tree" \
		"${#built[@]} modules built, see $log"
	grep -E 'error|denied' "$log" | head -n 5 | sed 's/^/#   /'
fi
result "headers: the build used the tree's recorded compiler" \
	"no RUSTC=$RUSTC in $log" grep -qF "RUSTC=$RUSTC " "$log"
