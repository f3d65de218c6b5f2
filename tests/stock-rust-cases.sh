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
# 5. Debian's vmlinuz boots in QEMU (TCG, one vCPU) with a busybox
#    initramfs whose /init (tests/stock-rust/init) loads every module with
#    insmod and unloads it with rmmod.
#
#   tests/stock-rust-cases.sh [LABEL]
#
# LABEL is the generation (default 7.3). Prints the KTAP report. Run
# through the top-level Makefile's environment (WS, BUILD_DIR, KERNEL...);
# not part of make check yet.
set -eu
WS_TAG=stock-rust
# shellcheck source=scripts/lib.sh
. "$WS/scripts/lib.sh"
# shellcheck source=scripts/kernel-conf.sh
. "$WS/scripts/kernel-conf.sh"
# shellcheck source=tests/lib/stock-rust-kernel.sh
. "$WS/tests/lib/stock-rust-kernel.sh"

need_tools modinfo:kmod nm:binutils readelf:binutils cpio:cpio dpkg-deb:dpkg \
	qemu-system-x86_64:qemu-system-x86
LABEL=${1:-7.3}
# shellcheck disable=SC2031 # read in the subshell that loaded it
SERIES=$(kconf_load "$LABEL" >/dev/null && echo "$KERNEL_SERIES")
TAG=stock-$SERIES
LOGS=$BUILD_DIR/logs/$TAG
mkdir -p "$LOGS"
RESULTS=$LOGS/results.log
exec 4>"$RESULTS"
KTAP_FD=4
T0=$(now)

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
rm -rf "$ROOT"
cp -a "$STOCK_ROOT" "$ROOT"
H2=$ROOT/usr/src/${H##*/usr/src/}
sed -i "s|$STOCK_ROOT/|$ROOT/|" "$H2/Makefile"
result "dpkg -x puts the .deb's files into the stock root" "dpkg -x failed" dpkg -x "$DEB" "$ROOT"
result "Kbuild finds them: rust/libkernel.rmeta, rust/libmacros.so, scripts/target.json (through the kbuild link)" \
	"missing" test -f "$H2/rust/libkernel.rmeta" -a -f "$H2/rust/libmacros.so" -a -f "$H2/scripts/target.json"
log=$LOGS/doctor-with-metadata.log
result "the doctor finds no problem with the stock tree and the metadata" "(log: $log)" \
	make --no-print-directory -C "$WS" doctor KDIR="$H2" >"$log" 2>&1

# --- 4. the modules --------------------------------------------------------------------
SRC=$BUILD_DIR/stock-rust/$RELEASE/src
rm -rf "$SRC"
copy_sources "$SRC"
log=$LOGS/build.log
t0=$(now)
if make --no-print-directory -C "$SRC" -j2 KDIR="$H2" BUILD_DIR="$BUILD_DIR" >"$log" 2>&1; then
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

# --- 5. Debian's vmlinuz loads and unloads them ----------------------------------------
INITRD_DIR=$BUILD_DIR/stock-rust/$RELEASE/initramfs
rm -rf "$INITRD_DIR"
mkdir -p "$INITRD_DIR"/{bin,modules,proc,sys,dev}
cp /bin/busybox "$INITRD_DIR/bin/busybox"
# /init's interpreter; it links the rest of busybox's commands itself.
ln -s busybox "$INITRD_DIR/bin/sh"
cp "$WS/tests/stock-rust/init" "$INITRD_DIR/init"
cp "$WS/tests/lib/ktap.sh" "$INITRD_DIR/ktap.sh"
cp "${kos[@]}" "$INITRD_DIR/modules/"
(cd "$INITRD_DIR" && find . | cpio -o -H newc --owner=0:0 --quiet) >"$INITRD_DIR.cpio"
GUEST=$LOGS/guest-results.log
"$WS/tests/vm/boot-qemu.sh" --kernel "$STOCK_IMAGE" "$H2" "$INITRD_DIR.cpio" \
	"$LOGS/console.log" "$GUEST" >&4
grep -v '^# stock-rust guest: end' "$GUEST" | tr -d '\r' >&4 || true
result "the guest ran to its end" "no end marker (console: $LOGS/console.log)" \
	grep -q '^# stock-rust guest: end' "$GUEST"
diag "stock-rust cases: $(($(now) - T0)) s"
exec 4>&-
"$WS/tests/ktap-report.sh" "$RESULTS:$TAG"
