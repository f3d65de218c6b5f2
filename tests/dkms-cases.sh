#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# DKMS, as `make check` tests it for one kernel generation (KERNEL), on the
# host; the VM run that follows (tests/run-vm.sh --lib-modules) loads what
# it installed with modprobe ("[6.12 dkms]" results):
#
# 1. the workspace's kernel packaged as a headers package installs it
#    (scripts/package-headers.sh: the headers tree with its Rust metadata in
#    ROOT/usr/src/linux-headers-RELEASE, ROOT/lib/modules/RELEASE/build
#    pointing to it, the kernel's modules.builtin*), under a private root,
#    ROOT = build/dkms/KERNEL/root;
# 2. `make dkms-install DKMS_ROOT=ROOT DKMS_KERNEL=RELEASE`: Debian's dkms
#    adds, builds and installs every module there (--sourcetree,
#    --dkmstree, --installtree, --kernelsourcedir, -k, --no-depmod), then
#    kmod's `depmod -b ROOT RELEASE` makes modules.dep; checked: DKMS's
#    status, each .ko in updates/dkms with the kernel's vermagic and in
#    modules.dep, the compiler of the tree's rust-toolchain.toml in
#    make.log, and the host's /lib/modules, /var/lib/dkms and /usr/src left
#    as they were;
# 3. a stale dkms.conf (a module left out) fails the DKMS build with
#    scripts/dkms-conf.sh's message;
# 4. Debian's stock kernel of the generation (no Rust; its headers fetched
#    once into build/doctor/debian-KERNEL, tests/lib/debian-headers.sh;
#    skipped when its description names none, DEBIAN_HEADERS):
#    the DKMS build fails with the doctor's diagnosis in make.log.
#
# Prints result lines (tests/lib/ktap.sh); run through the Makefile.
set -eu
WS_TAG=dkms
# shellcheck source=scripts/lib.sh
. "$WS/scripts/lib.sh"
# shellcheck source=tests/lib/debian-headers.sh
. "$WS/tests/lib/debian-headers.sh"

KDIR=$DEFAULT_KDIR
PACKAGE=rust-oot-modules
RELEASE=$(cat "$KDIR/include/config/kernel.release")
D=$BUILD_DIR/dkms/$KERNEL
ROOT=$D/root
LOG_DIR=$D/logs
VERSION=$(git -C "$WS" describe --always --dirty)

# has FILE TEXT: FILE has a line with TEXT.
has() {
	grep -qF -- "$2" "$1" 2>/dev/null
}

# The host's DKMS and module folders, to show they are left alone.
host_state() {
	find /lib/modules /var/lib/dkms -maxdepth 4 -printf '%p %y %s %T@\n' 2>/dev/null | sort
	ls -d /usr/src/"$PACKAGE"-* 2>/dev/null || true
}

# stock_diagnosed MAKELOG: the doctor's diagnosis of Debian's stock config
# (as tests/doctor-cases.sh checks it) is in DKMS's make.log.
stock_diagnosed() {
	has "$1" "CONFIG_RUST is off in KDIR's config (CONFIG_HAVE_RUST=y)" &&
		has "$1" "depends on !MODVERSIONS   [MODVERSIONS=y]"
}

# dkms_private ROOT ARGS...: dkms with its trees under ROOT.
dkms_private() {
	local root=$1
	shift
	mok_signing_key=$root/var/lib/dkms/mok.key mok_certificate=$root/var/lib/dkms/mok.pub \
		dkms --sourcetree "$root/usr/src" --dkmstree "$root/var/lib/dkms" \
		--installtree "$root/lib/modules" --no-depmod "$@"
}

rm -rf "$D"
# After the previous run's tree is gone: the VM run must not load its modules.
need_tools dkms:dkms depmod:kmod modinfo:kmod
mkdir -p "$ROOT/usr/src" "$ROOT/lib/modules/$RELEASE" "$LOG_DIR"
# Without symlinks: dkms compares its links' targets with its tree's path.
ROOT=$(cd "$ROOT" && pwd -P)
before=$(host_state)
t0=$(now)

