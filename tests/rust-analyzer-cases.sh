#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# `make rust-analyzer`, checked with a real rust-analyzer (make check):
#
# 1. Debian's packaged rust-analyzer (scripts/install-deps.sh
#    --rust-analyzer: Debian 13's backports, in a root filesystem under
#    build/envs, run through build/tools/bin/rust-analyzer) runs;
# 2. for each kernel generation of KERNELS, in a copy of the sources (the
#    workspace's own module folders are left alone): `make rust-analyzer`
#    against the workspace's kernel of that generation writes
#    rust-project.json, rust-analyzer loads it, and in every crate of the
#    workspace (each module, each test program) `rust-analyzer diagnostics`
#    reports no error: no unresolved name, import, module or macro (nor a
#    type error), and every crate it should have is there (each Rust
#    module's crate roots, each test program's, found by scripts/modules.sh);
# 3. on the default generation, a module made to import an item the kernel
#    crate does not have: reported as an unresolved import, at its line,
#    the only error of its crate (in the same analysis as 2: a second one
#    of the 7.3 project took 15 s of CPU).
#
# Prints result lines (tests/lib/ktap.sh); run through the Makefile.
set -eu
WS_TAG=rust-analyzer
# shellcheck source=scripts/lib.sh
. "$WS/scripts/lib.sh"
# shellcheck source=scripts/kernel-conf.sh
. "$WS/scripts/kernel-conf.sh"

# The physical path: rust-project.json names files by theirs (a build/
# that links elsewhere would not match them otherwise).
D=$BUILD_DIR/rust-analyzer-check
mkdir -p "$D"
D=$(cd -P "$D" && pwd)
PACKAGED_RA=$BUILD_DIR/tools/bin/rust-analyzer
RA=$PACKAGED_RA

# On a host whose own release has a rust-analyzer of the test programs'
# compiler (Debian 13: the generation that builds them, 7.3, installs
# rust-analyzer 1.85.1 beside rustc 1.85.1), that one checks the crates
# it has no own rust-analyzer for: a newer one cannot load that
# compiler's library or proc-macro server. Else Debian's packaged
# rust-analyzer of Debian 13's backports (1.98, for the programs' rustc
# 1.96 on Debian 12), in its root filesystem.
set -o pipefail
kconf_load "$(kconf_host_generation)" || exit 1
HOST_RA=""
if kconf_rust_package rust-analyzer && [ -x "$KCONF_RUST_PREFIX/bin/rust-analyzer" ]; then
	HOST_RA=$KCONF_RUST_PREFIX/bin/rust-analyzer
	RA=$HOST_RA
	status=/var/lib/dpkg/status
else
	# The environment's progress lines (once, on a first run) go to file
	# descriptor PROGRESS_FD (make check: the terminal), default stderr.
	if ! "$WS/scripts/install-deps.sh" --rust-analyzer 2>&1 | tee "$D/install.log" >&"${PROGRESS_FD:-2}"; then
		not_ok "rust-analyzer: Debian's rust-analyzer is installed" "see $D/install.log"
		tail -n 5 "$D/install.log" | diag_lines
		exit 0
	fi
	status=$BUILD_DIR/envs/rust-analyzer/var/lib/dpkg/status
fi
# Which release it is: its own word, and the package's version in the
# dpkg database it was installed into.
package=$(awk '/^Package: rust-analyzer$/ { p = 1 } p && /^Version: / { print $2; exit }' \
	"$status" 2>/dev/null || true)
if ! out=$("$RA" --version 2>&1); then
	not_ok "rust-analyzer: Debian's rust-analyzer runs" "$out"
	exit 0
fi
ok "rust-analyzer: Debian's rust-analyzer runs ($out, package ${package:-of unknown version})"

