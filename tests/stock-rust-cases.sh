#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The workspace's modules on Debian's own Rust-enabled kernel (7.3 from
# Debian 13's backports), with the Rust metadata its headers lack rebuilt
# by make rust-metadata ("[stock-7.3]" results):
#
# 1. Debian's stock headers and vmlinuz fetched (tests/lib/stock-rust-
#    kernel.sh); the doctor names the missing metadata and its fix.
# 2. make rust-metadata KDIR=<stock headers>: rebuilt, every Rust export
#    of the stock Module.symvers matched, a .deb that depends on exactly
#    those headers.
# 3. The .deb unpacked (dpkg -x) into a copy of the stock root: the files
#    are where Kbuild reads them, and the doctor finds nothing missing.
# 4. make KDIR=<that tree> builds every module (a copy of the sources,
#    with the workspace's build folder: its toolchain; in the generation's
#    Debian environment); modpost leaves nothing undefined against the
#    stock Module.symvers, each Rust module imports the kernel's own Rust
#    exports (it is not self-contained), each .ko has the stock vermagic
#    and, as the stock configuration asks, BTF.
# 5. DKMS on the stock tree: `make dkms-install` into a private root of
#    the headers with the package; each .ko in updates/dkms with the stock
#    vermagic and in modules.dep.
# 6. The VM runs' arguments written for tests/run-vm.sh (Debian's vmlinuz,
#    the stock headers with the metadata, the modules of 4 and those DKMS
#    installed): the workspace's whole guest suite runs on Debian's own
#    kernel ("[stock-7.3]", "[stock-7.3 dkms]": modprobe), as for the
#    stock 6.12 (tests/stock-cases.sh); make check's STOCK_RUN.
# 7. A module from outside the workspace (tests/stock-rust/outside: one
#    file, only the kernel crate's prelude, and a one-line Kbuild) built
#    by an unprivileged user with Debian 13's rustc against the read-only
#    headers with the package, then loaded and unloaded by Debian's
#    vmlinuz (a busybox initramfs, /init tests/stock-rust/init).
#
#   tests/stock-rust-cases.sh RESULTS VM_ARGS
#
# writes the results (the guest's line format) to RESULTS and the VM
# run's arguments (--kdir, --kernel-image, --modules, --lib-modules) to
# VM_ARGS, one per line, when the modules built. Run through the top-level Makefile's
# environment (WS, BUILD_DIR, KERNEL...): make check, for a generation
# whose description says STOCK_CHECK=rust-metadata (7.3).
set -eu
WS_TAG=stock-rust
# shellcheck source=scripts/lib.sh
. "$WS/scripts/lib.sh"
# shellcheck source=scripts/kernel-conf.sh
. "$WS/scripts/kernel-conf.sh"
# shellcheck source=tests/lib/stock-rust-kernel.sh
. "$WS/tests/lib/stock-rust-kernel.sh"
# shellcheck source=tests/lib/unprivileged.sh
. "$WS/tests/lib/unprivileged.sh"
# shellcheck source=tests/lib/headers-root.sh
. "$WS/tests/lib/headers-root.sh"

need_tools modinfo:kmod nm:binutils readelf:binutils dpkg-deb:dpkg
RESULTS=$1
VM_ARGS=$2
LABEL=$KERNEL
LOGS=$BUILD_DIR/logs/$LABEL/stock
mkdir -p "$LOGS"
# The results go to RESULTS (file descriptor 4), progress to stdout.
exec 4>"$RESULTS"
KTAP_FD=4
: >"$VM_ARGS"

# --- 1. the stock kernel ---------------------------------------------------------
stock_rust_kernel "$LABEL"
H=$STOCK_HEADERS
RELEASE=$(cat "$H/include/config/kernel.release")
diag "Debian's stock kernel: $RELEASE, headers $H, image $STOCK_IMAGE"
log=$LOGS/doctor-stock.log
make --no-print-directory -C "$WS" doctor KDIR="$H" >"$log" 2>&1 || true
result "the doctor names a stock tree without Rust metadata and the fix" "(log: $log)" \
	sh -c "grep -q 'Rust is on in this kernel but its headers lack the Rust metadata' '$log' &&
		grep -q 'fix: make rust-metadata KDIR=$H' '$log'"

# --- 2. the metadata -----------------------------------------------------------------
log=$LOGS/rust-metadata.log
t0=$(now)
# (Without the results' descriptor: mmdebstrap, when it makes the
# environment, picks a descriptor above the open ones, and past 9 the
# shell of its apt hooks cannot use it.)
if make --no-print-directory -C "$WS" rust-metadata KDIR="$H" >"$log" 2>&1 4>&-; then
	ok "make rust-metadata KDIR=<stock headers> ($(($(now) - t0)) s)"
