#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Building against an installed headers tree, as `make check` tests it:
#
# 1. package the default kernel as a headers-only tree with its Rust build
#    metadata (scripts/package-headers.sh), at least 5x smaller than the
#    build tree;
# 2. place it elsewhere, read-only, and build every module there as an
#    unprivileged user (last; the .ko files are then copied to
#    build/headers/modules for tests/run-vm.sh to test in the VM);
# 3. the --out-dir case: on a copy of that tree without `--out-dir` in
#    scripts/Makefile.build (the 6.1.0-6.4 layout) the same build fails with
#    rustc's own error about creating its files in the read-only tree;
#    scripts/patch-out-dir.sh fixes it, keeps a backup, is a no-op the
#    second time and refuses a layout it does not know.
#
# The unprivileged user (tests/lib/unprivileged.sh) is the caller without
# any capability, root included, to whom the workspace is hidden: another
# user who builds against a tree installed read-only and cannot enter the
# home directory the clone lives in (mode 0700 or 0750). So nothing it uses
# may be under the workspace: the trees, a copy of the sources and the
# tools that the build runs (bindgen, and the compiler when it cannot run
# it where it is) are staged in a folder of their own, with the packaged
# tree, under scripts/lib.sh's scratch_root (TMPDIR, else a tmpfs when
# there is one, else /tmp), removed at exit. No root needed.
#
# Prints results in the guest's line format (see tests/host-checks.sh).
set -eu
WS_TAG=headers
# shellcheck source=scripts/lib.sh
. "$WS/scripts/lib.sh"
# shellcheck source=tests/lib/unprivileged.sh
. "$WS/tests/lib/unprivileged.sh"

KDIR=$DEFAULT_KDIR
# The generation's Rust files (RUST_TARGET_SPEC, RUST_METADATA).
# shellcheck source=scripts/kernel-conf.sh
. "$WS/scripts/kernel-conf.sh"
kconf_load "$KERNEL"
H=$BUILD_DIR/headers-$KERNEL
LOG_DIR=$BUILD_DIR/logs/$KERNEL
RELEASE=$(cat "$KDIR/include/config/kernel.release")
mkdir -p "$LOG_DIR"

# make_read_only DIR: nothing writable, for anybody without a capability
# (the unprivileged user, though the caller owns DIR: a build does not
# chmod, so this is what a tree owned by root is to other users).
make_read_only() {
	chmod -R a-w "$1"
}

# copy_tree FROM TO: TO made a copy of the tree FROM, its files hard links
# where it can (the same file system: instant, where a copy of the 150-250
# MiB tree took 5 s), else copies. The links share their files' modes: a
# tree made read-only makes the other's files read-only too, which neither
# the copies nor the staged tree are ever written through (sed -i and the
# patch write a new file).
copy_tree() {
	cp -al "$1" "$2" 2>/dev/null || {
		rm -rf "$2"
		cp -a "$1" "$2"
	}
}

# remove DIR: also when it was made read-only.
remove() {
	if [ -e "$1" ]; then
		chmod -R u+w "$1"
		rm -rf "$1"
	fi
}

# build_unprivileged KDIR LOG: build the workspace's modules from the copy
# as the unprivileged user, the way a user builds against
# /lib/modules/$(uname -r)/build.
build_unprivileged() {
	unprivileged make -j"$(nproc)" -C "$SRC" KDIR="$1" BINDGEN="$BINDGEN" >"$2" 2>&1
}

# unprivileged COMMAND...: as_unprivileged, with the generation's Debian
# environment (if it has one) bound where the copy of the sources has its
# build folder, $SRC/build/envs/NAME: the copy's Makefile and
# scripts/env-run.sh enter it there (see stage_environment).
unprivileged() {
	if [ -n "$KCONF_ENV" ]; then
		# The trees also mounted read-only: in the user namespace
		# env-run.sh makes, its root may write what the permission bits
		# alone keep from the unprivileged user (it owns the copies), as
		# the owner of a real /usr/src tree, root, never is there.
		as_unprivileged --bind "$KCONF_ENV_ROOT" "$SRC/build/envs/$KCONF_ENV" \
			--read-only "$USER_DIR/relocated" --read-only "$USER_DIR/no-out-dir" "$@"
	else
		as_unprivileged "$@"
	fi
}

