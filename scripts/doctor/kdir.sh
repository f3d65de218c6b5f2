# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=bash disable=SC2034 # sets state the other checks read
#
# Check 1: KDIR is a configured, prepared kernel tree (a full build tree or
# a headers package). Sets KREL, CONF and KDIR_OK for the later checks.

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
	if [ -n "$KDIR" ] && [ -e "$KDIR" ] && [ ! -d "$KDIR" ]; then
		doctor_problem "KDIR=$KDIR is not a directory (it is a file): KDIR is a kernel's build tree or headers folder" "$(kdir_advice)"
		return
	fi
	if [ -z "$KDIR" ] || [ ! -d "$KDIR" ]; then
		doctor_problem "KDIR=${KDIR:-(unset)} does not exist" "$(kdir_advice)"
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
		doctor_problem "KDIR=$KDIR is not a configured, prepared kernel tree: missing$missing" \
			"${details[@]}" "$(kdir_advice)"
	else
		doctor_ok "KDIR is a built kernel tree: $KDIR (${KREL:-no kernel.release})"
	fi
	# The other checks only need the config.
	[ ! -f "$KDIR/.config" ] || KDIR_OK=1
}
