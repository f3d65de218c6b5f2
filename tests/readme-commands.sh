#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The README's commands, kept true (make check, through
# tests/workspace-checks.sh). Every command line of README.md's ```sh
# blocks is either run here, in the README's order, and what the README
# says of it checked, or named in NOT_RUN below with the reason; a README
# command that is neither fails, and so does an entry of either table that
# the README no longer has. The commands run as written, in a fresh
# environment (a user's shell, not make check's), in a scratch copy of the
# sources (build/readme/src, its build/ linking the workspace's kernel and
# tools), with the README's example paths (/path/to/linux, /tmp/...)
# replaced by the workspace's kernel and scratch folders. One module build
# against the workspace's kernel, no VM boot.
#
# Then the links: each relative link of README.md and docs/*.md names an
# existing file (and, with #anchor, one of its headings), and README.md
# links every docs/*.md.
#
# Prints result lines (tests/lib/ktap.sh); run through the Makefile.
set -eu
WS_TAG=readme
# shellcheck source=scripts/lib.sh
. "$WS/scripts/lib.sh"
# shellcheck source=scripts/kernel-conf.sh
. "$WS/scripts/kernel-conf.sh"
KTAP_PREFIX="readme: "

README=$WS/README.md
D=$BUILD_DIR/readme
SRC=$D/src
LABEL=$(sed -n 's/^DEFAULT_KERNEL *:= *//p' "$WS/Makefile")
kconf_load "$LABEL" || exit 1
KDIR_WS=$KCONF_KDIR

# The README's commands deliberately not run here, and why.
declare -A NOT_RUN=(
	["make run"]="boots QEMU; make check runs the same VM tests, at make run FULL=1's depth"
	["make run FULL=1"]="boots QEMU; make check runs the same VM tests, at this depth"
	["make check"]="this test is part of make check"
	["make SELF_CONTAINED=1"]="builds the running kernel's Rust support from its linux-source (minutes, 1.8 GiB); tests/stock-cases.sh runs make SELF_CONTAINED=1 against Debian's stock headers"
	["make KDIR=/tmp/linux-headers-rust"]="a second full module build; tests/headers-cases.sh (make check's host checks) runs this build against a tree packaged by make headers' script, as an unprivileged user, the tree read-only"
)

# The README's commands run here: the function that runs and checks each.
declare -A RUN=(
	["make"]=check_make
	["make LLVM=1 KDIR=/path/to/linux"]=check_make
	["make LLVM=1 KDIR=build/linux-$LABEL"]=check_make
	["make modules_install INSTALL_MOD_PATH=/tmp/root"]=check_modules_install
	["make clean"]=check_clean
	["make doctor"]=check_doctor
	["make help"]=check_help
	["make headers DEST=/tmp/linux-headers-rust"]=check_headers
	["mkdir modules/greet tests/modules/greet"]=check_step
	["sed 's/hello/greet/g' modules/hello/hello.rs >modules/greet/greet.rs"]=check_step
	["echo 'obj-m := greet.o' >modules/greet/Kbuild"]=check_step
	["echo 'obj-m += modules/greet/' >>Kbuild"]=check_step
	["sed 's/hello/greet/g' tests/modules/hello/guest.sh >tests/modules/greet/guest.sh"]=check_step
)