# stage_environment: for a generation whose toolchain runs in a Debian
# environment (RUST_INSTALL=env), which lives in the hidden build folder:
# the copy's build/envs/NAME (a mount point for `unprivileged`, with the
# environment's record beside it, which env-run.sh checks) and, in
# $TOOLS/rust/bin, the toolchain's commands: the environment's programs
# when called there, through the copy's env-run.sh when the environment is
# bound (the unprivileged user), else through the workspace's own wrappers
# (the caller, who packages the tree with this compiler recorded).
stage_environment() {
	local tool path envs=$SRC/build/envs
	mkdir -p "$envs/$KCONF_ENV" "$TOOLS/rust/bin"
	cp "$BUILD_DIR/envs/$KCONF_ENV.inputs" "$envs/"
	for tool in rustc rustdoc clippy-driver rustfmt bindgen; do
		path=/usr/bin/$tool
		[ "$tool" != bindgen ] || path=$KCONF_ENV_BINDGEN
		cat >"$TOOLS/rust/bin/$tool" <<EOT
#!/bin/sh
# Written by tests/headers-cases.sh: the $KCONF_ENV environment's $tool.
[ "\${WS_ENV:-}" != '$KCONF_ENV' ] || exec $path "\$@"
if [ -x '$envs/$KCONF_ENV/bin/sh' ]; then
	export WS='$SRC' BUILD_DIR='$SRC/build'
	exec '$SRC/scripts/env-run.sh' '$KCONF_ENV' $path "\$@"
fi
exec '$KCONF_TOOLCHAIN_DIR/bin/$tool' "\$@"
EOT
		chmod +x "$TOOLS/rust/bin/$tool"
	done
}

# --- the unprivileged user's folder -------------------------------------------
remove "$H"
mkdir -p "$H"
# On a tmpfs when there is one (scratch_root, scripts/lib.sh), with the
# packaged tree it links to: 20,000 files written and removed each run.
USER_DIR=$(mktemp -d "$(scratch_root)/ws-headers.XXXXXX")
trap 'remove "$USER_DIR"' EXIT
chmod 0755 "$USER_DIR"
STAGING=$USER_DIR/staging
RELOCATED=$USER_DIR/relocated/usr/src/linux-headers-$RELEASE
NO_OUT_DIR=$USER_DIR/no-out-dir/linux-headers-$RELEASE
SRC=$USER_DIR/src
TOOLS=$USER_DIR/tools
USER_NAME=$(as_unprivileged id -un)

result "headers: the unprivileged user can be made (user namespaces, no capability)" \
	"see the error above" unprivileged_check
result "headers: the workspace is hidden from the unprivileged user: it cannot enter $WS" \
	"it can enter $WS or $BUILD_DIR" \
	as_unprivileged sh -c "! cd '$WS' 2>/dev/null && ! cd '$BUILD_DIR' 2>/dev/null"

# The tools the build runs, where the unprivileged user can run them:
# bindgen, and the compiler (recorded in the packaged tree) when it cannot
# run it in place.
mkdir -p "$TOOLS/bin"
cp "$WS_BINDGEN" "$TOOLS/bin/bindgen"
BINDGEN=$TOOLS/bin/bindgen
RUSTC=$WS_RUSTC
if [ -n "$KCONF_ENV" ]; then
	stage_environment
	RUSTC=$TOOLS/rust/bin/rustc
	BINDGEN=$TOOLS/rust/bin/bindgen
