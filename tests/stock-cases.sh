#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Self-contained modules on Debian's stock kernel (scripts/self-contained.sh),
# as make check tests them for the default generation:
#
# 1. make SELF_CONTAINED=1 KDIR=<Debian's stock headers> builds (or reuses)
#    the Rust support for that release and the workspace's modules; they
#    are what the "[stock-6.12]" VM run loads into Debian's own vmlinuz.
# 2. The same build as an unprivileged user (tests/lib/unprivileged.sh: no
#    capability, the workspace hidden), from a copy of the sources, against
#    copies of the stock headers and of the cached Rust support mounted
#    read-only for it.
# 3. modinfo: every .ko has the stock vermagic ("<release> SMP preempt
#    mod_unload modversions") and a __versions CRC for each symbol it
#    imports.
# 4. Bad input: a stock tree of another version is refused before anything
#    is compiled, naming both versions; without the source package the
#    message names the package; make doctor MODULE=... reports a
#    self-contained module's vermagic against another kernel.
# 5. Debian's stock kernel of each generation whose description says it is
#    refused (SELF_CONTAINED_REFUSAL; 6.1: its hardening needs rustc options
#    6.1's rustc 1.63 does not have): refused with the reason.
#
#   tests/stock-cases.sh RESULTS VM_ARGS
#
# writes the results (the guest's line format) to RESULTS and the VM run's
# arguments (--kdir, --kernel-image, --modules) to VM_ARGS, one per line.
set -eu
WS_TAG=stock
# shellcheck source=scripts/lib.sh
. "$WS/scripts/lib.sh"
# shellcheck source=tests/lib/unprivileged.sh
. "$WS/tests/lib/unprivileged.sh"
# shellcheck source=tests/lib/headers-root.sh
. "$WS/tests/lib/headers-root.sh"
# shellcheck source=tests/lib/debian-headers.sh
. "$WS/tests/lib/debian-headers.sh"
# shellcheck source=tests/lib/debian-kernel.sh
. "$WS/tests/lib/debian-kernel.sh"

need_tools modinfo:kmod modprobe:kmod nm:binutils
RESULTS=$1
VM_ARGS=$2
# shellcheck disable=SC2031 # the descriptions loaded below are loaded in subshells
SERIES=$KERNEL_SERIES
LOG_DIR=$BUILD_DIR/logs/$KERNEL/stock
mkdir -p "$LOG_DIR"
# The results go to RESULTS (file descriptor 4), progress to stdout.
exec 4>"$RESULTS"
KTAP_FD=4
: >"$VM_ARGS"

# has_line FILE TEXT: FILE has TEXT (fixed string).
has_line() {
	grep -qF -- "$2" "$1"
}
# expect_refusal NAME LOG PATTERN MAKE_ARGS...: make MAKE_ARGS fails and
# its output (in LOG) matches the grep pattern PATTERN.
expect_refusal() {
	local name=$1 log=$2 pattern=$3 rc=0
	shift 3
	make --no-print-directory "$@" >"$log" 2>&1 || rc=$?
	result "$name" "exit $rc, or no line matching '$pattern' (log: $log)" \
		sh -c "[ $rc -ne 0 ] && grep -q -- \"\$0\" '$log'" "$pattern"
}

# Debian's stock kernel of this generation on this host is this host
# release's: its self-contained modules are built with the generation's
# toolchain, which is that release's only when the host is the
# generation's release (on Debian 13, stock 6.12 is GCC 14's, and 6.12's
# toolchain, Debian 12's, runs in an environment without that GCC).
kconf_load "$KERNEL" >/dev/null
if [ -n "$KCONF_ENV" ]; then
	skip "stock: self-contained modules for Debian's stock $KERNEL" \
		"this host is Debian $(kconf_host_release), kernels/$KERNEL.conf's toolchain is Debian $DEBIAN_RELEASE's (its environment $KCONF_ENV): the host's stock $KERNEL kernel is not built with it"
	exit 0
fi

H=$(debian_headers "$KERNEL") || die "cannot fetch Debian's stock headers of $KERNEL (kernels/$KERNEL.conf's DEBIAN_HEADERS)"
RELEASE=$(cat "$H/include/config/kernel.release")
IMAGE=$(debian_kernel "$H") || die "cannot fetch Debian's stock kernel image for $RELEASE"
VERMAGIC="$RELEASE SMP preempt mod_unload modversions "
# The workspace's modules (scripts/modules.sh), as one line.
MODULES=$(modules_in | LC_ALL=C sort | paste -sd' ')
diag "Debian's stock kernel: $RELEASE, headers $H"

