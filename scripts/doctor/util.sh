# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Small readers shared by the doctor's checks: KDIR's config, versions, the
# compiler recorded in a .rmeta file or a rust-toolchain.toml.

# (The doctor runs before every build: its readers run one program at
# most, or none.)

# cfg NAME: the value of CONFIG_NAME in KDIR's config, quotes removed; empty
# when it is not set.
cfg() {
	sed -n "/^CONFIG_$1=/{s///;s/^\"\(.*\)\"\$/\1/;p;q;}" "$CONF" 2>/dev/null
}

# vnum VERSION: 1.2.3 -> 1002003, comparable as a number (each part's
# leading digits; a missing part is 0).
vnum() {
	local IFS=.
	# shellcheck disable=SC2086 # split at the dots
	set -- $1 0 0 0
	set -- "${1%%[!0-9]*}" "${2%%[!0-9]*}" "${3%%[!0-9]*}"
	printf '%d%03d%03d\n' "$((10#${1:-0}))" "$((10#${2:-0}))" "$((10#${3:-0}))"
}

# first_version TEXT: the first x.y.z in TEXT.
first_version() {
	if [[ $1 =~ [0-9]+\.[0-9]+\.[0-9]+ ]]; then
		echo "${BASH_REMATCH[0]}"
	fi
}

# run_version CMD: first line of `CMD --version` run from KDIR, as Kbuild
# would (a rustup proxy picks its toolchain from the current folder).
run_version() {
	(cd "$KDIR" 2>/dev/null || cd /; "$1" --version 2>/dev/null) | head -n 1 || true
}

# rmeta_rustc FILE: the rustc version string recorded in a .rmeta header
# ("rustc 1.96.0 (...)"), stored there with a one-byte length before it.
rmeta_rustc() {
	local off len
	off=$(head -c 1024 "$1" | LC_ALL=C grep -aboE 'rustc [0-9]+\.' | head -n 1 | cut -d: -f1 || true)
	[ -n "$off" ] && [ "$off" -gt 0 ] || return 0
	len=$(od -An -tu1 -j $((off - 1)) -N 1 "$1" | tr -d ' ')
	if [ "$len" -gt 0 ] && [ "$len" -lt 128 ]; then
		tail -c +$((off + 1)) "$1" | head -c "$len"
		echo
	fi
}

# toolchain_path DIR: the `path` of DIR/rust-toolchain.toml, if any.
toolchain_path() {
	sed -n 's/^path *= *"\(.*\)"[[:space:]]*$/\1/p' "$1/rust-toolchain.toml" 2>/dev/null | head -n 1
}
