# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034 # sets state the other checks read
#
# Check 4: RUSTC is the compiler that built KDIR (rustc only loads metadata
# written by its exact self: E0514 otherwise). When it is not, say which
# generation each side belongs to and which compiler the tree needs. Sets
# RUSTC_OK.

# The rustc that built KDIR: prints "TEXT<TAB>where it is recorded".
expected_rustc() {
	local text path
	text=$(cfg RUSTC_VERSION_TEXT)
	if [ -n "$text" ]; then
		printf '%s\tCONFIG_RUSTC_VERSION_TEXT\n' "$text"
		return
	fi
	if [ -f "$KDIR/rust/libcore.rmeta" ]; then
		text=$(rmeta_rustc "$KDIR/rust/libcore.rmeta")
		if [ -n "$text" ]; then
			printf '%s\trust/libcore.rmeta\n' "$text"
			return
		fi
	fi
	path=$(toolchain_path "$KDIR")
	if [ -n "$path" ] && [ -x "$path/bin/rustc" ]; then
		printf '%s\trust-toolchain.toml\n' "$(run_version "$path/bin/rustc")"
	fi
}

# matching_rustcs TEXT: the compilers on this system whose version is TEXT,
# the ones KDIR's rust-toolchain.toml and its generation name first.
matching_rustcs() {
	local want=$1 c real seen=" " dir path
	local candidates=()
	path=$(toolchain_path "$KDIR")
	[ -z "$path" ] || candidates+=("$path/bin/rustc")
	[ -z "$GEN_CONF" ] || candidates+=("$KCONF_RUSTC")
	candidates+=(/usr/bin/rustc /usr/bin/rustc-*
		"${RUSTUP_HOME:-${HOME:-/nonexistent}/.rustup}"/toolchains/*/bin/rustc)
	local dirs
	IFS=: read -ra dirs <<<"$PATH"
	for dir in "${dirs[@]}"; do
		candidates+=("${dir:-.}/rustc")
	done
	for c in "${candidates[@]}"; do
		if [ ! -f "$c" ] || [ ! -x "$c" ]; then
			continue
		fi
		real=$(readlink -f "$c")
		case $seen in *" $real "*) continue ;; esac
		seen="$seen$real "
		# rustup's proxies choose a toolchain by folder: not a fixed compiler.
		[ "${real##*/}" != rustup ] || continue
		[ "$(run_version "$c")" != "$want" ] || echo "$c"
	done
}

# rustc_fix EXPECTED: the fix line for a wrong compiler.
rustc_fix() {
	local found first why='' path
	found=$(matching_rustcs "$1" | tr '\n' ' ')
	first=${found%% *}
	path=$(toolchain_path "$KDIR")
	if [ -n "$path" ] && [ "$first" = "$path/bin/rustc" ]; then
		why="KDIR's rust-toolchain.toml names it; "
	elif [ -n "$GEN_CONF" ] && [ "$(readlink -f "$first")" = "$(readlink -f "$KCONF_RUSTC")" ]; then
		why="the compiler of generation $GEN_LABEL, ${GEN_CONF#"$WS"/}; "
	fi
	if [ -n "$found" ]; then
		echo "fix: pass RUSTC=$first (${why}matching compilers here: ${found% })"
	elif [ -n "$GEN_CONF" ]; then
		echo "fix: no matching rustc on this system: install generation $GEN_LABEL's toolchain ($RUST_PACKAGES, see ${GEN_CONF#"$WS"/}; 'make deps') and pass RUSTC=$KCONF_RUSTC"
	else
		echo "fix: no matching rustc on this system: install '$1' and pass RUSTC=/path/to/it"
	fi
}

check_rustc() {
	local expected where actual
	IFS=$'\t' read -r expected where < <(expected_rustc) || true
	if ! command -v "$RUSTC" >/dev/null 2>&1; then
		doctor_problem "RUSTC=$RUSTC does not exist" \
			"fix: run 'make deps' (installs the workspace's rustc), or pass RUSTC=/path/to/the kernel's rustc"
		return
	fi
	actual=$(run_version "$RUSTC")
	if [ -z "${expected:-}" ]; then
		doctor_skip "rustc: KDIR records no rustc version (no CONFIG_RUSTC_VERSION_TEXT, rust/libcore.rmeta or rust-toolchain.toml); using $actual"
		return
	fi
	if [ "$actual" = "$expected" ]; then
		doctor_ok "rustc is the kernel's: $actual ($RUSTC)"
		! check_rmeta_agrees "$expected" || RUSTC_OK=1
		return
	fi
	local details=() have_gen want_gen=${GEN_LABEL:-} have_note='' want_note=''
	have_gen=$(rustc_generation "$actual")
	[ -z "$have_gen" ] || have_note=" [the compiler of generation $have_gen]"
	[ -z "$want_gen" ] || want_note=" [KDIR is a $want_gen tree]"
	details+=("RUSTC=$RUSTC is: ${actual:-(no version output)}$have_note")
	details+=("KDIR was built by: $expected (from $where)$want_note")
	if [ -n "$have_gen" ] && [ -n "$want_gen" ] && [ "$have_gen" != "$want_gen" ]; then
		details+=("generations mixed: a $want_gen tree with $have_gen's compiler; each generation has its own rustc (kernels/*.conf)")
	fi
	doctor_problem "rustc is not the one that built KDIR: modules would fail with E0514 (incompatible rustc)" \
		"${details[@]}" "$(rustc_fix "$expected")"
}

# The metadata must come from the same compiler as the config says; false
# when it does not.
check_rmeta_agrees() {
	local rmeta
	[ -f "$KDIR/rust/libcore.rmeta" ] || return 0
	rmeta=$(rmeta_rustc "$KDIR/rust/libcore.rmeta")
	if [ -n "$rmeta" ] && [ "$rmeta" != "$1" ]; then
		doctor_problem "KDIR's rust/libcore.rmeta was built by another rustc than its config records" \
			"rust/libcore.rmeta: $rmeta" \
			"config:             $1" \
			"fix: package rust/ again from the tree that was actually built (scripts/package-headers.sh)"
		return 1
	fi
}
