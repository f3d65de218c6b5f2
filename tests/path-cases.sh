#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Paths make cannot carry: each user-facing target run with a value that has
# a space, a shell character (; and #, $(...), a backquote) or a file where
# a folder is expected, in each variable that names a path (KDIR, DEST,
# INSTALL_MOD_PATH, DKMS_ROOT, DKMS_KDIR, MODULE, RUST_PROJECT,
# RUNNING_KDIR, SELF_CONTAINED_DIR, SELF_CONTAINED_OUT, BUILD_DIR) or a
# name that reaches commands (KERNEL, KERNELS, RELEASE, DKMS_KERNEL), and
# a copy of the workspace in folders whose paths have them. Each case
# asserts make's specific message, and that the probe file the value would
# create if any piece of it ran does not exist. The refusals of the Makefile's checks
# (the top of the Makefile) must be make's one error line: nothing else
# ran, so nothing was built; the ones about a file or a folder that only
# the scripts can tell (KDIR, MODULE) are the doctor's and the scripts'
# specific lines. Two controls: safe values of every variable, and the same
# copy in a safe folder, are not refused.
#
# Every case stops before anything is built: the whole run takes a few
# seconds and needs no kernel. make runs as a user would run it: a clean
# environment (PATH, HOME), nothing of make check's own.
#
# Output: result lines (tests/lib/ktap.sh), "paths: ..."; the exit status
# is always 0, the caller counts the "not ok" lines. Run with the
# environment of the top-level Makefile (WS, BUILD_DIR: make check).
set -eu
: "${WS:?run this with the environment of the top-level Makefile}"
WS_TAG=paths
# shellcheck source=scripts/lib.sh
. "$WS/scripts/lib.sh"
# kconf_labels: the generations, for KERNELS.
# shellcheck source=scripts/kernel-conf.sh
. "$WS/scripts/kernel-conf.sh"
KTAP_PREFIX="paths: "

T=$(mktemp -d "${TMPDIR:-/tmp}/path-cases.XXXXXX")
trap 'rm -rf "$T"' EXIT
# What a value's pieces would create if they ran.
PROBE=$T/probe
FILE=$T/a-file
FOLDER=$T/a-folder
: >"$FILE"
mkdir "$FOLDER"

# --- running make --------------------------------------------------------------

# user_make DIR ARGS...: make ARGS in DIR with a user's clean environment;
# sets OUT (stdout and stderr) and RC.
user_make() {
	local dir=$1
	shift
	RC=0
	OUT=$(cd "$dir" && env -i PATH="$PATH" HOME="$HOME" LC_ALL=C \
		make --no-print-directory "$@" 2>&1) || RC=$?
}

# probe_made: a probe file exists (named "probe", anywhere under T: a
# workspace folder's name makes a relative one).
probe_made() {
	[ -n "$(find "$T" -name probe -print -quit)" ]
}

# failed NAME WHY: a not ok line, and what make printed.
failed() {
	not_ok "$1" "$2"
	printf '%s\n' "$OUT" | head -n 5 | diag_lines
}

# expect_stop HOW NAME TEXT DIR ARGS...: make ARGS (in DIR) fails and no
# probe file appears. HOW "refused": at once, with make's own error, one
# line containing "*** TEXT"; HOW "failed": with a line containing TEXT (a
# script's check).
expect_stop() {
	local how=$1 name=$2 text=$3
	shift 3
	[ "$how" = failed ] || text="*** $text"
	user_make "$@"
	if probe_made; then
		failed "$name" "a piece of the value ran: a probe file was created"
		find "$T" -name probe -delete
	elif [ "$RC" -eq 0 ]; then
		failed "$name" "make exited 0"
	elif [ "$how" = refused ] && [ "$(printf '%s\n' "$OUT" | wc -l)" -ne 1 ]; then
		failed "$name" "more than make's one error line: something ran"
	elif ! grep -qF -- "$text" <<<"$OUT"; then
		failed "$name" "no line with: $text"
	else
		ok "$name"
	fi
}

# expect_refused NAME TEXT DIR ARGS...: refused by make itself.
expect_refused() {
	expect_stop refused "$@"
}

# expect_failure NAME TEXT DIR ARGS...: refused by a script.
expect_failure() {
	expect_stop failed "$@"
}

