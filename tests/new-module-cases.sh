#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The README's "Adding a module", followed in a copy of the sources, as
# make check tests it for the default generation: the section's commands
# and nothing else, and the suite must build, load and count the module
# they add.
#
# 1. In a copy of the sources (build/new-module/src, kept from one run to
#    the next), the command lines of the section's sh block, run as
#    written from a user's shell, but for `make`: the copy's make is run
#    with the workspace's kernel as KDIR (and its build folder), as in
#    step 3.
# 2. The one module they add (greet today) is found by the discovery every
#    script uses (scripts/modules.sh: a Rust module, its crate root, in the
#    top-level Kbuild's list, its guest test), and the generated dkms.conf
#    lists it.
# 3. The copy's make builds it with the others; modinfo shows its license,
#    description and author.
# 4. One VM run of the copy (its own tests/run-vm.sh, the fuzzer shortened
#    to N operations): the module's insmod, each line its guest test
#    expects in the kernel log, rmmod, unchanged counters, its use beside
#    the others; one more module loaded together than in the workspace's
#    own run of the same kernel (ORIGINAL), no failure, and exactly the
#    results of that run plus the new module's.
#
#   tests/new-module-cases.sh --fuzz-ops N ORIGINAL
#
# ORIGINAL: the raw results of the workspace's VM run with its own modules
# (build/logs/results-6.12.log). Prints result lines (tests/lib/ktap.sh);
# run through the Makefile (make check, make check-new-module).
set -eu
WS_TAG=new-module
# shellcheck source=scripts/lib.sh
. "$WS/scripts/lib.sh"