# --- 1. the headers package ---------------------------------------------------
hdr=$ROOT/usr/src/linux-headers-$RELEASE
if "$WS/scripts/package-headers.sh" --rustc "$WS_RUSTC" "$KDIR" "$hdr" \
	>"$LOG_DIR/package-headers.log" 2>&1; then
	ln -s "$hdr" "$ROOT/lib/modules/$RELEASE/build"
	# What the kernel's package has in its modules folder (the kernel has
	# no loadable modules of its own: an empty modules.order).
	cp "$KDIR"/modules.builtin "$KDIR"/modules.builtin.modinfo "$ROOT/lib/modules/$RELEASE/"
	cp "$KDIR/modules.order" "$ROOT/lib/modules/$RELEASE/" 2>/dev/null ||
		: >"$ROOT/lib/modules/$RELEASE/modules.order"
	ok "dkms: headers of $RELEASE installed in a private root, with their Rust metadata"
else
	not_ok "dkms: headers of $RELEASE installed in a private root, with their Rust metadata" \
		"scripts/package-headers.sh failed, see $LOG_DIR/package-headers.log"
fi

# --- 2. make dkms-install -----------------------------------------------------
log=$LOG_DIR/dkms-install.log
say "make dkms-install for $RELEASE into $ROOT (log: $log)" >&2
result "dkms: make dkms-install adds, builds and installs $PACKAGE for $RELEASE in the private root" \
	"failed, see $log" make -C "$WS" --no-print-directory dkms-install \
	DKMS_ROOT="$ROOT" DKMS_KERNEL="$RELEASE" >"$log" 2>&1
diag "dkms add, build, install and depmod: $(($(now) - t0)) s"

status=$(dkms_private "$ROOT" status "$PACKAGE/$VERSION" -k "$RELEASE" 2>&1 || true)
result "dkms: dkms status says $PACKAGE/$VERSION is installed for $RELEASE" \
	"dkms status: $status" \
	grep -qxF "$PACKAGE/$VERSION, $RELEASE, $(uname -m): installed" <<<"$status"

conf=$ROOT/usr/src/$PACKAGE-$VERSION/dkms.conf
mapfile -t names < <(sed -n 's/^BUILT_MODULE_NAME\[[0-9]*\]="\(.*\)"$/\1/p' "$conf" 2>/dev/null)
folders=$(modules_in | LC_ALL=C sort | paste -sd' ')
listed=$(printf '%s\n' "${names[@]}" | LC_ALL=C sort | paste -sd' ')
result "dkms: the generated dkms.conf lists a module per module folder ($folders)" \
	"${#names[@]} modules in $conf: ${names[*]}" test "$listed" = "$folders"
lib=$ROOT/lib/modules/$RELEASE
for name in "${names[@]}"; do
	ko=$lib/updates/dkms/$name.ko
	vermagic=$(modinfo -F vermagic "$ko" 2>/dev/null || true)
	result "dkms: $name.ko installed in updates/dkms, for $RELEASE" \
		"${vermagic:+vermagic $vermagic}${vermagic:-no $ko}" test "${vermagic%% *}" = "$RELEASE"
	result "dkms: $name.ko in modules.dep (depmod -b)" "not in $lib/modules.dep" \
		has "$lib/modules.dep" "updates/dkms/$name.ko:"
done
diag "modules.dep made by kmod's depmod on the host ($(depmod -V | head -n1))"

makelog=$ROOT/var/lib/dkms/$PACKAGE/$VERSION/$RELEASE/$(uname -m)/log/make.log
toolchain=$(sed -n 's/^path *= *"\(.*\)"$/\1/p' "$hdr/rust-toolchain.toml" 2>/dev/null)
result "dkms: the build used the compiler the headers record ($toolchain/bin/rustc)" \
	"no RUSTC=$toolchain/bin/rustc in $makelog" has "$makelog" "RUSTC=$toolchain/bin/rustc "
