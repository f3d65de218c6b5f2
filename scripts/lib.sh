# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# Helpers shared by the workspace scripts: messages, timed steps and the
# variables the top-level Makefile exports (the scripts run through make).

: "${WS:?run this through the top-level Makefile (make kernel, make check...)}"
: "${BUILD_DIR:?run this through the top-level Makefile}"

# Prefix for progress lines, e.g. "[kernel]".
WS_TAG=${WS_TAG:-ws}

say() {
	printf '[%s] %s\n' "$WS_TAG" "$*"
}

# die MESSAGE: stop with an error. With WS_ERROR_FILE set (by the
# Makefile's HOST_SUITE and by tests/run-vm.sh), the message is appended
# there too, for the "not ok" line that reports a suite which stopped early.
die() {
	printf '[%s] error: %s\n' "$WS_TAG" "$*" >&2
	[ -z "${WS_ERROR_FILE:-}" ] || printf '[%s] %s\n' "$WS_TAG" "$*" >>"$WS_ERROR_FILE"
	exit 1
}

# Seconds since the epoch, for step timings.
now() {
	date +%s
}

# step_start "what": print what starts; step_done: print how long it took.
step_start() {
	WS_STEP=$1
	WS_STEP_T0=$(now)
	say "$WS_STEP..."
}

step_done() {
	say "$WS_STEP: done in $(($(now) - WS_STEP_T0)) s"
	part_time "$WS_TAG: $WS_STEP" "$WS_STEP_T0"
}

# part_time NAME T0 [CPU]: with WS_TIMES set (make check sets it), record
# in that file that the part NAME took from T0 (seconds since the epoch)
# to now, and CPU seconds of CPU time when known (scripts/timed.sh): the
# table of times at the end of make check's report.
part_time() {
	[ -n "${WS_TIMES:-}" ] || return 0
	printf '%s\t%s\t%s\n' "$(($(now) - $2))" "$1" "${3:-}" >>"$WS_TIMES"
}

# run_mmdebstrap ARG...: mmdebstrap without the caller's descriptors 3 to 9
# (a script's own, a lock's, those a parallel make passes down): apt runs
# its hooks' `cat >&N` through sh, where dash reads only single-digit
# descriptors, and mmdebstrap's own pipes must get numbers below 10 (they
# got 11 under make check, which broke its root mode: "Syntax error: Bad
# fd number"). With the host's apt settings that its Debian archive needs:
# a mirror whose Release files are past their Valid-Until (a frozen copy
# of the archive, unstable's week-long validity), which the host's apt is
# told to accept (Acquire::Check-Valid-Until "false"), is accepted in the
# new root too.
run_mmdebstrap() {
	if [ "$(apt_setting Acquire::Check-Valid-Until)" = false ]; then
		set -- --aptopt='Acquire::Check-Valid-Until false' "$@"
	fi
	if [ "$(apt_setting Acquire::Check-Date)" = false ]; then
		set -- --aptopt='Acquire::Check-Date false' "$@"
	fi
	mmdebstrap "$@" 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&-
}

# apt_setting NAME: the value of NAME in the host's apt configuration.
apt_setting() {
	apt-config dump 2>/dev/null | awk -v n="$1" '$1 == n { v = $2; gsub(/[";]/, "", v); print v }'
}

# with_progress LOG COMMAND...: run COMMAND with its output appended to LOG
# and, while it runs, say every WS_PROGRESS_EVERY seconds (default 30) how
# long it has been running and the last line of LOG (what it is doing, e.g.
# "CC kernel/fork.o"). Returns COMMAND's exit status.
with_progress() {
	wp_log=$1
	shift
	"$@" >>"$wp_log" 2>&1 &
	wp_pid=$!
	wp_t0=$(now)
	wp_next=$((wp_t0 + ${WS_PROGRESS_EVERY:-30}))
	while kill -0 "$wp_pid" 2>/dev/null; do
		sleep 1
		if [ "$(now)" -ge "$wp_next" ] && kill -0 "$wp_pid" 2>/dev/null; then
			wp_last=$(tail -n 1 "$wp_log" 2>/dev/null | tr -s ' \t' ' ' | cut -c1-90)
			say "  ... $(($(now) - wp_t0)) s${wp_last:+: $wp_last}"
			wp_next=$((wp_next + ${WS_PROGRESS_EVERY:-30}))
		fi
	done
	wp_rc=0
	wait "$wp_pid" || wp_rc=$?
	return "$wp_rc"
}