if [ $# -ne 3 ] || [ "$1" != --fuzz-ops ]; then
	die "usage: $0 --fuzz-ops N ORIGINAL"
fi
FUZZ_OPS=$2
ORIGINAL=$3
D=$BUILD_DIR/new-module
COPY=$D/src
LABEL="$KERNEL_SERIES new-module"
# The copy is kept from one run to the next (sync_sources, below); the
# rest of the folder is this run's.
find "$D" -mindepth 1 -maxdepth 1 ! -name src -exec rm -rf {} + 2>/dev/null || true
need_tools modinfo:kmod
mkdir -p "$D"

# results FILE: FILE's result lines, carriage returns dropped.
results() {
	tr -d '\r' <"$1" | grep -E '^(not )?ok ' || true
}

# recipe: the command lines of the sh blocks of the README's "Adding a
# module", without comments (as tests/readme-commands.sh reads them).
recipe() {
	sed -n '/^## Adding a module$/,/^## /p' "$WS/README.md" | awk '
	/^```/ { insh = ($0 == "```sh"); next }
	insh {
		sub(/[ \t]+#.*/, ""); sub(/^#.*/, ""); sub(/[ \t]+$/, "")
		if ($0 != "") print
	}'
}

# build: the copy's make, against the workspace's kernel.
build() {
	make -C "$COPY" -j"$(nproc)" BUILD_DIR="$BUILD_DIR" KDIR="$DEFAULT_KDIR" modules
}

# --- 1. the README's commands, in a copy --------------------------------------------
# The workspace's sources, as they are now: what the last run's commands
# added (the module's folders, with its outputs) is removed, the files
# they changed (the top-level Kbuild) are written again; the other
# modules' outputs stay, so that the build below compiles the new module
# and relinks, as in a user's clone.
sync_sources "$COPY" tests
# The copy's folders dated as the workspace's (its files keep their
# times): tests/vm/build-programs.sh then finds the guest's programs
# unchanged, as for the workspace's own run, and does not rebuild them.
(cd "$COPY" && find . -type d) | while read -r dir; do
	[ ! -d "$WS/$dir" ] || touch -r "$WS/$dir" "$COPY/$dir"
done
before=$(WS=$COPY modules_in)
mapfile -t commands < <(recipe)
if [ ${#commands[@]} -eq 0 ]; then
	not_ok "README: \"Adding a module\" has commands to follow" "no sh block in the section"
	exit 0
fi
log=$D/recipe.log
: >"$log"
for line in "${commands[@]}"; do
	case "$line" in
	make | "make "*) continue ;; # step 3
	esac
	printf '$ %s\n' "$line" >>"$log"
	if ! (cd "$COPY" && env -i HOME="${HOME:-/}" PATH="$PATH" LC_ALL=C sh -c "$line") >>"$log" 2>&1; then
		not_ok "README: \"Adding a module\": '$line' runs in a copy of the sources" "see $log"
		tail -n 3 "$log" | diag_lines
		exit 0
	fi
done
NAME=$(WS=$COPY modules_in | grep -vxF "$before" || true)
if [ "$(echo "$NAME" | grep -c .)" -ne 1 ]; then
	not_ok "README: \"Adding a module\"'s ${#commands[@]} commands add one module" \
		"new module folders: '$(echo "$NAME" | paste -sd' ')' (log: $log)"
	exit 0
fi
ok "README: \"Adding a module\"'s ${#commands[@]} commands add one module, $NAME"
diff -U0 "$WS/Kbuild" "$COPY/Kbuild" | grep '^[-+][^-+]' | sed 's/^/top-level Kbuild: /' | diag_lines || true

# --- 2. found as every script finds the modules -------------------------------------
found=$(
	export WS=$COPY
	modules_in --rust | grep -qx "$NAME" || echo "not among the Rust modules;"
	[ -n "$(modules_crate_roots "$NAME")" ] || echo "no crate root;"
	modules_listed | grep -qx "modules/$NAME $NAME" || echo "not in the top-level Kbuild's list;"
	[ -f "$(modules_guest_test "$NAME")" ] || echo "no guest test;"
)
result "$NAME: scripts/modules.sh finds it: a Rust module ($(WS=$COPY modules_crate_roots "$NAME" | paste -sd' ')), in the top-level Kbuild, with its guest test" \
	"$found" test -z "$found"
result "$NAME: the generated dkms.conf lists it" "no BUILT_MODULE_NAME \"$NAME\"" \
	sh -c "WS='$COPY' '$COPY/scripts/dkms-conf.sh' | grep -qx 'BUILT_MODULE_NAME\[[0-9]*\]=\"$NAME\"'"

# --- 3. the build ------------------------------------------------------------------
log=$D/build.log
t0=$(now)
if ! build >"$log" 2>&1; then
	not_ok "$NAME: make builds $NAME.ko with the others" "make failed (log: $log)"
	grep -E '(^|: )error' "$log" | head -n 5 | diag_lines
	exit 0
fi
want=$(WS=$COPY modules_in | paste -sd' ')
built=$(for m in $want; do [ ! -f "$COPY/modules/$m/$m.ko" ] || echo "$m"; done | paste -sd' ')
ko=$COPY/modules/$NAME/$NAME.ko
license=$(modinfo -F license "$ko" 2>/dev/null || true)
description=$(modinfo -F description "$ko" 2>/dev/null || true)
author=$(modinfo -F author "$ko" 2>/dev/null || true)
result "$NAME: make builds $NAME.ko with the others ($want), with license, description and author" \
	"built: ${built:-none}; license '$license', description '$description', author '$author' (log: $log)" \
	test "$built" = "$want" -a "$license" = GPL -a -n "$description" -a -n "$author"
diag "$NAME: the copy's modules built in $(($(now) - t0)) s"

# --- 4. one VM run of the copy ------------------------------------------------------
list=$D/reports.list
log=$D/run-vm.log
t0=$(now)
if ! WS=$COPY "$COPY/tests/run-vm.sh" --kdir "$DEFAULT_KDIR" --label "$LABEL" \
	--fuzz-ops "$FUZZ_OPS" --modules "$COPY/modules" --report-list "$list" >"$log" 2>&1; then
	not_ok "$NAME: the VM run of the copy ran" "see $log"
	tail -n 5 "$log" | diag_lines
	exit 0
fi
run=$(tail -n 1 "$list")
run=${run%%:*}
diag "$NAME: the copy's VM run took $(($(now) - t0)) s, results in $run"

# Its results: load, each line its guest test expects, unload, the
# counters, its use beside the others.
mine=$(results "$run" | grep -E "^(not )?ok ($NAME: |together: $NAME )" || true)
mapfile -t lines < <(sed -n 's/^[[:space:]]*expect_log "\(.*\)"$/\1/p' "$(WS=$COPY modules_guest_test "$NAME")")
expected=("$NAME: insmod" "$NAME: listed in /proc/modules")
for line in "${lines[@]}"; do
	expected+=("$NAME: kernel log has '$line'")
done
expected+=("$NAME: rmmod" "$NAME: gone from /proc/modules" "$NAME: no new taint, WARN or oops"
	"together: $NAME works and logs beside the others")
absent=
for name in "${expected[@]}"; do
	echo "$mine" | grep -qxF "ok $name" || absent="$absent '$name';"
done
result "$NAME: loaded, the ${#lines[@]} lines its guest test expects logged, unloaded, used beside the others ($(echo "$mine" | grep -c .) results)" \
	"not passed:$absent" test "${#lines[@]}" -gt 0 -a -z "$absent"

# Counted with the others: the modules loaded together, and every result.
together() {
	results "$1" | sed -n 's/^ok together: all \([0-9]*\) modules loaded at once$/\1/p'
}
before=$(together "$ORIGINAL")
after=$(together "$run")
result "$NAME: loaded together with the others (${after:-?} modules, the workspace's run ${before:-?})" \
	"the workspace's run loaded ${before:-?} together, the copy's ${after:-?}" \
	test -n "$before" -a "${after:-0}" = "$((${before:-0} + 1))"
original=$(results "$ORIGINAL" | grep -c . || true)
total=$(results "$run" | grep -c . || true)
own=$(echo "$mine" | grep -c . || true)
result "$NAME: counted: the copy's run has $total results, the workspace's $original plus $NAME's $own" \
	"$total is not $original + $own (the workspace's run: $ORIGINAL)" \
	test "$original" -gt 0 -a "$total" -eq "$((original + own))"

failed=$(results "$run" | grep '^not ok ' || true)
result "$NAME: the copy's VM run has no failure" "$(echo "$failed" | grep -c .) failed, see $run" \
	test -z "$failed"
echo "$failed" | grep . | head -n 5 | diag_lines || true
