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
# 5. the VM run's arguments written for tests/run-vm.sh (Debian's
#    vmlinuz, the stock headers with the metadata, the modules built in
#    4): the workspace's whole guest suite runs on Debian's own kernel,
#    as for the stock 6.12 (tests/stock-cases.sh), make check's
#    STOCK_RUN.
#
#   tests/stock-rust-cases.sh RESULTS VM_ARGS
#
# writes the results (the guest's line format) to RESULTS and the VM
# run's arguments (--kdir, --kernel-image, --modules) to VM_ARGS, one per
# line, when the modules built. Run through the top-level Makefile's
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

# --- 5. the VM run: Debian's vmlinuz, the whole guest suite ----------------------------
[ -z "$built" ] ||
	printf '%s\n' --kdir "$H2" --kernel-image "$STOCK_IMAGE" --modules "$SRC/modules" >"$VM_ARGS"