# Run a command as root: directly when we are root, through sudo otherwise.
# Only for what cannot be done otherwise: the README lists each use.
as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo "$@"
	else
		die "'$*' needs root: run it as root, or install sudo (Debian's sudo) and allow $(id -un) to use it"
	fi
}

# need_tools COMMAND:PACKAGE...: stop, naming the command and the Debian
# package that has it, when a command is not found. The Makefile adds
# /usr/sbin and /sbin (modinfo, depmod, modprobe, dkms) to a normal user's
# PATH.
need_tools() {
	for nt_tool in "$@"; do
		command -v "${nt_tool%%:*}" >/dev/null 2>&1 ||
			die "${nt_tool%%:*}: command not found (PATH=$PATH): install Debian's ${nt_tool#*:} ('make deps' does)"
	done
}

# copy_sources DEST [PATH...]: the workspace's sources (what git tracks or
# would track, without build outputs) copied to DEST, e.g. to build them
# against another kernel without touching the module folders' own build
# outputs; the PATHs (such as tests) are copied too.
#
# A workspace that is not a git work tree of its own (such a copy, made
# under another clone's build/) has no git to ask: its files are copied
# without Kbuild's outputs.
copy_sources() {
	cs_dest=$1
	shift
	mkdir -p "$cs_dest"
	source_files "$@" | (cd "$WS" && cpio -0pdm --quiet "$cs_dest")
}

# source_files [PATH...]: the files copy_sources copies, NUL-terminated,
# relative to WS.
source_files() {
	set -- Kbuild Makefile rust-toolchain.toml kernels scripts modules tests/lib "$@"
	if [ "$(git -C "$WS" rev-parse --show-toplevel 2>/dev/null)" = "$(cd -P "$WS" && pwd)" ]; then
		git -C "$WS" ls-files -z -co --exclude-standard "$@"
	else
		(cd "$WS" && find "$@" -type f ! -name '*.o' ! -name '*.ko' ! -name '*.mod' \
			! -name '*.mod.c' ! -name '.*.cmd' ! -name '.*.d' ! -name modules.order \
			! -name '*.rmeta' ! -name bindings_generated.rs ! -name '*.tmp' ! -name '.tmp_*' -print0)
	fi
}

# scratch_root: where a test puts the large trees it writes and removes in
# one run: TMPDIR when it is set; else /dev/shm, a tmpfs, when it is
# writable with 2 GiB free and not mounted noexec (the trees hold tools
# the tests run); else /tmp. On a disk's file system each of the
# tree's 20,000 files is an inode to allocate: ext4 without a journal
# searches past every inode freed in the last minutes for each new one,
# and writing a headers tree where the last run's was removed took 5-10 s
# of system time there, 0.5 s on a tmpfs.
scratch_root() {
	if [ -n "${TMPDIR:-}" ]; then
		echo "$TMPDIR"
	elif [ -d /dev/shm ] && [ -w /dev/shm ] &&
		! awk '$2 == "/dev/shm" && $4 ~ /(^|,)noexec(,|$)/ { found = 1 } END { exit !found }' /proc/mounts &&
		[ "$(df -P -k /dev/shm 2>/dev/null | awk 'NR == 2 { print $4 }')" -ge 2097152 ] 2>/dev/null; then
		echo /dev/shm
	else
		echo /tmp
	fi
}

