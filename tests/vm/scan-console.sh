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

patterns=()
for pattern in "${REPORTS[@]}"; do
	patterns+=(-e "$pattern")
	hit=$(grep -m1 -F -- "$pattern" "$CONSOLE" || true)
	if [ -z "$hit" ]; then
		ok "console: no '$pattern'"
	else
		not_ok "console: no '$pattern'" "found: ${hit%$'\r'}"
	fi
done
diag "figures: console lines reporting a kernel problem" \
	"$(grep -cF "${patterns[@]}" "$CONSOLE" || true) (expected 0)"