# --- 1. root's build: the VM run's modules --------------------------------------
# In a copy of the sources: the workspace's modules/ hold the modules of
# its own kernel, which the other VM runs load.
COPY=$BUILD_DIR/stock-$KERNEL/src
rm -rf "$COPY"
copy_sources "$COPY"
log=$LOG_DIR/build.log
t0=$(now)
if make --no-print-directory -C "$COPY" SELF_CONTAINED=1 KDIR="$H" BINDGEN="$WS_BINDGEN" \
	SELF_CONTAINED_DIR="$BUILD_DIR/self-contained" >"$log" 2>&1; then
	ok "stock: make SELF_CONTAINED=1 KDIR=<stock headers> builds the modules ($(($(now) - t0)) s)"
	grep -E 'Rust support .*done in|up to date' "$log" | diag_lines
else
	not_ok "stock: make SELF_CONTAINED=1 KDIR=<stock headers> builds the modules" \
		"$(tail -n 3 "$log" | tr '\n' ' ') (log: $log)"
fi
printf '%s\n' --kdir "$H" --kernel-image "$IMAGE" --modules "$COPY/modules" >"$VM_ARGS"

# --- 3. modinfo -------------------------------------------------------------------
for ko in "$COPY"/modules/*/*.ko; do
	[ -f "$ko" ] || continue
	m=$(basename "$ko" .ko)
	magic=$(modinfo -F vermagic "$ko")
	result "stock: $m.ko has the stock vermagic '$VERMAGIC'" "vermagic '$magic'" \
		test "$magic" = "$VERMAGIC"
	imports=$(nm -u "$ko" | awk '{print $2}' | sort -u)
	crcs=$(modprobe --dump-modversions "$ko" | awk '{print $2}' | grep -vx module_layout | sort -u)
	missing=$(comm -23 <(echo "$imports") <(echo "$crcs") | tr '\n' ' ')
	result "stock: $m.ko has a __versions CRC for each of its $(echo "$imports" | wc -l) imports" \
		"no CRC for: $missing" test -z "$missing"
done
for m in $(modules_in --rust); do
	ko=$COPY/modules/$m/$m.ko
	result "stock: $m.ko is self-contained: no Rust symbol left to resolve at load time" \
		"undefined: $(nm -u "$ko" 2>/dev/null | grep -E ' (_R|rust_)' | head -n 3 | tr '\n' ' ')" \
		sh -c "[ -f '$ko' ] && ! nm -u '$ko' | grep -qE ' (_R|rust_)'"
done

# --- 2. the unprivileged user's build ------------------------------------------------
USER_DIR=$(mktemp -d "${TMPDIR:-/tmp}/ws-stock.XXXXXX")
trap 'rm -rf "$USER_DIR"' EXIT
chmod 0755 "$USER_DIR"
# The stock headers (three folders of one root), a hard-linked copy
# outside the hidden workspace, and the Rust support, the cached folder
# bound there (a copy of its 100,000 files of Linux source took 3 s of
# CPU, and as much to remove), both mounted read-only for the build
# (their files' own modes are those of the cache, writable by their
# owner). The headers' Makefile includes the -common folder by absolute
# path.
NH=$(headers_root_copy "${H%/usr/src/*}" "$USER_DIR/root" "$H")
SUPPORT=$USER_DIR/support/$RELEASE
mkdir -p "$SUPPORT"
mkdir -p "$USER_DIR/tools"
cp "$WS_BINDGEN" "$USER_DIR/tools/bindgen"
SRC=$USER_DIR/src
copy_sources "$SRC"
# unprivileged COMMAND...: as the unprivileged user, the trees read-only.
unprivileged() {
	as_unprivileged --bind "$BUILD_DIR/self-contained/$RELEASE" "$SUPPORT" \
		--read-only "$USER_DIR/root" --read-only "$SUPPORT" "$@"
}
result "stock: the stock tree and the Rust support are read-only for the unprivileged user" \
	"it can create files in them, or as_unprivileged failed (see above)" \
	unprivileged sh -c "! touch '$NH/ws-probe' 2>/dev/null && ! touch '$USER_DIR/support/$RELEASE/ws-probe' 2>/dev/null &&
		[ -r '$NH/Makefile' ]"
log=$LOG_DIR/unprivileged.log
if unprivileged make -C "$SRC" SELF_CONTAINED=1 KDIR="$NH" BINDGEN="$USER_DIR/tools/bindgen" \
	SELF_CONTAINED_DIR="$USER_DIR/support" SELF_CONTAINED_OUT="$SRC/build/sc" >"$log" 2>&1; then
	built=$(find "$SRC/modules" -name "*.ko" -printf '%f\n' | sed 's/\.ko$//' | LC_ALL=C sort | paste -sd' ')
	result "stock: an unprivileged user builds every module ($MODULES) against a read-only stock tree and Rust support" \
		"built: ${built:-nothing} (log: $log)" test "$built" = "$MODULES"
else
	not_ok "stock: an unprivileged user builds every module ($MODULES) against a read-only stock tree and Rust support" \
		"$(tail -n 3 "$log" | tr '\n' ' ') (log: $log)"
fi
result "stock: the unprivileged user's build reused the cached Rust support" "(log: $log)" \
	has_line "$log" "Rust support for $RELEASE: up to date"
kos=0
others=
for ko in "$SRC"/modules/*/*.ko; do
	[ -f "$ko" ] || continue
	kos=$((kos + 1))
	[ "$(modinfo -F vermagic "$ko")" = "$VERMAGIC" ] || others="$others ${ko##*/}"
