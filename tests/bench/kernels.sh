#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: the benchmark (tests/bench/run.sh) on the generation's
# benchmark kernels, optimized as distribution kernels are
# (BENCH_FRAGMENTS: performance.config, -O2 and -Copt-level=2):
# build/linux-KERNEL-bench and, for a generation that describes it
# (BENCH_NO_INLINE_FRAGMENTS, 7.3), build/linux-KERNEL-bench-no-inline,
# the same source and options but CONFIG_RUST_INLINE_HELPERS. For each:
#
# - the kernel (scripts/build-kernel.sh VARIANT, reused while its inputs
#   are unchanged) and the modules built against it from a copy of the
#   sources (tests/variant-modules.sh);
# - BOOTS boots timed, with the chart (build/bench/linux-KERNEL-VARIANT/);
# - one boot counting instructions, QEMU -icount
#   (build/bench/linux-KERNEL-VARIANT-icount/).
#
# With both kernels, build/bench/inlining.md puts them side by side
# (misc-bench inlining): each operation's Rust/C with the helpers inlined
# and without, and the instructions the inlining saves on each side.
#
# For a generation whose Debian kernel has Rust on (STOCK_CHECK=
# rust-metadata: 7.3), the same boots on Debian's own kernel, "[bench
# stock-7.3]" (build/bench/stock-7.3/ and -icount/): its vmlinuz, and the
# modules built against its headers with the Rust metadata that make
# rust-metadata rebuilds (tests/lib/stock-rust-kernel.sh), the C twin by
# Debian's gcc and the Rust module by Debian's rustc, as on a Debian
# user's machine.
#
#   tests/bench/kernels.sh --boots B --rounds R --target-us T --icount-rounds N
#
# Each run's result lines go to its results.log; the list of them, labelled
# ("bench", "bench no-inline"), to build/bench/report.list, which make
# bench reports (tests/ktap-report.sh). Run through the top-level Makefile.
set -eu
WS_TAG=bench
# shellcheck source=scripts/lib.sh
. "$WS/scripts/lib.sh"
# shellcheck source=scripts/kernel-conf.sh
. "$WS/scripts/kernel-conf.sh"
# shellcheck source=tests/lib/stock-rust-kernel.sh
. "$WS/tests/lib/stock-rust-kernel.sh"

BOOTS=
ROUNDS=
TARGET_US=
ICOUNT_ROUNDS=
usage() {
	die "usage: $0 --boots B --rounds R --target-us T --icount-rounds N"
}
while [ $# -gt 0 ]; do
	case "$1" in
	--boots) BOOTS=$2; shift ;;
	--rounds) ROUNDS=$2; shift ;;
	--target-us) TARGET_US=$2; shift ;;
	--icount-rounds) ICOUNT_ROUNDS=$2; shift ;;
	*) usage ;;
	esac
	shift
done
for value in "$BOOTS" "$ROUNDS" "$TARGET_US" "$ICOUNT_ROUNDS"; do
	[ -n "$value" ] || usage
done

need_tools nm:binutils
# (Read in a subshell: kconf_load sets the description's fields, such as
# LLVM_VERSION, anew, no longer exported to run.sh.)
read -r kdir_base no_inline stock_check < <(kconf_load "$KERNEL" &&
	no_inline=${BENCH_NO_INLINE_FRAGMENTS:+yes} &&
	echo "$KCONF_KDIR ${no_inline:-no} ${STOCK_CHECK:-none}") ||
	die "cannot read the description of the kernel generation '$KERNEL'"
variants=(bench)
[ "$no_inline" = no ] || variants+=(bench-no-inline)

# bench_runs DIR RUN_ARGS...: the timed boots (DIR) and the counting boot
# (DIR-icount, its result lines "icount: ...") with those run.sh arguments.
bench_runs() {
	local dir=$1
	shift
	"$WS/tests/bench/run.sh" --rounds "$ROUNDS" --target-us "$TARGET_US" --boots "$BOOTS" \
		--chart "$@" --out "$dir"
	# The instruction counts: one boot (they repeat exactly).
	"$WS/tests/bench/run.sh" --rounds "$ICOUNT_ROUNDS" --target-us "$TARGET_US" --icount \
		"$@" --out "$dir-icount" | sed -E 's/^((not )?ok )/\1icount: /'
}