# sync_sources DEST [PATH...]: copy_sources into a DEST that an earlier
# sync_sources made and a build used: what it built there is kept, so that
# Kbuild rebuilds only what changed, as in a user's own tree. A file whose
# content is the workspace's is left as it is; one that differs (changed
# in the workspace, or by a test in DEST) is written again, with a new
# time, so that what was built from either content is rebuilt. Sources
# the workspace no longer has are removed (DEST/.ws-sources lists those
# of the last call), and so is every folder below DEST's folders that
# holds none of the sources (a module a test added, with its outputs).
sync_sources() {
	ss_dest=$1
	shift
	mkdir -p "$ss_dest"
	source_files "$@" | tr '\0' '\n' | sort >"$ss_dest/.ws-sources.new"
	if [ -f "$ss_dest/.ws-sources" ]; then
		comm -23 "$ss_dest/.ws-sources" "$ss_dest/.ws-sources.new" | while IFS= read -r ss_file; do
			rm -f "$ss_dest/$ss_file"
		done
	fi
	# The folders of the sources and those above them; any other folder
	# under theirs goes.
	awk -F/ '{ d = $1; for (i = 2; i < NF; i++) { print d; d = d "/" $i } if (NF > 1) print d }' \
		"$ss_dest/.ws-sources.new" | sort -u >"$ss_dest/.ws-folders"
	ss_tops=$(sed 's|/.*||' "$ss_dest/.ws-folders" | sort -u)
	# (None of them is there yet in a new DEST: find fails, which a caller
	# with pipefail must not stop at.)
	# shellcheck disable=SC2086 # the workspace's folder names, no spaces
	(cd "$ss_dest" && { find $ss_tops -mindepth 1 -type d 2>/dev/null || true; }) |
		sort | comm -23 - "$ss_dest/.ws-folders" | while IFS= read -r ss_dir; do
		rm -rf "${ss_dest:?}/$ss_dir"
	done
	# (All of them at once into a new DEST; what that misses, below.)
	[ -f "$ss_dest/.ws-sources" ] ||
		tr '\n' '\0' <"$ss_dest/.ws-sources.new" |
		(cd "$WS" && cpio -0pdmu --quiet "$ss_dest" 2>/dev/null) || true
	# The files whose content differs, or that DEST lacks: a checksum of
	# each side's files in one run each (a cmp a file was a few hundred
	# processes a copy). A file that is gone by now (git lists the
	# untracked files of a build running in the workspace, such as its
	# *.o.tmp) is left out.
	(
		cd "$WS" || exit
		xargs -r -d '\n' sha1sum <"$ss_dest/.ws-sources.new" 2>/dev/null || true
	) | sort >"$ss_dest/.ws-sums"
	(
		cd "$ss_dest" || exit
		xargs -r -d '\n' sha1sum <"$ss_dest/.ws-sources.new" 2>/dev/null || true
	) | sort | comm -23 "$ss_dest/.ws-sums" - | cut -c43- >"$ss_dest/.ws-changed"
	while IFS= read -r ss_file; do
		mkdir -p "$(dirname "$ss_dest/$ss_file")"
		rm -f "$ss_dest/$ss_file"
		cp "$WS/$ss_file" "$ss_dest/$ss_file" 2>/dev/null || [ ! -e "$WS/$ss_file" ] ||
			die "cannot copy $WS/$ss_file to $ss_dest"
	done <"$ss_dest/.ws-changed"
	mv "$ss_dest/.ws-sources.new" "$ss_dest/.ws-sources"
	rm -f "$ss_dest/.ws-folders" "$ss_dest/.ws-sums" "$ss_dest/.ws-changed"
}

# replace_if_changed FILE: FILE.new becomes FILE when their contents differ
# (or FILE is missing); else FILE, and its time, stay (so that make, or
# Kbuild, finds what depends on it up to date).
replace_if_changed() {
	if cmp -s "$1.new" "$1"; then
		rm -f "$1.new"
	else
		mv "$1.new" "$1"
	fi
}

# Result lines (ok NAME / not ok NAME # WHY / ok NAME # SKIP WHY / # diag)
# and the KTAP report: one implementation, shared with the guest.
# shellcheck source=tests/lib/ktap.sh
. "$WS/tests/lib/ktap.sh"

# Which modules there are (modules_in, modules_listed...): found from the
# Kbuild files and test folders, never listed by hand.
# shellcheck source=scripts/modules.sh
. "$WS/scripts/modules.sh"

# write_toolchain_record RUSTC: print the compiler record of a kernel tree,
# its rust-toolchain.toml: the folder whose bin/rustc built the tree's Rust
# metadata, which out-of-tree modules must be built with. The format of
# scripts/package-headers.sh, so that built and packaged trees say it alike.
write_toolchain_record() {
	wtr_path=$(command -v "$1") || die "cannot find RUSTC=$1"
	wtr_have=$("$wtr_path" --version 2>/dev/null) || die "cannot run RUSTC=$1"
	wtr_dir=$(cd "$(dirname "$wtr_path")/.." && pwd)
	cat <<EOT
# The Rust compiler that built this kernel's Rust metadata (rust/*.rmeta,
# rust/lib*.so); out-of-tree Rust modules must be built by the same one:
#   $wtr_have
# rustup and the workspace Makefile read \`path\` (the folder with bin/rustc).
[toolchain]
path = "$wtr_dir"
EOT
}