# readme_commands: the command lines of README.md's ```sh blocks, one per
# line, without their comments (from a blank before `#` on) and without
# the lines that are only a comment.
readme_commands() {
	awk '
	/^```/ { insh = ($0 == "```sh"); next }
	insh {
		sub(/[ \t]+#.*/, ""); sub(/^#.*/, ""); sub(/[ \t]+$/, "")
		if ($0 != "") print
	}' "$README"
}

# in_copy COMMAND...: COMMAND run in the scratch copy as from a user's
# shell: none of make check's variables in the environment.
in_copy() {
	(cd "$SRC" && env -i HOME="${HOME:-/}" PATH="$PATH" LC_ALL=C ${TMPDIR:+TMPDIR="$TMPDIR"} "$@")
}

# run LINE: the command line LINE run in the scratch copy (in_copy), its
# output in OUT and in $D/logs/N.log; sets STATUS.
RUN_N=0
run() {
	RUN_N=$((RUN_N + 1))
	LOG=$D/logs/$RUN_N.log
	printf '$ %s\n' "$1" >"$LOG"
	STATUS=0
	in_copy sh -c "$1" >>"$LOG" 2>&1 || STATUS=$?
	OUT=$(tail -n +2 "$LOG")
}

# failed NAME: a not ok line for NAME with the exit status, the log and
# its last lines.
failed() {
	not_ok "$1" "exit status $STATUS, see $LOG"
	tail -n 5 "$LOG" | diag_lines
}

# modules_built: the .ko files the scratch copy's Kbuild files name,
# relative to it (the folders the top-level Kbuild lists, the object
# their Kbuild names: modules_listed, scripts/modules.sh).
modules_built() {
	WS=$SRC modules_listed | while read -r dir name; do
		echo "$dir/$name.ko"
	done
}

# built_for KDIR: every module's .ko exists and its vermagic is KDIR's
# release; prints what is wrong, nothing when all is right.
built_for() {
	bf_release=$(cat "$1/include/config/kernel.release")
	for bf_ko in $(modules_built); do
		if [ ! -f "$SRC/$bf_ko" ]; then
			echo "$bf_ko: not built"
		elif ! modinfo -F vermagic "$SRC/$bf_ko" | grep -q "^$bf_release "; then
			echo "$bf_ko: vermagic $(modinfo -F vermagic "$SRC/$bf_ko"), not $bf_release"
		fi
	done
}

# remove_modules: the .ko files gone, so that a build must make them again
# (Kbuild relinks them from the objects it has).
remove_modules() {
	for rm_ko in $(modules_built); do
		rm -f "$SRC/$rm_ko"
	done
}

# check_make LINE: `make` with no KDIR builds every module against the
# running kernel's tree when it has Rust, else the workspace's kernel, and
# says which in one line; with KDIR=/path/to/linux ("your own
# Rust-enabled kernel build": here the workspace's kernel), against that
# tree.
check_make() {
	local line=${1//\/path\/to\/linux/$KDIR_WS} kdir want why
	remove_modules
	run "$line"
	if [ "$STATUS" -ne 0 ]; then
		failed "$1: builds the modules"
		return
	fi
	case "$line" in
	*KDIR=*)
		kdir=$KDIR_WS
		why="KDIR=$kdir"
		;;
	*)
		kdir=$(printf '%s\n' "$OUT" | sed -n 's/^make: KDIR=\([^:]*\): .* (KDIR=\.\.\. picks another)$/\1/p')
		local running
		running=/lib/modules/$(uname -r)/build
		if grep -sqx CONFIG_RUST=y "$running/include/config/auto.conf"; then
			want=$running
		else
			want=$SRC/build/linux-$LABEL
		fi
		if [ "$kdir" != "$want" ]; then
			not_ok "$1: picks the running kernel's tree if it has Rust, else build/linux-$LABEL, and says so" \
				"expected a line 'make: KDIR=$want: ...', see $LOG"
			return
		fi
		why=$(printf '%s\n' "$OUT" | sed -n 's/^make: KDIR=[^:]*: \(.*\) (KDIR=\.\.\. picks another)$/\1/p')
		;;
	esac
	local wrong
	wrong=$(built_for "$kdir")
	if [ -z "$wrong" ]; then
		ok "$1: builds the $(modules_built | wc -l) modules against $why"
	else
		not_ok "$1: builds the modules against $why" "see $LOG"
		printf '%s\n' "$wrong" | diag_lines
	fi
}

