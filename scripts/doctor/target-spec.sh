# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Check 4b: KDIR's Rust metadata was built for the target spec KDIR has now.
# rustc records a custom target as `target-<hash>` (the spec's file stem
# and a hash of its contents; before rustc 1.63, of its path) and only
# loads crates built for the same one. A target.json from another build or
# config (or, before 1.63, metadata moved to another folder) makes every
# module fail with E0461 "couldn't find crate `core` with expected target
# triple". Rather than reimplement rustc's hashing, the check asks the
# compiler: it builds a tiny `#![no_core]` crate that loads
# rust/libcore.rmeta the way Kbuild runs rustc (from KDIR, with
# --target=./SPEC): one rustc run, well under 0.1 s. Only when that fails
# does it ask for both triples (1.63 and 1.96 print them alike).

# probe_rustc TMP ARGS...: run RUSTC on a tiny crate from KDIR as Kbuild
# does; stderr in TMP/err.
probe_rustc() {
	local tmp=$1
	shift
	(cd "$KDIR" && RUSTC_BOOTSTRAP=1 "$RUSTC" -Zunstable-options --edition=2021 \
		--crate-type=lib --emit=metadata "$@") 2>"$tmp/err" >/dev/null
}

# found_triples TMP: "CRATE TRIPLE" for each crate rustc found with the
# wrong triple (the notes of E0461).
found_triples() {
	# shellcheck disable=SC2016 # backquotes of rustc's message, not an expansion
	sed -n 's/^.*crate `\([^`]*\)`, target triple \([^:]*\): .*$/\1 \2/p' "$1/err"
}

# spec_triples TMP: the triples rustc gives rust/libcore.rmeta and a crate
# built with KDIR's spec now: "CORE<TAB>NOW". Both crates are loaded by a
# crate for the host target, so rustc prints each as it records it.
spec_triples() {
	local tmp=$1 core now
	printf '#![feature(no_core)]\n#![no_core]\n' >"$tmp/spec.rs"
	probe_rustc "$tmp" --crate-name=ws_doctor_spec --target="./$RUST_TARGET_SPEC" \
		-o "$tmp/libws_doctor_spec.rmeta" "$tmp/spec.rs" || return 0
	printf '#![feature(no_core)]\n#![no_core]\nextern crate core;\nextern crate ws_doctor_spec;\n' >"$tmp/both.rs"
	probe_rustc "$tmp" --crate-name=ws_doctor_both -o "$tmp/libws_doctor_both.rmeta" \
		--extern core="$KDIR/rust/libcore.rmeta" \
		--extern ws_doctor_spec="$tmp/libws_doctor_spec.rmeta" "$tmp/both.rs" || true
	core=$(found_triples "$tmp" | awk '$1 == "core" { print $2; exit }')
	now=$(found_triples "$tmp" | awk '$1 == "ws_doctor_spec" { print $2; exit }')
	printf '%s\t%s\n' "$core" "$now"
}

check_target_spec() {
	local spec=$RUST_TARGET_SPEC core=rust/libcore.rmeta
	[ -n "$GEN_CONF" ] && [ -f "$KDIR/$spec" ] && [ -f "$KDIR/$core" ] || return 0
	if [ "$RUSTC_OK" = 0 ]; then
		doctor_skip "target spec: not checked, RUSTC is not the compiler that built KDIR (see above)"
		return
	fi
	local tmp rc=0
	tmp=$(mktemp -d)
	printf '#![feature(no_core)]\n#![no_core]\nextern crate core;\n' >"$tmp/probe.rs"
	probe_rustc "$tmp" --crate-name=ws_doctor_probe --target="./$spec" \
		--extern core="$KDIR/$core" -o "$tmp/libws_doctor_probe.rmeta" "$tmp/probe.rs" || rc=$?
	# rustc 1.8x+ also compares target modifiers: a kernel whose Rust is
	# built with -Zsanitizer (KASAN) has a core the plain probe may not mix
	# with. The triple matched then; ask again, allowing that one mismatch.
	local modifier
	# shellcheck disable=SC2016 # backquotes of rustc's message, not an expansion
	modifier=$(sed -n 's/^error: mixing `-Z\([a-z-]*\)` will cause an ABI mismatch.*$/\1/p' "$tmp/err" | head -n 1)
	if [ "$rc" != 0 ] && [ -n "$modifier" ]; then
		rc=0
		probe_rustc "$tmp" --crate-name=ws_doctor_probe --target="./$spec" \
			-Cunsafe-allow-abi-mismatch="$modifier" \
			--extern core="$KDIR/$core" -o "$tmp/libws_doctor_probe.rmeta" "$tmp/probe.rs" || rc=$?
	fi
	if [ "$rc" = 0 ]; then
		doctor_ok "$core was built for $spec as it is now (rustc loads it with --target=./$spec)"
	elif grep -q 'E0461' "$tmp/err"; then
		local was now
		IFS=$'\t' read -r was now < <(spec_triples "$tmp") || true
		doctor_problem "KDIR's Rust metadata was built for another target spec than its $spec: modules would fail with E0461 (couldn't find crate \`core\` with expected target triple)" \
			"$(printf '%-34s %s' "$core was built for:" "${was:-(unknown)}")" \
			"$(printf '%-34s %s' "$spec now yields:" "${now:-(unknown)}")" \
			"(rustc names a custom target by its file stem and a hash of its contents, before rustc 1.63 of its path:" \
			" a target spec from another build or config, or metadata moved to another folder)" \
			"fix: rebuild the kernel's Rust metadata with this $spec (make in the tree, with its toolchain; 'make kernel' for the workspace's)," \
			"     or restore the $spec the metadata was built with (package the headers again from the tree that built them: scripts/package-headers.sh)"
	else
		doctor_problem "rustc cannot build against KDIR's $spec and $core:" \
			"$(grep -m 3 -E '^error' "$tmp/err" || head -n 3 "$tmp/err")" \
			"fix: rebuild the kernel's Rust metadata with the kernel's own rustc ('make kernel' for the workspace's)"
	fi
	rm -rf "$tmp"
}