# bench_stock: "[bench stock-KERNEL]", Debian's own kernel (see the top).
bench_stock() {
	local label=stock-$KERNEL dir results log src cc name
	dir=$OUT/$label
	results=$dir/results.log
	log=$BUILD_DIR/logs/$KERNEL/bench-$label.log
	src=$BUILD_DIR/bench-$label/src
	mkdir -p "$dir" "$dir-icount" "$(dirname "$log")"
	echo "$results:bench $label" >>"$LIST"
	stock_rust_kernel "$KERNEL"
	step_start "bench: the Rust metadata of Debian's $(cat "$STOCK_HEADERS/include/config/kernel.release") (make rust-metadata)" >&2
	name="$label: Debian's headers with the rebuilt Rust metadata"
	if make --no-print-directory -C "$WS" rust-metadata KDIR="$STOCK_HEADERS" >"$log" 2>&1 &&
		stock_rust_with_metadata "$BUILD_DIR/bench-$label/root" 2>>"$log"; then
		step_done >&2
		ok "$name" >"$results"
	else
		not_ok "$name" "see $log" >"$results"
		return 0
	fi
	"$WS/tests/variant-modules.sh" "$STOCK_TREE" "$src" "$label" >>"$results"
	grep -q '^not ok' "$results" && return 0
	# The C twin by the compiler Debian built its kernel with, which its
	# .comment section names ("gcc-14 (Debian ...) 14.2.0" in the
	# configuration, "GCC: (Debian ...) 14.2.0" there).
	cc=$(sed -n 's/^CONFIG_CC_VERSION_TEXT="\(.*\)"$/\1/p' "$STOCK_TREE/.config")
	name="$label: c_misc.ko built by the kernel's own C compiler (${cc:-none named})"
	if [ -n "$cc" ] && readelf -p .comment "$src/modules/c_misc/c_misc.ko" 2>/dev/null | grep -qF -- "${cc#* }"; then
		ok "$name" >>"$results"
	else
		not_ok "$name" ".comment: $(readelf -p .comment "$src/modules/c_misc/c_misc.ko" 2>&1 | tr -s ' \n' ' ')" >>"$results"
	fi
	bench_runs "$dir" --kdir "$STOCK_TREE" --kernel-image "$STOCK_IMAGE" --modules "$src/modules" >>"$results"
}

OUT=$BUILD_DIR/bench
LIST=$OUT/report.list
mkdir -p "$OUT"
: >"$LIST"
for variant in "${variants[@]}"; do
	kdir=$kdir_base-$variant
	dir=$OUT/$(basename "$kdir")
	mkdir -p "$dir" "$dir-icount"
	results=$dir/results.log
	echo "$results:${variant/-/ }" >>"$LIST"
	"$WS/scripts/build-kernel.sh" "$variant" >&2
	src=$BUILD_DIR/$variant-$KERNEL/src
	"$WS/tests/variant-modules.sh" "$kdir" "$src" "$variant" >"$results"
	grep -q '^not ok' "$results" && continue
	{
		# The C helpers: never called by rust_misc when its kernel
		# inlines them, called when it does not (the contrast that shows
		# the first check can fail).
		helpers=$(modules_helper_calls "$src/modules/rust_misc/rust_misc.ko" | paste -sd' ')
		if grep -qx 'CONFIG_RUST_INLINE_HELPERS=y' "$kdir/.config"; then
			name="helpers: rust_misc.ko calls no C helper (CONFIG_RUST_INLINE_HELPERS=y)"
			if [ -z "$helpers" ]; then ok "$name"; else not_ok "$name" "nm -u: $helpers"; fi
		else
			name="helpers: rust_misc.ko calls the C helpers (CONFIG_RUST_INLINE_HELPERS off)"
			if [ -n "$helpers" ]; then ok "$name"; else not_ok "$name" "nm -u shows no rust_helper_*"; fi
			[ -z "$helpers" ] || diag "nm -u: $helpers"
		fi
		bench_runs "$dir" --kdir "$kdir" --modules "$src/modules"
	} >>"$results"
done

[ "$stock_check" != rust-metadata ] || bench_stock

[ "${#variants[@]}" -eq 2 ] || exit 0
inlined=$OUT/$(basename "$kdir_base")-bench
not_inlined=$inlined-no-inline
results=$OUT/inlining-results.log
echo "$results:bench" >>"$LIST"
name="inlining: the kernels with and without CONFIG_RUST_INLINE_HELPERS side by side"
if table=$("$inlined/bin/misc-bench" inlining --inlined "$inlined" --not-inlined "$not_inlined" \
	--icount-inlined "$inlined-icount" --icount-not-inlined "$not_inlined-icount" \
	--md "$OUT/inlining.md" 2>&1); then
	{
		ok "$name"
		echo "$table"
		diag "table: $OUT/inlining.md"
	} >"$results"
else
	{
		not_ok "$name" "misc-bench inlining failed"
		echo "$table" | diag_lines
	} >"$results"
fi