# analyse SRC: `rust-analyzer diagnostics` on SRC/rust-project.json into
# SRC.diagnostics; fails when it did not complete its scan (it also exits
# non-zero when it found an error, which is what the callers look at).
# (`rust-analyzer unresolved-references` would list unresolved names
# only, but it panicked in the crates.io release 0.0.349 this suite used
# before, "no db attached"; `diagnostics` reports
# every unresolved name, import, module and macro as an error.)
# Its progress line is drawn with backspaces on the same output as the
# diagnostics: what comes before a line's last backspace is dropped.
# An older rust-analyzer (1.85, the environment's on 7.3) prints a
# "processing crate: C, module: FILE" line and then that file's
# diagnostics without their file: they are given the newer format, "at
# crate C, file FILE: Error ...", which errors() reads.
analyse() {
	{ "$RA" diagnostics "$1" 2>"$1.diagnostics.log" || true; } |
		sed 's/.*\x08//' |
		awk '/^processing crate: [^,]*, module: / {
			crate = $3; sub(/,$/, "", crate); file = $0
			sub(/^processing crate: [^,]*, module: /, "", file)
			print; next
		}
		/^(Error|Warning|WeakWarning) / && file != "" { print "at crate " crate ", file " file ": " $0; next }
		{ print }' >"$1.diagnostics"
	grep -qx 'diagnostic scan complete' "$1.diagnostics"
}

# errors SRC FILE...: the errors rust-analyzer reported in FILEs (relative
# to SRC), one per line: "FILE:LINE:COL: CODE: MESSAGE", lines and columns
# from 1 (rust-analyzer prints them from 0).
errors() {
	e_src=$1
	shift
	# One grep for all the files (a pattern each), then one sed.
	for e_file in "$@"; do
		echo "file $e_src/$e_file: Error "
	done >"$e_src.patterns"
	{ grep -F -f "$e_src.patterns" "$e_src.diagnostics" || true; } |
		sed -E "s|^at crate [^,]*, file $e_src/([^:]*): Error ([^ ]+) from LineCol \{ line: ([0-9]+), col: ([0-9]+) \} to LineCol \{[^}]*\}: |\1 \3 \4 \2 |" |
		while read -r file line col code message; do
			# A line of another format (a code with a space in it): as it is.
			case $line$col in
			'' | *[!0-9]*) echo "$file $line $col $code $message" ;;
			*) echo "$file:$((line + 1)):$((col + 1)): $code: $message" ;;
			esac
		done
}

# crate_files SRC ROOT: the files of the crate whose root is ROOT (relative
# to SRC, as the result): the .rs files of its folder and below, and those
# its files name with #[path = ".."] (modules/common, tests/lib/rust...),
# with the folder of a named mod.rs; generated files left out. (A few
# processes per round of #[path] files, not per file.)
crate_files() {
	(
		cd "$1"
		files=$(find "$(dirname "$2")" -name '*.rs' ! -name bindings_generated.rs | sort)
		while :; do
			# "FILE:REL" for each #[path = "REL"] of the files, then the
			# path each names, relative to SRC.
			# shellcheck disable=SC2086 # paths without spaces
			named=$(grep -H -o '#\[path = "[^"]*"\]' $files /dev/null |
				sed 's|^\([^:]*\):#\[path = "\([^"]*\)"\]$|\1 \2|' |
				while read -r f rel; do echo "${f%/*}/$rel"; done)
			more=""
			if [ -n "$named" ]; then
				# shellcheck disable=SC2086 # paths without spaces
				named=$(realpath -m --relative-to=. $named)
				more=$named
				for n in $named; do
					[ "${n##*/}" != mod.rs ] || more="$more
$(find "${n%/*}" -name '*.rs')"
				done
			fi
			all=$(printf '%s\n%s\n' "$files" "$more" | grep . | sort -u)
			[ "$all" != "$files" ] || break
			files=$all
		done
		echo "$files"
	)
}

EXPECTED_CRATES=$(
	for m in $(modules_in --rust); do
		modules_crate_roots "$m"
	done
	# shellcheck disable=SC2046 # paths without spaces
	modules_program_roots $(modules_program_builds) "$WS/tests/bench/build.sh"
)

