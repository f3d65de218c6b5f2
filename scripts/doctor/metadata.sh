# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Check 3: the Rust metadata an out-of-tree build reads from KDIR is there:
# the target spec and the files of RUST_METADATA, both named by KDIR's
# generation description (kernels/*.conf).

# Does Kbuild pass the target spec to rustc? 6.1 does on every architecture
# (top-level Makefile), 6.12 on x86 and UML (their arch Makefile).
needs_target_spec() {
	local arch='' mk
	[ "$(cfg X86)" = y ] && arch=x86
	[ "$(cfg UML)" = y ] && arch=um
	for mk in "$KDIR/Makefile" "$KDIR/arch/${arch:-none}/Makefile"; do
		[ ! -f "$mk" ] || ! grep -qF "$RUST_TARGET_SPEC" "$mk" || return 0
	done
	# A headers tree may only have an include stub as its Makefile.
	[ ! -f "$KDIR/arch/${arch:-none}/Makefile" ] && [ -n "$arch" ]
}

# debian_package_version: the Debian version of KDIR's headers package
# (include/generated/package.h: " Debian 7.3.4-1~bpo13+1"); fails when
# KDIR is no Debian build.
debian_package_version() {
	local v
	v=$(sed -n 's/^#define LINUX_PACKAGE_ID " *Debian \([^ "]*\)".*/\1/p' \
		"$KDIR/include/generated/package.h" 2>/dev/null)
	[ -n "$v" ] && echo "$v"
}

check_metadata() {
	if [ -z "$GEN_CONF" ]; then
		doctor_skip "Rust metadata: no description of KDIR's generation says which files to expect"
		return
	fi
	local f missing=() want=$RUST_METADATA n=0 list=''
	needs_target_spec && want="$RUST_TARGET_SPEC $want"
	for f in $want; do
		# The helpers' bitcode is linked into modules only with inline helpers.
		case $f in rust/helpers/*.bc) [ "$(cfg RUST_INLINE_HELPERS)" = y ] || continue ;; esac
		n=$((n + 1))
		list="$list${list:+, }$f"
		[ -f "$KDIR/$f" ] || missing+=("$f")
	done
	if [ ${#missing[@]} -eq 0 ]; then
		doctor_ok "Rust metadata present: $n files ($list)"
		check_metadata_origin
		return
	fi
	# A distribution's headers of a Rust-enabled kernel that ship none of
	# it (Debian's 7.x): rebuilt by make rust-metadata.
	if [ ! -d "$KDIR/rust" ] && debian_package_version >/dev/null; then
		doctor_problem "Rust is on in this kernel but its headers lack the Rust metadata: ${missing[*]}" \
			"(Debian $(debian_package_version)'s linux-headers package ships none of it; rustc fails with E0463 \"can't find crate\")" \
			"fix: make rust-metadata KDIR=$KDIR" \
			"     (rebuilds it from the same linux-source with the compiler the kernel names, checks it" \
			"     against the stock Module.symvers; then install build/rust-metadata/$KREL/*.deb, or copy" \
			"     build/rust-metadata/$KREL/files/ into KDIR)"
		return
	fi
	local why="the kernel's Rust build output is not in KDIR"
	[ -d "$KDIR/rust" ] || why="KDIR has no rust/ folder at all"
	doctor_problem "Rust metadata missing in KDIR: ${missing[*]}" \
		"($why; rustc fails with E0463 \"can't find crate\" or a missing target)" \
		"fix: package the headers with scripts/package-headers.sh (it copies $RUST_TARGET_SPEC and the Rust metadata)," \
		"     or point KDIR at the full build tree the kernel was built in"
}

# Metadata rebuilt by make rust-metadata records the kernel it was rebuilt
# for (scripts/rust-metadata/origin.sh): another release's, or one of
# another configuration, in these headers would build modules against
# another kernel's types and layouts without any error.
check_metadata_origin() {
	local origin=$KDIR/rust/$METADATA_ORIGIN for_release for_config release config what
	[ -f "$origin" ] || return 0
	for_release=$(origin_field "$origin" release)
	for_config=$(origin_field "$origin" config)
	release=$(cat "$KDIR/include/config/kernel.release" 2>/dev/null)
	config=$(sha256sum <"$KDIR/.config" 2>/dev/null | cut -d' ' -f1)
	if [ "$for_release" = "$release" ] && [ "$for_config" = "$config" ]; then
		doctor_ok "Rust metadata rebuilt for this kernel: $release and its .config (rust/$METADATA_ORIGIN)"
		return
	fi
	what="Linux $for_release"
	[ "$for_release" != "$release" ] ||
		what="$what with another .config (sha256 ${for_config:0:12}..., KDIR's ${config:0:12}...)"
	doctor_problem "KDIR's Rust metadata was rebuilt for $what, but KDIR is Linux $release" \
		"(rust/$METADATA_ORIGIN, Debian $(origin_field "$origin" version); modules would be built against that kernel's types)" \
		"fix: remove those files (or: dpkg -r linux-rust-metadata-$for_release), then make rust-metadata KDIR=$KDIR"
}
