# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
# Guest test of modules/misc_device: the node appears with the minor the
# module logs, the userspace test program checks every rule of the device
# (one result line per check), and the node goes away at unload.

after_load() {
	dev=$(cat /sys/class/misc/rust-misc/dev 2>/dev/null)
	expect_log "misc_device: Registered /dev/rust-misc, misc minor ${dev#*:}"
	check "$MOD: /dev/rust-misc is a character device" test -c /dev/rust-misc
	check "$MOD: /dev/rust-misc is misc major 10 (sysfs dev $dev)" \
		test "${dev%:*}" = 10

	/tests/bin/misc-device-test >&3
	status=$?
	if [ "$status" -le 1 ]; then
		ok "$MOD: userspace test program ran to completion"
	else
		not_ok "$MOD: userspace test program ran to completion" "exit status $status"
	fi
}

after_unload() {
	expect_log "misc_device: Unregistering /dev/rust-misc"
	check "$MOD: /dev/rust-misc removed" test ! -e /dev/rust-misc
}