for k in $KERNELS; do
	kconf_load "$k" || exit 1
	KTAP_PREFIX="rust-analyzer [$k]: "
	# A generation whose packages include its own rust-analyzer (of its
	# compiler's release: scripts/rust-analyzer.sh describes the project
	# for it) is checked by that one: in its Debian environment, or the
	# host's when the host is that release.
	RA=${HOST_RA:-$PACKAGED_RA}
	if kconf_rust_package rust-analyzer; then
		RA=$KCONF_RUST_PREFIX/bin/rust-analyzer
		if ! out=$("$RA" --version 2>&1); then
			not_ok "the generation's own rust-analyzer runs" "$out"
			continue
		fi
		ok "the generation's own rust-analyzer runs ($out)"
	fi
	# The copy is kept from one run to the next (sync_sources): make
	# rust-analyzer's module build then rebuilds only what changed since.
	src=$D/$k/src
	sync_sources "$src" tests
	t0=$(now)
	if ! make -C "$src" BUILD_DIR="$BUILD_DIR" KDIR="$KCONF_KDIR" \
		RUST_PROJECT="$src/rust-project.json" rust-analyzer >"$D/$k/make.log" 2>&1; then
		not_ok "make rust-analyzer writes rust-project.json" "see $D/$k/make.log"
		tail -n 5 "$D/$k/make.log" | diag_lines
		continue
	fi
	roots=$(python3 -c 'import json, sys
for c in json.load(open(sys.argv[1]))["crates"]:
    if c["is_workspace_member"]: print(c["root_module"])' "$src/rust-project.json" |
		sed "s|^$src/||" | sort)
	ok "make rust-analyzer writes rust-project.json ($(echo "$roots" | wc -l) workspace crates: $(echo "$roots" | xargs -n1 basename | tr '\n' ' ' | sed 's/ $//'))"
	# On the default generation, a broken import in a module (the first
	# Rust module's crate root), in the same analysis: it must be reported
	# at its line, and be the only error of its crate.
	broken="" line=""
	if [ "$k" = "$(basename "$DEFAULT_KDIR" | sed 's/^linux-//')" ]; then
		broken=$(modules_crate_roots "$(modules_in --rust | head -n 1)" | head -n 1)
		echo 'use kernel::ws_no_such_item;' >>"$src/$broken"
		line=$(wc -l <"$src/$broken")
	fi
	if ! analyse "$src"; then
		not_ok "rust-analyzer loads the project and analyses it" "see $src.diagnostics.log"
		tail -n 5 "$src.diagnostics.log" | diag_lines
		continue
	fi
	ok "rust-analyzer loads the project and analyses it ($(($(now) - t0)) s with the build)"
	# Every expected crate is in it: each Rust module's crate roots (the
	# objects its Kbuild names), each test program (what the build.sh
	# scripts build), found as scripts/modules.sh finds them.
	missing=$(for expected in $EXPECTED_CRATES; do
		grep -qx "$expected" <<<"$roots" || echo "$expected"
	done)
	result "the project has every module's and test program's crate ($(echo "$EXPECTED_CRATES" | grep -c .))" \
		"not among its workspace crates: $(echo "$missing" | paste -sd' ')" \
		test -n "$EXPECTED_CRATES" -a -z "$missing"
	injected=""
	for root in $roots; do
		mapfile -t files < <(crate_files "$src" "$root")
		found=$(errors "$src" "${files[@]}")
		name="$root: no unresolved name, import, module or macro, no error (${#files[@]} files)"
		if [ -n "$broken" ] && printf '%s\n' "${files[@]}" | grep -qxF "$broken"; then
			name="$root: no unresolved name, import, module or macro, no error but the broken import (${#files[@]} files)"
			injected=$(grep "^$broken:$line:[0-9]*: RustcHardError(\"E0432\"): unresolved import" <<<"$found" || true)
			[ -z "$injected" ] || found=$(grep -vxF "$injected" <<<"$found" || true)
		fi
		if [ -z "$found" ]; then
			ok "$name"
		else
			not_ok "$name" "$(echo "$found" | wc -l) errors"
			echo "$found" | head -n 10 | diag_lines
		fi
	done
	[ -n "$broken" ] || continue
	name="a broken import (use kernel::ws_no_such_item at $broken:$line) is reported"
	if [ -n "$injected" ]; then
		ok "$name"
	else
		not_ok "$name" "no unresolved import (E0432) at that line"
		errors "$src" "$broken" | head -n 5 | diag_lines
	fi
done