done
result "stock: the unprivileged user's $kos .ko files have the stock vermagic" "${others:+not:$others}${others:-none built}" \
	test "$kos" -gt 0 -a -z "$others"

# --- 4. bad input --------------------------------------------------------------------
# A stock tree of another version: the headers' configuration with the
# next sublevel's release and version.h.
fake=$USER_DIR/fake-release
mkdir -p "$fake/include/generated/uapi/linux" "$fake/include/config"
# Its files (auto.conf, kernel.release), not its 7,000 empty ones named
# after options (a copy took 2 s).
find "$H/include/config" -maxdepth 1 -type f -size +0 -exec cp -p -t "$fake/include/config" {} +
ln -s "$H/.config" "$fake/.config"
ln -s "$H/Module.symvers" "$fake/Module.symvers"
version=${RELEASE%%[!0-9.]*}
sublevel=${version##*.}
other_version=${version%.*}.$((sublevel + 1))
other=$other_version${RELEASE#"$version"}
echo "$other" >"$fake/include/config/kernel.release"
sed "s/^#define LINUX_VERSION_SUBLEVEL .*/#define LINUX_VERSION_SUBLEVEL $((sublevel + 1))/" \
	"$H/include/generated/uapi/linux/version.h" >"$fake/include/generated/uapi/linux/version.h"
expect_refusal "stock: a tree of Linux $other_version is refused, naming both versions" \
	"$LOG_DIR/other-release.log" "is Linux $other_version ($other) but linux-source-$SERIES is $version" \
	-C "$WS" SELF_CONTAINED=1 KDIR="$fake"
result "stock: ... before anything is compiled" "$BUILD_DIR/self-contained/$other exists" \
	test ! -e "$BUILD_DIR/self-contained/$other"

# Without the source package: a copy of the workspace whose generation
# names a package that is not installed.
nosrc=$USER_DIR/no-source
copy_sources "$nosrc"
sed -i "s/^SOURCE_PACKAGE=.*/SOURCE_PACKAGE=linux-source-$SERIES-not-installed/" "$nosrc/kernels/$SERIES.conf"
expect_refusal "stock: without the kernel's source package the message names it" \
	"$LOG_DIR/no-source.log" "install Debian's linux-source-$SERIES-not-installed" \
	-C "$nosrc" SELF_CONTAINED=1 KDIR="$H" BINDGEN="$WS_BINDGEN"

# The doctor: a self-contained module checked against the workspace's kernel.
m=$(modules_in --rust | head -n 1)
expect_refusal "stock: make doctor MODULE=<self-contained $m.ko> KDIR=<the workspace's kernel> reports its vermagic" \
	"$LOG_DIR/doctor-vermagic.log" "$m.ko was built for $RELEASE, not for the target kernel" \
	-C "$WS" doctor KDIR="$DEFAULT_KDIR" MODULE="$COPY/modules/$m/$m.ko"

# The generations whose description says Debian's stock kernel cannot have
# self-contained modules (SELF_CONTAINED_REFUSAL, the refusal's message:
# 6.1, whose rustc 1.63 cannot carry its return thunks and retpolines):
# refused, saying so, before anything is built.
for label in $(kconf_labels); do
	refusal=$(kconf_load "$label" && echo "${SELF_CONTAINED_REFUSAL:-}")
	[ -n "$refusal" ] || continue
	if ! debian_headers_known "$label"; then
		skip "stock: Debian's stock $label is refused as kernels/$label.conf says" "$DEBIAN_HEADERS_WHY"
	elif refused_h=$(debian_headers "$label"); then
		refused_r=$(cat "$refused_h/include/config/kernel.release")
		expect_refusal "stock: Debian's stock $label ($refused_r) is refused as kernels/$label.conf says" \
			"$LOG_DIR/debian-$label.log" "$refusal" \
			-C "$WS" SELF_CONTAINED=1 KDIR="$refused_h"
		result "stock: ... before anything is built" "$BUILD_DIR/self-contained/$refused_r exists" \
			test ! -e "$BUILD_DIR/self-contained/$refused_r"
	else
		not_ok "stock: Debian's stock $label headers can be fetched" "apt-get could not fetch them (kernels/$label.conf's DEBIAN_HEADERS)"
	fi
done
