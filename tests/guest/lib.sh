# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# Guest-side helpers, sourced by /init inside the test VM (busybox sh).
#
# Results go to file descriptor 3, the second serial port (/dev/ttyS1), one
# per line, and tests/run-vm.sh on the host numbers them into KTAP:
#   ok <name>
#   not ok <name> # <why>
#   # <diagnostic>
#   end                      (the guest finished)
# The kernel console stays on ttyS0, so printk output never splits a result.

ok() {
	echo "ok $1" >&3
}

not_ok() {
	echo "not ok $1 # ${2:-}" >&3
}

diag() {
	echo "# $*" >&3
}

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
		kmsg | grep -F "$MOD" | sed 's/^/#   /' >&3
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

# test_module NAME: load /modules/NAME.ko, run the hooks of
# /tests/modules/NAME.sh (after_load, after_unload), unload it, and check
# that the kernel's taint, WARN and oops counters did not move.
test_module() {
	MOD=$1
	after_load() { :; }
	after_unload() { :; }
	# shellcheck disable=SC1090 # one test script per module
	. "/tests/modules/$MOD.sh"

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

	kmsg | sed "s/^/# $MOD log: /" >&3
	after=$(counters)
	if [ "$before" = "$after" ]; then
		ok "$MOD: no new taint, WARN or oops"
	else
		not_ok "$MOD: no new taint, WARN or oops" "before: $before, after: $after"
	fi
}
