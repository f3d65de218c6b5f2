# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# The checks that come before anyone uses rebuilt Rust metadata
# (scripts/rust-metadata.sh): it must describe the very kernel the stock
# headers describe, or a module built with it would not load (an unknown
# symbol) or, worse, load with another idea of the kernel's types.
#
#   verify_exports STOCK_KDIR SRC     every Rust symbol the stock kernel
#                                     exports (its Module.symvers) is
#                                     exported by the rebuilt crates under
#                                     the same name
#   verify_rustc_cfg STOCK_KDIR SRC   the cfg the modules are compiled with
#                                     is the stock tree's
#   verify_target STOCK_KDIR SRC RUN  the target spec is the one the stock
#                                     configuration gives (RUN: the prefix
#                                     that runs the rebuilt tree's host
#                                     program, in its environment)
#
# Each prints one line saying what matched, or stops (die) naming the first
# difference.

# rebuilt_exports SRC: the Rust symbols the rebuilt kernel would export,
# one a line, sorted. The kernel's rust/Makefile lists them in
# rust/exports_*_generated.h (EXPORT_SYMBOL_RUST_GPL(name);), read by
# rust/exports.c: that list is what vmlinux exports. Without those
# files, the same selection from the objects' symbol tables (defined text
# and data symbols, without the __pfx/__cfi/__odr_asan companions).
rebuilt_exports() {
	if ls "$1"/rust/exports_*_generated.h >/dev/null 2>&1; then
		sed -n 's/^EXPORT_SYMBOL_RUST_GPL(\(.*\));$/\1/p' "$1"/rust/exports_*_generated.h
	else
		for re_obj in "$1"/rust/*.o; do
			nm -p --defined-only "$re_obj"
		done | awk '$2 ~ /(T|R|D|B)/ && $3 !~ /__(pfx|cfi|odr_asan)/ { print $3 }'
	fi | LC_ALL=C sort -u
}

verify_exports() {
	ve_stock=$(mktemp)
	ve_built=$(mktemp)
	awk '$2 ~ /^_R/ { print $2 }' "$1/Module.symvers" | LC_ALL=C sort -u >"$ve_stock"
	rebuilt_exports "$2" >"$ve_built"
	ve_total=$(wc -l <"$ve_stock")
	ve_missing=$(LC_ALL=C comm -23 "$ve_stock" "$ve_built")
	ve_extra=$(LC_ALL=C comm -13 "$ve_stock" "$ve_built" | grep -c '^_R' || true)
	rm -f "$ve_stock" "$ve_built"
	[ "$ve_total" -gt 0 ] ||
		die "$1/Module.symvers exports no Rust symbol (_R...): nothing to check the rebuilt crates against"
	if [ -n "$ve_missing" ]; then
		die "the rebuilt crates do not export $(echo "$ve_missing" | wc -l) of the stock kernel's" \
			"$ve_total Rust symbols; the first: $(echo "$ve_missing" | head -n 1)" \
			"(another compiler build or a configuration drift): the metadata is not used"
	fi
	say "matched $ve_total of $ve_total Rust exports of the stock Module.symvers" \
		"(the rebuilt crates export $ve_extra Rust symbols more)"
}

# first_difference A B: the first line that is in one sorted file and not
# the other, with the file it is in.
first_difference() {
	LC_ALL=C comm -3 "$1" "$2" | head -n 1 | awk -v a="$3" -v b="$4" '
		/^\t/ { sub(/^\t/, ""); print "only " b ": " $0; next }
		{ print "only " a ": " $0 }'
}

verify_rustc_cfg() {
	vr_a=$(mktemp)
	vr_b=$(mktemp)
	LC_ALL=C sort "$1/include/generated/rustc_cfg" >"$vr_a"
	LC_ALL=C sort "$2/include/generated/rustc_cfg" >"$vr_b"
	vr_diff=$(first_difference "$vr_a" "$vr_b" "the stock tree's" "the rebuilt tree's")
	vr_n=$(wc -l <"$vr_a")
	rm -f "$vr_a" "$vr_b"
	[ -z "$vr_diff" ] || die "include/generated/rustc_cfg differs: $vr_diff"
	say "include/generated/rustc_cfg: the stock tree's $vr_n lines, the same"
}

verify_target() {
	vt_want=$(mktemp)
	# The rebuilt tree's generator, given the stock configuration on its
	# standard input (as scripts/Makefile runs it).
	$3 "$2/scripts/generate_rust_target" <"$1/include/config/auto.conf" >"$vt_want" ||
		die "scripts/generate_rust_target could not read $1/include/config/auto.conf"
	vt_diff=$(diff "$vt_want" "$2/scripts/target.json" | sed -n '2p')
	rm -f "$vt_want"
	[ -z "$vt_diff" ] || die "scripts/target.json is not the one the stock configuration gives: $vt_diff"
	say "scripts/target.json: as the stock configuration gives it"
}
