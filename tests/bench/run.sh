#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench, and its short run in make check: the Rust misc device
# (modules/rust_misc) against its C twin (modules/c_misc) and the kernel's
# floor, in one or more boots of the workspace's kernel, one after the
# other (each boot under TCG has costs of its own: the report's interval
# is over the boots when there are several). Reuses the VM's scripts:
# tests/vm/make-initramfs.sh (only the two modules and hello_c, this
# folder's guest.sh as /tests/bench.sh), tests/vm/boot-qemu.sh (TCG, one
# vCPU, ws.run=bench and `quiet`: no printk on the emulated serial console
# while the clock runs), tests/vm/scan-console.sh.
#
#   tests/bench/run.sh --rounds R --target-us T --out DIR [--boots B]
#                      [--chart] [--icount] [--kdir KDIR] [--modules DIR]
#                      [--kernel-image FILE]
#
#   --rounds R      rounds of each operation in each boot (at least 2)
#   --boots B       boots of the VM (default 1), each with R rounds
#   --target-us T   least duration of a batch on the fastest side
#   --out DIR       everything of the run: bin/, work/, initramfs, each
#                   boot's console and guest logs (console-N.log,
#                   guest-N.log; guest.log joins them), report.md, chart.dat; the
#                   previous run's chart.dat becomes previous.dat, and each
#                   Rust/C ratio is compared with its interval
#   --chart         also DIR/chart.svg, drawn by gnuplot (tests/bench/chart.gp;
#                   make bench installs gnuplot-nox)
#   --icount        QEMU's -icount shift=0: the guest's clock advances one
#                   nanosecond per instruction, so every "ns" of the run is
#                   one guest instruction executed, exact and repeatable
#                   (make bench runs one such boot per kernel)
#   --kdir KDIR     the kernel that boots (default: the workspace's)
#   --modules DIR   the built module folders (default: the workspace's)
#   --kernel-image FILE  boot that image, with KDIR the headers it was
#                   packaged with (Debian's stock vmlinuz: make bench's
#                   "[bench stock-7.3]")
#
# Prints result lines (tests/lib/ktap.sh) on stdout, the table as `#`
# lines; tests/ktap-report.sh numbers them. Run through the top-level
# Makefile (make bench, make check).
set -eu
WS_TAG=bench
# shellcheck source=scripts/lib.sh
. "$WS/scripts/lib.sh"

ROUNDS=
BOOTS=1
TARGET_US=
OUT=
CHART=0
ICOUNT=
KDIR=$DEFAULT_KDIR
MODULES=$WS/modules
IMAGE=()
usage() {
	die "usage: $0 --rounds R --target-us T --out DIR [--boots B] [--chart] [--icount] [--kdir KDIR]" \
		"[--modules DIR] [--kernel-image FILE]"
}
while [ $# -gt 0 ]; do
	case "$1" in
	--rounds) ROUNDS=$2; shift ;;
	--boots) BOOTS=$2; shift ;;
	--target-us) TARGET_US=$2; shift ;;
	--out) OUT=$2; shift ;;
	--chart) CHART=1 ;;
	--icount) ICOUNT=--icount ;;
	--kdir) KDIR=$2; shift ;;
	--modules) MODULES=$2; shift ;;
	--kernel-image) IMAGE=(--kernel "$2"); shift ;;
	*) usage ;;
	esac
	shift
done
if [ -z "$ROUNDS" ] || [ -z "$TARGET_US" ] || [ -z "$OUT" ]; then
	usage
fi
case "$BOOTS" in
'' | *[!0-9]* | 0) usage ;;
esac
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
BENCH=$OUT/bin/misc-bench

# Rebuilt when one of its sources changed (this folder, the shared modules
# and ABI of tests/lib and tests/modules/rust_misc, the uapi header).
inputs=("$WS/tests/bench" "$WS/tests/lib" "$WS/tests/modules/rust_misc"
	"$WS/modules/rust_misc/rust_misc.h")
if [ -x "$BENCH" ] && [ -z "$(find "${inputs[@]}" -newer "$BENCH" -print -quit)" ]; then
	ok "bench: misc-bench builds (unchanged)"
elif step_start "building misc-bench (tests/bench)" >&2 &&
	BINDGEN=$WS_PROGRAMS_BINDGEN RUSTC=$WS_PROGRAMS_RUSTC \
	LIBCLANG_PATH=$WS_PROGRAMS_LIBCLANG_PATH \
	"$WS/tests/bench/build.sh" "$OUT/bin" "$OUT/work" >"$OUT/build.log" 2>&1; then
	ok "bench: misc-bench builds"
	step_done >&2
else
	not_ok "bench: misc-bench builds" "see $OUT/build.log"
	grep -E '^(error|warning)' "$OUT/build.log" | head -n 5 | diag_lines
	exit 0
fi

# The twins, and hello_c, which guest.sh loads first and keeps loaded
# while the twins are measured.
kos=()
only=()
for name in rust_misc c_misc hello_c; do
	kos+=("$MODULES/$name/$name.ko")
	only+=(--only "$name")
	[ -f "$MODULES/$name/$name.ko" ] || die "$MODULES/$name/$name.ko missing: run make first"
done

