#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make doctor: can Rust modules be built against KDIR with this toolchain,
# and can a given .ko load into the target kernel? One line per check:
#
#   doctor: ok   <what was checked>
#   doctor: PROBLEM <what is wrong>
#     <details>
#     fix: <what to do>
#
# Exit status 1 when any check found a problem, 0 otherwise.
#
# Input, from the environment (the top-level Makefile passes all of it):
#   KDIR           kernel tree to check (required)
#   DEFAULT_KDIR   the workspace's own kernel (only changes the advice given)
#   RUSTC          rustc that Kbuild would run (default: rustc)
#   BINDGEN        bindgen that modules would run (default: bindgen)
#   LIBCLANG_PATH  where bindgen loads libclang from (used as it is)
#   LLVM           LLVM= given to Kbuild: 1, -19 or /prefix/ (empty: gcc)
#
# Options:
#   --module FILE.ko   also check that module against the target kernel:
#                      vermagic and the Rust symbols it needs (repeatable)
#   --release STRING   target kernel release for --module (default: KDIR's
#                      include/config/kernel.release)
#   --quiet            print only problems (what runs before every build)
#
# It only reads files and runs `--version`-style queries, so it stays well
# under a second on a healthy tree.
set -eu

SELF=${0##*/}
QUIET=0
RELEASE=
MODULES=()
PROBLEMS=0
KDIR_OK=0
RUST_ON=0

KDIR=${KDIR:-}
DEFAULT_KDIR=${DEFAULT_KDIR:-}
RUSTC=${RUSTC:-rustc}
BINDGEN=${BINDGEN:-bindgen}
LLVM=${LLVM:-}

# The Rust metadata an out-of-tree module build of 6.12 reads from KDIR.
RUST_METADATA="rust/libcore.rmeta rust/libcompiler_builtins.rmeta
rust/libkernel.rmeta rust/libffi.rmeta rust/libbindings.rmeta
rust/libuapi.rmeta rust/libbuild_error.rmeta rust/libmacros.so"

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

usage() {
	if [ "${1:-0}" = 0 ]; then
		sed -n '3,/^set -eu/{/^set -eu/d;s/^# \{0,1\}//;p}' "$0"
	else
		echo "usage: $SELF [--quiet] [--module FILE.ko]... [--release STRING] (KDIR etc. from the environment; --help)" >&2
	fi
	exit "${1:-0}"
}

# --- output -----------------------------------------------------------------

ok() {
	[ "$QUIET" = 1 ] || printf 'doctor: ok   %s\n' "$1"
}

skip() {
	[ "$QUIET" = 1 ] || printf 'doctor: skip %s\n' "$1"
}

# problem SUMMARY [DETAIL...]: details are indented under the summary; the
# last ones are usually "fix: ...".
problem() {
	PROBLEMS=$((PROBLEMS + 1))
	printf 'doctor: PROBLEM %s\n' "$1"
	shift
	local line
	for line in "$@"; do
		printf '  %s\n' "$line"
	done
}

# --- small helpers ------------------------------------------------------------

# cfg NAME: the value of CONFIG_NAME in KDIR's config, quotes removed; empty
# when it is not set.
cfg() {
	sed -n "s/^CONFIG_$1=//p" "$CONF" 2>/dev/null | sed 's/^"\(.*\)"$/\1/' | head -n 1
}

# vnum VERSION: 1.2.3 -> 1002003, comparable as a number.
vnum() {
	echo "$1" | awk -F. '{ printf "%d%03d%03d\n", $1, $2, $3 }'
}

# first_version TEXT: the first x.y.z in TEXT.
first_version() {
	echo "$1" | grep -oE '[0-9]+\.[0-9]+\.[0-9]+' | head -n 1 || true
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

# --- 1. KDIR ------------------------------------------------------------------

kdir_advice() {
	if [ -n "$DEFAULT_KDIR" ] && [ "$KDIR" = "$DEFAULT_KDIR" ]; then
		echo "fix: the workspace's kernel is not built yet: run 'make kernel' (or pass KDIR=/path/to/a/built/tree)"
	else
		echo "fix: pass KDIR=/path/to/a configured, built kernel tree (with .config, include/config/auto.conf, Module.symvers), or use 'make kernel'"
	fi
}

# A Debian-style headers Makefile only includes another one by absolute path:
# prints that path when it does not exist.
broken_include() {
	local inc
	inc=$(sed -n 's/^include[[:space:]]\{1,\}\(\/[^[:space:]]*\)$/\1/p' "$KDIR/Makefile" 2>/dev/null | head -n 1)
	if [ -n "$inc" ] && [ ! -f "$inc" ]; then
		echo "$inc"
	fi
}

check_kdir() {
	if [ -z "$KDIR" ] || [ ! -d "$KDIR" ]; then
		problem "KDIR=${KDIR:-(unset)} does not exist" "$(kdir_advice)"
		return
	fi
	local f missing='' details=() inc
	for f in Makefile .config include/config/auto.conf Module.symvers scripts/Makefile.build; do
		[ -f "$KDIR/$f" ] || missing="$missing $f"
	done
	case $missing in *scripts/Makefile.build*)
		details+=("(a Debian headers tree gets scripts/ from the linux-kbuild-<version> package)") ;;
	esac
	inc=$(broken_include)
	if [ -n "$inc" ]; then
		missing="$missing $inc (included by KDIR/Makefile)"
		details+=("(a headers tree unpacked elsewhere than it was packaged for: install the package, or fix that include)")
	fi
	KREL=$(cat "$KDIR/include/config/kernel.release" 2>/dev/null || true)
	CONF=$KDIR/include/config/auto.conf
	[ -f "$CONF" ] || CONF=$KDIR/.config
	if [ -n "$missing" ]; then
		problem "KDIR=$KDIR is not a configured, prepared kernel tree: missing$missing" \
			"${details[@]}" "$(kdir_advice)"
	else
		ok "KDIR is a built kernel tree: $KDIR (${KREL:-no kernel.release})"
	fi
	# The other checks only need the config.
	[ ! -f "$KDIR/.config" ] || KDIR_OK=1
}

# --- 2. CONFIG_RUST -------------------------------------------------------------

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
	awk '
	function tokenize(s) {
		nt = 0
		while (s != "") {
			if (match(s, /^[ \t]+/)) { s = substr(s, RLENGTH + 1); continue }
			if (match(s, /^(&&|\|\||!=|<=|>=|[!()=<>])/) ||
			    match(s, /^"[^"]*"/) || match(s, /^[A-Za-z0-9_]+/)) {
				T[++nt] = substr(s, 1, RLENGTH)
			} else {
				RLENGTH = 1
				T[++nt] = substr(s, 1, 1)
			}
			s = substr(s, RLENGTH + 1)
		}
		T[nt + 1] = ""
		p = 1
	}
	function tri(v) { return v == "y" ? 2 : (v == "m" ? 1 : 0) }
	function term(t) {
		t = T[p++]
		if (t ~ /^"/) return substr(t, 2, length(t) - 2)
		if (t ~ /^-?[0-9]+$/ || t == "y" || t == "m" || t == "n") return t
		if (!(t in SEEN)) { SEEN[t] = 1; used = used " " t "=" ((t in V) ? V[t] : "n") }
		return (t in V) ? V[t] : "n"
	}
	function compare(a, op, b) {
		if (a ~ /^-?[0-9]+$/ && b ~ /^-?[0-9]+$/) { a += 0; b += 0 }
		else { a = a ""; b = b "" }
		if (op == "=") return a == b
		if (op == "!=") return a != b
		if (op == "<") return a < b
		if (op == "<=") return a <= b
		if (op == ">") return a > b
		return a >= b
	}
	function cmpx(a, op) {
		a = term()
		op = T[p]
		if (op ~ /^(=|!=|<|<=|>|>=)$/) { p++; return compare(a, op, term()) ? 2 : 0 }
		return tri(a)
	}
	function unary(v) {
		if (T[p] == "!") { p++; return 2 - unary() }
		if (T[p] == "(") { p++; v = orx(); p++; return v }
		return cmpx()
	}
	function andx(v, w) {
		v = unary()
		while (T[p] == "&&") { p++; w = unary(); if (w < v) v = w }
		return v
	}
	function orx(v, w) {
		v = andx()
		while (T[p] == "||") { p++; w = andx(); if (w > v) v = w }
		return v
	}
	NR == FNR {
		if (match($0, /^CONFIG_[A-Za-z0-9_]+=/)) {
			name = substr($0, 8, RLENGTH - 8)
			val = substr($0, RLENGTH + 1)
			gsub(/^"|"$/, "", val)
			V[name] = val
		}
		next
	}
	{
		split("", SEEN)
		used = ""
		tokenize($0)
		if (orx() == 0) print $0 "\t" substr(used, 2)
	}' "$1" -
}

# Why RUST_IS_AVAILABLE was false when the kernel was configured.
rustc_at_configure_time() {
	local ver
	ver=$(cfg RUSTC_VERSION)
	if [ "${ver:-0}" = 0 ]; then
		echo "rustc was missing at configure time (CONFIG_RUSTC_VERSION=${ver:-unset}): Kconfig found no usable Rust toolchain"
	else
		echo "rustc was found at configure time (CONFIG_RUSTC_VERSION=$ver)"
	fi
}

check_rust_config() {
	if [ "$(cfg RUST)" = y ]; then
		RUST_ON=1
		ok "CONFIG_RUST=y"
		return
	fi
	local details=() kconfig expr syms
	if [ "$(cfg HAVE_RUST)" != y ]; then
		problem "CONFIG_RUST is off in KDIR's config: this architecture/config has no HAVE_RUST" \
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
	problem "CONFIG_RUST is off in KDIR's config (CONFIG_HAVE_RUST=y); false dependencies of RUST, from $source:" \
		"${details[@]}" \
		"fix: reconfigure that kernel with the options above changed (e.g. scripts/config --disable MODVERSIONS)" \
		"     and the rustc/bindgen it needs ('make rustavailable' there), 'make olddefconfig', check CONFIG_RUST=y, rebuild;" \
		"     or build against a Rust-enabled kernel ('make kernel' builds the workspace's)"
}

# --- 3. Rust metadata -------------------------------------------------------------

# Does the architecture's Makefile pass scripts/target.json to rustc?
needs_target_json() {
	local arch=
	[ "$(cfg X86)" = y ] && arch=x86
	[ "$(cfg UML)" = y ] && arch=um
	if [ -f "$KDIR/arch/${arch:-none}/Makefile" ]; then
		grep -q 'target\.json' "$KDIR/arch/$arch/Makefile"
	else
		[ -n "$arch" ]
	fi
}

check_metadata() {
	local f missing=() want=$RUST_METADATA
	needs_target_json && want="scripts/target.json $want"
	for f in $want; do
		[ -f "$KDIR/$f" ] || missing+=("$f")
	done
	if [ ${#missing[@]} -eq 0 ]; then
		ok "Rust metadata present: $(echo "$want" | wc -w) files (scripts/target.json, rust/*.rmeta, rust/libmacros.so)"
		return
	fi
	local why="the kernel's Rust build output is not in KDIR"
	[ -d "$KDIR/rust" ] || why="KDIR has no rust/ folder at all"
	problem "Rust metadata missing in KDIR: ${missing[*]}" \
		"($why; rustc fails with E0463 \"can't find crate\" or a missing target)" \
		"fix: package the headers with scripts/package-headers.sh (it copies scripts/target.json and rust/*.rmeta, libmacros.so)," \
		"     or point KDIR at the full build tree the kernel was built in"
}

# --- 4. rustc ---------------------------------------------------------------------

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

# matching_rustcs TEXT: the compilers on this system whose version is TEXT.
matching_rustcs() {
	local want=$1 c real seen=" " dir path
	local candidates=(/usr/bin/rustc /usr/bin/rustc-*
		"${RUSTUP_HOME:-${HOME:-/nonexistent}/.rustup}"/toolchains/*/bin/rustc)
	path=$(toolchain_path "$KDIR")
	[ -z "$path" ] || candidates+=("$path/bin/rustc")
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

check_rustc() {
	local expected where actual
	IFS=$(printf '\t') read -r expected where < <(expected_rustc) || true
	if ! command -v "$RUSTC" >/dev/null 2>&1; then
		problem "RUSTC=$RUSTC does not exist" \
			"fix: run 'make deps' (installs the workspace's rustc), or pass RUSTC=/path/to/the kernel's rustc"
		return
	fi
	actual=$(run_version "$RUSTC")
	if [ -z "${expected:-}" ]; then
		skip "rustc: KDIR records no rustc version (no CONFIG_RUSTC_VERSION_TEXT, rust/libcore.rmeta or rust-toolchain.toml); using $actual"
		return
	fi
	if [ "$actual" = "$expected" ]; then
		ok "rustc is the kernel's: $actual ($RUSTC)"
		check_rmeta_agrees "$expected"
		return
	fi
	local found hint
	found=$(matching_rustcs "$expected" | tr '\n' ' ')
	if [ -n "$found" ]; then
		hint="fix: pass RUSTC=${found%% *} (matching compilers here: ${found% })"
	else
		hint="fix: no matching rustc on this system: install '$expected' (Debian's rustc-web for the workspace's kernel: 'make deps') and pass RUSTC=/path/to/it"
	fi
	problem "rustc is not the one that built KDIR: modules would fail with E0514 (incompatible rustc)" \
		"RUSTC=$RUSTC is: ${actual:-(no version output)}" \
		"KDIR was built by: $expected (from $where)" \
		"$hint"
}

# The metadata must come from the same compiler as the config says.
check_rmeta_agrees() {
	local rmeta
	[ -f "$KDIR/rust/libcore.rmeta" ] || return 0
	rmeta=$(rmeta_rustc "$KDIR/rust/libcore.rmeta")
	if [ -n "$rmeta" ] && [ "$rmeta" != "$1" ]; then
		problem "KDIR's rust/libcore.rmeta was built by another rustc than its config records" \
			"rust/libcore.rmeta: $rmeta" \
			"config:             $1" \
			"fix: package rust/ again from the tree that was actually built (scripts/package-headers.sh)"
	fi
}

# --- 5. bindgen, libclang, clang --------------------------------------------------

min_tool_version() {
	local script=$KDIR/scripts/min-tool-version.sh
	if [ -f "$script" ]; then
		sh "$script" "$1" 2>/dev/null || true
	fi
}

# The libclang version bindgen loads: from `--version --verbose`, else the
# way the kernel's rust_is_available.sh does it (a #pragma message).
bindgen_libclang() {
	local out tmp
	out=$("$BINDGEN" --version --verbose 2>/dev/null | sed -n 's/^Clang: .*clang version //p' || true)
	if [ -z "$out" ]; then
		tmp=$(mktemp --suffix=.h)
		echo '#pragma message("clang version " __clang_version__)' >"$tmp"
		out=$(LC_ALL=C "$BINDGEN" "$tmp" 2>&1 >/dev/null | sed -n 's/.*clang version //p' || true)
		rm -f "$tmp"
	fi
	first_version "$out"
}

check_bindgen() {
	if ! command -v "$BINDGEN" >/dev/null 2>&1; then
		problem "BINDGEN=$BINDGEN does not exist (modules with generated bindings need it)" \
			"fix: run 'make deps' (builds bindgen-cli into build/tools/), or pass BINDGEN=/path/to/bindgen"
		return
	fi
	local ver min libclang minclang kclang kclang_text errors=()
	ver=$(first_version "$("$BINDGEN" --version 2>/dev/null || true)")
	min=$(min_tool_version bindgen)
	libclang=$(bindgen_libclang)
	minclang=$(min_tool_version llvm)
	kclang=$(cfg CLANG_VERSION)
	if [ -z "$ver" ]; then
		errors+=("'$BINDGEN --version' prints no version")
	elif [ -n "$min" ] && [ "$(vnum "$ver")" -lt "$(vnum "$min")" ]; then
		errors+=("bindgen $ver is older than the kernel's minimum $min (scripts/min-tool-version.sh)")
	fi
	if [ -z "$libclang" ]; then
		errors+=("bindgen cannot load libclang (LIBCLANG_PATH=${LIBCLANG_PATH:-unset})")
	elif [ -n "$minclang" ] && [ "$(vnum "$libclang")" -lt "$(vnum "$minclang")" ]; then
		errors+=("libclang $libclang is older than the kernel's minimum $minclang")
	fi
	if [ "${kclang:-0}" != 0 ]; then
		kclang_text=$((kclang / 10000)).$((kclang / 100 % 100)).$((kclang % 100))
		if [ -n "$libclang" ] && [ "${libclang%%.*}" != "$((kclang / 10000))" ]; then
			errors+=("libclang $libclang is not the kernel's clang $kclang_text (CONFIG_CLANG_VERSION=$kclang)")
		fi
	fi
	if [ ${#errors[@]} -gt 0 ]; then
		problem "bindgen/libclang do not fit KDIR" "${errors[@]}" \
			"fix: use bindgen >= ${min:-the minimum of the kernel} and LIBCLANG_PATH=/usr/lib/llvm-<the kernel's clang major>/lib"
		return
	fi
	local vs=
	[ -z "${kclang_text:-}" ] || vs=" (the kernel's clang: $kclang_text)"
	ok "bindgen $ver (kernel minimum ${min:-unknown}), libclang $libclang$vs"
}

# The C compiler Kbuild runs for a clang-built tree, from LLVM=.
check_clang() {
	local kclang major cc ver
	kclang=$(cfg CLANG_VERSION)
	if [ "${kclang:-0}" = 0 ]; then
		skip "clang: KDIR was not built with clang (C compiler: $(cfg CC_VERSION_TEXT))"
		return
	fi
	major=$((kclang / 10000))
	# As the kernel's Makefile reads LLVM: any value but a prefix (ending
	# in /) or a suffix (starting with -) means plain clang, even LLVM=0.
	case $LLVM in
	'')
		problem "KDIR was built with clang $major but LLVM is not set: Kbuild would use gcc" \
			"fix: pass LLVM=1 (the Makefile then picks /usr/lib/llvm-$major/bin/ when needed)"
		return ;;
	-*) cc=clang$LLVM ;;
	*/) cc=${LLVM}clang ;;
	*) cc=clang ;;
	esac
	ver=$("$cc" -dumpversion 2>/dev/null || true)
	if [ -z "$ver" ]; then
		problem "LLVM=$LLVM runs $cc, which does not exist" \
			"fix: install clang-$major (make deps) or pass LLVM=/usr/lib/llvm-$major/bin/"
	elif [ "${ver%%.*}" != "$major" ]; then
		problem "LLVM=$LLVM runs $cc $ver, but KDIR was built with clang $major (CONFIG_CLANG_VERSION=$kclang)" \
			"fix: pass LLVM=/usr/lib/llvm-$major/bin/ (or LLVM=-$major)"
	else
		ok "clang $ver ($cc, LLVM=$LLVM) matches the kernel's (CONFIG_CLANG_VERSION=$kclang)"
	fi
}

# --- 6. --out-dir -------------------------------------------------------------------

check_out_dir() {
	local mb=$KDIR/scripts/Makefile.build
	[ -f "$mb" ] || return 0
	if grep -v '^[[:space:]]*#' "$mb" | grep -q -- '--out-dir'; then
		ok "scripts/Makefile.build passes --out-dir to rustc"
	elif [ -w "$KDIR" ]; then
		ok "scripts/Makefile.build lacks --out-dir, but KDIR is writable (rustc leaves its temporaries there)"
	else
		problem "KDIR's scripts/Makefile.build lacks --out-dir and KDIR is not writable by $(id -un)" \
			"rustc runs in KDIR and creates its temporary files there: the build fails with 'Permission denied'" \
			"fix: patch that tree with scripts/patch-out-dir.sh KDIR (as its owner), or use a writable copy of the tree"
	fi
}

# --- 7, 8. a .ko against the target kernel -------------------------------------------

check_vermagic() {
	local ko=$1 name=${1##*/} vermagic modrel
	vermagic=$(modinfo -F vermagic "$ko" 2>/dev/null || true)
	vermagic=${vermagic% }
	modrel=${vermagic%% *}
	if [ -z "$RELEASE" ]; then
		skip "$name vermagic: no target release (no --release, no KDIR kernel.release)"
	elif [ -z "$modrel" ]; then
		problem "$name has no vermagic: not a kernel module?" "fix: rebuild it with 'make'"
	elif [ "$modrel" != "$RELEASE" ]; then
		problem "$name was built for $modrel, not for the target kernel $RELEASE: insmod fails with 'Invalid module format'" \
			"vermagic: $vermagic" \
			"fix: build it against that kernel's tree: make KDIR=/path/to/the $RELEASE build (or its headers)"
	else
		ok "$name vermagic matches release $RELEASE ($vermagic)"
	fi
}

# The Rust symbols a module needs from the kernel (v0-mangled, __rust_*).
rust_imports() {
	local nm
	nm=$(command -v nm || command -v llvm-nm || echo "${LLVM%/}/llvm-nm")
	"$nm" -u "$1" 2>/dev/null | awk '$2 ~ /^(_R|__rust)/ { print $2 }' | sort -u
}

check_rust_symbols() {
	local ko=$1 name=${1##*/} needed missing count
	local symvers=$KDIR/Module.symvers
	[ -f "$symvers" ] || return 0
	needed=$(rust_imports "$ko")
	if [ -z "$needed" ]; then
		ok "$name needs no Rust symbols from the kernel"
		return
	fi
	missing=$(awk 'NR == FNR { have[$2] = 1; next } !($1 in have)' "$symvers" - <<<"$needed")
	count=$(echo "$needed" | wc -l)
	if [ -z "$missing" ]; then
		ok "$name: the $count Rust symbols it needs are exported (Module.symvers)"
		return
	fi
	local first nmiss has_rust
	first=$(echo "$missing" | head -n 1)
	nmiss=$(echo "$missing" | wc -l)
	has_rust=$(awk '$2 ~ /^(_R|__rust)/ { n++ } END { print n + 0 }' "$symvers")
	if [ "$has_rust" = 0 ]; then
		problem "$name needs $nmiss Rust symbols (e.g. $first) that KDIR's Module.symvers does not export:" \
			"the target kernel was built without Rust (CONFIG_RUST=${RUST_CFG:-n}, no Rust symbol in Module.symvers); insmod fails with 'Unknown symbol'" \
			"fix: boot and build against a kernel with CONFIG_RUST=y ('make kernel' builds the workspace's)"
	else
		problem "$name needs $nmiss of its $count Rust symbols (e.g. $first) that KDIR's Module.symvers does not export:" \
			"the target kernel has Rust, but from another build (Rust symbol names carry a hash of the kernel crate)" \
			"fix: rebuild the module against exactly the target kernel's tree"
	fi
}

check_module() {
	if [ ! -f "$1" ]; then
		problem "module $1 does not exist" "fix: build it first ('make')"
		return
	fi
	check_vermagic "$1"
	[ "$KDIR_OK" = 0 ] || check_rust_symbols "$1"
}

# --- main ---------------------------------------------------------------------------

parse_args() {
	while [ $# -gt 0 ]; do
		case $1 in
		--module) [ $# -ge 2 ] || usage 2; MODULES+=("$2"); shift ;;
		--release) [ $# -ge 2 ] || usage 2; RELEASE=$2; shift ;;
		--quiet) QUIET=1 ;;
		-h | --help) usage 0 ;;
		*) echo "$SELF: unknown argument '$1'" >&2; usage 2 ;;
		esac
		shift
	done
}

main() {
	parse_args "$@"
	KREL=
	CONF=/nonexistent
	if [ -d "$KDIR" ]; then
		KDIR=$(cd "$KDIR" && pwd)
	fi
	check_kdir
	if [ "$KDIR_OK" = 1 ]; then
		RUST_CFG=$(cfg RUST)
		check_rust_config
		if [ "$RUST_ON" = 1 ]; then
			check_metadata
			check_rustc
			check_bindgen
			check_clang
			check_out_dir
		else
			skip "Rust metadata, rustc, bindgen, clang, --out-dir: KDIR has no Rust support"
		fi
	fi
	[ -n "$RELEASE" ] || RELEASE=$KREL
	local ko
	for ko in "${MODULES[@]}"; do
		check_module "$ko"
	done
	if [ "$PROBLEMS" -gt 0 ]; then
		printf 'doctor: %d problem(s) with KDIR=%s\n' "$PROBLEMS" "$KDIR"
		exit 1
	fi
}

main "$@"