if grep -q '^CONFIG_CC_IS_CLANG=y' "$KDIR/.config"; then
	name="dkms: DKMS's CC=clang and LD=ld.lld (its guess for a clang kernel) are not passed to Kbuild"
	# DKMS 3.0 (Debian 12) passes them; 3.2 (Debian 13), which writes its
	# command line into make.log, passes LLVM=1 instead.
	if grep -qE '^# command: make ' "$makelog" && ! grep -qE '^# command: make .* CC=' "$makelog"; then
		skip "$name" "this DKMS passes no CC= ($(sed -n 's/^# command: //p' "$makelog" | head -n 1))"
	else
		result "$name" "no such line in $makelog" \
			grep -qE '^make: not passed to Kbuild: .*CC=clang' "$makelog"
	fi
fi

# --- 3. a stale dkms.conf -----------------------------------------------------
stale=$ROOT/usr/src/$PACKAGE-stale
if [ -f "$conf" ]; then
	cp -R "$(dirname "$conf")" "$stale"
	last=$((${#names[@]} - 1))
	sed -i -e "/^[A-Z_]*\[$last\]=/d" -e 's/^PACKAGE_VERSION=.*/PACKAGE_VERSION="stale"/' "$stale/dkms.conf"
	log=$LOG_DIR/dkms-stale.log
	dkms_private "$ROOT" add "$PACKAGE/stale" >"$log" 2>&1 || true
	if dkms_private "$ROOT" build "$PACKAGE/stale" -k "$RELEASE" \
		--kernelsourcedir "$lib/build" >>"$log" 2>&1; then
		not_ok "dkms: a stale dkms.conf (${names[$last]} left out) fails the build" "the build passed"
	else
		result "dkms: a stale dkms.conf (${names[$last]} left out) fails the build" \
			"no 'is stale' message in its make.log, see $log" \
			grep -q "dkms.conf is stale: it lists .* but Kbuild builds .*${names[$last]}" \
			"$ROOT/var/lib/dkms/$PACKAGE/stale/build/make.log"
	fi
else
	not_ok "dkms: a stale dkms.conf fails the build" "no $conf to start from"
fi

# --- 4. Debian's stock kernel, without Rust -------------------------------------
name="dkms: Debian's stock kernel (no Rust): the build fails with the doctor's diagnosis"
if ! debian_headers_known "$KERNEL"; then
	skip "$name" "$DEBIAN_HEADERS_WHY"
elif ! stock=$(debian_headers "$KERNEL"); then
	not_ok "$name" "apt-get could not fetch Debian's $KERNEL headers, see $BUILD_DIR/doctor/apt-download-$KERNEL.log"
else
	stock_release=${stock##*/linux-headers-}
	stock_root=$D/stock-root
	log=$LOG_DIR/dkms-stock.log
	if make -C "$WS" --no-print-directory dkms-install DKMS_ROOT="$stock_root" \
		DKMS_KERNEL="$stock_release" DKMS_KDIR="$stock" >"$log" 2>&1; then
		not_ok "$name" "the build passed, see $log"
	else
		stock_log=$stock_root/var/lib/dkms/$PACKAGE/$VERSION/build/make.log
		result "$name" "not in $stock_log" stock_diagnosed "$stock_log"
		grep -m1 -F "CONFIG_RUST is off" "$stock_log" | diag_lines
	fi
fi

# --- the host ---------------------------------------------------------------------
after=$(host_state)
result "dkms: the host's /lib/modules, /var/lib/dkms and /usr/src are untouched" \
	"changed: $(diff <(echo "$before") <(echo "$after") | grep '^[<>]' | head -n 3 | tr '\n' ' ')" \
	test "$before" = "$after"
diag "dkms cases: $(($(now) - t0)) s"