"$WS/tests/vm/make-initramfs.sh" "${only[@]}" \
	--file "/tests/bench.sh=$WS/tests/bench/guest.sh" \
	"$KDIR" "$MODULES" "$OUT/bin" "$OUT/initramfs.cpio"
"$WS/tests/vm/check-modules.sh" "$KDIR" "${kos[@]}"
# The guest's clock: under TCG its TSC is the host's, whose frequency it is
# told (misc-bench tsc-khz, tsc.rs): calibrating it against the emulated
# PIT fails on a busy host, and CLOCK_MONOTONIC would then run on jiffies.
# tsc=reliable: no clocksource watchdog switching away from it meanwhile.
# Under -icount the TSC counts instructions, deterministically: the kernel
# calibrates it itself.
clock="tsc=reliable"
[ -n "$ICOUNT" ] || clock="$clock tsc_early_khz=$("$BENCH" tsc-khz)"
# Each boot's results (the raw lines are not results: ktap-report skips
# them), then its console's; with several boots each result names its
# boot. guest.log: every boot's lines, each boot's after "bench-boot N".
: >"$OUT/guest.log"
for boot in $(seq "$BOOTS"); do
	label=
	[ "$BOOTS" -eq 1 ] || label="boot $boot of $BOOTS: "
	step_start "bench: ${label}booting the VM" >&2
	"$WS/tests/vm/boot-qemu.sh" $ICOUNT "${IMAGE[@]}" \
		--append "quiet $clock ws.run=bench ws.bench_rounds=$ROUNDS ws.bench_target_us=$TARGET_US" \
		"$KDIR" "$OUT/initramfs.cpio" "$OUT/console-$boot.log" "$OUT/guest-$boot.log"
	step_done >&2
	{
		tr -d '\r' <"$OUT/guest-$boot.log" | grep -E '^((not )?ok |# )' || true
		"$WS/tests/vm/scan-console.sh" "$OUT/console-$boot.log" "$OUT/guest-$boot.log"
	} | sed -E "s/^((not )?ok )/\1$label/"
	{
		echo "bench-boot $boot"
		cat "$OUT/guest-$boot.log"
	} >>"$OUT/guest.log"
done

for i in 0 1; do
	"llvm-size-$LLVM_VERSION" -A "${kos[$i]}" >"$OUT/size-$i.txt" 2>&1 || true
done
# What the run's nanoseconds are.
timing() {
	if [ -n "$ICOUNT" ]; then
		echo "instruction counts: QEMU -icount shift=0 runs the guest's clock at one ns per instruction executed, so every ns/op below is the exact number of guest instructions per operation (system call entry and exit, VFS and driver), the same on every run"
	else
		echo "wall-clock time, CLOCK_MONOTONIC of the guest (the TSC, which QEMU derives from the host's clock)"
	fi
}

# The commit the modules' sources are at, and whether they differ from it.
# A copy in the build folder (tests/variant-modules.sh: make bench's
# kernels) is of the workspace's sources: those are described, not
# whatever repository holds the build folder.
modules_version() {
	local v dir=$MODULES
	case "$(realpath -m "$dir")/" in
	"$(realpath -m "$BUILD_DIR")"/*) dir=$WS/modules ;;
	esac
	v=$(git -C "$dir" log -1 --format='%h (%cd)' --date=short 2>/dev/null) || {
		echo "$MODULES"
		return
	}
	[ -z "$(git -C "$dir" status --porcelain -- . 2>/dev/null)" ] || v="$v with uncommitted changes"
	echo "$v"
}
facts=(--fact "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
	--fact "host CPU=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1) ($(nproc) cores)"
	--fact "host=$(. /etc/os-release && echo "$PRETTY_NAME"), $(uname -r)"
	--fact "QEMU=$(qemu-system-x86_64 --version | head -n1): -accel tcg -smp 1${ICOUNT:+ -icount shift=0}"
	--fact "timing=$(timing)"
	--fact "modules=$(modules_version)")
[ ${#IMAGE[@]} -eq 0 ] || facts+=(--fact "kernel image=${IMAGE[1]}")
# The previous run's chart.dat: its intervals, for this run's ratios.
previous=()
if [ -f "$OUT/chart.dat" ]; then
	mv "$OUT/chart.dat" "$OUT/previous.dat"
	previous=(--previous "$OUT/previous.dat")
fi
"$BENCH" report --guest "$OUT/guest.log" "${previous[@]}" \
	--rust-ko "${kos[0]}" --rust-size "$OUT/size-0.txt" \
	--c-ko "${kos[1]}" --c-size "$OUT/size-1.txt" \
	--md "$OUT/report.md" --dat "$OUT/chart.dat" "${facts[@]}" ||
	true
diag "timing: $(timing)"
diag "report: $OUT/report.md"

if [ "$CHART" -eq 1 ]; then
	if gnuplot -e "datafile='$OUT/chart.dat'; outfile='$OUT/chart.svg'" \
		"$WS/tests/bench/chart.gp" 2>"$OUT/gnuplot.log" && [ -s "$OUT/chart.svg" ]; then
		ok "bench: gnuplot draws chart.svg"
		diag "chart: $OUT/chart.svg"
	else
		not_ok "bench: gnuplot draws chart.svg" "see $OUT/gnuplot.log"
	fi
fi