else
	not_ok "make rust-metadata KDIR=<stock headers>" "$(tail -n 2 "$log" | tr '\n' ' ') (log: $log)"
fi
grep -E 'modules_prepare.*done in|up to date' "$log" | diag_lines
TOP=$BUILD_DIR/rust-metadata/$RELEASE
matched=$(sed -n 's/.*\(matched [0-9]* of [0-9]* Rust exports\).*/\1/p' "$log")
result "the rebuilt crates: ${matched:-no count}" "(log: $log)" \
	sh -c "echo '$matched' | grep -qE '^matched ([0-9]+) of \\1 '"
DEB=$(find "$TOP" -maxdepth 1 -name '*.deb' | head -n 1)
version=$(sed -n 's/^#define LINUX_PACKAGE_ID " *Debian \([^ "]*\)".*/\1/p' "$H/include/generated/package.h")
depends=$(dpkg-deb -f "$DEB" Depends 2>/dev/null || true)
result "the .deb depends on exactly linux-headers-$RELEASE (= $version)" "Depends: $depends" \
	sh -c "echo '$depends' | grep -qF 'linux-headers-$RELEASE (= $version)'"

# --- 3. the package unpacked into a copy of the stock root --------------------------
ROOT=$BUILD_DIR/stock-rust/$RELEASE/root-with-metadata
result "dpkg -x puts the .deb's files into the stock root" "dpkg -x failed" stock_rust_with_metadata "$ROOT"
H2=$ROOT/usr/src/${H##*/usr/src/}
result "Kbuild finds them: rust/libkernel.rmeta, rust/libmacros.so, scripts/target.json (through the kbuild link)" \
	"missing" test -f "$H2/rust/libkernel.rmeta" -a -f "$H2/rust/libmacros.so" -a -f "$H2/scripts/target.json"
log=$LOGS/doctor-with-metadata.log
result "the doctor finds no problem with the stock tree and the metadata" "(log: $log)" \
	make --no-print-directory -C "$WS" doctor KDIR="$H2" >"$log" 2>&1
result "... and that the metadata was rebuilt for this kernel and its .config" "(log: $log)" \
	grep -qF "Rust metadata rebuilt for this kernel: $RELEASE and its .config" "$log"
# The metadata of another release in these headers (a plain folder copied
# into the wrong ones): its record names the next sublevel.
upstream=${RELEASE%%[!0-9.]*}
other=${upstream%.*}.$((${upstream##*.} + 1))${RELEASE#"$upstream"}
OH=$(headers_root_copy "$ROOT" "$BUILD_DIR/stock-rust/$RELEASE/other-root" "$H2")
sed -i "s/^release .*/release $other/" "$OH/rust/rust-metadata.origin"
log=$LOGS/doctor-other-release.log
make --no-print-directory -C "$WS" doctor KDIR="$OH" >"$log" 2>&1 || true
result "the doctor names both releases when another release's metadata is in the headers ($other's in $RELEASE's)" \
	"(log: $log)" grep -qF "KDIR's Rust metadata was rebuilt for Linux $other, but KDIR is Linux $RELEASE" "$log"
rm -rf "$BUILD_DIR/stock-rust/$RELEASE/other-root"

# --- 4. the modules --------------------------------------------------------------------
SRC=$BUILD_DIR/stock-rust/$RELEASE/src
rm -rf "$SRC"
copy_sources "$SRC"
log=$LOGS/build.log
t0=$(now)
built=""
if make --no-print-directory -C "$SRC" -j2 KDIR="$H2" BUILD_DIR="$BUILD_DIR" >"$log" 2>&1; then
	built=1
	ok "make KDIR=<stock headers + metadata> builds the modules ($(($(now) - t0)) s)"
else
	not_ok "make KDIR=<stock headers + metadata> builds the modules" "$(tail -n 3 "$log" | tr '\n' ' ') (log: $log)"
fi
result "modpost: nothing undefined against the stock Module.symvers" "$(grep -m1 'undefined' "$log")" \
	sh -c "! grep -q 'undefined' '$log'"
# The vermagic the kernel checks (include/linux/vermagic.h) from the stock
# configuration.
conf() { grep -qx "CONFIG_$1=y" "$H/include/config/auto.conf"; }
# word OPTION WORD: WORD and a space when OPTION is on.
word() { if conf "$1"; then printf '%s ' "$2"; fi; }
VERMAGIC="$RELEASE $(word SMP SMP)$(word PREEMPT_RT preempt_rt)$(word PREEMPT_BUILD preempt)$(word MODULE_UNLOAD mod_unload)$(word MODVERSIONS modversions)"
kos=()
for ko in "$SRC"/modules/*/*.ko; do
	[ -f "$ko" ] || continue
	kos+=("$ko")
	m=$(basename "$ko" .ko)
	magic=$(modinfo -F vermagic "$ko")
	result "$m.ko has the stock vermagic '$VERMAGIC'" "vermagic '$magic'" test "$magic" = "$VERMAGIC"
	if conf DEBUG_INFO_BTF_MODULES; then
		result "$m.ko has BTF (.BTF section), as the stock configuration asks" "none" \
			sh -c "readelf -S '$ko' | grep -q ' \\.BTF '"
	fi
done
for m in $(modules_in --rust); do
	ko=$SRC/modules/$m/$m.ko
	imports=$(nm -u "$ko" 2>/dev/null | awk '$2 ~ /^_R/ { print $2 }' | sort -u)
	unknown=$(comm -23 <(echo "$imports") <(awk '{ print $2 }' "$H/Module.symvers" | sort -u) | head -n 3 | tr '\n' ' ')
	result "$m.ko imports $(echo "$imports" | grep -c . || true) of the stock kernel's Rust exports, none it lacks" \
		"not in the stock Module.symvers: $unknown" sh -c "[ -n '$imports' ] && [ -z '$unknown' ]"
done

# --- 5. DKMS on the stock tree -------------------------------------------------------
# The headers with the package in a private root of their own (a
# hard-linked copy of 3's, Debian's merged /usr: lib -> usr/lib, its
# modules folder's build link pointed at the copy's headers), then `make
# dkms-install` there: DKMS adds, builds and installs the modules for the
# stock release, depmod makes modules.dep; the VM run below modprobes them
# ("[stock-7.3 dkms]").
DROOT=$BUILD_DIR/stock-rust/$RELEASE/dkms-root
DH=$(headers_root_copy "$ROOT" "$DROOT" "$H2")
[ -e "$DROOT/lib" ] || ln -s usr/lib "$DROOT/lib"
DLIB=$DROOT/usr/lib/modules/$RELEASE
rm -f "$DLIB/build"
ln -s "$DH" "$DLIB/build"
log=$LOGS/dkms-install.log
dkms_ok=""
if make --no-print-directory -C "$WS" dkms-install DKMS_ROOT="$DROOT" DKMS_KERNEL="$RELEASE" >"$log" 2>&1; then
	dkms_ok=1
	ok "dkms: make dkms-install builds and installs the modules for $RELEASE in a private root with the stock headers and the package"
else
	not_ok "dkms: make dkms-install builds and installs the modules for $RELEASE in a private root with the stock headers and the package" \
		"$(tail -n 2 "$log" | tr '\n' ' ') (log: $log)"
fi
for m in $(modules_in); do
	ko=$DLIB/updates/dkms/$m.ko
	magic=$(modinfo -F vermagic "$ko" 2>/dev/null || true)
	result "dkms: $m.ko in updates/dkms with the stock vermagic, in modules.dep" \
		"${magic:+vermagic \"$magic\"}${magic:-no $ko}" \
		sh -c "[ '$magic' = '$VERMAGIC' ] && grep -q '^updates/dkms/$m.ko:' '$DLIB/modules.dep'"
done

# --- 6. the VM runs: Debian's vmlinuz, the whole guest suite ------------------------
# The modules of 4 (insmod), and those DKMS installed (modprobe).
if [ -n "$built" ]; then
	printf '%s\n' --kdir "$H2" --kernel-image "$STOCK_IMAGE" --modules "$SRC/modules" >"$VM_ARGS"
	[ -z "$dkms_ok" ] || printf '%s\n' --lib-modules "$DLIB:dkms" >>"$VM_ARGS"
fi

# --- 7. a module from outside the workspace, built by an unprivileged user -------------
# What a Debian user does: a folder of their own with one .rs file (only
# the kernel crate's prelude: tests/stock-rust/outside) and a one-line
# Kbuild, built with `make -C <headers> M=<folder>` and Debian 13's own
# rustc against the stock headers with the package's files, which they
# cannot change. The headers root with the package (3) as a hard-linked
# copy outside the workspace (hidden from that user), mounted read-only;
# on a host of another release, Kbuild runs in the generation's Debian
# environment, bound into a copy of scripts/env-run.sh's folder.
USER_DIR=$(mktemp -d "${TMPDIR:-/tmp}/ws-stock-rust.XXXXXX")
trap 'rm -rf "$USER_DIR"' EXIT
chmod 0755 "$USER_DIR"
UH=$(headers_root_copy "$ROOT" "$USER_DIR/root" "$H2")
OUT=$USER_DIR/outside
cp -R "$WS/tests/stock-rust/outside" "$OUT"
touch "$USER_DIR/before"
kconf_load "$LABEL" >/dev/null
unprivileged_make=(make -C "$UH" M="$OUT")
binds=()
if [ -n "$KCONF_ENV" ]; then
	E=$USER_DIR/ws
	mkdir -p "$E/scripts" "$E/build/envs/$KCONF_ENV"
	cp "$WS/scripts/env-run.sh" "$E/scripts/"
	cp "$BUILD_DIR/envs/$KCONF_ENV.inputs" "$E/build/envs/"
	binds=(--bind "$KCONF_ENV_ROOT" "$E/build/envs/$KCONF_ENV")
	unprivileged_make=(env WS="$E" BUILD_DIR="$E/build" "$E/scripts/env-run.sh" "$KCONF_ENV" "${unprivileged_make[@]}")
fi
log=$LOGS/outside-build.log
name="an unprivileged user builds a module from outside the workspace (use kernel::prelude::*, a one-line Kbuild) with Debian $DEBIAN_RELEASE's rustc against the read-only stock headers + package"
if as_unprivileged --read-only "$USER_DIR/root" "${binds[@]}" "${unprivileged_make[@]}" >"$log" 2>&1; then
	ok "$name ($(as_unprivileged id -un))"
else
	not_ok "$name" "$(tail -n 3 "$log" | tr '\n' ' ') (log: $log)"
fi
ko=$OUT/outside_hello.ko
result "outside_hello.ko: modpost left nothing undefined, the stock vermagic" \
	"$(grep -m1 'undefined' "$log")$(modinfo -F vermagic "$ko" 2>/dev/null) (log: $log)" \
	sh -c "[ -f '$ko' ] && ! grep -q 'undefined' '$log' && [ \"\$(modinfo -F vermagic '$ko')\" = '$VERMAGIC' ]"
result "the headers with the package are left as they were (nothing written in them)" \
	"$(find "$USER_DIR/root" -newer "$USER_DIR/before" | head -n 3 | tr '\n' ' ')" \
	sh -c "[ -z \"\$(find '$USER_DIR/root' -newer '$USER_DIR/before')\" ]"

# Debian's vmlinuz loads and unloads it: a busybox initramfs (the
# kernel's gen_init_cpio) whose /init (tests/stock-rust/init) loads every
# .ko of /modules, checks the taint and unloads them.
if [ -f "$ko" ]; then
	initrd=$USER_DIR/outside.cpio
	{
		echo "dir /bin 0755 0 0"
		echo "dir /dev 0755 0 0"
		echo "dir /proc 0755 0 0"
		echo "dir /sys 0755 0 0"
		echo "dir /modules 0755 0 0"
		echo "nod /dev/console 0600 0 0 c 5 1"
		echo "file /bin/busybox /bin/busybox 0755 0 0"
		echo "slink /bin/sh busybox 0777 0 0"
		echo "file /init $WS/tests/stock-rust/init 0755 0 0"
		echo "file /ktap.sh $WS/tests/lib/ktap.sh 0644 0 0"
		echo "file /modules/outside_hello.ko $ko 0644 0 0"
	} >"$initrd.list"
	"$("$WS/tests/vm/gen-init-cpio.sh" "$DEFAULT_KDIR")" "$initrd.list" >"$initrd"
	GUEST=$LOGS/outside-guest.log
	console=$LOGS/outside-console.log
	"$WS/tests/vm/boot-qemu.sh" --kernel "$STOCK_IMAGE" "$H2" "$initrd" "$console" "$GUEST" >&4
	# The guest's lines (tests/lib/ktap.sh's format) as this suite's own.
	ktap_label <(grep -v '^# stock-rust guest: end' "$GUEST") outside >&4
	result "[outside] the guest ran to its end" "no end marker (console: $console)" \
		grep -q '^# stock-rust guest: end' "$GUEST"
	result "[outside] Debian's vmlinuz logged its line ('outside_hello: built against Debian's headers, loaded')" \
		"not in $console" grep -q "outside_hello: built against Debian's headers, loaded" "$console"
else
	skip "[outside] Debian's vmlinuz loads it" "it did not build"
fi