# check_modules_install LINE: the built modules installed under
# INSTALL_MOD_PATH (a scratch folder for /tmp/root), in lib/modules/<the
# kernel's release>/.
check_modules_install() {
	local root=$D/root
	rm -rf "$root"
	run "${1//\/tmp\/root/$root}"
	if [ "$STATUS" -ne 0 ]; then
		failed "$1: installs the modules"
		return
	fi
	local dir ko missing=''
	dir=$root/lib/modules/$(cat "$KDIR_WS/include/config/kernel.release")
	for ko in $(modules_built); do
		[ -n "$(find "$dir" -name "${ko##*/}" 2>/dev/null)" ] || missing="$missing ${ko##*/}"
	done
	if [ -z "$missing" ]; then
		ok "$1: installs every module under INSTALL_MOD_PATH/lib/modules/<release>/"
	else
		not_ok "$1: installs every module under INSTALL_MOD_PATH/lib/modules/<release>/" \
			"not in $dir:$missing"
	fi
}

# check_clean LINE: in a copy of the built scratch copy (which the README's
# later commands keep using), `make clean` removes the build outputs and
# no source file, and nothing below build/ (Kbuild's own clean, run on the
# workspace, would delete every object file of the cached kernel trees
# there: files like the three put there before the clean).
check_clean() {
	local built=$SRC
	if [ -z "$(modules_built | while read -r ko; do [ ! -f "$SRC/$ko" ] || echo "$ko"; done)" ]; then
		not_ok "$1: removes the build outputs" "nothing built before it to remove (the README's order?)"
		return
	fi
	rm -rf "$D/clean"
	cp -a "$SRC" "$D/clean"
	SRC=$D/clean
	local sentinel=$SRC/build/clean-check
	mkdir -p "$sentinel"
	touch "$sentinel/kept.o" "$sentinel/kept.ko" "$sentinel/.kept.o.cmd"
	run "$1"
	local left lost kept
	kept=$(find "$sentinel" -type f | wc -l)
	left=$({ find "$SRC/modules" -type f; find "$SRC" -maxdepth 1 -type f; } | sed "s|^$SRC/||" |
		grep -E '\.(o|ko|mod|mod\.c|rmeta)$|(^|/)\.[^/]*\.cmd$|(^|/)(modules\.order|Module\.symvers|bindings_generated\.rs|rust-project\.json)$' |
		tr '\n' ' ')
	lost=$(cd "$SRC" && while read -r f; do [ -e "$f" ] || printf '%s ' "$f"; done <"$D/sources.list")
	SRC=$built
	[ "$STATUS" -ne 0 ] || rm -rf "$D/clean"
	if [ "$STATUS" -ne 0 ]; then
		failed "$1: removes the build outputs"
	elif [ -n "$left" ] || [ -n "$lost" ] || [ "$kept" -ne 3 ]; then
		not_ok "$1: removes the build outputs, no source and nothing below build/" \
			"left: ${left:-none}; removed sources: ${lost:-none}; of build/'s 3 files $kept kept"
	else
		ok "$1: removes the build outputs, no source and nothing below build/"
	fi
}

# check_doctor LINE: every check of the doctor is ok for the KDIR make
# picks, and it says which.
check_doctor() {
	run "$1"
	local checks problems
	checks=$(printf '%s\n' "$OUT" | grep -c '^doctor: ok ' || true)
	problems=$(printf '%s\n' "$OUT" | grep '^doctor: ' | grep -v '^doctor: ok ' || true)
	if [ "$STATUS" -eq 0 ] && [ "$checks" -gt 0 ] && [ -z "$problems" ] &&
		printf '%s\n' "$OUT" | grep -q '^make: KDIR='; then
		ok "$1: names the KDIR it checks, $checks checks ok"
	else
		failed "$1: names the KDIR it checks, every check ok"
	fi
}

# check_help LINE: it lists every target the README's commands use.
check_help() {
	run "$1"
	if [ "$STATUS" -ne 0 ]; then
		failed "$1: lists the targets"
		return
	fi
	local target missing='' targets
	targets=$(readme_commands | awk '$1 == "make" { for (i = 2; i <= NF; i++) if ($i !~ /=/) print $i }' |
		grep -vx help | sort -u)
	for target in $targets; do
		printf '%s\n' "$OUT" | grep -qE "^ +make $target( |$)" || missing="$missing $target"
	done
	if [ -z "$missing" ]; then
		ok "$1: lists every target the README uses ($(printf '%s\n' "$targets" | tr '\n' ' ' | sed 's/ $//'))"
	else
		not_ok "$1: lists every target the README uses" "not listed:$missing"
	fi
}

# check_headers LINE: KDIR (picked as for make) packaged into DEST (a
# scratch folder for /tmp/linux-headers-rust) with its Rust metadata and
# compiler record, a tree the doctor finds fit to build against. The
# scratch folder is in scratch_root (scripts/lib.sh: a tmpfs when there
# is one), named for the workspace: the package's 20,000 files are
# written and removed at every run.
check_headers() {
	local dest file missing=''
	dest=$(scratch_root)/ws-readme-headers-$(id -u)-$(echo "$WS" | cksum | cut -d' ' -f1)
	rm -rf "$dest"
	run "${1//\/tmp\/linux-headers-rust/$dest}"
	if [ "$STATUS" -ne 0 ]; then
		failed "$1: packages the kernel with its Rust metadata"
		return
	fi
	for file in rust-toolchain.toml Module.symvers $RUST_TARGET_SPEC $RUST_METADATA; do
		[ -f "$dest/$file" ] || missing="$missing $file"
	done
	if [ -n "$missing" ]; then
		not_ok "$1: packages the kernel with its Rust metadata" "missing in DEST:$missing"
		return
	fi
	local doctor=$D/logs/headers-doctor.log
	if in_copy make doctor KDIR="$dest" >"$doctor" 2>&1; then
		ok "$1: packages the kernel with its Rust metadata and compiler record; make doctor KDIR=DEST: all ok"
		rm -rf "$dest"
	else
		not_ok "$1: packages the kernel with its Rust metadata and compiler record; make doctor KDIR=DEST: all ok" \
			"see $doctor"
		grep '^doctor: PROBLEM' "$doctor" | diag_lines
	fi
}

# check_step LINE: a step of "Adding a module", run as written.
check_step() {
	run "$1"
	if [ "$STATUS" -eq 0 ]; then
		ok "$1: runs"
	else
		failed "$1: runs"
	fi
}

# Each relative link of FILE (README.md, docs/*.md) outside code blocks:
# "FILE<TAB>TARGET".
links() {
	awk -v file="$1" '
	/^```/ { code = !code; next }
	code { next }
	{
		s = $0
		while (match(s, /\]\([^) ]+\)/)) {
			print file "\t" substr(s, RSTART + 2, RLENGTH - 3)
			s = substr(s, RSTART + RLENGTH)
		}
	}' "$WS/$1"
}

# anchors FILE: the anchors of FILE's headings, as GitHub makes them
# (lower case, punctuation dropped, spaces as hyphens).
anchors() {
	awk '/^```/ { code = !code; next } !code && /^#+ / { sub(/^#+ /, ""); print }' "$1" |
		tr '[:upper:]' '[:lower:]' | sed 's/[^a-z0-9 _-]//g; s/ /-/g'
}

check_links() {
	local file target path anchor dir n=0 bad=0
	while IFS=$(printf '\t') read -r file target; do
		case "$target" in
		*://* | mailto:*) continue ;;
		esac
		n=$((n + 1))
		path=${target%%#*}
		anchor=
		[ "$path" = "$target" ] || anchor=${target#*#}
		dir=$(dirname "$WS/$file")
		[ -n "$path" ] || path=$(basename "$file")
		if [ ! -e "$dir/$path" ]; then
			not_ok "link in $file to $target names an existing file" "no $path next to $file"
			bad=$((bad + 1))
		elif [ -n "$anchor" ] && ! anchors "$dir/$path" | grep -qxF "$anchor"; then
			not_ok "link in $file to $target names a heading of $path" "no heading makes #$anchor"
			bad=$((bad + 1))
		fi
	done < <(cd "$WS" && for f in README.md docs/*.md; do links "$f"; done)
	[ "$bad" -ne 0 ] || ok "links: the $n relative links of README.md and docs/*.md name existing files and headings"

	local unlinked=
	for file in "$WS"/docs/*.md; do
		links README.md | cut -f2 | sed 's/#.*//' | grep -qx "docs/${file##*/}" ||
			unlinked="$unlinked docs/${file##*/}"
	done
	if [ -z "$unlinked" ]; then
		ok "links: README.md links every docs/*.md"
	else
		not_ok "links: README.md links every docs/*.md" "not linked:$unlinked"
	fi
}

check_links

# The README is the short way in (what this is, the two commands, your own
# kernel, adding a module): the reference is in docs/.
lines=$(wc -l <"$WS/README.md")
result "README.md is at most 200 lines, the rest in docs/ ($lines)" "$lines lines" test "$lines" -le 200

# The scratch copy: the sources (with tests/, which the README's steps
# read), and a build/ with the workspace's kernel, toolchains and tools.
# It is kept from one run to the next (sync_sources: what the README's
# steps added is removed, what they changed is written again), so that
# its builds rebuild only what changed since, as in a user's clone.
find "$D" -mindepth 1 -maxdepth 1 ! -name src -exec rm -rf {} + 2>/dev/null || true
mkdir -p "$D/logs" "$SRC/build"
sync_sources "$SRC" tests
sed 's|^|./|' "$SRC/.ws-sources" >"$D/sources.list"
for f in "linux-$LABEL" toolchains tools envs; do
	[ ! -e "$BUILD_DIR/$f" ] || ln -sfn "$BUILD_DIR/$f" "$SRC/build/$f"
done
BUILT=
[ -f "$KDIR_WS/Module.symvers" ] || BUILT="build/linux-$LABEL is not built (make kernel)"

declare -A SEEN=()
mapfile -t commands < <(readme_commands)
unknown=0
for line in "${commands[@]}"; do
	SEEN[$line]=1
	if [ -n "${NOT_RUN[$line]+set}" ]; then
		diag "README command not run here: $line: $(printf '%s' "${NOT_RUN[$line]}" | tr '\n' ' ')"
	elif [ -n "${RUN[$line]+set}" ]; then
		if [ -n "$BUILT" ] && [ "${RUN[$line]}" != check_step ] && [ "${RUN[$line]}" != check_help ]; then
			skip "$line" "$BUILT"
		else
			"${RUN[$line]}" "$line"
		fi
	else
		not_ok "README command '$line' is run or listed here" \
			"neither: add its check (RUN) or its reason (NOT_RUN) to tests/readme-commands.sh"
		unknown=$((unknown + 1))
	fi
done
for line in "${!RUN[@]}" "${!NOT_RUN[@]}"; do
	if [ -z "${SEEN[$line]+set}" ]; then
		not_ok "'$line', listed in tests/readme-commands.sh, is a README command" "not in README.md's sh blocks"
		unknown=$((unknown + 1))
	fi
done
[ "$unknown" -ne 0 ] || [ "${#commands[@]}" -eq 0 ] ||
	ok "the README's ${#commands[@]} command lines are each run here or listed as not run, and nothing else is listed"
[ "${#commands[@]}" -gt 0 ] || not_ok "the README has command lines in sh blocks" "none found in $README"
