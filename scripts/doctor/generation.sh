# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034 # sets state the other checks read
#
# Check 1b: KDIR's kernel generation, its VERSION.PATCHLEVEL matched against
# the descriptions in kernels/*.conf, read through scripts/kernel-conf.sh
# (the workspace's one reader). The description names the Rust metadata a
# module build reads (RUST_METADATA, RUST_TARGET_SPEC) and the compiler of
# that generation (KCONF_RUSTC). Sets GEN_CONF, GEN_LABEL and the fields of
# KDIR's description.

# shellcheck source=scripts/kernel-conf.sh
. "$WS/scripts/kernel-conf.sh"

# gen_field LABEL NAME: NAME after loading generation LABEL, read in a
# subshell so that KDIR's own description stays loaded.
gen_field() {
	(
		kconf_load "$1" >/dev/null 2>&1 || exit 0
		eval "printf '%s\n' \"\${$2-}\""
	)
}

# known_series: "6.12, 6.1", for messages, newest first.
known_series() {
	local label
	for label in $(kconf_labels); do
		gen_field "$label" KERNEL_SERIES
	done | sort -t. -k1,1nr -k2,2nr | paste -sd, | sed 's/,/, /g'
}

# series_of_release RELEASE: 6.1.0-28-amd64 -> 6.1.
series_of_release() {
	if [[ $1 =~ ^([0-9]+)\.([0-9]+) ]]; then
		echo "${BASH_REMATCH[1]}.${BASH_REMATCH[2]}"
	fi
}

# kdir_series: VERSION.PATCHLEVEL of KDIR and where it was read, as
# "SERIES<TAB>SOURCE": include/config/kernel.release, else the VERSION and
# PATCHLEVEL lines of its Makefile.
kdir_series() {
	local s
	s=$(series_of_release "$KREL")
	if [ -n "$s" ]; then
		printf '%s\tinclude/config/kernel.release\n' "$s"
		return
	fi
	s=$(awk -F'[ \t]*=[ \t]*' '
		$1 == "VERSION" { v = $2 } $1 == "PATCHLEVEL" { p = $2 }
		END { if (v != "" && p != "") print v "." p }' "$KDIR/Makefile" 2>/dev/null)
	[ -z "$s" ] || printf '%s\tMakefile\n' "$s"
}

# rustc_generation VERSION_TEXT: the label of the generation whose compiler
# prints VERSION_TEXT, if one does.
rustc_generation() {
	local label rustc
	for label in $(kconf_labels); do
		rustc=$(gen_field "$label" KCONF_RUSTC)
		if [ -x "$rustc" ] && [ "$(run_version "$rustc")" = "$1" ]; then
			echo "$label"
			return
		fi
	done
}

check_generation() {
	local series from conf err
	IFS=$'\t' read -r series from < <(kdir_series) || true
	if [ -z "${series:-}" ]; then
		doctor_problem "KDIR's kernel version is unknown: no include/config/kernel.release, no VERSION/PATCHLEVEL in its Makefile" \
			"fix: pass KDIR=/path/to/a configured, built kernel tree"
		return
	fi
	conf=$(kconf_find "$series")
	if [ -z "$conf" ]; then
		doctor_problem "KDIR is a Linux $series tree (from $from): the workspace supports Linux $(known_series) only" \
			"(each generation is described in kernels/<series>.conf: its toolchain and Rust metadata; $series has none)" \
			"fix: pass KDIR=/path/to/a built tree of a supported generation ('make kernel' builds the workspace's)"
		return
	fi
	conf=${conf##*/}
	if ! err=$(kconf_load "${conf%.conf}" 2>&1); then
		doctor_problem "kernels/$conf, the description of KDIR's generation, cannot be read:" "$err" \
			"fix: correct kernels/$conf (fields as in the other kernels/*.conf)"
		return
	fi
	kconf_load "${conf%.conf}"
	GEN_CONF=$KCONF_FILE
	GEN_LABEL=$KERNEL_LABEL
	doctor_ok "KDIR is a Linux $series tree: generation $GEN_LABEL (kernels/$conf)"
}
