# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# Guest-side helpers, sourced by /init inside the test VM (busybox sh).
#
# Results go to file descriptor 3, the second serial port (/dev/ttyS1), one
# per line, printed by the workspace's one result printer (tests/lib/ktap.sh,
# the same file as on the host): ok NAME / not ok NAME # WHY /
# ok NAME # SKIP WHY / # DIAGNOSTIC; and "end" when the guest finished. The
# host labels and numbers them into KTAP (tests/ktap-report.sh). The kernel
# console stays on ttyS0, so printk output never splits a result.
KTAP_FD=3
# shellcheck source=tests/lib/ktap.sh
. /tests/lib/ktap.sh

# cmdline_value NAME: the value of NAME=... on the kernel command line.
cmdline_value() {
	read -r cmdline </proc/cmdline
	for word in $cmdline; do
		case "$word" in
		"$1="*) echo "${word#*=}" ;;
		esac
	done
}

# check NAME COMMAND...: ok when COMMAND succeeds.
check() {
	name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name" "failed: $*"; fi
}

# The kernel log since the last `dmesg -c`, without level prefixes or
# timestamps, so lines compare exactly.
kmsg() {
	dmesg | sed -e 's/^<[0-9]*>//' -e 's/^\[ *[0-9.]*\] //'
}

# expect_log LINE: the kernel log has exactly this line.
expect_log() {
	if kmsg | grep -qxF -- "$1"; then
		ok "$MOD: kernel log has '$1'"
	else
		not_ok "$MOD: kernel log has '$1'" "missing; the module logged:"
		kmsg | grep -F "$MOD" | sed 's/^/  /' | diag_lines
	fi
}

# Taint bits other than O (out-of-tree module loaded, 4096): loading one of
# our modules sets O, nothing else may appear.
taint_but_oot() {
	echo $(($(cat /proc/sys/kernel/tainted) & ~4096))
}

counters() {
	echo "taint=$(taint_but_oot) warn=$(cat /sys/kernel/warn_count) oops=$(cat /sys/kernel/oops_count)"
}

# module_hooks NAME: the hooks of the module's guest test,
# /tests/modules/NAME/guest.sh (tests/modules/NAME/guest.sh in the
# workspace), each a no-op unless the script defines it:
#   after_load     its tests while it is loaded
#   after_unload   its tests once it is unloaded
#   use_module     a short use of the module, done in each load/unload cycle
#                  of the debug tests (debug.sh); fails when the use fails
module_hooks() {
	MOD=$1
	after_load() { :; }
	after_unload() { :; }
	# shellcheck disable=SC2317 # called by debug.sh
	use_module() { :; }
	# shellcheck disable=SC1090 # one test script per module
	. "/tests/modules/$MOD/guest.sh"
}

# test_module NAME: load /modules/NAME.ko, run the hooks of its guest test,
# unload it, and check that the kernel's taint, WARN and oops counters did
# not move.
test_module() {
	module_hooks "$1"

	ko=/modules/$MOD.ko
	if [ ! -f "$ko" ]; then
		not_ok "$MOD: module built" "$ko is not in the initramfs"
		return
	fi
	before=$(counters)
	dmesg -c >/dev/null

	if insmod "$ko" 2>/tmp/insmod.err; then
		ok "$MOD: insmod"
	else
		not_ok "$MOD: insmod" "$(cat /tmp/insmod.err)"
		return
	fi
	check "$MOD: listed in /proc/modules" grep -q "^$MOD " /proc/modules
	after_load

	if rmmod "$MOD" 2>/tmp/rmmod.err; then
		ok "$MOD: rmmod"
	else
		not_ok "$MOD: rmmod" "$(cat /tmp/rmmod.err)"
	fi
	check "$MOD: gone from /proc/modules" sh -c "! grep -q '^$MOD ' /proc/modules"
	after_unload

	kmsg | sed "s/^/$MOD log: /" | diag_lines
	after=$(counters)
	if [ "$before" = "$after" ]; then
		ok "$MOD: no new taint, WARN or oops"
	else
		not_ok "$MOD: no new taint, WARN or oops" "before: $before, after: $after"
	fi
}
