# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034 # sets state the other checks read
#
# Check 2: CONFIG_RUST=y in KDIR's config; when it is off, which of the
# `depends on` lines of `config RUST` were false, and why. Sets RUST_ON.

# Used when KDIR has no init/Kconfig (a headers-only tree): the usual
# `depends on` lines of `config RUST` in recent kernels (6.x).
USUAL_RUST_DEPENDS='HAVE_RUST
RUST_IS_AVAILABLE
!MODVERSIONS
!GCC_PLUGINS
!GCC_PLUGIN_RANDSTRUCT
!RANDSTRUCT
!DEBUG_INFO_BTF || (PAHOLE_HAS_LANG_EXCLUDE && !LTO)
!CFI_CLANG || HAVE_CFI_ICALL_NORMALIZE_INTEGERS_RUSTC
!KASAN_SW_TAGS'

# rust_depends KCONFIG: the `depends on` expressions of `config RUST`.
rust_depends() {
	awk '
		/^config RUST[ \t]*$/ { inside = 1; next }
		!inside { next }
		/^(config|menuconfig|choice|endchoice|menu|endmenu|if|endif|source|comment)([ \t]|$)/ { exit }
		{
			line = $0
			while (line ~ /\\$/ && (getline more) > 0)
				line = substr(line, 1, length(line) - 1) " " more
			sub(/#.*/, "", line)
			if (sub(/^[ \t]+depends on[ \t]+/, "", line)) {
				sub(/[ \t]+$/, "", line)
				print line
			}
		}' "$1"
}

# false_depends CONF: read Kconfig expressions on stdin, evaluate them with
# the values of CONF (n for unset), print each false one as
# "EXPR<TAB>SYM=value SYM=value...".
false_depends() {
	awk -f "$DOCTOR_DIR/kconfig-false.awk" "$1" -
}

# Why RUST_IS_AVAILABLE was false when the kernel was configured.
rustc_at_configure_time() {
	local ver
	ver=$(cfg RUSTC_VERSION)
	if [ -z "$ver" ] && ! grep -q '^# CONFIG_RUSTC_VERSION' "$CONF" 2>/dev/null &&
		[ "$(cfg RUST_IS_AVAILABLE)" != y ]; then
		# Before 6.11 the config records no rustc version, only this.
		echo "RUST_IS_AVAILABLE=n: Kconfig found no usable Rust toolchain at configure time (scripts/rust_is_available.sh failed)"
	elif [ "${ver:-0}" = 0 ]; then
		echo "rustc was missing at configure time (CONFIG_RUSTC_VERSION=${ver:-unset}): Kconfig found no usable Rust toolchain"
	else
		echo "rustc was found at configure time (CONFIG_RUSTC_VERSION=$ver)"
	fi
}

check_rust_config() {
	if [ "$(cfg RUST)" = y ]; then
		RUST_ON=1
		doctor_ok "CONFIG_RUST=y"
		return
	fi
	local details=() kconfig expr syms
	if [ "$(cfg HAVE_RUST)" != y ]; then
		doctor_problem "CONFIG_RUST is off in KDIR's config: this architecture/config has no HAVE_RUST" \
			"fix: use a kernel built for x86_64 (or another architecture with Rust support) with CONFIG_RUST=y"
		return
	fi
	kconfig=$KDIR/init/Kconfig
	[ -f "$kconfig" ] || kconfig=$KDIR/source/init/Kconfig
	local deps source
	if [ -f "$kconfig" ] && deps=$(rust_depends "$kconfig") && [ -n "$deps" ]; then
		source="$kconfig: config RUST"
	else
		deps=$USUAL_RUST_DEPENDS
		source="the usual ones, as KDIR has no init/Kconfig (a headers-only tree; not all apply to every version)"
	fi
	while IFS=$(printf '\t') read -r expr syms; do
		details+=("depends on $expr   [$syms]")
	done < <(printf '%s\n' "$deps" | false_depends "$CONF")
	details+=("$(rustc_at_configure_time)")
	local self_contained=()
	if [ "$(cfg CC_IS_GCC)" = y ] && [ "$(cfg X86_64)" = y ]; then
		# scripts/self-contained.sh: GCC-built x86_64 kernels.
		self_contained=("     or, without rebuilding it, modules that carry their own Rust support:" \
			"     make SELF_CONTAINED=1 KDIR=$KDIR (docs/debian-stock.md)")
	fi
	doctor_problem "CONFIG_RUST is off in KDIR's config (CONFIG_HAVE_RUST=y); false dependencies of RUST, from $source:" \
		"${details[@]}" \
		"fix: reconfigure that kernel with the options above changed (e.g. scripts/config --disable MODVERSIONS)" \
		"     and the rustc/bindgen it needs ('make rustavailable' there), 'make olddefconfig', check CONFIG_RUST=y, rebuild;" \
		"     or build against a Rust-enabled kernel ('make kernel' builds the workspace's);" \
		"${self_contained[@]}"
}