# --- the values ----------------------------------------------------------------

# Each bad value, the label results name it by, and what make's message
# says the value has (found in a single value; in a list, whitespace
# separates words and is not counted).
VALUES=("$T/my folder" "$T/x;touch $PROBE;#" "$T/\$(shell touch $PROBE)" "$T/\`touch $PROBE\`")
LABELS=("<a space>" "<; and #>" "<\$(...)>" "<a backquote>")
FOUND=("a space" "a space and ; #" "a space and ( ) \$" "a space and \`")
FOUND_IN_LIST=("" "; #" "( ) \$" "\`")

# refused_cases VAR KIND TARGET...: each bad value of VAR with each TARGET
# ("" is plain make; a target may carry other arguments).
refused_cases() {
	local var=$1 kind=$2 target i found
	shift 2
	for target in "$@"; do
		for i in "${!VALUES[@]}"; do
			found=${FOUND[$i]}
			if [ "$kind" = "list of .ko files" ] || [ "$kind" = "list of kernel generations" ]; then
				found=${FOUND_IN_LIST[$i]}
				[ -n "$found" ] || continue # the list's own case, below
			fi
			# shellcheck disable=SC2086 # a target and its arguments
			expect_refused "make${target:+ $target} $var=${LABELS[$i]} is refused before anything runs" \
				"$var='${VALUES[$i]}': a $kind with $found: " \
				"$WS" $target "$var=${VALUES[$i]}"
		done
	done
}

# --- controls: safe values are not refused ---------------------------------------

user_make "$WS" help KDIR="$FOLDER" DEST="$T/new" INSTALL_MOD_PATH="$T/new" \
	DKMS_ROOT="$T/new" DKMS_KDIR="$FOLDER" RUST_PROJECT="$T/rust-project.json" \
	MODULE="$FILE $FILE" RUNNING_KDIR="$FOLDER" SELF_CONTAINED_DIR="$T/new" \
	SELF_CONTAINED_OUT="$T/new" BUILD_DIR="$T/build" KERNEL=6.12 KERNELS="$(kconf_labels | paste -sd' ')" \
	RELEASE=6.12.1-test DKMS_KERNEL=6.12.1-test
if [ "$RC" -eq 0 ] && [ "$(printf '%s\n' "$OUT" | head -n 1)" = "Out-of-tree Rust kernel modules" ]; then
	ok "control: safe values of every checked variable are taken (make help)"
else
	failed "control: safe values of every checked variable are taken (make help)" "exit status $RC"
fi

# --- a bad value, in each variable, with the targets that use it ------------------

KDIR_TARGETS=("" modules doctor "headers DEST=$T/h" modules_install rust-analyzer \
	dkms-modules "SELF_CONTAINED=1 modules" run check)
refused_cases KDIR path "${KDIR_TARGETS[@]}"
refused_cases DEST path headers
refused_cases INSTALL_MOD_PATH path modules_install
refused_cases DKMS_ROOT path dkms-source dkms-install
refused_cases DKMS_KDIR path dkms-install
refused_cases RUST_PROJECT path rust-analyzer
refused_cases RUNNING_KDIR path "" doctor
refused_cases SELF_CONTAINED_DIR path "SELF_CONTAINED=1 modules"
refused_cases SELF_CONTAINED_OUT path "SELF_CONTAINED=1 modules"
refused_cases BUILD_DIR path "" kernel
refused_cases MODULE "list of .ko files" doctor
refused_cases KERNELS "list of kernel generations" check
refused_cases KERNEL name kernel run check
refused_cases RELEASE name doctor
refused_cases DKMS_KERNEL name dkms-install

# A list of .ko files cannot hold a path with a space: said so.
expect_refused "make doctor MODULE=<a space> says a list cannot hold a path with a space" \
	"MODULE=$T/my module.ko: no file $T/my; MODULE is a list of .ko files separated by spaces" \
	"$WS" doctor "MODULE=$T/my module.ko"

# --- a file where a folder is expected, a folder where a file is, missing ---------

for target in "" modules doctor modules_install rust-analyzer dkms-modules; do
	expect_failure "make${target:+ $target} KDIR=<a file>: the doctor says it is not a directory" \
		"doctor: PROBLEM KDIR=$FILE is not a directory (it is a file)" "$WS" $target KDIR="$FILE"
