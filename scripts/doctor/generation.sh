# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034 # sets state the other checks read
#
# KDIR's kernel generation: its VERSION.PATCHLEVEL matched against the
# descriptions in kernels/*.conf (sh files of plain assignments, see
# kernels/6.12.conf). The description names the Rust metadata a module
# build reads (RUST_METADATA, RUST_TARGET_SPEC) and the compiler of that
# generation (RUST_INSTALL, RUST_PREFIX).

KERNELS_DIR=${KERNELS_DIR:-$WS/kernels}

# conf_get FILE NAME: the value of NAME in description FILE (read in a
# subshell, so one description never leaks into another).
conf_get() {
	(
		# shellcheck disable=SC1090
		. "$1"
		eval "printf '%s\n' \"\${$2-}\""
	)
}

# generations: "SERIES FILE" for each description, newest series first.
generations() {
	local f
	for f in "$KERNELS_DIR"/*.conf; do
		[ -f "$f" ] || continue
		printf '%s %s\n' "$(conf_get "$f" KERNEL_SERIES)" "$f"
	done | sort -t. -k1,1nr -k2,2nr
}

# known_series: "6.12, 6.1", for messages.
known_series() {
	generations | awk '{ printf "%s%s", (NR > 1 ? ", " : ""), $1 }'
}

# conf_of_series SERIES: the description of that series, if any.
conf_of_series() {
	generations | awk -v s="$1" '$1 == s { print $2; exit }'
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

# gen_rustc CONF: the compiler that description installs.
gen_rustc() {
	local prefix
	prefix=$(conf_get "$1" RUST_PREFIX)
	case $(conf_get "$1" RUST_INSTALL) in
	private) echo "$BUILD_DIR/$prefix/bin/rustc" ;;
	*) echo "$prefix/bin/rustc" ;;
	esac
}

# gen_label CONF: "6.1" for kernels/6.1.conf.
gen_label() {
	conf_get "$1" KERNEL_LABEL
}

# rustc_generation VERSION_TEXT: the label of the generation whose compiler
# prints VERSION_TEXT, if one does.
rustc_generation() {
	local series conf rustc
	while read -r series conf; do
		rustc=$(gen_rustc "$conf")
		if [ -x "$rustc" ] && [ "$(run_version "$rustc")" = "$1" ]; then
			gen_label "$conf"
			return
		fi
	done < <(generations)
}

check_generation() {
	local series from
	IFS=$'\t' read -r series from < <(kdir_series) || true
	if [ -z "${series:-}" ]; then
		problem "KDIR's kernel version is unknown: no include/config/kernel.release, no VERSION/PATCHLEVEL in its Makefile" \
			"fix: pass KDIR=/path/to/a configured, built kernel tree"
		return
	fi
	GEN_CONF=$(conf_of_series "$series")
	if [ -z "$GEN_CONF" ]; then
		problem "KDIR is a Linux $series tree (from $from): the workspace supports Linux $(known_series) only" \
			"(each generation is described in kernels/<series>.conf: its toolchain and Rust metadata; $series has none)" \
			"fix: pass KDIR=/path/to/a built tree of a supported generation ('make kernel' builds the workspace's)"
		return
	fi
	GEN_LABEL=$(gen_label "$GEN_CONF")
	RUST_TARGET_SPEC=$(conf_get "$GEN_CONF" RUST_TARGET_SPEC)
	RUST_METADATA=$(conf_get "$GEN_CONF" RUST_METADATA)
	ok "KDIR is a Linux $series tree: generation $GEN_LABEL (${GEN_CONF#"$WS"/})"
}