elif ! as_unprivileged "$RUSTC" --version >/dev/null 2>&1; then
	# Hard links where possible: the private toolchains are 500 MiB.
	toolchain=$(dirname "$(dirname "$RUSTC")")
	copy_tree "$toolchain" "$TOOLS/rust"
	RUSTC=$TOOLS/rust/bin/${RUSTC##*/}
fi
chmod -R a+rX "$TOOLS"
diag "the unprivileged user's folder: $USER_DIR (compiler $RUSTC)"

# kbuild_unprivileged KDIR LOG: Kbuild itself, without the workspace's
# Makefile (and so without its doctor), with the toolchain that Makefile
# would pass.
kbuild_unprivileged() {
	local run=()
	[ -z "$KCONF_ENV" ] ||
		run=(env WS="$SRC" BUILD_DIR="$SRC/build" "$SRC/scripts/env-run.sh" "$KCONF_ENV")
	unprivileged "${run[@]}" make -C "$1" M="$SRC" LLVM="/usr/lib/llvm-$LLVM_VERSION/bin/" \
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

# --- 2. relocated, read-only, built as the unprivileged user -------------------
mkdir -p "$(dirname "$RELOCATED")"
copy_tree "$STAGING" "$RELOCATED"
make_read_only "$USER_DIR/relocated"
result "headers: relocated to another path, read-only for the unprivileged user" \
	"it can write into $RELOCATED" \
	as_unprivileged sh -c "! touch '$RELOCATED/x' 2>/dev/null && [ -z \"\$(find '$RELOCATED' ! -type l -perm /222 -print -quit)\" ]"

# A copy of the workspace's sources, the unprivileged user's to build in.
copy_sources "$SRC"

# --- 3. --out-dir ---------------------------------------------------------------
PATCH=$WS/scripts/patch-out-dir.sh
MB=$NO_OUT_DIR/scripts/Makefile.build

result "out-dir: --check accepts the tree as it is" "see its output" \
	"$PATCH" --check "$RELOCATED"

mkdir -p "$(dirname "$NO_OUT_DIR")"
copy_tree "$STAGING" "$NO_OUT_DIR"
# shellcheck disable=SC2016 # make expressions
sed -i 's/--out-dir $(dir $@) //' "$MB"
cp -p "$MB" "$H/Makefile.build.unpatched"
make_read_only "$USER_DIR/no-out-dir"

out=$("$PATCH" --check "$NO_OUT_DIR" 2>&1) && status=0 || status=$?
result "out-dir: --check reports a tree without --out-dir" \
	"exit $status: $out" test "$status" -eq 1 -a -n "$(echo "$out" | grep 'needs the patch')"

# Through the workspace's Makefile the doctor stops the build before rustc.
log=$LOG_DIR/build-unprivileged-unpatched.log
if build_unprivileged "$NO_OUT_DIR" "$log"; then
	not_ok "out-dir: unpatched read-only tree: make stops at the doctor" "the build passed"
elif grep -qF "KDIR's scripts/Makefile.build lacks --out-dir and KDIR is not writable by $USER_NAME" "$log"; then
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
log=$LOG_DIR/kbuild-unprivileged-unpatched.log
name="out-dir: unpatched read-only tree: rustc cannot create its files in the tree"
if kbuild_unprivileged "$NO_OUT_DIR" "$log"; then
	# Since 6.13 Kbuild runs an external module's build in its own folder
	# (M=): rustc's files go there, and the tree needs no --out-dir.
	if grep -qE "^make(\[[0-9]+\])?: Entering directory '$SRC'$" "$log"; then
		ok "out-dir: unpatched read-only tree: Kbuild builds in the module's folder, the build passes"
		diag "  the build ran in $SRC, not in the tree"
	else
		not_ok "$name" "the build passed"
	fi
elif line=$(grep -m1 -E "^error: couldn't create a temp dir: (Permission denied|Read-only file system)" "$log"); then
	if [ "$line" != "${line#* at path }" ] && [ "${line#* at path \""$NO_OUT_DIR"/}" = "$line" ]; then
		not_ok "$name" "rustc's path is not in the tree: $line"
	else
		ok "$name"
		diag "  $line"
	fi
elif line=$(grep -m1 -E "^error: could not write output to [^/ ]+: (Permission denied|Read-only file system)" "$log"); then
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

# The patch is the tree's owner's to apply: root for a tree in /usr/src,
# who writes through its read-only bits, here the caller, who lifts them on
# the file and its folder for it; then the tree is read-only again.
chmod u+w "$MB" "$(dirname "$MB")"
out=$("$PATCH" "$NO_OUT_DIR" 2>&1) && status=0 || status=$?
chmod a-w "$MB" "$(dirname "$MB")" "$MB.orig" 2>/dev/null || true
result "out-dir: patch applied, original kept as Makefile.build.orig" \
	"exit $status: $out" sh -c "[ $status -eq 0 ] && grep -qF -- '--out-dir' '$MB' &&
		cmp -s '$MB.orig' '$H/Makefile.build.unpatched'"

log=$LOG_DIR/build-unprivileged-patched.log
result "out-dir: patched read-only tree: the build as the unprivileged user passes" \
	"see $log" build_unprivileged "$NO_OUT_DIR" "$log"

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
unprivileged make -s -C "$SRC" KDIR="$RELOCATED" clean >/dev/null 2>&1
log=$LOG_DIR/build-unprivileged-relocated.log
built=()
if build_unprivileged "$RELOCATED" "$log"; then
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
	ok "headers: modules build as an unprivileged user against the read-only relocated tree"
	diag "built: ${built[*]#"$SRC"/}"
else
	not_ok "headers: modules build as an unprivileged user against the read-only relocated tree" \
		"${#built[@]} modules built, see $log"
	grep -E 'error|denied' "$log" | head -n 5 | sed 's/^/#   /'
fi
result "headers: the build used the tree's recorded compiler" \
	"no RUSTC=$RUSTC in $log" grep -qF "RUSTC=$RUSTC " "$log"

# A kernel with CONFIG_RUST_INLINE_HELPERS (7.3): the package carries the
# C helpers' bitcode (rust/helpers/helpers_module.bc), which Kbuild links
# into each Rust module, so that a module built against the packaged
# tree inlines them too: none of its undefined symbols is a helper
# (rust_helper_*). (make bench's kernel without the option is the
# contrast: its rust_misc calls them, tests/bench/kernels.sh.)
if grep -qx 'CONFIG_RUST_INLINE_HELPERS=y' "$RELOCATED/.config"; then
	name="headers: the Rust modules built against the package call no C helper (CONFIG_RUST_INLINE_HELPERS)"
	calls="" rust=0
	for ko in "${built[@]}"; do
		modules_is_rust "$(dirname "$ko")" || continue
		rust=$((rust + 1))
		calls="$calls$(modules_helper_calls "$ko" | sed "s|^| ${ko##*/}:|" | tr -d '\n')"
	done
	if [ "$rust" -gt 0 ] && [ -z "$calls" ]; then
		ok "$name"
		diag "$rust Rust modules, nm -u: no rust_helper_* symbol"
	else
		not_ok "$name" "${calls:-no Rust module was built}"
	fi
fi
