# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash
#
# Check 6: rustc's temporaries. Without --out-dir in scripts/Makefile.build,
# rustc creates them in its working folder, KDIR, which must be writable.

check_out_dir() {
	local mb=$KDIR/scripts/Makefile.build
	[ -f "$mb" ] || return 0
	if grep -v '^[[:space:]]*#' "$mb" | grep -q -- '--out-dir'; then
		doctor_ok "scripts/Makefile.build passes --out-dir to rustc"
	elif [ -w "$KDIR" ]; then
		doctor_ok "scripts/Makefile.build lacks --out-dir, but KDIR is writable (rustc leaves its temporaries there)"
	else
		doctor_problem "KDIR's scripts/Makefile.build lacks --out-dir and KDIR is not writable by $(id -un)" \
			"rustc runs in KDIR and creates its temporary files there: the build fails with 'Permission denied'" \
			"fix: patch that tree with scripts/patch-out-dir.sh KDIR (as its owner), or use a writable copy of the tree"
	fi
}
