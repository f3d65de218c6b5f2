#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# After a VM run: the guest must have reached its end marker, and the
# kernel console must show no report of a kernel problem, whatever the
# tests said.
#
#   tests/vm/scan-console.sh CONSOLE GUEST_RESULTS
#
# Prints one result line per check, and the count as a diagnostic.
set -eu
WS_TAG=vm
# shellcheck source=scripts/lib.sh
. "$WS/scripts/lib.sh"

[ $# -eq 2 ] || die "usage: $0 CONSOLE GUEST_RESULTS"
CONSOLE=$1
RESULTS=$2

# What on the console means the kernel is unhealthy. The debug kernel's
# reports come first, so that a failure names them.
REPORTS=('BUG: KASAN' 'suspected memory leaks' 'possible recursive locking'
	'possible circular locking' 'inconsistent lock state'
	'sleeping function called from invalid context' 'ODEBUG'
	'Oops' 'BUG:' 'WARNING:' 'Call Trace' 'Kernel panic'
	'rust_kernel: panicked' 'general protection fault')

if tr -d '\r' <"$RESULTS" | grep -qx end; then
	ok "vm: guest ran every test (end marker seen)"
else
	not_ok "vm: guest ran every test (end marker seen)" "no end marker; see $CONSOLE"
fi

# The one report the tests cause on purpose: on a kernel without failslab's
# stack trace filter, the debug tests fail the module loader's allocations
# too, and a vmalloc() that fails prints a warn_alloc() report with a stack
# trace. Only those reports, only between the guest's markers
# (tests/guest/debug.sh), are taken out before the scan, up to the end of
# their trace; everything else is scanned.
scanned=$(mktemp)
trap 'rm -f "$scanned"' EXIT
tr -d '\r' <"$CONSOLE" | awk -v excused_file="$scanned.excused" '
	/ws: fault injection without a stack filter: begin/ { window = 1 }
	/ws: fault injection without a stack filter: end/ { window = 0 }
	window && !skip && /: vmalloc error: / { skip = 1; excused++; next }
	skip { if ($0 ~ /^ *<\/TASK>$/) skip = 0; next }
	{ print }
	END { print excused + 0 >excused_file }' >"$scanned"
excused=$(cat "$scanned.excused")
rm -f "$scanned.excused"
[ "$excused" -eq 0 ] ||
	diag "console: $excused warn_alloc() reports of the loader's injected vmalloc() failures taken out before the scan"

patterns=()
for pattern in "${REPORTS[@]}"; do
	patterns+=(-e "$pattern")
	hit=$(grep -m1 -F -- "$pattern" "$scanned" || true)
	if [ -z "$hit" ]; then
		ok "console: no '$pattern'"
	else
		not_ok "console: no '$pattern'" "found: ${hit%$'\r'}"
	fi
done
diag "figures: console lines reporting a kernel problem" \
	"$(grep -cF "${patterns[@]}" "$scanned" || true) (expected 0)"