done
expect_failure "make doctor KDIR=<missing>: the doctor says it does not exist" \
	"doctor: PROBLEM KDIR=$T/missing does not exist" "$WS" doctor KDIR="$T/missing"
expect_failure "make headers KDIR=<a file>: says it is not a directory" \
	"package-headers: error: KDIR=$FILE is not a directory" "$WS" headers DEST="$T/h" KDIR="$FILE"
expect_failure "make SELF_CONTAINED=1 KDIR=<a file>: says it is not a directory" \
	"[self-contained] error: KDIR=$FILE is not a directory" "$WS" SELF_CONTAINED=1 KDIR="$FILE"
expect_failure "make doctor MODULE=<a folder>: the doctor says it is a directory" \
	"doctor: PROBLEM module $FOLDER is a directory, not a .ko file" "$WS" doctor MODULE="$FOLDER"
for var_target in DEST:headers INSTALL_MOD_PATH:modules_install DKMS_ROOT:dkms-source DKMS_ROOT:dkms-install; do
	var=${var_target%%:*}
	target=${var_target#*:}
	expect_refused "make $target $var=<a file> is refused: not a folder" \
		"$var=$FILE: not a folder (a file of that name exists)" "$WS" "$target" "$var=$FILE"
done
expect_refused "make dkms-install DKMS_KDIR=<a file> is refused: not a folder" \
	"DKMS_KDIR=$FILE: not a folder (a file)" "$WS" dkms-install DKMS_KDIR="$FILE"
expect_refused "make dkms-install DKMS_KDIR=<missing> is refused: no such folder" \
	"DKMS_KDIR=$T/missing: no such folder" "$WS" dkms-install DKMS_KDIR="$T/missing"
expect_refused "make rust-analyzer RUST_PROJECT=<a folder> is refused: not a file" \
	"RUST_PROJECT=$FOLDER: a folder, not a file" "$WS" rust-analyzer RUST_PROJECT="$FOLDER"
expect_refused "make rust-analyzer RUST_PROJECT=<in a missing folder> is refused" \
	"RUST_PROJECT=$T/missing/p.json: its folder $T/missing does not exist" \
	"$WS" rust-analyzer RUST_PROJECT="$T/missing/p.json"

# --- the workspace's own folder -----------------------------------------------------

# A copy of the sources (no build/), its folder renamed from case to case:
# first a safe name (the control), then names with the bad characters.
COPY_DIR=$T/ws
copy_sources "$COPY_DIR/main"
user_make "$COPY_DIR/main" help
if [ "$RC" -eq 0 ] && [ "$(printf '%s\n' "$OUT" | head -n 1)" = "Out-of-tree Rust kernel modules" ]; then
	ok "control: the copy of the workspace in a safe folder takes make help"
else
	failed "control: the copy of the workspace in a safe folder takes make help" "exit status $RC"
fi
# Relative probes: a shell would run them in the copy, under T.
WS_NAMES=("my ws" "x;touch probe;#" "\$(shell touch probe)" "\`touch probe\`")
for i in "${!WS_NAMES[@]}"; do
	new=$T/${WS_NAMES[$i]}
	mv "$COPY_DIR" "$new"
	COPY_DIR=$new
	for target in "" help doctor check; do
		# shellcheck disable=SC2086 # one word or none
		expect_refused "make${target:+ $target} in a workspace under ${LABELS[$i]} is refused before anything runs" \
			"the workspace's folder '$COPY_DIR/main' has a path with ${FOUND[$i]}: " \
			"$COPY_DIR/main" $target
	done
done
mv "$COPY_DIR" "$T/my ws"
expect_refused "make -f <the workspace's Makefile under a space> is refused" \
	"the workspace's folder '$T/my ws/main' has a path with a space: Kbuild cannot build in such a path" \
	"$T" -f "$T/my ws/main/Makefile" help
expect_refused "make doctor KDIR=<relative> from a current folder with a space is refused" \
	"KDIR=rel: a relative path, and the current folder '$T/my ws' has a space in its path" \
	"$T/my ws" -f "$WS/Makefile" doctor KDIR=rel
