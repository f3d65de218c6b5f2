# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# The test results of the whole suite, in one place: the line format every
# shell test prints (on the host, and in the guest under busybox sh, which
# sources this same file from the initramfs), and the KTAP report that
# numbers those lines and counts them.
#
# Result lines (one per line, written to file descriptor $KTAP_FD, default
# 1; KTAP_PREFIX, when set, goes before every name):
#   ok NAME                    ok NAME
#   not ok NAME # WHY          not_ok NAME WHY
#   ok NAME # SKIP WHY         skip NAME WHY (counted as skipped, not passed)
#   # DIAGNOSTIC               diag TEXT, diag_lines (each line of stdin)
# and for a result that is a command's exit status, result NAME WHY
# COMMAND... (ok, or not ok with WHY) and check NAME COMMAND... (the same,
# WHY naming the command).
# Other lines (such as the guest's end marker) are not results.
#
# The report (ktap_report, host only) follows kselftest's KTAP version 1:
#   KTAP version 1
#   1..N
#   ok 1 - [LABEL] NAME
#   not ok 2 - [LABEL] NAME # WHY
#   ok 3 - [LABEL] NAME # SKIP WHY
#   # [LABEL] DIAGNOSTIC
#   # Totals: pass:N fail:N skip:N
#   N passed, N failed[, N skipped]   (always the last line: CI reads it)
# POSIX sh only: busybox's ash must run the printer.

# ktap_out TEXT: one line on $KTAP_FD.
ktap_out() {
	printf '%s\n' "$1" >&"${KTAP_FD:-1}"
}

ok() {
	ktap_out "ok ${KTAP_PREFIX:-}$1"
}

# not_ok NAME WHY: a failure says why.
not_ok() {
	ktap_out "not ok ${KTAP_PREFIX:-}$1 # ${2:-no reason given}"
}

# skip NAME WHY: a test that could not run here, and why.
skip() {
	ktap_out "ok ${KTAP_PREFIX:-}$1 # SKIP ${2:-no reason given}"
}

# result NAME WHY COMMAND...: run COMMAND; ok NAME when it succeeds, else
# not ok NAME # WHY. (NAME and WHY stay this function's own arguments while
# COMMAND runs, which may print results of its own.)
result() {
	if ktap_run_command "$@"; then ok "$1"; else not_ok "$1" "$2"; fi
}

# ktap_run_command NAME WHY COMMAND...: COMMAND's exit status.
ktap_run_command() {
	shift 2
	"$@"
}

# check NAME COMMAND...: result, saying which command failed.
check() {
	ktap_check_name=$1
	shift
	result "$ktap_check_name" "failed: $*" "$@"
}

# diag TEXT...: one diagnostic line.
diag() {
	ktap_out "# $*"
}

# diag_lines: each line of stdin as a diagnostic.
diag_lines() {
	while IFS= read -r ktap_line; do
		ktap_out "# $ktap_line"
	done
}

# ktap_label FILE LABEL: FILE's result and diagnostic lines on stdout with
# "[LABEL] " before each name (nothing added when LABEL is empty), carriage
# returns (serial consoles) dropped, other lines left out.
ktap_label() {
	ktap_tag=
	[ -z "$2" ] || ktap_tag="[$2] "
	tr -d '\r' <"$1" | while IFS= read -r ktap_line; do
		case "$ktap_line" in
		"ok "*) printf 'ok %s%s\n' "$ktap_tag" "${ktap_line#ok }" ;;
		"not ok "*) printf 'not ok %s%s\n' "$ktap_tag" "${ktap_line#not ok }" ;;
		"# "*) printf '# %s%s\n' "$ktap_tag" "${ktap_line#\# }" ;;
		esac
	done
}

# ktap_report FILE...: the KTAP report of the result lines of the FILEs, in
# order, then kselftest's totals diagnostic and the totals line; returns 1
# when a test failed or there was none at all.
ktap_report() {
	ktap_all=$(cat "$@" | tr -d '\r' | grep -E '^((not )?ok |# )' || true)
	echo "KTAP version 1"
	echo "1..$(printf '%s\n' "$ktap_all" | grep -cE '^(not )?ok ' || true)"
	printf '%s\n' "$ktap_all" | {
		ktap_pass=0
		ktap_fail=0
		ktap_skip=0
		while IFS= read -r ktap_line; do
			ktap_n=$((ktap_pass + ktap_fail + ktap_skip + 1))
			case "$ktap_line" in
			"ok "*" # SKIP"*)
				ktap_skip=$((ktap_skip + 1))
				printf 'ok %s - %s\n' "$ktap_n" "${ktap_line#ok }"
				;;
			"ok "*)
				ktap_pass=$((ktap_pass + 1))
				printf 'ok %s - %s\n' "$ktap_n" "${ktap_line#ok }"
				;;
			"not ok "*)
				ktap_fail=$((ktap_fail + 1))
				printf 'not ok %s - %s\n' "$ktap_n" "${ktap_line#not ok }"
				;;
			"# "*) printf '%s\n' "$ktap_line" ;;
			esac
		done
		echo "# Totals: pass:$ktap_pass fail:$ktap_fail skip:$ktap_skip"
		ktap_totals "$ktap_pass" "$ktap_fail" "$ktap_skip"
		[ "$ktap_fail" -eq 0 ] && [ "$((ktap_pass + ktap_skip))" -gt 0 ]
	}
}

# ktap_totals PASSED FAILED SKIPPED: the last line of a run.
ktap_totals() {
	if [ "$3" -gt 0 ]; then
		echo "$1 passed, $2 failed, $3 skipped"
	else
		echo "$1 passed, $2 failed"
	fi
}
